//===- LowerLinearAlgebra.cpp - MatMul, Gemm, Conv, pooling -> linalg -----===//
//
// Contractions and windowed reductions. Convolution of any rank and group
// count is one linalg.generic over [N, G, F/G, out...] x [C/G, kernel...]
// reading the padded input at out*stride + k*dilation; pooling is the same
// without the channel reduction. BatchNormalization and LRN live here too:
// they are per-channel affine maps and channel windows.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <numeric>

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<OpFoldResult> dims) {
  Value zero = scalarConstant(b, loc, type.getElementType(), 0.0);
  return b.create<linalg::FillOp>(loc, zero, emptyTensor(b, loc, type, dims)).getResult(0);
}

/// acc + a * b for the element type.
Value multiplyAdd(OpBuilder &b, Location loc, Value a, Value x, Value acc) {
  if (isa<FloatType>(a.getType()))
    return b.create<arith::AddFOp>(loc, acc, b.create<arith::MulFOp>(loc, a, x));
  return b.create<arith::AddIOp>(loc, acc, b.create<arith::MulIOp>(loc, a, x));
}

//===----------------------------------------------------------------------===//
// MatMul and Gemm
//===----------------------------------------------------------------------===//

struct LowerMatMul : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatMulOp op, PatternRewriter &rewriter) const override {
    auto aType = dyn_cast<RankedTensorType>(op.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(op.getB().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!aType || !bType || !resultType || !isa<FloatType>(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float operands");
    Location loc = op.getLoc();
    Value a = op.getA(), b = op.getB();
    // Vectors become matrices: [K] x B = [1, K] x B, A x [K] = A x [K, 1].
    SmallVector<OpFoldResult> aDims = getDims(rewriter, loc, a), bDims = getDims(rewriter, loc, b);
    bool vectorA = aType.getRank() == 1, vectorB = bType.getRank() == 1;
    if (vectorA) {
      aType = RankedTensorType::get({1, aType.getDimSize(0)}, aType.getElementType());
      aDims.insert(aDims.begin(), rewriter.getIndexAttr(1));
      a = reshapeTo(rewriter, loc, a, aType, aDims);
    }
    if (vectorB) {
      bType = RankedTensorType::get({bType.getDimSize(0), 1}, bType.getElementType());
      bDims.push_back(rewriter.getIndexAttr(1));
      b = reshapeTo(rewriter, loc, b, bType, bDims);
    }
    checkEqual(rewriter, loc, aDims.back(), bDims[bType.getRank() - 2],
               "inner dims differ: {0} vs {1}");
    // The result as a matrix (batch..., M, N) before dropping vector dims.
    int64_t batchRank = std::max(aType.getRank(), bType.getRank()) - 2;
    SmallVector<int64_t> shape(resultType.getShape().take_front(batchRank));
    shape.push_back(aType.getDimSize(aType.getRank() - 2));
    shape.push_back(bType.getDimSize(bType.getRank() - 1));
    auto matrixType = RankedTensorType::get(shape, resultType.getElementType());
    // Batch dims broadcast (checked, and stretched where only the run knows).
    Broadcast batch = broadcastOperands(rewriter, loc, {a, b}, matrixType, /*excluded=*/2);
    a = batch.operands[0];
    b = batch.operands[1];
    SmallVector<OpFoldResult> dims(batch.dims.begin(), batch.dims.begin() + batchRank);
    dims.push_back(aDims[aType.getRank() - 2]);
    dims.push_back(bDims[bType.getRank() - 1]);
    Value init = zeroFilled(rewriter, loc, matrixType, dims);
    Value product;
    if (batchRank == 0) {
      product = rewriter.create<linalg::MatmulOp>(loc, ValueRange{a, b}, init).getResult(0);
    } else {
      // Loops (batch..., m, n, k); operands broadcast over the batch dims.
      int64_t loops = batchRank + 3;
      MLIRContext *ctx = getContext();
      auto operandMap = [&](RankedTensorType type, bool isA) {
        SmallVector<AffineExpr> exprs;
        int64_t offset = batchRank - (type.getRank() - 2);
        for (int64_t j = 0; j < type.getRank() - 2; ++j)
          exprs.push_back(type.getDimSize(j) == 1 && matrixType.getDimSize(offset + j) != 1
                              ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(offset + j, ctx));
        AffineExpr m = getAffineDimExpr(batchRank, ctx), n = getAffineDimExpr(batchRank + 1, ctx);
        AffineExpr k = getAffineDimExpr(batchRank + 2, ctx);
        exprs.push_back(isA ? m : k);
        exprs.push_back(isA ? k : n);
        return AffineMap::get(loops, 0, exprs, ctx);
      };
      SmallVector<AffineExpr> outExprs;
      for (int64_t j = 0; j < batchRank + 2; ++j)
        outExprs.push_back(getAffineDimExpr(j, ctx));
      SmallVector<AffineMap> maps{operandMap(aType, true), operandMap(bType, false),
                                  AffineMap::get(loops, 0, outExprs, ctx)};
      SmallVector<utils::IteratorType> iterators(loops - 1, utils::IteratorType::parallel);
      iterators.push_back(utils::IteratorType::reduction);
      product = rewriter
                    .create<linalg::GenericOp>(
                        loc, matrixType, ValueRange{a, b}, init, maps, iterators,
                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                          nb.create<linalg::YieldOp>(nl,
                                                     multiplyAdd(nb, nl, args[0], args[1], args[2]));
                        })
                    .getResult(0);
    }
    if (vectorA || vectorB) {
      SmallVector<OpFoldResult> kept;
      for (int64_t i = 0; i < matrixType.getRank(); ++i) {
        if ((vectorA && i == matrixType.getRank() - 2) || (vectorB && i == matrixType.getRank() - 1))
          continue;
        kept.push_back(dims[i]);
      }
      product = reshapeTo(rewriter, loc, product, resultType, kept);
    }
    rewriter.replaceOp(op, product);
    return success();
  }
};

struct LowerGemm : OpRewritePattern<GemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GemmOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType || !isa<RankedTensorType>(op.getA().getType()) ||
        !isa<RankedTensorType>(op.getB().getType()) ||
        !isa<FloatType>(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx), k = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps{
        AffineMap::get(3, 0, transA ? ArrayRef<AffineExpr>{k, m} : ArrayRef<AffineExpr>{m, k}, ctx),
        AffineMap::get(3, 0, transB ? ArrayRef<AffineExpr>{n, k} : ArrayRef<AffineExpr>{k, n}, ctx),
        AffineMap::get(3, 0, {m, n}, ctx)};
    SmallVector<OpFoldResult> aDims = getDims(rewriter, loc, op.getA());
    SmallVector<OpFoldResult> bDims = getDims(rewriter, loc, op.getB());
    SmallVector<OpFoldResult> dims{aDims[transA ? 1 : 0], bDims[transB ? 0 : 1]};
    checkEqual(rewriter, loc, aDims[transA ? 0 : 1], bDims[transB ? 1 : 0],
               "inner dims differ: {0} vs {1}");
    Value init = zeroFilled(rewriter, loc, resultType, dims);
    Value product =
        rewriter
            .create<linalg::GenericOp>(
                loc, resultType, ValueRange{op.getA(), op.getB()}, init, maps,
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction},
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  nb.create<linalg::YieldOp>(nl, multiplyAdd(nb, nl, args[0], args[1], args[2]));
                })
            .getResult(0);
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    Value c = op.getC();
    if (alpha != 1.0 || (c && beta != 0.0)) {
      // Epilogue: alpha * AB + beta * C, C broadcast to [M, N].
      SmallVector<Value> inputs{product};
      SmallVector<AffineMap> inputMaps{rewriter.getMultiDimIdentityMap(2)};
      if (c && beta != 0.0) {
        inputs.push_back(broadcastOperands(rewriter, loc, c, resultType, 0, dims).operands[0]);
        inputMaps.push_back(broadcastMap(ctx, cast<RankedTensorType>(c.getType()), resultType));
      }
      Value out = emptyTensor(rewriter, loc, resultType, dims);
      product = buildParallelGeneric(
          rewriter, loc, inputs, inputMaps, out, [&](OpBuilder &nb, Location nl, ValueRange args) {
            Type t = args[0].getType();
            Value v = nb.create<arith::MulFOp>(nl, args[0], scalarConstant(nb, nl, t, alpha));
            if (args.size() > 1)
              v = nb.create<arith::AddFOp>(
                  nl, v, nb.create<arith::MulFOp>(nl, args[1], scalarConstant(nb, nl, t, beta)));
            return v;
          });
    }
    rewriter.replaceOp(op, product);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Windows: convolution and pooling
//===----------------------------------------------------------------------===//

/// Padding and output sizes of a windowed op along its spatial dims, as
/// constants where the input's sizes are known and computed at run time
/// where they are not.
struct Window {
  SmallVector<OpFoldResult> kernel;
  SmallVector<int64_t> strides, dilations;
  SmallVector<OpFoldResult> padBegin, padEnd, outSizes;
  /// The part of padEnd that only ceil_mode's (or SAME's) last windows need.
  SmallVector<OpFoldResult> ceilPadEnd;
};

