//===- LowerSignal.cpp - DFT and Col2Im -----------------------------------===//
//
// DFT: each output frequency k sums x[n] * e^(-+2 pi i k n / N) over the N
// samples of the signal axis (zero past the input's end when dft_length is
// longer, cut when shorter), in f64 with k n reduced mod N so the twiddle
// stays exact for long signals; the inverse divides by N. One-sided
// outputs keep the first N / 2 + 1 frequencies.
//
// Col2Im: the inverse of im2col, summing every column entry into the image
// pixel it came from: a gather over the image and the kernel offsets, as
// ConvTranspose reads its input.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"


using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

struct LowerDFT : OpRewritePattern<DFTOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DFTOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !resultType)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    int64_t rank = xType.getRank();
    std::optional<int64_t> axis = dftAxis(op.getAxis(), rank);
    if (!axis && !isa<RankedTensorType>(op.getAxis().getType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked axis");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    IndexMath m{rewriter, loc};
    SmallVector<OpFoldResult> xDims = getDims(rewriter, loc, op.getInput());
    // The signal axis, a constant or read at run time (and checked).
    Value axisValue;
    if (axis) {
      axisValue = m.value(m.c(*axis));
    } else {
      auto type = cast<RankedTensorType>(op.getAxis().getType());
      SmallVector<Value> at(type.getRank(), rewriter.create<arith::ConstantIndexOp>(loc, 0));
      Value raw = toIndex(rewriter, loc, rewriter.create<tensor::ExtractOp>(loc, op.getAxis(), at));
      Value negative = m.cmp(arith::CmpIPredicate::slt, raw, m.c(0));
      axisValue = m.value(m.select(negative, m.add(raw, m.c(rank)), raw));
      Value inRange = rewriter.create<arith::AndIOp>(loc, m.cmp(arith::CmpIPredicate::sge, axisValue, m.c(0)),
                                                     m.cmp(arith::CmpIPredicate::sle, axisValue, m.c(rank - 2)));
      emitCheck(rewriter, loc, inRange, "axis is {0}; expected one in [" + Twine(-rank) + ", -2] or [0, " +
                                            Twine(rank - 2) + "]", {raw});
    }
    auto isAxis = [&](OpBuilder &b, Location l, int64_t d) -> Value {
      if (axis)
        return b.create<arith::ConstantIntOp>(l, d == *axis, 1);
      return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, axisValue, b.create<arith::ConstantIndexOp>(l, d));
    };
    auto alongAxis = [&](ArrayRef<OpFoldResult> dims) -> OpFoldResult {
      if (axis)
        return dims[*axis];
      OpFoldResult v = dims[0];
      for (int64_t d = 1; d < rank - 1; ++d)
        v = m.select(isAxis(rewriter, loc, d), dims[d], v);
      return v;
    };
    bool onesided = op.getOnesided() != 0, inverse = op.getInverse() != 0;
    // The inverse of one-sided bins (irfft): N real samples from the
    // Hermitian spectrum they describe, N = 2 (bins - 1) by default.
    bool fromHalf = onesided && inverse;
    OpFoldResult inLength = alongAxis(xDims);
    OpFoldResult n = fromHalf ? m.mul(m.sub(inLength, m.c(1)), m.c(2)) : inLength;
    if (Value length = op.getDftLength()) {
      auto type = cast<RankedTensorType>(length.getType());
      SmallVector<Value> at(type.getRank(), rewriter.create<arith::ConstantIndexOp>(loc, 0));
      Value value = toIndex(rewriter, loc, rewriter.create<tensor::ExtractOp>(loc, length, at));
      emitCheck(rewriter, loc, rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, value, m.value(m.c(0))),
                "dft_length is {0}; it must be positive", {value});
      n = value;
    }
    // Real ([..., 1]) or complex ([..., 2]) input, perhaps only known at run time.
    OpFoldResult parts = xDims[rank - 1];
    Value isComplex = m.cmp(arith::CmpIPredicate::eq, parts, m.c(2));
    emitCheck(rewriter, loc, rewriter.create<arith::OrIOp>(loc, isComplex, m.cmp(arith::CmpIPredicate::eq, parts, m.c(1))),
              "the input's last dim is {0}; expected 1 (real) or 2 (complex)", {m.value(parts)});
    SmallVector<OpFoldResult> outDims(xDims);
    OpFoldResult bins = onesided && !inverse ? m.add(m.floorDiv(n, 2), m.c(1)) : n;
    for (int64_t d = 0; d < rank - 1; ++d)
      if (!axis || d == *axis)
        outDims[d] = axis ? bins : m.select(isAxis(rewriter, loc, d), bins, xDims[d]);
    outDims[rank - 1] = m.c(fromHalf ? 1 : 2);
    Type element = resultType.getElementType();
    Type f64 = rewriter.getF64Type();
    auto accType = RankedTensorType::get(resultType.getShape(), f64);
    Value init = rewriter.create<linalg::FillOp>(loc, scalarConstant(rewriter, loc, f64, 0),
                                                 emptyTensor(rewriter, loc, accType, outDims))
                     .getResult(0);
    // Loops: the output's dims, then the samples n (reduction).
    Value samples = rewriter.create<tensor::EmptyOp>(loc, SmallVector<OpFoldResult>{n}, f64);
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, ctx)}, ctx),
                                AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value x = op.getInput(), nValue = m.value(n), inValue = m.value(inLength);
    Value sum =
        rewriter
            .create<linalg::GenericOp>(
                loc, accType, ValueRange{samples}, init, maps, iterators,
                [&](OpBuilder &b, Location l, ValueRange a) {
                  auto c = [&](double v) { return scalarConstant(b, l, f64, v); };
                  Value zero = b.create<arith::ConstantIndexOp>(l, 0), one = b.create<arith::ConstantIndexOp>(l, 1);
                  Value sample = b.create<linalg::IndexOp>(l, rank);
                  Value k = zero;
                  for (int64_t d = 0; d < rank - 1; ++d)
                    k = b.create<arith::SelectOp>(l, isAxis(b, l, d), b.create<linalg::IndexOp>(l, d), k);
                  Value part = fromHalf ? zero : b.create<linalg::IndexOp>(l, rank - 1).getResult();
                  // Bins past N / 2 of a one-sided spectrum are the conjugates
                  // of their mirrors.
                  Value source = sample, mirrored;
                  if (fromHalf) {
                    Value half = b.create<arith::DivUIOp>(l, nValue, b.create<arith::ConstantIndexOp>(l, 2));
                    mirrored = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ugt, sample, half);
                    source = b.create<arith::SelectOp>(l, mirrored, b.create<arith::SubIOp>(l, nValue, sample), sample);
                  }
                  // A sample past the input's end is 0.
                  Value inside = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, source, inValue);
                  SmallVector<Value> at;
                  for (int64_t d = 0; d < rank; ++d)
                    at.push_back(b.create<arith::SelectOp>(l, isAxis(b, l, d),
                                                           b.create<arith::SelectOp>(l, inside, source, zero),
                                                           b.create<linalg::IndexOp>(l, d)));
                  at[rank - 1] = zero;
                  auto read = [&](ArrayRef<Value> where) {
                    Value v = castScalar(b, l, b.create<tensor::ExtractOp>(l, x, where), f64);
                    return b.create<arith::SelectOp>(l, inside, v, c(0)).getResult();
                  };
                  Value re = read(at), im = c(0);
                  at[rank - 1] = b.create<arith::SelectOp>(l, isComplex, one, zero);
                  im = b.create<arith::SelectOp>(l, isComplex, read(at), c(0));
                  if (mirrored)
                    im = b.create<arith::SelectOp>(l, mirrored, b.create<arith::NegFOp>(l, im), im);
                  // theta = 2 pi (k n mod N) / N
                  Value kn = b.create<arith::RemUIOp>(l, b.create<arith::MulIOp>(l, k, sample), nValue);
                  auto toF64 = [&](Value i) {
                    return b.create<arith::SIToFPOp>(l, f64, b.create<arith::IndexCastOp>(l, b.getI64Type(), i));
                  };
                  Value theta = b.create<arith::DivFOp>(l, b.create<arith::MulFOp>(l, c(6.283185307179586476925287), toF64(kn)),
                                                        toF64(nValue));
                  Value cos = b.create<math::CosOp>(l, theta), sin = b.create<math::SinOp>(l, theta);
                  if (!inverse)
                    sin = b.create<arith::NegFOp>(l, sin);
                  // (re + i im)(cos + i sin)
                  Value real = b.create<arith::SubFOp>(l, b.create<arith::MulFOp>(l, re, cos), b.create<arith::MulFOp>(l, im, sin));
                  Value imag = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, re, sin), b.create<arith::MulFOp>(l, im, cos));
                  Value isImag = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, part, one);
                  Value term = b.create<arith::SelectOp>(l, isImag, imag, real);
                  b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, a[1], term)});
                })
            .getResult(0);
    Value result = mapUnaryTo(rewriter, loc, sum, element, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      Value v = a[0];
      if (inverse)
        v = b.create<arith::DivFOp>(l, v, b.create<arith::SIToFPOp>(l, f64, b.create<arith::IndexCastOp>(l, b.getI64Type(), nValue)));
      return castScalar(b, l, v, element);
    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerCol2Im : OpRewritePattern<Col2ImOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Col2ImOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    auto imageType = dyn_cast<RankedTensorType>(op.getImageShape().getType());
    auto blockType = dyn_cast<RankedTensorType>(op.getBlockShape().getType());
    if (!xType || !resultType || !imageType || !blockType || imageType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "needs an image_shape of known length");
    int64_t spatial = imageType.getDimSize(0);
    auto fits = [&](std::optional<ArrayRef<int64_t>> a, int64_t n) { return !a || (int64_t)a->size() == n; };
    if (!fits(op.getStrides(), spatial) || !fits(op.getDilations(), spatial) || !fits(op.getPads(), 2 * spatial))
      return rewriter.notifyMatchFailure(op, "needs strides, dilations and pads for every image dim");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    IndexMath m{rewriter, loc};
    checkEqual(rewriter, loc, getDims(rewriter, loc, op.getBlockShape())[0], m.c(spatial),
               "block_shape has {0} entries for an image of {1} dims");
    auto attr = [&](std::optional<ArrayRef<int64_t>> a, int64_t i, int64_t fallback) { return a ? (*a)[i] : fallback; };
    // Image and block sizes: constants where the model has them, else read.
    auto entry = [&](Value shape, int64_t i) -> OpFoldResult {
      if (auto values = getConstantInts(shape))
        return m.c((*values)[i]);
      return toIndex(rewriter, loc, rewriter.create<tensor::ExtractOp>(loc, shape, ValueRange{m.value(m.c(i))}));
    };
    SmallVector<int64_t> strides, dilations, padBegin;
    SmallVector<OpFoldResult> image, block, blocksPerDim;
    OpFoldResult blockSize = m.c(1), columns = m.c(1);
    for (int64_t i = 0; i < spatial; ++i) {
      strides.push_back(attr(op.getStrides(), i, 1));
      dilations.push_back(attr(op.getDilations(), i, 1));
      padBegin.push_back(attr(op.getPads(), i, 0));
      int64_t padEnd = attr(op.getPads(), spatial + i, 0);
      image.push_back(entry(op.getImageShape(), i));
      block.push_back(entry(op.getBlockShape(), i));
      checkNonNegative(rewriter, loc, m.value(m.sub(block[i], m.c(1))), "block_shape has an entry {0} + 1 below 1");
      // (image + pads - dilation * (block - 1) - 1) / stride + 1 blocks.
      OpFoldResult span = m.sub(m.add(image[i], m.c(padBegin[i] + padEnd)), m.add(m.mul(m.c(dilations[i]), m.sub(block[i], m.c(1))), m.c(1)));
      checkNonNegative(rewriter, loc, m.value(span), "the blocks do not fit the padded image ({0} short)");
      blocksPerDim.push_back(m.add(m.floorDiv(span, strides[i]), m.c(1)));
      blockSize = m.mul(blockSize, block[i]);
      columns = m.mul(columns, blocksPerDim[i]);
    }
    SmallVector<OpFoldResult> xDims = getDims(rewriter, loc, op.getInput());
    checkEqual(rewriter, loc, xDims[2], columns, "the input has {0} columns; the image has {1} blocks");
    Value blockSizeValue = m.value(blockSize);
    OpFoldResult channels = rewriter.create<arith::DivUIOp>(loc, m.value(xDims[1]), blockSizeValue).getResult();
    checkEqual(rewriter, loc, m.mul(channels, blockSize), xDims[1], "input dim 1 is {1}, not a multiple of the block size");
    SmallVector<OpFoldResult> outDims{xDims[0], channels};
    outDims.append(image.begin(), image.end());
    checkBufferSizes(rewriter, loc, resultType, outDims);
    Type element = resultType.getElementType();
    int64_t rank = 2 + spatial, loops = rank + spatial;
    Value init = rewriter.create<linalg::FillOp>(loc, scalarConstant(rewriter, loc, element, 0),
                                                 emptyTensor(rewriter, loc, resultType, outDims))
                     .getResult(0);
    Value kernel = rewriter.create<tensor::EmptyOp>(loc, block, element);
    SmallVector<AffineExpr> kernelExprs;
    for (int64_t i = 0; i < spatial; ++i)
      kernelExprs.push_back(getAffineDimExpr(rank + i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, kernelExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(loops, ctx).getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.append(spatial, utils::IteratorType::reduction);
    Value x = op.getInput();
    SmallVector<Value> blockValues, countValues;
    for (int64_t i = 0; i < spatial; ++i) {
      blockValues.push_back(m.value(block[i]));
      countValues.push_back(m.value(blocksPerDim[i]));
    }
    Value result =
        rewriter
            .create<linalg::GenericOp>(
                loc, cast<RankedTensorType>(init.getType()), ValueRange{kernel}, init, maps, iterators,
                [&](OpBuilder &b, Location l, ValueRange a) {
                  auto idx = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(l, v).getResult(); };
                  Value valid = b.create<arith::ConstantIntOp>(l, 1, 1);
                  // channel = c * prod(block) + the kernel offset's linear index.
                  Value channel = b.create<arith::MulIOp>(l, b.create<linalg::IndexOp>(l, 1), blockSizeValue);
                  Value offset = idx(0), column = idx(0);
                  for (int64_t i = 0; i < spatial; ++i) {
                    // The block q along dim i with q * stride - pad + k * dilation = y.
                    Value y = b.create<linalg::IndexOp>(l, 2 + i), k = b.create<linalg::IndexOp>(l, rank + i);
                    Value t = b.create<arith::SubIOp>(l, b.create<arith::AddIOp>(l, y, idx(padBegin[i])),
                                                      b.create<arith::MulIOp>(l, k, idx(dilations[i])));
                    Value q = b.create<arith::DivSIOp>(l, t, idx(strides[i]));
                    Value ok = b.create<arith::AndIOp>(
                        l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, b.create<arith::RemSIOp>(l, t, idx(strides[i])), idx(0)),
                        b.create<arith::AndIOp>(l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, t, idx(0)),
                                                b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, q, countValues[i])));
                    valid = b.create<arith::AndIOp>(l, valid, ok);
                    offset = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, offset, blockValues[i]), k);
                    column = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, column, countValues[i]), q);
                  }
                  channel = b.create<arith::AddIOp>(l, channel, offset);
                  column = b.create<arith::SelectOp>(l, valid, column, idx(0));
                  channel = b.create<arith::SelectOp>(l, valid, channel, idx(0));
                  Value v = b.create<tensor::ExtractOp>(l, x, ValueRange{b.create<linalg::IndexOp>(l, 0), channel, column});
                  v = b.create<arith::SelectOp>(l, valid, v, scalarConstant(b, l, element, 0));
                  Value sum = isa<FloatType>(element) ? b.create<arith::AddFOp>(l, a[1], v).getResult()
                                                      : b.create<arith::AddIOp>(l, a[1], v).getResult();
                  b.create<linalg::YieldOp>(l, ValueRange{sum});
                })
            .getResult(0);
    if (result.getType() != resultType)
      result = castChecked(rewriter, loc, result, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSignalToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerDFT, LowerCol2Im>(patterns.getContext());
}

} // namespace ingot::lowering
