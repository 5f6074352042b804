//===- ingot-translate.cpp - ONNX -> graph dialect translation ------------===//
//
// `ingot-translate --import-onnx model.onnx [-o out.mlir]` prints the graph
// IR of a model. Errors print as `file: node 'name' (OpType): message`, the
// exit code is 1 and no output file is written.
//
//===----------------------------------------------------------------------===//

#include "compiler/import/ImportDiagnostics.h"
#include "compiler/import/OnnxImporter.h"
#include "dialects/graph/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx | model.onnxtext>"),
                                      cl::Required);
static cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                       cl::value_desc("file"), cl::init("-"));
static cl::opt<bool> importOnnx("import-onnx",
                                cl::desc("Import an ONNX model into the graph dialect"),
                                cl::init(true));
static cl::opt<ingot::OnnxInputFormat> inputFormat(
    "input-format", cl::desc("How to read the input"),
    cl::values(clEnumValN(ingot::OnnxInputFormat::Auto, "auto",
                          "by extension: .onnxtext is text, anything else binary"),
               clEnumValN(ingot::OnnxInputFormat::Binary, "binary", "ONNX protobuf"),
               clEnumValN(ingot::OnnxInputFormat::Text, "text", "ONNX textual syntax")),
    cl::init(ingot::OnnxInputFormat::Auto));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "Ingot translator: imports ONNX models into the graph dialect\n");
  mlir::MLIRContext context;
  ingot::DiagnosticPrinter printer(context);
  ingot::ImportOptions options;
  options.format = inputFormat;
  mlir::OwningOpRef<mlir::ModuleOp> module = ingot::importOnnxFile(context, inputPath, options);
  if (!module)
    return 1;
  // Only now, with a module in hand, is the output file created.
  std::string error;
  auto output = mlir::openOutputFile(outputPath, &error);
  if (!output) {
    errs() << outputPath << ": " << error << "\n";
    return 1;
  }
  module->print(output->os(), mlir::OpPrintingFlags());
  output->os() << "\n";
  output->keep();
  return 0;
}
