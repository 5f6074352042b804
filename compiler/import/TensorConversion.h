//===- TensorConversion.h - ONNX TensorProto -> MLIR attributes -----------===//
//
// Turns ONNX tensors (initializers, Constant values) into ElementsAttr: small
// ones inline as DenseElementsAttr, large ones as dense resources whose bytes
// are copied once into the resource blob, never printed into attribute text.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_IMPORT_TENSORCONVERSION_H
#define INGOT_COMPILER_IMPORT_TENSORCONVERSION_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include "onnx/onnx_pb.h"

#include <string>

namespace ingot {

struct TensorConversionOptions {
  /// Directory external data file locations are relative to.
  std::string baseDirectory;
  /// Tensors above this many bytes become dense resources.
  int64_t inlineBytes = 256;
};

/// Converts `tensor`; on failure returns null and sets `error` to a message
/// naming what was wrong (without the tensor's name).
mlir::ElementsAttr convertTensor(mlir::MLIRContext *ctx, const onnx::TensorProto &tensor,
                                 const TensorConversionOptions &options, std::string &error);

} // namespace ingot

#endif // INGOT_COMPILER_IMPORT_TENSORCONVERSION_H
