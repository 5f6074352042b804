//===- LowerRecurrence.cpp - RNN, GRU and LSTM as a loop over time --------===//
//
// The input projection X W^T + Wb of every step is one generic before the
// loop; an scf.for over time then carries the hidden state (and the LSTM
// cell) per direction, each step a reduction H R^T + Rb and one elementwise
// generic for the gates. Steps are numbered in processing order: with
// sequence_lens, batch b runs steps 0..len[b]-1 and keeps its state after,
// the reverse direction reading time len[b]-1-step. Y is gathered from the
// per-step states at the end (zero past a batch's length), so no step
// writes to a place that depends on the batch. Computation is in f32 (f64
// for double), as ONNX Runtime's f16 recurrences are.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

enum class Cell { Rnn, Gru, Lstm };

struct Activation {
  std::string name;
  double alpha = 0, beta = 0;
};

/// What the three ops share, read off one of them.
struct Recurrence {
  Cell cell;
  int64_t gates;
  Value x, w, r, bias, lengths, initialH, initialC, peepholes;
  std::string direction;
  bool batchFirst = false, linearBeforeReset = false, inputForget = false;
  std::optional<double> clip;
  SmallVector<Activation> activations; // per direction, in order
  Value y, yh, yc;                     // the results present (or null)
};

bool takesAlpha(StringRef n) {
  return llvm::is_contained({"Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu"}, n);
}
bool takesBeta(StringRef n) { return llvm::is_contained({"Affine", "ScaledTanh", "HardSigmoid"}, n); }

/// The activations with their alpha and beta: the lists are consumed in
/// order by the activations that take them (as ONNX Runtime reads them).
SmallVector<Activation> readActivations(std::optional<ArrayAttr> names, std::optional<ArrayRef<float>> alphas,
                                        std::optional<ArrayRef<float>> betas, ArrayRef<StringRef> defaults,
                                        int64_t directions) {
  SmallVector<Activation> result;
  size_t nextAlpha = 0, nextBeta = 0;
  auto add = [&](StringRef name) {
    Activation a{name.str()};
    double defaultAlpha = name == "LeakyRelu" ? 0.01 : name == "HardSigmoid" ? 0.2 : 1.0;
    double defaultBeta = name == "HardSigmoid" ? 0.5 : name == "ScaledTanh" ? 1.0 : 0.0;
    a.alpha = takesAlpha(name) && alphas && nextAlpha < alphas->size() ? (*alphas)[nextAlpha++] : defaultAlpha;
    a.beta = takesBeta(name) && betas && nextBeta < betas->size() ? (*betas)[nextBeta++] : defaultBeta;
    result.push_back(a);
  };
  if (names) {
    for (Attribute n : *names)
      add(cast<StringAttr>(n).getValue());
  } else {
    for (int64_t d = 0; d < directions; ++d)
      for (StringRef n : defaults)
        add(n);
  }
  return result;
}

Value activate(OpBuilder &b, Location l, const Activation &a, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return scalarConstant(b, l, t, v); };
  auto mul = [&](Value p, Value q) { return b.create<arith::MulFOp>(l, p, q).getResult(); };
  auto add = [&](Value p, Value q) { return b.create<arith::AddFOp>(l, p, q).getResult(); };
  auto ge = [&](Value p, Value q) { return b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, p, q).getResult(); };
  auto sigmoid = [&](Value v) {
    return b.create<arith::DivFOp>(l, c(1), add(c(1), b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, v)))).getResult();
  };
  StringRef n = a.name;
  if (n == "Sigmoid")
    return sigmoid(x);
  if (n == "Tanh")
    return b.create<math::TanhOp>(l, x);
  if (n == "Relu")
    return b.create<arith::MaximumFOp>(l, x, c(0));
  if (n == "Affine")
    return add(mul(c(a.alpha), x), c(a.beta));
  if (n == "LeakyRelu")
    return b.create<arith::SelectOp>(l, ge(x, c(0)), x, mul(c(a.alpha), x));
  if (n == "ThresholdedRelu")
    return b.create<arith::SelectOp>(l, b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, c(a.alpha)), x, c(0));
  if (n == "ScaledTanh")
    return mul(c(a.alpha), b.create<math::TanhOp>(l, mul(c(a.beta), x)));
  if (n == "HardSigmoid")
    return b.create<arith::MinimumFOp>(l, b.create<arith::MaximumFOp>(l, add(mul(c(a.alpha), x), c(a.beta)), c(0)), c(1));
  if (n == "Elu")
    return b.create<arith::SelectOp>(l, ge(x, c(0)), x,
                                     mul(c(a.alpha), b.create<arith::SubFOp>(l, b.create<math::ExpOp>(l, x), c(1))));
  if (n == "Softsign")
    return b.create<arith::DivFOp>(l, x, add(c(1), b.create<math::AbsFOp>(l, x)));
  // Softplus
  return b.create<math::Log1pOp>(l, b.create<math::ExpOp>(l, x));
}

