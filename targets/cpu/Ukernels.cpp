//===- Ukernels.cpp - Micro-kernels linked into each artifact -------------===//

#include "targets/cpu/Ukernels.h"

#include "llvm/ADT/STLExtras.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/MemoryBuffer.h"

namespace ingot::cpu {
namespace {

// The bitcode of ukernels/sgemm.c, built by CMake (embed_bitcode.cmake).
const unsigned char kSgemmAvx512[] = {
#include "targets/cpu/sgemm_avx512.bc.inc"
};
const unsigned char kSgemmAvx2[] = {
#include "targets/cpu/sgemm_avx2.bc.inc"
};

} // namespace

llvm::Error linkUkernels(llvm::Module &module, bool avx512) {
  auto declared = [&](llvm::StringRef name) {
    llvm::Function *f = module.getFunction(name);
    return f && f->isDeclaration();
  };
  if (llvm::none_of(kUkernelSymbols, declared))
    return llvm::Error::success();
  llvm::StringRef bytes =
      avx512 ? llvm::StringRef(reinterpret_cast<const char *>(kSgemmAvx512), sizeof(kSgemmAvx512))
             : llvm::StringRef(reinterpret_cast<const char *>(kSgemmAvx2), sizeof(kSgemmAvx2));
  llvm::Expected<std::unique_ptr<llvm::Module>> kernels =
      llvm::parseBitcodeFile(llvm::MemoryBufferRef(bytes, "sgemm.bc"), module.getContext());
  if (!kernels)
    return kernels.takeError();
  // Compiled for a generic x86-64: drop what clang recorded of that CPU so
  // the artifact's target machine decides, and what names the build host.
  for (llvm::Function &f : **kernels) {
    f.removeFnAttr("target-cpu");
    f.removeFnAttr("target-features");
    f.removeFnAttr("tune-cpu");
  }
  (*kernels)->setTargetTriple(module.getTargetTriple());
  (*kernels)->setDataLayout(module.getDataLayout());
  (*kernels)->setModuleIdentifier("ingot-ukernels");
  if (llvm::Linker::linkModules(module, std::move(*kernels), llvm::Linker::LinkOnlyNeeded))
    return llvm::createStringError("cannot link the micro-kernels into the module");
  // Only this module calls them: internal, so LLVM may inline and drop them.
  for (llvm::StringRef name : kUkernelSymbols)
    if (llvm::Function *linked = module.getFunction(name))
      linked->setLinkage(llvm::GlobalValue::InternalLinkage);
  return llvm::Error::success();
}

} // namespace ingot::cpu
