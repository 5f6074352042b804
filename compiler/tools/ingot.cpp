//===- ingot.cpp - The Ingot compiler driver ------------------------------===//
//
// `ingot compile model.onnx -o out --compile-to=PHASE` runs the named phases
// in order: import (graph), graph cleanup + lowering to linalg (linalg),
// bufferization + lowering to the LLVM dialect (llvm), and native code
// (object). Each phase's IR can be printed or dumped; a failed compile
// leaves no output file.
//
//===----------------------------------------------------------------------===//

#include "compiler/import/ImportDiagnostics.h"
#include "compiler/import/OnnxImporter.h"
#include "targets/cpu/CpuPipeline.h"
#include "targets/cpu/ObjectEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;
using namespace mlir;

namespace {

enum class Phase { Graph, Linalg, LLVM, Object };

cl::SubCommand compileCommand("compile", "Compile an ONNX model");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                               cl::sub(compileCommand));
cl::opt<std::string> outputPath("o", cl::desc("Output file"), cl::value_desc("file"),
                                cl::Required, cl::sub(compileCommand));
cl::opt<Phase> compileTo(
    "compile-to", cl::desc("Stop after this phase and write its result"),
    cl::values(clEnumValN(Phase::Graph, "graph", "the imported graph dialect (MLIR text)"),
               clEnumValN(Phase::Linalg, "linalg", "cleaned-up graph lowered to linalg on tensors"),
               clEnumValN(Phase::LLVM, "llvm", "bufferized loops in the LLVM dialect"),
               clEnumValN(Phase::Object, "object", "x86-64 ELF object code")),
    cl::init(Phase::Object), cl::sub(compileCommand));
cl::opt<std::string> cpu("cpu",
                         cl::desc("Target CPU: native (default: this host), x86-64-v3, "
                                  "x86-64-v4, or any LLVM CPU name"),
                         cl::init("native"), cl::sub(compileCommand));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level 0-3 (default 3)"), cl::Prefix,
                           cl::init(3), cl::sub(compileCommand));
cl::list<std::string> shapes("shape",
                             cl::desc("Pin an input's shape, e.g. --shape input=1x3x224x224 "
                                      "(symbolic dims become static)"),
                             cl::value_desc("name=DxDx..."), cl::sub(compileCommand));
cl::opt<bool> printAfterAll("print-ir-after-all", cl::desc("Print the IR after every pass"),
                            cl::sub(compileCommand));
cl::opt<std::string> dumpDir("dump-dir", cl::desc("Write each phase's IR into this directory"),
                             cl::value_desc("dir"), cl::sub(compileCommand));
cl::opt<bool> timePasses("time-passes", cl::desc("Report the time each pass takes"),
                         cl::sub(compileCommand));

/// Prints "[n/N] phase ... seconds" lines when stderr is a terminal.
class Progress {
public:
  explicit Progress(int total) : total(total), enabled(sys::Process::StandardErrIsDisplayed()) {}
  void start(StringRef phase) {
    begin = std::chrono::steady_clock::now();
    if (enabled)
      errs() << "[" << ++step << "/" << total << "] " << phase << " ...";
  }
  void done() {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    if (enabled)
      errs() << " " << format("%.2f", seconds) << " s\n";
  }

private:
  int total, step = 0;
  bool enabled;
  std::chrono::steady_clock::time_point begin;
};

/// Writes `contents` to `path` through a temporary file and a rename, so a
/// failed compile never leaves a partial output.
LogicalResult writeAtomically(StringRef path, StringRef contents) {
  SmallString<256> temp;
  int fd;
  SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  if (std::error_code ec = sys::fs::createUniqueFile(model, fd, temp)) {
    errs() << path << ": cannot write: " << ec.message() << "\n";
    return failure();
  }
  {
    raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << contents;
    out.flush();
    if (out.has_error()) {
      errs() << path << ": cannot write: " << out.error().message() << "\n";
      out.clear_error();
      sys::fs::remove(temp);
      return failure();
    }
  }
  if (std::error_code ec = sys::fs::rename(temp, path)) {
    errs() << path << ": cannot write: " << ec.message() << "\n";
    sys::fs::remove(temp);
    return failure();
  }
  return success();
}

std::string printed(ModuleOp module) {
  std::string text;
  raw_string_ostream os(text);
  module->print(os);
  return text;
}

