//===- FoldBatchNorm.cpp - graph-fold-batch-norm -------------------------===//
//
// An inference BatchNormalization of a convolution whose weights and bias
// are constants is the same convolution with other constants:
//   s = scale / sqrt(var + epsilon),  W' = W * s (per filter),
//   B' = (B_conv - mean) * s + B_bn.
// Computed here in double and rounded to float once, as exporters and
// ONNX Runtime's fusion do, it saves a pass over every convolution's output.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "passes/GraphBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace ingot {
#define GEN_PASS_DEF_GRAPHFOLDBATCHNORM
#include "passes/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot {
namespace {

struct FoldBatchNormIntoConv : OpRewritePattern<graph::BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(graph::BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getX().getDefiningOp<graph::ConvOp>();
    if (!conv || !conv->hasOneUse() || bn.getTrainingMode() != 0)
      return rewriter.notifyMatchFailure(bn, "not an inference BatchNormalization of a Conv");
    auto wType = dyn_cast<RankedTensorType>(conv.getW().getType());
    if (!wType || !wType.hasStaticShape() || !wType.getElementType().isF32())
      return rewriter.notifyMatchFailure(bn, "needs static f32 weights");
    int64_t filters = wType.getDimSize(0), perFilter = wType.getNumElements() / std::max<int64_t>(filters, 1);
    auto weights = constantFloats(conv.getW(), wType.getNumElements());
    auto scale = constantFloats(bn.getScale(), filters);
    auto shift = constantFloats(bn.getB(), filters);
    auto mean = constantFloats(bn.getInputMean(), filters);
    auto var = constantFloats(bn.getInputVar(), filters);
    std::optional<std::vector<double>> convBias =
        conv.getB() ? constantFloats(conv.getB(), filters) : std::vector<double>(filters, 0.0);
    if (!weights || !scale || !shift || !mean || !var || !convBias)
      return rewriter.notifyMatchFailure(bn, "needs constant weights and statistics");
    double epsilon = bn.getEpsilon().convertToDouble();
    std::vector<double> bias(filters);
    for (int64_t f = 0; f < filters; ++f) {
      double s = (*scale)[f] / std::sqrt((*var)[f] + epsilon);
      for (int64_t i = 0; i < perFilter; ++i)
        (*weights)[f * perFilter + i] *= s;
      bias[f] = ((*convBias)[f] - (*mean)[f]) * s + (*shift)[f];
    }
    Location loc = conv.getLoc();
    Value w = floatConstant(rewriter, loc, wType, *weights, "folded_batch_norm");
    Value b = floatConstant(rewriter, loc, RankedTensorType::get({filters}, rewriter.getF32Type()), bias,
                            "folded_batch_norm");
    Operation *folded = rewriter.clone(*conv);
    folded->setOperand(1, w);
    if (conv.getB())
      folded->setOperand(2, b);
    else
      folded->insertOperands(2, b);
    if (folded->hasAttr("operandSegmentSizes"))
      folded->setAttr("operandSegmentSizes", rewriter.getDenseI32ArrayAttr({1, 1, 1}));
    folded->getResult(0).setType(bn.getType());
    rewriter.replaceOp(bn, folded->getResults());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct GraphFoldBatchNormPass : impl::GraphFoldBatchNormBase<GraphFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormIntoConv>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot
