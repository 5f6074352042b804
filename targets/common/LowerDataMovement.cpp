//===- LowerDataMovement.cpp - Shape and data-movement ops -> tensor ------===//
//
// Constants, reshapes (Reshape, Flatten, Squeeze, Unsqueeze), Transpose,
// Concat, Slice, Split, Gather, Expand, Tile, Pad, Shape/Size,
// ConstantOfShape, Range and Trilu. Shapes only known at run time are
// computed with index arithmetic from the operands.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

/// Element `i` of a 1-D integer tensor as an index.
Value extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  Value element = b.create<tensor::ExtractOp>(loc, tensor, ValueRange{b.create<arith::ConstantIndexOp>(loc, i)});
  return toIndex(b, loc, element);
}

struct LowerConstant : OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConstantOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getType(), cast<TypedAttr>(op.getValue()));
    return success();
  }
};

/// Reshape with ONNX's rules for the shape operand: 0 copies the input's
/// dim (unless allowzero), one -1 takes what is left. Whatever the shape
/// cannot be known at compile time is checked when it is read: no other
/// negative entry, at most one -1, a 0 only where the input has a dim, and
/// as many elements out as in.
struct LowerReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    auto shapeType = dyn_cast<RankedTensorType>(op.getShape().getType());
    if (!type || !resultType || !shapeType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getData());
    SmallVector<OpFoldResult> dims;
    if (type.hasStaticShape() && resultType.hasStaticShape()) {
      // Both sides known: the shape rule has already resolved and checked it.
      for (int64_t d : resultType.getShape())
        dims.push_back(rewriter.getIndexAttr(d));
      rewriter.replaceOp(op, reshapeTo(rewriter, loc, op.getData(), resultType, dims));
      return success();
    }
    auto c = [&](int64_t v) -> Value { return rewriter.create<arith::ConstantIndexOp>(loc, v); };
    auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
      return rewriter.create<arith::CmpIOp>(loc, p, x, y);
    };
    auto select = [&](Value cond, Value x, Value y) -> Value {
      return rewriter.create<arith::SelectOp>(loc, cond, x, y);
    };
    Value total = c(1);
    for (OpFoldResult d : inDims)
      total = rewriter.create<arith::MulIOp>(loc, total, toValue(rewriter, loc, d));
    bool allowZero = op.getAllowzero() != 0;
    Value one = c(1), zero = c(0), minusOne = c(-1);
    SmallVector<Value> sizes;
    Value known = one, inferred = zero;
    for (int64_t i = 0; i < resultType.getRank(); ++i) {
      Value v = extractIndex(rewriter, loc, op.getShape(), i);
      emitCheck(rewriter, loc, cmp(arith::CmpIPredicate::sge, v, minusOne),
                "entry " + Twine(i) + " of the shape is {0}; only -1 may be negative", {v});
      if (!allowZero) {
        Value isZero = cmp(arith::CmpIPredicate::eq, v, zero);
        if (i < type.getRank())
          v = select(isZero, toValue(rewriter, loc, inDims[i]), v);
        else
          emitCheck(rewriter, loc, rewriter.create<arith::XOrIOp>(loc, isZero, rewriter.create<arith::ConstantIntOp>(loc, 1, 1)),
                    "entry " + Twine(i) + " of the shape is 0, but the input has no dim " +
                        Twine(i) + " to copy");
      }
      Value isInferred = cmp(arith::CmpIPredicate::eq, v, minusOne);
      inferred = rewriter.create<arith::AddIOp>(loc, inferred, select(isInferred, one, zero));
      known = rewriter.create<arith::MulIOp>(loc, known, select(isInferred, one, v));
      sizes.push_back(v);
    }
    emitCheck(rewriter, loc, cmp(arith::CmpIPredicate::ule, inferred, one),
              "the shape has {0} entries of -1; at most one is allowed", {inferred});
    // -1 takes total / known; a known product of 0 leaves it undefined.
    Value knownIsZero = cmp(arith::CmpIPredicate::eq, known, zero);
    Value hasInferred = cmp(arith::CmpIPredicate::ne, inferred, zero);
    emitCheck(rewriter, loc,
              rewriter.create<arith::XOrIOp>(
                  loc, rewriter.create<arith::AndIOp>(loc, knownIsZero, hasInferred),
                  rewriter.create<arith::ConstantIntOp>(loc, 1, 1)),
              "cannot infer the -1 entry of a shape that holds a 0");
    Value rest = rewriter.create<arith::DivUIOp>(loc, total, select(knownIsZero, one, known));
    Value count = one;
    for (auto [i, v] : llvm::enumerate(sizes)) {
      v = select(cmp(arith::CmpIPredicate::eq, v, minusOne), rest, v);
      count = rewriter.create<arith::MulIOp>(loc, count, v);
      if (!resultType.isDynamicDim(i)) {
        checkEqual(rewriter, loc, v, rewriter.getIndexAttr(resultType.getDimSize(i)),
                   "dim " + Twine(i) + " of the result is {0}, but the model says {1}");
        dims.push_back(rewriter.getIndexAttr(resultType.getDimSize(i)));
      } else {
        dims.push_back(v);
      }
    }
    // Sizes come from data here: bound them before multiplying them out.
    checkBufferSizes(rewriter, loc, resultType, dims);
    checkEqual(rewriter, loc, total, count,
               "cannot reshape {0} elements into a shape of {1} elements");
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, op.getData(), resultType, dims));
    return success();
  }
};

