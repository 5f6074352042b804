//===- Model.cpp - A loaded artifact and the sessions that run it ---------===//
//
// Loading checks everything before running anything, in the order a user
// can act on: is it an artifact, of this format version, whole, uncorrupted,
// for this CPU. Running checks the inputs against the manifest, builds MLIR
// memref descriptors around the caller's data (no copies) and calls the
// code's entry point with the weights, the arena and the inputs.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Model.h"

#include "runtime/src/CpuFeatures.h"
#include "runtime/src/Json.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <cstring>
#include <new>
#include <thread>

namespace ingot::runtime {

//===----------------------------------------------------------------------===//
// MappedArtifact
//===----------------------------------------------------------------------===//

MappedArtifact::~MappedArtifact() {
  if (base)
    munmap(const_cast<uint8_t *>(base), bytes);
}

std::string MappedArtifact::manifest() const {
  return std::string(reinterpret_cast<const char *>(base + header().manifestOffset),
                     header().manifestBytes);
}

static std::string hex(uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof(text), "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::unique_ptr<MappedArtifact> MappedArtifact::open(const std::string &path,
                                                     std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open: " + std::string(std::strerror(errno));
    return nullptr;
  }
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    error = "not a regular file";
    return nullptr;
  }
  size_t size = info.st_size;
  if (size < sizeof(artifact::Header)) {
    ::close(fd);
    error = "truncated: " + std::to_string(size) + " bytes, shorter than the " +
            std::to_string(sizeof(artifact::Header)) + "-byte header";
    return nullptr;
  }
  void *mapped = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) {
    error = "cannot map: " + std::string(std::strerror(errno));
    return nullptr;
  }
  std::unique_ptr<MappedArtifact> file(new MappedArtifact());
  file->base = static_cast<const uint8_t *>(mapped);
  file->bytes = size;
  const artifact::Header &header = file->header();
  if (std::memcmp(header.magic, artifact::kMagic, sizeof(header.magic)) != 0) {
    error = "not an Ingot artifact (no INGOT magic at the start)";
    return nullptr;
  }
  if (header.formatVersion != artifact::kFormatVersion) {
    error = "artifact format version " + std::to_string(header.formatVersion) +
            ", but this runtime reads version " + std::to_string(artifact::kFormatVersion) +
            "; recompile the model with a matching ingot";
    return nullptr;
  }
  if (header.fileBytes != size) {
    error = (size < header.fileBytes ? "truncated: the header says " : "trailing bytes: the header says ") +
            std::to_string(header.fileBytes) + " bytes, the file has " + std::to_string(size);
    return nullptr;
  }
  auto within = [&](uint64_t offset, uint64_t length) {
    return offset >= sizeof(artifact::Header) && offset <= size && length <= size - offset;
  };
  if (header.headerBytes != sizeof(artifact::Header) ||
      !within(header.manifestOffset, header.manifestBytes) ||
      !within(header.codeOffset, header.codeBytes) ||
      !within(header.weightsOffset, header.weightsBytes) ||
      header.weightsOffset % artifact::kWeightsAlignment != 0) {
    error = "corrupt header: a section lies outside the file";
    return nullptr;
  }
  uint64_t computed = artifact::checksum(file->base + artifact::kChecksummedFrom,
                                         size - artifact::kChecksummedFrom);
  if (computed != header.checksum) {
    error = "checksum mismatch (the file says " + hex(header.checksum) + ", its bytes give " +
            hex(computed) + "): the artifact is corrupt";
    return nullptr;
  }
  return file;
}

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

static bool dtypeFromName(const std::string &name, ingot_dtype &dtype) {
  for (int d = INGOT_FLOAT32; d <= INGOT_DTYPE_LAST; ++d)
    if (name == ingot_dtype_name(static_cast<ingot_dtype>(d))) {
      dtype = static_cast<ingot_dtype>(d);
      return true;
    }
  return false;
}

