//===- ShapeOps.cpp - Shape rules of data-movement ops --------------------===//
//
// Reshape, Transpose, Concat, Split, Slice, Gather, (Un)Squeeze, Flatten,
// constants, Shape/Size, Expand, Tile, Range, Pad, Resize, ArgMax/ArgMin.
// Where a shape comes from an operand, the rule reads it when that operand is
// a constant and otherwise keeps the rank with unknown dims.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/ops/InferHelpers.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::graph {
using namespace infer;

/// Rank of a 1-D shape operand (its length) when static.
static std::optional<int64_t> shapeOperandLength(Value shape) {
  auto type = ranked(shape);
  if (!type || type.getRank() != 1 || type.isDynamicDim(0))
    return std::nullopt;
  return type.getDimSize(0);
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type element = elementOf(adaptor.getData());
  auto target = getConstantInts(adaptor.getShape());
  if (!target) {
    auto length = shapeOperandLength(adaptor.getShape());
    types.push_back(length ? allDynamic(*length, element) : unranked(element));
    return success();
  }
  auto data = ranked(adaptor.getData());
  bool allowZero = adaptor.getAllowzero() != 0;
  SmallVector<int64_t> shape;
  int64_t inferredAt = -1, knownProduct = 1;
  bool knownAll = true;
  for (auto [i, dim] : llvm::enumerate(*target)) {
    if (dim < -1)
      return emitOptionalError(loc, "invalid dim ", dim, " in shape");
    if (dim == -1) {
      if (inferredAt >= 0)
        return emitOptionalError(loc, "shape has more than one -1");
      inferredAt = i;
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    if (dim == 0 && !allowZero) {
      if (!data || (int64_t)i >= data.getRank())
        return data ? emitOptionalError(loc, "shape copies dim ", i, " of a rank-",
                                        data.getRank(), " input")
                    : (shape.push_back(ShapedType::kDynamic), success());
      dim = data.getDimSize(i);
    }
    shape.push_back(dim);
    if (ShapedType::isDynamic(dim))
      knownAll = false;
    else
      knownProduct *= dim;
  }
  if (data && data.hasStaticShape()) {
    int64_t total = data.getNumElements();
    if (inferredAt >= 0 && knownAll) {
      if (knownProduct == 0 || total % knownProduct != 0)
        return emitOptionalError(loc, "cannot reshape ", data, " to shape with ",
                                 knownProduct, " elements and one -1");
      shape[inferredAt] = total / knownProduct;
    } else if (inferredAt < 0 && knownAll && knownProduct != total) {
      return emitOptionalError(loc, "cannot reshape ", data, " (", total,
                               " elements) to a shape of ", knownProduct, " elements");
    }
  }
  types.push_back(makeTensor(shape, element));
  return success();
}

/// The permutation of a Transpose: `perm`, or the reversed dims by default.
static SmallVector<int64_t> permutationOf(std::optional<ArrayRef<int64_t>> perm, int64_t rank) {
  if (perm)
    return SmallVector<int64_t>(*perm);
  SmallVector<int64_t> reversed;
  for (int64_t i = rank - 1; i >= 0; --i)
    reversed.push_back(i);
  return reversed;
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  if (!data) {
    types.push_back(adaptor.getData().getType());
    return success();
  }
  SmallVector<int64_t> perm = permutationOf(adaptor.getPerm(), data.getRank());
  if ((int64_t)perm.size() != data.getRank())
    return emitOptionalError(loc, "expected perm of ", data.getRank(), " values, got ",
                             perm.size());
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= data.getRank())
      return emitOptionalError(loc, "perm value ", p, " is out of range");
    shape.push_back(data.getDimSize(p));
  }
  types.push_back(makeTensor(shape, data.getElementType()));
  return success();
}

