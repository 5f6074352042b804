//===- Folds.cpp - Folders of graph ops -----------------------------------===//
//
// Folding evaluates constant subgraphs (the shape computations exporters emit:
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape) and removes no-ops
// (Identity, Reshape to the same type, x + 0). Constant evaluation reads small
// DenseElementsAttr values only: weights stay in resources and are never
// expanded here.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;

namespace ingot::graph {
namespace {

/// Non-splat results above this many elements are not folded.
constexpr int64_t kFoldElementLimit = 1 << 16;

/// A constant read into a flat vector, as integers or as doubles.
struct ConstTensor {
  RankedTensorType type;
  bool isFloat = false;
  SmallVector<int64_t> ints;
  SmallVector<double> floats;

  int64_t size() const { return isFloat ? floats.size() : ints.size(); }
  double asDouble(int64_t i) const { return isFloat ? floats[i] : (double)ints[i]; }
  int64_t asInt(int64_t i) const { return isFloat ? (int64_t)floats[i] : ints[i]; }
};

std::optional<ConstTensor> readConst(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(dense.getType());
  if (!type || (!dense.isSplat() && type.getNumElements() > kFoldElementLimit))
    return std::nullopt;
  ConstTensor c;
  c.type = type;
  Type element = type.getElementType();
  int64_t n = type.getNumElements();
  if (auto fp = dyn_cast<FloatType>(element)) {
    c.isFloat = true;
    if (dense.isSplat()) {
      c.floats.assign(n, dense.getSplatValue<APFloat>().convertToDouble());
    } else {
      for (APFloat v : dense.getValues<APFloat>()) {
        bool lost;
        v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
        c.floats.push_back(v.convertToDouble());
      }
    }
    return c;
  }
  if (!element.isIntOrIndex())
    return std::nullopt;
  bool isUnsigned = element.isUnsignedInteger() || element.isInteger(1);
  auto extend = [&](const APInt &v) {
    return isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue();
  };
  if (dense.isSplat())
    c.ints.assign(n, extend(dense.getSplatValue<APInt>()));
  else
    for (const APInt &v : dense.getValues<APInt>())
      c.ints.push_back(extend(v));
  return c;
}

/// A DenseElementsAttr of `type` from integer or float values.
Attribute makeConst(RankedTensorType type, ArrayRef<int64_t> ints, ArrayRef<double> floats,
                    bool fromFloat) {
  Type element = type.getElementType();
  int64_t n = type.getNumElements();
  if (auto fp = dyn_cast<FloatType>(element)) {
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < n; ++i) {
      APFloat v(fromFloat ? floats[i] : (double)ints[i]);
      bool lost;
      v.convert(fp.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(v);
    }
    return DenseElementsAttr::get(type, values);
  }
  if (!element.isIntOrIndex())
    return {};
  unsigned width = element.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = fromFloat ? (int64_t)floats[i] : ints[i];
    values.push_back(width == 1 ? APInt(1, v != 0) : APInt(width, v, /*isSigned=*/true));
  }
  return DenseElementsAttr::get(type, values);
}

Attribute makeConst(RankedTensorType type, const ConstTensor &c) {
  return makeConst(type, c.ints, c.floats, c.isFloat);
}

bool foldable(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && ranked.hasStaticShape() && ranked.getNumElements() <= kFoldElementLimit;
}

/// Flat index into `shape` (broadcast against `resultShape`) of the result
/// element at flat index `flat`.
int64_t broadcastIndex(int64_t flat, ArrayRef<int64_t> resultShape, ArrayRef<int64_t> shape) {
  int64_t index = 0, stride = 1;
  int64_t offset = resultShape.size() - shape.size();
  for (int64_t d = resultShape.size() - 1; d >= 0; --d) {
    int64_t coord = flat % resultShape[d];
    flat /= resultShape[d];
    if (d >= offset) {
      int64_t dim = shape[d - offset];
      index += (dim == 1 ? 0 : coord) * stride;
      stride *= dim;
    }
  }
  return index;
}

/// Evaluates an elementwise op over broadcast constant operands.
template <typename IntFn, typename FloatFn>
OpFoldResult foldElementwise(Operation *op, ArrayRef<Attribute> operands, IntFn intFn,
                             FloatFn floatFn) {
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType || !foldable(resultType) || operands.size() != 2)
    return {};
  auto a = readConst(operands[0]), b = readConst(operands[1]);
  if (!a || !b || a->isFloat != b->isFloat)
    return {};
  int64_t n = resultType.getNumElements();
  ArrayRef<int64_t> shape = resultType.getShape();
  SmallVector<int64_t> ints;
  SmallVector<double> floats;
  bool outFloat = isa<FloatType>(resultType.getElementType());
  for (int64_t i = 0; i < n; ++i) {
    int64_t ia = broadcastIndex(i, shape, a->type.getShape());
    int64_t ib = broadcastIndex(i, shape, b->type.getShape());
    if (a->isFloat) {
      double v = floatFn(a->floats[ia], b->floats[ib]);
      outFloat ? floats.push_back(v) : ints.push_back((int64_t)v);
    } else {
      std::optional<int64_t> v = intFn(a->ints[ia], b->ints[ib]);
      if (!v)
        return {};
      ints.push_back(*v);
    }
  }
  return makeConst(resultType, ints, floats, outFloat);
}

