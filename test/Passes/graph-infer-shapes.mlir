// RUN: ingot-opt %s -graph-infer-shapes -split-input-file | FileCheck %s
// Types only get more refined, and the signature follows the returned values.

// CHECK-LABEL: func.func @refines_from_constant_shape
// CHECK-SAME: -> tensor<4x6xf32>
// CHECK: graph.reshape {{.*}} -> tensor<4x6xf32>
// CHECK: graph.relu {{.*}} : (tensor<4x6xf32>) -> tensor<4x6xf32>
func.func @refines_from_constant_shape(%x: tensor<2x3x4xf32>) -> tensor<?x?xf32> {
  %s = graph.constant {value = dense<[4, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = graph.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %y = graph.relu %r : (tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @keeps_known_dims
// A dim recorded as known (from ONNX value_info) is kept where the rule
// cannot derive it.
// CHECK: graph.reshape {{.*}} -> tensor<?x8xf32>
func.func @keeps_known_dims(%x: tensor<?x8xf32>, %s: tensor<2xi64>) -> tensor<?x8xf32> {
  %r = graph.reshape %x, %s : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @unranked_becomes_ranked
// CHECK: graph.matmul {{.*}} -> tensor<2x5xf32>
// CHECK: graph.add {{.*}} -> tensor<2x5xf32>
func.func @unranked_becomes_ranked(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) -> tensor<*xf32> {
  %m = graph.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<*xf32>
  %s = graph.add %m, %m : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %s : tensor<*xf32>
}
