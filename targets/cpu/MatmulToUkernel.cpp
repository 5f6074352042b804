//===- MatmulToUkernel.cpp - The cpu-matmul-to-ukernel pass ---------------===//
//
// fp32 contractions of matmul shape (MatMul, batched MatMul, Gemm with
// either operand transposed) and 2-D convolutions (linalg.conv_2d_nchw_fchw)
// go to the packed micro-kernel of ukernels/sgemm.c instead of naive loops;
// a convolution's B panels are packed from its input's windows. Depthwise
// convolutions (linalg.depthwise_conv_2d_nchw_chw) go to its depthwise
// kernel, one call per image (per tile of channels in a dispatch region). The op's operands become 2-D
// strided views (a transposed operand is a stride swap, a batch one a
// subview per batch index) and the output is cut into tiles of rows and
// columns, an scf.parallel the outliner hands to the thread pool; each tile
// is one call. What does not match stays a linalg op and becomes loops.
//
// Two copies the kernels make unnecessary are dropped: the zero fill of C
// right before the product (the kernel then stores its first block instead
// of adding it), and a convolution's zero-padded input (the kernel reads x
// itself, zeros outside it).
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
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

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

/// x[C, H, W] of the convolution kernel: 3-D f32 of any sizes and strides.
MemRefType kernelVolumeType(MLIRContext *ctx) {
  int64_t dyn = ShapedType::kDynamic;
  return MemRefType::get({dyn, dyn, dyn}, Float32Type::get(ctx),
                         StridedLayoutAttr::get(ctx, dyn, {dyn, dyn, dyn}));
}

func::FuncOp declareKernel(ModuleOp module, StringRef name, ArrayRef<Type> arguments) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  MLIRContext *ctx = module.getContext();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  auto decl = b.create<func::FuncOp>(module.getLoc(), name,
                                     FunctionType::get(ctx, arguments, {IntegerType::get(ctx, 32)}));
  decl.setPrivate();
  return decl;
}

// Every kernel takes last an i32 `overwrite`: C = A B instead of C += A B.
func::FuncOp declareGemm(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  MemRefType matrix = kernelOperandType(ctx);
  return declareKernel(module, kSgemmSymbol, {matrix, matrix, matrix, IntegerType::get(ctx, 32)});
}

/// Window sizes, strides, dilations, output width, first window (y0, x0).
SmallVector<Type> convScalars(MLIRContext *ctx) {
  SmallVector<Type> types(9, IntegerType::get(ctx, 64));
  types.push_back(IntegerType::get(ctx, 32));
  return types;
}

func::FuncOp declareConv(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  MemRefType matrix = kernelOperandType(ctx);
  SmallVector<Type> types{matrix, kernelVolumeType(ctx), matrix};
  types.append(convScalars(ctx));
  return declareKernel(module, kSconvSymbol, types);
}

MemRefType panelsType(MLIRContext *ctx) {
  int64_t dyn = ShapedType::kDynamic;
  return MemRefType::get({dyn}, Float32Type::get(ctx), StridedLayoutAttr::get(ctx, dyn, {dyn}));
}

