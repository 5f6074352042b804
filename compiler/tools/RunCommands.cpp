//===- RunCommands.cpp - `ingot run` and `ingot inspect` ------------------===//
//
// `ingot run` feeds .npy inputs (or random ones) to an artifact, prints each
// output's shape and a checksum (the sum of its elements, in double), can
// time repeated runs and write the outputs as .npy files.
//
//===----------------------------------------------------------------------===//

#include "compiler/tools/RunCommands.h"

#include "compiler/tools/AtomicFile.h"
#include "compiler/tools/Npy.h"

#include "ingot/runtime.hpp"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <random>

using namespace llvm;

namespace ingot::tools {

cl::SubCommand runCommand("run", "Run a compiled model.ingot");
cl::SubCommand inspectCommand("inspect", "Print an artifact's manifest");

namespace {

cl::opt<std::string> runPath(cl::Positional, cl::desc("<model.ingot>"), cl::Required,
                             cl::sub(runCommand));
cl::list<std::string> inputFiles("input",
                                 cl::desc("An input as a .npy file, e.g. --input x=x.npy; "
                                          "without any, every input gets random values"),
                                 cl::value_desc("name=file.npy"), cl::sub(runCommand));
cl::list<std::string> randomShapes("shape",
                                   cl::desc("Shape of a random input, e.g. --shape ids=2x16 "
                                            "(symbolic dims default to 1)"),
                                   cl::value_desc("name=DxD..."), cl::sub(runCommand));
cl::opt<std::string> outputDir("output-dir",
                               cl::desc("Write each output to DIR/<output name>.npy"),
                               cl::value_desc("dir"), cl::sub(runCommand));
cl::opt<unsigned> repeat("repeat", cl::desc("Time N more runs and print latency statistics"),
                         cl::init(0), cl::sub(runCommand));
cl::opt<unsigned> threads("threads", cl::desc("Threads to run with (default: every core)"),
                          cl::init(0), cl::sub(runCommand));
cl::opt<unsigned> seed("seed", cl::desc("Seed of the random inputs"), cl::init(0),
                       cl::sub(runCommand));
cl::opt<bool> profileRegions(
    "profile",
    cl::desc("Time each parallel region (the ONNX nodes fused into it) over the --repeat "
             "runs, or the one run without --repeat, and print them slowest first"),
    cl::sub(runCommand));

cl::opt<std::string> inspectPath(cl::Positional, cl::desc("<model.ingot>"), cl::Required,
                                 cl::sub(inspectCommand));
cl::opt<bool> asJson("json", cl::desc("Print the manifest as JSON"), cl::sub(inspectCommand));

int fail(const Twine &message) {
  errs() << "ingot: " << message << "\n";
  return 1;
}

/// An output name as a file name: characters outside [A-Za-z0-9_.-] become
/// '_', and names that would climb directories are made plain.
std::string fileNameFor(StringRef name) {
  std::string file;
  for (char c : name)
    file += isAlnum(c) || c == '_' || c == '.' || c == '-' ? c : '_';
  if (file.empty() || file == "." || file == "..")
    file = "_" + file;
  return file + ".npy";
}

/// Random values of the input's dtype: normal floats, and 0/1 for integers
/// and bools, which are safe as token ids, indices and masks.
void fillRandom(NpyArray &array, std::mt19937_64 &random) {
  int64_t elements = 1;
  for (int64_t d : array.dims)
    elements *= d;
  array.data.assign(size_t(elements) * ingot_dtype_size(array.dtype), 0);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < elements; ++i) {
    uint8_t *at = array.data.data() + i * ingot_dtype_size(array.dtype);
    switch (array.dtype) {
    case INGOT_FLOAT32: {
      float v = normal(random);
      std::memcpy(at, &v, 4);
      break;
    }
    case INGOT_FLOAT64: {
      double v = normal(random);
      std::memcpy(at, &v, 8);
      break;
    }
    case INGOT_FLOAT16:
    case INGOT_BFLOAT16:
      break; // zeros
    default:
      *at = random() & 1; // little-endian: the low byte of any integer
    }
  }
}

double elementAsDouble(const ingot_tensor &tensor, int64_t i) {
  const uint8_t *at = static_cast<const uint8_t *>(tensor.data) + i * ingot_dtype_size(tensor.dtype);
  auto read = [&](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, at, sizeof(v));
    return double(v);
  };
  switch (tensor.dtype) {
  case INGOT_FLOAT32: return read(float());
  case INGOT_FLOAT64: return read(double());
  case INGOT_INT8: return read(int8_t());
  case INGOT_INT16: return read(int16_t());
  case INGOT_INT32: return read(int32_t());
  case INGOT_INT64: return read(int64_t());
  case INGOT_UINT8: return read(uint8_t());
  case INGOT_UINT16: return read(uint16_t());
  case INGOT_UINT32: return read(uint32_t());
  case INGOT_UINT64: return read(uint64_t());
  case INGOT_BOOL: return read(uint8_t());
  default: return 0; // float16/bfloat16: not summed
  }
}

