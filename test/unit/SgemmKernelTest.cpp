//===- SgemmKernelTest.cpp - The sgemm micro-kernel against a naive loop --===//
//
// Both variants of ukernels/sgemm.c (12 and 6 rows per tile), built for the
// host, over random shapes around the tile and block sizes (remainders in
// M, N and K, the small-M path that reads B in place, M = 1) and strides (a
// transposed A or B, a C inside a larger matrix); the convolution entry
// point over random windows, strides, dilations, paddings and row tiles;
// both with A (or, for the GEMM, B) from panels packed ahead of time, and
// overwriting C (whose old values, NaN here, must then never be read).
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#define MATRIX_ARGS(p) float *, float *, int64_t, int64_t, int64_t, int64_t, int64_t
extern "C" int32_t ingot_sgemm_f32_mr12(MATRIX_ARGS(a), MATRIX_ARGS(b), MATRIX_ARGS(c), int32_t);
extern "C" int32_t ingot_sgemm_f32_mr6(MATRIX_ARGS(a), MATRIX_ARGS(b), MATRIX_ARGS(c), int32_t);
#define VOLUME_ARGS(p) float *, float *, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t
#define CONV_ARGS                                                                                 \
  MATRIX_ARGS(w), VOLUME_ARGS(x), MATRIX_ARGS(c), int64_t, int64_t, int64_t, int64_t, int64_t,    \
      int64_t, int64_t, int64_t, int64_t, int32_t
extern "C" int32_t ingot_sconv2d_f32_mr12(CONV_ARGS);
extern "C" int32_t ingot_sconv2d_f32_mr6(CONV_ARGS);
// A from panels packed at compile time: the panels' memref, row0, K.
#define PANEL_ARGS float *, float *, int64_t, int64_t, int64_t, int64_t, int64_t
extern "C" int32_t ingot_sgemm_panels_f32_mr12(PANEL_ARGS, MATRIX_ARGS(b), MATRIX_ARGS(c), int32_t);
extern "C" int32_t ingot_sgemm_panels_f32_mr6(PANEL_ARGS, MATRIX_ARGS(b), MATRIX_ARGS(c), int32_t);
// B from 16-column panels packed at compile time: A, the panels, col0, K.
extern "C" int32_t ingot_sgemm_bpanels_f32_mr12(MATRIX_ARGS(a), PANEL_ARGS, MATRIX_ARGS(c), int32_t);
extern "C" int32_t ingot_sgemm_bpanels_f32_mr6(MATRIX_ARGS(a), PANEL_ARGS, MATRIX_ARGS(c), int32_t);
#define CONV_PANEL_ARGS                                                                           \
  PANEL_ARGS, VOLUME_ARGS(x), MATRIX_ARGS(c), int64_t, int64_t, int64_t, int64_t, int64_t,        \
      int64_t, int64_t, int64_t, int64_t, int32_t
extern "C" int32_t ingot_sconv2d_panels_f32_mr12(CONV_PANEL_ARGS);
extern "C" int32_t ingot_sconv2d_panels_f32_mr6(CONV_PANEL_ARGS);
// Winograd F(4x4, 3x3): the transformed filters' panels, row0 and C; x, C, ow, y0, x0.
#define WINOGRAD_ARGS                                                                             \
  PANEL_ARGS, VOLUME_ARGS(x), MATRIX_ARGS(c), int64_t, int64_t, int64_t, int32_t
extern "C" int32_t ingot_sconv3x3_winograd_f32_mr12(WINOGRAD_ARGS);
extern "C" int32_t ingot_sconv3x3_winograd_f32_mr6(WINOGRAD_ARGS);
// Depthwise: w [C, kh * kw], x, out; kh, kw, sh, sw, dh, dw, y0, x0, overwrite.
#define DEPTHWISE_ARGS                                                                            \
  MATRIX_ARGS(w), VOLUME_ARGS(x), VOLUME_ARGS(c), int64_t, int64_t, int64_t, int64_t, int64_t,    \
      int64_t, int64_t, int64_t, int32_t
extern "C" int32_t ingot_sdwconv2d_f32_mr12(DEPTHWISE_ARGS);
extern "C" int32_t ingot_sdwconv2d_f32_mr6(DEPTHWISE_ARGS);
// Channels-last depthwise: w [kh * kw, C], x [H, W, C], out [OH, OW, C]; the same scalars.
extern "C" int32_t ingot_sdwconv2d_nhwc_f32_mr12(DEPTHWISE_ARGS);
extern "C" int32_t ingot_sdwconv2d_nhwc_f32_mr6(DEPTHWISE_ARGS);