/// Reshapes whose result dims are input dims (or products of them):
/// Flatten, Squeeze, Unsqueeze.
template <typename OpTy>
struct LowerReshapeLike : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    auto type = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    // (Un)squeeze keeps every non-unit dim in order: map result dims to input
    // dims first, so that a mismatch fails before any op is created.
    SmallVector<int64_t> source;
    if (!isa<FlattenOp>(op.getOperation())) {
      int64_t next = 0;
      for (int64_t i = 0; i < resultType.getRank(); ++i) {
        if (resultType.getDimSize(i) == 1) {
          source.push_back(-1);
          continue;
        }
        while (next < type.getRank() && type.getDimSize(next) == 1)
          ++next;
        if (next >= type.getRank())
          return rewriter.notifyMatchFailure(op, "cannot match dims");
        source.push_back(next++);
      }
    }
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, input), dims;
    if (auto flatten = dyn_cast<FlattenOp>(op.getOperation())) {
      int64_t axis = (int64_t)flatten.getAxis();
      if (axis < 0)
        axis += type.getRank();
      Value outer = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      Value inner = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      for (int64_t i = 0; i < type.getRank(); ++i) {
        Value &acc = i < axis ? outer : inner;
        acc = rewriter.create<arith::MulIOp>(loc, acc, toValue(rewriter, loc, inDims[i]));
      }
      dims = {outer, inner};
    } else {
      for (int64_t from : source)
        dims.push_back(from < 0 ? OpFoldResult(rewriter.getIndexAttr(1)) : inDims[from]);
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, input, resultType, dims));
    return success();
  }
};

struct LowerTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    SmallVector<int64_t> perm;
    if (auto attr = op.getPerm())
      perm.assign(attr->begin(), attr->end());
    else
      for (int64_t i = type.getRank() - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getData()), dims;
    for (int64_t p : perm)
      dims.push_back(inDims[p]);
    Value init = emptyTensor(rewriter, loc, resultType, dims);
    rewriter.replaceOp(op, rewriter.create<linalg::TransposeOp>(loc, op.getData(), init, perm)->getResult(0));
    return success();
  }
};

struct LowerConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType || llvm::any_of(op.getInputs(), [](Value v) { return !isa<RankedTensorType>(v.getType()); }))
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getInputs()[0]);
    for (int64_t d = 0; d < rank; ++d)
      if (!resultType.isDynamicDim(d))
        dims[d] = rewriter.getIndexAttr(resultType.getDimSize(d));
    Value total = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    for (auto [k, input] : llvm::enumerate(op.getInputs())) {
      SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
      for (int64_t d = 0; d < rank; ++d)
        if (d != axis)
          checkEqual(rewriter, loc, inputDims[d], dims[d],
                     "dim " + Twine(d) + " of input " + Twine(k) + " is {0}, but the others have {1}");
      total = rewriter.create<arith::AddIOp>(loc, total, toValue(rewriter, loc, inputDims[axis]));
    }
    dims[axis] = total;
    Value result = emptyTensor(rewriter, loc, resultType, dims);
    Value offset = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    for (Value input : op.getInputs()) {
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> sizes(dims);
      sizes[axis] = getDims(rewriter, loc, input)[axis];
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      // The slice's type knows the dims the result knows (checked above).
      SmallVector<int64_t> sliceShape;
      for (OpFoldResult size : sizes)
        sliceShape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
      auto sliceType = RankedTensorType::get(sliceShape, resultType.getElementType());
      Value source = input;
      if (source.getType() != sliceType)
        source = castChecked(rewriter, loc, source, sliceType);
      result = rewriter.create<tensor::InsertSliceOp>(loc, source, result, offsets, sizes, strides);
      offset = rewriter.create<arith::AddIOp>(loc, offset, rewriter.create<tensor::DimOp>(loc, input, axis));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The first index and element count of a slice of a dim of size `dim` by
/// `step` (non-zero), clamped as ONNX says: negative starts and ends count
/// from the end, then starts clamp to [0, dim] (a positive step) or
/// [0, dim - 1] (a negative one) and ends to [0, dim] or [-1, dim - 1].
std::pair<Value, Value> clampSlice(OpBuilder &b, Location loc, Value dim, Value start, Value end,
                                   Value step) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value forward = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, step, zero);
  auto select = [&](Value c, Value x, Value y) { return b.create<arith::SelectOp>(loc, c, x, y).getResult(); };
  auto clamp = [&](Value v, Value lo, Value hi) {
    // Saturate first so that adding the dim cannot overflow.
    Value big = b.create<arith::ConstantIndexOp>(loc, int64_t(1) << 62);
    v = b.create<arith::MaxSIOp>(loc, b.create<arith::MinSIOp>(loc, v, big), b.create<arith::SubIOp>(loc, zero, big));
    Value negative = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, v, zero);
    v = select(negative, b.create<arith::AddIOp>(loc, v, dim), v);
    return b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, v, lo), hi).getResult();
  };
  Value last = b.create<arith::SubIOp>(loc, dim, one);
  Value minusOne = b.create<arith::ConstantIndexOp>(loc, -1);
  Value s = select(forward, clamp(start, zero, dim), clamp(start, zero, last));
  Value e = select(forward, clamp(end, zero, dim), clamp(end, minusOne, last));
  // count = max(0, ceil((e - s) / step)), for either sign of step.
  Value span = select(forward, b.create<arith::SubIOp>(loc, e, s), b.create<arith::SubIOp>(loc, s, e));
  Value magnitude = select(forward, step, b.create<arith::SubIOp>(loc, zero, step));
  Value count = b.create<arith::DivSIOp>(
      loc, b.create<arith::SubIOp>(loc, b.create<arith::AddIOp>(loc, span, magnitude), one), magnitude);
  count = b.create<arith::MaxSIOp>(loc, count, zero);
  return {s, count};
}

