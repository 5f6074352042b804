//===- Json.h - The small JSON reader the manifest needs ------------------===//
//
// The runtime depends on nothing but the C++ library, so it carries its own
// reader: objects, arrays, strings (with \uXXXX escapes of the BMP), numbers,
// true/false/null. Errors name the byte offset.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_RUNTIME_SRC_JSON_H
#define INGOT_RUNTIME_SRC_JSON_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ingot::runtime {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  /// The member `key` of an object, or nullptr.
  const JsonValue *find(const std::string &key) const;
  bool isInteger() const { return kind == Kind::Number && number == double(int64_t(number)); }
};

/// Parses `text`; on failure returns false and sets `error`.
bool parseJson(const std::string &text, JsonValue &value, std::string &error);

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_JSON_H
