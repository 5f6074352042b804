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

/// The type both `a` and `b` have: the dims they agree on, or unranked
/// when their ranks differ.
Type mergeTypes(Type a, Type b) {
  if (a == b)
    return a;
  auto ra = dyn_cast<RankedTensorType>(a), rb = dyn_cast<RankedTensorType>(b);
  if (!ra || !rb || ra.getRank() != rb.getRank())
    return UnrankedTensorType::get(getElementTypeOrSelf(a));
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(ra.getShape(), rb.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, ra.getElementType());
}

struct GraphInferShapesPass : impl::GraphInferShapesBase<GraphInferShapesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    WalkResult walk = func.walk([&](Operation *generic) -> WalkResult {
      // An If's results: what both branches yield (ranks and dims they agree on).
      if (auto ifOp = dyn_cast<graph::IfOp>(generic)) {
        auto yields = [](Region &r) { return cast<graph::YieldOp>(r.front().getTerminator()).getValues(); };
        for (auto [result, a, b] : llvm::zip(ifOp.getResults(), yields(ifOp.getThenBranch()),
                                             yields(ifOp.getElseBranch())))
          result.setType(graph::refineType(result.getType(), mergeTypes(a.getType(), b.getType())));
        return WalkResult::advance();
      }
      auto op = dyn_cast<InferTypeOpInterface>(generic);
      if (!op || !isa<graph::GraphDialect>(op->getDialect()))
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
