//===- Passes.h - Graph-level passes and pipelines ------------------------===//
//
// Declarations generated from Passes.td, and the named pipelines built from
// them in Pipelines.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_PASSES_PASSES_H
#define INGOT_PASSES_PASSES_H

#include "dialects/graph/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace ingot {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Canonicalize, fold constant subgraphs and refine types until stable: what
/// every model gets right after import.
void buildGraphCleanupPipeline(mlir::OpPassManager &pm);

/// Registers the named pipelines (`graph-cleanup`) with the pass registry.
void registerPipelines();

} // namespace ingot

#endif // INGOT_PASSES_PASSES_H
