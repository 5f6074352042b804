//===- MatmulForm.h - Contractions of matmul shape ------------------------===//
//
// What the micro-kernel computes, recognised on linalg ops on tensors (to
// tile a dispatch region around it) and on buffers (to call the kernel).
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_CPU_MATMULFORM_H
#define INGOT_TARGETS_CPU_MATMULFORM_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace ingot::cpu {

/// How a contraction's loops map onto C[batch..., m, n] += A[.., m, k] B[.., k, n].
struct MatmulForm {
  unsigned m, n, k;
  llvm::SmallVector<unsigned> batch; // C's leading loops
  bool transA, transB;
};

/// The form of `op` when it is an f32 multiply-add contraction of matmul
/// shape (on tensors or buffers); A or B may be transposed or broadcast
/// over the batch.
std::optional<MatmulForm> matchMatmul(mlir::linalg::LinalgOp op);

/// Whether `op` is a linalg.conv_2d_nchw_fchw on f32 of static shape, which
/// the micro-kernel runs with B's panels packed from the input's windows.
bool isKernelConvolution(mlir::linalg::LinalgOp op);

/// Whether `op` is a linalg.depthwise_conv_2d_nchw_chw on f32 of static
/// shape, which the depthwise micro-kernel runs.
bool isKernelDepthwise(mlir::linalg::LinalgOp op);

/// Whether `op` is a linalg.depthwise_conv_2d_nhwc_hwc on f32 of static
/// shape, which the channels-last depthwise micro-kernel runs.
bool isKernelDepthwiseNhwc(mlir::linalg::LinalgOp op);

/// Output rows per call of the channels-last depthwise kernel over an
/// output of `batch` images of `rows` rows of `rowFloats` floats each.
int64_t chooseDepthwiseRows(int64_t batch, int64_t rows, int64_t rowFloats);

/// Channels per call of the depthwise kernel over an output of `channels`
/// planes of `points` outputs each.
int64_t chooseDepthwiseChannels(int64_t batch, int64_t channels, int64_t points);

/// The output tile one micro-kernel call computes.
struct OutputTile {
  int64_t rows, cols;
};

/// Tiles for C of `batch` x `m` x `n` (kDynamic where unknown): up to 192 x
/// 512, all of one size, and at least 8 where the matrix allows (split by
/// columns down to 128, then by rows down to 48), so that two threads share
/// them evenly; rows a multiple of both kernel heights (12, 6) and of the
/// weights' 12-row panels, columns of the kernel's width (16). 192 x 128
/// where a size is unknown.
OutputTile chooseOutputTile(int64_t batch, int64_t m, int64_t n);

/// The same where A needs no packing (constant weights, packed into panels
/// when compiling; a convolution's filters): every tile of rows packs B (or
/// the windows) again and a tile of columns costs nothing more, so columns
/// are split first down to 64 and rows only down to 128. Rows are a
/// multiple of 48 where the product runs transposed
/// (prefersTransposedProduct).
OutputTile chooseTileOverPanels(int64_t batch, int64_t m, int64_t n);

/// Whether a product with constant A (weights) over C's `n` columns runs
/// transposed, C^T = B^T A^T with the weights as B's column panels: where
/// C's columns fill its 32-wide tiles worse than its rows, as columns,
/// would fill 12-row tiles. A 1x1 convolution over a 7 x 7 plane has 49
/// columns: 77% of two tiles, 94% of five tiles of rows. The tiles of
/// filters are then multiples of 48 (12-row tiles, 16-column panels).
bool prefersTransposedProduct(int64_t n);

/// The same for a direct convolution of `filters` over `points` outputs:
/// each row tile gathers the windows again, so rows are split less (tiles
/// of up to 264 filters, two calls at least where that allows).
OutputTile chooseConvolutionTile(int64_t batch, int64_t filters, int64_t points);

/// Whether `op` is a linalg.conv_2d_nchw_fchw on f32 that Winograd F(4x4,
/// 3x3) computes: 3 x 3 windows (static), strides and dilations 1, 16 or
/// more channels (static). cpu-tile-dispatch-regions marks those whose
/// tiles suit it (`kWinogradAttr`); cpu-matmul-to-ukernel runs the marked
/// ones with constant filters on the Winograd kernel.
bool isWinogradShaped(mlir::linalg::LinalgOp op);
inline constexpr llvm::StringLiteral kWinogradAttr = "ingot.winograd";

/// Tiles of a Winograd convolution's [batch, filters, oh, ow] output:
/// `filters` (a multiple of 12: the transformed filters' panels) by
/// `rows` output rows (a multiple of 4, whole 4 x 4 blocks); none where the
/// output has fewer than 16 blocks or filters (the direct kernel is then as
/// fast: ResNet's 7 x 7 layers have 4 blocks, each a column of a 16-wide
/// panel).
struct WinogradTile {
  int64_t filters, rows;
};
std::optional<WinogradTile> chooseWinogradTile(int64_t batch, int64_t filters, int64_t oh,
                                               int64_t ow);

} // namespace ingot::cpu

#endif // INGOT_TARGETS_CPU_MATMULFORM_H
