//===- Pipelines.cpp - Named pass pipelines -------------------------------===//
//
// The phases of a compile, each a named pipeline that `ingot-opt` can run
// with --pass-pipeline and the compiler driver runs in order.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace ingot {

void buildGraphCleanupPipeline(OpPassManager &pm) {
  // Folding a shape computation can make more dims known, which can make
  // more ops foldable: two rounds reach the fixed point on real exporters'
  // graphs (Shape -> Gather -> Concat -> Reshape chains).
  for (int round = 0; round < 2; ++round) {
    pm.addPass(createCanonicalizerPass());
    pm.addNestedPass<func::FuncOp>(createGraphInferShapes());
  }
  pm.addPass(createCanonicalizerPass());
}

void registerPipelines() {
  PassPipelineRegistration<>("graph-cleanup",
                             "Fold constant subgraphs, canonicalize and refine types",
                             buildGraphCleanupPipeline);
}

} // namespace ingot