namespace {

using Kernel = int32_t (*)(MATRIX_ARGS(a), MATRIX_ARGS(b), MATRIX_ARGS(c), int32_t);
const float kGarbage = std::nanf("");

/// A rows x cols view of `data` at strides (s0, s1).
struct View {
  std::vector<float> data;
  int64_t rows, cols, s0, s1;
  float &at(int64_t i, int64_t j) { return data[i * s0 + j * s1]; }
};

View makeView(int64_t rows, int64_t cols, bool transposed, int64_t pad, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  View v{{}, rows, cols, transposed ? 1 : cols + pad, transposed ? rows + pad : 1};
  v.data.resize(transposed ? (rows + pad) * cols : rows * (cols + pad));
  for (float &x : v.data)
    x = dist(rng);
  return v;
}

void check(Kernel kernel, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
           bool overwrite, std::mt19937 &rng) {
  View a = makeView(m, k, transA, 3, rng), b = makeView(k, n, transB, 5, rng);
  View c = makeView(m, n, false, 7, rng);
  if (overwrite)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c.at(i, j) = kGarbage;
  std::vector<double> want(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = overwrite ? 0.0 : c.at(i, j);
      for (int64_t p = 0; p < k; ++p)
        sum += double(a.at(i, p)) * double(b.at(p, j));
      want[i * n + j] = sum;
    }
  std::vector<float> padding(c.data.begin(), c.data.end());
  ASSERT_EQ(kernel(a.data.data(), a.data.data(), 0, m, k, a.s0, a.s1, b.data.data(), b.data.data(),
                   0, k, n, b.s0, b.s1, c.data.data(), c.data.data(), 0, m, n, c.s0, c.s1,
                   overwrite),
            0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      ASSERT_NEAR(c.at(i, j), want[i * n + j], 1e-4 * (1 + std::sqrt(double(k))))
          << "M=" << m << " N=" << n << " K=" << k << " transA=" << transA
          << " transB=" << transB << " overwrite=" << overwrite << " at (" << i << ", " << j << ")";
  // The padding between C's rows is untouched.
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = n; j < c.s0; ++j)
      ASSERT_EQ(c.data[i * c.s0 + j], padding[i * c.s0 + j]) << "wrote past C's row " << i;
}

void sweep(Kernel kernel) {
  std::mt19937 rng(7);
  const int64_t sizes[] = {1, 2, 5, 6, 11, 12, 13, 16, 17, 31, 33, 121, 257};
  std::uniform_int_distribution<int> pick(0, std::size(sizes) - 1);
  for (int trial = 0; trial < 120; ++trial)
    check(kernel, sizes[pick(rng)], sizes[pick(rng)], sizes[pick(rng)], trial % 3 == 1,
          trial % 4 == 2, trial % 5 < 2, rng);
  // Past one block of each loop: K > 1024, N > 256, M > 10 tiles.
  check(kernel, 130, 300, 1100, false, false, false, rng);
  check(kernel, 130, 300, 1100, false, false, true, rng);
  check(kernel, 1, 700, 1100, false, true, false, rng);
  // Overwriting with K = 0: C becomes zeros.
  check(kernel, 13, 17, 0, false, false, true, rng);
}

TEST(SgemmKernel, TwelveRowTilesMatchNaiveLoops) { sweep(ingot_sgemm_f32_mr12); }
TEST(SgemmKernel, SixRowTilesMatchNaiveLoops) { sweep(ingot_sgemm_f32_mr6); }

TEST(SgemmKernel, EmptyProductsLeaveCAlone) {
  float c[4] = {1, 2, 3, 4};
  float x = 0;
  EXPECT_EQ(ingot_sgemm_f32_mr12(&x, &x, 0, 2, 0, 0, 1, &x, &x, 0, 0, 2, 2, 1, c, c, 0, 2, 2, 2, 1, 0),
            0);
  EXPECT_EQ(c[0], 1);
  EXPECT_EQ(c[3], 4);
}

using ConvKernel = int32_t (*)(CONV_ARGS);
using PanelKernel = int32_t (*)(PANEL_ARGS, MATRIX_ARGS(b), MATRIX_ARGS(c), int32_t);
using ConvPanelKernel = int32_t (*)(CONV_PANEL_ARGS);

/// `lines` lines of k values (`at(line, p)`) as the documented panels:
/// `width` lines each, zero past the last line, each as k groups of
/// `width` values.
template <typename At>
std::vector<float> packLines(int64_t lines, int64_t k, int64_t width, At at) {
  int64_t panels = (lines + width - 1) / width;
  std::vector<float> out(panels * k * width, 0.0f);
  for (int64_t l = 0; l < lines; ++l)
    for (int64_t p = 0; p < k; ++p)
      out[(l / width) * k * width + p * width + l % width] = at(l, p);
  return out;
}

/// Rows x k row-major `a` as A's panels of 12 rows.
std::vector<float> packPanels(const std::vector<float> &a, int64_t rows, int64_t k) {
  return packLines(rows, k, 12, [&](int64_t r, int64_t p) { return a[r * k + p]; });
}

/// Rows row0 .. row0 + m of a (row0 + m + 5) x k constant, from its panels,
/// times a k x n B, into C; row0 off a panel, or panels too short for the
/// rows, are refused (status 2).
void checkPanels(PanelKernel kernel, int64_t row0, int64_t m, int64_t n, int64_t k,
                 bool overwrite, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  int64_t rows = row0 + m + 5;
  std::vector<float> a(rows * k), b(k * n), c(m * n);
  for (std::vector<float> *v : {&a, &b, &c})
    for (float &e : *v)
      e = dist(rng);
  std::vector<float> panels = packPanels(a, rows, k), want(c.begin(), c.end());
  if (overwrite)
    std::fill(c.begin(), c.end(), kGarbage);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = overwrite ? 0.0 : want[i * n + j];
      for (int64_t p = 0; p < k; ++p)
        sum += double(a[(row0 + i) * k + p]) * double(b[p * n + j]);
      want[i * n + j] = sum;
    }
  int64_t size = panels.size();
  ASSERT_EQ(kernel(panels.data(), panels.data(), 0, size, 1, row0, k, b.data(), b.data(), 0, k, n,
                   n, 1, c.data(), c.data(), 0, m, n, n, 1, overwrite),
            0);
  for (int64_t i = 0; i < m * n; ++i)
    ASSERT_NEAR(c[i], want[i], 1e-4 * (1 + std::sqrt(double(k))))
        << "row0=" << row0 << " M=" << m << " N=" << n << " K=" << k
        << " overwrite=" << overwrite << " at " << i;
  EXPECT_EQ(kernel(panels.data(), panels.data(), 0, size, 1, row0 + 6, k, b.data(), b.data(), 0, k,
                   n, n, 1, c.data(), c.data(), 0, m, n, n, 1, 0),
            2);  // Panels that end before the tile's last row (a wrong size passed in).
  int64_t short_ = (row0 + m + 11) / 12 * 12 * k - 1;
  if (k > 0)
    EXPECT_EQ(kernel(panels.data(), panels.data(), 0, short_, 1, row0, k, b.data(), b.data(), 0,
                     k, n, n, 1, c.data(), c.data(), 0, m, n, n, 1, 0),
              2);
}

void sweepPanels(PanelKernel kernel) {
  std::mt19937 rng(5);
  const int64_t sizes[] = {1, 5, 6, 12, 13, 17, 33, 130, 300};
  std::uniform_int_distribution<int> pick(0, std::size(sizes) - 1), panel(0, 3);
  for (int trial = 0; trial < 40; ++trial)
    checkPanels(kernel, 12 * panel(rng), sizes[pick(rng)], sizes[pick(rng)], sizes[pick(rng)],
                trial % 3 == 0, rng);
  // K past one block (1024 steps), added to C and overwriting it.
  checkPanels(kernel, 12, 130, 40, 1100, false, rng);
  checkPanels(kernel, 0, 13, 300, 1100, true, rng);
}

