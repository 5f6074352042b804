//===- Builtins.cpp - The functions generated code may call ---------------===//
//
// Generated code imports a few C library functions (allocation, memcpy,
// libm's float functions) and MLIR's memrefCopy helper. The runtime provides
// exactly these; an object importing anything else is refused at load.
// Allocation goes to the running session's BufferPool.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/BufferPool.h"
#include "runtime/src/ObjectLoader.h"
#include "runtime/src/RegionProfile.h"
#include "runtime/src/RunErrors.h"
#include "runtime/src/ThreadPool.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace ingot::runtime {
namespace {

/// MLIR's unranked memref as passed to memrefCopy: rank and a pointer to a
/// ranked descriptor {allocated, aligned, offset, sizes[rank], strides[rank]}.
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

struct DescriptorView {
  char *aligned;
  int64_t offset;
  const int64_t *sizes;
  const int64_t *strides;

  explicit DescriptorView(const UnrankedMemRef &m) {
    auto *words = static_cast<int64_t *>(m.descriptor);
    aligned = reinterpret_cast<char *>(words[1]);
    offset = words[2];
    sizes = words + 3;
    strides = words + 3 + m.rank;
  }
};

/// Copies between two memrefs of the same shape and any strides: dims that
/// are contiguous in both are merged, and a run of the innermost dim that
/// is contiguous in both is one memmove (a padded convolution input is
/// copied row by row, not an element at a time with a multi-index step
/// each: that made the copy cost more than the convolution).
extern "C" void ingotMemrefCopy(int64_t elementBytes, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  if (rank > 16)
    std::abort();
  DescriptorView from(*src), to(*dst);
  int64_t sizes[16], fromStrides[16], toStrides[16], dims = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (from.sizes[d] == 0)
      return;
    if (from.sizes[d] == 1)
      continue;
    if (dims > 0 && fromStrides[dims - 1] == from.strides[d] * from.sizes[d] &&
        toStrides[dims - 1] == to.strides[d] * from.sizes[d]) {
      sizes[dims - 1] *= from.sizes[d];
      fromStrides[dims - 1] = from.strides[d];
      toStrides[dims - 1] = to.strides[d];
      continue;
    }
    sizes[dims] = from.sizes[d];
    fromStrides[dims] = from.strides[d];
    toStrides[dims] = to.strides[d];
    ++dims;
  }
  if (dims == 0) {
    sizes[0] = 1, fromStrides[0] = toStrides[0] = 1;
    dims = 1;
  }
  int64_t run = sizes[dims - 1], fromStep = fromStrides[dims - 1], toStep = toStrides[dims - 1];
  bool contiguous = fromStep == 1 && toStep == 1;
  int64_t outer = 1;
  for (int64_t d = 0; d + 1 < dims; ++d)
    outer *= sizes[d];
  int64_t index[16] = {0};
  int64_t srcOffset = from.offset, dstOffset = to.offset;
  for (int64_t n = 0; n < outer; ++n) {
    char *target = to.aligned + dstOffset * elementBytes;
    const char *source = from.aligned + srcOffset * elementBytes;
    if (contiguous)
      std::memmove(target, source, run * elementBytes);
    else
      for (int64_t e = 0; e < run; ++e)
        std::memcpy(target + e * toStep * elementBytes, source + e * fromStep * elementBytes,
                    elementBytes);
    // Advance the multi-index over the outer dims, innermost first.
    for (int64_t d = dims - 2; d >= 0; --d) {
      ++index[d];
      srcOffset += fromStrides[d];
      dstOffset += toStrides[d];
      if (index[d] < sizes[d])
        break;
      srcOffset -= fromStrides[d] * sizes[d];
      dstOffset -= toStrides[d] * sizes[d];
      index[d] = 0;
    }
  }
}

/// An allocation the machine cannot serve fails the run (the code would
/// otherwise write through a null pointer).
static void *allocated(void *pointer, size_t bytes) {
  if (pointer || bytes == 0)
    return pointer;
  if (RunErrors *errors = RunErrors::current(); errors && !errors->failed())
    errors->report(("out of memory: cannot allocate a buffer of " + std::to_string(bytes) +
                    " bytes")
                       .c_str());
  RunErrors::jumpOut();
  return nullptr;
}

