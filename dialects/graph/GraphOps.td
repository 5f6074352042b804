//===- GraphOps.td - The graph dialect's ops ------------------------------===//
//
// The op definitions are generated from the ONNX schema by gen_graph_ops.py;
// shape rules, folds and canonicalizations are C++ beside this file.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_GRAPH_OPS
#define INGOT_GRAPH_OPS

include "dialects/graph/GraphBase.td"
include "dialects/graph/GraphOpsGenerated.td"

//===----------------------------------------------------------------------===//
// Ops of Ingot's own, not ONNX operators
//===----------------------------------------------------------------------===//

def Graph_RuntimeCheckOp : Op<Graph_Dialect, "runtime_check",
                              [MemoryEffects<[MemWrite]>]> {
  let summary = "Fails the run when a size assumption does not hold";
  let description = [{
    The lowering's guard for what it cannot prove at compile time: when
    `condition` is false at run time, the run fails with `message` (which
    names the ONNX node), `{0}`..`{3}` in it replaced by `values`, and
    nothing after the check runs. Folds away when the condition is a
    constant true, so static models pay nothing.

    ```mlir
    graph.runtime_check %same, %k1, %k2 : index, index
        {message = "node 'y' (MatMul): inner dims differ: {0} vs {1}"}
    ```
  }];
  let arguments = (ins I1:$condition, Variadic<AnySignlessIntegerOrIndex>:$values,
                       StrAttr:$message);
  let assemblyFormat = "$condition (`,` $values^ `:` type($values))? attr-dict";
  let hasCanonicalizer = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Control flow: ONNX If, Loop and Scan with their subgraphs as regions
//===----------------------------------------------------------------------===//

def Graph_YieldOp : Op<Graph_Dialect, "yield", [Pure, Terminator,
    ParentOneOf<["IfOp", "LoopOp", "ScanOp", "FusedOp"]>]> {
  let summary = "The outputs of a control-flow subgraph or a dispatch region";
  let arguments = (ins Variadic<AnyTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

def Graph_IfOp : Op<Graph_Dialect, "if", [RecursiveMemoryEffects,
    NoRegionArguments]> {
  let summary = "ONNX If: the outputs of one of two subgraphs";
  let description = [{
    `cond` (a boolean tensor of one element) picks `then_branch` or
    `else_branch`; each yields the op's results. The branches read values of
    the enclosing graph directly.
  }];
  let arguments = (ins AnyTensor:$cond);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let regions = (region SizedRegion<1>:$then_branch, SizedRegion<1>:$else_branch);
  let assemblyFormat = "$cond `:` type($cond) (`->` type($outputs)^)? $then_branch `else` $else_branch attr-dict";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Graph_LoopOp : Op<Graph_Dialect, "loop", [RecursiveMemoryEffects,
  ]> {
  let summary = "ONNX Loop: a body run while a trip count and a condition allow";
  let description = [{
    Runs `body` for iteration i = 0, 1, ... while i < `max_trip_count` and
    the condition holds (`cond` first, then the body's first output). The
    body's arguments are (i, cond, carried...); it yields (cond, carried...,
    scan outputs...). The results are the last carried values, then each
    scan output's per-iteration values stacked on a new leading dim. A
    model that omits the trip count or the condition gets INT64_MAX or true.
  }];
  let arguments = (ins AnyTensor:$max_trip_count, AnyTensor:$cond, Variadic<AnyTensor>:$initial);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "`(` $max_trip_count `,` $cond (`,` $initial^)? `)` `:` functional-type(operands, $outputs) $body attr-dict";
  let hasVerifier = 1;
}

def Graph_ScanOp : Op<Graph_Dialect, "scan", [RecursiveMemoryEffects,
  ]> {
  let summary = "ONNX Scan (opset 9 and later)";
  let description = [{
    The first operands are the initial states, the last `num_scan_inputs`
    are scanned along their `scan_input_axes` (backwards where
    `scan_input_directions` is 1), all of the same length T. The body takes
    (states..., one slice of each scan input) and yields (states..., one
    slice of each scan output); the results are the final states, then the
    scan outputs, each slice stacked along its `scan_output_axes` entry.
  }];
  let arguments = (ins Variadic<AnyTensor>:$operands, I64Attr:$num_scan_inputs,
                       DenseI64ArrayAttr:$scan_input_axes, DenseI64ArrayAttr:$scan_input_directions,
                       DenseI64ArrayAttr:$scan_output_axes, DenseI64ArrayAttr:$scan_output_directions);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "`(` $operands `)` `:` functional-type($operands, $outputs) $body attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Dispatch regions
//===----------------------------------------------------------------------===//

def Graph_FusedOp : Op<Graph_Dialect, "fused", [IsolatedFromAbove,
    RecursiveMemoryEffects]> {
  let summary = "A dispatch region: graph ops that one kernel computes";
  let description = [{
    The unit every target compiles to one kernel (and that partitioning
    places and quantization converts): an anchor op (a contraction, a
    convolution, a reduction, a normalization, softmax, attention, or a
    data-movement op) with the elementwise ops that consume it (its
    epilogue), or a chain of elementwise ops alone. `kind` names the anchor's
    family, `anchor` the anchor op.

    The region is isolated: its block arguments are `inputs`, in order, and
    the constants its ops read (weights, scalars) live inside it, so a target
    sees every compile-time value a kernel depends on. `graph.yield` returns
    the results. Formed by `graph-form-dispatch-regions`.

    ```mlir
    %y = graph.fused "convolution" (%x) : (tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32>
        {anchor = "graph.Conv"} {
    ^bb0(%arg0: tensor<1x3x8x8xf32>):
      %w = graph.constant ...
      %c = graph.Conv(%arg0, %w) ...
      %r = graph.Relu(%c) ...
      graph.yield %r : tensor<1x4x8x8xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyTensor>:$inputs, StrAttr:$kind, StrAttr:$anchor);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$kind (`(` $inputs^ `)`)? `:` functional-type($inputs, $outputs) attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Layouts
//===----------------------------------------------------------------------===//

def Graph_DepthwiseConvNhwcOp : Op<Graph_Dialect, "depthwise_conv_nhwc", [Pure]> {
  let summary = "A depthwise 2-D convolution of a channels-last image";
  let description = [{
    `Y[n, oh, ow, c] = B[c] + sum over (i, j) of W[i, j, c] *
    X[n, oh * strides[0] + i * dilations[0] - pads[0],
      ow * strides[1] + j * dilations[1] - pads[1], c]`, zero outside X:
    an ONNX Conv with one filter per channel (group = C) on X transposed to
    [N, H, W, C], its weights [C, 1, KH, KW] as [KH, KW, C]. `pads` are
    ONNX's [top, left, bottom, right]. Written by `graph-channels-last`,
    which carries channels-last images between the convolutions of a
    MobileNet-style block so that each point's channels are one vector.

    ```mlir
    %y = graph.depthwise_conv_nhwc %x, %w B(%b)
        {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>,
         dilations = array<i64: 1, 1>}
        : (tensor<1x8x8x32xf32>, tensor<3x3x32xf32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
    ```
  }];
  let arguments = (ins F32Tensor:$X, F32Tensor:$W, Optional<F32Tensor>:$B,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations);
  let results = (outs F32Tensor:$Y);
  let assemblyFormat = [{
    $X `,` $W (`B` `(` $B^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // INGOT_GRAPH_OPS
