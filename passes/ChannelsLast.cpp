//===- ChannelsLast.cpp - graph-channels-last ----------------------------===//
//
// Carries images channels-last (N, H, W, C) through the blocks of
// MobileNet-style models: pointwise (1x1) and depthwise convolutions with
// the elementwise ops between them (bias, Clip, Relu, residual Add).
// Channels-last, a pointwise convolution is a MatMul of the image's points
// by the weights (one stream of rows in, one out, the weights packed once),
// and a depthwise one reads each point's channels as vectors. In NCHW the
// same 1x1 read K planes and wrote F planes at once: with the activations
// out of cache (MobileNetV2's first blocks, evicted by the previous run's
// weights), each plane was a stream of its own.
//
// The ops that can be carried are grouped into connected components (ops
// joined by the images between them). A component with a depthwise and a
// pointwise convolution is rewritten: its inputs transposed in once, its
// ops rebuilt channels-last (constants that broadcast are permuted at
// compile time), each result read outside it transposed back. Components
// without both (ResNet's 1x1s between its 3x3s) stay NCHW: there the
// transposes would cost more than the layout saves.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "passes/GraphBuilder.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace ingot {
#define GEN_PASS_DEF_GRAPHCHANNELSLAST
#include "passes/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot {
namespace {

using namespace graph;

constexpr int64_t kToChannelsLast[] = {0, 2, 3, 1};
constexpr int64_t kToChannelsFirst[] = {0, 3, 1, 2};

/// A static f32 tensor of rank 4: an image the pass can carry.
RankedTensorType imageType(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || ranked.getRank() != 4 || !ranked.hasStaticShape() ||
      !ranked.getElementType().isF32())
    return {};
  return ranked;
}

RankedTensorType channelsLast(RankedTensorType image) {
  ArrayRef<int64_t> s = image.getShape();
  return RankedTensorType::get({s[0], s[2], s[3], s[1]}, image.getElementType());
}

enum class ConvShape { Other, Pointwise, Depthwise };

/// A static f32 2-D convolution with explicit pads and constant weights
/// (and bias) that is pointwise (1x1, unit strides, no pads, ungrouped) or
/// depthwise (one filter per channel).
ConvShape convShape(ConvOp op) {
  RankedTensorType x = imageType(op.getX().getType()), w = imageType(op.getW().getType()),
                   y = imageType(op.getType());
  if (!x || !w || !y || op.getAutoPad() != "NOTSET" || !hasConstantFloats(op.getW()))
    return ConvShape::Other;
  if (Value b = op.getB()) {
    auto bType = dyn_cast<RankedTensorType>(b.getType());
    if (!matchPattern(b, m_Constant()) || !bType || bType.getRank() != 1 ||
        bType.getDimSize(0) != w.getDimSize(0))
      return ConvShape::Other;
  }
  auto all = [](std::optional<ArrayRef<int64_t>> values, int64_t v) {
    return !values || llvm::all_of(*values, [&](int64_t e) { return e == v; });
  };
  int64_t channels = x.getDimSize(1), filters = w.getDimSize(0);
  if (op.getGroup() == 1 && w.getDimSize(2) == 1 && w.getDimSize(3) == 1 &&
      all(op.getStrides(), 1) && all(op.getPads(), 0))
    return ConvShape::Pointwise;
  if (channels >= 2 && op.getGroup() == channels && filters == channels && w.getDimSize(1) == 1)
    return ConvShape::Depthwise;
  return ConvShape::Other;
}

/// Whether `operand` of an elementwise op yielding `result` reads the same
/// after the layout change: an image of the result's shape, a single value,
/// or a constant that broadcasts into the result (permuted with it, so its
/// values must be readable now).
bool carriedOperand(Value operand, RankedTensorType result) {
  auto type = dyn_cast<RankedTensorType>(operand.getType());
  if (!type || !type.hasStaticShape())
    return false;
  if (type.getNumElements() == 1 && type != result)
    return true;
  bool constant = matchPattern(operand, m_Constant());
  if (type == result)
    return !constant || hasConstantFloats(operand);
  if (type.getRank() > 4 || !constant || !hasConstantFloats(operand))
    return false;
  ArrayRef<int64_t> shape = type.getShape();
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t d = shape[shape.size() - 1 - i], r = result.getDimSize(3 - i);
    if (d != 1 && d != r)
      return false;
  }
  return true;
}

