//===- Npy.h - NumPy .npy files for `ingot run` ---------------------------===//

#ifndef INGOT_COMPILER_TOOLS_NPY_H
#define INGOT_COMPILER_TOOLS_NPY_H

#include "ingot/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ingot::tools {

struct NpyArray {
  ingot_dtype dtype = INGOT_FLOAT32;
  std::vector<int64_t> dims;
  std::vector<uint8_t> data; // row-major
};

/// Reads a little-endian, C-order .npy file; on failure sets `error` to
/// what is wrong with it.
bool readNpy(const std::string &path, NpyArray &array, std::string &error);

/// The bytes of a .npy file (format 1.0) holding `data`.
std::string encodeNpy(ingot_dtype dtype, const int64_t *dims, int32_t rank, const void *data);

} // namespace ingot::tools

#endif // INGOT_COMPILER_TOOLS_NPY_H
