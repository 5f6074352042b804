//===- ApproximateMath.cpp - The cpu-approximate-math pass ----------------===//
//
// f32 tanh and erf as polynomials LLVM can vectorize, and powers by 2, 3
// and 4 as products, in place of scalar libm calls (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
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

/// x^2, x^3, x^4 as products (GELU's x^3 was a powf call per element).
/// Only these: upstream's simplification also makes x^0.5 a sqrt, which
/// differs from pow at -inf (NaN instead of +inf).
struct SmallIntegerPower : OpRewritePattern<math::PowFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::PowFOp op, PatternRewriter &rewriter) const override {
    FloatAttr exponent;
    if (!matchPattern(op.getRhs(), m_Constant(&exponent)))
      return failure();
    double value = exponent.getValueAsDouble();
    if (value != 2.0 && value != 3.0 && value != 4.0)
      return failure();
    Location loc = op.getLoc();
    Value x = op.getLhs();
    Value square = rewriter.create<arith::MulFOp>(loc, x, x);
    Value result = value == 2.0   ? square
                   : value == 3.0 ? rewriter.create<arith::MulFOp>(loc, x, square).getResult()
                                  : rewriter.create<arith::MulFOp>(loc, square, square).getResult();
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CpuApproximateMathPass : impl::CpuApproximateMathBase<CpuApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SmallIntegerPower>(&getContext());
    populatePolynomialApproximateTanhPattern(patterns);
    populatePolynomialApproximateErfPattern(patterns);
    patterns.add<FmaToIntrinsic>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot::cpu
