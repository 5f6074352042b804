//===- RuntimePartsTest.cpp - The runtime's building blocks ---------------===//
//
// The manifest reader against hand-written JSON, the buffer pool's reuse,
// the thread pool's split of a loop (every unit exactly once, on more than
// one thread when the work allows), the checksum's sensitivity to any
// single flipped bit, and memrefCopy over views of every layout.
//
//===----------------------------------------------------------------------===//

#include "runtime/include/ingot/ArtifactFormat.h"
#include "runtime/src/BufferPool.h"
#include "runtime/src/Json.h"
#include "runtime/src/ObjectLoader.h"
#include "runtime/src/ThreadPool.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

using namespace ingot::runtime;

namespace {

TEST(Json, ReadsManifestShapedDocuments) {
  JsonValue value;
  std::string error;
  ASSERT_TRUE(parseJson(R"({"inputs": [{"name": "x\u00e9\n", "shape": ["batch", 3, -2.5e1]}],
                           "flag": true, "off": false, "none": null})",
                        value, error))
      << error;
  const JsonValue *inputs = value.find("inputs");
  ASSERT_TRUE(inputs && inputs->kind == JsonValue::Kind::Array);
  const JsonValue &first = inputs->array.at(0);
  EXPECT_EQ(first.find("name")->string, "x\xc3\xa9\n");
  const auto &shape = first.find("shape")->array;
  ASSERT_EQ(shape.size(), 3u);
  EXPECT_EQ(shape[0].string, "batch");
  EXPECT_TRUE(shape[1].isInteger());
  EXPECT_EQ(shape[1].number, 3);
  EXPECT_EQ(shape[2].number, -25);
  EXPECT_FALSE(shape[2].isInteger() && shape[2].number > 0);
  EXPECT_TRUE(value.find("flag")->boolean);
  EXPECT_FALSE(value.find("off")->boolean);
  EXPECT_EQ(value.find("off")->kind, JsonValue::Kind::Bool);
  EXPECT_EQ(value.find("none")->kind, JsonValue::Kind::Null);
  EXPECT_EQ(value.find("missing"), nullptr);
}

TEST(Json, NamesWhereItFails) {
  JsonValue value;
  std::string error;
  EXPECT_FALSE(parseJson(R"({"a": [1, 2)", value, error));
  EXPECT_EQ(error, "expected ',' or ']' at byte 11");
  EXPECT_FALSE(parseJson(R"({"a" 1})", value, error));
  EXPECT_EQ(error, "expected ':' at byte 6");
  EXPECT_FALSE(parseJson(R"({"a": "open)", value, error));
  EXPECT_EQ(error, "unterminated string at byte 11"); // the end of the text
  EXPECT_FALSE(parseJson("{} trailing", value, error));
  EXPECT_EQ(error, "unexpected text at byte 3");
  EXPECT_FALSE(parseJson(std::string(100, '['), value, error));
  EXPECT_NE(error.find("nesting too deep"), std::string::npos);
}

TEST(BufferPool, ReusesFreedBlocksOfTheSameSize) {
  BufferPool pool;
  void *a = pool.allocate(1000);
  void *b = pool.allocate(1000);
  ASSERT_NE(a, b);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  pool.release(a);
  EXPECT_EQ(pool.allocate(990), a); // rounds to the same 64-byte size
  void *c = pool.allocate(5000);
  EXPECT_NE(c, a);
  EXPECT_NE(c, b);
  // releaseAll returns the outstanding blocks for the next run.
  pool.releaseAll();
  std::set<void *> again{pool.allocate(1000), pool.allocate(1000), pool.allocate(5000)};
  EXPECT_EQ(again, (std::set<void *>{a, b, c}));
  pool.release(nullptr);
}

TEST(BufferPool, IsCurrentOnlyWithinItsScope) {
  BufferPool pool;
  EXPECT_EQ(BufferPool::current(), nullptr);
  {
    BufferPool::Scope scope(pool);
    EXPECT_EQ(BufferPool::current(), &pool);
  }
  EXPECT_EQ(BufferPool::current(), nullptr);
}

/// Counts how often each unit runs and on which threads. A chunk waits (up
/// to a second) for `meet` chunks to be running at once, which proves they
/// run concurrently without depending on how fast workers wake.
struct Coverage {
  std::vector<std::atomic<int>> hits;
  std::atomic<int> running{0};
  int meet;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  Coverage(size_t units, int meet) : hits(units), meet(meet) {}
  static void body(void *context, int64_t begin, int64_t end) {
    auto *self = static_cast<Coverage *>(context);
    for (int64_t i = begin; i < end; ++i)
      self->hits[i]++;
    self->running++;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (self->running < self->meet && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    std::lock_guard<std::mutex> lock(self->mutex);
    self->threads.insert(std::this_thread::get_id());
  }
};

TEST(ThreadPool, RunsEveryUnitOnceOverSeveralThreads) {
  ThreadPool pool(4);
  EXPECT_EQ(pool.threads(), 4);
  for (int64_t units : {1, 3, 4, 7, 1000}) {
    for (int repeat = 0; repeat < 20; ++repeat) {
      int meet = int(std::min<int64_t>(units, 2));
      Coverage coverage(units, meet);
      pool.parallelFor(&Coverage::body, &coverage, units, /*grain=*/1);
      for (int64_t i = 0; i < units; ++i)
        ASSERT_EQ(coverage.hits[i], 1) << "unit " << i << " of " << units;
      EXPECT_GE(coverage.threads.size(), size_t(meet)) << units << " units";
      EXPECT_LE(coverage.threads.size(), 4u);
    }
  }
}

TEST(ThreadPool, SmallLoopsStayOnTheCallingThread) {
  ThreadPool pool(4);
  Coverage coverage(100, 1);
  pool.parallelFor(&Coverage::body, &coverage, 100, /*grain=*/64);
  EXPECT_EQ(coverage.threads, (std::set<std::thread::id>{std::this_thread::get_id()}));
}

TEST(Checksum, ChangesWithAnySingleBit) {
  std::vector<unsigned char> data(1000);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<unsigned char>(i * 37 + 11);
  uint64_t original = ingot::artifact::checksum(data.data(), data.size());
  std::set<uint64_t> seen{original};
  for (size_t i = 0; i < data.size(); i += 7)
    for (int bit = 0; bit < 8; bit += 3) {
      data[i] ^= 1 << bit;
      seen.insert(ingot::artifact::checksum(data.data(), data.size()));
      data[i] ^= 1 << bit;
    }
  EXPECT_EQ(seen.size(), 1 + (data.size() + 6) / 7 * 3);
  EXPECT_EQ(ingot::artifact::checksum(data.data(), data.size()), original);
  EXPECT_NE(ingot::artifact::checksum(data.data(), data.size() - 1), original);
}

} // namespace

namespace {

/// A ranked memref descriptor {allocated, aligned, offset, sizes, strides}
/// as memrefCopy receives it behind an unranked one.
struct Descriptor {
  std::vector<int64_t> words;
  Descriptor(char *data, int64_t offset, const std::vector<int64_t> &sizes,
             const std::vector<int64_t> &strides) {
    words = {reinterpret_cast<int64_t>(data), reinterpret_cast<int64_t>(data), offset};
    words.insert(words.end(), sizes.begin(), sizes.end());
    words.insert(words.end(), strides.begin(), strides.end());
  }
};

struct Unranked {
  int64_t rank;
  void *descriptor;
};

/// Strides of a row-major buffer of `sizes` with `pad` spare elements
/// after each dim (a view inside a larger buffer), dims in `order`.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &sizes, const std::vector<int64_t> &pad,
                               const std::vector<int> &order, int64_t &span) {
  std::vector<int64_t> strides(sizes.size());
  span = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    int d = order[i];
    strides[d] = span;
    span *= sizes[d] + pad[d];
  }
  return strides;
}

