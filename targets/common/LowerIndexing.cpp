//===- LowerIndexing.cpp - Gathers, scatters and selections -> linalg -----===//
//
// Ops that read or write at computed positions: GatherElements, GatherND,
// ScatterElements, ScatterND, OneHot, TopK, Hardmax, EyeLike, NonZero,
// Compress, DepthToSpace/SpaceToDepth, ReverseSequence, CumSum/CumProd and
// Einsum. Every index read from data is checked against the dim it
// indexes (negative ones count from the end) and clamped as well, so no
// access leaves its tensor whatever the check does. Scatters and the ops
// whose output size depends on data (NonZero, Compress) run as sequential
// loops carrying the output tensor, which bufferizes in place.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <map>

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

/// An index read from data, as an index into a dim of size `dim`: negative
/// values count from the end; outside [-dim, dim) fails the run (and is
/// clamped to 0 meanwhile).
Value checkedIndex(OpBuilder &b, Location loc, Value raw, Value dim, const Twine &what) {
  Value given = raw.getType().isIndex() ? raw : toIndex(b, loc, castScalar(b, loc, raw, b.getI64Type()));
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value negative = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, given, zero);
  Value index = b.create<arith::SelectOp>(loc, negative, b.create<arith::AddIOp>(loc, given, dim), given);
  Value inRange = b.create<arith::AndIOp>(
      loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, index, zero),
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, index, dim));
  emitCheck(b, loc, inRange, what + " {0} is out of range for a dim of {1}", {given, dim});
  return b.create<arith::SelectOp>(loc, inRange, index, zero);
}

/// Loops over every index of `dims` (row-major), carrying `init`.
Value forEachIndex(OpBuilder &b, Location loc, ArrayRef<Value> dims, Value init,
                   function_ref<Value(OpBuilder &, Location, ArrayRef<Value>, Value)> body) {
  SmallVector<Value> indices;
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
  std::function<Value(OpBuilder &, size_t, Value)> nest = [&](OpBuilder &nb, size_t d, Value carried) -> Value {
    if (d == dims.size())
      return body(nb, loc, indices, carried);
    auto loop = nb.create<scf::ForOp>(loc, zero, dims[d], one, carried,
                                      [&](OpBuilder &lb, Location, Value i, ValueRange args) {
                                        indices.push_back(i);
                                        Value next = nest(lb, d + 1, args[0]);
                                        indices.pop_back();
                                        lb.create<scf::YieldOp>(loc, next);
                                      });
    return loop.getResult(0);
  };
  return nest(b, 0, init);
}

SmallVector<Value> dimValues(OpBuilder &b, Location loc, Value tensor) {
  SmallVector<Value> dims;
  for (OpFoldResult d : getDims(b, loc, tensor))
    dims.push_back(toValue(b, loc, d));
  return dims;
}

SmallVector<Value> loopIndices(OpBuilder &b, Location loc, int64_t rank) {
  SmallVector<Value> indices;
  for (int64_t d = 0; d < rank; ++d)
    indices.push_back(b.create<linalg::IndexOp>(loc, d));
  return indices;
}

/// Checks that `small`'s dims (but `except`) do not exceed `large`'s.
void checkWithin(OpBuilder &b, Location loc, Value small, Value large, int64_t except,
                 const Twine &what) {
  SmallVector<Value> s = dimValues(b, loc, small), l = dimValues(b, loc, large);
  for (size_t d = 0; d < s.size() && d < l.size(); ++d) {
    if ((int64_t)d == except)
      continue;
    auto st = cast<RankedTensorType>(small.getType()), lt = cast<RankedTensorType>(large.getType());
    if (!st.isDynamicDim(d) && !lt.isDynamicDim(d))
      continue;
    emitCheck(b, loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, s[d], l[d]),
              what + " dim " + Twine(d) + " is {0}, larger than the data's {1}", {s[d], l[d]});
  }
}

/// `acc` combined with `v` by a scatter reduction.
Value scatterCombine(OpBuilder &b, Location loc, StringRef reduction, Value acc, Value v,
                     bool isUnsigned) {
  bool isFloat = isa<FloatType>(v.getType());
  if (reduction == "add")
    return isFloat ? b.create<arith::AddFOp>(loc, acc, v).getResult() : b.create<arith::AddIOp>(loc, acc, v).getResult();
  if (reduction == "mul")
    return isFloat ? b.create<arith::MulFOp>(loc, acc, v).getResult() : b.create<arith::MulIOp>(loc, acc, v).getResult();
  if (reduction == "max") {
    if (isFloat)
      return b.create<arith::MaximumFOp>(loc, acc, v);
    return isUnsigned ? b.create<arith::MaxUIOp>(loc, acc, v).getResult() : b.create<arith::MaxSIOp>(loc, acc, v).getResult();
  }
  if (reduction == "min") {
    if (isFloat)
      return b.create<arith::MinimumFOp>(loc, acc, v);
    return isUnsigned ? b.create<arith::MinUIOp>(loc, acc, v).getResult() : b.create<arith::MinSIOp>(loc, acc, v).getResult();
  }
  return v;
}

struct LowerGatherElements : OpRewritePattern<GatherElementsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherElementsOp op, PatternRewriter &rewriter) const override {
    auto dataType = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!dataType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = dataType.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    checkWithin(rewriter, loc, op.getIndices(), op.getData(), axis, "indices");
    Value axisDim = dimValues(rewriter, loc, op.getData())[axis];
    Value data = op.getData();
    Value init = emptyTensor(rewriter, loc, resultType, getDims(rewriter, loc, op.getIndices()));
    rewriter.replaceOp(op, buildParallelGeneric(
                               rewriter, loc, op.getIndices(), rewriter.getMultiDimIdentityMap(rank), init,
                               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                 SmallVector<Value> coords = loopIndices(b, l, rank);
                                 coords[axis] = checkedIndex(b, l, a[0], axisDim, "an index");
                                 return b.create<tensor::ExtractOp>(l, data, coords);
                               }));
    return success();
  }
};

