//===- LowerElementwise.cpp - Elementwise graph ops -> linalg.generic -----===//
//
// Every elementwise op (unary, binary, variadic, Where, Clip, Cast) becomes
// one linalg.generic over the broadcast result shape whose body is the
// op's scalar formula. The formulas follow the ONNX spec; where it leaves
// numerics open they follow ONNX Runtime (stable Softplus, NaN-propagating
// Max/Min, round half to even).
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

/// Builds scalar arithmetic on one element type, float or integer.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type type;
  /// Integers are ONNX unsigned ones (see SignlessIntegers.cpp).
  bool isUnsigned = false;

  bool isFloat() const { return isa<FloatType>(type); }
  Value c(double v) { return scalarConstant(b, loc, type, v); }
  /// The float, signed or unsigned integer form of a binary arith op.
  template <typename FloatOp, typename IntOp, typename UnsignedOp = IntOp>
  Value either(Value x, Value y) {
    if (isFloat())
      return b.create<FloatOp>(loc, x, y).getResult();
    return isUnsigned ? b.create<UnsignedOp>(loc, x, y).getResult()
                      : b.create<IntOp>(loc, x, y).getResult();
  }
  Value add(Value x, Value y) { return either<arith::AddFOp, arith::AddIOp>(x, y); }
  Value sub(Value x, Value y) { return either<arith::SubFOp, arith::SubIOp>(x, y); }
  Value mul(Value x, Value y) { return either<arith::MulFOp, arith::MulIOp>(x, y); }
  Value div(Value x, Value y) { return either<arith::DivFOp, arith::DivSIOp, arith::DivUIOp>(x, y); }
  Value max(Value x, Value y) { return either<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>(x, y); }
  Value min(Value x, Value y) { return either<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>(x, y); }
  Value cmp(arith::CmpFPredicate fp, arith::CmpIPredicate ip, Value x, Value y) {
    if (isFloat())
      return b.create<arith::CmpFOp>(loc, fp, x, y).getResult();
    if (isUnsigned) {
      switch (ip) {
      case arith::CmpIPredicate::slt: ip = arith::CmpIPredicate::ult; break;
      case arith::CmpIPredicate::sle: ip = arith::CmpIPredicate::ule; break;
      case arith::CmpIPredicate::sgt: ip = arith::CmpIPredicate::ugt; break;
      case arith::CmpIPredicate::sge: ip = arith::CmpIPredicate::uge; break;
      default: break;
      }
    }
    return b.create<arith::CmpIOp>(loc, ip, x, y).getResult();
  }
  Value lt(Value x, Value y) { return cmp(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt, x, y); }
  Value gt(Value x, Value y) { return cmp(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt, x, y); }
  Value select(Value c, Value x, Value y) { return b.create<arith::SelectOp>(loc, c, x, y); }
  Value exp(Value x) { return b.create<math::ExpOp>(loc, x); }
  /// clamp(x, 0, 1)
  Value saturate(Value x) { return min(max(x, c(0)), c(1)); }
};

double attr(APFloat value) { return value.convertToDouble(); }

