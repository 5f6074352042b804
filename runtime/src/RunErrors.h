//===- RunErrors.h - Failed run-time checks of one run --------------------===//
//
// Generated code reports a failed check (e.g. a Gather index out of range)
// by calling `puts` with a message naming the node; the runtime's `puts`
// records the first one here, on whichever thread the check ran, and the
// session fails the run with it once the code returns.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_RUNERRORS_H
#define INGOT_RUNTIME_SRC_RUNERRORS_H

#include <atomic>
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
