//===- NeuralNetwork.cpp - Shape rules and verifiers of NN ops ------------===//
//
// Convolution, pooling, normalization, Gemm/MatMul and softmax. The window
// arithmetic follows the ONNX operator spec (and ONNX Runtime for ceil_mode).
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/ops/InferHelpers.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::graph::infer {

int64_t windowOutputSize(int64_t input, int64_t kernel, int64_t stride, int64_t dilation,
                         int64_t padBegin, int64_t padEnd, bool ceilMode) {
  if (ShapedType::isDynamic(input))
    return ShapedType::kDynamic;
  int64_t effectiveKernel = (kernel - 1) * dilation + 1;
  int64_t span = input + padBegin + padEnd - effectiveKernel;
  if (span < 0)
    return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // A window that would start in the end padding is dropped (as ONNX Runtime does).
  if (ceilMode && (out - 1) * stride >= input + padBegin)
    --out;
  return out;
}

LogicalResult windowedResult(std::optional<Location> loc, Value input, int64_t channels,
                             ArrayRef<int64_t> kernel,
                             std::optional<ArrayRef<int64_t>> strides,
                             std::optional<ArrayRef<int64_t>> dilations,
                             std::optional<ArrayRef<int64_t>> pads, StringRef autoPad,
                             bool ceilMode, SmallVectorImpl<Type> &types) {
  auto type = ranked(input);
  if (!type) {
    types.push_back(unranked(elementOf(input)));
    return success();
  }
  int64_t spatial = type.getRank() - 2;
  if (spatial < 1)
    return emitOptionalError(loc, "expected input of rank 3 or more, got ", type);
  if ((int64_t)kernel.size() != spatial)
    return emitOptionalError(loc, "expected kernel_shape of ", spatial, " values, got ",
                             kernel.size());
  if (strides && (int64_t)strides->size() != spatial)
    return emitOptionalError(loc, "expected strides of ", spatial, " values, got ",
                             strides->size());
  if (dilations && (int64_t)dilations->size() != spatial)
    return emitOptionalError(loc, "expected dilations of ", spatial, " values, got ",
                             dilations->size());
  if (pads && (int64_t)pads->size() != 2 * spatial)
    return emitOptionalError(loc, "expected pads of ", 2 * spatial, " values, got ",
                             pads->size());
  SmallVector<int64_t> shape{type.getDimSize(0), channels};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = type.getDimSize(2 + i);
    int64_t stride = strides ? (*strides)[i] : 1;
    int64_t dilation = dilations ? (*dilations)[i] : 1;
    if (stride < 1 || dilation < 1 || kernel[i] < 1)
      return emitOptionalError(loc, "kernel_shape, strides and dilations must be positive");
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      shape.push_back(ShapedType::isDynamic(in) ? in : (in + stride - 1) / stride);
    } else if (autoPad == "VALID") {
      shape.push_back(windowOutputSize(in, kernel[i], stride, dilation, 0, 0, ceilMode));
    } else if (autoPad == "NOTSET") {
      int64_t begin = pads ? (*pads)[i] : 0, end = pads ? (*pads)[spatial + i] : 0;
      if (begin < 0 || end < 0)
        return emitOptionalError(loc, "pads must not be negative");
      shape.push_back(windowOutputSize(in, kernel[i], stride, dilation, begin, end, ceilMode));
    } else {
      return emitOptionalError(loc, "unknown auto_pad '", autoPad, "'");
    }
  }
  types.push_back(makeTensor(shape, type.getElementType()));
  return success();
}

} // namespace ingot::graph::infer

