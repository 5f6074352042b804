//===- GraphTypes.cpp - Type helpers shared by ops and the importer -------===//
//
// ONNX data types map onto MLIR's builtin element types: signed integers are
// signless (iN), unsigned ones are uiN, bool is i1.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace ingot::graph {

namespace {
// TensorProto.DataType values, from onnx.proto.
enum OnnxDataType : int64_t {
  kFloat = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4, kInt16 = 5, kInt32 = 6,
  kInt64 = 7, kString = 8, kBool = 9, kFloat16 = 10, kDouble = 11,
  kUint32 = 12, kUint64 = 13, kComplex64 = 14, kComplex128 = 15,
  kBfloat16 = 16, kFloat8E4M3FN = 17, kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19, kFloat8E5M2FNUZ = 20, kUint4 = 21, kInt4 = 22,
  kFloat4E2M1 = 23, kFloat8E8M0 = 24, kUint2 = 25, kInt2 = 26,
};
} // namespace

Type getElementTypeForOnnx(MLIRContext *ctx, int64_t onnxDataType) {
  Builder b(ctx);
  auto unsignedInt = [&](unsigned width) {
    return IntegerType::get(ctx, width, IntegerType::Unsigned);
  };
  switch (onnxDataType) {
  case kFloat: return b.getF32Type();
  case kDouble: return b.getF64Type();
  case kFloat16: return b.getF16Type();
  case kBfloat16: return b.getBF16Type();
  case kFloat8E4M3FN: return b.getFloat8E4M3FNType();
  case kFloat8E4M3FNUZ: return b.getFloat8E4M3FNUZType();
  case kFloat8E5M2: return b.getFloat8E5M2Type();
  case kFloat8E5M2FNUZ: return b.getFloat8E5M2FNUZType();
  case kInt2: return b.getIntegerType(2);
  case kInt4: return b.getIntegerType(4);
  case kInt8: return b.getIntegerType(8);
  case kInt16: return b.getIntegerType(16);
  case kInt32: return b.getIntegerType(32);
  case kInt64: return b.getIntegerType(64);
  case kUint2: return unsignedInt(2);
  case kUint4: return unsignedInt(4);
  case kUint8: return unsignedInt(8);
  case kUint16: return unsignedInt(16);
  case kUint32: return unsignedInt(32);
  case kUint64: return unsignedInt(64);
  case kBool: return b.getI1Type();
  default: return nullptr;
  }
}

std::string getOnnxDataTypeName(int64_t onnxDataType) {
  static const char *const names[] = {
      "UNDEFINED", "FLOAT",      "UINT8",          "INT8",       "UINT16",         "INT16",
      "INT32",     "INT64",      "STRING",         "BOOL",       "FLOAT16",        "DOUBLE",
      "UINT32",    "UINT64",     "COMPLEX64",      "COMPLEX128", "BFLOAT16",       "FLOAT8E4M3FN",
      "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4",          "FLOAT4E2M1",
      "FLOAT8E8M0", "UINT2",     "INT2",           "FLOAT6E2M3", "FLOAT6E3M2"};
  if (onnxDataType >= 0 && onnxDataType < (int64_t)(sizeof(names) / sizeof(names[0])))
    return names[onnxDataType];
  return "data type " + std::to_string(onnxDataType);
}

std::optional<int64_t> getOnnxDataType(Type type) {
  if (type.isF32()) return kFloat;
  if (type.isF64()) return kDouble;
  if (type.isF16()) return kFloat16;
  if (type.isBF16()) return kBfloat16;
  if (type.isFloat8E4M3FN()) return kFloat8E4M3FN;
  if (type.isFloat8E4M3FNUZ()) return kFloat8E4M3FNUZ;
  if (type.isFloat8E5M2()) return kFloat8E5M2;
  if (type.isFloat8E5M2FNUZ()) return kFloat8E5M2FNUZ;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 1: return kBool;
    case 2: return isUnsigned ? kUint2 : kInt2;
    case 4: return isUnsigned ? kUint4 : kInt4;
    case 8: return isUnsigned ? kUint8 : kInt8;
    case 16: return isUnsigned ? kUint16 : kInt16;
    case 32: return isUnsigned ? kUint32 : kInt32;
    case 64: return isUnsigned ? kUint64 : kInt64;
    }
  }
  return std::nullopt;
}

bool areCompatibleResultTypes(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, actual)) {
    if (getElementTypeOrSelf(a) != getElementTypeOrSelf(b))
      return false;
    if (failed(verifyCompatibleShape(a, b)))
      return false;
  }
  return true;
}

LogicalResult broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes,
                              SmallVectorImpl<int64_t> &result) {
  size_t rank = 0;
  for (ArrayRef<int64_t> shape : shapes)
    rank = std::max(rank, shape.size());
  result.assign(rank, 1);
  for (ArrayRef<int64_t> shape : shapes) {
    size_t offset = rank - shape.size();
    for (auto [i, dim] : llvm::enumerate(shape)) {
      int64_t &out = result[offset + i];
      if (dim == 1)
        continue;
      if (out == 1) {
        out = dim;
      } else if (ShapedType::isDynamic(out)) {
        // Unknown so far: a known dim other than 1 fixes it.
        if (!ShapedType::isDynamic(dim))
          out = dim;
      } else if (!ShapedType::isDynamic(dim) && dim != out) {
        return failure();
      }
    }
  }
  return success();
}

Type refineType(Type a, Type b) {
  auto ra = dyn_cast<RankedTensorType>(a);
  auto rb = dyn_cast<RankedTensorType>(b);
  if (!rb || failed(verifyCompatibleShape(a, b)) ||
      getElementTypeOrSelf(a) != getElementTypeOrSelf(b))
    return a;
  if (!ra)
    return b;
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(ra.getShape(), rb.getShape()))
    shape.push_back(ShapedType::isDynamic(x) ? y : x);
  return RankedTensorType::get(shape, ra.getElementType(), ra.getEncoding());
}

} // namespace ingot::graph