/// Resolves auto_pad and ceil_mode into explicit begin/end padding so that
/// every window of the output lies inside the padded input. Output sizes
/// follow the ONNX spec (and ONNX Runtime for ceil_mode: a last window that
/// would start in the end padding is dropped).
Window resolveWindow(OpBuilder &b, Location loc, Value input, RankedTensorType result,
                     ArrayRef<OpFoldResult> kernel, std::optional<ArrayRef<int64_t>> strides,
                     std::optional<ArrayRef<int64_t>> dilations,
                     std::optional<ArrayRef<int64_t>> pads, StringRef autoPad, bool ceilMode) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t spatial = type.getRank() - 2;
  IndexMath m{b, loc};
  SmallVector<OpFoldResult> dims = getDims(b, loc, input);
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t stride = strides ? (*strides)[i] : 1;
    w.strides.push_back(stride);
    w.dilations.push_back(dilations ? (*dilations)[i] : 1);
    OpFoldResult in = dims[2 + i];
    OpFoldResult effective = m.add(m.mul(m.sub(w.kernel[i], m.c(1)), m.c(w.dilations[i])), m.c(1));
    OpFoldResult begin = m.c(0), end = m.c(0), out;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out = m.ceilDiv(in, stride);
      OpFoldResult total =
          m.max(m.c(0), m.sub(m.add(m.mul(m.sub(out, m.c(1)), m.c(stride)), effective), in));
      OpFoldResult half = m.floorDiv(total, 2);
      begin = autoPad == "SAME_UPPER" ? half : m.sub(total, half);
      end = m.sub(total, begin);
    } else {
      if (pads && autoPad == "NOTSET") {
        begin = m.c((*pads)[i]);
        end = m.c((*pads)[spatial + i]);
      }
      OpFoldResult span = m.sub(m.add(m.add(in, begin), end), effective);
      out = m.add(ceilMode ? m.ceilDiv(span, stride) : m.floorDiv(span, stride), m.c(1));
      if (ceilMode) {
        Value startsInPad = m.cmp(arith::CmpIPredicate::sge,
                                  m.mul(m.sub(out, m.c(1)), m.c(stride)), m.add(in, begin));
        out = m.select(startsInPad, m.sub(out, m.c(1)), out);
      }
    }
    if (!result.isDynamicDim(2 + i))
      out = m.c(result.getDimSize(2 + i));
    // The last windows may reach past the padded input: pad for them.
    OpFoldResult reach = m.add(m.mul(m.sub(out, m.c(1)), m.c(stride)), effective);
    OpFoldResult extra = m.max(m.c(0), m.sub(reach, m.add(m.add(in, begin), end)));
    w.padBegin.push_back(begin);
    w.padEnd.push_back(m.add(end, extra));
    w.ceilPadEnd.push_back(extra);
    w.outSizes.push_back(out);
  }
  return w;
}

/// `input` padded on its spatial dims with `value`.
Value padSpatial(OpBuilder &b, Location loc, Value input, const Window &w, Value value) {
  auto zero = [](OpFoldResult p) { return isConstantIntValue(p, 0); };
  if (llvm::all_of(w.padBegin, zero) && llvm::all_of(w.padEnd, zero))
    return input;
  SmallVector<OpFoldResult> low(2, b.getIndexAttr(0)), high(2, b.getIndexAttr(0));
  llvm::append_range(low, w.padBegin);
  llvm::append_range(high, w.padEnd);
  return padWithValue(b, loc, input, low, high, value);
}

/// A convolution's kernel sizes: W's spatial dims, or kernel_shape (then
/// checked against W, which may only be known at run time).
SmallVector<OpFoldResult> kernelSizes(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> wDims,
                                      std::optional<ArrayRef<int64_t>> kernelShape) {
  SmallVector<OpFoldResult> kernel(wDims.begin() + 2, wDims.end());
  if (kernelShape)
    for (size_t i = 0; i < kernel.size() && i < kernelShape->size(); ++i) {
      checkEqual(b, loc, kernel[i], b.getIndexAttr((*kernelShape)[i]),
                 "W dim " + Twine(2 + i) + " is {0}, kernel_shape says {1}");
      kernel[i] = b.getIndexAttr((*kernelShape)[i]);
    }
  return kernel;
}

/// The input read at out*stride + k*dilation for spatial dim i.
AffineExpr windowExpr(MLIRContext *ctx, unsigned outDim, unsigned kernelDim, int64_t stride,
                      int64_t dilation) {
  return getAffineDimExpr(outDim, ctx) * stride + getAffineDimExpr(kernelDim, ctx) * dilation;
}

/// Conv as one generic over [N, G, F/G, out...] x [C/G, k...]. With static
/// weights the group is folded into the channel index (g * C/G + c); with
/// weights of run-time shape (an input of the model) X and W are first
/// expanded to [N, G, C/G, ...] and [G, F/G, C/G, k...], since an affine
/// map cannot multiply by a run-time size.
struct LowerConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !wType || !resultType)
      return rewriter.notifyMatchFailure(op, "needs ranked input and weights");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    IndexMath m{rewriter, loc};
    int64_t spatial = xType.getRank() - 2;
    int64_t groups = (int64_t)op.getGroup();
    bool staticWeights = wType.hasStaticShape();
    SmallVector<OpFoldResult> xDims = getDims(rewriter, loc, op.getX());
    SmallVector<OpFoldResult> wDims = getDims(rewriter, loc, op.getW());
    OpFoldResult filters = wDims[0], channelsPerGroup = wDims[1];
    OpFoldResult filtersPerGroup = m.floorDiv(filters, groups);
    if (!staticWeights)
      checkEqual(rewriter, loc, m.mul(filtersPerGroup, m.c(groups)), filters,
                 "W has {1} filters, not a multiple of the groups (" + Twine(groups) + ")");
    SmallVector<OpFoldResult> kernel = kernelSizes(rewriter, loc, wDims, op.getKernelShape());
    checkEqual(rewriter, loc, xDims[1], m.mul(channelsPerGroup, m.c(groups)),
               "the input has {0} channels, the weights expect {1}");
    Window window = resolveWindow(rewriter, loc, op.getX(), resultType, kernel, op.getStrides(),
                                  op.getDilations(), op.getPads(), op.getAutoPad(), false);
    Window *w = &window;
    Type element = resultType.getElementType();
    Value x = padSpatial(rewriter, loc, op.getX(), *w, scalarConstant(rewriter, loc, element, 0));
    Value weights = op.getW();

    // Output as [N, G, F/G, out...], initialised with the bias (or zero).
    auto staticOr = [](OpFoldResult v) { return getConstantIntValue(v).value_or(ShapedType::kDynamic); };
    SmallVector<int64_t> outShape{resultType.getDimSize(0), groups, staticOr(filtersPerGroup)};
    SmallVector<OpFoldResult> outDims{xDims[0], m.c(groups), filtersPerGroup};
    for (int64_t i = 0; i < spatial; ++i) {
      outShape.push_back(resultType.getDimSize(2 + i));
      outDims.push_back(w->outSizes[i]);
    }
    auto outType = RankedTensorType::get(outShape, element);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    // Splits dim `at` of `v` into [groups, size / groups].
    auto splitGroups = [&](Value v, int64_t at, OpFoldResult perGroup) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      // A static dim splits statically (the channel checks hold it to W);
      // one that does not divide is made dynamic first.
      if (!type.isDynamicDim(at) && type.getDimSize(at) % groups == 0) {
        perGroup = m.c(type.getDimSize(at) / groups);
      } else if (!type.isDynamicDim(at)) {
        SmallVector<int64_t> shape(type.getShape());
        shape[at] = ShapedType::kDynamic;
        v = rewriter.create<tensor::CastOp>(loc, RankedTensorType::get(shape, type.getElementType()), v);
        type = cast<RankedTensorType>(v.getType());
      }
      SmallVector<int64_t> shape;
      SmallVector<OpFoldResult> sizes;
      SmallVector<ReassociationIndices> reassociation;
      SmallVector<OpFoldResult> dims = getDims(rewriter, loc, v);
      for (int64_t i = 0; i < type.getRank(); ++i) {
        if (i == at) {
          reassociation.push_back({(int64_t)shape.size(), (int64_t)shape.size() + 1});
          shape.append({groups, staticOr(perGroup)});
          sizes.append({m.c(groups), perGroup});
          continue;
        }
        reassociation.push_back({(int64_t)shape.size()});
        shape.push_back(type.getDimSize(i));
        sizes.push_back(dims[i]);
      }
      return rewriter.create<tensor::ExpandShapeOp>(loc, RankedTensorType::get(shape, type.getElementType()),
                                                    v, reassociation, sizes);
    };
    Value init;
    if (Value bias = op.getB()) {
      // Loops (n, g, f, out...): bias[g * F/G + f], or bias[g][f] once split.
      AffineMap biasMap;
      if (staticWeights) {
        AffineExpr channel = d(1) * *getConstantIntValue(filtersPerGroup) + d(2);
        biasMap = AffineMap::get(outType.getRank(), 0, {channel}, ctx);
      } else {
        checkEqual(rewriter, loc, getDims(rewriter, loc, bias)[0], filters,
                   "B has {0} entries for {1} filters");
        bias = splitGroups(bias, 0, filtersPerGroup);
        biasMap = AffineMap::get(outType.getRank(), 0, {d(1), d(2)}, ctx);
      }
      init = buildParallelGeneric(rewriter, loc, bias, biasMap,
                                  emptyTensor(rewriter, loc, outType, outDims),
                                  [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    } else {
      init = zeroFilled(rewriter, loc, outType, outDims);
    }
    // Loops: n, g, f, out_1..out_d (parallel), c, k_1..k_d (reduction).
    int64_t loops = 3 + 2 * spatial + 1;
    int64_t cDim = 3 + spatial, kDim = 4 + spatial;
    SmallVector<AffineExpr> xExprs, wExprs;
    if (staticWeights) {
      xExprs = {d(0), d(1) * *getConstantIntValue(channelsPerGroup) + d(cDim)};
      wExprs = {d(1) * *getConstantIntValue(filtersPerGroup) + d(2), d(cDim)};
    } else {
      x = splitGroups(x, 1, channelsPerGroup);
      weights = splitGroups(weights, 0, filtersPerGroup);
      xExprs = {d(0), d(1), d(cDim)};
      wExprs = {d(1), d(2), d(cDim)};
    }
    SmallVector<AffineExpr> outExprs{d(0), d(1), d(2)};
    for (int64_t i = 0; i < spatial; ++i) {
      xExprs.push_back(windowExpr(ctx, 3 + i, kDim + i, w->strides[i], w->dilations[i]));
      wExprs.push_back(d(kDim + i));
      outExprs.push_back(d(3 + i));
    }
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, xExprs, ctx),
                                AffineMap::get(loops, 0, wExprs, ctx),
                                AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(3 + spatial, utils::IteratorType::parallel);
    iterators.append(1 + spatial, utils::IteratorType::reduction);
    Value conv = rewriter
                     .create<linalg::GenericOp>(
                         loc, outType, ValueRange{x, weights}, init, maps, iterators,
                         [&](OpBuilder &nb, Location nl, ValueRange args) {
                           nb.create<linalg::YieldOp>(
                               nl, multiplyAdd(nb, nl, args[0], args[1], args[2]));
                         })
                     .getResult(0);
    SmallVector<ReassociationIndices> groupsToChannels{{0}, {1, 2}};
    for (int64_t i = 0; i < spatial; ++i)
      groupsToChannels.push_back({3 + i});
    auto collapsedType = RankedTensorType::get(
        tensor::CollapseShapeOp::inferCollapsedType(outType, groupsToChannels).getShape(), element);
    Value collapsed = rewriter.create<tensor::CollapseShapeOp>(loc, collapsedType, conv, groupsToChannels);
    if (collapsedType != resultType)
      collapsed = castChecked(rewriter, loc, collapsed, resultType);
    rewriter.replaceOp(op, collapsed);
    return success();
  }
};

