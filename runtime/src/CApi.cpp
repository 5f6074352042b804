//===- CApi.cpp - The C API over Model and Session ------------------------===//
//
// Errors never cross the API as exceptions: each entry point catches, keeps
// the message in a thread-local string and returns NULL or non-zero.
//
//===----------------------------------------------------------------------===//

#include "ingot/runtime.h"

#include "runtime/src/Model.h"

#include <cstdlib>
#include <cstring>
#include <new>

using namespace ingot::runtime;

struct ingot_model {
  std::unique_ptr<Model> model;
};

struct ingot_session {
  std::unique_ptr<Session> session;
};

namespace {

thread_local std::string lastError;

template <typename T>
T fail(const std::string &message, T result) {
  lastError = message;
  return result;
}

void fillInfo(const TensorInfo &tensor, ingot_tensor_info *info) {
  info->name = tensor.name.c_str();
  info->dtype = tensor.dtype;
  info->rank = int32_t(tensor.dims.size());
  info->dims = tensor.dims.data();
  info->dim_names = tensor.dimNamePointers.data();
}

} // namespace

extern "C" {

const char *ingot_dtype_name(ingot_dtype dtype) {
  static const char *const names[] = {
      "float32",       "float64",         "float16",     "bfloat16",        "int8",
      "int16",         "int32",           "int64",       "uint8",           "uint16",
      "uint32",        "uint64",          "bool",        "float8_e4m3fn",   "float8_e4m3fnuz",
      "float8_e5m2",   "float8_e5m2fnuz", "int4",        "uint4",           "int2",
      "uint2"};
  static_assert(sizeof(names) / sizeof(names[0]) == INGOT_DTYPE_LAST + 1, "a name per dtype");
  return dtype >= INGOT_FLOAT32 && dtype <= INGOT_DTYPE_LAST ? names[dtype] : "unknown";
}

size_t ingot_dtype_size(ingot_dtype dtype) {
  static const size_t sizes[] = {4, 8, 2, 2, 1, 2, 4, 8, 1, 2, 4, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  static_assert(sizeof(sizes) / sizeof(sizes[0]) == INGOT_DTYPE_LAST + 1, "a size per dtype");
  return dtype >= INGOT_FLOAT32 && dtype <= INGOT_DTYPE_LAST ? sizes[dtype] : 0;
}

const char *ingot_last_error(void) { return lastError.c_str(); }

ingot_model *ingot_model_load(const char *path, int32_t threads) {
  if (!path)
    return fail("ingot_model_load: no path", nullptr);
  try {
    std::string error;
    std::unique_ptr<Model> model = Model::load(path, threads, error);
    if (!model)
      return fail(std::string(path) + ": " + error, nullptr);
    return new ingot_model{std::move(model)};
  } catch (const std::bad_alloc &) {
    return fail(std::string(path) + ": out of memory", nullptr);
  }
}

void ingot_model_free(ingot_model *model) { delete model; }

int32_t ingot_model_num_inputs(const ingot_model *model) {
  return model ? int32_t(model->model->inputs.size()) : 0;
}

int32_t ingot_model_num_outputs(const ingot_model *model) {
  return model ? int32_t(model->model->outputs.size()) : 0;
}

int ingot_model_input(const ingot_model *model, int32_t index, ingot_tensor_info *info) {
  if (!model || !info || index < 0 || size_t(index) >= model->model->inputs.size())
    return fail("ingot_model_input: no input " + std::to_string(index), 1);
  fillInfo(model->model->inputs[index], info);
  return 0;
}

int ingot_model_output(const ingot_model *model, int32_t index, ingot_tensor_info *info) {
  if (!model || !info || index < 0 || size_t(index) >= model->model->outputs.size())
    return fail("ingot_model_output: no output " + std::to_string(index), 1);
  fillInfo(model->model->outputs[index], info);
  return 0;
}

const char *ingot_model_manifest(const ingot_model *model) {
  return model ? model->model->manifest.c_str() : "";
}

uint64_t ingot_model_arena_bytes(const ingot_model *model) {
  return model ? model->model->arenaBytes : 0;
}

int32_t ingot_model_threads(const ingot_model *model) {
  return model ? model->model->pool->threads() : 0;
}

char *ingot_read_manifest(const char *path) {
  if (!path)
    return fail("ingot_read_manifest: no path", nullptr);
  std::string error;
  std::unique_ptr<MappedArtifact> file = MappedArtifact::open(path, error);
  if (!file)
    return fail(std::string(path) + ": " + error, nullptr);
  std::string text = file->manifest();
  char *copy = static_cast<char *>(std::malloc(text.size() + 1));
  if (!copy)
    return fail(std::string(path) + ": out of memory", nullptr);
  std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

ingot_session *ingot_session_create(ingot_model *model) {
  if (!model)
    return fail("ingot_session_create: no model", nullptr);
  try {
    return new ingot_session{std::make_unique<Session>(*model->model)};
  } catch (const std::bad_alloc &) {
    return fail("ingot_session_create: out of memory for the arena", nullptr);
  }
}

void ingot_session_free(ingot_session *session) { delete session; }

int ingot_session_run(ingot_session *session, const ingot_tensor *inputs, int32_t num_inputs) {
  if (!session)
    return fail("ingot_session_run: no session", 1);
  std::string error;
  if (!session->session->run(inputs, num_inputs, error))
    return fail(error, 1);
  return 0;
}

int ingot_session_output(const ingot_session *session, int32_t index, ingot_tensor *output) {
  if (!session || !output || !session->session->output(index, *output))
    return fail("ingot_session_output: no output " + std::to_string(index) +
                    " (is the index in range, and did the last run succeed?)",
                1);
  return 0;
}

int ingot_session_take_output(ingot_session *session, int32_t index, ingot_tensor *output,
                              void **owner) {
  if (!session || !output || !owner || !session->session->takeOutput(index, *output, *owner))
    return fail("ingot_session_take_output: no output " + std::to_string(index) +
                    " (is the index in range, and did the last run succeed?)",
                1);
  return 0;
}

void ingot_buffer_free(void *owner) { BufferPool::freeDetached(owner); }

int ingot_session_set_profiling(ingot_session *session, int enabled) {
  if (!session)
    return fail("ingot_session_set_profiling: no session", 1);
  session->session->profiling = enabled != 0;
  session->session->profile.clear();
  return 0;
}

int32_t ingot_session_profile(const ingot_session *session, ingot_region_time *regions,
                              int32_t capacity, int64_t *runs, double *runSeconds) {
  if (!session)
    return fail("ingot_session_profile: no session", -1);
  const Session &s = *session->session;
  const RegionProfile &profile = s.profile;
  if (runs)
    *runs = profile.runs;
  if (runSeconds)
    *runSeconds = profile.runSeconds;
  const Model &model = s.loadedModel();
  int32_t count = int32_t(profile.regions().size());
  for (int32_t i = 0; i < count && i < capacity && regions; ++i) {
    auto &[function, entry] = profile.regions()[i];
    const std::string *name = model.code->functionAt(function);
    auto nodes = name ? model.regionNodes.find(*name) : model.regionNodes.end();
    regions[i] = {name ? name->c_str() : "?",
                  nodes != model.regionNodes.end() ? nodes->second.c_str() : "", entry.calls,
                  entry.seconds};
  }
  return count;
}

} // extern "C"
