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
// time, into panels of NR columns (zero-padded; for a few rows of A, a
// row-major B is read in place), A into panels of MR rows (a row-major A
// is read in place, its rows MR streams); the micro-kernel
// keeps an MR x NR tile of C in registers for the KC steps and adds it to C
// once (or, where the caller says C is to be overwritten, stores it on the
// first KC block: the zero fill before the product is then not needed).
// Where there are 32 vector registers (AVX-512) the tile is 12 x 32 (24
// zmm accumulators); where there are 16 (AVX2), 6 x 16 (12 ymm).
//
// A convolution is the same product with B its windows, packed into
// panels like a matrix's rows; where its K (channels x window) is at most
// DIRECT_K, the micro-kernel reads the input direct instead (directConv).
//
// At the end, a stride-1 3 x 3 convolution by Winograd F(4 x 4, 3 x 3):
// 36 products of the same kernel in the transformed domain; then depthwise
// convolutions of planes (NCHW) and of channels-last images (NHWC).
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
#ifndef INGOT_SCONV_NAME
#define INGOT_SCONV_NAME ingot_sconv2d_f32
#endif
#ifndef INGOT_SGEMM_PANELS_NAME
#define INGOT_SGEMM_PANELS_NAME ingot_sgemm_panels_f32
#endif
#ifndef INGOT_SCONV_PANELS_NAME
#define INGOT_SCONV_PANELS_NAME ingot_sconv2d_panels_f32
#endif
#ifndef INGOT_SGEMM_BPANELS_NAME
#define INGOT_SGEMM_BPANELS_NAME ingot_sgemm_bpanels_f32
#endif
#ifndef INGOT_SWINOGRAD_NAME
#define INGOT_SWINOGRAD_NAME ingot_sconv3x3_winograd_f32
#endif
#ifndef INGOT_SDWCONV_NAME
#define INGOT_SDWCONV_NAME ingot_sdwconv2d_f32
#endif
#ifndef INGOT_SDWCONV_NHWC_NAME
#define INGOT_SDWCONV_NHWC_NAME ingot_sdwconv2d_nhwc_f32
#endif

// A tile is MR rows by NV vectors of VL floats. With 32 registers, 12 x 2
// (24 accumulators): 13 loads (a B vector and 12 broadcasts of A) for 12
// FMAs kept the 12 x 1 tile on the load ports at 73% of the FMA peak in
// ResNet-50; 12 x 2 takes 14 for 24. With 16 registers, 6 x 1 (12 ymm).
// KC is long: each tile's start and its add into C cost steps, and B's
// panel (128 KB at KC = 1024) streams from L2 with a prefetch as well as
// it stayed in L1 at KC = 256; NC keeps a B block (1 MB) in L2. From 256 x
// 512, 1x1 convolutions of ResNet-50's shapes and BERT's GEMMs ran 8-20%
// faster.
enum {
  MR = INGOT_SGEMM_MR,
  VL = 16,
  NV = MR == 12 ? 2 : 1,
  NR = VL * NV,
  KC = 1024,
  MC = MR * 10,
  NC = 256,
  // Steps above which a B panel (kc x NR) leaves L1 before the block's
  // next tile reads it again: each tile then prefetches it.
  KC_IN_L1 = 128,
};

_Static_assert(MR == 6 || MR == 12, "microKernel has cases for 1..12 rows");
_Static_assert(NC % NR == 0, "B blocks hold whole panels");

typedef float vfloat __attribute__((vector_size(VL * sizeof(float))));
typedef int32_t vint __attribute__((vector_size(VL * sizeof(int32_t))));

void *aligned_alloc(size_t alignment, size_t size);
void free(void *p);