/// ConvTranspose as a gather over the output: out[o] sums x[i] * w[k] over
/// the taps with o = i * stride + k * dilation - pad_begin (the ONNX
/// reference's col2im), one generic over [N, G, M/G, out...] x [C/G, k...].
/// Pads and output sizes follow the reference: explicit pads, or SAME_*
/// splitting the total padding, or output_shape with no pads.
struct LowerConvTranspose : OpRewritePattern<ConvTransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvTransposeOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !wType || !resultType)
      return rewriter.notifyMatchFailure(op, "needs ranked input and weights");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    IndexMath m{rewriter, loc};
    int64_t spatial = xType.getRank() - 2;
    int64_t groups = (int64_t)op.getGroup();
    // W is [C, M/G, k...]: all input channels, each group's output channels.
    SmallVector<OpFoldResult> wDims = getDims(rewriter, loc, op.getW());
    OpFoldResult channels = wDims[0], perGroupOut = wDims[1];
    OpFoldResult perGroupIn = m.floorDiv(channels, groups);
    bool staticWeights = wType.hasStaticShape();
    if (!staticWeights)
      checkEqual(rewriter, loc, m.mul(perGroupIn, m.c(groups)), channels,
                 "W has {1} input channels, not a multiple of the groups (" + Twine(groups) + ")");
    checkEqual(rewriter, loc, getDims(rewriter, loc, op.getX())[1], channels,
               "the input has {0} channels, the weights expect {1}");
    SmallVector<OpFoldResult> kernel = kernelSizes(rewriter, loc, wDims, op.getKernelShape());
    auto staticOr = [](OpFoldResult v) { return getConstantIntValue(v).value_or(ShapedType::kDynamic); };
    auto attr = [](std::optional<ArrayRef<int64_t>> a, int64_t i, int64_t fallback) {
      return a ? (*a)[i] : fallback;
    };
    SmallVector<int64_t> strides, dilations;
    SmallVector<OpFoldResult> padBegin, outSizes;
    SmallVector<OpFoldResult> xDims = getDims(rewriter, loc, op.getX());
    StringRef autoPad = op.getAutoPad();
    bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t stride = attr(op.getStrides(), i, 1), dilation = attr(op.getDilations(), i, 1);
      strides.push_back(stride);
      dilations.push_back(dilation);
      OpFoldResult in = xDims[2 + i];
      int64_t extra = attr(op.getOutputPadding(), i, 0);
      // The unpadded output: stride * (in - 1) + output_padding + effective kernel.
      OpFoldResult effective = m.add(m.mul(m.sub(kernel[i], m.c(1)), m.c(dilation)), m.c(1));
      OpFoldResult full = m.add(m.mul(m.c(stride), m.sub(in, m.c(1))), m.add(m.c(extra), effective));
      if (op.getPads() && !same) {
        int64_t begin = (*op.getPads())[i], end = (*op.getPads())[spatial + i];
        padBegin.push_back(m.c(begin));
        outSizes.push_back(op.getOutputShape() ? m.c((*op.getOutputShape())[i])
                                               : m.sub(full, m.c(begin + end)));
      } else if (same) {
        OpFoldResult out = op.getOutputShape() ? m.c((*op.getOutputShape())[i]) : m.mul(in, m.c(stride));
        OpFoldResult total = m.sub(full, out);
        OpFoldResult half = m.floorDiv(total, 2);
        padBegin.push_back(autoPad == "SAME_UPPER" ? half : m.sub(total, half));
        outSizes.push_back(out);
      } else {
        padBegin.push_back(m.c(0));
        outSizes.push_back(op.getOutputShape() ? m.c((*op.getOutputShape())[i]) : full);
      }
      if (!resultType.isDynamicDim(2 + i))
        outSizes.back() = m.c(resultType.getDimSize(2 + i));
    }
    Type element = resultType.getElementType();
    SmallVector<int64_t> outShape{resultType.getDimSize(0), groups, staticOr(perGroupOut)};
    SmallVector<OpFoldResult> outDims{xDims[0], m.c(groups), perGroupOut};
    for (int64_t i = 0; i < spatial; ++i) {
      outShape.push_back(resultType.getDimSize(2 + i));
      outDims.push_back(outSizes[i]);
    }
    auto outType = RankedTensorType::get(outShape, element);
    Value init;
    if (Value bias = op.getB()) {
      // bias[g * M/G + m]: an affine read once M/G is known, else a gather.
      AffineMap biasMap;
      if (staticWeights) {
        AffineExpr channel = getAffineDimExpr(1, ctx) * *getConstantIntValue(perGroupOut) + getAffineDimExpr(2, ctx);
        biasMap = AffineMap::get(outType.getRank(), 0, {channel}, ctx);
      } else {
        checkEqual(rewriter, loc, getDims(rewriter, loc, bias)[0], m.mul(perGroupOut, m.c(groups)),
                   "B has {0} entries for {1} output channels");
        Value perGroupOutValue = m.value(perGroupOut);
        init = buildParallelGeneric(rewriter, loc, {}, {}, emptyTensor(rewriter, loc, outType, outDims),
                                    [&](OpBuilder &b, Location l, ValueRange) -> Value {
          Value channel = b.create<arith::AddIOp>(
              l, b.create<arith::MulIOp>(l, b.create<linalg::IndexOp>(l, 1), perGroupOutValue),
              b.create<linalg::IndexOp>(l, 2));
          return b.create<tensor::ExtractOp>(l, bias, ValueRange{channel});
        });
      }
      if (!init)
        init = buildParallelGeneric(rewriter, loc, bias, biasMap,
                                  emptyTensor(rewriter, loc, outType, outDims),
                                  [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    } else {
      init = zeroFilled(rewriter, loc, outType, outDims);
    }
    // Loops: n, g, m, out... (parallel), c, k... (reduction); W read affinely.
    int64_t loops = 3 + 2 * spatial + 1;
    int64_t cDim = 3 + spatial, kDim = 4 + spatial;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    // W read affinely: [g * C/G + c, m, k...], or [g, c, m, k...] once split.
    Value weights = op.getW();
    SmallVector<AffineExpr> wExprs, outExprs{d(0), d(1), d(2)};
    if (staticWeights) {
      wExprs = {d(1) * *getConstantIntValue(perGroupIn) + d(cDim), d(2)};
    } else {
      SmallVector<int64_t> split{groups, staticOr(perGroupIn)};
      SmallVector<OpFoldResult> splitSizes{m.c(groups), perGroupIn};
      SmallVector<ReassociationIndices> reassociation{{0, 1}};
      for (int64_t i = 1; i < wType.getRank(); ++i) {
        split.push_back(wType.getDimSize(i));
        splitSizes.push_back(wDims[i]);
        reassociation.push_back({i + 1});
      }
      weights = rewriter.create<tensor::ExpandShapeOp>(loc, RankedTensorType::get(split, element),
                                                       weights, reassociation, splitSizes);
      wExprs = {d(1), d(cDim), d(2)};
    }
    for (int64_t i = 0; i < spatial; ++i) {
      wExprs.push_back(d(kDim + i));
      outExprs.push_back(d(3 + i));
    }
    // The window tensor only carries the (c, k...) extents into the loop nest.
    SmallVector<OpFoldResult> windowShape{perGroupIn};
    llvm::append_range(windowShape, kernel);
    Value window = rewriter.create<tensor::EmptyOp>(loc, windowShape, element);
    SmallVector<AffineExpr> windowExprs{d(cDim)};
    for (int64_t i = 0; i < spatial; ++i)
      windowExprs.push_back(d(kDim + i));
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, wExprs, ctx),
                                AffineMap::get(loops, 0, windowExprs, ctx),
                                AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(3 + spatial, utils::IteratorType::parallel);
    iterators.append(1 + spatial, utils::IteratorType::reduction);
    Value x = op.getX();
    Value perGroupInValue = m.value(perGroupIn);
    SmallVector<Value> padValues, inValues;
    for (int64_t i = 0; i < spatial; ++i) {
      padValues.push_back(m.value(padBegin[i]));
      inValues.push_back(m.value(xDims[2 + i]));
    }
    Value result =
        rewriter
            .create<linalg::GenericOp>(
                loc, outType, ValueRange{weights, window}, init, maps, iterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value zero = b.create<arith::ConstantIndexOp>(l, 0);
                  Value valid = b.create<arith::ConstantIntOp>(l, 1, 1);
                  Value g = b.create<linalg::IndexOp>(l, 1), c = b.create<linalg::IndexOp>(l, cDim);
                  SmallVector<Value> at{b.create<linalg::IndexOp>(l, 0),
                                        b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, g, perGroupInValue), c)};
                  for (int64_t i = 0; i < spatial; ++i) {
                    // t = o + pad_begin - k * dilation must be i * stride, 0 <= i < in.
                    Value o = b.create<linalg::IndexOp>(l, 3 + i), k = b.create<linalg::IndexOp>(l, kDim + i);
                    Value t = b.create<arith::SubIOp>(l, b.create<arith::AddIOp>(l, o, padValues[i]),
                                                      b.create<arith::MulIOp>(l, k, b.create<arith::ConstantIndexOp>(l, dilations[i])));
                    Value stride = b.create<arith::ConstantIndexOp>(l, strides[i]);
                    Value q = b.create<arith::DivSIOp>(l, t, stride);
                    Value onGrid = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                                           b.create<arith::RemSIOp>(l, t, stride), zero);
                    Value inside = b.create<arith::AndIOp>(
                        l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, t, zero),
                        b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, q, inValues[i]));
                    valid = b.create<arith::AndIOp>(l, valid, b.create<arith::AndIOp>(l, onGrid, inside));
                    at.push_back(q);
                  }
                  // Read in bounds whatever the tap: clamp, then mask.
                  for (int64_t i = 0; i < spatial; ++i)
                    at[2 + i] = b.create<arith::SelectOp>(l, valid, at[2 + i], zero);
                  Value v = b.create<tensor::ExtractOp>(l, x, at);
                  v = b.create<arith::SelectOp>(l, valid, v, scalarConstant(b, l, element, 0));
                  b.create<linalg::YieldOp>(l, multiplyAdd(b, l, v, args[0], args[2]));
                })
            .getResult(0);
    SmallVector<ReassociationIndices> groupsToChannels{{0}, {1, 2}};
    for (int64_t i = 0; i < spatial; ++i)
      groupsToChannels.push_back({3 + i});
    auto collapsedType = RankedTensorType::get(
        tensor::CollapseShapeOp::inferCollapsedType(outType, groupsToChannels).getShape(), element);
    Value collapsed = rewriter.create<tensor::CollapseShapeOp>(loc, collapsedType, result, groupsToChannels);
    if (collapsedType != resultType)
      collapsed = castChecked(rewriter, loc, collapsed, resultType);
    rewriter.replaceOp(op, collapsed);
    return success();
  }
};

