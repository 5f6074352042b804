// RUN: ingot-opt %s -convert-graph-to-linalg -split-input-file -verify-diagnostics | FileCheck %s
// The structure of the lowering; the numbers it computes are checked by
// test/python/test_lowering_numerics.py against the ONNX reference outputs.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<2x3xf32>, tensor<3xf32>) outs(%[[EMPTY]] : tensor<2x3xf32>)
// CHECK: arith.addf
func.func @broadcast_add(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_batch
// A dynamic result dim takes its size from an operand that is not 1 there.
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[N:.*]] = tensor.dim %arg0, %[[C0]] : tensor<?x4xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: math.tanh
func.func @dynamic_batch(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = graph.tanh %a : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_2d
// CHECK: %[[FILL:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%arg0, %arg1 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[FILL]] : tensor<4x16xf32>)
func.func @matmul_2d(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = graph.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 3 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1 * 8 + d2, d5, d6, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @grouped_conv
// Padding first (a filled tensor with the input inserted), then one generic
// over [N, G, F/G, H, W] x [C/G, KH, KW].
// CHECK: %[[ZEROS:.*]] = linalg.fill {{.*}} -> tensor<1x6x10x10xf32>
// CHECK: tensor.insert_slice %arg0 into %[[ZEROS]][0, 0, 1, 1] [1, 6, 8, 8] [1, 1, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x8x4x4xf32> into tensor<1x16x4x4xf32>
func.func @grouped_conv(%x: tensor<1x6x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<1x16x4x4xf32> {
  %0 = graph.conv %x, %w {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x6x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x4x4xf32>
  return %0 : tensor<1x16x4x4xf32>
}

// -----

// A pointwise convolution runs over the collapsed spatial dims (H*W = 49);
// in f64 (f64 is a MatMul, below).
// CHECK-LABEL: func.func @pointwise_conv
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3]] : tensor<1x8x7x7xf64> into tensor<1x8x49xf64>
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0], [1], [2, 3]] : tensor<16x8x1x1xf64> into tensor<16x8x1xf64>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[W]] : tensor<1x8x49xf64>, tensor<16x8x1xf64>)
// CHECK: tensor.collapse_shape %[[Y]] {{\[\[}}0], [1, 2], [3]] : tensor<1x1x16x49xf64> into tensor<1x16x49xf64>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] output_shape [1, 16, 7, 7] : tensor<1x16x49xf64> into tensor<1x16x7x7xf64>
func.func @pointwise_conv(%x: tensor<1x8x7x7xf64>, %w: tensor<16x8x1x1xf64>) -> tensor<1x16x7x7xf64> {
  %0 = graph.conv %x, %w : (tensor<1x8x7x7xf64>, tensor<16x8x1x1xf64>) -> tensor<1x16x7x7xf64>
  return %0 : tensor<1x16x7x7xf64>
}

// -----