func::FuncOp declareGemmPanels(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  MemRefType matrix = kernelOperandType(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  return declareKernel(module, kSgemmPanelsSymbol,
                       {panelsType(ctx), i64, i64, matrix, matrix, IntegerType::get(ctx, 32)});
}

func::FuncOp declareGemmBPanels(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  MemRefType matrix = kernelOperandType(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  return declareKernel(module, kSgemmBPanelsSymbol,
                       {matrix, panelsType(ctx), i64, i64, matrix, IntegerType::get(ctx, 32)});
}

func::FuncOp declareConvPanels(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  MemRefType matrix = kernelOperandType(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  SmallVector<Type> types{panelsType(ctx), i64, i64, kernelVolumeType(ctx), matrix};
  types.append(convScalars(ctx));
  return declareKernel(module, kSconvPanelsSymbol, types);
}

/// The Winograd kernel: U's panels, row0, C, x, C, ow, y0, x0, overwrite.
func::FuncOp declareWinograd(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  Type i64 = IntegerType::get(ctx, 64);
  return declareKernel(module, kSwinogradSymbol,
                       {panelsType(ctx), i64, i64, kernelVolumeType(ctx), kernelOperandType(ctx),
                        i64, i64, i64, IntegerType::get(ctx, 32)});
}

/// A depthwise kernel (`symbol`: of planes or of channels-last images): W,
/// x, out, kh, kw, sh, sw, dh, dw, y0, x0, overwrite.
func::FuncOp declareDepthwise(ModuleOp module, StringRef symbol) {
  MLIRContext *ctx = module.getContext();
  SmallVector<Type> types{kernelOperandType(ctx), kernelVolumeType(ctx), kernelVolumeType(ctx)};
  types.append(8, IntegerType::get(ctx, 64));
  types.push_back(IntegerType::get(ctx, 32));
  return declareKernel(module, symbol, types);
}

/// The buffer `v` is a view of (through view ops), or null.
Value rootOf(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// Whether `op` may write the buffer `root`: a linalg op writes only its
/// inits and a copy its target (where either is a view of another
/// allocation, not of `root`), memory-effect-free ops and allocations
/// nothing.
bool mayWrite(Operation *op, Value root) {
  if (isMemoryEffectFree(op) || isa<memref::AllocOp>(op))
    return false;
  auto writes = [&](Value target) {
    Value written = rootOf(target);
    return written == root || !written.getDefiningOp<memref::AllocOp>();
  };
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return writes(copy.getTarget());
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      linalgOp && linalgOp.hasPureBufferSemantics() && op->getNumRegions() == 1)
    return llvm::any_of(linalgOp.getDpsInits(), writes);
  return true;
}

/// Whether anything that runs after `from` and before some run of `op`
/// may write the buffer `root`: what lies between them in `from`'s block,
/// and, where `op` is nested in a loop there, anything else in the loop's
/// body (a later iteration's `op` runs after it).
bool writtenBetween(Operation *from, Operation *op, Value root) {
  for (Operation *at = op; at; at = at->getParentOp()) {
    if (at->getBlock() == from->getBlock()) {
      if (!from->isBeforeInBlock(at))
        return true;
      for (Operation *between = from->getNextNode(); between != at;
           between = between->getNextNode())
        if (mayWrite(between, root))
          return true;
      return false;
    }
    for (Operation &sibling : *at->getBlock())
      if (&sibling != at && mayWrite(&sibling, root))
        return true;
  }
  return true; // `from` does not enclose `op`
}

/// A zero fill of exactly `op`'s output right before it (nothing between
/// them writes memory): the kernel may overwrite C instead.
linalg::FillOp zeroFillBefore(linalg::LinalgOp op) {
  Value c = op.getDpsInitOperand(0)->get();
  // A fill that also zeroes an input is still needed.
  if (llvm::any_of(op.getDpsInputs(), [&](Value input) { return rootOf(input) == rootOf(c); }))
    return {};
  for (Operation *before = op->getPrevNode(); before; before = before->getPrevNode()) {
    auto fill = dyn_cast<linalg::FillOp>(before);
    if (fill && fill.getOutputs()[0] == c && matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return fill;
    if (!isMemoryEffectFree(before))
      return {};
  }
  return {};
}

/// Fails the run on a kernel status other than 0.
void checkStatus(OpBuilder &b, Location loc, Value status,
                 StringRef message = "the matrix multiply kernel failed with status {0} (1: "
                                     "cannot allocate its packing buffers, 2: a tile of weights "
                                     "off its panels, 3: a convolution tile not of whole output "
                                     "rows)") {
  Value ok = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, status,
                                     b.create<arith::ConstantIntOp>(loc, 0, 32));
  lowering::emitCheck(b, loc, ok, message, {status});
}

/// Rows of a constant matrix: A of a kernel call is the rows row0.. of a
/// constant global (through subviews of its rows and reshapes that keep
/// them), whose panels can then be packed when compiling.
struct ConstantRows {
  memref::GlobalOp global;
  SmallVector<OpFoldResult> offsets; // summed: the first row
  int64_t rows, k;
};

std::optional<ConstantRows> constantRows(Value v, ModuleOp module) {
  ConstantRows found;
  while (true) {
    Operation *def = v.getDefiningOp();
    if (auto subview = dyn_cast_or_null<memref::SubViewOp>(def)) {
      auto source = subview.getSourceType();
      for (int64_t d = 0; d < source.getRank(); ++d) {
        std::optional<int64_t> stride = getConstantIntValue(subview.getMixedStrides()[d]);
        if (!stride || *stride != 1)
          return std::nullopt;
        if (d == 0)
          continue;
        std::optional<int64_t> offset = getConstantIntValue(subview.getMixedOffsets()[d]);
        std::optional<int64_t> size = getConstantIntValue(subview.getMixedSizes()[d]);
        if (!offset || *offset != 0 || !size || *size != source.getDimSize(d))
          return std::nullopt;
      }
      if (subview.getType().getRank() != source.getRank())
        return std::nullopt;
      found.offsets.push_back(subview.getMixedOffsets()[0]);
      v = subview.getSource();
    } else if (auto collapse = dyn_cast_or_null<memref::CollapseShapeOp>(def)) {
      if (collapse.getReassociationIndices()[0] != ReassociationIndices{0})
        return std::nullopt;
      v = collapse.getSrc();
    } else if (auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(def)) {
      if (expand.getReassociationIndices()[0] != ReassociationIndices{0})
        return std::nullopt;
      v = expand.getSrc();
    } else if (auto cast = dyn_cast_or_null<memref::CastOp>(def)) {
      v = cast.getSource();
    } else if (auto get = dyn_cast_or_null<memref::GetGlobalOp>(def)) {
      auto global = module.lookupSymbol<memref::GlobalOp>(get.getName());
      auto type = get.getType();
      if (!global || !global.getConstant() || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
          type.getRank() < 2 || !type.getElementType().isF32() ||
          !isa_and_nonnull<DenseElementsAttr, DenseResourceElementsAttr>(global.getInitialValueAttr()))
        return std::nullopt;
      found.global = global;
      found.rows = type.getDimSize(0);
      found.k = type.getNumElements() / std::max<int64_t>(1, found.rows);
      return found;
    } else {
      return std::nullopt;
    }
  }
}

/// The `count` floats a constant global holds, or nothing.
std::optional<std::vector<float>> valuesOf(memref::GlobalOp global, int64_t count) {
  std::vector<float> values(count);
  Attribute initial = global.getInitialValueAttr();
  if (auto dense = dyn_cast<DenseElementsAttr>(initial)) {
    if (dense.isSplat())
      std::fill(values.begin(), values.end(), dense.getSplatValue<float>());
    else
      llvm::copy(dense.getValues<float>(), values.begin());
    return values;
  }
  AsmResourceBlob *blob = cast<DenseResourceElementsAttr>(initial).getRawHandle().getBlob();
  if (!blob || (int64_t)blob->getData().size() != count * (int64_t)sizeof(float))
    return std::nullopt;
  const auto *data = reinterpret_cast<const float *>(blob->getData().data());
  values.assign(data, data + count);
  return values;
}

/// A constant 1-D global `name` holding `packed`, after `next`.
memref::GlobalOp packedGlobal(memref::GlobalOp next, StringRef name, ArrayRef<float> packed) {
  MLIRContext *ctx = next.getContext();
  auto type = MemRefType::get({(int64_t)packed.size()}, Float32Type::get(ctx));
  auto attr = DenseResourceElementsAttr::get(
      RankedTensorType::get(type.getShape(), type.getElementType()), name,
      HeapAsmResourceBlob::allocateAndCopyInferAlign(packed));
  OpBuilder b(next);
  b.setInsertionPointAfter(next);
  return b.create<memref::GlobalOp>(next.getLoc(), name, b.getStringAttr("private"), type, attr,
                                    /*constant=*/true, b.getI64IntegerAttr(64));
}

/// `lines` lines of k values (`at(line, p)`) as the kernels' panels:
/// `width` lines each (zero past the last line), each as k groups of
/// `width` values.
std::vector<float> packLines(int64_t lines, int64_t k, int64_t width,
                             llvm::function_ref<float(int64_t, int64_t)> at) {
  int64_t panels = (lines + width - 1) / width;
  std::vector<float> packed(panels * k * width, 0.0f);
  for (int64_t l = 0; l < lines; ++l)
    for (int64_t p = 0; p < k; ++p)
      packed[(l / width) * k * width + p * width + l % width] = at(l, p);
  return packed;
}

/// The global holding `rows`'s constant in the kernel's panels (built once
/// per constant): panel p is rows 12p .. 12p + 11 (zero past the last), as K
/// groups of 12 values; ExternalizeWeights then moves it to the weights.
memref::GlobalOp panelsOf(ModuleOp module, ConstantRows rows) {
  std::string name = (rows.global.getSymName() + "_panels").str();
  if (auto existing = module.lookupSymbol<memref::GlobalOp>(name))
    return existing;
  int64_t k = rows.k;
  std::optional<std::vector<float>> values = valuesOf(rows.global, rows.rows * k);
  if (!values)
    return {};
  return packedGlobal(rows.global, name, packLines(rows.rows, k, 12, [&](int64_t r, int64_t p) {
                        return (*values)[r * k + p];
                      }));
}

/// The global holding the Winograd transforms of `rows`'s constant filters
/// [F, C, 3, 3] (built once per constant): U = G g G^T of each filter and
/// channel, computed in double, as 36 parts of the kernel's 12-row panels
/// (K = C), part e holding point e of every filter.
memref::GlobalOp winogradPanelsOf(ModuleOp module, ConstantRows rows) {
  std::string name = (rows.global.getSymName() + "_winograd").str();
  if (auto existing = module.lookupSymbol<memref::GlobalOp>(name))
    return existing;
  int64_t filters = rows.rows, channels = rows.k / 9;
  std::optional<std::vector<float>> values = valuesOf(rows.global, filters * rows.k);
  if (!values || rows.k % 9 != 0)
    return {};
  // Lavin and Gray's G for F(4x4, 3x3) (points 0, 1, -1, 2, -2, infinity).
  static const double g[6][3] = {{1 / 4.0, 0, 0},
                                 {-1 / 6.0, -1 / 6.0, -1 / 6.0},
                                 {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                                 {1 / 24.0, 1 / 12.0, 1 / 6.0},
                                 {1 / 24.0, -1 / 12.0, 1 / 6.0},
                                 {0, 0, 1}};
  std::vector<float> transformed(filters * channels * 36);
  for (int64_t fc = 0; fc < filters * channels; ++fc) {
    const float *w = values->data() + fc * 9;
    double gw[6][3]; // G w
    for (int a = 0; a < 6; ++a)
      for (int j = 0; j < 3; ++j)
        gw[a][j] = g[a][0] * w[j] + g[a][1] * w[3 + j] + g[a][2] * w[6 + j];
    for (int a = 0; a < 6; ++a)
      for (int b = 0; b < 6; ++b)
        transformed[fc * 36 + a * 6 + b] =
            float(gw[a][0] * g[b][0] + gw[a][1] * g[b][1] + gw[a][2] * g[b][2]);
  }
  std::vector<float> packed;
  for (int64_t e = 0; e < 36; ++e) {
    std::vector<float> part = packLines(filters, channels, 12, [&](int64_t f, int64_t c) {
      return transformed[(f * channels + c) * 36 + e];
    });
    packed.insert(packed.end(), part.begin(), part.end());
  }
  return packedGlobal(rows.global, name, packed);
}

/// Columns of a constant B: the 2-D operand is columns col0.. of a
/// constant global of K x N ([N, K] where `transposed`), through subviews
/// of its columns (all of K) and casts.
struct ConstantColumns {
  memref::GlobalOp global;
  SmallVector<OpFoldResult> offsets; // summed: the first column
  int64_t n, k;
  bool transposed;
};

std::optional<ConstantColumns> constantColumns(Value v, bool transposed, ModuleOp module) {
  ConstantColumns found;
  found.transposed = transposed;
  unsigned nDim = transposed ? 0 : 1, kDim = transposed ? 1 : 0;
  while (true) {
    Operation *def = v.getDefiningOp();
    if (auto subview = dyn_cast_or_null<memref::SubViewOp>(def)) {
      auto source = subview.getSourceType();
      if (source.getRank() != 2 || subview.getType().getRank() != 2 ||
          !llvm::all_of(subview.getStaticStrides(), [](int64_t s) { return s == 1; }) ||
          !isConstantIntValue(subview.getMixedOffsets()[kDim], 0) ||
          !isConstantIntValue(subview.getMixedSizes()[kDim], source.getDimSize(kDim)))
        return std::nullopt;
      found.offsets.push_back(subview.getMixedOffsets()[nDim]);
      v = subview.getSource();
    } else if (auto cast = dyn_cast_or_null<memref::CastOp>(def)) {
      v = cast.getSource();
    } else if (auto get = dyn_cast_or_null<memref::GetGlobalOp>(def)) {
      auto global = module.lookupSymbol<memref::GlobalOp>(get.getName());
      auto type = get.getType();
      if (!global || !global.getConstant() || !type.hasStaticShape() ||
          !type.getLayout().isIdentity() || type.getRank() != 2 || !type.getElementType().isF32() ||
          !isa_and_nonnull<DenseElementsAttr, DenseResourceElementsAttr>(global.getInitialValueAttr()))
        return std::nullopt;
      found.global = global;
      found.n = type.getDimSize(nDim);
      found.k = type.getDimSize(kDim);
      return found;
    } else {
      return std::nullopt;
    }
  }
}

/// The global holding `cols`'s constant as the kernel's B panels (built
/// once per constant and orientation): panel q is columns 16q .. 16q + 15
/// (zero past the last), as K groups of 16 values.
memref::GlobalOp columnPanelsOf(ModuleOp module, ConstantColumns cols) {
  std::string name = (cols.global.getSymName() + (cols.transposed ? "_tbpanels" : "_bpanels")).str();
  if (auto existing = module.lookupSymbol<memref::GlobalOp>(name))
    return existing;
  int64_t n = cols.n, k = cols.k;
  std::optional<std::vector<float>> values = valuesOf(cols.global, n * k);
  if (!values)
    return {};
  return packedGlobal(cols.global, name, packLines(n, k, 16, [&](int64_t j, int64_t p) {
                        return cols.transposed ? (*values)[j * k + p] : (*values)[p * n + j];
                      }));
}

/// The panels' memref and the first row, as the `_panels` kernels take them.
std::pair<Value, Value> panelArguments(OpBuilder &b, Location loc, const ConstantRows &rows,
                                       memref::GlobalOp panels, Value extraRows) {
  Value data = b.create<memref::GetGlobalOp>(loc, panels.getType(), panels.getSymName());
  data = b.create<memref::CastOp>(loc, panelsType(b.getContext()), data);
  Value row0 = extraRows ? extraRows : b.create<arith::ConstantIndexOp>(loc, 0).getResult();
  for (OpFoldResult offset : rows.offsets)
    row0 = b.create<arith::AddIOp>(loc, row0, getValueOrCreateConstantIndexOp(b, loc, offset));
  return {data, b.create<arith::IndexCastOp>(loc, b.getI64Type(), row0)};
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
/// Dim `d` of `v`, from a view's size operands where `v` is a view: reading
/// it from the view would keep a view of weights read from panels alive.
OpFoldResult sizeOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto subview = v.getDefiningOp<memref::SubViewOp>();
  if (subview && subview.getType().getRank() == subview.getSourceType().getRank())
    return subview.getMixedSizes()[d];
  if (auto cast = v.getDefiningOp<memref::CastOp>())
    return sizeOf(b, loc, cast.getSource(), d);
  return memref::getMixedSize(b, loc, v, d);
}

/// A constant A read from its panels, and the kernel that does.
struct PanelSource {
  ConstantRows rows;
  memref::GlobalOp global;
  func::FuncOp kernel;
};

/// A constant B read from its column panels, and the kernel that does.
struct ColumnPanelSource {
  ConstantColumns cols;
  memref::GlobalOp global;
  func::FuncOp kernel;
};

void callOnTile(OpBuilder &b, Location loc, func::FuncOp kernel, Value a, Value bMatrix, Value c,
                Value i, Value j, std::optional<OutputTile> tile, int64_t depth,
                const PanelSource *panels, const ColumnPanelSource *bPanels, bool overwrite) {
  Value m = b.create<memref::DimOp>(loc, c, 0), n = b.create<memref::DimOp>(loc, c, 1);
  // B's rows are A's columns (checkSizes); static for B from panels, whose
  // views then die with the op.
  Value k = bPanels ? b.create<arith::ConstantIndexOp>(loc, bPanels->cols.k).getResult()
                    : b.create<memref::DimOp>(loc, bMatrix, 0).getResult();
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
  Value overwriteFlag = b.create<arith::ConstantIntOp>(loc, overwrite, 32);
  func::CallOp call;
  if (bPanels) {
    memref::GlobalOp global = bPanels->global;
    Value data = b.create<memref::GetGlobalOp>(loc, global.getType(), global.getSymName());
    data = b.create<memref::CastOp>(loc, panelsType(b.getContext()), data);
    Value col0 = j;
    for (OpFoldResult offset : bPanels->cols.offsets)
      col0 = b.create<arith::AddIOp>(loc, col0, getValueOrCreateConstantIndexOp(b, loc, offset));
    call = b.create<func::CallOp>(
        loc, bPanels->kernel,
        ValueRange{view(a, i, zero, rows, k), data,
                   b.create<arith::IndexCastOp>(loc, b.getI64Type(), col0),
                   b.create<arith::ConstantIntOp>(loc, bPanels->cols.k, 64),
                   view(c, i, j, rows, cols), overwriteFlag});
  } else if (panels) {
    auto [data, row0] = panelArguments(b, loc, panels->rows, panels->global, i);
    call = b.create<func::CallOp>(
        loc, panels->kernel,
        ValueRange{data, row0, b.create<arith::ConstantIntOp>(loc, panels->rows.k, 64),
                   view(bMatrix, zero, j, k, cols), view(c, i, j, rows, cols), overwriteFlag});
  } else {
    call = b.create<func::CallOp>(loc, kernel,
                                  ValueRange{view(a, i, zero, rows, k), view(bMatrix, zero, j, k, cols),
                                             view(c, i, j, rows, cols), overwriteFlag});
  }
  // A full tile's multiply-adds (sizes taken as 256 where dynamic).
  auto known = [](int64_t size) { return ShapedType::isDynamic(size) ? 256 : size; };
  auto cType = cast<MemRefType>(c.getType());
  int64_t work = tile ? tile->rows * tile->cols
                      : known(cType.getDimSize(0)) * known(cType.getDimSize(1));
  call->setAttr(kEstimatedWorkAttr, b.getI64IntegerAttr(work * known(depth)));
  checkStatus(b, loc, call.getResult(0));
}

/// The kernel reads K rows of B and writes C's M x N from A's and B's
/// sizes: checks (folded where static) that the operands agree on every
/// loop, as the lowering that made the op ensured.
void checkSizes(OpBuilder &b, Location loc, linalg::LinalgOp op, const MatmulForm &form) {
  AffineMap cMap = op.getIndexingMapsArray()[2];
  Value c = op.getDpsInitOperand(0)->get();
  auto size = [&](Value v, int64_t d) { return sizeOf(b, loc, v, d); };
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

/// Dim `d` of `v`, or where dynamic that of the memref it is a view of:
/// at most what `v` holds (kDynamic where neither is known).
int64_t staticBound(Value v, int64_t d) {
  auto type = cast<MemRefType>(v.getType());
  if (!type.isDynamicDim(d))
    return type.getDimSize(d);
  auto subview = v.getDefiningOp<memref::SubViewOp>();
  if (!subview || subview.getSourceType().getRank() != type.getRank())
    return ShapedType::kDynamic;
  return subview.getSourceType().getDimSize(d);
}

/// Whether `value` is known to be a multiple of `factor`: a constant, or
/// the induction variable of an scf.forall or scf.parallel whose lower
/// bound and step are constant multiples.
bool knownMultipleOf(OpFoldResult value, int64_t factor) {
  auto multiple = [&](OpFoldResult v) {
    std::optional<int64_t> c = getConstantIntValue(v);
    return c && *c % factor == 0;
  };
  if (multiple(value))
    return true;
  auto arg = dyn_cast_or_null<BlockArgument>(dyn_cast_if_present<Value>(value));
  if (!arg)
    return false;
  Operation *loop = arg.getOwner()->getParentOp();
  unsigned at = arg.getArgNumber();
  if (auto forall = dyn_cast<scf::ForallOp>(loop))
    return at < forall.getRank() && multiple(forall.getMixedLowerBound()[at]) &&
           multiple(forall.getMixedStep()[at]);
  if (auto parallel = dyn_cast<scf::ParallelOp>(loop))
    return at < parallel.getNumLoops() && multiple(parallel.getLowerBound()[at]) &&
           multiple(parallel.getStep()[at]);
  return false;
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
  // The calls write every element of C: a zero fill before is not needed.
  linalg::FillOp fill = zeroFillBefore(op);
  checkSizes(b, loc, op, form);
  auto aType = cast<MemRefType>(a.getType());
  int64_t depth = aType.getDimSize(aType.getRank() - (form.transA ? 2 : 1));
  // A constant A (the weights of a Gemm or of a convolution as a MatMul),
  // the same for every batch index, is read from panels packed now.
  auto module = op->getParentOfType<ModuleOp>();
  std::optional<ConstantRows> constantA;
  if (!form.transA && maps[0].getNumResults() == 2)
    constantA = constantRows(a, module);
  // Over few columns of C (a 1x1 convolution on a 7 x 7 plane), the
  // product runs transposed, C^T = B^T A^T, the weights' rows as B's
  // column panels (prefersTransposedProduct). Only on a dispatch region's
  // tile whose first filter is provably on a 16-column panel (the tiling
  // makes tiles of 48): a tile off its panels would fail at run time.
  bool onRegionTile = op->getParentOfType<scf::ParallelOp>() || op->getParentOfType<scf::ForallOp>();
  std::optional<ColumnPanelSource> transposed;
  if (constantA && onRegionTile && prefersTransposedProduct(staticBound(c, cRank - 1)) &&
      llvm::all_of(constantA->offsets, [](OpFoldResult o) { return knownMultipleOf(o, 16); })) {
    ConstantColumns cols{constantA->global, constantA->offsets, constantA->rows, constantA->k,
                         /*transposed=*/true};
    if (memref::GlobalOp global = columnPanelsOf(module, cols))
      transposed = ColumnPanelSource{cols, global, declareGemmBPanels(module)};
  }
  std::optional<PanelSource> panels;
  if (constantA && !transposed)
    if (memref::GlobalOp global = panelsOf(module, *constantA))
      panels = PanelSource{*constantA, global, declareGemmPanels(module)};
  // Otherwise a constant B (the weights of a MatMul or of a Gemm with
  // either orientation) is read from column panels packed now: never
  // packed at run time, nor read across its rows where transposed.
  std::optional<ColumnPanelSource> bPanels;
  if (!panels && !transposed && maps[1].getNumResults() == 2)
    if (std::optional<ConstantColumns> cols = constantColumns(bIn, form.transB, module))
      if (memref::GlobalOp global = columnPanelsOf(module, *cols))
        bPanels = ColumnPanelSource{*cols, global, declareGemmBPanels(module)};

  // One parallel loop over batch indices and output tiles; in a loop over a
  // dispatch region's tiles (cpu-tile-dispatch-regions), one call per tile
  // already.
  auto cType = cast<MemRefType>(c.getType());
  int64_t batchSize = 1;
  for (int64_t i = 0; i < cRank - 2 && !ShapedType::isDynamic(batchSize); ++i)
    batchSize = cType.isDynamicDim(i) ? ShapedType::kDynamic : batchSize * cType.getDimSize(i);
  std::optional<OutputTile> tile;
  if (!op->getParentOfType<scf::ParallelOp>() && !op->getParentOfType<scf::ForallOp>())
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
    if (transposed) {
      // A is B^T (the input's pixels by channels), C is C^T.
      Value at = matrixOf(nb, nl, bIn, maps[1], batch, !form.transB);
      Value ct = matrixOf(nb, nl, c, maps[2], batch, true);
      callOnTile(nb, nl, kernel, at, Value(), ct, zero, zero, std::nullopt, depth, nullptr,
                 &*transposed, bool(fill));
      return;
    }
    callOnTile(nb, nl, kernel, am, bm, cm, i, j, tile, depth, panels ? &*panels : nullptr,
               bPanels ? &*bPanels : nullptr, bool(fill));
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
  if (fill)
    fill->erase();
}

/// A convolution's input zero-padded by copying: a view of a buffer
/// filled with zeros, `source` copied into its interior at (top, left),
/// and nothing else done with it but convolutions. The kernel can read
/// `source` itself, zeros outside it. A depthwise convolution's view may
/// take some of the channels (the region's tile of them).
struct PaddedInput {
  memref::AllocOp buffer;
  Value source;
  SmallVector<OpFoldResult> offsets; // the view's, in the buffer
  int64_t top, left;
};

bool isConvolution(Operation *op) {
  return isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp,
             linalg::DepthwiseConv2DNhwcHwcOp>(op);
}

std::optional<PaddedInput> paddedInput(linalg::LinalgOp conv) {
  Value x = conv.getDpsInputOperand(0)->get();
  bool depthwise = isa<linalg::DepthwiseConv2DNchwChwOp>(conv.getOperation());
  // Channels-last: the channels are dim 3 and the rows and columns 1 and 2.
  bool channelsLast = isa<linalg::DepthwiseConv2DNhwcHwcOp>(conv.getOperation());
  int64_t channelDim = channelsLast ? 3 : 1, rowDim = channelsLast ? 1 : 2;
  PaddedInput found;
  auto view = x.getDefiningOp<memref::SubViewOp>();
  found.buffer = (view ? view.getSource() : x).getDefiningOp<memref::AllocOp>();
  if (!found.buffer || !found.buffer.getType().hasStaticShape() ||
      found.buffer.getType().getRank() != 4)
    return std::nullopt;
  auto bufferType = found.buffer.getType();
  if (view) {
    if (view.getType().getRank() != 4 || !llvm::all_of(view.getStaticStrides(), [](int64_t s) { return s == 1; }) ||
        (!depthwise && (!isConstantIntValue(view.getMixedOffsets()[channelDim], 0) ||
                        !isConstantIntValue(view.getMixedSizes()[channelDim],
                                            bufferType.getDimSize(channelDim)))))
      return std::nullopt;
    found.offsets = view.getMixedOffsets();
  } else {
    found.offsets.assign(4, OpFoldResult(Builder(conv).getIndexAttr(0)));
  }
  linalg::FillOp fill;
  memref::CopyOp copy;
  for (Operation *user : found.buffer->getUsers()) {
    if (auto f = dyn_cast<linalg::FillOp>(user);
        f && !fill && f.getOutputs()[0] == found.buffer.getResult() &&
        matchPattern(f.getInputs()[0], m_AnyZeroFloat())) {
      fill = f;
      continue;
    }
    auto sub = dyn_cast<memref::SubViewOp>(user);
    if (!sub && user == conv.getOperation())
      continue;
    if (!sub)
      return std::nullopt;
    bool readByConvolutions = llvm::all_of(sub->getUsers(), [&](Operation *u) {
      return isConvolution(u) && cast<linalg::LinalgOp>(u).getDpsInputOperand(0)->get() == sub.getResult();
    });
    if (readByConvolutions && !sub->use_empty())
      continue;
    // The interior: x copied in at (0, 0, top, left) (channels-last: (0,
    // top, left, 0)), x's own sizes.
    if (copy || !sub->hasOneUse() || !isa<memref::CopyOp>(*sub->user_begin()))
      return std::nullopt;
    copy = cast<memref::CopyOp>(*sub->user_begin());
    auto offsets = sub.getStaticOffsets();
    auto sourceType = cast<MemRefType>(copy.getSource().getType());
    if (copy.getTarget() != sub.getResult() || offsets[0] != 0 || offsets[channelDim] != 0 ||
        ShapedType::isDynamic(offsets[rowDim]) || ShapedType::isDynamic(offsets[rowDim + 1]) ||
        !llvm::all_of(sub.getStaticStrides(), [](int64_t s) { return s == 1; }) ||
        !sourceType.hasStaticShape() || sub.getType().getShape() != sourceType.getShape() ||
        bufferType.getDimSize(0) != sourceType.getDimSize(0) ||
        bufferType.getDimSize(channelDim) != sourceType.getDimSize(channelDim))
      return std::nullopt;
    found.source = copy.getSource();
    found.top = offsets[rowDim];
    found.left = offsets[rowDim + 1];
  }
  // Filled, then copied into, then nothing writes x before the convolution.
  if (!fill || !copy || fill->getBlock() != copy->getBlock() || !fill->isBeforeInBlock(copy))
    return std::nullopt;
  Value root = rootOf(found.source);
  if (root == rootOf(conv.getDpsInitOperand(0)->get()) || writtenBetween(copy, conv, root))
    return std::nullopt;
  return found;
}

/// A padded buffer no convolution reads any more, with its fill and copy.
void erasePaddedBuffer(memref::AllocOp buffer) {
  SmallVector<Operation *> users(buffer->getUsers());
  for (Operation *user : users) {
    if (isa<linalg::FillOp>(user))
      continue;
    auto sub = dyn_cast<memref::SubViewOp>(user);
    if (!sub || !llvm::all_of(sub->getUsers(), [](Operation *u) { return isa<memref::CopyOp>(u); }))
      return; // still read
  }
  for (Operation *user : users) {
    SmallVector<Operation *> copies(user->getUsers());
    for (Operation *copy : copies)
      copy->erase();
    user->erase();
  }
  buffer->erase();
}

/// Image n of the 4-D `v` [N, C, H, W] as 3-D, channels [c0, c0 +
/// channels) of it where given.
Value imageOf(OpBuilder &b, Location loc, Value v, Value n, OpFoldResult c0 = {},
              OpFoldResult channels = {}) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes, ones(4, b.getIndexAttr(1));
  offsets[0] = n;
  sizes.push_back(b.getIndexAttr(1));
  for (int64_t d = 1; d < 4; ++d)
    sizes.push_back(memref::getMixedSize(b, loc, v, d));
  SmallVector<int64_t> shape(type.getShape().drop_front());
  if (c0) {
    offsets[1] = c0;
    sizes[1] = channels;
    shape[0] = getConstantIntValue(channels).value_or(ShapedType::kDynamic);
  }
  auto reduced = memref::SubViewOp::inferRankReducedResultType(shape, type, offsets, sizes, ones);
  return b.create<memref::SubViewOp>(loc, cast<MemRefType>(reduced), v, offsets, sizes, ones);
}

/// Runs `perImage` on each image of `out` [N, ...]: inline for one image
/// (in a loop over a region's tiles the output holds one), else the images
/// spread on the thread pool.
void forEachImage(OpBuilder &b, Location loc, Value out,
                  function_ref<void(OpBuilder &, Location, Value)> perImage) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  if (cast<MemRefType>(out.getType()).getDimSize(0) == 1) {
    perImage(b, loc, zero);
    return;
  }
  b.create<scf::ParallelOp>(loc, ValueRange{zero},
                            ValueRange{b.create<memref::DimOp>(loc, out, 0).getResult()},
                            ValueRange{b.create<arith::ConstantIndexOp>(loc, 1)},
                            [&](OpBuilder &nb, Location nl, ValueRange ivs) {
                              perImage(nb, nl, ivs[0]);
                              nb.create<scf::ReduceOp>(nl);
                            });
}

/// Checks (folded where static) that the last window of each axis of a
/// convolution of x[N, C, H, W] into out[N, F, OH, OW] (channels-last,
/// `rowDim` 1: x[N, H, W, C]) ends inside x: (o - 1) * s + (k - 1) * d <
/// size, k the window's `extent` on that axis.
void checkWindowsInside(OpBuilder &b, Location loc, Value x, Value out, ArrayRef<Value> extent,
                        ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                        int64_t rowDim = 2) {
  auto c = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  // Folded: the size of a tile's view of a padded input is the view's own
  // operand, so that the check does not keep the padded buffer alive (it
  // was filled and copied into on every run for nothing).
  auto dim = [&](Value v, int64_t d) -> Value {
    int64_t size = cast<MemRefType>(v.getType()).getDimSize(d);
    return ShapedType::isDynamic(size) ? b.createOrFold<memref::DimOp>(loc, v, d) : c(size);
  };
  for (int64_t axis = 0; axis < 2; ++axis) {
    Value o = dim(out, rowDim + axis), k = extent[axis], size = dim(x, rowDim + axis);
    Value last = b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, b.create<arith::SubIOp>(loc, o, c(1)), c(strides[axis])),
        b.create<arith::MulIOp>(loc, b.create<arith::SubIOp>(loc, k, c(1)), c(dilations[axis])));
    Value inside = b.create<arith::OrIOp>(
        loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, o, c(0)),
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, last, size));
    lowering::emitCheck(b, loc, inside,
                        Twine("convolution windows reach ") + (axis ? "column" : "row") +
                            " {0} of an input of {1}",
                        {last, size});
  }
}