struct LowerGatherND : OpRewritePattern<GatherNDOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherNDOp op, PatternRewriter &rewriter) const override {
    auto dataType = dyn_cast<RankedTensorType>(op.getData().getType());
    auto indicesType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!dataType || !indicesType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t batch = (int64_t)op.getBatchDims();
    int64_t q = indicesType.getRank(), depth = indicesType.getDimSize(q - 1);
    SmallVector<Value> dataDims = dimValues(rewriter, loc, op.getData());
    SmallVector<Value> indexDims = dimValues(rewriter, loc, op.getIndices());
    for (int64_t d = 0; d < batch; ++d)
      checkEqual(rewriter, loc, indexDims[d], dataDims[d], "batch dim " + Twine(d) +
                                                               " of indices is {0}, of data {1}");
    SmallVector<OpFoldResult> dims;
    for (int64_t d = 0; d < q - 1; ++d)
      dims.push_back(indexDims[d]);
    for (int64_t d = batch + depth; d < dataType.getRank(); ++d)
      dims.push_back(dataDims[d]);
    Value data = op.getData(), indices = op.getIndices();
    Value result = buildParallelGeneric(
        rewriter, loc, {}, {}, emptyTensor(rewriter, loc, resultType, dims),
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> out = loopIndices(b, l, resultType.getRank());
          SmallVector<Value> coords(out.begin(), out.begin() + batch);
          SmallVector<Value> at(out.begin(), out.begin() + q - 1);
          at.push_back(Value());
          for (int64_t j = 0; j < depth; ++j) {
            at.back() = b.create<arith::ConstantIndexOp>(l, j);
            Value raw = b.create<tensor::ExtractOp>(l, indices, at);
            coords.push_back(checkedIndex(b, l, raw, dataDims[batch + j], "an index"));
          }
          coords.append(out.begin() + q - 1, out.end());
          return b.create<tensor::ExtractOp>(l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerScatterElements : OpRewritePattern<ScatterElementsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScatterElementsOp op, PatternRewriter &rewriter) const override {
    auto dataType = dyn_cast<RankedTensorType>(op.getData().getType());
    if (!dataType || !isa<RankedTensorType>(op.getIndices().getType()))
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = dataType.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    checkWithin(rewriter, loc, op.getIndices(), op.getData(), axis, "indices");
    SmallVector<Value> indexDims = dimValues(rewriter, loc, op.getIndices());
    SmallVector<Value> updateDims = dimValues(rewriter, loc, op.getUpdates());
    for (int64_t d = 0; d < rank; ++d)
      checkEqual(rewriter, loc, updateDims[d], indexDims[d],
                 "updates dim " + Twine(d) + " is {0}, indices have {1}");
    Value axisDim = dimValues(rewriter, loc, op.getData())[axis];
    StringRef reduction = op.getReduction();
    bool isUnsigned = isUnsignedOperand(op, 0);
    Value result = forEachIndex(
        rewriter, loc, indexDims, op.getData(),
        [&](OpBuilder &b, Location l, ArrayRef<Value> at, Value out) -> Value {
          SmallVector<Value> coords(at);
          Value raw = b.create<tensor::ExtractOp>(l, op.getIndices(), at);
          coords[axis] = checkedIndex(b, l, raw, axisDim, "an index");
          Value update = b.create<tensor::ExtractOp>(l, op.getUpdates(), at);
          Value old = b.create<tensor::ExtractOp>(l, out, coords);
          Value v = scatterCombine(b, l, reduction, old, update, isUnsigned);
          return b.create<tensor::InsertOp>(l, v, out, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerScatterND : OpRewritePattern<ScatterNDOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScatterNDOp op, PatternRewriter &rewriter) const override {
    auto dataType = dyn_cast<RankedTensorType>(op.getData().getType());
    auto indicesType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    if (!dataType || !indicesType || indicesType.isDynamicDim(indicesType.getRank() - 1))
      return rewriter.notifyMatchFailure(op, "needs indices whose last dim is known");
    Location loc = op.getLoc();
    int64_t q = indicesType.getRank(), depth = indicesType.getDimSize(q - 1);
    SmallVector<Value> dataDims = dimValues(rewriter, loc, op.getData());
    SmallVector<Value> indexDims = dimValues(rewriter, loc, op.getIndices());
    SmallVector<Value> updateDims = dimValues(rewriter, loc, op.getUpdates());
    // updates: indices.shape[:-1] + data.shape[depth:]
    SmallVector<Value> expected(indexDims.begin(), indexDims.end() - 1);
    expected.append(dataDims.begin() + depth, dataDims.end());
    if (expected.size() != updateDims.size())
      return rewriter.notifyMatchFailure(op, "updates have the wrong rank");
    for (auto [d, pair] : llvm::enumerate(llvm::zip(updateDims, expected)))
      checkEqual(rewriter, loc, std::get<0>(pair), std::get<1>(pair),
                 "updates dim " + Twine(d) + " is {0}, expected {1}");
    StringRef reduction = op.getReduction();
    bool isUnsigned = isUnsignedOperand(op, 0);
    Value result = forEachIndex(
        rewriter, loc, updateDims, op.getData(),
        [&](OpBuilder &b, Location l, ArrayRef<Value> at, Value out) -> Value {
          SmallVector<Value> where(at.begin(), at.begin() + q - 1);
          where.push_back(Value());
          SmallVector<Value> coords;
          for (int64_t j = 0; j < depth; ++j) {
            where.back() = b.create<arith::ConstantIndexOp>(l, j);
            Value raw = b.create<tensor::ExtractOp>(l, op.getIndices(), where);
            coords.push_back(checkedIndex(b, l, raw, dataDims[j], "an index"));
          }
          coords.append(at.begin() + q - 1, at.end());
          Value update = b.create<tensor::ExtractOp>(l, op.getUpdates(), at);
          Value old = b.create<tensor::ExtractOp>(l, out, coords);
          return b.create<tensor::InsertOp>(l, scatterCombine(b, l, reduction, old, update, isUnsigned),
                                            out, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A scalar from a tensor of any shape holding one element (checked).
Value scalarOf(OpBuilder &b, Location loc, Value tensor, const Twine &what) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value count = b.create<arith::ConstantIndexOp>(loc, 1);
  for (Value d : dimValues(b, loc, tensor))
    count = b.create<arith::MulIOp>(loc, count, d);
  if (!type.hasStaticShape())
    checkEqual(b, loc, count, b.getIndexAttr(1), what + " has {0} elements, expected {1}");
  SmallVector<Value> zeros(type.getRank(), b.create<arith::ConstantIndexOp>(loc, 0));
  return b.create<tensor::ExtractOp>(loc, tensor, zeros);
}

struct LowerOneHot : OpRewritePattern<OneHotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OneHotOp op, PatternRewriter &rewriter) const override {
    auto indicesType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!indicesType || !resultType || !isa<RankedTensorType>(op.getValues().getType()))
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    Type i64 = rewriter.getI64Type();
    Value depthRaw = scalarOf(rewriter, loc, op.getDepth(), "depth");
    Value depth = castScalar(rewriter, loc, depthRaw, i64, isUnsignedOperand(op, 1));
    emitCheck(rewriter, loc,
              rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, depth,
                                             rewriter.create<arith::ConstantIntOp>(loc, 0, 64)),
              "depth is {0}; it cannot be negative", {depth});
    checkEqual(rewriter, loc, getDims(rewriter, loc, op.getValues())[0], rewriter.getIndexAttr(2),
               "values has {0} elements, expected {1} (off, on)");
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getIndices());
    dims.insert(dims.begin() + axis, resultType.isDynamicDim(axis)
                                         ? OpFoldResult(toIndex(rewriter, loc, depth))
                                         : rewriter.getIndexAttr(resultType.getDimSize(axis)));
    Value indices = op.getIndices(), values = op.getValues();
    bool unsignedIndex = isUnsignedOperand(op, 0);
    Value result = buildParallelGeneric(
        rewriter, loc, {}, {}, emptyTensor(rewriter, loc, resultType, dims),
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> out = loopIndices(b, l, rank);
          SmallVector<Value> at(out);
          at.erase(at.begin() + axis);
          Value raw = castScalar(b, l, b.create<tensor::ExtractOp>(l, indices, at), i64, unsignedIndex);
          Value zero = b.create<arith::ConstantIntOp>(l, 0, 64);
          Value negative = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, raw, zero);
          raw = b.create<arith::SelectOp>(l, negative, b.create<arith::AddIOp>(l, raw, depth), raw);
          Value position = b.create<arith::IndexCastOp>(l, i64, out[axis]);
          Value hot = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, raw, position);
          Value off = b.create<tensor::ExtractOp>(l, values, ValueRange{b.create<arith::ConstantIndexOp>(l, 0)});
          Value on = b.create<tensor::ExtractOp>(l, values, ValueRange{b.create<arith::ConstantIndexOp>(l, 1)});
          return b.create<arith::SelectOp>(l, hot, on, off);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// x_k ranks before x_i: better (larger, or smaller), or equal and earlier.
Value ranksBefore(OpBuilder &b, Location loc, Value xk, Value xi, Value k, Value i, bool largest,
                  bool isUnsigned) {
  Value better, equal;
  if (isa<FloatType>(xk.getType())) {
    // NaN ranks first among the largest (last among the smallest), as sorting does.
    better = b.create<arith::CmpFOp>(loc, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, xk, xi);
    Value kNan = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, xk, xk);
    Value iNan = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, xi, xi);
    Value one = b.create<arith::ConstantIntOp>(loc, 1, 1);
    if (largest)
      better = b.create<arith::OrIOp>(loc, better, b.create<arith::AndIOp>(loc, kNan, b.create<arith::XOrIOp>(loc, iNan, one)));
    else
      better = b.create<arith::AndIOp>(loc, better, b.create<arith::XOrIOp>(loc, kNan, one));
    equal = b.create<arith::OrIOp>(loc, b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, xk, xi),
                                   b.create<arith::AndIOp>(loc, kNan, iNan));
  } else {
    using P = arith::CmpIPredicate;
    P p = largest ? (isUnsigned ? P::ugt : P::sgt) : (isUnsigned ? P::ult : P::slt);
    better = b.create<arith::CmpIOp>(loc, p, xk, xi);
    equal = b.create<arith::CmpIOp>(loc, P::eq, xk, xi);
  }
  Value earlier = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, k, i);
  return b.create<arith::OrIOp>(loc, better, b.create<arith::AndIOp>(loc, equal, earlier));
}

