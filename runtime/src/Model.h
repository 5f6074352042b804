//===- Model.h - A loaded artifact and the sessions that run it -----------===//
//
// Model: the artifact file mapped read-only (the weights are used where they
// lie), its manifest, its code placed by the ObjectLoader. Immutable once
// loaded. Session: the memory of one run at a time (the planned arena, the
// pool for run-time sized buffers, descriptors), so threads run one model
// concurrently, each with its own session.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_MODEL_H
#define INGOT_RUNTIME_SRC_MODEL_H

#include "ingot/runtime.h"
#include "runtime/include/ingot/ArtifactFormat.h"
#include "runtime/src/BufferPool.h"
#include "runtime/src/ObjectLoader.h"
#include "runtime/src/RegionProfile.h"
#include "runtime/src/ThreadPool.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ingot::runtime {

struct TensorInfo {
  std::string name;
  ingot_dtype dtype;
  std::vector<int64_t> dims; // -1 where symbolic
  std::vector<std::string> dimNames;
  std::vector<const char *> dimNamePointers;
};

/// The artifact file, mapped read-only, with its header and manifest
/// checked (format version, size, section bounds, checksum).
class MappedArtifact {
public:
  static std::unique_ptr<MappedArtifact> open(const std::string &path, std::string &error);
  ~MappedArtifact();

  const artifact::Header &header() const { return *reinterpret_cast<const artifact::Header *>(base); }
  const uint8_t *section(uint64_t offset) const { return base + offset; }
  std::string manifest() const;

private:
  MappedArtifact() = default;
  const uint8_t *base = nullptr;
  size_t bytes = 0;
};

class Model {
public:
  static std::unique_ptr<Model> load(const std::string &path, int threads, std::string &error);

  std::unique_ptr<MappedArtifact> file;
  std::unique_ptr<LoadedObject> code;
  void (*entry)(void **) = nullptr;
  std::string manifest;
  std::vector<TensorInfo> inputs, outputs;
  uint64_t arenaBytes = 0;
  std::unique_ptr<ThreadPool> pool;
  /// The ONNX nodes each parallel region's function computes (manifest).
  std::map<std::string, std::string> regionNodes;
};

class Session {
public:
  explicit Session(const Model &model);
  ~Session();

  /// Returns false and sets `error` on inputs that do not fit the model.
  bool run(const ingot_tensor *given, int32_t count, std::string &error);
  /// Output `index` of the last run.
  bool output(int32_t index, ingot_tensor &tensor) const;
  /// Output `index` of the last run in memory the caller now owns (to free
  /// with BufferPool::freeDetached): the session's own buffer when it can
  /// give it away, else a copy.
  bool takeOutput(int32_t index, ingot_tensor &tensor, void *&owner);

  const Model &loadedModel() const { return model; }
  /// While on, each run adds its regions' times to `profile`.
  bool profiling = false;
  RegionProfile profile;

private:
  bool bindInputs(const ingot_tensor *given, int32_t count, std::string &error);

  const Model &model;
  void *arena = nullptr;
  BufferPool pool;
  RunErrors errors;
  std::vector<int64_t> weightsDescriptor, arenaDescriptor;
  /// The outputs' memref descriptors, packed; output o starts at resultOffsets[o].
  std::vector<int64_t> results;
  std::vector<size_t> resultOffsets;
  std::vector<std::vector<int64_t>> inputDescriptors;
  std::vector<void *> arguments;
  std::vector<std::vector<uint8_t>> contiguousOutputs;
  /// Values the symbolic dims took in this run (names point into the model).
  std::vector<std::pair<const std::string *, int64_t>> symbolValues;
  bool hasRun = false;
};

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_MODEL_H