/// Slice with starts, ends, axes and steps constant or read at run time.
/// Constant positive steps make an extract_slice; anything else one gather
/// reading data[start + i * step] along each sliced dim.
struct LowerSlice : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    auto startsType = dyn_cast<RankedTensorType>(op.getStarts().getType());
    if (!type || !resultType || !startsType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    int64_t rank = type.getRank();
    if (startsType.isDynamicDim(0))
      return lowerRuntimeCount(op, rewriter);
    int64_t count = startsType.getDimSize(0);
    checkEqual(rewriter, loc, getDims(rewriter, loc, op.getEnds())[0], m.c(count),
               "ends has {0} entries, starts {1}");
    std::optional<SmallVector<int64_t>> axes, steps;
    if (op.getAxes()) {
      axes = getConstantInts(op.getAxes());
      checkEqual(rewriter, loc, getDims(rewriter, loc, op.getAxes())[0], m.c(count),
                 "axes has {0} entries, starts {1}");
    }
    if (op.getSteps()) {
      steps = getConstantInts(op.getSteps());
      checkEqual(rewriter, loc, getDims(rewriter, loc, op.getSteps())[0], m.c(count),
                 "steps has {0} entries, starts {1}");
    }
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getData());
    SmallVector<Value> offsets(rank), sizes(rank), strides(rank);
    for (int64_t d = 0; d < rank; ++d) {
      offsets[d] = m.value(m.c(0));
      sizes[d] = m.value(inDims[d]);
      strides[d] = m.value(m.c(1));
    }
    Value rankValue = m.value(m.c(rank));
    for (int64_t i = 0; i < count; ++i) {
      Value step = steps ? m.value(m.c((*steps)[i]))
                         : op.getSteps() ? extractIndex(rewriter, loc, op.getSteps(), i) : m.value(m.c(1));
      emitCheck(rewriter, loc, m.cmp(arith::CmpIPredicate::ne, step, m.c(0)), "step " + Twine(i) + " is 0");
      Value start = extractIndex(rewriter, loc, op.getStarts(), i);
      Value end = extractIndex(rewriter, loc, op.getEnds(), i);
      if (!op.getAxes() || axes) {
        int64_t axis = op.getAxes() ? *normalizeAxis((*axes)[i], rank) : i;
        auto [s, n] = clampSlice(rewriter, loc, sizes[axis], start, end, step);
        offsets[axis] = s;
        sizes[axis] = n;
        strides[axis] = step;
        continue;
      }
      // An axis read at run time: the dim it names takes this slice.
      Value raw = extractIndex(rewriter, loc, op.getAxes(), i);
      Value axis = m.value(m.select(m.cmp(arith::CmpIPredicate::slt, raw, m.c(0)), m.add(raw, rankValue), raw));
      emitCheck(rewriter, loc,
                rewriter.create<arith::AndIOp>(loc, m.cmp(arith::CmpIPredicate::sge, axis, m.c(0)),
                                               m.cmp(arith::CmpIPredicate::slt, axis, rankValue)),
                "axis {0} is out of range for rank " + Twine(rank), {raw});
      for (int64_t d = 0; d < rank; ++d) {
        Value here = m.cmp(arith::CmpIPredicate::eq, axis, m.c(d));
        auto [s, n] = clampSlice(rewriter, loc, m.value(inDims[d]), start, end, step);
        offsets[d] = m.value(m.select(here, s, offsets[d]));
        sizes[d] = m.value(m.select(here, n, sizes[d]));
        strides[d] = m.value(m.select(here, step, strides[d]));
      }
    }
    SmallVector<OpFoldResult> dims;
    for (int64_t d = 0; d < rank; ++d) {
      if (!resultType.isDynamicDim(d))
        checkEqual(rewriter, loc, sizes[d], m.c(resultType.getDimSize(d)),
                   "dim " + Twine(d) + " of the result is {0}, but the model says {1}");
      dims.push_back(resultType.isDynamicDim(d) ? OpFoldResult(sizes[d]) : m.c(resultType.getDimSize(d)));
    }
    bool positiveSteps = !op.getSteps() || (steps && llvm::all_of(*steps, [](int64_t v) { return v > 0; }));
    rewriter.replaceOp(op, finish(rewriter, loc, op, dims, offsets, strides,
                                  positiveSteps && (!op.getAxes() || axes)));
    return success();
  }

  /// The slice itself: an extract_slice, or a gather for run-time or
  /// negative steps.
  static Value finish(OpBuilder &b, Location loc, SliceOp op, ArrayRef<OpFoldResult> dims,
                      ArrayRef<Value> offsets, ArrayRef<Value> strides, bool asSlice) {
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    Value slice;
    if (asSlice) {
      SmallVector<OpFoldResult> o(offsets.begin(), offsets.end()), st(strides.begin(), strides.end());
      slice = b.create<tensor::ExtractSliceOp>(loc, op.getData(), o, dims, st);
    } else {
      Value data = op.getData();
      slice = buildParallelGeneric(b, loc, {}, {}, emptyTensor(b, loc, resultType, dims),
                                   [&](OpBuilder &nb, Location l, ValueRange) -> Value {
                                     SmallVector<Value> at;
                                     for (int64_t d = 0; d < rank; ++d)
                                       at.push_back(nb.create<arith::AddIOp>(
                                           l, offsets[d], nb.create<arith::MulIOp>(l, nb.create<linalg::IndexOp>(l, d), strides[d])));
                                     return nb.create<tensor::ExtractOp>(l, data, at);
                                   });
    }
    if (slice.getType() != resultType)
      slice = castChecked(b, loc, slice, resultType);
    return slice;
  }

  /// starts of a length only known at run time: for each dim, a loop over
  /// the entries finds the one naming it (by axes, or by position).
  LogicalResult lowerRuntimeCount(SliceOp op, PatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    auto type = cast<RankedTensorType>(op.getData().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    Value count = m.value(getDims(rewriter, loc, op.getStarts())[0]);
    checkEqual(rewriter, loc, getDims(rewriter, loc, op.getEnds())[0], count, "ends has {0} entries, starts {1}");
    if (op.getAxes())
      checkEqual(rewriter, loc, getDims(rewriter, loc, op.getAxes())[0], count, "axes has {0} entries, starts {1}");
    else
      emitCheck(rewriter, loc, m.cmp(arith::CmpIPredicate::sle, count, m.c(rank)),
                "starts has {0} entries for a rank of " + Twine(rank), {count});
    if (op.getSteps())
      checkEqual(rewriter, loc, getDims(rewriter, loc, op.getSteps())[0], count, "steps has {0} entries, starts {1}");
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getData()), dims;
    SmallVector<Value> offsets, strides;
    Value zero = m.value(m.c(0)), one = m.value(m.c(1)), rankValue = m.value(m.c(rank));
    for (int64_t d = 0; d < rank; ++d) {
      Value dim = m.value(inDims[d]);
      auto loop = rewriter.create<scf::ForOp>(
          loc, zero, count, one, ValueRange{zero, dim, one},
          [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
            Value axis = i;
            if (op.getAxes()) {
              Value raw = toIndex(b, l, b.create<tensor::ExtractOp>(l, op.getAxes(), i));
              Value negative = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, raw, zero);
              axis = b.create<arith::SelectOp>(l, negative, b.create<arith::AddIOp>(l, raw, rankValue), raw);
            }
            Value step = op.getSteps() ? toIndex(b, l, b.create<tensor::ExtractOp>(l, op.getSteps(), i)) : one;
            if (d == 0) {
              Value valid = b.create<arith::AndIOp>(l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, axis, zero),
                                                    b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, axis, rankValue));
              emitCheck(b, l, valid, "an axis is out of range for rank " + Twine(rank));
              emitCheck(b, l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, step, zero), "a step is 0");
            }
            Value safeStep = b.create<arith::SelectOp>(l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, step, zero), one, step);
            Value start = toIndex(b, l, b.create<tensor::ExtractOp>(l, op.getStarts(), i));
            Value end = toIndex(b, l, b.create<tensor::ExtractOp>(l, op.getEnds(), i));
            auto [s, n] = clampSlice(b, l, dim, start, end, safeStep);
            Value here = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, axis, b.create<arith::ConstantIndexOp>(l, d));
            b.create<scf::YieldOp>(l, ValueRange{b.create<arith::SelectOp>(l, here, s, acc[0]),
                                                 b.create<arith::SelectOp>(l, here, n, acc[1]),
                                                 b.create<arith::SelectOp>(l, here, safeStep, acc[2])});
          });
      offsets.push_back(loop.getResult(0));
      strides.push_back(loop.getResult(2));
      Value size = loop.getResult(1);
      if (!resultType.isDynamicDim(d))
        checkEqual(rewriter, loc, size, m.c(resultType.getDimSize(d)),
                   "dim " + Twine(d) + " of the result is {0}, but the model says {1}");
      dims.push_back(resultType.isDynamicDim(d) ? OpFoldResult(size) : m.c(resultType.getDimSize(d)));
    }
    rewriter.replaceOp(op, finish(rewriter, loc, op, dims, offsets, strides, false));
    return success();
  }
};

