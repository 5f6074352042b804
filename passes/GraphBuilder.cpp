//===- GraphBuilder.cpp - Building graph ops by their ONNX names ----------===//

#include "passes/GraphBuilder.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;

namespace ingot {

Operation *GraphBuilder::create(StringRef name, ArrayRef<Value> operands,
                                ArrayRef<NamedAttribute> attrs, unsigned numResults) {
  OperationState state(loc, ("graph." + name).str());
  SmallVector<int32_t> segments;
  for (Value v : operands) {
    if (v)
      state.operands.push_back(v);
    segments.push_back(v ? 1 : 0);
  }
  state.attributes.append(attrs.begin(), attrs.end());
  if (state.name.hasTrait<OpTrait::AttrSizedOperandSegments>())
    state.addAttribute("operandSegmentSizes", b.getDenseI32ArrayAttr(segments));
  if (state.name.hasTrait<OpTrait::AttrSizedResultSegments>()) {
    SmallVector<int32_t> results(numResults, 1);
    state.addAttribute("resultSegmentSizes", b.getDenseI32ArrayAttr(results));
  }
  state.types.assign(numResults, UnrankedTensorType::get(b.getF32Type()));
  Operation *op = b.create(state);
  SmallVector<Type> types;
  auto inferable = llvm::cast<InferTypeOpInterface>(op);
  if (succeeded(inferable.inferReturnTypes(b.getContext(), loc, op->getOperands(),
                                           op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
                                           op->getRegions(), types)))
    for (auto [result, type] : llvm::zip(op->getResults(), types))
      result.setType(type);
  return op;
}

NamedAttribute GraphBuilder::attr(StringRef name, int64_t value) {
  return b.getNamedAttr(name, b.getI64IntegerAttr(value));
}

NamedAttribute GraphBuilder::attr(StringRef name, ArrayRef<int64_t> values) {
  return b.getNamedAttr(name, b.getDenseI64ArrayAttr(values));
}

Value GraphBuilder::ints(ArrayRef<int64_t> values, bool scalar) {
  SmallVector<int64_t> shape;
  if (!scalar)
    shape.push_back(values.size());
  auto type = RankedTensorType::get(shape, b.getI64Type());
  return b.create<graph::ConstantOp>(loc, type, DenseElementsAttr::get(type, values));
}

Value GraphBuilder::scalar(Type element, double value) {
  auto type = RankedTensorType::get({}, element);
  Attribute v = isa<FloatType>(element) ? Attribute(b.getFloatAttr(element, value))
                                        : Attribute(b.getIntegerAttr(element, (int64_t)value));
  return b.create<graph::ConstantOp>(loc, type, DenseElementsAttr::get(type, v));
}

Value GraphBuilder::cast(Value x, Type element) {
  if (getElementTypeOrSelf(x.getType()) == element)
    return x;
  return op("cast", {x}, {attr("to", *graph::getOnnxDataType(element))});
}

Value GraphBuilder::dim(Value x, int64_t d) {
  auto type = llvm::cast<RankedTensorType>(x.getType());
  if (!type.isDynamicDim(d))
    return ints({type.getDimSize(d)});
  return op("shape", {x}, {attr("start", d), attr("end", d + 1)});
}

namespace {
/// The f32 elements of a constant `value` of `count` elements: a dense
/// attribute, or a resource's floats; neither where it holds no such values.
struct FloatElements {
  DenseElementsAttr dense;
  ArrayRef<float> resource;
};
std::optional<FloatElements> floatElements(Value value, int64_t count) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !elements.getElementType().isF32() || elements.getNumElements() != count)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(elements))
    return FloatElements{dense, {}};
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || (int64_t)blob->getData().size() != count * (int64_t)sizeof(float))
      return std::nullopt;
    return FloatElements{{}, {reinterpret_cast<const float *>(blob->getData().data()), (size_t)count}};
  }
  return std::nullopt;
}
} // namespace

std::optional<std::vector<double>> constantFloats(Value value, int64_t count) {
  std::optional<FloatElements> elements = floatElements(value, count);
  if (!elements)
    return std::nullopt;
  if (elements->dense)
    return std::vector<double>(elements->dense.getValues<float>().begin(),
                               elements->dense.getValues<float>().end());
  return std::vector<double>(elements->resource.begin(), elements->resource.end());
}

bool hasConstantFloats(Value value) {
  auto type = value ? dyn_cast<ShapedType>(value.getType()) : ShapedType();
  return type && type.hasStaticShape() && floatElements(value, type.getNumElements()).has_value();
}

Value floatConstant(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<double> values,
                    StringRef purpose) {
  std::vector<float> rounded(values.begin(), values.end());
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<float>(rounded));
  auto attr = DenseResourceElementsAttr::get(type, purpose, std::move(blob));
  return b.create<graph::ConstantOp>(loc, type, cast<ElementsAttr>(attr));
}

} // namespace ingot
