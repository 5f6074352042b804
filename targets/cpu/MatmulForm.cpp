//===- MatmulForm.cpp - Contractions of matmul shape ----------------------===//

#include "targets/cpu/MatmulForm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"

#include <algorithm>

using namespace mlir;

namespace ingot::cpu {
namespace {

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

} // namespace

std::optional<MatmulForm> matchMatmul(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<ShapedType>(operand.get().getType());
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

namespace {
/// Whether every operand of `op` is a shaped f32 value of static shape.
bool hasStaticF32Operands(linalg::LinalgOp op) {
  return llvm::all_of(op->getOperands(), [](Value v) {
    auto type = dyn_cast<ShapedType>(v.getType());
    return type && type.hasStaticShape() && type.getElementType().isF32();
  });
}
} // namespace

bool isKernelConvolution(linalg::LinalgOp op) {
  return isa<linalg::Conv2DNchwFchwOp>(op.getOperation()) && hasStaticF32Operands(op);
}

bool isKernelDepthwise(linalg::LinalgOp op) {
  return isa<linalg::DepthwiseConv2DNchwChwOp>(op.getOperation()) && hasStaticF32Operands(op);
}

bool isKernelDepthwiseNhwc(linalg::LinalgOp op) {
  return isa<linalg::DepthwiseConv2DNhwcHwcOp>(op.getOperation()) && hasStaticF32Operands(op);
}

// A tile of about 16K floats (64 KB: its epilogue, run right after the
// call, reads it back from L2), and at least 8 tiles per image where there
// are rows for them, so that two threads share them evenly.
int64_t chooseDepthwiseRows(int64_t batch, int64_t rows, int64_t rowFloats) {
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  if (rows <= 0 || rowFloats <= 0)
    return 1;
  int64_t tiles = std::max<int64_t>(1, ceilDiv(8, std::max<int64_t>(batch, 1)));
  int64_t bySize = std::max<int64_t>(1, 16384 / rowFloats);
  return std::max<int64_t>(1, std::min({rows, bySize, ceilDiv(rows, tiles)}));
}

// A call's cost is that of its outputs (each plane copied into the
// kernel's phase planes, then one pass over them): 8 calls where the
// channels allow, so that two threads share them evenly, but none of
// fewer than 4K outputs, whose thread-pool hand-off would cost more than
// a share.
int64_t chooseDepthwiseChannels(int64_t batch, int64_t channels, int64_t points) {
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  if (channels <= 0 || points <= 0)
    return 1;
  int64_t calls = std::max<int64_t>(1, ceilDiv(8, std::max<int64_t>(batch, 1)));
  return std::min(channels, std::max(ceilDiv(channels, calls), ceilDiv(4096, points)));
}

bool isWinogradShaped(linalg::LinalgOp op) {
  auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op.getOperation());
  if (!conv || !llvm::all_of(op->getOperandTypes(), [](Type t) {
        return getElementTypeOrSelf(t).isF32();
      }))
    return false;
  auto w = cast<ShapedType>(conv.getDpsInputOperand(1)->get().getType());
  auto ones = [](DenseIntElementsAttr values) {
    return llvm::all_of(values.getValues<int64_t>(), [](int64_t v) { return v == 1; });
  };
  return w.getDimSize(2) == 3 && w.getDimSize(3) == 3 && !w.isDynamicDim(1) &&
         w.getDimSize(1) >= 16 && ones(conv.getStrides()) && ones(conv.getDilations());
}

// A call transforms the input under its rows once (so again for each tile
// of filters) and runs 36 products of filters x blocks x C. Measured on
// ResNet's layers (28 x 28 x 128: 1.7 ms in calls of 8 rows by all 128
// filters, 2.8 ms in calls of 12 rows by 48), the best calls take all the
// filters and one 16-wide panel of blocks (as many block rows as fill it);
// the filters are split in two only where the rows make one call, so that
// two threads share it.
std::optional<WinogradTile> chooseWinogradTile(int64_t batch, int64_t filters, int64_t oh,
                                               int64_t ow) {
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  int64_t th = ceilDiv(oh, 4), tw = ceilDiv(ow, 4);
  if (th * tw < 16 || filters < 16 || batch < 1)
    return std::nullopt;
  int64_t blockRows = std::min(th, std::max<int64_t>(1, 16 / tw));
  int64_t filterTiles = batch * ceilDiv(th, blockRows) < 2 && filters >= 96 ? 2 : 1;
  return WinogradTile{ceilDiv(ceilDiv(filters, filterTiles), 12) * 12, 4 * blockRows};
}

namespace {
OutputTile chooseTile(int64_t batch, int64_t m, int64_t n, int64_t minCols, int64_t minRows,
                      int64_t maxRows = 192, int64_t rowCalls = 8) {
  if (ShapedType::isDynamic(m) || ShapedType::isDynamic(n) || m <= 0 || n <= 0)
    return {192, 128};
  if (ShapedType::isDynamic(batch) || batch < 1)
    batch = 1;
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  auto roundUp = [&](int64_t a, int64_t b) { return ceilDiv(a, b) * b; };
  int64_t rowTiles = ceilDiv(m, maxRows);
  int64_t colTiles = ceilDiv(n, 512);
  // Columns first (each call packs its columns of B once either way), then
  // rows (each row tile packs B again) while there are fewer than
  // `rowCalls` calls.
  while (batch * rowTiles * colTiles < 8 && ceilDiv(n, colTiles + 1) >= minCols)
    ++colTiles;
  while (batch * rowTiles * colTiles < rowCalls && roundUp(ceilDiv(m, rowTiles + 1), 12) >= minRows)
    ++rowTiles;
  // A few calls in an odd number keep one of two threads waiting on the
  // other's last call (3 calls: 1.5x at most): one column tile fewer
  // (ResNet-50 on two threads 36.7 -> 35.5 ms).
  if (int64_t calls = batch * rowTiles * colTiles; colTiles > 1 && calls % 2 == 1 && calls < 8)
    --colTiles;
  return {roundUp(ceilDiv(m, rowTiles), 12), roundUp(ceilDiv(n, colTiles), 16)};
}
} // namespace

OutputTile chooseOutputTile(int64_t batch, int64_t m, int64_t n) {
  return chooseTile(batch, m, n, /*minCols=*/128, /*minRows=*/48);
}

// Packing a window costs about what a dozen filters' multiply-adds on it
// do (rows of x gathered per output row): 7 tiles of 48 filters over a
// 14 x 14 output took twice ONNX Runtime's time, mostly packing.
OutputTile chooseTileOverPanels(int64_t batch, int64_t m, int64_t n) {
  OutputTile tile = chooseTile(batch, m, n, /*minCols=*/64, /*minRows=*/128);
  if (prefersTransposedProduct(n))
    tile.rows = (tile.rows + 47) / 48 * 48;
  return tile;
}

bool prefersTransposedProduct(int64_t n) {
  if (ShapedType::isDynamic(n) || n < 16 || n > 256)
    return false;
  // Each tile's cost: 32 columns as two vectors, a last one of at most 16
  // as one; 12 rows, a last one of r < 12 as max(r, 4) (fewer rows than
  // the FMA latency covers wait on it).
  int64_t rest = n % 32, columnCost = n / 32 * 32 + (rest == 0 ? 0 : rest <= 16 ? 16 : 32);
  int64_t rowCost = n / 12 * 12 + (n % 12 == 0 ? 0 : std::max<int64_t>(n % 12, 4));
  return double(n) / rowCost > double(n) / columnCost + 0.1;
}

// A direct convolution's call gathers its windows (B) from x, at about the
// cost of 70 filters' multiply-adds on them: 132 filters a call took 2.5 ms
// for ResNet-50's 3x3/2 layer of 512, 1.6 ms on windows packed before. So
// calls take up to 264 filters and rows are split only to make two calls,
// enough for two threads (ResNet-50 72 -> 69 ms on one, 40 -> 39 on two).
OutputTile chooseConvolutionTile(int64_t batch, int64_t filters, int64_t points) {
  return chooseTile(batch, filters, points, /*minCols=*/64, /*minRows=*/128, /*maxRows=*/264, /*rowCalls=*/2);
}

} // namespace ingot::cpu
