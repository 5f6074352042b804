// RUN: ingot-opt %s -graph-cleanup | FileCheck %s
// The cleanup pipeline folds a shape computation, then propagates the now
// known shape to every user.

// CHECK-LABEL: func.func @flatten_by_shape(
// CHECK-SAME: -> tensor<1x10xf32>
// CHECK-NOT: graph.shape
// CHECK: graph.reshape {{.*}} -> tensor<1x2048xf32>
// CHECK: graph.gemm {{.*}} -> tensor<1x10xf32>
// CHECK: graph.softmax {{.*}} -> tensor<1x10xf32>
func.func @flatten_by_shape(%x: tensor<1x2048x1x1xf32>, %w: tensor<10x2048xf32>) -> tensor<?x?xf32> {
  %shape = graph.shape %x : (tensor<1x2048x1x1xf32>) -> tensor<4xi64>
  %i = graph.constant {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %batch = graph.gather %shape, %i : (tensor<4xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rest = graph.constant {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %new = graph.concat %batch, %rest {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %flat = graph.reshape %x, %new : (tensor<1x2048x1x1xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %fc = graph.gemm %flat, %w {transB = 1 : i64} : (tensor<?x?xf32>, tensor<10x2048xf32>) -> tensor<?x10xf32>
  %p = graph.softmax %fc : (tensor<?x10xf32>) -> tensor<?x10xf32>
  %r = graph.identity %p : (tensor<?x10xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}
