//===- TensorConversion.cpp - ONNX TensorProto -> MLIR attributes ---------===//
//
// ONNX stores tensor data in raw_data (little-endian bytes), in typed repeated
// fields (float_data, int32_data for every type of 32 bits or less, ...), or
// in an external file. All three are gathered into one little-endian byte
// buffer in MLIR's layout, then wrapped as an attribute.
//
//===----------------------------------------------------------------------===//

#include "compiler/import/TensorConversion.h"

#include "dialects/graph/GraphDialect.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinDialect.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace ingot {

/// Reads external data (location/offset/length) relative to the model.
static bool readExternalData(const onnx::TensorProto &tensor, const std::string &baseDirectory,
                             std::string &bytes, std::string &error) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    // Numbers from the file are parsed with checks: a bad one is an error.
    auto number = [&](int64_t &out) {
      uint64_t value;
      if (llvm::StringRef(entry.value()).trim().getAsInteger(10, value) ||
          value > uint64_t(INT64_MAX)) {
        error = "external data " + entry.key() + " '" + entry.value() +
                "' is not a non-negative 64-bit integer";
        return false;
      }
      out = int64_t(value);
      return true;
    };
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" && !number(offset))
      return false;
    else if (entry.key() == "length" && !number(length))
      return false;
  }
  if (location.empty()) {
    error = "external data has no location";
    return false;
  }
  if (llvm::sys::path::is_absolute(location) || llvm::StringRef(location).contains("..")) {
    error = "external data location '" + location + "' must be a relative path inside the "
            "model's directory";
    return false;
  }
  llvm::SmallString<256> path(baseDirectory);
  llvm::sys::path::append(path, location);
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file) {
    error = "cannot read external data file '" + std::string(path) +
            "': " + file.getError().message();
    return false;
  }
  int64_t size = (*file)->getBufferSize();
  if (length < 0)
    length = size - offset;
  if (offset < 0 || offset > size || length > size - offset) {
    error = "external data of " + std::to_string(length) + " bytes at offset " +
            std::to_string(offset) + " lies outside '" + location + "' of " +
            std::to_string(size) + " bytes";
    return false;
  }
  bytes.assign((*file)->getBufferStart() + offset, length);
  return true;
}

/// Gathers the tensor's elements as little-endian bytes, `elementBytes` each.
static bool gatherBytes(const onnx::TensorProto &tensor, int64_t elementBytes,
                        const TensorConversionOptions &options, std::string &bytes,
                        std::string &error) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return readExternalData(tensor, options.baseDirectory, bytes, error);
  if (tensor.has_raw_data()) {
    bytes = tensor.raw_data();
    return true;
  }
  auto append = [&](const auto &field, int64_t width) {
    for (auto v : field)
      bytes.append(reinterpret_cast<const char *>(&v), width);
  };
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT: append(tensor.float_data(), 4); break;
  case onnx::TensorProto::DOUBLE: append(tensor.double_data(), 8); break;
  case onnx::TensorProto::INT64: append(tensor.int64_data(), 8); break;
  case onnx::TensorProto::UINT64: append(tensor.uint64_data(), 8); break;
  case onnx::TensorProto::UINT32: append(tensor.uint64_data(), 4); break;
  // Every other type of 32 bits or less lives in int32_data, one per element.
  default: append(tensor.int32_data(), elementBytes); break;
  }
  return true;
}

ElementsAttr convertTensor(MLIRContext *ctx, const onnx::TensorProto &tensor,
                           const TensorConversionOptions &options, std::string &error) {
  if (tensor.data_type() == onnx::TensorProto::STRING) {
    error = "string tensors are not supported";
    return {};
  }
  Type element = graph::getElementTypeForOnnx(ctx, tensor.data_type());
  if (!element) {
    error = "data type " + graph::getOnnxDataTypeName(tensor.data_type()) + " is not supported";
    return {};
  }
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0) {
      error = "negative dim " + std::to_string(dim);
      return {};
    }
    shape.push_back(dim);
    count *= dim;
  }
  auto type = RankedTensorType::get(shape, element);
  unsigned bits = element.getIntOrFloatBitWidth();
  if (bits == 4) {
    error = "4-bit tensors are not supported yet";
    return {};
  }
  int64_t elementBytes = std::max(1u, bits / 8);
  std::string bytes;
  if (!gatherBytes(tensor, elementBytes, options, bytes, error))
    return {};
  if ((int64_t)bytes.size() != count * elementBytes) {
    error = "expected " + std::to_string(count * elementBytes) + " bytes of data for shape [" +
            llvm::join(llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }),
                       ", ") +
            "], got " + std::to_string(bytes.size());
    return {};
  }
  // MLIR packs i1 as bits; ONNX stores one byte per bool.
  if (bits == 1) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  if ((int64_t)bytes.size() <= options.inlineBytes) {
    return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size()));
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(bytes.data(), bytes.size()), /*align=*/64);
  // Resource keys print bare in the IR: keep them to identifier characters.
  std::string name = tensor.name().empty() ? "weight" : tensor.name();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  if (!llvm::isAlpha(name[0]) && name[0] != '_')
    name.insert(0, "w");
  return DenseResourceElementsAttr::get(type, name, std::move(blob));
}

} // namespace ingot
