//===- ExpandAttention.cpp - Attention as MatMul, Softmax and masks -------===//
//
// Implements graph-expand-attention: each graph.attention becomes the ops
// the ONNX reference computes with, in its order (so rounding follows it):
// heads split from 3-D inputs, Q and K scaled by sqrt(scale), the past
// concatenated to K and V, K and V heads repeated for grouped queries, the
// additive bias built from attn_mask (boolean or float, padded to the key
// length), the causal and sliding-window frontiers (offset by the cache)
// and the non-padding key counts, Q K^T soft-capped, biased, softmaxed (in
// softmax_precision), fully masked rows zeroed, then times V.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "passes/GraphBuilder.h"

#include <cmath>

namespace ingot {
#define GEN_PASS_DEF_GRAPHEXPANDATTENTION
#include "passes/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot {
namespace {

struct AttentionExpansion {
  GraphBuilder g;
  graph::AttentionOp op;
  Type element;

  Value zero() { return g.scalar(element, 0); }
  Value minusInf() { return g.scalar(element, -INFINITY); }
  /// A 1-element i64 tensor as a scalar.
  Value scalarOf(Value x) { return g.reshape(x, {}); }
  Value range(Value length) {
    Type i64 = g.builder().getI64Type();
    return g.op("range", {g.scalar(i64, 0), scalarOf(length), g.scalar(i64, 1)});
  }
  /// Zeros of shape [Sq, Sk] in the element type.
  Value zeros(Value sq, Value sk) {
    auto valueType = RankedTensorType::get({1}, element);
    Attribute zeroAttr = DenseElementsAttr::get(
        valueType, g.builder().getFloatAttr(element, 0.0));
    return g.op("constant_of_shape", {g.op("concat", {sq, sk}, {g.attr("axis", 0)})},
                {g.builder().getNamedAttr("value", zeroAttr)});
  }
  /// 0 where `allowed`, -inf elsewhere.
  Value additive(Value allowed) { return g.where(allowed, zero(), minusInf()); }

  /// Split the hidden dim of a 3-D [B, S, heads * D] input: [B, heads, S, D].
  Value splitHeads(Value x, int64_t heads) {
    return g.transpose(g.reshape(x, {0, 0, heads, -1}), {0, 2, 1, 3});
  }

  /// The causal (or window) frontier: i + offset against j, as (i + offset)
  /// - j of shape [Sq, Sk], or [B, 1, Sq, Sk] for per-batch offsets.
  Value frontier(Value sq, Value sk, Value offset, bool perBatch) {
    Value i = g.reshape(range(sq), {-1, 1});
    Value j = g.reshape(range(sk), {1, -1});
    Value shifted = g.add(i, perBatch ? g.reshape(offset, {-1, 1, 1}) : offset);
    Value diff = g.sub(shifted, j);
    return perBatch ? g.unsqueeze(diff, {1}) : diff;
  }

  Value lessOrEqual(Value x, int64_t bound) {
    return g.op("less_or_equal", {x, g.ints({bound}, true)});
  }

