//===- ingot.cpp - The Ingot compiler driver ------------------------------===//
//
// `ingot compile model.onnx -o out --compile-to=PHASE` runs the named phases
// in order: import (graph), graph cleanup + lowering to linalg (linalg),
// bufferization, memory planning + lowering to the LLVM dialect (llvm),
// native code (object), and the packed artifact (artifact, the default).
// Each phase's IR can be printed or dumped; a failed compile leaves no
// output file. `ingot run` and `ingot inspect` (RunCommands.cpp) load
// artifacts through the runtime library.
//
//===----------------------------------------------------------------------===//

#include "compiler/import/ImportDiagnostics.h"
#include "compiler/import/OnnxImporter.h"
#include "compiler/package/ArtifactWriter.h"
#include "compiler/tools/AtomicFile.h"
#include "compiler/tools/RunCommands.h"
#include "passes/Passes.h"
#include "targets/cpu/CpuPipeline.h"
#include "targets/cpu/ObjectEmitter.h"
#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Config/llvm-config.h"
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

enum class Phase { Graph, Fused, Linalg, LLVM, Object, Artifact };

cl::SubCommand compileCommand("compile", "Compile an ONNX model");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                               cl::sub(compileCommand));
cl::opt<std::string> outputPath("o", cl::desc("Output file (model.ingot; - for standard output)"),
                                cl::value_desc("file"),
                                cl::Required, cl::sub(compileCommand));
cl::opt<Phase> compileTo(
    "compile-to", cl::desc("Stop after this phase and write its result"),
    cl::values(clEnumValN(Phase::Graph, "graph", "the imported graph dialect (MLIR text)"),
               clEnumValN(Phase::Fused, "fused",
                          "the cleaned-up graph grouped into dispatch regions (graph.fused), "
                          "one per kernel"),
               clEnumValN(Phase::Linalg, "linalg", "cleaned-up graph lowered to linalg on tensors"),
               clEnumValN(Phase::LLVM, "llvm", "bufferized loops in the LLVM dialect"),
               clEnumValN(Phase::Object, "object", "x86-64 ELF object code (weights not included)"),
               clEnumValN(Phase::Artifact, "artifact",
                          "the model.ingot artifact: code, weights, manifest (default)")),
    cl::init(Phase::Artifact), cl::sub(compileCommand));
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
cl::opt<bool> printAfterAll("print-ir-after-all",
                            cl::desc("Print the IR after every pass (large weights elided)"),
                            cl::sub(compileCommand));
cl::opt<std::string> dumpDir("dump-dir",
                             cl::desc("Write each phase's IR into this directory (large weights "
                                      "elided)"),
                             cl::value_desc("dir"), cl::sub(compileCommand));
cl::opt<bool> winograd("winograd",
                        cl::desc("Stride-1 3x3 convolutions (16+ channels and filters) by "
                                 "Winograd F(4x4, 3x3): ~2.5x fewer multiply-adds, results "
                                 "within ~1e-5 of their magnitude of a direct convolution's "
                                 "(default true; --winograd=false: every convolution direct)"),
                        cl::init(true), cl::sub(compileCommand));
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

/// The flags of IR printed for a person to read (--dump-dir,
/// --print-ir-after-all): weights elided. Printed in full after each pass,
/// BERT-base's 440 MB of weights made 71 GB of text.
OpPrintingFlags forReading() {
  return OpPrintingFlags().elideLargeElementsAttrs(16).elideLargeResourceString(64);
}

std::string printed(ModuleOp module, OpPrintingFlags flags = OpPrintingFlags()) {
  std::string text;
  raw_string_ostream os(text);
  module->print(os, flags);
  return text;
}

