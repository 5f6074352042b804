//===- Reduction.cpp - Shape rules of ReduceX ops -------------------------===//
//
// All ReduceX ops share one rule: axes come from the optional `axes` operand
// (a constant in practice), keepdims keeps reduced dims as 1, and an empty
// axes list reduces everything unless noop_with_empty_axes is set.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/ops/InferHelpers.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::graph {
using namespace infer;

template <typename Adaptor>
static LogicalResult inferReduce(std::optional<Location> loc, Adaptor adaptor,
                                 SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  Type element = elementOf(adaptor.getData());
  bool keepDims = adaptor.getKeepdims() != 0;
  if (!data) {
    types.push_back(unranked(element));
    return success();
  }
  int64_t rank = data.getRank();
  SmallVector<int64_t> axes;
  if (Value axesOperand = adaptor.getAxes()) {
    auto constant = getConstantInts(axesOperand);
    if (!constant) {
      // Axes known only at run time: with keepdims the rank stays (dims of 1
      // stay 1); without, it drops by the number of axes when that is known.
      auto axesType = ranked(axesOperand);
      if (keepDims) {
        SmallVector<int64_t> shape;
        for (int64_t d : data.getShape())
          shape.push_back(d == 1 ? 1 : ShapedType::kDynamic);
        types.push_back(makeTensor(shape, element));
      } else if (axesType && axesType.getRank() == 1 && !axesType.isDynamicDim(0) &&
                 axesType.getDimSize(0) <= rank) {
        int64_t count = axesType.getDimSize(0);
        if (count == 0)
          types.push_back(adaptor.getNoopWithEmptyAxes() ? data : makeTensor({}, element));
        else
          types.push_back(allDynamic(rank - count, element));
      } else {
        types.push_back(unranked(element));
      }
      return success();
    }
    axes = *constant;
  }
  if (axes.empty()) {
    if (adaptor.getNoopWithEmptyAxes()) {
      types.push_back(data);
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  llvm::SmallBitVector reduced(rank);
  for (int64_t axis : axes) {
    auto a = normalizeAxis(axis, rank);
    if (!a)
      return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", rank);
    reduced.set(*a);
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced.test(i))
      shape.push_back(data.getDimSize(i));
    else if (keepDims)
      shape.push_back(1);
  }
  types.push_back(makeTensor(shape, element));
  return success();
}

#define GRAPH_INFER_REDUCE(OP)                                                   \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor adaptor, SmallVectorImpl<Type> &types) { \
    return inferReduce(loc, adaptor, types);                                     \
  }

GRAPH_INFER_REDUCE(ReduceMeanOp)
GRAPH_INFER_REDUCE(ReduceSumOp)
GRAPH_INFER_REDUCE(ReduceMaxOp)
GRAPH_INFER_REDUCE(ReduceMinOp)
GRAPH_INFER_REDUCE(ReduceProdOp)
GRAPH_INFER_REDUCE(ReduceL2Op)
GRAPH_INFER_REDUCE(ReduceSumSquareOp)

} // namespace ingot::graph
