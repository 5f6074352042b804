//===- FormDispatchRegions.cpp - graph-form-dispatch-regions --------------===//
//
// Groups the graph into graph.fused regions, each of which a target compiles
// into one kernel:
//   1. scaled-dot-product attention: MatMul -> elementwise (scale, mask) ->
//      Softmax -> elementwise -> MatMul;
//   2. every other anchor (contractions, convolutions, reductions,
//      normalizations, softmax, pooling) with its epilogue;
//   3. what is left, in order: each op (elementwise or data movement) with
//      the elementwise ops after it.
// An epilogue is grown one consumer at a time (the earliest in block order):
// elementwise ops whose result has the region's output type, so a bias,
// a residual add and an activation of any number of ops (GELU, SiLU) join,
// and a broadcast that would grow the output does not. The region ends at
// the last op where every value but its results is read inside it only,
// which is what lets the region stand where its last op stood. Constants
// are cloned in; ops that only reinterpret a shape (Reshape, Squeeze, ...)
// and control flow stay between regions.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace ingot {
#define GEN_PASS_DEF_GRAPHFORMDISPATCHREGIONS
#include "passes/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot {
namespace {

using namespace graph;

bool isElementwise(Operation *op) {
  return isa<AbsOp, AcosOp, AcoshOp, AsinOp, AsinhOp, AtanOp, AtanhOp, CeilOp, CosOp, CoshOp, EluOp,
             ErfOp, ExpOp, FloorOp, GeluOp, HardSigmoidOp, HardSwishOp, IsInfOp, IsNaNOp,
             LeakyReluOp, LogOp, NegOp, NotOp, ReciprocalOp, ReluOp, RoundOp, SeluOp, SigmoidOp,
             SignOp, SinOp, SinhOp, SoftplusOp, SoftsignOp, SqrtOp, TanOp, TanhOp, BitwiseNotOp,
             ClipOp, CastOp, AddOp, SubOp, MulOp, DivOp, PowOp, PReluOp, ModOp, EqualOp, LessOp,
             GreaterOp, LessOrEqualOp, GreaterOrEqualOp, AndOp, OrOp, XorOp, SumOp, MaxOp, MinOp,
             MeanOp, WhereOp, BitShiftOp, BitwiseAndOp, BitwiseOrOp, BitwiseXorOp>(op);
}

/// The family of an op that anchors a region, or nothing.
std::optional<StringRef> anchorKind(Operation *op) {
  if (isa<MatMulOp, GemmOp, EinsumOp>(op))
    return StringRef("contraction");
  if (isa<ConvOp, ConvTransposeOp, DepthwiseConvNhwcOp>(op))
    return StringRef("convolution");
  if (isa<ReduceL2Op, ReduceMaxOp, ReduceMeanOp, ReduceMinOp, ReduceProdOp, ReduceSumOp,
          ReduceSumSquareOp, ArgMaxOp, ArgMinOp>(op))
    return StringRef("reduction");
  if (isa<LayerNormalizationOp, BatchNormalizationOp, InstanceNormalizationOp,
          GroupNormalizationOp, RMSNormalizationOp, LpNormalizationOp, LRNOp>(op))
    return StringRef("normalization");
  if (isa<SoftmaxOp, LogSoftmaxOp, HardmaxOp>(op))
    return StringRef("softmax");
  if (isa<AveragePoolOp, MaxPoolOp, GlobalAveragePoolOp, GlobalMaxPoolOp, LpPoolOp,
          GlobalLpPoolOp>(op))
    return StringRef("pooling");
  if (isa<AttentionOp>(op))
    return StringRef("attention");
  return std::nullopt;
}

/// Ops that stay between regions: constants (cloned into the regions that
/// read them), shape reinterpretations that move no data, shape queries,
/// control flow (its bodies are subgraphs of their own) and non-graph ops.
bool staysOutside(Operation *op) {
  return !isa<GraphDialect>(op->getDialect()) || op->getNumRegions() > 0 ||
         op->hasTrait<OpTrait::ConstantLike>() ||
         isa<ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp, ShapeOp, SizeOp, IdentityOp,
             RuntimeCheckOp>(op);
}

StringRef kindOf(Operation *op) {
  if (std::optional<StringRef> kind = anchorKind(op))
    return *kind;
  if (isElementwise(op))
    return "elementwise";
  if (isa<LSTMOp, GRUOp, RNNOp, LinearAttentionOp>(op))
    return "recurrence";
  return "data-movement";
}

bool isConstant(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->hasTrait<OpTrait::ConstantLike>();
}

class RegionBuilder {
public:
  explicit RegionBuilder(Block &block) {
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = i;
  }

  bool taken(Operation *op) const { return assigned.contains(op); }

  /// True when no value of `ops` but the last op's results is read outside.
  bool closed(ArrayRef<Operation *> ops) const {
    llvm::SmallPtrSet<Operation *, 8> members(ops.begin(), ops.end());
    Operation *last = latest(ops);
    for (Operation *op : ops) {
      if (op == last)
        continue;
      for (Operation *user : op->getUsers())
        if (!members.contains(user))
          return false;
    }
    return true;
  }

  /// Adds the epilogue after `ops`: elementwise consumers of the same
  /// output type, as far as the region stays closed.
  void growEpilogue(SmallVector<Operation *> &ops) {
    Type output = latest(ops)->getResult(0).getType();
    SmallVector<Operation *> candidate = ops;
    while (true) {
      llvm::SmallPtrSet<Operation *, 8> members(candidate.begin(), candidate.end());
      Operation *next = nullptr;
      for (Operation *op : candidate)
        for (Operation *user : op->getUsers())
          if (!members.contains(user) && (!next || position.lookup(user) < position.lookup(next)))
            next = user;
      if (!next || taken(next) || !isElementwise(next) || next->getNumResults() != 1 ||
          next->getResult(0).getType() != output || next->getBlock() != ops.front()->getBlock())
        break;
      candidate.push_back(next);
      if (closed(candidate))
        ops = candidate;
    }
  }

