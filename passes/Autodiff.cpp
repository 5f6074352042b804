//===- Autodiff.cpp - Reverse-mode derivatives of graph ops --------------===//

#include "passes/Autodiff.h"

#include "passes/GraphBuilder.h"

#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace ingot {
namespace {

class Differentiator {
public:
  Differentiator(OpBuilder &b, Location loc, llvm::function_ref<InFlightDiagnostic()> error)
      : g(b, loc), error(error) {}

  /// A tensor like `like` (its shape and element type) filled with `value`.
  Value filled(Value like, double value) {
    auto type = cast<RankedTensorType>(like.getType());
    Value scalar = g.scalar(type.getElementType(), value);
    if (type.hasStaticShape())
      return g.op("expand", {scalar, g.ints(type.getShape())});
    return g.op("expand", {scalar, g.op("shape", {like})});
  }

  /// `grad`, an adjoint of the broadcast shape, summed back to the shape of
  /// the operand `like`. Dims where the operand may have been stretched at
  /// run time are refused: which dims to sum is then known only at run time.
  FailureOr<Value> unbroadcast(Value grad, Value like) {
    auto gradType = cast<RankedTensorType>(grad.getType());
    auto likeType = cast<RankedTensorType>(like.getType());
    int64_t lead = gradType.getRank() - likeType.getRank();
    SmallVector<int64_t> axes;
    for (int64_t i = 0; i < lead; ++i)
      axes.push_back(i);
    for (int64_t i = 0; i < likeType.getRank(); ++i) {
      int64_t dim = likeType.getDimSize(i), gradDim = gradType.getDimSize(i + lead);
      if (dim == 1 && gradDim != 1)
        axes.push_back(i + lead);
      // Equal types prove nothing here: x: ?, y: ? and x + y of 5 elements
      // may have stretched an x of 1.
      else if (ShapedType::isDynamic(dim) && gradDim != 1)
        return error() << "operand dim " << i
                       << " is known only at run time, so whether it was broadcast is not "
                          "known when compiling",
               failure();
    }
    if (axes.empty())
      return grad;
    Value sum = g.op("reduce_sum", {grad, g.ints(axes)}, {g.attr("keepdims", 1)});
    if (likeType.hasStaticShape())
      return g.reshape(sum, likeType.getShape());
    return g.op("reshape", {sum, g.op("shape", {like})});
  }

  /// Adds `contribution` to the adjoint of `v`.
  void accumulate(Value v, Value contribution) {
    auto [it, inserted] = adjoints.try_emplace(v, contribution);
    if (!inserted)
      it->second = g.add(it->second, contribution);
  }
  LogicalResult accumulateBroadcast(Value v, Value contribution) {
    FailureOr<Value> reduced = unbroadcast(contribution, v);
    if (failed(reduced))
      return failure();
    accumulate(v, *reduced);
    return success();
  }