/// The scalar formula of elementwise op `op` on already-extracted elements
/// (supportsElementTypes(op) holds).
Value buildScalar(Operation *op, OpBuilder &b, Location loc, ValueRange args, Type outType) {
  Type inType = args.empty() ? outType : args[0].getType();
  Scalar s{b, loc, inType, isUnsignedOperand(op, 0)};
  Value x = args.empty() ? Value() : args[0];
  auto fold = [&](auto combine) {
    Value acc = args[0];
    for (Value v : args.drop_front())
      acc = combine(acc, v);
    return acc;
  };
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](AddOp) { return s.add(x, args[1]); })
      .Case([&](SubOp) { return s.sub(x, args[1]); })
      .Case([&](MulOp) { return s.mul(x, args[1]); })
      .Case([&](DivOp) { return s.div(x, args[1]); })
      .Case([&](PowOp) -> Value {
        Value exponent = castScalar(b, loc, args[1], inType, isUnsignedOperand(op, 1), s.isUnsigned);
        if (s.isFloat())
          return b.create<math::PowFOp>(loc, x, exponent);
        return b.create<math::IPowIOp>(loc, x, exponent);
      })
      .Case([&](ModOp mod) -> Value {
        if (s.isFloat()) {
          // fmod = 1: C's fmod. fmod = 0: x - floor(x / y) * y, the divisor's
          // sign (a zero result takes it too), as ONNX defines since opset 28.
          Value y = args[1];
          Value r = b.create<arith::RemFOp>(loc, x, y);
          if (mod.getFmod())
            return r;
          Value zero = s.c(0);
          Value nonzero = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::ONE, r, zero);
          Value signsDiffer = b.create<arith::XOrIOp>(loc, s.lt(r, zero), s.lt(y, zero));
          Value fix = b.create<arith::AndIOp>(loc, nonzero, signsDiffer);
          r = s.select(fix, s.add(r, y), r);
          // A zero takes y's sign bit (read as an integer: -0 and NaN have one).
          Type bits = b.getIntegerType(y.getType().getIntOrFloatBitWidth());
          Value ySign = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt,
                                                b.create<arith::BitcastOp>(loc, bits, y),
                                                scalarConstant(b, loc, bits, 0));
          Value signedZero = s.select(ySign, s.c(-0.0), zero);
          Value isZero = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, r, zero);
          return s.select(isZero, signedZero, r);
        }
        if (s.isUnsigned)
          return b.create<arith::RemUIOp>(loc, x, args[1]);
        // Integer Mod takes the divisor's sign, as Python's %.
        Value r = b.create<arith::RemSIOp>(loc, x, args[1]);
        if (mod.getFmod())
          return r;
        Value zero = s.c(0);
        Value nonzero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, r, zero);
        Value signsDiffer = b.create<arith::XOrIOp>(loc, s.lt(r, zero), s.lt(args[1], zero));
        Value fix = b.create<arith::AndIOp>(loc, nonzero, signsDiffer);
        return s.select(fix, s.add(r, args[1]), r);
      })
      .Case([&](PReluOp) { return s.select(s.lt(x, s.c(0)), s.mul(args[1], x), x); })
      .Case([&](EqualOp) {
        return s.cmp(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq, x, args[1]);
      })
      .Case([&](LessOp) { return s.lt(x, args[1]); })
      .Case([&](GreaterOp) { return s.gt(x, args[1]); })
      .Case([&](LessOrEqualOp) {
        return s.cmp(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle, x, args[1]);
      })
      .Case([&](GreaterOrEqualOp) {
        return s.cmp(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge, x, args[1]);
      })
      .Case([&](AndOp) { return b.create<arith::AndIOp>(loc, x, args[1]); })
      .Case([&](OrOp) { return b.create<arith::OrIOp>(loc, x, args[1]); })
      .Case([&](XorOp) { return b.create<arith::XOrIOp>(loc, x, args[1]); })
      .Case([&](NotOp) { return b.create<arith::XOrIOp>(loc, x, s.c(1)); })
      .Case([&](SumOp) { return fold([&](Value a, Value v) { return s.add(a, v); }); })
      .Case([&](MaxOp) { return fold([&](Value a, Value v) { return s.max(a, v); }); })
      .Case([&](MinOp) { return fold([&](Value a, Value v) { return s.min(a, v); }); })
      .Case([&](MeanOp) {
        Value sum = fold([&](Value a, Value v) { return s.add(a, v); });
        return s.div(sum, s.c((double)args.size()));
      })
      .Case([&](WhereOp) { return s.select(x, args[1], args[2]); })
      .Case([&](AbsOp) {
        if (s.isUnsigned)
          return x;
        return s.isFloat() ? b.create<math::AbsFOp>(loc, x).getResult()
                           : b.create<math::AbsIOp>(loc, x).getResult();
      })
      .Case([&](NegOp) {
        return s.isFloat() ? b.create<arith::NegFOp>(loc, x).getResult() : s.sub(s.c(0), x);
      })
      .Case([&](ReluOp) { return s.isUnsigned ? x : s.max(x, s.c(0)); })
      .Case([&](LeakyReluOp op) {
        return s.select(s.lt(x, s.c(0)), s.mul(s.c(attr(op.getAlpha())), x), x);
      })
      .Case([&](SigmoidOp) {
        // 1 / (1 + exp(-x)): exp overflows to inf for very negative x, giving 0.
        return s.div(s.c(1), s.add(s.c(1), s.exp(b.create<arith::NegFOp>(loc, x))));
      })
      .Case([&](TanhOp) { return b.create<math::TanhOp>(loc, x); })
      .Case([&](ErfOp) { return b.create<math::ErfOp>(loc, x); })
      .Case([&](GeluOp op) -> Value {
        Value half = s.mul(s.c(0.5), x);
        if (op.getApproximate() == "tanh") {
          Value cube = s.mul(s.mul(x, x), x);
          Value inner = s.mul(s.c(std::sqrt(2.0 / M_PI)), s.add(x, s.mul(s.c(0.044715), cube)));
          return s.mul(half, s.add(s.c(1), b.create<math::TanhOp>(loc, inner)));
        }
        Value erf = b.create<math::ErfOp>(loc, s.mul(x, s.c(M_SQRT1_2)));
        return s.mul(half, s.add(s.c(1), erf));
      })
      .Case([&](SqrtOp) { return b.create<math::SqrtOp>(loc, x); })
      .Case([&](ExpOp) { return s.exp(x); })
      .Case([&](LogOp) { return b.create<math::LogOp>(loc, x); })
      .Case([&](CosOp) { return b.create<math::CosOp>(loc, x); })
      .Case([&](SinOp) { return b.create<math::SinOp>(loc, x); })
      .Case([&](CeilOp) { return b.create<math::CeilOp>(loc, x); })
      .Case([&](FloorOp) { return b.create<math::FloorOp>(loc, x); })
      .Case([&](RoundOp) { return b.create<math::RoundEvenOp>(loc, x); })
      .Case([&](ReciprocalOp) { return s.div(s.c(1), x); })
      .Case([&](SignOp) {
        return s.select(s.gt(x, s.c(0)), s.c(1), s.select(s.lt(x, s.c(0)), s.c(-1), s.c(0)));
      })
      .Case([&](SoftplusOp) {
        // max(x, 0) + log1p(exp(-|x|)) never overflows.
        Value negAbs = b.create<arith::NegFOp>(loc, b.create<math::AbsFOp>(loc, x));
        return s.add(s.max(x, s.c(0)), b.create<math::Log1pOp>(loc, s.exp(negAbs)));
      })
      .Case([&](SoftsignOp) {
        return s.div(x, s.add(s.c(1), b.create<math::AbsFOp>(loc, x)));
      })
      .Case([&](EluOp op) {
        Value neg = s.mul(s.c(attr(op.getAlpha())), b.create<math::ExpM1Op>(loc, x));
        return s.select(s.lt(x, s.c(0)), neg, x);
      })
      .Case([&](SeluOp op) {
        double alpha = attr(op.getAlpha()), gamma = attr(op.getGamma());
        Value neg = s.mul(s.c(gamma * alpha), b.create<math::ExpM1Op>(loc, x));
        return s.select(s.gt(x, s.c(0)), s.mul(s.c(gamma), x), neg);
      })
      .Case([&](HardSigmoidOp op) {
        return s.saturate(s.add(s.mul(s.c(attr(op.getAlpha())), x), s.c(attr(op.getBeta()))));
      })
      .Case([&](HardSwishOp) {
        return s.mul(x, s.saturate(s.add(s.mul(s.c(1.0 / 6.0), x), s.c(0.5))));
      })
      .Case([&](IsNaNOp) {
        return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, x, x);
      })
      .Case([&](AcosOp) { return b.create<math::AcosOp>(loc, x); })
      .Case([&](AcoshOp) { return b.create<math::AcoshOp>(loc, x); })
      .Case([&](AsinOp) { return b.create<math::AsinOp>(loc, x); })
      .Case([&](AsinhOp) { return b.create<math::AsinhOp>(loc, x); })
      .Case([&](AtanOp) { return b.create<math::AtanOp>(loc, x); })
      .Case([&](AtanhOp) { return b.create<math::AtanhOp>(loc, x); })
      .Case([&](CoshOp) { return b.create<math::CoshOp>(loc, x); })
      .Case([&](SinhOp) { return b.create<math::SinhOp>(loc, x); })
      .Case([&](TanOp) { return b.create<math::TanOp>(loc, x); })
      .Case([&](IsInfOp op) -> Value {
        Value inf = s.c(INFINITY);
        Value positive = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, x, inf);
        Value negative = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, x,
                                                 b.create<arith::NegFOp>(loc, inf));
        Value no = b.create<arith::ConstantIntOp>(loc, 0, 1);
        return b.create<arith::OrIOp>(loc, op.getDetectPositive() ? positive : no,
                                      op.getDetectNegative() ? negative : no);
      })
      .Case([&](BitShiftOp op) -> Value {
        // Signed right shifts are arithmetic. A shift by a negative amount or
        // by the width or more leaves only the sign fill: -1 for a right shift
        // of a negative signed value, else 0 (LLVM would give poison).
        Value amount = args[1];
        Value width = s.c(inType.getIntOrFloatBitWidth());
        bool left = op.getDirection() == "LEFT";
        Value shifted = left ? b.create<arith::ShLIOp>(loc, x, amount).getResult()
                             : s.isUnsigned ? b.create<arith::ShRUIOp>(loc, x, amount).getResult()
                                            : b.create<arith::ShRSIOp>(loc, x, amount).getResult();
        // uge also catches negative amounts (huge when read unsigned).
        Value tooFar = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge, amount, width);
        Value fill = s.c(0);
        if (!left && !s.isUnsigned)
          fill = s.select(s.lt(x, s.c(0)), s.c(-1), s.c(0));
        return s.select(tooFar, fill, shifted);
      })
      .Case([&](BitwiseAndOp) { return b.create<arith::AndIOp>(loc, x, args[1]); })
      .Case([&](BitwiseOrOp) { return b.create<arith::OrIOp>(loc, x, args[1]); })
      .Case([&](BitwiseXorOp) { return b.create<arith::XOrIOp>(loc, x, args[1]); })
      .Case([&](BitwiseNotOp) { return b.create<arith::XOrIOp>(loc, x, s.c(-1)); })
      .Case([&](IdentityOp) { return x; })
      .Case([&](DropoutOp) { return x; })
      .Case([&](CastOp cast) {
        return castScalar(b, loc, x, outType, s.isUnsigned, isUnsignedResult(op, 0),
                          cast.getSaturate() != 0);
      })
      .Case([&](ClipOp op) {
        Value v = x;
        unsigned next = 1;
        if (op.getMin())
          v = s.max(v, args[next++]);
        if (op.getMax())
          v = s.min(v, args[next++]);
        return v;
      })
      .Default([](Operation *) { return Value(); });
}