LogicalResult TransposeOp::verify() {
  if (auto perm = getPerm()) {
    llvm::SmallBitVector seen(perm->size());
    for (int64_t p : *perm) {
      if (p < 0 || p >= (int64_t)perm->size() || seen.test(p))
        return emitOpError("perm must be a permutation of [0, ") << perm->size() << ")";
      seen.set(p);
    }
  }
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "expected at least one input");
  Type element = elementOf(inputs[0]);
  std::optional<SmallVector<int64_t>> shape;
  std::optional<int64_t> axis;
  for (Value input : inputs) {
    auto type = ranked(input);
    if (!type)
      continue;
    if (!shape) {
      axis = normalizeAxis((int64_t)adaptor.getAxis(), type.getRank());
      if (!axis)
        return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(),
                                 " is out of range for rank ", type.getRank());
      shape = SmallVector<int64_t>(type.getShape());
      continue;
    }
    if (type.getRank() != (int64_t)shape->size())
      return emitOptionalError(loc, "inputs have different ranks: ", shape->size(), " and ",
                               type.getRank());
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t &dim = (*shape)[i];
      int64_t other = type.getDimSize(i);
      if (i == *axis) {
        dim = ShapedType::isDynamic(dim) || ShapedType::isDynamic(other) ? ShapedType::kDynamic
                                                                          : dim + other;
      } else if (ShapedType::isDynamic(dim)) {
        dim = other;
      } else if (!ShapedType::isDynamic(other) && other != dim) {
        return emitOptionalError(loc, "inputs differ in dim ", i, ": ", dim, " and ", other);
      }
    }
  }
  // An unranked input leaves the concatenated dim unknown.
  if (shape && llvm::any_of(inputs, [](Value v) { return !ranked(v); }))
    (*shape)[*axis] = ShapedType::kDynamic;
  types.push_back(shape ? Type(makeTensor(*shape, element)) : unranked(element));
  return success();
}

/// Output sizes along the split axis, or nullopt when unknown.
static LogicalResult splitSizes(std::optional<Location> loc, Value splitOperand,
                                std::optional<uint64_t> numOutputs, int64_t dim,
                                SmallVectorImpl<int64_t> &sizes) {
  if (splitOperand) {
    if (auto split = getConstantInts(splitOperand)) {
      int64_t total = 0;
      for (int64_t s : *split) {
        if (s < 0)
          return emitOptionalError(loc, "split sizes must not be negative");
        total += s;
      }
      if (!ShapedType::isDynamic(dim) && total != dim)
        return emitOptionalError(loc, "split sizes add up to ", total, ", the axis has ", dim);
      sizes.assign(split->begin(), split->end());
      return success();
    }
    // Sizes read at run time: as many as the split has (or the op outputs).
    auto length = shapeOperandLength(splitOperand);
    if (!length && numOutputs)
      length = (int64_t)*numOutputs;
    if (!length)
      return emitOptionalError(loc, "split must be a 1-D tensor of static length");
    sizes.assign(*length, ShapedType::kDynamic);
    return success();
  }
  if (!numOutputs || *numOutputs < 1)
    return emitOptionalError(loc, "expected either the split input or num_outputs");
  int64_t n = (int64_t)*numOutputs;
  if (ShapedType::isDynamic(dim)) {
    sizes.assign(n, ShapedType::kDynamic);
    return success();
  }
  // As in ONNX: ceil(dim / n) each, the last one smaller when dim does not divide.
  int64_t chunk = (dim + n - 1) / n;
  for (int64_t i = 0; i < n; ++i)
    sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = ranked(adaptor.getInput());
  Type element = elementOf(adaptor.getInput());
  int64_t dim = ShapedType::kDynamic;
  std::optional<int64_t> axis;
  if (input) {
    axis = normalizeAxis((int64_t)adaptor.getAxis(), input.getRank());
    if (!axis)
      return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(),
                               " is out of range for rank ", input.getRank());
    dim = input.getDimSize(*axis);
  }
  SmallVector<int64_t> sizes;
  if (failed(splitSizes(loc, adaptor.getSplit(), adaptor.getNumOutputs(), dim, sizes)))
    return failure();
  for (int64_t size : sizes) {
    if (!input) {
      types.push_back(unranked(element));
      continue;
    }
    SmallVector<int64_t> shape(input.getShape());
    shape[*axis] = size;
    types.push_back(makeTensor(shape, element));
  }
  return success();
}

