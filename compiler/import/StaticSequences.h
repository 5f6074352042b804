//===- StaticSequences.h - Sequence ops of known length as tensor ops -----===//
//
// ONNX sequences are lists of tensors. Where a sequence's length and every
// position used on it are known when compiling, as in exported models that
// build a list and concatenate or index it, the list needs no run-time form:
// each sequence name stands for a list of tensor names, and the sequence ops
// become tensor ops (Split, Unsqueeze, Concat, Identity, Constant) or
// nothing. A sequence whose length or positions come from run-time values,
// a sequence crossing a graph boundary, and SequenceMap are refused with a
// message naming the node.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_IMPORT_STATICSEQUENCES_H
#define INGOT_COMPILER_IMPORT_STATICSEQUENCES_H

#include "compiler/import/FunctionInliner.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>
#include <vector>

namespace ingot {

/// What the importer knows of a tensor value when it reaches a node.
struct TensorFacts {
  /// The integers `name` holds, where it is a compile-time constant.
  llvm::function_ref<std::optional<std::vector<int64_t>>(const std::string &name)> constantInts;
  /// The dims of `name` (-1 where known only at run time), where its rank is known.
  llvm::function_ref<std::optional<std::vector<int64_t>>(const std::string &name)> shapeOf;
  /// An error naming the node being expanded.
  llvm::function_ref<mlir::InFlightDiagnostic()> error;
};

class StaticSequences {
public:
  /// Whether `opType` makes or reads sequences.
  static bool isSequenceOp(llvm::StringRef opType);

  /// Whether `name` is a sequence built so far.
  bool isSequence(llvm::StringRef name) const { return lists.count(name); }

  /// Whether `node` is one `expand` takes: a sequence op, or an Identity of
  /// a sequence.
  bool handles(const onnx::NodeProto &node) const;

  /// Records the sequences `node` makes and returns the tensor nodes that
  /// compute its tensor outputs (their names are the node's outputs).
  mlir::FailureOr<std::vector<onnx::NodeProto>> expand(const onnx::NodeProto &node,
                                                      UniqueNames &names,
                                                      const TensorFacts &facts);

private:
  /// Each sequence's tensors, by name.
  llvm::StringMap<std::vector<std::string>> lists;
};

} // namespace ingot

#endif // INGOT_COMPILER_IMPORT_STATICSEQUENCES_H
