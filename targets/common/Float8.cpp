//===- Float8.cpp - float8 conversions in integer and f32 arithmetic ------===//
//
// LLVM has no 8-bit float types, so Cast to and from ONNX's float8 formats
// (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ) is computed here on the bits:
// decoding builds the f32 value, encoding rounds to nearest even on the
// format's grid (subnormals included), then applies the format's overflow
// rule: saturate to the largest finite value, or infinity (E5M2) / NaN.
// FNUZ formats have no negative zero and one NaN (0x80).
//
//===----------------------------------------------------------------------===//

#include "targets/common/LoweringUtils.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;

namespace ingot::lowering {
namespace {

struct Format {
  int exponentBits, mantissaBits, bias;
  bool hasInfinity; // E5M2: S.11111.00 is infinity
  bool unsignedZero; // FNUZ: 0x80 is the NaN, no -0
  double max;
};

std::optional<Format> formatOf(Type type) {
  if (type.isFloat8E4M3FN())
    return Format{4, 3, 7, false, false, 448.0};
  if (type.isFloat8E4M3FNUZ())
    return Format{4, 3, 8, false, true, 240.0};
  if (type.isFloat8E5M2())
    return Format{5, 2, 15, true, false, 57344.0};
  if (type.isFloat8E5M2FNUZ())
    return Format{5, 2, 16, false, true, 57344.0};
  return std::nullopt;
}

struct Ints {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v, unsigned width) { return b.create<arith::ConstantIntOp>(loc, v, width); }
  Value f(double v) { return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v)); }
  Value eq(Value x, Value y) { return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y); }
  Value select(Value c, Value x, Value y) { return b.create<arith::SelectOp>(loc, c, x, y); }
  Value shr(Value x, Value y) { return b.create<arith::ShRUIOp>(loc, x, y); }
  Value shl(Value x, Value y) { return b.create<arith::ShLIOp>(loc, x, y); }
  Value andi(Value x, Value y) { return b.create<arith::AndIOp>(loc, x, y); }
  Value ori(Value x, Value y) { return b.create<arith::OrIOp>(loc, x, y); }
};

} // namespace

bool isFloat8(Type type) { return formatOf(type).has_value(); }

Value decodeFloat8(OpBuilder &b, Location loc, Value value) {
  Format fmt = *formatOf(value.getType());
  Ints k{b, loc};
  Type i32 = b.getI32Type();
  Value bits = b.create<arith::ExtUIOp>(loc, i32, b.create<arith::BitcastOp>(loc, b.getI8Type(), value));
  int m = fmt.mantissaBits;
  Value sign = k.andi(k.shr(bits, k.c(7, 32)), k.c(1, 32));
  Value exponent = k.andi(k.shr(bits, k.c(m, 32)), k.c((1 << fmt.exponentBits) - 1, 32));
  Value mantissa = k.andi(bits, k.c((1 << m) - 1, 32));
  // Normal: rebias the exponent into f32's; subnormal: mantissa * 2^(1 - bias - m).
  Value normalBits = k.ori(k.shl(b.create<arith::AddIOp>(loc, exponent, k.c(127 - fmt.bias, 32)), k.c(23, 32)),
                           k.shl(mantissa, k.c(23 - m, 32)));
  Value normal = b.create<arith::BitcastOp>(loc, b.getF32Type(), normalBits);
  Value subnormal = b.create<arith::MulFOp>(loc, b.create<arith::UIToFPOp>(loc, b.getF32Type(), mantissa),
                                            k.f(std::ldexp(1.0, 1 - fmt.bias - m)));
  Value magnitude = k.select(k.eq(exponent, k.c(0, 32)), subnormal, normal);
  Value negative = k.eq(sign, k.c(1, 32));
  Value v = k.select(negative, b.create<arith::NegFOp>(loc, magnitude), magnitude);
  Value nan = k.f(std::nan(""));
  int allOnes = (1 << fmt.exponentBits) - 1;
  if (fmt.unsignedZero) {
    v = k.select(k.eq(bits, k.c(0x80, 32)), nan, v);
  } else if (fmt.hasInfinity) {
    Value top = k.eq(exponent, k.c(allOnes, 32));
    Value inf = k.select(negative, k.f(-INFINITY), k.f(INFINITY));
    v = k.select(top, k.select(k.eq(mantissa, k.c(0, 32)), inf, nan), v);
  } else {
    Value isNan = k.andi(k.eq(exponent, k.c(allOnes, 32)), k.eq(mantissa, k.c((1 << m) - 1, 32)));
    v = k.select(isNan, nan, v);
  }
  return v;
}