LogicalResult SplitOp::verify() {
  // With a split input, num_outputs may only repeat its length (the importer
  // records it when that length is not static).
  if (getSplit() && getNumOutputs()) {
    auto length = shapeOperandLength(getSplit());
    if (length && *length != (int64_t)*getNumOutputs())
      return emitOpError("split has ") << *length << " sizes but num_outputs is " << *getNumOutputs();
  }
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  if (!data) {
    types.push_back(adaptor.getData().getType());
    return success();
  }
  int64_t rank = data.getRank();
  SmallVector<int64_t> shape(data.getShape());
  auto starts = getConstantInts(adaptor.getStarts());
  auto ends = getConstantInts(adaptor.getEnds());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (adaptor.getAxes()) {
    axes = getConstantInts(adaptor.getAxes());
    if (!axes) {
      types.push_back(allDynamic(rank, data.getElementType()));
      return success();
    }
  }
  if (adaptor.getSteps() && !(steps = getConstantInts(adaptor.getSteps()))) {
    types.push_back(allDynamic(rank, data.getElementType()));
    return success();
  }
  if (!starts || !ends) {
    if (!axes) {
      types.push_back(allDynamic(rank, data.getElementType()));
      return success();
    }
    for (int64_t axis : *axes)
      if (auto a = normalizeAxis(axis, rank))
        shape[*a] = ShapedType::kDynamic;
    types.push_back(makeTensor(shape, data.getElementType()));
    return success();
  }
  size_t n = starts->size();
  if (ends->size() != n || (axes && axes->size() != n) || (steps && steps->size() != n))
    return emitOptionalError(loc, "starts, ends, axes and steps must have the same length");
  for (size_t i = 0; i < n; ++i) {
    auto axis = normalizeAxis(axes ? (*axes)[i] : (int64_t)i, rank);
    if (!axis)
      return emitOptionalError(loc, "slice axis ", axes ? (*axes)[i] : (int64_t)i,
                               " is out of range for rank ", rank);
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0)
      return emitOptionalError(loc, "slice step must not be 0");
    int64_t dim = data.getDimSize(*axis);
    if (ShapedType::isDynamic(dim)) {
      shape[*axis] = ShapedType::kDynamic;
      continue;
    }
    // Clamp as the ONNX spec says, then count the steps.
    auto clamp = [&](int64_t v) {
      if (v < 0)
        v += dim;
      if (step > 0)
        return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, -1, dim - 1);
    };
    int64_t start = clamp((*starts)[i]), end = clamp((*ends)[i]);
    int64_t count = step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step;
    shape[*axis] = std::max<int64_t>(0, count);
  }
  types.push_back(makeTensor(shape, data.getElementType()));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  auto indices = ranked(adaptor.getIndices());
  if (!data || !indices) {
    types.push_back(unranked(elementOf(adaptor.getData())));
    return success();
  }
  auto axis = normalizeAxis((int64_t)adaptor.getAxis(), data.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(),
                             " is out of range for rank ", data.getRank());
  SmallVector<int64_t> shape(data.getShape().take_front(*axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(*axis + 1));
  types.push_back(makeTensor(shape, data.getElementType()));
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  Type element = elementOf(adaptor.getData());
  if (!data) {
    types.push_back(unranked(element));
    return success();
  }
  SmallVector<int64_t> shape;
  if (!adaptor.getAxes()) {
    // Without axes every dim of size 1 goes; an unknown dim might be one.
    if (llvm::any_of(data.getShape(), ShapedType::isDynamic)) {
      types.push_back(unranked(element));
      return success();
    }
    for (int64_t dim : data.getShape())
      if (dim != 1)
        shape.push_back(dim);
    types.push_back(makeTensor(shape, element));
    return success();
  }
  auto axes = getConstantInts(adaptor.getAxes());
  if (!axes) {
    auto length = shapeOperandLength(adaptor.getAxes());
    types.push_back(length ? allDynamic(data.getRank() - *length, element) : unranked(element));
    return success();
  }
  llvm::SmallBitVector drop(data.getRank());
  for (int64_t axis : *axes) {
    auto a = normalizeAxis(axis, data.getRank());
    if (!a)
      return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", data.getRank());
    if (!data.isDynamicDim(*a) && data.getDimSize(*a) != 1)
      return emitOptionalError(loc, "cannot squeeze dim ", *a, " of size ",
                               data.getDimSize(*a));
    drop.set(*a);
  }
  for (int64_t i = 0; i < data.getRank(); ++i)
    if (!drop.test(i))
      shape.push_back(data.getDimSize(i));
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  Type element = elementOf(adaptor.getData());
  auto axes = getConstantInts(adaptor.getAxes());
  if (!data || !axes) {
    auto length = shapeOperandLength(adaptor.getAxes());
    types.push_back(data && length ? allDynamic(data.getRank() + *length, element)
                                   : unranked(element));
    return success();
  }
  int64_t rank = data.getRank() + axes->size();
  llvm::SmallBitVector inserted(rank);
  for (int64_t axis : *axes) {
    auto a = normalizeAxis(axis, rank);
    if (!a || inserted.test(*a))
      return emitOptionalError(loc, "axis ", axis, " is out of range or repeated for rank ",
                               rank);
    inserted.set(*a);
  }
  SmallVector<int64_t> shape;
  auto dims = data.getShape();
  for (int64_t i = 0, next = 0; i < rank; ++i)
    shape.push_back(inserted.test(i) ? 1 : dims[next++]);
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getInput());
  Type element = elementOf(adaptor.getInput());
  if (!data) {
    types.push_back(allDynamic(2, element));
    return success();
  }
  int64_t axis = (int64_t)adaptor.getAxis();
  if (axis < 0)
    axis += data.getRank();
  if (axis < 0 || axis > data.getRank())
    return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(),
                             " is out of range for rank ", data.getRank());
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return ShapedType::kDynamic;
      p *= d;
    }
    return p;
  };
  types.push_back(makeTensor({product(data.getShape().take_front(axis)),
                              product(data.getShape().drop_front(axis))},
                             element));
  return success();
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                           Adaptor adaptor, SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getValue().getType());
  return success();
}

