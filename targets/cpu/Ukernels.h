//===- Ukernels.h - Micro-kernels linked into each artifact ---------------===//
//
// Kernels written in C (targets/cpu/ukernels/) are compiled to LLVM bitcode
// when Ingot is built and embedded in it. Generated code calls them by
// symbol; the object emitter links in the bitcode of each one called, for
// the artifact's CPU, before LLVM's optimizer runs, so they are compiled
// with the artifact's features and can be inlined.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_TARGETS_CPU_UKERNELS_H
#define INGOT_TARGETS_CPU_UKERNELS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace ingot::cpu {

/// int32 ingot_sgemm_f32(A, B, C): C += A B on 2-D f32 memrefs of any
/// strides (MLIR's default calling convention); nonzero when out of memory.
inline constexpr llvm::StringLiteral kSgemmSymbol = "ingot_sgemm_f32";

/// int32 ingot_sconv2d_f32(W, X, C, kh, kw, sh, sw, dh, dw, ow): one image's
/// 2-D convolution, C[F, OH * OW] += W[F, C * kh * kw] windows(X[C, H, W]).
inline constexpr llvm::StringLiteral kSconvSymbol = "ingot_sconv2d_f32";

/// The two with A (the weights) from panels packed when compiling: the
/// panels as a 1-D memref, then i64 row0 (A's first row, a multiple of 12)
/// and i64 K in place of A.
inline constexpr llvm::StringLiteral kSgemmPanelsSymbol = "ingot_sgemm_panels_f32";
inline constexpr llvm::StringLiteral kSconvPanelsSymbol = "ingot_sconv2d_panels_f32";

/// The GEMM with B (constant weights) from 16-column panels packed when
/// compiling: A, then the panels as a 1-D memref, i64 col0 (the tile's first
/// column, a multiple of 16) and i64 K in place of B.
inline constexpr llvm::StringLiteral kSgemmBPanelsSymbol = "ingot_sgemm_bpanels_f32";

/// int32 ingot_sconv3x3_winograd_f32(U, row0, C, X, C, ow, y0, x0): a 3 x 3
/// stride-1 convolution by Winograd F(4x4, 3x3), U the filters' transforms
/// packed when compiling (36 sets of 12-row panels, K = C).
inline constexpr llvm::StringLiteral kSwinogradSymbol = "ingot_sconv3x3_winograd_f32";

/// int32 ingot_sdwconv2d_f32(W, X, C, kh, kw, sh, sw, dh, dw, y0, x0,
/// overwrite): a depthwise 2-D convolution of C's channels, W [C, kh * kw],
/// X and C 3-D [channels, rows, columns] of any strides.
inline constexpr llvm::StringLiteral kSdwconvSymbol = "ingot_sdwconv2d_f32";

/// The same for channels-last images: W [kh * kw, C], X and C 3-D [rows,
/// columns, channels], their channels contiguous.
inline constexpr llvm::StringLiteral kSdwconvNhwcSymbol = "ingot_sdwconv2d_nhwc_f32";

/// Every kernel above.
inline constexpr llvm::StringLiteral kUkernelSymbols[] = {
    kSgemmSymbol,       kSconvSymbol,        kSgemmPanelsSymbol, kSconvPanelsSymbol,
    kSgemmBPanelsSymbol, kSwinogradSymbol,   kSdwconvSymbol,     kSdwconvNhwcSymbol};

/// Links the micro-kernels `module` calls into it, in the variant for a CPU
/// with (`avx512`) or without 32 vector registers of 16 floats.
llvm::Error linkUkernels(llvm::Module &module, bool avx512);

} // namespace ingot::cpu

#endif // INGOT_TARGETS_CPU_UKERNELS_H
