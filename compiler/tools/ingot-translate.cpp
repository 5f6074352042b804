//===- ingot-translate.cpp - ONNX -> graph dialect translation ------------===//
//
// `ingot-translate --import-onnx model.onnx [-o out.mlir]` prints the graph
// IR of a model. Errors print as `file: node 'name' (OpType): message`, the
// exit code is 1 and no output file is written.
//
//===----------------------------------------------------------------------===//

#include "compiler/import/ImportDiagnostics.h"
#include "compiler/import/OnnxImporter.h"
#include "compiler/import/OpTable.h"
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

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx | model.onnxtext>"));
static cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                       cl::value_desc("file"), cl::init("-"));
static cl::opt<bool> importOnnx("import-onnx",
                                cl::desc("Import an ONNX model into the graph dialect"),
                                cl::init(true));
static cl::opt<bool> listOps("list-ops",
                             cl::desc("List the supported ONNX operators and exit"));
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
  cl::ParseCommandLineOptions(
      argc, argv,
      "Ingot translator: imports an ONNX model into the graph dialect and prints it.\n\n"
      "  ingot-translate --import-onnx model.onnx -o model.mlir\n"
      "  ingot-translate model.onnxtext --mlir-elide-resource-strings-if-larger=64\n\n"
      "Binary .onnx files (with external data beside them) and the ONNX textual syntax\n"
      "(.onnxtext) are read. Models of opset 1-28 are brought to opset 28. Errors print\n"
      "as 'file: node 'name' (OpType): message', exit 1 and write no output file.\n");
  if (listOps) {
    outs() << "ONNX operators (domain ai.onnx) Ingot imports; models of opsets "
           << ingot::graph::kMinimumOpset << "-" << ingot::graph::kCanonicalOpset
           << " are accepted.\n";
    for (const ingot::OpInfo &op : ingot::supportedOps())
      outs() << "  " << op.onnxName << " -> " << op.mlirName << "\n";
    return 0;
  }
  if (inputPath.empty()) {
    errs() << "ingot-translate: no input file (see --help)\n";
    return 1;
  }
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