LogicalResult ConstantOfShapeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &types) {
  Type element = Float32Type::get(ctx);
  if (auto value = adaptor.getValue()) {
    if (value->getNumElements() != 1)
      return emitOptionalError(loc, "value must hold exactly one element");
    element = value->getElementType();
  }
  if (auto shape = getConstantInts(adaptor.getInput())) {
    if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
      return emitOptionalError(loc, "shape must not have negative dims");
    types.push_back(makeTensor(*shape, element));
    return success();
  }
  auto length = shapeOperandLength(adaptor.getInput());
  types.push_back(length ? allDynamic(*length, element) : unranked(element));
  return success();
}

/// [start, end) of Shape's slice of dims, clamped as ONNX says.
static std::pair<int64_t, int64_t> shapeSliceBounds(int64_t rank, std::optional<uint64_t> start,
                                                    std::optional<uint64_t> end) {
  auto clamp = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t s = clamp(start ? (int64_t)*start : 0);
  int64_t e = clamp(end ? (int64_t)*end : rank);
  return {s, std::max(s, e)};
}

LogicalResult ShapeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto i64 = IntegerType::get(ctx, 64);
  auto data = ranked(adaptor.getData());
  if (!data) {
    types.push_back(allDynamic(1, i64));
    return success();
  }
  auto [start, end] = shapeSliceBounds(data.getRank(), adaptor.getStart(), adaptor.getEnd());
  types.push_back(makeTensor({end - start}, i64));
  return success();
}

