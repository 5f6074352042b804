// RUN: ingot-opt %s --split-input-file --graph-form-dispatch-regions | FileCheck %s

// A convolution with its bias, residual add and Relu: one region, the
// weights cloned into it, the residual an input.
// CHECK-LABEL: func.func @conv_epilogue
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[R:.*]]: tensor<1x2x4x4xf32>)
// CHECK-NOT: graph.constant
// CHECK: %[[Y:.*]] = graph.fused "convolution"(%[[X]], %[[R]]) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> attributes {anchor = "graph.conv"} {
// CHECK: ^bb0(%[[A:.*]]: tensor<1x2x4x4xf32>, %[[B:.*]]: tensor<1x2x4x4xf32>):
// CHECK: %[[W:.*]] = graph.constant
// CHECK: %[[C:.*]] = graph.conv %[[A]], %[[W]]
// CHECK: %[[S:.*]] = graph.add %[[C]], %[[B]]
// CHECK: %[[Z:.*]] = graph.relu %[[S]]
// CHECK: graph.yield %[[Z]]
// CHECK: }
// CHECK-NEXT: return %[[Y]]
func.func @conv_epilogue(%x: tensor<1x2x4x4xf32>, %r: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = graph.constant {value = dense<1.0> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %c = graph.conv %x, %w : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %s = graph.add %c, %r : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = graph.relu %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// SiLU reads the MatMul's result twice, both times inside the region; the
// multi-op GELU (erf form) likewise.
// CHECK-LABEL: func.func @silu_and_gelu
// CHECK: graph.fused "contraction"
// CHECK: = graph.matmul
// CHECK: = graph.sigmoid
// CHECK: = graph.mul
// CHECK: graph.yield
// CHECK: graph.fused "contraction"
// CHECK: = graph.matmul
// CHECK: = graph.div
// CHECK: = graph.erf
// CHECK: = graph.add
// CHECK: = graph.mul
// CHECK: = graph.mul
// CHECK: graph.yield
// CHECK-NOT: graph.fused
func.func @silu_and_gelu(%x: tensor<2x3xf32>, %w: tensor<3x3xf32>) -> tensor<2x3xf32> {
  %m = graph.matmul %x, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %s = graph.sigmoid %m : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %silu = graph.mul %m, %s : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %n = graph.matmul %silu, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %sqrt2 = graph.constant {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %one = graph.constant {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = graph.constant {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %d = graph.div %n, %sqrt2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %e = graph.erf %d : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %p = graph.add %e, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %q = graph.mul %n, %p : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %g = graph.mul %q, %half : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// -----

// Scaled-dot-product attention: one region from Q K^T to the product with V.
// CHECK-LABEL: func.func @attention
// CHECK: graph.fused "attention"(%arg0, %arg1, %arg2, %arg3) {{.*}} attributes {anchor = "graph.softmax"} {
// CHECK: = graph.matmul
// CHECK: = graph.div
// CHECK: = graph.add
// CHECK: = graph.softmax
// CHECK: = graph.matmul
// CHECK: graph.yield
// CHECK-NOT: graph.fused
func.func @attention(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %mask: tensor<1x1x1x4xf32>,
                     %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %scale = graph.constant {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %s = graph.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.div %s, %scale : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = graph.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %y : tensor<1x2x4x8xf32>
}

// -----

// Values of the would-be epilogue (Tanh, Add) are read outside it: the
// MatMul's region ends before them, and each forms a region of its own,
// since a broadcast that grows the output (the second Add) is no
// epilogue. Reshapes stay between regions; an elementwise chain after one
// is one region.
// CHECK-LABEL: func.func @boundaries
// CHECK: %[[M:.*]] = graph.fused "contraction"
// CHECK: = graph.matmul
// CHECK-NEXT: graph.yield
// CHECK: %[[T:.*]] = graph.fused "elementwise"(%[[M]])
// CHECK: = graph.tanh
// CHECK-NEXT: graph.yield
// CHECK: %[[A:.*]] = graph.fused "elementwise"(%[[M]], %[[T]])
// CHECK: = graph.add
// CHECK-NEXT: graph.yield
// CHECK: %[[B:.*]] = graph.fused "elementwise"(%[[A]], %arg2)
// CHECK: = graph.add
// CHECK-NEXT: graph.yield
// CHECK: graph.reshape %[[B]]
// CHECK: graph.fused "elementwise"
// CHECK: = graph.exp
// CHECK: = graph.neg
// CHECK-NEXT: graph.yield
func.func @boundaries(%x: tensor<2x3xf32>, %w: tensor<3x3xf32>, %big: tensor<4x2x3xf32>) -> (tensor<2x3xf32>, tensor<4x6xf32>) {
  %m = graph.matmul %x, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %t = graph.tanh %m : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %a = graph.add %m, %t : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = graph.add %a, %big : (tensor<2x3xf32>, tensor<4x2x3xf32>) -> tensor<4x2x3xf32>
  %shape = graph.constant {value = dense<[4, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = graph.reshape %b, %shape : (tensor<4x2x3xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  %e = graph.exp %r : (tensor<4x6xf32>) -> tensor<4x6xf32>
  %n = graph.neg %e : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return %t, %n : tensor<2x3xf32>, tensor<4x6xf32>
}
