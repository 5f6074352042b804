// RUN: ingot-opt %s --split-input-file --graph-fold-batch-norm | FileCheck %s

// s = scale / sqrt(var + eps) = [2, 0.5]; W' = W * s per filter;
// B' = (B - mean) * s + shift = [(1 - 1) * 2 + 3, (2 - 0) * 0.5 + 1] = [3, 2].
// CHECK-LABEL: func.func @folded
// CHECK-NOT: graph.batch_normalization
// CHECK-DAG: %[[W:.*]] = graph.constant {value = dense_resource<folded_batch_norm> : tensor<2x1x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = graph.constant {value = dense_resource<folded_batch_norm_1> : tensor<2xf32>}
// CHECK: %[[Y:.*]] = graph.conv %arg0, %[[W]] B(%[[B]])
// CHECK: return %[[Y]]
// The folded values, little-endian f32: W' = [2 * 3, 0.5 * 4] = [6, 2], B' = [3, 2].
// CHECK: folded_batch_norm: "0x040000000000C04000000040"
// CHECK: folded_batch_norm_1: "0x040000000000404000000040"
func.func @folded(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = graph.constant {value = dense<[[[[3.0]]], [[[4.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %b = graph.constant {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %scale = graph.constant {value = dense<[4.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %shift = graph.constant {value = dense<[3.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = graph.constant {value = dense<[1.0, 0.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = graph.constant {value = dense<[3.5, 3.5]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = graph.conv %x, %w B(%b) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %y = graph.batch_normalization %c, %scale, %shift, %mean, %var {epsilon = 0.5 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Weights known only at run time, or a Conv with another use: left alone.
// CHECK-LABEL: func.func @left_alone
// CHECK: graph.batch_normalization
// CHECK: graph.batch_normalization
func.func @left_alone(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x1x1xf32>, %s: tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %k = graph.constant {value = dense<1.0> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %c = graph.conv %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = graph.batch_normalization %c, %s, %s, %s, %s : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.conv %x, %k : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %z = graph.batch_normalization %d, %s, %s, %s, %s : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y, %z, %d : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