  /// Passes the adjoint `dz` of `op`'s result to the operands that depend
  /// on the xs.
  LogicalResult backward(Operation *op, Value dz) {
    StringRef name = op->getName().stripDialect();
    Value z = op->getResult(0);
    auto operand = [&](unsigned i) { return op->getOperand(i); };
    auto active = [&](unsigned i) { return depends.contains(operand(i)); };
    if (name == "add" || name == "sub") {
      if (active(0) && failed(accumulateBroadcast(operand(0), dz)))
        return failure();
      if (active(1) &&
          failed(accumulateBroadcast(operand(1), name == "sub" ? g.op("neg", {dz}) : dz)))
        return failure();
      return success();
    }
    if (name == "mul") {
      if (active(0) && failed(accumulateBroadcast(operand(0), g.mul(dz, operand(1)))))
        return failure();
      if (active(1) && failed(accumulateBroadcast(operand(1), g.mul(dz, operand(0)))))
        return failure();
      return success();
    }
    if (name == "div") {
      // z = a / b: da = dz / b, db = -dz * z / b.
      if (active(0) && failed(accumulateBroadcast(operand(0), g.div(dz, operand(1)))))
        return failure();
      if (active(1) &&
          failed(accumulateBroadcast(operand(1),
                                     g.op("neg", {g.div(g.mul(dz, z), operand(1))}))))
        return failure();
      return success();
    }
    if (name == "neg")
      return accumulate(operand(0), g.op("neg", {dz})), success();
    if (name == "identity")
      return accumulate(operand(0), dz), success();
    if (name == "exp")
      return accumulate(operand(0), g.mul(dz, z)), success();
    if (name == "log")
      return accumulate(operand(0), g.div(dz, operand(0))), success();
    if (name == "sqrt") // d sqrt(a) = dz / (2 z)
      return accumulate(operand(0), g.div(dz, g.add(z, z))), success();
    if (name == "tanh") // 1 - z^2
      return accumulate(operand(0), g.mul(dz, g.sub(filled(z, 1), g.mul(z, z)))), success();
    if (name == "sigmoid") // z (1 - z)
      return accumulate(operand(0), g.mul(dz, g.mul(z, g.sub(filled(z, 1), z)))), success();
    if (name == "relu") {
      Value zero = g.scalar(getElementTypeOrSelf(z.getType()), 0);
      Value positive = g.op("greater", {operand(0), zero});
      return accumulate(operand(0), g.where(positive, dz, filled(dz, 0))), success();
    }
    if (name == "matmul") {
      auto a = cast<RankedTensorType>(operand(0).getType());
      auto b = cast<RankedTensorType>(operand(1).getType());
      if (a.getRank() != 2 || b.getRank() != 2)
        return error() << "the derivative of MatMul is written for 2-D operands "
                          "only, got ranks "
                       << a.getRank() << " and " << b.getRank(),
               failure();
      if (active(0))
        accumulate(operand(0), g.op("matmul", {dz, g.transpose(operand(1), {1, 0})}));
      if (active(1))
        accumulate(operand(1), g.op("matmul", {g.transpose(operand(0), {1, 0}), dz}));
      return success();
    }
    return error() << "no derivative rule for '" << op->getName()
                   << "' yet (rules: Add, Sub, Mul, Div, Neg, Identity, Exp, Log, Sqrt, Tanh, "
                      "Sigmoid, Relu, 2-D MatMul)",
           failure();
  }

  FailureOr<SmallVector<Value>> run(Value y, ArrayRef<Value> xs) {
    for (Value x : xs) {
      auto type = dyn_cast<RankedTensorType>(x.getType());
      if (!type || !isa<FloatType>(type.getElementType()))
        return error() << "can only differentiate with respect to ranked float "
                          "tensors, got "
                       << x.getType(),
               failure();
      depends.insert(x);
    }
    auto yType = dyn_cast<RankedTensorType>(y.getType());
    if (!yType || !isa<FloatType>(yType.getElementType()))
      return error() << "can only differentiate a ranked float tensor, got "
                     << y.getType(),
             failure();
    // The ops between the xs and y, in program order: the xs' block up to y.
    Block *block = y.getParentBlock();
    SmallVector<Operation *> active;
    for (Operation &op : *block) {
      if (llvm::none_of(op.getOperands(), [&](Value v) { return depends.contains(v); }))
        continue;
      active.push_back(&op);
      for (Value result : op.getResults())
        depends.insert(result);
      if (&op == y.getDefiningOp())
        break;
    }
    adjoints[y] = filled(y, 1);
    for (Operation *op : llvm::reverse(active)) {
      Value dz;
      for (auto [i, result] : llvm::enumerate(op->getResults()))
        if (Value adjoint = adjoints.lookup(result)) {
          if (i > 0 || op->getNumRegions() > 0)
            return error() << "no derivative rule for '" << op->getName() << "' yet",
                   failure();
          dz = adjoint;
        }
      if (dz && failed(backward(op, dz)))
        return failure();
    }
    SmallVector<Value> gradients;
    for (Value x : xs) {
      Value adjoint = adjoints.lookup(x);
      gradients.push_back(adjoint ? adjoint : filled(x, 0));
    }
    return gradients;
  }

private:
  GraphBuilder g;
  llvm::function_ref<InFlightDiagnostic()> error;
  /// Values that depend on some x.
  llvm::DenseSet<Value> depends;
  llvm::DenseMap<Value, Value> adjoints;
};

} // namespace

FailureOr<SmallVector<Value>> buildGradients(OpBuilder &b, Location loc, Value y,
                                              ArrayRef<Value> xs,
                                              llvm::function_ref<InFlightDiagnostic()> error) {
  return Differentiator(b, loc, error).run(y, xs);
}

} // namespace ingot
