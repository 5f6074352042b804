//===- ObjectLoader.cpp - Loads the relocatable object an artifact carries ===//
//
// Layout: executable sections first, then the rest, each group page-aligned
// in one anonymous mapping; after relocation the code pages become
// read+execute and the data pages stay read+write.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/ObjectLoader.h"

#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace ingot::runtime {

struct LoadedObject::Impl {
  void *base = nullptr;
  size_t mappedBytes = 0;
  std::unordered_map<std::string, void *> symbols;
  std::unordered_map<const void *, std::string> functions;
  ~Impl() {
    if (base)
      munmap(base, mappedBytes);
  }
};

LoadedObject::~LoadedObject() = default;

void *LoadedObject::lookup(const std::string &name) const {
  auto it = impl->symbols.find(name);
  return it == impl->symbols.end() ? nullptr : it->second;
}

const std::string *LoadedObject::functionAt(const void *address) const {
  auto it = impl->functions.find(address);
  return it == impl->functions.end() ? nullptr : &it->second;
}

namespace {

size_t alignUp(size_t value, size_t alignment) {
  return alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;
}

template <typename T>
bool inBounds(size_t size, uint64_t offset, uint64_t count = 1) {
  return offset <= size && count <= (size - offset) / sizeof(T);
}

} // namespace

