//===- LowerNormalization.cpp - Softmax, normalizations, reductions -------===//
//
// Reductions along axes and the ops built from them: Softmax/LogSoftmax
// (max-subtracted, as ONNX Runtime computes them), LayerNormalization and
// InstanceNormalization (mean, then variance of the centred values),
// ReduceX and ArgMax/ArgMin.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

/// Map reading a tensor reduced over `axes` (dims dropped) from the full space.
AffineMap reducedMap(MLIRContext *ctx, int64_t rank, ArrayRef<int64_t> axes) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(axes, i))
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value addF(OpBuilder &b, Location l, Value v, Value acc) { return b.create<arith::AddFOp>(l, acc, v); }
Value maxF(OpBuilder &b, Location l, Value v, Value acc) { return b.create<arith::MaximumFOp>(l, acc, v); }

/// The number of elements over `axes` as a float of `type`.
Value countOf(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Type type) {
  SmallVector<OpFoldResult> dims = getDims(b, loc, input);
  Value count = b.create<arith::ConstantIndexOp>(loc, 1);
  for (int64_t axis : axes)
    count = b.create<arith::MulIOp>(loc, count, toValue(b, loc, dims[axis]));
  return b.create<arith::SIToFPOp>(loc, type, b.create<arith::IndexCastOp>(loc, b.getI64Type(), count));
}

/// Softmax (log = false) or LogSoftmax (log = true) of `x` along `axis`.
Value softmax(OpBuilder &b, Location loc, Value x, int64_t axis, bool log) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = b.getMultiDimIdentityMap(rank), reduced = reducedMap(ctx, rank, {axis});
  Value max = reduce(b, loc, x, {axis}, false, extremeConstant(b, loc, element, true), maxF);
  Value shifted = mapLike(b, loc, x, {x, max}, {identity, reduced},
                          [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                            return nb.create<arith::SubFOp>(l, a[0], a[1]);
                          });
  Value exps = mapUnary(b, loc, shifted, [](OpBuilder &nb, Location l, ValueRange a) -> Value {
    return nb.create<math::ExpOp>(l, a[0]);
  });
  Value sum = reduce(b, loc, exps, {axis}, false, scalarConstant(b, loc, element, 0), addF);
  if (log)
    return mapLike(b, loc, x, {shifted, sum}, {identity, reduced},
                   [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                     return nb.create<arith::SubFOp>(l, a[0], nb.create<math::LogOp>(l, a[1]));
                   });
  return mapLike(b, loc, x, {exps, sum}, {identity, reduced},
                 [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   return nb.create<arith::DivFOp>(l, a[0], a[1]);
                 });
}

template <typename OpTy, bool isLog>
struct LowerSoftmax : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor");
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), type.getRank());
    rewriter.replaceOp(op, softmax(rewriter, op.getLoc(), op.getInput(), axis, isLog));
    return success();
  }
};

/// Mean and 1/sqrt(variance + epsilon) of `x` over `axes`, both reduced.
std::pair<Value, Value> moments(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                                double epsilon) {
  auto type = cast<RankedTensorType>(x.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap reduced = reducedMap(b.getContext(), rank, axes);
  Value count = countOf(b, loc, x, axes, element);
  Value zero = scalarConstant(b, loc, element, 0);
  Value sum = reduce(b, loc, x, axes, false, zero, addF);
  Value mean = mapUnary(b, loc, sum, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    return nb.create<arith::DivFOp>(l, a[0], count);
  });
  Value squares = mapLike(b, loc, x, {x, mean}, {identity, reduced},
                          [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                            Value d = nb.create<arith::SubFOp>(l, a[0], a[1]);
                            return nb.create<arith::MulFOp>(l, d, d);
                          });
  Value sumSquares = reduce(b, loc, squares, axes, false, zero, addF);
  Value invStd = mapUnary(
      b, loc, sumSquares, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value var = nb.create<arith::DivFOp>(l, a[0], count);
        Value eps = scalarConstant(nb, l, var.getType(), epsilon);
        return reciprocalSqrt(nb, l, nb.create<arith::AddFOp>(l, var, eps));
      });
  return {mean, invStd};
}

