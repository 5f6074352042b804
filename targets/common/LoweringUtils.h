//===- LoweringUtils.h - Helpers shared by the graph -> linalg patterns ---===//
//
// Building blocks every lowering uses: result tensors with dynamic sizes,
// broadcasting indexing maps, scalar constants and casts, reshapes.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_COMMON_LOWERINGUTILS_H
#define INGOT_TARGETS_COMMON_LOWERINGUTILS_H

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
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

/// The lowest (or highest) value of `type`: -inf/+inf for floats; for
/// integers read as unsigned when `isUnsigned`.
mlir::Value extremeConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                            bool lowest, bool isUnsigned = false);

/// Converts scalar `value` to `to` as ONNX Cast does (float<->int truncating
/// toward zero, bool is != 0); integers are read or written as unsigned when
/// the flags say so.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                       mlir::Type to, bool fromUnsigned = false, bool toUnsigned = false,
                       bool saturate = true);

/// The float8 formats (Float8.cpp): whether `type` is one, its value as f32,
/// and a float rounded (to nearest even) into one, overflow saturating to
/// the largest finite value when `saturate`.
bool isFloat8(mlir::Type type);
mlir::Value decodeFloat8(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);
mlir::Value encodeFloat8(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                         mlir::Type to, bool saturate);

/// Rewrites `func`'s unsigned integer tensors as signless ones of the same
/// bits, recording on each graph op which operands and results were
/// unsigned (see SignlessIntegers.cpp).
void makeIntegersSignless(mlir::func::FuncOp func);
bool isUnsignedOperand(mlir::Operation *op, unsigned index);
bool isUnsignedResult(mlir::Operation *op, unsigned index);

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

/// `body` applied to every element of `input`, into a tensor of `element`.
mlir::Value mapUnaryTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                       mlir::Type element,
                       llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                      mlir::ValueRange)> body);

/// `input` reshaped to `resultType` whose dynamic dims are `dims` (one per dim).
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      mlir::RankedTensorType resultType,
                      llvm::ArrayRef<mlir::OpFoldResult> dims);

/// `input` padded with `value` by `low`/`high` (non-negative) per dim, as
/// fill + insert_slice (tensor.pad with dynamic sizes does not bufferize in
/// MLIR 19). The result type keeps static dims where input and pads are.
mlir::Value padWithValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                         llvm::ArrayRef<mlir::OpFoldResult> low,
                         llvm::ArrayRef<mlir::OpFoldResult> high, mlir::Value value);

/// Index arithmetic on sizes that folds to constants when its operands are.
struct IndexMath {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::OpFoldResult c(int64_t v) { return b.getIndexAttr(v); }
  mlir::Value value(mlir::OpFoldResult x);
  mlir::OpFoldResult add(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult sub(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult mul(mlir::OpFoldResult x, mlir::OpFoldResult y);
  /// Rounding toward -inf / +inf; `y` > 0.
  mlir::OpFoldResult floorDiv(mlir::OpFoldResult x, int64_t y);
  mlir::OpFoldResult ceilDiv(mlir::OpFoldResult x, int64_t y);
  mlir::OpFoldResult max(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult min(mlir::OpFoldResult x, mlir::OpFoldResult y);
  /// cond ? x : y for an i1 `cond`.
  mlir::OpFoldResult select(mlir::Value cond, mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::Value cmp(mlir::arith::CmpIPredicate p, mlir::OpFoldResult x, mlir::OpFoldResult y);
};

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

/// Replaces a dispatch region by its body's ops, in place: what a target
/// does once it has compiled the region as one kernel (a yielded value the
/// lowering typed more precisely is cast back to the region's result type).
void inlineDispatchRegion(mlir::RewriterBase &rewriter, graph::FusedOp region);

} // namespace ingot::lowering

#endif // INGOT_TARGETS_COMMON_LOWERINGUTILS_H