/// TopK by ranks: each element's rank along the axis is the number of
/// elements before it in the order, and output j is the element of rank j
/// (O(n^2) per slice, n the axis length; ties keep the lower index first).
struct LowerTopK : OpRewritePattern<TopKOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TopKOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    auto valuesType = dyn_cast<RankedTensorType>(op.getValues().getType());
    auto indicesType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    if (!type || !valuesType || !indicesType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    bool largest = op.getLargest() != 0, isUnsigned = isUnsignedOperand(op, 0);
    Value x = op.getX();
    SmallVector<Value> dims = dimValues(rewriter, loc, x);
    Value n = dims[axis];
    Value k = toIndex(rewriter, loc, scalarOf(rewriter, loc, op.getK(), "K"));
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0), one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    emitCheck(rewriter, loc,
              rewriter.create<arith::AndIOp>(
                  loc, rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, k, zero),
                  rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, k, n)),
              "K is {0}, outside [0, {1}] (the axis' length)", {k, n});
    Type i64 = rewriter.getI64Type();
    auto rankType = type.clone(i64);
    Value ranks = buildParallelGeneric(
        rewriter, loc, {}, {}, emptyTensor(rewriter, loc, rankType, getDims(rewriter, loc, x)),
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> at = loopIndices(b, l, rank);
          Value i = at[axis];
          Value xi = b.create<tensor::ExtractOp>(l, x, at);
          auto loop = b.create<scf::ForOp>(
              l, zero, n, one, ValueRange{b.create<arith::ConstantIntOp>(l, 0, 64)},
              [&](OpBuilder &lb, Location, Value kk, ValueRange acc) {
                SmallVector<Value> other(at);
                other[axis] = kk;
                Value xk = lb.create<tensor::ExtractOp>(l, x, other);
                Value before = ranksBefore(lb, l, xk, xi, kk, i, largest, isUnsigned);
                Value inc = lb.create<arith::ExtUIOp>(l, i64, before);
                lb.create<scf::YieldOp>(l, ValueRange{lb.create<arith::AddIOp>(l, acc[0], inc)});
              });
          return loop.getResult(0);
        });
    SmallVector<OpFoldResult> outDims = getDims(rewriter, loc, x);
    outDims[axis] = valuesType.isDynamicDim(axis) ? OpFoldResult(k)
                                                  : rewriter.getIndexAttr(valuesType.getDimSize(axis));
    Value valuesInit = emptyTensor(rewriter, loc, valuesType, outDims);
    Value indicesInit = emptyTensor(rewriter, loc, indicesType, outDims);
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{valuesType, indicesType}, ValueRange{}, ValueRange{valuesInit, indicesInit},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> at = loopIndices(b, l, rank);
          Value j = b.create<arith::IndexCastOp>(l, i64, at[axis]);
          Value init = b.create<arith::ConstantIndexOp>(l, 0);
          auto loop = b.create<scf::ForOp>(l, zero, n, one, ValueRange{init},
                                           [&](OpBuilder &lb, Location, Value i, ValueRange acc) {
                                             SmallVector<Value> other(at);
                                             other[axis] = i;
                                             Value r = lb.create<tensor::ExtractOp>(l, ranks, other);
                                             Value hit = lb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, r, j);
                                             lb.create<scf::YieldOp>(l, ValueRange{lb.create<arith::SelectOp>(l, hit, i, acc[0])});
                                           });
          Value index = loop.getResult(0);
          SmallVector<Value> source(at);
          source[axis] = index;
          Value v = b.create<tensor::ExtractOp>(l, x, source);
          b.create<linalg::YieldOp>(l, ValueRange{v, b.create<arith::IndexCastOp>(l, i64, index)});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// Hardmax: 1 at the first maximum along the axis, 0 elsewhere.
