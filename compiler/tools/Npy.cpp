//===- Npy.cpp - NumPy .npy files for `ingot run` -------------------------===//
//
// The format: "\x93NUMPY", version, header length, then a Python dict
// literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded to 64 bytes, then the raw data.
//
//===----------------------------------------------------------------------===//

#include "compiler/tools/Npy.h"

#include "llvm/ADT/StringRef.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace ingot::tools {
namespace {

struct DescrName {
  const char *descr;
  ingot_dtype dtype;
};

constexpr DescrName kDescrs[] = {
    {"<f4", INGOT_FLOAT32}, {"<f8", INGOT_FLOAT64}, {"<f2", INGOT_FLOAT16},
    {"|i1", INGOT_INT8},    {"<i2", INGOT_INT16},   {"<i4", INGOT_INT32},
    {"<i8", INGOT_INT64},   {"|u1", INGOT_UINT8},   {"<u2", INGOT_UINT16},
    {"<u4", INGOT_UINT32},  {"<u8", INGOT_UINT64},  {"|b1", INGOT_BOOL},
};

/// The text after `'key':` in the header dict, or npos.
size_t valueOf(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return at;
  at = header.find(':', at);
  if (at == std::string::npos)
    return at;
  return header.find_first_not_of(' ', at + 1);
}

} // namespace

bool readNpy(const std::string &path, NpyArray &array, std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open: " + std::string(std::strerror(errno));
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(file)), {});
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    error = "not a .npy file";
    return false;
  }
  unsigned major = uint8_t(bytes[6]);
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = uint8_t(bytes[8]) | (uint8_t(bytes[9]) << 8);
    headerStart = 10;
  } else if (bytes.size() >= 12) {
    headerLength = 0;
    for (int i = 3; i >= 0; --i)
      headerLength = (headerLength << 8) | uint8_t(bytes[8 + i]);
    headerStart = 12;
  } else {
    error = "truncated .npy header";
    return false;
  }
  if (headerStart + headerLength > bytes.size()) {
    error = "truncated .npy header";
    return false;
  }
  std::string header = bytes.substr(headerStart, headerLength);
  size_t descr = valueOf(header, "descr");
  size_t fortran = valueOf(header, "fortran_order");
  size_t shape = valueOf(header, "shape");
  if (descr == std::string::npos || fortran == std::string::npos || shape == std::string::npos) {
    error = "malformed .npy header";
    return false;
  }
  std::string descrText = header.substr(descr + 1, header.find('\'', descr + 1) - descr - 1);
  bool known = false;
  for (const DescrName &entry : kDescrs)
    if (descrText == entry.descr || (descrText[0] == '<' && entry.descr[0] == '|' &&
                                     descrText.substr(1) == entry.descr + 1)) {
      array.dtype = entry.dtype;
      known = true;
    }
  if (!known) {
    error = "element type '" + descrText + "' is not supported (little-endian numbers and bool)";
    return false;
  }
  if (header.compare(fortran, 4, "True") == 0) {
    error = "Fortran-order arrays are not supported; save np.ascontiguousarray(x)";
    return false;
  }
  array.dims.clear();
  size_t close = header.find(')', shape);
  if (header[shape] != '(' || close == std::string::npos) {
    error = "malformed .npy header: the shape is not a tuple";
    return false;
  }
  std::string dims = header.substr(shape + 1, close - shape - 1);
  // Every number is checked: a file cannot promise more than memory holds.
  constexpr uint64_t kMaxBytes = uint64_t(1) << 62;
  uint64_t elements = 1;
  for (size_t at = 0; at < dims.size();) {
    size_t comma = dims.find(',', at);
    llvm::StringRef item =
        llvm::StringRef(dims).substr(at, comma == std::string::npos ? llvm::StringRef::npos : comma - at).trim();
    if (!item.empty()) {
      uint64_t dim;
      if (item.getAsInteger(10, dim) || dim > kMaxBytes) {
        error = "malformed .npy header: dim '" + item.str() + "' is not a size";
        return false;
      }
      if (dim != 0 && elements > kMaxBytes / dim) {
        error = "the .npy header's shape holds more than 2^62 elements";
        return false;
      }
      elements *= dim;
      array.dims.push_back(int64_t(dim));
    }
    if (comma == std::string::npos)
      break;
    at = comma + 1;
  }
  if (elements > kMaxBytes / ingot_dtype_size(array.dtype)) {
    error = "the .npy header's shape holds more than 2^62 bytes";
    return false;
  }
  size_t dataBytes = size_t(elements) * ingot_dtype_size(array.dtype);
  size_t dataStart = headerStart + headerLength;
  if (bytes.size() - dataStart < dataBytes) {
    error = "truncated: the header promises " + std::to_string(dataBytes) + " bytes of data, " +
            std::to_string(bytes.size() - dataStart) + " follow";
    return false;
  }
  array.data.assign(bytes.begin() + dataStart, bytes.begin() + dataStart + dataBytes);
  return true;
}

std::string encodeNpy(ingot_dtype dtype, const int64_t *dims, int32_t rank, const void *data) {
  const char *descr = "<f4";
  for (const DescrName &entry : kDescrs)
    if (entry.dtype == dtype)
      descr = entry.descr;
  std::string shape = "(";
  int64_t elements = 1;
  for (int32_t d = 0; d < rank; ++d) {
    shape += std::to_string(dims[d]) + (rank == 1 ? "," : d + 1 < rank ? ", " : "");
    elements *= dims[d];
  }
  shape += ")";
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += char(1);
  bytes += char(0);
  bytes += char(header.size() & 0xFF);
  bytes += char(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char *>(data), size_t(elements) * ingot_dtype_size(dtype));
  return bytes;
}

} // namespace ingot::tools
