//===- MatmulToUkernel.cpp - The cpu-matmul-to-ukernel pass ---------------===//
//
// fp32 contractions of matmul shape (MatMul, batched MatMul, Gemm with
// either operand transposed) go to the packed micro-kernel of
// ukernels/sgemm.c instead of naive loops. The op's operands become 2-D
// strided views (a transposed operand is a stride swap, a batch one a
// subview per batch index) and the output is cut into tiles of rows and
// columns, an scf.parallel the outliner hands to the thread pool; each tile
// is one call. What does not match stays a linalg op and becomes loops.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphOps.h"
#include "targets/common/RuntimeShapes.h"
#include "targets/cpu/Passes.h"
#include "targets/cpu/Ukernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUMATMULTOUKERNEL
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

/// Output tiles: rows a multiple of both micro-kernel heights (12, 6),
/// columns of its width (16). A tile repacks its slice of A and B, so tiles
/// stay large enough that packing is a small part of their work.
constexpr int64_t kTileRows = 192;
constexpr int64_t kTileCols = 128;

/// How a contraction's loops map onto C[batch..., m, n] += A[.., m, k] B[.., k, n].
struct MatmulForm {
  unsigned m, n, k;
  SmallVector<unsigned> batch; // C's leading loops
  bool transA, transB;
};

/// Whether `body` is `yield(out + a * b)` in either operand order.
bool isMultiplyAdd(Block &body) {
  if (body.getOperations().size() != 3)
    return false;
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield ? yield.getOperand(0).getDefiningOp<arith::AddFOp>() : nullptr;
  if (!add)
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1), out = body.getArgument(2);
  auto product = [&](Value v) {
    auto mul = v.getDefiningOp<arith::MulFOp>();
    return mul && ((mul.getLhs() == a && mul.getRhs() == b) ||
                   (mul.getLhs() == b && mul.getRhs() == a));
  };
  return (add.getLhs() == out && product(add.getRhs())) ||
         (add.getRhs() == out && product(add.getLhs()));
}

std::optional<MatmulForm> matchMatmul(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !op.hasPureBufferSemantics())
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
  }
  if (!isMultiplyAdd(*op.getBlock()))
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned loops = iterators.size();
  if (loops < 3 || llvm::count(iterators, utils::IteratorType::reduction) != 1)
    return std::nullopt;
  MatmulForm form;
  form.k = std::find(iterators.begin(), iterators.end(), utils::IteratorType::reduction) -
           iterators.begin();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap a = maps[0], b = maps[1], c = maps[2];
  // C: every parallel loop once, m and n last.
  if (!c.isProjectedPermutation() || c.getNumResults() != loops - 1)
    return std::nullopt;
  auto dimAt = [](AffineMap map, unsigned i) -> std::optional<unsigned> {
    if (auto d = dyn_cast<AffineDimExpr>(map.getResult(i)))
      return d.getPosition();
    return std::nullopt;
  };
  unsigned rank = c.getNumResults();
  if (c.isFunctionOfDim(form.k))
    return std::nullopt;
  form.m = *dimAt(c, rank - 2);
  form.n = *dimAt(c, rank - 1);
  for (unsigned i = 0; i + 2 < rank; ++i)
    form.batch.push_back(*dimAt(c, i));
  // A and B: batch dims of C (or a broadcast 0), then {m, k} and {k, n}.
  auto matchOperand = [&](AffineMap map, unsigned rows, unsigned cols, bool &transposed) {
    unsigned r = map.getNumResults();
    if (r < 2)
      return false;
    std::optional<unsigned> x = dimAt(map, r - 2), y = dimAt(map, r - 1);
    if (!x || !y)
      return false;
    if (*x == rows && *y == cols)
      transposed = false;
    else if (*x == cols && *y == rows)
      transposed = true;
    else
      return false;
    for (unsigned i = 0; i + 2 < r; ++i) {
      AffineExpr e = map.getResult(i);
      auto d = dyn_cast<AffineDimExpr>(e);
      auto zero = dyn_cast<AffineConstantExpr>(e);
      if (!(d && llvm::is_contained(form.batch, d.getPosition())) && !(zero && zero.getValue() == 0))
        return false;
    }
    return true;
  };
  if (!matchOperand(a, form.m, form.k, form.transA) || !matchOperand(b, form.k, form.n, form.transB))
    return std::nullopt;
  return form;
}

