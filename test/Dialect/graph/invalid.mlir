// RUN: ingot-opt %s -split-input-file -verify-diagnostics
// Every verifier and shape-rule error of the graph ops.

func.func @case0(%x: tensor<2x3xf32>, %y: tensor<4x3xf32>) {
  // expected-error @+2 {{operands cannot be broadcast together: tensor<2x3xf32>, tensor<4x3xf32>}}
  // expected-error @+1 {{'graph.add' op failed to infer returned types}}
  %0 = graph.add %x, %y : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @case1(%x: tensor<2x3xf32>, %y: tensor<2x3xf16>) {
  // expected-error @+1 {{'graph.add' op failed to verify that all of {A, B, C} have same element type}}
  %0 = graph.add %x, %y : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<2x3xf32>
  return
}

// -----

func.func @case2(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'graph.relu' op failed to infer returned types}}
  // expected-error @+1 {{'graph.relu' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x2xf32>'}}
  %0 = graph.relu %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @case3(%x: tensor<2x3xi1>) {
  // expected-error @+1 {{'graph.relu' op operand #0 must be tensor of}}
  %0 = graph.relu %x : (tensor<2x3xi1>) -> tensor<2x3xi1>
  return
}

// -----

func.func @case4(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{target data type STRING is not supported}}
  // expected-error @+1 {{'graph.cast' op failed to infer returned types}}
  %0 = graph.cast %x {to = 8 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @case5(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'graph.softmax' op failed to infer returned types}}
  %0 = graph.softmax %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @case6(%x: tensor<2x3xf32>, %g: tensor<3xf32>) {
  // expected-error @+2 {{axis -3 is out of range for rank 2}}
  // expected-error @+1 {{'graph.layer_normalization' op failed to infer returned types}}
  %0 = "graph.layer_normalization"(%x, %g) <{axis = -3 : i64, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @case7(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'graph.conv' op expected 2 input channels (W dim 1 x group), got 3}}
  %0 = graph.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @case8(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'graph.conv' op expected output channels 6 to be a multiple of group 4}}
  %0 = graph.conv %x, %w {group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @case9(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'graph.conv' op expected bias of 4 elements, got 'tensor<5xf32>'}}
  %0 = graph.conv %x, %w B(%b) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<5xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @case10(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'graph.conv' op kernel_shape 5 disagrees with weight dim 3}}
  %0 = graph.conv %x, %w {kernel_shape = array<i64: 5, 5>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @case11(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{expected strides of 2 values, got 1}}
  // expected-error @+1 {{'graph.conv' op failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @case12(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{expected pads of 4 values, got 2}}
  // expected-error @+1 {{'graph.conv' op failed to infer returned types}}
  %0 = graph.conv %x, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @case13(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{unknown auto_pad 'SAME'}}
  // expected-error @+1 {{'graph.conv' op failed to infer returned types}}
  %0 = graph.conv %x, %w {auto_pad = "SAME"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @case14(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{kernel_shape, strides and dilations must be positive}}
  // expected-error @+1 {{'graph.conv' op failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @case15(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'graph.max_pool' op storage_order=1 (column major indices) is not supported}}
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2, 2>, storage_order = 1 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @case16(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{pads must not be negative}}
  // expected-error @+1 {{'graph.max_pool' op failed to infer returned types}}
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: -1, 0, 0, 0>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @case17(%x: tensor<8xf32>) {
  // expected-error @+2 {{expected input of rank 3 or more, got 'tensor<8xf32>'}}
  // expected-error @+1 {{'graph.average_pool' op failed to infer returned types}}
  %0 = graph.average_pool %x {kernel_shape = array<i64: 2>} : (tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @case18(%x: tensor<2x8x4x4xf32>, %c: tensor<8xf32>) {
  // expected-error @+1 {{'graph.batch_normalization' op training_mode=1 is not supported: export the model for inference}}
  %0 = graph.batch_normalization %x, %c, %c, %c, %c {training_mode = 1 : i64} : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @case19(%x: tensor<2x8x4x4xf32>, %c: tensor<8xf32>, %d: tensor<7xf32>) {
  // expected-error @+1 {{'graph.batch_normalization' op expected input_mean of 8 elements, got 'tensor<7xf32>'}}
  %0 = graph.batch_normalization %x, %c, %c, %d, %c : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<7xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @case20(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'graph.lrn' op expected size to be positive, got 0}}
  %0 = graph.lrn %x {size = 0 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @case21(%a: tensor<4x8xf32>, %b: tensor<16x9xf32>) {
  // expected-error @+2 {{inner dimensions differ: A gives 8, B gives 9}}
  // expected-error @+1 {{'graph.gemm' op failed to infer returned types}}
  %0 = graph.gemm %a, %b {transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x9xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @case22(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<5xf32>) {
  // expected-error @+2 {{bias C of type 'tensor<5xf32>' does not broadcast to [4, 16]}}
  // expected-error @+1 {{'graph.gemm' op failed to infer returned types}}
  %0 = graph.gemm %a, %b C(%c) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<5xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @case23(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) {
  // expected-error @+2 {{expected 2-D operands A and B}}
  // expected-error @+1 {{'graph.gemm' op failed to infer returned types}}
  %0 = graph.gemm %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @case24(%a: tensor<2x4x8xf32>, %b: tensor<3x8x16xf32>) {
  // expected-error @+2 {{batch dimensions of 'tensor<2x4x8xf32>' and 'tensor<3x8x16xf32>' do not broadcast}}
  // expected-error @+1 {{'graph.matmul' op failed to infer returned types}}
  %0 = graph.matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x4x16xf32>
  return
}

// -----

func.func @case25(%a: tensor<f32>, %b: tensor<8x16xf32>) {
  // expected-error @+2 {{operands of MatMul must not be scalars}}
  // expected-error @+1 {{'graph.matmul' op failed to infer returned types}}
  %0 = graph.matmul %a, %b : (tensor<f32>, tensor<8x16xf32>) -> tensor<16xf32>
  return
}

// -----

func.func @case26(%x: tensor<2x6xf32>) {
  %s = graph.constant {value = dense<[-1, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{shape has more than one -1}}
  // expected-error @+1 {{'graph.reshape' op failed to infer returned types}}
  %0 = graph.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case27(%x: tensor<2x6xf32>) {
  %s = graph.constant {value = dense<[5, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{cannot reshape 'tensor<2x6xf32>' to shape with 5 elements and one -1}}
  // expected-error @+1 {{'graph.reshape' op failed to infer returned types}}
  %0 = graph.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<5x?xf32>
  return
}

// -----

func.func @case28(%x: tensor<2x6xf32>) {
  %s = graph.constant {value = dense<[5, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{cannot reshape 'tensor<2x6xf32>' (12 elements) to a shape of 10 elements}}
  // expected-error @+1 {{'graph.reshape' op failed to infer returned types}}
  %0 = graph.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<5x2xf32>
  return
}

// -----

func.func @case29(%x: tensor<2x6xf32>) {
  %s = graph.constant {value = dense<[1, 12, 0]> : tensor<3xi64>} : () -> tensor<3xi64>
  // expected-error @+2 {{shape copies dim 2 of a rank-2 input}}
  // expected-error @+1 {{'graph.reshape' op failed to infer returned types}}
  %0 = graph.reshape %x, %s : (tensor<2x6xf32>, tensor<3xi64>) -> tensor<1x12x?xf32>
  return
}

// -----

func.func @case30(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'graph.transpose' op perm must be a permutation of [0, 3)}}
  %0 = graph.transpose %x {perm = array<i64: 0, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  return
}

// -----

func.func @case31(%x: tensor<2x3x4xf32>) {
  // expected-error @+2 {{expected perm of 3 values, got 2}}
  // expected-error @+1 {{'graph.transpose' op failed to infer returned types}}
  %0 = graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @case32(%x: tensor<2x3xf32>, %y: tensor<2x3x1xf32>) {
  // expected-error @+2 {{inputs have different ranks: 2 and 3}}
  // expected-error @+1 {{'graph.concat' op failed to infer returned types}}
  %0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @case33(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) {
  // expected-error @+2 {{inputs differ in dim 1: 3 and 4}}
  // expected-error @+1 {{'graph.concat' op failed to infer returned types}}
  %0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @case34(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'graph.concat' op failed to infer returned types}}
  %0 = graph.concat %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @case35(%x: tensor<2x6xf32>) {
  %s = graph.constant {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{split sizes add up to 5, the axis has 6}}
  // expected-error @+1 {{'graph.split' op failed to infer returned types}}
  %0:2 = graph.split %x split(%s) {axis = 1 : i64} : (tensor<2x6xf32>, tensor<2xi64>) -> (tensor<2x2xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @case36(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{expected either the split input or num_outputs}}
  // expected-error @+1 {{'graph.split' op failed to infer returned types}}
  %0:2 = graph.split %x {axis = 1 : i64} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @case37(%x: tensor<2x6xf32>, %s: tensor<?xi64>) {
  // expected-error @+2 {{split must be a 1-D tensor of static length}}
  // expected-error @+1 {{'graph.split' op failed to infer returned types}}
  %0:2 = graph.split %x split(%s) {axis = 1 : i64} : (tensor<2x6xf32>, tensor<?xi64>) -> (tensor<2x?xf32>, tensor<2x?xf32>)
  return
}

// -----

func.func @case38(%x: tensor<2x6xf32>) {
  %b = graph.constant {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = graph.constant {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %z = graph.constant {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+2 {{slice step must not be 0}}
  // expected-error @+1 {{'graph.slice' op failed to infer returned types}}
  %0 = graph.slice %x, %b, %e steps(%z) : (tensor<2x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x6xf32>
  return
}

// -----

func.func @case39(%x: tensor<2x6xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'graph.gather' op failed to infer returned types}}
  %0 = graph.gather %x, %i {axis = 2 : i64} : (tensor<2x6xf32>, tensor<3xi64>) -> tensor<2x3xf32>
  return
}

// -----

func.func @case40(%x: tensor<2x6xf32>) {
  %a = graph.constant {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+2 {{cannot squeeze dim 1 of size 6}}
  // expected-error @+1 {{'graph.squeeze' op failed to infer returned types}}
  %0 = graph.squeeze %x axes(%a) : (tensor<2x6xf32>, tensor<1xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @case41(%x: tensor<2x6xf32>) {
  %a = graph.constant {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{axis 1 is out of range or repeated for rank 4}}
  // expected-error @+1 {{'graph.unsqueeze' op failed to infer returned types}}
  %0 = graph.unsqueeze %x, %a : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<2x1x1x6xf32>
  return
}

// -----

func.func @case42(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{axis 3 is out of range for rank 2}}
  // expected-error @+1 {{'graph.flatten' op failed to infer returned types}}
  %0 = graph.flatten %x {axis = 3 : i64} : (tensor<2x6xf32>) -> tensor<12x1xf32>
  return
}

// -----

func.func @case43(%s: tensor<2xi64>) {
  // expected-error @+2 {{value must hold exactly one element}}
  // expected-error @+1 {{'graph.constant_of_shape' op failed to infer returned types}}
  %0 = graph.constant_of_shape %s {value = dense<[1.0, 2.0]> : tensor<2xf32>} : (tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case44(%x: tensor<2x6xf32>) {
  %r = graph.constant {value = dense<[1, 2, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  // expected-error @+2 {{expected 2 repeats, got 3}}
  // expected-error @+1 {{'graph.tile' op failed to infer returned types}}
  %0 = graph.tile %x, %r : (tensor<2x6xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case45(%x: tensor<2x6xf32>) {
  %r = graph.constant {value = dense<[3, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{cannot expand 'tensor<2x6xf32>' to the given shape}}
  // expected-error @+1 {{'graph.expand' op failed to infer returned types}}
  %0 = graph.expand %x, %r : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case46(%a: tensor<i64>) {
  %z = graph.constant {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  // expected-error @+2 {{delta must not be 0}}
  // expected-error @+1 {{'graph.range' op failed to infer returned types}}
  %0 = graph.range %z, %z, %z : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

func.func @case47(%x: tensor<2x6xf32>) {
  %p = graph.constant {value = dense<[0, 1, 0]> : tensor<3xi64>} : () -> tensor<3xi64>
  // expected-error @+2 {{expected 4 pads, got 3}}
  // expected-error @+1 {{'graph.pad' op failed to infer returned types}}
  %0 = graph.pad %x, %p : (tensor<2x6xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case48(%x: tensor<2x6xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{'graph.pad' op unknown mode 'mirror'}}
  %0 = graph.pad %x, %p {mode = "mirror"} : (tensor<2x6xf32>, tensor<4xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case49(%x: tensor<2x6xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{'graph.resize' op unknown mode 'bilinear'}}
  %0 = graph.resize %x scales(%s) {mode = "bilinear"} : (tensor<2x6xf32>, tensor<2xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case50(%x: tensor<2x6xf32>) {
  %s = graph.constant {value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  // expected-error @+2 {{expected 2 scales, got 3}}
  // expected-error @+1 {{'graph.resize' op failed to infer returned types}}
  %0 = graph.resize %x scales(%s) : (tensor<2x6xf32>, tensor<3xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @case51(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{axis -3 is out of range for rank 2}}
  // expected-error @+1 {{'graph.arg_max' op failed to infer returned types}}
  %0 = graph.arg_max %x {axis = -3 : i64} : (tensor<2x6xf32>) -> tensor<2x1xi64>
  return
}

// -----

func.func @case52(%x: tensor<2x6xf32>) {
  %a = graph.constant {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'graph.reduce_mean' op failed to infer returned types}}
  %0 = graph.reduce_mean %x axes(%a) : (tensor<2x6xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  return
}

// -----

func.func @split_both(%x: tensor<2x6xf32>) {
  %s = graph.constant {value = dense<[3, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{'graph.split' op split has 2 sizes but num_outputs is 3}}
  %0:2 = graph.split %x split(%s) {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<2x6xf32>, tensor<2xi64>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @conv_transpose_output_shape(%x: tensor<1x4x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+2 {{expected output_shape of 2 values}}
  // expected-error @+1 {{'graph.conv_transpose' op failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w {output_shape = array<i64: 10>} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x10x10xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x5x5xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+1 {{'graph.conv_transpose' op expected 3 input channels (W dim 0), got 4}}
  %0 = graph.conv_transpose %x, %w : (tensor<1x4x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x7x7xf32>
  return
}

// -----

func.func @constant_unranked() {
  // expected-error @+1 {{'graph.constant' op attribute 'value' failed to satisfy constraint}}
  %0 = graph.constant {value = 1 : i64} : () -> tensor<i64>
  return
}

// -----

func.func @where_condition_type(%c: tensor<3xf32>, %x: tensor<3xf32>) {
  // expected-error @+1 {{'graph.where' op operand #0 must be tensor of 1-bit signless integer values}}
  %0 = graph.where %c, %x, %x : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// A grouped ConvTranspose's W holds every input channel in dim 0.
func.func @conv_transpose_group(%x: tensor<1x3x5x5xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+1 {{'graph.conv_transpose' op W dim 0 (3) is not a multiple of group 2}}
  %0 = graph.conv_transpose %x, %w {group = 2 : i64} : (tensor<1x3x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<1x4x7x7xf32>
  return
}

// -----

func.func @if_branch_yields_too_few(%c: tensor<i1>, %x: tensor<3xf32>) {
  // expected-error @+1 {{'graph.if' op else_branch yields 0 values, expected 1}}
  %0 = graph.if %c : tensor<i1> -> tensor<3xf32> {
    graph.yield %x : tensor<3xf32>
  } else {
    graph.yield
  }
  return
}

// -----

func.func @loop_changes_a_carried_rank(%m: tensor<i64>, %c: tensor<i1>, %x: tensor<2xf32>) {
  // expected-error @+1 {{'graph.loop' op carried value 0 changes its element type or rank}}
  %0 = graph.loop(%m, %c, %x) : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %v: tensor<2x1xf32>):
    graph.yield %cond, %v : tensor<i1>, tensor<2x1xf32>
  }
  return
}

// -----

func.func @scan_without_scan_inputs(%x: tensor<2xf32>) {
  // expected-error @+1 {{'graph.scan' op expected at least one scan input and no more than its operands}}
  %0 = graph.scan(%x) : (tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%s: tensor<2xf32>):
    graph.yield %s : tensor<2xf32>
  } {num_scan_inputs = 0 : i64, scan_input_axes = array<i64>, scan_input_directions = array<i64>,
     scan_output_axes = array<i64>, scan_output_directions = array<i64>}
  return
}

// -----

func.func @grid_sample_mode(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) {
  // expected-error @+1 {{'graph.grid_sample' op unknown mode 'area'}}
  %0 = graph.grid_sample %x, %g {mode = "area"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return
}

// -----

func.func @lstm_activation_count(%x: tensor<2x1x3xf32>, %w: tensor<1x8x3xf32>, %r: tensor<1x8x2xf32>) {
  // expected-error @+1 {{'graph.lstm' op expected 3 activations, got 1}}
  %0 = "graph.lstm"(%x, %w, %r) <{activations = ["Tanh"], hidden_size = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x1x3xf32>, tensor<1x8x3xf32>, tensor<1x8x2xf32>) -> tensor<2x1x1x2xf32>
  return
}

// -----

func.func @fused_argument_mismatch(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{body argument 0 is 'tensor<3xf32>', the input 'tensor<2xf32>'}}
  %0 = graph.fused "elementwise"(%x) : (tensor<2xf32>) -> tensor<2xf32> attributes {anchor = "graph.relu"} {
  ^bb0(%a: tensor<3xf32>):
    graph.yield %a : tensor<3xf32>
  }
  return %0 : tensor<2xf32>
}

// -----

func.func @fused_yield_mismatch(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{body output 0 is 'tensor<2xi32>', the result 'tensor<2xf32>'}}
  %0 = graph.fused "elementwise"(%x) : (tensor<2xf32>) -> tensor<2xf32> attributes {anchor = "graph.cast"} {
  ^bb0(%a: tensor<2xf32>):
    %c = graph.cast %a {to = 6 : i64} : (tensor<2xf32>) -> tensor<2xi32>
    graph.yield %c : tensor<2xi32>
  }
  return %0 : tensor<2xf32>
}