LogicalResult SizeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                       Adaptor, SmallVectorImpl<Type> &types) {
  types.push_back(makeTensor({}, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = ranked(adaptor.getInput());
  Type element = elementOf(adaptor.getInput());
  auto target = getConstantInts(adaptor.getShape());
  if (!input || !target) {
    auto length = shapeOperandLength(adaptor.getShape());
    if (input && length)
      types.push_back(allDynamic(std::max<int64_t>(*length, input.getRank()), element));
    else
      types.push_back(unranked(element));
    return success();
  }
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes({input.getShape(), ArrayRef<int64_t>(*target)}, shape)))
    return emitOptionalError(loc, "cannot expand ", input, " to the given shape");
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = ranked(adaptor.getInput());
  if (!input) {
    types.push_back(adaptor.getInput().getType());
    return success();
  }
  auto repeats = getConstantInts(adaptor.getRepeats());
  if (!repeats) {
    types.push_back(allDynamic(input.getRank(), input.getElementType()));
    return success();
  }
  if ((int64_t)repeats->size() != input.getRank())
    return emitOptionalError(loc, "expected ", input.getRank(), " repeats, got ",
                             repeats->size());
  SmallVector<int64_t> shape;
  for (auto [dim, r] : llvm::zip(input.getShape(), *repeats))
    shape.push_back(ShapedType::isDynamic(dim) ? dim : dim * r);
  types.push_back(makeTensor(shape, input.getElementType()));
  return success();
}

LogicalResult RangeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type element = elementOf(adaptor.getStart());
  auto start = getConstantFloats(adaptor.getStart());
  auto limit = getConstantFloats(adaptor.getLimit());
  auto delta = getConstantFloats(adaptor.getDelta());
  if (!start || !limit || !delta) {
    auto istart = getConstantInts(adaptor.getStart());
    auto ilimit = getConstantInts(adaptor.getLimit());
    auto idelta = getConstantInts(adaptor.getDelta());
    if (istart && ilimit && idelta) {
      start = SmallVector<double>{(double)(*istart)[0]};
      limit = SmallVector<double>{(double)(*ilimit)[0]};
      delta = SmallVector<double>{(double)(*idelta)[0]};
    }
  }
  if (!start || !limit || !delta || start->size() != 1 || limit->size() != 1 ||
      delta->size() != 1) {
    types.push_back(allDynamic(1, element));
    return success();
  }
  if ((*delta)[0] == 0)
    return emitOptionalError(loc, "delta must not be 0");
  int64_t count = (int64_t)std::ceil(((*limit)[0] - (*start)[0]) / (*delta)[0]);
  types.push_back(makeTensor({std::max<int64_t>(0, count)}, element));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  if (!data) {
    types.push_back(adaptor.getData().getType());
    return success();
  }
  int64_t rank = data.getRank();
  auto pads = getConstantInts(adaptor.getPads());
  std::optional<SmallVector<int64_t>> axes;
  if (adaptor.getAxes())
    axes = getConstantInts(adaptor.getAxes());
  if (!pads || (adaptor.getAxes() && !axes)) {
    types.push_back(allDynamic(rank, data.getElementType()));
    return success();
  }
  SmallVector<int64_t> axisList;
  if (axes) {
    for (int64_t axis : *axes) {
      auto a = normalizeAxis(axis, rank);
      if (!a)
        return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", rank);
      axisList.push_back(*a);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axisList.push_back(i);
  }
  if (pads->size() != 2 * axisList.size())
    return emitOptionalError(loc, "expected ", 2 * axisList.size(), " pads, got ",
                             pads->size());
  SmallVector<int64_t> shape(data.getShape());
  for (auto [i, axis] : llvm::enumerate(axisList)) {
    if (ShapedType::isDynamic(shape[axis]))
      continue;
    shape[axis] += (*pads)[i] + (*pads)[i + axisList.size()];
    if (shape[axis] < 0)
      return emitOptionalError(loc, "padding makes dim ", axis, " negative");
  }
  types.push_back(makeTensor(shape, data.getElementType()));
  return success();
}

