//===- Composite.cpp - Shape rules of composite operators -----------------===//
//
// Attention, RotaryEmbedding, RMSNormalization, GroupNormalization and
// NegativeLogLikelihoodLoss: operators the graph-expand-composites pass rewrites into
// simpler graph ops before lowering; here only their result types.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/ops/InferHelpers.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::graph {
using namespace infer;

namespace {
int64_t product(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic : a * b;
}
int64_t quotient(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || b == 0 ? ShapedType::kDynamic
                                                                        : a / b;
}
int64_t sum(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic : a + b;
}
} // namespace

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto q = ranked(adaptor.getQ()), k = ranked(adaptor.getK()), v = ranked(adaptor.getV());
  Type element = elementOf(adaptor.getQ());
  const auto &segments = adaptor.getProperties().resultSegmentSizes;
  auto unknown = [&](int64_t rank) { return rank ? allDynamic(rank, element) : unranked(element); };
  if (!q || !k || !v) {
    types.push_back(unranked(element));
    for (int i = 1; i < 4; ++i)
      for (int32_t n = 0; n < segments[i]; ++n)
        types.push_back(unknown(i == 3 ? 4 : 4));
    return success();
  }
  if (q.getRank() != k.getRank() || q.getRank() != v.getRank() ||
      (q.getRank() != 3 && q.getRank() != 4))
    return emitOptionalError(loc, "Q, K and V must all be 3-D or all 4-D");
  int64_t batch = q.getDimSize(0), qHeads, kvHeads, qLength, kvLength, headSize, vHeadSize;
  if (q.getRank() == 3) {
    qHeads = adaptor.getQNumHeads() ? (int64_t)*adaptor.getQNumHeads() : 0;
    kvHeads = adaptor.getKvNumHeads() ? (int64_t)*adaptor.getKvNumHeads() : 0;
    if (qHeads <= 0 || kvHeads <= 0)
      return emitOptionalError(loc, "3-D inputs need q_num_heads and kv_num_heads");
    qLength = q.getDimSize(1);
    kvLength = k.getDimSize(1);
    headSize = quotient(k.getDimSize(2), kvHeads);
    vHeadSize = quotient(v.getDimSize(2), kvHeads);
  } else {
    qHeads = q.getDimSize(1);
    kvHeads = k.getDimSize(1);
    qLength = q.getDimSize(2);
    kvLength = k.getDimSize(2);
    headSize = k.getDimSize(3);
    vHeadSize = v.getDimSize(3);
  }
  int64_t past = 0;
  if (auto pastKey = ranked(adaptor.getPastKey()))
    past = pastKey.getRank() == 4 ? pastKey.getDimSize(2) : ShapedType::kDynamic;
  int64_t total = sum(past, kvLength);
  if (q.getRank() == 3)
    types.push_back(makeTensor({batch, qLength, product(qHeads, vHeadSize)}, element));
  else
    types.push_back(makeTensor({batch, qHeads, qLength, vHeadSize}, element));
  for (int32_t n = 0; n < segments[1]; ++n)
    types.push_back(makeTensor({batch, kvHeads, total, headSize}, element));
  for (int32_t n = 0; n < segments[2]; ++n)
    types.push_back(makeTensor({batch, kvHeads, total, vHeadSize}, element));
  for (int32_t n = 0; n < segments[3]; ++n)
    types.push_back(makeTensor({batch, qHeads, qLength, total}, element));
  return success();
}

LogicalResult AttentionOp::verify() {
  if ((getPastKey() == nullptr) != (getPastValue() == nullptr))
    return emitOpError("past_key and past_value must be given together");
  if (getNonpadKvSeqlen() && getPastKey())
    return emitOpError("nonpad_kv_seqlen cannot be combined with past_key and past_value");
  if ((int64_t)getLeftWindowSize() < -1 || (int64_t)getRightWindowSize() < -1)
    return emitOpError("window sizes must be -1 or non-negative");
  int64_t mode = (int64_t)getQkMatmulOutputMode();
  if (mode < 0 || mode > 3)
    return emitOpError("qk_matmul_output_mode must be 0..3, got ") << mode;
  return success();
}

