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
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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

/// x / ||x||_p along the axis (p = 1 or 2); a zero norm gives zeros.
struct LowerLpNormalization : OpRewritePattern<LpNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LpNormalizationOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    int64_t p = (int64_t)op.getP();
    if (!type || !isa<FloatType>(type.getElementType()) || (p != 1 && p != 2))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor and p of 1 or 2");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    Type element = type.getElementType();
    Value norm = reduce(rewriter, loc, op.getInput(), {axis}, false, scalarConstant(rewriter, loc, element, 0),
                        [&](OpBuilder &b, Location l, Value v, Value acc) -> Value {
                          Value term = p == 1 ? b.create<math::AbsFOp>(l, v).getResult()
                                              : b.create<arith::MulFOp>(l, v, v).getResult();
                          return b.create<arith::AddFOp>(l, acc, term);
                        });
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = reducedMap(getContext(), rank, {axis});
    rewriter.replaceOp(op, mapLike(rewriter, loc, op.getInput(), {op.getInput(), norm}, {identity, reduced},
                                   [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                     Value n = p == 2 ? b.create<math::SqrtOp>(l, a[1]).getResult() : a[1];
                                     Value zero = scalarConstant(b, l, element, 0);
                                     Value isZero = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, n, zero);
                                     return b.create<arith::SelectOp>(l, isZero, zero,
                                                                      b.create<arith::DivFOp>(l, a[0], n));
                                   }));
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

/// RMSNormalization: x / sqrt(mean(x^2 over the normalized dims) + epsilon)
/// times scale (broadcast to them).
struct LowerRMSNormalization : OpRewritePattern<RMSNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormalizationOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!type || !isa<FloatType>(type.getElementType()) || !isa<RankedTensorType>(op.getScale().getType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float tensors");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    SmallVector<int64_t> axes;
    for (int64_t i = axis; i < rank; ++i)
      axes.push_back(i);
    Type element = type.getElementType();
    Value squares = mapUnary(rewriter, loc, op.getX(), [](OpBuilder &b, Location l, ValueRange a) -> Value {
      return b.create<arith::MulFOp>(l, a[0], a[0]);
    });
    Value sum = reduce(rewriter, loc, squares, axes, false, scalarConstant(rewriter, loc, element, 0), addF);
    Value count = countOf(rewriter, loc, op.getX(), axes, element);
    double epsilon = op.getEpsilon().convertToDouble();
    Value inverse = mapUnary(rewriter, loc, sum, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      Value mean = b.create<arith::DivFOp>(l, a[0], count);
      return reciprocalSqrt(b, l, b.create<arith::AddFOp>(l, mean, scalarConstant(b, l, element, epsilon)));
    });
    Broadcast scale = broadcastOperands(rewriter, loc, op.getScale(), type, 0,
                                        getDims(rewriter, loc, op.getX()));
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Value y = mapLike(rewriter, loc, op.getX(), {op.getX(), inverse, scale.operands[0]},
                      {identity, reducedMap(getContext(), rank, axes),
                       broadcastMap(getContext(), cast<RankedTensorType>(op.getScale().getType()), type)},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, a[0], a[1]), a[2]);
                      });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// GroupNormalization (opset 21): statistics per (sample, group of C/G
/// channels), then scale and bias per channel.
struct LowerGroupNormalization : OpRewritePattern<GroupNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GroupNormalizationOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!type || type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor [N, C, ...]");
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    int64_t rank = type.getRank(), groups = (int64_t)op.getNumGroups();
    if (groups <= 0)
      return rewriter.notifyMatchFailure(op, "num_groups must be positive");
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getX());
    OpFoldResult perGroup = m.floorDiv(dims[1], groups);
    checkEqual(rewriter, loc, m.mul(perGroup, m.c(groups)), dims[1],
               "{1} channels do not split into " + Twine(groups) + " groups");
    for (Value param : {op.getScale(), op.getBias()})
      checkEqual(rewriter, loc, getDims(rewriter, loc, param)[0], dims[1],
                 "scale and bias need {1} entries (one per channel), got {0}");
    // [N, C, ...] -> [N, G, C/G, ...] for the statistics.
    SmallVector<int64_t> groupedShape{type.getDimSize(0), groups,
                                      type.isDynamicDim(1) ? ShapedType::kDynamic : type.getDimSize(1) / groups};
    SmallVector<OpFoldResult> groupedDims{dims[0], m.c(groups), perGroup};
    for (int64_t d = 2; d < rank; ++d) {
      groupedShape.push_back(type.getDimSize(d));
      groupedDims.push_back(dims[d]);
    }
    auto groupedType = RankedTensorType::get(groupedShape, type.getElementType());
    Value grouped = reshapeTo(rewriter, loc, op.getX(), groupedType, groupedDims);
    SmallVector<int64_t> axes;
    for (int64_t d = 2; d < rank + 1; ++d)
      axes.push_back(d);
    auto [mean, invStd] = moments(rewriter, loc, grouped, axes, op.getEpsilon().convertToDouble());
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank + 1);
    AffineMap reduced = reducedMap(getContext(), rank + 1, axes);
    // scale/bias[g * C/G + c] in the grouped space.
    Value scaleIndex = toValue(rewriter, loc, perGroup);
    Value normalized = mapLike(rewriter, loc, grouped, {grouped, mean, invStd}, {identity, reduced, reduced},
                               [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                 return b.create<arith::MulFOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]), a[2]);
                               });
    Value scale = op.getScale(), bias = op.getBias();
    Value affine = mapUnary(rewriter, loc, normalized, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      Value channel = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, b.create<linalg::IndexOp>(l, 1), scaleIndex),
                                              b.create<linalg::IndexOp>(l, 2));
      Value sc = b.create<tensor::ExtractOp>(l, scale, channel), bi = b.create<tensor::ExtractOp>(l, bias, channel);
      return b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, a[0], sc), bi);
    });
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, affine, type, dims));
    return success();
  }
};