/// The memref type the micro-kernel takes: 2-D f32 of any sizes and strides.
MemRefType kernelOperandType(MLIRContext *ctx) {
  int64_t dyn = ShapedType::kDynamic;
  return MemRefType::get({dyn, dyn}, Float32Type::get(ctx),
                         StridedLayoutAttr::get(ctx, dyn, {dyn, dyn}));
}

func::FuncOp declareKernel(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kSgemmSymbol))
    return existing;
  MLIRContext *ctx = module.getContext();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  MemRefType matrix = kernelOperandType(ctx);
  auto decl = b.create<func::FuncOp>(
      module.getLoc(), kSgemmSymbol,
      FunctionType::get(ctx, {matrix, matrix, matrix}, {IntegerType::get(ctx, 32)}));
  decl.setPrivate();
  return decl;
}

/// The 2-D matrix of `operand` (its map `map`) at the batch indices `ivs`
/// (indexed by loop), transposed when `transposed`.
Value matrixOf(OpBuilder &b, Location loc, Value operand, AffineMap map,
               const DenseMap<unsigned, Value> &ivs, bool transposed) {
  auto type = cast<MemRefType>(operand.getType());
  int64_t rank = type.getRank();
  Value matrix = operand;
  if (rank > 2) {
    SmallVector<OpFoldResult> offsets, sizes, strides(rank, b.getIndexAttr(1));
    for (int64_t i = 0; i < rank; ++i) {
      if (i < rank - 2) {
        auto d = dyn_cast<AffineDimExpr>(map.getResult(i));
        offsets.push_back(d ? OpFoldResult(ivs.lookup(d.getPosition())) : b.getIndexAttr(0));
        sizes.push_back(b.getIndexAttr(1));
      } else {
        offsets.push_back(b.getIndexAttr(0));
        sizes.push_back(b.create<memref::DimOp>(loc, operand, i).getResult());
      }
    }
    auto reduced = memref::SubViewOp::inferRankReducedResultType(
        {ShapedType::kDynamic, ShapedType::kDynamic}, type, offsets, sizes, strides);
    matrix = b.create<memref::SubViewOp>(loc, cast<MemRefType>(reduced), operand, offsets, sizes,
                                         strides);
  }
  if (transposed)
    matrix = b.create<memref::TransposeOp>(
        loc, matrix, AffineMapAttr::get(AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, b.getContext())));
  return b.create<memref::CastOp>(loc, kernelOperandType(b.getContext()), matrix);
}

/// A[rows, :], B[:, cols], C[rows, cols] of tile (i, j) and the call on them.
void callOnTile(OpBuilder &b, Location loc, func::FuncOp kernel, Value a, Value bMatrix, Value c,
                Value i, Value j, int64_t depth) {
  Value m = b.create<memref::DimOp>(loc, c, 0), n = b.create<memref::DimOp>(loc, c, 1);
  Value k = b.create<memref::DimOp>(loc, a, 1);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value rows = b.create<arith::MinSIOp>(
      loc, b.create<arith::ConstantIndexOp>(loc, kTileRows), b.create<arith::SubIOp>(loc, m, i));
  Value cols = b.create<arith::MinSIOp>(
      loc, b.create<arith::ConstantIndexOp>(loc, kTileCols), b.create<arith::SubIOp>(loc, n, j));
  auto view = [&](Value matrix, Value r0, Value c0, Value nr, Value nc) -> Value {
    OpFoldResult one = b.getIndexAttr(1);
    Value sub = b.create<memref::SubViewOp>(loc, matrix, ArrayRef<OpFoldResult>{r0, c0},
                                            ArrayRef<OpFoldResult>{nr, nc},
                                            ArrayRef<OpFoldResult>{one, one});
    return b.create<memref::CastOp>(loc, kernelOperandType(b.getContext()), sub);
  };
  auto call = b.create<func::CallOp>(loc, kernel,
                                        ValueRange{view(a, i, zero, rows, k),
                                                   view(bMatrix, zero, j, k, cols),
                                                   view(c, i, j, rows, cols)});
  // A full tile's multiply-adds (K taken as 256 where it is dynamic).
  call->setAttr(kEstimatedWorkAttr,
                b.getI64IntegerAttr(kTileRows * kTileCols * (ShapedType::isDynamic(depth) ? 256 : depth)));
  Value status = call.getResult(0);
  Value ok = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, status,
                                     b.create<arith::ConstantIntOp>(loc, 0, 32));
  lowering::emitCheck(b, loc, ok, "cannot allocate the matrix multiply's packing buffers", {});
}

