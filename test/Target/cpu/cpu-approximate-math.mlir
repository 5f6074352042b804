// RUN: ingot-opt %s --split-input-file --cpu-approximate-math | FileCheck %s

// f32 tanh and erf become arithmetic (clamps, a rational or polynomial
// approximation, LLVM's fma), nothing libm would be called for.
// CHECK-LABEL: func.func @tanh_and_erf
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK-NOT: math.fma
// CHECK: llvm.intr.fma
// CHECK: arith.divf
// CHECK: return
func.func @tanh_and_erf(%x: f32) -> (f32, f32) {
  %t = math.tanh %x : f32
  %e = math.erf %x : f32
  return %t, %e : f32, f32
}

// -----

// GELU's x^3 (tanh form): a power by 2, 3 or 4 is products; a power by a
// run-time exponent, or by 0.5 (sqrt would differ at -inf), stays powf.
// CHECK-LABEL: func.func @powers
// CHECK: %[[SQUARE:.*]] = arith.mulf %arg0, %arg0 : f32
// CHECK: %[[CUBE:.*]] = arith.mulf %arg0, %[[SQUARE]] : f32
// CHECK: math.powf %arg0, %arg1 : f32
// CHECK: math.powf %arg0, %{{.*}} : f32
// CHECK-NOT: math.sqrt
// CHECK: return %[[CUBE]]
func.func @powers(%x: f32, %y: f32) -> (f32, f32, f32) {
  %three = arith.constant 3.0 : f32
  %half = arith.constant 0.5 : f32
  %c = math.powf %x, %three : f32
  %p = math.powf %x, %y : f32
  %r = math.powf %x, %half : f32
  return %c, %p, %r : f32, f32, f32
}

// -----

// f32 exp: clamped to [ln FLT_MIN, 89], k = x / ln 2 rounded by adding
// 1.5 * 2^23 (its integer from the sum's bits), the remainder by two fused
// steps of ln 2's parts, Cephes' polynomial, 2^k as two powers from
// exponent bits, 0 below ln FLT_MIN (no subnormal results), NaN passed
// through. No libm call is left (nor math.roundeven, which would become
// one).
// CHECK-LABEL: func.func @exp_polynomial
// CHECK: %[[LO:.*]] = arith.constant -87.3365478 : f32
// CHECK: %[[MAX:.*]] = arith.maximumf %arg0, %[[LO]]
// CHECK: %[[C:.*]] = arith.minimumf %[[MAX]]
// CHECK: %[[S:.*]] = llvm.intr.fma(%[[C]], %{{.*}}, %{{.*}})
// CHECK: arith.bitcast %[[S]] : f32 to i32
// CHECK-COUNT-8: llvm.intr.fma
// CHECK: arith.shrsi
// CHECK: arith.bitcast
// CHECK: arith.mulf
// CHECK: %[[P:.*]] = arith.mulf
// CHECK: %[[TINY:.*]] = arith.cmpf olt, %arg0, %[[LO]]
// CHECK: arith.select %[[TINY]], %{{.*}}, %[[P]]
// CHECK: arith.cmpf uno, %arg0, %arg0
// CHECK: arith.select
// CHECK-NOT: math.
func.func @exp_polynomial(%x: f32) -> f32 {
  %e = math.exp %x : f32
  return %e : f32
}

// -----

// log stays (libm's is exact to an ulp, and the polynomial form is not
// checked against every edge case here); f64 exp and tanh stay libm's.
// CHECK-LABEL: func.func @left_alone
// CHECK: math.log
// CHECK: math.exp {{.*}} : f64
// CHECK: math.tanh {{.*}} : f64
func.func @left_alone(%x: f32, %d: f64) -> (f32, f64, f64) {
  %l = math.log %x : f32
  %e = math.exp %d : f64
  %t = math.tanh %d : f64
  return %l, %e, %t : f32, f64, f64
}
