// RUN: ingot-opt %s -convert-graph-to-linalg -split-input-file | FileCheck %s
// DFT, Col2Im and NonMaxSuppression. Numbers: the ONNX node suite and
// test/python/test_runtime_shapes.py (against NumPy and ONNX Runtime).

// CHECK-LABEL: func.func @dft_forward
// A reduction over the samples, in f64, with the twiddle's angle reduced mod N.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.remui
// CHECK: math.cos
// CHECK: math.sin
// CHECK: arith.truncf {{.*}} : f64 to f32
func.func @dft_forward(%x: tensor<1x8x1xf32>) -> tensor<1x8x2xf32> {
  %axis = graph.constant {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = graph.dft %x axis(%axis) : (tensor<1x8x1xf32>, tensor<i64>) -> tensor<1x8x2xf32>
  return %0 : tensor<1x8x2xf32>
}

// -----

// CHECK-LABEL: func.func @col2im
// Each image pixel gathers the column entries of the blocks that cover it.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.select
// CHECK: tensor.extract %arg0
func.func @col2im(%x: tensor<1x4x9xf32>) -> tensor<1x1x4x4xf32> {
  %image = graph.constant {value = dense<[4, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %block = graph.constant {value = dense<[2, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = graph.col2_im %x, %image, %block : (tensor<1x4x9xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @non_max_suppression
// Batches, classes, then up to N picks, each a scan for the best candidate
// and a check against the boxes kept so far; the rows written are sliced out.
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.if
// CHECK: arith.divf
// CHECK: tensor.extract_slice {{.*}} to tensor<?x3xi64>
func.func @non_max_suppression(%boxes: tensor<1x6x4xf32>, %scores: tensor<1x1x6xf32>, %max: tensor<1xi64>) -> tensor<?x3xi64> {
  %0 = graph.non_max_suppression %boxes, %scores max_output_boxes_per_class(%max) : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, tensor<1xi64>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}