TEST(SgemmKernel, TwelveRowTilesFromPanels) { sweepPanels(ingot_sgemm_panels_f32_mr12); }
TEST(SgemmKernel, SixRowTilesFromPanels) { sweepPanels(ingot_sgemm_panels_f32_mr6); }

using BPanelKernel = int32_t (*)(MATRIX_ARGS(a), PANEL_ARGS, MATRIX_ARGS(c), int32_t);

/// k x cols row-major `b` as B's panels of 16 columns.
std::vector<float> packColumnPanels(const std::vector<float> &b, int64_t k, int64_t cols) {
  return packLines(cols, k, 16, [&](int64_t j, int64_t p) { return b[p * cols + j]; });
}

/// A (transposed or not) times columns col0 .. col0 + n of a k x (col0 + n
/// + 7) constant, from its panels, into C (row-major, or with `transC`
/// column-major at a pitch of m + 2, as a product run transposed writes
/// it); col0 off a panel, or panels too short for the columns, are refused.
void checkBPanels(BPanelKernel kernel, int64_t col0, int64_t m, int64_t n, int64_t k,
                  bool transA, bool overwrite, std::mt19937 &rng, bool transC = false) {
  std::uniform_real_distribution<float> dist(-1, 1);
  int64_t cols = col0 + n + 7;
  int64_t cs0 = transC ? 1 : n, cs1 = transC ? m + 2 : 1;
  View a = makeView(m, k, transA, 3, rng);
  std::vector<float> b(k * cols), c(transC ? (m + 2) * n : m * n);
  for (std::vector<float> *v : {&b, &c})
    for (float &e : *v)
      e = dist(rng);
  std::vector<float> panels = packColumnPanels(b, k, cols), want(c.begin(), c.end());
  if (overwrite)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * cs0 + j * cs1] = kGarbage;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = overwrite ? 0.0 : want[i * cs0 + j * cs1];
      for (int64_t p = 0; p < k; ++p)
        sum += double(a.at(i, p)) * double(b[p * cols + col0 + j]);
      want[i * cs0 + j * cs1] = sum;
    }
  int64_t size = panels.size();
  ASSERT_EQ(kernel(a.data.data(), a.data.data(), 0, m, k, a.s0, a.s1, panels.data(), panels.data(),
                   0, size, 1, col0, k, c.data(), c.data(), 0, m, n, cs0, cs1, overwrite),
            0);
  // Every element, the pitch's two past each column of a transposed C too
  // (left as they were).
  for (int64_t i = 0; i < (int64_t)c.size(); ++i)
    ASSERT_NEAR(c[i], want[i], 1e-4 * (1 + std::sqrt(double(k))))
        << "col0=" << col0 << " M=" << m << " N=" << n << " K=" << k << " transA=" << transA
        << " transC=" << transC << " overwrite=" << overwrite << " at " << i;
  EXPECT_EQ(kernel(a.data.data(), a.data.data(), 0, m, k, a.s0, a.s1, panels.data(), panels.data(),
                   0, size, 1, col0 + 8, k, c.data(), c.data(), 0, m, n, cs0, cs1, 0),
            2);
  int64_t short_ = (col0 + n + 15) / 16 * 16 * k - 1;
  if (k > 0)
    EXPECT_EQ(kernel(a.data.data(), a.data.data(), 0, m, k, a.s0, a.s1, panels.data(),
                     panels.data(), 0, short_, 1, col0, k, c.data(), c.data(), 0, m, n, cs0, cs1,
                     0),
              2);
}

void sweepBPanels(BPanelKernel kernel) {
  std::mt19937 rng(9);
  const int64_t sizes[] = {1, 5, 12, 13, 16, 17, 31, 33, 130, 300, 530};
  std::uniform_int_distribution<int> pick(0, std::size(sizes) - 1), panel(0, 3);
  for (int trial = 0; trial < 60; ++trial)
    checkBPanels(kernel, 16 * panel(rng), sizes[pick(rng)], sizes[pick(rng)], sizes[pick(rng)],
                 trial % 4 == 1, trial % 3 == 0, rng);
  // K past one block (1024 steps).
  checkBPanels(kernel, 16, 30, 300, 1100, false, true, rng);
  // C transposed, as a 1x1 convolution over a 7 x 7 plane runs: 49 rows of
  // pixels by a tile of filters, A the input's transpose; in scratch, and
  // one past its size (element by element).
  for (int trial = 0; trial < 30; ++trial)
    checkBPanels(kernel, 16 * panel(rng), sizes[pick(rng)], sizes[pick(rng)], sizes[pick(rng)],
                 trial % 2 == 0, trial % 3 == 0, rng, true);
  checkBPanels(kernel, 32, 49, 192, 512, true, true, rng, true);
  checkBPanels(kernel, 0, 257, 256, 20, true, false, rng, true);
}

TEST(SgemmKernel, TwelveRowTilesFromBPanels) { sweepBPanels(ingot_sgemm_bpanels_f32_mr12); }
TEST(SgemmKernel, SixRowTilesFromBPanels) { sweepBPanels(ingot_sgemm_bpanels_f32_mr6); }

/// Pads, strides and dilations of one convolution.
struct ConvShape {
  int64_t channels, h, w, filters, kh, kw, sh, sw, dh, dw;
  int64_t top, left, bottom, right; // zero padding around x
  int64_t columnStride = 1;         // x's: 2 reads every other column of a wider buffer
};