static bool readTensors(const JsonValue &manifest, const char *key, std::vector<TensorInfo> &out,
                        std::string &error) {
  const JsonValue *list = manifest.find(key);
  if (!list || list->kind != JsonValue::Kind::Array) {
    error = std::string("manifest has no '") + key + "' list";
    return false;
  }
  for (const JsonValue &entry : list->array) {
    const JsonValue *name = entry.find("name"), *dtype = entry.find("dtype"),
                    *shape = entry.find("shape");
    TensorInfo info;
    if (!name || name->kind != JsonValue::Kind::String || !dtype ||
        !dtypeFromName(dtype->string, info.dtype) || !shape ||
        shape->kind != JsonValue::Kind::Array) {
      error = std::string("manifest has a malformed entry in '") + key + "'";
      return false;
    }
    info.name = name->string;
    for (const JsonValue &dim : shape->array) {
      bool symbolic = dim.kind == JsonValue::Kind::String;
      if (!symbolic && !(dim.isInteger() && dim.number >= 0)) {
        error = "manifest gives '" + info.name + "' a malformed dim";
        return false;
      }
      info.dims.push_back(symbolic ? -1 : int64_t(dim.number));
      info.dimNames.push_back(symbolic && dim.string != "?" ? dim.string : "");
    }
    for (const std::string &dimName : info.dimNames)
      info.dimNamePointers.push_back(dimName.c_str());
    out.push_back(std::move(info));
  }
  return true;
}

std::unique_ptr<Model> Model::load(const std::string &path, int threads, std::string &error) {
  auto model = std::make_unique<Model>();
  model->file = MappedArtifact::open(path, error);
  if (!model->file)
    return nullptr;
  const artifact::Header &header = model->file->header();
  model->manifest = model->file->manifest();
  JsonValue manifest;
  if (!parseJson(model->manifest, manifest, error)) {
    error = "manifest is not valid JSON: " + error;
    return nullptr;
  }
  if (!readTensors(manifest, "inputs", model->inputs, error) ||
      !readTensors(manifest, "outputs", model->outputs, error))
    return nullptr;
  const JsonValue *target = manifest.find("target");
  const JsonValue *features = target ? target->find("features") : nullptr;
  const JsonValue *cpu = target ? target->find("cpu") : nullptr;
  if (!features || features->kind != JsonValue::Kind::Array) {
    error = "manifest has no target features";
    return nullptr;
  }
  std::string missing;
  for (const JsonValue &feature : features->array)
    if (!hostHasCpuFeature(feature.string))
      missing += (missing.empty() ? "" : ", ") + feature.string;
  if (!missing.empty()) {
    error = "compiled for CPU '" + (cpu ? cpu->string : std::string("?")) +
            "', needs CPU features this host lacks: " + missing +
            " (recompile with --cpu=native on this host)";
    return nullptr;
  }
  model->code = LoadedObject::load(model->file->section(header.codeOffset), header.codeBytes,
                                   resolveBuiltinSymbol, error);
  if (!model->code)
    return nullptr;
  model->entry = reinterpret_cast<void (*)(void **)>(model->code->lookup(artifact::kEntrySymbol));
  if (!model->entry) {
    error = std::string("code defines no ") + artifact::kEntrySymbol;
    return nullptr;
  }
  // What each parallel region computes (older artifacts have no list).
  if (const JsonValue *regions = manifest.find("regions");
      regions && regions->kind == JsonValue::Kind::Array)
    for (const JsonValue &region : regions->array) {
      const JsonValue *function = region.find("function"), *nodes = region.find("nodes");
      if (function && function->kind == JsonValue::Kind::String && nodes &&
          nodes->kind == JsonValue::Kind::String)
        model->regionNodes[function->string] = nodes->string;
    }
  model->arenaBytes = header.arenaBytes;
  unsigned cores = std::thread::hardware_concurrency();
  model->pool = std::make_unique<ThreadPool>(threads > 0 ? threads : int(cores ? cores : 1));
  return model;
}

//===----------------------------------------------------------------------===//
// Session
//===----------------------------------------------------------------------===//

/// {allocated, aligned, offset, sizes..., strides...} for a dense tensor.
static void fillDescriptor(std::vector<int64_t> &words, const void *data, const int64_t *dims,
                           size_t rank) {
  words.assign(3 + 2 * rank, 0);
  words[0] = words[1] = reinterpret_cast<int64_t>(data);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    words[3 + d] = dims[d];
    words[3 + rank + d] = stride;
    stride *= dims[d];
  }
}