/// Split into the sizes of the split operand (constant or read at run time,
/// checked to sum to the dim), or into equal parts (the last one smaller).
struct LowerSplit : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    IndexMath m{rewriter, loc};
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getInput());
    OpFoldResult dim = dims[axis];
    int64_t n = op.getNumResults();
    std::optional<SmallVector<int64_t>> constant;
    if (op.getSplit()) {
      constant = getConstantInts(op.getSplit());
      checkEqual(rewriter, loc, getDims(rewriter, loc, op.getSplit())[0], m.c(n),
                 "split has {0} sizes for {1} outputs");
    }
    SmallVector<OpFoldResult> sizes;
    OpFoldResult total = m.c(0);
    for (int64_t i = 0; i < n; ++i) {
      OpFoldResult size;
      if (constant)
        size = m.c((*constant)[i]);
      else if (op.getSplit())
        size = extractIndex(rewriter, loc, op.getSplit(), i);
      else // ceil(dim / n) each, the rest for the last
        size = m.max(m.c(0), m.min(m.ceilDiv(dim, n), m.sub(dim, m.mul(m.ceilDiv(dim, n), m.c(i)))));
      if (op.getSplit() && !constant)
        checkNonNegative(rewriter, loc, m.value(size), "split size " + Twine(i) + " is {0}");
      sizes.push_back(size);
      total = m.add(total, size);
    }
    if (op.getSplit())
      checkEqual(rewriter, loc, total, dim, "the split sizes sum to {0}, the dim is {1}");
    OpFoldResult offset = m.c(0);
    SmallVector<Value> results;
    for (int64_t i = 0; i < n; ++i) {
      SmallVector<OpFoldResult> offsets(rank, m.c(0)), partSizes(dims);
      SmallVector<OpFoldResult> strides(rank, m.c(1));
      offsets[axis] = offset;
      partSizes[axis] = sizes[i];
      auto resultType = cast<RankedTensorType>(op.getResult(i).getType());
      for (int64_t d = 0; d < rank; ++d)
        if (!resultType.isDynamicDim(d) && d == axis)
          checkEqual(rewriter, loc, partSizes[d], m.c(resultType.getDimSize(d)),
                     "output " + Twine(i) + " has {0} elements along the axis, the model says {1}");
      Value slice = rewriter.create<tensor::ExtractSliceOp>(loc, op.getInput(), offsets, partSizes, strides);
      if (slice.getType() != resultType)
        slice = castChecked(rewriter, loc, slice, resultType);
      results.push_back(slice);
      offset = m.add(offset, sizes[i]);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerGather : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op, PatternRewriter &rewriter) const override {
    auto dataType = dyn_cast<RankedTensorType>(op.getData().getType());
    auto indicesType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!dataType || !indicesType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t rank = dataType.getRank(), q = indicesType.getRank();
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), rank);
    SmallVector<OpFoldResult> dataDims = getDims(rewriter, loc, op.getData());
    SmallVector<OpFoldResult> indexDims = getDims(rewriter, loc, op.getIndices());
    SmallVector<OpFoldResult> dims(dataDims.begin(), dataDims.begin() + axis);
    dims.append(indexDims.begin(), indexDims.end());
    dims.append(dataDims.begin() + axis + 1, dataDims.end());
    int64_t outRank = resultType.getRank();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t i = 0; i < q; ++i)
      indexExprs.push_back(getAffineDimExpr(axis + i, ctx));
    Value data = op.getData();
    Value axisDim = toValue(rewriter, loc, dataDims[axis]);
    Value result = buildParallelGeneric(
        rewriter, loc, op.getIndices(), AffineMap::get(outRank, 0, indexExprs, ctx),
        emptyTensor(rewriter, loc, resultType, dims), [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          // Negative indices count from the end. An index out of range is
          // reported at run time (the runtime fails the run with this
          // message) and clamped meanwhile, so no read leaves the data.
          Value index = toIndex(b, l, a[0]);
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          Value negative = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, index, zero);
          index = b.create<arith::SelectOp>(l, negative, b.create<arith::AddIOp>(l, index, axisDim), index);
          Value inRange = b.create<arith::AndIOp>(
              l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, index, zero),
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, index, axisDim));
          b.create<cf::AssertOp>(l, inRange,
                                 graph::describeNode(op.getLoc()) +
                                     ": an index is outside [-n, n) for the data's dim " +
                                     std::to_string(axis) + " of size n");
          index = b.create<arith::SelectOp>(l, inRange, index, zero);
          SmallVector<Value> coords;
          for (int64_t i = 0; i < axis; ++i)
            coords.push_back(b.create<linalg::IndexOp>(l, i));
          coords.push_back(index);
          for (int64_t i = axis + 1; i < rank; ++i)
            coords.push_back(b.create<linalg::IndexOp>(l, i - 1 + q));
          return b.create<tensor::ExtractOp>(l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Expand broadcasts both ways: each result dim is the shape's entry, or
/// the input's dim where the entry is 1; the input's dims must then be 1 or
/// that size (checked by broadcastOperands).
struct LowerExpand : OpRewritePattern<ExpandOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExpandOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    auto shapeType = dyn_cast<RankedTensorType>(op.getShape().getType());
    if (!type || !resultType || !shapeType || shapeType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "needs a shape of known length");
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    int64_t shapeOffset = rank - shapeType.getDimSize(0);
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getInput()), dims;
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    for (int64_t i = 0; i < rank; ++i) {
      int64_t j = i - (rank - type.getRank());
      Value target = i >= shapeOffset ? extractIndex(rewriter, loc, op.getShape(), i - shapeOffset)
                                      : one;
      Value dim = target;
      if (j >= 0) {
        Value isOne = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, target, one);
        dim = rewriter.create<arith::SelectOp>(loc, isOne, toValue(rewriter, loc, inDims[j]),
                                               target);
      }
      if (!resultType.isDynamicDim(i)) {
        checkEqual(rewriter, loc, dim, rewriter.getIndexAttr(resultType.getDimSize(i)),
                   "dim " + Twine(i) + " of the result is {0}, but the model says {1}");
        dims.push_back(rewriter.getIndexAttr(resultType.getDimSize(i)));
      } else {
        dims.push_back(dim);
      }
    }
    Broadcast broadcast = broadcastOperands(rewriter, loc, op.getInput(), resultType, 0, dims);
    rewriter.replaceOp(op, buildParallelGeneric(rewriter, loc, broadcast.operands,
                                                broadcastMap(getContext(), type, resultType),
                                                emptyTensor(rewriter, loc, resultType, dims),
                                                [](OpBuilder &, Location, ValueRange a) { return a[0]; }));
    return success();
  }
};