/// The kernel reads K rows of B and writes C's M x N from A's and B's
/// sizes: checks (folded where static) that the operands agree on every
/// loop, as the lowering that made the op ensured.
void checkSizes(OpBuilder &b, Location loc, linalg::LinalgOp op, const MatmulForm &form) {
  AffineMap cMap = op.getIndexingMapsArray()[2];
  Value c = op.getDpsInitOperand(0)->get();
  auto size = [&](Value v, int64_t d) { return memref::getMixedSize(b, loc, v, d); };
  // The size of loop `loop` as C (or, for k, A) has it.
  auto loopSize = [&](unsigned loop) -> OpFoldResult {
    if (std::optional<unsigned> at = cMap.getResultPosition(getAffineDimExpr(loop, b.getContext())))
      return size(c, *at);
    Value a = op.getDpsInputOperand(0)->get();
    int64_t rank = cast<MemRefType>(a.getType()).getRank();
    return size(a, rank - (form.transA ? 2 : 1));
  };
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    for (unsigned i = 0; i < map.getNumResults(); ++i) {
      auto d = dyn_cast<AffineDimExpr>(map.getResult(i));
      if (d && d.getPosition() == form.k && input->getOperandNumber() == 0)
        continue; // K is A's
      OpFoldResult expected = d ? loopSize(d.getPosition()) : OpFoldResult(b.getIndexAttr(1));
      lowering::checkEqual(b, loc, size(input->get(), i), expected,
                           "matrix multiply operand " + Twine(input->getOperandNumber()) +
                               " has size {0} in dim " + Twine(i) + ", expected {1}");
    }
  }
}

void rewrite(linalg::LinalgOp op, const MatmulForm &form, func::FuncOp kernel) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  Value a = op.getDpsInputOperand(0)->get(), bIn = op.getDpsInputOperand(1)->get();
  Value c = op.getDpsInitOperand(0)->get();
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  int64_t cRank = cast<MemRefType>(c.getType()).getRank();
  checkSizes(b, loc, op, form);
  auto aType = cast<MemRefType>(a.getType());
  int64_t depth = aType.getDimSize(aType.getRank() - (form.transA ? 2 : 1));

  // One parallel loop over batch indices and output tiles.
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t i = 0; i < cRank - 2; ++i) {
    lbs.push_back(zero);
    ubs.push_back(b.create<memref::DimOp>(loc, c, i));
    steps.push_back(one);
  }
  for (auto [d, tile] : {std::pair<int64_t, int64_t>{cRank - 2, kTileRows}, {cRank - 1, kTileCols}}) {
    lbs.push_back(zero);
    ubs.push_back(b.create<memref::DimOp>(loc, c, d));
    steps.push_back(b.create<arith::ConstantIndexOp>(loc, tile));
  }
  b.create<scf::ParallelOp>(loc, lbs, ubs, steps, [&](OpBuilder &nb, Location nl, ValueRange ivs) {
    DenseMap<unsigned, Value> batch;
    for (auto [i, loop] : llvm::enumerate(form.batch))
      batch[loop] = ivs[i];
    Value am = matrixOf(nb, nl, a, maps[0], batch, form.transA);
    Value bm = matrixOf(nb, nl, bIn, maps[1], batch, form.transB);
    Value cm = matrixOf(nb, nl, c, maps[2], batch, false);
    callOnTile(nb, nl, kernel, am, bm, cm, ivs[ivs.size() - 2], ivs.back(), depth);
    nb.create<scf::ReduceOp>(nl);
  });
  op->erase();
}

struct CpuMatmulToUkernelPass : impl::CpuMatmulToUkernelBase<CpuMatmulToUkernelPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, MatmulForm>> matches;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<MatmulForm> form = matchMatmul(op))
        matches.push_back({op, *form});
    });
    if (matches.empty())
      return;
    func::FuncOp kernel = declareKernel(module);
    for (auto &[op, form] : matches)
      rewrite(op, form, kernel);
  }
};

} // namespace
} // namespace ingot::cpu