static inline vfloat loadUnaligned(const float *p) {
  vfloat v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

static inline void storeUnaligned(float *p, vfloat v) { __builtin_memcpy(p, &v, sizeof(v)); }

/// Asks for the line `offset` floats after `p` to be fetched. The address
/// may lie past the buffer's end (the last tile's steps ahead): a prefetch
/// reads nothing and never faults, and the address is computed as an
/// integer, so that no out-of-range pointer is formed.
static inline void prefetchAhead(const float *p, int64_t offset) {
  uintptr_t at = (uintptr_t)p + (uintptr_t)offset * sizeof(float);
  __builtin_prefetch((const void *)at, 0, 3);
}

/// Asks for the lines of C that the tile two to the right of this one
/// (C_AHEAD columns on) will write: tiles go down a column of row tiles
/// before the next column, so each of C's rows is a stream of its own, and
/// an output larger than the cache (the first layers of a model, whose
/// arena the previous run's weights evicted) waited on a read for
/// ownership per line: MobileNetV2's 1x1 of 16 -> 96 channels at 112 x 112
/// took 0.80-0.89 ms in the model without this, 0.68-0.71 with it (0.49
/// with its output in cache). A prefetch never faults, and the address is
/// computed as an integer past the row's end.
enum { C_AHEAD = 2 * NR };
static inline void prefetchTileOfC(const float *c, int64_t cs0, int64_t cs1, int64_t rows) {
  if (cs1 != 1)
    return;
  for (int64_t r = 0; r < rows; ++r) {
    uintptr_t at = (uintptr_t)(c + r * cs0) + C_AHEAD * sizeof(float);
    for (int64_t line = 0; line < NR * (int64_t)sizeof(float); line += 64)
      __builtin_prefetch((const void *)(at + line), 1, 3);
  }
}

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
        for (int v = 0; v < NV; ++v)
          storeUnaligned(dst + v * VL, loadUnaligned(row + j + v * VL));
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

/// The kc steps of an MR x NR tile into `acc` (see tileKernel), with A's
/// panel (`prefetchA`) and B's (`prefetchB`) prefetched ahead. Both are
/// constants where it is called: a test per step cost 8-10% of a 1x1
/// convolution's time.
/// Step k reads B's row at bp + k * bs0, or where there is `rowAt` (a
/// convolution read direct, see directConv) at bp + rowAt[k].
static inline __attribute__((always_inline)) void
tileSteps(vfloat acc[MR][NV], int64_t kc, const float *restrict ap, int64_t as, int64_t ar,
          const float *restrict bp, int64_t bs0, int64_t bv, const int32_t *rowAt, const int rows,
          const int vectors, const int prefetchA, const int prefetchB) {
  for (int64_t k = 0; k < kc; ++k) {
    if (prefetchA)
      prefetchAhead(ap, (k + 96) * as);
    if (prefetchB)
      for (int v = 0; v < vectors; ++v)
        prefetchAhead(bp, (k + 16) * bs0 + v * bv);
    const float *row = rowAt ? bp + rowAt[k] : bp + k * bs0;
    vfloat b[NV];
    for (int v = 0; v < vectors; ++v)
      b[v] = loadUnaligned(row + v * bv);
    for (int r = 0; r < rows; ++r)
      for (int v = 0; v < vectors; ++v)
        acc[r][v] += ap[k * as + r * ar] * b[v];
  }
}

/// C[0 : rows, 0 : cols] += (packed A panel) x (B panel), or = where
/// `overwrite`: cols <= vectors * VL columns of rows `bs0` apart, vector v
/// of a row `bv` floats after the first (a packed panel: bs0 = NR, bv = VL;
/// B itself: bv = VL; B's panels packed when compiling: bs0 = BPANEL, bv =
/// K * BPANEL, the next panel).
/// `rows` and `vectors` are constants where it is called (see microKernel),
/// so each height gets its own code (a 1-row GEMV does not compute MR
/// rows), and a last panel of at most VL columns computes one vector.
static inline __attribute__((always_inline)) void
tileKernel(int64_t kc, const float *restrict ap, int64_t as, int64_t ar, const float *restrict bp,
           int64_t bs0, int64_t bv, const int32_t *rowAt, float *c, int64_t cs0, int64_t cs1,
           const int rows, const int vectors, int64_t cols, int overwrite, int fetchB) {
  vfloat acc[MR][NV];
  for (int r = 0; r < rows; ++r)
    for (int v = 0; v < vectors; ++v)
      acc[r][v] = (vfloat){0};
  // A's panel, 96 steps ahead: in a model each layer's weights (the packed
  // A of a convolution) are read once per run, from L3, and the hardware
  // prefetcher alone left the tile waiting on them (8 chained 1x1
  // convolutions of 1024 channels: 3.4 ms each, 3.0 with this; ResNet-50
  // 77 -> 67 ms on a Xeon). B's panel where the caller says it is not in
  // L1 (see gemm).
  // B read direct (rowAt) lies in L1 or L2: A's panel alone is fetched.
  if (rowAt)
    tileSteps(acc, kc, ap, as, ar, bp, bs0, bv, rowAt, rows, vectors, 1, 0);
  else if (ar == 1 && fetchB)
    tileSteps(acc, kc, ap, as, ar, bp, bs0, bv, 0, rows, vectors, 1, 1);
  else if (ar == 1)
    tileSteps(acc, kc, ap, as, ar, bp, bs0, bv, 0, rows, vectors, 1, 0);
  else if (fetchB)
    tileSteps(acc, kc, ap, as, ar, bp, bs0, bv, 0, rows, vectors, 0, 1);
  else
    tileSteps(acc, kc, ap, as, ar, bp, bs0, bv, 0, rows, vectors, 0, 0);
  // Whole vectors of a row-major C as vectors, the rest (a panel's last
  // columns, a transposed C) element by element.
  int full = cs1 == 1 ? (int)(cols / VL) : 0;
  for (int r = 0; r < rows; ++r)
    for (int v = 0; v < vectors; ++v) {
      float *at = c + r * cs0 + v * VL * cs1;
      if (v < full) {
        storeUnaligned(at, overwrite ? acc[r][v] : loadUnaligned(at) + acc[r][v]);
        continue;
      }
      int64_t n = cols - v * VL < VL ? cols - v * VL : VL;
      for (int64_t j = 0; j < n; ++j)
        at[j * cs1] = overwrite ? acc[r][v][j] : at[j * cs1] + acc[r][v][j];
    }
}

/// The tile of `rows` and `cols` at C (see tileKernel); B's rows at
/// `rowAt` offsets from bp where there is rowAt, else bs0 apart.
static void microKernel(int64_t kc, const float *restrict ap, int64_t as, int64_t ar,
                        const float *restrict bp, int64_t bs0, int64_t bv, const int32_t *rowAt,
                        float *c, int64_t cs0, int64_t cs1, int64_t rows, int64_t cols,
                        int overwrite, int fetchB) {
  // A panel's last VL columns or fewer: one vector wide.
  int wide = NV > 1 && cols > VL;
#define ROWS(n, at)                                                                               \
  case n:                                                                                         \
    if (wide)                                                                                     \
      tileKernel(kc, ap, as, ar, bp, bs0, bv, at, c, cs0, cs1, n, NV, cols, overwrite, fetchB);   \
    else                                                                                          \
      tileKernel(kc, ap, as, ar, bp, bs0, bv, at, c, cs0, cs1, n, 1, cols, overwrite, fetchB);    \
    return;
#if INGOT_SGEMM_MR > 6
#define ALL_ROWS(at)                                                                              \
  ROWS(1, at) ROWS(2, at) ROWS(3, at) ROWS(4, at) ROWS(5, at) ROWS(6, at) ROWS(7, at)             \
  ROWS(8, at) ROWS(9, at) ROWS(10, at) ROWS(11, at) ROWS(12, at)
#else
#define ALL_ROWS(at) ROWS(1, at) ROWS(2, at) ROWS(3, at) ROWS(4, at) ROWS(5, at) ROWS(6, at)
#endif
  // Each height gets its own code, read direct (rowAt) or from rows bs0
  // apart.
  if (rowAt) {
    switch (rows) { ALL_ROWS(rowAt) }
  } else {
    switch (rows) { ALL_ROWS(0) }
  }
#undef ALL_ROWS
#undef ROWS
  __builtin_trap(); // rows is 1..MR by construction
}

/// Where B comes from: a matrix, or a convolution's windows over its
/// input, B[(c, i, j), (oh, ow)] = x[c, y0 + oh * sh + i * dh, x0 + ow * sw + j * dw],
/// zero outside x's h x w (the padding: never materialized, nor is B; its
/// panels are packed from x directly).
typedef struct {
  const float *x;
  int64_t xs0, xs1, xs2;         // strides of x[c, h, w]
  int64_t h, w;                   // x's rows and columns
  int64_t y0, x0;                 // where window (0, 0) starts: < 0 in the padding
  int64_t kh, kw, sh, sw, dh, dw; // window, strides, dilations
  int64_t ow;                     // output width: column p is (p / ow, p % ow)
  int64_t extent;                 // x[e] may be read for e in [0, extent): x's span
} Windows;

/// The elements x's views span, from the first to one past the last.
static int64_t spanOf(int64_t c, int64_t h, int64_t w, int64_t s0, int64_t s1, int64_t s2) {
  return c == 0 || h == 0 || w == 0 ? 0 : (c - 1) * s0 + (h - 1) * s1 + (w - 1) * s2 + 1;
}

/// The first t >= 0 with start + t * step >= bound (step > 0).
static inline int64_t firstAtLeast(int64_t start, int64_t step, int64_t bound) {
  return start >= bound ? 0 : (bound - start + step - 1) / step;
}

enum { RING = 4 }; // rows of B gathered ahead of their copy into panels

/// Lanes [from, to) of `v`, the others zero.
static inline vint maskedLanes(vint v, int64_t from, int64_t to) {
  vint lane;
  for (int l = 0; l < VL; ++l)
    lane[l] = l;
  return v & ((lane >= (int32_t)from) & (lane < (int32_t)to));
}

/// One vector of a row of the windows' B, the same for every channel:
/// columns [q, q + VL) of the row, lanes [from, to) read from x at the
/// channel's plane + offset (lane e at offset + e * step), the others zero
/// (all where from >= to: the padding); n of them belong to the row (the
/// others run into what the row's next vector or zero tail overwrites).
typedef struct {
  int64_t offset;
  int32_t q, n, from, to;
} TapVector;

/// At most this many vectors make the row of one tap over nc columns of
/// output rows ow wide: runs of the rows it touches (nc / ow + 2) cut into
/// vectors (nc / VL more).
static int64_t tapCapacity(int64_t nc, int64_t ow) { return nc / VL + nc / ow + 4; }

/// The vectors of tap (i, j)'s row over columns [p0, p0 + nc): along one
/// output row the columns read x with one stride, a run inside x between
/// zeros where it crosses the padding. Returns how many.
static int64_t tapVectors(const Windows *g, int64_t i, int64_t j, int64_t p0, int64_t nc,
                          TapVector *out) {
  int64_t capacity = tapCapacity(nc, g->ow);
  // Output column ow reads x's column left + ow * sw: inside x for ow in
  // [lo, hi).
  int64_t left = g->x0 + j * g->dw, lo, hi;
  if (g->sw == 1) {
    lo = left < 0 ? -left : 0;
    hi = g->w - left < 0 ? 0 : g->w - left;
  } else {
    lo = firstAtLeast(left, g->sw, 0);
    hi = firstAtLeast(left, g->sw, g->w);
  }
  int64_t step = g->sw * g->xs2, y0 = g->y0 + i * g->dh, count = 0;
  for (int64_t q = 0, oh = p0 / g->ow, w = p0 % g->ow; q < nc; ++oh, w = 0) {
    int64_t run = g->ow - w < nc - q ? g->ow - w : nc - q;
    int64_t y = y0 + oh * g->sh;
    // Columns [w, w + run) of this output row: [w + a, w + b) inside x.
    int64_t a = lo - w, b = hi - w;
    a = a < 0 ? 0 : a > run ? run : a;
    b = b < a ? a : b > run ? run : b;
    if (y < 0 || y >= g->h)
      a = b = run;
    // x[at + e * step] is the column of lane e (an index: negative or past
    // x where the lane is in the padding).
    int64_t at = y * g->xs1 + (left + w * g->sw) * g->xs2;
    for (int64_t t = 0; t < run; t += VL) {
      if (count == capacity)
        __builtin_trap(); // never: tapCapacity bounds the count
      int64_t from = a - t < 0 ? 0 : a - t, to = b - t > VL ? VL : b - t;
      out[count++] = (TapVector){at + t * step, (int32_t)(q + t),
                                 (int32_t)(run - t < VL ? run - t : VL), (int32_t)from,
                                 (int32_t)(to < from ? from : to)};
    }
    q += run;
  }
  return count;
}

/// Columns [p0, p0 + nc) of rows [k0, k0 + kc) of the windows' B, packed
/// as packB does. Each row is gathered into one of RING row buffers (nc
/// rounded up to panels, + VL floats each, L1 resident) and copied to its
/// panels a vector at a time RING - 1 rows later: by then the overlapping
/// stores that built it have left the store buffer (read back at once,
/// each load waited on them). A row is window element (c, i, j): its
/// vectors, the same for every channel, are worked out once per tap
/// (`taps`, room for min(kh kw, kc) taps' tapCapacity vectors), which
/// made packing ResNet-50's 7 x 7 stage about 2x faster than working out its
/// runs (7 columns each) row by row. With stride 1 or 2 a vector is one or
/// two loads, lanes outside the run or x masked to zero; the loads stay
/// within x's span, and a store may run past its run into what the next
/// run or the zero tail overwrites. Element by element (bounds tested per
/// element, runs cut at panel edges, libc's memcpy for 7 floats) it cost
/// as much as the multiply-adds where output rows are 7 or 14 wide.
static void packWindows(const Windows *g, int64_t k0, int64_t kc, int64_t p0, int64_t nc,
                        float *out, float *restrict rows, TapVector *taps) {
  int64_t window = g->kh * g->kw, step = g->sw * g->xs2, padded = (nc + NR - 1) / NR * NR;
  int64_t rowSize = padded + VL, capacity = tapCapacity(nc, g->ow);
  for (int b = 0; b < RING; ++b)
    for (int64_t q = nc; q < padded; ++q)
      rows[b * rowSize + q] = 0.0f;
  // Row k of the block reads tap entry k % entries: tap (k0 + k) % window.
  int64_t entries = window < kc ? window : kc;
  int32_t counts[entries > 0 ? entries : 1];
  for (int64_t e = 0; e < entries; ++e) {
    int64_t tap = (k0 + e) % window;
    counts[e] = (int32_t)tapVectors(g, tap / g->kw, tap % g->kw, p0, nc, taps + e * capacity);
  }
  int64_t c = k0 / window, t = k0 % window;
  for (int64_t k = 0; k < kc + RING - 1; ++k) {
    if (k >= RING - 1) {
      int64_t done = k - (RING - 1);
      const float *row = rows + (done % RING) * rowSize;
      for (int64_t q = 0; q < padded; q += VL)
        storeUnaligned(out + (q / NR) * kc * NR + done * NR + q % NR, loadUnaligned(row + q));
    }
    if (k >= kc)
      continue;
    float *row = rows + (k % RING) * rowSize;
    int64_t plane = c * g->xs0;
    if (++t == window)
      t = 0, ++c;
    const TapVector *v = taps + (k % entries) * capacity;
    for (int32_t r = 0, count = counts[k % entries]; r < count; ++r, ++v) {
      float *dst = row + v->q;
      if (v->from >= v->to) {
        storeUnaligned(dst, (vfloat){0});
        continue;
      }
      int64_t first = plane + v->offset;
      if ((step == 1 || step == 2) && first >= 0 && first + step * VL <= g->extent) {
        vint v0, v1;
        __builtin_memcpy(&v0, g->x + first, sizeof(v0));
        if (step == 2) {
          __builtin_memcpy(&v1, g->x + first + VL, sizeof(v1));
          v0 = __builtin_shufflevector(v0, v1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                       28, 30);
        }
        v0 = maskedLanes(v0, v->from, v->to);
        __builtin_memcpy(dst, &v0, sizeof(v0));
        continue;
      }
      for (int32_t e = 0; e < v->n; ++e)
        dst[e] = e >= v->from && e < v->to ? g->x[first + e * step] : 0.0f;
    }
  }
}

/// A packed when Ingot compiled the model (a constant): panels of PANEL
/// rows, panel p holding rows p * PANEL .. + PANEL - 1 (zero past the last
/// row) as K consecutive groups of PANEL values. Both variants read the
/// same panels (the 6-row kernel each half of one).
/// A constant B is packed likewise into panels of BPANEL columns, panel q
/// holding columns q * BPANEL .. + BPANEL - 1 (zero past the last) as K
/// consecutive groups of BPANEL values: read in place, never packed at run
/// time (the 12 x 32 tile reads two panels side by side).
enum { PANEL = 12, BPANEL = 16 };
_Static_assert(NR % BPANEL == 0, "a tile's columns are whole B panels");
typedef struct {
  const float *data;
  int64_t row0, k; // the first row (column, for B) of this operand in the panels; K
  int64_t size;    // floats in the panels (contiguous)
} Panels;

/// Whether `lines` lines from p->row0 lie on whole panels of `width` lines
/// inside the panels' memory.
static inline int panelsCover(const Panels *p, int64_t lines, int64_t width) {
  return p->row0 >= 0 && p->row0 % width == 0 && p->k >= 0 &&
         (p->row0 + lines + width - 1) / width * width * p->k <= p->size;
}

/// C += A B, or C = A B where `overwrite` (C's old values are then never
/// read: they may be garbage), C being m x n, A m x k (the matrix a at
/// strides as0, as1, or `panels`), B k x n (the matrix b at strides bs0,
/// bs1, with `windows` a convolution's input, or `bPanels`). Returns 0, 1
/// when out of memory, 2 when `panels` or `bPanels` does not start on a
/// panel or does not hold the tile's rows (columns).
static inline __attribute__((always_inline)) int32_t
gemm(const float *a, int64_t as0, int64_t as1, const Panels *panels, const float *b, int64_t bs0,
     int64_t bs1, const Windows *windows, const Panels *bPanels, float *c, int64_t cs0,
     int64_t cs1, int64_t m, int64_t n, int64_t k, int overwrite) {
  if ((panels && !panelsCover(panels, m, PANEL)) || (bPanels && !panelsCover(bPanels, n, BPANEL)))
    return 2;
  if (overwrite && k == 0)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * cs0 + j * cs1] = 0.0f;
  if (m == 0 || n == 0 || k == 0)
    return 0;
  int64_t kcMax = k < KC ? k : KC;
  int64_t ncMax = n < NC ? (n + NR - 1) / NR * NR : NC;
  int64_t mcMax = m < MC ? (m + MR - 1) / MR * MR : MC;
  // aligned_alloc takes sizes that are a multiple of the alignment.
  size_t bBytes = ((size_t)(kcMax * ncMax) * sizeof(float) + 63) / 64 * 64;
  size_t aBytes = ((size_t)(kcMax * mcMax) * sizeof(float) + 63) / 64 * 64;
  // Windows are gathered a row at a time after B's panels.
  if (windows) {
    int64_t taps = windows->kh * windows->kw < kcMax ? windows->kh * windows->kw : kcMax;
    int64_t tapBytes = taps * tapCapacity(ncMax, windows->ow) * (int64_t)sizeof(TapVector);
    bBytes += (size_t)(RING * (ncMax + VL)) * sizeof(float) + ((size_t)tapBytes + 63) / 64 * 64;
  }
  // A row-major A is read in place, each tile's rows as MR streams: packed,
  // it was copied once per block of NC columns (a BERT FFN GEMM's
  // activations 6 times), and the copy took 10% of BERT's time.
  int aInPlace = !panels && as1 == 1;
  float *bPacked = bPanels ? 0 : aligned_alloc(64, bBytes);
  float *aPacked = panels || aInPlace ? 0 : aligned_alloc(64, aBytes);
  if ((!bPanels && !bPacked) || (!panels && !aInPlace && !aPacked)) {
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
      const float *bBlock = windows || bPanels ? 0 : b + p0 * bs0 + j0 * bs1;
      int64_t direct = !windows && !bPanels && bs1 == 1 && m <= 2 * MR ? nc / NR * NR : 0;
      if (windows)
        packWindows(windows, p0, kc, j0, nc, bPacked, bPacked + kcMax * ncMax,
                    (TapVector *)(bPacked + kcMax * ncMax + RING * (ncMax + VL)));
      else if (!bPanels && direct < nc)
        packB(bBlock + direct * bs1, bs0, bs1, kc, nc - direct, bPacked);
      for (int64_t i0 = 0; i0 < m; i0 += MC) {
        int64_t mc = m - i0 < MC ? m - i0 : MC;
        if (!panels && !aInPlace)
          packA(a + i0 * as0 + p0 * as1, as0, as1, mc, kc, aPacked);
        for (int64_t j = 0; j < nc; j += NR) {
          const float *panel = j < direct ? bBlock + j : bPacked + ((j - direct) / NR) * kc * NR;
          int64_t panelStride = j < direct ? bs0 : NR, vectorStride = VL;
          if (bPanels) {
            int64_t col = bPanels->row0 + j0 + j;
            panel = bPanels->data + (col / BPANEL) * bPanels->k * BPANEL + p0 * BPANEL;
            panelStride = BPANEL;
            vectorStride = bPanels->k * BPANEL;
          }
          for (int64_t i = 0; i < mc; i += MR) {
            int64_t row = panels ? panels->row0 + i0 + i : 0;
            const float *ap = panels     ? panels->data + (row / PANEL) * panels->k * PANEL +
                                               p0 * PANEL + row % PANEL
                              : aInPlace ? a + (i0 + i) * as0 + p0
                                         : aPacked + (i / MR) * kc * MR;
            int64_t stepStride = panels ? PANEL : aInPlace ? 1 : MR;
            prefetchTileOfC(c + (i0 + i) * cs0 + (j0 + j) * cs1, cs0, cs1, mc - i < MR ? mc - i : MR);
            microKernel(kc, ap, stepStride, aInPlace ? as0 : 1, panel, panelStride, vectorStride, 0,
                        c + (i0 + i) * cs0 + (j0 + j) * cs1, cs0, cs1,
                        mc - i < MR ? mc - i : MR, nc - j < NR ? nc - j : NR,
                        overwrite && p0 == 0, i == 0 || kc > KC_IN_L1);
          }
        }
      }
    }
  }
  free(bPacked);
  free(aPacked);
  return 0;
}

