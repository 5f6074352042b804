//===- LowerQuantization.cpp - QuantizeLinear, DequantizeLinear, BitCast --===//
//
// Quantization is elementwise, each element reading the scale (and zero
// point) of its granularity: one for the tensor, one per index along the
// axis, or one per block of block_size along it. Quantize divides in the
// precision attribute's type (else the scale's), rounds half to even, adds
// the zero point and saturates to the output type (float8: the format's own
// saturating or non-saturating rounding). Dequantize subtracts the zero
// point in integers (exact), then multiplies in the output type.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

/// How an element of `x` finds its scale.
struct Granularity {
  enum Kind { PerTensor, PerAxis, Blocked } kind;
  int64_t axis = 0, block = 1;
};

/// One scale for the whole tensor (a scalar, or [1] without blocks).
bool isSingleScale(RankedTensorType scale, int64_t blockSize) {
  return scale.getRank() == 0 || (scale.getRank() == 1 && scale.getDimSize(0) == 1 && blockSize == 0);
}

FailureOr<Granularity> granularityOf(OpBuilder &b, Location loc, Value x, Value scale,
                                     int64_t axisAttr, int64_t blockSize) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto sType = cast<RankedTensorType>(scale.getType());
  int64_t rank = xType.getRank();
  Granularity g{Granularity::PerTensor};
  if (isSingleScale(sType, blockSize))
    return g;
  std::optional<int64_t> axis = normalizeAxis(axisAttr, std::max<int64_t>(rank, 1));
  // Decided before any op is built: a pattern that fails must leave the IR as it was.
  if (!axis || (blockSize > 0 && sType.getRank() != rank) || (blockSize <= 0 && sType.getRank() != 1))
    return failure();
  g.axis = *axis;
  SmallVector<OpFoldResult> xDims = getDims(b, loc, x), sDims = getDims(b, loc, scale);
  IndexMath m{b, loc};
  if (blockSize > 0) {
    if (sType.getRank() != rank)
      return failure();
    g.kind = Granularity::Blocked;
    g.block = blockSize;
    for (int64_t d = 0; d < rank; ++d) {
      OpFoldResult expected = d == g.axis ? m.ceilDiv(xDims[d], blockSize) : xDims[d];
      checkEqual(b, loc, sDims[d], expected,
                 "scale dim " + Twine(d) + " is {0}; blocks of " + Twine(blockSize) + " need {1}");
    }
    return g;
  }
  if (sType.getRank() != 1)
    return failure();
  g.kind = Granularity::PerAxis;
  checkEqual(b, loc, sDims[0], xDims[g.axis],
             "the scale has {0} entries for an axis of {1}");
  return g;
}

SmallVector<Value> scaleCoords(OpBuilder &b, Location loc, const Granularity &g, int64_t rank) {
  switch (g.kind) {
  case Granularity::PerTensor:
    return {};
  case Granularity::PerAxis:
    return {b.create<linalg::IndexOp>(loc, g.axis)};
  case Granularity::Blocked: {
    SmallVector<Value> at;
    for (int64_t d = 0; d < rank; ++d) {
      Value i = b.create<linalg::IndexOp>(loc, d);
      at.push_back(d == g.axis ? b.create<arith::DivUIOp>(loc, i, b.create<arith::ConstantIndexOp>(loc, g.block)).getResult()
                               : i);
    }
    return at;
  }
  }
  return {};
}

/// Whether the zero point can be read where the scale is: one value for a
/// single scale, else the scale's rank (its dims are checked at run time).
bool zeroPointFits(Value scale, Value zeroPoint, int64_t blockSize) {
  if (!zeroPoint)
    return true;
  auto sType = cast<RankedTensorType>(scale.getType());
  auto zType = dyn_cast<RankedTensorType>(zeroPoint.getType());
  if (!zType)
    return false;
  if (isSingleScale(sType, blockSize))
    return zType.getRank() <= 1;
  return zType.getRank() == sType.getRank();
}

