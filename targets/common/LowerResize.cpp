//===- LowerResize.cpp - Resize -> linalg ---------------------------------===//
//
// Resize in every mode the ONNX spec defines, with scales, sizes and roi
// read at run time when they are not constants. Coordinates follow the
// ONNX reference: each output index maps back to a fractional input
// coordinate x_ori (per coordinate_transformation_mode), computed in double
// precision.
//
//  - nearest: one gather over the output, each resized axis rounding x_ori
//    as nearest_mode says;
//  - linear and cubic (with antialias, exclude_outside and
//    tf_crop_and_resize's extrapolation): one pass per resized axis, as the
//    interpolation is separable, each output element a weighted sum of the
//    taps around x_ori (edge indices clamped), in f64, cast back at the end
//    (rounded and saturated for integer types).
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

/// What one resized axis needs at run time.
struct ResizedAxis {
  int64_t dim;
  Value in, out;        // index
  Value inF, outF;      // f64: the input size, scale * input size (unrounded)
  Value scale;          // f64
  Value roiStart, roiEnd; // f64, tf_crop_and_resize only
};

/// Element `i` of a 1-D tensor as f64 (or index for integers).
Value elementAt(OpBuilder &b, Location loc, Value tensor, int64_t i, Type to) {
  Value index = b.create<arith::ConstantIndexOp>(loc, i);
  Value v = b.create<tensor::ExtractOp>(loc, tensor, ValueRange{index});
  if (to.isIndex())
    return toIndex(b, loc, v);
  return castScalar(b, loc, v, to);
}

Value f64(OpBuilder &b, Location loc, double v) {
  return b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(v));
}

Value indexToF64(OpBuilder &b, Location loc, Value index) {
  return b.create<arith::SIToFPOp>(loc, b.getF64Type(),
                                   b.create<arith::IndexCastOp>(loc, b.getI64Type(), index));
}

Value f64ToIndex(OpBuilder &b, Location loc, Value v) {
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                      b.create<arith::FPToSIOp>(loc, b.getI64Type(), v));
}

/// x_ori for output coordinate `y` (f64) along `axis`.
Value sourceCoordinate(OpBuilder &b, Location loc, StringRef mode, const ResizedAxis &axis,
                       Value y) {
  auto add = [&](Value x, Value z) { return b.create<arith::AddFOp>(loc, x, z).getResult(); };
  auto sub = [&](Value x, Value z) { return b.create<arith::SubFOp>(loc, x, z).getResult(); };
  auto mul = [&](Value x, Value z) { return b.create<arith::MulFOp>(loc, x, z).getResult(); };
  auto div = [&](Value x, Value z) { return b.create<arith::DivFOp>(loc, x, z).getResult(); };
  Value one = f64(b, loc, 1), half = f64(b, loc, 0.5);
  Value outIsOne = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, axis.outF, one);
  auto unlessOne = [&](Value whenOne, Value otherwise) {
    return b.create<arith::SelectOp>(loc, outIsOne, whenOne, otherwise).getResult();
  };
  Value halfPixel = sub(div(add(y, half), axis.scale), half);
  if (mode == "align_corners")
    return unlessOne(f64(b, loc, 0),
                     div(mul(y, sub(axis.inF, one)), sub(axis.outF, one)));
  if (mode == "asymmetric")
    return div(y, axis.scale);
  if (mode == "pytorch_half_pixel")
    return unlessOne(f64(b, loc, -0.5), halfPixel);
  if (mode == "half_pixel_symmetric") {
    Value outInt = indexToF64(b, loc, axis.out);
    Value adjustment = div(outInt, axis.outF);
    Value offset = mul(div(axis.inF, f64(b, loc, 2)), sub(one, adjustment));
    return add(offset, halfPixel);
  }
  if (mode == "tf_crop_and_resize") {
    Value span = mul(sub(axis.roiEnd, axis.roiStart), sub(axis.inF, one));
    Value x = unlessOne(div(span, f64(b, loc, 2)), div(mul(y, span), sub(axis.outF, one)));
    return add(x, mul(axis.roiStart, sub(axis.inF, one)));
  }
  return halfPixel; // half_pixel
}

