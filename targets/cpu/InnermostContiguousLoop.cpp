//===- InnermostContiguousLoop.cpp - cpu-innermost-contiguous-loop --------===//
//
// A loop order chosen for the vectorizer: the innermost loop should touch
// consecutive elements of as many operands as possible. This is the cheap
// first step of the CPU schedule; tiling and packing come later.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUINNERMOSTCONTIGUOUSLOOP
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

/// Whether advancing `dim` by one moves `map`'s innermost index by exactly
/// one: `dim` is that index alone or one unit term of a sum (`ow + kw`).
bool walksContiguously(AffineMap map, unsigned dim) {
  if (map.getNumResults() == 0)
    return false;
  SmallVector<AffineExpr> terms{map.getResults().back()};
  while (!terms.empty()) {
    AffineExpr term = terms.pop_back_val();
    if (auto sum = dyn_cast<AffineBinaryOpExpr>(term);
        sum && sum.getKind() == AffineExprKind::Add) {
      terms.push_back(sum.getLHS());
      terms.push_back(sum.getRHS());
    } else if (auto d = dyn_cast<AffineDimExpr>(term); d && d.getPosition() == dim) {
      return true;
    }
  }
  return false;
}

/// Operands walked contiguously by `dim`, an output counting twice. An
/// input the body never reads (a pooling window's shape operand) moves no
/// data and does not count: counted, it kept a max pool's window loops
/// innermost, its output strided by 2 and 11x slower than ONNX Runtime.
int64_t contiguityScore(linalg::GenericOp op, unsigned dim) {
  int64_t score = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    if (op.isDpsInput(&operand) && op.getMatchingBlockArgument(&operand).use_empty())
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (walksContiguously(map, dim))
      score += op.isDpsInit(&operand) ? 2 : 1;
  }
  return score;
}

/// Whether every input the body reads and `dim` moves is walked
/// contiguously by it.
bool readsUnstrided(linalg::GenericOp op, unsigned dim) {
  return llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *operand) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    return op.getMatchingBlockArgument(operand).use_empty() || !map.isFunctionOfDim(dim) ||
           walksContiguously(map, dim);
  });
}

/// Lanes of the vectors the hand-vectorized loops below run on.
constexpr int64_t kLanes = 16;

/// Whether `op` of a generic's body applies to vectors as to scalars: an
/// elementwise arith op, or a scalar constant (broadcast where used).
bool appliesToVectors(Operation &op) {
  if (!isa<arith::ArithDialect>(op.getDialect()) || op.getNumResults() != 1)
    return false;
  return OpTrait::hasElementwiseMappableTraits(&op) || isa<arith::ConstantOp>(op);
}

/// Clones the ops of `body` (each `appliesToVectors`) onto vectors of
/// kLanes: an operand is the vector `vectors` maps it to, else the
/// broadcast of its scalar (what `scalars` maps it to, or itself when it is
/// defined outside the body). A constant is cloned and broadcast. Returns
/// the vector of each value the body yields.
SmallVector<Value> cloneBodyOnVectors(OpBuilder &b, Location loc, Block &body,
                                      IRMapping &vectors, const IRMapping &scalars) {
  auto splat = [&](Value scalar) -> Value {
    return b.create<vector::BroadcastOp>(loc, VectorType::get({kLanes}, scalar.getType()),
                                         scalar);
  };
  auto vectorOf = [&](Value v) -> Value {
    if (Value mapped = vectors.lookupOrNull(v))
      return mapped;
    Value vector = splat(scalars.lookupOrDefault(v));
    vectors.map(v, vector);
    return vector;
  };
  for (Operation &inner : body.without_terminator()) {
    if (isa<arith::ConstantOp>(inner)) {
      vectors.map(inner.getResult(0), splat(b.clone(inner)->getResult(0)));
      continue;
    }
    SmallVector<Value> operands;
    for (Value operand : inner.getOperands())
      operands.push_back(vectorOf(operand));
    OperationState state(loc, inner.getName());
    state.addOperands(operands);
    state.addAttributes(inner.getAttrs());
    state.addTypes(VectorType::get({kLanes}, inner.getResult(0).getType()));
    vectors.map(inner.getResult(0), b.create(state)->getResult(0));
  }
  // What the body yields may be an argument or a scalar from outside it.
  return llvm::map_to_vector(body.getTerminator()->getOperands(), vectorOf);
}