/// n values of a row of x from `src`, `stride` apart, into `dst`, which
/// may be written up to VL - 1 floats past them (what follows is written
/// after). With x's columns contiguous, a stride of 1 or 2 moves vectors
/// while they stay within the `room` floats that may be read from src (the
/// rest of x), the rest element by element: rows of 7 or 14 are one vector.
static void gatherRow(float *restrict dst, const float *src, int64_t stride, int64_t n,
                      int64_t room) {
  int64_t t = 0;
  if (stride == 1)
    for (; t < n && t + VL <= room; t += VL)
      storeUnaligned(dst + t, loadUnaligned(src + t));
  else if (stride == 2)
    for (; t < n && 2 * t + 2 * VL <= room; t += VL) {
      vfloat v0 = loadUnaligned(src + 2 * t), v1 = loadUnaligned(src + 2 * t + VL);
      storeUnaligned(dst + t, __builtin_shufflevector(v0, v1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                                      20, 22, 24, 26, 28, 30));
    }
  for (; t < n; ++t)
    dst[t] = src[t * stride];
}

/// Row y of a plane of x (h rows, xs1 and xs2 apart) as a column phase wq
/// wide, as the direct and depthwise convolutions read it: dst[u] = x[y,
/// left + u sw] for the columns [lo, hi) that lie inside x (firstAtLeast),
/// zero elsewhere. x may be read up to `end`; dst may be written up to
/// VL - 1 floats past wq (gatherRow).
static void copyPhaseRow(float *restrict dst, int64_t wq, const float *plane, int64_t y, int64_t h,
                         int64_t xs1, int64_t xs2, int64_t left, int64_t sw, int64_t lo,
                         int64_t hi, const float *end) {
  if (y < 0 || y >= h || lo >= hi) {
    for (int64_t u = 0; u < wq; ++u)
      dst[u] = 0.0f;
    return;
  }
  for (int64_t u = 0; u < lo; ++u)
    dst[u] = 0.0f;
  const float *src = plane + y * xs1 + (left + lo * sw) * xs2;
  if (xs2 == 1)
    gatherRow(dst + lo, src, sw, hi - lo, end - src);
  else
    for (int64_t u = lo; u < hi; ++u)
      dst[u] = src[(u - lo) * sw * xs2];
  for (int64_t u = hi; u < wq; ++u)
    dst[u] = 0.0f;
}

