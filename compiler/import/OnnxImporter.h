//===- OnnxImporter.h - ONNX model -> graph dialect -----------------------===//
//
// Reads an ONNX model (binary protobuf with optional external data, or the
// ONNX textual syntax), validates it, brings it to the canonical opset and
// builds one func.func of graph ops. Every error is an MLIR diagnostic whose
// location names the file and, for node errors, the node and its op type
// (see ImportDiagnostics.h for how tools print them).
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_IMPORT_ONNXIMPORTER_H
#define INGOT_COMPILER_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace ingot {

enum class OnnxInputFormat { Auto, Binary, Text };

struct ImportOptions {
  OnnxInputFormat format = OnnxInputFormat::Auto;
  /// Initializers at most this many bytes become inline dense attributes (so
  /// shape computations fold); larger ones become dense resources.
  int64_t inlineConstantBytes = 256;
};

/// Imports the model at `path`. Returns null after emitting diagnostics.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 llvm::StringRef path,
                                                 const ImportOptions &options = {});

/// Imports an in-memory model; `path` names it in diagnostics and locates
/// external data files.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxModel(mlir::MLIRContext &context,
                                                  onnx::ModelProto model,
                                                  llvm::StringRef path,
                                                  const ImportOptions &options = {});

} // namespace ingot

#endif // INGOT_COMPILER_IMPORT_ONNXIMPORTER_H