/// The zero point has the scale's shape (one element for a single scale).
void checkZeroPointShape(OpBuilder &b, Location loc, Value scale, Value zeroPoint, int64_t blockSize) {
  if (!zeroPoint)
    return;
  SmallVector<OpFoldResult> zDims = getDims(b, loc, zeroPoint);
  if (isSingleScale(cast<RankedTensorType>(scale.getType()), blockSize)) {
    for (OpFoldResult d : zDims)
      checkEqual(b, loc, d, b.getIndexAttr(1), "the zero point has {0} elements for one scale");
    return;
  }
  SmallVector<OpFoldResult> sDims = getDims(b, loc, scale);
  for (size_t d = 0; d < sDims.size(); ++d)
    checkEqual(b, loc, zDims[d], sDims[d], "the zero point's dim " + Twine(d) + " is {0}, the scale's {1}");
}

/// Element `at` of a scale or zero point tensor (a [1] tensor reads index 0).
Value readParameter(OpBuilder &b, Location loc, Value tensor, ArrayRef<Value> at) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (at.empty() && type.getRank() == 1)
    return b.create<tensor::ExtractOp>(loc, tensor, ValueRange{b.create<arith::ConstantIndexOp>(loc, 0)});
  return b.create<tensor::ExtractOp>(loc, tensor, at);
}

struct LowerQuantizeLinear : OpRewritePattern<QuantizeLinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeLinearOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !resultType || !isa<RankedTensorType>(op.getYScale().getType()))
      return rewriter.notifyMatchFailure(op, "unranked");
    if (!zeroPointFits(op.getYScale(), op.getYZeroPoint(), (int64_t)op.getBlockSize()))
      return rewriter.notifyMatchFailure(op, "needs a zero point shaped like the scale");
    Location loc = op.getLoc();
    FailureOr<Granularity> g = granularityOf(rewriter, loc, op.getX(), op.getYScale(),
                                             (int64_t)op.getAxis(), (int64_t)op.getBlockSize());
    if (failed(g))
      return rewriter.notifyMatchFailure(op, "the scale's shape fits no quantization granularity");
    checkZeroPointShape(rewriter, loc, op.getYScale(), op.getYZeroPoint(), (int64_t)op.getBlockSize());
    Type element = resultType.getElementType();
    Type compute = getElementTypeOrSelf(op.getYScale().getType());
    if (int64_t precision = (int64_t)op.getPrecision())
      compute = getElementTypeForOnnx(getContext(), precision);
    if (!isa<FloatType>(compute) || isFloat8(compute))
      compute = rewriter.getF32Type();
    bool toUnsigned = isUnsignedResult(op, 0), zpUnsigned = isUnsignedOperand(op, 2);
    bool saturate = op.getSaturate() != 0;
    int64_t rank = xType.getRank();
    Value scale = op.getYScale(), zeroPoint = op.getYZeroPoint();
    rewriter.replaceOp(op, mapUnaryTo(rewriter, loc, op.getX(), element,
                                      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      SmallVector<Value> at = scaleCoords(b, l, *g, rank);
      Value x = castScalar(b, l, a[0], compute);
      Value s = castScalar(b, l, readParameter(b, l, scale, at), compute);
      Value v = b.create<arith::DivFOp>(l, x, s);
      Value zp = zeroPoint ? castScalar(b, l, readParameter(b, l, zeroPoint, at), compute, zpUnsigned)
                           : scalarConstant(b, l, compute, 0);
      if (isFloat8(element))
        return encodeFloat8(b, l, b.create<arith::AddFOp>(l, v, zp), element, saturate);
      // round(x / s) + zp, saturated to the integer type.
      v = b.create<arith::AddFOp>(l, b.create<math::RoundEvenOp>(l, v), zp);
      unsigned width = element.getIntOrFloatBitWidth();
      double lo = toUnsigned ? 0 : -std::ldexp(1.0, width - 1);
      double hi = toUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
      // f32 cannot hold every int32: clamp in f64.
      Type f64 = b.getF64Type();
      v = castScalar(b, l, v, f64);
      v = b.create<arith::MinimumFOp>(l, b.create<arith::MaximumFOp>(l, v, scalarConstant(b, l, f64, lo)),
                                      scalarConstant(b, l, f64, hi));
      return castScalar(b, l, v, element, false, toUnsigned);
    }));
    return success();
  }
};