// The runtime's memrefCopy (what memref.copy of views becomes) against an
// element-by-element copy: ranks 0..4, sizes 0..4 (1s merged away),
// strides of padded and transposed views on either side, 1-, 4- and 8-byte
// elements; nothing outside the target view is written.
TEST(MemrefCopy, CopiesEveryLayoutElementByElement) {
  using Copy = void (*)(int64_t, Unranked *, Unranked *);
  auto copy = reinterpret_cast<Copy>(resolveBuiltinSymbol("memrefCopy"));
  ASSERT_NE(copy, nullptr);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 400; ++trial) {
    int rank = trial % 5;
    int64_t bytes = std::vector<int64_t>{1, 4, 8}[trial % 3];
    std::vector<int64_t> sizes(rank), srcPad(rank), dstPad(rank);
    std::vector<int> srcOrder(rank), dstOrder(rank);
    for (int d = 0; d < rank; ++d) {
      sizes[d] = trial % 7 == 0 ? rng() % 5 : 1 + rng() % 4;
      srcPad[d] = rng() % 3 == 0 ? rng() % 3 : 0;
      dstPad[d] = rng() % 3 == 0 ? rng() % 3 : 0;
      srcOrder[d] = dstOrder[d] = d;
    }
    if (trial % 4 == 1)
      std::shuffle(srcOrder.begin(), srcOrder.end(), rng);
    int64_t srcSpan, dstSpan, srcOffset = rng() % 3, dstOffset = rng() % 3;
    std::vector<int64_t> srcStrides = stridesOf(sizes, srcPad, srcOrder, srcSpan);
    std::vector<int64_t> dstStrides = stridesOf(sizes, dstPad, dstOrder, dstSpan);
    std::vector<char> src((srcSpan + srcOffset) * bytes), dst((dstSpan + dstOffset) * bytes);
    for (char &c : src)
      c = char(rng());
    for (char &c : dst)
      c = char(rng());
    std::vector<char> expected = dst;
    int64_t total = 1;
    for (int64_t s : sizes)
      total *= s;
    for (int64_t n = 0; n < total; ++n) {
      int64_t rest = n, from = srcOffset, to = dstOffset;
      for (int d = rank - 1; d >= 0; --d) {
        from += (rest % sizes[d]) * srcStrides[d];
        to += (rest % sizes[d]) * dstStrides[d];
        rest /= sizes[d];
      }
      std::memcpy(&expected[to * bytes], &src[from * bytes], bytes);
    }
    Descriptor a(src.data(), srcOffset, sizes, srcStrides), b(dst.data(), dstOffset, sizes, dstStrides);
    Unranked from{rank, a.words.data()}, to{rank, b.words.data()};
    copy(bytes, &from, &to);
    ASSERT_EQ(dst, expected) << "trial " << trial << " rank " << rank;
  }
}

} // namespace