/// out[n, f, oh, ow] += x[n, c, oh * sh + i * dh, ow * sw + j * dw] w[f, c, i, j]
/// as one kernel call per image: C = out[n] as [F, OH * OW], A = w as
/// [F, C * KH * KW], B the windows of x[n]. Needs w's and out's collapsed
/// dims contiguous (always for a whole or row-tiled output); checks (folded
/// where static) that the operands agree and every window lies in x. A
/// zero-padded x is read unpadded (`padded`, its buffer then left to the
/// caller to erase).
LogicalResult rewriteConv(linalg::Conv2DNchwFchwOp op, func::FuncOp kernel,
                          SetVector<Operation *> &padded) {
  Value x = op.getDpsInputOperand(0)->get(), w = op.getDpsInputOperand(1)->get();
  Value out = op.getDpsInitOperand(0)->get();
  auto wType = cast<MemRefType>(w.getType()), outType = cast<MemRefType>(out.getType());
  SmallVector<ReassociationIndices> wGroups{{0}, {1, 2, 3}}, outGroups{{0}, {1}, {2, 3}};
  if (!memref::CollapseShapeOp::isGuaranteedCollapsible(wType, wGroups) ||
      !memref::CollapseShapeOp::isGuaranteedCollapsible(outType, outGroups))
    return failure();
  // Found before the checks go in between.
  linalg::FillOp fill = zeroFillBefore(op);
  std::optional<PaddedInput> pad = paddedInput(op);
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
  auto c = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  // Static sizes as constants: the weights' views then die with the op
  // where the weights are read from panels.
  auto dim = [&](Value v, int64_t d) -> Value {
    int64_t size = cast<MemRefType>(v.getType()).getDimSize(d);
    return ShapedType::isDynamic(size) ? b.create<memref::DimOp>(loc, v, d).getResult() : c(size);
  };
  lowering::checkEqual(b, loc, memref::getMixedSize(b, loc, x, 0), memref::getMixedSize(b, loc, out, 0),
                       "convolution input has {0} images, the output {1}");
  auto wSize = [&](int64_t d) { return sizeOf(b, loc, w, d); };
  lowering::checkEqual(b, loc, memref::getMixedSize(b, loc, x, 1), wSize(1),
                       "convolution input has {0} channels, the weights {1}");
  lowering::checkEqual(b, loc, memref::getMixedSize(b, loc, out, 1), wSize(0),
                       "convolution output has {0} filters, the weights {1}");
  checkWindowsInside(b, loc, x, out, {dim(w, 2), dim(w, 3)}, strides, dilations);
  Value weights = b.create<memref::CollapseShapeOp>(loc, w, wGroups);
  // Constant weights are read from panels packed now; a convolution marked
  // for Winograd from its filters' transforms.
  auto module = op->getParentOfType<ModuleOp>();
  std::optional<PanelSource> panels;
  bool winograd = false;
  if (std::optional<ConstantRows> rows = constantRows(w, module)) {
    if (op->hasAttr(kWinogradAttr) && isWinogradShaped(op))
      if (memref::GlobalOp global = winogradPanelsOf(module, *rows)) {
        panels = PanelSource{*rows, global, declareWinograd(module)};
        winograd = true;
      }
    if (!panels)
      if (memref::GlobalOp global = panelsOf(module, *rows))
        panels = PanelSource{*rows, global, declareConvPanels(module)};
  }
  auto i64 = [&](Value v) -> Value { return b.create<arith::IndexCastOp>(loc, b.getI64Type(), v); };
  auto constant = [&](int64_t v) -> Value { return b.create<arith::ConstantIntOp>(loc, v, 64); };
  auto perImage = [&](OpBuilder &nb, Location nl, Value n) {
    // Window (0, 0) at (y0, x0) of the image the kernel reads.
    Value xn, y0 = c(0), x0 = c(0);
    if (pad) {
      Value at = nb.create<arith::AddIOp>(nl, n, getValueOrCreateConstantIndexOp(nb, nl, pad->offsets[0]));
      xn = imageOf(nb, nl, pad->source, at);
      y0 = nb.create<arith::SubIOp>(nl, getValueOrCreateConstantIndexOp(nb, nl, pad->offsets[2]), c(pad->top));
      x0 = nb.create<arith::SubIOp>(nl, getValueOrCreateConstantIndexOp(nb, nl, pad->offsets[3]), c(pad->left));
    } else {
      xn = imageOf(nb, nl, x, n);
    }
    xn = nb.create<memref::CastOp>(nl, kernelVolumeType(ctx), xn);
    Value on = nb.create<memref::CollapseShapeOp>(nl, imageOf(nb, nl, out, n), SmallVector<ReassociationIndices>{{0}, {1, 2}});
    SmallVector<Value> operands;
    if (panels) {
      auto [data, row0] = panelArguments(nb, nl, panels->rows, panels->global, Value());
      // The Winograd kernel's K is the channels (rows.k is C x 3 x 3).
      operands = {data, row0, constant(winograd ? panels->rows.k / 9 : panels->rows.k)};
    } else {
      operands = {nb.create<memref::CastOp>(nl, kernelOperandType(ctx), weights)};
    }
    Value cMatrix = nb.create<memref::CastOp>(nl, kernelOperandType(ctx), on);
    Value overwrite = nb.create<arith::ConstantIntOp>(nl, bool(fill), 32);
    if (winograd) {
      operands.append({xn, cMatrix, i64(dim(out, 3)), i64(y0), i64(x0), overwrite});
    } else {
      operands.append({xn, cMatrix, i64(dim(w, 2)), i64(dim(w, 3)), constant(strides[0]),
                       constant(strides[1]), constant(dilations[0]), constant(dilations[1]),
                       i64(dim(out, 3)), i64(y0), i64(x0), overwrite});
    }
    auto call = nb.create<func::CallOp>(nl, panels ? panels->kernel : kernel, operands);
    auto known = [](int64_t size) { return ShapedType::isDynamic(size) ? 256 : size; };
    int64_t work = 1;
    for (int64_t d : {1, 2, 3})
      work *= known(outType.getDimSize(d));
    for (int64_t d : {1, 2, 3})
      work *= known(wType.getDimSize(d));
    call->setAttr(kEstimatedWorkAttr, nb.getI64IntegerAttr(work));
    checkStatus(nb, nl, call.getResult(0));
  };
  forEachImage(b, loc, out, perImage);
  op->erase();
  if (fill)
    fill->erase();
  if (pad)
    padded.insert(pad->buffer);
  return success();
}

