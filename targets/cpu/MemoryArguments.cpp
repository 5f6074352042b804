//===- MemoryArguments.cpp - The leading memory arguments of @main ---------===//
//
// The runtime calls @main with the weights section and the arena before the
// model's inputs. Each is a `memref<?xi8>` argument marked `ingot.memory`.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace ingot::cpu {

static constexpr StringLiteral kMemoryAttr = "ingot.memory";

static StringRef nameOf(MemoryArgument kind) {
  return kind == MemoryArgument::Weights ? "weights" : "arena";
}

Value addMemoryArgument(func::FuncOp main, MemoryArgument kind) {
  auto index = static_cast<unsigned>(kind);
  for (unsigned i = 0; i <= index; ++i) {
    StringRef wanted = nameOf(static_cast<MemoryArgument>(i));
    StringAttr marked;
    if (i < main.getNumArguments())
      marked = main.getArgAttrOfType<StringAttr>(i, kMemoryAttr);
    if (marked && marked.getValue() == wanted)
      continue;
    Builder b(main.getContext());
    auto type = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
    auto attrs = b.getDictionaryAttr(b.getNamedAttr(kMemoryAttr, b.getStringAttr(wanted)));
    main.insertArgument(i, type, attrs, main.getLoc());
  }
  return main.getArgument(index);
}

} // namespace ingot::cpu
