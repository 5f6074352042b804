//===- ComputeHalfInFloat.cpp - float16/bfloat16 ops computed in float32 --===//
//
// Implements graph-compute-half-in-float: each op that computes on half
// precision values gets its operands cast to f32 and its results cast back.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"

namespace ingot {
#define GEN_PASS_DEF_GRAPHCOMPUTEHALFINFLOAT
#include "passes/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot {
namespace {

bool isHalf(Type type) {
  Type element = getElementTypeOrSelf(type);
  return element.isF16() || element.isBF16();
}

/// Ops that only move, select or compare values: exact in any precision.
bool isExact(Operation *op) {
  return isa<graph::ConstantOp, graph::IdentityOp, graph::ReshapeOp, graph::FlattenOp,
             graph::SqueezeOp, graph::UnsqueezeOp, graph::TransposeOp, graph::ConcatOp,
             graph::SplitOp, graph::SliceOp, graph::GatherOp, graph::ExpandOp, graph::TileOp,
             graph::PadOp, graph::ShapeOp, graph::SizeOp, graph::CastOp,
             graph::ConstantOfShapeOp, graph::WhereOp, graph::MaxOp, graph::MinOp,
             graph::ReluOp, graph::AbsOp, graph::NegOp, graph::MaxPoolOp, graph::GlobalMaxPoolOp,
             graph::ReduceMaxOp, graph::ReduceMinOp, graph::ArgMaxOp, graph::ArgMinOp,
             graph::EqualOp, graph::LessOp, graph::GreaterOp, graph::LessOrEqualOp,
             graph::GreaterOrEqualOp, graph::DropoutOp, graph::TriluOp, graph::IsNaNOp,
             graph::SignOp, graph::RuntimeCheckOp, graph::ResizeOp, graph::YieldOp>(op);
}

Value castTo(OpBuilder &b, Location loc, Value value, Type element) {
  auto type = cast<TensorType>(value.getType());
  OperationState state(loc, "graph.cast");
  state.addOperands(value);
  state.addTypes(type.clone(element));
  state.addAttribute("to", b.getI64IntegerAttr(*graph::getOnnxDataType(element)));
  return b.create(state)->getResult(0);
}

struct GraphComputeHalfInFloatPass
    : impl::GraphComputeHalfInFloatBase<GraphComputeHalfInFloatPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (!isa<graph::GraphDialect>(op->getDialect()) || isExact(op) || op->getNumRegions())
        return;
      if (llvm::any_of(op->getOperandTypes(), isHalf) || llvm::any_of(op->getResultTypes(), isHalf))
        ops.push_back(op);
    });
    OpBuilder b(&getContext());
    Type f32 = b.getF32Type();
    for (Operation *op : ops) {
      b.setInsertionPoint(op);
      for (OpOperand &operand : op->getOpOperands())
        if (isHalf(operand.get().getType()))
          operand.set(castTo(b, op->getLoc(), operand.get(), f32));
      b.setInsertionPointAfter(op);
      for (OpResult result : op->getResults()) {
        Type original = result.getType();
        if (!isHalf(original))
          continue;
        result.setType(cast<TensorType>(original).clone(f32));
        Value back = castTo(b, op->getLoc(), result, getElementTypeOrSelf(original));
        result.replaceAllUsesExcept(back, back.getDefiningOp());
      }
    }
  }
};

} // namespace
} // namespace ingot
