//===- GraphToLinalg.h - Lowering graph ops to linalg/tensor --------------===//
//
// Patterns that rewrite graph ops into linalg, tensor, arith and math ops on
// tensors, one populate function per op family, and the pass that applies
// them all (convert-graph-to-linalg). Shared by the CPU and CUDA targets.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_COMMON_GRAPHTOLINALG_H
#define INGOT_TARGETS_COMMON_GRAPHTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace ingot::lowering {

void populateElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateLinearAlgebraToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateResizeToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateIndexingToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQuantizationToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateGridSampleToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateRecurrenceToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateControlFlowToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateLinearAttentionToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateSignalToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateDetectionToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// All of the above.
void populateGraphToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace ingot::lowering

namespace ingot {
#define GEN_PASS_DECL
#include "targets/common/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/common/Passes.h.inc"
} // namespace ingot

#endif // INGOT_TARGETS_COMMON_GRAPHTOLINALG_H
