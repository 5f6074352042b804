//===- LowerGridSample.cpp - GridSample over any number of spatial dims ---===//
//
// Y[n, c, p] samples X[n, c] at the point the grid gives for p: the grid's
// last dim holds normalized coordinates in [-1, 1], innermost spatial dim
// first. Each coordinate is denormalized (align_corners picks whether -1 and
// 1 are the centers or the outer edges of the end pixels), brought inside
// the borders as padding_mode says (clamped or reflected), and the pixels
// around it are weighted per dim: 1 tap (nearest, rounded half to even), 2
// (linear) or 4 (cubic, Keys' a = -0.75). The N-d sample is the sum over all
// tap combinations of the product of their weights, which is what the
// reference's nested 1-d interpolation computes. A tap outside X reads 0
// (zeros), the nearest border pixel (border) or its mirror (reflection).
// One generic over Y, computing in f32 (f64 for double).
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

struct Tap {
  Value index; // in bounds whatever the padding
  Value weight;
  Value inside; // i1: false reads 0 (zeros padding)
};

struct LowerGridSample : OpRewritePattern<GridSampleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GridSampleOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto gridType = dyn_cast<RankedTensorType>(op.getGrid().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !gridType || !resultType)
      return rewriter.notifyMatchFailure(op, "needs ranked X and grid");
    Type element = resultType.getElementType();
    if (!isa<FloatType>(element) || !isa<FloatType>(gridType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs float X and grid");
    Location loc = op.getLoc();
    int64_t rank = xType.getRank(), spatial = rank - 2;
    SmallVector<OpFoldResult> xDims = getDims(rewriter, loc, op.getX());
    SmallVector<OpFoldResult> gridDims = getDims(rewriter, loc, op.getGrid());
    checkEqual(rewriter, loc, gridDims[0], xDims[0], "the grid's batch is {0}, X's {1}");
    checkEqual(rewriter, loc, gridDims[rank - 1], rewriter.getIndexAttr(spatial),
               "the grid's last dim is {0}; X has {1} spatial dims");
    SmallVector<OpFoldResult> outDims{xDims[0], xDims[1]};
    outDims.append(gridDims.begin() + 1, gridDims.end() - 1);
    StringRef mode = op.getMode(), padding = op.getPaddingMode();
    int taps = mode == "nearest" ? 1 : (mode == "linear" || mode == "bilinear") ? 2 : 4;
    bool alignCorners = op.getAlignCorners() != 0;
    Type compute = element.isF64() ? element : rewriter.getF32Type();
    Value x = op.getX(), grid = op.getGrid();
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < spatial; ++d)
      sizes.push_back(toValue(rewriter, loc, xDims[2 + d]));

    Value result = buildParallelGeneric(
        rewriter, loc, {}, {}, emptyTensor(rewriter, loc, resultType, outDims),
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          auto c = [&](double v) { return scalarConstant(b, l, compute, v); };
          auto add = [&](Value p, Value q) { return b.create<arith::AddFOp>(l, p, q).getResult(); };
          auto sub = [&](Value p, Value q) { return b.create<arith::SubFOp>(l, p, q).getResult(); };
          auto mul = [&](Value p, Value q) { return b.create<arith::MulFOp>(l, p, q).getResult(); };
          auto lt = [&](Value p, Value q) {
            return b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, p, q).getResult();
          };
          auto sel = [&](Value cond, Value p, Value q) {
            return b.create<arith::SelectOp>(l, cond, p, q).getResult();
          };
          auto clamp = [&](Value v, Value lo, Value hi) {
            return b.create<arith::MinimumFOp>(l, b.create<arith::MaximumFOp>(l, v, lo), hi).getResult();
          };
          // Mirrors v into [lo, hi] as often as it takes (the reference's loop).
          auto reflect = [&](Value v, Value lo, Value hi) {
            Value range = sub(hi, lo);
            auto fold = [&](Value distance, Value nearEdge, Value farEdge, bool fromLow) {
              Value turns = b.create<math::TruncOp>(l, b.create<arith::DivFOp>(l, distance, range));
              Value rest = sub(distance, mul(turns, range));
              Value odd = b.create<arith::CmpFOp>(
                  l, arith::CmpFPredicate::ONE,
                  sub(turns, mul(c(2), b.create<math::FloorOp>(l, mul(turns, c(0.5))))), c(0));
              Value even = fromLow ? add(nearEdge, rest) : sub(nearEdge, rest);
              Value flipped = fromLow ? sub(farEdge, rest) : add(farEdge, rest);
              return sel(odd, flipped, even);
            };
            Value below = fold(sub(lo, v), lo, hi, true);
            Value above = fold(sub(v, hi), hi, lo, false);
            return sel(lt(v, lo), below, sel(lt(hi, v), above, v));
          };
          Value zeroIndex = b.create<arith::ConstantIndexOp>(l, 0);
          Value n = b.create<linalg::IndexOp>(l, 0), channel = b.create<linalg::IndexOp>(l, 1);
          SmallVector<Value> gridAt{n};
          for (int64_t d = 0; d < spatial; ++d)
            gridAt.push_back(b.create<linalg::IndexOp>(l, 2 + d));
          gridAt.push_back(zeroIndex);
          // Per spatial dim: its taps.
          SmallVector<SmallVector<Tap>> perDim;
          for (int64_t d = 0; d < spatial; ++d) {
            gridAt.back() = b.create<arith::ConstantIndexOp>(l, spatial - 1 - d);
            Value g = castScalar(b, l, b.create<tensor::ExtractOp>(l, grid, gridAt), compute);
            Value size = sizes[d];
            Value sizeF = castScalar(b, l, b.create<arith::IndexCastOp>(l, b.getI64Type(), size), compute);
            Value lastF = sub(sizeF, c(1));
            Value v = alignCorners ? mul(mul(add(g, c(1)), c(0.5)), lastF)
                                   : mul(sub(mul(add(g, c(1)), sizeF), c(1)), c(0.5));
            Value lo = alignCorners ? c(0) : c(-0.5), hi = alignCorners ? lastF : sub(sizeF, c(0.5));
            if (taps == 1)
              v = b.create<math::RoundEvenOp>(l, v);
            Value outside = b.create<arith::OrIOp>(l, lt(v, lo), lt(hi, v));
            if (padding == "border")
              v = sel(outside, clamp(v, c(0), lastF), v);
            else if (padding == "reflection")
              v = reflect(v, lo, hi);
            // An integral tap position: in range for X, or handled by padding.
            auto tapAt = [&](Value position, Value weight) {
              Value inside = b.create<arith::AndIOp>(l, b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, position, c(0)),
                                                     b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLE, position, lastF));
              if (padding == "border") {
                position = clamp(position, c(0), lastF);
                inside = b.create<arith::ConstantIntOp>(l, 1, 1);
              } else if (padding == "reflection") {
                position = clamp(reflect(position, lo, hi), c(0), lastF);
                inside = b.create<arith::ConstantIntOp>(l, 1, 1);
              }
              Value clamped = clamp(position, c(0), lastF);
              Value index = b.create<arith::IndexCastOp>(
                  l, b.getIndexType(), b.create<arith::FPToSIOp>(l, b.getI64Type(), clamped));
              return Tap{index, weight, inside};
            };
            SmallVector<Tap> dimTaps;
            if (taps == 1) {
              // Truncated as the reference's astype(int32) does.
              dimTaps.push_back(tapAt(b.create<math::TruncOp>(l, v), c(1)));
            } else {
              Value base = b.create<math::FloorOp>(l, v);
              Value t = sub(v, base);
              if (taps == 2) {
                dimTaps.push_back(tapAt(base, sub(c(1), t)));
                dimTaps.push_back(tapAt(add(base, c(1)), t));
              } else {
                // Keys' cubic with a = -0.75 at distances 1 + t, t, 1 - t, 2 - t.
                const double a = -0.75;
                auto near = [&](Value s) { // |s| <= 1
                  return add(mul(mul(sub(mul(c(a + 2), s), c(a + 3)), s), s), c(1));
                };
                auto far = [&](Value s) { // 1 < |s| < 2
                  return sub(mul(add(mul(sub(mul(c(a), s), c(5 * a)), s), c(8 * a)), s), c(4 * a));
                };
                Value one = c(1);
                dimTaps.push_back(tapAt(sub(base, one), far(add(t, one))));
                dimTaps.push_back(tapAt(base, near(t)));
                dimTaps.push_back(tapAt(add(base, one), near(sub(one, t))));
                dimTaps.push_back(tapAt(add(base, c(2)), far(sub(c(2), t))));
              }
            }
            perDim.push_back(dimTaps);
          }
          // Sum over every combination of taps.
          Value sum = c(0);
          int64_t combinations = 1;
          for (int64_t d = 0; d < spatial; ++d)
            combinations *= taps;
          for (int64_t k = 0; k < combinations; ++k) {
            SmallVector<Value> at{n, channel};
            Value weight = c(1), inside;
            for (int64_t d = 0, rest = k; d < spatial; ++d, rest /= taps) {
              const Tap &tap = perDim[d][rest % taps];
              at.push_back(tap.index);
              weight = mul(weight, tap.weight);
              inside = inside ? b.create<arith::AndIOp>(l, inside, tap.inside).getResult() : tap.inside;
            }
            Value pixel = castScalar(b, l, b.create<tensor::ExtractOp>(l, x, at), compute);
            sum = add(sum, mul(weight, sel(inside, pixel, c(0))));
          }
          return castScalar(b, l, sum, element);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateGridSampleToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerGridSample>(patterns.getContext());
}

} // namespace ingot::lowering