namespace ingot::graph {
using namespace infer;

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// The kernel's spatial dims: kernel_shape when given, else W's trailing dims.
static std::optional<SmallVector<int64_t>>
kernelShapeOf(Value weight, std::optional<ArrayRef<int64_t>> attr) {
  if (attr)
    return SmallVector<int64_t>(*attr);
  auto type = ranked(weight);
  if (!type || type.getRank() < 3)
    return std::nullopt;
  ArrayRef<int64_t> spatial = type.getShape().drop_front(2);
  if (llvm::any_of(spatial, ShapedType::isDynamic))
    return std::nullopt;
  return SmallVector<int64_t>(spatial);
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX());
  auto w = ranked(adaptor.getW());
  auto kernel = kernelShapeOf(adaptor.getW(), adaptor.getKernelShape());
  if (!x || !w || !kernel) {
    types.push_back(x ? allDynamic(x.getRank(), x.getElementType())
                      : unranked(elementOf(adaptor.getX())));
    return success();
  }
  return windowedResult(loc, adaptor.getX(), w.getDimSize(0), *kernel, adaptor.getStrides(),
                        adaptor.getDilations(), adaptor.getPads(), adaptor.getAutoPad(),
                        /*ceilMode=*/false, types);
}

/// Checks shared by Conv and ConvTranspose: ranks, group and bias.
template <typename ConvLike>
/// `inputChannelsPerGroupDim` is W's dim holding the input channels of one
/// group (Conv: W is [M, C/group, k...]); -1 when W's dim 0 holds all of
/// them (ConvTranspose: W is [C, M/group, k...]).
static LogicalResult verifyConvLike(ConvLike op, int64_t inputChannelsPerGroupDim,
                                    int64_t outputChannels) {
  auto x = ranked(op.getX());
  auto w = ranked(op.getW());
  int64_t group = (int64_t)op.getGroup();
  if (group < 1)
    return op.emitOpError("expected group to be positive, got ") << group;
  if (!x || !w)
    return success();
  if (x.getRank() < 3)
    return op.emitOpError("expected input X of rank 3 or more, got ") << x;
  if (w.getRank() != x.getRank())
    return op.emitOpError("expected weight W of rank ") << x.getRank() << ", got " << w;
  int64_t inChannels = x.getDimSize(1);
  bool perGroup = inputChannelsPerGroupDim >= 0;
  int64_t wChannels = w.getDimSize(perGroup ? inputChannelsPerGroupDim : 0);
  int64_t expected = perGroup && !ShapedType::isDynamic(wChannels) ? wChannels * group : wChannels;
  if (!ShapedType::isDynamic(inChannels) && !ShapedType::isDynamic(wChannels) &&
      inChannels != expected)
    return perGroup ? op.emitOpError("expected ")
                          << expected << " input channels (W dim " << inputChannelsPerGroupDim
                          << " x group), got " << inChannels
                    : op.emitOpError("expected ") << expected << " input channels (W dim 0), got "
                                                  << inChannels;
  if (!perGroup && !ShapedType::isDynamic(wChannels) && wChannels % group != 0)
    return op.emitOpError("W dim 0 (") << wChannels << ") is not a multiple of group " << group;
  if (auto kernel = op.getKernelShape()) {
    for (auto [i, k] : llvm::enumerate(*kernel)) {
      int64_t dim = w.getDimSize(2 + i);
      if (!ShapedType::isDynamic(dim) && dim != k)
        return op.emitOpError("kernel_shape ") << k << " disagrees with weight dim " << dim;
    }
  }
  if (Value bias = op.getB()) {
    auto b = ranked(bias);
    if (b && (b.getRank() != 1 ||
              (!ShapedType::isDynamic(outputChannels) && !b.isDynamicDim(0) &&
               b.getDimSize(0) != outputChannels)))
      return op.emitOpError("expected bias of ") << outputChannels << " elements, got " << b;
  }
  return success();
}