std::string shapeText(const int64_t *dims, int32_t rank) {
  std::string text = "[";
  for (int32_t d = 0; d < rank; ++d)
    text += (d ? "," : "") + std::to_string(dims[d]);
  return text + "]";
}

} // namespace

/// The regions of `profile`, slowest first, per run, then the time the
/// runs spent outside them.
void printProfile(const Session::Profile &profile) {
  if (profile.runs == 0)
    return;
  double runs = double(profile.runs), total = profile.runSeconds * 1e3 / runs, inRegions = 0;
  std::vector<ingot_region_time> regions = profile.regions;
  std::stable_sort(regions.begin(), regions.end(),
                   [](const ingot_region_time &a, const ingot_region_time &b) {
                     return a.seconds > b.seconds;
                   });
  for (const ingot_region_time &region : regions)
    inRegions += region.seconds * 1e3 / runs;
  auto share = [&](double ms) { return format("%5.1f%%", total > 0 ? 100 * ms / total : 0.0); };
  outs() << "profile over " << profile.runs << (profile.runs == 1 ? " run: " : " runs: ")
         << format("%.3f", total) << " ms per run, " << share(inRegions) << " of it in "
         << regions.size() << " parallel regions\n"
         << "    ms/run   share  calls/run  region               nodes\n";
  for (const ingot_region_time &region : regions) {
    double ms = region.seconds * 1e3 / runs;
    outs() << format("  %8.3f  ", ms) << share(ms)
           << format("  %9.1f  ", double(region.calls) / runs) << left_justify(region.function, 19)
           << "  " << (*region.nodes ? region.nodes : "-") << "\n";
  }
  double outside = std::max(0.0, total - inRegions);
  outs() << format("  %8.3f  ", outside) << share(outside)
         << "             (outside the parallel regions)\n";
}

int runArtifact() {
  // Refuse an unusable output directory before running anything.
  if (!outputDir.empty()) {
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return fail("--output-dir " + outputDir + ": " + ec.message());
    if (sys::fs::access(outputDir, sys::fs::AccessMode::Write))
      return fail("--output-dir " + outputDir + ": not writable");
  }
  auto loadStart = std::chrono::steady_clock::now();
  std::unique_ptr<Model> model;
  try {
    model = std::make_unique<Model>(runPath, int(threads));
  } catch (const Error &error) {
    return fail(error.what());
  }
  double loadMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - loadStart)
          .count();
  std::vector<ingot_tensor_info> declared = model->inputs();

  std::map<std::string, NpyArray> arrays;
  for (const std::string &spec : inputFiles) {
    auto [name, path] = StringRef(spec).split('=');
    if (name.empty() || path.empty())
      return fail("--input " + spec + ": expected NAME=FILE.npy");
    std::string error;
    if (!readNpy(path.str(), arrays[name.str()], error))
      return fail("--input " + spec + ": " + path + ": " + error);
  }
  if (inputFiles.empty()) {
    std::map<std::string, std::vector<int64_t>> pinned;
    for (const std::string &spec : randomShapes) {
      auto [name, dimsText] = StringRef(spec).split('=');
      SmallVector<StringRef> parts;
      dimsText.split(parts, 'x');
      for (StringRef part : parts) {
        int64_t dim;
        if (part.getAsInteger(10, dim) || dim < 0)
          return fail("--shape " + spec + ": expected NAME=DxDx... with non-negative dims");
        pinned[name.str()].push_back(dim);
      }
    }
    std::mt19937_64 random(seed);
    for (const ingot_tensor_info &info : declared) {
      NpyArray &array = arrays[info.name];
      array.dtype = info.dtype;
      auto found = pinned.find(info.name);
      if (found != pinned.end())
        array.dims = found->second;
      else
        for (int32_t d = 0; d < info.rank; ++d)
          array.dims.push_back(info.dims[d] >= 0 ? info.dims[d] : 1);
      fillRandom(array, random);
    }
  }
  std::vector<ingot_tensor> inputs;
  for (auto &[name, array] : arrays)
    inputs.push_back({name.c_str(), array.dtype, int32_t(array.dims.size()), array.dims.data(),
                      array.data.data()});

  try {
    Session session(*model);
    auto timeRun = [&] {
      auto start = std::chrono::steady_clock::now();
      session.run(inputs);
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
          .count();
    };
    // Without --repeat the one run is profiled; with it, the timed runs
    // after it (the first run pays for page faults and cold caches).
    if (profileRegions && repeat == 0)
      session.setProfiling(true);
    double firstMs = timeRun();
    outs() << "loaded " << runPath << " in " << format("%.1f", loadMs) << " ms; first run "
           << format("%.2f", firstMs) << " ms (" << model->threads() << " threads)\n";
    for (int o = 0; o < session.numOutputs(); ++o) {
      ingot_tensor output = session.output(o);
      int64_t elements = 1;
      for (int32_t d = 0; d < output.rank; ++d)
        elements *= output.dims[d];
      double sum = 0;
      for (int64_t i = 0; i < elements; ++i)
        sum += elementAsDouble(output, i);
      outs() << output.name << ": " << ingot_dtype_name(output.dtype) << " "
             << shapeText(output.dims, output.rank) << " checksum " << format("%.9g", sum)
             << "\n";
      if (!outputDir.empty()) {
        SmallString<256> path(outputDir);
        sys::path::append(path, fileNameFor(output.name));
        if (failed(writeAtomically(path, encodeNpy(output.dtype, output.dims, output.rank,
                                                   output.data))))
          return 1;
      }
    }
    if (repeat > 0) {
      if (profileRegions)
        session.setProfiling(true);
      std::vector<double> times;
      for (unsigned r = 0; r < repeat; ++r)
        times.push_back(timeRun());
      std::sort(times.begin(), times.end());
      double mean = 0;
      for (double t : times)
        mean += t / times.size();
      auto at = [&](double q) { return times[std::min(times.size() - 1, size_t(q * times.size()))]; };
      outs() << "latency over " << repeat << " runs (ms): min " << format("%.3f", times.front())
             << " median " << format("%.3f", at(0.5)) << " mean " << format("%.3f", mean)
             << " p90 " << format("%.3f", at(0.9)) << " max " << format("%.3f", times.back())
             << "\n";
    }
    if (profileRegions)
      printProfile(session.profile());
  } catch (const Error &error) {
    return fail(runPath + ": " + error.what());
  }
  return 0;
}

