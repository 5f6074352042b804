// RUN: ingot-opt %s --split-input-file --verify-diagnostics --graph-channels-last | FileCheck %s

// An inverted-residual block: 1x1 expand + Clip, depthwise 3x3 + Clip, 1x1
// project, residual Add. One transpose in, one out; the 1x1s are MatMuls
// by the weights transposed, the depthwise is channels-last.
// CHECK-LABEL: func.func @block
// CHECK: %[[IN:.*]] = graph.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x5x5xf32>) -> tensor<1x5x5x4xf32>
// CHECK: %[[E:.*]] = graph.matmul %[[IN]], %{{.*}} : (tensor<1x5x5x4xf32>, tensor<4x8xf32>) -> tensor<1x5x5x8xf32>
// CHECK: graph.add %[[E]], %{{.*}} : (tensor<1x5x5x8xf32>, tensor<8xf32>) -> tensor<1x5x5x8xf32>
// CHECK: graph.clip {{.*}} -> tensor<1x5x5x8xf32>
// CHECK: %[[D:.*]] = graph.depthwise_conv_nhwc %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x5x5x8xf32>, tensor<3x3x8xf32>) -> tensor<1x5x5x8xf32>
// CHECK: graph.clip %[[D]]
// CHECK: %[[P:.*]] = graph.matmul %{{.*}}, %{{.*}} : (tensor<1x5x5x8xf32>, tensor<8x4xf32>) -> tensor<1x5x5x4xf32>
// CHECK: %[[R:.*]] = graph.add %[[P]], %[[IN]] : (tensor<1x5x5x4xf32>, tensor<1x5x5x4xf32>) -> tensor<1x5x5x4xf32>
// CHECK: %[[OUT:.*]] = graph.transpose %[[R]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x5x5x4xf32>) -> tensor<1x4x5x5xf32>
// CHECK-NOT: graph.conv
// CHECK: return %[[OUT]]
func.func @block(%x: tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32> {
  %we = graph.constant {value = dense<0.5> : tensor<8x4x1x1xf32>} : () -> tensor<8x4x1x1xf32>
  %be = graph.constant {value = dense<0.1> : tensor<8xf32>} : () -> tensor<8xf32>
  %wd = graph.constant {value = dense<0.25> : tensor<8x1x3x3xf32>} : () -> tensor<8x1x3x3xf32>
  %wp = graph.constant {value = dense<0.125> : tensor<4x8x1x1xf32>} : () -> tensor<4x8x1x1xf32>
  %lo = graph.constant {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = graph.constant {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %e = graph.conv %x, %we B(%be) : (tensor<1x4x5x5xf32>, tensor<8x4x1x1xf32>, tensor<8xf32>) -> tensor<1x8x5x5xf32>
  %ec = graph.clip %e min(%lo) max(%hi) : (tensor<1x8x5x5xf32>, tensor<f32>, tensor<f32>) -> tensor<1x8x5x5xf32>
  %d = graph.conv %ec, %wd {group = 8 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x5x5xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x5x5xf32>
  %dc = graph.clip %d min(%lo) max(%hi) : (tensor<1x8x5x5xf32>, tensor<f32>, tensor<f32>) -> tensor<1x8x5x5xf32>
  %p = graph.conv %dc, %wp : (tensor<1x8x5x5xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x5x5xf32>
  %r = graph.add %p, %x : (tensor<1x4x5x5xf32>, tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  return %r : tensor<1x4x5x5xf32>
}

// -----

// A stem: a full 3x3 convolution (not carried) and its Clip, then a
// depthwise and a pointwise convolution. The Clip reads no image of the
// component, so it stays channels-first after the stem (its epilogue) and
// the transpose comes after it, not before.
// CHECK-LABEL: func.func @stem
// CHECK: %[[S:.*]] = graph.conv %arg0
// CHECK: %[[C:.*]] = graph.clip %[[S]] {{.*}} -> tensor<1x4x6x6xf32>
// CHECK: %[[IN:.*]] = graph.transpose %[[C]] {perm = array<i64: 0, 2, 3, 1>}
// CHECK: graph.depthwise_conv_nhwc %[[IN]]
// CHECK: graph.matmul
func.func @stem(%x: tensor<1x3x6x6xf32>) -> tensor<1x8x6x6xf32> {
  %ws = graph.constant {value = dense<0.5> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %wd = graph.constant {value = dense<0.25> : tensor<4x1x3x3xf32>} : () -> tensor<4x1x3x3xf32>
  %wp = graph.constant {value = dense<0.125> : tensor<8x4x1x1xf32>} : () -> tensor<8x4x1x1xf32>
  %lo = graph.constant {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = graph.constant {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %s = graph.conv %x, %ws {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x6x6xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %c = graph.clip %s min(%lo) max(%hi) : (tensor<1x4x6x6xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %d = graph.conv %c, %wd {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  %p = graph.conv %d, %wp : (tensor<1x4x6x6xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x6x6xf32>
  return %p : tensor<1x8x6x6xf32>
}

// -----

// A per-channel constant ([C, 1, 1]) is permuted to [1, 1, 1, C] at
// compile time; an image read outside the component (the Relu's result,
// returned) is transposed back where it is made.
// CHECK-LABEL: func.func @broadcast_and_escape
// CHECK: %[[D:.*]] = graph.depthwise_conv_nhwc
// CHECK: %[[S:.*]] = graph.constant {value = dense_resource<channels_last{{.*}}> : tensor<1x1x1x2xf32>}
// CHECK: %[[M:.*]] = graph.mul %[[D]], %[[S]] : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
// CHECK: %[[R:.*]] = graph.relu %[[M]]
// CHECK: %[[BACK:.*]] = graph.transpose %[[R]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: graph.matmul %[[R]]
// CHECK: return %{{.*}}, %[[BACK]]
func.func @broadcast_and_escape(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %wd = graph.constant {value = dense<1.0> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %s = graph.constant {value = dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %wp = graph.constant {value = dense<1.0> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %d = graph.conv %x, %wd {group = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %m = graph.mul %d, %s : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %r = graph.relu %m : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = graph.conv %r, %wp : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %p, %r : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// ResNet-style: 1x1 convolutions around a full 3x3 with no depthwise one
// stay NCHW (the transposes would cost more than the layout saves).
// CHECK-LABEL: func.func @no_depthwise
// CHECK-NOT: graph.transpose
// CHECK-COUNT-3: graph.conv
func.func @no_depthwise(%x: tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32> {
  %w1 = graph.constant {value = dense<0.5> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %w3 = graph.constant {value = dense<0.5> : tensor<4x4x3x3xf32>} : () -> tensor<4x4x3x3xf32>
  %a = graph.conv %x, %w1 : (tensor<1x4x5x5xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x5x5xf32>
  %b = graph.conv %a, %w3 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x5x5xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x5x5xf32>
  %c = graph.conv %b, %w1 : (tensor<1x4x5x5xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x5x5xf32>
  return %c : tensor<1x4x5x5xf32>
}

// -----

// The op's verifier: the window must give the output's size.
func.func @wrong_output(%x: tensor<1x5x5x8xf32>, %w: tensor<3x3x8xf32>) -> tensor<1x4x4x8xf32> {
  // expected-error @+1 {{output height is 4, the window gives 5}}
  %y = graph.depthwise_conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x5x5x8xf32>, tensor<3x3x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}
