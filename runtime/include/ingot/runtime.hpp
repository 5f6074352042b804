//===- runtime.hpp - A thin C++ wrapper over the Ingot runtime's C API ----===//
//
//   ingot::Model model("model.ingot");
//   ingot::Session session(model);
//   session.run({{"x", INGOT_FLOAT32, 2, dims, data}});
//   ingot_tensor y = session.output(0);
//
// Errors become ingot::Error exceptions carrying the C API's message.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_HPP
#define INGOT_RUNTIME_HPP

#include "ingot/runtime.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ingot {

class Error : public std::runtime_error {
public:
  Error() : std::runtime_error(ingot_last_error()) {}
};

class Model {
public:
  explicit Model(const std::string &path, int threads = 0)
      : model(ingot_model_load(path.c_str(), threads), &ingot_model_free) {
    if (!model)
      throw Error();
  }

  std::vector<ingot_tensor_info> inputs() const {
    return infos(ingot_model_num_inputs(get()), &ingot_model_input);
  }
  std::vector<ingot_tensor_info> outputs() const {
    return infos(ingot_model_num_outputs(get()), &ingot_model_output);
  }
  std::string manifest() const { return ingot_model_manifest(get()); }
  int threads() const { return ingot_model_threads(get()); }
  ingot_model *get() const { return model.get(); }

private:
  using InfoGetter = int (*)(const ingot_model *, int32_t, ingot_tensor_info *);
  std::vector<ingot_tensor_info> infos(int32_t count, InfoGetter getter) const {
    std::vector<ingot_tensor_info> result(count);
    for (int32_t i = 0; i < count; ++i)
      getter(get(), i, &result[i]);
    return result;
  }
  std::unique_ptr<ingot_model, void (*)(ingot_model *)> model;
};

/// One thread's way to run a model; sessions of one model run concurrently.
class Session {
public:
  explicit Session(const Model &model)
      : session(ingot_session_create(model.get()), &ingot_session_free),
        outputCount(ingot_model_num_outputs(model.get())) {
    if (!session)
      throw Error();
  }

  void run(const std::vector<ingot_tensor> &inputs) {
    if (ingot_session_run(session.get(), inputs.data(), int32_t(inputs.size())) != 0)
      throw Error();
  }

  /// Valid until the next run.
  ingot_tensor output(int index) const {
    ingot_tensor tensor;
    if (ingot_session_output(session.get(), index, &tensor) != 0)
      throw Error();
    return tensor;
  }
  int numOutputs() const { return outputCount; }
  ingot_session *get() const { return session.get(); }

  /// Per-region timing of the runs from now on (see ingot_session_profile).
  void setProfiling(bool enabled) {
    if (ingot_session_set_profiling(session.get(), enabled ? 1 : 0) != 0)
      throw Error();
  }
  struct Profile {
    std::vector<ingot_region_time> regions; // in the order they first ran
    int64_t runs = 0;
    double runSeconds = 0;
  };
  Profile profile() const {
    Profile profile;
    int32_t count = ingot_session_profile(session.get(), nullptr, 0, nullptr, nullptr);
    if (count < 0)
      throw Error();
    profile.regions.resize(count);
    ingot_session_profile(session.get(), profile.regions.data(), count, &profile.runs,
                          &profile.runSeconds);
    return profile;
  }

private:
  std::unique_ptr<ingot_session, void (*)(ingot_session *)> session;
  int outputCount;
};

} // namespace ingot

#endif // INGOT_RUNTIME_HPP