struct LowerHardmax : OpRewritePattern<HardmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HardmaxOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    Value x = op.getInput();
    Value n = dimValues(rewriter, loc, x)[axis];
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0), one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    rewriter.replaceOp(op, mapUnary(rewriter, loc, x, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      SmallVector<Value> at = loopIndices(b, l, rank);
      Value i = at[axis];
      auto loop = b.create<scf::ForOp>(
          l, zero, n, one, ValueRange{b.create<arith::ConstantIntOp>(l, 0, 1)},
          [&](OpBuilder &lb, Location, Value k, ValueRange acc) {
            SmallVector<Value> other(at);
            other[axis] = k;
            Value xk = lb.create<tensor::ExtractOp>(l, x, other);
            Value before = ranksBefore(lb, l, xk, a[0], k, i, true, false);
            lb.create<scf::YieldOp>(l, ValueRange{lb.create<arith::OrIOp>(l, acc[0], before)});
          });
      Value beaten = loop.getResult(0);
      return b.create<arith::SelectOp>(l, beaten, scalarConstant(b, l, a[0].getType(), 0),
                                       scalarConstant(b, l, a[0].getType(), 1));
    }));
    return success();
  }
};

struct LowerEyeLike : OpRewritePattern<EyeLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EyeLikeOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType || !isa<RankedTensorType>(op.getInput().getType()))
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t k = (int64_t)op.getK();
    Type element = resultType.getElementType();
    rewriter.replaceOp(op, buildParallelGeneric(
                               rewriter, loc, {}, {},
                               emptyTensor(rewriter, loc, resultType, getDims(rewriter, loc, op.getInput())),
                               [&](OpBuilder &b, Location l, ValueRange) -> Value {
                                 Value i = b.create<linalg::IndexOp>(l, 0), j = b.create<linalg::IndexOp>(l, 1);
                                 Value diagonal = b.create<arith::CmpIOp>(
                                     l, arith::CmpIPredicate::eq, b.create<arith::SubIOp>(l, j, i),
                                     b.create<arith::ConstantIndexOp>(l, k));
                                 return b.create<arith::SelectOp>(l, diagonal, scalarConstant(b, l, element, 1),
                                                                  scalarConstant(b, l, element, 0));
                               }));
    return success();
  }
};

/// Whether element `v` is nonzero (true for NaN).
Value isNonzero(OpBuilder &b, Location loc, Value v) {
  if (isa<FloatType>(v.getType()))
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v, scalarConstant(b, loc, v.getType(), 0));
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v, scalarConstant(b, loc, v.getType(), 0));
}