/// Applies --shape: the named input's type becomes the given static shape,
/// and each symbolic dim it names takes that size in every input.
LogicalResult pinShapes(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  llvm::StringMap<int64_t> symbols;
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
      if (auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "graph.dim_names"))
        for (auto [d, symbol] : llvm::enumerate(names.getAsValueRange<StringAttr>()))
          if (!symbol.empty() && d < dims.size())
            symbols[symbol] = dims[d];
    }
    if (!found) {
      errs() << "--shape " << spec << ": the model has no input named '" << name << "'\n";
      return failure();
    }
  }
  // Inputs not named by --shape take the sizes of the symbols they share.
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "graph.dim_names");
    if (!type || !names || (int64_t)names.size() != type.getRank())
      continue;
    SmallVector<int64_t> dims(type.getShape());
    for (auto [d, symbol] : llvm::enumerate(names.getAsValueRange<StringAttr>())) {
      auto it = symbols.find(symbol);
      if (symbol.empty() || it == symbols.end())
        continue;
      if (!type.isDynamicDim(d) && type.getDimSize(d) != it->second) {
        errs() << "--shape: input '" << func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "graph.name").getValue()
               << "' dim " << d << " is " << type.getDimSize(d) << ", but '" << symbol
               << "' was pinned to " << it->second << "\n";
        return failure();
      }
      dims[d] = it->second;
    }
    arg.setType(RankedTensorType::get(dims, type.getElementType()));
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
  int phases = 1 + (compileTo >= Phase::Fused) + (compileTo >= Phase::Linalg) + (compileTo >= Phase::LLVM) +
               (compileTo >= Phase::Object) + (compileTo >= Phase::Artifact);
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
    return ingot::tools::writeAtomically(path, printed(module, forReading()));
  };

  // Refuse a bad --cpu before spending time on the model.
  ingot::cpu::TargetOptions target;
  target.cpu = cpu;
  target.optLevel = std::min(optLevel.getValue(), 3u);
  std::string targetError;
  FailureOr<ingot::cpu::TargetDescription> description =
      ingot::cpu::describeTarget(target, targetError);
  if (compileTo >= Phase::Object && failed(description)) {
    errs() << "--cpu=" << cpu << ": " << targetError << "\n";
    return 1;
  }

  progress.start("import");
  OwningOpRef<ModuleOp> module = ingot::importOnnxFile(context, inputPath);
  if (!module || failed(pinShapes(*module)))
    return 1;
  {
    // Shapes that folding reveals (a Reshape to a shape computed from the
    // input's rank) type the outputs the runtime will see.
    PassManager cleanup(&context);
    ingot::buildGraphCleanupPipeline(cleanup);
    if (failed(cleanup.run(*module)))
      return 1;
  }
  FailureOr<ingot::package::Signature> signature =
      ingot::package::readSignature(module->lookupSymbol<func::FuncOp>("main"));
  if (failed(signature))
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
                          [](Pass *, Operation *) { return true; }, /*printModuleScope=*/false,
                          /*printAfterOnlyOnChange=*/false, /*printAfterOnlyOnFailure=*/false,
                          llvm::errs(), forReading());
    }
    if (timePasses)
      pm.enableTiming();
    build(pm);
    if (failed(pm.run(*module)))
      return failure();
    progress.done();
    return dump(*module, name);
  };
  if (compileTo >= Phase::Fused &&
      failed(runPhase("fused", ingot::cpu::buildGraphToFusedPipeline)))
    return 1;
  if (compileTo >= Phase::Linalg &&
      failed(runPhase("linalg", ingot::cpu::buildFusedToLinalgPipeline)))
    return 1;
  if (compileTo >= Phase::LLVM) {
    // The runtime calls the model through MLIR's C interface wrapper.
    if (auto main = module->lookupSymbol<func::FuncOp>("main"))
      main->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(&context));
    ingot::cpu::LinalgToLLVMOptions options;
    options.winograd = winograd;
    if (failed(runPhase("llvm", [&](OpPassManager &pm) {
          ingot::cpu::buildLinalgToLLVMPipeline(pm, options);
        })))
      return 1;
  }
  if (compileTo < Phase::Object)
    return failed(ingot::tools::writeAtomically(outputPath, printed(*module))) ? 1 : 0;

  // The memory passes leave the weights and the arena size on the module
  // for the packager; the object code does not carry them.
  ingot::package::ArtifactContents artifact;
  if (auto weights = module->getOperation()->getAttrOfType<DenseResourceElementsAttr>(
          "ingot.weights"))
    if (AsmResourceBlob *blob = weights.getRawHandle().getBlob())
      artifact.weights = blob->getData();
  if (auto arena = module->getOperation()->getAttrOfType<IntegerAttr>("ingot.arena_bytes"))
    artifact.arenaBytes = arena.getInt();
  if (auto producer = module->getOperation()->getAttrOfType<StringAttr>("graph.producer"))
    artifact.producer = producer.str();
  if (auto regions = module->getOperation()->getAttrOfType<ArrayAttr>(ingot::cpu::kRegionsAttr))
    for (mlir::Attribute region : regions) {
      auto pair = dyn_cast<ArrayAttr>(region);
      if (pair && pair.size() == 2 && isa<StringAttr>(pair[0]) && isa<StringAttr>(pair[1]))
        artifact.regions.push_back(
            {cast<StringAttr>(pair[0]).str(), cast<StringAttr>(pair[1]).str()});
    }
  module->getOperation()->removeAttr("ingot.weights");
  module->getOperation()->removeAttr("ingot.arena_bytes");
  module->getOperation()->removeAttr(ingot::cpu::kRegionsAttr);
  progress.start("object");
  if (failed(ingot::cpu::emitObject(*module, target, artifact.object)))
    return 1;
  progress.done();
  if (compileTo == Phase::Object)
    return failed(ingot::tools::writeAtomically(outputPath, artifact.object)) ? 1 : 0;

  progress.start("artifact");
  artifact.signature = std::move(*signature);
  artifact.compilerVersion = "ingot " INGOT_VERSION " (LLVM " LLVM_VERSION_STRING ")";
  artifact.sourceModel = sys::path::filename(inputPath).str();
  artifact.triple = description->triple;
  artifact.cpu = description->cpu;
  artifact.cpuFeatures = description->features;
  std::string file = ingot::package::buildArtifact(artifact);
  progress.done();
  return failed(ingot::tools::writeAtomically(outputPath, file)) ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "Ingot: an ahead-of-time compiler for ONNX models\n\n"
      "  ingot compile model.onnx -o model.ingot [--cpu=native|x86-64-v3|x86-64-v4] [-O0..3]\n"
      "              [--shape name=1x3x224x224] [--compile-to=graph|fused|linalg|llvm|object|artifact]\n"
      "              [--print-ir-after-all] [--dump-dir DIR] [--time-passes]\n"
      "  ingot run model.ingot [--input name=x.npy ...] [--output-dir DIR] [--repeat N]\n"
      "              [--threads N] [--shape name=DxD...]   (random inputs when none given)\n"
      "  ingot inspect model.ingot [--json]\n\n"
      "Errors print one line naming the file, node, input or section at fault and exit 1;\n"
      "a failed compile writes no output file. `ingot <command> --help` lists every option.\n");
  if (compileCommand)
    return compile();
  if (ingot::tools::runCommand)
    return ingot::tools::runArtifact();
  if (ingot::tools::inspectCommand)
    return ingot::tools::inspectArtifact();
  errs() << "ingot: expected a command (compile, run, inspect); see ingot --help\n";
  return 1;
}
