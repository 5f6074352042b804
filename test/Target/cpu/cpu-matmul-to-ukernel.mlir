// RUN: ingot-opt %s --split-input-file --cpu-matmul-to-ukernel | FileCheck %s
// RUN: ingot-opt %s --split-input-file --cpu-matmul-to-ukernel --canonicalize | FileCheck %s --check-prefix=FOLDED

// A 2-D fp32 matmul: a parallel loop over 192 x 128 tiles of C, one call of
// the micro-kernel per tile on strided views, its status checked.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: memref<100x50xf32>, %[[B:.*]]: memref<50x300xf32>, %[[C:.*]]: memref<100x300xf32>)
// Tiles of equal size, split by columns while they keep 128 (300 in two,
// rounded up to the kernel width 16: 160), then by rows while they keep 48
// (100 in two, rounded up to a multiple of 12: 60), towards 8 tiles.
// CHECK-DAG: %[[ROWS:.*]] = arith.constant 60 : index
// CHECK-DAG: %[[COLS:.*]] = arith.constant 160 : index
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = ({{.*}}) to ({{.*}}) step (%[[ROWS]], %[[COLS]])
// C is added to (no zero fill before): `overwrite` is 0.
// CHECK: %[[ADD:.*]] = arith.constant 0 : i32
// CHECK: memref.subview {{.*}}[%[[I]], %{{.*}}] [
// CHECK: memref.subview {{.*}}[%{{.*}}, %[[J]]] [
// CHECK: memref.subview {{.*}}[%[[I]], %[[J]]] [
// CHECK: %[[S:.*]] = func.call @ingot_sgemm_f32({{.*}}, %[[ADD]]) {ingot.estimated_work = {{[0-9]+}} : i64} : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32) -> i32
// CHECK: graph.runtime_check {{.*}}the matrix multiply kernel failed with status {0} (1: cannot allocate its packing buffers, 2: a tile of weights off its panels, 3: a convolution tile not of whole output rows)
// CHECK-NOT: linalg.matmul
// CHECK: func.func private @ingot_sgemm_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32) -> i32
func.func @matmul(%a: memref<100x50xf32>, %b: memref<50x300xf32>, %c: memref<100x300xf32>) {
  linalg.matmul ins(%a, %b : memref<100x50xf32>, memref<50x300xf32>) outs(%c : memref<100x300xf32>)
  return
}

// -----

