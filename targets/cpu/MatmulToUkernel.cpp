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
#include "targets/cpu/MatmulForm.h"
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

/// A[rows, :], B[:, cols], C[rows, cols] of the tile at (i, j) and the call
/// on them; the whole of C without `tile`.
void callOnTile(OpBuilder &b, Location loc, func::FuncOp kernel, Value a, Value bMatrix, Value c,
                Value i, Value j, std::optional<OutputTile> tile, int64_t depth) {
  Value m = b.create<memref::DimOp>(loc, c, 0), n = b.create<memref::DimOp>(loc, c, 1);
  Value k = b.create<memref::DimOp>(loc, a, 1);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value rows = m, cols = n;
  if (tile) {
    rows = b.create<arith::MinSIOp>(loc, b.create<arith::ConstantIndexOp>(loc, tile->rows),
                                    b.create<arith::SubIOp>(loc, m, i));
    cols = b.create<arith::MinSIOp>(loc, b.create<arith::ConstantIndexOp>(loc, tile->cols),
                                    b.create<arith::SubIOp>(loc, n, j));
  }
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
  // A full tile's multiply-adds (sizes taken as 256 where dynamic).
  auto known = [](int64_t size) { return ShapedType::isDynamic(size) ? 256 : size; };
  auto cType = cast<MemRefType>(c.getType());
  int64_t work = tile ? tile->rows * tile->cols
                      : known(cType.getDimSize(0)) * known(cType.getDimSize(1));
  call->setAttr(kEstimatedWorkAttr, b.getI64IntegerAttr(work * known(depth)));
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

  // One parallel loop over batch indices and output tiles; in a loop over a
  // dispatch region's tiles (cpu-tile-dispatch-regions), one call per tile
  // already.
  auto cType = cast<MemRefType>(c.getType());
  int64_t batchSize = 1;
  for (int64_t i = 0; i < cRank - 2 && !ShapedType::isDynamic(batchSize); ++i)
    batchSize = cType.isDynamicDim(i) ? ShapedType::kDynamic : batchSize * cType.getDimSize(i);
  std::optional<OutputTile> tile;
  if (!op->getParentOfType<scf::ParallelOp>())
    tile = chooseOutputTile(batchSize, cType.getDimSize(cRank - 2), cType.getDimSize(cRank - 1));
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t i = 0; i < cRank - 2; ++i) {
    lbs.push_back(zero);
    ubs.push_back(b.create<memref::DimOp>(loc, c, i));
    steps.push_back(one);
  }
  if (tile)
    for (auto [d, size] : {std::pair<int64_t, int64_t>{cRank - 2, tile->rows}, {cRank - 1, tile->cols}}) {
      lbs.push_back(zero);
      ubs.push_back(b.create<memref::DimOp>(loc, c, d));
      steps.push_back(b.create<arith::ConstantIndexOp>(loc, size));
    }
  auto body = [&](OpBuilder &nb, Location nl, ValueRange ivs) {
    DenseMap<unsigned, Value> batch;
    for (auto [i, loop] : llvm::enumerate(form.batch))
      batch[loop] = ivs[i];
    Value am = matrixOf(nb, nl, a, maps[0], batch, form.transA);
    Value bm = matrixOf(nb, nl, bIn, maps[1], batch, form.transB);
    Value cm = matrixOf(nb, nl, c, maps[2], batch, false);
    Value i = tile ? ivs[ivs.size() - 2] : zero, j = tile ? ivs.back() : zero;
    callOnTile(nb, nl, kernel, am, bm, cm, i, j, tile, depth);
  };
  if (lbs.empty()) {
    body(b, loc, {});
  } else {
    b.create<scf::ParallelOp>(loc, lbs, ubs, steps, [&](OpBuilder &nb, Location nl, ValueRange ivs) {
      body(nb, nl, ivs);
      nb.create<scf::ReduceOp>(nl);
    });
  }
  op->erase();
}

struct CpuMatmulToUkernelPass : impl::CpuMatmulToUkernelBase<CpuMatmulToUkernelPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, MatmulForm>> matches;
    module.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics())
        return;
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
