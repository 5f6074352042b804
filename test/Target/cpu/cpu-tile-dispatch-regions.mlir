// RUN: ingot-opt %s --split-input-file --cpu-tile-dispatch-regions | FileCheck %s
// RUN: ingot-opt %s --split-input-file --cpu-tile-dispatch-regions=winograd=false | FileCheck %s --check-prefix=DIRECT

// A contraction region with a bias + Relu epilogue: one loop over 8 output
// tiles (300 columns in two of 160, 256 rows in four of 72, a multiple of
// the kernel heights), each filling its tile,
// multiplying into it and applying the epilogue in place. The region is
// gone.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK-NOT: graph.fused
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<256x300xf32>
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (256, 300) step (72, 160) shared_outs(%[[OUT:.*]] = %[[EMPTY]])
// CHECK: %[[TILE:.*]] = tensor.extract_slice %[[OUT]][%[[I]], %[[J]]]
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} outs(%[[TILE]] : tensor<?x?xf32>)
// CHECK: %[[P:.*]] = linalg.matmul ins({{.*}} : tensor<?x64xf32>, tensor<64x?xf32>) outs(%[[ZERO]] : tensor<?x?xf32>)
// CHECK: %[[E:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<?xf32>) outs(%[[P]] : tensor<?x?xf32>)
// CHECK: ^bb0(%[[BIAS:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: arith.addf %[[ACC]], %[[BIAS]]
// CHECK: arith.maximumf
// CHECK: tensor.parallel_insert_slice %[[E]] into %[[OUT]][%[[I]], %[[J]]]
#id = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>
func.func @matmul_bias_relu(%x: tensor<256x64xf32>, %w: tensor<64x300xf32>, %b: tensor<300xf32>) -> tensor<256x300xf32> {
  %r = graph.fused "contraction"(%x, %w, %b) : (tensor<256x64xf32>, tensor<64x300xf32>, tensor<300xf32>) -> tensor<256x300xf32> attributes {anchor = "graph.gemm"} {
  ^bb0(%a: tensor<256x64xf32>, %bm: tensor<64x300xf32>, %bias: tensor<300xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<256x300xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x300xf32>) -> tensor<256x300xf32>
    %p = linalg.matmul ins(%a, %bm : tensor<256x64xf32>, tensor<64x300xf32>) outs(%f : tensor<256x300xf32>) -> tensor<256x300xf32>
    %e2 = tensor.empty() : tensor<256x300xf32>
    %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
        ins(%p, %bias : tensor<256x300xf32>, tensor<300xf32>) outs(%e2 : tensor<256x300xf32>) {
    ^bb0(%v: f32, %c: f32, %o: f32):
      %s = arith.addf %v, %c : f32
      %m = arith.maximumf %s, %zero : f32
      linalg.yield %m : f32
    } -> tensor<256x300xf32>
    graph.yield %y : tensor<256x300xf32>
  }
  return %r : tensor<256x300xf32>
}

// -----

