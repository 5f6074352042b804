//===- SgemmKernelTest.cpp - The sgemm micro-kernel against a naive loop --===//
//
// Both variants of ukernels/sgemm.c (12 and 6 rows per tile), built for the
// host, over random shapes around the tile and block sizes (remainders in
// M, N and K, the small-M path that reads B in place, M = 1) and strides (a
// transposed A or B, a C inside a larger matrix).
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#define MATRIX_ARGS(p) float *, float *, int64_t, int64_t, int64_t, int64_t, int64_t
extern "C" int32_t ingot_sgemm_f32_mr12(MATRIX_ARGS(a), MATRIX_ARGS(b), MATRIX_ARGS(c));
extern "C" int32_t ingot_sgemm_f32_mr6(MATRIX_ARGS(a), MATRIX_ARGS(b), MATRIX_ARGS(c));

namespace {

using Kernel = int32_t (*)(MATRIX_ARGS(a), MATRIX_ARGS(b), MATRIX_ARGS(c));

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
           std::mt19937 &rng) {
  View a = makeView(m, k, transA, 3, rng), b = makeView(k, n, transB, 5, rng);
  View c = makeView(m, n, false, 7, rng);
  std::vector<double> want(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = c.at(i, j);
      for (int64_t p = 0; p < k; ++p)
        sum += double(a.at(i, p)) * double(b.at(p, j));
      want[i * n + j] = sum;
    }
  std::vector<float> padding(c.data.begin(), c.data.end());
  ASSERT_EQ(kernel(a.data.data(), a.data.data(), 0, m, k, a.s0, a.s1, b.data.data(), b.data.data(),
                   0, k, n, b.s0, b.s1, c.data.data(), c.data.data(), 0, m, n, c.s0, c.s1),
            0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      ASSERT_NEAR(c.at(i, j), want[i * n + j], 1e-4 * (1 + std::sqrt(double(k))))
          << "M=" << m << " N=" << n << " K=" << k << " transA=" << transA
          << " transB=" << transB << " at (" << i << ", " << j << ")";
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
          trial % 4 == 2, rng);
  // Past one block of each loop: K > 256, N > 512, M > 10 tiles.
  check(kernel, 130, 530, 300, false, false, rng);
  check(kernel, 1, 700, 600, false, true, rng);
}

TEST(SgemmKernel, TwelveRowTilesMatchNaiveLoops) { sweep(ingot_sgemm_f32_mr12); }
TEST(SgemmKernel, SixRowTilesMatchNaiveLoops) { sweep(ingot_sgemm_f32_mr6); }

TEST(SgemmKernel, EmptyProductsLeaveCAlone) {
  float c[4] = {1, 2, 3, 4};
  float x = 0;
  EXPECT_EQ(ingot_sgemm_f32_mr12(&x, &x, 0, 2, 0, 0, 1, &x, &x, 0, 0, 2, 2, 1, c, c, 0, 2, 2, 2, 1), 0);
  EXPECT_EQ(c[0], 1);
  EXPECT_EQ(c[3], 4);
}

} // namespace
