//===- ArtifactFormat.h - The layout of a model.ingot file ----------------===//
//
// Shared by the writer (compiler/package) and the reader (runtime/). A file is
//
//   header (128 bytes) | manifest (JSON text) | code (ELF object) | weights
//
// The weights start on a page boundary of the file, so the runtime maps them
// read-only straight from the file; every buffer in them is 64-byte aligned.
// The checksum covers every byte after the checksum field.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_INCLUDE_INGOT_ARTIFACTFORMAT_H
#define INGOT_RUNTIME_INCLUDE_INGOT_ARTIFACTFORMAT_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ingot::artifact {

constexpr char kMagic[8] = {'I', 'N', 'G', 'O', 'T', 0, 'A', 'F'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint64_t kWeightsAlignment = 4096;
constexpr uint64_t kBufferAlignment = 64;
/// The entry point the code section exports:
///   void ingot_entry(void **args)
/// args[0] points at the results (one MLIR memref descriptor per output,
/// packed), args[1] at the weights descriptor, args[2] at the arena
/// descriptor, args[3 + i] at input i's descriptor.
constexpr const char *kEntrySymbol = "ingot_entry";

/// Little-endian, naturally aligned, 128 bytes.
struct Header {
  char magic[8];
  uint32_t formatVersion;
  uint32_t headerBytes;
  uint64_t checksum;       // of bytes [offsetof(fileBytes), fileBytes)
  uint64_t fileBytes;
  uint64_t manifestOffset, manifestBytes;
  uint64_t codeOffset, codeBytes;
  uint64_t weightsOffset, weightsBytes;
  uint64_t arenaBytes;
  uint64_t reserved[5];
};
static_assert(sizeof(Header) == 128, "the header is 128 bytes");
constexpr size_t kChecksummedFrom = offsetof(Header, fileBytes);

/// A 64-bit checksum (four multiply-rotate lanes over 32-byte blocks, then
/// the tail byte by byte): catches corruption at memory speed; not a
/// cryptographic signature.
inline uint64_t checksum(const void *data, size_t size) {
  constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL, kPrime2 = 0xC2B2AE3D27D4EB4FULL;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  const auto *bytes = static_cast<const unsigned char *>(data);
  uint64_t lanes[4] = {kPrime1, kPrime2, ~kPrime1, ~kPrime2};
  size_t blocks = size / 32;
  for (size_t b = 0; b < blocks; ++b)
    for (int k = 0; k < 4; ++k) {
      uint64_t word;
      std::memcpy(&word, bytes + b * 32 + k * 8, 8);
      lanes[k] = rotl(lanes[k] + word * kPrime2, 31) * kPrime1;
    }
  uint64_t hash = size * kPrime1;
  for (int k = 0; k < 4; ++k)
    hash = rotl(hash ^ lanes[k], 27) * kPrime1 + kPrime2;
  for (size_t i = blocks * 32; i < size; ++i)
    hash = rotl(hash ^ (bytes[i] * kPrime2), 11) * kPrime1;
  hash ^= hash >> 33;
  hash *= kPrime2;
  return hash ^ (hash >> 29);
}

/// CPU features (LLVM's names) the manifest may require; the runtime knows
/// how to detect each on its host.
constexpr const char *kCpuFeatures[] = {
    "sse4.2",   "popcnt",   "avx",        "avx2",       "fma",        "f16c",
    "bmi",      "bmi2",     "avx512f",    "avx512cd",   "avx512bw",   "avx512dq",
    "avx512vl", "avx512vnni", "avx512bf16", "avx512fp16", "avxvnni",  "amx-tile",
    "amx-int8", "amx-bf16",
};

} // namespace ingot::artifact

#endif // INGOT_RUNTIME_INCLUDE_INGOT_ARTIFACTFORMAT_H