/// The indices at which `map` (a projected permutation) reads when the
/// loops other than r are at `ivs` and r is at `rIndex`.
SmallVector<Value> indicesAt(AffineMap map, ValueRange ivs, unsigned r, Value rIndex) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    indices.push_back(d == r ? rIndex : ivs[d]);
  }
  return indices;
}

/// The inputs the body reads that do not move along r, each loaded once
/// at `ivs` (the loops other than r) as a scalar.
IRMapping loadScalarInputs(OpBuilder &b, Location loc, linalg::GenericOp op, ValueRange ivs,
                           unsigned r) {
  IRMapping scalars;
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isFunctionOfDim(r) && !op.getMatchingBlockArgument(input).use_empty())
      scalars.map(op.getMatchingBlockArgument(input),
                  b.create<memref::LoadOp>(loc, input->get(), indicesAt(map, ivs, r, zero)));
  }
  return scalars;
}

/// Whether `value`, a static memref of f32, has unit stride along its last
/// dim, and `map` reads that dim by dim r alone.
bool readsRowContiguously(Value value, AffineMap map, unsigned r) {
  auto type = dyn_cast<MemRefType>(value.getType());
  auto last = map.getNumResults() ? dyn_cast<AffineDimExpr>(map.getResults().back()) : nullptr;
  SmallVector<int64_t> strides;
  int64_t offset;
  return type && type.getElementType().isF32() && last && last.getPosition() == r &&
         succeeded(getStridesAndOffset(type, strides, offset)) && strides.back() == 1;
}

/// Whether every operand of `op` is a static memref read through a
/// projected permutation, so that the loop ranges are its sizes and each
/// vector access lies inside it.
bool hasStaticProjectedOperands(linalg::GenericOp op) {
  return llvm::all_of(op->getOpOperands(), [&](OpOperand &operand) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    return type && type.hasStaticShape() &&
           op.getMatchingIndexingMap(&operand).isProjectedPermutation();
  });
}

