//===- TileDispatchRegions.cpp - The cpu-tile-dispatch-regions pass -------===//
//
// Compiles each graph.fused region whose anchor is an fp32 matmul-shaped
// contraction or 2-D convolution (direct or depthwise) as one loop over
// output tiles: the tile's zero fill, its product (the micro-kernel, once
// bufferized) and the region's epilogue (bias, residual, activation) run
// back to back on the same tile while it is in cache, instead of as three
// passes over the whole output with a thread-pool wake-up each. The epilogue is made to update the product's
// tile in place. Then every region's ops are put back in line: once the
// region is one loop nest, the rest of the CPU pipeline needs no regions.
//
//===----------------------------------------------------------------------===//

#include "targets/common/LoweringUtils.h"
#include "targets/cpu/MatmulForm.h"
#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUTILEDISPATCHREGIONS
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

/// The region's last linalg op (looking through the reshapes that give the
/// result its shape), when the region yields one value.
linalg::LinalgOp rootOf(graph::FusedOp region) {
  auto yield = cast<graph::YieldOp>(region.getBody().front().getTerminator());
  if (yield.getValues().size() != 1)
    return {};
  Value v = yield.getValues()[0];
  while (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  auto root = v.getDefiningOp<linalg::LinalgOp>();
  if (!root || root->getNumResults() != 1 || !root.hasPureTensorSemantics())
    return {};
  return root;
}

bool isElementwise(linalg::LinalgOp op) {
  return op.getNumLoops() == op.getNumParallelLoops() && op.getNumDpsInits() == 1 &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity();
}

/// Rewrites the elementwise `epilogue` so that it updates `product` (one of
/// its identity-indexed inputs) in place: its init becomes the product and
/// the body reads the product's element from the init.
linalg::GenericOp updateInPlace(RewriterBase &rewriter, linalg::GenericOp epilogue, Value product) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<int64_t> productArgs;
  for (OpOperand *input : epilogue.getDpsInputOperands()) {
    if (input->get() == product && epilogue.getMatchingIndexingMap(input).isIdentity()) {
      productArgs.push_back(input->getOperandNumber());
      continue;
    }
    inputs.push_back(input->get());
    maps.push_back(epilogue.getMatchingIndexingMap(input));
  }
  maps.push_back(epilogue.getMatchingIndexingMap(epilogue.getDpsInitOperand(0)));
  rewriter.setInsertionPoint(epilogue);
  auto updated = rewriter.create<linalg::GenericOp>(
      epilogue.getLoc(), epilogue->getResultTypes(), inputs, ValueRange{product}, maps,
      epilogue.getIteratorTypesArray());
  Block &old = epilogue.getRegion().front();
  Block *body = rewriter.createBlock(&updated.getRegion());
  IRMapping mapping;
  for (BlockArgument arg : old.getArguments())
    if (!llvm::is_contained(productArgs, (int64_t)arg.getArgNumber()) &&
        arg.getArgNumber() < epilogue.getNumDpsInputs())
      mapping.map(arg, body->addArgument(arg.getType(), arg.getLoc()));
  BlockArgument acc = body->addArgument(old.getArguments().back().getType(), epilogue.getLoc());
  for (int64_t i : productArgs)
    mapping.map(old.getArgument(i), acc);
  // The old init was an empty tensor (nothing to read); if the body reads it
  // anyway, it reads the product's element, so the body stays valid IR.
  mapping.map(old.getArguments().back(), acc);
  rewriter.setInsertionPointToStart(body);
  for (Operation &op : old)
    rewriter.clone(op, mapping);
  rewriter.replaceOp(epilogue, updated->getResults());
  return updated;
}

/// A contraction the micro-kernels run: matmul-shaped, a static f32 2-D
/// convolution (its windows packed from the input), or a depthwise one.
bool isKernelContraction(linalg::LinalgOp op) {
  return matchMatmul(op) || isKernelConvolution(op) || isKernelDepthwise(op) ||
         isKernelDepthwiseNhwc(op);
}

/// Whether the contraction's A is a constant (through reshapes): the
/// weights MatmulToUkernel packs into panels when compiling, or a
/// convolution's filters.
bool readsConstantA(linalg::LinalgOp contraction) {
  Value a = contraction.getDpsInputOperand(0)->get();
  while (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(a.getDefiningOp()))
    a = a.getDefiningOp()->getOperand(0);
  return matchPattern(a, m_Constant());
}

