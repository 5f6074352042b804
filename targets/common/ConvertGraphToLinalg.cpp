//===- ConvertGraphToLinalg.cpp - The convert-graph-to-linalg pass --------===//
//
// Applies every graph -> linalg pattern with the greedy driver (types do not
// change, so no conversion framework is needed), then fails on any graph op
// left, naming the op (and, through its location, the ONNX node).
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ingot {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "targets/common/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot::lowering {

void populateGraphToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseToLinalgPatterns(patterns);
  populateLinearAlgebraToLinalgPatterns(patterns);
  populateNormalizationToLinalgPatterns(patterns);
  populateDataMovementToLinalgPatterns(patterns);
}

} // namespace ingot::lowering

namespace ingot {
namespace {

struct ConvertGraphToLinalgPass : impl::ConvertGraphToLinalgBase<ConvertGraphToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    lowering::populateGraphToLinalgPatterns(patterns);
    GreedyRewriteConfig config;
    config.maxIterations = GreedyRewriteConfig::kNoLimit;
    (void)applyPatternsAndFoldGreedily(getOperation(), std::move(patterns), config);
    bool failedAny = false;
    getOperation().walk([&](Operation *op) {
      if (!isa<graph::GraphDialect>(op->getDialect()))
        return;
      op->emitError("cannot lower '") << op->getName()
                                      << "' with these operand types and attributes yet";
      failedAny = true;
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot
