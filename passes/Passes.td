//===- Passes.td - Graph-level passes -------------------------------------===//
//
// Every graph-level pass is declared here; each is implemented in its own
// file on the generated base class.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_PASSES
#define INGOT_PASSES

include "mlir/Pass/PassBase.td"

def GraphInferShapes : Pass<"graph-infer-shapes", "mlir::func::FuncOp"> {
  let summary = "Refine result types from each op's shape rule";
  let description = [{
    Re-runs every graph op's shape rule in program order and keeps the more
    refined of the recorded and the inferred type, so that dims which became
    known (a shape computation folded to a constant) reach every user. The
    function's result types follow its return values.
  }];
  let dependentDialects = ["::ingot::graph::GraphDialect"];
}

def GraphFoldBatchNorm : Pass<"graph-fold-batch-norm", "mlir::func::FuncOp"> {
  let summary = "Fold inference BatchNormalization into the Conv before it";
  let description = [{
    A BatchNormalization (training_mode 0) whose input is a Conv used only
    there, with constant f32 weights, bias and statistics, becomes that Conv
    with scaled weights and a shifted bias, computed at compile time:
    s = scale / sqrt(var + epsilon), W' = W * s per filter, B' = (B - mean)
    * s + bn.B. The convolution's output is then not read and written once
    more to normalize it.
  }];
  let dependentDialects = ["::ingot::graph::GraphDialect"];
}

def GraphComputeHalfInFloat : Pass<"graph-compute-half-in-float", "mlir::func::FuncOp"> {
  let summary = "Compute float16 and bfloat16 ops in float32";
  let description = [{
    For a target without native half-precision arithmetic: every op that
    computes on float16 or bfloat16 values (arithmetic, contractions,
    reductions, normalizations) reads them converted to float32 and rounds
    its results back once, as ONNX Runtime's CPU kernels do, instead of
    rounding after every step (a bfloat16 MatMul summed in bfloat16 loses a
    digit per few terms). Ops that only move or select values keep their
    types: they are exact either way.
  }];
  let dependentDialects = ["::ingot::graph::GraphDialect"];
}

def GraphExpandAttention : Pass<"graph-expand-attention", "mlir::func::FuncOp"> {
  let summary = "Expand Attention into MatMul, Softmax and mask arithmetic";
  let description = [{
    Rewrites each graph.attention (ONNX Attention, opsets 23-25) into graph
    ops, in the order and precision of the ONNX reference: 3-D inputs split
    into heads, Q and K each scaled by sqrt(scale), the past concatenated to
    K and V, K/V heads repeated for grouped-query attention, the additive
    bias from attn_mask, is_causal and the sliding window (all offset by the
    cache length or nonpad_kv_seqlen), softcap, Softmax in softmax_precision,
    fully masked rows zeroed, then the product with V. Every size may be
    dynamic: the expansion reads them with Shape where they are not known.
  }];
  let dependentDialects = ["::ingot::graph::GraphDialect"];
}

def GraphChannelsLast : Pass<"graph-channels-last", "mlir::func::FuncOp"> {
  let summary = "Carry images channels-last through MobileNet-style blocks";
  let description = [{
    Groups pointwise (1x1) and depthwise f32 convolutions with constant
    weights, and the elementwise ops between them, into components joined
    by the images they pass; a component holding both kinds of convolution
    is rebuilt on [N, H, W, C] images: each pointwise convolution as a
    MatMul by its weights transposed (plus its bias), each depthwise one as
    graph.depthwise_conv_nhwc, broadcast constants permuted at compile
    time, and a Transpose where an image enters or leaves the component.
  }];
  let dependentDialects = ["::ingot::graph::GraphDialect"];
}

def GraphFormDispatchRegions : Pass<"graph-form-dispatch-regions", "mlir::func::FuncOp"> {
  let summary = "Group the graph into graph.fused dispatch regions, one per kernel";
  let description = [{
    Forms, in this order: scaled-dot-product attention (MatMul, elementwise
    scale and mask, Softmax, elementwise, MatMul) as one region; each other
    anchor (MatMul, Gemm, Einsum, Conv, ConvTranspose, reductions,
    normalizations, Softmax, pooling) with its epilogue; then each op left
    (elementwise or data movement) with the elementwise ops after it. An
    epilogue is every elementwise consumer that keeps the region's output
    type (bias, residual add, Relu, Clip, GELU and SiLU in their multi-op
    forms), as far as no value but the last op's results is read outside
    the region. Constants are cloned into the regions that read them;
    Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Identity, run-time
    checks and control flow stay outside regions.
  }];
  let dependentDialects = ["::ingot::graph::GraphDialect"];
}

#endif // INGOT_PASSES
