//===- BufferPool.cpp - Run-time sized buffers of one session -------------===//

#include "runtime/src/BufferPool.h"

#include <cstdlib>
#include <new>

namespace ingot::runtime {

/// Sits in the 64 bytes before each block it describes.
struct alignas(64) BufferPool::Block {
  static constexpr uint64_t kMagic = 0x494e474f54424c4bULL; // "INGOTBLK"
  uint64_t magic;
  size_t bytes;
  Block *previous, *next;

  /// The data start 64 bytes after the header (sizeof(Block) == 64).
  void *payload() { return this + 1; }
  void unlink() {
    previous->next = next;
    next->previous = previous;
  }
  void linkAfter(Block *anchor) {
    previous = anchor;
    next = anchor->next;
    anchor->next->previous = this;
    anchor->next = this;
  }
};

static_assert(sizeof(void *) * 4 <= 64, "a block header fits the 64 bytes before its data");

static thread_local BufferPool *currentPool = nullptr;

BufferPool::BufferPool() : outstanding(new Block{Block::kMagic, 0, nullptr, nullptr}) {
  outstanding->previous = outstanding->next = outstanding;
}

BufferPool::~BufferPool() {
  releaseAll();
  for (auto &[bytes, blocks] : freeBlocks)
    for (Block *block : blocks)
      std::free(block);
  delete outstanding;
}

void *BufferPool::allocate(size_t bytes) {
  if (bytes > (size_t(1) << 62))
    return nullptr;
  size_t rounded = (bytes + 63) / 64 * 64;
  Block *block = nullptr;
  auto found = freeBlocks.find(rounded);
  if (found != freeBlocks.end() && !found->second.empty()) {
    block = found->second.back();
    found->second.pop_back();
  } else {
    block = static_cast<Block *>(std::aligned_alloc(64, sizeof(Block) + rounded));
    if (!block)
      return nullptr;
    block->magic = Block::kMagic;
    block->bytes = rounded;
  }
  block->linkAfter(outstanding);
  return block->payload();
}

void BufferPool::release(void *pointer) {
  if (!pointer)
    return;
  Block *block = static_cast<Block *>(pointer) - 1;
  if (block->magic != Block::kMagic)
    std::abort(); // not ours: generated code freed what it did not allocate
  block->unlink();
  freeBlocks[block->bytes].push_back(block);
}

void BufferPool::releaseAll() {
  while (outstanding->next != outstanding)
    release(outstanding->next->payload());
}

void *BufferPool::detach(void *pointer) {
  for (Block *block = outstanding->next; block != outstanding; block = block->next)
    if (block->payload() == pointer) {
      block->unlink();
      return block;
    }
  return nullptr;
}

void BufferPool::freeDetached(void *block) { std::free(block); }

BufferPool *BufferPool::current() { return currentPool; }

BufferPool::Scope::Scope(BufferPool &pool) : previous(currentPool) { currentPool = &pool; }
BufferPool::Scope::~Scope() { currentPool = previous; }

} // namespace ingot::runtime
