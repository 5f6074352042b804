// RUN: ingot-opt %s --cpu-report-failed-checks | FileCheck %s

// A failed check hands its message to the runtime's `puts` and goes on: no
// abort, the code after the check still runs.
// The message as null-terminated bytes: "node 'g' (Gather): index out of range".
// CHECK-DAG: llvm.func @puts(!llvm.ptr)
// CHECK-DAG: llvm.mlir.global private constant @assert_msg(dense<[110, 111, 100, 101, 32, 39, 103, 39, 32, 40, 71, 97, 116, 104, 101, 114, 41, 58, 32, 105, 110, 100, 101, 120, 32, 111, 117, 116, 32, 111, 102, 32, 114, 97, 110, 103, 101, 0]> : tensor<38xi8>)
// CHECK-LABEL: func.func @main(
// CHECK: llvm.cond_br %{{.*}}, ^[[CONTINUE:.*]], ^[[FAILED:.*]]
// CHECK: ^[[CONTINUE]]:
// CHECK: return %{{.*}} : index
// CHECK: ^[[FAILED]]:
// CHECK: llvm.call @puts
// CHECK-NEXT: llvm.br ^[[CONTINUE]]
// CHECK-NOT: abort
// CHECK-NOT: cf.assert
func.func @main(%ok: i1, %i: index) -> index {
  cf.assert %ok, "node 'g' (Gather): index out of range"
  return %i : index
}
