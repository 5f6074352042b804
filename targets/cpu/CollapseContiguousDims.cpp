//===- CollapseContiguousDims.cpp - cpu-collapse-contiguous-dims ----------===//
//
// An elementwise loop nest over a tile of NCHW planes runs its innermost
// loop over one row: 7, 14 or 28 elements, less than two AVX-512 vectors and
// a scalar remainder each time. When every operand walks two adjacent loops
// as one run of memory, the two loops are one: the rows of a plane are
// contiguous, so a bias + Relu epilogue over [1, 48, 14, 14] becomes 48
// loops of 196. The bias, broadcast over the plane ((d1, 0, 0)), reads
// neither dim and does not stand in the way. Two reductions merge the same
// way: a global average pool's rows and columns of a plane become one
// reduction of 169, which cpu-innermost-contiguous-loop then runs on
// vectors.
//
// Runs on buffers, once the arena is planned: strides are then known, and a
// collapsed view is a view of the same memory.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUCOLLAPSECONTIGUOUSDIMS
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

/// The result of `map` that is loop dim `dim` alone; nullopt when `dim`
/// appears nowhere, failure when it appears in a compound expression or
/// more than once (such an operand cannot merge `dim` with a neighbour).
FailureOr<std::optional<unsigned>> resultOfDim(AffineMap map, unsigned dim) {
  std::optional<unsigned> found;
  for (auto [r, expr] : llvm::enumerate(map.getResults())) {
    if (!expr.isFunctionOfDim(dim))
      continue;
    if (found || !isa<AffineDimExpr>(expr))
      return failure();
    found = r;
  }
  return found;
}

/// Whether `type`'s dims `r` and `r + 1` are one run of memory: an identity
/// layout, or static strides with stride[r] = stride[r+1] * size[r+1].
bool adjacentDimsContiguous(MemRefType type, unsigned r) {
  if (type.getLayout().isIdentity())
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(type, strides, offset)))
    return false;
  int64_t inner = type.getDimSize(r + 1);
  return !ShapedType::isDynamic(strides[r]) && !ShapedType::isDynamic(strides[r + 1]) &&
         !ShapedType::isDynamic(inner) && strides[r] == strides[r + 1] * inner;
}

/// Whether loops `dim` and `dim + 1` of `op` may run as one: both parallel
/// in an elementwise op, or both reductions (a reduction's parallel dims
/// stay: merged, they would change which loops InnermostContiguousLoop
/// weighs), and every operand reads neither, or both as adjacent
/// contiguous dims in that order.
bool loopsMerge(linalg::GenericOp op, unsigned dim) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  bool reductions = iterators[dim] == utils::IteratorType::reduction &&
                    iterators[dim + 1] == utils::IteratorType::reduction;
  if (!reductions && op.getNumReductionLoops() > 0)
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto outer = resultOfDim(map, dim), inner = resultOfDim(map, dim + 1);
    if (failed(outer) || failed(inner))
      return false;
    if (!*outer && !*inner)
      continue;
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !*outer || !*inner || **inner != **outer + 1 ||
        !adjacentDimsContiguous(type, **outer))
      return false;
  }
  return true;
}

/// Rewrites `op` over the loop groups `groups` (consecutive dims, in order):
/// each operand reading a group of two or more dims is viewed through a
/// memref.collapse_shape of the matching dims.
void collapse(IRRewriter &rewriter, linalg::GenericOp op, ArrayRef<ReassociationIndices> groups) {
  MLIRContext *ctx = op.getContext();
  SmallVector<unsigned> groupOf(op.getNumLoops());
  for (auto [g, group] : llvm::enumerate(groups))
    for (int64_t d : group)
      groupOf[d] = g;
  // Loop dim l of the old maps as a dim of the new ones.
  SmallVector<AffineExpr> newDimOf;
  for (unsigned l = 0; l < op.getNumLoops(); ++l)
    newDimOf.push_back(getAffineDimExpr(groupOf[l], ctx));
  rewriter.setInsertionPoint(op);
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  llvm::DenseMap<std::pair<Value, AffineMap>, Value> views;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<AffineExpr> results;
    SmallVector<ReassociationIndices> dimsOfResult;
    for (auto [r, expr] : llvm::enumerate(map.getResults())) {
      auto d = dyn_cast<AffineDimExpr>(expr);
      if (!d) {
        results.push_back(expr.replaceDims(newDimOf));
        dimsOfResult.push_back({static_cast<int64_t>(r)});
        continue;
      }
      unsigned g = groupOf[d.getPosition()];
      if (groups[g].front() != d.getPosition())
        continue; // folded into the group's first dim
      results.push_back(getAffineDimExpr(g, ctx));
      ReassociationIndices span;
      for (size_t k = 0; k < groups[g].size(); ++k)
        span.push_back(r + k);
      dimsOfResult.push_back(span);
    }
    maps.push_back(AffineMap::get(groups.size(), 0, results, ctx));
    Value value = operand.get();
    if (results.size() != map.getNumResults()) {
      // One view per buffer and grouping: an op updating its input in place
      // (an elementwise chain bufferized into one buffer) then reads and
      // writes through one pointer, where two views of it made LLVM's
      // vectorized loop check at run time that they do not overlap, find
      // they do, and run the scalar loop (BERT's softmax exps).
      Value &view = views[{value, map}];
      if (!view)
        view = rewriter.create<memref::CollapseShapeOp>(op.getLoc(), value, dimsOfResult);
      value = view;
    }
    operands.push_back(value);
  }
  auto numInputs = op.getNumDpsInputs();
  SmallVector<utils::IteratorType> iterators;
  for (const ReassociationIndices &group : groups)
    iterators.push_back(op.getIteratorTypesArray()[group.front()]);
  auto collapsed = rewriter.create<linalg::GenericOp>(
      op.getLoc(), TypeRange{}, ArrayRef(operands).take_front(numInputs),
      ArrayRef(operands).drop_front(numInputs), maps, iterators);
  collapsed->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  rewriter.inlineRegionBefore(op.getRegion(), collapsed.getRegion(), collapsed.getRegion().begin());
  rewriter.eraseOp(op);
}

struct CpuCollapseContiguousDimsPass
    : impl::CpuCollapseContiguousDimsBase<CpuCollapseContiguousDimsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) {
      // An index op reads the dims.
      if (op.hasPureBufferSemantics() && op.getNumLoops() > 1 &&
          op.getBody()->getOps<linalg::IndexOp>().empty())
        generics.push_back(op);
    });
    for (linalg::GenericOp op : generics) {
      SmallVector<ReassociationIndices> groups{{0}};
      for (unsigned d = 0; d + 1 < op.getNumLoops(); ++d) {
        if (loopsMerge(op, d))
          groups.back().push_back(d + 1);
        else
          groups.push_back({d + 1});
      }
      if (groups.size() < op.getNumLoops())
        collapse(rewriter, op, groups);
    }
  }
};

} // namespace
} // namespace ingot::cpu
