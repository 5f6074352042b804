//===- SignlessIntegers.cpp - Unsigned ONNX integers as signless ones -----===//
//
// arith, linalg and LLVM know only signless integers; the graph dialect keeps
// ONNX's uint8..uint64 as uiN. Before the graph ops are lowered, every uiN
// tensor becomes an iN tensor of the same bits, and each graph op records
// which of its operands and results were unsigned (`graph.unsigned_operands`,
// `graph.unsigned_results`: index lists), so its lowering picks the unsigned
// forms (divui, cmpi ult, extui, uitofp, ...) where signedness matters. The
// signature the runtime sees was read before: it keeps the ONNX dtypes.
//
//===----------------------------------------------------------------------===//

#include "targets/common/LoweringUtils.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace ingot::lowering {
namespace {

constexpr llvm::StringLiteral kUnsignedOperands = "graph.unsigned_operands";
constexpr llvm::StringLiteral kUnsignedResults = "graph.unsigned_results";

bool hasUnsignedElements(Type type) {
  return getElementTypeOrSelf(type).isUnsignedInteger();
}

Type signless(Type type) {
  auto integer = dyn_cast<IntegerType>(getElementTypeOrSelf(type));
  if (!integer || !integer.isUnsigned())
    return type;
  auto element = IntegerType::get(type.getContext(), integer.getWidth());
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.clone(element);
  return element;
}

/// The same bits under a signless element type.
Attribute signlessAttr(Attribute attr) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !hasUnsignedElements(elements.getType()))
    return attr;
  auto type = cast<ShapedType>(signless(elements.getType()));
  if (auto dense = dyn_cast<DenseElementsAttr>(elements))
    return dense.bitcast(type.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return attr;
}

SmallVector<int64_t> unsignedIndices(ValueRange values) {
  SmallVector<int64_t> indices;
  for (auto [i, v] : llvm::enumerate(values))
    if (hasUnsignedElements(v.getType()))
      indices.push_back(i);
  return indices;
}

} // namespace

void makeIntegersSignless(func::FuncOp func) {
  Builder b(func.getContext());
  // Record every op's signedness before any type changes: converting a
  // producer's result first would hide that its consumers read unsigned bits.
  func.walk([&](Operation *op) {
    if (isa<graph::GraphDialect>(op->getDialect())) {
      SmallVector<int64_t> operands = unsignedIndices(op->getOperands());
      SmallVector<int64_t> results = unsignedIndices(op->getResults());
      if (!operands.empty())
        op->setAttr(kUnsignedOperands, b.getDenseI64ArrayAttr(operands));
      if (!results.empty())
        op->setAttr(kUnsignedResults, b.getDenseI64ArrayAttr(results));
      for (NamedAttribute attr : op->getAttrs())
        if (Attribute converted = signlessAttr(attr.getValue()); converted != attr.getValue())
          op->setAttr(attr.getName(), converted);
    }
  });
  func.walk([&](Operation *op) {
    for (Value result : op->getResults())
      result.setType(signless(result.getType()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          arg.setType(signless(arg.getType()));
  });
  SmallVector<Type> results;
  for (Type t : func.getResultTypes())
    results.push_back(signless(t));
  func.setFunctionType(b.getFunctionType(func.getBody().getArgumentTypes(), results));
}

bool isUnsignedOperand(Operation *op, unsigned index) {
  auto indices = op->getAttrOfType<DenseI64ArrayAttr>(kUnsignedOperands);
  return indices && llvm::is_contained(indices.asArrayRef(), (int64_t)index);
}

bool isUnsignedResult(Operation *op, unsigned index) {
  auto indices = op->getAttrOfType<DenseI64ArrayAttr>(kUnsignedResults);
  return indices && llvm::is_contained(indices.asArrayRef(), (int64_t)index);
}

} // namespace ingot::lowering