/// A reduction over one dim r (a LayerNorm's mean and variance
/// over rows of 768, a softmax's max and sum over 128), where the inputs
/// walk r with unit stride and the output does not. As loops its innermost
/// loop is either r, a chain of dependent scalar steps that LLVM cannot
/// vectorize without reassociating, or (moved innermost by its score) the
/// output's dim, each input read at the row's stride, and with r outside
/// it the loops on the output's dims are no longer parallel. Instead, one
/// parallel loop over the outputs runs r 16 elements at a time on a vector
/// accumulator (lane l combines r = l, l + 16, ..), its body the op's on
/// vectors, then combines the lanes into the output, and the last extent %
/// 16 elements after them one by one. A sum is reassociated
/// so (as vectorized reductions are), max and min are exact. BERT's
/// LayerNorm reductions took 4.3 ms on one thread and as long on two.
/// Only ops of the arith dialect, which apply to vectors as to scalars, may
/// be in the body. Returns whether the op was replaced.
bool vectorizeContiguousReduction(IRRewriter &rewriter, linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops < 2 || op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      !op.hasPureBufferSemantics())
    return false;
  SmallVector<unsigned> reductionDims;
  op.getReductionDims(reductionDims);
  unsigned r = reductionDims.front();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges[r] < 2 * kLanes)
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!getElementTypeOrSelf(init->get().getType()).isF32() ||
      op.getMatchingIndexingMap(init).isFunctionOfDim(r) ||
      !llvm::all_of(op.getBody()->without_terminator(), appliesToVectors) ||
      !hasStaticProjectedOperands(op))
    return false;
  // Inputs read along r: r only as their last index, with unit stride.
  bool contiguous = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isFunctionOfDim(r))
      continue;
    if (!readsRowContiguously(input->get(), map, r))
      return false;
    contiguous = true;
  }
  SmallVector<Operation *> combiners;
  Value reduced = matchReduction(op.getRegionOutputArgs(), 0, combiners);
  std::optional<vector::CombiningKind> kind =
      combiners.size() == 1 ? linalg::getCombinerOpKind(combiners.front()) : std::nullopt;
  std::optional<TypedAttr> neutral =
      combiners.size() == 1 ? arith::getNeutralElement(combiners.front()) : std::nullopt;
  if (!contiguous || !reduced || !kind || !neutral)
    return false;
  // A reduction the inputs read contiguously but that is not the innermost
  // loop (a global average pool's, its loops (n, h * w, c)) moves innermost
  // first: by contiguity alone the channels would, each load at the
  // input's plane stride (SqueezeNet's pool over 1000 planes of 13 x 13
  // took 0.147 ms so, 0.013 on vectors).
  if (r != loops - 1) {
    SmallVector<unsigned> order;
    for (unsigned d = 0; d < loops; ++d)
      if (d != r)
        order.push_back(d);
    order.push_back(r);
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> interchanged = linalg::interchangeGenericOp(rewriter, op, order);
    return succeeded(interchanged) && vectorizeContiguousReduction(rewriter, *interchanged);
  }
  Operation *combiner = combiners.front();
  BlockArgument carried = op.getRegionOutputArgs()[0];

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto index = [&](int64_t v) { return rewriter.create<arith::ConstantIndexOp>(loc, v).getResult(); };
  Type f32 = rewriter.getF32Type();
  auto vectorType = VectorType::get({kLanes}, f32);
  Value zero = index(0), one = index(1), lanes = index(kLanes);
  SmallVector<Value> lower(r, zero), steps(r, one), upper;
  for (unsigned d = 0; d < r; ++d)
    upper.push_back(index(ranges[d]));
  Value identity = rewriter.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(vectorType, cast<Attribute>(*neutral)));
  int64_t whole = ranges[r] / kLanes * kLanes;
  Value wholeEnd = index(whole), extent = index(ranges[r]);
  rewriter.create<scf::ParallelOp>(
      loc, lower, upper, steps, [&](OpBuilder &b, Location l, ValueRange ivs) {
        IRMapping scalars = loadScalarInputs(b, l, op, ivs, r);
        auto loop = b.create<scf::ForOp>(
            l, zero, wholeEnd, lanes, ValueRange{identity},
            [&](OpBuilder &fb, Location fl, Value k, ValueRange acc) {
              IRMapping vectors;
              vectors.map(carried, acc[0]);
              for (OpOperand *input : op.getDpsInputOperands()) {
                AffineMap map = op.getMatchingIndexingMap(input);
                if (map.isFunctionOfDim(r))
                  vectors.map(op.getMatchingBlockArgument(input),
                              fb.create<vector::LoadOp>(fl, vectorType, input->get(),
                                                        indicesAt(map, ivs, r, k)));
              }
              cloneBodyOnVectors(fb, fl, *op.getBody(), vectors, scalars);
              fb.create<scf::YieldOp>(fl, vectors.lookup(combiner->getResult(0)));
            });
        auto fastmath = *kind == vector::CombiningKind::ADD || *kind == vector::CombiningKind::MUL
                            ? arith::FastMathFlags::reassoc
                            : arith::FastMathFlags::none;
        Value lanesCombined =
            b.create<vector::ReductionOp>(l, *kind, loop.getResult(0), Value(), fastmath);
        SmallVector<Value> outIndices = indicesAt(op.getMatchingIndexingMap(init), ivs, r, zero);
        Value old = b.create<memref::LoadOp>(l, init->get(), outIndices);
        IRMapping final;
        final.map(carried, old);
        for (Value operand : combiner->getOperands())
          if (operand != carried)
            final.map(operand, lanesCombined);
        Value result = b.clone(*combiner, final)->getResult(0);
        // The last extent % 16 elements one at a time, by the op's body.
        if (whole < ranges[r])
          result = b.create<scf::ForOp>(
                        l, wholeEnd, extent, one, ValueRange{result},
                        [&](OpBuilder &tb, Location tl, Value k, ValueRange acc) {
                          IRMapping tail = scalars;
                          tail.map(carried, acc[0]);
                          for (OpOperand *input : op.getDpsInputOperands()) {
                            AffineMap map = op.getMatchingIndexingMap(input);
                            if (map.isFunctionOfDim(r))
                              tail.map(op.getMatchingBlockArgument(input),
                                       tb.create<memref::LoadOp>(tl, input->get(),
                                                                 indicesAt(map, ivs, r, k)));
                          }
                          for (Operation &inner : op.getBody()->without_terminator())
                            tb.clone(inner, tail);
                          tb.create<scf::YieldOp>(tl, tail.lookup(combiner->getResult(0)));
                        })
                       .getResult(0);
        b.create<memref::StoreOp>(l, result, init->get(), outIndices);
        b.create<scf::ReduceOp>(l);
      });
  rewriter.eraseOp(op);
  return true;
}