LogicalResult ConvOp::verify() {
  auto w = ranked(getW());
  int64_t out = w ? w.getDimSize(0) : ShapedType::kDynamic;
  if (w && !ShapedType::isDynamic(out) && out % (int64_t)getGroup() != 0)
    return emitOpError("expected output channels ") << out << " to be a multiple of group "
                                                    << (int64_t)getGroup();
  return verifyConvLike(*this, /*inputChannelsPerGroupDim=*/1, out);
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX());
  auto w = ranked(adaptor.getW());
  auto kernel = kernelShapeOf(adaptor.getW(), adaptor.getKernelShape());
  if (!x || !w || !kernel) {
    types.push_back(x ? allDynamic(x.getRank(), x.getElementType())
                      : unranked(elementOf(adaptor.getX())));
    return success();
  }
  int64_t spatial = x.getRank() - 2;
  if ((int64_t)kernel->size() != spatial)
    return emitOptionalError(loc, "expected kernel_shape of ", spatial, " values");
  int64_t channels = w.isDynamicDim(1) ? ShapedType::kDynamic
                                       : w.getDimSize(1) * (int64_t)adaptor.getGroup();
  SmallVector<int64_t> shape{x.getDimSize(0), channels};
  auto strides = adaptor.getStrides(), dilations = adaptor.getDilations();
  auto pads = adaptor.getPads(), outputPadding = adaptor.getOutputPadding();
  auto outputShape = adaptor.getOutputShape();
  if (outputShape && (int64_t)outputShape->size() != spatial)
    return emitOptionalError(loc, "expected output_shape of ", spatial, " values");
  StringRef autoPad = adaptor.getAutoPad();
  for (int64_t i = 0; i < spatial; ++i) {
    if (outputShape) {
      shape.push_back((*outputShape)[i]);
      continue;
    }
    int64_t in = x.getDimSize(2 + i);
    int64_t stride = strides ? (*strides)[i] : 1;
    if (ShapedType::isDynamic(in)) {
      shape.push_back(ShapedType::kDynamic);
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      shape.push_back(in * stride);
    } else {
      int64_t dilation = dilations ? (*dilations)[i] : 1;
      int64_t extra = outputPadding ? (*outputPadding)[i] : 0;
      int64_t begin = pads && autoPad == "NOTSET" ? (*pads)[i] : 0;
      int64_t end = pads && autoPad == "NOTSET" ? (*pads)[spatial + i] : 0;
      shape.push_back(stride * (in - 1) + extra + ((*kernel)[i] - 1) * dilation + 1 - begin -
                      end);
    }
  }
  types.push_back(makeTensor(shape, x.getElementType()));
  return success();
}

LogicalResult ConvTransposeOp::verify() {
  auto w = ranked(getW());
  int64_t out = w && !w.isDynamicDim(1) ? w.getDimSize(1) * (int64_t)getGroup()
                                        : ShapedType::kDynamic;
  return verifyConvLike(*this, /*inputChannelsPerGroupDim=*/-1, out);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// MaxPool and AveragePool keep the channels and window the spatial dims.
template <typename Adaptor>
static LogicalResult inferPool(std::optional<Location> loc, Adaptor adaptor,
                               SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX());
  int64_t channels = x && x.getRank() > 1 ? x.getDimSize(1) : ShapedType::kDynamic;
  return windowedResult(loc, adaptor.getX(), channels, adaptor.getKernelShape(),
                        adaptor.getStrides(), adaptor.getDilations(), adaptor.getPads(),
                        adaptor.getAutoPad(), adaptor.getCeilMode() != 0, types);
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor, types);
}

LogicalResult AveragePoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor, types);
}

LogicalResult MaxPoolOp::verify() {
  if (getStorageOrder() != 0)
    return emitOpError("storage_order=1 (column major indices) is not supported");
  return success();
}

static LogicalResult inferGlobalPool(Value input, SmallVectorImpl<Type> &types) {
  auto x = ranked(input);
  if (!x) {
    types.push_back(unranked(elementOf(input)));
    return success();
  }
  SmallVector<int64_t> shape(x.getShape());
  for (size_t i = 2; i < shape.size(); ++i)
    shape[i] = 1;
  types.push_back(makeTensor(shape, x.getElementType()));
  return success();
}

LogicalResult GlobalAveragePoolOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                                    Adaptor adaptor,
                                                    SmallVectorImpl<Type> &types) {
  return inferGlobalPool(adaptor.getX(), types);
}

LogicalResult GlobalMaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferGlobalPool(adaptor.getX(), types);
}

LogicalResult GlobalLpPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                               Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferGlobalPool(adaptor.getX(), types);
}

LogicalResult LpPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor, types);
}

GRAPH_INFER_SAME_AS_FIRST_OPERAND(LpNormalizationOp)

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

