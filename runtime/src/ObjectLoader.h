//===- ObjectLoader.h - Loads the relocatable object an artifact carries --===//
//
// The compiler emits x86-64 ELF relocatable objects with the large code model
// and static relocations; this places their sections in memory, resolves
// their imports from a table the runtime controls, applies relocations and
// makes the code executable. No dlopen, no temporary files, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_OBJECTLOADER_H
#define INGOT_RUNTIME_SRC_OBJECTLOADER_H

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace ingot::runtime {

/// Maps an imported symbol name to its address, or nullptr when the runtime
/// does not provide it.
using SymbolResolver = std::function<void *(const std::string &name)>;

class LoadedObject {
public:
  /// Loads the ELF object in [data, data + size). On failure returns null
  /// and sets `error` to one line saying what is wrong.
  static std::unique_ptr<LoadedObject> load(const void *data, size_t size,
                                            const SymbolResolver &resolve, std::string &error);
  ~LoadedObject();
  LoadedObject(const LoadedObject &) = delete;
  LoadedObject &operator=(const LoadedObject &) = delete;

  /// The address of a symbol the object defines, or nullptr.
  void *lookup(const std::string &name) const;
  /// The name of the function (global or local) placed at `address`, or
  /// null; it lives as long as the object (a profile names the parallel
  /// regions by it).
  const std::string *functionAt(const void *address) const;

private:
  LoadedObject() = default;
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// The symbols generated code may import: allocation, memory copies, the
/// memref copy helper, and float functions of libm.
void *resolveBuiltinSymbol(const std::string &name);

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_OBJECTLOADER_H
