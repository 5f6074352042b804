//===- RuntimeModule.cpp - The `ingot._runtime` Python extension ----------===//
//
// Wraps the runtime's C API for Python: Model.run(dict) -> dict of NumPy
// arrays. Inputs are passed to the compiled code in place (the Python layer
// only makes them C-contiguous, which copies nothing when they already are);
// each output array takes over the buffer the code wrote it into. A model keeps a pool
// of sessions, so threads may call run() on one model at once; the GIL is
// released while the model runs.
//
//===----------------------------------------------------------------------===//

#include "ingot/runtime.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstring>
#include <mutex>

namespace nb = nanobind;

namespace {

struct DtypeMapping {
  ingot_dtype dtype;
  nb::dlpack::dtype_code code;
  uint8_t bits;
};

constexpr DtypeMapping kDtypes[] = {
    {INGOT_FLOAT32, nb::dlpack::dtype_code::Float, 32},
    {INGOT_FLOAT64, nb::dlpack::dtype_code::Float, 64},
    {INGOT_FLOAT16, nb::dlpack::dtype_code::Float, 16},
    {INGOT_BFLOAT16, nb::dlpack::dtype_code::Bfloat, 16},
    {INGOT_INT8, nb::dlpack::dtype_code::Int, 8},
    {INGOT_INT16, nb::dlpack::dtype_code::Int, 16},
    {INGOT_INT32, nb::dlpack::dtype_code::Int, 32},
    {INGOT_INT64, nb::dlpack::dtype_code::Int, 64},
    {INGOT_UINT8, nb::dlpack::dtype_code::UInt, 8},
    {INGOT_UINT16, nb::dlpack::dtype_code::UInt, 16},
    {INGOT_UINT32, nb::dlpack::dtype_code::UInt, 32},
    {INGOT_UINT64, nb::dlpack::dtype_code::UInt, 64},
    {INGOT_BOOL, nb::dlpack::dtype_code::Bool, 8},
};

/// Dtypes NumPy has no DLPack code for (ml_dtypes' bfloat16, float8, int4,
/// int2): they cross as unsigned integers of their size, and the Python
/// layer views them as the ml_dtypes type (ingot/__init__.py).
bool travelsAsBits(ingot_dtype dtype) {
  return dtype == INGOT_BFLOAT16 || dtype >= INGOT_FLOAT8E4M3FN;
}

nb::dlpack::dtype toDlpack(ingot_dtype dtype) {
  if (travelsAsBits(dtype))
    return {uint8_t(nb::dlpack::dtype_code::UInt), uint8_t(8 * ingot_dtype_size(dtype)), 1};
  for (const DtypeMapping &m : kDtypes)
    if (m.dtype == dtype)
      return {uint8_t(m.code), m.bits, 1};
  return {uint8_t(nb::dlpack::dtype_code::Float), 32, 1};
}

bool fromDlpack(nb::dlpack::dtype dtype, ingot_dtype &out) {
  for (const DtypeMapping &m : kDtypes)
    if (dtype.code == uint8_t(m.code) && dtype.bits == m.bits && dtype.lanes == 1) {
      out = m.dtype;
      return true;
    }
  return false;
}

nb::list describe(const std::vector<ingot_tensor_info> &tensors) {
  nb::list list;
  for (const ingot_tensor_info &info : tensors) {
    nb::list shape;
    for (int32_t d = 0; d < info.rank; ++d) {
      if (info.dims[d] >= 0)
        shape.append(info.dims[d]);
      else if (info.dim_names[d][0])
        shape.append(nb::str(info.dim_names[d]));
      else
        shape.append(nb::none());
    }
    nb::dict entry;
    entry["name"] = info.name;
    entry["dtype"] = ingot_dtype_name(info.dtype);
    entry["shape"] = nb::tuple(shape);
    list.append(entry);
  }
  return list;
}

class PyModel {
public:
  PyModel(const std::string &path, int threads) : model(path, threads) {}

  /// The inputs of a run, viewing the arrays of `feeds` (kept alive here).
  struct Feeds {
    std::vector<ingot_tensor> inputs;
    std::vector<std::string> names;
    std::vector<std::vector<int64_t>> shapes;
    std::vector<nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>> arrays;
  };

  void bind(nb::dict feeds, Feeds &bound) {
    auto &[inputs, names, shapes, arrays] = bound;
    names.reserve(feeds.size());
    shapes.reserve(feeds.size());
    for (auto [key, value] : feeds) {
      names.push_back(nb::cast<std::string>(key));
      nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu> array;
      if (!nb::try_cast(value, array))
        throw nb::value_error(("input '" + names.back() +
                               "': expected a C-contiguous NumPy array on the CPU")
                                  .c_str());
      ingot_dtype dtype;
      if (!fromDlpack(array.dtype(), dtype))
        throw nb::type_error(("input '" + names.back() + "': unsupported element type").c_str());
      // The bits of a dtype NumPy cannot name (the Python layer checked it).
      for (const ingot_tensor_info &info : model.inputs())
        if (names.back() == info.name && travelsAsBits(info.dtype) &&
            array.dtype().code == uint8_t(nb::dlpack::dtype_code::UInt) &&
            array.dtype().bits == 8 * ingot_dtype_size(info.dtype))
          dtype = info.dtype;
      arrays.push_back(array);
      shapes.emplace_back(array.ndim());
      for (size_t d = 0; d < array.ndim(); ++d)
        shapes.back()[d] = array.shape(d);
      inputs.push_back({names.back().c_str(), dtype, int32_t(array.ndim()), shapes.back().data(),
                        const_cast<void *>(array.data())});
    }
  }

