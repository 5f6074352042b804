// RUN: ingot-opt %s -canonicalize -split-input-file | FileCheck %s
// Folders evaluate constant subgraphs; patterns remove no-ops. Expected
// constants are worked out by hand.

// CHECK-LABEL: func.func @shape_subgraph
// The exporter's Shape -> Gather -> Unsqueeze -> Concat chain folds to [2, 12].
// CHECK-DAG: %[[S:.*]] = graph.constant {value = dense<[2, 12]> : tensor<2xi64>}
// CHECK: %[[R:.*]] = graph.reshape %arg0, %[[S]]
// CHECK-NOT: graph.shape
// CHECK: return %[[R]]
func.func @shape_subgraph(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %shape = graph.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i0 = graph.constant {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %d0 = graph.gather %shape, %i0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %ax = graph.constant {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %u0 = graph.unsqueeze %d0, %ax : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %tail = graph.constant {value = dense<12> : tensor<1xi64>} : () -> tensor<1xi64>
  %new = graph.concat %u0, %tail {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = graph.reshape %x, %new : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  return %r : tensor<2x12xf32>
}

// -----

// CHECK-LABEL: func.func @arithmetic
// [1, 2, 3] * 2 + [10] = [12, 14, 16]; 7 / 2 = 3 (integer division truncates)
// CHECK-DAG: graph.constant {value = dense<[12, 14, 16]> : tensor<3xi64>}
// CHECK-DAG: graph.constant {value = dense<3> : tensor<i64>}
// sqrt([1, 4]) - [1, 4] = [0, -2]
// CHECK-DAG: graph.constant {value = dense<[0.000000e+00, -2.000000e+00]> : tensor<2xf32>}
// CHECK-DAG: graph.constant {value = dense<[true, false, false]> : tensor<3xi1>}
// CHECK-NOT: graph.mul
// CHECK-NOT: graph.add
func.func @arithmetic() -> (tensor<3xi64>, tensor<i64>, tensor<2xf32>, tensor<3xi1>) {
  %a = graph.constant {value = dense<[1, 2, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %two = graph.constant {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %ten = graph.constant {value = dense<10> : tensor<1xi64>} : () -> tensor<1xi64>
  %m = graph.mul %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %s = graph.add %m, %ten : (tensor<3xi64>, tensor<1xi64>) -> tensor<3xi64>
  %seven = graph.constant {value = dense<7> : tensor<i64>} : () -> tensor<i64>
  %d = graph.div %seven, %two : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %f = graph.constant {value = dense<[1.0, 4.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %sq = graph.sqrt %f : (tensor<2xf32>) -> tensor<2xf32>
  %nf = graph.neg %f : (tensor<2xf32>) -> tensor<2xf32>
  %mixed = graph.sub %sq, %f : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %r = graph.add %mixed, %sq : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %cmp = graph.less %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  return %s, %d, %mixed, %cmp : tensor<3xi64>, tensor<i64>, tensor<2xf32>, tensor<3xi1>
}

// -----

// CHECK-LABEL: func.func @identities
// x + 0, x * 1, x - 0, x / 1, Identity and Cast to the same type are x.
// CHECK-NOT: graph.
// CHECK: return %arg0, %arg0, %arg0, %arg0, %arg0, %arg0
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = graph.constant {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %one = graph.constant {value = dense<1.0> : tensor<3xf32>} : () -> tensor<3xf32>
  %a = graph.add %zero, %x : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = graph.mul %x, %one : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %c = graph.sub %x, %zero : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %d = graph.div %x, %one : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %e = graph.identity %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %f = graph.cast %x {to = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %a, %b, %c, %d, %e, %f : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_is_not_identity
// x + 0 where 0 broadcasts x to a bigger shape must stay.
// CHECK: graph.add
func.func @broadcast_is_not_identity(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %zero = graph.constant {value = dense<0.0> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %a = graph.add %x, %zero : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %a : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK: %[[S:.*]] = graph.constant {value = dense<[4, 6]> : tensor<2xi64>}
// CHECK: %[[R:.*]] = graph.reshape %arg0, %[[S]] : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_of_reshape(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %s1 = graph.constant {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s2 = graph.constant {value = dense<[4, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a = graph.reshape %x, %s1 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %b = graph.reshape %a, %s2 : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  return %b : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_copying_dims_stays
// A 0 in the outer shape copies a dim of the inner result: not foldable.
// CHECK: graph.reshape
// CHECK: graph.reshape
func.func @reshape_copying_dims_stays(%x: tensor<?x12xf32>) -> tensor<?x4x3xf32> {
  %s1 = graph.constant {value = dense<[0, 4, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %s2 = graph.constant {value = dense<[0, 0, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %a = graph.reshape %x, %s1 : (tensor<?x12xf32>, tensor<3xi64>) -> tensor<?x4x3xf32>
  %b = graph.reshape %a, %s2 : (tensor<?x4x3xf32>, tensor<3xi64>) -> tensor<?x4x3xf32>
  return %b : tensor<?x4x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_of_transpose
// [0, 2, 3, 1] then [0, 3, 1, 2] is the identity; [1, 0, 2] then [0, 2, 1] is [1, 2, 0].
// CHECK: %[[T:.*]] = graph.transpose %arg1 {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
// CHECK: return %arg0, %[[T]]
func.func @transpose_of_transpose(%x: tensor<1x2x3x4xf32>, %y: tensor<2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<3x4x2xf32>) {
  %a = graph.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32>
  %b = graph.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x4x2xf32>) -> tensor<1x2x3x4xf32>
  %c = graph.transpose %y {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %d = graph.transpose %c {perm = array<i64: 0, 2, 1>} : (tensor<3x2x4xf32>) -> tensor<3x4x2xf32>
  return %b, %d : tensor<1x2x3x4xf32>, tensor<3x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @constant_transpose
// CHECK: graph.constant {value = dense<{{\[\[}}1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>}
func.func @constant_transpose() -> tensor<3x2xi64> {
  %a = graph.constant {value = dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>} : () -> tensor<2x3xi64>
  %t = graph.transpose %a : (tensor<2x3xi64>) -> tensor<3x2xi64>
  return %t : tensor<3x2xi64>
}

// -----

// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK-NOT: graph.
// CHECK: return %arg0
func.func @squeeze_unsqueeze(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %ax = graph.constant {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %u = graph.unsqueeze %x, %ax : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x1x3xf32>
  %s = graph.squeeze %u axes(%ax) : (tensor<2x1x3xf32>, tensor<1xi64>) -> tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @dropout
// Inference Dropout is the identity; one in training mode stays.
// CHECK: %[[D:.*]] = graph.dropout %arg0 training_mode(%{{.*}})
// CHECK: return %arg0, %[[D]]
func.func @dropout(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %a = graph.dropout %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %t = graph.constant {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %b = graph.dropout %x training_mode(%t) : (tensor<2x3xf32>, tensor<i1>) -> tensor<2x3xf32>
  return %a, %b : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @constant_of_shape_and_slices
// CHECK-DAG: graph.constant {value = dense<0.000000e+00> : tensor<2x3xf32>}
// CHECK-DAG: graph.constant {value = dense<7> : tensor<4xi32>}
// CHECK-DAG: graph.constant {value = dense<[20, 40]> : tensor<2xi64>}
// CHECK-DAG: graph.constant {value = dense<[2, 5, 8]> : tensor<3xi64>}
// CHECK-DAG: graph.constant {value = dense<24> : tensor<i64>}
func.func @constant_of_shape_and_slices(%x: tensor<2x3x4xf32>) -> (tensor<2x3xf32>, tensor<4xi32>, tensor<2xi64>, tensor<3xi64>, tensor<i64>) {
  %s = graph.constant {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %z = graph.constant_of_shape %s : (tensor<2xi64>) -> tensor<2x3xf32>
  %n = graph.constant {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %sevens = graph.constant_of_shape %n {value = dense<7> : tensor<1xi32>} : (tensor<1xi64>) -> tensor<4xi32>
  %data = graph.constant {value = dense<[10, 20, 30, 40, 50]> : tensor<5xi64>} : () -> tensor<5xi64>
  %b = graph.constant {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = graph.constant {value = dense<5> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = graph.constant {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %sl = graph.slice %data, %b, %e steps(%st) : (tensor<5xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r0 = graph.constant {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %r1 = graph.constant {value = dense<10> : tensor<i64>} : () -> tensor<i64>
  %r2 = graph.constant {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %rg = graph.range %r0, %r1, %r2 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<3xi64>
  %size = graph.size %x : (tensor<2x3x4xf32>) -> tensor<i64>
  return %z, %sevens, %sl, %rg, %size : tensor<2x3xf32>, tensor<4xi32>, tensor<2xi64>, tensor<3xi64>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @where_and_cast
// CHECK-DAG: graph.constant {value = dense<[1, 20, 3]> : tensor<3xi64>}
// CHECK-DAG: graph.constant {value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK: return %{{.*}}, %{{.*}}, %arg0
func.func @where_and_cast(%x: tensor<3xi64>) -> (tensor<3xi64>, tensor<2xf32>, tensor<3xi64>) {
  %c = graph.constant {value = dense<[true, false, true]> : tensor<3xi1>} : () -> tensor<3xi1>
  %a = graph.constant {value = dense<[1, 2, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %b = graph.constant {value = dense<20> : tensor<i64>} : () -> tensor<i64>
  %w = graph.where %c, %a, %b : (tensor<3xi1>, tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %i = graph.constant {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %f = graph.cast %i {to = 1 : i64} : (tensor<2xi64>) -> tensor<2xf32>
  %t = graph.constant {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %k = graph.where %t, %x, %b : (tensor<i1>, tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  return %w, %f, %k : tensor<3xi64>, tensor<2xf32>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @dynamic_reshape_is_not_identity
// ?x? to ?x? may still move elements between dims: it must stay.
// CHECK: graph.reshape
// CHECK: graph.flatten
func.func @dynamic_reshape_is_not_identity(%x: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xf32>) {
  %s = graph.constant {value = dense<[-1, 5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = graph.reshape %x, %s : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<?x5xf32>
  %i = graph.identity %r : (tensor<?x5xf32>) -> tensor<?x?xf32>
  %f = graph.flatten %x {axis = 0 : i64} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  return %i, %f : tensor<?x?xf32>, tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @more_folds
// neg([1, 4]) = [-1, -4]; [1, 2, 3] == 2 -> [F, T, F]; [1, 2, 3] > 1 -> [F, T, T];
// a single-input Sum is its input; a constant flattens by relabelling.
// CHECK-DAG: graph.constant {value = dense<[-1.000000e+00, -4.000000e+00]> : tensor<2xf32>}
// CHECK-DAG: graph.constant {value = dense<[false, true, false]> : tensor<3xi1>}
// CHECK-DAG: graph.constant {value = dense<[false, true, true]> : tensor<3xi1>}
// CHECK-DAG: graph.constant {value = dense<{{\[\[}}1, 2, 3, 4, 5, 6]]> : tensor<1x6xi64>}
// CHECK-DAG: graph.constant {value = dense<5> : tensor<2x3xi32>}
// CHECK-NOT: graph.neg
// CHECK-NOT: graph.equal
// CHECK-NOT: graph.greater
// CHECK-NOT: graph.flatten
// CHECK-NOT: graph.expand
// CHECK: return {{.*}}, {{.*}}, {{.*}}, %arg0,
func.func @more_folds(%x: tensor<3xf32>) -> (tensor<2xf32>, tensor<3xi1>, tensor<3xi1>, tensor<3xf32>, tensor<1x6xi64>, tensor<2x3xi32>) {
  %f = graph.constant {value = dense<[1.0, 4.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %n = graph.neg %f : (tensor<2xf32>) -> tensor<2xf32>
  %a = graph.constant {value = dense<[1, 2, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %one = graph.constant {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %two = graph.constant {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %eq = graph.equal %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %gt = graph.greater %a, %one : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %s = graph.sum %x : (tensor<3xf32>) -> tensor<3xf32>
  %m = graph.constant {value = dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>} : () -> tensor<2x3xi64>
  %fl = graph.flatten %m {axis = 0 : i64} : (tensor<2x3xi64>) -> tensor<1x6xi64>
  %five = graph.constant {value = dense<5> : tensor<i32>} : () -> tensor<i32>
  %shape = graph.constant {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ex = graph.expand %five, %shape : (tensor<i32>, tensor<2xi64>) -> tensor<2x3xi32>
  return %n, %eq, %gt, %s, %fl, %ex : tensor<2xf32>, tensor<3xi1>, tensor<3xi1>, tensor<3xf32>, tensor<1x6xi64>, tensor<2x3xi32>
}

// -----

// CHECK-LABEL: func.func @division_by_zero_stays
// Integer division by zero is not folded (it has no value to fold to).
// CHECK: graph.div
func.func @division_by_zero_stays() -> tensor<i64> {
  %a = graph.constant {value = dense<7> : tensor<i64>} : () -> tensor<i64>
  %z = graph.constant {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %d = graph.div %a, %z : (tensor<i64>, tensor<i64>) -> tensor<i64>
  return %d : tensor<i64>
}