/// Elementwise ops whose meaning does not depend on the layout.
bool isLayoutFree(Operation *op) {
  if (!isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, ReluOp, ClipOp, SigmoidOp, TanhOp,
           HardSigmoidOp, HardSwishOp, LeakyReluOp, EluOp, NegOp, AbsOp>(op) ||
      op->getNumResults() != 1)
    return false;
  RankedTensorType result = imageType(op->getResult(0).getType());
  return result && llvm::all_of(op->getOperands(),
                                [&](Value v) { return carriedOperand(v, result); });
}

/// The images a carried op reads: a convolution's input, an elementwise
/// op's operands of its result's shape.
SmallVector<Value> imageOperands(Operation *op) {
  if (auto conv = dyn_cast<ConvOp>(op))
    return {conv.getX()};
  SmallVector<Value> images;
  for (Value v : op->getOperands())
    if (v.getType() == op->getResult(0).getType())
      images.push_back(v);
  return images;
}

bool isCarried(Operation *op) {
  if (auto conv = dyn_cast<ConvOp>(op))
    return convShape(conv) != ConvShape::Other;
  return isLayoutFree(op);
}

/// The location of a transpose the pass adds for the op at `loc`: the
/// same node, as a Transpose (so a profile tells the layout change from
/// the node's own work).
Location transposeLoc(Location loc) {
  std::string file, node, op;
  describeLocation(loc, file, node, op);
  return node.empty() ? loc : getNodeLocation(loc.getContext(), file, node, "Transpose");
}

/// Rebuilds one component channels-last.
class Rewriter {
public:
  explicit Rewriter(const SetVector<Operation *> &ops) : ops(ops) {}

  void run() {
    for (Operation *op : ops) {
      OpBuilder b(op);
      GraphBuilder g(b, op->getLoc());
      Value carried;
      if (auto conv = dyn_cast<ConvOp>(op))
        carried = convShape(conv) == ConvShape::Pointwise ? pointwise(g, conv) : depthwise(g, conv);
      else
        carried = elementwise(b, op);
      mapping.map(op->getResult(0), carried);
      // Readers outside the component read it transposed back.
      Value result = op->getResult(0);
      if (llvm::any_of(result.getUsers(), [&](Operation *user) { return !ops.contains(user); })) {
        b.setInsertionPointAfterValue(carried);
        Value back = GraphBuilder(b, transposeLoc(op->getLoc())).transpose(carried, kToChannelsFirst);
        result.replaceUsesWithIf(back, [&](OpOperand &use) { return !ops.contains(use.getOwner()); });
      }
    }
    for (Operation *op : llvm::reverse(ops))
      op->erase();
  }

private:
  /// `v` channels-last: carried, transposed in (once, before its first
  /// reader in the component), permuted at compile time (a constant), or
  /// as it is (a single value).
  Value carriedValue(OpBuilder &b, Location loc, Value v, RankedTensorType result) {
    if (Value mapped = mapping.lookupOrNull(v))
      return mapped;
    auto type = cast<RankedTensorType>(v.getType());
    GraphBuilder g(b, transposeLoc(loc));
    Value carried;
    if (type.getNumElements() == 1 && type != result) {
      return v;
    } else if (!matchPattern(v, m_Constant())) {
      carried = g.transpose(v, kToChannelsLast);
    } else {
      // A broadcast constant: as rank 4, then permuted.
      SmallVector<int64_t> shape(4 - type.getRank(), 1);
      llvm::append_range(shape, type.getShape());
      std::vector<double> values = *constantFloats(v, type.getNumElements());
      std::vector<double> permuted(values.size());
      int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3];
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < c; ++j)
          for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x)
              permuted[((i * h + y) * w + x) * c + j] = values[((i * c + j) * h + y) * w + x];
      carried = floatConstant(b, loc, RankedTensorType::get({n, h, w, c}, b.getF32Type()), permuted,
                              "channels_last");
    }
    mapping.map(v, carried);
    return carried;
  }

  /// Y = X W^T (+ B) over the image's points: X [N, H, W, C] by the
  /// weights as [C, F].
  Value pointwise(GraphBuilder &g, ConvOp conv) {
    auto w = cast<RankedTensorType>(conv.getW().getType());
    int64_t filters = w.getDimSize(0), channels = w.getDimSize(1);
    std::vector<double> values = *constantFloats(conv.getW(), w.getNumElements());
    std::vector<double> transposed(values.size());
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t c = 0; c < channels; ++c)
        transposed[c * filters + f] = values[f * channels + c];
    OpBuilder &b = g.builder();
    Value weights = floatConstant(b, conv.getLoc(), RankedTensorType::get({channels, filters}, b.getF32Type()),
                                  transposed, "channels_last");
    Value x = carriedValue(b, conv.getLoc(), conv.getX(), cast<RankedTensorType>(conv.getX().getType()));
    Value y = g.op("matmul", {x, weights});
    return conv.getB() ? g.add(y, conv.getB()) : y;
  }

  Value depthwise(GraphBuilder &g, ConvOp conv) {
    auto w = cast<RankedTensorType>(conv.getW().getType());
    int64_t channels = w.getDimSize(0), kh = w.getDimSize(2), kw = w.getDimSize(3);
    std::vector<double> values = *constantFloats(conv.getW(), w.getNumElements());
    std::vector<double> taps(values.size());
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t t = 0; t < kh * kw; ++t)
        taps[t * channels + c] = values[c * kh * kw + t];
    OpBuilder &b = g.builder();
    Location loc = conv.getLoc();
    Value weights =
        floatConstant(b, loc, RankedTensorType::get({kh, kw, channels}, b.getF32Type()), taps, "channels_last");
    Value x = carriedValue(b, loc, conv.getX(), cast<RankedTensorType>(conv.getX().getType()));
    auto orOnes = [&](std::optional<ArrayRef<int64_t>> values) {
      return values ? SmallVector<int64_t>(*values) : SmallVector<int64_t>{1, 1};
    };
    SmallVector<int64_t> pads = conv.getPads() ? SmallVector<int64_t>(*conv.getPads())
                                               : SmallVector<int64_t>(4, 0);
    return b.create<DepthwiseConvNhwcOp>(loc, channelsLast(cast<RankedTensorType>(conv.getType())), x,
                                         weights, conv.getB(), orOnes(conv.getStrides()), pads,
                                         orOnes(conv.getDilations()));
  }

  Value elementwise(OpBuilder &b, Operation *op) {
    auto result = cast<RankedTensorType>(op->getResult(0).getType());
    IRMapping operands;
    for (Value v : op->getOperands())
      operands.map(v, carriedValue(b, op->getLoc(), v, result));
    Operation *clone = b.clone(*op, operands);
    clone->getResult(0).setType(channelsLast(result));
    return clone->getResult(0);
  }

  const SetVector<Operation *> &ops;
  IRMapping mapping;
};

