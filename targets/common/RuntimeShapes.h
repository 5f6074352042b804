//===- RuntimeShapes.h - Sizes only known at run time ---------------------===//
//
// What the lowering assumes about a size it cannot see at compile time is
// checked where the size becomes known: `graph.runtime_check` fails the run
// with a message naming the node and both sizes. Checks on sizes known at
// compile time are not emitted (their ops' verifiers already hold), and
// checks whose conditions fold to true disappear in canonicalization.
//
// Broadcasting follows ONNX (NumPy) at run time: a dim unknown at compile
// time may be 1 and stretch, or equal the result's dim. The operand is read
// as is when every such dim equals the result's (the common case, decided
// by one run-time guard), and through an expanded copy otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_COMMON_RUNTIMESHAPES_H
#define INGOT_TARGETS_COMMON_RUNTIMESHAPES_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace ingot::lowering {

/// Fails the run unless `ok`, with "<node>: <what>" where {0}..{3} in `what`
/// stand for `values` (index or integer values).
void emitCheck(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ok, const llvm::Twine &what,
               mlir::ValueRange values = {});

/// Checks that two sizes are equal, unless both are constants (equal or
/// not: a verifier has decided those). {0} and {1} in `what` are the sizes.
void checkEqual(mlir::OpBuilder &b, mlir::Location loc, mlir::OpFoldResult lhs,
                mlir::OpFoldResult rhs, const llvm::Twine &what);

/// `value` as `type` (the same element type and rank): a tensor.cast, with
/// each dim it makes static checked first. A declared or inferred size the
/// data contradicts fails the run instead of being assumed.
mlir::Value castChecked(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                        mlir::RankedTensorType type);

/// Checks that `size` is non-negative ({0} in `what` is the size).
void checkNonNegative(mlir::OpBuilder &b, mlir::Location loc, mlir::Value size,
                      const llvm::Twine &what);

/// Checks that `dims` (one per dim of `type`; the dynamic ones count) can
/// describe a buffer: no dim is negative (sizes computed from data can be)
/// and the bytes stay below 2^62. Sizes read off one existing tensor need
/// no check. Every tensor the lowering creates goes through this.
void checkBufferSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                      llvm::ArrayRef<mlir::OpFoldResult> dims);

/// `operands` ready to be read through broadcastMap in a loop nest over the
/// broadcast result, and the result's dims.
struct Broadcast {
  llvm::SmallVector<mlir::Value> operands;
  llvm::SmallVector<mlir::OpFoldResult> dims;
};

/// The NumPy broadcast of `operands` to `resultType` (trailing dims
/// aligned). The last `excludedTrailingDims` dims of every operand take no
/// part (MatMul's matrix dims). `resultDims`, when given, fixes the result's
/// dims (a one-way broadcast such as Gemm's C to [M, N]); otherwise each
/// dynamic result dim is computed from the operands. Every operand dim not
/// known at compile time is checked to be 1 or the result's dim.
Broadcast broadcastOperands(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange operands,
                            mlir::RankedTensorType resultType,
                            unsigned excludedTrailingDims = 0,
                            llvm::ArrayRef<mlir::OpFoldResult> resultDims = {});

} // namespace ingot::lowering

#endif // INGOT_TARGETS_COMMON_RUNTIMESHAPES_H
