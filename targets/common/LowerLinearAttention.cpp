//===- LowerLinearAttention.cpp - LinearAttention as a loop over time -----===//
//
// The recurrent state S [B, Hkv, dk, dv] is carried by an scf.for over the
// tokens, in f32 as the reference computes. Per token t:
//   gated:  S *= exp(decay_t)                (per head, or per key dim)
//   delta:  v_t = beta_t * (v_t - S^T k_t)   (with the decayed S)
//           S += k_t v_t^T
//   out_t[hq] = scale * q_t[hq]^T S[hq / (Hq / Hkv)]
// Query, key, value and decay stay packed [B, T, H * d] and are read in
// place. The outputs of every token are gathered into [B, T, Hq * dv] at
// the end.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

struct LowerLinearAttention : OpRewritePattern<LinearAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearAttentionOp op, PatternRewriter &rewriter) const override {
    for (Value v : op->getOperands())
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "needs ranked inputs");
    auto outType = dyn_cast<RankedTensorType>(op.getOutput().getType());
    auto stateType = dyn_cast<RankedTensorType>(op.getPresentState().getType());
    if (!outType || !stateType)
      return rewriter.notifyMatchFailure(op, "needs ranked results");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    PatternRewriter &b = rewriter;
    IndexMath m{b, loc};
    Type f32 = b.getF32Type();
    int64_t qHeads = (int64_t)op.getQNumHeads(), kvHeads = (int64_t)op.getKvNumHeads();
    int64_t group = qHeads / kvHeads;
    StringRef rule = op.getUpdateRule();
    bool gating = rule == "gated" || rule == "gated_delta", delta = rule == "delta" || rule == "gated_delta";
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    SmallVector<OpFoldResult> qDims = getDims(b, loc, q), kDims = getDims(b, loc, k), vDims = getDims(b, loc, v);
    OpFoldResult B = qDims[0], T = qDims[1];
    OpFoldResult dk = m.floorDiv(qDims[2], qHeads), dv = m.floorDiv(vDims[2], kvHeads);
    checkEqual(b, loc, m.mul(dk, m.c(qHeads)), qDims[2], "query's last dim {1} is not a multiple of q_num_heads");
    checkEqual(b, loc, m.mul(dv, m.c(kvHeads)), vDims[2], "value's last dim {1} is not a multiple of kv_num_heads");
    checkEqual(b, loc, kDims[2], m.mul(dk, m.c(kvHeads)), "key's last dim is {0}; kv_num_heads * d_k is {1}");
    for (auto [name, dims] : {std::pair{"key", &kDims}, {"value", &vDims}}) {
      checkEqual(b, loc, (*dims)[0], B, Twine(name) + " has a batch of {0}, query {1}");
      checkEqual(b, loc, (*dims)[1], T, Twine(name) + " has {0} tokens, query {1}");
    }
    // decay: [B, T, Hkv] (per head) or [B, T, Hkv * dk]; beta: [B, T, Hkv] or [B, T, 1].
    Value decay = op.getDecay(), beta = op.getBeta();
    Value decayPerKeyDim, betaPerHead;
    // decay and beta are read at [b, t, ...] for every token.
    for (auto [name, v] : {std::pair{"decay", decay}, {"beta", beta}}) {
      if (!v)
        continue;
      SmallVector<OpFoldResult> dims = getDims(b, loc, v);
      checkEqual(b, loc, dims[0], B, Twine(name) + " has a batch of {0}, query {1}");
      checkEqual(b, loc, dims[1], T, Twine(name) + " has {0} tokens, query {1}");
    }
    if (decay) {
      OpFoldResult last = getDims(b, loc, decay)[2];
      Value isPerHead = m.cmp(arith::CmpIPredicate::eq, last, m.c(kvHeads));
      Value isPerKey = m.cmp(arith::CmpIPredicate::eq, last, m.mul(dk, m.c(kvHeads)));
      emitCheck(b, loc, b.create<arith::OrIOp>(loc, isPerHead, isPerKey),
                "decay's last dim is {0}; expected kv_num_heads or kv_num_heads * d_k", {m.value(last)});
      decayPerKeyDim = b.create<arith::XOrIOp>(loc, isPerHead, b.create<arith::ConstantIntOp>(loc, 1, 1));
    }
    if (beta) {
      OpFoldResult last = getDims(b, loc, beta)[2];
      Value isPerHead = m.cmp(arith::CmpIPredicate::eq, last, m.c(kvHeads));
      emitCheck(b, loc, b.create<arith::OrIOp>(loc, isPerHead, m.cmp(arith::CmpIPredicate::eq, last, m.c(1))),
                "beta's last dim is {0}; expected kv_num_heads or 1", {m.value(last)});
      betaPerHead = isPerHead;
    }
    double scale = op.getScale().convertToDouble();
    Value scaleValue;
    if (scale == 0.0) {
      Value dkF = b.create<arith::SIToFPOp>(loc, f32, b.create<arith::IndexCastOp>(loc, b.getI64Type(), m.value(dk)));
      scaleValue = b.create<arith::DivFOp>(loc, scalarConstant(b, loc, f32, 1), b.create<math::SqrtOp>(loc, dkF));
    } else {
      scaleValue = scalarConstant(b, loc, f32, scale);
    }
    auto dynamic = [&](int64_t rank) {
      return RankedTensorType::get(SmallVector<int64_t>(rank, ShapedType::kDynamic), f32);
    };
    auto state4 = dynamic(4);
    SmallVector<OpFoldResult> stateDims{B, m.c(kvHeads), dk, dv};
    Value state;
    if (Value past = op.getPastState()) {
      SmallVector<OpFoldResult> pastDims = getDims(b, loc, past);
      for (int64_t d = 0; d < 4; ++d)
        checkEqual(b, loc, pastDims[d], stateDims[d], "past_state dim " + Twine(d) + " is {0}, expected {1}");
      state = mapUnaryTo(b, loc, past, f32, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return castScalar(nb, l, a[0], f32);
      });
      state = b.create<tensor::CastOp>(loc, state4, state);
    } else {
      state = b.create<linalg::FillOp>(loc, scalarConstant(b, loc, f32, 0), emptyTensor(b, loc, state4, stateDims))
                  .getResult(0);
    }
    Value outputs = emptyTensor(b, loc, dynamic(4), {T, B, m.c(qHeads), dv});
    Value dkValue = m.value(dk), dvValue = m.value(dv);
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
    auto ids = [&](int64_t rank) { return AffineMap::getMultiDimIdentityMap(rank, ctx); };
    // out[b, h, j] = sum_i S[b, h / group, i, j] * x[b, t, h * dk + i] for the
    // token t, over `heads` heads of x (keys: Hkv, group 1; queries: Hq).
    Value token;
    auto contractWithState = [&](Location l, Value s, Value x, int64_t heads, int64_t group) -> Value {
      auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
      auto type = dynamic(3);
      Value init = b.create<linalg::FillOp>(l, scalarConstant(b, l, f32, 0), emptyTensor(b, l, type, {B, m.c(heads), dv}))
                       .getResult(0);
      return b
          .create<linalg::GenericOp>(
              l, type, ValueRange{s}, init,
              SmallVector<AffineMap>{AffineMap::get(4, 0, {d(0), d(1).floorDiv(group), d(3), d(2)}, ctx),
                                     AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)},
              SmallVector<utils::IteratorType>{utils::IteratorType::parallel, utils::IteratorType::parallel,
                                               utils::IteratorType::parallel, utils::IteratorType::reduction},
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value at = nb.create<arith::AddIOp>(
                    nl, nb.create<arith::MulIOp>(nl, nb.create<linalg::IndexOp>(nl, 1), dkValue),
                    nb.create<linalg::IndexOp>(nl, 3));
                Value xv = castScalar(nb, nl,
                                      nb.create<tensor::ExtractOp>(nl, x, ValueRange{nb.create<linalg::IndexOp>(nl, 0), token, at}),
                                      f32);
                nb.create<linalg::YieldOp>(nl, ValueRange{nb.create<arith::AddFOp>(nl, a[1], nb.create<arith::MulFOp>(nl, a[0], xv))});
              })
          .getResult(0);
    };
    auto loop = b.create<scf::ForOp>(
        loc, zero, m.value(T), one, ValueRange{state, outputs},
        [&](OpBuilder &lb, Location l, Value t, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
          token = t;
          // x[b, t, head * width + i], as f32.
          auto packed = [&](OpBuilder &nb, Location nl, Value x, Value batch, Value head, Value width, Value i) {
            Value at = nb.create<arith::AddIOp>(nl, nb.create<arith::MulIOp>(nl, head, width), i);
            return castScalar(nb, nl, nb.create<tensor::ExtractOp>(nl, x, ValueRange{batch, t, at}), f32);
          };
          Value s = carried[0];
          auto idx = [&](OpBuilder &nb, Location nl, int64_t d) { return nb.create<linalg::IndexOp>(nl, d).getResult(); };
          if (gating) {
            s = buildParallelGeneric(b, l, s, {ids(4)}, emptyTensor(b, l, state4, stateDims),
                                     [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
              Value batch = idx(nb, nl, 0), h = idx(nb, nl, 1), i = idx(nb, nl, 2);
              Value at = nb.create<arith::SelectOp>(
                  nl, decayPerKeyDim, nb.create<arith::AddIOp>(nl, nb.create<arith::MulIOp>(nl, h, dkValue), i), h);
              Value g = castScalar(nb, nl, nb.create<tensor::ExtractOp>(nl, decay, ValueRange{batch, t, at}), f32);
              return nb.create<arith::MulFOp>(nl, a[0], nb.create<math::ExpOp>(nl, g));
            });
          }
          // The value written this step: v_t, or beta_t * (v_t - S^T k_t).
          Value written;
          auto state3 = dynamic(3);
          if (delta) {
            // retrieved[b, h, j] = sum_i S[b, h, i, j] * k[b, t, h * dk + i]
            Value retrieved = contractWithState(l, s, k, kvHeads, 1);
            written = buildParallelGeneric(b, l, retrieved, {ids(3)}, emptyTensor(b, l, state3, {B, m.c(kvHeads), dv}),
                                           [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
              Value batch = idx(nb, nl, 0), h = idx(nb, nl, 1), j = idx(nb, nl, 2);
              Value value = packed(nb, nl, v, batch, h, dvValue, j);
              Value betaAt = nb.create<arith::SelectOp>(nl, betaPerHead, h, nb.create<arith::ConstantIndexOp>(nl, 0));
              Value rate = castScalar(nb, nl, nb.create<tensor::ExtractOp>(nl, beta, ValueRange{batch, t, betaAt}), f32);
              return nb.create<arith::MulFOp>(nl, rate, nb.create<arith::SubFOp>(nl, value, a[0]));
            });
          }
          // S += k_t (outer) written.
          s = buildParallelGeneric(b, l, s, {ids(4)}, emptyTensor(b, l, state4, stateDims),
                                   [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value batch = idx(nb, nl, 0), h = idx(nb, nl, 1), i = idx(nb, nl, 2), j = idx(nb, nl, 3);
            Value key = packed(nb, nl, k, batch, h, dkValue, i);
            Value w = written ? nb.create<tensor::ExtractOp>(nl, written, ValueRange{batch, h, j}).getResult()
                              : packed(nb, nl, v, batch, h, dvValue, j);
            return nb.create<arith::AddFOp>(nl, a[0], nb.create<arith::MulFOp>(nl, key, w));
          });
          // out[b, hq, j] = scale * sum_i q[b, t, hq * dk + i] * S[b, hq / group, i, j]
          Value read = contractWithState(l, s, q, qHeads, group);
          Value scaled = buildParallelGeneric(b, l, read, {ids(3)}, emptyTensor(b, l, state3, {B, m.c(qHeads), dv}),
                                              [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            return nb.create<arith::MulFOp>(nl, a[0], scaleValue);
          });
          Value all = b.create<tensor::InsertSliceOp>(
              l, scaled, carried[1], SmallVector<OpFoldResult>{t, b.getIndexAttr(0), b.getIndexAttr(0), b.getIndexAttr(0)},
              SmallVector<OpFoldResult>{b.getIndexAttr(1), m.value(B), m.value(m.c(qHeads)), dvValue},
              SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
          b.create<scf::YieldOp>(l, ValueRange{s, all});
        });
    // output[b, t, hq * dv + j] = outputs[t, b, hq, j]
    Value steps = loop.getResult(1);
    Value output = buildParallelGeneric(b, loc, {}, {}, emptyTensor(b, loc, outType, {B, T, m.mul(m.c(qHeads), dv)}),
                                        [&](OpBuilder &nb, Location nl, ValueRange) -> Value {
      Value batch = nb.create<linalg::IndexOp>(nl, 0), t = nb.create<linalg::IndexOp>(nl, 1);
      Value c = nb.create<linalg::IndexOp>(nl, 2);
      Value hq = nb.create<arith::DivUIOp>(nl, c, dvValue), j = nb.create<arith::RemUIOp>(nl, c, dvValue);
      Value x = nb.create<tensor::ExtractOp>(nl, steps, ValueRange{t, batch, hq, j});
      return castScalar(nb, nl, x, outType.getElementType());
    });
    Value present = buildParallelGeneric(b, loc, loop.getResult(0), {ids(4)}, emptyTensor(b, loc, stateType, stateDims),
                                         [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
      return castScalar(nb, nl, a[0], stateType.getElementType());
    });
    rewriter.replaceOp(op, {output, present});
    return success();
  }
};

} // namespace

void populateLinearAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLinearAttention>(patterns.getContext());
}

} // namespace ingot::lowering
