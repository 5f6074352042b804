// RUN: ingot-opt %s -graph-expand-attention -split-input-file | FileCheck %s
// Attention (opsets 23-25) becomes graph ops, after the ONNX reference:
// scaled Q and K, Q K^T, the causal mask added, softmax, rows that every
// mask hides set to 0, then times V. The numbers are the ONNX node suite's
// (test/onnx_backend).

// CHECK-LABEL: func.func @causal_attention
// CHECK-NOT: graph.attention
// The causal frontier: query position + offset - key position >= 0.
// CHECK: graph.range
// CHECK: graph.range
// CHECK: graph.greater_or_equal
// CHECK: graph.where
// Q and K are each scaled by sqrt(scale), then Q K^T.
// CHECK: graph.mul %arg0
// CHECK: graph.mul %arg1
// CHECK: graph.transpose {{.*}} {perm = array<i64: 0, 1, 3, 2>}
// CHECK: graph.matmul {{.*}} -> tensor<1x2x3x5xf32>
// CHECK: graph.softmax
// A row no key may be seen from is 0, not NaN.
// CHECK: graph.is_inf
// CHECK: graph.where
// CHECK: %[[Y:.*]] = graph.matmul {{.*}}, %arg2 {{.*}} -> tensor<1x2x3x4xf32>
// CHECK: return %[[Y]]
func.func @causal_attention(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x4xf32>) -> tensor<1x2x3x4xf32> {
  %0 = "graph.attention"(%q, %k, %v) <{is_causal = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>}> : (tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>) -> tensor<1x2x3x4xf32>
  return %0 : tensor<1x2x3x4xf32>
}
