//===- Passes.h - Passes of the CPU target ---------------------------------===//
//
// Memory passes on bufferized code: constants move to the weights section,
// static buffers into a planned arena. Both add a leading `memref<?xi8>`
// argument to @main; `addMemoryArgument` keeps their order fixed.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_CPU_PASSES_H
#define INGOT_TARGETS_CPU_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace ingot::cpu {

/// An op's estimated cost in scalar operations, for ops whose cost is not
/// in their IR (a call of a micro-kernel): cpu-outline-parallel-loops sizes
/// the tasks of the thread pool by it.
inline constexpr llvm::StringLiteral kEstimatedWorkAttr = "ingot.estimated_work";
/// On the module: [[function, nodes], ...], each outlined parallel region
/// and the ONNX nodes it computes (cpu-outline-parallel-loops), in the
/// order they run; the packager moves it into the manifest.
inline constexpr llvm::StringLiteral kRegionsAttr = "ingot.regions";

/// The most iterations a static window of reductions (pooling, a depthwise
/// convolution: 3x3 to 7x7) may have for LLVM to unroll it whole: such a
/// window stays innermost (cpu-innermost-contiguous-loop) and its loop
/// body counts as a leaf for the outliner (cpu-outline-parallel-loops), so
/// the output column around it is what LLVM vectorizes.
inline constexpr int64_t kSmallWindow = 64;

/// The @main arguments the runtime passes before the model's inputs.
enum class MemoryArgument : unsigned { Weights = 0, Arena = 1 };

/// Returns @main's `memref<?xi8>` argument of this kind, inserting it (and
/// any kind before it) when missing.
mlir::Value addMemoryArgument(mlir::func::FuncOp main, MemoryArgument kind);

#define GEN_PASS_DECL
#include "targets/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/cpu/Passes.h.inc"

} // namespace ingot::cpu

#endif // INGOT_TARGETS_CPU_PASSES_H