// A region whose result is not a contraction's (a reduction): only inlined.
// CHECK-LABEL: func.func @not_a_contraction
// CHECK-NOT: graph.fused
// CHECK-NOT: scf.forall
// CHECK: linalg.reduce
// CHECK: return
func.func @not_a_contraction(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %r = graph.fused "reduction"(%x) : (tensor<4x8xf32>) -> tensor<4xf32> attributes {anchor = "graph.reduce_sum"} {
  ^bb0(%a: tensor<4x8xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    %s = linalg.reduce ins(%a : tensor<4x8xf32>) outs(%f : tensor<4xf32>) dimensions = [1]
      (%in: f32, %acc: f32) {
        %t = arith.addf %in, %acc : f32
        linalg.yield %t : f32
      }
    graph.yield %s : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// A convolution region with its bias + Relu: tiles of filters by whole
// output rows (a call's columns are output positions, so only whole rows);
// the padded input stays outside the loop, computed once. Split by rows
// (400 positions in 6, down to 64: 80 columns, 4 rows) and not by filters
// (each tile of filters packs the windows again: only down to 128).
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK: %[[PADDED:.*]] = tensor.pad
// CHECK: scf.forall (%{{.*}}, %[[F:.*]], %[[R:.*]]) = (0, 0, 0) to (1, 32, 20) step (1, 36, 4)
// CHECK: tensor.extract_slice %[[PADDED]]
// CHECK: linalg.fill
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} -> tensor<1x?x4x20xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x?x4x20xf32>)
// CHECK: tensor.parallel_insert_slice
#id4 = affine_map<(n, f, h, w) -> (n, f, h, w)>
#filter = affine_map<(n, f, h, w) -> (f)>
func.func @conv_bias_relu(%x: tensor<1x8x20x20xf32>, %w: tensor<32x8x3x3xf32>, %b: tensor<32xf32>) -> tensor<1x32x20x20xf32> {
  %r = graph.fused "convolution"(%x, %w, %b) : (tensor<1x8x20x20xf32>, tensor<32x8x3x3xf32>, tensor<32xf32>) -> tensor<1x32x20x20xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x8x20x20xf32>, %wt: tensor<32x8x3x3xf32>, %bias: tensor<32xf32>):
    %zero = arith.constant 0.0 : f32
    %padded = tensor.pad %a low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero : f32
    } : tensor<1x8x20x20xf32> to tensor<1x8x22x22xf32>
    %e = tensor.empty() : tensor<1x32x20x20xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %wt : tensor<1x8x22x22xf32>, tensor<32x8x3x3xf32>) outs(%f : tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32>
    %e2 = tensor.empty() : tensor<1x32x20x20xf32>
    %y = linalg.generic {indexing_maps = [#id4, #filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%c, %bias : tensor<1x32x20x20xf32>, tensor<32xf32>) outs(%e2 : tensor<1x32x20x20xf32>) {
    ^bb0(%v: f32, %s: f32, %o: f32):
      %t = arith.addf %v, %s : f32
      %m = arith.maximumf %t, %zero : f32
      linalg.yield %m : f32
    } -> tensor<1x32x20x20xf32>
    graph.yield %y : tensor<1x32x20x20xf32>
  }
  return %r : tensor<1x32x20x20xf32>
}

// -----

// Many filters over few outputs (ResNet-50's 3x3/2 layer of 512 over a
// 7 x 7 output): a tile of rows gathers the windows again, so the filters
// go in two tiles of 264 (two calls, enough for two threads), not four of
// 132. With 256 filters over 14 x 14 the output rows are split instead,
// into two tiles of 7 rows, not three of 5, 5 and 4 (an odd number of calls
// keeps one of two threads waiting).
// CHECK-LABEL: func.func @conv_many_filters
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (1, 512, 7) step (1, 264, 7)
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} strides = dense<2>
func.func @conv_many_filters(%x: tensor<1x512x15x15xf32>, %w: tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32> {
  %r = graph.fused "convolution"(%x, %w) : (tensor<1x512x15x15xf32>, tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x512x15x15xf32>, %wt: tensor<512x512x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x512x7x7xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%a, %wt : tensor<1x512x15x15xf32>, tensor<512x512x3x3xf32>) outs(%f : tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
    graph.yield %c : tensor<1x512x7x7xf32>
  }
  return %r : tensor<1x512x7x7xf32>
}
// CHECK-LABEL: func.func @conv_even_calls
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (1, 256, 14) step (1, 264, 7)
func.func @conv_even_calls(%x: tensor<1x256x29x29xf32>, %w: tensor<256x256x3x3xf32>) -> tensor<1x256x14x14xf32> {
  %r = graph.fused "convolution"(%x, %w) : (tensor<1x256x29x29xf32>, tensor<256x256x3x3xf32>) -> tensor<1x256x14x14xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x256x29x29xf32>, %wt: tensor<256x256x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x256x14x14xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%a, %wt : tensor<1x256x29x29xf32>, tensor<256x256x3x3xf32>) outs(%f : tensor<1x256x14x14xf32>) -> tensor<1x256x14x14xf32>
    graph.yield %c : tensor<1x256x14x14xf32>
  }
  return %r : tensor<1x256x14x14xf32>
}

// -----