/// Longest innermost extent that `vectorizeShortRows` takes over from
/// LLVM. Below it LLVM unrolls the row's loop completely and vectorizes
/// the loop around it instead, across rows: gathers at the row's stride.
/// An NHWC tile's bias add over 112 points of 16 channels took 0.15 ms so,
/// longer than the 1x1 convolution it follows (0.11 ms).
constexpr int64_t kShortRow = 256;

/// An elementwise op (every loop parallel) whose innermost dim r is a
/// short contiguous row of its f32 output (an NHWC tile's channels, a bias
/// broadcast along them): one parallel loop over the other dims, each row
/// 16 elements at a time on vectors (the body's arith ops on vectors,
/// inputs that do not move along r read once and broadcast), the row's
/// last extent % 16 elements by masked loads and stores. Returns whether
/// the op was replaced.
bool vectorizeShortRows(IRRewriter &rewriter, linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops < 2 || op.getNumDpsInits() != 1 || op.getNumParallelLoops() != loops ||
      !op.hasPureBufferSemantics())
    return false;
  unsigned r = loops - 1;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges[r] > kShortRow ||
      !llvm::all_of(op.getBody()->without_terminator(), appliesToVectors) ||
      !hasStaticProjectedOperands(op))
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap initMap = op.getMatchingIndexingMap(init);
  if (!initMap.isPermutation() || !readsRowContiguously(init->get(), initMap, r))
    return false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!op.getMatchingBlockArgument(input).use_empty() && map.isFunctionOfDim(r) &&
        !readsRowContiguously(input->get(), map, r))
      return false;
  }

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto index = [&](int64_t v) { return rewriter.create<arith::ConstantIndexOp>(loc, v).getResult(); };
  auto vectorType = VectorType::get({kLanes}, rewriter.getF32Type());
  Value zero = index(0), one = index(1), lanes = index(kLanes);
  SmallVector<Value> lower(r, zero), steps(r, one), upper;
  for (unsigned d = 0; d < r; ++d)
    upper.push_back(index(ranges[d]));
  int64_t whole = ranges[r] / kLanes * kLanes;
  Value wholeEnd = index(whole);
  // The tail's lanes past the row read zeros and are not stored.
  Value tailMask, zeros;
  if (whole < ranges[r]) {
    tailMask = rewriter.create<vector::ConstantMaskOp>(
        loc, VectorType::get({kLanes}, rewriter.getI1Type()),
        rewriter.getI64ArrayAttr({ranges[r] - whole}));
    zeros = rewriter.create<arith::ConstantOp>(loc, rewriter.getZeroAttr(vectorType));
  }
  BlockArgument out = op.getRegionOutputArgs()[0];
  rewriter.create<scf::ParallelOp>(
      loc, lower, upper, steps, [&](OpBuilder &b, Location l, ValueRange ivs) {
        IRMapping scalars = loadScalarInputs(b, l, op, ivs, r);
        // The body on the 16 elements of the row at k, `mask` (if any)
        // selecting those inside it.
        auto rowPart = [&](OpBuilder &vb, Location vl, Value k, Value mask) {
          auto read = [&](Value memref, AffineMap map) -> Value {
            SmallVector<Value> indices = indicesAt(map, ivs, r, k);
            if (mask)
              return vb.create<vector::MaskedLoadOp>(vl, vectorType, memref, indices, mask, zeros);
            return vb.create<vector::LoadOp>(vl, vectorType, memref, indices);
          };
          IRMapping vectors;
          for (OpOperand *input : op.getDpsInputOperands()) {
            AffineMap map = op.getMatchingIndexingMap(input);
            if (map.isFunctionOfDim(r) && !op.getMatchingBlockArgument(input).use_empty())
              vectors.map(op.getMatchingBlockArgument(input), read(input->get(), map));
          }
          if (!out.use_empty())
            vectors.map(out, read(init->get(), initMap));
          Value result = cloneBodyOnVectors(vb, vl, *op.getBody(), vectors, scalars).front();
          SmallVector<Value> indices = indicesAt(initMap, ivs, r, k);
          if (mask)
            vb.create<vector::MaskedStoreOp>(vl, init->get(), indices, mask, result);
          else
            vb.create<vector::StoreOp>(vl, result, init->get(), indices);
        };
        if (whole > 0)
          b.create<scf::ForOp>(l, zero, wholeEnd, lanes, ValueRange{},
                               [&](OpBuilder &fb, Location fl, Value k, ValueRange) {
                                 rowPart(fb, fl, k, Value());
                                 fb.create<scf::YieldOp>(fl);
                               });
        if (tailMask)
          rowPart(b, l, wholeEnd, tailMask);
        b.create<scf::ReduceOp>(l);
      });
  rewriter.eraseOp(op);
  return true;
}

