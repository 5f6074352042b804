//===- LoweringUtils.cpp - Helpers shared by the graph -> linalg patterns -===//

#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/AffineExpr.h"

using namespace mlir;

namespace ingot::lowering {

SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> dims;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.isDynamicDim(i))
      dims.push_back(b.create<tensor::DimOp>(loc, value, i).getResult());
    else
      dims.push_back(b.getIndexAttr(type.getDimSize(i)));
  }
  return dims;
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> dims) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.isDynamicDim(i)) {
      dynamic.push_back(toValue(b, loc, dims[i]));
      continue;
    }
    // A size the model declared (an output's shape, value_info) but that the
    // data decides (NonZero, a Reshape to a computed shape): hold it to it.
    checkEqual(b, loc, dims[i], b.getIndexAttr(type.getDimSize(i)),
               "result dim " + Twine(i) + " is {0} at run time; the model declares {1}");
  }
  checkBufferSizes(b, loc, type, dims);
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamic);
}

SmallVector<OpFoldResult> broadcastDims(OpBuilder &b, Location loc, ValueRange operands,
                                        RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> dims;
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d)) {
      dims.push_back(b.getIndexAttr(resultType.getDimSize(d)));
      continue;
    }
    OpFoldResult dim;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t i = d - (rank - type.getRank());
      if (i < 0 || type.getDimSize(i) == 1)
        continue;
      dim = b.create<tensor::DimOp>(loc, operand, i).getResult();
      break;
    }
    dims.push_back(dim ? dim : b.getIndexAttr(1));
  }
  return dims;
}

AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType operandType,
                       RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  int64_t offset = rank - operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < operandType.getRank(); ++i) {
    bool broadcast = operandType.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(offset + i, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto fp = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(fp, value));
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, (int64_t)value));
}

Value extremeConstant(OpBuilder &b, Location loc, Type type, bool lowest, bool isUnsigned) {
  if (auto fp = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(
        loc, b.getFloatAttr(fp, APFloat::getInf(fp.getFloatSemantics(), lowest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt v = lowest ? APInt::getSignedMinValue(width) : APInt::getSignedMaxValue(width);
  if (isUnsigned)
    v = lowest ? APInt::getMinValue(width) : APInt::getMaxValue(width);
  if (width == 1)
    v = APInt(1, lowest ? 0 : 1);
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, v));
}

/// Float -> integer, rounding toward zero, with every input defined (LLVM's
/// conversion of an out-of-range value is poison): NaN gives 0; values out
/// of range saturate, except for 4- and 2-bit integers, which take 0 as
/// the ONNX reference (ml_dtypes) does.
static Value floatToInteger(OpBuilder &b, Location loc, Value x, IntegerType to, bool isUnsigned) {
  Type from = x.getType();
  unsigned width = to.getWidth();
  double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double end = isUnsigned ? std::ldexp(1.0, width) : std::ldexp(1.0, width - 1); // hi + 1
  Value converted = isUnsigned ? b.create<arith::FPToUIOp>(loc, to, x).getResult()
                               : b.create<arith::FPToSIOp>(loc, to, x).getResult();
  auto cmp = [&](arith::CmpFPredicate p, double v) {
    return b.create<arith::CmpFOp>(loc, p, x, scalarConstant(b, loc, from, v)).getResult();
  };
  auto select = [&](Value c, Value t, Value f) { return b.create<arith::SelectOp>(loc, c, t, f).getResult(); };
  Value zero = b.create<arith::ConstantOp>(loc, b.getIntegerAttr(to, 0));
  Value isNan = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, x, x);
  Value below = cmp(arith::CmpFPredicate::OLE, lo - 1), above = cmp(arith::CmpFPredicate::OGE, end);
  if (width <= 4) {
    Value outside = b.create<arith::OrIOp>(loc, isNan, b.create<arith::OrIOp>(loc, below, above));
    return select(outside, zero, converted);
  }
  APInt minValue = isUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width);
  APInt maxValue = isUnsigned ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width);
  Value lowest = b.create<arith::ConstantOp>(loc, b.getIntegerAttr(to, minValue));
  Value highest = b.create<arith::ConstantOp>(loc, b.getIntegerAttr(to, maxValue));
  return select(isNan, zero, select(below, lowest, select(above, highest, converted)));
}

Value castScalar(OpBuilder &b, Location loc, Value value, Type to, bool fromUnsigned,
                 bool toUnsigned, bool saturate) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (isFloat8(from))
    return castScalar(b, loc, decodeFloat8(b, loc, value), to, false, toUnsigned, saturate);
  if (isFloat8(to))
    return encodeFloat8(b, loc, castScalar(b, loc, value, b.getF32Type(), fromUnsigned), to,
                        saturate);
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth())
      return b.create<arith::ExtFOp>(loc, to, value);
    return b.create<arith::TruncFOp>(loc, to, value);
  }
  if (fromFloat) {
    if (to.isInteger(1)) {
      Value zero = scalarConstant(b, loc, from, 0.0);
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, value, zero);
    }
    return floatToInteger(b, loc, value, cast<IntegerType>(to), toUnsigned);
  }
  if (toFloat) {
    if (from.isInteger(1) || fromUnsigned)
      return b.create<arith::UIToFPOp>(loc, to, value);
    return b.create<arith::SIToFPOp>(loc, to, value);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (toWidth == 1) {
    Value zero = scalarConstant(b, loc, from, 0);
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, value, zero);
  }
  if (fromWidth < toWidth)
    return fromWidth == 1 || fromUnsigned ? b.create<arith::ExtUIOp>(loc, to, value).getResult()
                                          : b.create<arith::ExtSIOp>(loc, to, value).getResult();
  return b.create<arith::TruncIOp>(loc, to, value);
}

