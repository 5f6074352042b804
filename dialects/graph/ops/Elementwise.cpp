//===- Elementwise.cpp - Shape rules of elementwise ops -------------------===//
//
// Unary ops keep their operand's type; binary and variadic ops broadcast
// multidirectionally as NumPy does; comparisons produce i1.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/ops/InferHelpers.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::graph::infer {

LogicalResult broadcastResult(std::optional<Location> loc, ValueRange operands,
                              Type elementType, SmallVectorImpl<Type> &types) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value operand : operands) {
    auto type = ranked(operand);
    if (!type) {
      types.push_back(unranked(elementType));
      return success();
    }
    shapes.push_back(type.getShape());
  }
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(shapes, shape))) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::interleave(operands, os, [&](Value v) { os << v.getType(); }, ", ");
    return emitOptionalError(loc, "operands cannot be broadcast together: ", os.str());
  }
  types.push_back(makeTensor(shape, elementType));
  return success();
}

} // namespace ingot::graph::infer

namespace ingot::graph {

GRAPH_INFER_SAME_AS_FIRST_OPERAND(AbsOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(CeilOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(CosOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(EluOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(ErfOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(ExpOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(FloorOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(GeluOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(HardSigmoidOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(HardSwishOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(LeakyReluOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(LogOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(NegOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(NotOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(ReciprocalOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(ReluOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(RoundOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SeluOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SigmoidOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SignOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SinOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SoftplusOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SoftsignOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SqrtOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(TanhOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(ClipOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(IdentityOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(DropoutOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(TriluOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(CumSumOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(CumProdOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(AcosOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(AcoshOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(AsinOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(AsinhOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(AtanOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(AtanhOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(CoshOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(SinhOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(TanOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(BitwiseNotOp)

GRAPH_INFER_BROADCAST(AddOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(SubOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(MulOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(DivOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(PowOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(PReluOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(ModOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(AndOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(OrOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(XorOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(SumOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(MaxOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(MinOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(MeanOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(EqualOp, IntegerType::get(ctx, 1))
GRAPH_INFER_BROADCAST(LessOp, IntegerType::get(ctx, 1))
GRAPH_INFER_BROADCAST(GreaterOp, IntegerType::get(ctx, 1))
GRAPH_INFER_BROADCAST(LessOrEqualOp, IntegerType::get(ctx, 1))
GRAPH_INFER_BROADCAST(GreaterOrEqualOp, IntegerType::get(ctx, 1))
GRAPH_INFER_BROADCAST(WhereOp, infer::elementOf(adaptor.getX()))
GRAPH_INFER_BROADCAST(BitShiftOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(BitwiseAndOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(BitwiseOrOp, infer::elementOf(adaptor.getOperands()[0]))
GRAPH_INFER_BROADCAST(BitwiseXorOp, infer::elementOf(adaptor.getOperands()[0]))

LogicalResult BitShiftOp::verify() {
  if (getDirection() != "LEFT" && getDirection() != "RIGHT")
    return emitOpError("direction must be LEFT or RIGHT, got '") << getDirection() << "'";
  return success();
}

/// The operand's shape with i1 elements.
static LogicalResult inferPredicate(MLIRContext *ctx, Value x, SmallVectorImpl<Type> &types) {
  auto i1 = IntegerType::get(ctx, 1);
  if (auto type = infer::ranked(x))
    types.push_back(type.clone(i1));
  else
    types.push_back(infer::unranked(i1));
  return success();
}

LogicalResult IsNaNOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferPredicate(ctx, adaptor.getX(), types);
}

LogicalResult IsInfOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferPredicate(ctx, adaptor.getX(), types);
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type element = getElementTypeForOnnx(ctx, (int64_t)adaptor.getTo());
  if (!element)
    return emitOptionalError(loc, "target data type ",
                             getOnnxDataTypeName((int64_t)adaptor.getTo()), " is not supported");
  if (auto type = infer::ranked(adaptor.getInput()))
    types.push_back(type.clone(element));
  else
    types.push_back(infer::unranked(element));
  return success();
}

} // namespace ingot::graph

//===----------------------------------------------------------------------===//
// Quantization and bit casts: elementwise with a new element type
//===----------------------------------------------------------------------===//

namespace ingot::graph {

static LogicalResult withElement(std::optional<Location> loc, Value x, Type element,
                                 SmallVectorImpl<Type> &types) {
  if (!element)
    return emitOptionalError(loc, "unsupported output data type");
  auto type = infer::ranked(x);
  types.push_back(type ? Type(type.clone(element)) : infer::unranked(element));
  return success();
}

LogicalResult QuantizeLinearOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                 Adaptor adaptor, SmallVectorImpl<Type> &types) {
  // The zero point's type, else output_dtype, else uint8.
  Type element = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  if (Value zeroPoint = adaptor.getYZeroPoint())
    element = infer::elementOf(zeroPoint);
  else if (int64_t dtype = (int64_t)adaptor.getOutputDtype())
    element = getElementTypeForOnnx(ctx, dtype);
  return withElement(loc, adaptor.getX(), element, types);
}

LogicalResult DequantizeLinearOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                   Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type element = infer::elementOf(adaptor.getXScale());
  if (int64_t dtype = (int64_t)adaptor.getOutputDtype())
    element = getElementTypeForOnnx(ctx, dtype);
  return withElement(loc, adaptor.getX(), element, types);
}

LogicalResult BitCastOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type element = getElementTypeForOnnx(ctx, (int64_t)adaptor.getTo());
  Type from = infer::elementOf(adaptor.getInput());
  // ONNX stores a bool in a byte.
  auto storageBits = [](Type t) { return t.isInteger(1) ? 8u : t.getIntOrFloatBitWidth(); };
  if (element && storageBits(from) != storageBits(element))
    return emitOptionalError(loc, "cannot bit-cast ", from, " to ", element,
                             ": the widths differ");
  return withElement(loc, adaptor.getInput(), element, types);
}

} // namespace ingot::graph
