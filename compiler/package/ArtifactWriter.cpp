//===- ArtifactWriter.cpp - Packs a compiled model into one file ---------===//
//
// The manifest is JSON, so that `ingot inspect --json` and a curious user
// with `head -c` both read it; the runtime parses the few keys it needs.
//
//===----------------------------------------------------------------------===//

#include "compiler/package/ArtifactWriter.h"

#include "runtime/include/ingot/ArtifactFormat.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace ingot::package {

static std::optional<std::string> dtypeName(Type type) {
  if (type.isF32()) return "float32";
  if (type.isF64()) return "float64";
  if (type.isF16()) return "float16";
  if (type.isBF16()) return "bfloat16";
  // The float8 types as ml_dtypes names them; one byte per element.
  if (type.isFloat8E4M3FN()) return "float8_e4m3fn";
  if (type.isFloat8E4M3FNUZ()) return "float8_e4m3fnuz";
  if (type.isFloat8E5M2()) return "float8_e5m2";
  if (type.isFloat8E5M2FNUZ()) return "float8_e5m2fnuz";
  if (type.isInteger(1)) return "bool";
  if (auto integer = dyn_cast<IntegerType>(type)) {
    // int4/int2 are passed one element per byte, as ml_dtypes stores them.
    unsigned width = integer.getWidth();
    if (width != 2 && width != 4 && width != 8 && width != 16 && width != 32 && width != 64)
      return std::nullopt;
    return (integer.isUnsigned() ? "uint" : "int") + std::to_string(width);
  }
  return std::nullopt;
}

static FailureOr<TensorSignature> readTensor(func::FuncOp main, Type type, DictionaryAttr attrs,
                                             StringRef role, unsigned index) {
  TensorSignature tensor;
  auto name = attrs ? attrs.getAs<StringAttr>("graph.name") : StringAttr();
  tensor.name = name ? name.str() : role.str() + std::to_string(index);
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return main.emitError() << role << " '" << tensor.name << "' has type " << type
                            << "; the runtime needs a ranked tensor",
           failure();
  std::optional<std::string> dtype = dtypeName(ranked.getElementType());
  if (!dtype)
    return main.emitError() << role << " '" << tensor.name << "' has element type "
                            << ranked.getElementType() << ", which the runtime cannot pass",
           failure();
  tensor.dtype = *dtype;
  auto dimNames = attrs ? attrs.getAs<ArrayAttr>("graph.dim_names") : ArrayAttr();
  for (auto [d, size] : llvm::enumerate(ranked.getShape())) {
    tensor.dims.push_back(ShapedType::isDynamic(size) ? -1 : size);
    StringAttr dimName;
    if (dimNames && d < dimNames.size())
      dimName = dyn_cast<StringAttr>(dimNames[d]);
    tensor.dimNames.push_back(ShapedType::isDynamic(size) && dimName ? dimName.str() : "");
  }
  return tensor;
}

FailureOr<Signature> readSignature(func::FuncOp main) {
  Signature signature;
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes())) {
    FailureOr<TensorSignature> tensor = readTensor(main, type, main.getArgAttrDict(i), "input", i);
    if (failed(tensor))
      return failure();
    signature.inputs.push_back(std::move(*tensor));
  }
  for (auto [i, type] : llvm::enumerate(main.getResultTypes())) {
    FailureOr<TensorSignature> tensor =
        readTensor(main, type, main.getResultAttrDict(i), "output", i);
    if (failed(tensor))
      return failure();
    signature.outputs.push_back(std::move(*tensor));
  }
  return signature;
}

static llvm::json::Array tensorsJson(const std::vector<TensorSignature> &tensors) {
  llvm::json::Array array;
  for (const TensorSignature &tensor : tensors) {
    llvm::json::Array shape;
    for (auto [dim, name] : llvm::zip(tensor.dims, tensor.dimNames)) {
      if (dim >= 0)
        shape.push_back(dim);
      else
        shape.push_back(name.empty() ? llvm::json::Value("?") : llvm::json::Value(name));
    }
    array.push_back(llvm::json::Object{
        {"name", tensor.name}, {"dtype", tensor.dtype}, {"shape", std::move(shape)}});
  }
  return array;
}

static llvm::json::Array regionsJson(const std::vector<ArtifactContents::Region> &regions) {
  llvm::json::Array array;
  for (const ArtifactContents::Region &region : regions)
    array.push_back(llvm::json::Object{{"function", region.function}, {"nodes", region.nodes}});
  return array;
}

std::string buildArtifact(const ArtifactContents &contents) {
  llvm::json::Object manifest{
      {"format_version", artifact::kFormatVersion},
      {"compiler", contents.compilerVersion},
      {"source", contents.sourceModel},
      {"producer", contents.producer},
      {"target",
       llvm::json::Object{{"triple", contents.triple},
                          {"cpu", contents.cpu},
                          {"features", llvm::json::Array(contents.cpuFeatures)}}},
      {"entry", artifact::kEntrySymbol},
      {"arena_bytes", int64_t(contents.arenaBytes)},
      {"weights_bytes", int64_t(contents.weights.size())},
      {"code_bytes", int64_t(contents.object.size())},
      {"inputs", tensorsJson(contents.signature.inputs)},
      {"outputs", tensorsJson(contents.signature.outputs)},
      {"regions", regionsJson(contents.regions)},
  };
  std::string manifestText;
  llvm::raw_string_ostream(manifestText) << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest)));
  manifestText += "\n";

  artifact::Header header = {};
  std::memcpy(header.magic, artifact::kMagic, sizeof(header.magic));
  header.formatVersion = artifact::kFormatVersion;
  header.headerBytes = sizeof(artifact::Header);
  header.manifestOffset = sizeof(artifact::Header);
  header.manifestBytes = manifestText.size();
  header.codeOffset = llvm::alignTo(header.manifestOffset + header.manifestBytes, 64);
  header.codeBytes = contents.object.size();
  header.weightsOffset =
      llvm::alignTo(header.codeOffset + header.codeBytes, artifact::kWeightsAlignment);
  header.weightsBytes = contents.weights.size();
  header.arenaBytes = contents.arenaBytes;
  header.fileBytes = header.weightsOffset + header.weightsBytes;

  std::string file(header.fileBytes, '\0');
  std::memcpy(file.data() + header.manifestOffset, manifestText.data(), manifestText.size());
  std::memcpy(file.data() + header.codeOffset, contents.object.data(), contents.object.size());
  if (!contents.weights.empty())
    std::memcpy(file.data() + header.weightsOffset, contents.weights.data(),
                contents.weights.size());
  std::memcpy(file.data(), &header, sizeof(header));
  header.checksum = artifact::checksum(file.data() + artifact::kChecksummedFrom,
                                       file.size() - artifact::kChecksummedFrom);
  std::memcpy(file.data(), &header, sizeof(header));
  return file;
}

} // namespace ingot::package