class RecurrenceLowering {
public:
  RecurrenceLowering(PatternRewriter &rewriter, Operation *op, const Recurrence &rec)
      : b(rewriter), op(op), loc(op->getLoc()), rec(rec), m{rewriter, loc} {}

  LogicalResult run();

private:
  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  Value constant(double v) { return scalarConstant(b, loc, compute, v); }
  /// Slice [d] of a [D, ...] tensor, as a tensor of the compute type.
  Value direction(Value v, int64_t d);
  /// out[b, j] = sum_k lhs[b, k] * matrix[offset + j, k] + bias[offset + j].
  Value rowsTimes(Value lhs, Value matrix, Value bias, OpFoldResult offset, OpFoldResult rows);
  Value initialState(Value v, int64_t d);
  /// One direction: the states after the last step and the per-step hidden
  /// states [T, B, H] (null if Y is not asked for).
  void runDirection(int64_t d, Value &finalH, Value &finalC, Value &steps);

  PatternRewriter &b;
  Operation *op;
  Location loc;
  const Recurrence &rec;
  IndexMath m;
  Type compute, element;
  OpFoldResult T, B, I, H, gatesH;
  Value lengths; // index tensor [B]: each batch's length
};

/// A slice of `v` whose type MLIR infers (static where the sizes are),
/// dropping the leading `dropped` unit dims.
Value sliceOf(OpBuilder &b, Location loc, Value v, ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
              unsigned dropped = 0) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  auto sliceType = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(type.getRank() - dropped, type,
                                                                              offsets, sizes, strides);
  return b.create<tensor::ExtractSliceOp>(loc, sliceType, v, offsets, sizes, strides);
}

Value RecurrenceLowering::direction(Value v, int64_t d) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> dims = getDims(b, loc, v);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes(dims);
  offsets[0] = b.getIndexAttr(d);
  sizes[0] = b.getIndexAttr(1);
  Value slice = sliceOf(b, loc, v, offsets, sizes, 1);
  return mapUnaryTo(b, loc, slice, compute, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    return castScalar(nb, l, a[0], compute);
  });
}

Value RecurrenceLowering::rowsTimes(Value lhs, Value matrix, Value bias, OpFoldResult offset, OpFoldResult rows) {
  MLIRContext *ctx = b.getContext();
  OpFoldResult K = getDims(b, loc, matrix)[1];
  Value slice = sliceOf(b, loc, matrix, {offset, b.getIndexAttr(0)}, {rows, K});
  auto outType = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic}, compute);
  SmallVector<OpFoldResult> outDims{getDims(b, loc, lhs)[0], rows};
  Value init;
  if (bias) {
    Value biasSlice = sliceOf(b, loc, bias, {offset}, {rows});
    init = buildParallelGeneric(b, loc, biasSlice, {AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx)},
                                emptyTensor(b, loc, outType, outDims),
                                [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  } else {
    init = b.create<linalg::FillOp>(loc, constant(0), emptyTensor(b, loc, outType, outDims)).getResult(0);
  }
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(0), d(2)}, ctx), AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(0), d(1)}, ctx)};
  return b
      .create<linalg::GenericOp>(loc, outType, ValueRange{lhs, slice}, init, maps,
                                 SmallVector<utils::IteratorType>{utils::IteratorType::parallel,
                                                                  utils::IteratorType::parallel,
                                                                  utils::IteratorType::reduction},
                                 [&](OpBuilder &nb, Location l, ValueRange a) {
                                   Value p = nb.create<arith::MulFOp>(l, a[0], a[1]);
                                   nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, a[2], p)});
                                 })
      .getResult(0);
}

