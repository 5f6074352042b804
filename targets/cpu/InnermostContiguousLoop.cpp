//===- InnermostContiguousLoop.cpp - cpu-innermost-contiguous-loop --------===//
//
// A loop order chosen for the vectorizer: the innermost loop should touch
// consecutive elements of as many operands as possible. This is the cheap
// first step of the CPU schedule; tiling and packing come later.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUINNERMOSTCONTIGUOUSLOOP
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

/// Whether advancing `dim` by one moves `map`'s innermost index by exactly
/// one: `dim` is that index alone or one unit term of a sum (`ow + kw`).
bool walksContiguously(AffineMap map, unsigned dim) {
  if (map.getNumResults() == 0)
    return false;
  SmallVector<AffineExpr> terms{map.getResults().back()};
  while (!terms.empty()) {
    AffineExpr term = terms.pop_back_val();
    if (auto sum = dyn_cast<AffineBinaryOpExpr>(term);
        sum && sum.getKind() == AffineExprKind::Add) {
      terms.push_back(sum.getLHS());
      terms.push_back(sum.getRHS());
    } else if (auto d = dyn_cast<AffineDimExpr>(term); d && d.getPosition() == dim) {
      return true;
    }
  }
  return false;
}

/// Operands walked contiguously by `dim`, an output counting twice. An
/// input the body never reads (a pooling window's shape operand) moves no
/// data and does not count: counted, it kept a max pool's window loops
/// innermost, its output strided by 2 and 11x slower than ONNX Runtime.
int64_t contiguityScore(linalg::GenericOp op, unsigned dim) {
  int64_t score = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    if (op.isDpsInput(&operand) && op.getMatchingBlockArgument(&operand).use_empty())
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (walksContiguously(map, dim))
      score += op.isDpsInit(&operand) ? 2 : 1;
  }
  return score;
}

/// Whether every input the body reads and `dim` moves is walked
/// contiguously by it.
bool readsUnstrided(linalg::GenericOp op, unsigned dim) {
  return llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *operand) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    return op.getMatchingBlockArgument(operand).use_empty() || !map.isFunctionOfDim(dim) ||
           walksContiguously(map, dim);
  });
}

struct CpuInnermostContiguousLoopPass
    : impl::CpuInnermostContiguousLoopBase<CpuInnermostContiguousLoopPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> named;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp>(op) && op.getNumReductionLoops() > 0)
        named.push_back(op);
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      (void)linalg::generalizeNamedOp(rewriter, op);
    }
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp op : generics) {
      unsigned loops = op.getNumLoops();
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      std::optional<unsigned> lastParallel;
      for (unsigned d = 0; d < loops; ++d)
        if (iterators[d] == utils::IteratorType::parallel)
          lastParallel = d;
      if (!lastParallel || *lastParallel == loops - 1 ||
          contiguityScore(op, *lastParallel) <= contiguityScore(op, loops - 1))
        continue;
      // Reductions over a small static window (a stride-1 depthwise
      // convolution or pooling) stay innermost: LLVM unrolls them, and the
      // output column around them is the loop it vectorizes, its element
      // kept in a register across the window. With a stride the column's
      // loads would be strided: the window goes outside instead (a 3x3/2 max
      // pool took 1.6x longer so).
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      int64_t window = 1;
      for (unsigned d = *lastParallel + 1; d < loops && window <= kSmallWindow; ++d)
        window = ShapedType::isDynamic(ranges[d]) ? kSmallWindow + 1 : window * ranges[d];
      if (window <= kSmallWindow && readsUnstrided(op, *lastParallel))
        continue;
      SmallVector<unsigned> order;
      for (unsigned d = 0; d < loops; ++d)
        if (d != *lastParallel)
          order.push_back(d);
      order.push_back(*lastParallel);
      rewriter.setInsertionPoint(op);
      (void)linalg::interchangeGenericOp(rewriter, op, order);
    }
  }
};

} // namespace
} // namespace ingot::cpu