/// Applies --shape: the named input's type becomes the given static shape.
LogicalResult pinShapes(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  for (const std::string &spec : shapes) {
    auto [name, dimsText] = StringRef(spec).split('=');
    SmallVector<StringRef> parts;
    dimsText.split(parts, 'x');
    SmallVector<int64_t> dims;
    for (StringRef part : parts) {
      int64_t dim;
      if (part.getAsInteger(10, dim) || dim < 0) {
        errs() << "--shape " << spec << ": expected NAME=DxDx... with non-negative dims\n";
        return failure();
      }
      dims.push_back(dim);
    }
    bool found = false;
    for (BlockArgument arg : func.getArguments()) {
      auto argName = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "graph.name");
      if (!argName || argName.getValue() != name)
        continue;
      found = true;
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      auto pinned = RankedTensorType::get(dims, getElementTypeOrSelf(arg.getType()));
      if (type && failed(verifyCompatibleShape(type, pinned))) {
        errs() << "--shape " << spec << ": input '" << name << "' has type " << type
               << ", which the shape contradicts\n";
        return failure();
      }
      arg.setType(pinned);
    }
    if (!found) {
      errs() << "--shape " << spec << ": the model has no input named '" << name << "'\n";
      return failure();
    }
  }
  func.setFunctionType(mlir::FunctionType::get(module.getContext(), func.getBody().getArgumentTypes(),
                                         func.getResultTypes()));
  return success();
}

int compile() {
  DialectRegistry registry;
  ingot::cpu::registerCpuDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  ingot::DiagnosticPrinter printer(context);
  int phases = 1 + (compileTo >= Phase::Linalg) + (compileTo >= Phase::LLVM) +
               (compileTo >= Phase::Object);
  Progress progress(phases);
  int dumpIndex = 0;
  auto dump = [&](ModuleOp module, StringRef phase) -> LogicalResult {
    if (dumpDir.empty())
      return success();
    if (std::error_code ec = sys::fs::create_directories(dumpDir)) {
      errs() << dumpDir << ": " << ec.message() << "\n";
      return failure();
    }
    SmallString<256> path(dumpDir);
    sys::path::append(path, std::to_string(++dumpIndex) + "-" + phase.str() + ".mlir");
    return writeAtomically(path, printed(module));
  };

  // Refuse a bad --cpu before spending time on the model.
  ingot::cpu::TargetOptions target;
  target.cpu = cpu;
  target.optLevel = std::min(optLevel.getValue(), 3u);
  std::string targetError;
  if (compileTo == Phase::Object && failed(ingot::cpu::validateTarget(target, targetError))) {
    errs() << "--cpu=" << cpu << ": " << targetError << "\n";
    return 1;
  }

  progress.start("import");
  OwningOpRef<ModuleOp> module = ingot::importOnnxFile(context, inputPath);
  if (!module || failed(pinShapes(*module)))
    return 1;
  progress.done();
  if (failed(dump(*module, "graph")))
    return 1;

  auto runPhase = [&](StringRef name, llvm::function_ref<void(OpPassManager &)> build) {
    progress.start(name);
    PassManager pm(&context);
    if (printAfterAll) {
      context.disableMultithreading();
      pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                          [](Pass *, Operation *) { return true; });
    }
    if (timePasses)
      pm.enableTiming();
    build(pm);
    if (failed(pm.run(*module)))
      return failure();
    progress.done();
    return dump(*module, name);
  };
  if (compileTo >= Phase::Linalg &&
      failed(runPhase("linalg", ingot::cpu::buildGraphToLinalgPipeline)))
    return 1;
  if (compileTo >= Phase::LLVM) {
    // The runtime calls the model through MLIR's C interface wrapper.
    if (auto main = module->lookupSymbol<func::FuncOp>("main"))
      main->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(&context));
    if (failed(runPhase("llvm", ingot::cpu::buildLinalgToLLVMPipeline)))
      return 1;
  }
  std::string output;
  if (compileTo == Phase::Object) {
    progress.start("object");
    if (failed(ingot::cpu::emitObject(*module, target, output)))
      return 1;
    progress.done();
  } else {
    output = printed(*module);
  }
  return failed(writeAtomically(outputPath, output)) ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "Ingot: an ahead-of-time compiler for ONNX models\n\n"
      "  ingot compile model.onnx -o model.o [--compile-to=graph|linalg|llvm|object]\n"
      "              [--cpu=native|x86-64-v3|x86-64-v4] [-O0..3] [--shape name=1x3x224x224]\n"
      "              [--print-ir-after-all] [--dump-dir DIR] [--time-passes]\n\n"
      "Errors print as 'file: node 'name' (OpType): message' and exit 1 with no output\n"
      "file written. `ingot compile --help` lists every option.\n");
  if (compileCommand)
    return compile();
  errs() << "ingot: expected a command (compile); see ingot --help\n";
  return 1;
}
