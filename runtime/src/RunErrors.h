//===- RunErrors.h - Failed run-time checks of one run --------------------===//
//
// Generated code reports failed checks two ways. An index out of range
// (clamped by the code, which goes on) arrives as `puts(message)`. A size
// the code cannot work with arrives as `ingot_check_failed(...)`, which must
// not return into the code: it jumps to the innermost JumpTarget of its
// thread, the session's run or the parallel chunk it was called from (a
// chunk's failure then ends the parallel loop, and the loop's caller jumps
// on). Generated code has no destructors to skip, and every target lives in
// a frame that is still active when it is jumped to. Either way the first
// message of a run is kept here and the session fails the run with it.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_RUNERRORS_H
#define INGOT_RUNTIME_SRC_RUNERRORS_H

#include <atomic>
#include <csetjmp>
#include <string>

namespace ingot::runtime {

class RunErrors {
public:
  /// Keeps the first message of a run; later ones are dropped.
  void report(const char *message) {
    bool expected = false;
    if (claimed.compare_exchange_strong(expected, true)) {
      first = message ? message : "a run-time check failed";
      recorded.store(true, std::memory_order_release);
    }
  }
  bool failed() const { return recorded.load(std::memory_order_acquire); }
  const std::string &message() const { return first; }
  void clear() {
    recorded = false;
    claimed = false;
    first.clear();
  }

  /// Where a fatal check on this thread jumps to (innermost first).
  struct JumpTarget {
    std::jmp_buf buffer;
  };
  static JumpTarget *&currentTarget() {
    static thread_local JumpTarget *target = nullptr;
    return target;
  }
  /// Makes `target` the thread's innermost target while alive.
  class TargetScope {
  public:
    explicit TargetScope(JumpTarget *target) : previous(currentTarget()) {
      currentTarget() = target;
    }
    ~TargetScope() { currentTarget() = previous; }

  private:
    JumpTarget *previous;
  };
  /// Leaves the generated code for the innermost target, if there is one.
  static void jumpOut() {
    if (JumpTarget *target = currentTarget())
      std::longjmp(target->buffer, 1);
  }

  /// The run the calling thread works for, if any.
  static RunErrors *&current() {
    static thread_local RunErrors *errors = nullptr;
    return errors;
  }
  class Scope {
  public:
    explicit Scope(RunErrors *errors) : previous(current()) { current() = errors; }
    ~Scope() { current() = previous; }

  private:
    RunErrors *previous;
  };

private:
  std::atomic<bool> claimed{false}, recorded{false};
  std::string first;
};

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_RUNERRORS_H