// Constant weights as A (a pointwise convolution as a MatMul): A is read
// from panels packed when compiling, and each tile of rows packs B again,
// so 512 rows go in 4 tiles, not 8 of 72 as an A computed at run time
// does; 49 columns stay one tile, and run the product transposed
// (prefersTransposedProduct), so the tiles are 144 rows, a multiple of 48.
// CHECK-LABEL: func.func @constant_weights
// CHECK: scf.forall ({{.*}}) = (0, 0) to (512, 49) step (144, 64)
// CHECK-LABEL: func.func @computed_weights
// CHECK: scf.forall ({{.*}}) = (0, 0) to (512, 49) step (72, 64)
func.func @constant_weights(%x: tensor<64x49xf32>) -> tensor<512x49xf32> {
  %r = graph.fused "contraction"(%x) : (tensor<64x49xf32>) -> tensor<512x49xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%b: tensor<64x49xf32>):
    %zero = arith.constant 0.0 : f32
    %w = arith.constant dense<0.5> : tensor<512x64xf32>
    %e = tensor.empty() : tensor<512x49xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512x49xf32>) -> tensor<512x49xf32>
    %p = linalg.matmul ins(%w, %b : tensor<512x64xf32>, tensor<64x49xf32>) outs(%f : tensor<512x49xf32>) -> tensor<512x49xf32>
    graph.yield %p : tensor<512x49xf32>
  }
  return %r : tensor<512x49xf32>
}
func.func @computed_weights(%w: tensor<512x64xf32>, %x: tensor<64x49xf32>) -> tensor<512x49xf32> {
  %r = graph.fused "contraction"(%w, %x) : (tensor<512x64xf32>, tensor<64x49xf32>) -> tensor<512x49xf32> attributes {anchor = "graph.matmul"} {
  ^bb0(%a: tensor<512x64xf32>, %b: tensor<64x49xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<512x49xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512x49xf32>) -> tensor<512x49xf32>
    %p = linalg.matmul ins(%a, %b : tensor<512x64xf32>, tensor<64x49xf32>) outs(%f : tensor<512x49xf32>) -> tensor<512x49xf32>
    graph.yield %p : tensor<512x49xf32>
  }
  return %r : tensor<512x49xf32>
}

// -----

// A stride-1 3x3 convolution of 16 channels or more, with 16 output blocks
// of 4 x 4 or more, is marked for Winograd and tiled by whole blocks: one
// block row of a 56-wide output (14 blocks, one panel of 16) by every
// filter (64, in one tile of 72: the transformed filters' 12-row panels).
// With winograd=false it is tiled as any convolution, unmarked.
// CHECK-LABEL: func.func @winograd_conv
// CHECK: scf.forall ({{.*}}) = (0, 0, 0) to (1, 64, 56) step (1, 72, 4)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, ingot.winograd, strides = dense<1> : tensor<2xi64>}
// DIRECT-LABEL: func.func @winograd_conv
// DIRECT-NOT: ingot.winograd
// DIRECT: linalg.conv_2d_nchw_fchw
// DIRECT-NOT: ingot.winograd
func.func @winograd_conv(%x: tensor<1x64x58x58xf32>, %w: tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32> {
  %r = graph.fused "convolution"(%x, %w) : (tensor<1x64x58x58xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x64x58x58xf32>, %wt: tensor<64x64x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x64x56x56xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %wt : tensor<1x64x58x58xf32>, tensor<64x64x3x3xf32>) outs(%f : tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
    graph.yield %c : tensor<1x64x56x56xf32>
  }
  return %r : tensor<1x64x56x56xf32>
}

// -----

// A 14 x 14 output is one call of rows (4 x 4 blocks fill a panel): its 96
// filters go in two tiles of 48 so that two threads share the layer.
// Stride 2, or fewer than 16 channels, is not for Winograd.
// CHECK-LABEL: func.func @winograd_small_image
// CHECK: scf.forall ({{.*}}) = (0, 0, 0) to (1, 96, 14) step (1, 48, 16)
// CHECK: ingot.winograd
// CHECK-LABEL: func.func @not_winograd
// CHECK-NOT: ingot.winograd
// CHECK: return
func.func @winograd_small_image(%x: tensor<1x16x16x16xf32>, %w: tensor<96x16x3x3xf32>) -> tensor<1x96x14x14xf32> {
  %r = graph.fused "convolution"(%x, %w) : (tensor<1x16x16x16xf32>, tensor<96x16x3x3xf32>) -> tensor<1x96x14x14xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x16x16x16xf32>, %wt: tensor<96x16x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x96x14x14xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x14x14xf32>) -> tensor<1x96x14x14xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %wt : tensor<1x16x16x16xf32>, tensor<96x16x3x3xf32>) outs(%f : tensor<1x96x14x14xf32>) -> tensor<1x96x14x14xf32>
    graph.yield %c : tensor<1x96x14x14xf32>
  }
  return %r : tensor<1x96x14x14xf32>
}
func.func @not_winograd(%x: tensor<1x16x33x33xf32>, %w: tensor<96x16x3x3xf32>, %x8: tensor<1x8x34x34xf32>, %w8: tensor<96x8x3x3xf32>) -> (tensor<1x96x16x16xf32>, tensor<1x96x32x32xf32>) {
  %r = graph.fused "convolution"(%x, %w) : (tensor<1x16x33x33xf32>, tensor<96x16x3x3xf32>) -> tensor<1x96x16x16xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x16x33x33xf32>, %wt: tensor<96x16x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x96x16x16xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x16x16xf32>) -> tensor<1x96x16x16xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%a, %wt : tensor<1x16x33x33xf32>, tensor<96x16x3x3xf32>) outs(%f : tensor<1x96x16x16xf32>) -> tensor<1x96x16x16xf32>
    graph.yield %c : tensor<1x96x16x16xf32>
  }
  %r8 = graph.fused "convolution"(%x8, %w8) : (tensor<1x8x34x34xf32>, tensor<96x8x3x3xf32>) -> tensor<1x96x32x32xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x8x34x34xf32>, %wt: tensor<96x8x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x96x32x32xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x32x32xf32>) -> tensor<1x96x32x32xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %wt : tensor<1x8x34x34xf32>, tensor<96x8x3x3xf32>) outs(%f : tensor<1x96x32x32xf32>) -> tensor<1x96x32x32xf32>
    graph.yield %c : tensor<1x96x32x32xf32>
  }
  return %r, %r8 : tensor<1x96x16x16xf32>, tensor<1x96x32x32xf32>
}