GRAPH_INFER_SAME_AS_FIRST_OPERAND(BatchNormalizationOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(InstanceNormalizationOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(LRNOp)

LogicalResult BatchNormalizationOp::verify() {
  if (getTrainingMode() != 0)
    return emitOpError("training_mode=1 is not supported: export the model for inference");
  auto x = ranked(getX());
  if (!x)
    return success();
  if (x.getRank() < 2)
    return emitOpError("expected input X of rank 2 or more, got ") << x;
  int64_t channels = x.getDimSize(1);
  for (auto [name, value] : {std::pair<StringRef, Value>{"scale", getScale()},
                             {"B", getB()},
                             {"input_mean", getInputMean()},
                             {"input_var", getInputVar()}}) {
    auto type = ranked(value);
    if (!type)
      continue;
    if (type.getRank() != 1 || (!type.isDynamicDim(0) && !ShapedType::isDynamic(channels) &&
                                type.getDimSize(0) != channels))
      return emitOpError("expected ") << name << " of " << channels << " elements, got "
                                      << type;
  }
  return success();
}

LogicalResult LRNOp::verify() {
  if ((int64_t)getSize() < 1)
    return emitOpError("expected size to be positive, got ") << (int64_t)getSize();
  return success();
}

LogicalResult LayerNormalizationOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                     Adaptor adaptor,
                                                     SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX());
  std::optional<int64_t> axis;
  if (x && !(axis = normalizeAxis((int64_t)adaptor.getAxis(), x.getRank())))
    return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(),
                             " is out of range for rank ", x.getRank());
  types.push_back(adaptor.getX().getType());
  // Mean and InvStdDev, when asked for: X's shape with the normalized dims
  // set to 1, in the stash type.
  Type stash = getElementTypeForOnnx(ctx, (int64_t)adaptor.getStashType());
  if (!stash)
    return emitOptionalError(loc, "unsupported stash_type ", (int64_t)adaptor.getStashType());
  Type statistics = unranked(stash);
  if (x) {
    SmallVector<int64_t> shape(x.getShape());
    for (int64_t i = *axis; i < x.getRank(); ++i)
      shape[i] = 1;
    statistics = makeTensor(shape, stash);
  }
  const auto &segments = adaptor.getProperties().resultSegmentSizes;
  for (int32_t i = 0; i < segments[1] + segments[2]; ++i)
    types.push_back(statistics);
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

template <typename Adaptor>
static LogicalResult inferSoftmax(std::optional<Location> loc, Adaptor adaptor,
                                  SmallVectorImpl<Type> &types) {
  if (auto x = ranked(adaptor.getInput()))
    if (!normalizeAxis((int64_t)adaptor.getAxis(), x.getRank()))
      return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(),
                               " is out of range for rank ", x.getRank());
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferSoftmax(loc, adaptor, types);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferSoftmax(loc, adaptor, types);
}

//===----------------------------------------------------------------------===//
// Gemm and MatMul
//===----------------------------------------------------------------------===//

static bool dimsConflict(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto a = ranked(adaptor.getA());
  auto b = ranked(adaptor.getB());
  Type element = elementOf(adaptor.getA());
  if (!a || !b) {
    types.push_back(allDynamic(2, element));
    return success();
  }
  if (a.getRank() != 2 || b.getRank() != 2)
    return emitOptionalError(loc, "expected 2-D operands A and B, got ", a, " and ", b);
  bool transA = adaptor.getTransA() != 0, transB = adaptor.getTransB() != 0;
  int64_t m = a.getDimSize(transA ? 1 : 0), ka = a.getDimSize(transA ? 0 : 1);
  int64_t kb = b.getDimSize(transB ? 1 : 0), n = b.getDimSize(transB ? 0 : 1);
  if (dimsConflict(ka, kb))
    return emitOptionalError(loc, "inner dimensions differ: A gives ", ka, ", B gives ", kb);
  if (auto c = ranked(adaptor.getC())) {
    SmallVector<int64_t> out;
    if (c.getRank() > 2 || failed(broadcastShapes({ArrayRef<int64_t>{m, n}, c.getShape()}, out)) ||
        dimsConflict(out[0], m) || dimsConflict(out[1], n))
      return emitOptionalError(loc, "bias C of type ", c, " does not broadcast to [", m, ", ",
                               n, "]");
  }
  types.push_back(makeTensor({m, n}, element));
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto a = ranked(adaptor.getA());
  auto b = ranked(adaptor.getB());
  Type element = elementOf(adaptor.getA());
  if (!a || !b) {
    types.push_back(unranked(element));
    return success();
  }
  if (a.getRank() == 0 || b.getRank() == 0)
    return emitOptionalError(loc, "operands of MatMul must not be scalars");
  SmallVector<int64_t> sa(a.getShape()), sb(b.getShape());
  bool vectorA = sa.size() == 1, vectorB = sb.size() == 1;
  if (vectorA)
    sa.insert(sa.begin(), 1);
  if (vectorB)
    sb.push_back(1);
  if (dimsConflict(sa.back(), sb[sb.size() - 2]))
    return emitOptionalError(loc, "inner dimensions differ: A gives ", sa.back(), ", B gives ",
                             sb[sb.size() - 2]);
  SmallVector<int64_t> batch;
  if (failed(broadcastShapes({ArrayRef<int64_t>(sa).drop_back(2),
                              ArrayRef<int64_t>(sb).drop_back(2)},
                             batch)))
    return emitOptionalError(loc, "batch dimensions of ", a, " and ", b, " do not broadcast");
  if (!vectorA)
    batch.push_back(sa[sa.size() - 2]);
  if (!vectorB)
    batch.push_back(sb.back());
  types.push_back(makeTensor(batch, element));
  return success();
}

} // namespace ingot::graph

