//===- KernelBenchmarks.cpp - Each micro-kernel on its own ----------------===//
//
// Google Benchmark of the entry points of targets/cpu/ukernels/sgemm.c, in
// the 12 x 32 (AVX-512) and 6 x 16 (AVX2) variants built for this host, on
// the shapes the model benchmarks spend their time in: the GEMMs of
// bench/compare.py (B packed at run time, or from compile-time panels),
// ResNet-50's 3x3 layers (direct with packed filters, and Winograd), and a
// 1x1 convolution as a GEMM with constant A. Each reports GFLOP/s of the
// direct multiply-adds (2 per MAC, Winograd counted as the direct
// convolution it replaces) and its fraction of `--peak` (GFLOP/s of one
// core, as bench/peak_fma.c measures it; 0 leaves the column out).
//
//   build/bench/kernels/ingot-kernel-bench --peak=134
//   build/bench/kernels/ingot-kernel-bench --benchmark_filter=Winograd
//
//===----------------------------------------------------------------------===//

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#define MATRIX_ARGS float *, float *, int64_t, int64_t, int64_t, int64_t, int64_t
#define PANEL_ARGS float *, float *, int64_t, int64_t, int64_t, int64_t, int64_t
#define VOLUME_ARGS float *, float *, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t
#define DECLARE(mr)                                                                               \
  extern "C" int32_t bench_sgemm_mr##mr(MATRIX_ARGS, MATRIX_ARGS, MATRIX_ARGS, int32_t);          \
  extern "C" int32_t bench_sgemm_bpanels_mr##mr(MATRIX_ARGS, PANEL_ARGS, MATRIX_ARGS, int32_t);   \
  extern "C" int32_t bench_sgemm_panels_mr##mr(PANEL_ARGS, MATRIX_ARGS, MATRIX_ARGS, int32_t);    \
  extern "C" int32_t bench_sconv2d_panels_mr##mr(PANEL_ARGS, VOLUME_ARGS, MATRIX_ARGS, int64_t,   \
                                                 int64_t, int64_t, int64_t, int64_t, int64_t,     \
                                                 int64_t, int64_t, int64_t, int32_t);             \
  extern "C" int32_t bench_winograd_mr##mr(PANEL_ARGS, VOLUME_ARGS, MATRIX_ARGS, int64_t, int64_t, \
                                           int64_t, int32_t);                                     \
  extern "C" int32_t bench_dwconv2d_mr##mr(MATRIX_ARGS, VOLUME_ARGS, VOLUME_ARGS, int64_t,        \
                                           int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,  \
                                           int64_t, int32_t);
DECLARE(12)
DECLARE(6)

