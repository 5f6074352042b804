//===- sgemm.c - fp32 matrix multiply micro-kernel -------------------------===//
//
// C[M, N] += A[M, K] B[K, N] for matrices of any strides (a transposed
// operand is a stride swap), called by generated code in place of a
// matmul-shaped linalg op (MatmulToUkernel.cpp). Compiled to LLVM bitcode
// when Ingot is built and linked into each artifact's module before LLVM's
// optimizer, so it is optimized and compiled for the artifact's CPU: the
// vector type below is one zmm register with AVX-512 and two ymm registers
// with AVX2.
//
// The loops are the usual five of a packed GEMM: B is copied, KC rows at a
// time, into panels of NR columns (one vector wide, zero-padded; for a few
// rows of A, a row-major B is read in place), A into panels of MR rows; the
// micro-kernel keeps an MR x NR tile of C in MR
// vector registers for the KC steps and adds it to C once. MR is 12 where
// there are 32 vector registers (AVX-512) and 6 where there are 16 (AVX2:
// the 6 x 16 tile is then 12 ymm accumulators).
//
//===----------------------------------------------------------------------===//

#include <stddef.h>
#include <stdint.h>

#ifndef INGOT_SGEMM_MR
#define INGOT_SGEMM_MR 12
#endif
// The unit test links both variants into one program under other names.
#ifndef INGOT_SGEMM_NAME
#define INGOT_SGEMM_NAME ingot_sgemm_f32
#endif

enum {
  MR = INGOT_SGEMM_MR,
  NR = 16,
  KC = 256,
  MC = MR * 10,
  NC = NR * 32,
};

_Static_assert(MR == 6 || MR == 12, "microKernel has cases for 1..12 rows");

typedef float vfloat __attribute__((vector_size(NR * sizeof(float))));

void *aligned_alloc(size_t alignment, size_t size);
void free(void *p);

static inline vfloat loadUnaligned(const float *p) {
  vfloat v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

static inline void storeUnaligned(float *p, vfloat v) { __builtin_memcpy(p, &v, sizeof(v)); }

/// B[k0 : k0 + kc, n0 : n0 + nc] as ceil(nc / NR) panels of kc x NR. Rows
/// are read one after the other: down a panel's column of rows, each load
/// would be a new cache line and page of a wide B.
static void packB(const float *b, int64_t bs0, int64_t bs1, int64_t kc, int64_t nc, float *out) {
  for (int64_t k = 0; k < kc; ++k) {
    const float *row = b + k * bs0;
    for (int64_t j = 0; j < nc; j += NR) {
      int64_t width = nc - j < NR ? nc - j : NR;
      float *dst = out + (j / NR) * kc * NR + k * NR;
      if (width == NR && bs1 == 1) {
        storeUnaligned(dst, loadUnaligned(row + j));
        continue;
      }
      for (int64_t c = 0; c < NR; ++c)
        dst[c] = c < width ? row[(j + c) * bs1] : 0.0f;
    }
  }
}

/// A[m0 : m0 + mc, k0 : k0 + kc] as ceil(mc / MR) panels of kc x MR.
static void packA(const float *a, int64_t as0, int64_t as1, int64_t mc, int64_t kc, float *out) {
  for (int64_t i = 0; i < mc; i += MR) {
    int64_t height = mc - i < MR ? mc - i : MR;
    float *panel = out + (i / MR) * kc * MR;
    for (int64_t k = 0; k < kc; ++k)
      for (int64_t r = 0; r < MR; ++r)
        panel[k * MR + r] = r < height ? a[(i + r) * as0 + k * as1] : 0.0f;
  }
}

/// C[0 : rows, 0 : cols] += (packed A panel) x (B panel): NR columns of
/// rows `bs0` apart, a packed panel (bs0 = NR) or B itself.
/// `rows` is a constant where it is called (see microKernel), so each
/// height gets its own code: a 1-row GEMV does not compute MR rows.
static inline __attribute__((always_inline)) void
tileKernel(int64_t kc, const float *restrict ap, const float *restrict bp, int64_t bs0, float *c,
           int64_t cs0, int64_t cs1, const int rows, int64_t cols) {
  vfloat acc[MR];
  for (int r = 0; r < rows; ++r)
    acc[r] = (vfloat){0};
  for (int64_t k = 0; k < kc; ++k) {
    vfloat b = loadUnaligned(bp + k * bs0);
    for (int r = 0; r < rows; ++r)
      acc[r] += ap[k * MR + r] * b;
  }
  if (cols == NR && cs1 == 1) {
    for (int r = 0; r < rows; ++r)
      storeUnaligned(c + r * cs0, loadUnaligned(c + r * cs0) + acc[r]);
    return;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j)
      c[r * cs0 + j * cs1] += acc[r][j];
}

static void microKernel(int64_t kc, const float *restrict ap, const float *restrict bp,
                        int64_t bs0, float *c, int64_t cs0, int64_t cs1, int64_t rows,
                        int64_t cols) {
  switch (rows) {
#define ROWS(n)                                                                                   \
  case n:                                                                                         \
    tileKernel(kc, ap, bp, bs0, c, cs0, cs1, n, cols);                                            \
    return;
    ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6)
#if INGOT_SGEMM_MR > 6
    ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12)
#endif
#undef ROWS
  default:
    __builtin_trap(); // rows is 1..MR by construction
  }
}