// -----

// A depthwise convolution's region is tiled by channels, whole planes per
// tile (8 tiles of 24 here), its bias and activation run on each tile.
// CHECK-LABEL: func.func @depthwise_bias_relu
// CHECK: scf.forall ({{.*}}) = (0, 0) to (1, 192) step (1, 24)
// CHECK: linalg.fill {{.*}} -> tensor<1x24x28x28xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x24x30x30xf32>, tensor<24x3x3xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x24x28x28xf32>)
// CHECK: tensor.parallel_insert_slice
#id4d = affine_map<(n, c, h, w) -> (n, c, h, w)>
#channel = affine_map<(n, c, h, w) -> (c)>
func.func @depthwise_bias_relu(%x: tensor<1x192x28x28xf32>, %w: tensor<192x3x3xf32>, %b: tensor<192xf32>) -> tensor<1x192x28x28xf32> {
  %r = graph.fused "convolution"(%x, %w, %b) : (tensor<1x192x28x28xf32>, tensor<192x3x3xf32>, tensor<192xf32>) -> tensor<1x192x28x28xf32> attributes {anchor = "graph.conv"} {
  ^bb0(%a: tensor<1x192x28x28xf32>, %wt: tensor<192x3x3xf32>, %bias: tensor<192xf32>):
    %zero = arith.constant 0.0 : f32
    %padded = tensor.pad %a low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero : f32
    } : tensor<1x192x28x28xf32> to tensor<1x192x30x30xf32>
    %e = tensor.empty() : tensor<1x192x28x28xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x192x28x28xf32>) -> tensor<1x192x28x28xf32>
    %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %wt : tensor<1x192x30x30xf32>, tensor<192x3x3xf32>) outs(%f : tensor<1x192x28x28xf32>) -> tensor<1x192x28x28xf32>
    %e2 = tensor.empty() : tensor<1x192x28x28xf32>
    %y = linalg.generic {indexing_maps = [#id4d, #channel, #id4d], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%c, %bias : tensor<1x192x28x28xf32>, tensor<192xf32>) outs(%e2 : tensor<1x192x28x28xf32>) {
    ^bb0(%v: f32, %s: f32, %o: f32):
      %t = arith.addf %v, %s : f32
      %m = arith.maximumf %t, %zero : f32
      linalg.yield %m : f32
    } -> tensor<1x192x28x28xf32>
    graph.yield %y : tensor<1x192x28x28xf32>
  }
  return %r : tensor<1x192x28x28xf32>
}
