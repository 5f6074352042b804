//===- GraphOps.h - The graph dialect's ops -------------------------------===//
//
// Op classes generated from GraphOps.td, plus the helpers their shape rules
// and folds share.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_DIALECTS_GRAPH_GRAPHOPS_H
#define INGOT_DIALECTS_GRAPH_GRAPHOPS_H

#include "dialects/graph/GraphDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/TypeUtilities.h"

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.h.inc"

namespace ingot::graph {

/// The integer values of `value` when it is produced by a constant (a
/// graph.constant or anything that folds to one), widened to int64.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);

/// DFT's signal axis (its `axis` input, -2 when absent), normalized to
/// [0, rank - 2]; none when not a constant in range.
std::optional<int64_t> dftAxis(mlir::Value axis, int64_t rank);

/// The float values of `value` when it is a constant, widened to double.
std::optional<llvm::SmallVector<double>> getConstantFloats(mlir::Value value);

/// The elements of a constant attribute as int64 (any integer element type).
std::optional<llvm::SmallVector<int64_t>> getIntValues(mlir::Attribute attr);

/// An Einsum equation with every ellipsis spelled out as labels past 'z':
/// one label per dim of each input, and the output's labels.
struct EinsumSpec {
  llvm::SmallVector<llvm::SmallVector<char>> inputs;
  llvm::SmallVector<char> output;
};
mlir::FailureOr<EinsumSpec> parseEinsum(llvm::StringRef equation, llvm::ArrayRef<int64_t> ranks,
                                        std::string &error);

/// `axis` normalised into [0, rank), or nullopt when it is out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// A ranked tensor type with `shape` and `elementType`.
mlir::RankedTensorType makeTensor(llvm::ArrayRef<int64_t> shape, mlir::Type elementType);

} // namespace ingot::graph

#endif // INGOT_DIALECTS_GRAPH_GRAPHOPS_H