/// Whether `op` (of weights `wType`) is pointwise: a 1x1 kernel, unit
/// strides and no padding, so each output point reads one input point.
bool isPointwise(ConvOp op, RankedTensorType wType) {
  auto allOnes = [](ArrayRef<int64_t> values) {
    return llvm::all_of(values, [](int64_t v) { return v == 1; });
  };
  std::optional<ArrayRef<int64_t>> pads = op.getPads();
  bool noPads = !pads || llvm::all_of(*pads, [](int64_t v) { return v == 0; });
  return allOnes(wType.getShape().drop_front(2)) &&
         (!op.getStrides() || allOnes(*op.getStrides())) &&
         (op.getAutoPad() != "NOTSET" || noPads);
}

/// The types of a static ungrouped f32 convolution whose bias, if any, has
/// one value per filter: what both GEMM-shaped lowerings below take.
struct StaticConv {
  RankedTensorType x, w, result;
  Value bias;
};

FailureOr<StaticConv> matchStaticConv(ConvOp op, PatternRewriter &rewriter) {
  auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
  auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
  auto resultType = dyn_cast<RankedTensorType>(op.getType());
  if (!xType || !wType || !resultType || !xType.hasStaticShape() || !wType.hasStaticShape() ||
      !resultType.hasStaticShape() || xType.getRank() < 3 || !resultType.getElementType().isF32() ||
      op.getGroup() != 1 || wType.getRank() != xType.getRank() ||
      wType.getDimSize(1) != xType.getDimSize(1))
    return rewriter.notifyMatchFailure(op, "not a static ungrouped f32 convolution");
  Value bias = op.getB();
  auto biasType = bias ? dyn_cast<RankedTensorType>(bias.getType()) : RankedTensorType();
  if (bias && (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != wType.getDimSize(0)))
    return rewriter.notifyMatchFailure(op, "needs a static bias of one value per filter");
  return StaticConv{xType, wType, resultType, bias};
}

/// An ungrouped fp32 convolution of static shape is a matrix product per
/// image: Y[n] (F x out) = W (F x C*k) P[n] (C*k x out), the bias added per
/// row, where P holds each output point's input window (im2col) -- or is X
/// itself for a pointwise convolution (1x1 kernel, unit strides, no
/// padding). As a MatMul it runs on the CPU's GEMM micro-kernel
/// (cpu-matmul-to-ukernel); the window copy costs C*k*out moves against
/// F*C*k*out multiply-adds.
struct ConvAsMatMul : OpRewritePattern<ConvOp> {
  ConvAsMatMul(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/3) {}
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    FailureOr<StaticConv> conv = matchStaticConv(op, rewriter);
    if (failed(conv))
      return failure();
    RankedTensorType xType = conv->x, wType = conv->w, resultType = conv->result;
    Value bias = conv->bias;
    bool pointwise = isPointwise(op, wType);
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t spatial = xType.getRank() - 2, points = 1, window = 1;
    for (int64_t i = 0; i < spatial; ++i) {
      points *= resultType.getDimSize(2 + i);
      window *= wType.getDimSize(2 + i);
    }
    int64_t n = xType.getDimSize(0), c = xType.getDimSize(1), f = wType.getDimSize(0);
    Type f32 = resultType.getElementType();
    // [N, C, spatial...] -> [N, C, prod(spatial)] and the like.
    auto collapseTail = [&](Value v, int64_t keep, ArrayRef<int64_t> shape) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      SmallVector<ReassociationIndices> groups;
      for (int64_t i = 0; i < keep; ++i)
        groups.push_back({i});
      groups.emplace_back();
      for (int64_t i = keep; i < type.getRank(); ++i)
        groups.back().push_back(i);
      return rewriter.create<tensor::CollapseShapeOp>(loc, RankedTensorType::get(shape, f32), v,
                                                      groups);
    };
    Value columns;
    if (pointwise) {
      columns = collapseTail(op.getX(), 2, {n, c, points});
    } else {
      SmallVector<OpFoldResult> wDims = getDims(rewriter, loc, op.getW());
      SmallVector<OpFoldResult> kernel = kernelSizes(rewriter, loc, wDims, op.getKernelShape());
      Window w = resolveWindow(rewriter, loc, op.getX(), resultType, kernel, op.getStrides(),
                               op.getDilations(), op.getPads(), op.getAutoPad(), false);
      Value x = padSpatial(rewriter, loc, op.getX(), w, scalarConstant(rewriter, loc, f32, 0));
      // Windows: P[n, c, k..., o...] = x[n, c, o * stride + k * dilation].
      // In bounds of the padded x: the static result sizes are the ones
      // the op's shape rule derives from these attributes (its verifier
      // holds them equal), which is what resolveWindow computes.
      SmallVector<int64_t> shape{n, c};
      for (int64_t i = 0; i < spatial; ++i)
        shape.push_back(wType.getDimSize(2 + i));
      for (int64_t i = 0; i < spatial; ++i)
        shape.push_back(resultType.getDimSize(2 + i));
      int64_t loops = shape.size();
      SmallVector<AffineExpr> exprs{getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)};
      for (int64_t i = 0; i < spatial; ++i)
        exprs.push_back(getAffineDimExpr(2 + spatial + i, ctx) * w.strides[i] +
                        getAffineDimExpr(2 + i, ctx) * w.dilations[i]);
      Value patches = buildParallelGeneric(
          rewriter, loc, x, AffineMap::get(loops, 0, exprs, ctx),
          rewriter.create<tensor::EmptyOp>(loc, shape, f32),
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
      SmallVector<ReassociationIndices> groups{{0}, {}, {}};
      for (int64_t i = 1; i < 2 + spatial; ++i)
        groups[1].push_back(i);
      for (int64_t i = 2 + spatial; i < loops; ++i)
        groups[2].push_back(i);
      columns = rewriter.create<tensor::CollapseShapeOp>(
          loc, RankedTensorType::get({n, c * window, points}, f32), patches, groups);
    }
    Value weights = collapseTail(op.getW(), 1, {f, c * window});
    auto productType = RankedTensorType::get({n, f, points}, f32);
    Value y = rewriter.create<MatMulOp>(loc, productType, weights, columns);
    if (bias) {
      Value column = rewriter.create<tensor::ExpandShapeOp>(
          loc, RankedTensorType::get({f, 1}, f32), bias, ArrayRef<ReassociationIndices>{{0, 1}});
      y = rewriter.create<AddOp>(loc, productType, y, column);
    }
    SmallVector<ReassociationIndices> expand{{0}, {1}, {}};
    for (int64_t i = 0; i < spatial; ++i)
      expand.back().push_back(2 + i);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, resultType, y, expand);
    return success();
  }
};