Value reciprocalSqrt(OpBuilder &b, Location loc, Value x) {
  Value one = scalarConstant(b, loc, x.getType(), 1.0);
  return b.create<arith::DivFOp>(loc, one, b.create<math::SqrtOp>(loc, x));
}

Value buildParallelGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> inputMaps, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, type, inputs, init, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        nested.create<linalg::YieldOp>(nestedLoc, result);
      });
  return generic.getResult(0);
}

Value mapLike(OpBuilder &b, Location loc, Value like, ValueRange inputs, ArrayRef<AffineMap> maps,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(like.getType());
  return buildParallelGeneric(b, loc, inputs, maps, emptyTensor(b, loc, type, getDims(b, loc, like)),
                              body);
}

Value mapUnary(OpBuilder &b, Location loc, Value input,
               function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(input.getType());
  return mapLike(b, loc, input, input, b.getMultiDimIdentityMap(type.getRank()), body);
}

Value padWithValue(OpBuilder &b, Location loc, Value input, ArrayRef<OpFoldResult> low,
                   ArrayRef<OpFoldResult> high, Value value) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> inDims = getDims(b, loc, input), dims;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    std::optional<int64_t> l = getConstantIntValue(low[d]), h = getConstantIntValue(high[d]);
    if (!type.isDynamicDim(d) && l && h) {
      shape.push_back(type.getDimSize(d) + *l + *h);
      dims.push_back(b.getIndexAttr(shape.back()));
      continue;
    }
    shape.push_back(ShapedType::kDynamic);
    Value size = b.create<arith::AddIOp>(loc, toValue(b, loc, inDims[d]), toValue(b, loc, low[d]));
    dims.push_back(b.create<arith::AddIOp>(loc, size, toValue(b, loc, high[d])).getResult());
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value filled =
      b.create<linalg::FillOp>(loc, value, emptyTensor(b, loc, resultType, dims)).getResult(0);
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return b.create<tensor::InsertSliceOp>(loc, input, filled, low, inDims, strides);
}

Value IndexMath::value(OpFoldResult x) { return toValue(b, loc, x); }

namespace {
/// f(x, y) folded when both are constants, else `build` on their values.
template <typename Fold, typename Build>
OpFoldResult binary(IndexMath &m, OpFoldResult x, OpFoldResult y, Fold fold, Build build) {
  std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return m.c(fold(*cx, *cy));
  return build(m.value(x), m.value(y));
}
int64_t floorDivide(int64_t x, int64_t y) { return x / y - ((x % y != 0) && ((x < 0) != (y < 0))); }
} // namespace

OpFoldResult IndexMath::add(OpFoldResult x, OpFoldResult y) {
  if (isConstantIntValue(y, 0))
    return x;
  if (isConstantIntValue(x, 0))
    return y;
  return binary(*this, x, y, [](int64_t p, int64_t q) { return p + q; },
                [&](Value p, Value q) { return b.create<arith::AddIOp>(loc, p, q).getResult(); });
}
OpFoldResult IndexMath::sub(OpFoldResult x, OpFoldResult y) {
  if (isConstantIntValue(y, 0))
    return x;
  return binary(*this, x, y, [](int64_t p, int64_t q) { return p - q; },
                [&](Value p, Value q) { return b.create<arith::SubIOp>(loc, p, q).getResult(); });
}
OpFoldResult IndexMath::mul(OpFoldResult x, OpFoldResult y) {
  if (isConstantIntValue(y, 1))
    return x;
  if (isConstantIntValue(x, 1))
    return y;
  return binary(*this, x, y, [](int64_t p, int64_t q) { return p * q; },
                [&](Value p, Value q) { return b.create<arith::MulIOp>(loc, p, q).getResult(); });
}
OpFoldResult IndexMath::floorDiv(OpFoldResult x, int64_t y) {
  if (y == 1)
    return x;
  return binary(*this, x, c(y), floorDivide, [&](Value p, Value q) {
    return b.create<arith::FloorDivSIOp>(loc, p, q).getResult();
  });
}
OpFoldResult IndexMath::ceilDiv(OpFoldResult x, int64_t y) {
  if (y == 1)
    return x;
  return binary(*this, x, c(y), [](int64_t p, int64_t q) { return -floorDivide(-p, q); },
                [&](Value p, Value q) { return b.create<arith::CeilDivSIOp>(loc, p, q).getResult(); });
}
OpFoldResult IndexMath::max(OpFoldResult x, OpFoldResult y) {
  return binary(*this, x, y, [](int64_t p, int64_t q) { return std::max(p, q); },
                [&](Value p, Value q) { return b.create<arith::MaxSIOp>(loc, p, q).getResult(); });
}
OpFoldResult IndexMath::min(OpFoldResult x, OpFoldResult y) {
  return binary(*this, x, y, [](int64_t p, int64_t q) { return std::min(p, q); },
                [&](Value p, Value q) { return b.create<arith::MinSIOp>(loc, p, q).getResult(); });
}
OpFoldResult IndexMath::select(Value cond, OpFoldResult x, OpFoldResult y) {
  if (std::optional<int64_t> known = getConstantIntValue(cond))
    return *known ? x : y;
  return b.create<arith::SelectOp>(loc, cond, value(x), value(y)).getResult();
}
Value IndexMath::cmp(arith::CmpIPredicate p, OpFoldResult x, OpFoldResult y) {
  return b.create<arith::CmpIOp>(loc, p, value(x), value(y));
}

