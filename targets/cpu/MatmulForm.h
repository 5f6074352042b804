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
/// are split first down to 64 and rows only down to 128.
OutputTile chooseTileOverPanels(int64_t batch, int64_t m, int64_t n);

} // namespace ingot::cpu

#endif // INGOT_TARGETS_CPU_MATMULFORM_H