/// Row y of a plane of contiguous columns as both column phases of a
/// stride of 2 at once (copyPhaseRow for s = 0 and 1, phase s from x's
/// column left0 + s): each pair of vectors read from x gives a vector of each phase, so the
/// row is read once and the phases are written without a call per phase.
/// A 3 x 3 / 2 depthwise convolution over 96 planes of 112 x 112 spent
/// 0.17 of its 0.41 ms copying phase rows one at a time. Each phase's
/// last vector may write VL - 1 floats past wq, after the other phase's
/// first vectors: what lies there must be written later (the next row of
/// the same phase, as in the depthwise kernel), never the other phase's
/// row (directConv lays a row's phases side by side, so it copies them one
/// at a time).
static void copyPhaseRowPair(float *restrict dst0, float *restrict dst1, int64_t wq,
                             const float *plane, int64_t y, int64_t h, int64_t xs1, int64_t left0,
                             const int64_t lo[2], const int64_t hi[2], const float *end) {
  if (y < 0 || y >= h) {
    for (int64_t u = 0; u < wq; ++u)
      dst0[u] = dst1[u] = 0.0f;
    return;
  }
  const float *row = plane + y * xs1;
  // Whole vectors where both phases lie inside x and the pair of loads
  // stays inside x's span; lanes past a phase's last column are written
  // again below.
  int64_t u0 = lo[0] > lo[1] ? lo[0] : lo[1], u1 = hi[0] < hi[1] ? hi[0] : hi[1], u = u0;
  int64_t room = end - row;
  for (; u < u1 && left0 + 2 * u + 2 * VL <= room; u += VL) {
    const float *src = row + left0 + 2 * u;
    vfloat v0 = loadUnaligned(src), v1 = loadUnaligned(src + VL);
    storeUnaligned(dst0 + u, __builtin_shufflevector(v0, v1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                                     20, 22, 24, 26, 28, 30));
    storeUnaligned(dst1 + u, __builtin_shufflevector(v0, v1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19,
                                                     21, 23, 25, 27, 29, 31));
  }
  // The columns before the vectors, then from the first lane past either
  // phase's last column (or where the vectors stopped short of it).
  int64_t tail = u < u1 ? u : u1;
  tail = tail > u0 ? tail : u0;
  for (int64_t v = u0 > 0 ? 0 : tail; v < wq; v = v + 1 == u0 ? tail : v + 1) {
    dst0[v] = v >= lo[0] && v < hi[0] ? row[left0 + 2 * v] : 0.0f;
    dst1[v] = v >= lo[1] && v < hi[1] ? row[left0 + 1 + 2 * v] : 0.0f;
  }
}

/// A convolution read direct, without packing its windows: where its K
/// (channels x window) is short, each packed element of B served few
/// multiply-adds, and packing took a quarter of a network's first layer
/// (ResNet-50's 7 x 7 / 2 over 3 channels). The input rows under the
/// call's output rows are copied once into column phases (zero outside x):
/// phase q of input row r holds columns q, q + sw, .. from x0, so that the
/// VL outputs of a row from ow read tap (c, i, j) as consecutive floats,
/// phase j dw % sw of row oh sh + i dh at ow + j dw / sw. A tile's B is
/// then those K rows, at offsets from the tile's first kept per k.
enum {
  DIRECT_K = 256,
  // A's panels read by one tile of B in turn: at most half of the smallest
  // L1 in play (32 KB on Zen 4), the rest for B's taps.
  DIRECT_A_BYTES = 16 * 1024,
};

/// Whether directConv takes the windows' product of depth k into n
/// columns: K at most DIRECT_K (one block, and few multiply-adds per packed
/// element), a window of more than one tap, and whole output rows. A 1 x 1
/// window packs as a strided copy, and its panels run rows of outputs
/// together: ResNet-50's 1x1/2 of 256 channels to 512 took 2.1-2.2 ms
/// packed, 2.7-3.3 read direct (28-wide rows in 32-wide tiles, B from L2).
static int directConvFits(const Windows *g, int64_t k, int64_t n) {
  int64_t window = g->kh * g->kw;
  return k > 0 && k <= DIRECT_K && window > 1 && k % window == 0 && g->ow > 0 && n % g->ow == 0;
}

/// C (+)= A B as gemm does, for A from panels and B the windows `g`
/// (directConvFits). Returns 1 when out of memory, 2 when the panels do not
/// hold the rows.
static int32_t directConv(const Panels *panels, const Windows *g, float *c, int64_t cs0,
                          int64_t cs1, int64_t m, int64_t n, int64_t k, int overwrite) {
  if (!panelsCover(panels, m, PANEL))
    return 2;
  if (m == 0 || n == 0)
    return 0;
  int64_t ow = g->ow, rows = n / ow, sh = g->sh, sw = g->sw, channels = k / (g->kh * g->kw);
  // Phases wide enough for the last tile's vectors past the row's end
  // from the farthest tap (computed, never stored).
  int64_t reach = (g->kw - 1) * g->dw / sw;
  int64_t wq = (ow + reach + NR - 1) / NR * NR + NR;
  int64_t ph = (rows - 1) * sh + (g->kh - 1) * g->dh + 1; // input rows read
  // The last phase row's copy may write VL - 1 floats past it.
  size_t floats = (size_t)(channels * ph * sw * wq + VL);
  size_t offsetBytes = ((size_t)k * sizeof(int32_t) + 63) / 64 * 64;
  if (floats > (size_t)1 << 28)
    return 1;
  char *scratch = aligned_alloc(64, offsetBytes + (floats * sizeof(float) + 63) / 64 * 64);
  if (!scratch)
    return 1;
  int32_t *rowAt = (int32_t *)scratch;
  float *planes = (float *)(scratch + offsetBytes);
  // Phase rows in the order they lie in, so that what a row's copy writes
  // past its end is written again by the next.
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t r = 0; r < ph; ++r)
      for (int64_t q = 0; q < sw; ++q) {
        int64_t left = g->x0 + q, lo = firstAtLeast(left, sw, 0), hi = firstAtLeast(left, sw, g->w);
        copyPhaseRow(planes + ((ch * ph + r) * sw + q) * wq, wq, g->x + ch * g->xs0, g->y0 + r,
                     g->h, g->xs1, g->xs2, left, sw, lo, hi < wq ? hi : wq, g->x + g->extent);
      }
  for (int64_t ch = 0, at = 0; ch < channels; ++ch)
    for (int64_t i = 0; i < g->kh; ++i)
      for (int64_t j = 0; j < g->kw; ++j, ++at)
        rowAt[at] = (int32_t)(((ch * ph + i * g->dh) * sw + j * g->dw % sw) * wq + j * g->dw / sw);
  // Filters in blocks whose A panels stay in L1 (DIRECT_A_BYTES); each
  // tile's B (K taps of a vector pair, from the phases in L2) is read by
  // the block's row tiles in turn. All 64 filters of a 7 x 7 stem at once
  // (37 KB of A) streamed A from L2 on a 32 KB L1: 2.8x slower per filter
  // than 32.
  int64_t block = DIRECT_A_BYTES / ((int64_t)sizeof(float) * k * MR) * MR;
  block = block < MR ? MR : block;
  for (int64_t i0 = 0; i0 < m; i0 += block)
    for (int64_t oh = 0; oh < rows; ++oh)
      for (int64_t x0 = 0; x0 < ow; x0 += NR) {
        const float *b = planes + oh * sh * sw * wq + x0;
        for (int64_t i = i0; i < m && i < i0 + block; i += MR) {
          int64_t row = panels->row0 + i;
          const float *ap = panels->data + (row / PANEL) * panels->k * PANEL + row % PANEL;
          prefetchTileOfC(c + i * cs0 + (oh * ow + x0) * cs1, cs0, cs1, m - i < MR ? m - i : MR);
          microKernel(k, ap, PANEL, 1, b, 0, VL, rowAt, c + i * cs0 + (oh * ow + x0) * cs1, cs0,
                      cs1, m - i < MR ? m - i : MR, ow - x0 < NR ? ow - x0 : NR, overwrite, 0);
        }
      }
  free(scratch);
  return 0;
}

#define PANELS(name)                                                                              \
  float *name##Allocated, float *name##Aligned, int64_t name##Offset, int64_t name##Size,         \
      int64_t name##Stride

/// The memref arguments of MLIR's default calling convention: allocated
/// and aligned pointers, offset, sizes, strides.
#define MATRIX(name)                                                                              \
  float *name##Allocated, float *name##Aligned, int64_t name##Offset, int64_t name##Rows,         \
      int64_t name##Cols, int64_t name##s0, int64_t name##s1
#define VOLUME(name)                                                                              \
  float *name##Allocated, float *name##Aligned, int64_t name##Offset, int64_t name##Size0,        \
      int64_t name##Size1, int64_t name##Size2, int64_t name##s0, int64_t name##s1,               \
      int64_t name##s2

/// C += A B (C = A B where `overwrite`), C being M x N, A M x K, B K x N
/// (sizes checked by the caller). Returns 1 when the packing buffers cannot
/// be allocated, else 0.
int32_t INGOT_SGEMM_NAME(MATRIX(a), MATRIX(b), MATRIX(c), int32_t overwrite) {
  (void)aAllocated, (void)bAllocated, (void)cAllocated, (void)bCols, (void)aCols;
  return gemm(aAligned + aOffset, as0, as1, 0, bAligned + bOffset, bs0, bs1, 0, 0,
              cAligned + cOffset, cs0, cs1, cRows, cCols, aCols, overwrite);
}

/// The same with A's rows row0.. of the constant packed into `panels`
/// (K columns). Returns 2 when row0 is not a multiple of 12 or the panels
/// do not hold the rows.
int32_t INGOT_SGEMM_PANELS_NAME(PANELS(p), int64_t row0, int64_t k, MATRIX(b), MATRIX(c),
                                int32_t overwrite) {
  (void)pAllocated, (void)bAllocated, (void)cAllocated, (void)bCols;
  Panels panels = {pAligned + pOffset, row0, k, pStride == 1 ? pSize : 0};
  return gemm(0, 0, 0, &panels, bAligned + bOffset, bs0, bs1, 0, 0, cAligned + cOffset, cs0, cs1,
              cRows, cCols, k, overwrite);
}

