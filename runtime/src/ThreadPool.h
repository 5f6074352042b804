//===- ThreadPool.h - The model's persistent worker threads ---------------===//
//
// Generated code calls ingot_parallel_for(fn, ctx, units, grain) for each
// parallel loop; the pool of the model that is running (per thread, set by
// the session) splits [0, units) into a few contiguous chunks per thread
// (each at least `grain` units), which the calling thread and the workers
// claim in turn; workers spin for a millisecond, then sleep, between
// loops, and the caller spins as long for the loop's end. Loops too small for two
// chunks of `grain` units, and loops of a session that finds the pool busy
// with another session's loop, run on the calling thread.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_THREADPOOL_H
#define INGOT_RUNTIME_SRC_THREADPOOL_H

#include "runtime/src/RunErrors.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace ingot::runtime {

using ParallelBody = void (*)(void *context, int64_t begin, int64_t end);

class ThreadPool {
public:
  /// `threads` counts the calling thread: threads - 1 workers start.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  void parallelFor(ParallelBody body, void *context, int64_t units, int64_t grain);
  int threads() const { return int(workers.size()) + 1; }

  /// The pool generated code uses on this thread, if any.
  static ThreadPool *current();
  class Scope {
  public:
    explicit Scope(ThreadPool &pool);
    ~Scope();

  private:
    ThreadPool *previous;
  };

private:
  void work();
  void runChunks(uint64_t loop);

  std::vector<std::thread> workers;
  std::mutex busy; // one loop at a time
  std::mutex mutex;
  std::condition_variable wake, finished;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> callerCpu{-1}; // where the latest loop's caller runs
  bool stopping = false;
  // The loop being run, guarded by `mutex`.
  ParallelBody body = nullptr;
  void *context = nullptr;
  RunErrors *errors = nullptr; // the caller's, for checks failing on workers
  int64_t units = 0, chunk = 0, chunks = 0, nextChunk = 0;
  std::atomic<int64_t> doneChunks{0}; // also read by the caller spinning on it
};

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_THREADPOOL_H
