//===- DiagnosticFormatTest.cpp - One-line messages that name the node ----===//

#include "compiler/import/ImportDiagnostics.h"
#include "dialects/graph/GraphDialect.h"

#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

namespace {

std::string capture(mlir::MLIRContext &ctx, mlir::Location loc, llvm::StringRef message) {
  std::string text;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    text = ingot::formatDiagnostic(d);
    return mlir::success();
  });
  mlir::emitError(loc) << message;
  return text;
}

TEST(DiagnosticFormat, NodeLocation) {
  mlir::MLIRContext ctx;
  auto loc = ingot::graph::getNodeLocation(&ctx, "model.onnx", "conv1", "Conv");
  EXPECT_EQ(capture(ctx, loc, "expected bias of 64 elements"),
            "model.onnx: node 'conv1' (Conv): expected bias of 64 elements");
}

TEST(DiagnosticFormat, FileLocation) {
  mlir::MLIRContext ctx;
  auto loc = mlir::FileLineColLoc::get(&ctx, "model.onnx", 0, 0);
  EXPECT_EQ(capture(ctx, loc, "model has no graph"), "model.onnx: model has no graph");
}

} // namespace