/// out[n, c, oh, ow] += x[n, c, oh * sh + i * dh, ow * sw + j * dw] w[c, i, j]
/// (`channelsLast`: out[n, oh, ow, c] += x[n, oh * sh + i * dh, ow * sw + j *
/// dw, c] w[i, j, c]) as one call of the depthwise kernel per image; checks
/// (folded where static) that the operands agree and every window lies in
/// x. A zero-padded x is read unpadded, as rewriteConv does.
LogicalResult rewriteDepthwise(linalg::LinalgOp op, func::FuncOp kernel,
                               SetVector<Operation *> &padded, bool channelsLast) {
  Value x = op.getDpsInputOperand(0)->get(), w = op.getDpsInputOperand(1)->get();
  Value out = op.getDpsInitOperand(0)->get();
  auto wType = cast<MemRefType>(w.getType()), outType = cast<MemRefType>(out.getType());
  // The dims of the channels in x and out, of the rows in x and out, and of
  // the channels and the window's rows in w.
  int64_t channelDim = channelsLast ? 3 : 1, rowDim = channelsLast ? 1 : 2;
  int64_t wChannelDim = channelsLast ? 2 : 0, wRowDim = channelsLast ? 0 : 1;
  SmallVector<ReassociationIndices> wGroups =
      channelsLast ? SmallVector<ReassociationIndices>{{0, 1}, {2}}
                   : SmallVector<ReassociationIndices>{{0}, {1, 2}};
  if (!memref::CollapseShapeOp::isGuaranteedCollapsible(wType, wGroups))
    return failure();
  linalg::FillOp fill = zeroFillBefore(op);
  std::optional<PaddedInput> pad = paddedInput(op);
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> strides(op->getAttrOfType<DenseIntElementsAttr>("strides").getValues<int64_t>());
  SmallVector<int64_t> dilations(
      op->getAttrOfType<DenseIntElementsAttr>("dilations").getValues<int64_t>());
  auto c = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  lowering::checkEqual(b, loc, memref::getMixedSize(b, loc, x, 0), memref::getMixedSize(b, loc, out, 0),
                       "convolution input has {0} images, the output {1}");
  lowering::checkEqual(b, loc, memref::getMixedSize(b, loc, x, channelDim),
                       memref::getMixedSize(b, loc, out, channelDim),
                       "depthwise convolution input has {0} channels, the output {1}");
  lowering::checkEqual(b, loc, sizeOf(b, loc, w, wChannelDim), memref::getMixedSize(b, loc, out, channelDim),
                       "depthwise convolution weights have {0} channels, the output {1}");
  Value kh = getValueOrCreateConstantIndexOp(b, loc, sizeOf(b, loc, w, wRowDim));
  Value kw = getValueOrCreateConstantIndexOp(b, loc, sizeOf(b, loc, w, wRowDim + 1));
  checkWindowsInside(b, loc, x, out, {kh, kw}, strides, dilations, rowDim);
  auto i64 = [&](OpBuilder &nb, Value v) -> Value {
    return nb.create<arith::IndexCastOp>(v.getLoc(), nb.getI64Type(), v);
  };
  Value weights = b.create<memref::CastOp>(
      loc, kernelOperandType(ctx), b.create<memref::CollapseShapeOp>(loc, w, wGroups));
  auto perImage = [&](OpBuilder &nb, Location nl, Value n) {
    // Window (0, 0) at (y0, x0) of the image the kernel reads.
    Value xn, y0 = c(0), x0 = c(0);
    if (pad) {
      auto offset = [&](int64_t d) { return getValueOrCreateConstantIndexOp(nb, nl, pad->offsets[d]); };
      Value at = nb.create<arith::AddIOp>(nl, n, offset(0));
      // Planes: the tile's channels of the image; channels-last, all of them.
      xn = channelsLast ? imageOf(nb, nl, pad->source, at)
                        : imageOf(nb, nl, pad->source, at, pad->offsets[1],
                                  memref::getMixedSize(nb, nl, x, 1));
      y0 = nb.create<arith::SubIOp>(nl, offset(rowDim), c(pad->top));
      x0 = nb.create<arith::SubIOp>(nl, offset(rowDim + 1), c(pad->left));
    } else {
      xn = imageOf(nb, nl, x, n);
    }
    auto constant = [&](int64_t v) -> Value { return nb.create<arith::ConstantIntOp>(nl, v, 64); };
    SmallVector<Value> operands{
        weights, nb.create<memref::CastOp>(nl, kernelVolumeType(ctx), xn),
        nb.create<memref::CastOp>(nl, kernelVolumeType(ctx), imageOf(nb, nl, out, n)),
        i64(nb, kh), i64(nb, kw), constant(strides[0]), constant(strides[1]),
        constant(dilations[0]), constant(dilations[1]), i64(nb, y0), i64(nb, x0),
        nb.create<arith::ConstantIntOp>(nl, bool(fill), 32)};
    auto call = nb.create<func::CallOp>(nl, kernel, operands);
    auto known = [](int64_t size) { return ShapedType::isDynamic(size) ? 256 : size; };
    int64_t work = 1;
    for (int64_t d : {1, 2, 3})
      work *= known(outType.getDimSize(d));
    call->setAttr(kEstimatedWorkAttr,
                  nb.getI64IntegerAttr(work * known(wType.getDimSize(wRowDim)) *
                                       known(wType.getDimSize(wRowDim + 1))));
    checkStatus(nb, nl, call.getResult(0),
                "the depthwise convolution kernel failed with status {0} (1: cannot allocate its "
                "scratch, 3: operands of too few channels or taps, or channels-last ones whose "
                "channels are not contiguous)");
  };
  forEachImage(b, loc, out, perImage);
  op->erase();
  if (fill)
    fill->erase();
  if (pad)
    padded.insert(pad->buffer);
  return success();
}