struct LowerDequantizeLinear : OpRewritePattern<DequantizeLinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeLinearOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !resultType || !isa<RankedTensorType>(op.getXScale().getType()))
      return rewriter.notifyMatchFailure(op, "unranked");
    if (!zeroPointFits(op.getXScale(), op.getXZeroPoint(), (int64_t)op.getBlockSize()))
      return rewriter.notifyMatchFailure(op, "needs a zero point shaped like the scale");
    Location loc = op.getLoc();
    FailureOr<Granularity> g = granularityOf(rewriter, loc, op.getX(), op.getXScale(),
                                             (int64_t)op.getAxis(), (int64_t)op.getBlockSize());
    if (failed(g))
      return rewriter.notifyMatchFailure(op, "the scale's shape fits no quantization granularity");
    checkZeroPointShape(rewriter, loc, op.getXScale(), op.getXZeroPoint(), (int64_t)op.getBlockSize());
    Type element = resultType.getElementType();
    Type xElement = xType.getElementType();
    bool xUnsigned = isUnsignedOperand(op, 0), zpUnsigned = isUnsignedOperand(op, 2);
    int64_t rank = xType.getRank();
    Value scale = op.getXScale(), zeroPoint = op.getXZeroPoint();
    rewriter.replaceOp(op, mapUnaryTo(rewriter, loc, op.getX(), element,
                                      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      SmallVector<Value> at = scaleCoords(b, l, *g, rank);
      Value centered;
      if (isFloat8(xElement)) {
        Value x = castScalar(b, l, a[0], b.getF32Type());
        if (zeroPoint)
          x = b.create<arith::SubFOp>(l, x, castScalar(b, l, readParameter(b, l, zeroPoint, at), b.getF32Type()));
        centered = castScalar(b, l, x, element);
      } else {
        // x - zero point in 64-bit integers: exact whatever the types.
        Type i64 = b.getI64Type();
        Value x = castScalar(b, l, a[0], i64, xUnsigned);
        if (zeroPoint)
          x = b.create<arith::SubIOp>(l, x, castScalar(b, l, readParameter(b, l, zeroPoint, at), i64, zpUnsigned));
        centered = castScalar(b, l, x, element);
      }
      Value s = castScalar(b, l, readParameter(b, l, scale, at), element);
      return b.create<arith::MulFOp>(l, centered, s);
    }));
    return success();
  }
};

/// BitCast: the same bits read as another type of the same width.
struct LowerBitCast : OpRewritePattern<BitCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BitCastOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Type element = resultType.getElementType();
    if (type.getElementType() == element) {
      rewriter.replaceOp(op, op.getInput());
      return success();
    }
    rewriter.replaceOp(op, mapUnaryTo(rewriter, op.getLoc(), op.getInput(), element,
                                      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                        // A bool is the byte 0 or 1; a byte read as bool is
                                        // true when not 0.
                                        Value bits = a[0];
                                        if (bits.getType().isInteger(1))
                                          bits = b.create<arith::ExtUIOp>(l, b.getI8Type(), bits);
                                        if (element.isInteger(1)) {
                                          bits = b.create<arith::BitcastOp>(l, b.getI8Type(), bits);
                                          return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, bits,
                                                                         scalarConstant(b, l, b.getI8Type(), 0));
                                        }
                                        return b.create<arith::BitcastOp>(l, element, bits);
                                      }));
    return success();
  }
};

} // namespace

void populateQuantizationToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerQuantizeLinear, LowerDequantizeLinear, LowerBitCast>(patterns.getContext());
}

} // namespace ingot::lowering
