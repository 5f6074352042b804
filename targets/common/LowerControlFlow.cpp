//===- LowerControlFlow.cpp - If, Loop and Scan to scf --------------------===//
//
// The subgraph regions move into scf ops as they are; the graph ops inside
// are lowered by the same patterns as the rest. If becomes scf.if. Loop
// becomes scf.while over (iteration, condition, carried values, scan
// outputs so far): a scan output grows by one slice per iteration, checked
// to keep its shape. Scan becomes scf.for over the scanned length: each
// step reads one slice of every scan input (from the end when reversed)
// and writes its outputs' slices into buffers made at the first step, once
// their sizes are known; a gather then puts each output's steps on its axis
// and in its direction.
//
//===----------------------------------------------------------------------===//

#include "targets/common/GraphToLinalg.h"
#include "targets/common/LoweringUtils.h"
#include "targets/common/RuntimeShapes.h"

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::lowering {
namespace {

/// `v` as `type` (same rank): a dim that becomes known is checked first,
/// since a subgraph's declared types are the model's word, not a proof.
Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  return castChecked(b, loc, v, cast<RankedTensorType>(type));
}

/// The one element of a [] or [1, ...] tensor (checked to be one).
Value scalarOf(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    checkEqual(b, loc, getDims(b, loc, v)[d], b.getIndexAttr(1),
               "a condition or trip count has {0} elements in a dim; expected {1}");
  SmallVector<Value> at(type.getRank(), b.create<arith::ConstantIndexOp>(loc, 0));
  return b.create<tensor::ExtractOp>(loc, v, at);
}

/// A tensor of `type` (all dims 1 or none) holding `scalar`.
Value tensorOf(OpBuilder &b, Location loc, Value scalar, Type type) {
  auto ranked = cast<RankedTensorType>(type);
  auto shaped = RankedTensorType::get(SmallVector<int64_t>(ranked.getRank(), 1), ranked.getElementType());
  return castTo(b, loc, b.create<tensor::FromElementsOp>(loc, shaped, ValueRange{scalar}), type);
}

bool allRanked(TypeRange types) {
  return llvm::all_of(types, [](Type t) { return isa<RankedTensorType>(t); });
}

/// Replaces the graph.yield ending `block` with what `finish` builds from
/// its operands.
void replaceYield(PatternRewriter &rewriter, Block *block,
                  function_ref<void(OpBuilder &, Location, ValueRange)> finish) {
  auto yield = cast<YieldOp>(block->getTerminator());
  rewriter.setInsertionPoint(yield);
  SmallVector<Value> values(yield.getValues());
  finish(rewriter, yield.getLoc(), values);
  rewriter.eraseOp(yield);
}

struct LowerIf : OpRewritePattern<IfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IfOp op, PatternRewriter &rewriter) const override {
    if (!allRanked(op.getResultTypes()) || !isa<RankedTensorType>(op.getCond().getType()))
      return rewriter.notifyMatchFailure(op, "needs outputs of known rank");
    Location loc = op.getLoc();
    Value cond = scalarOf(rewriter, loc, op.getCond());
    auto ifOp = rewriter.create<scf::IfOp>(loc, op.getResultTypes(), cond, /*addThenBlock=*/false,
                                           /*addElseBlock=*/false);
    for (auto [from, to] : {std::pair{&op.getThenBranch(), &ifOp.getThenRegion()},
                            {&op.getElseBranch(), &ifOp.getElseRegion()}}) {
      rewriter.inlineRegionBefore(*from, *to, to->end());
      replaceYield(rewriter, &to->front(), [&](OpBuilder &b, Location l, ValueRange values) {
        SmallVector<Value> cast;
        for (auto [v, t] : llvm::zip(values, op.getResultTypes()))
          cast.push_back(castTo(b, l, v, t));
        b.create<scf::YieldOp>(l, cast);
      });
    }
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

struct LowerLoop : OpRewritePattern<LoopOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LoopOp op, PatternRewriter &rewriter) const override {
    Block &body = op.getBody().front();
    if (!allRanked(op.getResultTypes()) || !allRanked(body.getArgumentTypes()) ||
        !allRanked(op->getOperandTypes()))
      return rewriter.notifyMatchFailure(op, "needs values of known rank");
    Location loc = op.getLoc();
    size_t carried = op.getInitial().size();
    size_t scanned = op.getNumResults() - carried;
    auto yield = cast<YieldOp>(body.getTerminator());
    Type i64 = rewriter.getI64Type();
    // Scan outputs so far: [0, slice dims] (0 for the dims not yet known).
    SmallVector<Value> init{rewriter.create<arith::ConstantIntOp>(loc, 0, 64),
                            scalarOf(rewriter, loc, op.getCond())};
    for (auto [v, t] : llvm::zip(op.getInitial(), TypeRange(op.getResultTypes()).take_front(carried)))
      init.push_back(castTo(rewriter, loc, v, t));
    SmallVector<Type> accTypes;
    for (size_t i = 0; i < scanned; ++i) {
      auto slice = cast<RankedTensorType>(yield.getValues()[1 + carried + i].getType());
      SmallVector<int64_t> shape{ShapedType::kDynamic};
      llvm::append_range(shape, slice.getShape());
      auto accType = RankedTensorType::get(shape, slice.getElementType());
      accTypes.push_back(accType);
      SmallVector<OpFoldResult> dims{rewriter.getIndexAttr(0)};
      for (int64_t d : slice.getShape())
        dims.push_back(rewriter.getIndexAttr(ShapedType::isDynamic(d) ? 0 : d));
      init.push_back(castTo(rewriter, loc, rewriter.create<tensor::EmptyOp>(loc, dims, slice.getElementType()), accType));
    }
    SmallVector<Type> stateTypes = llvm::to_vector(ValueRange(init).getTypes());
    Value tripCount = scalarOf(rewriter, loc, op.getMaxTripCount());
    auto whileOp = rewriter.create<scf::WhileOp>(loc, stateTypes, init);
    // Before: run while i < M and the condition holds.
    Block *before = rewriter.createBlock(&whileOp.getBefore(), {}, stateTypes,
                                         SmallVector<Location>(stateTypes.size(), loc));
    {
      Value below = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, before->getArgument(0), tripCount);
      Value go = rewriter.create<arith::AndIOp>(loc, below, before->getArgument(1));
      rewriter.create<scf::ConditionOp>(loc, go, before->getArguments());
    }
    // After: the body, fed the iteration and condition as tensors.
    Block *after = rewriter.createBlock(&whileOp.getAfter(), {}, stateTypes,
                                        SmallVector<Location>(stateTypes.size(), loc));
    SmallVector<Value> args{tensorOf(rewriter, loc, after->getArgument(0), body.getArgument(0).getType()),
                            tensorOf(rewriter, loc, after->getArgument(1), body.getArgument(1).getType())};
    for (size_t i = 0; i < carried; ++i)
      args.push_back(castTo(rewriter, loc, after->getArgument(2 + i), body.getArgument(2 + i).getType()));
    rewriter.mergeBlocks(&body, after, args);
    replaceYield(rewriter, after, [&](OpBuilder &b, Location l, ValueRange values) {
      SmallVector<Value> next{b.create<arith::AddIOp>(l, after->getArgument(0), b.create<arith::ConstantIntOp>(l, 1, 64)),
                              scalarOf(b, l, values[0])};
      for (size_t i = 0; i < carried; ++i)
        next.push_back(castTo(b, l, values[1 + i], stateTypes[2 + i]));
      for (size_t i = 0; i < scanned; ++i) {
        Value acc = after->getArgument(2 + carried + i), slice = values[1 + carried + i];
        auto sliceType = cast<RankedTensorType>(slice.getType());
        SmallVector<OpFoldResult> accDims = getDims(b, l, acc), sliceDims = getDims(b, l, slice);
        Value count = toValue(b, l, accDims[0]);
        // Every iteration's slice has the first one's shape.
        Value first = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, count, b.create<arith::ConstantIndexOp>(l, 0));
        for (int64_t d = 0; d < sliceType.getRank(); ++d) {
          if (!sliceType.isDynamicDim(d))
            continue;
          Value same = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, toValue(b, l, accDims[1 + d]),
                                               toValue(b, l, sliceDims[d]));
          emitCheck(b, l, b.create<arith::OrIOp>(l, first, same),
                    "scan output " + Twine(i) + " dim " + Twine(d) + " is {0} in one iteration and {1} in another",
                    {toValue(b, l, accDims[1 + d]), toValue(b, l, sliceDims[d])});
        }
        IndexMath m{b, l};
        SmallVector<OpFoldResult> grown{m.add(accDims[0], m.c(1))};
        grown.append(sliceDims.begin(), sliceDims.end());
        Value bigger = b.create<tensor::EmptyOp>(l, grown, sliceType.getElementType());
        SmallVector<OpFoldResult> zeros(grown.size(), b.getIndexAttr(0)), ones(grown.size(), b.getIndexAttr(1));
        // The slices so far, by their own sizes (all 0 before the first).
        SmallVector<OpFoldResult> oldSizes(accDims);
        Value kept = b.create<tensor::ExtractSliceOp>(l, acc, zeros, oldSizes, ones);
        bigger = b.create<tensor::InsertSliceOp>(l, kept, bigger, zeros, oldSizes, ones);
        SmallVector<OpFoldResult> at(grown.size(), b.getIndexAttr(0));
        at[0] = accDims[0];
        SmallVector<OpFoldResult> one{b.getIndexAttr(1)};
        one.append(sliceDims.begin(), sliceDims.end());
        bigger = b.create<tensor::InsertSliceOp>(l, slice, bigger, at, one, ones);
        next.push_back(castTo(b, l, bigger, stateTypes[2 + carried + i]));
      }
      b.create<scf::YieldOp>(l, next);
    });
    rewriter.setInsertionPointAfter(whileOp);
    SmallVector<Value> results;
    for (size_t i = 0; i < op.getNumResults(); ++i)
      results.push_back(castTo(rewriter, loc, whileOp.getResult(2 + i), op.getResult(i).getType()));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerScan : OpRewritePattern<ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScanOp op, PatternRewriter &rewriter) const override {
    Block &body = op.getBody().front();
    if (!allRanked(op.getResultTypes()) || !allRanked(body.getArgumentTypes()) ||
        !allRanked(op->getOperandTypes()))
      return rewriter.notifyMatchFailure(op, "needs values of known rank");
    Location loc = op.getLoc();
    int64_t scanned = (int64_t)op.getNumScanInputs();
    int64_t states = (int64_t)op.getOperands().size() - scanned;
    int64_t outputs = (int64_t)op.getNumResults() - states;
    ArrayRef<int64_t> inAxes = op.getScanInputAxes(), inDirs = op.getScanInputDirections();
    ArrayRef<int64_t> outAxes = op.getScanOutputAxes(), outDirs = op.getScanOutputDirections();
    auto yield = cast<YieldOp>(body.getTerminator());
    ValueRange inputs = op.getOperands().drop_front(states);
    OpFoldResult length = getDims(rewriter, loc, inputs[0])[inAxes[0]];
    for (int64_t i = 1; i < scanned; ++i)
      checkEqual(rewriter, loc, getDims(rewriter, loc, inputs[i])[inAxes[i]], length,
                 "scan input " + Twine(i) + " has {0} steps, scan input 0 has {1}");
    Value steps = toValue(rewriter, loc, length);
    SmallVector<Value> init;
    for (int64_t i = 0; i < states; ++i)
      init.push_back(castTo(rewriter, loc, op.getOperands()[i], op.getResult(i).getType()));
    // Each output's steps, [T, slice dims], made at step 0.
    SmallVector<Type> accTypes;
    for (int64_t i = 0; i < outputs; ++i) {
      auto slice = cast<RankedTensorType>(yield.getValues()[states + i].getType());
      SmallVector<int64_t> shape{ShapedType::kDynamic};
      llvm::append_range(shape, slice.getShape());
      accTypes.push_back(RankedTensorType::get(shape, slice.getElementType()));
      SmallVector<OpFoldResult> dims{length};
      for (int64_t d : slice.getShape())
        dims.push_back(rewriter.getIndexAttr(ShapedType::isDynamic(d) ? 0 : d));
      init.push_back(castTo(rewriter, loc, rewriter.create<tensor::EmptyOp>(loc, dims, slice.getElementType()),
                            accTypes.back()));
    }
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0), one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    auto forOp = rewriter.create<scf::ForOp>(loc, zero, steps, one, init);
    Block *loopBody = forOp.getBody();
    rewriter.setInsertionPointToStart(loopBody);
    Value t = forOp.getInductionVar();
    Value last = rewriter.create<arith::SubIOp>(loc, steps, one);
    SmallVector<Value> args;
    for (int64_t i = 0; i < states; ++i)
      args.push_back(castTo(rewriter, loc, forOp.getRegionIterArgs()[i], body.getArgument(i).getType()));
    for (int64_t i = 0; i < scanned; ++i) {
      Value input = inputs[i];
      auto type = cast<RankedTensorType>(input.getType());
      Value position = inDirs[i] ? rewriter.create<arith::SubIOp>(loc, last, t).getResult() : t;
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0)), sizes = getDims(rewriter, loc, input),
                                strides(type.getRank(), rewriter.getIndexAttr(1));
      offsets[inAxes[i]] = position;
      sizes[inAxes[i]] = rewriter.getIndexAttr(1);
      // The rank-reducing slice drops exactly the scanned axis.
      SmallVector<int64_t> kept(type.getShape());
      kept.erase(kept.begin() + inAxes[i]);
      auto exact = RankedTensorType::get(kept, type.getElementType());
      Value slice = rewriter.create<tensor::ExtractSliceOp>(loc, exact, input, offsets, sizes, strides);
      args.push_back(castTo(rewriter, loc, slice, body.getArgument(states + i).getType()));
    }
    rewriter.mergeBlocks(&body, loopBody, args);
    replaceYield(rewriter, loopBody, [&](OpBuilder &b, Location l, ValueRange values) {
      SmallVector<Value> next;
      for (int64_t i = 0; i < states; ++i)
        next.push_back(castTo(b, l, values[i], op.getResult(i).getType()));
      Value first = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, t, zero);
      for (int64_t i = 0; i < outputs; ++i) {
        Value slice = values[states + i];
        auto sliceType = cast<RankedTensorType>(slice.getType());
        SmallVector<OpFoldResult> sliceDims = getDims(b, l, slice);
        Value acc = forOp.getRegionIterArgs()[states + i];
        if (!sliceType.hasStaticShape()) {
          // Sized by the first step's slice; later ones must match it.
          SmallVector<OpFoldResult> dims{length};
          dims.append(sliceDims.begin(), sliceDims.end());
          auto ifOp = b.create<scf::IfOp>(
              l, first,
              [&](OpBuilder &tb, Location tl) {
                tb.create<scf::YieldOp>(tl, castTo(tb, tl, tb.create<tensor::EmptyOp>(tl, dims, sliceType.getElementType()),
                                                   accTypes[i]));
              },
              [&](OpBuilder &eb, Location el) { eb.create<scf::YieldOp>(el, acc); });
          acc = ifOp.getResult(0);
          SmallVector<OpFoldResult> accDims = getDims(b, l, acc);
          for (int64_t d = 0; d < sliceType.getRank(); ++d)
            if (sliceType.isDynamicDim(d)) {
              Value same = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, toValue(b, l, accDims[1 + d]),
                                                   toValue(b, l, sliceDims[d]));
              emitCheck(b, l, same, "scan output " + Twine(i) + " dim " + Twine(d) +
                                        " is {0} in one step and {1} in another",
                        {toValue(b, l, accDims[1 + d]), toValue(b, l, sliceDims[d])});
            }
        }
        int64_t rank = sliceType.getRank() + 1;
        SmallVector<OpFoldResult> at(rank, b.getIndexAttr(0)), sizes{b.getIndexAttr(1)}, ones(rank, b.getIndexAttr(1));
        at[0] = t;
        sizes.append(sliceDims.begin(), sliceDims.end());
        next.push_back(b.create<tensor::InsertSliceOp>(l, slice, acc, at, sizes, ones));
      }
      b.create<scf::YieldOp>(l, next);
    });
    rewriter.setInsertionPointAfter(forOp);
    SmallVector<Value> results;
    for (int64_t i = 0; i < states; ++i)
      results.push_back(forOp.getResult(i));
    for (int64_t i = 0; i < outputs; ++i) {
      Value acc = forOp.getResult(states + i);
      auto resultType = cast<RankedTensorType>(op.getResult(states + i).getType());
      int64_t axis = outAxes[i];
      if (axis == 0 && !outDirs[i]) {
        results.push_back(castTo(rewriter, loc, acc, resultType));
        continue;
      }
      // out[..., p (at axis), ...] = acc[step of p, ...], the last step first
      // when reversed.
      SmallVector<OpFoldResult> accDims = getDims(rewriter, loc, acc);
      SmallVector<OpFoldResult> outDims(accDims.begin() + 1, accDims.end());
      outDims.insert(outDims.begin() + axis, accDims[0]);
      int64_t rank = resultType.getRank();
      Value reversedLast = rewriter.create<arith::SubIOp>(loc, steps, one);
      bool reversed = outDirs[i] != 0;
      results.push_back(buildParallelGeneric(
          rewriter, loc, {}, {}, emptyTensor(rewriter, loc, resultType, outDims),
          [&](OpBuilder &b, Location l, ValueRange) -> Value {
            SmallVector<Value> at;
            for (int64_t d = 0; d < rank; ++d)
              if (d != axis)
                at.push_back(b.create<linalg::IndexOp>(l, d));
            Value p = b.create<linalg::IndexOp>(l, axis);
            if (reversed)
              p = b.create<arith::SubIOp>(l, reversedLast, p);
            at.insert(at.begin(), p);
            return b.create<tensor::ExtractOp>(l, acc, at);
          }));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateControlFlowToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerIf, LowerLoop, LowerScan>(patterns.getContext());
}

} // namespace ingot::lowering
