//===- OpTable.cpp - The generated per-op import table --------------------===//

#include "compiler/import/OpTable.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"

namespace ingot {

static const std::vector<OpInfo> &table() {
  static const std::vector<OpInfo> ops = {
#define OP(...) OpInfo{__VA_ARGS__},
#include "dialects/graph/GraphOpTable.inc"
#undef OP
  };
  return ops;
}

const OpInfo *lookupOp(llvm::StringRef opType) {
  const auto &ops = table();
  auto it = llvm::partition_point(ops, [&](const OpInfo &op) {
    return llvm::StringRef(op.onnxName) < opType;
  });
  if (it == ops.end() || opType != it->onnxName)
    return nullptr;
  return &*it;
}

llvm::ArrayRef<OpInfo> supportedOps() { return table(); }

const char *attrKindName(AttrKind kind) {
  switch (kind) {
  case AttrKind::INT: return "INT";
  case AttrKind::FLOAT: return "FLOAT";
  case AttrKind::STRING: return "STRING";
  case AttrKind::INTS: return "INTS";
  case AttrKind::FLOATS: return "FLOATS";
  case AttrKind::STRINGS: return "STRINGS";
  case AttrKind::TENSOR: return "TENSOR";
  }
  return "?";
}

} // namespace ingot