/// A 2-D convolution of one image as C[F, P] += W[F, C * kh * kw] B (= where
/// `overwrite`), B its windows over x[C, H, W], the first at (y0, x0)
/// (negative in the padding: what lies outside x reads as zero). C's column
/// p is output (p / ow, p % ow). Returns 1 when the packing buffers cannot
/// be allocated.
int32_t INGOT_SCONV_NAME(MATRIX(w), VOLUME(x), MATRIX(c), int64_t kh, int64_t kw, int64_t sh,
                         int64_t sw, int64_t dh, int64_t dw, int64_t ow, int64_t y0, int64_t x0,
                         int32_t overwrite) {
  (void)wAllocated, (void)xAllocated, (void)cAllocated, (void)wRows;
  Windows windows = {xAligned + xOffset, xs0, xs1, xs2, xSize1, xSize2, y0, x0, kh, kw, sh, sw,
                     dh, dw, ow, spanOf(xSize0, xSize1, xSize2, xs0, xs1, xs2)};
  return gemm(wAligned + wOffset, ws0, ws1, 0, 0, 0, 0, &windows, 0, cAligned + cOffset, cs0,
              cs1, cRows, cCols, wCols, overwrite);
}

/// The same with the filters row0.. of the constant weights packed into
/// `panels` (K = C * kh * kw columns).
int32_t INGOT_SCONV_PANELS_NAME(PANELS(p), int64_t row0, int64_t k, VOLUME(x), MATRIX(c),
                                int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                                int64_t dw, int64_t ow, int64_t y0, int64_t x0, int32_t overwrite) {
  (void)pAllocated, (void)xAllocated, (void)cAllocated;
  Panels panels = {pAligned + pOffset, row0, k, pStride == 1 ? pSize : 0};
  Windows windows = {xAligned + xOffset, xs0, xs1, xs2, xSize1, xSize2, y0, x0, kh, kw, sh, sw,
                     dh, dw, ow, spanOf(xSize0, xSize1, xSize2, xs0, xs1, xs2)};
  if (directConvFits(&windows, k, cCols) && k == xSize0 * kh * kw)
    return directConv(&panels, &windows, cAligned + cOffset, cs0, cs1, cRows, cCols, k, overwrite);
  return gemm(0, 0, 0, &panels, 0, 0, 0, &windows, 0, cAligned + cOffset, cs0, cs1, cRows, cCols,
              k, overwrite);
}

/// Floats of a transposed C computed row-major first (see below).
enum { TRANSPOSED_C_FLOATS = 64 * 1024 };

/// C += A B (= where `overwrite`) with B's columns col0.. of the constant
/// packed into 16-column `panels` (K rows). Returns 1 when out of memory,
/// 2 when col0 is not a multiple of 16 or the panels do not hold the
/// columns.
int32_t INGOT_SGEMM_BPANELS_NAME(MATRIX(a), PANELS(p), int64_t col0, int64_t k, MATRIX(c),
                                 int32_t overwrite) {
  (void)aAllocated, (void)pAllocated, (void)cAllocated, (void)aCols;
  Panels panels = {pAligned + pOffset, col0, k, pStride == 1 ? pSize : 0};
  float *cData = cAligned + cOffset;
  // A transposed C (a product run transposed, C^T = B^T A^T, for C's few
  // columns: see MatmulToUkernel) would take each tile's values one store
  // at a time: the tile is computed row-major in scratch, then added in
  // along C's contiguous columns.
  if (cs0 == 1 && cs1 != 1 && cRows > 1 && cCols > 1 && cRows * cCols <= TRANSPOSED_C_FLOATS) {
    float *t = aligned_alloc(64, ((size_t)(cRows * cCols) * sizeof(float) + 63) / 64 * 64);
    if (!t)
      return 1;
    int32_t status =
        gemm(aAligned + aOffset, as0, as1, 0, 0, 0, 0, 0, &panels, t, cCols, 1, cRows, cCols, k, 1);
    if (status == 0)
      for (int64_t j = 0; j < cCols; ++j)
        for (int64_t r = 0; r < cRows; ++r)
          cData[r + j * cs1] = overwrite ? t[r * cCols + j] : cData[r + j * cs1] + t[r * cCols + j];
    free(t);
    return status;
  }
  return gemm(aAligned + aOffset, as0, as1, 0, 0, 0, 0, 0, &panels, cData, cs0, cs1, cRows, cCols,
              k, overwrite);
}

//===----------------------------------------------------------------------===//
// Winograd F(4 x 4, 3 x 3)
//===----------------------------------------------------------------------===//
//
// A stride-1 3 x 3 convolution computes each 4 x 4 block of an output plane
// from the 6 x 6 block of input under it as A^T [U ⊙ (B^T d B)] A, U = G g
// G^T the filter's transform (Lavin and Gray's matrices, points 0, ±1, ±2,
// ∞): 36 multiplies per block and channel instead of 144. Summed over
// channels, the ⊙ becomes 36 matrix products M_e[F, T] = U_e[F, C] V_e[C,
// T] over the tile's T blocks, run by gemm above: U_e packed when
// compiling (MatmulToUkernel.cpp) as 36 sets of A panels, V_e built here
// from the input as B panels (16 blocks each), M_e a row of T per filter.

enum { WINO_POINTS = 36, WINO_OUT = 4, WINO_IN = 6 };
typedef int32_t v8int __attribute__((vector_size(8 * sizeof(int32_t))));
typedef float v32float __attribute__((vector_size(32 * sizeof(float))));


/// B^T applied to six values d[0], d[s], .., d[5s] (a column or row of a
/// block), in place of the matrix's 36 products.
static inline void inputTransform(const vfloat *d, int64_t s, vfloat *r, int64_t rs) {
  vfloat d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
  r[0] = 4.0f * d0 - 5.0f * d2 + d4;
  r[rs] = d3 + d4 - 4.0f * (d1 + d2);
  r[2 * rs] = 4.0f * (d1 - d2) + d4 - d3;
  r[3 * rs] = 2.0f * (d3 - d1) + d4 - d2;
  r[4 * rs] = 2.0f * (d1 - d3) + d4 - d2;
  r[5 * rs] = 4.0f * d1 - 5.0f * d3 + d5;
}

/// A^T applied to six values m[0], m[s], .., m[5s].
static inline void outputTransform(const vfloat *m, int64_t s, vfloat *o, int64_t os) {
  vfloat m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s], m5 = m[5 * s];
  vfloat sum12 = m1 + m2, diff12 = m1 - m2, sum34 = m3 + m4, diff34 = m3 - m4;
  o[0] = m0 + sum12 + sum34;
  o[os] = diff12 + 2.0f * diff34;
  o[2 * os] = sum12 + 4.0f * sum34;
  o[3 * os] = diff12 + 8.0f * diff34 + m5;
}

/// Floats of one column phase of a plane row under `tw` blocks: tw + 1
/// (block k reads phases at k and k + 1), + 1 read past, in whole vectors.
static int64_t phaseLength(int64_t tw) { return (tw + 2 + VL - 1) / VL * VL; }

/// Floats of transformInput's scratch for `th` x `tw` blocks.
static int64_t inputScratch(int64_t th, int64_t tw) {
  int64_t phase = phaseLength(tw), blocks = th * tw;
  return (WINO_OUT * th + 2) * WINO_OUT * phase + WINO_IN * WINO_OUT * phase +
         WINO_POINTS * (blocks + VL);
}