Value encodeFloat8(OpBuilder &b, Location loc, Value value, Type to, bool saturate) {
  Format fmt = *formatOf(to);
  Ints k{b, loc};
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Value x = castScalar(b, loc, value, f32);
  int m = fmt.mantissaBits;
  int minExponent = 1 - fmt.bias; // of the smallest normal
  Value a = b.create<math::AbsFOp>(loc, x);
  Value aBits = b.create<arith::BitcastOp>(loc, i32, a);
  // The grid step at |x|: 2^(e - m) for normals, 2^(minExponent - m) below.
  Value e = b.create<arith::SubIOp>(loc, k.shr(aBits, k.c(23, 32)), k.c(127, 32));
  e = b.create<arith::MaxSIOp>(loc, e, k.c(minExponent, 32));
  Value stepBits = k.shl(b.create<arith::AddIOp>(loc, b.create<arith::SubIOp>(loc, e, k.c(m, 32)), k.c(127, 32)),
                         k.c(23, 32));
  Value step = b.create<arith::BitcastOp>(loc, f32, stepBits);
  Value rounded = b.create<arith::MulFOp>(
      loc, b.create<math::RoundEvenOp>(loc, b.create<arith::DivFOp>(loc, a, step)), step);
  // Bits of the rounded magnitude (exactly on the grid).
  Value rBits = b.create<arith::BitcastOp>(loc, i32, rounded);
  Value rExponent = b.create<arith::SubIOp>(loc, k.shr(rBits, k.c(23, 32)), k.c(127, 32));
  Value isNormal = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, rounded,
                                           k.f(std::ldexp(1.0, minExponent)));
  Value normalBits = k.ori(k.shl(b.create<arith::AddIOp>(loc, rExponent, k.c(fmt.bias, 32)), k.c(m, 32)),
                           k.andi(k.shr(rBits, k.c(23 - m, 32)), k.c((1 << m) - 1, 32)));
  Value subnormalBits = b.create<arith::FPToUIOp>(
      loc, i32, b.create<arith::MulFOp>(loc, rounded, k.f(std::ldexp(1.0, m - minExponent))));
  Value magnitude = k.select(isNormal, normalBits, subnormalBits);
  // Overflow, infinities and NaN.
  Value maxBits;
  {
    // The largest finite value's bits: all exponent ones but the specials.
    double maxValue = fmt.max;
    int maxE = (int)std::floor(std::log2(maxValue));
    int maxMantissa = (int)std::lround((maxValue / std::ldexp(1.0, maxE) - 1) * (1 << m));
    maxBits = k.c(((maxE + fmt.bias) << m) | maxMantissa, 32);
  }
  Value tooBig = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, rounded, k.f(fmt.max));
  Value isNan = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, x, x);
  Value nanBits = k.c(fmt.unsignedZero ? 0x80 : 0x7f, 32);
  Value overflowBits = saturate ? maxBits
                                : (fmt.hasInfinity ? k.c(((1 << fmt.exponentBits) - 1) << m, 32) : nanBits);
  magnitude = k.select(tooBig, overflowBits, magnitude);
  Value negative = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt,
                                           b.create<arith::BitcastOp>(loc, i32, x), k.c(0, 32));
  if (fmt.unsignedZero) // no -0: a zero keeps no sign
    negative = k.andi(negative, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, magnitude, k.c(0, 32)));
  Value bits = k.ori(magnitude, k.select(negative, k.c(0x80, 32), k.c(0, 32)));
  if (fmt.unsignedZero) // the one NaN has the sign bit alone
    bits = k.select(k.andi(tooBig, k.eq(overflowBits, nanBits)), nanBits, bits);
  bits = k.select(isNan, nanBits, bits);
  Value byte = b.create<arith::TruncIOp>(loc, b.getI8Type(), bits);
  return b.create<arith::BitcastOp>(loc, to, byte);
}

} // namespace ingot::lowering
