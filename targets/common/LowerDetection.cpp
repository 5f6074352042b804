//===- LowerDetection.cpp - NonMaxSuppression -----------------------------===//
//
// NonMaxSuppression as the reference runs it, per batch and class: take the
// best remaining candidate (highest score, then lowest index; only scores
// above score_threshold when given), keep it unless it overlaps a box
// already kept for the class by more than iou_threshold, until
// max_output_boxes_per_class are kept or no candidate is left. Loops of
// scalars (scf) over a worst-case buffer of B * C * N rows, sliced to the
// rows written: the number kept is only known at the end.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

struct LowerNonMaxSuppression : OpRewritePattern<NonMaxSuppressionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NonMaxSuppressionOp op, PatternRewriter &rewriter) const override {
    for (Value v : op->getOperands())
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "needs ranked inputs");
    Location loc = op.getLoc();
    PatternRewriter &b = rewriter;
    IndexMath m{b, loc};
    Type f32 = b.getF32Type(), i64 = b.getI64Type(), i1 = b.getI1Type();
    Value boxes = op.getBoxes(), scores = op.getScores();
    SmallVector<OpFoldResult> boxDims = getDims(b, loc, boxes), scoreDims = getDims(b, loc, scores);
    OpFoldResult B = boxDims[0], N = boxDims[1], C = scoreDims[1];
    checkEqual(b, loc, boxDims[2], m.c(4), "boxes dim 2 is {0}, expected {1}");
    checkEqual(b, loc, scoreDims[0], B, "scores have a batch of {0}, boxes {1}");
    checkEqual(b, loc, scoreDims[2], N, "scores have {0} boxes, boxes {1}");
    auto scalarOr = [&](Value v, Value fallback) -> Value {
      if (!v)
        return fallback;
      auto type = cast<RankedTensorType>(v.getType());
      if (type.hasStaticShape() && type.getNumElements() == 0)
        return fallback;
      // A size only known at run time must still hold a value to read.
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          checkNonNegative(b, loc, m.value(m.sub(getDims(b, loc, v)[d], m.c(1))),
                           "a threshold or limit input is empty ({0} + 1 elements); pass one value");
      SmallVector<Value> at(type.getRank(), m.value(m.c(0)));
      return b.create<tensor::ExtractOp>(loc, v, at);
    };
    Value zero64 = b.create<arith::ConstantIntOp>(loc, 0, 64);
    Value maxKept = scalarOr(op.getMaxOutputBoxesPerClass(), zero64);
    maxKept = b.create<arith::MaxSIOp>(loc, maxKept, zero64);
    Value iouThreshold = scalarOr(op.getIouThreshold(), scalarConstant(b, loc, f32, 0));
    bool filtered = op.getScoreThreshold() != nullptr;
    Value scoreThreshold = scalarOr(op.getScoreThreshold(), scalarConstant(b, loc, f32, 0));
    bool centers = op.getCenterPointBox() != 0;

    Value nValue = m.value(N), zero = m.value(m.c(0)), one = m.value(m.c(1));
    OpFoldResult capacity = m.mul(m.mul(B, C), N);
    auto outType = RankedTensorType::get({ShapedType::kDynamic, 3}, i64);
    Value out = emptyTensor(b, loc, outType, {capacity, m.c(3)});
    auto maskType = RankedTensorType::get({ShapedType::kDynamic}, i1);

    // The box's [x_min, x_max, y_min, y_max].
    auto extent = [&](OpBuilder &nb, Location l, Value batch, Value box) {
      auto coord = [&](int64_t k) {
        return nb.create<tensor::ExtractOp>(l, boxes, ValueRange{batch, box, nb.create<arith::ConstantIndexOp>(l, k)})
            .getResult();
      };
      SmallVector<Value> e;
      if (centers) {
        Value half = scalarConstant(nb, l, f32, 0.5);
        Value hw = nb.create<arith::MulFOp>(l, coord(2), half), hh = nb.create<arith::MulFOp>(l, coord(3), half);
        e = {nb.create<arith::SubFOp>(l, coord(0), hw), nb.create<arith::AddFOp>(l, coord(0), hw),
             nb.create<arith::SubFOp>(l, coord(1), hh), nb.create<arith::AddFOp>(l, coord(1), hh)};
      } else {
        // Corners in either order: [y1, x1, y2, x2].
        e = {nb.create<arith::MinimumFOp>(l, coord(1), coord(3)), nb.create<arith::MaximumFOp>(l, coord(1), coord(3)),
             nb.create<arith::MinimumFOp>(l, coord(0), coord(2)), nb.create<arith::MaximumFOp>(l, coord(0), coord(2))};
      }
      return e;
    };
    // Whether two boxes overlap by more than the threshold (the reference's
    // early returns: no overlap or an empty box suppresses nothing).
    auto suppresses = [&](OpBuilder &nb, Location l, Value batch, Value first, Value second) {
      SmallVector<Value> p = extent(nb, l, batch, first), q = extent(nb, l, batch, second);
      auto gt = [&](Value x, Value y) { return nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, y).getResult(); };
      Value zeroF = scalarConstant(nb, l, f32, 0);
      Value ix = nb.create<arith::SubFOp>(l, nb.create<arith::MinimumFOp>(l, p[1], q[1]), nb.create<arith::MaximumFOp>(l, p[0], q[0]));
      Value iy = nb.create<arith::SubFOp>(l, nb.create<arith::MinimumFOp>(l, p[3], q[3]), nb.create<arith::MaximumFOp>(l, p[2], q[2]));
      Value inter = nb.create<arith::MulFOp>(l, ix, iy);
      Value area1 = nb.create<arith::MulFOp>(l, nb.create<arith::SubFOp>(l, p[1], p[0]), nb.create<arith::SubFOp>(l, p[3], p[2]));
      Value area2 = nb.create<arith::MulFOp>(l, nb.create<arith::SubFOp>(l, q[1], q[0]), nb.create<arith::SubFOp>(l, q[3], q[2]));
      Value uni = nb.create<arith::SubFOp>(l, nb.create<arith::AddFOp>(l, area1, area2), inter);
      Value ok = nb.create<arith::AndIOp>(l, gt(ix, zeroF), gt(iy, zeroF));
      for (Value v : {inter, area1, area2, uni})
        ok = nb.create<arith::AndIOp>(l, ok, gt(v, zeroF));
      Value over = gt(nb.create<arith::DivFOp>(l, inter, uni), iouThreshold);
      return nb.create<arith::AndIOp>(l, ok, over).getResult();
    };

    auto batchLoop = b.create<scf::ForOp>(
        loc, zero, m.value(B), one, ValueRange{out, zero},
        [&](OpBuilder &bb, Location l, Value batch, ValueRange bState) {
          auto classLoop = bb.create<scf::ForOp>(
              l, zero, m.value(C), one, bState,
              [&](OpBuilder &cb, Location cl, Value cls, ValueRange cState) {
                Value classStart = cState[1];
                Value falseV = cb.create<arith::ConstantIntOp>(cl, 0, 1);
                Value mask = cb.create<linalg::FillOp>(cl, falseV,
                                                       cb.create<tensor::EmptyOp>(cl, maskType, ValueRange{nValue})
                                                           .getResult())
                                 .getResult(0);
                // Up to N picks: (consumed, out, count, kept in class, done).
                auto pickLoop = cb.create<scf::ForOp>(
                    cl, zero, nValue, one, ValueRange{mask, cState[0], cState[1], zero64, falseV},
                    [&](OpBuilder &pb, Location pl, Value, ValueRange s) {
                      Value consumed = s[0], outNow = s[1], count = s[2], kept = s[3], done = s[4];
                      auto ifOp = pb.create<scf::IfOp>(
                          pl, done,
                          [&](OpBuilder &tb, Location tl) { tb.create<scf::YieldOp>(tl, s); },
                          [&](OpBuilder &eb, Location el) {
                            // The best remaining candidate.
                            Value minusOne = eb.create<arith::ConstantIndexOp>(el, -1);
                            Value lowest = scalarConstant(eb, el, f32, -std::numeric_limits<float>::infinity());
                            auto scan = eb.create<scf::ForOp>(
                                el, zero, nValue, one, ValueRange{minusOne, lowest},
                                [&](OpBuilder &sb, Location sl, Value j, ValueRange best) {
                                  Value score = sb.create<tensor::ExtractOp>(sl, scores, ValueRange{batch, cls, j});
                                  Value free = sb.create<arith::XOrIOp>(
                                      sl, sb.create<tensor::ExtractOp>(sl, consumed, ValueRange{j}),
                                      sb.create<arith::ConstantIntOp>(sl, 1, 1));
                                  if (filtered)
                                    free = sb.create<arith::AndIOp>(
                                        sl, free, sb.create<arith::CmpFOp>(sl, arith::CmpFPredicate::OGT, score, scoreThreshold));
                                  Value none = sb.create<arith::CmpIOp>(sl, arith::CmpIPredicate::eq, best[0], minusOne);
                                  Value better = sb.create<arith::OrIOp>(
                                      sl, none, sb.create<arith::CmpFOp>(sl, arith::CmpFPredicate::OGT, score, best[1]));
                                  Value take = sb.create<arith::AndIOp>(sl, free, better);
                                  sb.create<scf::YieldOp>(sl, ValueRange{sb.create<arith::SelectOp>(sl, take, j, best[0]),
                                                                          sb.create<arith::SelectOp>(sl, take, score, best[1])});
                                });
                            Value pick = scan.getResult(0);
                            Value found = eb.create<arith::CmpIOp>(el, arith::CmpIPredicate::ne, pick, minusOne);
                            auto act = eb.create<scf::IfOp>(
                                el, found,
                                [&](OpBuilder &fb, Location fl) {
                                  Value nowConsumed = fb.create<tensor::InsertOp>(
                                      fl, fb.create<arith::ConstantIntOp>(fl, 1, 1), consumed, ValueRange{pick});
                                  // Suppressed by a box kept for this class?
                                  auto check = fb.create<scf::ForOp>(
                                      fl, classStart, count, one, ValueRange{fb.create<arith::ConstantIntOp>(fl, 0, 1)},
                                      [&](OpBuilder &kb, Location kl, Value row, ValueRange acc) {
                                        Value other = kb.create<arith::IndexCastOp>(
                                            kl, kb.getIndexType(),
                                            kb.create<tensor::ExtractOp>(kl, outNow, ValueRange{row, kb.create<arith::ConstantIndexOp>(kl, 2)}));
                                        Value hit = suppresses(kb, kl, batch, pick, other);
                                        kb.create<scf::YieldOp>(kl, ValueRange{kb.create<arith::OrIOp>(kl, acc[0], hit)});
                                      });
                                  Value suppressed = check.getResult(0);
                                  auto keep = fb.create<scf::IfOp>(
                                      fl, suppressed,
                                      [&](OpBuilder &xb, Location xl) { xb.create<scf::YieldOp>(xl, ValueRange{outNow, count, kept}); },
                                      [&](OpBuilder &yb, Location yl) {
                                        Value written = outNow;
                                        Value fields[3] = {batch, cls, pick};
                                        for (int k = 0; k < 3; ++k)
                                          written = yb.create<tensor::InsertOp>(
                                              yl, yb.create<arith::IndexCastOp>(yl, i64, fields[k]), written,
                                              ValueRange{count, yb.create<arith::ConstantIndexOp>(yl, k)});
                                        Value next = yb.create<arith::AddIOp>(yl, count, yb.create<arith::ConstantIndexOp>(yl, 1));
                                        Value more = yb.create<arith::AddIOp>(yl, kept, yb.create<arith::ConstantIntOp>(yl, 1, 64));
                                        yb.create<scf::YieldOp>(yl, ValueRange{written, next, more});
                                      });
                                  Value full = fb.create<arith::CmpIOp>(fl, arith::CmpIPredicate::sge, keep.getResult(2), maxKept);
                                  fb.create<scf::YieldOp>(fl, ValueRange{nowConsumed, keep.getResult(0), keep.getResult(1),
                                                                         keep.getResult(2), full});
                                },
                                [&](OpBuilder &gb, Location gl) {
                                  gb.create<scf::YieldOp>(gl, ValueRange{consumed, outNow, count, kept,
                                                                         gb.create<arith::ConstantIntOp>(gl, 1, 1)});
                                });
                            eb.create<scf::YieldOp>(el, act.getResults());
                          });
                      pb.create<scf::YieldOp>(pl, ifOp.getResults());
                    });
                // A class allowed no boxes keeps none.
                Value none = cb.create<arith::CmpIOp>(cl, arith::CmpIPredicate::sle, maxKept, zero64);
                Value outAfter = cb.create<arith::SelectOp>(cl, none, cState[0], pickLoop.getResult(1));
                Value countAfter = cb.create<arith::SelectOp>(cl, none, cState[1], pickLoop.getResult(2));
                cb.create<scf::YieldOp>(cl, ValueRange{outAfter, countAfter});
              });
          bb.create<scf::YieldOp>(l, classLoop.getResults());
        });
    Value rows = batchLoop.getResult(1);
    Value result = b.create<tensor::ExtractSliceOp>(loc, outType, batchLoop.getResult(0),
                                                    SmallVector<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
                                                    SmallVector<OpFoldResult>{rows, b.getIndexAttr(3)},
                                                    SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    // A model may declare how many boxes it keeps: hold it to that.
    auto declared = cast<RankedTensorType>(op.getType());
    result = castChecked(b, loc, result, declared);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDetectionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerNonMaxSuppression>(patterns.getContext());
}

} // namespace ingot::lowering