/// The blocks' input transforms V_e[C, T] (e < 36; T the blocks of `th` x
/// `tw`, by rows) as B panels of 16 blocks, part e of `v` (vPart floats).
/// B^T d B is separable and the blocks overlap: per channel, the plane
/// under the blocks (zero outside x) is copied from x split into its four
/// column phases (column 4k + r at [r][k]), so that the columns one
/// block reads are vectors along k, a block per lane; then each block row's
/// six plane rows are combined (B^T), then their columns (B), and the
/// results placed in the panels. Gathering each block's 6 x 6 values a lane
/// at a time cost more than the 36 products.
/// Out of line, as transformOutput (once per kernel call): a profile of a
/// model then shows each.
static __attribute__((noinline)) void transformInput(const Windows *x, int64_t channels,
                                                     int64_t th, int64_t tw,
                                                     float *restrict scratch, float *restrict v,
                                                     int64_t vPart) {
  int64_t phase = phaseLength(tw), ph = WINO_OUT * th + 2, pw = WINO_OUT * tw + 2;
  int64_t blocks = th * tw, panels = (blocks + BPANEL - 1) / BPANEL;
  float *plane = scratch;                                  // [ph][4][phase]
  float *z = plane + ph * WINO_OUT * phase;                // [6][4][phase]
  float *rowsOut = z + WINO_IN * WINO_OUT * phase;         // [36][blocks + VL]
  int64_t rowsPitch = blocks + VL;
  // What lies outside x is the same zero for every channel.
  for (int64_t e = 0; e < ph * WINO_OUT * phase; ++e)
    plane[e] = 0.0f;
  for (int64_t e = 0; e < WINO_POINTS * rowsPitch; ++e)
    rowsOut[e] = 0.0f;
  for (int64_t ch = 0; ch < channels; ++ch) {
    for (int64_t i = 0; i < ph; ++i) {
      int64_t y = x->y0 + i, x0 = x->x0;
      if (y < 0 || y >= x->h)
        continue;
      // Columns [lo, hi) of the plane lie inside x.
      int64_t lo = x0 < 0 ? -x0 : 0, hi = x->w - x0 < pw ? x->w - x0 : pw;
      float *row = plane + i * WINO_OUT * phase;
      // Where x's row is contiguous, 64 columns at a time (x's span
      // allowing), lanes outside [lo, hi) masked to zero, split into
      // phases by shuffles: a per-element copy is vectorized into
      // scatters, slower than the block transforms.
      int64_t q = lo;
      int64_t at = ch * x->xs0 + y * x->xs1 + x0; // x[at + q] is column q
      if (x->xs2 == 1)
        for (int64_t q0 = 0; q0 < hi && at + q0 >= 0 && at + q0 + 4 * VL <= x->extent;
             q0 += 4 * VL, q = q0 < lo ? lo : q0 < hi ? q0 : hi) {
          vint v[4];
          for (int p = 0; p < 4; ++p) {
            __builtin_memcpy(&v[p], x->x + at + q0 + p * VL, sizeof(vint));
            v[p] = maskedLanes(v[p], lo - q0 - p * VL, hi - q0 - p * VL);
          }
          float *dst = row + q0 / WINO_OUT;
#define PHASE(r)                                                                                  \
  do {                                                                                            \
    v8int lo8 = __builtin_shufflevector(v[0], v[1], r, r + 4, r + 8, r + 12, r + 16, r + 20,      \
                                        r + 24, r + 28);                                          \
    v8int hi8 = __builtin_shufflevector(v[2], v[3], r, r + 4, r + 8, r + 12, r + 16, r + 20,      \
                                        r + 24, r + 28);                                          \
    vint all = __builtin_shufflevector(lo8, hi8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,    \
                                       14, 15);                                                   \
    __builtin_memcpy(dst + r * phase, &all, sizeof(all));                                         \
  } while (0)
          PHASE(0);
          PHASE(1);
          PHASE(2);
          PHASE(3);
#undef PHASE
        }
      const float *src = x->x + ch * x->xs0 + y * x->xs1 + x0 * x->xs2;
#pragma clang loop vectorize(disable)
      for (; q < hi; ++q)
        row[(q % WINO_OUT) * phase + q / WINO_OUT] = src[q * x->xs2];
    }
    for (int64_t bi = 0; bi < th; ++bi) {
      const float *rows = plane + bi * WINO_OUT * WINO_OUT * phase;
      // z[a][r] = (B^T of the six plane rows)[a], phase r: the whole row
      // first, k = 0 .. tw (block k reads z at k + 1 too, in the next
      // vector where k is its chunk's last lane).
      for (int64_t k0 = 0; k0 <= tw; k0 += VL)
        for (int r = 0; r < WINO_OUT; ++r) {
          vfloat d[WINO_IN], t[WINO_IN];
          for (int i = 0; i < WINO_IN; ++i)
            d[i] = loadUnaligned(rows + (i * WINO_OUT + r) * phase + k0);
          inputTransform(d, 1, t, 1);
          for (int a = 0; a < WINO_IN; ++a)
            storeUnaligned(z + (a * WINO_OUT + r) * phase + k0, t[a]);
        }
      for (int64_t k0 = 0; k0 < tw; k0 += VL) {
        // Block k reads columns 4k .. 4k + 5: phases 0-3 at k, 0-1 at k + 1.
        for (int a = 0; a < WINO_IN; ++a) {
          const float *za = z + a * WINO_OUT * phase + k0;
          vfloat d[WINO_IN] = {loadUnaligned(za),         loadUnaligned(za + phase),
                               loadUnaligned(za + 2 * phase), loadUnaligned(za + 3 * phase),
                               loadUnaligned(za + 1),         loadUnaligned(za + phase + 1)};
          vfloat t[WINO_IN];
          inputTransform(d, 1, t, 1);
          // Lanes past the row land where the next row's blocks go (or
          // in the slack): written again after.
          for (int b = 0; b < WINO_IN; ++b)
            storeUnaligned(rowsOut + (a * WINO_IN + b) * rowsPitch + bi * tw + k0, t[b]);
        }
      }
    }
    for (int e = 0; e < WINO_POINTS; ++e)
      for (int64_t p = 0; p < panels; ++p) {
        vfloat value = loadUnaligned(rowsOut + e * rowsPitch + p * BPANEL);
        if ((p + 1) * BPANEL > blocks) // past the last block: zeros, not the slack
          for (int l = 0; l < VL; ++l)
            value[l] = p * BPANEL + l < blocks ? value[l] : 0.0f;
        storeUnaligned(v + e * vPart + p * channels * BPANEL + ch * BPANEL, value);
      }
  }
}