struct LowerNonZero : OpRewritePattern<NonZeroOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NonZeroOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    Value x = op.getX();
    SmallVector<Value> dims = dimValues(rewriter, loc, x);
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0), one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    // First count the nonzeros: the output's size.
    Value count = forEachIndex(rewriter, loc, dims, zero,
                               [&](OpBuilder &b, Location l, ArrayRef<Value> at, Value n) -> Value {
                                 Value v = b.create<tensor::ExtractOp>(l, x, at);
                                 return b.create<arith::SelectOp>(l, isNonzero(b, l, v),
                                                                  b.create<arith::AddIOp>(l, n, one), n);
                               });
    Value out = emptyTensor(rewriter, loc, resultType, {rewriter.getIndexAttr(rank), count});
    // Then write each nonzero's coordinates at the running position.
    rewriter.replaceOp(op, writeCoordinates(rewriter, loc, dims, out, x, rewriter.getI64Type(), rank));
    return success();
  }

  static Value writeCoordinates(OpBuilder &b, Location loc, ArrayRef<Value> dims, Value out,
                                Value x, Type i64, int64_t rank) {
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
    SmallVector<Value> indices;
    std::function<std::pair<Value, Value>(OpBuilder &, size_t, Value, Value)> nest =
        [&](OpBuilder &nb, size_t d, Value tensor, Value position) -> std::pair<Value, Value> {
      if (d == dims.size()) {
        Value v = nb.create<tensor::ExtractOp>(loc, x, indices);
        auto branch = nb.create<scf::IfOp>(
            loc, isNonzero(nb, loc, v),
            [&](OpBuilder &tb, Location) {
              Value t = tensor;
              for (int64_t r = 0; r < rank; ++r)
                t = tb.create<tensor::InsertOp>(loc, tb.create<arith::IndexCastOp>(loc, i64, indices[r]), t,
                                                ValueRange{tb.create<arith::ConstantIndexOp>(loc, r), position});
              tb.create<scf::YieldOp>(loc, ValueRange{t, tb.create<arith::AddIOp>(loc, position, one)});
            },
            [&](OpBuilder &eb, Location) { eb.create<scf::YieldOp>(loc, ValueRange{tensor, position}); });
        return {branch.getResult(0), branch.getResult(1)};
      }
      auto loop = nb.create<scf::ForOp>(loc, zero, dims[d], one, ValueRange{tensor, position},
                                        [&](OpBuilder &lb, Location, Value i, ValueRange args) {
                                          indices.push_back(i);
                                          auto [t, p] = nest(lb, d + 1, args[0], args[1]);
                                          indices.pop_back();
                                          lb.create<scf::YieldOp>(loc, ValueRange{t, p});
                                        });
      return {loop.getResult(0), loop.getResult(1)};
    };
    return nest(b, 0, out, zero).first;
  }
};

