// RUN: ingot-opt %s -convert-graph-to-linalg -split-input-file | FileCheck %s
// RNN, GRU and LSTM: the input projection before an scf.for over time, a
// reduction and one elementwise update per step. Numbers: the ONNX node
// suite and test/python/test_runtime_shapes.py (against ONNX Runtime).

// CHECK-LABEL: func.func @rnn_forward
// X W^T for every step at once: a reduction over the input size.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: scf.for
// H R^T, then the gates.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.tanh
// CHECK: tensor.insert_slice
// CHECK: scf.yield
func.func @rnn_forward(%x: tensor<4x2x3xf32>, %w: tensor<1x5x3xf32>, %r: tensor<1x5x5xf32>) -> tensor<4x1x2x5xf32> {
  %0 = "graph.rnn"(%x, %w, %r) <{hidden_size = 5 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>}> : (tensor<4x2x3xf32>, tensor<1x5x3xf32>, tensor<1x5x5xf32>) -> tensor<4x1x2x5xf32>
  return %0 : tensor<4x1x2x5xf32>
}

// -----

// CHECK-LABEL: func.func @lstm_final_states
// The cell state is carried beside the hidden state.
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK: math.exp
// CHECK: math.tanh
func.func @lstm_final_states(%x: tensor<4x2x3xf32>, %w: tensor<1x8x3xf32>, %r: tensor<1x8x2xf32>) -> (tensor<1x2x2xf32>, tensor<1x2x2xf32>) {
  %0:2 = "graph.lstm"(%x, %w, %r) <{hidden_size = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1, 1>}> : (tensor<4x2x3xf32>, tensor<1x8x3xf32>, tensor<1x8x2xf32>) -> (tensor<1x2x2xf32>, tensor<1x2x2xf32>)
  return %0#0, %0#1 : tensor<1x2x2xf32>, tensor<1x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @gru_sequence_lengths
// Each length is checked to lie in [0, T] before the loop.
// CHECK: scf.for
// CHECK: graph.runtime_check {{.*}}sequence_lens[{0}] is {1}, outside [0, {2}]
// CHECK: scf.for
func.func @gru_sequence_lengths(%x: tensor<4x2x3xf32>, %w: tensor<1x6x3xf32>, %r: tensor<1x6x2xf32>, %lens: tensor<2xi32>) -> tensor<4x1x2x2xf32> {
  %0 = "graph.gru"(%x, %w, %r, %lens) <{hidden_size = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0>, resultSegmentSizes = array<i32: 1, 0>}> : (tensor<4x2x3xf32>, tensor<1x6x3xf32>, tensor<1x6x2xf32>, tensor<2xi32>) -> tensor<4x1x2x2xf32>
  return %0 : tensor<4x1x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @linear_attention_gated_delta
// The state [B, Hkv, dk, dv] is carried over the tokens: decayed, corrected
// by the delta rule (a reduction S^T k), updated, then read by the queries.
// CHECK: scf.for {{.*}} iter_args
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.subf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: tensor.insert_slice
func.func @linear_attention_gated_delta(%q: tensor<1x3x8xf32>, %k: tensor<1x3x8xf32>, %v: tensor<1x3x8xf32>, %g: tensor<1x3x2xf32>, %beta: tensor<1x3x2xf32>) -> (tensor<1x3x8xf32>, tensor<1x2x4x4xf32>) {
  %0:2 = graph.linear_attention %q, %k, %v decay(%g) beta(%beta) {kv_num_heads = 2 : i64, q_num_heads = 2 : i64} : (tensor<1x3x8xf32>, tensor<1x3x8xf32>, tensor<1x3x8xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> (tensor<1x3x8xf32>, tensor<1x2x4x4xf32>)
  return %0#0, %0#1 : tensor<1x3x8xf32>, tensor<1x2x4x4xf32>
}
