// RUN: ingot-opt %s --split-input-file --cpu-collapse-contiguous-dims | FileCheck %s

// A conv tile's bias + Relu epilogue: the bias reads neither plane dim and
// the tile's rows are contiguous, so the 14-wide rows become one loop of 196.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2) -> (d1, 0, 0)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @bias_relu_tile
// CHECK: %[[Y:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : memref<1x48x14x14xf32, strided<[75264, 196, 14, 1], offset: ?>> into memref<1x48x196xf32, strided<[75264, 196, 1], offset: ?>>
// CHECK: linalg.generic {indexing_maps = [#[[BIAS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.*}} : memref<48x1x1xf32, {{.*}}>) outs(%[[Y]] :
// CHECK: arith.maximumf
#bias = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @bias_relu_tile(%b: memref<48x1x1xf32, strided<[1, 1, 1], offset: ?>>,
                          %y: memref<1x48x14x14xf32, strided<[75264, 196, 14, 1], offset: ?>>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<48x1x1xf32, strided<[1, 1, 1], offset: ?>>)
      outs(%y : memref<1x48x14x14xf32, strided<[75264, 196, 14, 1], offset: ?>>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Whole identity-layout buffers, dynamic batch included: one loop.
// CHECK-DAG: #[[ID1:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @add_whole_buffers
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : memref<?x8x16xf32> into memref<?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID1]], #[[ID1]], #[[ID1]]], iterator_types = ["parallel"]}
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @add_whole_buffers(%a: memref<?x8x16xf32>, %b: memref<?x8x16xf32>, %c: memref<?x8x16xf32>) {
  linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%a, %b : memref<?x8x16xf32>, memref<?x8x16xf32>) outs(%c : memref<?x8x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// An input whose rows are padded to 16 (a window into a wider buffer) is
// not one run of memory: no loops merge, though the output's would.
// CHECK-LABEL: func.func @strided_rows_stay
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "parallel"]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @strided_rows_stay(%x: memref<4x14x14xf32, strided<[256, 16, 1]>>, %y: memref<4x14x14xf32>) {
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<4x14x14xf32, strided<[256, 16, 1]>>) outs(%y : memref<4x14x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// -----

// A transpose reads its dims out of order: nothing merges.
// CHECK-LABEL: func.func @transpose_stays
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "parallel"]
#perm = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @transpose_stays(%x: memref<2x8x16xf32>, %y: memref<2x16x8xf32>) {
  linalg.generic {indexing_maps = [#perm, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<2x8x16xf32>) outs(%y : memref<2x16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// -----

// A row broadcast (a bias over the last dim) reads only the inner dim:
// the outer two merge, the last stays on its own.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @row_bias
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : memref<4x128x768xf32> into memref<512x768xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
#row = affine_map<(d0, d1, d2) -> (d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @row_bias(%b: memref<768xf32>, %y: memref<4x128x768xf32>) {
  linalg.generic {indexing_maps = [#row, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b : memref<768xf32>) outs(%y : memref<4x128x768xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A reduction's parallel dims, and ops reading their indices, are left
// alone.
// CHECK-LABEL: func.func @reduction_and_index_stay
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.index
#red = affine_map<(d0, d1, d2) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @reduction_and_index_stay(%x: memref<2x8x16xf32>, %s: memref<2x8xf32>, %y: memref<2x8x16xf32>) {
  linalg.generic {indexing_maps = [#id3, #red], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<2x8x16xf32>) outs(%s : memref<2x8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %acc, %in : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%y : memref<2x8x16xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 2 : index
    %c = arith.index_cast %i : index to i64
    %f = arith.sitofp %c : i64 to f32
    linalg.yield %f : f32
  }
  return
}

// -----

// An op updating its input in place gets one view of the buffer for both
// operands: LLVM then sees one pointer read and written at the same index
// (with two views its vectorized loop checked at run time that they do not
// overlap, found that they do, and ran the scalar loop).
// CHECK-LABEL: func.func @in_place_one_view
// CHECK: %[[V:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1, 2]] : memref<2x3x4xf32> into memref<24xf32>
// CHECK-NOT: memref.collapse_shape %arg0
// CHECK: linalg.generic {{.*}} ins(%[[V]] : memref<24xf32>) outs(%[[V]] : memref<24xf32>)
func.func @in_place_one_view(%a: memref<2x3x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%a : memref<2x3x4xf32>) outs(%a : memref<2x3x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A global average pool's sum, its loops (n, h, w, c): the rows and
// columns it reduces are one run of each plane, so they merge into one
// reduction of 48; the channels stay a loop of their own.
// CHECK-DAG: #[[PX:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[PS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @pool_reductions_merge
// CHECK: %[[X:.*]] = memref.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3]] : memref<1x40x6x8xf32> into memref<1x40x48xf32>
// CHECK: linalg.generic {indexing_maps = [#[[PX]], #[[PS]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : memref<1x40x48xf32>)
func.func @pool_reductions_merge(%x: memref<1x40x6x8xf32>, %sum: memref<1x40xf32>) {
  linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, c, h, w)>, affine_map<(n, h, w, c) -> (n, c)>],
                  iterator_types = ["parallel", "reduction", "reduction", "parallel"]}
      ins(%x : memref<1x40x6x8xf32>) outs(%sum : memref<1x40xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}