/// Compress: the slices along the axis whose condition entry is true.
struct LowerCompress : OpRewritePattern<CompressOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CompressOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    auto conditionType = dyn_cast<RankedTensorType>(op.getCondition().getType());
    if (!type || !resultType || !conditionType || conditionType.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "needs a ranked input and a 1-D condition");
    Location loc = op.getLoc();
    Value input = op.getInput();
    if (!op.getAxis()) {
      // No axis: over the flattened input.
      Value total = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      for (Value d : dimValues(rewriter, loc, input))
        total = rewriter.create<arith::MulIOp>(loc, total, d);
      input = reshapeTo(rewriter, loc, input,
                        RankedTensorType::get({ShapedType::kDynamic}, type.getElementType()), {total});
      type = cast<RankedTensorType>(input.getType());
    }
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis() ? *normalizeAxis((int64_t)*op.getAxis(), rank) : 0;
    SmallVector<Value> dims = dimValues(rewriter, loc, input);
    Value length = dimValues(rewriter, loc, op.getCondition())[0];
    emitCheck(rewriter, loc,
              rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, length, dims[axis]),
              "condition has {0} entries, more than the axis' {1}", {length, dims[axis]});
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0), one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value condition = op.getCondition();
    auto taken = [&](OpBuilder &b, Location l, Value j) {
      return isNonzero(b, l, b.create<tensor::ExtractOp>(l, condition, j));
    };
    auto countLoop = rewriter.create<scf::ForOp>(
        loc, zero, length, one, ValueRange{zero}, [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
          b.create<scf::YieldOp>(l, ValueRange{b.create<arith::SelectOp>(l, taken(b, l, j),
                                                                       b.create<arith::AddIOp>(l, acc[0], one), acc[0])});
        });
    SmallVector<OpFoldResult> outDims;
    for (Value d : dims)
      outDims.push_back(d);
    outDims[axis] = countLoop.getResult(0);
    auto outType = RankedTensorType::get(
        [&] {
          SmallVector<int64_t> shape(type.getShape());
          shape[axis] = ShapedType::kDynamic;
          return shape;
        }(),
        type.getElementType());
    Value out = emptyTensor(rewriter, loc, outType, outDims);
    SmallVector<OpFoldResult> sizes(outDims), strides(rank, rewriter.getIndexAttr(1));
    sizes[axis] = rewriter.getIndexAttr(1);
    auto copyLoop = rewriter.create<scf::ForOp>(
        loc, zero, length, one, ValueRange{out, zero}, [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
          auto branch = b.create<scf::IfOp>(
              l, taken(b, l, j),
              [&](OpBuilder &tb, Location) {
                SmallVector<OpFoldResult> from(rank, tb.getIndexAttr(0)), to(rank, tb.getIndexAttr(0));
                from[axis] = j;
                to[axis] = acc[1];
                Value slice = tb.create<tensor::ExtractSliceOp>(l, input, from, sizes, strides);
                Value t = tb.create<tensor::InsertSliceOp>(l, slice, acc[0], to, sizes, strides);
                tb.create<scf::YieldOp>(l, ValueRange{t, tb.create<arith::AddIOp>(l, acc[1], one)});
              },
              [&](OpBuilder &eb, Location) { eb.create<scf::YieldOp>(l, ValueRange{acc[0], acc[1]}); });
          b.create<scf::YieldOp>(l, branch.getResults());
        });
    Value result = copyLoop.getResult(0);
    if (result.getType() != resultType)
      result = castChecked(rewriter, loc, result, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// DepthToSpace / SpaceToDepth: one gather with the block index math.
template <typename OpTy, bool toSpace>
struct LowerBlocks : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t block = (int64_t)op.getBlocksize();
    bool crd = op.getMode() == "CRD";
    Value x = op.getInput();
    SmallVector<Value> in = dimValues(rewriter, loc, x);
    IndexMath m{rewriter, loc};
    SmallVector<OpFoldResult> dims{in[0]};
    if (toSpace) {
      checkEqual(rewriter, loc, m.mul(m.floorDiv(in[1], block * block), m.c(block * block)), in[1],
                 "channels {1} are not a multiple of blocksize^2 ({0} are)");
      dims.append({m.floorDiv(in[1], block * block), m.mul(in[2], m.c(block)), m.mul(in[3], m.c(block))});
    } else {
      for (int d = 2; d < 4; ++d)
        checkEqual(rewriter, loc, m.mul(m.floorDiv(in[d], block), m.c(block)), in[d],
                   "dim " + Twine(d) + " ({1}) is not a multiple of the blocksize");
      dims.append({m.mul(in[1], m.c(block * block)), m.floorDiv(in[2], block), m.floorDiv(in[3], block)});
    }
    Value outChannels = toValue(rewriter, loc, dims[1]), inChannels = in[1];
    Value result = buildParallelGeneric(
        rewriter, loc, {}, {}, emptyTensor(rewriter, loc, resultType, dims),
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> o = loopIndices(b, l, 4);
          auto c = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(l, v).getResult(); };
          auto add = [&](Value p, Value q) { return b.create<arith::AddIOp>(l, p, q).getResult(); };
          auto mul = [&](Value p, Value q) { return b.create<arith::MulIOp>(l, p, q).getResult(); };
          auto div = [&](Value p, int64_t q) { return b.create<arith::DivUIOp>(l, p, c(q)).getResult(); };
          auto rem = [&](Value p, int64_t q) { return b.create<arith::RemUIOp>(l, p, c(q)).getResult(); };
          SmallVector<Value> at{o[0]};
          if (toSpace) {
            // out[n, c, h, w] = in[n, channel(c, h % b, w % b), h / b, w / b]
            Value bh = rem(o[2], block), bw = rem(o[3], block);
            Value offset = add(mul(bh, c(block)), bw);
            Value channel = crd ? add(mul(o[1], c(block * block)), offset)
                                : add(mul(offset, outChannels), o[1]);
            at.append({channel, div(o[2], block), div(o[3], block)});
          } else {
            // out[n, c, h, w] = in[n, c0, h * b + bh, w * b + bw] with c = (c0, bh, bw)
            Value c0, offset;
            if (crd) {
              c0 = div(o[1], block * block);
              offset = rem(o[1], block * block);
            } else {
              c0 = b.create<arith::RemUIOp>(l, o[1], inChannels);
              offset = b.create<arith::DivUIOp>(l, o[1], inChannels);
            }
            at.append({c0, add(mul(o[2], c(block)), div(offset, block)),
                       add(mul(o[3], c(block)), rem(offset, block))});
          }
          return b.create<tensor::ExtractOp>(l, x, at);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerReverseSequence : OpRewritePattern<ReverseSequenceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReverseSequenceOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "needs rank >= 2");
    Location loc = op.getLoc();
    int64_t batchAxis = (int64_t)op.getBatchAxis(), timeAxis = (int64_t)op.getTimeAxis();
    int64_t rank = type.getRank();
    Value x = op.getInput(), lens = op.getSequenceLens();
    SmallVector<Value> dims = dimValues(rewriter, loc, x);
    checkEqual(rewriter, loc, dimValues(rewriter, loc, lens)[0], dims[batchAxis],
               "sequence_lens has {0} entries for a batch of {1}");
    Value time = dims[timeAxis];
    rewriter.replaceOp(op, mapUnary(rewriter, loc, x, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      SmallVector<Value> at = loopIndices(b, l, rank);
      Value len = toIndex(b, l, b.create<tensor::ExtractOp>(l, lens, at[batchAxis]));
      Value zero = b.create<arith::ConstantIndexOp>(l, 0);
      Value inRange = b.create<arith::AndIOp>(
          l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, len, zero),
          b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, len, time));
      emitCheck(b, l, inRange, "a sequence length of {0} does not fit {1} time steps", {len, time});
      len = b.create<arith::SelectOp>(l, inRange, len, zero);
      Value t = at[timeAxis];
      Value reversed = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, t, len);
      SmallVector<Value> from(at);
      from[timeAxis] = b.create<arith::SubIOp>(l, b.create<arith::SubIOp>(l, len, b.create<arith::ConstantIndexOp>(l, 1)), t);
      Value flipped = b.create<tensor::ExtractOp>(l, x, from);
      return b.create<arith::SelectOp>(l, reversed, flipped, a[0]);
    }));
    return success();
  }
};