extern "C" void *ingotMalloc(size_t bytes) {
  BufferPool *pool = BufferPool::current();
  return allocated(pool ? pool->allocate(bytes) : std::malloc(bytes), bytes);
}

extern "C" void *ingotAlignedAlloc(size_t alignment, size_t bytes) {
  BufferPool *pool = BufferPool::current();
  if (pool && alignment <= 64)
    return allocated(pool->allocate(bytes), bytes);
  if (alignment == 0 || bytes > (size_t(1) << 62))
    return allocated(nullptr, bytes);
  return allocated(std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment),
                   bytes);
}

extern "C" void ingotFree(void *pointer) {
  if (BufferPool *pool = BufferPool::current())
    pool->release(pointer);
  else
    std::free(pointer);
}

/// Parallel loops of the generated code (cpu-outline-parallel-loops).
extern "C" void ingotParallelFor(ParallelBody body, void *context, int64_t units, int64_t grain) {
  RegionProfile *profile = RegionProfile::current();
  auto start = profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
  if (ThreadPool *pool = ThreadPool::current())
    pool->parallelFor(body, context, units, grain);
  else
    body(context, 0, units);
  if (profile)
    profile->record(reinterpret_cast<const void *>(body),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  // A chunk that failed a fatal check ended only itself: the run ends here.
  if (RunErrors *errors = RunErrors::current(); errors && errors->failed())
    RunErrors::jumpOut();
}

/// A fatal check failed (cpu-report-failed-checks): `message` names the
/// node, with {0}..{3} standing for the values. Never returns into the code
/// while the run has a jump target.
extern "C" void ingotCheckFailed(const char *message, int64_t v0, int64_t v1, int64_t v2,
                                 int64_t v3) {
  if (RunErrors *errors = RunErrors::current(); errors && !errors->failed()) {
    const int64_t values[] = {v0, v1, v2, v3};
    std::string text;
    for (const char *c = message ? message : "a run-time check failed"; *c; ++c) {
      if (c[0] == '{' && c[1] >= '0' && c[1] <= '3' && c[2] == '}') {
        text += std::to_string(values[c[1] - '0']);
        c += 2;
      } else {
        text += *c;
      }
    }
    errors->report(text.c_str());
  }
  RunErrors::jumpOut();
}

/// Failed run-time checks (cpu-report-failed-checks) arrive as puts(message).
extern "C" int ingotReportFailedCheck(const char *message) {
  if (RunErrors *errors = RunErrors::current())
    errors->report(message);
  return 0;
}

/// Conversions to bfloat16 and float16 LLVM leaves to compiler-rt: round to
/// nearest even, NaN kept a (quiet) NaN. Both types are returned in xmm0 as
/// x86-64 returns float16, hence the _Float16 carrying bfloat16 bits.
static _Float16 bitsAsHalf(uint16_t bits) {
  _Float16 h;
  std::memcpy(&h, &bits, sizeof(h));
  return h;
}
static uint16_t floatToBfloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}
extern "C" _Float16 ingotTruncSfBf2(float value) { return bitsAsHalf(floatToBfloat16(value)); }
extern "C" _Float16 ingotTruncDfBf2(double value) {
  // Through float would round twice: round to odd first (truncate toward
  // zero, set the last bit when inexact), then to nearest even.
  float f = float(value);
  if (std::isfinite(value) && double(f) != value) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof(bits));
    if (std::fabs(double(f)) > std::fabs(value))
      bits -= 1; // f was rounded away from zero: the float below it
    bits |= 1;
    std::memcpy(&f, &bits, sizeof(bits));
  }
  return bitsAsHalf(floatToBfloat16(f));
}
extern "C" _Float16 ingotTruncDfHf2(double value) { return static_cast<_Float16>(value); }

#define FLOAT_FUNCTION(name) {#name, reinterpret_cast<void *>(static_cast<float (*)(float)>(&::name))}
#define DOUBLE_FUNCTION(name) {#name, reinterpret_cast<void *>(static_cast<double (*)(double)>(&::name))}

