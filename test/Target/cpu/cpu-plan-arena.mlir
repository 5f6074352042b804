// RUN: ingot-opt %s --split-input-file --cpu-plan-arena | FileCheck %s

// %a dies (its last use is through a subview) before %c is allocated, so %c
// reuses offset 0; %b overlaps both and sits after %a at the next 64-byte
// boundary. The returned %out stays an allocation: in the arena it would
// be copied out into a block of its own on every run.
// CHECK-LABEL: module attributes {ingot.arena_bytes = 128 : i64}
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[ARENA:[^:]*]]: memref<?xi8> {ingot.memory = "arena"}
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[ARENA]][%[[C0]]][] : memref<?xi8> to memref<16xf32>
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[ARENA]][%[[C64]]][] : memref<?xi8> to memref<4xf32>
// CHECK: %[[C0_2:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[ARENA]][%[[C0_2]]][] : memref<?xi8> to memref<8xf32>
// CHECK-NOT: memref.view
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NOT: memref.view
// CHECK: return %[[OUT]]
module {
  func.func @main(%x: memref<16xf32>) -> memref<4xf32> {
    %a = memref.alloc() : memref<16xf32>
    memref.copy %x, %a : memref<16xf32> to memref<16xf32>
    %b = memref.alloc() : memref<4xf32>
    %sa = memref.subview %a[0] [4] [1] : memref<16xf32> to memref<4xf32, strided<[1]>>
    memref.copy %sa, %b : memref<4xf32, strided<[1]>> to memref<4xf32>
    %c = memref.alloc() : memref<8xf32>
    %sc = memref.subview %c[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
    memref.copy %b, %sc : memref<4xf32> to memref<4xf32, strided<[1]>>
    %out = memref.alloc() : memref<4xf32>
    memref.copy %sc, %out : memref<4xf32, strided<[1]>> to memref<4xf32>
    return %out : memref<4xf32>
  }
}

// -----

// A use inside a loop keeps %t alive until the loop ends, and no longer:
// %u, allocated after the loop, takes the same offset. Run-time sized
// buffers stay allocations.
// CHECK-LABEL: module attributes {ingot.arena_bytes = 64 : i64}
// CHECK-LABEL: func.func @main
// CHECK: %[[T:.*]] = memref.view {{.*}} to memref<8xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: scf.for
// CHECK: memref.load %[[T]]
// CHECK: %[[U:.*]] = memref.view {{.*}} to memref<8xf32>
// CHECK: memref.copy %[[U]], %[[OUT:.*]] :
// CHECK: return %[[OUT]]
module {
  func.func @main(%x: memref<8xf32>, %n: index) -> memref<8xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %t = memref.alloc() : memref<8xf32>
    memref.copy %x, %t : memref<8xf32> to memref<8xf32>
    %d = memref.alloc(%n) : memref<?xf32>
    scf.for %i = %c0 to %c8 step %c1 {
      %v = memref.load %t[%i] : memref<8xf32>
      memref.store %v, %d[%c0] : memref<?xf32>
    }
    %u = memref.alloc() : memref<8xf32>
    memref.copy %x, %u : memref<8xf32> to memref<8xf32>
    %out = memref.alloc() : memref<8xf32>
    memref.copy %u, %out : memref<8xf32> to memref<8xf32>
    return %out : memref<8xf32>
  }
}
