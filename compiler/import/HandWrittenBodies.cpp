//===- HandWrittenBodies.cpp - Function bodies the schema cannot give -----===//
//
// ONNX defines some operators by functions that depend on the node's input
// types (context-dependent), which the installed schema cannot hand over
// without Python, and the preview training optimizers have no bodies at
// all. Their bodies are written here in default-domain ops, element types
// taken from the inputs with CastLike as ONNX's own bodies do:
//   SoftmaxCrossEntropyLoss = NegativeLogLikelihoodLoss(LogSoftmax(scores))
//   Adagrad, Adam, Momentum (ai.onnx.preview.training), one update per
//   tensor they optimize.
//   MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv: the product of
//   the zero-point-centered integers, requantized as the reference does.
//
//===----------------------------------------------------------------------===//

#include "compiler/import/FunctionInliner.h"
#include "compiler/import/NodeWriter.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSwitch.h"

#include <functional>

namespace ingot {
namespace {

std::vector<onnx::NodeProto> softmaxCrossEntropy(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  std::string logProb =
      b.op("LogSoftmax", {node.input(0)}, {NodeWriter::intAttr("axis", 1)},
           node.output_size() > 1 && !node.output(1).empty() ? node.output(1) : "");
  std::vector<std::string> inputs{logProb};
  for (int i = 1; i < node.input_size(); ++i)
    inputs.push_back(node.input(i));
  std::vector<onnx::AttributeProto> attributes;
  for (llvm::StringRef name : {"reduction", "ignore_index"})
    if (const onnx::AttributeProto *a = b.attribute(name))
      attributes.push_back(*a);
  b.op("NegativeLogLikelihoodLoss", inputs, attributes, node.output(0));
  return b.nodes;
}

/// The optimizers take (R, T, then the groups of tensors, n each).
int64_t groupSize(const onnx::NodeProto &node, int groups) {
  return (node.input_size() - 2) / groups;
}

std::vector<onnx::NodeProto> adagrad(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  int64_t n = groupSize(node, 3);
  for (int64_t i = 0; i < n; ++i) {
    const std::string &x = node.input(2 + i), &g = node.input(2 + n + i), &h = node.input(2 + 2 * n + i);
    // r = R / (1 + T * decay); g' = norm * x + g; h' = h + g'^2;
    // x' = x - r * g' / (sqrt(h') + epsilon)
    std::string r = b.div(b.op("CastLike", {node.input(0), x}),
                          b.add(b.constant(1, x), b.mul(b.op("CastLike", {node.input(1), x}),
                                                        b.constant(b.floatAttr("decay_factor", 0), x))));
    std::string reg = b.add(b.mul(b.constant(b.floatAttr("norm_coefficient", 0), x), x), g);
    std::string hNew = b.op("Add", {h, b.mul(reg, reg)}, {}, node.output(n + i));
    std::string denominator = b.add(b.op("Sqrt", {hNew}), b.constant(b.floatAttr("epsilon", 0), x));
    b.op("Sub", {x, b.div(b.mul(r, reg), denominator)}, {}, node.output(i));
  }
  return b.nodes;
}

std::vector<onnx::NodeProto> adam(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  int64_t n = groupSize(node, 4);
  double alpha = b.floatAttr("alpha", 0.9), beta = b.floatAttr("beta", 0.999);
  for (int64_t i = 0; i < n; ++i) {
    const std::string &x = node.input(2 + i), &g = node.input(2 + n + i);
    const std::string &v = node.input(2 + 2 * n + i), &h = node.input(2 + 3 * n + i);
    std::string reg = b.add(b.mul(b.constant(b.floatAttr("norm_coefficient", 0), x), x), g);
    std::string vNew = b.op("Add", {b.mul(b.constant(alpha, x), v), b.mul(b.constant(1 - alpha, x), reg)}, {},
                            node.output(n + i));
    std::string hNew = b.op("Add", {b.mul(b.constant(beta, x), h), b.mul(b.constant(1 - beta, x), b.mul(reg, reg))},
                            {}, node.output(2 * n + i));
    std::string hSqrt = b.add(b.op("Sqrt", {hNew}), b.constant(b.floatAttr("epsilon", 1e-6), x));
    // r * sqrt(1 - beta^t) / (1 - alpha^t) once t > 0, else r.
    std::string r = b.op("CastLike", {node.input(0), x});
    std::string t = b.op("CastLike", {node.input(1), x});
    std::string corrected = b.div(b.mul(r, b.op("Sqrt", {b.sub(b.constant(1, x), b.op("Pow", {b.constant(beta, x), t}))})),
                                  b.sub(b.constant(1, x), b.op("Pow", {b.constant(alpha, x), t})));
    std::string positive = b.op("Greater", {node.input(1), b.op("CastLike", {b.constant(0, x), node.input(1)})});
    std::string rAdjusted = b.op("Where", {positive, corrected, r});
    std::string xNew = b.sub(x, b.mul(rAdjusted, b.div(vNew, hSqrt)));
    b.op("Mul", {b.constant(1 - b.floatAttr("norm_coefficient_post", 0), x), xNew}, {}, node.output(i));
  }
  return b.nodes;
}

std::vector<onnx::NodeProto> momentum(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  int64_t n = groupSize(node, 3);
  bool nesterov = b.stringAttr("mode", "standard") == "nesterov";
  for (int64_t i = 0; i < n; ++i) {
    const std::string &x = node.input(2 + i), &g = node.input(2 + n + i), &v = node.input(2 + 2 * n + i);
    std::string reg = b.add(b.mul(b.constant(b.floatAttr("norm_coefficient", 0), x), x), g);
    // beta applies from the second step on (t > 0), 1 before.
    std::string positive = b.op("Greater", {node.input(1), b.op("CastLike", {b.constant(0, x), node.input(1)})});
    std::string betaAdjusted = b.op("Where", {positive, b.constant(b.floatAttr("beta", 0), x), b.constant(1, x)});
    std::string alpha = b.constant(b.floatAttr("alpha", 0), x);
    std::string vNew = b.op("Add", {b.mul(alpha, v), b.mul(betaAdjusted, reg)}, {}, node.output(n + i));
    std::string r = b.op("CastLike", {node.input(0), x});
    std::string step = nesterov ? b.add(reg, b.mul(alpha, vNew)) : vNew;
    b.op("Sub", {x, b.mul(r, step)}, {}, node.output(i));
  }
  return b.nodes;
}

// The integer and quantized products compute in double: exact for any sum
// of int8/uint8 products below 2^53, and the reference's own order for the
// requantization (int32 product times a_scale * b_scale / y_scale, rounded
// half to even, plus the zero point).
constexpr int64_t kDouble = onnx::TensorProto::DOUBLE, kInt32 = onnx::TensorProto::INT32;

/// x - zero point, in double; `zeroPoint` may be absent ("").
std::string centered(NodeWriter &b, const std::string &x, const std::string &zeroPoint,
                     const std::function<std::string(const std::string &)> &shapeZeroPoint) {
  std::string v = b.cast(x, kDouble);
  if (zeroPoint.empty())
    return v;
  return b.sub(v, shapeZeroPoint(b.cast(zeroPoint, kDouble)));
}

std::string input(const onnx::NodeProto &node, int i) {
  return i < node.input_size() ? node.input(i) : std::string();
}

std::vector<onnx::AttributeProto> convAttributes(const onnx::NodeProto &node) {
  return {node.attribute().begin(), node.attribute().end()};
}

/// Round half to even, add the output zero point and saturate to its type
/// (Ingot's float-to-integer Cast saturates).
void requantize(NodeWriter &b, const std::string &product, const std::string &multiplier,
                const std::string &yZeroPoint, const std::string &output) {
  std::string scaled = b.mul(product, multiplier);
  std::string shifted = b.add(b.op("Round", {scaled}), b.cast(yZeroPoint, kDouble));
  b.op("CastLike", {shifted, yZeroPoint}, {}, output);
}

std::vector<onnx::NodeProto> matMulInteger(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  // A's zero point is per row (scalar or [M]), B's per column (scalar or [N]).
  std::string a = centered(b, node.input(0), input(node, 2), [&](auto &zp) { return b.unsqueezeLast(zp); });
  std::string bb = centered(b, node.input(1), input(node, 3), [](auto &zp) { return zp; });
  b.op("Cast", {b.op("MatMul", {a, bb})}, {NodeWriter::intAttr("to", kInt32)}, node.output(0));
  return b.nodes;
}

std::vector<onnx::NodeProto> qlinearMatMul(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  // (a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point)
  std::string a = centered(b, node.input(0), node.input(2), [&](auto &zp) { return b.unsqueezeLast(zp); });
  std::string bb = centered(b, node.input(3), node.input(5), [](auto &zp) { return zp; });
  std::string multiplier =
      b.cast(b.div(b.mul(b.unsqueezeLast(node.input(1)), node.input(4)), node.input(6)), kDouble);
  requantize(b, b.op("MatMul", {a, bb}), multiplier, node.input(7), node.output(0));
  return b.nodes;
}

std::vector<onnx::NodeProto> convInteger(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  // x's zero point is per tensor; w's per output channel (scalar or [M]).
  std::string w = node.input(1);
  std::string x = centered(b, node.input(0), input(node, 2), [](auto &zp) { return zp; });
  std::string wc = centered(b, w, input(node, 3), [&](auto &zp) { return b.trailingOnes(zp, w, 1); });
  b.op("Cast", {b.op("Conv", {x, wc}, convAttributes(node))}, {NodeWriter::intAttr("to", kInt32)}, node.output(0));
  return b.nodes;
}

std::vector<onnx::NodeProto> qlinearConv(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  // (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B)
  const std::string &xIn = node.input(0), &w = node.input(3);
  std::string x = centered(b, xIn, node.input(2), [](auto &zp) { return zp; });
  std::string wc = centered(b, w, node.input(5), [&](auto &zp) { return b.trailingOnes(zp, w, 1); });
  std::vector<std::string> convInputs{x, wc};
  if (!input(node, 8).empty())
    convInputs.push_back(b.cast(node.input(8), kDouble));
  std::string product = b.op("Conv", convInputs, convAttributes(node));
  // x_scale * w_scale / y_scale, w_scale per output channel: [M, 1, ...].
  std::string multiplier = b.cast(b.div(b.mul(node.input(1), node.input(4)), node.input(6)), kDouble);
  requantize(b, product, b.trailingOnes(multiplier, xIn, 2), node.input(7), node.output(0));
  return b.nodes;
}

/// CausalConvWithState(input [N, C, L], weight [C, 1, K], bias, past_state
/// [N, C, K-1]): P = past_state (or K-1 zeros) followed by the input along
/// time; output[n, c, t] = sum_k P[n, c, t + k] * weight[c, 0, k] + bias[c],
/// then SiLU if asked; present_state = the last K-1 steps of P. Written as a
/// gather of the K-wide windows, which needs neither C nor K at compile time
/// (a grouped Conv would need C as its group).
std::vector<onnx::NodeProto> causalConvWithState(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  const std::string &x = node.input(0), &weight = node.input(1);
  std::string bias = input(node, 2), past = input(node, 3);
  std::string k = b.dims(weight, 2, 3);
  std::string history = b.sub(k, b.ints({1}));
  std::string padded = past.empty()
                           ? b.op("Pad", {x, b.concat({b.ints({0, 0}), history, b.ints({0, 0, 0})})})
                           : b.concat({past, x}, 2);
  // windows[t, k] = t + k
  std::string steps = b.op("Unsqueeze", {b.iota(b.dims(x, 2, 3)), b.ints({1})});
  std::string taps = b.op("Unsqueeze", {b.iota(k), b.ints({0})});
  std::string windows = b.op("Gather", {padded, b.add(steps, taps)}, {NodeWriter::intAttr("axis", 2)});
  std::string y = b.op("ReduceSum", {b.mul(windows, weight), b.ints({3})}, {NodeWriter::intAttr("keepdims", 0)});
  if (!bias.empty())
    y = b.add(y, b.op("Unsqueeze", {bias, b.ints({1})}));
  std::string activation = b.stringAttr("activation", "none");
  if (activation == "silu" || activation == "swish")
    y = b.mul(y, b.op("Sigmoid", {y}));
  b.op("Identity", {y}, {}, node.output(0));
  if (node.output_size() > 1 && !node.output(1).empty()) {
    std::string length = b.dims(padded, 2, 3);
    b.op("Slice", {padded, b.sub(length, history), length, b.ints({2})}, {}, node.output(1));
  }
  return b.nodes;
}

/// CenterCropPad(input, shape): pad each listed axis symmetrically up to
/// `shape` (the extra element on the end), then crop centrally to it (the
/// extra element off the end), as the ONNX function does.
std::vector<onnx::NodeProto> centerCropPad(const onnx::NodeProto &node, UniqueNames &names) {
  NodeWriter b(node, names);
  const std::string &x = node.input(0);
  std::string target = b.cast(node.input(1), onnx::TensorProto::INT64);
  const onnx::AttributeProto *axesAttr = b.attributeOrNull("axes");
  std::string axes = axesAttr ? b.ints({axesAttr->ints().begin(), axesAttr->ints().end()}) : "";
  auto sizesOf = [&](const std::string &v) {
    std::string shape = b.op("Shape", {v});
    return axes.empty() ? shape : b.op("Gather", {shape, axes});
  };
  auto withAxes = [&](std::vector<std::string> inputs) {
    if (!axes.empty())
      inputs.push_back(axes);
    return inputs;
  };
  std::string sizes = sizesOf(x);
  std::string padding = b.sub(b.op("Max", {sizes, target}), sizes);
  std::string before = b.div(padding, b.ints({2}));
  std::string pads = b.concat({before, b.sub(padding, before)});
  std::string padded = b.op("Pad", withAxes({x, pads, ""}));
  std::string start = b.div(b.sub(sizesOf(padded), target), b.ints({2}));
  b.op("Slice", withAxes({padded, start, b.add(start, target)}), {}, node.output(0));
  return b.nodes;
}

} // namespace

HandWrittenBody handWrittenBodyOf(llvm::StringRef domain, llvm::StringRef opType) {
  if (domain.empty() || domain == "ai.onnx")
    return llvm::StringSwitch<HandWrittenBody>(opType)
        .Case("SoftmaxCrossEntropyLoss", softmaxCrossEntropy)
        .Case("MatMulInteger", matMulInteger)
        .Case("QLinearMatMul", qlinearMatMul)
        .Case("ConvInteger", convInteger)
        .Case("QLinearConv", qlinearConv)
        .Case("CausalConvWithState", causalConvWithState)
        .Case("CenterCropPad", centerCropPad)
        .Default(nullptr);
  if (domain == "ai.onnx.preview.training") {
    if (opType == "Adagrad")
      return adagrad;
    if (opType == "Adam")
      return adam;
    if (opType == "Momentum")
      return momentum;
  }
  return nullptr;
}

} // namespace ingot
