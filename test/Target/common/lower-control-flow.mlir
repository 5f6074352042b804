// RUN: ingot-opt %s -convert-graph-to-linalg -split-input-file | FileCheck %s
// If, Loop and Scan become scf ops around their lowered subgraphs; the
// numbers are checked against the ONNX node suite (test/onnx_backend).

// CHECK-LABEL: func.func @if_picks_a_branch
// CHECK: %[[C:.*]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: scf.if %[[C]] -> (tensor<3xf32>)
// CHECK: math.tanh
// CHECK: scf.yield
// CHECK: } else {
// CHECK: arith.negf
// CHECK: scf.yield
func.func @if_picks_a_branch(%c: tensor<i1>, %x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = graph.if %c : tensor<i1> -> tensor<3xf32> {
    %t = graph.tanh %x : (tensor<3xf32>) -> tensor<3xf32>
    graph.yield %t : tensor<3xf32>
  } else {
    %n = graph.neg %x : (tensor<3xf32>) -> tensor<3xf32>
    graph.yield %n : tensor<3xf32>
  }
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @loop_carries_and_stacks
// Runs while i < M and the condition holds.
// CHECK: scf.while
// CHECK: arith.cmpi slt
// CHECK: scf.condition
// CHECK: } do {
// CHECK: arith.addi
// A scan output grows by one slice per iteration: the old ones, then the new.
// CHECK: tensor.insert_slice
// CHECK: tensor.insert_slice %arg5
// CHECK: scf.yield
func.func @loop_carries_and_stacks(%m: tensor<i64>, %c: tensor<i1>, %x: tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) {
  %0:2 = graph.loop(%m, %c, %x) : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) {
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %v: tensor<2xf32>):
    %next = graph.add %v, %v : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    graph.yield %cond, %next, %v : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }
  return %0#0, %0#1 : tensor<2xf32>, tensor<?x2xf32>
}

// -----

// CHECK-LABEL: func.func @scan_sums_rows
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// One slice of the scan input per step.
// CHECK: tensor.extract_slice %arg1[%[[T]], 0] [1, 2] [1, 1] : tensor<3x2xf32> to tensor<2xf32>
// CHECK: arith.addf
// CHECK: tensor.insert_slice
// CHECK: scf.yield
func.func @scan_sums_rows(%init: tensor<2xf32>, %xs: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %0:2 = graph.scan(%init, %xs) : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%sum: tensor<2xf32>, %row: tensor<2xf32>):
    %s = graph.add %sum, %row : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    graph.yield %s, %s : tensor<2xf32>, tensor<2xf32>
  } {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0>, scan_input_directions = array<i64: 0>,
     scan_output_axes = array<i64: 0>, scan_output_directions = array<i64: 0>}
  return %0#0, %0#1 : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @scan_reversed_output_on_axis_1
// The steps are gathered onto axis 1, the last step first.
// CHECK: scf.for
// CHECK: linalg.generic
// CHECK: arith.subi
// CHECK: tensor.extract
func.func @scan_reversed_output_on_axis_1(%init: tensor<2xf32>, %xs: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<2x3xf32>) {
  %0:2 = graph.scan(%init, %xs) : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<2x3xf32>) {
  ^bb0(%sum: tensor<2xf32>, %row: tensor<2xf32>):
    %s = graph.add %sum, %row : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    graph.yield %s, %s : tensor<2xf32>, tensor<2xf32>
  } {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0>, scan_input_directions = array<i64: 0>,
     scan_output_axes = array<i64: 1>, scan_output_directions = array<i64: 1>}
  return %0#0, %0#1 : tensor<2xf32>, tensor<2x3xf32>
}