/// CumSum/CumProd along an axis read from a tensor (a constant in
/// practice): each output sums the inputs up to it (or after it, reversed).
template <typename OpTy, bool isProduct>
struct LowerCumulative : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    Value x = op.getX();
    SmallVector<Value> dims = dimValues(rewriter, loc, x);
    Value rankValue = rewriter.create<arith::ConstantIndexOp>(loc, rank);
    Value axis = checkedIndex(rewriter, loc, scalarOf(rewriter, loc, op.getAxis(), "axis"), rankValue,
                              "axis");
    bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
    Type element = type.getElementType();
    bool isFloat = isa<FloatType>(element);
    rewriter.replaceOp(op, mapUnary(rewriter, loc, x, [&](OpBuilder &b, Location l, ValueRange) -> Value {
      SmallVector<Value> at = loopIndices(b, l, rank);
      SmallVector<Value> isAxis;
      Value i = b.create<arith::ConstantIndexOp>(l, 0), n = i;
      for (int64_t d = 0; d < rank; ++d) {
        isAxis.push_back(b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, axis,
                                                 b.create<arith::ConstantIndexOp>(l, d)));
        i = b.create<arith::SelectOp>(l, isAxis[d], at[d], i);
        n = b.create<arith::SelectOp>(l, isAxis[d], dims[d], n);
      }
      // Terms k in [lo, hi): [0, i] or [0, i), reversed [i, n) or (i, n).
      Value one = b.create<arith::ConstantIndexOp>(l, 1);
      Value lo = reverse ? (exclusive ? b.create<arith::AddIOp>(l, i, one).getResult() : i)
                         : b.create<arith::ConstantIndexOp>(l, 0).getResult();
      Value hi = reverse ? n : (exclusive ? i : b.create<arith::AddIOp>(l, i, one).getResult());
      Value init = scalarConstant(b, l, element, isProduct ? 1 : 0);
      auto loop = b.create<scf::ForOp>(l, lo, hi, one, ValueRange{init},
                                       [&](OpBuilder &lb, Location, Value k, ValueRange acc) {
                                         SmallVector<Value> from;
                                         for (int64_t d = 0; d < rank; ++d)
                                           from.push_back(lb.create<arith::SelectOp>(l, isAxis[d], k, at[d]));
                                         Value v = lb.create<tensor::ExtractOp>(l, x, from);
                                         Value r = isProduct ? (isFloat ? lb.create<arith::MulFOp>(l, acc[0], v).getResult()
                                                                        : lb.create<arith::MulIOp>(l, acc[0], v).getResult())
                                                             : (isFloat ? lb.create<arith::AddFOp>(l, acc[0], v).getResult()
                                                                        : lb.create<arith::AddIOp>(l, acc[0], v).getResult());
                                         lb.create<scf::YieldOp>(l, r);
                                       });
      return loop.getResult(0);
    }));
    return success();
  }
};

