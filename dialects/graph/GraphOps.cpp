//===- GraphOps.cpp - Generated op definitions and shared helpers ---------===//
//
// The op classes come from GraphOps.td; shape rules live in ops/ by family,
// folds in Folds.cpp and canonicalization patterns in Canonicalize.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.cpp.inc"

namespace ingot::graph {

std::optional<SmallVector<int64_t>> getIntValues(Attribute attr) {
  auto elements = dyn_cast_or_null<ElementsAttr>(attr);
  if (!elements || !elements.getElementType().isIntOrIndex())
    return std::nullopt;
  bool isUnsigned = elements.getElementType().isUnsignedInteger();
  SmallVector<int64_t> values;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(elements)) {
    for (const APInt &v : dense.getValues<APInt>())
      values.push_back(isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue());
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    unsigned width = elements.getElementType().getIntOrFloatBitWidth();
    if (width != 32 && width != 64)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    int64_t count = elements.getNumElements();
    if ((int64_t)data.size() < count * width / 8)
      return std::nullopt;
    for (int64_t i = 0; i < count; ++i) {
      if (width == 64)
        values.push_back(reinterpret_cast<const int64_t *>(data.data())[i]);
      else
        values.push_back(reinterpret_cast<const int32_t *>(data.data())[i]);
    }
    return values;
  }
  return std::nullopt;
}

std::optional<SmallVector<int64_t>> getConstantInts(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return getIntValues(attr);
}

std::optional<SmallVector<double>> getConstantFloats(Value value) {
  DenseFPElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<double> values;
  for (const APFloat &v : attr.getValues<APFloat>())
    values.push_back(v.convertToDouble());
  return values;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

RankedTensorType makeTensor(ArrayRef<int64_t> shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

} // namespace ingot::graph