int inspectArtifact() {
  char *text = ingot_read_manifest(inspectPath.c_str());
  if (!text)
    return fail(ingot_last_error());
  std::string manifestText(text);
  std::free(text);
  if (asJson) {
    outs() << manifestText;
    return 0;
  }
  Expected<json::Value> parsed = json::parse(manifestText);
  if (!parsed)
    return fail(inspectPath + ": manifest is not valid JSON: " + toString(parsed.takeError()));
  const json::Object *manifest = parsed->getAsObject();
  if (!manifest)
    return fail(inspectPath + ": manifest is not a JSON object");
  auto str = [](const json::Object *object, StringRef key) {
    std::optional<StringRef> value = object ? object->getString(key) : std::nullopt;
    return value ? value->str() : std::string("?");
  };
  auto bytes = [&](StringRef key) {
    double value = manifest->getInteger(key).value_or(0);
    const char *units[] = {"B", "KiB", "MiB", "GiB"};
    int unit = 0;
    while (value >= 1024 && unit < 3)
      value /= 1024, ++unit;
    return formatv("{0:f1} {1}", value, units[unit]).str();
  };
  const json::Object *target = manifest->getObject("target");
  std::string features;
  if (const json::Array *list = target ? target->getArray("features") : nullptr)
    for (const json::Value &feature : *list)
      features += (features.empty() ? "" : " ") + feature.getAsString().value_or("?").str();
  outs() << inspectPath << ": Ingot artifact, format "
         << manifest->getInteger("format_version").value_or(0) << "\n"
         << "  compiler  " << str(manifest, "compiler") << "\n"
         << "  source    " << str(manifest, "source") << " (producer '" << str(manifest, "producer")
         << "')\n"
         << "  target    " << str(target, "triple") << ", cpu " << str(target, "cpu") << "\n"
         << "  features  " << (features.empty() ? "(none)" : features) << "\n"
         << "  code " << bytes("code_bytes") << ", weights " << bytes("weights_bytes")
         << ", arena " << bytes("arena_bytes") << "\n";
  for (StringRef role : {"inputs", "outputs"}) {
    outs() << "  " << role << ":\n";
    if (const json::Array *list = manifest->getArray(role))
      for (const json::Value &entry : *list) {
        const json::Object *tensor = entry.getAsObject();
        std::string shape = "[";
        if (const json::Array *dims = tensor ? tensor->getArray("shape") : nullptr)
          for (const json::Value &dim : *dims) {
            shape += shape.size() > 1 ? "," : "";
            if (std::optional<int64_t> size = dim.getAsInteger())
              shape += std::to_string(*size);
            else
              shape += dim.getAsString().value_or("?").str();
          }
        outs() << "    " << str(tensor, "name") << "  " << str(tensor, "dtype") << " " << shape
               << "]\n";
      }
  }
  if (const json::Array *regions = manifest->getArray("regions")) {
    outs() << "  parallel regions (" << regions->size()
           << ", in the order they run; `ingot run --profile` times them):\n";
    for (const json::Value &entry : *regions) {
      const json::Object *region = entry.getAsObject();
      std::string nodes = str(region, "nodes");
      outs() << "    " << left_justify(str(region, "function"), 19) << "  "
             << (nodes.empty() ? "-" : nodes) << "\n";
    }
  }
  return 0;
}

} // namespace ingot::tools
