//===- ingot-run-object.cpp - Runs a compiled object on raw f32 files -----===//
//
// A test driver for the runtime's object loader until the artifact exists:
//   ingot-run-object model.o OUT_RANK out.bin IN_SHAPE in.bin [IN_SHAPE in.bin ...]
// loads model.o (from `ingot compile`), calls _mlir_ciface_main with f32
// inputs of the given shapes (e.g. 4x64), writes the f32 output to out.bin
// and prints its shape. Exit 1 with a message on any error.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/ObjectLoader.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

/// A ranked memref descriptor: allocated, aligned, offset, sizes, strides.
std::vector<int64_t> descriptor(float *data, const std::vector<int64_t> &shape) {
  std::vector<int64_t> words{reinterpret_cast<int64_t>(data), reinterpret_cast<int64_t>(data), 0};
  words.insert(words.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  words.insert(words.end(), strides.begin(), strides.end());
  return words;
}

int fail(const std::string &message) {
  std::cerr << "ingot-run-object: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 6 || (argc - 4) % 2 != 0)
    return fail("usage: ingot-run-object model.o OUT_RANK out.bin IN_SHAPE in.bin ...");
  std::ifstream objectFile(argv[1], std::ios::binary);
  std::string object((std::istreambuf_iterator<char>(objectFile)), {});
  if (object.empty())
    return fail(std::string("cannot read ") + argv[1]);
  std::string error;
  auto loaded = ingot::runtime::LoadedObject::load(object.data(), object.size(),
                                                   ingot::runtime::resolveBuiltinSymbol, error);
  if (!loaded)
    return fail(error);
  void *entry = loaded->lookup("_mlir_ciface_main");
  if (!entry)
    return fail("the object defines no _mlir_ciface_main");

  int64_t outRank = std::atoll(argv[2]);
  std::vector<std::vector<float>> inputs;
  std::vector<std::vector<int64_t>> descriptors;
  for (int i = 4; i < argc; i += 2) {
    std::vector<int64_t> shape;
    std::stringstream dims(argv[i]);
    for (std::string dim; std::getline(dims, dim, 'x');)
      shape.push_back(std::atoll(dim.c_str()));
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    std::ifstream in(argv[i + 1], std::ios::binary);
    std::vector<float> values(count);
    if (!in.read(reinterpret_cast<char *>(values.data()), count * sizeof(float)))
      return fail(std::string("cannot read ") + std::to_string(count) + " floats from " + argv[i + 1]);
    inputs.push_back(std::move(values));
    descriptors.push_back(descriptor(inputs.back().data(), shape));
  }
  std::vector<int64_t> result(3 + 2 * outRank, 0);
  void *args[4] = {};
  for (size_t i = 0; i < descriptors.size() && i < 4; ++i)
    args[i] = descriptors[i].data();
  switch (descriptors.size()) {
  case 1: reinterpret_cast<void (*)(void *, void *)>(entry)(result.data(), args[0]); break;
  case 2: reinterpret_cast<void (*)(void *, void *, void *)>(entry)(result.data(), args[0], args[1]); break;
  default: return fail("this driver takes one or two inputs");
  }
  auto *aligned = reinterpret_cast<float *>(result[1]);
  int64_t count = 1;
  for (int64_t d = 0; d < outRank; ++d)
    count *= result[3 + d];
  // The output is contiguous row-major in what `ingot compile` emits today.
  std::ofstream out(argv[3], std::ios::binary);
  out.write(reinterpret_cast<const char *>(aligned + result[2]), count * sizeof(float));
  for (int64_t d = 0; d < outRank; ++d)
    std::cout << (d ? "x" : "") << result[3 + d];
  std::cout << "\n";
  bool aliasesInput = false;
  for (auto &input : inputs)
    aliasesInput |= reinterpret_cast<float *>(result[0]) == input.data();
  if (!aliasesInput)
    std::free(reinterpret_cast<void *>(result[0]));
  return 0;
}