Session::Session(const Model &model) : model(model) {
  if (model.arenaBytes > 0) {
    arena = std::aligned_alloc(artifact::kBufferAlignment, model.arenaBytes);
    if (!arena)
      throw std::bad_alloc();
  }
  const artifact::Header &header = model.file->header();
  int64_t weightsBytes = header.weightsBytes;
  const void *weights = model.file->section(header.weightsOffset);
  fillDescriptor(weightsDescriptor, weights, &weightsBytes, 1);
  int64_t arenaBytes = model.arenaBytes;
  fillDescriptor(arenaDescriptor, arena, &arenaBytes, 1);
  size_t resultWords = 0;
  for (const TensorInfo &output : model.outputs) {
    resultOffsets.push_back(resultWords);
    resultWords += 3 + 2 * output.dims.size();
  }
  results.assign(resultWords, 0);
  inputDescriptors.resize(model.inputs.size());
  for (size_t i = 0; i < model.inputs.size(); ++i)
    inputDescriptors[i].reserve(3 + 2 * model.inputs[i].dims.size());
  arguments.assign(3 + model.inputs.size(), nullptr);
  arguments[0] = results.data();
  arguments[1] = weightsDescriptor.data();
  arguments[2] = arenaDescriptor.data();
  contiguousOutputs.resize(model.outputs.size());
  symbolValues.reserve(16);
}

Session::~Session() { std::free(arena); }

static std::string shapeText(const TensorInfo &info) {
  std::string text = "[";
  for (size_t d = 0; d < info.dims.size(); ++d) {
    text += d ? "," : "";
    text += info.dims[d] >= 0 ? std::to_string(info.dims[d])
                              : (info.dimNames[d].empty() ? "?" : info.dimNames[d]);
  }
  return text + "]";
}

bool Session::bindInputs(const ingot_tensor *given, int32_t count, std::string &error) {
  if (count < 0 || (count > 0 && !given)) {
    error = "inputs: expected an array of " + std::to_string(model.inputs.size()) + " tensors";
    return false;
  }
  for (int32_t g = 0; g < count; ++g) {
    bool known = false;
    for (const TensorInfo &info : model.inputs)
      known |= given[g].name && info.name == given[g].name;
    if (!known) {
      error = "the model has no input named '" + std::string(given[g].name ? given[g].name : "") +
              "'; its inputs are:";
      for (const TensorInfo &info : model.inputs)
        error += " '" + info.name + "'";
      return false;
    }
  }
  symbolValues.clear();
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    const TensorInfo &info = model.inputs[i];
    const ingot_tensor *tensor = nullptr;
    for (int32_t g = 0; g < count; ++g) {
      if (std::strcmp(given[g].name, info.name.c_str()) != 0)
        continue;
      if (tensor) {
        error = "input '" + info.name + "' is given twice";
        return false;
      }
      tensor = &given[g];
    }
    if (!tensor) {
      error = "input '" + info.name + "' is missing (" + ingot_dtype_name(info.dtype) + " " +
              shapeText(info) + ")";
      return false;
    }
    if (tensor->dtype != info.dtype) {
      error = "input '" + info.name + "' has dtype " +
              (tensor->dtype >= INGOT_FLOAT32 && tensor->dtype <= INGOT_DTYPE_LAST
                   ? ingot_dtype_name(tensor->dtype)
                   : "unknown") +
              "; the model expects " + ingot_dtype_name(info.dtype);
      return false;
    }
    if (tensor->rank != int32_t(info.dims.size()) || (tensor->rank > 0 && !tensor->dims)) {
      error = "input '" + info.name + "' has rank " + std::to_string(tensor->rank) +
              "; the model expects rank " + std::to_string(info.dims.size()) + " " +
              shapeText(info);
      return false;
    }
    int64_t elements = 1;
    for (int32_t d = 0; d < tensor->rank; ++d) {
      int64_t size = tensor->dims[d];
      elements *= size;
      // Messages are built only on failure: a steady-state run allocates nothing.
      auto where = [&] { return "input '" + info.name + "' dim " + std::to_string(d); };
      if (size < 0) {
        error = where() + " is " + std::to_string(size) + "; dims cannot be negative";
        return false;
      }
      if (info.dims[d] >= 0 && size != info.dims[d]) {
        error = where() + " is " + std::to_string(size) + "; the model expects " +
                std::to_string(info.dims[d]) + " (shape " + shapeText(info) + ")";
        return false;
      }
      if (info.dims[d] >= 0 || info.dimNames[d].empty())
        continue;
      bool seen = false;
      for (auto &[symbol, value] : symbolValues) {
        if (*symbol != info.dimNames[d])
          continue;
        seen = true;
        if (value != size) {
          error = where() + " ('" + *symbol + "') is " + std::to_string(size) +
                  ", but another input set '" + *symbol + "' to " + std::to_string(value);
          return false;
        }
      }
      if (!seen)
        symbolValues.emplace_back(&info.dimNames[d], size);
    }
    if (elements > 0 && !tensor->data) {
      error = "input '" + info.name + "' has no data";
      return false;
    }
    fillDescriptor(inputDescriptors[i], tensor->data, tensor->dims, tensor->rank);
    arguments[3 + i] = inputDescriptors[i].data();
  }
  return true;
}

