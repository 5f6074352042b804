//===- ImportDiagnostics.cpp - Messages that name ONNX nodes --------------===//

#include "compiler/import/ImportDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace ingot {

Location nodeLocation(MLIRContext *ctx, StringRef file, StringRef nodeName,
                      StringRef opType) {
  return FusedLoc::get(ctx,
                       {NameLoc::get(StringAttr::get(ctx, nodeName)),
                        FileLineColLoc::get(ctx, file, 0, 0)},
                       StringAttr::get(ctx, opType));
}

/// Fills file/node/op from a location, looking through call sites and names.
static void describe(Location loc, std::string &file, std::string &node, std::string &op) {
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    if (auto type = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
      op = type.str();
    for (Location inner : fused.getLocations())
      describe(inner, file, node, op);
  } else if (auto name = dyn_cast<NameLoc>(loc)) {
    if (node.empty())
      node = name.getName().str();
    describe(name.getChildLoc(), file, node, op);
  } else if (auto fileLoc = dyn_cast<FileLineColLoc>(loc)) {
    if (file.empty()) {
      file = fileLoc.getFilename().str();
      if (fileLoc.getLine() != 0)
        file += ":" + std::to_string(fileLoc.getLine()) + ":" +
                std::to_string(fileLoc.getColumn());
    }
  } else if (auto callSite = dyn_cast<CallSiteLoc>(loc)) {
    describe(callSite.getCallee(), file, node, op);
  }
}

std::string formatDiagnostic(Diagnostic &diagnostic) {
  std::string file, node, op, text;
  describe(diagnostic.getLocation(), file, node, op);
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