// Sizes known only at run time: the operands are checked to agree (B's rows
// with A's columns, A's rows and B's columns with C's) before the kernel
// reads them.
// CHECK-LABEL: func.func @runtime_sizes
// CHECK: graph.runtime_check {{.*}}matrix multiply operand 0 has size {0} in dim 0, expected {1}
// CHECK: graph.runtime_check {{.*}}matrix multiply operand 1 has size {0} in dim 0, expected {1}
// CHECK: graph.runtime_check {{.*}}matrix multiply operand 1 has size {0} in dim 1, expected {1}
// CHECK-NOT: operand 0 has size {0} in dim 1
// CHECK: scf.parallel
func.func @runtime_sizes(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// -----

// Gemm's transposed B (maps (m, n, k) -> (n, k)) is a transposed view.
// CHECK-LABEL: func.func @transposed_b
// CHECK: memref.transpose %{{.*}} (d0, d1) -> (d1, d0)
// CHECK: func.call @ingot_sgemm_f32
// CHECK-NOT: linalg.generic
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (n, k)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @transposed_b(%a: memref<8x4xf32>, %b: memref<6x4xf32>, %c: memref<8x6xf32>) {
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x4xf32>, memref<6x4xf32>) outs(%c : memref<8x6xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A batched matmul with B broadcast over the batch: the batch index is a
// loop of the parallel nest; B's view takes index 0 of its size-1 batch dim.
// CHECK-LABEL: func.func @batched
// CHECK: scf.parallel (%[[N:.*]], %{{.*}}, %{{.*}}) =
// CHECK: memref.subview %{{.*}}[%[[N]], 0, 0] [1, %{{.*}}, %{{.*}}] [1, 1, 1] : memref<3x16x4xf32>
// CHECK: memref.subview %{{.*}}[0, 0, 0] [1, %{{.*}}, %{{.*}}] [1, 1, 1] : memref<1x4x5xf32>
// CHECK: func.call @ingot_sgemm_f32
#bA = affine_map<(b, m, n, k) -> (b, m, k)>
#bB = affine_map<(b, m, n, k) -> (0, k, n)>
#bC = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched(%a: memref<3x16x4xf32>, %b: memref<1x4x5xf32>, %c: memref<3x16x5xf32>) {
  linalg.generic {indexing_maps = [#bA, #bB, #bC], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<3x16x4xf32>, memref<1x4x5xf32>) outs(%c : memref<3x16x5xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not fp32, or not a plain multiply-add: left to become loops.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK-NOT: func.call
#lA = affine_map<(m, n, k) -> (m, k)>
#lB = affine_map<(m, n, k) -> (k, n)>
#lC = affine_map<(m, n, k) -> (m, n)>
func.func @left_alone(%a: memref<4x4xf64>, %b: memref<4x4xf64>, %c: memref<4x4xf64>,
                      %x: memref<4x4xf32>, %y: memref<4x4xf32>, %z: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>)
  linalg.generic {indexing_maps = [#lA, #lB, #lC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %y : memref<4x4xf32>, memref<4x4xf32>) outs(%z : memref<4x4xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %e = math.exp %m : f32
    %s = arith.addf %acc, %e : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Inside a loop over a dispatch region's tiles, the op is one tile: one
// call on the whole of it, no loop of its own.
// CHECK-LABEL: func.func @one_tile
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: func.call @ingot_sgemm_f32
// CHECK-NOT: scf.parallel
func.func @one_tile(%a: memref<400x50xf32>, %b: memref<50x300xf32>, %c: memref<400x300xf32>) {
  %c0 = arith.constant 0 : index
  %c200 = arith.constant 200 : index
  %c400 = arith.constant 400 : index
  scf.parallel (%i) = (%c0) to (%c400) step (%c200) {
    %ta = memref.subview %a[%i, 0] [200, 50] [1, 1] : memref<400x50xf32> to memref<200x50xf32, strided<[50, 1], offset: ?>>
    %tc = memref.subview %c[%i, 0] [200, 300] [1, 1] : memref<400x300xf32> to memref<200x300xf32, strided<[300, 1], offset: ?>>
    linalg.matmul ins(%ta, %b : memref<200x50xf32, strided<[50, 1], offset: ?>>, memref<50x300xf32>)
                  outs(%tc : memref<200x300xf32, strided<[300, 1], offset: ?>>)
    scf.reduce
  }
  return
}

// -----

// A 2-D convolution: one call per image, W as [F, C*kh*kw], the output as
// [F, OH*OW], the window geometry as arguments; with static sizes the
// window bounds' checks fold away.
// FOLDED-LABEL: func.func @conv2d
// FOLDED-NOT: graph.runtime_check {{.*}}windows
// FOLDED: call @ingot_sconv2d_f32
// FOLDED-LABEL: func.func @conv2d_runtime_sizes
// CHECK-LABEL: func.func @conv2d
// CHECK: %[[W:.*]] = memref.collapse_shape %arg1 {{\[\[}}0], [1, 2, 3]] : memref<4x3x3x3xf32> into memref<4x27xf32>
// CHECK: scf.parallel (%[[N:.*]]) =
// CHECK: memref.subview %arg0[%[[N]], 0, 0, 0] [1, 3, 10, 10] [1, 1, 1, 1] : memref<2x3x10x10xf32> to memref<3x10x10xf32
// CHECK: memref.collapse_shape {{.*}} {{\[\[}}0], [1, 2]] : memref<4x4x4xf32, {{.*}}> into memref<4x16xf32
// CHECK: func.call @ingot_sconv2d_f32({{.*}}) {ingot.estimated_work = 1728 : i64}
// CHECK: graph.runtime_check {{.*}}the matrix multiply kernel failed with status
// CHECK-NOT: linalg.conv_2d
// CHECK: func.func private @ingot_sconv2d_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i64, i32) -> i32
func.func @conv2d(%x: memref<2x3x10x10xf32>, %w: memref<4x3x3x3xf32>, %y: memref<2x4x4x4xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : memref<2x3x10x10xf32>, memref<4x3x3x3xf32>) outs(%y : memref<2x4x4x4xf32>)
  return
}

// -----

// Sizes known only at run time: the channels, filters and window bounds
// are checked before the call.
// CHECK-LABEL: func.func @conv2d_runtime_sizes
// CHECK: graph.runtime_check {{.*}}convolution input has {0} channels, the weights {1}
// CHECK: graph.runtime_check {{.*}}convolution output has {0} filters, the weights {1}
// CHECK: graph.runtime_check {{.*}}convolution windows reach row {0} of an input of {1}
// CHECK: graph.runtime_check {{.*}}convolution windows reach column {0} of an input of {1}
// CHECK: call @ingot_sconv2d_f32
func.func @conv2d_runtime_sizes(%x: memref<1x?x?x12xf32>, %w: memref<?x3x3x3xf32>, %y: memref<1x?x?x10xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x?x?x12xf32>, memref<?x3x3x3xf32>) outs(%y : memref<1x?x?x10xf32>)
  return
}

// -----

// A constant A (weights) is packed now into the kernel's panels: 12 rows
// per panel (zero past the last), each as K groups of 12 values; the call
// reads them with A's first row (a tile's row offset) and K.
// CHECK-LABEL: memref.global "private" constant @weights_panels : memref<36xf32> = dense_resource<weights_panels> {alignment = 64 : i64}
// CHECK-LABEL: func.func @constant_a
// CHECK: %[[P:.*]] = memref.get_global @weights_panels : memref<36xf32>
// CHECK: %[[F:.*]] = memref.cast %[[P]] : memref<36xf32> to memref<?xf32, strided<[?], offset: ?>>
// CHECK: %[[ROW:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[K:.*]] = arith.constant 3 : i64
// CHECK: call @ingot_sgemm_panels_f32(%[[F]], %[[ROW]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}})
// Panel 0, k = 0: rows 0 and 1 (1.0, 4.0), then zeros; k = 1: 2.0, 5.0, ...
// CHECK: weights_panels: "0x040000000000803F000080400000000000000000
memref.global "private" constant @weights : memref<2x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]>
func.func @constant_a(%b: memref<3x5xf32>, %c: memref<2x5xf32>) {
  %a = memref.get_global @weights : memref<2x3xf32>
  linalg.matmul ins(%a, %b : memref<2x3xf32>, memref<3x5xf32>) outs(%c : memref<2x5xf32>)
  return
}

// -----

// A zero fill of C right before the product: the kernel stores C instead
// of adding to it (`overwrite` 1) and the fill goes.
// CHECK-LABEL: func.func @zero_fill_dropped
// CHECK-NOT: linalg.fill
// CHECK: %[[STORE:.*]] = arith.constant 1 : i32
// CHECK: func.call @ingot_sgemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[STORE]])
// CHECK-NOT: linalg.fill
func.func @zero_fill_dropped(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  return
}

// -----

// Fills kept: one of another value, one with a store between it and the
// product, one that also zeroes an input.
// CHECK-LABEL: func.func @fills_kept
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg2
// CHECK: %[[ADD:.*]] = arith.constant 0 : i32
// CHECK: func.call @ingot_sgemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[ADD]])
// CHECK: linalg.fill
// CHECK: memref.store
// CHECK: func.call @ingot_sgemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[ADD]])
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg3
// CHECK: func.call @ingot_sgemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[ADD]])
func.func @fills_kept(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x6xf32>, %s: memref<8x8xf32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%one : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<8x6xf32>)
  memref.store %one, %c[%i, %i] : memref<8x6xf32>
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  linalg.fill ins(%zero : f32) outs(%s : memref<8x8xf32>)
  linalg.matmul ins(%s, %s : memref<8x8xf32>, memref<8x8xf32>) outs(%s : memref<8x8xf32>)
  return
}

// -----

// A convolution's input zero-padded by a copy into a filled buffer: the
// kernel reads x itself, its first window at (-1, -1), and the buffer, its
// fill and the copy go; the output's zero fill goes too (`overwrite` 1).
// FOLDED-LABEL: func.func @padded_input_read_in_place
// FOLDED-NOT: memref.alloc() : memref<1x3x10x10xf32>
// FOLDED-NOT: linalg.fill
// FOLDED-NOT: memref.copy
// FOLDED-DAG: %[[NEG:.*]] = arith.constant -1 : i64
// FOLDED-DAG: %[[STORE:.*]] = arith.constant 1 : i32
// FOLDED: %[[IMAGE:.*]] = memref.subview %arg0[0, 0, 0, 0] [1, 3, 8, 8] [1, 1, 1, 1]
// FOLDED: %[[X:.*]] = memref.cast %[[IMAGE]]
// FOLDED: call @ingot_sconv2d_f32(%{{.*}}, %[[X]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NEG]], %[[NEG]], %[[STORE]])
// CHECK-LABEL: func.func @padded_input_read_in_place
// CHECK: memref.alloc() : memref<1x4x8x8xf32>
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.copy
// CHECK: call @ingot_sconv2d_f32
// CHECK: memref.copy %{{.*}}, %arg2
func.func @padded_input_read_in_place(%x: memref<1x3x8x8xf32>, %w: memref<4x3x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %padded = memref.alloc() : memref<1x3x10x10xf32>
  linalg.fill ins(%zero : f32) outs(%padded : memref<1x3x10x10xf32>)
  %interior = memref.subview %padded[0, 0, 1, 1] [1, 3, 8, 8] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x8x8xf32, strided<[300, 100, 10, 1], offset: 11>>
  memref.copy %x, %interior : memref<1x3x8x8xf32> to memref<1x3x8x8xf32, strided<[300, 100, 10, 1], offset: 11>>
  %out = memref.alloc() : memref<1x4x8x8xf32>
  linalg.fill ins(%zero : f32) outs(%out : memref<1x4x8x8xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%padded, %w : memref<1x3x10x10xf32>, memref<4x3x3x3xf32>) outs(%out : memref<1x4x8x8xf32>)
  memref.copy %out, %y : memref<1x4x8x8xf32> to memref<1x4x8x8xf32>
  return
}

// -----

// x written after it was copied into the padded buffer: the copy is what
// the convolution must read, so the buffer stays.
// CHECK-LABEL: func.func @padded_input_kept
// CHECK: memref.alloc
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: call @ingot_sconv2d_f32
func.func @padded_input_kept(%x: memref<1x3x8x8xf32>, %w: memref<4x3x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %padded = memref.alloc() : memref<1x3x10x10xf32>
  linalg.fill ins(%zero : f32) outs(%padded : memref<1x3x10x10xf32>)
  %interior = memref.subview %padded[0, 0, 1, 1] [1, 3, 8, 8] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x8x8xf32, strided<[300, 100, 10, 1], offset: 11>>
  memref.copy %x, %interior : memref<1x3x8x8xf32> to memref<1x3x8x8xf32, strided<[300, 100, 10, 1], offset: 11>>
  linalg.fill ins(%zero : f32) outs(%x : memref<1x3x8x8xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%padded, %w : memref<1x3x10x10xf32>, memref<4x3x3x3xf32>) outs(%y : memref<1x4x8x8xf32>)
  return
}

// -----

// x written in the loop after the convolution: the next iteration's
// convolution must still read the copy, so the buffer stays.
// CHECK-LABEL: func.func @padded_input_written_in_loop
// CHECK: memref.alloc
// CHECK: memref.copy
// CHECK: scf.for
// CHECK: call @ingot_sconv2d_f32
func.func @padded_input_written_in_loop(%x: memref<1x3x8x8xf32>, %w: memref<4x3x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %padded = memref.alloc() : memref<1x3x10x10xf32>
  linalg.fill ins(%zero : f32) outs(%padded : memref<1x3x10x10xf32>)
  %interior = memref.subview %padded[0, 0, 1, 1] [1, 3, 8, 8] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x8x8xf32, strided<[300, 100, 10, 1], offset: 11>>
  memref.copy %x, %interior : memref<1x3x8x8xf32> to memref<1x3x8x8xf32, strided<[300, 100, 10, 1], offset: 11>>
  scf.for %i = %c0 to %c2 step %c1 {
    linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %w : memref<1x3x10x10xf32>, memref<4x3x3x3xf32>) outs(%y : memref<1x4x8x8xf32>)
    linalg.fill ins(%zero : f32) outs(%x : memref<1x3x8x8xf32>)
  }
  return
}

// -----

// A constant B (a MatMul's weights) is packed now into 16-column panels
// (zero past the last column), each as K groups of 16 values; the call
// reads them with the tile's first column and K, and the weights in their
// first layout are gone (not stored twice).
// CHECK-NOT: memref.global "private" constant @b_weights :
// CHECK-LABEL: memref.global "private" constant @b_weights_bpanels : memref<48xf32> = dense_resource<b_weights_bpanels> {alignment = 64 : i64}
// CHECK-LABEL: func.func @constant_b
// CHECK: %[[P:.*]] = memref.get_global @b_weights_bpanels : memref<48xf32>
// CHECK: %[[F:.*]] = memref.cast %[[P]]
// CHECK: %[[COL:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[K:.*]] = arith.constant 3 : i64
// CHECK: call @ingot_sgemm_bpanels_f32(%{{.*}}, %[[F]], %[[COL]], %[[K]], %{{.*}}, %{{.*}})
// Panel 0, k = 0: columns 0 and 1 (1.0, 2.0), then zeros.
// CHECK: b_weights_bpanels: "0x040000000000803F0000004000000000
memref.global "private" constant @b_weights : memref<3x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]>
func.func @constant_b(%a: memref<4x3xf32>, %c: memref<4x2xf32>) {
  %b = memref.get_global @b_weights : memref<3x2xf32>
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  return
}