struct LowerLayerNormalization : OpRewritePattern<LayerNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormalizationOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!type || !isa<FloatType>(type.getElementType()) ||
        !isa<RankedTensorType>(op.getScale().getType()) ||
        llvm::any_of(op->getResultTypes(), [&](Type t) {
          return getElementTypeOrSelf(t) != type.getElementType() || !isa<RankedTensorType>(t);
        }))
      return rewriter.notifyMatchFailure(op, "needs ranked tensors of one float type");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    SmallVector<int64_t> axes;
    for (int64_t i = axis; i < rank; ++i)
      axes.push_back(i);
    auto [mean, invStd] = moments(rewriter, loc, op.getX(), axes, op.getEpsilon().convertToDouble());
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = reducedMap(getContext(), rank, axes);
    SmallVector<Value> inputs{op.getX(), mean, invStd, op.getScale()};
    SmallVector<AffineMap> maps{identity, reduced, reduced,
                                broadcastMap(getContext(), cast<RankedTensorType>(op.getScale().getType()), type)};
    if (Value bias = op.getB()) {
      inputs.push_back(bias);
      maps.push_back(broadcastMap(getContext(), cast<RankedTensorType>(bias.getType()), type));
    }
    Value y = mapLike(rewriter, loc, op.getX(), inputs, maps,
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        Value normal = b.create<arith::MulFOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]), a[2]);
                        Value scaled = b.create<arith::MulFOp>(l, normal, a[3]);
                        return a.size() > 4 ? b.create<arith::AddFOp>(l, scaled, a[4]).getResult() : scaled;
                      });
    // Mean and InvStdDev, when asked for, keep the normalized dims as 1s.
    SmallVector<Value> results{y};
    const auto &segments = op.getProperties().resultSegmentSizes;
    SmallVector<OpFoldResult> keptDims = getDims(rewriter, loc, op.getX());
    for (int64_t a : axes)
      keptDims[a] = rewriter.getIndexAttr(1);
    unsigned next = 1;
    if (segments[1])
      results.push_back(reshapeTo(rewriter, loc, mean, cast<RankedTensorType>(op->getResult(next++).getType()), keptDims));
    if (segments[2])
      results.push_back(reshapeTo(rewriter, loc, invStd, cast<RankedTensorType>(op->getResult(next++).getType()), keptDims));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerInstanceNormalization : OpRewritePattern<InstanceNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(InstanceNormalizationOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i < rank; ++i)
      axes.push_back(i);
    auto [mean, invStd] = moments(rewriter, loc, op.getInput(), axes, op.getEpsilon().convertToDouble());
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = reducedMap(getContext(), rank, axes);
    AffineMap channel = AffineMap::get(rank, 0, {rewriter.getAffineDimExpr(1)}, getContext());
    Value y = mapLike(rewriter, loc, op.getInput(), {op.getInput(), mean, invStd, op.getScale(), op.getB()},
                      {identity, reduced, reduced, channel, channel},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        Value normal = b.create<arith::MulFOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]), a[2]);
                        return b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, normal, a[3]), a[4]);
                      });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// The reduction axes of a ReduceX op: the constant `axes` operand, or all
/// dims; nullopt when the axes are not constant.
template <typename OpTy>
std::optional<SmallVector<int64_t>> reductionAxes(OpTy op, int64_t rank) {
  SmallVector<int64_t> axes;
  if (Value axesOperand = op.getAxes()) {
    auto constant = getConstantInts(axesOperand);
    if (!constant)
      return std::nullopt;
    for (int64_t axis : *constant)
      axes.push_back(*normalizeAxis(axis, rank));
  }
  if (axes.empty() && !op.getNoopWithEmptyAxes())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L2, SumSquare };

template <typename OpTy, ReduceKind kind>
struct LowerReduce : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Type element = type.getElementType();
    bool isFloat = isa<FloatType>(element);
    if (!isFloat && (kind == ReduceKind::Mean || kind == ReduceKind::L2))
      return rewriter.notifyMatchFailure(op, "integer mean/L2");
    auto axes = reductionAxes(op, type.getRank());
    if (!axes)
      return rewriter.notifyMatchFailure(op, "axes are not constant");
    Location loc = op.getLoc();
    if (axes->empty()) {
      rewriter.replaceOp(op, op.getData());
      return success();
    }
    Value input = op.getData();
    if (kind == ReduceKind::L2 || kind == ReduceKind::SumSquare)
      input = mapUnary(rewriter, loc, input, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return isFloat ? b.create<arith::MulFOp>(l, a[0], a[0]).getResult()
                                       : b.create<arith::MulIOp>(l, a[0], a[0]).getResult();
                      });
    // For bool, Max is "any" and Min is "all".
    bool isBool = element.isInteger(1);
    bool isUnsigned = isUnsignedOperand(op, 0);
    Value init;
    switch (kind) {
    case ReduceKind::Max: init = extremeConstant(rewriter, loc, element, true, isUnsigned); break;
    case ReduceKind::Min: init = extremeConstant(rewriter, loc, element, false, isUnsigned); break;
    case ReduceKind::Prod: init = scalarConstant(rewriter, loc, element, 1); break;
    default: init = scalarConstant(rewriter, loc, element, 0); break;
    }
    bool keepDims = op.getKeepdims() != 0;
    Value result = reduce(rewriter, loc, input, *axes, false, init,
                          [&](OpBuilder &b, Location l, Value v, Value acc) -> Value {
                            switch (kind) {
                            case ReduceKind::Max:
                              if (isBool)
                                return b.create<arith::OrIOp>(l, acc, v).getResult();
                              if (isFloat)
                                return b.create<arith::MaximumFOp>(l, acc, v).getResult();
                              return isUnsigned ? b.create<arith::MaxUIOp>(l, acc, v).getResult()
                                                : b.create<arith::MaxSIOp>(l, acc, v).getResult();
                            case ReduceKind::Min:
                              if (isBool)
                                return b.create<arith::AndIOp>(l, acc, v).getResult();
                              if (isFloat)
                                return b.create<arith::MinimumFOp>(l, acc, v).getResult();
                              return isUnsigned ? b.create<arith::MinUIOp>(l, acc, v).getResult()
                                                : b.create<arith::MinSIOp>(l, acc, v).getResult();
                            case ReduceKind::Prod:
                              return isFloat ? b.create<arith::MulFOp>(l, acc, v).getResult()
                                             : b.create<arith::MulIOp>(l, acc, v).getResult();
                            default:
                              return isFloat ? b.create<arith::AddFOp>(l, acc, v).getResult()
                                             : b.create<arith::AddIOp>(l, acc, v).getResult();
                            }
                          });
    if (kind == ReduceKind::Mean || kind == ReduceKind::L2) {
      Value count = countOf(rewriter, loc, op.getData(), *axes, element);
      result = mapUnary(rewriter, loc, result, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                      if (kind == ReduceKind::Mean)
                                        return b.create<arith::DivFOp>(l, a[0], count);
                                      return b.create<math::SqrtOp>(l, a[0]);
                                    });
    }
    if (keepDims) {
      SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getData());
      for (int64_t axis : *axes)
        dims[axis] = rewriter.getIndexAttr(1);
      result = reshapeTo(rewriter, loc, result, resultType, dims);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ArgMax/ArgMin: a reduction carrying (best value, its index).