  /// Scaled-dot-product attention around `softmax`: the MatMul before it
  /// through elementwise ops of one use, and the MatMul that reads it.
  std::optional<SmallVector<Operation *>> matchAttention(Operation *softmax) {
    SmallVector<Operation *> ops;
    // Back to the scores MatMul through ops of the scores' type (the other
    // operand of each is the scale or the mask).
    Type scores = softmax->getOperand(0).getType();
    Operation *before = softmax->getOperand(0).getDefiningOp();
    while (before && !isa<MatMulOp>(before)) {
      if (!isElementwise(before) || !before->hasOneUse() || taken(before))
        return std::nullopt;
      ops.push_back(before);
      Operation *next = nullptr;
      for (Value operand : before->getOperands())
        if (Operation *def = operand.getDefiningOp(); def && operand.getType() == scores)
          if (!next || isa<MatMulOp>(def))
            next = def;
      before = next;
    }
    if (!before || !before->hasOneUse() || taken(before))
      return std::nullopt;
    ops.push_back(before);
    ops.push_back(softmax);
    Value after = softmax->getResult(0);
    while (after.hasOneUse() && isElementwise(*after.getUsers().begin()) &&
           !taken(*after.getUsers().begin())) {
      ops.push_back(*after.getUsers().begin());
      after = ops.back()->getResult(0);
    }
    if (!after.hasOneUse())
      return std::nullopt;
    auto product = dyn_cast<MatMulOp>(*after.getUsers().begin());
    if (!product || product.getOperand(0) != after || taken(product))
      return std::nullopt;
    ops.push_back(product);
    if (!closed(ops))
      return std::nullopt;
    return ops;
  }

  /// Replaces `ops` by one graph.fused standing where the last of them was.
  void build(SmallVector<Operation *> ops, StringRef kind, Operation *anchor) {
    llvm::sort(ops, [&](Operation *a, Operation *b) { return position.lookup(a) < position.lookup(b); });
    llvm::SmallPtrSet<Operation *, 8> members(ops.begin(), ops.end());
    llvm::SetVector<Value> inputs;
    llvm::SetVector<Operation *> constants;
    for (Operation *op : ops)
      for (Value operand : op->getOperands()) {
        if (members.contains(operand.getDefiningOp()))
          continue;
        if (isConstant(operand))
          constants.insert(operand.getDefiningOp());
        else
          inputs.insert(operand);
      }
    Operation *last = ops.back();
    size_t lastPosition = position.lookup(last);
    OpBuilder b(last);
    auto fused = b.create<FusedOp>(anchor->getLoc(), last->getResultTypes(), inputs.getArrayRef(),
                                   b.getStringAttr(kind), b.getStringAttr(anchor->getName().getStringRef()));
    Block *body = new Block();
    fused.getBody().push_back(body);
    IRMapping mapping;
    for (Value input : inputs)
      mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
    OpBuilder inside = OpBuilder::atBlockBegin(body);
    for (Operation *constant : constants)
      inside.clone(*constant, mapping);
    for (Operation *op : ops)
      inside.clone(*op, mapping);
    SmallVector<Value> results;
    for (Value result : last->getResults())
      results.push_back(mapping.lookup(result));
    inside.create<YieldOp>(last->getLoc(), results);
    last->replaceAllUsesWith(fused->getResults());
    for (Operation *op : llvm::reverse(ops))
      op->erase();
    for (Operation *op : ops)
      assigned.insert(op);
    // The region stands where its last op stood (whose address it may reuse).
    position[fused] = lastPosition;
    regions.push_back(fused);
  }

  SmallVector<FusedOp> regions;

private:
  Operation *latest(ArrayRef<Operation *> ops) const {
    return *llvm::max_element(ops, [&](Operation *a, Operation *b) {
      return position.lookup(a) < position.lookup(b);
    });
  }

  llvm::DenseMap<Operation *, size_t> position;
  // Erased ops keep their addresses here only to be skipped, never read.
  llvm::DenseSet<Operation *> assigned;
};

struct GraphFormDispatchRegionsPass
    : impl::GraphFormDispatchRegionsBase<GraphFormDispatchRegionsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &block = func.front();
    RegionBuilder regions(block);
    auto snapshot = [&] {
      SmallVector<Operation *> ops;
      for (Operation &op : block)
        ops.push_back(&op);
      return ops;
    };
    // Attention first: its MatMuls and Softmax would otherwise anchor
    // regions of their own.
    for (Operation *op : snapshot())
      if (!regions.taken(op) && isa<SoftmaxOp>(op))
        if (std::optional<SmallVector<Operation *>> ops = regions.matchAttention(op)) {
          regions.growEpilogue(*ops);
          regions.build(*ops, "attention", op);
        }
    for (Operation *op : snapshot())
      if (!regions.taken(op) && !staysOutside(op) && anchorKind(op)) {
        SmallVector<Operation *> ops{op};
        regions.growEpilogue(ops);
        regions.build(ops, *anchorKind(op), op);
      }
    for (Operation *op : snapshot())
      if (!regions.taken(op) && !staysOutside(op) && op->getBlock() == &block) {
        SmallVector<Operation *> ops{op};
        if (op->getNumResults() == 1)
          regions.growEpilogue(ops);
        regions.build(ops, kindOf(op), op);
      }
    // Constants now read only inside regions.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
      if (op.hasTrait<OpTrait::ConstantLike>() && op.use_empty())
        op.erase();
  }
};

} // namespace
} // namespace ingot