/// NegativeLogLikelihoodLoss: -input[n, target, d...] weighted (by weight
/// of the target class, 0 where the target is ignore_index), then summed or
/// averaged over the weights (mean).
struct LowerNegativeLogLikelihoodLoss : OpRewritePattern<NegativeLogLikelihoodLossOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NegativeLogLikelihoodLossOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto targetType = dyn_cast<RankedTensorType>(op.getTarget().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !targetType || !resultType || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float input and ranked target");
    if (targetType.getRank() != type.getRank() - 1)
      return rewriter.notifyMatchFailure(op, "the target must have the input's rank minus 1");
    Location loc = op.getLoc();
    Type element = type.getElementType();
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getInput());
    SmallVector<OpFoldResult> targetDims = getDims(rewriter, loc, op.getTarget());
    checkEqual(rewriter, loc, targetDims[0], dims[0], "the target has {0} samples, the input {1}");
    for (int64_t d = 1; d < targetType.getRank(); ++d)
      checkEqual(rewriter, loc, targetDims[d], dims[d + 1],
                 "target dim " + Twine(d) + " is {0}, the input's is {1}");
    Value classes = toValue(rewriter, loc, dims[1]);
    if (op.getWeight())
      checkEqual(rewriter, loc, getDims(rewriter, loc, op.getWeight())[0], classes,
                 "weight has {0} entries for {1} classes");
    std::optional<int64_t> ignore;
    if (auto attr = op.getIgnoreIndex())
      ignore = (int64_t)*attr;
    auto lossType = targetType.clone(element);
    Value lossInit = emptyTensor(rewriter, loc, lossType, targetDims);
    Value weightInit = emptyTensor(rewriter, loc, lossType, targetDims);
    int64_t rank = targetType.getRank();
    Value input = op.getInput(), weight = op.getWeight();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{lossType, lossType}, ValueRange{op.getTarget()}, ValueRange{lossInit, weightInit},
        SmallVector<AffineMap>(3, rewriter.getMultiDimIdentityMap(rank)),
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value t = castScalar(b, l, a[0], b.getI64Type());
          Value ignored = b.create<arith::ConstantIntOp>(l, 0, 1);
          if (ignore)
            ignored = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, t, b.create<arith::ConstantIntOp>(l, *ignore, 64));
          Value index = toIndex(b, l, t);
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          Value inRange = b.create<arith::AndIOp>(l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, index, zero),
                                                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, index, classes));
          emitCheck(b, l, b.create<arith::OrIOp>(l, inRange, ignored),
                    "target {0} is not a class index below {1}", {t, classes});
          index = b.create<arith::SelectOp>(l, inRange, index, zero);
          SmallVector<Value> at{b.create<linalg::IndexOp>(l, 0), index};
          for (int64_t d = 1; d < rank; ++d)
            at.push_back(b.create<linalg::IndexOp>(l, d));
          Value v = b.create<arith::NegFOp>(l, b.create<tensor::ExtractOp>(l, input, at));
          Value w = weight ? b.create<tensor::ExtractOp>(l, weight, index).getResult()
                           : scalarConstant(b, l, element, 1);
          w = b.create<arith::SelectOp>(l, ignored, scalarConstant(b, l, element, 0), w);
          v = b.create<arith::SelectOp>(l, ignored, scalarConstant(b, l, element, 0), b.create<arith::MulFOp>(l, v, w));
          b.create<linalg::YieldOp>(l, ValueRange{v, w});
        });
    Value loss = generic.getResult(0);
    StringRef reduction = op.getReduction();
    if (reduction == "none") {
      rewriter.replaceOp(op, loss);
      return success();
    }
    SmallVector<int64_t> all;
    for (int64_t d = 0; d < rank; ++d)
      all.push_back(d);
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value total = reduce(rewriter, loc, loss, all, false, zero, addF);
    if (reduction == "mean") {
      Value weights = reduce(rewriter, loc, generic.getResult(1), all, false, zero, addF);
      total = buildParallelGeneric(rewriter, loc, {total, weights},
                                   {rewriter.getMultiDimIdentityMap(0), rewriter.getMultiDimIdentityMap(0)},
                                   emptyTensor(rewriter, loc, cast<RankedTensorType>(total.getType()), {}),
                                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                     return b.create<arith::DivFOp>(l, a[0], a[1]);
                                   });
    }
    rewriter.replaceOp(op, total);
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

