//===- ObjectEmitter.cpp - LLVM dialect -> x86-64 object code -------------===//
//
// Code model large, static relocation: every reference to a symbol is an
// absolute 64-bit relocation, so the runtime can place the code anywhere
// with a loader that knows one relocation kind.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/ObjectEmitter.h"
#include "targets/cpu/Ukernels.h"

#include "runtime/include/ingot/ArtifactFormat.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

namespace ingot::cpu {

llvm::Expected<std::pair<std::string, std::string>> resolveCpu(const TargetOptions &options) {
  if (options.cpu == "native") {
    std::string features;
    llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
    for (auto &feature : host)
      features += (feature.second ? "+" : "-") + feature.first().str() + ",";
    if (!features.empty())
      features.pop_back();
    return std::make_pair(llvm::sys::getHostCPUName().str(), features);
  }
  return std::make_pair(options.cpu, std::string());
}

static std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions &options,
                                                                std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  auto cpu = resolveCpu(options);
  if (!cpu) {
    error = llvm::toString(cpu.takeError());
    return nullptr;
  }
  // Ask with an empty CPU: asking with an unknown one makes LLVM print a warning.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(target->createMCSubtargetInfo(triple, "", ""));
  if (!subtarget->isCPUStringValid(cpu->first)) {
    error = "unknown CPU '" + cpu->first + "' (try native, x86-64-v3, x86-64-v4)";
    return nullptr;
  }
  // LLVM's tuning for many AVX-512 CPUs (Rocket Lake, Ice Lake, Sapphire
  // Rapids, x86-64-v4) has its vectorizer prefer 256-bit vectors, for the
  // clock that 512-bit instructions once cost. The micro-kernels run on
  // 512-bit registers whatever that says, so the clock is paid either way
  // and the vectorized loops (pools, elementwise chains, reductions) would
  // do half the work per instruction: MaxPool 3x3/2 over 64x111x111
  // 0.52 -> 0.42 ms, SqueezeNet and MobileNetV2 5% faster.
  std::string features = cpu->second.empty() ? "-prefer-256-bit" : cpu->second + ",-prefer-256-bit";
  llvm::TargetOptions targetOptions;
  auto level = options.optLevel == 0   ? llvm::CodeGenOptLevel::None
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                       : llvm::CodeGenOptLevel::Aggressive;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu->first, features, targetOptions, llvm::Reloc::Static,
      llvm::CodeModel::Large, level));
}

LogicalResult validateTarget(const TargetOptions &options, std::string &error) {
  return success(createTargetMachine(options, error) != nullptr);
}

FailureOr<TargetDescription> describeTarget(const TargetOptions &options, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  if (!machine)
    return failure();
  TargetDescription description;
  description.triple = machine->getTargetTriple().str();
  description.cpu = machine->getTargetCPU().str();
  const llvm::MCSubtargetInfo *subtarget = machine->getMCSubtargetInfo();
  for (const char *feature : artifact::kCpuFeatures)
    if (subtarget->checkFeatures(std::string("+") + feature))
      description.features.push_back(feature);
  return description;
}

/// Adds `void ingot_entry(void **args)`, which loads each argument of
/// MLIR's C interface wrapper of @main from `args` and calls it, so the
/// runtime calls every model through the same signature.
static LogicalResult addEntryPoint(llvm::Module &module, Location loc) {
  llvm::Function *wrapper = module.getFunction("_mlir_ciface_main");
  if (!wrapper)
    return emitError(loc, "the module has no C interface for @main"), failure();
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptr = llvm::PointerType::get(ctx, 0);
  for (llvm::Argument &arg : wrapper->args())
    if (arg.getType() != ptr)
      return emitError(loc, "@main's C interface takes a non-pointer argument"), failure();
  auto *entry = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false),
      llvm::GlobalValue::ExternalLinkage, artifact::kEntrySymbol, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < wrapper->arg_size(); ++i)
    args.push_back(b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), i)));
  b.CreateCall(wrapper, args);
  b.CreateRetVoid();
  return success();
}

LogicalResult emitObject(ModuleOp module, const TargetOptions &options, std::string &object) {
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  registerBuiltinDialectTranslation(*ctx);
  registerLLVMDialectTranslation(*ctx);
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  if (!machine)
    return emitError(loc, "cannot target this CPU: ") << error, failure();
  // Ingot's own argument and result attributes (ONNX names) mean nothing to
  // LLVM; the translation would warn about each.
  module.walk([](LLVM::LLVMFuncOp func) {
    auto strip = [](DictionaryAttr dict) -> Attribute {
      if (!dict)
        return dict;
      SmallVector<NamedAttribute> kept;
      for (NamedAttribute attr : dict)
        if (!attr.getName().getValue().starts_with("graph."))
          kept.push_back(attr);
      return DictionaryAttr::get(dict.getContext(), kept);
    };
    if (ArrayAttr args = func.getArgAttrsAttr())
      func.setArgAttrsAttr(ArrayAttr::get(func.getContext(),
                                          llvm::map_to_vector(args, [&](Attribute a) {
                                            return strip(cast<DictionaryAttr>(a));
                                          })));
    if (ArrayAttr results = func.getResAttrsAttr())
      func.setResAttrsAttr(ArrayAttr::get(func.getContext(),
                                          llvm::map_to_vector(results, [&](Attribute a) {
                                            return strip(cast<DictionaryAttr>(a));
                                          })));
  });
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return emitError(loc, "cannot translate the module to LLVM IR"), failure();
  if (failed(addEntryPoint(*llvmModule, loc)))
    return failure();
  llvmModule->setTargetTriple(machine->getTargetTriple().str());
  llvmModule->setDataLayout(machine->createDataLayout());
  // Linked before the optimizer: it re-optimizes the kernels with this
  // CPU's cost model (linked after it, the 1024^3 GEMM ran at 29 GFLOP/s
  // instead of 70).
  bool avx512 = machine->getMCSubtargetInfo()->checkFeatures("+avx512f");
  if (llvm::Error err = linkUkernels(*llvmModule, avx512))
    return emitError(loc, "cannot link the micro-kernels: ") << llvm::toString(std::move(err)),
           failure();
  auto optimize = makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return emitError(loc, "LLVM optimization failed: ") << llvm::toString(std::move(err)),
           failure();
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream stream(buffer);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, stream, nullptr, llvm::CodeGenFileType::ObjectFile))
    return emitError(loc, "this target cannot emit object files"), failure();
  codegen.run(*llvmModule);
  object.assign(buffer.begin(), buffer.end());
  return success();
}

} // namespace ingot::cpu
