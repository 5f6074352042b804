//===- InferShapes.cpp - Refine result types from shape rules -------------===//
//
// Implements graph-infer-shapes: walks the function in order, asks every op
// with InferTypeOpInterface for its result types and keeps the more refined
// of recorded and inferred. Types only ever get more precise.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace ingot {
#define GEN_PASS_DEF_GRAPHINFERSHAPES
#include "passes/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot {
namespace {

struct GraphInferShapesPass : impl::GraphInferShapesBase<GraphInferShapesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    WalkResult walk = func.walk([&](InferTypeOpInterface op) -> WalkResult {
      if (!isa<graph::GraphDialect>(op->getDialect()))
        return WalkResult::advance();
      SmallVector<Type> inferred;
      if (failed(op.inferReturnTypes(op->getContext(), op->getLoc(), op->getOperands(),
                                     op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
                                     op->getRegions(), inferred)))
        return WalkResult::interrupt();
      for (auto [result, type] : llvm::zip(op->getResults(), inferred))
        result.setType(graph::refineType(type, result.getType()));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // Keep the signature in step with what is returned.
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    func.setFunctionType(FunctionType::get(&getContext(), func.getArgumentTypes(),
                                           ret.getOperandTypes()));
  }
};

} // namespace
} // namespace ingot