// A static f32 depthwise convolution (group = channels, one filter each)
// is linalg's named depthwise op over the padded input, the filters as
// [C, kh, kw], the bias added per channel.
// CHECK-LABEL: func.func @depthwise_as_named_op
// CHECK: %[[PADDED:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 0] [1, 6, 8, 8]
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2], [3]] : tensor<6x1x3x3xf32> into tensor<6x3x3xf32>
// CHECK: %[[Y:.*]] = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PADDED]], %[[W]] : tensor<1x6x10x9xf32>, tensor<6x3x3xf32>) outs(%[[ZERO]] : tensor<1x6x4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[Y]], %{{.*}} : tensor<1x6x4x4xf32>, tensor<6x1x1xf32>)
func.func @depthwise_as_named_op(%x: tensor<1x6x8x8xf32>, %w: tensor<6x1x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x4x4xf32> {
  %0 = graph.conv %x, %w B(%b) {group = 6 : i64, pads = array<i64: 1, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x6x8x8xf32>, tensor<6x1x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// -----

// Two filters per channel (a depthwise multiplier of 2) stay one generic.
// CHECK-LABEL: func.func @depthwise_multiplier_two
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
// CHECK: linalg.generic
func.func @depthwise_multiplier_two(%x: tensor<1x4x8x8xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %0 = graph.conv %x, %w {group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

// A static ungrouped f32 2-D convolution is linalg's named op over the
// padded input, the bias added per filter: no window copy.
// CHECK-LABEL: func.func @conv2d_as_named_op
// CHECK: %[[PADDED:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [1, 3, 8, 8]
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PADDED]], %arg1 : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[ZERO]] : tensor<1x4x4x4xf32>)
// CHECK: %[[B:.*]] = tensor.expand_shape %arg2 {{\[\[}}0, 1, 2]] output_shape [4, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[Y]], %[[B]] : tensor<1x4x4x4xf32>, tensor<4x1x1xf32>)
func.func @conv2d_as_named_op(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = graph.conv %x, %w B(%b) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// Any other static ungrouped f32 convolution (here 1-D) copies each output
// point's window (im2col) into [N, C*k, out] and multiplies W [F, C*k] by it.
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3 * 2 + d2)>
// CHECK-LABEL: func.func @conv1d_as_matmul
// CHECK: %[[PADDED:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1] [1, 3, 8]
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[WINDOW]], #{{.*}}]{{.*}} ins(%[[PADDED]] : tensor<1x3x10xf32>) outs(%{{.*}} : tensor<1x3x3x4xf32>)
// CHECK: %[[COLUMNS:.*]] = tensor.collapse_shape %[[P]] {{\[\[}}0], [1, 2], [3]] : tensor<1x3x3x4xf32> into tensor<1x9x4xf32>
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0], [1, 2]] : tensor<4x3x3xf32> into tensor<4x9xf32>
// CHECK: linalg.generic {{.*}} ins(%[[W]], %[[COLUMNS]] : tensor<4x9xf32>, tensor<1x9x4xf32>)
func.func @conv1d_as_matmul(%x: tensor<1x3x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x4xf32> {
  %0 = graph.conv %x, %w {pads = array<i64: 1, 1>, strides = array<i64: 2>} : (tensor<1x3x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x4xf32>
  return %0 : tensor<1x4x4xf32>
}

// -----

// An ungrouped f32 pointwise convolution is W (F x C) times each image
// (C x HW), the bias added per row: a MatMul for the GEMM micro-kernel.
// CHECK-LABEL: func.func @pointwise_conv_as_matmul
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3]] : tensor<2x8x7x7xf32> into tensor<2x8x49xf32>
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0], [1, 2, 3]] : tensor<16x8x1x1xf32> into tensor<16x8xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[W]], %[[X]] : tensor<16x8xf32>, tensor<2x8x49xf32>)
// CHECK: %[[B:.*]] = tensor.expand_shape %arg2 {{\[\[}}0, 1]] output_shape [16, 1] : tensor<16xf32> into tensor<16x1xf32>
// CHECK: linalg.generic {{.*}} ins(%[[Y]], %[[B]] : tensor<2x16x49xf32>, tensor<16x1xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] output_shape [2, 16, 7, 7] : tensor<2x16x49xf32> into tensor<2x16x7x7xf32>
func.func @pointwise_conv_as_matmul(%x: tensor<2x8x7x7xf32>, %w: tensor<16x8x1x1xf32>, %b: tensor<16xf32>) -> tensor<2x16x7x7xf32> {
  %0 = graph.conv %x, %w B(%b) : (tensor<2x8x7x7xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>) -> tensor<2x16x7x7xf32>
  return %0 : tensor<2x16x7x7xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// max, exp(x - max), sum, divide: four generics, two of them reductions.
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = graph.softmax %x : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// A lowering that declines says why.
func.func @unlowerable(%x: tensor<*xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{cannot lower 'graph.conv' yet: needs ranked input and weights}}
  %0 = graph.conv %x, %w : (tensor<*xf32>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// CHECK-LABEL: func.func @conv_with_weights_of_runtime_shape
// Groups are split off X and W, since an affine map cannot multiply by a
// run-time size; the channels are checked at run time.
// CHECK: graph.runtime_check {{.*}}the input has {0} channels, the weights expect {1}
// CHECK: tensor.expand_shape %arg0
// CHECK: tensor.expand_shape %arg1
// CHECK: linalg.generic
func.func @conv_with_weights_of_runtime_shape(%x: tensor<1x4x8x8xf32>, %w: tensor<?x?x3x3xf32>) -> tensor<1x?x6x6xf32> {
  %0 = graph.conv %x, %w {group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<?x?x3x3xf32>) -> tensor<1x?x6x6xf32>
  return %0 : tensor<1x?x6x6xf32>
}

// -----

// A pool over a small static window: one op over the output with the
// padded input read once per tap. A 2-D max (or average) pool is two such
// ops: the 3x3/2 max pool's rows first (output row o of the padded input's
// rows o * 2 + i, whole rows of 35), then three taps o * 2 + j along them;
// every tap reads the one tensor through a map at its offset; taps combine
// from the init (the lowest value) on, whose maximum with the first tap
// folds away: two maximumf for three taps, in each op.
// CHECK-DAG: #[[R0:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2, d3)>
// CHECK-DAG: #[[R2:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + 2, d3)>
// CHECK-DAG: #[[C0:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3 * 2)>
// CHECK-DAG: #[[C2:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3 * 2 + 2)>
// CHECK-LABEL: func.func @max_pool_taps
// CHECK: %[[ROWS:.*]] = linalg.generic {indexing_maps = [#[[R0]], {{.*}}, #[[R2]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[P:[^,]*]], %[[P]], %[[P]] : {{.*}}) outs(%{{.*}} : tensor<1x4x17x35xf32>)
// CHECK-COUNT-2: arith.maximumf
// CHECK-NEXT: linalg.yield
// CHECK: linalg.generic {indexing_maps = [#[[C0]], {{.*}}, #[[C2]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[ROWS]], %[[ROWS]], %[[ROWS]] : {{.*}}) outs(%{{.*}} : tensor<1x4x17x17xf32>)
// CHECK-COUNT-2: arith.maximumf
// CHECK-NEXT: linalg.yield
func.func @max_pool_taps(%x: tensor<1x4x33x33xf32>) -> tensor<1x4x17x17xf32> {
  %0 = graph.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x33x33xf32>) -> tensor<1x4x17x17xf32>
  return %0 : tensor<1x4x17x17xf32>
}

// -----

// Rows shorter than 16 (5 here) are pooled on flat phase planes: the input
// padded once (the window's padding, then two more rows of the lowest value
// for the flat run's tail: 13x11), each channel's 134 first elements split
// into even and odd planes of 67 in one loop, and each tap a view of its
// plane at offset (i * 11 + j) / 2 (plane (i * 11 + j) mod 2) of 5 rows of
// 11, the 6 columns past each row's end dropped.
// CHECK-LABEL: func.func @max_pool_flat_phases
// CHECK: %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x13x11xf32>)
// CHECK: tensor.insert_slice %arg0 into %[[FILL]][0, 0, 1, 1] [1, 4, 9, 9]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [1, 4, 134] [1, 1, 1] : tensor<1x4x143xf32> to tensor<1x4x134xf32>
// CHECK: %[[PLANES:.*]]:2 = linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<1x4x67xf32>, tensor<1x4x67xf32>)
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<1x4x67x2xf32>
// CHECK: tensor.extract_slice %[[PLANES]]#0[0, 0, 0] [1, 4, 55]
// CHECK: tensor.extract_slice %[[PLANES]]#1[0, 0, 0] [1, 4, 55]
// CHECK: tensor.extract_slice %[[PLANES]]#0[0, 0, 1] [1, 4, 55]
// CHECK: tensor.extract_slice %[[PLANES]]#1[0, 0, 5] [1, 4, 55]
// CHECK: tensor.extract_slice %[[PLANES]]#0[0, 0, 12] [1, 4, 55]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(
// CHECK-COUNT-8: arith.maximumf
// CHECK: tensor.expand_shape %{{.*}} output_shape [1, 4, 5, 11]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 4, 5, 5] [1, 1, 1, 1] : tensor<1x4x5x11xf32> to tensor<1x4x5x5xf32>
func.func @max_pool_flat_phases(%x: tensor<1x4x9x9xf32>) -> tensor<1x4x5x5xf32> {
  %0 = graph.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>) -> tensor<1x4x5x5xf32>
  return %0 : tensor<1x4x5x5xf32>
}

// -----

// With a stride of 1 a tap's map would be the bare loop and give it the
// input's extent: the taps are views of their own instead. The 2x2 average
// pool sums rows (views at rows 0 and 1, whole rows of 8), then columns of
// those sums (views at columns 0 and 1), then divides by the window's count.
// CHECK-LABEL: func.func @average_pool_taps
// CHECK: %[[A:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 4, 7, 8] [1, 1, 1, 1]
// CHECK: %[[B:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 0] [1, 4, 7, 8] [1, 1, 1, 1]
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] :
// CHECK-COUNT-2: arith.addf
// CHECK: %[[C:.*]] = tensor.extract_slice %[[ROWS]][0, 0, 0, 0] [1, 4, 7, 7] [1, 1, 1, 1]
// CHECK: %[[D:.*]] = tensor.extract_slice %[[ROWS]][0, 0, 0, 1] [1, 4, 7, 7] [1, 1, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[C]], %[[D]] :
// CHECK-COUNT-2: arith.addf
// CHECK: arith.divf
// CHECK-NOT: "reduction"
func.func @average_pool_taps(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x7x7xf32> {
  %0 = graph.average_pool %x {kernel_shape = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x7x7xf32>
  return %0 : tensor<1x4x7x7xf32>
}