/// Whether `attr` is a splat equal to `value`.
bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return false;
  if (isa<FloatType>(dense.getElementType()))
    return dense.getSplatValue<APFloat>().convertToDouble() == value;
  if (dense.getElementType().isIntOrIndex())
    return (double)dense.getSplatValue<APInt>().getSExtValue() == value;
  return false;
}

/// `x op c` where c is the identity element and x already has the result type.
OpFoldResult foldIdentityOperand(Operation *op, ArrayRef<Attribute> operands,
                                 double identity, bool commutative) {
  Type resultType = op->getResult(0).getType();
  if (isSplatOf(operands[1], identity) && op->getOperand(0).getType() == resultType)
    return op->getOperand(0);
  if (commutative && isSplatOf(operands[0], identity) &&
      op->getOperand(1).getType() == resultType)
    return op->getOperand(1);
  return {};
}

/// Whether `type` is a ranked tensor of static shape.
bool isStatic(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && ranked.hasStaticShape();
}

/// Re-labels a constant with the result's shape (for Reshape-like ops), or
/// drops the op when it provably changes nothing. Equal types prove that
/// only when static: ?x? may be reshaped to a different ?x?.
OpFoldResult foldReshapeLike(Operation *op, Attribute input) {
  Type resultType = op->getResult(0).getType();
  if (op->getOperand(0).getType() == resultType && isStatic(resultType))
    return op->getOperand(0);
  auto dense = dyn_cast_or_null<DenseElementsAttr>(input);
  auto ranked = dyn_cast<RankedTensorType>(resultType);
  if (!dense || !ranked || !ranked.hasStaticShape())
    return {};
  return dense.reshape(ranked);
}

} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto resultType = dyn_cast<RankedTensorType>(getType());
  auto input = readConst(adaptor.getInput());
  if (!input || !resultType || !foldable(resultType))
    return {};
  // Float to bool is "non-zero"; float to integer truncates toward zero.
  if (input->isFloat && resultType.getElementType().isInteger(1)) {
    SmallVector<int64_t> ints;
    for (double v : input->floats)
      ints.push_back(v != 0);
    return makeConst(resultType, ints, {}, false);
  }
  return makeConst(resultType, *input);
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  auto input = readConst(adaptor.getX());
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!input || !type)
    return {};
  for (auto &v : input->ints) v = -v;
  for (auto &v : input->floats) v = -v;
  return makeConst(type, *input);
}

OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  auto input = readConst(adaptor.getX());
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!input || !input->isFloat || !type)
    return {};
  for (auto &v : input->floats) v = std::sqrt(v);
  return makeConst(type, *input);
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldIdentityOperand(*this, adaptor.getOperands(), 0, true))
    return same;
  return foldElementwise(*this, adaptor.getOperands(),
                         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a + b; },
                         [](double a, double b) { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldIdentityOperand(*this, adaptor.getOperands(), 0, false))
    return same;
  return foldElementwise(*this, adaptor.getOperands(),
                         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a - b; },
                         [](double a, double b) { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldIdentityOperand(*this, adaptor.getOperands(), 1, true))
    return same;
  return foldElementwise(*this, adaptor.getOperands(),
                         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a * b; },
                         [](double a, double b) { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldIdentityOperand(*this, adaptor.getOperands(), 1, false))
    return same;
  // Integer division truncates toward zero as in C (and ONNX Runtime).
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](int64_t a, int64_t b) -> std::optional<int64_t> {
        if (b == 0)
          return std::nullopt;
        return a / b;
      },
      [](double a, double b) { return a / b; });
}

