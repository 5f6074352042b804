//===- ArtifactWriter.h - Packs a compiled model into one file -----------===//
//
// The artifact (`model.ingot`) holds the manifest, the object code and the
// weights section; its layout is runtime/include/ingot/ArtifactFormat.h.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_PACKAGE_ARTIFACTWRITER_H
#define INGOT_COMPILER_PACKAGE_ARTIFACTWRITER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ingot::package {

/// One input or output as the user sees it: ONNX name, NumPy dtype name,
/// dims (-1 where symbolic) and the names of symbolic dims ("" if unnamed).
struct TensorSignature {
  std::string name;
  std::string dtype;
  std::vector<int64_t> dims;
  std::vector<std::string> dimNames;
};

struct Signature {
  std::vector<TensorSignature> inputs, outputs;
};

/// Reads the signature off a graph-level @main (names from `graph.name`,
/// symbolic dims from `graph.dim_names`). Fails, with a diagnostic naming the
/// value, on an element type the runtime cannot pass.
mlir::FailureOr<Signature> readSignature(mlir::func::FuncOp main);

struct ArtifactContents {
  Signature signature;
  std::string compilerVersion;
  std::string sourceModel;  // the ONNX file it came from
  std::string producer;     // the ONNX producer name, if any
  std::string triple, cpu;  // what the code was compiled for
  std::vector<std::string> cpuFeatures;
  std::string object;       // ELF relocatable object
  llvm::ArrayRef<char> weights;
  uint64_t arenaBytes = 0;
  /// Each parallel region's function and the ONNX nodes it computes, in
  /// the order they run.
  struct Region {
    std::string function, nodes;
  };
  std::vector<Region> regions;
};

/// The bytes of the artifact file.
std::string buildArtifact(const ArtifactContents &contents);

} // namespace ingot::package

#endif // INGOT_COMPILER_PACKAGE_ARTIFACTWRITER_H