/// Drops from a component the elementwise ops that read no image of it
/// (the Clip after a stem convolution the component does not carry), until
/// none is left. Channels-first they stay that convolution's epilogue, and
/// the transpose into the component moves after them: one pass over the
/// image instead of a transpose and a Clip.
void trimEntryElementwise(SetVector<Operation *> &ops) {
  auto readsNone = [&](Operation *op) {
    return !isa<ConvOp>(op) && llvm::none_of(imageOperands(op), [&](Value v) {
      Operation *producer = v.getDefiningOp();
      return producer && ops.contains(producer);
    });
  };
  for (auto entry = llvm::find_if(ops, readsNone); entry != ops.end();
       entry = llvm::find_if(ops, readsNone))
    ops.remove(*entry);
}

struct GraphChannelsLastPass : impl::GraphChannelsLastBase<GraphChannelsLastPass> {
  void runOnOperation() override {
    // Components of the carried ops of each block, joined by the images
    // one writes and another reads.
    llvm::EquivalenceClasses<Operation *> components;
    SetVector<Operation *> carried;
    getOperation().walk([&](Operation *op) {
      if (!isCarried(op))
        return;
      carried.insert(op);
      components.insert(op);
      for (Value v : imageOperands(op))
        if (Operation *producer = v.getDefiningOp();
            producer && carried.contains(producer) && producer->getBlock() == op->getBlock())
          components.unionSets(producer, op);
    });
    llvm::MapVector<Operation *, SetVector<Operation *>> members;
    for (Operation *op : carried)
      members[components.getLeaderValue(op)].insert(op);
    for (auto &[leader, ops] : members) {
      auto has = [&](ConvShape shape) {
        return llvm::any_of(ops, [&](Operation *op) {
          auto conv = dyn_cast<ConvOp>(op);
          return conv && convShape(conv) == shape;
        });
      };
      if (has(ConvShape::Depthwise) && has(ConvShape::Pointwise)) {
        trimEntryElementwise(ops);
        Rewriter(ops).run();
      }
    }
  }
};

} // namespace
} // namespace ingot
