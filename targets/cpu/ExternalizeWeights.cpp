//===- ExternalizeWeights.cpp - The cpu-externalize-weights pass ----------===//
//
// Weights must not live in the object code: the runtime maps them from the
// artifact, read-only and uncopied. This pass turns each large constant
// global into a view of @main's weights argument and gathers the bytes.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "runtime/include/ingot/ArtifactFormat.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUEXTERNALIZEWEIGHTS
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

/// The bytes of a constant global as the generated code lays them out, when
/// they can be copied verbatim (whole-byte elements, not a splat).
std::optional<ArrayRef<char>> rawBytes(memref::GlobalOp global) {
  auto type = global.getType();
  Type element = type.getElementType();
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  Attribute value = global.getInitialValueAttr();
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return blob->getData();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(value))
    if (!dense.isSplat())
      return dense.getRawData();
  return std::nullopt;
}

struct CpuExternalizeWeightsPass
    : impl::CpuExternalizeWeightsBase<CpuExternalizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main)
      return;
    SymbolTableCollection symbols;
    std::vector<char> section;
    llvm::DenseMap<StringAttr, int64_t> offsets;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      if (!global.getConstant())
        continue;
      std::optional<ArrayRef<char>> bytes = rawBytes(global);
      if (!bytes || int64_t(bytes->size()) < minBytes || !onlyMainReads(global, main))
        continue;
      size_t offset = llvm::alignTo(section.size(), artifact::kBufferAlignment);
      section.resize(offset);
      section.insert(section.end(), bytes->begin(), bytes->end());
      offsets[global.getSymNameAttr()] = offset;
    }
    Value weights = addMemoryArgument(main, MemoryArgument::Weights);
    if (!weights)
      return signalPassFailure();
    main.walk([&](memref::GetGlobalOp get) {
      auto it = offsets.find(get.getNameAttr().getAttr());
      if (it == offsets.end())
        return;
      OpBuilder b(get);
      Value offset = b.create<arith::ConstantIndexOp>(get.getLoc(), it->second);
      Value view = b.create<memref::ViewOp>(get.getLoc(), get.getType(), weights, offset,
                                            ValueRange{});
      get.replaceAllUsesWith(view);
      get.erase();
    });
    for (auto global : llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (offsets.count(global.getSymNameAttr()))
        global.erase();
    if (section.empty())
      return;
    auto type = RankedTensorType::get({int64_t(section.size())},
                                      IntegerType::get(&getContext(), 8));
    module->setAttr("ingot.weights",
                    DenseResourceElementsAttr::get(
                        type, "ingot_weights",
                        HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef(section))));
  }

  static bool onlyMainReads(memref::GlobalOp global, func::FuncOp main) {
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(global, global->getParentOp());
    if (!uses)
      return false;
    for (const SymbolTable::SymbolUse &use : *uses)
      if (use.getUser()->getParentOfType<func::FuncOp>() != main ||
          !isa<memref::GetGlobalOp>(use.getUser()))
        return false;
    return true;
  }
};

} // namespace
} // namespace ingot::cpu