// -----

// Gemm's transposed constant B ([N, K]): packed into the same panels, so
// the kernel never reads B across its rows.
// CHECK-LABEL: memref.global "private" constant @t_weights_tbpanels : memref<48xf32>
// CHECK-LABEL: func.func @constant_transposed_b
// CHECK-NOT: memref.transpose
// CHECK: call @ingot_sgemm_bpanels_f32
// Panel 0, k = 0: B[0][0] = 1.0 and B[1][0] = 4.0, then zeros.
// CHECK: t_weights_tbpanels: "0x040000000000803F0000804000000000
#tA = affine_map<(m, n, k) -> (m, k)>
#tB = affine_map<(m, n, k) -> (n, k)>
#tC = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @t_weights : memref<2x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]>
func.func @constant_transposed_b(%a: memref<4x3xf32>, %c: memref<4x2xf32>) {
  %b = memref.get_global @t_weights : memref<2x3xf32>
  linalg.generic {indexing_maps = [#tA, #tB, #tC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x3xf32>, memref<2x3xf32>) outs(%c : memref<4x2xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Constant weights over 49 columns of C (a 1x1 convolution on a 7 x 7
// plane), on a dispatch region's tiles of 48 filters: the product runs
// transposed, C^T = B^T A^T, so that the 49 columns become rows of 12-row
// tiles. The weights' rows are B's column panels (`_tbpanels`), the
// tile's first filter their first column; A and C are transposed views.
// CHECK-LABEL: memref.global "private" constant @pointwise_tbpanels : memref<3072xf32>
// CHECK-LABEL: func.func @transposed_product
// CHECK: scf.forall (%[[F:.*]]) = (0) to (96) step (48)
// CHECK-DAG: %[[PANELS:.*]] = memref.get_global @pointwise_tbpanels
// CHECK-DAG: %[[AT:.*]] = memref.transpose %{{.*}} (d0, d1) -> (d1, d0)
// CHECK-DAG: %[[CT:.*]] = memref.transpose %{{.*}} (d0, d1) -> (d1, d0)
// CHECK: %[[COL0:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: call @ingot_sgemm_bpanels_f32(%{{.*}}, %{{.*}}, %[[COL0]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: ingot_sgemm_panels_f32
memref.global "private" constant @pointwise : memref<96x32xf32> = dense<1.0>
func.func @transposed_product(%x: memref<32x49xf32>, %y: memref<96x49xf32>) {
  %w = memref.get_global @pointwise : memref<96x32xf32>
  scf.forall (%f) = (0) to (96) step (48) {
    %a = memref.subview %w[%f, 0] [48, 32] [1, 1] : memref<96x32xf32> to memref<48x32xf32, strided<[32, 1], offset: ?>>
    %c = memref.subview %y[%f, 0] [48, 49] [1, 1] : memref<96x49xf32> to memref<48x49xf32, strided<[49, 1], offset: ?>>
    linalg.matmul ins(%a, %x : memref<48x32xf32, strided<[32, 1], offset: ?>>, memref<32x49xf32>)
                  outs(%c : memref<48x49xf32, strided<[49, 1], offset: ?>>)
  }
  return
}

// -----

// The same on tiles of 36 filters: a tile's first filter may lie inside
// a 16-column panel, so the product stays as it is, from A's panels.
// CHECK-LABEL: func.func @transposed_product_off_panels
// CHECK-NOT: ingot_sgemm_bpanels_f32
// CHECK: call @ingot_sgemm_panels_f32
memref.global "private" constant @pointwise36 : memref<72x32xf32> = dense<1.0>
func.func @transposed_product_off_panels(%x: memref<32x49xf32>, %y: memref<72x49xf32>) {
  %w = memref.get_global @pointwise36 : memref<72x32xf32>
  scf.forall (%f) = (0) to (72) step (36) {
    %a = memref.subview %w[%f, 0] [36, 32] [1, 1] : memref<72x32xf32> to memref<36x32xf32, strided<[32, 1], offset: ?>>
    %c = memref.subview %y[%f, 0] [36, 49] [1, 1] : memref<72x49xf32> to memref<36x49xf32, strided<[49, 1], offset: ?>>
    linalg.matmul ins(%a, %x : memref<36x32xf32, strided<[32, 1], offset: ?>>, memref<32x49xf32>)
                  outs(%c : memref<36x49xf32, strided<[49, 1], offset: ?>>)
  }
  return
}

// -----

// A convolution marked for Winograd with constant filters: the filters'
// transforms are computed now (36 parts of 12-row panels, K = C: 36 x 24 x
// 16 floats for 20 filters of 16 channels) in place of the filters, and
// the Winograd kernel takes them with the first filter, C, x, C, the
// output width and the first window.
// CHECK-LABEL: memref.global "private" constant @filters_winograd : memref<13824xf32>
// FOLDED-LABEL: func.func @winograd
// FOLDED: call @ingot_sconv3x3_winograd_f32(%{{.*}}, %c0_i64, %c16_i64, %{{.*}}, %{{.*}}, %c8_i64, %c0_i64, %c0_i64, %c0_i32)
// CHECK-LABEL: func.func @winograd
// CHECK: %[[U:.*]] = memref.get_global @filters_winograd : memref<13824xf32>
// CHECK: %[[P:.*]] = memref.cast %[[U]]
// CHECK: %[[C:.*]] = arith.constant 16 : i64
// CHECK: call @ingot_sconv3x3_winograd_f32(%[[P]], %{{.*}}, %[[C]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: ingot_sconv2d
// CHECK: func.func private @ingot_sconv3x3_winograd_f32(memref<?xf32, strided<[?], offset: ?>>, i64, i64, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, i64, i32) -> i32
// CHECK-NOT: memref.global "private" constant @filters :
memref.global "private" constant @filters : memref<20x16x3x3xf32> = dense<0.25>
func.func @winograd(%x: memref<1x16x10x10xf32>, %y: memref<1x20x8x8xf32>) {
  %w = memref.get_global @filters : memref<20x16x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, ingot.winograd, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x16x10x10xf32>, memref<20x16x3x3xf32>) outs(%y : memref<1x20x8x8xf32>)
  return
}

// -----

// Filters computed at run time (no transforms to pack) stay on the direct
// kernel, marked or not.
// CHECK-LABEL: func.func @winograd_needs_constant_filters
// CHECK: call @ingot_sconv2d_f32
// CHECK-NOT: winograd_f32
func.func @winograd_needs_constant_filters(%x: memref<1x16x10x10xf32>, %w: memref<20x16x3x3xf32>, %y: memref<1x20x8x8xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, ingot.winograd, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x16x10x10xf32>, memref<20x16x3x3xf32>) outs(%y : memref<1x20x8x8xf32>)
  return
}

// -----

// A depthwise convolution goes to the depthwise kernel: the filters as [C,
// kh * kw], one call per image; its zero-padded input is read unpadded
// (window (0, 0) at row and column -1) and the padded copy goes, as does
// the zero fill of the output (`overwrite` 1).
// FOLDED-LABEL: func.func @depthwise
// FOLDED: call @ingot_sdwconv2d_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c3_i64, %c3_i64, %c2_i64, %c2_i64, %c1_i64, %c1_i64, %c-1_i64, %c-1_i64, %c1_i32)
// CHECK-LABEL: func.func @depthwise
// CHECK: memref.alloc() : memref<2x6x4x4xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: %[[W:.*]] = memref.collapse_shape %arg1 {{\[\[}}0], [1, 2]] : memref<6x3x3xf32> into memref<6x9xf32>
// CHECK: scf.parallel (%[[N:.*]]) =
// CHECK: memref.subview %arg0[%{{.*}}, 0, 0, 0] [1, 6, 8, 8] [1, 1, 1, 1] : memref<2x6x8x8xf32> to memref<6x8x8xf32
// CHECK: func.call @ingot_sdwconv2d_f32({{.*}}) {ingot.estimated_work = 864 : i64}
// CHECK: graph.runtime_check {{.*}}the depthwise convolution kernel failed with status
// CHECK-NOT: linalg.depthwise_conv_2d
// CHECK-NOT: linalg.fill
// CHECK: func.func private @ingot_sdwconv2d_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i32) -> i32
func.func @depthwise(%x: memref<2x6x8x8xf32>, %w: memref<6x3x3xf32>) -> memref<2x6x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() : memref<2x6x4x4xf32>
  %padded = memref.alloc() : memref<2x6x10x10xf32>
  linalg.fill ins(%zero : f32) outs(%padded : memref<2x6x10x10xf32>)
  %inner = memref.subview %padded[0, 0, 1, 1] [2, 6, 8, 8] [1, 1, 1, 1] : memref<2x6x10x10xf32> to memref<2x6x8x8xf32, strided<[600, 100, 10, 1], offset: 11>>
  memref.copy %x, %inner : memref<2x6x8x8xf32> to memref<2x6x8x8xf32, strided<[600, 100, 10, 1], offset: 11>>
  linalg.fill ins(%zero : f32) outs(%y : memref<2x6x4x4xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%padded, %w : memref<2x6x10x10xf32>, memref<6x3x3xf32>) outs(%y : memref<2x6x4x4xf32>)
  return %y : memref<2x6x4x4xf32>
}

