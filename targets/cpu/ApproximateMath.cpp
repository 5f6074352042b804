//===- ApproximateMath.cpp - The cpu-approximate-math pass ----------------===//
//
// f32 exp, tanh and erf as polynomials LLVM can vectorize, and powers by
// 2, 3 and 4 as products, in place of scalar libm calls (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "targets/common/LoweringUtils.h"
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

/// f32 exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 (ln 2 in two
/// parts, Cody and Waite's, so that r is exact), exp(r) on |r| <= ln 2 / 2
/// by Cephes' degree-7 polynomial (about an ulp), and 2^k as two powers
/// 2^(k/2) built from their exponent bits: their product overflows to +inf
/// past 88.72, as expf does. Results below the smallest normal float
/// (x < ln FLT_MIN = -87.3365) are 0: a subnormal result costs a microcode
/// assist per element on Intel cores, and a softmax with half its row
/// masked (-10000) ran 2.3x slower, 3.4x with inputs near -95. NaN stays
/// NaN. libm's expf is a scalar call: the exps of BERT's softmaxes took
/// 2.5% of its time.
struct ExpAsPolynomial : OpRewritePattern<math::ExpOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::ExpOp op, PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!type.isF32())
      return rewriter.notifyMatchFailure(op, "not a scalar f32 (loops are vectorized by LLVM)");
    Location loc = op.getLoc();
    Type intType = rewriter.getI32Type();
    auto c = [&](double value) { return lowering::scalarConstant(rewriter, loc, type, value); };
    auto ci = [&](int64_t value) { return lowering::scalarConstant(rewriter, loc, intType, value); };
    auto fma = [&](Value a, Value b, Value addend) {
      return rewriter.create<math::FmaOp>(loc, a, b, addend).getResult();
    };
    Value x = op.getOperand();
    constexpr double kLogSmallestNormal = -87.336544750553102; // ln(2^-126)
    Value clamped = rewriter.create<arith::MinimumFOp>(
        loc, rewriter.create<arith::MaximumFOp>(loc, x, c(kLogSmallestNormal)), c(89.0));
    // k rounded to nearest by adding 1.5 * 2^23 (|k| < 2^22: the sum's
    // last bit is 1), its integer the sum's bits less those of 1.5 * 2^23
    // (math.roundeven became a scalar libm call).
    Value shifted = fma(clamped, c(1.44269504088896341), c(12582912.0));
    Value k = rewriter.create<arith::SubFOp>(loc, shifted, c(12582912.0));
    Value ki = rewriter.create<arith::SubIOp>(
        loc, rewriter.create<arith::BitcastOp>(loc, intType, shifted), ci(0x4B400000));
    Value r = fma(k, c(-0.693359375), clamped);
    r = fma(k, c(2.12194440e-4), r);
    Value p = c(1.9875691500e-4);
    for (double coefficient : {1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                               1.6666665459e-1, 5.0000001201e-1})
      p = fma(p, r, c(coefficient));
    Value r2 = rewriter.create<arith::MulFOp>(loc, r, r);
    p = fma(p, r2, rewriter.create<arith::AddFOp>(loc, r, c(1.0)));
    // 2^k = 2^h * 2^(k - h), h = k >> 1: each exponent within [-63, 64].
    Value half = rewriter.create<arith::ShRSIOp>(loc, ki, ci(1));
    Value rest = rewriter.create<arith::SubIOp>(loc, ki, half);
    auto power = [&](Value exponent) {
      Value biased = rewriter.create<arith::AddIOp>(loc, exponent, ci(127));
      Value bits = rewriter.create<arith::ShLIOp>(loc, biased, ci(23));
      return rewriter.create<arith::BitcastOp>(loc, type, bits).getResult();
    };
    Value result = rewriter.create<arith::MulFOp>(
        loc, rewriter.create<arith::MulFOp>(loc, p, power(half)), power(rest));
    Value tiny = rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x,
                                                c(kLogSmallestNormal));
    result = rewriter.create<arith::SelectOp>(loc, tiny, c(0.0), result);
    Value isNan = rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, x, x);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, isNan, x, result);
    return success();
  }
};

struct CpuApproximateMathPass : impl::CpuApproximateMathBase<CpuApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SmallIntegerPower, ExpAsPolynomial>(&getContext());
    populatePolynomialApproximateTanhPattern(patterns);
    populatePolynomialApproximateErfPattern(patterns);
    patterns.add<FmaToIntrinsic>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot::cpu