template <typename OpTy, bool isMax>
struct LowerArgReduce : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    MLIRContext *ctx = this->getContext();
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    bool last = op.getSelectLastIndex() != 0;
    bool isFloat = isa<FloatType>(type.getElementType());
    bool isUnsigned = isUnsignedOperand(op, 0);
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getData());
    SmallVector<OpFoldResult> keptDims;
    SmallVector<int64_t> keptShape;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis) {
        keptDims.push_back(dims[i]);
        keptShape.push_back(type.getDimSize(i));
      }
    auto valueType = RankedTensorType::get(keptShape, type.getElementType());
    auto indexType = RankedTensorType::get(keptShape, rewriter.getI64Type());
    Value valueInit = rewriter.create<linalg::FillOp>(
        loc, extremeConstant(rewriter, loc, type.getElementType(), isMax, isUnsigned),
        emptyTensor(rewriter, loc, valueType, keptDims)).getResult(0);
    Value indexInit = rewriter.create<linalg::FillOp>(
        loc, scalarConstant(rewriter, loc, rewriter.getI64Type(), 0),
        emptyTensor(rewriter, loc, indexType, keptDims)).getResult(0);
    AffineMap reduced = reducedMap(ctx, rank, {axis});
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators[axis] = utils::IteratorType::reduction;
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{valueType, indexType}, op.getData(), ValueRange{valueInit, indexInit},
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(rank), reduced, reduced}, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value index = b.create<arith::IndexCastOp>(l, b.getI64Type(),
                                                     b.create<linalg::IndexOp>(l, axis));
          Value better;
          if (isFloat) {
            // NaN wins, as in ONNX Runtime: it is never replaced once chosen.
            auto pred = isMax ? (last ? arith::CmpFPredicate::UGE : arith::CmpFPredicate::UGT)
                              : (last ? arith::CmpFPredicate::ULE : arith::CmpFPredicate::ULT);
            Value accIsNan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, a[1], a[1]);
            better = b.create<arith::AndIOp>(
                l, b.create<arith::CmpFOp>(l, pred, a[0], a[1]),
                b.create<arith::XOrIOp>(l, accIsNan, b.create<arith::ConstantIntOp>(l, 1, 1)));
          } else {
            using P = arith::CmpIPredicate;
            P pred = isMax ? (last ? (isUnsigned ? P::uge : P::sge) : (isUnsigned ? P::ugt : P::sgt))
                           : (last ? (isUnsigned ? P::ule : P::sle) : (isUnsigned ? P::ult : P::slt));
            better = b.create<arith::CmpIOp>(l, pred, a[0], a[1]);
          }
          b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::SelectOp>(l, better, a[0], a[1]),
                                                  b.create<arith::SelectOp>(l, better, index, a[2])});
        });
    Value result = generic.getResult(1);
    if (op.getKeepdims()) {
      dims[axis] = rewriter.getIndexAttr(1);
      result = reshapeTo(rewriter, loc, result, resultType, dims);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNormalizationToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<LowerSoftmax<SoftmaxOp, false>, LowerSoftmax<LogSoftmaxOp, true>,
               LowerLayerNormalization, LowerInstanceNormalization>(ctx);
  patterns.add<LowerReduce<ReduceSumOp, ReduceKind::Sum>, LowerReduce<ReduceMeanOp, ReduceKind::Mean>,
               LowerReduce<ReduceMaxOp, ReduceKind::Max>, LowerReduce<ReduceMinOp, ReduceKind::Min>,
               LowerReduce<ReduceProdOp, ReduceKind::Prod>, LowerReduce<ReduceL2Op, ReduceKind::L2>,
               LowerReduce<ReduceSumSquareOp, ReduceKind::SumSquare>>(ctx);
  patterns.add<LowerArgReduce<ArgMaxOp, true>, LowerArgReduce<ArgMinOp, false>>(ctx);
}

} // namespace ingot::lowering