LogicalResult PadOp::verify() {
  StringRef mode = getMode();
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return emitOpError("unknown mode '") << mode << "'";
  return success();
}

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX());
  if (!x) {
    types.push_back(adaptor.getX().getType());
    return success();
  }
  int64_t rank = x.getRank();
  SmallVector<int64_t> axes;
  if (auto attr = adaptor.getAxes()) {
    for (int64_t axis : *attr) {
      auto a = normalizeAxis(axis, rank);
      if (!a)
        return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", rank);
      axes.push_back(*a);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  SmallVector<int64_t> shape(x.getShape());
  auto sizes = adaptor.getSizes() ? getConstantInts(adaptor.getSizes()) : std::nullopt;
  auto scales = adaptor.getScales() ? getConstantFloats(adaptor.getScales()) : std::nullopt;
  // An empty scales tensor means "use sizes" (opset 11-12 models pass one).
  if (scales && scales->empty())
    scales.reset();
  if (sizes && !sizes->empty()) {
    if (sizes->size() != axes.size())
      return emitOptionalError(loc, "expected ", axes.size(), " sizes, got ", sizes->size());
    if (adaptor.getKeepAspectRatioPolicy() != "stretch") {
      types.push_back(allDynamic(rank, x.getElementType()));
      return success();
    }
    for (auto [axis, size] : llvm::zip(axes, *sizes))
      shape[axis] = size;
  } else if (scales) {
    if (scales->size() != axes.size())
      return emitOptionalError(loc, "expected ", axes.size(), " scales, got ", scales->size());
    for (auto [axis, scale] : llvm::zip(axes, *scales))
      if (!ShapedType::isDynamic(shape[axis]))
        shape[axis] = (int64_t)std::floor(shape[axis] * scale);
  } else {
    for (int64_t axis : axes)
      shape[axis] = ShapedType::kDynamic;
  }
  types.push_back(makeTensor(shape, x.getElementType()));
  return success();
}

LogicalResult ResizeOp::verify() {
  StringRef mode = getMode();
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return emitOpError("unknown mode '") << mode << "'";
  if (getScales() && getSizes()) {
    auto scales = ranked(getScales());
    if (scales && scales.hasStaticShape() && scales.getNumElements() > 0)
      return emitOpError("expected only one of scales and sizes");
  }
  return success();
}

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type> &types) {
  // Y is [N, C, grid dims 1..r]: X's batch and channels at the grid's points.
  auto x = ranked(adaptor.getX());
  auto grid = ranked(adaptor.getGrid());
  Type element = infer::elementOf(adaptor.getX());
  if (!x || !grid) {
    types.push_back(unranked(element));
    return success();
  }
  if (x.getRank() < 3 || grid.getRank() != x.getRank())
    return emitOptionalError(loc, "expected X of rank 3 or more and a grid of the same rank, got ",
                             x.getRank(), " and ", grid.getRank());
  int64_t spatial = x.getRank() - 2;
  if (!grid.isDynamicDim(grid.getRank() - 1) && grid.getDimSize(grid.getRank() - 1) != spatial)
    return emitOptionalError(loc, "the grid's last dim is ", grid.getDimSize(grid.getRank() - 1),
                             "; X has ", spatial, " spatial dims");
  SmallVector<int64_t> shape{x.getDimSize(0), x.getDimSize(1)};
  for (int64_t i = 1; i <= spatial; ++i)
    shape.push_back(grid.getDimSize(i));
  if (shape[0] == ShapedType::kDynamic)
    shape[0] = grid.getDimSize(0);
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult GridSampleOp::verify() {
  StringRef mode = getMode(), padding = getPaddingMode();
  // Opset 16 said bilinear and bicubic.
  if (!llvm::is_contained({"nearest", "linear", "cubic", "bilinear", "bicubic"}, mode))
    return emitOpError("unknown mode '") << mode << "'";
  if (!llvm::is_contained({"zeros", "border", "reflection"}, padding))
    return emitOpError("unknown padding_mode '") << padding << "'";
  return success();
}

template <typename Adaptor>
static LogicalResult inferArgReduce(MLIRContext *ctx, std::optional<Location> loc,
                                    Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto i64 = IntegerType::get(ctx, 64);
  auto data = ranked(adaptor.getData());
  if (!data) {
    types.push_back(unranked(i64));
    return success();
  }
  auto axis = normalizeAxis((int64_t)adaptor.getAxis(), data.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(),
                             " is out of range for rank ", data.getRank());
  SmallVector<int64_t> shape(data.getShape());
  if (adaptor.getKeepdims())
    shape[*axis] = 1;
  else
    shape.erase(shape.begin() + *axis);
  types.push_back(makeTensor(shape, i64));
  return success();
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferArgReduce(ctx, loc, adaptor, types);
}

LogicalResult ArgMinOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferArgReduce(ctx, loc, adaptor, types);
}

} // namespace ingot::graph