//===----------------------------------------------------------------------===//
// RNN, GRU, LSTM
//===----------------------------------------------------------------------===//

namespace {

/// Y [T, D, B, H] (layout 1: [B, T, D, H]) and the final states [D, B, H]
/// (layout 1: [B, D, H]) for the results present.
template <typename Adaptor>
LogicalResult inferRecurrence(std::optional<Location> loc, Adaptor adaptor, int64_t gates,
                              SmallVectorImpl<Type> &types) {
  Type element = infer::elementOf(adaptor.getX());
  auto x = ranked(adaptor.getX());
  auto w = ranked(adaptor.getW());
  auto r = ranked(adaptor.getR());
  StringRef direction = adaptor.getDirection();
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return emitOptionalError(loc, "unknown direction '", direction, "'");
  int64_t directions = direction == "bidirectional" ? 2 : 1;
  bool batchFirst = adaptor.getLayout() != 0;
  if ((x && x.getRank() != 3) || (w && w.getRank() != 3) || (r && r.getRank() != 3))
    return emitOptionalError(loc, "expected X, W and R of rank 3");
  int64_t hidden = ShapedType::kDynamic;
  if (auto attr = adaptor.getHiddenSize())
    hidden = (int64_t)*attr;
  else if (r && !r.isDynamicDim(2))
    hidden = r.getDimSize(2);
  else if (w && !w.isDynamicDim(1))
    hidden = w.getDimSize(1) / gates;
  if (w && !w.isDynamicDim(1) && hidden != ShapedType::kDynamic && w.getDimSize(1) != gates * hidden)
    return emitOptionalError(loc, "W dim 1 is ", w.getDimSize(1), "; ", gates, " gates of ", hidden,
                             " need ", gates * hidden);
  if (w && !w.isDynamicDim(0) && w.getDimSize(0) != directions)
    return emitOptionalError(loc, "W dim 0 is ", w.getDimSize(0), " for ", directions, " direction(s)");
  int64_t steps = x ? x.getDimSize(batchFirst ? 1 : 0) : ShapedType::kDynamic;
  int64_t batch = x ? x.getDimSize(batchFirst ? 0 : 1) : ShapedType::kDynamic;
  const auto &segments = adaptor.getProperties().resultSegmentSizes;
  if (segments[0])
    types.push_back(batchFirst ? makeTensor({batch, steps, directions, hidden}, element)
                               : makeTensor({steps, directions, batch, hidden}, element));
  for (size_t i = 1; i < std::size(segments); ++i)
    if (segments[i])
      types.push_back(batchFirst ? makeTensor({batch, directions, hidden}, element)
                                 : makeTensor({directions, batch, hidden}, element));
  return success();
}

LogicalResult verifyActivations(Operation *op, std::optional<ArrayAttr> activations, int64_t perDirection,
                                StringRef direction) {
  if (!activations)
    return success();
  int64_t expected = perDirection * (direction == "bidirectional" ? 2 : 1);
  if ((int64_t)activations->size() != expected)
    return op->emitOpError("expected ") << expected << " activations, got " << activations->size();
  for (Attribute a : *activations) {
    StringRef name = cast<StringAttr>(a).getValue();
    if (!llvm::is_contained({"Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu",
                             "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"}, name))
      return op->emitOpError("unknown activation '") << name << "'";
  }
  return success();
}

} // namespace