GRAPH_INFER_SAME_AS_FIRST_OPERAND(RotaryEmbeddingOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(RMSNormalizationOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(GroupNormalizationOp)

/// The loss: a scalar for mean/sum, the per-sample shape [N, d1...] for none.
static Type lossType(Value input, StringRef reduction) {
  auto type = ranked(input);
  Type element = elementOf(input);
  if (reduction != "none")
    return makeTensor({}, element);
  if (!type)
    return unranked(element);
  SmallVector<int64_t> shape{type.getDimSize(0)};
  llvm::append_range(shape, type.getShape().drop_front(2));
  return makeTensor(shape, element);
}

static LogicalResult verifyLoss(Operation *op, StringRef reduction, Value input) {
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return op->emitOpError("reduction must be none, sum or mean, got '") << reduction << "'";
  if (auto type = ranked(input); type && type.getRank() < 2)
    return op->emitOpError("the input must be at least 2-D [N, C, ...]");
  return success();
}

LogicalResult NegativeLogLikelihoodLossOp::inferReturnTypes(MLIRContext *,
                                                            std::optional<Location>,
                                                            Adaptor adaptor,
                                                            SmallVectorImpl<Type> &types) {
  types.push_back(lossType(adaptor.getInput(), adaptor.getReduction()));
  return success();
}

LogicalResult NegativeLogLikelihoodLossOp::verify() {
  return verifyLoss(*this, getReduction(), getInput());
}


//===----------------------------------------------------------------------===//
// LinearAttention
//===----------------------------------------------------------------------===//

LogicalResult LinearAttentionOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor, SmallVectorImpl<Type> &types) {
  // output [B, T, Hq * dv], present_state [B, Hkv, dk, dv].
  Type element = infer::elementOf(adaptor.getQuery());
  auto q = ranked(adaptor.getQuery()), v = ranked(adaptor.getValue());
  int64_t qHeads = (int64_t)adaptor.getQNumHeads(), kvHeads = (int64_t)adaptor.getKvNumHeads();
  if (qHeads <= 0 || kvHeads <= 0 || qHeads % kvHeads != 0)
    return emitOptionalError(loc, "q_num_heads (", qHeads, ") must be a positive multiple of kv_num_heads (",
                             kvHeads, ")");
  if ((q && q.getRank() != 3) || (v && v.getRank() != 3))
    return emitOptionalError(loc, "expected query, key and value of rank 3 (B, T, H*D)");
  auto perHead = [](RankedTensorType t, int64_t heads) {
    return !t || t.isDynamicDim(2) ? ShapedType::kDynamic : t.getDimSize(2) / heads;
  };
  int64_t batch = q ? q.getDimSize(0) : ShapedType::kDynamic, steps = q ? q.getDimSize(1) : ShapedType::kDynamic;
  int64_t dk = perHead(q, qHeads), dv = perHead(v, kvHeads);
  types.push_back(makeTensor({batch, steps, dv == ShapedType::kDynamic ? dv : qHeads * dv}, element));
  Type stateElement = adaptor.getPastState() ? infer::elementOf(adaptor.getPastState()) : element;
  types.push_back(makeTensor({batch, kvHeads, dk, dv}, stateElement));
  return success();
}

LogicalResult LinearAttentionOp::verify() {
  StringRef rule = getUpdateRule();
  if (!llvm::is_contained({"linear", "gated", "delta", "gated_delta"}, rule))
    return emitOpError("unknown update_rule '") << rule << "'";
  bool gating = rule == "gated" || rule == "gated_delta", delta = rule == "delta" || rule == "gated_delta";
  if (gating != (getDecay() != nullptr))
    return emitOpError("update_rule '") << rule << "' " << (gating ? "requires" : "forbids") << " decay";
  if (delta != (getBeta() != nullptr))
    return emitOpError("update_rule '") << rule << "' " << (delta ? "requires" : "forbids") << " beta";
  return success();
}

} // namespace ingot::graph