/// A static f32 2-D convolution's input zero-padded so that every window
/// lies inside it, its zero-filled output, and the resolved window. The
/// static result sizes are the ones the op's shape rule derives from its
/// attributes (its verifier holds them equal), which is what resolveWindow
/// computes.
struct PaddedConv {
  Value x, zero;
  Window window;
};
PaddedConv paddedForWindows(ConvOp op, RankedTensorType resultType, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Type f32 = resultType.getElementType();
  SmallVector<OpFoldResult> wDims = getDims(rewriter, loc, op.getW());
  SmallVector<OpFoldResult> kernel = kernelSizes(rewriter, loc, wDims, op.getKernelShape());
  Window w = resolveWindow(rewriter, loc, op.getX(), resultType, kernel, op.getStrides(),
                           op.getDilations(), op.getPads(), op.getAutoPad(), false);
  Value x = padSpatial(rewriter, loc, op.getX(), w, scalarConstant(rewriter, loc, f32, 0));
  Value zero = rewriter.create<linalg::FillOp>(
                           loc, scalarConstant(rewriter, loc, f32, 0),
                           ValueRange{rewriter.create<tensor::EmptyOp>(loc, resultType.getShape(), f32)})
                   .getResult(0);
  return {x, zero, w};
}

/// An ungrouped fp32 2-D convolution of static shape with a window larger
/// than one point (or strided) becomes linalg.conv_2d_nchw_fchw over the
/// padded input, the bias added per filter: no window copy (im2col) is
/// made. The CPU target runs it on the GEMM micro-kernel with B's panels
/// packed from the input's windows (cpu-matmul-to-ukernel); other targets
/// see the named op.
struct Conv2DAsNamedOp : OpRewritePattern<ConvOp> {
  Conv2DAsNamedOp(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/4) {}
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    FailureOr<StaticConv> conv = matchStaticConv(op, rewriter);
    if (failed(conv))
      return failure();
    RankedTensorType wType = conv->w, resultType = conv->result;
    Value bias = conv->bias;
    if (wType.getRank() != 4 || isPointwise(op, wType))
      return rewriter.notifyMatchFailure(op, "not a 2-D convolution of a window");
    Location loc = op.getLoc();
    Type f32 = resultType.getElementType();
    auto [x, zero, w] = paddedForWindows(op, resultType, rewriter);
    Value y = rewriter
                  .create<linalg::Conv2DNchwFchwOp>(loc, resultType, ValueRange{x, op.getW()},
                                                    ValueRange{zero},
                                                    rewriter.getI64TensorAttr(w.strides),
                                                    rewriter.getI64TensorAttr(w.dilations))
                  .getResult(0);
    if (bias) {
      int64_t f = wType.getDimSize(0);
      Value perFilter = rewriter.create<tensor::ExpandShapeOp>(
          loc, RankedTensorType::get({f, 1, 1}, f32), bias, ArrayRef<ReassociationIndices>{{0, 1, 2}});
      y = rewriter.create<AddOp>(loc, resultType, y, perFilter);
    }
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// A static fp32 2-D depthwise convolution (one filter per channel: group
/// = C = F) becomes linalg.depthwise_conv_2d_nchw_chw over the padded
/// input, the bias added per channel. As a generic its innermost loop ran
/// along an output row: 7 or 14 lanes of 16 in late MobileNet stages, and
/// strided loads for a stride of 2. The CPU target runs the named op on its
/// depthwise micro-kernel (cpu-matmul-to-ukernel); other targets see it as is.
struct DepthwiseConv2DAsNamedOp : OpRewritePattern<ConvOp> {
  DepthwiseConv2DAsNamedOp(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/4) {}
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !wType || !resultType || !xType.hasStaticShape() || !wType.hasStaticShape() ||
        !resultType.hasStaticShape() || xType.getRank() != 4 || wType.getRank() != 4 ||
        !resultType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not a static f32 2-D convolution");
    int64_t channels = xType.getDimSize(1);
    if (channels < 2 || (int64_t)op.getGroup() != channels || wType.getDimSize(0) != channels ||
        wType.getDimSize(1) != 1)
      return rewriter.notifyMatchFailure(op, "not one filter per channel");
    Value bias = op.getB();
    auto biasType = bias ? dyn_cast<RankedTensorType>(bias.getType()) : RankedTensorType();
    if (bias && (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != channels))
      return rewriter.notifyMatchFailure(op, "needs a static bias of one value per channel");
    Location loc = op.getLoc();
    Type f32 = resultType.getElementType();
    auto [x, zero, w] = paddedForWindows(op, resultType, rewriter);
    Value filters = rewriter.create<tensor::CollapseShapeOp>(
        loc, op.getW(), ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    Value y = rewriter
                  .create<linalg::DepthwiseConv2DNchwChwOp>(
                      loc, TypeRange{resultType}, ValueRange{x, filters}, ValueRange{zero},
                      ArrayRef<NamedAttribute>{
                          rewriter.getNamedAttr("strides", rewriter.getI64TensorAttr(w.strides)),
                          rewriter.getNamedAttr("dilations", rewriter.getI64TensorAttr(w.dilations))})
                  .getResult(0);
    if (bias) {
      Value perChannel = rewriter.create<tensor::ExpandShapeOp>(
          loc, RankedTensorType::get({channels, 1, 1}, f32), bias,
          ArrayRef<ReassociationIndices>{{0, 1, 2}});
      y = rewriter.create<AddOp>(loc, resultType, y, perChannel);
    }
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// graph.depthwise_conv_nhwc becomes linalg.depthwise_conv_2d_nhwc_hwc over
/// the zero-padded input, the bias added per channel (the last dim). The
/// CPU target runs it on its channels-last depthwise micro-kernel
/// (cpu-matmul-to-ukernel).
struct LowerDepthwiseConvNhwc : OpRewritePattern<DepthwiseConvNhwcOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DepthwiseConvNhwcOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType || !resultType.hasStaticShape() ||
        !cast<RankedTensorType>(op.getX().getType()).hasStaticShape() ||
        !cast<RankedTensorType>(op.getW().getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    Type f32 = resultType.getElementType();
    ArrayRef<int64_t> pads = op.getPads();
    Value zeroValue = scalarConstant(rewriter, loc, f32, 0);
    Value x = op.getX();
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
      x = padWithValue(rewriter, loc, x,
                       {rewriter.getIndexAttr(0), rewriter.getIndexAttr(pads[0]),
                        rewriter.getIndexAttr(pads[1]), rewriter.getIndexAttr(0)},
                       {rewriter.getIndexAttr(0), rewriter.getIndexAttr(pads[2]),
                        rewriter.getIndexAttr(pads[3]), rewriter.getIndexAttr(0)},
                       zeroValue);
    Value zero = rewriter
                     .create<linalg::FillOp>(
                         loc, zeroValue,
                         ValueRange{rewriter.create<tensor::EmptyOp>(loc, resultType.getShape(), f32)})
                     .getResult(0);
    Value y = rewriter
                  .create<linalg::DepthwiseConv2DNhwcHwcOp>(
                      loc, TypeRange{resultType}, ValueRange{x, op.getW()}, ValueRange{zero},
                      ArrayRef<NamedAttribute>{
                          rewriter.getNamedAttr("strides", rewriter.getI64TensorAttr(op.getStrides())),
                          rewriter.getNamedAttr("dilations", rewriter.getI64TensorAttr(op.getDilations()))})
                  .getResult(0);
    if (Value bias = op.getB())
      y = rewriter.create<AddOp>(loc, resultType, y, bias);
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// A pointwise convolution (1x1 kernel, unit strides, no padding) over 2 or
/// more static spatial dims becomes the same convolution over one collapsed
/// spatial dim: the loops then run over H*W at a time instead of W, which
/// is what keeps the innermost loop long in late CNN stages (7x7 outputs).
struct CollapsePointwiseConv : OpRewritePattern<ConvOp> {
  CollapsePointwiseConv(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !wType || !resultType || !xType.hasStaticShape() ||
        !wType.hasStaticShape() || !resultType.hasStaticShape() || xType.getRank() < 4)
      return rewriter.notifyMatchFailure(op, "not a static convolution over 2+ dims");
    int64_t spatial = xType.getRank() - 2;
    if (!isPointwise(op, wType))
      return rewriter.notifyMatchFailure(op, "not pointwise");
    Location loc = op.getLoc();
    SmallVector<ReassociationIndices> collapse{{0}, {1}, {}};
    for (int64_t i = 0; i < spatial; ++i)
      collapse.back().push_back(2 + i);
    auto collapsed = [&](RankedTensorType type) {
      int64_t points = 1;
      for (int64_t i = 0; i < spatial; ++i)
        points *= type.getDimSize(2 + i);
      return RankedTensorType::get({type.getDimSize(0), type.getDimSize(1), points},
                                   type.getElementType());
    };
    Value x = rewriter.create<tensor::CollapseShapeOp>(loc, collapsed(xType), op.getX(), collapse);
    Value weights =
        rewriter.create<tensor::CollapseShapeOp>(loc, collapsed(wType), op.getW(), collapse);
    auto one = rewriter.getDenseI64ArrayAttr({1});
    Value conv = rewriter.create<ConvOp>(
        loc, collapsed(resultType), x, weights, op.getB(), rewriter.getStringAttr("NOTSET"), one,
        op.getGroupAttr(), one, rewriter.getDenseI64ArrayAttr({0, 0}), one);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, resultType, conv, collapse);
    return success();
  }
};

/// Windows of at most this many taps are pooled as one elementwise op over
/// the taps' strided views (poolTaps).
constexpr int64_t kUnrolledPoolTaps = 16;

/// Output rows shorter than this are pooled on flat phase planes.
constexpr int64_t kShortPoolRow = 16;

/// One elementwise op over `init` combining the taps `inputs` (read
/// through `maps`, then the init's) from `initValue` on, as the reduction
/// would: LpPool's combine raises each tap, the first too.
Value combineTaps(PatternRewriter &rewriter, Location loc, ValueRange inputs, Value init,
                  ArrayRef<AffineMap> maps, Value initValue,
                  function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  return rewriter
      .create<linalg::GenericOp>(
          loc, init.getType(), inputs, init, maps,
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value acc = initValue;
            for (Value v : args.drop_back())
              acc = combine(nb, nl, acc, v);
            nb.create<linalg::YieldOp>(nl, acc);
          })
      .getResult(0);
}

/// A pool over a small static window as one op over the output, its input
/// read once per tap: each output is computed once from its taps, none read
/// back and written per tap as a reduction loop does (a 3x3/2 max pool as a
/// reduction was 22% of SqueezeNet's time). With every stride above 1 the
/// taps read the one buffer through maps (n, c, o_1, ..) -> (n, c, o_1 * s_1
/// + t_1 * d_1, ..), at constant offsets of each other, so that LLVM loads
/// a strided row as whole vectors and shuffles (as views of their own, each
/// was gathered element by element). Where a stride is 1 that map would be
/// the bare loop and give the loop the input's extent: the taps are then
/// views (extract_slice) of their own, read unstrided along that dim.
/// Where `separable` (the combine of max and sum, whose taps may be
/// combined in any grouping: not LpPool's, which raises each tap), a 2-D
/// window of kh x kw taps is pooled as two: each output row's kh input rows
/// (unstrided along the row, whole vectors), then kw taps along those rows:
/// kh + kw taps an output instead of kh kw (a 3x3/2 max pool over
/// 64x111x111 0.42 -> 0.32 ms).
Value poolTaps(PatternRewriter &rewriter, Location loc, Value paddedInput,
               RankedTensorType resultType, const Window &w, ArrayRef<OpFoldResult> outDims,
               ArrayRef<int64_t> kernel, Value initValue,
               function_ref<Value(OpBuilder &, Location, Value, Value)> combine,
               bool separable) {
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = resultType.getRank(), spatial = rank - 2;
  auto inType = cast<RankedTensorType>(paddedInput.getType());
  if (separable && spatial == 2 && kernel[0] > 1 && kernel[1] > 1) {
    auto rowsType = RankedTensorType::get({resultType.getDimSize(0), resultType.getDimSize(1),
                                           resultType.getDimSize(2), inType.getDimSize(3)},
                                          resultType.getElementType());
    SmallVector<OpFoldResult> rowsDims(outDims.take_front(3));
    rowsDims.push_back(getDims(rewriter, loc, paddedInput)[3]);
    Window down = w, along = w;
    down.strides[1] = down.dilations[1] = along.strides[0] = along.dilations[0] = 1;
    Value rows = poolTaps(rewriter, loc, paddedInput, rowsType, down, rowsDims, {kernel[0], 1},
                          initValue, combine, false);
    return poolTaps(rewriter, loc, rows, resultType, along, outDims, {1, kernel[1]}, initValue,
                    combine, false);
  }
  // Each tap's offset in the padded input: t_i * d_i per spatial dim.
  SmallVector<SmallVector<int64_t>> taps;
  SmallVector<int64_t> tap(spatial, 0);
  while (true) {
    taps.emplace_back();
    for (int64_t i = 0; i < spatial; ++i)
      taps.back().push_back(tap[i] * w.dilations[i]);
    int64_t i = spatial - 1;
    while (i >= 0 && ++tap[i] == kernel[i])
      tap[i--] = 0;
    if (i < 0)
      break;
  }
  // (A stride-1 dim as long in the input as in the output, the separable
  // passes' other dim, is read through the bare loop rightly.)
  bool unitStride = llvm::any_of(llvm::seq<int64_t>(0, spatial), [&](int64_t i) {
    return w.strides[i] == 1 &&
           (inType.isDynamicDim(2 + i) || inType.getDimSize(2 + i) != resultType.getDimSize(2 + i));
  });
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (ArrayRef<int64_t> offset : taps) {
    if (unitStride) {
      SmallVector<OpFoldResult> offsets(2, rewriter.getIndexAttr(0)), strides(2, rewriter.getIndexAttr(1));
      for (int64_t i = 0; i < spatial; ++i) {
        offsets.push_back(rewriter.getIndexAttr(offset[i]));
        strides.push_back(rewriter.getIndexAttr(w.strides[i]));
      }
      inputs.push_back(rewriter.create<tensor::ExtractSliceOp>(loc, paddedInput, offsets, outDims, strides));
      maps.push_back(rewriter.getMultiDimIdentityMap(rank));
      continue;
    }
    SmallVector<AffineExpr> exprs{getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)};
    for (int64_t i = 0; i < spatial; ++i)
      exprs.push_back(getAffineDimExpr(2 + i, ctx) * w.strides[i] + offset[i]);
    inputs.push_back(paddedInput);
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(rewriter.getMultiDimIdentityMap(rank));
  return combineTaps(rewriter, loc, inputs, emptyTensor(rewriter, loc, resultType, outDims), maps,
                     initValue, combine);
}

/// A static 2-D pool with equal strides s > 1 on the phase planes of each
/// channel's padded input read as one flat run: plane r holds elements
/// r, r + s, r + 2s, ... Read in place, a tap's output row is every s-th
/// element of an input row: LLVM unrolls the short rows of late CNN stages
/// (13 wide) into scalar loads, and SqueezeNet's 3x3/2 pool over 27x27 ran
/// 4x slower than ONNX Runtime's. Over the flat planes, output (o, x) of
/// tap (i, j) reads flat input f = (o s + i d_h) W + x s + j d_w, which is
/// plane f mod s = t mod s at f div s = o W + x + t div s, with t = i d_h W
/// + j d_w: one constant offset from o W + x. So the pool is one long loop
/// over OH rows of W outputs each (the W - OW past each row's end computed
/// and dropped: s times the outputs, each a few vector instructions), and
/// the split into planes is one long loop too, whose loads of the s phases
/// of an element group LLVM vectorizes as one interleaved access. The
/// input is padded below with more rows of the init so that the dropped
/// outputs of the last row read no further. nullopt where the shapes are
/// not static or the strides differ or are 1, or the rows are not short.
std::optional<Value> poolOnFlatPhases(PatternRewriter &rewriter, Location loc, Value input,
                                      RankedTensorType resultType, const Window &w,
                                      ArrayRef<int64_t> kernel, Value initValue,
                                      function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  int64_t s = w.strides[1];
  if (resultType.getRank() != 4 || !resultType.hasStaticShape() || s == 1 || w.strides[0] != s)
    return std::nullopt;
  // Rows of 16 and more vectorize in place; and the planes cost passes over
  // memory: with 27 outputs a row (128x55x55 in) they took twice as long.
  auto inType = cast<RankedTensorType>(input.getType());
  if (resultType.getDimSize(3) >= kShortPoolRow || !inType.hasStaticShape())
    return std::nullopt;
  SmallVector<int64_t> padBegin, padEnd;
  for (int i = 0; i < 2; ++i) {
    std::optional<int64_t> begin = getConstantIntValue(w.padBegin[i]),
                           end = getConstantIntValue(w.padEnd[i]);
    if (!begin || !end)
      return std::nullopt;
    padBegin.push_back(*begin);
    padEnd.push_back(*end);
  }
  auto attrs = [&](ArrayRef<int64_t> values) {
    return getAsIndexOpFoldResult(rewriter.getContext(), values);
  };
  int64_t n = resultType.getDimSize(0), c = resultType.getDimSize(1);
  int64_t oh = resultType.getDimSize(2), ow = resultType.getDimSize(3);
  int64_t height = inType.getDimSize(2) + padBegin[0] + padEnd[0];
  int64_t width = inType.getDimSize(3) + padBegin[1] + padEnd[1];
  auto tapOffset = [&](int64_t i, int64_t j) { return i * w.dilations[0] * width + j * w.dilations[1]; };
  int64_t rowsSize = oh * width;
  int64_t planeSize = std::max(rowsSize + tapOffset(kernel[0] - 1, kernel[1] - 1) / s,
                               (int64_t)llvm::divideCeil(height * width, s));
  // Padded once: the window's padding and, below it, the rows that hold
  // the flat run's tail (planeSize * s elements in all).
  int64_t tailRows = llvm::divideCeil(planeSize * s - height * width, width);
  Type element = resultType.getElementType();
  Value padded = padWithValue(rewriter, loc, input, attrs({0, 0, padBegin[0], padBegin[1]}),
                              attrs({0, 0, padEnd[0] + tailRows, padEnd[1]}), initValue);
  int64_t area = (height + tailRows) * width;
  Value flat = rewriter.create<tensor::CollapseShapeOp>(
      loc, RankedTensorType::get({n, c, area}, element), padded,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  if (area != planeSize * s)
    flat = rewriter.create<tensor::ExtractSliceOp>(loc, flat, attrs({0, 0, 0}),
                                                   attrs({n, c, planeSize * s}), attrs({1, 1, 1}));
  Value groups = rewriter.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get({n, c, planeSize, s}, element), flat,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});