/// Einsum as one linalg.generic: a loop per label, the output's parallel,
/// the rest reductions; a label repeated in one input reads its diagonal,
/// and a dim of 1 broadcasts against a labelled dim.
struct LowerEinsum : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EinsumOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> ranks;
    for (Value v : op.getInputs()) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t)
        return rewriter.notifyMatchFailure(op, "unranked");
      ranks.push_back(t.getRank());
    }
    std::string error;
    FailureOr<EinsumSpec> spec = parseEinsum(op.getEquation(), ranks, error);
    if (!resultType || failed(spec))
      return rewriter.notifyMatchFailure(op, error);
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    // Loop order: output labels, then the summed ones.
    SmallVector<char> loops(spec->output);
    for (const auto &labels : spec->inputs)
      for (char c : labels)
        if (!llvm::is_contained(loops, c))
          loops.push_back(c);
    std::map<char, unsigned> loopOf;
    for (auto [i, c] : llvm::enumerate(loops))
      loopOf[c] = i;
    // Each label's size: from an input whose dim is not a broadcast 1.
    std::map<char, OpFoldResult> sizes;
    for (auto [labels, v] : llvm::zip(spec->inputs, op.getInputs())) {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<OpFoldResult> dims = getDims(rewriter, loc, v);
      for (auto [j, c] : llvm::enumerate(labels))
        if (!sizes.count(c) || (t.getDimSize(j) != 1 && isConstantIntValue(sizes[c], 1)))
          sizes[c] = dims[j];
    }
    SmallVector<AffineMap> maps;
    for (auto [labels, v] : llvm::zip(spec->inputs, op.getInputs())) {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<OpFoldResult> dims = getDims(rewriter, loc, v);
      SmallVector<AffineExpr> exprs;
      for (auto [j, c] : llvm::enumerate(labels)) {
        bool stretched = t.getDimSize(j) == 1 && !isConstantIntValue(sizes[c], 1);
        exprs.push_back(stretched ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(loopOf[c], ctx));
        if (!stretched)
          checkEqual(rewriter, loc, dims[j], sizes[c],
                     "label '" + Twine(c) + "' has sizes {0} and {1}");
      }
      maps.push_back(AffineMap::get(loops.size(), 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    SmallVector<OpFoldResult> outDims;
    for (char c : spec->output) {
      outExprs.push_back(getAffineDimExpr(loopOf[c], ctx));
      outDims.push_back(sizes[c]);
    }
    maps.push_back(AffineMap::get(loops.size(), 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iterators;
    for (size_t i = 0; i < loops.size(); ++i)
      iterators.push_back(i < spec->output.size() ? utils::IteratorType::parallel
                                                  : utils::IteratorType::reduction);
    Type element = resultType.getElementType();
    bool isFloat = isa<FloatType>(element);
    Value init = rewriter.create<linalg::FillOp>(loc, scalarConstant(rewriter, loc, element, 0),
                                                 emptyTensor(rewriter, loc, resultType, outDims))
                     .getResult(0);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, resultType, op.getInputs(), init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value product = args[0];
          for (Value v : args.drop_front().drop_back())
            product = isFloat ? b.create<arith::MulFOp>(l, product, v).getResult()
                              : b.create<arith::MulIOp>(l, product, v).getResult();
          Value sum = isFloat ? b.create<arith::AddFOp>(l, args.back(), product).getResult()
                              : b.create<arith::AddIOp>(l, args.back(), product).getResult();
          b.create<linalg::YieldOp>(l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// RotaryEmbedding: each pair (x1, x2) of the rotated part of a head turns by
/// the angle whose cos/sin the caches hold for its position: (x1 cos - x2 sin,
/// x1 sin + x2 cos), pairs being the two halves or (interleaved) neighbours.
struct LowerRotaryEmbedding : OpRewritePattern<RotaryEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RotaryEmbeddingOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!type || (type.getRank() != 3 && type.getRank() != 4))
      return rewriter.notifyMatchFailure(op, "needs a 3-D or 4-D input");
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    bool fourD = type.getRank() == 4;
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getX());
    // The head size: dim 3, or the hidden size over num_heads.
    OpFoldResult head = dims[3 - !fourD];
    if (!fourD) {
      int64_t heads = op.getNumHeads() ? (int64_t)*op.getNumHeads() : 0;
      if (heads <= 0)
        return rewriter.notifyMatchFailure(op, "3-D input needs num_heads");
      head = m.floorDiv(dims[2], heads);
      checkEqual(rewriter, loc, m.mul(head, m.c(heads)), dims[2],
                 "the hidden size {1} is not a multiple of num_heads");
    }
    int64_t rotaryAttr = (int64_t)op.getRotaryEmbeddingDim();
    Value rotary = m.value(rotaryAttr > 0 ? m.c(rotaryAttr) : head);
    Value half = m.value(m.floorDiv(rotary, 2));
    Value headValue = m.value(head);
    emitCheck(rewriter, loc, m.cmp(arith::CmpIPredicate::sle, rotary, headValue),
              "rotary_embedding_dim {0} exceeds the head size {1}", {rotary, headValue});
    Value cosCache = op.getCosCache(), sinCache = op.getSinCache(), positions = op.getPositionIds();
    checkEqual(rewriter, loc, getDims(rewriter, loc, cosCache).back(), half,
               "the caches' last dim is {0}, expected rotary_embedding_dim / 2 = {1}");
    bool interleaved = op.getInterleaved() != 0;
    Value x = op.getX();
    Value limit = positions ? m.value(getDims(rewriter, loc, cosCache)[0]) : Value();
    rewriter.replaceOp(op, mapUnary(rewriter, loc, x, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      SmallVector<Value> at = loopIndices(b, l, type.getRank());
      Value batch = at[0], seq = fourD ? at[2] : at[1];
      Value i = fourD ? at[3] : b.create<arith::RemUIOp>(l, at[2], headValue).getResult();
      Value base = b.create<arith::SubIOp>(l, at.back(), i); // the head's first element
      Value rotated = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, rotary);
      // The pair index j and the partner element of i.
      Value one = b.create<arith::ConstantIndexOp>(l, 1), two = b.create<arith::ConstantIndexOp>(l, 2);
      Value j, first, second, isFirst;
      if (interleaved) {
        j = b.create<arith::DivUIOp>(l, i, two);
        isFirst = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, b.create<arith::RemUIOp>(l, i, two),
                                          b.create<arith::ConstantIndexOp>(l, 0));
        first = b.create<arith::MulIOp>(l, j, two);
        second = b.create<arith::AddIOp>(l, first, one);
      } else {
        isFirst = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, half);
        j = b.create<arith::SelectOp>(l, isFirst, i, b.create<arith::SubIOp>(l, i, half));
        first = j;
        second = b.create<arith::AddIOp>(l, j, half);
      }
      // Clamp so that elements outside the rotated part still read in bounds.
      Value zero = b.create<arith::ConstantIndexOp>(l, 0);
      Value lastPair = b.create<arith::MaxSIOp>(l, b.create<arith::SubIOp>(l, half, one), zero);
      j = b.create<arith::MinSIOp>(l, j, lastPair);
      Value lastRotated = b.create<arith::MaxSIOp>(l, b.create<arith::SubIOp>(l, rotary, one), zero);
      first = b.create<arith::MinSIOp>(l, first, lastRotated);
      second = b.create<arith::MinSIOp>(l, second, lastRotated);
      SmallVector<Value> cacheAt;
      if (positions) {
        Value p = toIndex(b, l, b.create<tensor::ExtractOp>(l, positions, ValueRange{batch, seq}));
        Value inRange = b.create<arith::AndIOp>(l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, p, zero),
                                                b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, p, limit));
        emitCheck(b, l, inRange, "position {0} is outside the caches' {1} rows", {p, limit});
        cacheAt = {b.create<arith::SelectOp>(l, inRange, p, zero), j};
      } else {
        cacheAt = {batch, seq, j};
      }
      Value c = b.create<tensor::ExtractOp>(l, cosCache, cacheAt);
      Value s = b.create<tensor::ExtractOp>(l, sinCache, cacheAt);
      SmallVector<Value> at1(at), at2(at);
      at1.back() = b.create<arith::AddIOp>(l, base, first);
      at2.back() = b.create<arith::AddIOp>(l, base, second);
      Value x1 = b.create<tensor::ExtractOp>(l, x, at1), x2 = b.create<tensor::ExtractOp>(l, x, at2);
      Value real = b.create<arith::SubFOp>(l, b.create<arith::MulFOp>(l, c, x1), b.create<arith::MulFOp>(l, s, x2));
      Value imag = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, s, x1), b.create<arith::MulFOp>(l, c, x2));
      Value v = b.create<arith::SelectOp>(l, isFirst, real, imag);
      return b.create<arith::SelectOp>(l, rotated, v, a[0]);
    }));
    return success();
  }
};

} // namespace

void populateIndexingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerGatherElements, LowerGatherND, LowerScatterElements, LowerScatterND,
               LowerOneHot, LowerTopK, LowerHardmax, LowerEyeLike, LowerNonZero, LowerCompress,
               LowerBlocks<DepthToSpaceOp, true>, LowerBlocks<SpaceToDepthOp, false>,
               LowerReverseSequence, LowerCumulative<CumSumOp, false>,
               LowerCumulative<CumProdOp, true>, LowerEinsum, LowerRotaryEmbedding>(patterns.getContext());
}

} // namespace ingot::lowering
