//===- ObjectEmitter.h - LLVM dialect -> x86-64 object code ---------------===//
//
// Translates an LLVM-dialect module to LLVM IR, optimizes it for the target
// CPU and emits a relocatable object, all in process (no external compiler).
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_CPU_OBJECTEMITTER_H
#define INGOT_TARGETS_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace ingot::cpu {

struct TargetOptions {
  /// `native` (the compiling host), or an LLVM CPU name such as
  /// `x86-64-v3`, `x86-64-v4`, `znver4`.
  std::string cpu = "native";
  /// LLVM optimization level, 0-3.
  unsigned optLevel = 3;
};

/// The CPU name and feature string `options.cpu` resolves to, or an error.
llvm::Expected<std::pair<std::string, std::string>> resolveCpu(const TargetOptions &options);

/// Checks that `options` name a CPU LLVM can target; sets `error` if not.
mlir::LogicalResult validateTarget(const TargetOptions &options, std::string &error);

/// What the code is compiled for, as the artifact's manifest records it:
/// the triple, the CPU name, and which of the features the runtime can
/// check (artifact::kCpuFeatures) the code may use.
struct TargetDescription {
  std::string triple, cpu;
  std::vector<std::string> features;
};
mlir::FailureOr<TargetDescription> describeTarget(const TargetOptions &options,
                                                  std::string &error);

/// Emits `module` (in the LLVM dialect) as an ELF object into `object`, with
/// the runtime's entry point (artifact::kEntrySymbol) calling @main.
mlir::LogicalResult emitObject(mlir::ModuleOp module, const TargetOptions &options,
                               std::string &object);

} // namespace ingot::cpu

#endif // INGOT_TARGETS_CPU_OBJECTEMITTER_H
