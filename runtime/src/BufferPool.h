//===- BufferPool.h - Run-time sized buffers of one session ---------------===//
//
// Buffers whose sizes are known only at run time (symbolic batch or
// sequence) are allocated by the generated code through malloc/free, which
// the runtime routes here while a session runs. Freed blocks are kept per
// size and handed out again, so a run at shapes seen before allocates
// nothing from the heap; blocks still out when a run ends (its outputs)
// return to the pool when the next run starts.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_BUFFERPOOL_H
#define INGOT_RUNTIME_SRC_BUFFERPOOL_H

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ingot::runtime {

class BufferPool {
public:
  BufferPool();
  ~BufferPool();
  BufferPool(const BufferPool &) = delete;
  BufferPool &operator=(const BufferPool &) = delete;

  /// A 64-byte aligned block of at least `bytes`, or nullptr.
  void *allocate(size_t bytes);
  /// Returns a block from allocate() to the pool; nullptr is ignored.
  void release(void *pointer);
  /// Returns every outstanding block to the pool.
  void releaseAll();
  /// If `pointer` starts an outstanding block, removes the block from the
  /// pool and returns it: the caller frees it with freeDetached(). Otherwise
  /// returns nullptr.
  void *detach(void *pointer);
  static void freeDetached(void *block);

  /// The pool the generated code's malloc/free use on this thread, if any.
  static BufferPool *current();

  /// Makes `pool` current on this thread for the scope's lifetime.
  class Scope {
  public:
    explicit Scope(BufferPool &pool);
    ~Scope();

  private:
    BufferPool *previous;
  };

private:
  struct Block;
  Block *outstanding; // sentinel of a circular list
  std::unordered_map<size_t, std::vector<Block *>> freeBlocks;
};

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_BUFFERPOOL_H