/// Inputs of an elementwise op that enter its loop body (Dropout's ratio and
/// training flag do not).
SmallVector<Value> elementwiseInputs(Operation *op) {
  if (auto dropout = dyn_cast<DropoutOp>(op))
    return {dropout.getData()};
  return SmallVector<Value>(op->getOperands());
}

bool isElementwise(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, PowOp, ModOp, PReluOp, EqualOp, LessOp, GreaterOp,
             LessOrEqualOp, GreaterOrEqualOp, AndOp, OrOp, XorOp, NotOp, SumOp, MaxOp, MinOp,
             MeanOp, WhereOp, AbsOp, NegOp, ReluOp, LeakyReluOp, SigmoidOp, TanhOp, ErfOp,
             GeluOp, SqrtOp, ExpOp, LogOp, CosOp, SinOp, CeilOp, FloorOp, RoundOp, ReciprocalOp,
             SignOp, SoftplusOp, SoftsignOp, EluOp, SeluOp, HardSigmoidOp, HardSwishOp, IsNaNOp,
             IdentityOp, DropoutOp, CastOp, ClipOp, AcosOp, AcoshOp, AsinOp, AsinhOp, AtanOp,
             AtanhOp, CoshOp, SinhOp, TanOp, IsInfOp, BitShiftOp, BitwiseAndOp, BitwiseOrOp,
             BitwiseXorOp, BitwiseNotOp>(op);
}