OpFoldResult EqualOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](int64_t a, int64_t b) -> std::optional<int64_t> { return a == b; },
      [](double a, double b) { return double(a == b); });
}

OpFoldResult LessOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](int64_t a, int64_t b) -> std::optional<int64_t> { return a < b; },
      [](double a, double b) { return double(a < b); });
}

OpFoldResult GreaterOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](int64_t a, int64_t b) -> std::optional<int64_t> { return a > b; },
      [](double a, double b) { return double(a > b); });
}

OpFoldResult SumOp::fold(FoldAdaptor) {
  if (getData_0().size() == 1 && getData_0()[0].getType() == getType())
    return getData_0()[0];
  return {};
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  auto cond = readConst(adaptor.getCondition());
  if (!cond)
    return {};
  bool allTrue = llvm::all_of(cond->ints, [](int64_t v) { return v != 0; });
  bool allFalse = llvm::all_of(cond->ints, [](int64_t v) { return v == 0; });
  if (allTrue && getX().getType() == getType())
    return getX();
  if (allFalse && getY().getType() == getType())
    return getY();
  auto x = readConst(adaptor.getX()), y = readConst(adaptor.getY());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!x || !y || !resultType || !foldable(resultType))
    return {};
  ConstTensor out;
  out.isFloat = x->isFloat;
  ArrayRef<int64_t> shape = resultType.getShape();
  for (int64_t i = 0, n = resultType.getNumElements(); i < n; ++i) {
    bool pick = cond->ints[broadcastIndex(i, shape, cond->type.getShape())] != 0;
    const ConstTensor &src = pick ? *x : *y;
    int64_t at = broadcastIndex(i, shape, src.type.getShape());
    out.isFloat ? out.floats.push_back(src.floats[at]) : out.ints.push_back(src.ints[at]);
  }
  return makeConst(resultType, out);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getData());
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getData());
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getData());
}

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getInput());
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  auto type = dyn_cast<RankedTensorType>(getData().getType());
  if (!type)
    return {};
  SmallVector<int64_t> perm;
  if (auto attr = getPerm())
    perm.assign(attr->begin(), attr->end());
  else
    for (int64_t i = type.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  bool identity = llvm::all_of(llvm::enumerate(perm), [](auto p) {
    return (int64_t)p.index() == p.value();
  });
  if (identity && type == getType())
    return getData();
  auto input = readConst(adaptor.getData());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!input || !resultType || !foldable(resultType))
    return {};
  ArrayRef<int64_t> inShape = type.getShape();
  SmallVector<int64_t> inStrides(inShape.size(), 1);
  for (int64_t d = (int64_t)inShape.size() - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  ConstTensor out;
  out.isFloat = input->isFloat;
  ArrayRef<int64_t> outShape = resultType.getShape();
  for (int64_t i = 0, n = resultType.getNumElements(); i < n; ++i) {
    int64_t rem = i, src = 0;
    for (int64_t d = outShape.size() - 1; d >= 0; --d) {
      src += (rem % outShape[d]) * inStrides[perm[d]];
      rem /= outShape[d];
    }
    out.isFloat ? out.floats.push_back(input->floats[src]) : out.ints.push_back(input->ints[src]);
  }
  return makeConst(resultType, out);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!resultType || !foldable(resultType))
    return {};
  int64_t axis = *normalizeAxis((int64_t)getAxis(), resultType.getRank());
  SmallVector<ConstTensor> inputs;
  for (Attribute attr : adaptor.getInputs()) {
    auto c = readConst(attr);
    if (!c)
      return {};
    inputs.push_back(std::move(*c));
  }
  // Copy blocks of the inner size for each outer index.
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= resultType.getDimSize(d);
  ConstTensor out;
  out.isFloat = inputs[0].isFloat;
  for (int64_t o = 0; o < outer; ++o) {
    for (const ConstTensor &in : inputs) {
      int64_t block = in.size() / std::max<int64_t>(outer, 1);
      for (int64_t j = 0; j < block; ++j) {
        int64_t at = o * block + j;
        out.isFloat ? out.floats.push_back(in.asDouble(at)) : out.ints.push_back(in.asInt(at));
      }
    }
  }
  return makeConst(resultType, out);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto data = readConst(adaptor.getData());
  auto indices = readConst(adaptor.getIndices());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!data || !indices || !resultType || !foldable(resultType))
    return {};
  ArrayRef<int64_t> shape = data->type.getShape();
  int64_t axis = *normalizeAxis((int64_t)getAxis(), shape.size());
  int64_t outer = 1, inner = 1, dim = shape[axis];
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  ConstTensor out;
  out.isFloat = data->isFloat;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices->ints) {
      if (index < 0)
        index += dim;
      if (index < 0 || index >= dim)
        return {};
      for (int64_t j = 0; j < inner; ++j) {
        int64_t at = (o * dim + index) * inner + j;
        out.isFloat ? out.floats.push_back(data->floats[at]) : out.ints.push_back(data->ints[at]);
      }
    }
  }
  return makeConst(resultType, out);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto data = readConst(adaptor.getData());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!data || !resultType || !foldable(resultType))
    return {};
  auto starts = getIntValues(adaptor.getStarts());
  auto axes = getAxes() ? getIntValues(adaptor.getAxes())
                        : std::optional<SmallVector<int64_t>>(SmallVector<int64_t>{});
  auto steps = getSteps() ? getIntValues(adaptor.getSteps())
                          : std::optional<SmallVector<int64_t>>(SmallVector<int64_t>{});
  if (!starts || !axes || !steps)
    return {};
  ArrayRef<int64_t> inShape = data->type.getShape();
  int64_t rank = inShape.size();
  SmallVector<int64_t> begin(rank, 0), step(rank, 1);
  for (size_t i = 0; i < starts->size(); ++i) {
    int64_t axis = *normalizeAxis(axes->empty() ? (int64_t)i : (*axes)[i], rank);
    step[axis] = steps->empty() ? 1 : (*steps)[i];
    int64_t s = (*starts)[i], dim = inShape[axis];
    if (s < 0)
      s += dim;
    begin[axis] = step[axis] > 0 ? std::clamp<int64_t>(s, 0, dim)
                                 : std::clamp<int64_t>(s, 0, dim - 1);
  }
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  ArrayRef<int64_t> outShape = resultType.getShape();
  ConstTensor out;
  out.isFloat = data->isFloat;
  for (int64_t i = 0, n = resultType.getNumElements(); i < n; ++i) {
    int64_t rem = i, src = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      src += (begin[d] + (rem % outShape[d]) * step[d]) * inStrides[d];
      rem /= outShape[d];
    }
    out.isFloat ? out.floats.push_back(data->floats[src]) : out.ints.push_back(data->ints[src]);
  }
  return makeConst(resultType, out);
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!resultType || !resultType.hasStaticShape())
    return {};
  if (auto value = getValueAttr()) {
    auto dense = dyn_cast<DenseElementsAttr>(value);
    if (!dense)
      return {};
    return DenseElementsAttr::get(resultType, dense.getValues<Attribute>()[0]);
  }
  return DenseElementsAttr::get(resultType, FloatAttr::get(resultType.getElementType(), 0.0));
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto data = dyn_cast<RankedTensorType>(getData().getType());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!data || !resultType || !resultType.hasStaticShape())
    return {};
  int64_t rank = data.getRank();
  auto clamp = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clamp((int64_t)getStart());
  int64_t end = clamp(getEnd() ? (int64_t)*getEnd() : rank);
  SmallVector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) {
    if (data.isDynamicDim(i))
      return {};
    dims.push_back(data.getDimSize(i));
  }
  return makeConst(resultType, dims, {}, false);
}

OpFoldResult SizeOp::fold(FoldAdaptor) {
  auto data = dyn_cast<RankedTensorType>(getData().getType());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!data || !data.hasStaticShape() || !resultType)
    return {};
  return makeConst(resultType, {data.getNumElements()}, {}, false);
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && isStatic(getType()))
    return getInput();
  auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (dense && dense.isSplat() && resultType && resultType.hasStaticShape())
    return DenseElementsAttr::get(resultType, dense.getSplatValue<Attribute>());
  return {};
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  auto start = readConst(adaptor.getStart()), delta = readConst(adaptor.getDelta());
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!start || !delta || !resultType || !foldable(resultType))
    return {};
  ConstTensor out;
  out.isFloat = start->isFloat;
  for (int64_t i = 0, n = resultType.getNumElements(); i < n; ++i) {
    if (out.isFloat)
      out.floats.push_back(start->floats[0] + i * delta->floats[0]);
    else
      out.ints.push_back(start->ints[0] + i * delta->ints[0]);
  }
  return makeConst(resultType, out);
}

} // namespace ingot::graph