LogicalResult RNNOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  return inferRecurrence(loc, adaptor, 1, types);
}
LogicalResult GRUOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  return inferRecurrence(loc, adaptor, 3, types);
}
LogicalResult LSTMOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  return inferRecurrence(loc, adaptor, 4, types);
}
LogicalResult RNNOp::verify() { return verifyActivations(*this, getActivations(), 1, getDirection()); }
LogicalResult GRUOp::verify() { return verifyActivations(*this, getActivations(), 2, getDirection()); }
LogicalResult LSTMOp::verify() { return verifyActivations(*this, getActivations(), 3, getDirection()); }

//===----------------------------------------------------------------------===//
// DFT, Col2Im
//===----------------------------------------------------------------------===//

std::optional<int64_t> ingot::graph::dftAxis(Value axis, int64_t rank) {
  int64_t value = -2;
  if (axis) {
    auto values = getConstantInts(axis);
    if (!values || values->size() != 1)
      return std::nullopt;
    value = (*values)[0];
  }
  if (value < 0)
    value += rank;
  if (value < 0 || value > rank - 2)
    return std::nullopt;
  return value;
}

LogicalResult DFTOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  // [..., N (or N/2 + 1 one-sided), ..., 2]: complex, as (real, imaginary).
  Type element = infer::elementOf(adaptor.getInput());
  auto x = ranked(adaptor.getInput());
  if (!x) {
    types.push_back(unranked(element));
    return success();
  }
  int64_t rank = x.getRank();
  if (rank < 2 || (!x.isDynamicDim(rank - 1) && x.getDimSize(rank - 1) != 1 && x.getDimSize(rank - 1) != 2))
    return emitOptionalError(loc, "expected an input [..., 1 or 2] (real or complex)");
  std::optional<int64_t> axis = dftAxis(adaptor.getAxis(), rank);
  if (!axis) {
    if (adaptor.getAxis() && !getConstantInts(adaptor.getAxis())) {
      // An axis only known at run time: every signal dim may change.
      SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
      shape[rank - 1] = adaptor.getInverse() && adaptor.getOnesided() ? 1 : 2;
      types.push_back(makeTensor(shape, element));
      return success();
    }
    return emitOptionalError(loc, "axis must be in [", -rank, ", -2] or [0, ", rank - 2, "]");
  }
  SmallVector<int64_t> shape(x.getShape());
  bool inverseOfOneSided = adaptor.getInverse() && adaptor.getOnesided();
  int64_t n = shape[*axis];
  if (inverseOfOneSided && n != ShapedType::kDynamic)
    n = 2 * (n - 1);
  if (Value length = adaptor.getDftLength()) {
    auto values = getConstantInts(length);
    n = values && values->size() == 1 ? (*values)[0] : ShapedType::kDynamic;
  }
  // Forward one-sided: the first N / 2 + 1 bins. Inverse of one-sided bins:
  // the N real samples of the Hermitian spectrum they describe.
  bool halve = adaptor.getOnesided() && !adaptor.getInverse();
  shape[*axis] = n == ShapedType::kDynamic || !halve ? n : n / 2 + 1;
  shape[rank - 1] = inverseOfOneSided ? 1 : 2;
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult DFTOp::verify() { return success(); }

