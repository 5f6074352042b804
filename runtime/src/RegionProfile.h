//===- RegionProfile.h - Time per parallel region of a session's runs -----===//
//
// Every parallel region of the generated code starts with one call of
// ingot_parallel_for on the thread that runs the model, so timing those
// calls times the regions: a profiling session makes its profile current on
// that thread for each run, and the builtin adds the call's wall time to
// the entry of the region's function. Time outside the calls (the few
// sequential loops, allocation) is the run's time less the regions'.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_REGIONPROFILE_H
#define INGOT_RUNTIME_SRC_REGIONPROFILE_H

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ingot::runtime {

class RegionProfile {
public:
  struct Entry {
    int64_t calls = 0;
    double seconds = 0;
  };

  void record(const void *function, double seconds) {
    auto [it, inserted] = indexOf.try_emplace(function, order.size());
    if (inserted)
      order.push_back({function, Entry()});
    Entry &entry = order[it->second].second;
    ++entry.calls;
    entry.seconds += seconds;
  }
  void clear() {
    indexOf.clear();
    order.clear();
    runs = 0;
    runSeconds = 0;
  }
  /// The regions in the order they first ran.
  const std::vector<std::pair<const void *, Entry>> &regions() const { return order; }

  int64_t runs = 0;
  double runSeconds = 0;

  /// The profile of the run on this thread, or null when not profiling.
  static RegionProfile *&current() {
    static thread_local RegionProfile *profile = nullptr;
    return profile;
  }
  class Scope {
  public:
    explicit Scope(RegionProfile *profile) : previous(current()) { current() = profile; }
    ~Scope() { current() = previous; }

  private:
    RegionProfile *previous;
  };

private:
  std::unordered_map<const void *, size_t> indexOf;
  std::vector<std::pair<const void *, Entry>> order;
};

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_REGIONPROFILE_H