// -----

// A tile of a stride-2 channels-last depthwise convolution, reading rows
// [r, r + n) of its zero-padded input (9 of the 10 padded columns: the
// windows' reach). The kernel reads x unpadded; the window checks ask the
// view its rows, which are the view's own n, so the padded buffer, its
// fill and its copy go (they were filled and copied on every run).
// CHECK-LABEL: func.func @depthwise_nhwc_tile_of_padded
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.copy
// CHECK: graph.runtime_check %{{.*}}, %{{.*}}, %arg4 : index, index {message = "an op: convolution windows reach row {0} of an input of {1}"}
// CHECK: call @ingot_sdwconv2d_nhwc_f32
func.func @depthwise_nhwc_tile_of_padded(%x: memref<1x8x8x4xf32>, %w: memref<3x3x4xf32>,
                                         %y: memref<1x?x4x4xf32>, %r: index, %n: index) {
  %zero = arith.constant 0.0 : f32
  %padded = memref.alloc() : memref<1x10x10x4xf32>
  linalg.fill ins(%zero : f32) outs(%padded : memref<1x10x10x4xf32>)
  %inner = memref.subview %padded[0, 1, 1, 0] [1, 8, 8, 4] [1, 1, 1, 1] : memref<1x10x10x4xf32> to memref<1x8x8x4xf32, strided<[400, 40, 4, 1], offset: 44>>
  memref.copy %x, %inner : memref<1x8x8x4xf32> to memref<1x8x8x4xf32, strided<[400, 40, 4, 1], offset: 44>>
  %tile = memref.subview %padded[0, %r, 0, 0] [1, %n, 9, 4] [1, 1, 1, 1] : memref<1x10x10x4xf32> to memref<1x?x9x4xf32, strided<[400, 40, 4, 1], offset: ?>>
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%tile, %w : memref<1x?x9x4xf32, strided<[400, 40, 4, 1], offset: ?>>, memref<3x3x4xf32>) outs(%y : memref<1x?x4x4xf32>)
  return
}