Value mapUnaryTo(OpBuilder &b, Location loc, Value input, Type element,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(input.getType());
  return buildParallelGeneric(b, loc, input, b.getMultiDimIdentityMap(type.getRank()),
                              emptyTensor(b, loc, type.clone(element), getDims(b, loc, input)),
                              body);
}

Value toIndex(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isIndex())
    return value;
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), value);
}

Value toValue(OpBuilder &b, Location loc, OpFoldResult ofr) {
  if (auto value = dyn_cast<Value>(ofr))
    return value;
  return b.create<arith::ConstantIndexOp>(loc, cast<IntegerAttr>(cast<Attribute>(ofr)).getInt());
}

Value reshapeTo(OpBuilder &b, Location loc, Value input, RankedTensorType resultType,
                ArrayRef<OpFoldResult> dims) {
  if (input.getType() == resultType)
    return input;
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < resultType.getRank(); ++i) {
    Value size = resultType.isDynamicDim(i)
                     ? toValue(b, loc, dims[i])
                     : b.create<arith::ConstantIndexOp>(loc, resultType.getDimSize(i));
    sizes.push_back(b.create<arith::IndexCastOp>(loc, b.getI64Type(), size));
  }
  Value shape = b.create<tensor::FromElementsOp>(
      loc, RankedTensorType::get({resultType.getRank()}, b.getI64Type()), sizes);
  return b.create<tensor::ReshapeOp>(loc, resultType, input, shape);
}

Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, bool keepDims,
             Value initValue, function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> dims = getDims(b, loc, input);
  SmallVector<int64_t> keptShape;
  SmallVector<OpFoldResult> keptDims;
  llvm::SmallBitVector reduced(type.getRank());
  for (int64_t axis : axes)
    reduced.set(axis);
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (reduced.test(i))
      continue;
    keptShape.push_back(type.getDimSize(i));
    keptDims.push_back(dims[i]);
  }
  Type element = initValue.getType();
  auto keptType = RankedTensorType::get(keptShape, element);
  Value init = b.create<linalg::FillOp>(loc, initValue, emptyTensor(b, loc, keptType, keptDims))
                   .getResult(0);
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    iterators.push_back(reduced.test(i) ? utils::IteratorType::reduction
                                        : utils::IteratorType::parallel);
    if (!reduced.test(i))
      outExprs.push_back(b.getAffineDimExpr(i));
  }
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(type.getRank()),
                              AffineMap::get(type.getRank(), 0, outExprs, b.getContext())};
  Value result =
      b.create<linalg::GenericOp>(loc, keptType, input, init, maps, iterators,
                                  [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                                    nested.create<linalg::YieldOp>(
                                        nestedLoc, combine(nested, nestedLoc, args[0], args[1]));
                                  })
          .getResult(0);
  if (!keepDims)
    return result;
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> outDims(dims);
  for (int64_t axis : axes) {
    shape[axis] = 1;
    outDims[axis] = b.getIndexAttr(1);
  }
  return reshapeTo(b, loc, result, RankedTensorType::get(shape, element), outDims);
}

void inlineDispatchRegion(RewriterBase &rewriter, graph::FusedOp region) {
  Block &body = region.getBody().front();
  auto yield = cast<graph::YieldOp>(body.getTerminator());
  // A yielded block argument is the region's input once inlined.
  SmallVector<Value> results;
  for (Value v : yield.getValues()) {
    auto arg = dyn_cast<BlockArgument>(v);
    results.push_back(arg && arg.getOwner() == &body ? region.getInputs()[arg.getArgNumber()] : v);
  }
  rewriter.eraseOp(yield);
  rewriter.inlineBlockBefore(&body, region, region.getInputs());
  rewriter.setInsertionPoint(region);
  for (auto [i, result] : llvm::enumerate(region.getResults()))
    if (results[i].getType() != result.getType())
      results[i] = rewriter.create<tensor::CastOp>(region.getLoc(), result.getType(), results[i]);
  rewriter.replaceOp(region, results);
}

} // namespace ingot::lowering