struct LowerShape : OpRewritePattern<ShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ShapeOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    auto clamp = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
    int64_t start = clamp((int64_t)op.getStart());
    int64_t end = clamp(op.getEnd() ? (int64_t)*op.getEnd() : rank);
    SmallVector<Value> values;
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getData());
    for (int64_t i = start; i < end; ++i)
      values.push_back(rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(),
                                                           toValue(rewriter, loc, dims[i])));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), values);
    return success();
  }
};

struct LowerSize : OpRewritePattern<SizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SizeOp op, PatternRewriter &rewriter) const override {
    if (!isa<RankedTensorType>(op.getData().getType()))
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    Value count = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    for (OpFoldResult d : getDims(rewriter, loc, op.getData()))
      count = rewriter.create<arith::MulIOp>(loc, count, toValue(rewriter, loc, d));
    Value size = rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), count);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), size);
    return success();
  }
};

struct LowerConstantOfShape : OpRewritePattern<ConstantOfShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConstantOfShapeOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    auto dense = dyn_cast_or_null<DenseElementsAttr>(op.getValueAttr());
    if (op.getValueAttr() && !dense)
      return rewriter.notifyMatchFailure(op, "value is not dense");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> dims;
    for (int64_t i = 0; i < resultType.getRank(); ++i)
      dims.push_back(resultType.isDynamicDim(i) ? OpFoldResult(extractIndex(rewriter, loc, op.getInput(), i))
                                                : rewriter.getIndexAttr(resultType.getDimSize(i)));
    Value value;
    if (dense) {
      value = rewriter.create<arith::ConstantOp>(loc, cast<TypedAttr>(dense.getValues<Attribute>()[0]));
    } else {
      value = scalarConstant(rewriter, loc, resultType.getElementType(), 0);
    }
    rewriter.replaceOp(op, rewriter.create<linalg::FillOp>(loc, value, emptyTensor(rewriter, loc, resultType, dims))
                               .getResult(0));
    return success();
  }
};