/// Whether the scalar formula of `op` exists for its element types: the
/// transcendental ops are float-only.
bool supportsElementTypes(Operation *op) {
  bool floatOnly = isa<SigmoidOp, TanhOp, ErfOp, GeluOp, SqrtOp, ExpOp, LogOp, CosOp, SinOp,
                       CeilOp, FloorOp, RoundOp, SoftplusOp, SoftsignOp, EluOp, SeluOp,
                       HardSigmoidOp, HardSwishOp, IsNaNOp, LeakyReluOp, AcosOp, AcoshOp,
                       AsinOp, AsinhOp, AtanOp, AtanhOp, CoshOp, SinhOp, TanOp, IsInfOp>(op);
  return !floatOnly || isa<FloatType>(getElementTypeOrSelf(op->getOperand(0).getType()));
}

struct LowerElementwise : RewritePattern {
  LowerElementwise(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isElementwise(op))
      return failure();
    // Decide before creating anything: a pattern that creates ops and then
    // fails would make the greedy driver loop.
    if (!supportsElementTypes(op))
      return rewriter.notifyMatchFailure(op, "element type not supported");
    if (auto dropout = dyn_cast<DropoutOp>(op); dropout && dropout.getTrainingMode()) {
      // Training-mode Dropout samples a random mask: only its inference form
      // (an identity) is compiled; a run that asks for training fails.
      auto flag = getConstantInts(dropout.getTrainingMode());
      if (flag && llvm::any_of(*flag, [](int64_t v) { return v != 0; }))
        return rewriter.notifyMatchFailure(op, "training mode (a random mask) is not supported");
      if (!flag) {
        Location loc = op->getLoc();
        Value mode = rewriter.create<tensor::ExtractOp>(loc, dropout.getTrainingMode(), ValueRange{});
        Value off = rewriter.create<arith::XOrIOp>(loc, mode, rewriter.create<arith::ConstantIntOp>(loc, 1, 1));
        emitCheck(rewriter, loc, off,
                  "training_mode is true: Dropout's random mask is not supported, only inference");
      }
    }
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked result");
    SmallVector<Value> inputs = elementwiseInputs(op);
    for (Value input : inputs)
      if (!isa<RankedTensorType>(input.getType()))
        return rewriter.notifyMatchFailure(op, "unranked operand");
    Location loc = op->getLoc();
    Broadcast broadcast = broadcastOperands(rewriter, loc, inputs, resultType);
    SmallVector<AffineMap> maps;
    for (Value input : broadcast.operands)
      maps.push_back(broadcastMap(getContext(), cast<RankedTensorType>(input.getType()),
                                  resultType));
    Value init = emptyTensor(rewriter, loc, resultType, broadcast.dims);
    Value result = buildParallelGeneric(
        rewriter, loc, broadcast.operands, maps, init,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return buildScalar(op, b, l, args, resultType.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerElementwise>(patterns.getContext());
}

} // namespace ingot::lowering
