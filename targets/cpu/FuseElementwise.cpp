//===- FuseElementwise.cpp - The cpu-fuse-elementwise pass ----------------===//
//
// Elementwise fusion restricted to elementwise consumers (see Passes.td for
// why reductions are excluded).
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUFUSEELEMENTWISE
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

struct CpuFuseElementwisePass : impl::CpuFuseElementwiseBase<CpuFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::ControlFusionFn intoElementwiseOnly = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return producer && producer->hasOneUse() && consumer &&
             consumer.getNumLoops() == consumer.getNumParallelLoops();
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, intoElementwiseOnly);
    // A convolution computed as a matmul is reshaped to its spatial dims
    // before its activation: the activation moves before the reshape (over
    // the collapsed dims), where it fuses with the bias add.
    linalg::ControlFusionFn staticExpandIntoElementwise = [](OpOperand *fused) {
      auto expand = fused->get().getDefiningOp<tensor::ExpandShapeOp>();
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return expand && expand.getSrcType().hasStaticShape() &&
             expand.getResultType().hasStaticShape() && consumer &&
             consumer.getNumLoops() == consumer.getNumParallelLoops();
    };
    linalg::populateFoldReshapeOpsByCollapsingPatterns(patterns, staticExpandIntoElementwise);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, &getContext());
    tensor::EmptyOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot::cpu
