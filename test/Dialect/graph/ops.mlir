// RUN: ingot-opt %s | FileCheck %s
// RUN: ingot-opt %s | ingot-opt | FileCheck %s
// Every graph op parses, verifies (result types included: each op's shape
// rule checks them) and prints back. Result types are the ONNX spec's, by hand.

// CHECK-LABEL: func.func @unary
func.func @unary(%a: tensor<2x3xf32>) {
  // CHECK: graph.abs %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %0 = graph.abs %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.ceil %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = graph.ceil %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.cos %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = graph.cos %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.elu %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = graph.elu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.erf %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = graph.erf %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.exp %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = graph.exp %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.floor %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %6 = graph.floor %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.gelu %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %7 = graph.gelu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.hard_sigmoid %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %8 = graph.hard_sigmoid %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.hard_swish %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %9 = graph.hard_swish %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.leaky_relu %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %10 = graph.leaky_relu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.log %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %11 = graph.log %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.neg %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %12 = graph.neg %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.reciprocal %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %13 = graph.reciprocal %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.relu %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %14 = graph.relu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.round %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %15 = graph.round %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.selu %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %16 = graph.selu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.sigmoid %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %17 = graph.sigmoid %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.sign %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %18 = graph.sign %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.sin %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %19 = graph.sin %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.softplus %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %20 = graph.softplus %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.softsign %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %21 = graph.softsign %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.sqrt %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %22 = graph.sqrt %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.tanh %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %23 = graph.tanh %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.identity %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %24 = graph.identity %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.softmax %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %25 = graph.softmax %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.log_softmax %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %26 = graph.log_softmax %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @broadcasting
func.func @broadcasting(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // CHECK: graph.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.sub %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = graph.sub %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.mul %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = graph.mul %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.div %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = graph.div %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.pow %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %4 = graph.pow %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.prelu %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %5 = graph.prelu %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.mod %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %6 = graph.mod %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @comparisons
func.func @comparisons(%a: tensor<4x1xi64>, %b: tensor<5xi64>) {
  // CHECK: graph.equal %{{.*}}, %{{.*}} : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  %0 = graph.equal %a, %b : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  // CHECK: graph.less %{{.*}}, %{{.*}} : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  %1 = graph.less %a, %b : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  // CHECK: graph.greater %{{.*}}, %{{.*}} : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  %2 = graph.greater %a, %b : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  // CHECK: graph.less_or_equal %{{.*}}, %{{.*}} : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  %3 = graph.less_or_equal %a, %b : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  // CHECK: graph.greater_or_equal %{{.*}}, %{{.*}} : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  %4 = graph.greater_or_equal %a, %b : (tensor<4x1xi64>, tensor<5xi64>) -> tensor<4x5xi1>
  return
}

// CHECK-LABEL: func.func @logical
func.func @logical(%a: tensor<2x3xi1>, %b: tensor<1x3xi1>) {
  // CHECK: graph.and %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<1x3xi1>) -> tensor<2x3xi1>
  %0 = graph.and %a, %b : (tensor<2x3xi1>, tensor<1x3xi1>) -> tensor<2x3xi1>
  // CHECK: graph.or %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<1x3xi1>) -> tensor<2x3xi1>
  %1 = graph.or %a, %b : (tensor<2x3xi1>, tensor<1x3xi1>) -> tensor<2x3xi1>
  // CHECK: graph.xor %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<1x3xi1>) -> tensor<2x3xi1>
  %2 = graph.xor %a, %b : (tensor<2x3xi1>, tensor<1x3xi1>) -> tensor<2x3xi1>
  // CHECK: graph.not %{{.*}} : (tensor<2x3xi1>) -> tensor<2x3xi1>
  %3 = graph.not %a : (tensor<2x3xi1>) -> tensor<2x3xi1>
  return
}

// CHECK-LABEL: func.func @variadic
func.func @variadic(%a: tensor<2x1xf32>, %b: tensor<3xf32>, %c: tensor<1xf32>) {
  // CHECK: graph.sum %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  %0 = graph.sum %a, %b, %c : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  // CHECK: graph.max %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  %1 = graph.max %a, %b, %c : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  // CHECK: graph.min %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  %2 = graph.min %a, %b, %c : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  // CHECK: graph.mean %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  %3 = graph.mean %a, %b, %c : (tensor<2x1xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @where_and_friends
func.func @where_and_friends(%c: tensor<2x1xi1>, %a: tensor<3xf32>, %b: tensor<2x3xf32>, %lo: tensor<f32>, %hi: tensor<f32>) {
  // CHECK: graph.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1xi1>, tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %0 = graph.where %c, %a, %b : (tensor<2x1xi1>, tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.clip %{{.*}} min(%{{.*}}) max(%{{.*}}) : (tensor<2x3xf32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = graph.clip %b min(%lo) max(%hi) : (tensor<2x3xf32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
  // CHECK: graph.clip %{{.*}} max(%{{.*}}) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %2 = graph.clip %b max(%hi) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  // CHECK: graph.cast %{{.*}} {to = 7 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
  %3 = graph.cast %b {to = 7 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
  // CHECK: graph.is_nan %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xi1>
  %4 = graph.is_nan %b : (tensor<2x3xf32>) -> tensor<2x3xi1>
  // CHECK: graph.dropout %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = graph.dropout %b : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.trilu %{{.*}} {upper = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %6 = graph.trilu %b {upper = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @convolution
func.func @convolution(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>, %wt: tensor<64x16x4x4xf32>, %dw: tensor<64x1x3x3xf32>) {
  // CHECK: graph.conv %{{.*}}, %{{.*}} B(%{{.*}}) {pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %0 = graph.conv %x, %w B(%b) {pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  // CHECK: graph.conv %{{.*}}, %{{.*}} {auto_pad = "SAME_UPPER", group = 64 : i64, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x56x56xf32>
  %1 = graph.conv %0, %dw {auto_pad = "SAME_UPPER", group = 64 : i64, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x56x56xf32>
  // CHECK: graph.conv_transpose %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x56x56xf32>, tensor<64x16x4x4xf32>) -> tensor<1x16x112x112xf32>
  %2 = graph.conv_transpose %1, %wt {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x56x56xf32>, tensor<64x16x4x4xf32>) -> tensor<1x16x112x112xf32>
  return
}

// CHECK-LABEL: func.func @pooling
func.func @pooling(%x: tensor<1x64x112x112xf32>) {
  // CHECK: graph.max_pool %{{.*}} {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  %0 = graph.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  // CHECK: graph.average_pool %{{.*}} {ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x64x56x56xf32>) -> tensor<1x64x28x28xf32>
  %1 = graph.average_pool %0 {ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x64x56x56xf32>) -> tensor<1x64x28x28xf32>
  // CHECK: graph.global_average_pool %{{.*}} : (tensor<1x64x28x28xf32>) -> tensor<1x64x1x1xf32>
  %2 = graph.global_average_pool %1 : (tensor<1x64x28x28xf32>) -> tensor<1x64x1x1xf32>
  // CHECK: graph.global_max_pool %{{.*}} : (tensor<1x64x28x28xf32>) -> tensor<1x64x1x1xf32>
  %3 = graph.global_max_pool %1 : (tensor<1x64x28x28xf32>) -> tensor<1x64x1x1xf32>
  // CHECK: graph.lrn %{{.*}} {size = 5 : i64} : (tensor<1x64x112x112xf32>) -> tensor<1x64x112x112xf32>
  %4 = graph.lrn %x {size = 5 : i64} : (tensor<1x64x112x112xf32>) -> tensor<1x64x112x112xf32>
  return
}

// CHECK-LABEL: func.func @normalization
func.func @normalization(%x: tensor<2x8x4x4xf32>, %c: tensor<8xf32>, %s: tensor<?x16x32xf32>, %g: tensor<32xf32>) {
  // CHECK: graph.batch_normalization %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32} : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32>
  %0 = graph.batch_normalization %x, %c, %c, %c, %c {epsilon = 1.000000e-03 : f32} : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32>
  // CHECK: graph.instance_normalization %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32>
  %1 = graph.instance_normalization %x, %c, %c : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32>
  // CHECK: "graph.layer_normalization"(%{{.*}}, %{{.*}}, %{{.*}}) <{{.*}}resultSegmentSizes = array<i32: 1, 0, 0>{{.*}} : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  %2 = "graph.layer_normalization"(%s, %g, %g) <{resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<?x16x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x16x32xf32>
  return
}

// CHECK-LABEL: func.func @layer_norm_statistics
func.func @layer_norm_statistics(%x: tensor<2x5x8xf16>, %g: tensor<8xf16>) {
  // Mean and InvStdDev: X's shape with the normalized dims set to 1, in the stash type (f32).
  // CHECK: "graph.layer_normalization"(%{{.*}}, %{{.*}}) <{{.*}}resultSegmentSizes = array<i32: 1, 1, 1>{{.*}} : (tensor<2x5x8xf16>, tensor<8xf16>) -> (tensor<2x5x8xf16>, tensor<2x5x1xf32>, tensor<2x5x1xf32>)
  %y:3 = "graph.layer_normalization"(%x, %g) <{resultSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<2x5x8xf16>, tensor<8xf16>) -> (tensor<2x5x8xf16>, tensor<2x5x1xf32>, tensor<2x5x1xf32>)
  // CHECK: "graph.layer_normalization"(%{{.*}}, %{{.*}}) <{axis = 1 : i64{{.*}}resultSegmentSizes = array<i32: 1, 0, 1>{{.*}} : (tensor<2x5x8xf16>, tensor<8xf16>) -> (tensor<2x5x8xf16>, tensor<2x1x1xf32>)
  %z:2 = "graph.layer_normalization"(%x, %g) <{axis = 1 : i64, resultSegmentSizes = array<i32: 1, 0, 1>}> : (tensor<2x5x8xf16>, tensor<8xf16>) -> (tensor<2x5x8xf16>, tensor<2x1x1xf32>)
  return
}

// CHECK-LABEL: func.func @matrix
func.func @matrix(%a: tensor<4x8xf32>, %b: tensor<16x8xf32>, %c: tensor<16xf32>, %x: tensor<?x2x5x8xf32>, %y: tensor<8x3xf32>, %v: tensor<8xf32>) {
  // CHECK: graph.gemm %{{.*}}, %{{.*}} C(%{{.*}}) {transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %0 = graph.gemm %a, %b C(%c) {transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  // CHECK: graph.matmul %{{.*}}, %{{.*}} : (tensor<?x2x5x8xf32>, tensor<8x3xf32>) -> tensor<?x2x5x3xf32>
  %1 = graph.matmul %x, %y : (tensor<?x2x5x8xf32>, tensor<8x3xf32>) -> tensor<?x2x5x3xf32>
  // CHECK: graph.matmul %{{.*}}, %{{.*}} : (tensor<8xf32>, tensor<8x3xf32>) -> tensor<3xf32>
  %2 = graph.matmul %v, %y : (tensor<8xf32>, tensor<8x3xf32>) -> tensor<3xf32>
  // CHECK: graph.matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4xf32>
  %3 = graph.matmul %a, %v : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4xf32>
  return
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>, %i: tensor<5xi64>) {
  // CHECK: graph.reshape %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %0 = graph.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  // CHECK: graph.transpose %{{.*}} {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %1 = graph.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK: graph.transpose %{{.*}} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %2 = graph.transpose %x : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  // CHECK: graph.concat %{{.*}}, %{{.*}} {axis = -1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x8xf32>
  %3 = graph.concat %x, %x {axis = -1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x8xf32>
  // CHECK: graph.flatten %{{.*}} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  %4 = graph.flatten %x : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  // CHECK: graph.flatten %{{.*}} {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
  %5 = graph.flatten %x {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<1x24xf32>
  // CHECK: graph.shape %{{.*}} : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %6 = graph.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  // CHECK: graph.shape %{{.*}} {start = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  %7 = graph.shape %x {start = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  // CHECK: graph.size %{{.*}} : (tensor<2x3x4xf32>) -> tensor<i64>
  %8 = graph.size %x : (tensor<2x3x4xf32>) -> tensor<i64>
  // CHECK: graph.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x5x4xf32>
  %9 = graph.gather %x, %i {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x5x4xf32>
  // CHECK: graph.constant_of_shape %{{.*}} : (tensor<2xi64>) -> tensor<?x?xf32>
  %10 = graph.constant_of_shape %s : (tensor<2xi64>) -> tensor<?x?xf32>
  // CHECK: graph.expand %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<?x?x?x?x?xf32>
  %11 = graph.expand %x, %i : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<?x?x?x?x?xf32>
  // CHECK: graph.tile %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?x?xf32>
  %12 = graph.tile %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?x?xf32>
  // CHECK: graph.arg_max %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  %13 = graph.arg_max %x {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  // CHECK: graph.arg_min %{{.*}} {axis = 1 : i64, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x4xi64>
  %14 = graph.arg_min %x {axis = 1 : i64, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x4xi64>
  // CHECK: graph.cum_sum %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x3x4xf32>
  %15 = graph.cum_sum %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x3x4xf32>
  return
}

// CHECK-LABEL: func.func @shapes_from_constants
func.func @shapes_from_constants(%x: tensor<2x3x4xf32>) {
  // CHECK: graph.constant {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s = graph.constant {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: graph.reshape %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  %0 = graph.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  // CHECK: graph.constant {value = dense<[0, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = graph.constant {value = dense<[0, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: graph.unsqueeze %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<1x2x3x1x4xf32>
  %1 = graph.unsqueeze %x, %ax : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<1x2x3x1x4xf32>
  // CHECK: graph.constant {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %sq = graph.constant {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  // CHECK: graph.squeeze %{{.*}} axes(%{{.*}}) : (tensor<1x2x3x1x4xf32>, tensor<1xi64>) -> tensor<2x3x1x4xf32>
  %2 = graph.squeeze %1 axes(%sq) : (tensor<1x2x3x1x4xf32>, tensor<1xi64>) -> tensor<2x3x1x4xf32>
  // CHECK: graph.squeeze %{{.*}} : (tensor<2x3x1x4xf32>) -> tensor<2x3x4xf32>
  %3 = graph.squeeze %2 : (tensor<2x3x1x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.constant {value = dense<[1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %st = graph.constant {value = dense<[1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: graph.constant {value = dense<[3, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %en = graph.constant {value = dense<[3, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: graph.constant {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %sa = graph.constant {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: graph.slice %{{.*}}, %{{.*}}, %{{.*}} axes(%{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x2x3xf32>
  %4 = graph.slice %x, %st, %en axes(%sa) : (tensor<2x3x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x2x3xf32>
  // CHECK: graph.constant {value = dense<[1, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %sp = graph.constant {value = dense<[1, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: graph.split %{{.*}} split(%{{.*}}) {axis = -1 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  %5:2 = graph.split %x split(%sp) {axis = -1 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  // CHECK: graph.split %{{.*}} {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<2x3x4xf32>) -> (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>)
  %6:3 = graph.split %x {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<2x3x4xf32>) -> (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>)
  // CHECK: graph.constant {value = dense<[0, 1, 2, 0, 1, 2]> : tensor<6xi64>} : () -> tensor<6xi64>
  %pd = graph.constant {value = dense<[0, 1, 2, 0, 1, 2]> : tensor<6xi64>} : () -> tensor<6xi64>
  // CHECK: graph.pad %{{.*}}, %{{.*}} {mode = "reflect"} : (tensor<2x3x4xf32>, tensor<6xi64>) -> tensor<2x5x8xf32>
  %7 = graph.pad %x, %pd {mode = "reflect"} : (tensor<2x3x4xf32>, tensor<6xi64>) -> tensor<2x5x8xf32>
  // CHECK: graph.constant {value = dense<[1.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<3xf32>} : () -> tensor<3xf32>
  %sc = graph.constant {value = dense<[1.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<3xf32>} : () -> tensor<3xf32>
  // CHECK: graph.resize %{{.*}} scales(%{{.*}}) {mode = "linear"} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x8xf32>
  %8 = graph.resize %x scales(%sc) {mode = "linear"} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x8xf32>
  // CHECK: graph.constant {value = dense<[1, 2, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %rp = graph.constant {value = dense<[1, 2, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  // CHECK: graph.tile %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x6x12xf32>
  %9 = graph.tile %x, %rp : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x6x12xf32>
  // CHECK: graph.constant {value = dense<[5, 1, 1, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %es = graph.constant {value = dense<[5, 1, 1, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  // CHECK: graph.expand %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<5x2x3x4xf32>
  %10 = graph.expand %x, %es : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<5x2x3x4xf32>
  // CHECK: graph.constant {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %r0 = graph.constant {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  // CHECK: graph.constant {value = dense<10> : tensor<i64>} : () -> tensor<i64>
  %r1 = graph.constant {value = dense<10> : tensor<i64>} : () -> tensor<i64>
  // CHECK: graph.constant {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %r2 = graph.constant {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  // CHECK: graph.range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<3xi64>
  %11 = graph.range %r0, %r1, %r2 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<3xi64>
  // CHECK: graph.constant_of_shape %{{.*}} {value = dense<1> : tensor<1xi32>} : (tensor<3xi64>) -> tensor<1x2x3xi32>
  %12 = graph.constant_of_shape %rp {value = dense<1> : tensor<1xi32>} : (tensor<3xi64>) -> tensor<1x2x3xi32>
  return
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x3x4xf32>) {
  // CHECK: graph.constant {value = dense<[1, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = graph.constant {value = dense<[1, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: graph.reduce_mean %{{.*}} axes(%{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %0 = graph.reduce_mean %x axes(%ax) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  // CHECK: graph.reduce_sum %{{.*}} axes(%{{.*}}) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2xf32>
  %1 = graph.reduce_sum %x axes(%ax) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2xf32>
  // CHECK: graph.reduce_max %{{.*}} : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  %2 = graph.reduce_max %x : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  // CHECK: graph.reduce_min %{{.*}} {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
  %3 = graph.reduce_min %x {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
  // CHECK: graph.reduce_prod %{{.*}} axes(%{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %4 = graph.reduce_prod %x axes(%ax) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  // CHECK: graph.reduce_l2 %{{.*}} axes(%{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %5 = graph.reduce_l2 %x axes(%ax) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  // CHECK: graph.reduce_sum_square %{{.*}} axes(%{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %6 = graph.reduce_sum_square %x axes(%ax) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  return
}