/// The memref arguments of MLIR's default calling convention: allocated
/// and aligned pointers, offset, sizes, strides.
#define MATRIX(name)                                                                              \
  float *name##Allocated, float *name##Aligned, int64_t name##Offset, int64_t name##Rows,         \
      int64_t name##Cols, int64_t name##s0, int64_t name##s1

/// C += A B, C being M x N, A M x K, B K x N (sizes checked by the caller).
/// Returns 1 when the packing buffers cannot be allocated, else 0.
int32_t INGOT_SGEMM_NAME(MATRIX(a), MATRIX(b), MATRIX(c)) {
  (void)aAllocated, (void)bAllocated, (void)cAllocated, (void)bCols, (void)aCols;
  const float *a = aAligned + aOffset, *b = bAligned + bOffset;
  float *c = cAligned + cOffset;
  int64_t m = cRows, n = cCols, k = aCols;
  if (m == 0 || n == 0 || k == 0)
    return 0;
  int64_t kcMax = k < KC ? k : KC;
  int64_t ncMax = n < NC ? (n + NR - 1) / NR * NR : NC;
  int64_t mcMax = m < MC ? (m + MR - 1) / MR * MR : MC;
  // aligned_alloc takes sizes that are a multiple of the alignment.
  size_t bBytes = ((size_t)(kcMax * ncMax) * sizeof(float) + 63) / 64 * 64;
  size_t aBytes = ((size_t)(kcMax * mcMax) * sizeof(float) + 63) / 64 * 64;
  float *bPacked = aligned_alloc(64, bBytes);
  float *aPacked = aligned_alloc(64, aBytes);
  if (!bPacked || !aPacked) {
    free(bPacked);
    free(aPacked);
    return 1;
  }
  for (int64_t j0 = 0; j0 < n; j0 += NC) {
    int64_t nc = n - j0 < NC ? n - j0 : NC;
    for (int64_t p0 = 0; p0 < k; p0 += KC) {
      int64_t kc = k - p0 < KC ? k - p0 : KC;
      // Few rows of A use each B panel too seldom to repay packing it: a
      // row-major B is then read in place, all but a last partial panel.
      const float *bBlock = b + p0 * bs0 + j0 * bs1;
      int64_t direct = bs1 == 1 && m <= 2 * MR ? nc / NR * NR : 0;
      if (direct < nc)
        packB(bBlock + direct * bs1, bs0, bs1, kc, nc - direct, bPacked);
      for (int64_t i0 = 0; i0 < m; i0 += MC) {
        int64_t mc = m - i0 < MC ? m - i0 : MC;
        packA(a + i0 * as0 + p0 * as1, as0, as1, mc, kc, aPacked);
        for (int64_t j = 0; j < nc; j += NR) {
          const float *panel = j < direct ? bBlock + j : bPacked + ((j - direct) / NR) * kc * NR;
          int64_t panelStride = j < direct ? bs0 : NR;
          for (int64_t i = 0; i < mc; i += MR)
            microKernel(kc, aPacked + (i / MR) * kc * MR, panel, panelStride,
                        c + (i0 + i) * cs0 + (j0 + j) * cs1, cs0, cs1,
                        mc - i < MR ? mc - i : MR, nc - j < NR ? nc - j : NR);
        }
      }
    }
  }
  free(bPacked);
  free(aPacked);
  return 0;
}