namespace {

double peakGflops = 0; // --peak

std::vector<float> random(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Each kernel's panels are a layout of their own; their contents do not
/// change the speed, so the benchmarks fill them with random values of the
/// right size: ceil(lines / width) * width * k floats.
std::vector<float> panels(int64_t lines, int64_t k, int64_t width, int parts = 1) {
  return random(size_t(parts) * ((lines + width - 1) / width) * width * k, 7);
}

void report(benchmark::State &state, double flops) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  if (peakGflops > 0)
    state.counters["of peak"] = benchmark::Counter(
        flops / (peakGflops * 1e9), benchmark::Counter::kIsIterationInvariantRate);
}

void check(benchmark::State &state, int32_t status) {
  if (status != 0)
    state.SkipWithError(("kernel status " + std::to_string(status)).c_str());
}

/// C[m, n] = A[m, k] B[k, n], both packed at run time.
template <auto Kernel>
void Gemm(benchmark::State &state) {
  int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  std::vector<float> a = random(m * k, 1), b = random(k * n, 2), c(m * n);
  for (auto _ : state) {
    check(state, Kernel(a.data(), a.data(), 0, m, k, k, 1, b.data(), b.data(), 0, k, n, n, 1,
                        c.data(), c.data(), 0, m, n, n, 1, 1));
    benchmark::ClobberMemory();
  }
  report(state, 2.0 * m * n * k);
}

/// The same with B constant, from 16-column panels (a MatMul's weights).
template <auto Kernel>
void GemmConstantB(benchmark::State &state) {
  int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  std::vector<float> a = random(m * k, 1), p = panels(n, k, 16), c(m * n);
  for (auto _ : state) {
    check(state, Kernel(a.data(), a.data(), 0, m, k, k, 1, p.data(), p.data(), 0, p.size(), 1, 0,
                        k, c.data(), c.data(), 0, m, n, n, 1, 1));
    benchmark::ClobberMemory();
  }
  report(state, 2.0 * m * n * k);
}

/// A 1x1 convolution: C[filters, pixels] = W[filters, channels] X, W from
/// 12-row panels.
template <auto Kernel>
void PointwiseConv(benchmark::State &state) {
  int64_t f = state.range(0), ch = state.range(1), pixels = state.range(2);
  std::vector<float> p = panels(f, ch, 12), x = random(ch * pixels, 2), c(f * pixels);
  for (auto _ : state) {
    check(state, Kernel(p.data(), p.data(), 0, p.size(), 1, 0, ch, x.data(), x.data(), 0, ch,
                        pixels, pixels, 1, c.data(), c.data(), 0, f, pixels, pixels, 1, 1));
    benchmark::ClobberMemory();
  }
  report(state, 2.0 * f * ch * pixels);
}

/// A padded 3x3 stride-1 convolution of size x size x channels to
/// `filters`, calls of `rows` output rows by every filter, as
/// cpu-tile-dispatch-regions tiles it.
template <auto Kernel>
void DirectConv3x3(benchmark::State &state) {
  int64_t f = state.range(0), ch = state.range(1), size = state.range(2), rows = state.range(3);
  std::vector<float> p = panels(f, ch * 9, 12), x = random(ch * size * size, 2), c(f * size * size);
  for (auto _ : state) {
    for (int64_t r0 = 0; r0 < size; r0 += rows)
      check(state, Kernel(p.data(), p.data(), 0, p.size(), 1, 0, ch * 9, x.data(), x.data(), 0, ch,
                          size, size, size * size, size, 1, c.data(), c.data(), r0 * size, f,
                          std::min(rows, size - r0) * size, size * size, 1, 3, 3, 1, 1, 1, 1, size,
                          r0 - 1, -1, 1));
    benchmark::ClobberMemory();
  }
  report(state, 2.0 * f * ch * 9 * size * size);
}

/// A padded k x k stride-s convolution of a size x size image of `ch`
/// channels (a network's first layer: 3 channels, 224 x 224) to
/// `filters`, calls of `rows` output rows as cpu-tile-dispatch-regions
/// tiles it.
template <auto Kernel>
void StridedConv(benchmark::State &state) {
  int64_t f = state.range(0), ch = state.range(1), size = state.range(2), k = state.range(3),
          s = state.range(4), rows = state.range(5);
  int64_t out = (size + 2 * (k / 2) - k) / s + 1;
  std::vector<float> p = panels(f, ch * k * k, 12), x = random(ch * size * size, 2),
                     c(f * out * out);
  for (auto _ : state) {
    for (int64_t r0 = 0; r0 < out; r0 += rows)
      check(state, Kernel(p.data(), p.data(), 0, p.size(), 1, 0, ch * k * k, x.data(), x.data(), 0,
                          ch, size, size, size * size, size, 1, c.data(), c.data(), r0 * out, f,
                          std::min(rows, out - r0) * out, out * out, 1, k, k, s, s, 1, 1, out,
                          r0 * s - k / 2, -(k / 2), 1));
    benchmark::ClobberMemory();
  }
  report(state, 2.0 * f * ch * k * k * out * out);
}

/// A padded k x k stride-s depthwise convolution of `ch` channels of
/// size x size, `tile` channels per call as cpu-tile-dispatch-regions
/// tiles it.
template <auto Kernel>
void DepthwiseConv(benchmark::State &state) {
  int64_t ch = state.range(0), size = state.range(1), k = state.range(2), s = state.range(3),
          tile = state.range(4);
  int64_t out = (size + 2 * (k / 2) - k) / s + 1, plane = out * out;
  std::vector<float> w = random(ch * k * k, 1), x = random(ch * size * size, 2), c(ch * plane);
  for (auto _ : state) {
    for (int64_t c0 = 0; c0 < ch; c0 += tile) {
      int64_t n = std::min(tile, ch - c0);
      check(state, Kernel(w.data(), w.data(), c0 * k * k, n, k * k, k * k, 1, x.data(), x.data(),
                          c0 * size * size, n, size, size, size * size, size, 1, c.data(), c.data(),
                          c0 * plane, n, out, out, plane, out, 1, k, k, s, s, 1, 1, -(k / 2),
                          -(k / 2), 1));
    }
    benchmark::ClobberMemory();
  }
  report(state, 2.0 * ch * k * k * plane);
}

/// The same convolution by Winograd F(4x4, 3x3), in the tiles
/// chooseWinogradTile picks (rows per call as given).
template <auto Kernel>
void WinogradConv3x3(benchmark::State &state) {
  int64_t f = state.range(0), ch = state.range(1), size = state.range(2), rows = state.range(3);
  std::vector<float> u = panels(f, ch, 12, 36), x = random(ch * size * size, 2), c(f * size * size);
  for (auto _ : state) {
    for (int64_t r0 = 0; r0 < size; r0 += rows)
      check(state, Kernel(u.data(), u.data(), 0, u.size(), 1, 0, ch, x.data(), x.data(), 0, ch, size,
                          size, size * size, size, 1, c.data(), c.data(), r0 * size, f,
                          std::min(rows, size - r0) * size, size * size, 1, size, r0 - 1, -1, 1));
    benchmark::ClobberMemory();
  }
  report(state, 2.0 * f * ch * 9 * size * size);
}

#define GEMM_SHAPES                                                                               \
  ->Args({1024, 1024, 1024})->Args({128, 768, 768})->Args({128, 768, 3072})                        \
      ->Args({128, 3072, 768})->Args({1, 768, 768})->Unit(benchmark::kMillisecond)
// ResNet-50's stages: 56 x 56 x 64 (a block row per Winograd call, 8
// direct rows), 28 x 28 x 128, 14 x 14 x 256.
#define CONV_SHAPES                                                                               \
  ->Args({64, 64, 56, 4})->Args({128, 128, 28, 8})->Args({256, 256, 14, 16})                      \
      ->Unit(benchmark::kMillisecond)
#define CONV_DIRECT_SHAPES                                                                        \
  ->Args({64, 64, 56, 8})->Args({128, 128, 28, 8})->Args({256, 256, 14, 14})                      \
      ->Unit(benchmark::kMillisecond)

BENCHMARK(Gemm<bench_sgemm_mr12>)->Name("Gemm/12x32") GEMM_SHAPES;
BENCHMARK(Gemm<bench_sgemm_mr6>)->Name("Gemm/6x16") GEMM_SHAPES;
BENCHMARK(GemmConstantB<bench_sgemm_bpanels_mr12>)->Name("GemmConstantB/12x32") GEMM_SHAPES;
BENCHMARK(GemmConstantB<bench_sgemm_bpanels_mr6>)->Name("GemmConstantB/6x16") GEMM_SHAPES;
// ResNet-50's 1x1 layers: 256 -> 64 at 56 x 56, 512 -> 128 at 28 x 28, 1024 -> 256 at 14 x 14.
BENCHMARK(PointwiseConv<bench_sgemm_panels_mr12>)->Name("PointwiseConv/12x32")
    ->Args({64, 256, 3136})->Args({128, 512, 784})->Args({256, 1024, 196})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(DirectConv3x3<bench_sconv2d_panels_mr12>)->Name("DirectConv3x3/12x32") CONV_DIRECT_SHAPES;
BENCHMARK(DirectConv3x3<bench_sconv2d_panels_mr6>)->Name("DirectConv3x3/6x16") CONV_DIRECT_SHAPES;
// First layers: SqueezeNet's and MobileNetV2's 3x3/2 (4 output rows per
// call), ResNet-50's 7x7/2 (2 rows); then both in 16-row calls, what the
// tiling passes a 7x7 stem in a model.
BENCHMARK(StridedConv<bench_sconv2d_panels_mr12>)->Name("StridedConv/12x32")
    ->Args({64, 3, 224, 3, 2, 4})->Args({32, 3, 224, 3, 2, 4})->Args({64, 3, 224, 7, 2, 2})
    ->Args({64, 3, 224, 7, 2, 16})->Args({64, 3, 224, 3, 2, 16})
    ->Unit(benchmark::kMillisecond);
// MobileNetV2's depthwise layers: 3x3/1 at 112 x 112 x 32, 56 x 56 x 144
// (3x3/2 from 112), 14 x 14 x 384; 48 channels a call at most.
BENCHMARK(DepthwiseConv<bench_dwconv2d_mr12>)->Name("DepthwiseConv/16")
    ->Args({32, 112, 3, 1, 4})->Args({144, 112, 3, 2, 18})->Args({384, 14, 3, 1, 48})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(WinogradConv3x3<bench_winograd_mr12>)->Name("WinogradConv3x3/12x32") CONV_SHAPES;
BENCHMARK(WinogradConv3x3<bench_winograd_mr6>)->Name("WinogradConv3x3/6x16") CONV_SHAPES;

} // namespace

int main(int argc, char **argv) {
  // --peak=G (GFLOP/s of one core) before Google Benchmark's own flags.
  std::vector<char *> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--peak=", 7) == 0)
      peakGflops = std::atof(argv[i] + 7);
    else
      rest.push_back(argv[i]);
  }
  int count = rest.size();
  benchmark::Initialize(&count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(count, rest.data()))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