/// Tile sizes per output dim of `contraction`'s `result`: batch dims by 1,
/// then rows and columns of one micro-kernel call; for a convolution [N, F,
/// OH, OW], filters by rows and whole output rows (a call's columns are OH
/// x OW positions, so they must be whole rows); for a depthwise one,
/// channels by whole planes, or channels-last, rows of all channels.
SmallVector<int64_t> outputTileSizes(RankedTensorType result, linalg::LinalgOp contraction) {
  int64_t rank = result.getRank();
  if (isKernelDepthwiseNhwc(contraction))
    return {1,
            chooseDepthwiseRows(result.getDimSize(0), result.getDimSize(1),
                                result.getDimSize(2) * result.getDimSize(3)),
            0, 0};
  if (isKernelDepthwise(contraction))
    return {1,
            chooseDepthwiseChannels(result.getDimSize(0), result.getDimSize(1),
                                    result.getDimSize(2) * result.getDimSize(3)),
            0, 0};
  if (isKernelConvolution(contraction)) {
    int64_t oh = result.getDimSize(2), ow = result.getDimSize(3);
    OutputTile tile = chooseConvolutionTile(result.getDimSize(0), result.getDimSize(1), oh * ow);
    // Whole output rows; as many in each of a few column tiles (14 rows in
    // two tiles of 8 and 6 kept one of two threads waiting).
    int64_t colTiles = llvm::divideCeil(oh * ow, tile.cols);
    int64_t rows = colTiles < 8 ? llvm::divideCeil(oh, colTiles) : std::max<int64_t>(1, tile.cols / ow);
    return {1, tile.rows, rows, 0};
  }
  int64_t batch = 1;
  for (int64_t d = 0; d + 2 < rank && !ShapedType::isDynamic(batch); ++d)
    batch = result.isDynamicDim(d) ? ShapedType::kDynamic : batch * result.getDimSize(d);
  int64_t m = result.getDimSize(rank - 2), n = result.getDimSize(rank - 1);
  OutputTile tile = readsConstantA(contraction) ? chooseTileOverPanels(batch, m, n)
                                                : chooseOutputTile(batch, m, n);
  SmallVector<int64_t> sizes(rank, 1);
  sizes[rank - 2] = tile.rows;
  sizes[rank - 1] = tile.cols;
  return sizes;
}

/// Tiles the region's contraction with its fill and epilogue, if it has one.
void tileContraction(RewriterBase &rewriter, graph::FusedOp region, bool winograd) {
  linalg::LinalgOp root = rootOf(region);
  if (!root)
    return;
  linalg::LinalgOp contraction;
  if (isKernelContraction(root)) {
    contraction = root;
  } else if (auto epilogue = dyn_cast<linalg::GenericOp>(root.getOperation());
             epilogue && isElementwise(root) &&
             root.getDpsInitOperand(0)->get().getDefiningOp<tensor::EmptyOp>()) {
    for (OpOperand *input : root.getDpsInputOperands()) {
      auto producer = input->get().getDefiningOp<linalg::LinalgOp>();
      if (producer && producer->getNumResults() == 1 && isKernelContraction(producer) &&
          input->get().getType() == root->getResult(0).getType() &&
          root.getMatchingIndexingMap(input).isIdentity() &&
          llvm::all_of(producer->getUsers(), [&](Operation *user) { return user == root; })) {
        contraction = producer;
        break;
      }
    }
    if (!contraction)
      return;
    root = updateInPlace(rewriter, epilogue, contraction->getResult(0));
  } else {
    return;
  }
  auto resultType = cast<RankedTensorType>(root->getResult(0).getType());
  int64_t rank = resultType.getRank();
  if (rank < 2)
    return;
  // The reduction (K) is never tiled. A convolution for Winograd is marked
  // (the mark is kept by the tiled op and its bufferized form) and tiled by
  // whole 4 x 4 blocks of rows.
  std::optional<WinogradTile> blocks;
  if (winograd && isKernelConvolution(contraction) && isWinogradShaped(contraction))
    blocks = chooseWinogradTile(resultType.getDimSize(0), resultType.getDimSize(1),
                                resultType.getDimSize(2), resultType.getDimSize(3));
  if (blocks)
    contraction->setAttr(kWinogradAttr, UnitAttr::get(contraction->getContext()));
  SmallVector<int64_t> tile = blocks ? SmallVector<int64_t>{1, blocks->filters, blocks->rows, 0}
                                     : outputTileSizes(resultType, contraction);
  AffineMap output = root.getMatchingIndexingMap(root.getDpsInitOperand(0));
  SmallVector<OpFoldResult> sizes(root.getNumLoops(), rewriter.getIndexAttr(0));
  for (int64_t d = 0; d < rank; ++d)
    sizes[output.getDimPosition(d)] = rewriter.getIndexAttr(tile[d]);
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(sizes).setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  Operation *product = contraction;
  options.setFusionControlFn([product](tensor::ExtractSliceOp, OpResult producer, bool) {
    Operation *op = producer.getOwner();
    return std::make_tuple(op == product || isa<linalg::FillOp>(op), false);
  });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, cast<TilingInterface>(root.getOperation()), options);
  if (failed(tiled))
    return;
  rewriter.replaceAllUsesWith(root->getResult(0), tiled->replacements.lookup(root->getResult(0)));
  // The untiled ops are dead now: the fill, the product, the epilogue.
  Value filled = contraction.getDpsInitOperand(0)->get();
  rewriter.eraseOp(root);
  if (contraction != root && contraction->use_empty())
    rewriter.eraseOp(contraction);
  if (auto fill = filled.getDefiningOp<linalg::FillOp>(); fill && fill->use_empty())
    rewriter.eraseOp(fill);
}

struct CpuTileDispatchRegionsPass : impl::CpuTileDispatchRegionsBase<CpuTileDispatchRegionsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<graph::FusedOp> regions;
    getOperation().walk([&](graph::FusedOp region) { regions.push_back(region); });
    IRRewriter rewriter(&getContext());
    for (graph::FusedOp region : regions) {
      tileContraction(rewriter, region, winograd);
      lowering::inlineDispatchRegion(rewriter, region);
    }
  }
};

} // namespace
} // namespace ingot::cpu