/// The reduction of one kind on one element type: its start value and step.
struct Reduction {
  ReduceKind kind;
  Type element;
  bool isUnsigned;

  bool isFloat() const { return isa<FloatType>(element); }
  Value init(OpBuilder &b, Location loc) const {
    switch (kind) {
    case ReduceKind::Max: return extremeConstant(b, loc, element, true, isUnsigned);
    case ReduceKind::Min: return extremeConstant(b, loc, element, false, isUnsigned);
    case ReduceKind::Prod: return scalarConstant(b, loc, element, 1);
    default: return scalarConstant(b, loc, element, 0);
    }
  }
  /// acc (op) v, where L2 and SumSquare have squared v already.
  Value combine(OpBuilder &b, Location l, Value v, Value acc) const {
    // For bool, Max is "any" and Min is "all".
    bool isBool = element.isInteger(1);
    switch (kind) {
    case ReduceKind::Max:
      if (isBool)
        return b.create<arith::OrIOp>(l, acc, v);
      if (isFloat())
        return b.create<arith::MaximumFOp>(l, acc, v);
      return isUnsigned ? b.create<arith::MaxUIOp>(l, acc, v).getResult()
                        : b.create<arith::MaxSIOp>(l, acc, v).getResult();
    case ReduceKind::Min:
      if (isBool)
        return b.create<arith::AndIOp>(l, acc, v);
      if (isFloat())
        return b.create<arith::MinimumFOp>(l, acc, v);
      return isUnsigned ? b.create<arith::MinUIOp>(l, acc, v).getResult()
                        : b.create<arith::MinSIOp>(l, acc, v).getResult();
    case ReduceKind::Prod:
      return isFloat() ? b.create<arith::MulFOp>(l, acc, v).getResult()
                       : b.create<arith::MulIOp>(l, acc, v).getResult();
    default:
      return isFloat() ? b.create<arith::AddFOp>(l, acc, v).getResult()
                       : b.create<arith::AddIOp>(l, acc, v).getResult();
    }
  }
  bool squares() const { return kind == ReduceKind::L2 || kind == ReduceKind::SumSquare; }
  /// Mean divides by the count, L2 takes the root.
  Value finish(OpBuilder &b, Location l, Value v, Value count) const {
    if (kind == ReduceKind::Mean)
      return b.create<arith::DivFOp>(l, v, count);
    if (kind == ReduceKind::L2)
      return b.create<math::SqrtOp>(l, v);
    return v;
  }
};