std::unique_ptr<LoadedObject> LoadedObject::load(const void *data, size_t size,
                                                 const SymbolResolver &resolve,
                                                 std::string &error) {
  auto bytes = static_cast<const uint8_t *>(data);
  if (!inBounds<Elf64_Ehdr>(size, 0) || std::memcmp(bytes, ELFMAG, SELFMAG) != 0) {
    error = "code section is not an ELF object";
    return nullptr;
  }
  const auto *header = reinterpret_cast<const Elf64_Ehdr *>(bytes);
  if (header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_ident[EI_DATA] != ELFDATA2LSB ||
      header->e_machine != EM_X86_64 || header->e_type != ET_REL) {
    error = "code section is not a 64-bit little-endian x86-64 relocatable object";
    return nullptr;
  }
  if (header->e_shentsize != sizeof(Elf64_Shdr) ||
      !inBounds<Elf64_Shdr>(size, header->e_shoff, header->e_shnum)) {
    error = "code section has a truncated section table";
    return nullptr;
  }
  const auto *sections = reinterpret_cast<const Elf64_Shdr *>(bytes + header->e_shoff);
  size_t count = header->e_shnum;
  for (size_t i = 0; i < count; ++i)
    if (sections[i].sh_type != SHT_NOBITS && sections[i].sh_size > 0 &&
        !inBounds<uint8_t>(size, sections[i].sh_offset, sections[i].sh_size)) {
      error = "code section is truncated (section " + std::to_string(i) + ")";
      return nullptr;
    }

  // Place allocated sections: code first, then data, each group page-aligned.
  size_t page = sysconf(_SC_PAGESIZE);
  std::vector<size_t> offsets(count, SIZE_MAX);
  size_t cursor = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < count; ++i) {
      const Elf64_Shdr &s = sections[i];
      bool exec = s.sh_flags & SHF_EXECINSTR;
      if (!(s.sh_flags & SHF_ALLOC) || exec != (pass == 0))
        continue;
      cursor = alignUp(cursor, s.sh_addralign);
      offsets[i] = cursor;
      cursor += s.sh_size;
    }
    if (pass == 0)
      cursor = alignUp(cursor, page);
  }
  size_t codeBytes = 0;
  for (size_t i = 0; i < count; ++i)
    if ((sections[i].sh_flags & SHF_ALLOC) && (sections[i].sh_flags & SHF_EXECINSTR))
      codeBytes = std::max<size_t>(codeBytes, offsets[i] + sections[i].sh_size);
  codeBytes = alignUp(codeBytes, page);
  std::unique_ptr<LoadedObject> object(new LoadedObject());
  object->impl = std::make_unique<Impl>();
  Impl &impl = *object->impl;
  impl.mappedBytes = alignUp(std::max<size_t>(cursor, 1), page);
  impl.base = mmap(nullptr, impl.mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (impl.base == MAP_FAILED) {
    impl.base = nullptr;
    error = "cannot map " + std::to_string(impl.mappedBytes) + " bytes for code";
    return nullptr;
  }
  auto *base = static_cast<uint8_t *>(impl.base);
  for (size_t i = 0; i < count; ++i)
    if (offsets[i] != SIZE_MAX && sections[i].sh_type != SHT_NOBITS)
      std::memcpy(base + offsets[i], bytes + sections[i].sh_offset, sections[i].sh_size);

  // Symbols: defined ones at their section, imports through the resolver.
  const Elf64_Shdr *symtab = nullptr;
  for (size_t i = 0; i < count; ++i)
    if (sections[i].sh_type == SHT_SYMTAB)
      symtab = &sections[i];
  if (!symtab || symtab->sh_link >= count) {
    error = "code section has no symbol table";
    return nullptr;
  }
  const auto *symbols = reinterpret_cast<const Elf64_Sym *>(bytes + symtab->sh_offset);
  size_t symbolCount = symtab->sh_size / sizeof(Elf64_Sym);
  const Elf64_Shdr &strtab = sections[symtab->sh_link];
  auto nameOf = [&](const Elf64_Sym &sym) -> std::string {
    if (sym.st_name >= strtab.sh_size)
      return "";
    const char *start = reinterpret_cast<const char *>(bytes + strtab.sh_offset + sym.st_name);
    return std::string(start, strnlen(start, strtab.sh_size - sym.st_name));
  };
  std::vector<uint64_t> addresses(symbolCount, 0);
  for (size_t i = 1; i < symbolCount; ++i) {
    const Elf64_Sym &sym = symbols[i];
    if (sym.st_shndx == SHN_UNDEF) {
      std::string name = nameOf(sym);
      void *address = resolve(name);
      if (!address) {
        error = "code imports '" + name + "', which this runtime does not provide";
        return nullptr;
      }
      addresses[i] = reinterpret_cast<uint64_t>(address);
    } else if (sym.st_shndx == SHN_ABS) {
      addresses[i] = sym.st_value;
    } else if (sym.st_shndx < count && offsets[sym.st_shndx] != SIZE_MAX) {
      addresses[i] = reinterpret_cast<uint64_t>(base + offsets[sym.st_shndx] + sym.st_value);
      if (ELF64_ST_BIND(sym.st_info) == STB_GLOBAL && ELF64_ST_TYPE(sym.st_info) == STT_FUNC)
        impl.symbols[nameOf(sym)] = reinterpret_cast<void *>(addresses[i]);
      if (ELF64_ST_TYPE(sym.st_info) == STT_FUNC)
        impl.functions[reinterpret_cast<const void *>(addresses[i])] = nameOf(sym);
    }
  }

  // Relocations into allocated sections.
  for (size_t i = 0; i < count; ++i) {
    const Elf64_Shdr &rela = sections[i];
    if (rela.sh_type != SHT_RELA || rela.sh_info >= count || offsets[rela.sh_info] == SIZE_MAX)
      continue;
    const Elf64_Shdr &target = sections[rela.sh_info];
    const auto *entries = reinterpret_cast<const Elf64_Rela *>(bytes + rela.sh_offset);
    for (size_t r = 0; r < rela.sh_size / sizeof(Elf64_Rela); ++r) {
      const Elf64_Rela &entry = entries[r];
      size_t symbol = ELF64_R_SYM(entry.r_info);
      uint32_t type = ELF64_R_TYPE(entry.r_info);
      size_t width = (type == R_X86_64_64 || type == R_X86_64_PC64) ? 8 : 4;
      if (symbol >= symbolCount || entry.r_offset + width > target.sh_size) {
        error = "code section has a relocation out of range";
        return nullptr;
      }
      uint8_t *place = base + offsets[rela.sh_info] + entry.r_offset;
      uint64_t value = addresses[symbol] + entry.r_addend;
      int64_t relative = int64_t(value - reinterpret_cast<uint64_t>(place));
      switch (type) {
      case R_X86_64_64:
        std::memcpy(place, &value, 8);
        break;
      case R_X86_64_PC64:
        std::memcpy(place, &relative, 8);
        break;
      case R_X86_64_PC32:
      case R_X86_64_PLT32: {
        if (relative != int32_t(relative)) {
          error = "code section needs a 32-bit relative relocation out of reach";
          return nullptr;
        }
        int32_t narrow = int32_t(relative);
        std::memcpy(place, &narrow, 4);
        break;
      }
      default:
        error = "code section uses relocation type " + std::to_string(type) +
                ", which this runtime does not support";
        return nullptr;
      }
    }
  }
  // INGOT_PERF_MAP=1: name the model's functions for `perf report`, which
  // reads /tmp/perf-<pid>.map for code it finds in anonymous memory.
  if (const char *perfMap = std::getenv("INGOT_PERF_MAP"); perfMap && *perfMap == '1') {
    std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
    if (FILE *map = std::fopen(path.c_str(), "a")) {
      for (size_t i = 1; i < symbolCount; ++i)
        if (ELF64_ST_TYPE(symbols[i].st_info) == STT_FUNC && symbols[i].st_size > 0 && addresses[i])
          std::fprintf(map, "%llx %llx %s\n", (unsigned long long)addresses[i],
                       (unsigned long long)symbols[i].st_size, nameOf(symbols[i]).c_str());
      std::fclose(map);
    }
  }
  if (codeBytes > 0 && mprotect(base, codeBytes, PROT_READ | PROT_EXEC) != 0) {
    error = "cannot make the code executable";
    return nullptr;
  }
  return object;
}

} // namespace ingot::runtime