  LogicalResult run();
};

LogicalResult AttentionExpansion::run() {
  Value q = op.getQ(), k = op.getK(), v = op.getV();
  auto qType = cast<RankedTensorType>(q.getType());
  int64_t rank = qType.getRank();
  if (rank == 3) {
    q = splitHeads(q, *op.getQNumHeads());
    k = splitHeads(k, *op.getKvNumHeads());
    v = splitHeads(v, *op.getKvNumHeads());
  }
  // sqrt(scale), scale = 1 / sqrt(head size) unless given; in f64, then cast.
  Value scale;
  auto headType = cast<RankedTensorType>(q.getType());
  if (op.getScale() || !headType.isDynamicDim(3)) {
    double s = op.getScale() ? op.getScale()->convertToDouble()
                             : 1.0 / std::sqrt((double)headType.getDimSize(3));
    scale = g.scalar(element, std::sqrt(s));
  } else {
    Type f64 = g.builder().getF64Type();
    Value size = g.cast(scalarOf(g.dim(q, 3)), f64);
    scale = g.castLike(g.op("sqrt", {g.op("reciprocal", {g.op("sqrt", {size})})}), q);
  }
  Value pastKey = op.getPastKey(), pastValue = op.getPastValue();
  Value presentKey = pastKey ? g.op("concat", {pastKey, k}, {g.attr("axis", 2)}) : k;
  Value presentValue = pastValue ? g.op("concat", {pastValue, v}, {g.attr("axis", 2)}) : v;
  k = presentKey;
  v = presentValue;
  Value sq = g.dim(q, 2), sk = g.dim(k, 2);

  // The additive bias.
  Value mask = op.getAttnMask();
  bool boolMask = mask && getElementTypeOrSelf(mask.getType()).isInteger(1);
  if (mask) {
    // A mask shorter than the keys is padded: false / -inf.
    auto maskType = cast<RankedTensorType>(mask.getType());
    int64_t maskRank = maskType.getRank();
    auto keyType = cast<RankedTensorType>(k.getType());
    if (maskType.isDynamicDim(maskRank - 1) || keyType.isDynamicDim(2) ||
        maskType.getDimSize(maskRank - 1) != keyType.getDimSize(2)) {
      Value missing = g.sub(sk, g.dim(mask, maskRank - 1));
      SmallVector<int64_t> before(2 * maskRank - 1, 0);
      Value pads = g.op("concat", {g.ints(before), missing}, {g.attr("axis", 0)});
      Type maskElement = getElementTypeOrSelf(mask.getType());
      Value fill = boolMask ? g.scalar(maskElement, 0) : g.scalar(maskElement, -INFINITY);
      mask = g.op("pad", {mask, pads, fill, Value()});
    }
  }
  Value nonpad = op.getNonpadKvSeqlen();
  bool perBatch = nonpad && !pastKey;
  Value offset = perBatch ? g.sub(nonpad, sq)
                          : pastKey ? g.dim(pastKey, 2) : g.ints({0});
  int64_t left = (int64_t)op.getLeftWindowSize(), right = (int64_t)op.getRightWindowSize();
  bool window = left >= 0 || right >= 0;
  Value bias;
  if (op.getIsCausal()) {
    Value base = mask ? (boolMask ? additive(mask) : mask) : zeros(sq, sk);
    if (window)
      base = g.add(zeros(sq, sk), base);
    // Query i attends key j iff j <= i + offset.
    Value allowed = g.op("greater_or_equal", {frontier(sq, sk, offset, perBatch), g.ints({0}, true)});
    bias = g.add(base, additive(allowed));
  } else if (mask) {
    bias = g.add(zeros(sq, sk), boolMask ? additive(mask) : mask);
  } else {
    bias = zeros(sq, sk);
  }
  if (window) {
    bias = g.add(zeros(sq, sk), bias);
    Value diff = frontier(sq, sk, offset, perBatch);
    Value allowed;
    if (left >= 0)
      allowed = lessOrEqual(diff, left);
    if (right >= 0) {
      Value r = lessOrEqual(g.sub(g.ints({0}), diff), right);
      allowed = allowed ? g.op("and", {allowed, r}) : r;
    }
    bias = g.add(bias, additive(allowed));
  }
  if (nonpad) {
    Value valid = g.op("less", {g.reshape(range(sk), {1, -1}), g.reshape(nonpad, {-1, 1})});
    bias = g.add(bias, g.reshape(additive(valid), {0, 1, 1, -1}));
  }

  // Grouped queries: each K/V head serves q_heads / kv_heads query heads.
  auto kType = cast<RankedTensorType>(k.getType());
  int64_t qHeads = headType.getDimSize(1), kvHeads = kType.getDimSize(1);
  if (ShapedType::isDynamic(qHeads) || ShapedType::isDynamic(kvHeads) || qHeads != kvHeads) {
    Value heads = range(g.dim(q, 1));
    Value repeats = g.div(g.dim(q, 1), g.dim(k, 1));
    Value index = g.div(heads, repeats);
    k = g.op("gather", {k, index}, {g.attr("axis", 1)});
    v = g.op("gather", {v, index}, {g.attr("axis", 1)});
  }
  Value scores = g.op("matmul", {g.mul(q, scale), g.transpose(g.mul(k, scale), {0, 1, 3, 2})});
  double softcap = op.getSoftcap().convertToDouble();
  if (softcap > 0) {
    Value cap = g.scalar(element, softcap);
    scores = g.mul(g.op("tanh", {g.div(scores, cap)}), cap);
  }
  Value raw = scores;
  Value biased = g.add(scores, bias);
  Value logits = biased;
  if (auto precision = op.getSoftmaxPrecision(); precision && *precision != 0)
    logits = g.cast(logits, graph::getElementTypeForOnnx(g.builder().getContext(), (int64_t)*precision));
  Value probabilities = g.op("softmax", {logits}, {g.attr("axis", -1)});
  // A row whose every key is masked gives zeros, not NaN.
  Value rowMax = g.op("reduce_max", {bias, g.ints({-1})}, {g.attr("keepdims", 1)});
  Value masked = g.op("is_inf", {rowMax}, {g.attr("detect_positive", 0)});
  probabilities = g.where(masked, g.scalar(getElementTypeOrSelf(probabilities.getType()), 0),
                          probabilities);
  Value y = g.op("matmul", {g.castLike(probabilities, q), v});
  if (rank == 3)
    y = g.reshape(g.transpose(y, {0, 2, 1, 3}), {0, 0, -1});

  SmallVector<Value> results{y};
  const auto &segments = op.getProperties().resultSegmentSizes;
  if (segments[1])
    results.push_back(presentKey);
  if (segments[2])
    results.push_back(presentValue);
  if (segments[3]) {
    int64_t mode = (int64_t)op.getQkMatmulOutputMode();
    Value qk = mode == 3 ? probabilities : mode == 2 ? biased : raw;
    results.push_back(g.castLike(qk, q));
  }
  for (auto [result, value] : llvm::zip(op->getResults(), results)) {
    Value replacement = value;
    if (replacement.getType() != result.getType()) {
      // The expansion may know less (or more) of the shape than the op.
      OpBuilder &b = g.builder();
      replacement = b.create<graph::IdentityOp>(op.getLoc(), result.getType(), value);
    }
    result.replaceAllUsesWith(replacement);
  }
  op.erase();
  return success();
}

struct GraphExpandAttentionPass : impl::GraphExpandAttentionBase<GraphExpandAttentionPass> {
  void runOnOperation() override {
    SmallVector<graph::AttentionOp> ops;
    getOperation().walk([&](graph::AttentionOp op) { ops.push_back(op); });
    for (graph::AttentionOp op : ops) {
      auto qType = dyn_cast<RankedTensorType>(op.getQ().getType());
      if (!qType || !isa<RankedTensorType>(op.getK().getType()) ||
          !isa<RankedTensorType>(op.getV().getType())) {
        op.emitError("needs ranked Q, K and V");
        return signalPassFailure();
      }
      OpBuilder b(op);
      AttentionExpansion expansion{GraphBuilder(b, op.getLoc()), op, qType.getElementType()};
      if (failed(expansion.run()))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace ingot