Value RecurrenceLowering::initialState(Value v, int64_t d) {
  auto type = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic}, compute);
  if (!v)
    return b.create<linalg::FillOp>(loc, constant(0), emptyTensor(b, loc, type, {B, H})).getResult(0);
  // [D, B, H], or [B, D, H] batch first.
  MLIRContext *ctx = b.getContext();
  AffineExpr dd = getAffineConstantExpr(d, ctx), b0 = getAffineDimExpr(0, ctx), h1 = getAffineDimExpr(1, ctx);
  AffineMap map = rec.batchFirst ? AffineMap::get(2, 0, {b0, dd, h1}, ctx) : AffineMap::get(2, 0, {dd, b0, h1}, ctx);
  return buildParallelGeneric(b, loc, v, {map}, emptyTensor(b, loc, type, {B, H}),
                              [&](OpBuilder &nb, Location l, ValueRange a) { return castScalar(nb, l, a[0], compute); });
}

void RecurrenceLowering::runDirection(int64_t d, Value &finalH, Value &finalC, Value &steps) {
  MLIRContext *ctx = b.getContext();
  bool reverse = rec.direction == "reverse" || (rec.direction == "bidirectional" && d == 1);
  ArrayRef<Activation> acts = ArrayRef<Activation>(rec.activations).slice(d * (rec.gates == 1 ? 1 : rec.gates == 3 ? 2 : 3));
  Value w = direction(rec.w, d), r = direction(rec.r, d);
  Value wb, rb, peep;
  if (rec.bias) {
    Value both = direction(rec.bias, d);
    auto half = [&](OpFoldResult offset) -> Value { return sliceOf(b, loc, both, {offset}, {gatesH}); };
    wb = half(b.getIndexAttr(0));
    rb = half(gatesH);
  }
  if (rec.peepholes)
    peep = direction(rec.peepholes, d);

  // XW[t, b, :] = X[t, b] W^T + Wb, every step at once.
  auto d_ = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto xwType = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic}, compute);
  Value xwInit;
  if (wb)
    xwInit = buildParallelGeneric(b, loc, wb, {AffineMap::get(3, 0, {d_(2)}, ctx)},
                                  emptyTensor(b, loc, xwType, {T, B, gatesH}),
                                  [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  else
    xwInit = b.create<linalg::FillOp>(loc, constant(0), emptyTensor(b, loc, xwType, {T, B, gatesH})).getResult(0);
  AffineMap xMap = rec.batchFirst ? AffineMap::get(4, 0, {d_(1), d_(0), d_(3)}, ctx)
                                  : AffineMap::get(4, 0, {d_(0), d_(1), d_(3)}, ctx);
  Value xw = b.create<linalg::GenericOp>(
                  loc, xwType, ValueRange{rec.x, w}, xwInit,
                  SmallVector<AffineMap>{xMap, AffineMap::get(4, 0, {d_(2), d_(3)}, ctx),
                                         AffineMap::get(4, 0, {d_(0), d_(1), d_(2)}, ctx)},
                  SmallVector<utils::IteratorType>{utils::IteratorType::parallel, utils::IteratorType::parallel,
                                                   utils::IteratorType::parallel, utils::IteratorType::reduction},
                  [&](OpBuilder &nb, Location l, ValueRange a) {
                    Value p = nb.create<arith::MulFOp>(l, castScalar(nb, l, a[0], compute), a[1]);
                    nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, a[2], p)});
                  })
                 .getResult(0);

  Value h0 = initialState(rec.initialH, d);
  Value c0 = rec.cell == Cell::Lstm ? initialState(rec.initialC, d) : Value();
  SmallVector<Value> carried{h0};
  if (c0)
    carried.push_back(c0);
  if (rec.y) {
    auto stepsType = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic}, compute);
    carried.push_back(emptyTensor(b, loc, stepsType, {T, B, H}));
  }
  Value hValue = m.value(H), tValue = m.value(T);
  auto loop = b.create<scf::ForOp>(
      loc, index(0), tValue, index(1), carried,
      [&](OpBuilder &lb, Location l, Value step, ValueRange state) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
        Value hPrev = state[0], cPrev = c0 ? state[1] : Value();
        auto stateType = cast<RankedTensorType>(hPrev.getType());
        // The step's gates from H (all of them; GRU's h gate is redone below
        // unless linear_before_reset).
        Value hr = rowsTimes(hPrev, r, rb, b.getIndexAttr(0), gatesH);
        Value gruHr;
        Value resetGate;
        // Per (b, j): whether this batch still runs, and the time it reads.
        auto timing = [&](OpBuilder &nb, Location nl, Value batch) {
          Value len = nb.create<tensor::ExtractOp>(nl, lengths, batch);
          Value valid = nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::slt, step, len);
          Value time = step;
          if (reverse)
            time = nb.create<arith::SubIOp>(nl, nb.create<arith::SubIOp>(nl, len, nb.create<arith::ConstantIndexOp>(nl, 1)), step);
          Value zero = nb.create<arith::ConstantIndexOp>(nl, 0);
          time = nb.create<arith::SelectOp>(nl, valid, time, zero);
          return std::make_pair(valid, time);
        };
        auto clipped = [&](OpBuilder &nb, Location nl, Value v) -> Value {
          if (!rec.clip)
            return v;
          Value c = scalarConstant(nb, nl, compute, *rec.clip);
          return nb.create<arith::MinimumFOp>(nl, nb.create<arith::MaximumFOp>(nl, v, nb.create<arith::NegFOp>(nl, c)), c);
        };
        // Gate g's pre-activation at (batch, j): XW + HR.
        auto gateInput = [&](OpBuilder &nb, Location nl, Value source, Value batch, Value time, Value j, int64_t g) {
          Value at = nb.create<arith::AddIOp>(nl, nb.create<arith::MulIOp>(nl, nb.create<arith::ConstantIndexOp>(nl, g), hValue), j);
          Value fromX = nb.create<tensor::ExtractOp>(nl, xw, ValueRange{time, batch, at});
          if (!source)
            return fromX;
          return nb.create<arith::AddFOp>(nl, fromX, nb.create<tensor::ExtractOp>(nl, source, ValueRange{batch, at})).getResult();
        };
        if (rec.cell == Cell::Gru) {
          // r = f(XW_r + HR_r); then (r * H) R_h^T + Rb_h unless linear_before_reset.
          resetGate = buildParallelGeneric(b, loc, {}, {}, emptyTensor(b, loc, stateType, {B, H}),
                                           [&](OpBuilder &nb, Location nl, ValueRange) -> Value {
            Value batch = nb.create<linalg::IndexOp>(nl, 0), j = nb.create<linalg::IndexOp>(nl, 1);
            Value time = timing(nb, nl, batch).second;
            return activate(nb, nl, acts[0], clipped(nb, nl, gateInput(nb, nl, hr, batch, time, j, 1)));
          });
          if (!rec.linearBeforeReset) {
            Value resetH = buildParallelGeneric(
                b, loc, ValueRange{resetGate, hPrev},
                {AffineMap::getMultiDimIdentityMap(2, ctx), AffineMap::getMultiDimIdentityMap(2, ctx)},
                emptyTensor(b, loc, stateType, {B, H}),
                [](OpBuilder &nb, Location nl, ValueRange a) -> Value { return nb.create<arith::MulFOp>(nl, a[0], a[1]); });
            gruHr = rowsTimes(resetH, r, rb, m.mul(m.c(2), H), H);
          }
        }
        // The new states, element by element.
        SmallVector<Type> outTypes{stateType};
        SmallVector<Value> outs{emptyTensor(b, loc, stateType, {B, H})};
        if (c0) {
          outTypes.push_back(stateType);
          outs.push_back(emptyTensor(b, loc, stateType, {B, H}));
        }
        SmallVector<Value> ins{hPrev};
        if (c0)
          ins.push_back(cPrev);
        if (resetGate)
          ins.push_back(resetGate);
        SmallVector<AffineMap> maps(ins.size() + outs.size(), AffineMap::getMultiDimIdentityMap(2, ctx));
        auto update = b.create<linalg::GenericOp>(
            loc, outTypes, ins, outs, maps,
            SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value batch = nb.create<linalg::IndexOp>(nl, 0), j = nb.create<linalg::IndexOp>(nl, 1);
              auto [valid, time] = timing(nb, nl, batch);
              auto c = [&](double v) { return scalarConstant(nb, nl, compute, v); };
              auto mul = [&](Value p, Value q) { return nb.create<arith::MulFOp>(nl, p, q).getResult(); };
              auto add = [&](Value p, Value q) { return nb.create<arith::AddFOp>(nl, p, q).getResult(); };
              auto sub = [&](Value p, Value q) { return nb.create<arith::SubFOp>(nl, p, q).getResult(); };
              Value hOld = a[0];
              SmallVector<Value> results;
              if (rec.cell == Cell::Rnn) {
                results.push_back(activate(nb, nl, acts[0], clipped(nb, nl, gateInput(nb, nl, hr, batch, time, j, 0))));
              } else if (rec.cell == Cell::Gru) {
                Value z = activate(nb, nl, acts[0], clipped(nb, nl, gateInput(nb, nl, hr, batch, time, j, 0)));
                Value reset = a[1];
                Value candidateIn;
                if (rec.linearBeforeReset) {
                  Value at = nb.create<arith::AddIOp>(nl, nb.create<arith::MulIOp>(nl, nb.create<arith::ConstantIndexOp>(nl, 2), hValue), j);
                  Value fromH = nb.create<tensor::ExtractOp>(nl, hr, ValueRange{batch, at});
                  candidateIn = add(gateInput(nb, nl, Value(), batch, time, j, 2), mul(reset, fromH));
                } else {
                  Value fromH = nb.create<tensor::ExtractOp>(nl, gruHr, ValueRange{batch, j});
                  candidateIn = add(gateInput(nb, nl, Value(), batch, time, j, 2), fromH);
                }
                Value candidate = activate(nb, nl, acts[1], clipped(nb, nl, candidateIn));
                results.push_back(add(mul(sub(c(1), z), candidate), mul(z, hOld)));
              } else {
                Value cOld = a[1];
                auto peephole = [&](int64_t g, Value cell) -> Value {
                  if (!peep)
                    return c(0);
                  Value at = nb.create<arith::AddIOp>(nl, nb.create<arith::MulIOp>(nl, nb.create<arith::ConstantIndexOp>(nl, g), hValue), j);
                  return mul(nb.create<tensor::ExtractOp>(nl, peep, ValueRange{at}), cell);
                };
                // Gates in W: i, o, f, c; peepholes: i, o, f.
                Value in = activate(nb, nl, acts[0], clipped(nb, nl, add(gateInput(nb, nl, hr, batch, time, j, 0), peephole(0, cOld))));
                Value forget = rec.inputForget
                                   ? sub(c(1), in)
                                   : activate(nb, nl, acts[0], clipped(nb, nl, add(gateInput(nb, nl, hr, batch, time, j, 2), peephole(2, cOld))));
                Value candidate = activate(nb, nl, acts[1], clipped(nb, nl, gateInput(nb, nl, hr, batch, time, j, 3)));
                Value cNew = add(mul(forget, cOld), mul(in, candidate));
                Value out = activate(nb, nl, acts[0], clipped(nb, nl, add(gateInput(nb, nl, hr, batch, time, j, 1), peephole(1, cNew))));
                results.push_back(mul(out, activate(nb, nl, acts[2], cNew)));
                results.push_back(cNew);
              }
              // A batch past its length keeps its state.
              results[0] = nb.create<arith::SelectOp>(nl, valid, results[0], hOld);
              if (results.size() > 1)
                results[1] = nb.create<arith::SelectOp>(nl, valid, results[1], a[1]);
              nb.create<linalg::YieldOp>(nl, results);
            });
        SmallVector<Value> next{update.getResult(0)};
        if (c0)
          next.push_back(update.getResult(1));
        if (rec.y) {
          Value all = state.back();
          next.push_back(b.create<tensor::InsertSliceOp>(
              loc, update.getResult(0), all, SmallVector<OpFoldResult>{step, b.getIndexAttr(0), b.getIndexAttr(0)},
              // Sizes as values: the state's type is dynamic.
              SmallVector<OpFoldResult>{b.getIndexAttr(1), m.value(B), hValue},
              SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1)}));
        }
        b.create<scf::YieldOp>(loc, next);
      });
  finalH = loop.getResult(0);
  finalC = c0 ? loop.getResult(1) : Value();
  steps = rec.y ? loop.getResults().back() : Value();
}

