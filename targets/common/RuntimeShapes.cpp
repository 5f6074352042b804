//===- RuntimeShapes.cpp - Sizes only known at run time -------------------===//

#include "targets/common/RuntimeShapes.h"

#include "targets/common/LoweringUtils.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace ingot::lowering {

void emitCheck(OpBuilder &b, Location loc, Value ok, const Twine &what, ValueRange values) {
  if (matchPattern(ok, m_One()))
    return;
  b.create<graph::RuntimeCheckOp>(loc, ok, values,
                                  b.getStringAttr(graph::describeNode(loc) + ": " + what.str()));
}

void checkEqual(OpBuilder &b, Location loc, OpFoldResult lhs, OpFoldResult rhs, const Twine &what) {
  if (isa<Attribute>(lhs) && isa<Attribute>(rhs))
    return;
  Value l = toValue(b, loc, lhs), r = toValue(b, loc, rhs);
  if (l == r)
    return;
  emitCheck(b, loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, l, r), what, {l, r});
}

Value castChecked(OpBuilder &b, Location loc, Value value, RankedTensorType type) {
  if (value.getType() == type)
    return value;
  auto from = cast<RankedTensorType>(value.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (from.isDynamicDim(d) && !type.isDynamicDim(d))
      checkEqual(b, loc, b.create<tensor::DimOp>(loc, value, d).getResult(), b.getIndexAttr(type.getDimSize(d)),
                 "result dim " + Twine(d) + " is {0} at run time; the model declares {1}");
  return b.create<tensor::CastOp>(loc, type, value);
}

void checkNonNegative(OpBuilder &b, Location loc, Value size, const Twine &what) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  emitCheck(b, loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, size, zero), what,
            {size});
}

void checkBufferSizes(OpBuilder &b, Location loc, RankedTensorType type,
                      ArrayRef<OpFoldResult> dims) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(toValue(b, loc, dims[i]));
  auto isTensorDim = [](Value v) { return v.getDefiningOp<tensor::DimOp>() != nullptr; };
  if (dynamic.empty() || (dynamic.size() == 1 && isTensorDim(dynamic[0])))
    return;
  int64_t bytes = std::max<int64_t>(1, (type.getElementTypeBitWidth() + 7) / 8);
  for (int64_t d : type.getShape())
    if (!ShapedType::isDynamic(d))
      bytes *= std::max<int64_t>(d, 1);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  // total = bytes * dims, kept below 2^62 by dividing the limit first.
  Value limit = b.create<arith::ConstantIndexOp>(loc, (int64_t(1) << 62) / bytes);
  Value fits = b.create<arith::ConstantIntOp>(loc, 1, 1);
  Value product = b.create<arith::ConstantIndexOp>(loc, 1);
  for (auto [i, dim] : llvm::enumerate(dynamic)) {
    if (!isTensorDim(dim))
      emitCheck(b, loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, dim, zero),
                "a result dim is {0}; sizes cannot be negative", {dim});
    // product * dim <= limit  <=>  dim == 0 || product <= limit / dim
    Value isZero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, dim, zero);
    Value safe = b.create<arith::SelectOp>(loc, isZero, b.create<arith::ConstantIndexOp>(loc, 1), dim);
    Value room = b.create<arith::DivUIOp>(loc, limit, safe);
    Value ok = b.create<arith::OrIOp>(
        loc, isZero, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ule, product, room));
    fits = b.create<arith::AndIOp>(loc, fits, ok);
    product = b.create<arith::MulIOp>(loc, product, dim);
  }
  emitCheck(b, loc, fits, "the result would need more than 2^62 bytes");
}

namespace {

Value isEqual(OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y);
}

/// `operand` with each dim in `stretched` expanded to `dims[d]` when it is 1
/// at run time: a gather over the result-sized copy.
Value expandStretched(OpBuilder &b, Location loc, Value operand, ArrayRef<int64_t> stretched,
                      ArrayRef<OpFoldResult> dims) {
  auto type = cast<RankedTensorType>(operand.getType());
  SmallVector<OpFoldResult> outDims = getDims(b, loc, operand);
  SmallVector<Value> isOne(type.getRank());
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  for (int64_t j : stretched) {
    isOne[j] = isEqual(b, loc, toValue(b, loc, outDims[j]), one);
    outDims[j] = dims[j];
  }
  return buildParallelGeneric(
      b, loc, {}, {}, emptyTensor(b, loc, type, outDims),
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        SmallVector<Value> coords;
        Value zero = nb.create<arith::ConstantIndexOp>(l, 0);
        for (int64_t j = 0; j < type.getRank(); ++j) {
          Value i = nb.create<linalg::IndexOp>(l, j);
          coords.push_back(isOne[j] ? nb.create<arith::SelectOp>(l, isOne[j], zero, i).getResult()
                                    : i);
        }
        return nb.create<tensor::ExtractOp>(l, operand, coords);
      });
}

} // namespace

