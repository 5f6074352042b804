//===- ImportDiagnostics.cpp - Messages that name ONNX nodes --------------===//

#include "compiler/import/ImportDiagnostics.h"

#include "dialects/graph/GraphDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace ingot {

std::string formatDiagnostic(Diagnostic &diagnostic) {
  std::string file, node, op, text;
  graph::describeLocation(diagnostic.getLocation(), file, node, op);
  llvm::raw_string_ostream os(text);
  if (!file.empty())
    os << file << ": ";
  if (!node.empty()) {
    os << "node '" << node << "'";
    if (!op.empty())
      os << " (" << op << ")";
    os << ": ";
  }
  if (diagnostic.getSeverity() == DiagnosticSeverity::Warning)
    os << "warning: ";
  os << diagnostic.str();
  return os.str();
}

DiagnosticPrinter::DiagnosticPrinter(MLIRContext &context) : context(context) {
  // A note with the whole failing op helps compiler developers, not users.
  context.printOpOnDiagnostic(false);
  id = context.getDiagEngine().registerHandler([](Diagnostic &diagnostic) {
    if (diagnostic.getSeverity() == DiagnosticSeverity::Remark)
      return success();
    llvm::errs() << formatDiagnostic(diagnostic) << "\n";
    for (Diagnostic &note : diagnostic.getNotes())
      llvm::errs() << "  note: " << note.str() << "\n";
    return success();
  });
}

DiagnosticPrinter::~DiagnosticPrinter() { context.getDiagEngine().eraseHandler(id); }

} // namespace ingot
