//===- Canonicalize.cpp - Canonicalization patterns of graph ops ----------===//
//
// Rewrites that simplify chains exporters produce: Reshape of Reshape,
// Transpose of Transpose, Squeeze/Unsqueeze round trips, and Dropout at
// inference (an identity).
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace ingot::graph {
namespace {

/// reshape(reshape(x, s1), s2) -> reshape(x, s2) when s2 copies no dim of its
/// input (no 0 entry, or allowzero=1).
struct FoldReshapeOfReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getData().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    auto shape = getConstantInts(op.getShape());
    if (!shape || (op.getAllowzero() == 0 && llvm::is_contained(*shape, 0)))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getDataMutable().assign(inner.getData()); });
    return success();
  }
};

/// transpose(transpose(x, p1), p2) -> transpose(x, p1[p2[i]]).
struct FoldTransposeOfTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getData().getDefiningOp<TransposeOp>();
    auto innerType = inner ? dyn_cast<RankedTensorType>(inner.getData().getType()) : nullptr;
    if (!innerType)
      return failure();
    int64_t rank = innerType.getRank();
    auto permOf = [&](TransposeOp t) {
      if (auto p = t.getPerm())
        return SmallVector<int64_t>(*p);
      SmallVector<int64_t> reversed;
      for (int64_t i = rank - 1; i >= 0; --i)
        reversed.push_back(i);
      return reversed;
    };
    SmallVector<int64_t> outer = permOf(op), first = permOf(inner), composed;
    for (int64_t p : outer)
      composed.push_back(first[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getData(),
                                             rewriter.getDenseI64ArrayAttr(composed));
    return success();
  }
};

/// squeeze(unsqueeze(x)) or unsqueeze(squeeze(x)) -> x when the types agree.
template <typename OpTy, typename InverseTy>
struct FoldInverseReshape : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto inner = op.getData().template getDefiningOp<InverseTy>();
    if (!inner || inner.getData().getType() != op.getType())
      return failure();
    rewriter.replaceOp(op, inner.getData());
    return success();
  }
};

/// Dropout outside training is the identity.
struct RemoveInferenceDropout : OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DropoutOp op, PatternRewriter &rewriter) const override {
    if (Value training = op.getTrainingMode()) {
      auto flag = getConstantInts(training);
      if (!flag || llvm::any_of(*flag, [](int64_t v) { return v != 0; }))
        return failure();
    }
    if (op.getData().getType() != op.getType())
      return failure();
    rewriter.replaceOp(op, op.getData());
    return success();
  }
};

/// A check whose condition folded to true has nothing left to check.
struct EraseProvedCheck : OpRewritePattern<RuntimeCheckOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RuntimeCheckOp op, PatternRewriter &rewriter) const override {
    if (!matchPattern(op.getCondition(), m_One()))
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
};

/// An If whose condition is a constant is the branch it takes.
struct InlineConstantIf : OpRewritePattern<IfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IfOp op, PatternRewriter &rewriter) const override {
    DenseElementsAttr cond;
    if (!matchPattern(op.getCond(), m_Constant(&cond)) || cond.getNumElements() != 1)
      return failure();
    Region &taken = *cond.getValues<bool>().begin() ? op.getThenBranch() : op.getElseBranch();
    Block *block = &taken.front();
    auto yield = cast<YieldOp>(block->getTerminator());
    SmallVector<Value> results(yield.getValues());
    // What the If's results knew (from the model's value_info) stays known:
    // an op's result takes it, anything else must already match.
    for (auto [value, result] : llvm::zip(results, op.getResults()))
      if (value.getType() != result.getType() && (!isa<OpResult>(value) || value.getParentRegion() != &taken))
        return failure();
    for (auto [value, result] : llvm::zip(results, op.getResults()))
      if (value.getType() != result.getType())
        rewriter.modifyOpInPlace(value.getDefiningOp(),
                                 [&] { value.setType(refineType(value.getType(), result.getType())); });
    rewriter.eraseOp(yield);
    rewriter.inlineBlockBefore(block, op);
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void IfOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<InlineConstantIf>(context);
}

LogicalResult RuntimeCheckOp::verify() {
  if (getValues().size() > 4)
    return emitOpError("takes at most 4 values, got ") << getValues().size();
  return success();
}

void RuntimeCheckOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<EraseProvedCheck>(ctx);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<FoldReshapeOfReshape>(ctx);
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<FoldTransposeOfTranspose>(ctx);
}

void SqueezeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<FoldInverseReshape<SqueezeOp, UnsqueezeOp>>(ctx);
}

void UnsqueezeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<FoldInverseReshape<UnsqueezeOp, SqueezeOp>>(ctx);
}

void DropoutOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<RemoveInferenceDropout>(ctx);
}

} // namespace ingot::graph