struct LowerRange : OpRewritePattern<RangeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RangeOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    Type element = resultType.getElementType();
    bool isFloat = isa<FloatType>(element);
    // Scalars; a one-element tensor of rank 1 is read the same way.
    Value inputs[3] = {op.getStart(), op.getLimit(), op.getDelta()};
    for (Value v : inputs) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type || type.getRank() > 1)
        return rewriter.notifyMatchFailure(op, "needs scalar start, limit and delta");
      if (type.getRank() == 1)
        checkEqual(rewriter, loc, getDims(rewriter, loc, v)[0], rewriter.getIndexAttr(1),
                   "start, limit and delta must be scalars; one has {0} elements");
    }
    auto scalar = [&](Value v) -> Value {
      SmallVector<Value> at(cast<RankedTensorType>(v.getType()).getRank(),
                            rewriter.create<arith::ConstantIndexOp>(loc, 0));
      return rewriter.create<tensor::ExtractOp>(loc, v, at);
    };
    Value start = scalar(inputs[0]), limit = scalar(inputs[1]), delta = scalar(inputs[2]);
    OpFoldResult count;
    if (!resultType.isDynamicDim(0)) {
      count = rewriter.getIndexAttr(resultType.getDimSize(0));
    } else {
      // max(ceil((limit - start) / delta), 0), with delta != 0 checked.
      Value n;
      if (isFloat) {
        Value zero = scalarConstant(rewriter, loc, element, 0);
        Value nonzero = rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::ONE, delta, zero);
        emitCheck(rewriter, loc, nonzero, "delta is 0");
        Value q = rewriter.create<arith::DivFOp>(loc, rewriter.create<arith::SubFOp>(loc, limit, start), delta);
        q = rewriter.create<math::CeilOp>(loc, q);
        // A count beyond 2^62 (or NaN) cannot be a buffer: checked before the cast.
        Value big = scalarConstant(rewriter, loc, element, 4.611686018427388e18);
        Value fits = rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, q, big);
        Value isNan = rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, q, q);
        emitCheck(rewriter, loc,
                  rewriter.create<arith::AndIOp>(loc, fits, rewriter.create<arith::XOrIOp>(loc, isNan, rewriter.create<arith::ConstantIntOp>(loc, 1, 1))),
                  "the range holds too many elements");
        q = rewriter.create<arith::SelectOp>(loc, fits, q, scalarConstant(rewriter, loc, element, 0));
        n = rewriter.create<arith::FPToSIOp>(loc, rewriter.getI64Type(), q);
      } else {
        Type wide = rewriter.getI64Type();
        Value zero = scalarConstant(rewriter, loc, wide, 0);
        Value s = castScalar(rewriter, loc, start, wide), l = castScalar(rewriter, loc, limit, wide);
        Value d = castScalar(rewriter, loc, delta, wide);
        emitCheck(rewriter, loc, rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, d, zero),
                  "delta is 0");
        // ceil(span / d) for either sign: (span + d - sign(d)) / d, span and
        // d of one sign (else the count is 0 anyway).
        Value span = rewriter.create<arith::SubIOp>(loc, l, s);
        Value positive = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, d, zero);
        Value sign = rewriter.create<arith::SelectOp>(loc, positive, scalarConstant(rewriter, loc, wide, 1),
                                                      scalarConstant(rewriter, loc, wide, -1));
        Value safe = rewriter.create<arith::SelectOp>(
            loc, rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, d, zero),
            scalarConstant(rewriter, loc, wide, 1), d);
        Value adjusted = rewriter.create<arith::SubIOp>(loc, rewriter.create<arith::AddIOp>(loc, span, safe), sign);
        n = rewriter.create<arith::DivSIOp>(loc, adjusted, safe);
      }
      Value idx = toIndex(rewriter, loc, n);
      count = rewriter.create<arith::MaxSIOp>(loc, idx, rewriter.create<arith::ConstantIndexOp>(loc, 0)).getResult();
    }
    Value init = emptyTensor(rewriter, loc, resultType, {count});
    Value result = buildParallelGeneric(rewriter, loc, {}, {}, init, [&](OpBuilder &b, Location l, ValueRange) -> Value {
      Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(), b.create<linalg::IndexOp>(l, 0));
      Value iv = castScalar(b, l, i, element);
      return isFloat ? b.create<arith::AddFOp>(l, start, b.create<arith::MulFOp>(l, iv, delta)).getResult()
                     : b.create<arith::AddIOp>(l, start, b.create<arith::MulIOp>(l, iv, delta)).getResult();
    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Pad in every mode, pads (negative ones crop) and axes read at run time
/// when they are not constants. Constant padding by constant, non-negative
/// pads is a fill and an insert; everything else one gather over the output
/// that maps each position back into the input: the value (constant), the
/// nearest edge (edge), a mirror without repeating the edge (reflect), or
/// the opposite side (wrap), any number of times over.
struct LowerPad : OpRewritePattern<PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PadOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    auto padsType = dyn_cast<RankedTensorType>(op.getPads().getType());
    if (!type || !resultType || !padsType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    // Which dims the pads apply to: axes (constant or not), else all.
    int64_t count = rank;
    if (Value axes = op.getAxes()) {
      auto axesType = dyn_cast<RankedTensorType>(axes.getType());
      if (!axesType || axesType.isDynamicDim(0))
        return rewriter.notifyMatchFailure(op, "needs axes of known length");
      count = axesType.getDimSize(0);
    }
    if (!padsType.isDynamicDim(0) && padsType.getDimSize(0) != 2 * count)
      return rewriter.notifyMatchFailure(op, "pads must hold two entries per axis");
    checkEqual(rewriter, loc, getDims(rewriter, loc, op.getPads())[0], rewriter.getIndexAttr(2 * count),
               "pads has {0} entries; expected {1} (two per padded axis)");
    IndexMath m{rewriter, loc};
    SmallVector<OpFoldResult> low(rank, m.c(0)), high(rank, m.c(0));
    auto constantAxes = op.getAxes() ? getConstantInts(op.getAxes()) : std::nullopt;
    auto constantPads = getConstantInts(op.getPads());
    auto padAt = [&](int64_t i) -> OpFoldResult {
      if (constantPads)
        return m.c((*constantPads)[i]);
      return extractIndex(rewriter, loc, op.getPads(), i);
    };
    Value rankValue = rewriter.create<arith::ConstantIndexOp>(loc, rank);
    for (int64_t i = 0; i < count; ++i) {
      if (!op.getAxes() || constantAxes) {
        int64_t axis = op.getAxes() ? *normalizeAxis((*constantAxes)[i], rank) : i;
        low[axis] = padAt(i);
        high[axis] = padAt(i + count);
        continue;
      }
      // An axis read at run time: every dim takes the pads that name it.
      Value raw = extractIndex(rewriter, loc, op.getAxes(), i);
      Value negative = m.cmp(arith::CmpIPredicate::slt, raw, m.c(0));
      Value axis = m.value(m.select(negative, m.add(raw, rankValue), raw));
      emitCheck(rewriter, loc,
                rewriter.create<arith::AndIOp>(loc, m.cmp(arith::CmpIPredicate::sge, axis, m.c(0)),
                                               m.cmp(arith::CmpIPredicate::slt, axis, rankValue)),
                "axis {0} is out of range for rank " + Twine(rank), {raw});
      for (int64_t d = 0; d < rank; ++d) {
        Value here = m.cmp(arith::CmpIPredicate::eq, axis, m.c(d));
        low[d] = m.select(here, padAt(i), low[d]);
        high[d] = m.select(here, padAt(i + count), high[d]);
      }
    }
    Type element = type.getElementType();
    Value value = op.getConstantValue()
                      ? rewriter.create<tensor::ExtractOp>(loc, op.getConstantValue(), ValueRange{}).getResult()
                      : scalarConstant(rewriter, loc, element, 0);
    StringRef mode = op.getMode();
    auto isConstantNonNegative = [](OpFoldResult p) {
      std::optional<int64_t> v = getConstantIntValue(p);
      return v && *v >= 0;
    };
    Value padded;
    if (mode == "constant" && llvm::all_of(low, isConstantNonNegative) &&
        llvm::all_of(high, isConstantNonNegative)) {
      padded = padWithValue(rewriter, loc, op.getData(), low, high, value);
    } else {
      padded = gatherPadded(rewriter, loc, op.getData(), resultType, low, high, mode, value);
    }
    if (padded.getType() != resultType)
      padded = castChecked(rewriter, loc, padded, resultType);
    rewriter.replaceOp(op, padded);
    return success();
  }

  static Value gatherPadded(OpBuilder &b, Location loc, Value data, RankedTensorType resultType,
                            ArrayRef<OpFoldResult> low, ArrayRef<OpFoldResult> high, StringRef mode,
                            Value value) {
    IndexMath m{b, loc};
    int64_t rank = resultType.getRank();
    SmallVector<OpFoldResult> in = getDims(b, loc, data), dims;
    for (int64_t d = 0; d < rank; ++d) {
      OpFoldResult size = m.add(m.add(in[d], low[d]), high[d]);
      if (!resultType.isDynamicDim(d)) {
        checkEqual(b, loc, size, m.c(resultType.getDimSize(d)),
                   "dim " + Twine(d) + " of the result is {0}, but the model says {1}");
        size = m.c(resultType.getDimSize(d));
      }
      dims.push_back(size);
      if (mode != "constant") {
        // Edge, reflect and wrap read the input: an empty dim cannot be padded.
        Value grows = m.cmp(arith::CmpIPredicate::sgt, size, in[d]);
        Value empty = m.cmp(arith::CmpIPredicate::eq, in[d], m.c(0));
        emitCheck(b, loc, b.create<arith::XOrIOp>(loc, b.create<arith::AndIOp>(loc, grows, empty),
                                                  b.create<arith::ConstantIntOp>(loc, 1, 1)),
                  "cannot pad dim " + Twine(d) + " of size 0 in " + mode + " mode");
      }
    }
    SmallVector<Value> lowValues, inValues;
    for (int64_t d = 0; d < rank; ++d) {
      lowValues.push_back(m.value(low[d]));
      inValues.push_back(m.value(in[d]));
    }
    std::string padMode = mode.str();
    return buildParallelGeneric(
        b, loc, {}, {}, emptyTensor(b, loc, resultType, dims),
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          Value zero = nb.create<arith::ConstantIndexOp>(l, 0), one = nb.create<arith::ConstantIndexOp>(l, 1);
          Value inside = nb.create<arith::ConstantIntOp>(l, 1, 1);
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d) {
            Value i = nb.create<arith::SubIOp>(l, nb.create<linalg::IndexOp>(l, d), lowValues[d]);
            Value n = inValues[d];
            Value last = nb.create<arith::SubIOp>(l, n, one);
            Value within = nb.create<arith::AndIOp>(l, nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, i, zero),
                                                    nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, n));
            inside = nb.create<arith::AndIOp>(l, inside, within);
            Value safeN = nb.create<arith::MaxSIOp>(l, n, one);
            if (padMode == "reflect") {
              // Fold onto [0, 2(n - 1)), then mirror the upper half.
              Value period = nb.create<arith::MaxSIOp>(l, nb.create<arith::MulIOp>(l, last, nb.create<arith::ConstantIndexOp>(l, 2)), one);
              Value j = nb.create<arith::RemSIOp>(l, i, period);
              j = nb.create<arith::SelectOp>(l, nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, j, zero),
                                             nb.create<arith::AddIOp>(l, j, period), j);
              i = nb.create<arith::SelectOp>(l, nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sgt, j, last),
                                             nb.create<arith::SubIOp>(l, period, j), j);
            } else if (padMode == "wrap") {
              Value j = nb.create<arith::RemSIOp>(l, i, safeN);
              i = nb.create<arith::SelectOp>(l, nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, j, zero),
                                             nb.create<arith::AddIOp>(l, j, safeN), j);
            }
            // Edge (and every mode, to stay in bounds): clamp.
            i = nb.create<arith::MinSIOp>(l, nb.create<arith::MaxSIOp>(l, i, zero),
                                          nb.create<arith::MaxSIOp>(l, last, zero));
            at.push_back(i);
          }
          Value v = nb.create<tensor::ExtractOp>(l, data, at);
          if (padMode == "constant")
            v = nb.create<arith::SelectOp>(l, inside, v, value);
          return v;
        });
  }
};

