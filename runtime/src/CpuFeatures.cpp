//===- CpuFeatures.cpp - What this host's CPU can run ---------------------===//
//
// CPUID says what the processor has; XGETBV says which register files the
// OS saves (AVX needs YMM state, AVX-512 the opmask/ZMM state, AMX the tile
// state), so a feature counts only when both agree.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/CpuFeatures.h"

#include <cpuid.h>

#include <cstdint>
#include <cstring>

namespace ingot::runtime {
namespace {

enum Register { EAX, EBX, ECX, EDX };

struct FeatureBit {
  const char *name;
  unsigned leaf, subleaf;
  Register reg;
  unsigned bit;
  uint64_t osState; // XCR0 bits that must be set
};

constexpr uint64_t kYmm = 0x6, kZmm = 0xE6, kTiles = 0x60000;

constexpr FeatureBit kFeatures[] = {
    {"sse4.2", 1, 0, ECX, 20, 0},        {"popcnt", 1, 0, ECX, 23, 0},
    {"avx", 1, 0, ECX, 28, kYmm},        {"fma", 1, 0, ECX, 12, kYmm},
    {"f16c", 1, 0, ECX, 29, kYmm},       {"avx2", 7, 0, EBX, 5, kYmm},
    {"bmi", 7, 0, EBX, 3, 0},            {"bmi2", 7, 0, EBX, 8, 0},
    {"avx512f", 7, 0, EBX, 16, kZmm},    {"avx512dq", 7, 0, EBX, 17, kZmm},
    {"avx512cd", 7, 0, EBX, 28, kZmm},   {"avx512bw", 7, 0, EBX, 30, kZmm},
    {"avx512vl", 7, 0, EBX, 31, kZmm},   {"avx512vnni", 7, 0, ECX, 11, kZmm},
    {"avx512fp16", 7, 0, EDX, 23, kZmm}, {"amx-bf16", 7, 0, EDX, 22, kTiles},
    {"amx-tile", 7, 0, EDX, 24, kTiles}, {"amx-int8", 7, 0, EDX, 25, kTiles},
    {"avx512bf16", 7, 1, EAX, 5, kZmm},  {"avxvnni", 7, 1, EAX, 4, kYmm},
};

uint64_t osSavedState() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) // OSXSAVE
    return 0;
  uint32_t low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return (uint64_t(high) << 32) | low;
}

} // namespace

bool hostHasCpuFeature(const std::string &feature) {
  for (const FeatureBit &f : kFeatures) {
    if (feature != f.name)
      continue;
    unsigned regs[4] = {};
    if (!__get_cpuid_count(f.leaf, f.subleaf, &regs[EAX], &regs[EBX], &regs[ECX], &regs[EDX]))
      return false;
    if (!(regs[f.reg] & (1u << f.bit)))
      return false;
    return (osSavedState() & f.osState) == f.osState;
  }
  return false;
}

} // namespace ingot::runtime
