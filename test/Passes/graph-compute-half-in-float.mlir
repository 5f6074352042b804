// RUN: ingot-opt %s -graph-compute-half-in-float -split-input-file | FileCheck %s
// Ops that compute on float16/bfloat16 get f32 operands and their results
// cast back, so each op rounds once, as ONNX Runtime's f16 kernels do; ops
// exact in any precision (moves, compares, Relu) and region terminators are
// left alone.

// CHECK-LABEL: func.func @arithmetic_in_f32
// CHECK: %[[X:.*]] = graph.cast %arg0 {to = 1 : i64} : (tensor<3xf16>) -> tensor<3xf32>
// CHECK: %[[Y:.*]] = graph.cast %arg1 {to = 1 : i64} : (tensor<3xf16>) -> tensor<3xf32>
// CHECK: %[[S:.*]] = graph.add %[[X]], %[[Y]] : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
// CHECK: %[[H:.*]] = graph.cast %[[S]] {to = 10 : i64} : (tensor<3xf32>) -> tensor<3xf16>
// CHECK: graph.relu %[[H]] : (tensor<3xf16>) -> tensor<3xf16>
func.func @arithmetic_in_f32(%x: tensor<3xf16>, %y: tensor<3xf16>) -> tensor<3xf16> {
  %0 = graph.add %x, %y : (tensor<3xf16>, tensor<3xf16>) -> tensor<3xf16>
  %1 = graph.relu %0 : (tensor<3xf16>) -> tensor<3xf16>
  return %1 : tensor<3xf16>
}

// -----

// CHECK-LABEL: func.func @bfloat16
// CHECK: graph.cast %arg0 {to = 1 : i64} : (tensor<2xbf16>) -> tensor<2xf32>
// CHECK: graph.exp {{.*}} : (tensor<2xf32>) -> tensor<2xf32>
// CHECK: graph.cast {{.*}} {to = 16 : i64} : (tensor<2xf32>) -> tensor<2xbf16>
func.func @bfloat16(%x: tensor<2xbf16>) -> tensor<2xbf16> {
  %0 = graph.exp %x : (tensor<2xbf16>) -> tensor<2xbf16>
  return %0 : tensor<2xbf16>
}

// -----

// CHECK-LABEL: func.func @subgraph_outputs_keep_their_type
// A subgraph's yield passes its values on as they are (the op yielding
// them has already been cast back).
// CHECK: graph.if
// CHECK: graph.cast {{.*}} {to = 10 : i64} : (tensor<3xf32>) -> tensor<3xf16>
// CHECK: graph.yield %{{.*}} : tensor<3xf16>
// CHECK: } else {
// CHECK: graph.yield %arg1 : tensor<3xf16>
func.func @subgraph_outputs_keep_their_type(%c: tensor<i1>, %x: tensor<3xf16>) -> tensor<3xf16> {
  %0 = graph.if %c : tensor<i1> -> tensor<3xf16> {
    %t = graph.tanh %x : (tensor<3xf16>) -> tensor<3xf16>
    graph.yield %t : tensor<3xf16>
  } else {
    graph.yield %x : tensor<3xf16>
  }
  return %0 : tensor<3xf16>
}