/// A reduction over axes only known at run time, kept dims of 1: a loop over
/// the output whose body walks every input element that maps to it (the
/// reduced dims' extents, 1 for the others).
Value reduceRuntimeAxes(OpBuilder &b, Location loc, Value input, ArrayRef<Value> reduced,
                        RankedTensorType keptType, const Reduction &r) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> inDims = getDims(b, loc, input), outDims;
  SmallVector<Value> extents;
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  for (int64_t d = 0; d < rank; ++d) {
    Value dim = toValue(b, loc, inDims[d]);
    extents.push_back(b.create<arith::SelectOp>(loc, reduced[d], dim, one));
    outDims.push_back(b.create<arith::SelectOp>(loc, reduced[d], one, dim).getResult());
  }
  Type element = type.getElementType();
  Value count = scalarConstant(b, loc, element, 1);
  if (r.kind == ReduceKind::Mean) {
    Value n = one;
    for (Value e : extents)
      n = b.create<arith::MulIOp>(loc, n, e);
    count = b.create<arith::SIToFPOp>(loc, element, b.create<arith::IndexCastOp>(loc, b.getI64Type(), n));
  }
  return buildParallelGeneric(
      b, loc, {}, {}, emptyTensor(b, loc, keptType, outDims),
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> out, at(rank);
        for (int64_t d = 0; d < rank; ++d)
          out.push_back(nb.create<linalg::IndexOp>(l, d));
        Value zero = nb.create<arith::ConstantIndexOp>(l, 0), step = nb.create<arith::ConstantIndexOp>(l, 1);
        // Nested loops over the extents, innermost the last dim.
        std::function<Value(OpBuilder &, int64_t, Value)> walk = [&](OpBuilder &fb, int64_t d,
                                                                     Value acc) -> Value {
          if (d == rank) {
            Value v = fb.create<tensor::ExtractOp>(l, input, at);
            if (r.squares())
              v = r.isFloat() ? fb.create<arith::MulFOp>(l, v, v).getResult()
                              : fb.create<arith::MulIOp>(l, v, v).getResult();
            return r.combine(fb, l, v, acc);
          }
          auto loop = fb.create<scf::ForOp>(
              l, zero, extents[d], step, acc, [&](OpBuilder &lb, Location, Value k, ValueRange a) {
                at[d] = lb.create<arith::SelectOp>(l, reduced[d], k, out[d]);
                lb.create<scf::YieldOp>(l, walk(lb, d + 1, a[0]));
              });
          return loop.getResult(0);
        };
        return r.finish(nb, l, walk(nb, 0, r.init(nb, l)), count);
      });
}

