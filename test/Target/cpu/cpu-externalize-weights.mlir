// RUN: ingot-opt %s --split-input-file --cpu-externalize-weights=min-bytes=16 | FileCheck %s

// Large constants become views of the weights argument at 64-byte aligned
// offsets and their bytes move to the ingot.weights resource; small ones and
// splats stay in the code.
// CHECK-LABEL: module attributes {ingot.weights = dense_resource<ingot_weights> : tensor<80xi8>}
// CHECK-NOT: memref.global "private" constant @big
// CHECK: memref.global "private" constant @small
// CHECK: memref.global "private" constant @splat
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[W:[^:]*]]: memref<?xi8> {ingot.memory = "weights"}
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[W]][%[[C0]]][] : memref<?xi8> to memref<5xf32>
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[W]][%[[C64]]][] : memref<?xi8> to memref<4xf32>
// CHECK: memref.get_global @small
// CHECK: memref.get_global @splat
// 1.0 2.0 3.0 4.0 4.0 (little-endian f32), zeros to offset 64, 5.0 6.0 7.0 8.0:
// CHECK: ingot_weights: "0x01000000
// CHECK-SAME: 0000803F0000004000004040000080400000804000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000A0400000C0400000E04000000041"
module {
  memref.global "private" constant @big : memref<5xf32> = dense<[1.0, 2.0, 3.0, 4.0, 4.0]>
  memref.global "private" constant @big2 : memref<4xf32> = dense<[5.0, 6.0, 7.0, 8.0]>
  memref.global "private" constant @small : memref<2xf32> = dense<[1.0, 2.0]>
  memref.global "private" constant @splat : memref<8xf32> = dense<1.0>
  func.func @main(%x: memref<4xf32>) -> (memref<5xf32>, memref<4xf32>, memref<2xf32>, memref<8xf32>) {
    %a = memref.get_global @big : memref<5xf32>
    %b = memref.get_global @big2 : memref<4xf32>
    %c = memref.get_global @small : memref<2xf32>
    %d = memref.get_global @splat : memref<8xf32>
    return %a, %b, %c, %d : memref<5xf32>, memref<4xf32>, memref<2xf32>, memref<8xf32>
  }
}
