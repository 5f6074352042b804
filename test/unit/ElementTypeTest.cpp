//===- ElementTypeTest.cpp - ONNX data types <-> MLIR element types -------===//
//
// The ONNX TensorProto.DataType numbers are spelled out from onnx.proto, so
// a mapping that drifted from the spec fails here.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphDialect.h"

#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

using namespace ingot::graph;

namespace {

TEST(ElementType, KnownTypes) {
  mlir::MLIRContext ctx;
  EXPECT_TRUE(getElementTypeForOnnx(&ctx, 1).isF32());            // FLOAT
  EXPECT_TRUE(getElementTypeForOnnx(&ctx, 7).isSignlessInteger(64)); // INT64
  EXPECT_TRUE(getElementTypeForOnnx(&ctx, 2).isUnsignedInteger(8));  // UINT8
  EXPECT_TRUE(getElementTypeForOnnx(&ctx, 9).isInteger(1));          // BOOL
  EXPECT_TRUE(getElementTypeForOnnx(&ctx, 10).isF16());              // FLOAT16
  EXPECT_TRUE(getElementTypeForOnnx(&ctx, 16).isBF16());             // BFLOAT16
}

TEST(ElementType, UnsupportedTypesAreNull) {
  mlir::MLIRContext ctx;
  EXPECT_FALSE(getElementTypeForOnnx(&ctx, 8));   // STRING
  EXPECT_FALSE(getElementTypeForOnnx(&ctx, 14));  // COMPLEX64
  EXPECT_FALSE(getElementTypeForOnnx(&ctx, 999)); // not a type
}

TEST(ElementType, RoundTrip) {
  mlir::MLIRContext ctx;
  for (int64_t onnxType : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20}) {
    mlir::Type type = getElementTypeForOnnx(&ctx, onnxType);
    ASSERT_TRUE(type) << onnxType;
    EXPECT_EQ(getOnnxDataType(type), onnxType);
  }
}

} // namespace