/// The 16 x 16 block `rows` (16 vectors) transposed: four stages of
/// shuffles, stage d swapping the d x d blocks off the diagonal of each 2d
/// x 2d block (each new row two old ones interleaved), d = 8, 4, 2, 1.
SmallVector<Value> transposeBlock(OpBuilder &b, Location loc, SmallVector<Value> rows) {
  for (int64_t d = kLanes / 2; d >= 1; d /= 2)
    for (int64_t i = 0; i < kLanes; ++i) {
      if (i & d)
        continue;
      SmallVector<int64_t> upper, lower;
      for (int64_t j = 0; j < kLanes; ++j) {
        // Lane j of the pair's first row keeps its own lanes where j has
        // no d bit and takes the second row's lane j - d where it has;
        // the second row the first's lane j + d, else its own.
        upper.push_back(j & d ? kLanes + j - d : j);
        lower.push_back(j & d ? kLanes + j : j + d);
      }
      Value first = rows[i], second = rows[i + d];
      rows[i] = b.create<vector::ShuffleOp>(loc, first, second, upper);
      rows[i + d] = b.create<vector::ShuffleOp>(loc, first, second, lower);
    }
  return rows;
}

/// A copy whose output is contiguous along one dim r and whose input is
/// along another, q (NCHW -> NHWC: r the channels, q the columns), both
/// static multiples of 16: 16 x 16 blocks, each 16 vector loads along q,
/// a transpose in registers and 16 vector stores along r. As loops, the
/// innermost r read the input at its q stride, one element per load (the
/// stem of MobileNetV2 going channels-last, 1.6 MB, took 0.15 ms). Returns
/// whether the op was replaced.
bool vectorizeTransposedCopy(IRRewriter &rewriter, linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops < 2 || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != loops || !op.hasPureBufferSemantics() ||
      !hasStaticProjectedOperands(op))
    return false;
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  OpOperand *input = op.getDpsInputOperand(0), *init = op.getDpsInitOperand(0);
  if (yield.getNumOperands() != 1 || yield.getOperand(0) != op.getMatchingBlockArgument(input))
    return false;
  AffineMap inMap = op.getMatchingIndexingMap(input), outMap = op.getMatchingIndexingMap(init);
  if (!inMap.isPermutation() || !outMap.isPermutation())
    return false;
  unsigned q = cast<AffineDimExpr>(inMap.getResults().back()).getPosition();
  unsigned r = cast<AffineDimExpr>(outMap.getResults().back()).getPosition();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (q == r || ranges[q] % kLanes != 0 || ranges[r] % kLanes != 0 ||
      !readsRowContiguously(input->get(), inMap, q) || !readsRowContiguously(init->get(), outMap, r))
    return false;

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto index = [&](int64_t v) { return rewriter.create<arith::ConstantIndexOp>(loc, v).getResult(); };
  auto vectorType = VectorType::get({kLanes}, rewriter.getF32Type());
  // The other dims, then q's blocks, then r's (each unit of the outlined
  // loop runs a row of r's blocks).
  SmallVector<unsigned> order;
  for (unsigned d = 0; d < loops; ++d)
    if (d != q && d != r)
      order.push_back(d);
  order.push_back(q);
  order.push_back(r);
  SmallVector<Value> lower, upper, steps;
  for (unsigned d : order) {
    lower.push_back(index(0));
    upper.push_back(index(ranges[d]));
    steps.push_back(index(d == q || d == r ? kLanes : 1));
  }
  rewriter.create<scf::ParallelOp>(
      loc, lower, upper, steps, [&](OpBuilder &b, Location l, ValueRange ordered) {
        SmallVector<Value> ivs(loops);
        for (auto [d, iv] : llvm::zip(order, ordered))
          ivs[d] = iv;
        // Indices of `map` with dim `d` moved on by `offset`.
        auto at = [&](AffineMap map, unsigned d, int64_t offset) {
          SmallVector<Value> moved = ivs;
          if (offset)
            moved[d] = b.create<arith::AddIOp>(l, ivs[d], b.create<arith::ConstantIndexOp>(l, offset));
          SmallVector<Value> indices;
          for (AffineExpr e : map.getResults())
            indices.push_back(moved[cast<AffineDimExpr>(e).getPosition()]);
          return indices;
        };
        SmallVector<Value> rows;
        for (int64_t i = 0; i < kLanes; ++i)
          rows.push_back(b.create<vector::LoadOp>(l, vectorType, input->get(), at(inMap, r, i)));
        SmallVector<Value> columns = transposeBlock(b, l, rows);
        for (int64_t j = 0; j < kLanes; ++j)
          b.create<vector::StoreOp>(l, columns[j], init->get(), at(outMap, q, j));
        b.create<scf::ReduceOp>(l);
      });
  rewriter.eraseOp(op);
  return true;
}