  // planes[r][n, c, m] = groups[n, c, m, r], read from the one tensor in
  // the body so that the s loads share a base LLVM can see.
  auto planeType = RankedTensorType::get({n, c, planeSize}, element);
  SmallVector<Value> inits;
  for (int64_t r = 0; r < s; ++r)
    inits.push_back(rewriter.create<tensor::EmptyOp>(loc, planeType.getShape(), element));
  auto split = rewriter.create<linalg::GenericOp>(
      loc, SmallVector<Type>(s, planeType), ValueRange{}, inits,
      SmallVector<AffineMap>(s, rewriter.getMultiDimIdentityMap(3)),
      SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange) {
        SmallVector<Value> index{b.create<linalg::IndexOp>(l, 0), b.create<linalg::IndexOp>(l, 1),
                                 b.create<linalg::IndexOp>(l, 2)};
        SmallVector<Value> phases;
        for (int64_t r = 0; r < s; ++r) {
          SmallVector<Value> at = index;
          at.push_back(b.create<arith::ConstantIndexOp>(l, r));
          phases.push_back(b.create<tensor::ExtractOp>(l, groups, at));
        }
        b.create<linalg::YieldOp>(l, phases);
      });

  // Tap (i, j): a view of its plane from its offset on.
  auto rowsType = RankedTensorType::get({n, c, rowsSize}, element);
  SmallVector<Value> taps;
  for (int64_t i = 0; i < kernel[0]; ++i)
    for (int64_t j = 0; j < kernel[1]; ++j) {
      int64_t t = tapOffset(i, j);
      taps.push_back(rewriter.create<tensor::ExtractSliceOp>(loc, rowsType, split.getResult(t % s),
                                                             attrs({0, 0, t / s}),
                                                             attrs({n, c, rowsSize}), attrs({1, 1, 1})));
    }
  SmallVector<AffineMap> maps(taps.size() + 1, rewriter.getMultiDimIdentityMap(3));
  Value rows = combineTaps(rewriter, loc, taps,
                           rewriter.create<tensor::EmptyOp>(loc, rowsType.getShape(), element),
                           maps, initValue, combine);
  Value wide = rewriter.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get({n, c, oh, width}, element), rows,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  return rewriter
      .create<tensor::ExtractSliceOp>(loc, resultType, wide, attrs({0, 0, 0, 0}),
                                      attrs({n, c, oh, ow}), attrs({1, 1, 1, 1}))
      .getResult();
}

