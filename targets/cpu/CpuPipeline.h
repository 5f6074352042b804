//===- CpuPipeline.h - Graph dialect -> LLVM dialect for the CPU ----------===//
//
// The passes that take a cleaned-up graph module to the LLVM dialect, and the
// registration of everything those passes need (dialects, bufferization
// models) so that tools only call one function.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_CPU_CPUPIPELINE_H
#define INGOT_TARGETS_CPU_CPUPIPELINE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace ingot::cpu {

/// Graph cleanup, composite expansion and the dispatch regions (the
/// `fused` phase).
void buildGraphToFusedPipeline(mlir::OpPassManager &pm);

/// Graph ops lowered to linalg on tensors, inside their regions (the
/// `linalg` phase).
void buildFusedToLinalgPipeline(mlir::OpPassManager &pm);

/// The two above.
void buildGraphToLinalgPipeline(mlir::OpPassManager &pm);

/// Choices of the `llvm` phase.
struct LinalgToLLVMOptions {
  /// Stride-1 3x3 convolutions by Winograd F(4x4, 3x3) where it pays (the
  /// results then differ from a direct convolution's by up to ~1e-5 of
  /// their magnitude instead of ~1e-6).
  bool winograd = true;
};

/// Bufferizes and lowers linalg on tensors to the LLVM dialect (the `llvm`
/// phase): loops over memrefs, math through libm where LLVM has no
/// intrinsic, C-compatible function interfaces.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm, const LinalgToLLVMOptions &options = {});

/// The dialects and interface models the CPU pipeline uses.
void registerCpuDialects(mlir::DialectRegistry &registry);

/// Registers the phases as pipelines (`ingot-graph-to-linalg`,
/// `ingot-linalg-to-llvm`) and the passes they use with the pass registry.
void registerCpuPipelines();

} // namespace ingot::cpu

#endif // INGOT_TARGETS_CPU_CPUPIPELINE_H