struct LowerResize : OpRewritePattern<ResizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ResizeOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    auto lengthOf = [](Value v) -> std::optional<int64_t> {
      auto t = v ? dyn_cast<RankedTensorType>(v.getType()) : nullptr;
      if (!t || t.getRank() != 1 || t.isDynamicDim(0))
        return std::nullopt;
      return t.getDimSize(0);
    };
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes;
    if (auto attr = op.getAxes())
      for (int64_t a : *attr)
        axes.push_back(*normalizeAxis(a, rank));
    else
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    // Scales or sizes: whichever is given, or not empty when both are.
    std::optional<int64_t> scalesLength = lengthOf(op.getScales());
    std::optional<int64_t> sizesLength = lengthOf(op.getSizes());
    bool useScales = op.getScales() && (!op.getSizes() || (scalesLength && *scalesLength > 0));
    bool useSizes = op.getSizes() && (!op.getScales() || (sizesLength && *sizesLength > 0));
    if (useScales == useSizes)
      return rewriter.notifyMatchFailure(
          op, "needs scales or sizes, and when it has both, one empty at compile time");
    std::optional<int64_t> length = useScales ? scalesLength : sizesLength;
    if (length && *length != (int64_t)axes.size())
      return rewriter.notifyMatchFailure(op, "scales or sizes do not match the axes");
    StringRef mode = op.getMode(), transform = op.getCoordinateTransformationMode();
    bool crop = transform == "tf_crop_and_resize";
    std::optional<int64_t> roiLength = lengthOf(op.getRoi());
    if (crop && (!op.getRoi() || (roiLength && *roiLength != 2 * (int64_t)axes.size())))
      return rewriter.notifyMatchFailure(op, "tf_crop_and_resize needs a roi of 2 per axis");
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    Type f64Type = rewriter.getF64Type();
    auto checkLength = [&](Value tensor, int64_t expected, StringRef what) {
      checkEqual(rewriter, loc, getDims(rewriter, loc, tensor)[0], rewriter.getIndexAttr(expected),
                 what + Twine(" has {0} entries; the op resizes {1} axes") +
                     (expected != (int64_t)axes.size() ? " (two per axis)" : ""));
    };
    checkLength(useScales ? op.getScales() : op.getSizes(), axes.size(),
                useScales ? "scales" : "sizes");
    if (crop)
      checkLength(op.getRoi(), 2 * axes.size(), "roi");

    // Scales and output sizes per resized axis.
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getX());
    SmallVector<ResizedAxis> resized;
    for (auto [i, d] : llvm::enumerate(axes)) {
      ResizedAxis axis;
      axis.dim = d;
      axis.in = m.value(inDims[d]);
      axis.inF = indexToF64(rewriter, loc, axis.in);
      if (useScales) {
        axis.scale = elementAt(rewriter, loc, op.getScales(), i, f64Type);
        emitCheck(rewriter, loc,
                  rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, axis.scale,
                                                 f64(rewriter, loc, 0)),
                  "scale " + Twine(i) + " is not positive");
        axis.outF = rewriter.create<arith::MulFOp>(loc, axis.scale, axis.inF);
        axis.out = f64ToIndex(rewriter, loc, axis.outF);
      } else {
        axis.out = elementAt(rewriter, loc, op.getSizes(), i, rewriter.getIndexType());
        axis.scale = rewriter.create<arith::DivFOp>(loc, indexToF64(rewriter, loc, axis.out), axis.inF);
      }
      if (crop) {
        axis.roiStart = elementAt(rewriter, loc, op.getRoi(), i, f64Type);
        axis.roiEnd = elementAt(rewriter, loc, op.getRoi(), axes.size() + i, f64Type);
      }
      resized.push_back(axis);
    }
    StringRef policy = op.getKeepAspectRatioPolicy();
    if (useSizes && policy != "stretch") {
      // One scale for every axis, the smallest (not_larger) or the largest.
      Value scale = resized[0].scale;
      for (const ResizedAxis &axis : llvm::drop_begin(resized))
        scale = policy == "not_larger"
                    ? rewriter.create<arith::MinimumFOp>(loc, scale, axis.scale).getResult()
                    : rewriter.create<arith::MaximumFOp>(loc, scale, axis.scale).getResult();
      for (ResizedAxis &axis : resized) {
        axis.scale = scale;
        Value exact = rewriter.create<arith::MulFOp>(loc, scale, axis.inF);
        axis.out = f64ToIndex(rewriter, loc,
                              rewriter.create<arith::AddFOp>(loc, exact, f64(rewriter, loc, 0.5)));
      }
    }
    for (ResizedAxis &axis : resized) {
      if (!useScales || policy != "stretch")
        axis.outF = rewriter.create<arith::MulFOp>(loc, axis.scale, axis.inF);
      if (!resultType.isDynamicDim(axis.dim))
        checkEqual(rewriter, loc, axis.out, rewriter.getIndexAttr(resultType.getDimSize(axis.dim)),
                   "output dim " + Twine(axis.dim) + " is {0}, but the model says {1}");
    }
    SmallVector<OpFoldResult> outDims(inDims);
    for (ResizedAxis &axis : resized)
      outDims[axis.dim] = resultType.isDynamicDim(axis.dim)
                              ? OpFoldResult(axis.out)
                              : rewriter.getIndexAttr(resultType.getDimSize(axis.dim));

    Value result = mode == "nearest"
                       ? nearest(rewriter, loc, op, resultType, outDims, resized)
                       : interpolate(rewriter, loc, op, resultType, resized);
    if (result.getType() != resultType)
      result = castChecked(rewriter, loc, result, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// One gather: every resized axis rounds x_ori to an input index.
  static Value nearest(OpBuilder &b, Location loc, ResizeOp op, RankedTensorType resultType,
                       ArrayRef<OpFoldResult> outDims, ArrayRef<ResizedAxis> resized) {
    Value x = op.getX();
    int64_t rank = resultType.getRank();
    StringRef transform = op.getCoordinateTransformationMode();
    std::string nearestMode = op.getNearestMode().str();
    bool crop = transform == "tf_crop_and_resize";
    Type element = resultType.getElementType();
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    return buildParallelGeneric(
        b, loc, {}, {}, emptyTensor(b, loc, resultType, outDims),
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(nb.create<linalg::IndexOp>(l, d));
          Value outside;
          for (const ResizedAxis &axis : resized) {
            Value y = indexToF64(nb, l, coords[axis.dim]);
            Value xo = sourceCoordinate(nb, l, transform, axis, y);
            Value floor = nb.create<math::FloorOp>(l, xo);
            Value rounded;
            if (nearestMode == "floor") {
              rounded = floor;
            } else if (nearestMode == "ceil") {
              rounded = nb.create<math::CeilOp>(l, xo);
            } else {
              // Round half down (round_prefer_floor) or up (round_prefer_ceil).
              Value frac = nb.create<arith::SubFOp>(l, xo, floor);
              auto pred = nearestMode == "round_prefer_ceil" ? arith::CmpFPredicate::OGE
                                                             : arith::CmpFPredicate::OGT;
              Value up = nb.create<arith::CmpFOp>(l, pred, frac, f64(nb, l, 0.5));
              rounded = nb.create<arith::SelectOp>(
                  l, up, nb.create<arith::AddFOp>(l, floor, f64(nb, l, 1)), floor);
            }
            Value zero = nb.create<arith::ConstantIndexOp>(l, 0);
            Value last = nb.create<arith::SubIOp>(l, axis.in, nb.create<arith::ConstantIndexOp>(l, 1));
            Value index = f64ToIndex(nb, l, rounded);
            coords[axis.dim] = nb.create<arith::MinSIOp>(l, nb.create<arith::MaxSIOp>(l, index, zero), last);
            if (crop) {
              Value below = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, xo, f64(nb, l, 0));
              Value above = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, xo,
                                                     nb.create<arith::SubFOp>(l, axis.inF, f64(nb, l, 1)));
              Value out = nb.create<arith::OrIOp>(l, below, above);
              outside = outside ? nb.create<arith::OrIOp>(l, outside, out).getResult() : out;
            }
          }
          Value v = nb.create<tensor::ExtractOp>(l, x, coords);
          if (outside)
            v = nb.create<arith::SelectOp>(l, outside, scalarConstant(nb, l, element, extrapolation), v);
          return v;
        });
  }

  /// Linear or cubic: one weighted-sum pass per resized axis, in f64.
  static Value interpolate(OpBuilder &b, Location loc, ResizeOp op, RankedTensorType resultType,
                           ArrayRef<ResizedAxis> resized) {
    Type f64Type = b.getF64Type();
    Type element = resultType.getElementType();
    bool isUnsigned = isUnsignedOperand(op, 0);
    Value data = mapUnaryTo(b, loc, op.getX(), f64Type, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return castScalar(nb, l, a[0], f64Type, isUnsigned);
    });
    for (const ResizedAxis &axis : resized)
      data = interpolateAxis(b, loc, op, data, axis);
    // Back to the input's type: integers rounded (half to even) and saturated.
    return mapUnaryTo(b, loc, data, element, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
      Value v = a[0];
      if (isa<FloatType>(element))
        return castScalar(nb, l, v, element);
      v = nb.create<math::RoundEvenOp>(l, v);
      unsigned width = element.getIntOrFloatBitWidth();
      double lo = isUnsigned ? 0 : -std::ldexp(1.0, width - 1);
      double hi = isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
      v = nb.create<arith::MinimumFOp>(l, nb.create<arith::MaximumFOp>(l, v, f64(nb, l, lo)), f64(nb, l, hi));
      return castScalar(nb, l, v, element, false, isUnsigned);
    });
  }

  static Value interpolateAxis(OpBuilder &b, Location loc, ResizeOp op, Value data,
                               const ResizedAxis &axis) {
    auto type = cast<RankedTensorType>(data.getType());
    SmallVector<OpFoldResult> dims = getDims(b, loc, data);
    dims[axis.dim] = axis.out;
    SmallVector<int64_t> shape(type.getShape());
    shape[axis.dim] = ShapedType::kDynamic;
    auto outType = RankedTensorType::get(shape, type.getElementType());
    bool cubic = op.getMode() == "cubic";
    bool antialias = op.getAntialias() != 0;
    bool exclude = op.getExcludeOutside() != 0;
    StringRef transform = op.getCoordinateTransformationMode();
    double a = op.getCubicCoeffA().convertToDouble();
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    int64_t rank = type.getRank();
    return buildParallelGeneric(
        b, loc, {}, {}, emptyTensor(b, loc, outType, dims),
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          auto c = [&](double v) { return f64(nb, l, v); };
          auto add = [&](Value x, Value y) { return nb.create<arith::AddFOp>(l, x, y).getResult(); };
          auto sub = [&](Value x, Value y) { return nb.create<arith::SubFOp>(l, x, y).getResult(); };
          auto mul = [&](Value x, Value y) { return nb.create<arith::MulFOp>(l, x, y).getResult(); };
          auto fcmp = [&](arith::CmpFPredicate p, Value x, Value y) {
            return nb.create<arith::CmpFOp>(l, p, x, y).getResult();
          };
          auto sel = [&](Value cond, Value x, Value y) {
            return nb.create<arith::SelectOp>(l, cond, x, y).getResult();
          };
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(nb.create<linalg::IndexOp>(l, d));
          Value y = indexToF64(nb, l, coords[axis.dim]);
          Value xo = sourceCoordinate(nb, l, transform, axis, y);
          Value xInt = nb.create<math::FloorOp>(l, xo);
          // ratio in (0, 1]: an integral x_ori prefers the pixel on its left.
          Value ratio = sel(fcmp(arith::CmpFPredicate::OEQ, xo, xInt), c(1), sub(xo, xInt));
          // Taps: 2 (linear), 4 (cubic), or a footprint widened by 1 / scale
          // when antialiasing a downscale.
          Value s = nb.create<arith::MinimumFOp>(l, axis.scale, c(1));
          Value firstTap; // i_start of the reference, an f64 integer
          Value taps;     // index
          if (antialias) {
            firstTap = add(nb.create<math::FloorOp>(l, nb.create<arith::DivFOp>(l, c(cubic ? -2 : -1), s)), c(1));
            taps = f64ToIndex(nb, l, sub(c(2), mul(c(2), firstTap)));
          } else {
            taps = nb.create<arith::ConstantIndexOp>(l, cubic ? 4 : 2);
          }
          // The first tap's index: the window of n taps closest to x_ori,
          // ties to the smaller index (as the reference picks neighbours).
          Value n = indexToF64(nb, l, taps);
          Value pad = nb.create<math::CeilOp>(l, nb.create<arith::DivFOp>(l, n, c(2)));
          Value xp = add(xo, pad);
          Value p = nb.create<math::FloorOp>(l, xp);
          Value frac = sub(xp, p);
          Value halfN = nb.create<math::FloorOp>(l, nb.create<arith::DivFOp>(l, n, c(2)));
          Value isEven = fcmp(arith::CmpFPredicate::OEQ, mul(halfN, c(2)), n);
          Value evenOffset = sel(fcmp(arith::CmpFPredicate::OEQ, frac, c(0)), sub(c(0), halfN),
                                 add(sub(c(0), halfN), c(1)));
          Value oddBase = sub(c(0), nb.create<math::FloorOp>(l, nb.create<arith::DivFOp>(l, sub(n, c(1)), c(2))));
          Value oddOffset = sel(fcmp(arith::CmpFPredicate::OLE, frac, c(0.5)), oddBase, add(oddBase, c(1)));
          Value start = sub(add(p, sel(isEven, evenOffset, oddOffset)), pad);
          Value startIndex = f64ToIndex(nb, l, start);
          Value zero = nb.create<arith::ConstantIndexOp>(l, 0);
          Value one = nb.create<arith::ConstantIndexOp>(l, 1);
          Value last = nb.create<arith::SubIOp>(l, axis.in, one);
          auto loop = nb.create<scf::ForOp>(
              l, zero, taps, one, ValueRange{c(0), c(0)},
              [&](OpBuilder &fb, Location fl, Value k, ValueRange acc) {
                auto fc = [&](double v) { return f64(fb, fl, v); };
                auto fadd = [&](Value x, Value y) { return fb.create<arith::AddFOp>(fl, x, y).getResult(); };
                auto fsub = [&](Value x, Value y) { return fb.create<arith::SubFOp>(fl, x, y).getResult(); };
                auto fmul = [&](Value x, Value y) { return fb.create<arith::MulFOp>(fl, x, y).getResult(); };
                auto fsel = [&](Value cond, Value x, Value y) {
                  return fb.create<arith::SelectOp>(fl, cond, x, y).getResult();
                };
                Value kF = indexToF64(fb, fl, k);
                Value coeff;
                if (antialias) {
                  // Kernels stretched by 1 / scale: x = scale * (i - ratio).
                  Value x = fb.create<math::AbsFOp>(fl, fmul(s, fsub(fadd(firstTap, kF), ratio)));
                  if (cubic) {
                    Value x2 = fmul(x, x), x3 = fmul(x2, x);
                    Value near = fadd(fsub(fmul(fc(a + 2), x3), fmul(fc(a + 3), x2)), fc(1));
                    Value far = fsub(fadd(fsub(fmul(fc(a), x3), fmul(fc(5 * a), x2)), fmul(fc(8 * a), x)), fc(4 * a));
                    Value le1 = fb.create<arith::CmpFOp>(fl, arith::CmpFPredicate::OLE, x, fc(1));
                    Value lt2 = fb.create<arith::CmpFOp>(fl, arith::CmpFPredicate::OLT, x, fc(2));
                    coeff = fsel(le1, near, fsel(lt2, far, fc(0)));
                  } else {
                    coeff = fb.create<arith::MaximumFOp>(fl, fsub(fc(1), x), fc(0));
                  }
                } else if (cubic) {
                  // The four cubic convolution weights at distances 1+r, r, 1-r, 2-r.
                  Value r = ratio, q = fsub(fc(1), ratio);
                  Value r1 = fadd(r, fc(1)), q1 = fadd(q, fc(1));
                  auto outer = [&](Value t) {
                    return fsub(fmul(fadd(fmul(fsub(fmul(fc(a), t), fc(5 * a)), t), fc(8 * a)), t), fc(4 * a));
                  };
                  auto inner = [&](Value t) {
                    return fadd(fmul(fmul(fsub(fmul(fc(a + 2), t), fc(a + 3)), t), t), fc(1));
                  };
                  Value w[4] = {outer(r1), inner(r), inner(q), outer(q1)};
                  coeff = w[3];
                  for (int j = 2; j >= 0; --j)
                    coeff = fsel(fb.create<arith::CmpIOp>(fl, arith::CmpIPredicate::eq, k,
                                                          fb.create<arith::ConstantIndexOp>(fl, j)),
                                 w[j], coeff);
                } else {
                  Value isFirst = fb.create<arith::CmpIOp>(fl, arith::CmpIPredicate::eq, k, zero);
                  coeff = fsel(isFirst, fsub(fc(1), ratio), ratio);
                }
                Value index = fb.create<arith::AddIOp>(fl, startIndex, k);
                if (exclude) {
                  Value inside = fb.create<arith::AndIOp>(
                      fl, fb.create<arith::CmpIOp>(fl, arith::CmpIPredicate::sge, index, zero),
                      fb.create<arith::CmpIOp>(fl, arith::CmpIPredicate::slt, index, axis.in));
                  coeff = fsel(inside, coeff, fc(0));
                }
                SmallVector<Value> at(coords);
                at[axis.dim] = fb.create<arith::MinSIOp>(fl, fb.create<arith::MaxSIOp>(fl, index, zero), last);
                Value v = fb.create<tensor::ExtractOp>(fl, data, at);
                fb.create<scf::YieldOp>(fl, ValueRange{fadd(acc[0], fmul(coeff, v)), fadd(acc[1], coeff)});
              });
          Value sum = loop.getResult(0);
          if (antialias || exclude) {
            Value total = loop.getResult(1);
            total = sel(fcmp(arith::CmpFPredicate::OEQ, total, c(0)), c(1), total);
            sum = nb.create<arith::DivFOp>(l, sum, total);
          }
          if (transform == "tf_crop_and_resize") {
            Value outside = nb.create<arith::OrIOp>(
                l, fcmp(arith::CmpFPredicate::OLT, xo, c(0)),
                fcmp(arith::CmpFPredicate::OGT, xo, sub(axis.inF, c(1))));
            sum = sel(outside, c(extrapolation), sum);
          }
          return sum;
        });
  }
};

} // namespace

void populateResizeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerResize>(patterns.getContext());
}

} // namespace ingot::lowering