LogicalResult RecurrenceLowering::run() {
  auto xType = cast<RankedTensorType>(rec.x.getType());
  element = xType.getElementType();
  compute = element.isF64() ? element : b.getF32Type();
  SmallVector<OpFoldResult> xDims = getDims(b, loc, rec.x), wDims = getDims(b, loc, rec.w),
                            rDims = getDims(b, loc, rec.r);
  T = rec.batchFirst ? xDims[1] : xDims[0];
  B = rec.batchFirst ? xDims[0] : xDims[1];
  I = xDims[2];
  H = rDims[2];
  gatesH = m.mul(m.c(rec.gates), H);
  int64_t directions = rec.direction == "bidirectional" ? 2 : 1;
  checkEqual(b, loc, wDims[0], m.c(directions), "W dim 0 is {0} for {1} direction(s)");
  checkEqual(b, loc, rDims[0], m.c(directions), "R dim 0 is {0} for {1} direction(s)");
  checkEqual(b, loc, wDims[1], gatesH, "W dim 1 is {0}; the gates need {1}");
  checkEqual(b, loc, rDims[1], gatesH, "R dim 1 is {0}; the gates need {1}");
  checkEqual(b, loc, wDims[2], I, "W dim 2 is {0}, the input size {1}");
  if (auto hidden = op->getAttrOfType<IntegerAttr>("hidden_size"))
    checkEqual(b, loc, H, m.c(hidden.getInt()), "R's hidden size is {0}, hidden_size says {1}");
  if (rec.bias) {
    SmallVector<OpFoldResult> bDims = getDims(b, loc, rec.bias);
    checkEqual(b, loc, bDims[0], m.c(directions), "B dim 0 is {0} for {1} direction(s)");
    checkEqual(b, loc, bDims[1], m.mul(m.c(2), gatesH), "B dim 1 is {0}; the gates need {1}");
  }
  auto checkState = [&](Value v, StringRef name) {
    if (!v)
      return;
    SmallVector<OpFoldResult> dims = getDims(b, loc, v);
    checkEqual(b, loc, dims[rec.batchFirst ? 1 : 0], m.c(directions), (name + " has {0} directions, expected {1}").str());
    checkEqual(b, loc, dims[rec.batchFirst ? 0 : 1], B, (name + " has a batch of {0}, X {1}").str());
    checkEqual(b, loc, dims[2], H, (name + " has {0} hidden units, expected {1}").str());
  };
  checkState(rec.initialH, "initial_h");
  checkState(rec.initialC, "initial_c");
  if (rec.peepholes) {
    SmallVector<OpFoldResult> dims = getDims(b, loc, rec.peepholes);
    checkEqual(b, loc, dims[0], m.c(directions), "P dim 0 is {0} for {1} direction(s)");
    checkEqual(b, loc, dims[1], m.mul(m.c(3), H), "P dim 1 is {0}; the peepholes need {1}");
  }
  // Each batch's length as an index: T unless sequence_lens says, checked
  // to lie in [0, T].
  auto lengthType = RankedTensorType::get({ShapedType::kDynamic}, b.getIndexType());
  Value tValue = m.value(T);
  if (rec.lengths) {
    checkEqual(b, loc, getDims(b, loc, rec.lengths)[0], B, "sequence_lens has {0} entries for a batch of {1}");
    lengths = mapUnaryTo(b, loc, rec.lengths, b.getIndexType(), [](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return nb.create<arith::IndexCastOp>(l, nb.getIndexType(), a[0]);
    });
    b.create<scf::ForOp>(loc, index(0), m.value(B), index(1), ValueRange{},
                         [&](OpBuilder &lb, Location l, Value i, ValueRange) {
                           OpBuilder::InsertionGuard guard(b);
                           b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
                           Value len = b.create<tensor::ExtractOp>(l, lengths, i);
                           Value ok = b.create<arith::AndIOp>(
                               l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, len, index(0)),
                               b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, len, tValue));
                           emitCheck(b, l, ok, "sequence_lens[{0}] is {1}, outside [0, {2}]", {i, len, tValue});
                           b.create<scf::YieldOp>(l);
                         });
  } else {
    lengths = b.create<linalg::FillOp>(loc, tValue, emptyTensor(b, loc, lengthType, {B})).getResult(0);
  }
  SmallVector<Value> finalH, finalC, steps;
  for (int64_t d = 0; d < directions; ++d) {
    Value h, c, s;
    runDirection(d, h, c, s);
    finalH.push_back(h);
    finalC.push_back(c);
    steps.push_back(s);
  }
  // Gathers a result over [directions] sources: value(d, coords) or 0.
  auto gather = [&](Value result, ArrayRef<OpFoldResult> dims, int64_t dirDim,
                    function_ref<Value(OpBuilder &, Location, int64_t, ArrayRef<Value>)> read) {
    auto type = cast<RankedTensorType>(result.getType());
    auto outType = RankedTensorType::get(type.getShape(), element);
    return buildParallelGeneric(b, loc, {}, {}, emptyTensor(b, loc, outType, dims),
                                [&](OpBuilder &nb, Location nl, ValueRange) -> Value {
      SmallVector<Value> at;
      for (int64_t i = 0; i < type.getRank(); ++i)
        at.push_back(nb.create<linalg::IndexOp>(nl, i));
      Value v = read(nb, nl, 0, at);
      if (directions == 2) {
        Value isSecond = nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::eq, at[dirDim],
                                                  nb.create<arith::ConstantIndexOp>(nl, 1));
        v = nb.create<arith::SelectOp>(nl, isSecond, read(nb, nl, 1, at), v);
      }
      return castScalar(nb, nl, v, element);
    });
  };
  SmallVector<Value> replacements;
  for (Value result : op->getResults()) {
    if (result == rec.y) {
      // Y[t, d, b, j] (or [b, t, d, j]) = the state after the step that read
      // time t, or 0 past the batch's length.
      int64_t tDim = rec.batchFirst ? 1 : 0, dDim = rec.batchFirst ? 2 : 1, bDim = rec.batchFirst ? 0 : 2;
      SmallVector<OpFoldResult> dims = rec.batchFirst ? SmallVector<OpFoldResult>{B, T, m.c(directions), H}
                                                      : SmallVector<OpFoldResult>{T, m.c(directions), B, H};
      replacements.push_back(gather(result, dims, dDim, [&](OpBuilder &nb, Location nl, int64_t d, ArrayRef<Value> at) -> Value {
        bool reverse = rec.direction == "reverse" || d == 1;
        Value t = at[tDim], batch = at[bDim];
        Value len = nb.create<tensor::ExtractOp>(nl, lengths, batch);
        Value valid = nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::slt, t, len);
        Value step = t;
        if (reverse)
          step = nb.create<arith::SubIOp>(nl, nb.create<arith::SubIOp>(nl, len, nb.create<arith::ConstantIndexOp>(nl, 1)), t);
        step = nb.create<arith::SelectOp>(nl, valid, step, nb.create<arith::ConstantIndexOp>(nl, 0));
        Value v = nb.create<tensor::ExtractOp>(nl, steps[d], ValueRange{step, batch, at[3]});
        return nb.create<arith::SelectOp>(nl, valid, v, scalarConstant(nb, nl, compute, 0));
      }));
      continue;
    }
    ArrayRef<Value> states = result == rec.yh ? ArrayRef<Value>(finalH) : ArrayRef<Value>(finalC);
    int64_t dDim = rec.batchFirst ? 1 : 0, bDim = rec.batchFirst ? 0 : 1;
    SmallVector<OpFoldResult> dims = rec.batchFirst ? SmallVector<OpFoldResult>{B, m.c(directions), H}
                                                    : SmallVector<OpFoldResult>{m.c(directions), B, H};
    replacements.push_back(gather(result, dims, dDim, [&](OpBuilder &nb, Location nl, int64_t d, ArrayRef<Value> at) -> Value {
      return nb.create<tensor::ExtractOp>(nl, states[d], ValueRange{at[bDim], at[2]});
    }));
  }
  b.replaceOp(op, replacements);
  return success();
}

