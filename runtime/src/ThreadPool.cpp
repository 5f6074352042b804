//===- ThreadPool.cpp - The model's persistent worker threads -------------===//

#include "runtime/src/ThreadPool.h"

#include <chrono>
#include <immintrin.h>
#include <sched.h>

namespace ingot::runtime {

/// Chunks a loop is cut into per thread (fewer where its grain allows fewer).
constexpr int64_t kChunksPerThread = 4;

/// How long a thread waiting for a loop (a worker) or for a loop's end (the
/// caller) spins before it sleeps. Waking a sleeping thread costs tens of
/// microseconds on these VMs, a halted virtual CPU more: the caller
/// blocking at once on the loop's end, and workers sleeping after 4000
/// pauses (~150 us on a Xeon, whose pause takes 140 cycles), kept
/// SqueezeNet on 2 threads at 1.2x of 1. Spinning costs only the spinning
/// core, which the pool's loops want anyway while a model runs.
constexpr std::chrono::microseconds kSpinBeforeSleep{1000};

/// Spins until `ready()` or `kSpinBeforeSleep` has passed; returns ready().
template <typename Ready>
static bool spinUntil(Ready ready) {
  auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  while (!ready()) {
    for (int i = 0; i < 32; ++i)
      _mm_pause();
    if (ready())
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
  }
  return true;
}

static thread_local ThreadPool *currentPool = nullptr;

ThreadPool *ThreadPool::current() { return currentPool; }
ThreadPool::Scope::Scope(ThreadPool &pool) : previous(currentPool) { currentPool = &pool; }
ThreadPool::Scope::~Scope() { currentPool = previous; }

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i)
    workers.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
    generation.fetch_add(1);
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
}

// Chunks are claimed under the lock and tagged with the loop's generation:
// there are a few chunks per thread, each at least `grain` units, so the
// lock costs nothing next to a chunk, and a worker that wakes late can
// never take a chunk of the next loop with the previous loop's bounds.
void ThreadPool::runChunks(uint64_t loop) {
  while (true) {
    ParallelBody run;
    void *runContext;
    RunErrors *runErrors;
    int64_t begin, end;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (generation.load() != loop || nextChunk >= chunks)
        return;
      begin = nextChunk++ * chunk;
      end = std::min(units, begin + chunk);
      run = body;
      runContext = context;
      runErrors = errors;
    }
    // A chunk whose run already failed is not worth running; a fatal check
    // in this chunk jumps back here and ends only the chunk.
    if (!runErrors || !runErrors->failed()) {
      RunErrors::Scope scope(runErrors);
      RunErrors::JumpTarget target;
      RunErrors::TargetScope jumpHere(&target);
      if (setjmp(target.buffer) == 0)
        run(runContext, begin, end);
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (doneChunks.fetch_add(1, std::memory_order_release) + 1 == chunks)
      finished.notify_all();
  }
}

/// Moves the calling worker off `cpu` (the caller's) when it woke there.
/// Linux wakes a sleeping thread on its waker's CPU: after a pause between
/// runs (a server between requests, the benchmark between engines) the
/// worker then shared the caller's core, the other idle, until the load
/// balancer moved one of them milliseconds later (a 1024^3 GEMM on 2
/// threads took 13.6 ms so, 7.4 run back to back).
/// `allowed` is the CPUs the worker started with (so that a later wake can
/// go back to a CPU an earlier one left).
static void leaveCpu(int cpu, const cpu_set_t &allowed) {
  if (cpu < 0 || sched_getcpu() != cpu || !CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2)
    return;
  cpu_set_t others = allowed;
  CPU_CLR(cpu, &others);
  sched_setaffinity(0, sizeof(others), &others);
}

void ThreadPool::work() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
    CPU_ZERO(&allowed);
  uint64_t seen = 0;
  while (true) {
    // Spin first: loops of one model follow each other closely.
    bool slept = !spinUntil([&] { return generation.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return generation.load() != seen; });
      seen = generation.load();
      if (stopping)
        return;
    }
    if (slept)
      leaveCpu(callerCpu.load(std::memory_order_relaxed), allowed);
    runChunks(seen);
  }
}

void ThreadPool::parallelFor(ParallelBody body, void *context, int64_t units, int64_t grain) {
  if (units <= 0)
    return;
  int64_t wanted = std::min<int64_t>(threads(), units / std::max<int64_t>(grain, 1));
  if (wanted < 2 || !busy.try_lock()) {
    body(context, 0, units);
    return;
  }
  uint64_t loop;
  {
    std::lock_guard<std::mutex> lock(mutex);
    this->body = body;
    this->context = context;
    this->units = units;
    errors = RunErrors::current();
    // A few chunks per thread, claimed in turn: a thread slowed by what
    // else runs on its core (these machines are shared VMs) takes fewer,
    // where halves fixed in advance made the loop wait for the slow one.
    int64_t pieces = std::min<int64_t>(wanted * kChunksPerThread, units / std::max<int64_t>(grain, 1));
    chunk = (units + pieces - 1) / pieces;
    chunks = (units + chunk - 1) / chunk;
    nextChunk = 0;
    doneChunks = 0;
    callerCpu.store(sched_getcpu(), std::memory_order_relaxed);
    loop = generation.fetch_add(1, std::memory_order_release) + 1;
  }
  wake.notify_all();
  runChunks(loop);
  int64_t all = chunks; // written by this thread alone, above
  if (!spinUntil([&] { return doneChunks.load(std::memory_order_acquire) == all; })) {
    std::unique_lock<std::mutex> lock(mutex);
    finished.wait(lock, [&] { return doneChunks.load() == all; });
  }
  busy.unlock();
}

} // namespace ingot::runtime
