//===- OpTable.h - What the importer knows of each graph op ---------------===//
//
// For every ONNX operator the graph dialect has, its inputs, outputs and
// attributes at the canonical opset, generated from the ONNX schema by
// dialects/graph/gen_graph_ops.py into GraphOpTable.inc.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_IMPORT_OPTABLE_H
#define INGOT_COMPILER_IMPORT_OPTABLE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

namespace ingot {

enum class ParamKind { Single, Optional, Variadic };
enum class AttrKind { INT, FLOAT, STRING, INTS, FLOATS, STRINGS, TENSOR };

struct ParamInfo {
  const char *name;
  ParamKind kind;
};

struct AttrInfo {
  const char *name;
  AttrKind kind;
  bool required;
};

struct OpInfo {
  const char *onnxName;
  const char *mlirName;
  int sinceVersion;
  std::vector<ParamInfo> inputs;
  std::vector<ParamInfo> outputs;
  std::vector<AttrInfo> attributes;
};

/// The entry for ONNX operator `opType`, or null when the dialect lacks it.
const OpInfo *lookupOp(llvm::StringRef opType);

/// All operators the importer supports, sorted by name.
llvm::ArrayRef<OpInfo> supportedOps();

const char *attrKindName(AttrKind kind);

} // namespace ingot

#endif // INGOT_COMPILER_IMPORT_OPTABLE_H