/// Columns 4k .. 4k + 63 of an output row from its 16 blocks' columns
/// (y[b] lane l: block k + l, column b): o[p] lane 4q + b is y[b] lane 4p + q.
static inline void interleaveColumns(const vfloat *y, vfloat *o) {
  v32float s01 = __builtin_shufflevector(y[0], y[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6,
                                         22, 7, 23, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29,
                                         14, 30, 15, 31);
  v32float s23 = __builtin_shufflevector(y[2], y[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6,
                                         22, 7, 23, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29,
                                         14, 30, 15, 31);
#define QUARTER(p)                                                                                \
  o[p] = __builtin_shufflevector(s01, s23, 8 * p, 8 * p + 1, 32 + 8 * p, 33 + 8 * p, 8 * p + 2,    \
                                 8 * p + 3, 34 + 8 * p, 35 + 8 * p, 8 * p + 4, 8 * p + 5,         \
                                 36 + 8 * p, 37 + 8 * p, 8 * p + 6, 8 * p + 7, 38 + 8 * p,        \
                                 39 + 8 * p)
  QUARTER(0);
  QUARTER(1);
  QUARTER(2);
  QUARTER(3);
#undef QUARTER
}

/// Y = A^T M A of each block into C (rows x ow of it, f filters; added to
/// C unless `overwrite`), M_e[f, T] part e of `m` (mPart floats, rows of
/// `padded`, 16 or more floats past each part's last row), the blocks of
/// one block row of one filter 16 (lanes) at a time. Where C's rows are
/// contiguous, each output row's four columns per block are interleaved by
/// shuffles and stored as vectors; element by element otherwise.
static __attribute__((noinline)) void transformOutput(const float *restrict m, int64_t mPart,
                                                      int64_t padded, int64_t f, int64_t th,
                                                      int64_t tw, int64_t rows, int64_t ow,
                                                      float *out, int64_t cs0, int64_t cs1,
                                                      int overwrite) {
  for (int64_t i = 0; i < f; ++i) {
    for (int64_t bi = 0; bi < th; ++bi)
      for (int64_t k0 = 0; k0 < tw; k0 += VL) {
        // Lanes past the block row read the next one's (or the slack):
        // their columns lie past ow, never stored.
        const float *at = m + i * padded + bi * tw + k0;
        vfloat mv[WINO_POINTS], r[WINO_OUT * WINO_IN], y[WINO_OUT * WINO_OUT];
        for (int e = 0; e < WINO_POINTS; ++e)
          mv[e] = loadUnaligned(at + e * mPart);
        for (int j = 0; j < WINO_IN; ++j)
          outputTransform(mv + j, WINO_IN, r + j, WINO_IN);
        for (int a = 0; a < WINO_OUT; ++a)
          outputTransform(r + a * WINO_IN, 1, y + a * WINO_OUT, 1);
        for (int a = 0; a < WINO_OUT && WINO_OUT * bi + a < rows; ++a) {
          float *row = out + i * cs0 + (WINO_OUT * bi + a) * ow * cs1;
          int64_t first = WINO_OUT * k0; // the row's first column here
          if (cs1 == 1) {
            vfloat o[WINO_OUT];
            interleaveColumns(y + a * WINO_OUT, o);
            for (int p = 0; p < WINO_OUT && first + p * VL < ow; ++p) {
              float *dst = row + first + p * VL;
              int64_t n = ow - first - p * VL < VL ? ow - first - p * VL : VL;
              if (n == VL) {
                storeUnaligned(dst, overwrite ? o[p] : loadUnaligned(dst) + o[p]);
              } else {
                for (int64_t l = 0; l < n; ++l)
                  dst[l] = overwrite ? o[p][l] : dst[l] + o[p][l];
              }
            }
            continue;
          }
          for (int64_t l = 0; l < VL && k0 + l < tw; ++l)
            for (int b = 0; b < WINO_OUT && first + WINO_OUT * l + b < ow; ++b) {
              float *dst = row + (first + WINO_OUT * l + b) * cs1;
              float value = y[a * WINO_OUT + b][l];
              *dst = overwrite ? value : *dst + value;
            }
        }
      }
  }
}

/// `floats` rounded up to 1024 (4 KB), plus 16 (a cache line).
static int64_t staggered(int64_t floats) { return (floats + 1023) / 1024 * 1024 + VL; }

/// A 3 x 3, stride 1 convolution of one image's rows as C[F, P] (+)= the
/// filters row0 .. row0 + F - 1 over x[C, H, W] (`channels` = C), the
/// first window at (y0, x0) (negative in the padding: what lies outside x
/// reads as zero); C's column p is output (p / ow, p % ow), its columns
/// whole output rows. `u` holds the filters' transforms: 36 equal parts,
/// part e the e-th point of every filter's as A panels of K = C. Returns 1
/// when out of memory, 2 when row0 is off u's panels or they do not hold
/// the filters, 3 when C's columns are not whole rows or x's channels are
/// not `channels`.
int32_t INGOT_SWINOGRAD_NAME(PANELS(u), int64_t row0, int64_t channels, VOLUME(x), MATRIX(c),
                             int64_t ow, int64_t y0, int64_t x0, int32_t overwrite) {
  (void)uAllocated, (void)xAllocated, (void)cAllocated;
  int64_t f = cRows, n = cCols, C = xSize0;
  float *out = cAligned + cOffset;
  if (ow <= 0 || n % ow != 0 || C != channels)
    return 3;
  int64_t part = uStride == 1 && uSize % WINO_POINTS == 0 ? uSize / WINO_POINTS : 0;
  Panels whole = {uAligned + uOffset, row0, C, part};
  if (!panelsCover(&whole, f, PANEL))
    return 2;
  if (f == 0 || n == 0)
    return 0;
  if (C == 0) {
    if (overwrite)
      for (int64_t i = 0; i < f; ++i)
        for (int64_t p = 0; p < n; ++p)
          out[i * cs0 + p * cs1] = 0.0f;
    return 0;
  }
  int64_t rows = n / ow, th = (rows + WINO_OUT - 1) / WINO_OUT, tw = (ow + WINO_OUT - 1) / WINO_OUT;
  int64_t blocks = th * tw, padded = (blocks + BPANEL - 1) / BPANEL * BPANEL;
  // Parts 4 KB + 64 bytes apart, not a multiple of 4 KB: the 36 lines
  // written (read) at one offset of every part then fall in different L1
  // sets instead of all in one.
  int64_t vPart = staggered(padded * C), mPart = staggered(f * padded);
  size_t floats = (size_t)(WINO_POINTS * (vPart + mPart) + inputScratch(th, tw));
  float *v = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
  if (!v)
    return 1;
  float *m = v + WINO_POINTS * vPart, *scratch = m + WINO_POINTS * mPart;
  Windows image = {xAligned + xOffset, xs0, xs1, xs2, xSize1, xSize2, y0, x0, 3, 3, 1, 1, 1, 1,
                   ow, spanOf(C, xSize1, xSize2, xs0, xs1, xs2)};
  transformInput(&image, C, th, tw, scratch, v, vPart);
  // M_e = U_e V_e.
  for (int e = 0; e < WINO_POINTS; ++e) {
    Panels a = {whole.data + e * part, row0, C, part};
    Panels b = {v + e * vPart, 0, C, vPart};
    int32_t status = gemm(0, 0, 0, &a, 0, 0, 0, 0, &b, m + e * mPart, padded, 1, f, blocks, C, 1);
    if (status) {
      free(v);
      return status;
    }
  }
  transformOutput(m, mPart, padded, f, th, tw, rows, ow, out, cs0, cs1, overwrite);
  free(v);
  return 0;
}

//===----------------------------------------------------------------------===//
// Depthwise 2-D convolution
//===----------------------------------------------------------------------===//
//
// One filter per channel: each output plane is a weighted sum of kh x kw
// shifted views of its input plane. Along an output row that is a vector
// loop of 7 or 14 lanes in late MobileNet stages, and strided loads for a
// stride of 2. Instead, per channel, the input plane (zero outside x) is
// copied into sh x sw phase planes, phase (r, s) holding rows r, r + sh, ..
// and columns s, s + sw, .. of the padded plane, each row Wq wide, Wq the
// output width plus the columns the window reaches past it. The output
// laid out at that same width then reads every tap at one offset in one
// phase plane: q = oh * Wq + ow reads plane (i dh % sh, j dw % sw) at q +
// (i dh / sh) Wq + j dw / sw. So the whole plane is one vector loop of kh
// kw multiply-adds per 16 outputs with all lanes busy (the Wq - OW columns
// past each row are computed and dropped), and its output rows are copied
// out of that layout. Planes are done in strips of rows that stay in L1.

/// Floats of a depthwise strip's phase rows and result together (24 KB of
/// Zen 4's 32 KB L1; the rest for the weights and the output rows).
enum { DEPTHWISE_STRIP_FLOATS = 6 * 1024 };

/// `vectors` (a constant where it is called) vectors of the output laid
/// out at the phase planes' width, from q: the sum over `taps` of
/// weight[t] * base[t][q ..].
static inline __attribute__((always_inline)) void
depthwiseVectors(float *restrict out, const float *const *base, const float *weight, int64_t taps,
                 int64_t q, const int vectors) {
  vfloat acc[8];
  for (int v = 0; v < vectors; ++v)
    acc[v] = (vfloat){0};
  for (int64_t t = 0; t < taps; ++t) {
    const float *p = base[t] + q;
    float w = weight[t];
    for (int v = 0; v < vectors; ++v)
      acc[v] += w * loadUnaligned(p + v * VL);
  }
  for (int v = 0; v < vectors; ++v)
    storeUnaligned(out + q + v * VL, acc[v]);
}

/// out[c, oh, ow] (+)= sum over (i, j) of w[c, i * kw + j] x[c, y0 + oh *
/// sh + i * dh, x0 + ow * sw + j * dw], for the channels c of out (x and w
/// hold at least as many; zero outside x's H x W: (y0, x0) is negative in
/// the padding), = where `overwrite`. Returns 1 when the scratch cannot be
/// allocated, 3 when x or w holds fewer channels than out, or w fewer
/// than kh x kw columns, or a stride or dilation is not positive.
int32_t INGOT_SDWCONV_NAME(MATRIX(w), VOLUME(x), VOLUME(c), int64_t kh, int64_t kw, int64_t sh,
                           int64_t sw, int64_t dh, int64_t dw, int64_t y0, int64_t x0,
                           int32_t overwrite) {
  (void)wAllocated, (void)xAllocated, (void)cAllocated;
  int64_t channels = cSize0, oh = cSize1, ow = cSize2, h = xSize1, wd = xSize2;
  int64_t taps = kh * kw;
  if (xSize0 < channels || wRows < channels || wCols < taps || kh <= 0 || kw <= 0 || sh <= 0 ||
      sw <= 0 || dh <= 0 || dw <= 0)
    return 3;
  if (channels == 0 || oh == 0 || ow == 0)
    return 0;
  const float *xData = xAligned + xOffset, *wData = wAligned + wOffset;
  float *outData = cAligned + cOffset;
  // A plane is done in strips of `strip` output rows, so that a strip's
  // phase rows and its result stay in L1 between the copy in, the
  // multiply-adds and the copy out (DEPTHWISE_STRIP_FLOATS): whole planes
  // of 112 x 112 (100 KB of phase plane and result) went through L2
  // three times.
  int64_t reachRows = (kh - 1) * dh / sh, wq = ow + (kw - 1) * dw / sw;
  int64_t phases = sh * sw;
  int64_t strip = DEPTHWISE_STRIP_FLOATS / (wq * (phases + 1)) - reachRows;
  strip = strip < 1 ? 1 : strip > oh ? oh : strip;
  // Phase planes of hq x wq (a strip's rows), then what the strip's last
  // vector reads past them (taps from their offset, at most (hq - strip)
  // wq + wq - ow, read the `flat` floats of the strip's vectors) and a
  // row's copy writes past the last row. Only outputs dropped read there:
  // it is zeroed once, then holds copies of x (a shorter last strip reads
  // the rows a longer one left).
  int64_t hq = strip + reachRows;
  int64_t flat = (strip * wq + VL - 1) / VL * VL, planeSize = hq * wq + flat - strip * wq + wq + VL;
  int64_t extent = spanOf(xSize0, h, wd, xs0, xs1, xs2);
  // The result's last row is read a vector at a time: up to VL - 1 floats
  // past `flat`.
  size_t floats = (size_t)(phases * planeSize + flat + VL + taps);
  // Tap pointers, then the columns [lo, hi) of each column phase's rows
  // that lie inside x (phase s starts at x's column x0 + s), the same for
  // every row and channel.
  size_t header = (((size_t)taps * sizeof(float *) + 2 * (size_t)sw * sizeof(int64_t)) + 63) / 64 * 64;
  char *scratch = aligned_alloc(64, header + (floats * sizeof(float) + 63) / 64 * 64);
  if (!scratch)
    return 1;
  const float **base = (const float **)scratch;
  int64_t *lo = (int64_t *)(scratch + taps * sizeof(float *)), *hi = lo + sw;
  float *planes = (float *)(scratch + header), *result = planes + phases * planeSize;
  float *weight = result + flat + VL;
  for (int64_t p = 0; p < phases; ++p)
    for (int64_t e = hq * wq; e < planeSize; ++e)
      planes[p * planeSize + e] = 0.0f;
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j) {
      int64_t rowAt = i * dh, colAt = j * dw;
      base[i * kw + j] = planes + (rowAt % sh * sw + colAt % sw) * planeSize +
                         rowAt / sh * wq + colAt / sw;
    }
  for (int64_t s = 0; s < sw; ++s) {
    lo[s] = firstAtLeast(x0 + s, sw, 0);
    hi[s] = firstAtLeast(x0 + s, sw, wd);
    hi[s] = hi[s] < wq ? hi[s] : wq;
  }
  for (int64_t ch = 0; ch < channels; ++ch) {
    const float *plane = xData + ch * xs0;
    for (int64_t t = 0; t < taps; ++t)
      weight[t] = wData[ch * ws0 + t * ws1];
    float *out = outData + ch * cs0;
    // Rows out of the wq-wide layout. An overwritten plane of contiguous
    // rows takes whole vectors, each row's last running into the next row
    // (written after it), the last row's into the next channel's plane
    // where that follows and is written after; the rest element by element.
    int64_t points = oh * ow;
    int64_t limit = !overwrite || cs2 != 1 || cs1 != ow ? 0
                    : ch + 1 < channels && cs0 == points ? 2 * points
                                                         : points;
    for (int64_t r0 = 0; r0 < oh; r0 += strip) {
      int64_t rows = oh - r0 < strip ? oh - r0 : strip, rowsIn = rows + reachRows;
      // Phase (r, s) row t, column u: x[y0 + (r0 + t) sh + r, x0 + u sw + s].
      for (int64_t r = 0; r < sh; ++r)
        for (int64_t t = 0; t < rowsIn; ++t) {
          int64_t y = y0 + (r0 + t) * sh + r;
          float *phaseRow = planes + r * sw * planeSize + t * wq;
          if (sw == 2 && xs2 == 1)
            copyPhaseRowPair(phaseRow, phaseRow + planeSize, wq, plane, y, h, xs1, x0, lo, hi,
                             xData + extent);
          else
            for (int64_t s = 0; s < sw; ++s)
              copyPhaseRow(phaseRow + s * planeSize, wq, plane, y, h, xs1, xs2, x0 + s, sw,
                           lo[s], hi[s], xData + extent);
        }
      int64_t vectorsEnd = (rows * wq + VL - 1) / VL * VL, q = 0;
      for (; q + 8 * VL <= vectorsEnd; q += 8 * VL)
        depthwiseVectors(result, base, weight, taps, q, 8);
      switch ((vectorsEnd - q) / VL) {
#define VECTORS(n)                                                                                \
  case n:                                                                                         \
    depthwiseVectors(result, base, weight, taps, q, n);                                           \
    break;
        VECTORS(1) VECTORS(2) VECTORS(3) VECTORS(4) VECTORS(5) VECTORS(6) VECTORS(7)
#undef VECTORS
      default:
        break;
      }
      for (int64_t row = 0; row < rows; ++row) {
        const float *from = result + row * wq;
        float *to = out + (r0 + row) * cs1;
        int64_t u = 0;
        for (; u < ow && (r0 + row) * ow + u + VL <= limit; u += VL)
          storeUnaligned(to + u, loadUnaligned(from + u));
        if (cs2 == 1)
          for (; u + VL <= ow; u += VL)
            storeUnaligned(to + u, overwrite ? loadUnaligned(from + u)
                                             : loadUnaligned(to + u) + loadUnaligned(from + u));
        for (; u < ow; ++u)
          to[u * cs2] = overwrite ? from[u] : to[u * cs2] + from[u];
      }
    }
  }
  free(scratch);
  return 0;
}

// A channels-last depthwise convolution: each output point's channels are
// vectors, the sum of its taps' input vectors times the taps' weights. A
// call covers DW_POINTS points of a row by DW_VECTORS vectors of channels
// (16 accumulators with 32 registers; with 16, 4 of two ymm each), so that
// a tap's weight vectors are loaded once for the points.
enum { DW_POINTS = 4, DW_VECTORS = MR == 12 ? 4 : 1 };

/// out[p * os + c ..] (+)= sum over taps (i, j) in [i0, i1) x [j0, j1) of
/// w[(i * kw + j) * ws + c ..] * x[at + i * rowStep + j * colStep + p *
/// pointStep + c ..] for `points` points and `vectors` vectors of channels
/// from c (both constants where called); the taps given are those inside
/// the input for every one of the points.
static inline __attribute__((always_inline)) void
depthwiseNhwcPoints(float *restrict out, int64_t os, const float *x, int64_t at, int64_t pointStep,
                    int64_t rowStep, int64_t colStep, const float *w, int64_t ws, int64_t kw,
                    int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t c, int overwrite,
                    const int points, const int vectors) {
  vfloat acc[DW_POINTS][DW_VECTORS];
  for (int p = 0; p < points; ++p)
    for (int v = 0; v < vectors; ++v)
      acc[p][v] = overwrite ? (vfloat){0} : loadUnaligned(out + p * os + c + v * VL);
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      const float *wp = w + (i * kw + j) * ws + c;
      const float *xp = x + at + i * rowStep + j * colStep + c;
      vfloat wv[DW_VECTORS];
      for (int v = 0; v < vectors; ++v)
        wv[v] = loadUnaligned(wp + v * VL);
      for (int p = 0; p < points; ++p)
        for (int v = 0; v < vectors; ++v)
          acc[p][v] += wv[v] * loadUnaligned(xp + p * pointStep + v * VL);
    }
  for (int p = 0; p < points; ++p)
    for (int v = 0; v < vectors; ++v)
      storeUnaligned(out + p * os + c + v * VL, acc[p][v]);
}