/// One image, C channels of h x w, F filters of kh x kw, strides,
/// dilations and zero padding; the output split into calls of `rows`
/// output rows each, as cpu-tile-dispatch-regions tiles it (C's columns are
/// whole output rows), written into a C with padding between filters. A
/// call reads the whole image, its first window at (y0, x0) (negative in
/// the padding), or, where nothing is padded, every other call a view of x
/// from its first row as the unpadded lowering passes it. With
/// `fromPanels`, the weights come packed into panels and each call takes
/// `filtersPerCall` of the filter rows from them (a multiple of 12, as the
/// tiling passes them). With `overwrite`, C starts as NaN.
void checkConv(ConvKernel kernel, ConvPanelKernel fromPanels, const ConvShape &s, int64_t rows,
               bool overwrite, std::mt19937 &rng, int64_t filtersPerCall = 12) {
  std::uniform_real_distribution<float> dist(-1, 1);
  int64_t h = s.h, w = s.w, sh = s.sh, sw = s.sw;
  int64_t oh = (h + s.top + s.bottom - (s.kh - 1) * s.dh - 1) / sh + 1;
  int64_t ow = (w + s.left + s.right - (s.kw - 1) * s.dw - 1) / sw + 1;
  int64_t depth = s.channels * s.kh * s.kw, pitch = oh * ow + 3;
  int64_t cs = s.columnStride, rs = w * cs; // x's column and row strides
  std::vector<float> x(s.channels * h * rs), weights(s.filters * depth), c(s.filters * pitch);
  for (std::vector<float> *v : {&x, &weights, &c})
    for (float &e : *v)
      e = dist(rng);
  if (overwrite)
    for (int64_t f = 0; f < s.filters; ++f)
      std::fill(c.begin() + f * pitch, c.begin() + f * pitch + oh * ow, kGarbage);
  std::vector<float> before = c;
  std::vector<float> panels = packPanels(weights, s.filters, depth);
  int64_t size = panels.size();
  bool padded = s.top || s.left || s.bottom || s.right;
  for (int64_t r0 = 0; r0 < oh; r0 += rows) {
    int64_t count = std::min(rows, oh - r0);
    // x from row `first` (a view of its rows), the first window at y0.
    bool view = !padded && (r0 / rows) % 2 == 1;
    int64_t first = view ? r0 * sh : 0, y0 = view ? 0 : r0 * sh - s.top, x0 = -s.left;
    if (!fromPanels) {
      ASSERT_EQ(kernel(weights.data(), weights.data(), 0, s.filters, depth, depth, 1, x.data(),
                       x.data(), first * rs, s.channels, h - first, w, h * rs, rs, cs, c.data(),
                       c.data(), r0 * ow, s.filters, count * ow, pitch, 1, s.kh, s.kw, sh, sw, s.dh,
                       s.dw, ow, y0, x0, overwrite),
                0);
      continue;
    }
    for (int64_t f0 = 0; f0 < s.filters; f0 += filtersPerCall)
      ASSERT_EQ(fromPanels(panels.data(), panels.data(), 0, size, 1, f0, depth, x.data(), x.data(),
                           first * rs, s.channels, h - first, w, h * rs, rs, cs, c.data(), c.data(),
                           f0 * pitch + r0 * ow, std::min(filtersPerCall, s.filters - f0), count * ow,
                           pitch, 1, s.kh, s.kw, sh, sw, s.dh, s.dw, ow, y0, x0, overwrite),
                0);
  }
  for (int64_t f = 0; f < s.filters; ++f) {
    for (int64_t p = 0; p < oh * ow; ++p) {
      double sum = overwrite ? 0.0 : before[f * pitch + p];
      for (int64_t ch = 0; ch < s.channels; ++ch)
        for (int64_t i = 0; i < s.kh; ++i)
          for (int64_t j = 0; j < s.kw; ++j) {
            int64_t y = (p / ow) * sh + i * s.dh - s.top, xc = (p % ow) * sw + j * s.dw - s.left;
            if (y >= 0 && y < h && xc >= 0 && xc < w)
              sum += double(weights[f * depth + (ch * s.kh + i) * s.kw + j]) *
                     double(x[(ch * h + y) * rs + xc * cs]);
          }
      ASSERT_NEAR(c[f * pitch + p], sum, 1e-4 * (1 + std::sqrt(double(depth))))
          << "C=" << s.channels << " " << h << "x" << w << " F=" << s.filters << " k=" << s.kh
          << "x" << s.kw << " s=" << sh << "," << sw << " d=" << s.dh << "," << s.dw
          << " pads=" << s.top << "," << s.left << "," << s.bottom << "," << s.right
          << " column stride=" << cs << " rows=" << rows << " overwrite=" << overwrite << " at filter " << f << ", output "
          << p;
    }
    for (int64_t p = oh * ow; p < pitch; ++p)
      ASSERT_EQ(c[f * pitch + p], before[f * pitch + p]) << "wrote past filter " << f;
  }
}

