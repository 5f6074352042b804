//===- ConvertGraphToLinalg.cpp - The convert-graph-to-linalg pass --------===//
//
// Applies every graph -> linalg pattern with the greedy driver (types do not
// change, so no conversion framework is needed), then fails on any graph op
// left, naming the op (and, through its location, the ONNX node).
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ingot {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "targets/common/Passes.h.inc"
} // namespace ingot

using namespace mlir;

namespace ingot::lowering {

void populateGraphToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseToLinalgPatterns(patterns);
  populateLinearAlgebraToLinalgPatterns(patterns);
  populateNormalizationToLinalgPatterns(patterns);
  populateDataMovementToLinalgPatterns(patterns);
  populateResizeToLinalgPatterns(patterns);
  populateIndexingToLinalgPatterns(patterns);
  populateQuantizationToLinalgPatterns(patterns);
  populateGridSampleToLinalgPatterns(patterns);
  populateRecurrenceToLinalgPatterns(patterns);
  populateControlFlowToLinalgPatterns(patterns);
  populateLinearAttentionToLinalgPatterns(patterns);
  populateSignalToLinalgPatterns(patterns);
  populateDetectionToLinalgPatterns(patterns);
  // Upstream's LLVM lowering has no ceildivsi/floordivsi: expand them here.
  arith::populateCeilFloorDivExpandOpsPatterns(patterns);
}

} // namespace ingot::lowering

namespace ingot {
namespace {

/// Inputs that share a dim name have equal sizes there (the runtime checks
/// it before the code runs): reading every such dim from its first input
/// lets the broadcast guards and size checks between them fold away.
void unifyNamedDims(func::FuncOp func) {
  if (func.isExternal())
    return;
  Block &entry = func.front();
  llvm::StringMap<std::pair<BlockArgument, int64_t>> first;
  for (BlockArgument arg : entry.getArguments()) {
    auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "graph.dim_names");
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!names || !type || (int64_t)names.size() != type.getRank())
      continue;
    for (auto [d, name] : llvm::enumerate(names.getAsValueRange<StringAttr>()))
      if (!name.empty() && type.isDynamicDim(d))
        first.try_emplace(name, arg, (int64_t)d);
  }
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  func.walk([&](tensor::DimOp dim) {
    auto arg = dyn_cast<BlockArgument>(dim.getSource());
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!arg || arg.getOwner() != &entry || !index)
      return;
    auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "graph.dim_names");
    if (!names || *index >= (int64_t)names.size())
      return;
    auto it = first.find(cast<StringAttr>(names[*index]).getValue());
    if (it == first.end() || (it->second.first == arg && it->second.second == *index))
      return;
    Value canonical = b.create<arith::ConstantIndexOp>(dim.getLoc(), it->second.second);
    dim.getSourceMutable().assign(it->second.first);
    dim.getIndexMutable().assign(canonical);
  });
}

/// Why each op's patterns declined it (the last reason given per location).
struct MatchFailureReasons : RewriterBase::Listener {
  llvm::DenseMap<Location, std::string> reasons;
  void notifyMatchFailure(Location loc,
                          function_ref<void(Diagnostic &)> reasonCallback) override {
    Diagnostic diagnostic(loc, DiagnosticSeverity::Remark);
    reasonCallback(diagnostic);
    std::string reason = diagnostic.str();
    if (!reason.empty())
      reasons[loc] = reason;
  }
};

struct ConvertGraphToLinalgPass : impl::ConvertGraphToLinalgBase<ConvertGraphToLinalgPass> {
  void runOnOperation() override {
    lowering::makeIntegersSignless(getOperation());
    RewritePatternSet patterns(&getContext());
    lowering::populateGraphToLinalgPatterns(patterns);
    MatchFailureReasons reasons;
    GreedyRewriteConfig config;
    config.maxIterations = GreedyRewriteConfig::kNoLimit;
    config.listener = &reasons;
    (void)applyPatternsAndFoldGreedily(getOperation(), std::move(patterns), config);
    unifyNamedDims(getOperation());
    // The inputs belong to the caller (the runtime passes its arrays in
    // place): bufferization must never write into them.
    for (BlockArgument arg : getOperation().getArguments())
      if (isa<TensorType>(arg.getType()))
        getOperation().setArgAttr(arg.getArgNumber(), "bufferization.writable",
                                  BoolAttr::get(&getContext(), false));
    // The first op left says why: one line, the node and the reason.
    WalkResult left = getOperation().walk([&](Operation *op) {
      // Regions stay for the target to compile; their bodies are lowered.
      if (!isa<graph::GraphDialect>(op->getDialect()) ||
          isa<graph::RuntimeCheckOp, graph::FusedOp>(op) ||
          (isa<graph::YieldOp>(op) && isa<graph::FusedOp>(op->getParentOp())))
        return WalkResult::advance();
      auto reason = reasons.reasons.find(op->getLoc());
      op->emitError("cannot lower '")
          << op->getName() << "' yet: "
          << (reason != reasons.reasons.end() ? reason->second
                                              : std::string("no lowering for these operand types"));
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot
