//===- WindowSizeTest.cpp - Conv/pool output sizes ------------------------===//
//
// Expected values are the ONNX spec's formulas worked by hand, and sizes
// published for well-known networks (ResNet-50, GoogLeNet).
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/ops/InferHelpers.h"

#include "gtest/gtest.h"

using ingot::graph::infer::windowOutputSize;

namespace {

TEST(WindowSize, ResNetStem) {
  // 224x224, 7x7 stride 2 pad 3 -> 112; 3x3 max pool stride 2 pad 1 -> 56.
  EXPECT_EQ(windowOutputSize(224, 7, 2, 1, 3, 3, false), 112);
  EXPECT_EQ(windowOutputSize(112, 3, 2, 1, 1, 1, false), 56);
}

TEST(WindowSize, CeilMode) {
  // GoogLeNet (Caffe) pools with ceil: 112 -> 56 with 3x3/2 and no pad.
  EXPECT_EQ(windowOutputSize(112, 3, 2, 1, 0, 0, true), 56);
  EXPECT_EQ(windowOutputSize(112, 3, 2, 1, 0, 0, false), 55);
  // A last window starting in the padding is dropped: 5 with 2/2, pad 1 end.
  EXPECT_EQ(windowOutputSize(4, 2, 2, 1, 0, 1, true), 2);
}

TEST(WindowSize, Dilation) {
  // Effective kernel (3-1)*2+1 = 5: 10 - 5 + 1 = 6.
  EXPECT_EQ(windowOutputSize(10, 3, 1, 2, 0, 0, false), 6);
}

TEST(WindowSize, DynamicStaysDynamic) {
  EXPECT_EQ(windowOutputSize(mlir::ShapedType::kDynamic, 3, 1, 1, 1, 1, false),
            mlir::ShapedType::kDynamic);
}

} // namespace