  nb::dict run(nb::dict feeds) {
    Feeds bound;
    bind(feeds, bound);
    const std::vector<ingot_tensor> &inputs = bound.inputs;
    std::unique_ptr<ingot::Session> session = acquire();
    std::string error;
    {
      nb::gil_scoped_release release;
      if (ingot_session_run(session->get(), inputs.data(), int32_t(inputs.size())) != 0)
        error = ingot_last_error();
    }
    if (!error.empty()) {
      giveBack(std::move(session));
      throw nb::value_error(error.c_str());
    }
    nb::dict outputs;
    for (int o = 0; o < session->numOutputs(); ++o) {
      // The array takes the output's memory over: no copy.
      ingot_tensor tensor;
      void *memory = nullptr;
      if (ingot_session_take_output(session->get(), o, &tensor, &memory) != 0) {
        std::string message = ingot_last_error();
        giveBack(std::move(session));
        throw nb::value_error(message.c_str());
      }
      std::vector<size_t> shape(tensor.dims, tensor.dims + tensor.rank);
      nb::capsule owner(memory, [](void *p) noexcept { ingot_buffer_free(p); });
      outputs[tensor.name] = nb::ndarray<nb::numpy>(tensor.data, shape.size(), shape.data(),
                                                    owner, nullptr, toDlpack(tensor.dtype));
    }
    giveBack(std::move(session));
    return outputs;
  }

  /// Runs `runs` times on `feeds` with per-region timing: (runs, seconds
  /// of all runs, [(function, nodes, calls, seconds)] in the order the
  /// regions first ran).
  nb::tuple profile(nb::dict feeds, int runs) {
    if (runs < 1)
      throw nb::value_error("runs must be at least 1");
    Feeds bound;
    bind(feeds, bound);
    std::unique_ptr<ingot::Session> session = acquire();
    std::string error;
    ingot::Session::Profile measured;
    {
      nb::gil_scoped_release release;
      session->setProfiling(true);
      for (int r = 0; r < runs && error.empty(); ++r)
        if (ingot_session_run(session->get(), bound.inputs.data(), int32_t(bound.inputs.size())) != 0)
          error = ingot_last_error();
      measured = session->profile();
      session->setProfiling(false);
    }
    giveBack(std::move(session));
    if (!error.empty())
      throw nb::value_error(error.c_str());
    nb::list regions;
    for (const ingot_region_time &region : measured.regions)
      regions.append(nb::make_tuple(std::string(region.function), std::string(region.nodes),
                                    region.calls, region.seconds));
    return nb::make_tuple(measured.runs, measured.runSeconds, regions);
  }

  nb::list inputs() const { return describe(model.inputs()); }
  nb::list outputs() const { return describe(model.outputs()); }
  std::string manifest() const { return model.manifest(); }
  int threads() const { return model.threads(); }

private:
  /// A session of this model not in use by another thread.
  std::unique_ptr<ingot::Session> acquire() {
    std::lock_guard<std::mutex> lock(mutex);
    if (idle.empty())
      return std::make_unique<ingot::Session>(model);
    std::unique_ptr<ingot::Session> session = std::move(idle.back());
    idle.pop_back();
    return session;
  }
  void giveBack(std::unique_ptr<ingot::Session> session) {
    std::lock_guard<std::mutex> lock(mutex);
    idle.push_back(std::move(session));
  }

  ingot::Model model;
  std::mutex mutex;
  std::vector<std::unique_ptr<ingot::Session>> idle;
};

} // namespace

NB_MODULE(_runtime, m) {
  m.doc() = "The Ingot runtime: loads model.ingot artifacts and runs them";
  nb::register_exception_translator([](const std::exception_ptr &p, void *) {
    try {
      std::rethrow_exception(p);
    } catch (const ingot::Error &e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  nb::class_<PyModel>(m, "Model")
      .def(nb::init<const std::string &, int>(), nb::arg("path"), nb::arg("threads") = 0)
      .def("run", &PyModel::run, nb::arg("inputs"),
           "Run on a dict of input name -> array; returns a dict of output name -> array")
      .def("profile", &PyModel::profile, nb::arg("inputs"), nb::arg("runs"),
           "Run `runs` times timing each parallel region: (runs, seconds, [(function, nodes, "
           "calls, seconds)])")
      .def_prop_ro("inputs", &PyModel::inputs, "[{'name', 'dtype', 'shape'}] of the inputs")
      .def_prop_ro("outputs", &PyModel::outputs, "[{'name', 'dtype', 'shape'}] of the outputs")
      .def_prop_ro("manifest", &PyModel::manifest, "the artifact's manifest (JSON text)")
      .def_prop_ro("threads", &PyModel::threads);
}
