//===- Autodiff.h - Reverse-mode derivatives of graph ops ----------------===//
//
// The gradient of a value with respect to others, written as graph ops
// after the forward ones: the adjoint of `y` is all ones (as ONNX's Gradient
// operator defines it), and each op on a path from an `x` to `y` passes its
// result's adjoint back to its operands by the op's derivative rule,
// summed where a value has several uses and reduced where an operand was
// broadcast. Ops off every such path are constants to the derivative.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_PASSES_AUTODIFF_H
#define INGOT_PASSES_AUTODIFF_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace ingot {

/// dy/dx for each of `xs`, built at `b`'s insertion point (after `y` and
/// the ops it depends on, in the same block). Fails, through `error`, on an
/// op with no derivative rule yet or a broadcast whose dims are known only
/// at run time.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildGradients(mlir::OpBuilder &b, mlir::Location loc, mlir::Value y, llvm::ArrayRef<mlir::Value> xs,
               llvm::function_ref<mlir::InFlightDiagnostic()> error);

} // namespace ingot

#endif // INGOT_PASSES_AUTODIFF_H