struct LowerTile : OpRewritePattern<TileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TileOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getInput()), dims;
    for (int64_t i = 0; i < rank; ++i)
      dims.push_back(rewriter.create<arith::MulIOp>(loc, toValue(rewriter, loc, inDims[i]),
                                                    extractIndex(rewriter, loc, op.getRepeats(), i))
                         .getResult());
    Value input = op.getInput();
    Value result = buildParallelGeneric(
        rewriter, loc, {}, {}, emptyTensor(rewriter, loc, resultType, dims),
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> coords;
          for (int64_t i = 0; i < rank; ++i)
            coords.push_back(b.create<arith::RemSIOp>(l, b.create<linalg::IndexOp>(l, i),
                                                      toValue(b, l, inDims[i])));
          return b.create<tensor::ExtractOp>(l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerTrilu : OpRewritePattern<TriluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TriluOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "needs rank >= 2");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    Value k = op.getK() ? toIndex(rewriter, loc, rewriter.create<tensor::ExtractOp>(loc, op.getK(), ValueRange{}))
                        : rewriter.create<arith::ConstantIndexOp>(loc, 0).getResult();
    bool upper = op.getUpper() != 0;
    Value result = mapUnary(
        rewriter, loc, op.getInput(), [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          // Keep (row, col) where col - row >= k (upper) or col - row <= k (lower).
          Value row = b.create<linalg::IndexOp>(l, rank - 2), col = b.create<linalg::IndexOp>(l, rank - 1);
          Value diff = b.create<arith::SubIOp>(l, col, row);
          Value keep = b.create<arith::CmpIOp>(l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
                                               diff, k);
          return b.create<arith::SelectOp>(l, keep, a[0], scalarConstant(b, l, a[0].getType(), 0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDataMovementToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerConstant, LowerReshape, LowerReshapeLike<FlattenOp>, LowerReshapeLike<SqueezeOp>,
               LowerReshapeLike<UnsqueezeOp>, LowerTranspose, LowerConcat, LowerSlice, LowerSplit,
               LowerGather, LowerExpand, LowerShape, LowerSize, LowerConstantOfShape, LowerRange, LowerPad,
               LowerTile, LowerTrilu>(patterns.getContext());
}

} // namespace ingot::lowering