bool Session::run(const ingot_tensor *given, int32_t count, std::string &error) {
  pool.releaseAll();
  for (std::vector<uint8_t> &copy : contiguousOutputs)
    copy.clear();
  hasRun = false;
  if (!bindInputs(given, count, error))
    return false;
  errors.clear();
  {
    BufferPool::Scope buffers(pool);
    ThreadPool::Scope threads(*model.pool);
    RunErrors::Scope checks(&errors);
    // A fatal check jumps back here instead of returning (RunErrors.h).
    RunErrors::JumpTarget target;
    RunErrors::TargetScope jumpHere(&target);
    RegionProfile::Scope timed(profiling ? &profile : nullptr);
    auto start = std::chrono::steady_clock::now();
    if (setjmp(target.buffer) == 0)
      model.entry(arguments.data());
    if (profiling) {
      ++profile.runs;
      profile.runSeconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  }
  if (errors.failed()) {
    error = errors.message();
    return false;
  }
  // Outputs are normally dense; anything else is gathered into session memory.
  for (size_t o = 0; o < model.outputs.size(); ++o) {
    size_t rank = model.outputs[o].dims.size();
    const int64_t *words = results.data() + resultOffsets[o];
    const int64_t *sizes = words + 3, *strides = words + 3 + rank;
    bool dense = true;
    int64_t expected = 1, elements = 1;
    for (size_t d = rank; d-- > 0;) {
      dense &= sizes[d] == 1 || strides[d] == expected;
      expected *= sizes[d];
      elements *= sizes[d];
    }
    if (!dense) {
      size_t elementBytes = ingot_dtype_size(model.outputs[o].dtype);
      std::vector<uint8_t> &copy = contiguousOutputs[o];
      copy.resize(elements * elementBytes);
      auto *source = reinterpret_cast<const uint8_t *>(words[1]) + words[2] * elementBytes;
      std::vector<int64_t> index(rank, 0);
      for (int64_t n = 0; n < elements; ++n) {
        int64_t offset = 0;
        for (size_t d = 0; d < rank; ++d)
          offset += index[d] * strides[d];
        std::memcpy(copy.data() + n * elementBytes, source + offset * elementBytes, elementBytes);
        for (size_t d = rank; d-- > 0;)
          if (++index[d] < sizes[d])
            break;
          else
            index[d] = 0;
      }
    }
  }
  hasRun = true;
  return true;
}

bool Session::output(int32_t index, ingot_tensor &tensor) const {
  if (!hasRun || index < 0 || size_t(index) >= model.outputs.size())
    return false;
  const TensorInfo &info = model.outputs[index];
  const int64_t *words = results.data() + resultOffsets[index];
  tensor.name = info.name.c_str();
  tensor.dtype = info.dtype;
  tensor.rank = int32_t(info.dims.size());
  tensor.dims = words + 3;
  if (!contiguousOutputs[index].empty())
    tensor.data = const_cast<uint8_t *>(contiguousOutputs[index].data());
  else
    tensor.data = reinterpret_cast<uint8_t *>(words[1]) +
                  words[2] * int64_t(ingot_dtype_size(info.dtype));
  return true;
}

bool Session::takeOutput(int32_t index, ingot_tensor &tensor, void *&owner) {
  if (!output(index, tensor))
    return false;
  const int64_t *words = results.data() + resultOffsets[index];
  // A dense output in a block of its own (words[0] is the block's start)
  // changes hands; anything else (a gathered copy, an output that is a
  // view of another buffer) is copied into a fresh block.
  if (contiguousOutputs[index].empty() && tensor.data == reinterpret_cast<void *>(words[0]))
    if ((owner = pool.detach(tensor.data)))
      return true;
  size_t bytes = ingot_dtype_size(tensor.dtype);
  for (int32_t d = 0; d < tensor.rank; ++d)
    bytes *= tensor.dims[d];
  void *block = std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64));
  if (!block)
    return false;
  std::memcpy(block, tensor.data, bytes);
  tensor.data = block;
  owner = block;
  return true;
}

} // namespace ingot::runtime
