//===- InferHelpers.h - Shared pieces of the ops' shape rules -------------===//
//
// Small helpers the per-family shape rules in this folder use: shapes of
// operands, unranked fallbacks and the signature every rule has.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_DIALECTS_GRAPH_OPS_INFERHELPERS_H
#define INGOT_DIALECTS_GRAPH_OPS_INFERHELPERS_H

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"

namespace ingot::graph::infer {

using mlir::failure;
using mlir::LogicalResult;
using mlir::success;

inline mlir::RankedTensorType ranked(mlir::Value v) {
  return v ? llvm::dyn_cast<mlir::RankedTensorType>(v.getType()) : nullptr;
}

inline mlir::Type elementOf(mlir::Value v) { return mlir::getElementTypeOrSelf(v.getType()); }

inline mlir::Type unranked(mlir::Type elementType) {
  return mlir::UnrankedTensorType::get(elementType);
}

/// A rank-`rank` tensor with every dim unknown.
inline mlir::Type allDynamic(int64_t rank, mlir::Type elementType) {
  return mlir::RankedTensorType::get(
      llvm::SmallVector<int64_t>(rank, mlir::ShapedType::kDynamic), elementType);
}

/// Broadcasts the operands' shapes; the result has `elementType`.
LogicalResult broadcastResult(std::optional<mlir::Location> loc, mlir::ValueRange operands,
                              mlir::Type elementType, llvm::SmallVectorImpl<mlir::Type> &types);

/// Output size of one spatial dim of a convolution or pooling window.
int64_t windowOutputSize(int64_t input, int64_t kernel, int64_t stride, int64_t dilation,
                         int64_t padBegin, int64_t padEnd, bool ceilMode);

/// Result shape of a Conv/Pool-style op: [N, channels, spatial...].
LogicalResult windowedResult(std::optional<mlir::Location> loc, mlir::Value input,
                             int64_t channels, llvm::ArrayRef<int64_t> kernel,
                             std::optional<llvm::ArrayRef<int64_t>> strides,
                             std::optional<llvm::ArrayRef<int64_t>> dilations,
                             std::optional<llvm::ArrayRef<int64_t>> pads,
                             llvm::StringRef autoPad, bool ceilMode,
                             llvm::SmallVectorImpl<mlir::Type> &types);

} // namespace ingot::graph::infer

/// Defines OP::inferReturnTypes as "same type as the first operand".
#define GRAPH_INFER_SAME_AS_FIRST_OPERAND(OP)                                    \
  llvm::LogicalResult OP::inferReturnTypes(                                      \
      mlir::MLIRContext *, std::optional<mlir::Location>, Adaptor adaptor,      \
      llvm::SmallVectorImpl<mlir::Type> &types) {                                \
    types.push_back(adaptor.getOperands()[0].getType());                         \
    return llvm::success();                                                      \
  }

/// Defines OP::inferReturnTypes as a broadcast of all operands with the first
/// operand's element type (or i1 for comparisons).
#define GRAPH_INFER_BROADCAST(OP, ELEMENT)                                       \
  llvm::LogicalResult OP::inferReturnTypes(                                      \
      mlir::MLIRContext *ctx, std::optional<mlir::Location> loc,                \
      Adaptor adaptor, llvm::SmallVectorImpl<mlir::Type> &types) {               \
    return infer::broadcastResult(loc, adaptor.getOperands(), ELEMENT, types);   \
  }

#endif // INGOT_DIALECTS_GRAPH_OPS_INFERHELPERS_H