Broadcast broadcastOperands(OpBuilder &b, Location loc, ValueRange operands,
                            RankedTensorType resultType, unsigned excludedTrailingDims,
                            ArrayRef<OpFoldResult> resultDims) {
  int64_t rank = resultType.getRank();
  int64_t broadcastRank = rank - excludedTrailingDims;
  Broadcast out;
  SmallVector<SmallVector<OpFoldResult>> operandDims;
  for (Value operand : operands)
    operandDims.push_back(getDims(b, loc, operand));
  // The offset of operand k's dim 0 in the result's dims.
  auto offsetOf = [&](size_t k) {
    return rank - cast<RankedTensorType>(operands[k].getType()).getRank();
  };
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultDims.empty()) {
      out.dims.push_back(resultDims[d]);
      continue;
    }
    if (!resultType.isDynamicDim(d)) {
      out.dims.push_back(b.getIndexAttr(resultType.getDimSize(d)));
      continue;
    }
    // The first operand dim that is not 1 at run time, else 1.
    Value dim;
    for (size_t k = 0; k < operands.size(); ++k) {
      int64_t j = d - offsetOf(k);
      auto type = cast<RankedTensorType>(operands[k].getType());
      if (j < 0 || (d >= broadcastRank && excludedTrailingDims) || type.getDimSize(j) == 1)
        continue;
      Value v = toValue(b, loc, operandDims[k][j]);
      dim = dim ? b.create<arith::SelectOp>(loc, isEqual(b, loc, dim, one), v, dim).getResult() : v;
    }
    out.dims.push_back(dim ? OpFoldResult(dim) : OpFoldResult(b.getIndexAttr(1)));
  }

  for (size_t k = 0; k < operands.size(); ++k) {
    auto type = cast<RankedTensorType>(operands[k].getType());
    int64_t offset = offsetOf(k);
    SmallVector<int64_t> stretched;
    Value allEqual;
    for (int64_t j = 0; j < type.getRank() - (int64_t)excludedTrailingDims; ++j) {
      int64_t d = offset + j;
      if (type.getDimSize(j) == 1 || d >= broadcastRank)
        continue;
      if (!type.isDynamicDim(j) && !resultType.isDynamicDim(d))
        continue; // static against static: the op's verifier checked them
      Value v = toValue(b, loc, operandDims[k][j]);
      Value r = toValue(b, loc, out.dims[d]);
      if (v == r)
        continue;
      Value same = isEqual(b, loc, v, r);
      Value ok = b.create<arith::OrIOp>(loc, same, isEqual(b, loc, v, one));
      emitCheck(b, loc, ok,
                "dim " + Twine(d) + " of input " + Twine(k) + " does not broadcast: {0} vs {1}",
                {v, r});
      if (!type.isDynamicDim(j) || (!resultType.isDynamicDim(d) && resultType.getDimSize(d) == 1))
        continue; // a static operand dim is never stretched; a result dim of 1 needs none
      stretched.push_back(j);
      allEqual = allEqual ? b.create<arith::AndIOp>(loc, allEqual, same).getResult() : same;
    }
    Value operand = operands[k];
    if (!stretched.empty()) {
      SmallVector<OpFoldResult> targetDims;
      for (int64_t j = 0; j < type.getRank(); ++j)
        targetDims.push_back(out.dims[offset + j]);
      operand = b.create<scf::IfOp>(
                     loc, allEqual,
                     [&](OpBuilder &nb, Location l) { nb.create<scf::YieldOp>(l, operands[k]); },
                     [&](OpBuilder &nb, Location l) {
                       nb.create<scf::YieldOp>(
                           l, expandStretched(nb, l, operands[k], stretched, targetDims));
                     })
                    .getResult(0);
    }
    out.operands.push_back(operand);
  }
  return out;
}

} // namespace ingot::lowering
