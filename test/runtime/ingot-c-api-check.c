/*===- ingot-c-api-check.c - The runtime's C API, used from C -------------===*
 *
 *   ingot-c-api-check model.ingot BATCH RUNS
 *
 * Loads the artifact through the C API, feeds every input filled with ones
 * (symbolic dims set to BATCH), prints each output's shape and sum, then runs
 * RUNS more times counting the heap allocations those steady-state runs make
 * (malloc and friends are interposed here) and prints the count; then takes
 * output 0 over, runs once more with the first input element doubled, and
 * prints the taken output's sum again. Exit 1 with the runtime's message on
 * any error.
 *===----------------------------------------------------------------------===*/

#include "ingot/runtime.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static int counting;
static unsigned long allocations;

void *malloc(size_t n) {
  allocations += counting;
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) {
  allocations += counting;
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) {
  allocations += counting;
  return __libc_realloc(p, n);
}
void *aligned_alloc(size_t alignment, size_t n) {
  allocations += counting;
  return __libc_memalign(alignment, n);
}
int posix_memalign(void **out, size_t alignment, size_t n) {
  allocations += counting;
  *out = __libc_memalign(alignment, n);
  return *out ? 0 : 12;
}

static int fail(const char *what) {
  fprintf(stderr, "ingot-c-api-check: %s: %s\n", what, ingot_last_error());
  return 1;
}

static void fill_ones(void *data, ingot_dtype dtype, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    char *at = (char *)data + i * ingot_dtype_size(dtype);
    if (dtype == INGOT_FLOAT32) {
      float one = 1.0f;
      memcpy(at, &one, sizeof one);
    } else if (dtype == INGOT_FLOAT64) {
      double one = 1.0;
      memcpy(at, &one, sizeof one);
    } else {
      *at = 1; /* integers and bools, little-endian */
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: ingot-c-api-check model.ingot BATCH RUNS\n");
    return 1;
  }
  int64_t batch = atoll(argv[2]);
  int runs = atoi(argv[3]);
  ingot_model *model = ingot_model_load(argv[1], 1);
  if (!model)
    return fail("load");
  int32_t count = ingot_model_num_inputs(model);
  ingot_tensor inputs[16];
  int64_t dims[16][8];
  if (count > 16)
    return fail("too many inputs for this check");
  for (int32_t i = 0; i < count; ++i) {
    ingot_tensor_info info;
    if (ingot_model_input(model, i, &info) != 0 || info.rank > 8)
      return fail("input info");
    int64_t elements = 1;
    for (int32_t d = 0; d < info.rank; ++d) {
      dims[i][d] = info.dims[d] < 0 ? batch : info.dims[d];
      elements *= dims[i][d];
    }
    void *data = malloc(elements * ingot_dtype_size(info.dtype) + 1);
    fill_ones(data, info.dtype, elements);
    inputs[i] = (ingot_tensor){info.name, info.dtype, info.rank, dims[i], data};
  }
  ingot_session *session = ingot_session_create(model);
  if (!session)
    return fail("session");
  for (int warmup = 0; warmup < 2; ++warmup)
    if (ingot_session_run(session, inputs, count) != 0)
      return fail("run");
  for (int32_t o = 0; o < ingot_model_num_outputs(model); ++o) {
    ingot_tensor out;
    if (ingot_session_output(session, o, &out) != 0)
      return fail("output");
    int64_t elements = 1;
    printf("%s: %s [", out.name, ingot_dtype_name(out.dtype));
    for (int32_t d = 0; d < out.rank; ++d) {
      printf(d ? ",%lld" : "%lld", (long long)out.dims[d]);
      elements *= out.dims[d];
    }
    double sum = 0;
    for (int64_t i = 0; out.dtype == INGOT_FLOAT32 && i < elements; ++i)
      sum += ((const float *)out.data)[i];
    printf("] sum %.6g\n", sum);
  }
  counting = 1;
  for (int r = 0; r < runs; ++r)
    if (ingot_session_run(session, inputs, count) != 0) {
      counting = 0;
      return fail("run");
    }
  counting = 0;
  printf("heap allocations in %d steady-state runs: %lu\n", runs, allocations);
  /* An output taken over outlives the next run. */
  ingot_tensor taken;
  void *owner;
  if (ingot_session_take_output(session, 0, &taken, &owner) != 0)
    return fail("take output");
  int64_t taken_elements = 1;
  for (int32_t d = 0; d < taken.rank; ++d)
    taken_elements *= taken.dims[d];
  for (int32_t i = 0; i < count; ++i)
    if (inputs[i].dtype == INGOT_FLOAT32)
      ((float *)inputs[i].data)[0] = 2.0f;
  if (ingot_session_run(session, inputs, count) != 0)
    return fail("run");
  double taken_sum = 0;
  for (int64_t i = 0; taken.dtype == INGOT_FLOAT32 && i < taken_elements; ++i)
    taken_sum += ((const float *)taken.data)[i];
  printf("taken output after another run: sum %.6g\n", taken_sum);
  /* Per-region times of three runs, each region named by its nodes. */
  if (ingot_session_set_profiling(session, 1) != 0)
    return fail("set profiling");
  for (int r = 0; r < 3; ++r)
    if (ingot_session_run(session, inputs, count) != 0)
      return fail("run");
  int64_t profiled_runs = 0;
  double profiled_seconds = 0, region_seconds = 0;
  ingot_region_time regions[16];
  int32_t region_count = ingot_session_profile(session, regions, 16, &profiled_runs,
                                               &profiled_seconds);
  if (region_count < 0 || region_count > 16)
    return fail("profile");
  printf("profile of %lld runs: %d regions\n", (long long)profiled_runs, region_count);
  for (int32_t i = 0; i < region_count; ++i) {
    printf("region %s: %lld calls, nodes '%s'\n", regions[i].function,
           (long long)regions[i].calls, regions[i].nodes);
    region_seconds += regions[i].seconds;
  }
  printf("regions within the runs' time: %s\n",
         region_seconds > 0 && region_seconds <= profiled_seconds ? "yes" : "no");
  ingot_buffer_free(owner);
  ingot_session_free(session);
  ingot_model_free(model);
  for (int32_t i = 0; i < count; ++i)
    free(inputs[i].data);
  return 0;
}