/// Shared by the pools: a windowed reduction over [N, C, out...] of `input`
/// padded by the window with `initValue`.
Value poolWindow(PatternRewriter &rewriter, Location loc, Value input,
                 RankedTensorType resultType, const Window &w, Value initValue,
                 function_ref<Value(OpBuilder &, Location, Value, Value)> combine,
                 bool separable) {
  MLIRContext *ctx = rewriter.getContext();
  int64_t spatial = resultType.getRank() - 2;
  SmallVector<int64_t> kernel;
  int64_t taps = 1;
  for (OpFoldResult k : w.kernel) {
    std::optional<int64_t> size = getConstantIntValue(k);
    taps = size && *size > 0 ? taps * *size : kUnrolledPoolTaps + 1;
    kernel.push_back(size.value_or(0));
  }
  if (spatial == 2 && taps <= kUnrolledPoolTaps)
    if (std::optional<Value> pooled =
            poolOnFlatPhases(rewriter, loc, input, resultType, w, kernel, initValue, combine))
      return *pooled;
  Value paddedInput = padSpatial(rewriter, loc, input, w, initValue);
  SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, paddedInput);
  SmallVector<OpFoldResult> outDims{inDims[0], inDims[1]};
  llvm::append_range(outDims, w.outSizes);
  if (spatial > 0 && taps <= kUnrolledPoolTaps)
    return poolTaps(rewriter, loc, paddedInput, resultType, w, outDims, kernel, initValue,
                    combine, separable);
  Value init = rewriter
                   .create<linalg::FillOp>(loc, initValue,
                                           emptyTensor(rewriter, loc, resultType, outDims))
                   .getResult(0);
  // The window tensor only carries the kernel's extent into the loop nest.
  Value window = rewriter.create<tensor::EmptyOp>(loc, w.kernel, resultType.getElementType());
  int64_t loops = 2 + 2 * spatial;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xExprs{d(0), d(1)}, kExprs, outExprs{d(0), d(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    xExprs.push_back(windowExpr(ctx, 2 + i, 2 + spatial + i, w.strides[i], w.dilations[i]));
    kExprs.push_back(d(2 + spatial + i));
    outExprs.push_back(d(2 + i));
  }
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, xExprs, ctx),
                              AffineMap::get(loops, 0, kExprs, ctx),
                              AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  return rewriter
      .create<linalg::GenericOp>(loc, resultType, ValueRange{paddedInput, window}, init, maps,
                                 iterators,
                                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                                   nb.create<linalg::YieldOp>(nl,
                                                              combine(nb, nl, args[2], args[0]));
                                 })
      .getResult(0);
}

struct LowerMaxPool : OpRewritePattern<MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxPoolOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked");
    Location loc = op.getLoc();
    Window window = resolveWindow(rewriter, loc, op.getX(), resultType, getAsIndexOpFoldResult(getContext(), op.getKernelShape()),
                                  op.getStrides(), op.getDilations(), op.getPads(),
                                  op.getAutoPad(), op.getCeilMode() != 0);
    Window *w = &window;
    Type element = resultType.getElementType();
    bool isUnsigned = isUnsignedOperand(op, 0);
    Value lowest = extremeConstant(rewriter, loc, element, /*lowest=*/true, isUnsigned);
    rewriter.replaceOp(op, poolWindow(rewriter, loc, op.getX(), resultType, *w, lowest,
                                      [&](OpBuilder &b, Location l, Value acc, Value v) -> Value {
                                        if (isa<FloatType>(v.getType()))
                                          return b.create<arith::MaximumFOp>(l, acc, v);
                                        if (isUnsigned)
                                          return b.create<arith::MaxUIOp>(l, acc, v);
                                        return b.create<arith::MaxSIOp>(l, acc, v);
                                      },
                                      /*separable=*/true));
    return success();
  }
};

struct LowerAveragePool : OpRewritePattern<AveragePoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AveragePoolOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !resultType || !isa<FloatType>(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float tensors");
    Location loc = op.getLoc();
    Window window = resolveWindow(rewriter, loc, op.getX(), resultType, getAsIndexOpFoldResult(getContext(), op.getKernelShape()),
                                  op.getStrides(), op.getDilations(), op.getPads(),
                                  op.getAutoPad(), op.getCeilMode() != 0);
    Window *w = &window;
    Type element = resultType.getElementType();
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value sum = poolWindow(rewriter, loc, op.getX(), resultType, *w, zero,
                           [](OpBuilder &b, Location l, Value acc, Value v) -> Value {
                             return b.create<arith::AddFOp>(l, acc, v);
                           },
                           /*separable=*/true);
    // Divide each window by the number of taps it counts: those inside the
    // input, plus the explicit padding when count_include_pad (never the
    // extra padding ceil_mode adds), as ONNX Runtime does.
    int64_t spatial = resultType.getRank() - 2;
    bool includePad = op.getCountIncludePad() != 0;
    SmallVector<OpFoldResult> inDims = getDims(rewriter, loc, op.getX());
    SmallVector<Value> lo, hi;
    IndexMath m{rewriter, loc};
    for (int64_t i = 0; i < spatial; ++i) {
      // In padded coordinates the input is [padBegin, padBegin + in).
      OpFoldResult countedEnd = includePad ? m.sub(w->padEnd[i], w->ceilPadEnd[i]) : m.c(0);
      lo.push_back(m.value(includePad ? m.c(0) : w->padBegin[i]));
      hi.push_back(m.value(m.add(m.add(inDims[2 + i], w->padBegin[i]), countedEnd)));
    }
    Value avg = mapUnary(rewriter, loc, sum, [&](OpBuilder &b, Location l, ValueRange args) {
          Value count = b.create<arith::ConstantIndexOp>(l, 1);
          for (int64_t i = 0; i < spatial; ++i) {
            // Taps k in [0, K) with lo <= o*s + k*d < hi, in padded coordinates.
            Value o = b.create<linalg::IndexOp>(l, 2 + i);
            Value start = b.create<arith::MulIOp>(l, o, b.create<arith::ConstantIndexOp>(l, w->strides[i]));
            Value dil = b.create<arith::ConstantIndexOp>(l, w->dilations[i]);
            Value zeroIdx = b.create<arith::ConstantIndexOp>(l, 0);
            Value kMin = b.create<arith::MaxSIOp>(
                l, zeroIdx,
                b.create<arith::CeilDivSIOp>(l, b.create<arith::SubIOp>(l, lo[i], start), dil));
            Value kMax = b.create<arith::MinSIOp>(
                l, b.create<arith::ConstantIndexOp>(l, *getConstantIntValue(w->kernel[i])),
                b.create<arith::CeilDivSIOp>(l, b.create<arith::SubIOp>(l, hi[i], start), dil));
            Value taps = b.create<arith::MaxSIOp>(l, zeroIdx, b.create<arith::SubIOp>(l, kMax, kMin));
            count = b.create<arith::MulIOp>(l, count, taps);
          }
          Value countF = b.create<arith::SIToFPOp>(
              l, args[0].getType(), b.create<arith::IndexCastOp>(l, b.getI64Type(), count));
          return b.create<arith::DivFOp>(l, args[0], countF);
        });
    rewriter.replaceOp(op, avg);
    return success();
  }
};