template <typename OpTy>
struct LowerRecurrence : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    for (Value v : op->getOperands())
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "needs ranked operands");
    for (Value v : op->getResults())
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "needs ranked results");
    if (!isa<FloatType>(getElementTypeOrSelf(op.getX().getType())))
      return rewriter.notifyMatchFailure(op, "needs float X");
    Recurrence rec;
    rec.x = op.getX();
    rec.w = op.getW();
    rec.r = op.getR();
    rec.bias = op.getB();
    rec.lengths = op.getSequenceLens();
    rec.initialH = op.getInitialH();
    rec.direction = op.getDirection().str();
    rec.batchFirst = op.getLayout() != 0;
    if (auto clip = op.getClip())
      rec.clip = clip->convertToDouble();
    rec.y = op.getY();
    rec.yh = op.getYH();
    int64_t directions = rec.direction == "bidirectional" ? 2 : 1;
    if constexpr (std::is_same_v<OpTy, RNNOp>) {
      rec.cell = Cell::Rnn;
      rec.gates = 1;
      rec.activations = readActivations(op.getActivations(), op.getActivationAlpha(), op.getActivationBeta(),
                                        {"Tanh"}, directions);
    } else if constexpr (std::is_same_v<OpTy, GRUOp>) {
      rec.cell = Cell::Gru;
      rec.gates = 3;
      rec.linearBeforeReset = op.getLinearBeforeReset() != 0;
      rec.activations = readActivations(op.getActivations(), op.getActivationAlpha(), op.getActivationBeta(),
                                        {"Sigmoid", "Tanh"}, directions);
    } else {
      rec.cell = Cell::Lstm;
      rec.gates = 4;
      rec.initialC = op.getInitialC();
      rec.peepholes = op.getP();
      rec.inputForget = op.getInputForget() != 0;
      rec.yc = op.getYC();
      rec.activations = readActivations(op.getActivations(), op.getActivationAlpha(), op.getActivationBeta(),
                                        {"Sigmoid", "Tanh", "Tanh"}, directions);
    }
    return RecurrenceLowering(rewriter, op, rec).run();
  }
};

} // namespace

void populateRecurrenceToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRecurrence<RNNOp>, LowerRecurrence<GRUOp>, LowerRecurrence<LSTMOp>>(patterns.getContext());
}

} // namespace ingot::lowering