/// All channels of `points` (a constant where called) points of a row:
/// whole blocks of vectors, then single vectors, then the last channels
/// one by one.
static inline __attribute__((always_inline)) void
depthwiseNhwcChannels(float *restrict out, int64_t os, const float *x, int64_t at,
                      int64_t pointStep, int64_t rowStep, int64_t colStep, const float *w,
                      int64_t ws, int64_t kw, int64_t i0, int64_t i1, int64_t j0, int64_t j1,
                      int64_t channels, int overwrite, const int points) {
  int64_t c = 0;
  for (; c + DW_VECTORS * VL <= channels; c += DW_VECTORS * VL)
    depthwiseNhwcPoints(out, os, x, at, pointStep, rowStep, colStep, w, ws, kw, i0, i1, j0, j1, c,
                        overwrite, points, DW_VECTORS);
  for (; c + VL <= channels; c += VL)
    depthwiseNhwcPoints(out, os, x, at, pointStep, rowStep, colStep, w, ws, kw, i0, i1, j0, j1, c,
                        overwrite, points, 1);
  for (; c < channels; ++c)
    for (int p = 0; p < points; ++p) {
      float sum = overwrite ? 0.0f : out[p * os + c];
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j)
          sum += w[(i * kw + j) * ws + c] * x[at + i * rowStep + j * colStep + p * pointStep + c];
      out[p * os + c] = sum;
    }
}

/// out[oh, ow, c] (+)= sum over (i, j) of w[i * kw + j, c] x[y0 + oh * sh +
/// i * dh, x0 + ow * sw + j * dw, c] for the channels c of out (x and w
/// hold at least as many; zero outside x's H x W: (y0, x0) is negative in
/// the padding), = where `overwrite`. The channels of x, w and out must be
/// contiguous. Returns 3 when x or w holds fewer channels than out, w fewer
/// than kh x kw rows, a channel stride is not 1, or a stride or dilation is
/// not positive.
int32_t INGOT_SDWCONV_NHWC_NAME(MATRIX(w), VOLUME(x), VOLUME(c), int64_t kh, int64_t kw,
                                int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t y0,
                                int64_t x0, int32_t overwrite) {
  (void)wAllocated, (void)xAllocated, (void)cAllocated;
  int64_t oh = cSize0, ow = cSize1, channels = cSize2, h = xSize0, wd = xSize1;
  if (xSize2 < channels || wCols < channels || wRows < kh * kw || xs2 != 1 || cs2 != 1 ||
      ws1 != 1 || kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
    return 3;
  if (channels == 0 || oh == 0 || ow == 0)
    return 0;
  const float *x = xAligned + xOffset, *w = wAligned + wOffset;
  float *outData = cAligned + cOffset;
  // The points whose every column tap lies inside x: [inLo, inHi).
  int64_t inLo = firstAtLeast(x0, sw, 0);
  int64_t inHi = firstAtLeast(x0 + (kw - 1) * dw, sw, wd);
  inLo = inLo < ow ? inLo : ow;
  inHi = inHi < inLo ? inLo : inHi > ow ? ow : inHi;
  for (int64_t r = 0; r < oh; ++r) {
    // The row taps inside x: [i0, i1).
    int64_t top = y0 + r * sh;
    int64_t i0 = top >= 0 ? 0 : (-top + dh - 1) / dh;
    int64_t i1 = top + (kh - 1) * dh < h ? kh : (h - top + dh - 1) / dh;
    float *out = outData + r * cs0;
    if (i0 >= i1) {
      // Every tap in the padding: the row is zero (or unchanged).
      if (overwrite)
        for (int64_t p = 0; p < ow; ++p)
          for (int64_t c = 0; c < channels; ++c)
            out[p * cs1 + c] = 0.0f;
      continue;
    }
    // Offsets of the first row tap and column 0 (computed as integers:
    // they may lie before x; only taps inside x are read).
    int64_t rowAt = (top + i0 * dh) * xs0;
    const float *wRow = w + i0 * kw * ws0;
    int64_t rows = i1 - i0;
    // A point with taps outside x: its own column range.
    #define EDGE_POINT(p)                                                                        \
      do {                                                                                         \
        int64_t left = x0 + (p) * sw;                                                              \
        int64_t j0 = left >= 0 ? 0 : (-left + dw - 1) / dw;                                        \
        int64_t j1 = left + (kw - 1) * dw < wd ? kw : (wd - left + dw - 1) / dw;                   \
        if (j0 >= j1) {                                                                            \
          if (overwrite)                                                                           \
            for (int64_t c = 0; c < channels; ++c)                                                 \
              out[(p) * cs1 + c] = 0.0f;                                                           \
          break;                                                                                   \
        }                                                                                          \
        depthwiseNhwcChannels(out + (p) * cs1, cs1, x, rowAt + (left + j0 * dw) * xs1, sw * xs1,    \
                              dh * xs0, dw * xs1, wRow + j0 * ws0, ws0, kw, 0, rows, 0, j1 - j0,    \
                              channels, overwrite, 1);                                             \
      } while (0)
    int64_t p = 0;
    for (; p < inLo; ++p)
      EDGE_POINT(p);
    for (; p + DW_POINTS <= inHi; p += DW_POINTS)
      depthwiseNhwcChannels(out + p * cs1, cs1, x, rowAt + (x0 + p * sw) * xs1, sw * xs1, dh * xs0,
                            dw * xs1, wRow, ws0, kw, 0, rows, 0, kw, channels, overwrite,
                            DW_POINTS);
    for (; p < inHi; ++p)
      depthwiseNhwcChannels(out + p * cs1, cs1, x, rowAt + (x0 + p * sw) * xs1, sw * xs1, dh * xs0,
                            dw * xs1, wRow, ws0, kw, 0, rows, 0, kw, channels, overwrite, 1);
    for (; p < ow; ++p)
      EDGE_POINT(p);
    #undef EDGE_POINT
  }
  return 0;
}