/// |x|^p for LpPool's integer p (a product for the common p = 1, 2).
Value absPow(OpBuilder &b, Location l, Value v, int64_t p) {
  Value a = b.create<math::AbsFOp>(l, v);
  if (p == 1)
    return a;
  if (p == 2)
    return b.create<arith::MulFOp>(l, a, a);
  return b.create<math::PowFOp>(l, a, scalarConstant(b, l, v.getType(), (double)p));
}

/// (sum |x|^p)^(1/p) over each window (padding counts as zeros).
struct LowerLpPool : OpRewritePattern<LpPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LpPoolOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !resultType || !isa<FloatType>(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked float tensors");
    Location loc = op.getLoc();
    Window window = resolveWindow(rewriter, loc, op.getX(), resultType, getAsIndexOpFoldResult(getContext(), op.getKernelShape()),
                                  op.getStrides(), op.getDilations(), op.getPads(),
                                  op.getAutoPad(), op.getCeilMode() != 0);
    Type element = resultType.getElementType();
    int64_t p = (int64_t)op.getP();
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value sum = poolWindow(rewriter, loc, op.getX(), resultType, window, zero,
                           [&](OpBuilder &b, Location l, Value acc, Value v) -> Value {
                             return b.create<arith::AddFOp>(l, acc, absPow(b, l, v, p));
                           },
                           /*separable=*/false);
    rewriter.replaceOp(op, mapUnary(rewriter, loc, sum, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      if (p == 1)
        return a[0];
      if (p == 2)
        return b.create<math::SqrtOp>(l, a[0]);
      return b.create<math::PowFOp>(l, a[0], scalarConstant(b, l, element, 1.0 / p));
    }));
    return success();
  }
};

struct LowerGlobalLpPool : OpRewritePattern<GlobalLpPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GlobalLpPoolOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!xType || !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor");
    Location loc = op.getLoc();
    Type element = xType.getElementType();
    int64_t p = (int64_t)op.getP();
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i < xType.getRank(); ++i)
      axes.push_back(i);
    Value sum = reduce(rewriter, loc, op.getX(), axes, /*keepDims=*/true,
                       scalarConstant(rewriter, loc, element, 0),
                       [&](OpBuilder &b, Location l, Value v, Value acc) -> Value {
                         return b.create<arith::AddFOp>(l, acc, absPow(b, l, v, p));
                       });
    rewriter.replaceOp(op, mapUnary(rewriter, loc, sum, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      return b.create<math::PowFOp>(l, a[0], scalarConstant(b, l, element, 1.0 / p));
    }));
    return success();
  }
};

/// Global pools: a reduction over every spatial dim, kept as size 1.
template <typename OpTy, bool isAverage>
struct LowerGlobalPool : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!xType || !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor");
    Location loc = op.getLoc();
    Type element = xType.getElementType();
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i < xType.getRank(); ++i)
      axes.push_back(i);
    Value init = isAverage ? scalarConstant(rewriter, loc, element, 0)
                           : extremeConstant(rewriter, loc, element, true);
    Value result = reduce(rewriter, loc, op.getX(), axes, /*keepDims=*/true, init,
                          [](OpBuilder &b, Location l, Value v, Value acc) -> Value {
                            if (isAverage)
                              return b.create<arith::AddFOp>(l, acc, v);
                            return b.create<arith::MaximumFOp>(l, acc, v);
                          });
    if (isAverage) {
      SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getX());
      Value count = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      for (int64_t axis : axes)
        count = rewriter.create<arith::MulIOp>(loc, count, toValue(rewriter, loc, dims[axis]));
      Value countF = rewriter.create<arith::SIToFPOp>(
          loc, element, rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), count));
      result = mapUnary(rewriter, loc, result, [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        return b.create<arith::DivFOp>(l, args[0], countF);
      });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Per-channel ops
//===----------------------------------------------------------------------===//

/// Map reading a 1-D per-channel tensor at dim 1 of a rank-`rank` space.
AffineMap channelMap(MLIRContext *ctx, int64_t rank) {
  return AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
}

struct LowerBatchNormalization : OpRewritePattern<BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormalizationOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!xType || !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor");
    Location loc = op.getLoc();
    int64_t rank = xType.getRank();
    AffineMap c = channelMap(getContext(), rank);
    double epsilon = op.getEpsilon().convertToDouble();
    Value y = mapLike(
        rewriter, loc, op.getX(),
        ValueRange{op.getX(), op.getScale(), op.getB(), op.getInputMean(), op.getInputVar()},
        {rewriter.getMultiDimIdentityMap(rank), c, c, c, c},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          // (x - mean) * scale / sqrt(var + epsilon) + B
          Value eps = scalarConstant(b, l, a[0].getType(), epsilon);
          Value inv = reciprocalSqrt(b, l, b.create<arith::AddFOp>(l, a[4], eps));
          Value centered = b.create<arith::SubFOp>(l, a[0], a[3]);
          Value scaled = b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, centered, inv), a[1]);
          return b.create<arith::AddFOp>(l, scaled, a[2]);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct LowerLRN : OpRewritePattern<LRNOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LRNOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!xType || !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked float tensor");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Type element = xType.getElementType();
    int64_t size = (int64_t)op.getSize(), rank = xType.getRank();
    // Sum of squares over channels [c - floor((size-1)/2), c + ceil((size-1)/2)].
    int64_t before = (size - 1) / 2, after = size - 1 - before;
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, op.getX());
    Value squares = buildParallelGeneric(
        rewriter, loc, op.getX(), rewriter.getMultiDimIdentityMap(rank),
        emptyTensor(rewriter, loc, xType, dims),
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return b.create<arith::MulFOp>(l, a[0], a[0]);
        });
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0)), high(rank, rewriter.getIndexAttr(0));
    low[1] = rewriter.getIndexAttr(before);
    high[1] = rewriter.getIndexAttr(after);
    Value padded = padWithValue(rewriter, loc, squares, low, high,
                                scalarConstant(rewriter, loc, element, 0));
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value sumInit = rewriter.create<linalg::FillOp>(loc, zero, emptyTensor(rewriter, loc, xType, dims))
                        .getResult(0);
    Value window = rewriter.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{size}, element);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> padExprs{d(0), d(1) + d(rank)}, outExprs;
    for (int64_t i = 2; i < rank; ++i)
      padExprs.push_back(d(i));
    for (int64_t i = 0; i < rank; ++i)
      outExprs.push_back(d(i));
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, padExprs, ctx),
                                AffineMap::get(rank + 1, 0, {d(rank)}, ctx),
                                AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value sums = rewriter
                     .create<linalg::GenericOp>(
                         loc, xType, ValueRange{padded, window}, sumInit, maps, iterators,
                         [](OpBuilder &b, Location l, ValueRange a) {
                           b.create<linalg::YieldOp>(l, b.create<arith::AddFOp>(l, a[2], a[0]).getResult());
                         })
                     .getResult(0);
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    double bias = op.getBias().convertToDouble();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Value y = buildParallelGeneric(
        rewriter, loc, ValueRange{op.getX(), sums}, {identity, identity},
        emptyTensor(rewriter, loc, xType, dims), [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          // x / (bias + alpha / size * sum)^beta
          Value scaled = b.create<arith::MulFOp>(l, a[1], scalarConstant(b, l, element, alpha / size));
          Value base = b.create<arith::AddFOp>(l, scaled, scalarConstant(b, l, element, bias));
          Value denom = b.create<math::PowFOp>(l, base, scalarConstant(b, l, element, beta));
          return b.create<arith::DivFOp>(l, a[0], denom);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateLinearAlgebraToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerMatMul, LowerGemm, Conv2DAsNamedOp, DepthwiseConv2DAsNamedOp, LowerDepthwiseConvNhwc, ConvAsMatMul, CollapsePointwiseConv, LowerConv, LowerConvTranspose,
               LowerMaxPool, LowerAveragePool,
               LowerGlobalPool<GlobalAveragePoolOp, true>, LowerGlobalPool<GlobalMaxPoolOp, false>,
               LowerLpPool, LowerGlobalLpPool,
               LowerBatchNormalization, LowerLRN>(patterns.getContext());
}

} // namespace ingot::lowering