void sweepConv(ConvKernel kernel, ConvPanelKernel fromPanels) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> small(1, 3), size(3, 20), filters(1, 40), pad(0, 2);
  for (int trial = 0; trial < 90; ++trial) {
    ConvShape s;
    s.kh = small(rng), s.kw = small(rng), s.dh = 1 + trial % 2, s.dw = 1 + trial % 3 / 2;
    // A third unpadded, the rest with pads up to 2 (past a window at times).
    bool padded = trial % 3 != 0;
    s.top = padded ? pad(rng) : 0, s.left = padded ? pad(rng) : 0;
    s.bottom = padded ? pad(rng) : 0, s.right = padded ? pad(rng) : 0;
    s.h = std::max<int64_t>(size(rng), (s.kh - 1) * s.dh + 1 - s.top - s.bottom);
    s.w = std::max<int64_t>(size(rng), (s.kw - 1) * s.dw + 1 - s.left - s.right);
    s.channels = small(rng) * 3, s.filters = filters(rng), s.sh = small(rng), s.sw = 1 + trial % 2;
    s.columnStride = trial % 5 == 1 ? 2 : 1;
    checkConv(kernel, trial % 2 ? fromPanels : nullptr, s, small(rng), trial % 4 == 0, rng);
  }
  // K past one block (128 x 9 > 1024), many columns, wide rows across panels.
  checkConv(kernel, fromPanels, {128, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 9, true, rng);
  checkConv(kernel, nullptr, {128, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 4, false, rng);
  checkConv(kernel, nullptr, {64, 30, 30, 20, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, 9, false, rng);
  checkConv(kernel, fromPanels, {64, 30, 30, 20, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, 9, false, rng);
  checkConv(kernel, nullptr, {8, 9, 70, 13, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, 8, false, rng);
  // ResNet's padded layers: 3x3 pad 1, 7x7 stride 2 pad 3.
  checkConv(kernel, fromPanels, {64, 14, 14, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 5, true, rng);
  checkConv(kernel, nullptr, {3, 20, 20, 16, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3}, 4, true, rng);
  // Short output rows (ResNet's 7 x 7 stage): runs of 7 within one vector.
  checkConv(kernel, fromPanels, {32, 7, 7, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 7, true, rng);
  checkConv(kernel, fromPanels, {16, 14, 14, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 3, false, rng);
  // Short K read direct (no window packing) over many filters a call: the
  // stems of ResNet (7 x 7 / 2 pad 3 over 3 channels) and SqueezeNet
  // (3 x 3 / 2 unpadded), rows wider than two vectors and a ragged last
  // filter tile; then K = 256 exactly, the largest read direct, dilated.
  checkConv(kernel, fromPanels, {3, 37, 75, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3}, 3, true, rng, 48);
  checkConv(kernel, fromPanels, {3, 31, 71, 40, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0}, 4, false, rng, 36);
  checkConv(kernel, fromPanels, {64, 9, 40, 30, 2, 2, 1, 3, 2, 2, 1, 0, 2, 1}, 2, true, rng, 24);
}

TEST(SconvKernel, TwelveRowTilesMatchNaiveLoops) {
  sweepConv(ingot_sconv2d_f32_mr12, ingot_sconv2d_panels_f32_mr12);
}
TEST(SconvKernel, SixRowTilesMatchNaiveLoops) {
  sweepConv(ingot_sconv2d_f32_mr6, ingot_sconv2d_panels_f32_mr6);
}

using WinogradKernel = int32_t (*)(WINOGRAD_ARGS);

/// Filters [F, C, 3, 3] as the Winograd kernel reads them: U = G g G^T of
/// each (filter, channel), in double, as 36 parts of 12-row panels (K = C),
/// part e holding point e of every filter. Written here from the textbook
/// matrices, apart from the compiler's packing.
std::vector<float> winogradPanels(const std::vector<float> &g, int64_t filters, int64_t channels) {
  const double G[6][3] = {{1 / 4.0, 0, 0},           {-1 / 6.0, -1 / 6.0, -1 / 6.0},
                          {-1 / 6.0, 1 / 6.0, -1 / 6.0}, {1 / 24.0, 1 / 12.0, 1 / 6.0},
                          {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};
  std::vector<double> u(filters * channels * 36);
  for (int64_t fc = 0; fc < filters * channels; ++fc)
    for (int a = 0; a < 6; ++a)
      for (int b = 0; b < 6; ++b) {
        double sum = 0;
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j)
            sum += G[a][i] * g[fc * 9 + i * 3 + j] * G[b][j];
        u[fc * 36 + a * 6 + b] = sum;
      }
  std::vector<float> all;
  for (int e = 0; e < 36; ++e) {
    std::vector<float> part = packLines(filters, channels, 12, [&](int64_t f, int64_t c) {
      return float(u[(f * channels + c) * 36 + e]);
    });
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

/// One image's 3 x 3 stride-1 convolution (pads top/left/bottom/right) in
/// calls of `rows` output rows by `filterTile` filters, against naive loops
/// in double, as checkConv does for the direct kernel.
void checkWinograd(WinogradKernel kernel, int64_t channels, int64_t h, int64_t w, int64_t filters,
                   int64_t pad, int64_t rows, int64_t filterTile, bool overwrite,
                   int64_t columnStride, std::mt19937 &rng, bool transposedC = false) {
  std::uniform_real_distribution<float> dist(-1, 1);
  // C[f, p] at f * pitch + p, or (transposedC) at f + p * pitch: the
  // kernel's element-by-element store.
  int64_t oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  int64_t pitch = transposedC ? filters : oh * ow + 3;
  int64_t cs0 = transposedC ? 1 : pitch, cs1 = transposedC ? pitch : 1;
  auto at = [&](int64_t f, int64_t p) { return f * cs0 + p * cs1; };
  int64_t cs = columnStride, rs = w * cs;
  std::vector<float> x(channels * h * rs), weights(filters * channels * 9),
      c(transposedC ? filters * oh * ow : filters * pitch);
  for (std::vector<float> *v : {&x, &weights, &c})
    for (float &e : *v)
      e = dist(rng);
  if (overwrite)
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t p = 0; p < oh * ow; ++p)
        c[at(f, p)] = kGarbage;
  std::vector<float> before = c, panels = winogradPanels(weights, filters, channels);
  int64_t size = panels.size();
  for (int64_t r0 = 0; r0 < oh; r0 += rows)
    for (int64_t f0 = 0; f0 < filters; f0 += filterTile)
      ASSERT_EQ(kernel(panels.data(), panels.data(), 0, size, 1, f0, channels, x.data(), x.data(),
                       0, channels, h, w, h * rs, rs, cs, c.data(), c.data(), at(f0, r0 * ow),
                       std::min(filterTile, filters - f0), std::min(rows, oh - r0) * ow, cs0, cs1,
                       ow, r0 - pad, -pad, overwrite),
                0);
  int64_t depth = channels * 9;
  for (int64_t f = 0; f < filters; ++f) {
    for (int64_t p = 0; p < oh * ow; ++p) {
      double sum = overwrite ? 0.0 : before[at(f, p)];
      for (int64_t ch = 0; ch < channels; ++ch)
        for (int64_t i = 0; i < 3; ++i)
          for (int64_t j = 0; j < 3; ++j) {
            int64_t y = p / ow + i - pad, xc = p % ow + j - pad;
            if (y >= 0 && y < h && xc >= 0 && xc < w)
              sum += double(weights[f * depth + ch * 9 + i * 3 + j]) *
                     double(x[(ch * h + y) * rs + xc * cs]);
          }
      ASSERT_NEAR(c[at(f, p)], sum, 1e-4 * (1 + std::sqrt(double(depth))))
          << "C=" << channels << " " << h << "x" << w << " F=" << filters << " pad=" << pad
          << " rows=" << rows << " filters per call=" << filterTile << " overwrite=" << overwrite
          << " column stride=" << cs << " transposed C=" << transposedC << " at filter " << f
          << ", output " << p;
    }
    for (int64_t p = oh * ow; !transposedC && p < pitch; ++p)
      ASSERT_EQ(c[f * pitch + p], before[f * pitch + p]) << "wrote past filter " << f;
  }
}

void sweepWinograd(WinogradKernel kernel) {
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> channels(1, 40), size(3, 23), filters(1, 40), pad(0, 1),
      rows(1, 9);
  for (int trial = 0; trial < 60; ++trial) {
    int64_t p = pad(rng), h = std::max<int64_t>(size(rng), 3 - 2 * p);
    int64_t w = std::max<int64_t>(size(rng), 3 - 2 * p);
    checkWinograd(kernel, channels(rng), h, w, filters(rng), p, rows(rng), trial % 3 ? 12 : 24,
                  trial % 4 == 0, trial % 5 == 1 ? 2 : 1, rng, trial % 7 == 3);
  }
  // ResNet's stages: 56 x 56 x 64 in calls of 8 rows, 28 x 28 x 128, 14 x 14 x 256;
  // K over several blocks, the blocks of a call over many panels.
  checkWinograd(kernel, 64, 56, 56, 24, 1, 8, 24, false, 1, rng);
  checkWinograd(kernel, 128, 28, 28, 36, 1, 28, 36, true, 1, rng);
  checkWinograd(kernel, 300, 14, 14, 16, 1, 14, 12, true, 1, rng);
  checkWinograd(kernel, 1100, 8, 8, 16, 1, 8, 12, false, 1, rng);
  // Wide rows: more than 16 blocks per block row (two vectors of them).
  checkWinograd(kernel, 16, 75, 75, 20, 1, 4, 24, false, 1, rng);
  checkWinograd(kernel, 16, 70, 70, 20, 0, 8, 12, true, 1, rng, true);
}

TEST(WinogradKernel, TwelveRowTilesMatchNaiveLoops) {
  sweepWinograd(ingot_sconv3x3_winograd_f32_mr12);
}
TEST(WinogradKernel, SixRowTilesMatchNaiveLoops) { sweepWinograd(ingot_sconv3x3_winograd_f32_mr6); }

TEST(WinogradKernel, RefusesTilesOffItsPanelsOrOfPartialRows) {
  std::vector<float> panels = winogradPanels(std::vector<float>(24 * 4 * 9, 1.0f), 24, 4);
  std::vector<float> x(4 * 8 * 8, 1.0f), c(24 * 36, 0.0f);
  int64_t size = panels.size();
  auto call = [&](int64_t row0, int64_t channels, int64_t filters, int64_t cols, int64_t ow) {
    return ingot_sconv3x3_winograd_f32_mr12(panels.data(), panels.data(), 0, size, 1, row0,
                                            channels, x.data(), x.data(), 0, 4, 8, 8, 64, 8, 1,
                                            c.data(), c.data(), 0, filters, cols, 36, 1, ow, 0, 0,
                                            1);
  };
  EXPECT_EQ(call(0, 4, 24, 36, 6), 0);
  EXPECT_EQ(call(6, 4, 12, 36, 6), 2);  // row0 not on a panel
  EXPECT_EQ(call(12, 4, 24, 36, 6), 2); // past the panels' filters
  EXPECT_EQ(call(0, 3, 24, 36, 6), 3);  // x has 4 channels
  EXPECT_EQ(call(0, 4, 24, 35, 6), 3);  // not whole output rows
}


using DepthwiseKernel = int32_t (*)(DEPTHWISE_ARGS);

struct DepthwiseCase {
  int64_t channels, h, w, kh, kw, sh, sw, dh, dw, top, left, bottom, right;
};

/// The output rows and columns of case `k`.
std::pair<int64_t, int64_t> depthwiseOutput(const DepthwiseCase &k) {
  return {(k.h + k.top + k.bottom - (k.kh - 1) * k.dh - 1) / k.sh + 1,
          (k.w + k.left + k.right - (k.kw - 1) * k.dw - 1) / k.sw + 1};
}

/// Output (i, j)'s sum, in double, over the taps (a, b) of case `k` that lie
/// inside the input, of weight(a, b) * input(y, x).
template <typename Weight, typename Input>
double depthwiseTaps(const DepthwiseCase &k, int64_t i, int64_t j, double sum, Weight weight,
                     Input input) {
  for (int64_t a = 0; a < k.kh; ++a)
    for (int64_t b = 0; b < k.kw; ++b) {
      int64_t y = i * k.sh + a * k.dh - k.top, xc = j * k.sw + b * k.dw - k.left;
      if (y >= 0 && y < k.h && xc >= 0 && xc < k.w)
        sum += double(weight(a, b)) * double(input(y, xc));
    }
  return sum;
}

/// One image's depthwise convolution in calls of `channelTile` channels
/// (x at column stride `cs`, the output inside rows `pitch` apart), against
/// naive loops in double; what lies past each output row is left as it was.
void checkDepthwise(DepthwiseKernel kernel, const DepthwiseCase &k, int64_t channelTile,
                    bool overwrite, int64_t cs, std::mt19937 &rng, bool contiguous = false) {
  std::uniform_real_distribution<float> dist(-1, 1);
  auto [oh, ow] = depthwiseOutput(k);
  ASSERT_GT(oh, 0);
  ASSERT_GT(ow, 0);
  // A contiguous output (rows ow apart) is written by whole vectors running
  // past each row into the next: the guard after the last plane must stay.
  int64_t taps = k.kh * k.kw, rs = k.w * cs, pitch = contiguous ? ow : ow + 3, plane = oh * pitch;
  std::vector<float> x(k.channels * k.h * rs), weights(k.channels * taps),
      c(k.channels * plane + 32);
  for (std::vector<float> *v : {&x, &weights, &c})
    for (float &e : *v)
      e = dist(rng);
  if (overwrite)
    for (int64_t ch = 0; ch < k.channels; ++ch)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j)
          c[ch * plane + i * pitch + j] = kGarbage;
  std::vector<float> before = c;
  for (int64_t c0 = 0; c0 < k.channels; c0 += channelTile) {
    int64_t n = std::min(channelTile, k.channels - c0);
    ASSERT_EQ(kernel(weights.data(), weights.data(), c0 * taps, n, taps, taps, 1, x.data(),
                     x.data(), c0 * k.h * rs, n, k.h, k.w, k.h * rs, rs, cs, c.data(), c.data(),
                     c0 * plane, n, oh, ow, plane, pitch, 1, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw,
                     -k.top, -k.left, overwrite),
              0);
  }
  for (int64_t at = k.channels * plane; at < (int64_t)c.size(); ++at)
    ASSERT_EQ(c[at], before[at]) << "wrote past the last plane (channels per call " << channelTile << ")";
  for (int64_t ch = 0; ch < k.channels; ++ch)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < pitch; ++j) {
        int64_t at = ch * plane + i * pitch + j;
        if (j >= ow) {
          ASSERT_EQ(c[at], before[at]) << "wrote past output row " << i << " of channel " << ch;
          continue;
        }
        double sum = depthwiseTaps(
            k, i, j, overwrite ? 0.0 : before[at],
            [&](int64_t a, int64_t b) { return weights[ch * taps + a * k.kw + b]; },
            [&](int64_t y, int64_t xc) { return x[(ch * k.h + y) * rs + xc * cs]; });
        ASSERT_NEAR(c[at], sum, 1e-5 * (1 + taps))
            << "C=" << k.channels << " " << k.h << "x" << k.w << " window " << k.kh << "x" << k.kw
            << " strides " << k.sh << "," << k.sw << " dilations " << k.dh << "," << k.dw
            << " pads " << k.top << "," << k.left << "," << k.bottom << "," << k.right
            << " channels per call " << channelTile << " overwrite=" << overwrite
            << " column stride " << cs << " at channel " << ch << " (" << i << ", " << j << ")";
      }
}

void sweepDepthwise(DepthwiseKernel kernel) {
  std::mt19937 rng(17);
  // MobileNetV2's: 3 x 3, pad 1, stride 1 and 2, 112 x 112 down to 7 x 7.
  for (int64_t size : {112, 56, 28, 14, 7})
    for (int64_t stride : {1, 2})
      checkDepthwise(kernel, {5, size, size, 3, 3, stride, stride, 1, 1, 1, 1, 1, 1}, 2,
                     stride == 1, 1, rng);
  std::uniform_int_distribution<int> channels(1, 9), size(1, 40), window(1, 5), step(1, 3),
      dilation(1, 2), pad(0, 2), tile(1, 4);
  for (int trial = 0; trial < 150; ++trial) {
    DepthwiseCase k{channels(rng), size(rng), size(rng), window(rng), window(rng), step(rng),
                    step(rng), dilation(rng), dilation(rng), pad(rng), pad(rng), pad(rng), pad(rng)};
    // Every window starts inside the padded input.
    k.h = std::max(k.h, (k.kh - 1) * k.dh + 1 - k.top - k.bottom);
    k.w = std::max(k.w, (k.kw - 1) * k.dw + 1 - k.left - k.right);
    checkDepthwise(kernel, k, tile(rng), trial % 2 == 0, trial % 5 == 1 ? 2 : 1, rng,
                   trial % 3 == 0);
  }
  // Contiguous planes smaller than a vector, and a tile ending mid-output.
  checkDepthwise(kernel, {6, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 4, true, 1, rng, true);
  checkDepthwise(kernel, {7, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 3, true, 1, rng, true);
  checkDepthwise(kernel, {5, 14, 14, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 2, true, 1, rng, true);
  // Planes in strips of rows (the kernel's L1 blocking): contiguous
  // strided 112 x 112, a tall dilated plane in many strips and a short
  // last one, rows so wide that a strip is one row.
  checkDepthwise(kernel, {3, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 2, true, 1, rng, true);
  checkDepthwise(kernel, {4, 151, 20, 5, 5, 1, 1, 2, 2, 4, 4, 4, 4}, 3, false, 1, rng, true);
  checkDepthwise(kernel, {2, 5, 3000, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 2, true, 1, rng);
  // Both column phases of a stride of 2 from one pass over a row: no left
  // padding (vectors from the first column), two columns of it, odd widths
  // that end one phase a column before the other, and the last rows of x
  // (a pair of loads would read past its end).
  checkDepthwise(kernel, {3, 9, 37, 3, 3, 1, 2, 1, 1, 0, 0, 0, 0}, 2, true, 1, rng, true);
  checkDepthwise(kernel, {2, 33, 65, 3, 3, 2, 2, 1, 1, 1, 2, 1, 2}, 1, false, 1, rng);
  checkDepthwise(kernel, {4, 17, 113, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2}, 3, true, 1, rng, true);
  checkDepthwise(kernel, {1, 3, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 1, true, 1, rng, true);
}

TEST(DepthwiseKernel, TwelveRowBuildMatchesNaiveLoops) { sweepDepthwise(ingot_sdwconv2d_f32_mr12); }
TEST(DepthwiseKernel, SixRowBuildMatchesNaiveLoops) { sweepDepthwise(ingot_sdwconv2d_f32_mr6); }

TEST(DepthwiseKernel, RefusesTooFewChannelsOrTaps) {
  std::vector<float> w(4 * 9, 1.0f), x(4 * 8 * 8, 1.0f), c(4 * 8 * 8, 0.0f);
  auto call = [&](int64_t wRows, int64_t xChannels, int64_t kh, int64_t stride) {
    return ingot_sdwconv2d_f32_mr12(w.data(), w.data(), 0, wRows, 9, 9, 1, x.data(), x.data(), 0,
                                    xChannels, 8, 8, 64, 8, 1, c.data(), c.data(), 0, 4, 8, 8, 64,
                                    8, 1, kh, 3, stride, 1, 1, 1, -1, -1, 1);
  };
  EXPECT_EQ(call(4, 4, 3, 1), 0);
  EXPECT_EQ(call(3, 4, 3, 1), 3); // w holds 3 channels of 4
  EXPECT_EQ(call(4, 3, 3, 1), 3); // x holds 3
  EXPECT_EQ(call(4, 4, 4, 1), 3); // 12 taps, w has 9 columns
  EXPECT_EQ(call(4, 4, 3, 0), 3); // a zero stride
}

/// One channels-last image's depthwise convolution in calls of `rowTile`
/// output rows (as a region's tiles call it), x's points `pointPad` floats
/// apart beyond its channels and the output's likewise, against naive
/// loops in double; what lies between the points is left as it was.
void checkDepthwiseNhwc(DepthwiseKernel kernel, const DepthwiseCase &k, int64_t rowTile,
                        bool overwrite, int64_t pointPad, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  auto [oh, ow] = depthwiseOutput(k);
  ASSERT_GT(oh, 0);
  ASSERT_GT(ow, 0);
  int64_t taps = k.kh * k.kw, ch = k.channels, xp = ch + pointPad, op = ch + pointPad;
  std::vector<float> x(k.h * k.w * xp), weights(taps * ch), c(oh * ow * op);
  for (std::vector<float> *v : {&x, &weights, &c})
    for (float &e : *v)
      e = dist(rng);
  if (overwrite)
    for (int64_t p = 0; p < oh * ow; ++p)
      for (int64_t i = 0; i < ch; ++i)
        c[p * op + i] = kGarbage;
  std::vector<float> before = c;
  for (int64_t r0 = 0; r0 < oh; r0 += rowTile) {
    int64_t rows = std::min(rowTile, oh - r0);
    ASSERT_EQ(kernel(weights.data(), weights.data(), 0, taps, ch, ch, 1, x.data(), x.data(), 0,
                     k.h, k.w, xp, k.w * xp, xp, 1, c.data(), c.data(), r0 * ow * op, rows, ow, ch,
                     ow * op, op, 1, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, r0 * k.sh - k.top, -k.left,
                     overwrite),
              0);
  }
  for (int64_t i = 0; i < oh; ++i)
    for (int64_t j = 0; j < ow; ++j)
      for (int64_t e = 0; e < op; ++e) {
        int64_t at = (i * ow + j) * op + e;
        if (e >= ch) {
          ASSERT_EQ(c[at], before[at]) << "wrote between points at (" << i << ", " << j << ")";
          continue;
        }
        double sum = depthwiseTaps(
            k, i, j, overwrite ? 0.0 : before[at],
            [&](int64_t a, int64_t b) { return weights[(a * k.kw + b) * ch + e]; },
            [&](int64_t y, int64_t xc) { return x[(y * k.w + xc) * xp + e]; });
        ASSERT_NEAR(c[at], sum, 1e-5 * (1 + taps))
            << "C=" << ch << " " << k.h << "x" << k.w << " window " << k.kh << "x" << k.kw
            << " strides " << k.sh << "," << k.sw << " dilations " << k.dh << "," << k.dw
            << " pads " << k.top << "," << k.left << "," << k.bottom << "," << k.right
            << " rows per call " << rowTile << " overwrite=" << overwrite << " point pad "
            << pointPad << " at (" << i << ", " << j << ") channel " << e;
      }
}

void sweepDepthwiseNhwc(DepthwiseKernel kernel) {
  std::mt19937 rng(23);
  // MobileNetV2's: 3 x 3, pad 1, stride 1 and 2, its channel counts (whole
  // blocks of 64, single vectors, a last 8 one by one).
  for (auto [channels, size] : {std::pair<int64_t, int64_t>{32, 112}, {96, 56}, {144, 28},
                                {24, 14}, {960, 7}})
    for (int64_t stride : {1, 2})
      checkDepthwiseNhwc(kernel, {channels, size, size, 3, 3, stride, stride, 1, 1, 1, 1, 1, 1}, 3,
                         stride == 1, 0, rng);
  std::uniform_int_distribution<int> channels(1, 70), size(1, 30), window(1, 5), step(1, 3),
      dilation(1, 2), pad(0, 2), tile(1, 5), pointPad(0, 3);
  for (int trial = 0; trial < 150; ++trial) {
    DepthwiseCase k{channels(rng), size(rng), size(rng), window(rng), window(rng), step(rng),
                    step(rng), dilation(rng), dilation(rng), pad(rng), pad(rng), pad(rng), pad(rng)};
    k.h = std::max(k.h, (k.kh - 1) * k.dh + 1 - k.top - k.bottom);
    k.w = std::max(k.w, (k.kw - 1) * k.dw + 1 - k.left - k.right);
    checkDepthwiseNhwc(kernel, k, tile(rng), trial % 2 == 0, pointPad(rng), rng);
  }
  // Windows wider than the input: no point has all its taps inside; rows
  // and points whose every tap is in the padding.
  checkDepthwiseNhwc(kernel, {17, 2, 2, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2}, 1, true, 0, rng);
  checkDepthwiseNhwc(kernel, {16, 3, 3, 3, 3, 1, 1, 1, 1, 4, 4, 4, 4}, 2, true, 1, rng);
  checkDepthwiseNhwc(kernel, {16, 3, 3, 3, 3, 1, 1, 1, 1, 4, 4, 4, 4}, 2, false, 1, rng);
}

TEST(DepthwiseNhwcKernel, TwelveRowBuildMatchesNaiveLoops) {
  sweepDepthwiseNhwc(ingot_sdwconv2d_nhwc_f32_mr12);
}
TEST(DepthwiseNhwcKernel, SixRowBuildMatchesNaiveLoops) {
  sweepDepthwiseNhwc(ingot_sdwconv2d_nhwc_f32_mr6);
}

TEST(DepthwiseNhwcKernel, RefusesTooFewChannelsOrStridedChannels) {
  std::vector<float> w(9 * 4, 1.0f), x(8 * 8 * 4, 1.0f), c(8 * 8 * 4, 0.0f);
  auto call = [&](int64_t wCols, int64_t xChannels, int64_t xChannelStride, int64_t kh) {
    return ingot_sdwconv2d_nhwc_f32_mr12(w.data(), w.data(), 0, 9, wCols, 4, 1, x.data(), x.data(),
                                         0, 8, 8, xChannels, 32, 4, xChannelStride, c.data(),
                                         c.data(), 0, 8, 8, 4, 32, 4, 1, kh, 3, 1, 1, 1, 1, -1, -1,
                                         1);
  };
  EXPECT_EQ(call(4, 4, 1, 3), 0);
  EXPECT_EQ(call(3, 4, 1, 3), 3); // w holds 3 channels of 4
  EXPECT_EQ(call(4, 3, 1, 3), 3); // x holds 3
  EXPECT_EQ(call(4, 4, 2, 3), 3); // x's channels strided
  EXPECT_EQ(call(4, 4, 1, 4), 3); // 12 taps, w has 9 rows
}

} // namespace