LogicalResult Col2ImOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  // [N, C, image_shape...] from [N, C * prod(block_shape), L].
  Type element = infer::elementOf(adaptor.getInput());
  auto x = ranked(adaptor.getInput());
  auto image = getConstantInts(adaptor.getImageShape());
  auto block = getConstantInts(adaptor.getBlockShape());
  if (x && (!image || !block)) {
    // Sizes read at run time: the image's rank is still its shape's length.
    auto shape = ranked(adaptor.getImageShape());
    if (!shape || shape.isDynamicDim(0)) {
      types.push_back(unranked(element));
      return success();
    }
    SmallVector<int64_t> dims(2 + shape.getDimSize(0), ShapedType::kDynamic);
    dims[0] = x.getDimSize(0);
    if (image)
      std::copy(image->begin(), image->end(), dims.begin() + 2);
    types.push_back(makeTensor(dims, element));
    return success();
  }
  if (!x) {
    types.push_back(unranked(element));
    return success();
  }
  if (x.getRank() != 3 || image->size() != block->size())
    return emitOptionalError(loc, "expected an input [N, C * prod(block_shape), L] and image_shape and "
                                  "block_shape of the same length");
  int64_t blockSize = 1;
  for (int64_t b : *block)
    blockSize *= b;
  SmallVector<int64_t> shape{x.getDimSize(0), ShapedType::kDynamic};
  if (!x.isDynamicDim(1) && blockSize > 0) {
    if (x.getDimSize(1) % blockSize != 0)
      return emitOptionalError(loc, "input dim 1 (", x.getDimSize(1), ") is not a multiple of the block size ",
                               blockSize);
    shape[1] = x.getDimSize(1) / blockSize;
  }
  llvm::append_range(shape, *image);
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult Col2ImOp::verify() {
  // The lowering divides by the strides and steps by the dilations.
  for (auto [name, values, minimum] : {std::tuple{"strides", getStrides(), 1}, {"dilations", getDilations(), 1},
                                       {"pads", getPads(), 0}})
    if (values)
      for (int64_t v : *values)
        if (v < minimum)
          return emitOpError(name) << " must be at least " << minimum << ", got " << v;
  return success();
}

namespace ingot::graph {

LogicalResult DepthwiseConvNhwcOp::verify() {
  auto x = dyn_cast<RankedTensorType>(getX().getType());
  auto w = dyn_cast<RankedTensorType>(getW().getType());
  auto y = dyn_cast<RankedTensorType>(getY().getType());
  if (!x || !w || !y || x.getRank() != 4 || w.getRank() != 3 || y.getRank() != 4)
    return emitOpError("expects X and Y of rank 4 (N, H, W, C) and W of rank 3 (KH, KW, C)");
  if (getStrides().size() != 2 || getDilations().size() != 2 || getPads().size() != 4)
    return emitOpError("expects 2 strides, 2 dilations and 4 pads");
  if (llvm::any_of(getStrides(), [](int64_t v) { return v < 1; }) ||
      llvm::any_of(getDilations(), [](int64_t v) { return v < 1; }) ||
      llvm::any_of(getPads(), [](int64_t v) { return v < 0; }))
    return emitOpError("expects positive strides and dilations and pads of at least 0");
  auto agree = [](int64_t a, int64_t b) { return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b; };
  int64_t c = x.getDimSize(3);
  if (!agree(c, w.getDimSize(2)) || !agree(c, y.getDimSize(3)))
    return emitOpError("X has ") << c << " channels, W " << w.getDimSize(2) << ", Y " << y.getDimSize(3);
  if (auto b = getB()) {
    auto bType = dyn_cast<RankedTensorType>(b.getType());
    if (!bType || bType.getRank() != 1 || !agree(bType.getDimSize(0), c))
      return emitOpError("expects B of one value per channel");
  }
  for (int64_t axis = 0; axis < 2; ++axis) {
    int64_t in = x.getDimSize(1 + axis), k = w.getDimSize(axis), out = y.getDimSize(1 + axis);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k) || ShapedType::isDynamic(out))
      continue;
    int64_t padded = in + getPads()[axis] + getPads()[axis + 2];
    int64_t reach = (k - 1) * getDilations()[axis] + 1;
    int64_t expected = padded < reach ? 0 : (padded - reach) / getStrides()[axis] + 1;
    if (out != expected)
      return emitOpError("output ") << (axis ? "width" : "height") << " is " << out << ", the window gives "
                                    << expected;
  }
  return success();
}

} // namespace ingot::graph
