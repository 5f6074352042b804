//===- ImportDiagnostics.h - Locations and messages that name ONNX nodes --===//
//
// A node's location is fused<"OpType">[NameLoc(node), file:0:0]; tools print
// diagnostics at such locations as `file: node 'name' (OpType): message`.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_IMPORT_IMPORTDIAGNOSTICS_H
#define INGOT_COMPILER_IMPORT_IMPORTDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

#include <string>

namespace ingot {

/// A diagnostic as one line: `file: node 'name' (OpType): message` for node
/// locations, `file: message` for file locations.
std::string formatDiagnostic(mlir::Diagnostic &diagnostic);

/// While alive, prints every diagnostic of `context` to stderr with
/// formatDiagnostic (notes indented beneath their error).
class DiagnosticPrinter {
public:
  explicit DiagnosticPrinter(mlir::MLIRContext &context);
  ~DiagnosticPrinter();

private:
  mlir::MLIRContext &context;
  mlir::DiagnosticEngine::HandlerID id;
};

} // namespace ingot

#endif // INGOT_COMPILER_IMPORT_IMPORTDIAGNOSTICS_H