const std::unordered_map<std::string, void *> &builtins() {
  static const std::unordered_map<std::string, void *> table = {
      {"malloc", reinterpret_cast<void *>(&ingotMalloc)},
      {"free", reinterpret_cast<void *>(&ingotFree)},
      {"aligned_alloc", reinterpret_cast<void *>(&ingotAlignedAlloc)},
      {"memcpy", reinterpret_cast<void *>(&::memcpy)},
      {"memmove", reinterpret_cast<void *>(&::memmove)},
      {"memset", reinterpret_cast<void *>(&::memset)},
      {"memrefCopy", reinterpret_cast<void *>(&ingotMemrefCopy)},
      {"ingot_parallel_for", reinterpret_cast<void *>(&ingotParallelFor)},
      {"puts", reinterpret_cast<void *>(&ingotReportFailedCheck)},
      {"ingot_check_failed", reinterpret_cast<void *>(&ingotCheckFailed)},
      {"__truncsfbf2", reinterpret_cast<void *>(&ingotTruncSfBf2)},
      {"__truncdfbf2", reinterpret_cast<void *>(&ingotTruncDfBf2)},
      {"__truncdfhf2", reinterpret_cast<void *>(&ingotTruncDfHf2)},
      {"powf", reinterpret_cast<void *>(static_cast<float (*)(float, float)>(&::powf))},
      {"pow", reinterpret_cast<void *>(static_cast<double (*)(double, double)>(&::pow))},
      {"fmodf", reinterpret_cast<void *>(static_cast<float (*)(float, float)>(&::fmodf))},
      {"fmod", reinterpret_cast<void *>(static_cast<double (*)(double, double)>(&::fmod))},
      FLOAT_FUNCTION(expf), FLOAT_FUNCTION(expm1f), FLOAT_FUNCTION(logf), FLOAT_FUNCTION(log1pf),
      FLOAT_FUNCTION(log2f), FLOAT_FUNCTION(log10f), FLOAT_FUNCTION(erff), FLOAT_FUNCTION(tanhf),
      FLOAT_FUNCTION(sinf), FLOAT_FUNCTION(cosf), FLOAT_FUNCTION(tanf), FLOAT_FUNCTION(sqrtf),
      FLOAT_FUNCTION(floorf), FLOAT_FUNCTION(ceilf), FLOAT_FUNCTION(roundf),
      FLOAT_FUNCTION(roundevenf), FLOAT_FUNCTION(truncf), FLOAT_FUNCTION(fabsf),
      FLOAT_FUNCTION(atanf), FLOAT_FUNCTION(asinf), FLOAT_FUNCTION(acosf), FLOAT_FUNCTION(sinhf),
      FLOAT_FUNCTION(coshf), FLOAT_FUNCTION(asinhf), FLOAT_FUNCTION(acoshf),
      FLOAT_FUNCTION(atanhf),
      {"atan2f", reinterpret_cast<void *>(static_cast<float (*)(float, float)>(&::atan2f))},
      {"atan2", reinterpret_cast<void *>(static_cast<double (*)(double, double)>(&::atan2))},
      DOUBLE_FUNCTION(tan), DOUBLE_FUNCTION(atan), DOUBLE_FUNCTION(asin), DOUBLE_FUNCTION(acos),
      DOUBLE_FUNCTION(sinh), DOUBLE_FUNCTION(cosh), DOUBLE_FUNCTION(asinh), DOUBLE_FUNCTION(acosh),
      DOUBLE_FUNCTION(atanh), DOUBLE_FUNCTION(log2), DOUBLE_FUNCTION(log10),
      DOUBLE_FUNCTION(exp), DOUBLE_FUNCTION(expm1), DOUBLE_FUNCTION(log), DOUBLE_FUNCTION(log1p),
      DOUBLE_FUNCTION(erf), DOUBLE_FUNCTION(tanh), DOUBLE_FUNCTION(sin), DOUBLE_FUNCTION(cos),
      DOUBLE_FUNCTION(sqrt), DOUBLE_FUNCTION(floor), DOUBLE_FUNCTION(ceil), DOUBLE_FUNCTION(round),
      DOUBLE_FUNCTION(roundeven), DOUBLE_FUNCTION(trunc), DOUBLE_FUNCTION(fabs),
  };
  return table;
}

} // namespace

void *resolveBuiltinSymbol(const std::string &name) {
  auto it = builtins().find(name);
  return it == builtins().end() ? nullptr : it->second;
}

} // namespace ingot::runtime
