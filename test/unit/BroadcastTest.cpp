//===- BroadcastTest.cpp - Multidirectional broadcasting ------------------===//
//
// Checks broadcastShapes against NumPy's rules, written out by hand.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphDialect.h"

#include "gtest/gtest.h"

using namespace ingot::graph;
using mlir::ShapedType;

namespace {

std::vector<int64_t> broadcast(std::vector<std::vector<int64_t>> shapes, bool *ok = nullptr) {
  llvm::SmallVector<llvm::ArrayRef<int64_t>> refs(shapes.begin(), shapes.end());
  llvm::SmallVector<int64_t> out;
  bool succeeded = mlir::succeeded(broadcastShapes(refs, out));
  if (ok)
    *ok = succeeded;
  return std::vector<int64_t>(out.begin(), out.end());
}

constexpr int64_t kDyn = ShapedType::kDynamic;

TEST(Broadcast, NumpyExamples) {
  // From the NumPy broadcasting guide.
  EXPECT_EQ(broadcast({{256, 256, 3}, {3}}), (std::vector<int64_t>{256, 256, 3}));
  EXPECT_EQ(broadcast({{8, 1, 6, 1}, {7, 1, 5}}), (std::vector<int64_t>{8, 7, 6, 5}));
  EXPECT_EQ(broadcast({{5, 4}, {1}}), (std::vector<int64_t>{5, 4}));
  EXPECT_EQ(broadcast({{15, 3, 5}, {15, 1, 5}}), (std::vector<int64_t>{15, 3, 5}));
  EXPECT_EQ(broadcast({{}, {2, 3}}), (std::vector<int64_t>{2, 3}));
}

TEST(Broadcast, IncompatibleDimsFail) {
  bool ok = true;
  broadcast({{2, 1}, {8, 4, 3}}, &ok);
  EXPECT_FALSE(ok);
  broadcast({{3}, {4}}, &ok);
  EXPECT_FALSE(ok);
}

TEST(Broadcast, DynamicDims) {
  // An unknown dim against 1 stays unknown; against a known dim it takes it.
  EXPECT_EQ(broadcast({{kDyn, 4}, {1, 4}}), (std::vector<int64_t>{kDyn, 4}));
  EXPECT_EQ(broadcast({{kDyn, 4}, {3, 1}}), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(broadcast({{kDyn}, {kDyn}}), (std::vector<int64_t>{kDyn}));
}

} // namespace
