//===- ApproximateMath.cpp - The cpu-approximate-math pass ----------------===//
//
// f32 tanh and erf as polynomials LLVM can vectorize, and powers by small
// constants as products, in place of scalar libm calls (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUAPPROXIMATEMATH
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

/// The approximations' fused multiply-adds as LLVM's intrinsic (one
/// instruction, vectorized), not libm's fmaf, which math-to-libm makes of
/// a math.fma.
struct FmaToIntrinsic : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FmaOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<LLVM::FMAOp>(op, op.getA(), op.getB(), op.getC());
    return success();
  }
};

struct CpuApproximateMathPass : impl::CpuApproximateMathBase<CpuApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathAlgebraicSimplificationPatterns(patterns);
    populatePolynomialApproximateTanhPattern(patterns);
    populatePolynomialApproximateErfPattern(patterns);
    patterns.add<FmaToIntrinsic>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot::cpu
