// RUN: ingot-opt %s -convert-graph-to-linalg -split-input-file | FileCheck %s
// GridSample, QuantizeLinear, DequantizeLinear and BitCast: one elementwise
// generic each. Numbers: the ONNX node suite (test/onnx_backend).

// CHECK-LABEL: func.func @grid_sample_bilinear
// Four taps per point in 2-d, each reading X in bounds.
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract %arg0
func.func @grid_sample_bilinear(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32> {
  %0 = graph.grid_sample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32>
  return %0 : tensor<1x1x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_per_axis
// x / scale[axis index], rounded half to even, plus the zero point, saturated.
// CHECK: linalg.index 1
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.maximumf
// CHECK: arith.minimumf
func.func @quantize_per_axis(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %z: tensor<3xi8>) -> tensor<2x3xi8> {
  %0 = "graph.quantize_linear"(%x, %s, %z) <{axis = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

// CHECK-LABEL: func.func @dequantize
// The zero point is subtracted in 64-bit integers (exact), then scaled.
// CHECK: arith.extsi {{.*}} : i8 to i64
// CHECK: arith.subi
// CHECK: arith.mulf
func.func @dequantize(%x: tensor<4xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<4xf32> {
  %0 = "graph.dequantize_linear"(%x, %s, %z) <{operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @bitcast_bool
// A bool is the byte 0 or 1.
// CHECK: arith.extui {{.*}} : i1 to i8
func.func @bitcast_bool(%x: tensor<4xi1>) -> tensor<4xi8> {
  %0 = graph.bit_cast %x {to = 3 : i64} : (tensor<4xi1>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