struct CpuInnermostContiguousLoopPass
    : impl::CpuInnermostContiguousLoopBase<CpuInnermostContiguousLoopPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> named;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp>(op) &&
          (op.getNumReductionLoops() > 0 || isa<linalg::TransposeOp>(op)))
        named.push_back(op);
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      (void)linalg::generalizeNamedOp(rewriter, op);
    }
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp op : generics) {
      if (vectorizeContiguousReduction(rewriter, op) || vectorizeShortRows(rewriter, op) ||
          vectorizeTransposedCopy(rewriter, op))
        continue;
      unsigned loops = op.getNumLoops();
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      std::optional<unsigned> lastParallel;
      for (unsigned d = 0; d < loops; ++d)
        if (iterators[d] == utils::IteratorType::parallel)
          lastParallel = d;
      if (!lastParallel || *lastParallel == loops - 1 ||
          contiguityScore(op, *lastParallel) <= contiguityScore(op, loops - 1))
        continue;
      // Reductions over a small static window (a stride-1 depthwise
      // convolution or pooling) stay innermost: LLVM unrolls them, and the
      // output column around them is the loop it vectorizes, its element
      // kept in a register across the window. With a stride the column's
      // loads would be strided: the window goes outside instead (a 3x3/2 max
      // pool took 1.6x longer so).
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      int64_t window = 1;
      for (unsigned d = *lastParallel + 1; d < loops && window <= kSmallWindow; ++d)
        window = ShapedType::isDynamic(ranges[d]) ? kSmallWindow + 1 : window * ranges[d];
      if (window <= kSmallWindow && readsUnstrided(op, *lastParallel))
        continue;
      SmallVector<unsigned> order;
      for (unsigned d = 0; d < loops; ++d)
        if (d != *lastParallel)
          order.push_back(d);
      order.push_back(*lastParallel);
      rewriter.setInsertionPoint(op);
      (void)linalg::interchangeGenericOp(rewriter, op, order);
    }
  }
};

} // namespace
} // namespace ingot::cpu
