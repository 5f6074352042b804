//===- ControlFlow.cpp - If, Loop and Scan --------------------------------===//
//
// The subgraphs' shapes are checked here: what each region takes and yields
// against the op's operands and results. Types may differ in what is known
// (a carried value's dims can change from one iteration to the next), never
// in element type or rank.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

using namespace mlir;

namespace ingot::graph {
namespace {

YieldOp yieldOf(Region &region) { return dyn_cast<YieldOp>(region.front().getTerminator()); }

/// Same element type, and the same rank where both are ranked.
bool compatible(Type a, Type b) {
  if (getElementTypeOrSelf(a) != getElementTypeOrSelf(b))
    return false;
  auto ra = dyn_cast<RankedTensorType>(a), rb = dyn_cast<RankedTensorType>(b);
  return !ra || !rb || ra.getRank() == rb.getRank();
}

LogicalResult checkTerminator(Operation *op, Region &region, StringRef name, size_t expected) {
  if (region.empty() || !isa<YieldOp>(region.front().getTerminator()))
    return op->emitOpError(name) << " must end in graph.yield";
  if (yieldOf(region).getValues().size() != expected)
    return op->emitOpError(name) << " yields " << yieldOf(region).getValues().size() << " values, expected "
                                 << expected;
  return success();
}

} // namespace

LogicalResult IfOp::verify() {
  for (auto [region, name] : {std::pair{&getThenBranch(), "then_branch"}, {&getElseBranch(), "else_branch"}}) {
    if (failed(checkTerminator(*this, *region, name, getNumResults())))
      return failure();
    for (auto [i, pair] : llvm::enumerate(llvm::zip(yieldOf(*region).getValues().getTypes(), getResultTypes())))
      if (!compatible(std::get<0>(pair), std::get<1>(pair)))
        return emitOpError(name) << " output " << i << " is " << std::get<0>(pair) << ", the result "
                                 << std::get<1>(pair);
  }
  return success();
}

LogicalResult LoopOp::verify() {
  Block &body = getBody().front();
  size_t carried = getInitial().size();
  if (body.getNumArguments() != carried + 2)
    return emitOpError("body takes ") << body.getNumArguments() << " arguments, expected " << carried + 2
                                      << " (iteration, condition, carried values)";
  if (getNumResults() < carried)
    return emitOpError("has ") << getNumResults() << " results for " << carried << " carried values";
  if (failed(checkTerminator(*this, getBody(), "body", 1 + getNumResults())))
    return failure();
  for (size_t i = 0; i < carried; ++i)
    if (!compatible(getInitial()[i].getType(), body.getArgument(2 + i).getType()) ||
        !compatible(yieldOf(getBody()).getValues()[1 + i].getType(), getResult(i).getType()))
      return emitOpError("carried value ") << i << " changes its element type or rank";
  return success();
}

LogicalResult ScanOp::verify() {
  Block &body = getBody().front();
  int64_t scanned = (int64_t)getNumScanInputs();
  int64_t states = (int64_t)getOperands().size() - scanned;
  if (scanned < 1 || states < 0)
    return emitOpError("expected at least one scan input and no more than its operands");
  if ((int64_t)body.getNumArguments() != states + scanned)
    return emitOpError("body takes ") << body.getNumArguments() << " arguments, expected " << states + scanned;
  int64_t outputs = (int64_t)getNumResults() - states;
  if (outputs < 0)
    return emitOpError("has fewer results than states");
  if ((int64_t)getScanInputAxes().size() != scanned || (int64_t)getScanInputDirections().size() != scanned ||
      (int64_t)getScanOutputAxes().size() != outputs || (int64_t)getScanOutputDirections().size() != outputs)
    return emitOpError("expected one axis and direction per scan input and output");
  return checkTerminator(*this, getBody(), "body", getNumResults());
}

} // namespace ingot::graph

namespace ingot::graph {

LogicalResult FusedOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("body takes ") << body.getNumArguments() << " arguments for "
                                      << getInputs().size() << " inputs";
  for (auto [i, pair] : llvm::enumerate(llvm::zip(body.getArgumentTypes(), getInputs().getTypes())))
    if (std::get<0>(pair) != std::get<1>(pair))
      return emitOpError("body argument ") << i << " is " << std::get<0>(pair) << ", the input "
                                           << std::get<1>(pair);
  if (failed(checkTerminator(*this, getBody(), "body", getNumResults())))
    return failure();
  // Lowering the body may learn more of a yielded type; never its element
  // type or rank.
  for (auto [i, pair] : llvm::enumerate(llvm::zip(yieldOf(getBody()).getValues().getTypes(), getResultTypes())))
    if (!compatible(std::get<0>(pair), std::get<1>(pair)))
      return emitOpError("body output ") << i << " is " << std::get<0>(pair) << ", the result "
                                         << std::get<1>(pair);
  return success();
}

} // namespace ingot::graph
