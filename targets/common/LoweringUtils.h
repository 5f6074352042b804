//===- LoweringUtils.h - Helpers shared by the graph -> linalg patterns ---===//
//
// Building blocks every lowering uses: result tensors with dynamic sizes,
// broadcasting indexing maps, scalar constants and casts, reshapes.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_COMMON_LOWERINGUTILS_H
#define INGOT_TARGETS_COMMON_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace ingot::lowering {

/// `tensor.dim` of every dim of `value` (constants for static dims).
llvm::SmallVector<mlir::OpFoldResult> getDims(mlir::OpBuilder &b, mlir::Location loc,
                                              mlir::Value value);

/// A tensor.empty of `type` whose dynamic dims take the values in `dims`
/// (one entry per dim; static entries are ignored).
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> dims);

/// The dims of a NumPy broadcast of `operands` to `resultType`: for each
/// dynamic result dim, the size of an operand that is not 1 there.
llvm::SmallVector<mlir::OpFoldResult> broadcastDims(mlir::OpBuilder &b, mlir::Location loc,
                                                    mlir::ValueRange operands,
                                                    mlir::RankedTensorType resultType);

/// The indexing map reading `operandType` broadcast to a rank-`resultRank`
/// iteration space (trailing dims aligned; static 1s read index 0).
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, mlir::RankedTensorType operandType,
                             mlir::RankedTensorType resultType);

/// Scalar constant `value` of int or float type `type`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                           double value);

/// The lowest (or highest) value of `type`: -inf/+inf for floats.
mlir::Value extremeConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                            bool lowest);

/// Converts scalar `value` to `to` as ONNX Cast does (float<->int truncating
/// toward zero, bool is != 0).
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                       mlir::Type to);

/// 1 / sqrt(x) (math.rsqrt has no lowering for every float type).
mlir::Value reciprocalSqrt(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// A linalg.generic writing `init` from `inputs` with all-parallel loops.
mlir::Value buildParallelGeneric(
    mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange inputs,
    llvm::ArrayRef<mlir::AffineMap> inputMaps, mlir::Value init,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)> body);

/// A parallel generic over `like`'s shape reading `inputs` through `maps`.
mlir::Value mapLike(mlir::OpBuilder &b, mlir::Location loc, mlir::Value like,
                    mlir::ValueRange inputs, llvm::ArrayRef<mlir::AffineMap> maps,
                    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                   mlir::ValueRange)> body);

/// `body` applied to every element of `input` (same shape, result type of
/// the element type `body` returns is `input`'s).
mlir::Value mapUnary(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                     llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                    mlir::ValueRange)> body);

/// `input` reshaped to `resultType` whose dynamic dims are `dims` (one per dim).
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      mlir::RankedTensorType resultType,
                      llvm::ArrayRef<mlir::OpFoldResult> dims);

/// `value` as an index (from a scalar of any integer type).
mlir::Value toIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// Materializes an OpFoldResult as an index value.
mlir::Value toValue(mlir::OpBuilder &b, mlir::Location loc, mlir::OpFoldResult ofr);

/// Reduces `input` over `axes` with `combine` from `initValue`, keeping the
/// reduced dims as size 1 when `keepDims`. Returns a tensor of `elementType`.
mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                   llvm::ArrayRef<int64_t> axes, bool keepDims, mlir::Value initValue,
                   llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::Value,
                                                  mlir::Value)>
                       combine);

} // namespace ingot::lowering

#endif // INGOT_TARGETS_COMMON_LOWERINGUTILS_H