struct CpuMatmulToUkernelPass : impl::CpuMatmulToUkernelBase<CpuMatmulToUkernelPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, MatmulForm>> matches;
    SmallVector<linalg::Conv2DNchwFchwOp> convolutions;
    SmallVector<linalg::DepthwiseConv2DNchwChwOp> depthwise;
    SmallVector<linalg::DepthwiseConv2DNhwcHwcOp> depthwiseNhwc;
    module.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics())
        return;
      if (std::optional<MatmulForm> form = matchMatmul(op))
        matches.push_back({op, *form});
      // Other linalg ops may take scalars (a fill's value): only the
      // convolutions' operands are all memrefs.
      if (!isConvolution(op.getOperation()) ||
          !llvm::all_of(op->getOperandTypes(),
                        [](Type t) { return getElementTypeOrSelf(t).isF32(); }))
        return;
      if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op.getOperation()))
        convolutions.push_back(conv);
      if (auto conv = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(op.getOperation()))
        depthwise.push_back(conv);
      if (auto conv = dyn_cast<linalg::DepthwiseConv2DNhwcHwcOp>(op.getOperation()))
        depthwiseNhwc.push_back(conv);
    });
    if (!matches.empty()) {
      func::FuncOp kernel = declareGemm(module);
      for (auto &[op, form] : matches)
        rewrite(op, form, kernel);
    }
    SetVector<Operation *> padded;
    if (!convolutions.empty()) {
      func::FuncOp kernel = declareConv(module);
      for (linalg::Conv2DNchwFchwOp op : convolutions)
        (void)rewriteConv(op, kernel, padded); // one it cannot take stays loops
    }
    if (!depthwise.empty()) {
      func::FuncOp kernel = declareDepthwise(module, kSdwconvSymbol);
      for (linalg::DepthwiseConv2DNchwChwOp op : depthwise)
        (void)rewriteDepthwise(op, kernel, padded, /*channelsLast=*/false);
    }
    if (!depthwiseNhwc.empty()) {
      func::FuncOp kernel = declareDepthwise(module, kSdwconvNhwcSymbol);
      for (linalg::DepthwiseConv2DNhwcHwcOp op : depthwiseNhwc)
        (void)rewriteDepthwise(op, kernel, padded, /*channelsLast=*/true);
    }
    {
      // The views the convolutions read die first.
      for (Operation *buffer : padded)
        for (Operation *user : llvm::make_early_inc_range(buffer->getUsers()))
          if (isa<memref::SubViewOp>(user) && user->use_empty())
            user->erase();
      for (Operation *buffer : padded)
        erasePaddedBuffer(cast<memref::AllocOp>(buffer));
    }
    // Views of weights now read from their panels, then the weights
    // themselves where nothing else reads them: not stored twice.
    SmallVector<Operation *> dead;
    module.walk([&](Operation *op) {
      if (isa<memref::SubViewOp, memref::CollapseShapeOp, memref::ExpandShapeOp, memref::CastOp, memref::DimOp,
              memref::TransposeOp, memref::GetGlobalOp>(op))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead))
      if (op->use_empty())
        op->erase();
    for (auto global : llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (llvm::any_of(ArrayRef<StringRef>{"_panels", "_bpanels", "_tbpanels", "_winograd"},
                       [&](StringRef suffix) {
                         return module.lookupSymbol<memref::GlobalOp>(
                             (global.getSymName() + suffix).str());
                       }) &&
          SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
    // Declared and not called (every A read from panels): not linked.
    for (StringRef name : {kSgemmSymbol, kSconvSymbol, kSdwconvSymbol, kSdwconvNhwcSymbol})
      if (auto decl = module.lookupSymbol<func::FuncOp>(name))
        if (SymbolTable::symbolKnownUseEmpty(decl, module))
          decl.erase();
  }
};

} // namespace
} // namespace ingot::cpu
