/*===- peak_fma.c - This machine's fp32 FMA peak, per core ----------------===*
 *
 * 16 independent AVX-512 FMA chains (enough to cover the FMA latency on two
 * pipes) for a fixed number of iterations; prints GFLOP/s of one thread.
 * Built by bench/compare.py with clang -O2 -mavx512f.
 *===----------------------------------------------------------------------===*/

#include <immintrin.h>
#include <stdio.h>
#include <time.h>

int main(void) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i)
    acc[i] = _mm512_set1_ps((float)i * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  const long iterations = 50000000;
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long n = 0; n < iterations; ++n)
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  clock_gettime(CLOCK_MONOTONIC, &end);
  __m512 sum = acc[0];
  for (int i = 1; i < 16; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  double seconds = (end.tv_sec - start.tv_sec) + 1e-9 * (end.tv_nsec - start.tv_nsec);
  double flops = 2.0 * 16 * 16 * iterations;
  printf("%.1f\n", flops / seconds / 1e9);
  return _mm512_reduce_add_ps(sum) == 12345.0f; /* keep the result alive */
}
