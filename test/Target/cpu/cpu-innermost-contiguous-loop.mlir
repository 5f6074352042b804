// RUN: ingot-opt %s --split-input-file --cpu-innermost-contiguous-loop | FileCheck %s

// matmul: k innermost walks B by rows; j innermost updates a row of C and
// walks B's row contiguously, so j moves in (k being 128, more than a
// window LLVM would unroll).
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<4x128xf32>, %b: memref<128x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x128xf32>, memref<128x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// A 1-d convolution written as a generic (n, f, ow, c, kw) over 32 channels
// (a window of 96, past what LLVM unrolls): the output column ow moves
// innermost, where the input (ow + kw) and the output are contiguous; the
// reductions c, kw keep their order.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d4 + d3)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-LABEL: func.func @conv
// CHECK: iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]
#in = affine_map<(n, f, ow, c, kw) -> (n, c, ow + kw)>
#w = affine_map<(n, f, ow, c, kw) -> (f, c, kw)>
#out = affine_map<(n, f, ow, c, kw) -> (n, f, ow)>
func.func @conv(%x: memref<1x32x10xf32>, %w: memref<4x32x3xf32>, %y: memref<1x4x8xf32>) {
  linalg.generic {indexing_maps = [#in, #w, #out],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<1x32x10xf32>, memref<4x32x3xf32>) outs(%y : memref<1x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Already innermost-parallel (elementwise, rows longer than LLVM unrolls),
// or a reduction whose innermost dim is what every operand walks: left as
// they are.
// CHECK-LABEL: func.func @unchanged
// CHECK: iterator_types = ["parallel", "parallel"]
// CHECK: iterator_types = ["parallel", "reduction"]
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @unchanged(%x: memref<4x1024xf32>, %y: memref<4x1024xf32>, %short: memref<4x8xf32>,
                     %dot: memref<4xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x1024xf32>) outs(%y : memref<4x1024xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%short, %short : memref<4x8xf32>, memref<4x8xf32>) outs(%dot : memref<4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A 3x3 stride-2 max pool (n, c, oh, ow, kh, kw): the window's shape
// operand is never read, so it does not count for kw; ow moves innermost,
// where the output is contiguous (the input is read at stride 2).
// CHECK-LABEL: func.func @max_pool
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
#px = affine_map<(n, c, oh, ow, kh, kw) -> (n, c, oh * 2 + kh, ow * 2 + kw)>
#pw = affine_map<(n, c, oh, ow, kh, kw) -> (kh, kw)>
#py = affine_map<(n, c, oh, ow, kh, kw) -> (n, c, oh, ow)>
func.func @max_pool(%x: memref<1x4x11x11xf32>, %window: memref<3x3xf32>, %y: memref<1x4x5x5xf32>) {
  linalg.generic {indexing_maps = [#px, #pw, #py],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %window : memref<1x4x11x11xf32>, memref<3x3xf32>) outs(%y : memref<1x4x5x5xf32>) {
  ^bb0(%a: f32, %unused: f32, %acc: f32):
    %m = arith.maximumf %acc, %a : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A stride-1 depthwise window (n, c, oh, ow, kh, kw) of 3 x 3: small and
// static, so it stays innermost for LLVM to unroll, the output column ow
// around it being what it vectorizes (the input walked by ow + kw).
// CHECK-LABEL: func.func @depthwise
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
#dx = affine_map<(n, c, oh, ow, kh, kw) -> (n, c, oh + kh, ow + kw)>
#dw = affine_map<(n, c, oh, ow, kh, kw) -> (c, kh, kw)>
#dy = affine_map<(n, c, oh, ow, kh, kw) -> (n, c, oh, ow)>
func.func @depthwise(%x: memref<1x4x10x10xf32>, %w: memref<4x3x3xf32>, %y: memref<1x4x8x8xf32>) {
  linalg.generic {indexing_maps = [#dx, #dw, #dy],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<1x4x10x10xf32>, memref<4x3x3xf32>) outs(%y : memref<1x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A reduction along rows of 768 (a LayerNorm's variance): one parallel loop
// over the rows, each row 16 elements at a time on a vector accumulator
// (the body on vectors, the row's mean broadcast), its lanes then summed
// (reassociated) into the output's element. A row of 40 takes two vectors,
// then its last 8 elements one by one; a max over 24 (too short for two
// vectors) stays loops, ordered as before.
// CHECK-LABEL: func.func @row_reductions
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK: %[[MEAN:.*]] = memref.load %arg1[%[[I]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (vector<16xf32>)
// CHECK: %[[X:.*]] = vector.load %arg0[%[[I]], %[[K]]] : memref<128x768xf32>, vector<16xf32>
// CHECK: %[[M:.*]] = vector.broadcast %[[MEAN]] : f32 to vector<16xf32>
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[M]] : vector<16xf32>
// CHECK: %[[SQ:.*]] = arith.mulf %[[D]], %[[D]] : vector<16xf32>
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[SQ]] : vector<16xf32>
// CHECK: scf.yield %[[NEXT]]
// CHECK: %[[LANES:.*]] = vector.reduction <add>, %[[SUM]] fastmath<reassoc> : vector<16xf32> into f32
// CHECK: %[[OLD:.*]] = memref.load %arg2[%[[I]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[LANES]] : f32
// CHECK: memref.store %[[NEW]], %arg2[%[[I]]]
// CHECK: scf.parallel (%[[J:.*]]) =
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C32:.*]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>)
// CHECK: vector.load %arg3
// CHECK: %[[ROW:.*]] = vector.reduction <add>
// CHECK: %[[HEAD:.*]] = arith.addf %{{.*}}, %[[ROW]] : f32
// CHECK: %[[ALL:.*]] = scf.for %[[T:.*]] = %[[C32]] to %{{.*}} step %{{.*}} iter_args(%[[ACC2:.*]] = %[[HEAD]]) -> (f32)
// CHECK: %[[E:.*]] = memref.load %arg3[%[[J]], %[[T]]]
// CHECK: arith.addf %[[ACC2]], %[[E]] : f32
// CHECK: memref.store %[[ALL]], %arg4[%[[J]]]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%arg5
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @row_reductions(%x: memref<128x768xf32>, %mean: memref<128xf32>, %var: memref<128xf32>,
                          %odd: memref<128x40xf32>, %oddsum: memref<128xf32>,
                          %short: memref<128x24xf32>, %shortmax: memref<128xf32>) {
  linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %mean : memref<128x768xf32>, memref<128xf32>) outs(%var : memref<128xf32>) {
  ^bb0(%a: f32, %m: f32, %acc: f32):
    %d = arith.subf %a, %m : f32
    %sq = arith.mulf %d, %d : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%odd : memref<128x40xf32>) outs(%oddsum : memref<128xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%short : memref<128x24xf32>) outs(%shortmax : memref<128xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.maximumf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A channels-last tile's epilogue, updating the product in place: 112
// points of 24 channels, the bias broadcast along them, then a Relu. One
// parallel loop over the points; each row's first 16 channels as vectors,
// the last 8 by masked loads and stores. A row read at a stride (the
// transposed input of the second op) stays a generic, for LLVM.
// CHECK-LABEL: func.func @short_rows
// CHECK-DAG: %[[MASK:.*]] = vector.constant_mask [8] : vector<16xi1>
// CHECK-DAG: %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: scf.parallel (%[[N:.*]], %[[P:.*]]) =
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %[[C16:.*]] step %{{.*}} {
// CHECK: %[[B:.*]] = vector.load %arg1[%[[K]]] : memref<24xf32>, vector<16xf32>
// CHECK: %[[Y:.*]] = vector.load %arg0[%[[N]], %[[P]], %[[K]]] : memref<1x112x24xf32, strided<[5376, 24, 1], offset: ?>>, vector<16xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[Z:.*]] = vector.broadcast %[[ZERO]] : f32 to vector<16xf32>
// CHECK: %[[S:.*]] = arith.addf %[[Y]], %[[B]] : vector<16xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[S]], %[[Z]] : vector<16xf32>
// CHECK: vector.store %[[R]], %arg0[%[[N]], %[[P]], %[[K]]]
// CHECK: }
// CHECK: %[[TB:.*]] = vector.maskedload %arg1[%[[C16]]], %[[MASK]], %[[ZEROS]]
// CHECK: %[[TY:.*]] = vector.maskedload %arg0[%[[N]], %[[P]], %[[C16]]], %[[MASK]], %[[ZEROS]]
// CHECK: %[[TS:.*]] = arith.addf %[[TY]], %[[TB]] : vector<16xf32>
// CHECK: %[[TR:.*]] = arith.maximumf %[[TS]], %{{.*}} : vector<16xf32>
// CHECK: vector.maskedstore %arg0[%[[N]], %[[P]], %[[C16]]], %[[MASK]], %[[TR]]
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg2 : memref<24x112xf32>)
#nhwc = affine_map<(n, p, c) -> (n, p, c)>
#bias = affine_map<(n, p, c) -> (c)>
#cp = affine_map<(p, c) -> (c, p)>
#pc = affine_map<(p, c) -> (p, c)>
func.func @short_rows(%y: memref<1x112x24xf32, strided<[5376, 24, 1], offset: ?>>, %b: memref<24xf32>,
                      %t: memref<24x112xf32>, %u: memref<112x24xf32>) {
  linalg.generic {indexing_maps = [#bias, #nhwc], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b : memref<24xf32>) outs(%y : memref<1x112x24xf32, strided<[5376, 24, 1], offset: ?>>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %s = arith.addf %out, %in : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#cp, #pc], iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<24x112xf32>) outs(%u : memref<112x24xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// -----

// NCHW -> NHWC of 32 channels of 16 x 48: the output is contiguous along
// the channels, the input along the columns. One parallel loop over (n, h,
// column blocks, channel blocks of 16); each step loads 16 vectors of 16
// columns (one per channel), transposes them with four stages of 16
// shuffles, and stores 16 vectors of 16 channels (one per column). A
// transpose of 20 channels (not whole blocks) stays a generic.
// CHECK-LABEL: func.func @transposed_copy
// CHECK: scf.parallel (%[[N:.*]], %[[H:.*]], %[[W:.*]], %[[C:.*]]) =
// CHECK: %[[R0:.*]] = vector.load %arg0[%[[N]], %[[C]], %[[H]], %[[W]]] : memref<2x32x16x48xf32>, vector<16xf32>
// CHECK: %[[C1:.*]] = arith.addi %[[C]], %{{.*}} : index
// CHECK: vector.load %arg0[%[[N]], %[[C1]], %[[H]], %[[W]]]
// CHECK-COUNT-64: vector.shuffle
// CHECK: vector.store %{{.*}}, %arg1[%[[N]], %[[H]], %[[W]], %[[C]]] : memref<2x16x48x32xf32>, vector<16xf32>
// CHECK: %[[W1:.*]] = arith.addi %[[W]], %{{.*}} : index
// CHECK: vector.store %{{.*}}, %arg1[%[[N]], %[[H]], %[[W1]], %[[C]]]
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg2 : memref<1x20x16x16xf32>)
func.func @transposed_copy(%x: memref<2x32x16x48xf32>, %y: memref<2x16x48x32xf32>,
                           %u: memref<1x20x16x16xf32>, %v: memref<1x16x16x20xf32>) {
  linalg.transpose ins(%x : memref<2x32x16x48xf32>) outs(%y : memref<2x16x48x32xf32>) permutation = [0, 2, 3, 1]
  linalg.transpose ins(%u : memref<1x20x16x16xf32>) outs(%v : memref<1x16x16x20xf32>) permutation = [0, 2, 3, 1]
  return
}

// -----

// A global average pool's sum over 40 planes of 48 (its rows and columns
// merged by cpu-collapse-contiguous-dims), its loops (n, h * w, c): the
// input reads the reduction last and contiguously, so it moves innermost
// and the sum runs along it on vectors (the planes read contiguously, not
// at their stride of 48 with the channels innermost).
// CHECK-LABEL: func.func @pool_reductions
// CHECK: scf.parallel (%[[N:.*]], %[[C:.*]]) =
// CHECK: scf.for %[[K:.*]] = {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>)
// CHECK: vector.load %arg0[%[[N]], %[[C]], %[[K]]] : memref<1x40x48xf32>, vector<16xf32>
// CHECK: vector.reduction <add>
// CHECK: memref.store %{{.*}}, %arg1[%[[N]], %[[C]]]
func.func @pool_reductions(%x: memref<1x40x48xf32>, %sum: memref<1x40xf32>) {
  linalg.generic {indexing_maps = [affine_map<(n, hw, c) -> (n, c, hw)>, affine_map<(n, hw, c) -> (n, c)>],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : memref<1x40x48xf32>) outs(%sum : memref<1x40xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}