template <typename OpTy, ReduceKind kind>
struct LowerReduce : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "the result's rank is only known at run time");
    Type element = type.getElementType();
    bool isFloat = isa<FloatType>(element);
    if (!isFloat && (kind == ReduceKind::Mean || kind == ReduceKind::L2))
      return rewriter.notifyMatchFailure(op, "integer mean/L2");
    Reduction r{kind, element, isUnsignedOperand(op, 0)};
    auto axes = reductionAxes(op, type.getRank());
    Location loc = op.getLoc();
    if (!axes)
      return lowerRuntimeAxes(op, rewriter, r);
    if (axes->empty()) {
      rewriter.replaceOp(op, op.getData());
      return success();
    }
    Value input = op.getData();
    if (r.squares())
      input = mapUnary(rewriter, loc, input, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return isFloat ? b.create<arith::MulFOp>(l, a[0], a[0]).getResult()
                                       : b.create<arith::MulIOp>(l, a[0], a[0]).getResult();
                      });
    Value result = reduce(rewriter, loc, input, *axes, false, r.init(rewriter, loc),
                          [&](OpBuilder &b, Location l, Value v, Value acc) {
                            return r.combine(b, l, v, acc);
                          });
    if (kind == ReduceKind::Mean || kind == ReduceKind::L2) {
      Value count = countOf(rewriter, loc, op.getData(), *axes, element);
      result = mapUnary(rewriter, loc, result, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        return r.finish(b, l, a[0], count);
      });
    }
    if (op.getKeepdims() != 0) {
      SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getData());
      for (int64_t axis : *axes)
        dims[axis] = rewriter.getIndexAttr(1);
      result = reshapeTo(rewriter, loc, result, resultType, dims);
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Axes from a tensor read at run time: each dim is reduced when an entry
  /// names it (or when there are none and noop_with_empty_axes is 0).
  LogicalResult lowerRuntimeAxes(OpTy op, PatternRewriter &rewriter, const Reduction &r) const {
    auto type = cast<RankedTensorType>(op.getData().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    bool keepDims = op.getKeepdims() != 0;
    if (!keepDims && resultType.getRank() == rank)
      return rewriter.notifyMatchFailure(op, "cannot tell which dims the result keeps");
    Location loc = op.getLoc();
    Value axes = op.getAxes();
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value r64 = rewriter.create<arith::ConstantIntOp>(loc, rank, 64);
    Value count = toValue(rewriter, loc, getDims(rewriter, loc, axes)[0]);
    // Check every entry, then mark the dims they name.
    auto entry = [&](OpBuilder &b, Location l, Value i) {
      Value a = castScalar(b, l, b.create<tensor::ExtractOp>(l, axes, i), b.getI64Type());
      Value negative = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, a, b.create<arith::ConstantIntOp>(l, 0, 64));
      return b.create<arith::SelectOp>(l, negative, b.create<arith::AddIOp>(l, a, r64), a).getResult();
    };
    rewriter.create<scf::ForOp>(loc, zero, count, one, ValueRange{},
                                [&](OpBuilder &b, Location l, Value i, ValueRange) {
                                  Value a = entry(b, l, i);
                                  Value inRange = b.create<arith::AndIOp>(
                                      l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, a, b.create<arith::ConstantIntOp>(l, 0, 64)),
                                      b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, a, r64));
                                  emitCheck(b, l, inRange, "axis {0} is out of range for rank " + Twine(rank),
                                            {castScalar(b, l, b.create<tensor::ExtractOp>(l, axes, i), b.getI64Type())});
                                  b.create<scf::YieldOp>(l);
                                });
    Value noAxes = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, count, zero);
    Value all = op.getNoopWithEmptyAxes() ? rewriter.create<arith::ConstantIntOp>(loc, 0, 1).getResult()
                                          : noAxes;
    SmallVector<Value> reduced;
    Value reducedCount = zero;
    for (int64_t d = 0; d < rank; ++d) {
      Value dim = rewriter.create<arith::ConstantIntOp>(loc, d, 64);
      auto loop = rewriter.create<scf::ForOp>(
          loc, zero, count, one, ValueRange{all}, [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
            Value named = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, entry(b, l, i), dim);
            b.create<scf::YieldOp>(l, ValueRange{b.create<arith::OrIOp>(l, acc[0], named)});
          });
      Value isReduced = loop.getResult(0);
      reduced.push_back(isReduced);
      reducedCount = rewriter.create<arith::AddIOp>(
          loc, reducedCount, rewriter.create<arith::SelectOp>(loc, isReduced, one, zero));
    }
    SmallVector<int64_t> keptShape;
    for (int64_t d = 0; d < rank; ++d)
      keptShape.push_back(type.getDimSize(d) == 1 ? 1 : ShapedType::kDynamic);
    auto keptType = RankedTensorType::get(keptShape, r.element);
    Value result = reduceRuntimeAxes(rewriter, loc, op.getData(), reduced, keptType, r);
    if (keepDims) {
      if (result.getType() != resultType)
        result = castChecked(rewriter, loc, result, resultType);
      rewriter.replaceOp(op, result);
      return success();
    }
    // Drop the reduced dims: the j-th result dim is the j-th kept input dim.
    int64_t kept = resultType.getRank();
    checkEqual(rewriter, loc, reducedCount, rewriter.getIndexAttr(rank - kept),
               "the axes name {0} distinct dims, but the result drops {1}");
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getData()), dims;
    for (int64_t j = 0; j < kept; ++j) {
      Value dim = one, position = zero;
      for (int64_t d = 0; d < rank; ++d) {
        Value keptHere = rewriter.create<arith::XOrIOp>(loc, reduced[d], rewriter.create<arith::ConstantIntOp>(loc, 1, 1));
        Value isJ = rewriter.create<arith::AndIOp>(
            loc, keptHere,
            rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, position,
                                           rewriter.create<arith::ConstantIndexOp>(loc, j)));
        dim = rewriter.create<arith::SelectOp>(loc, isJ, toValue(rewriter, loc, inDims[d]), dim);
        position = rewriter.create<arith::AddIOp>(loc, position, rewriter.create<arith::SelectOp>(loc, keptHere, one, zero));
      }
      if (!resultType.isDynamicDim(j))
        checkEqual(rewriter, loc, dim, rewriter.getIndexAttr(resultType.getDimSize(j)),
                   "result dim " + Twine(j) + " is {0}, but the model says {1}");
      dims.push_back(resultType.isDynamicDim(j) ? OpFoldResult(dim)
                                                : rewriter.getIndexAttr(resultType.getDimSize(j)));
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, result, resultType, dims));
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
               LowerLayerNormalization, LowerInstanceNormalization, LowerLpNormalization,
               LowerRMSNormalization, LowerGroupNormalization, LowerNegativeLogLikelihoodLoss>(ctx);
  patterns.add<LowerReduce<ReduceSumOp, ReduceKind::Sum>, LowerReduce<ReduceMeanOp, ReduceKind::Mean>,
               LowerReduce<ReduceMaxOp, ReduceKind::Max>, LowerReduce<ReduceMinOp, ReduceKind::Min>,
               LowerReduce<ReduceProdOp, ReduceKind::Prod>, LowerReduce<ReduceL2Op, ReduceKind::L2>,
               LowerReduce<ReduceSumSquareOp, ReduceKind::SumSquare>>(ctx);
  patterns.add<LowerArgReduce<ArgMaxOp, true>, LowerArgReduce<ArgMinOp, false>>(ctx);
}

} // namespace ingot::lowering
