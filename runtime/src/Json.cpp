//===- Json.cpp - The small JSON reader the manifest needs ----------------===//

#include "runtime/src/Json.h"

#include <cstdlib>

namespace ingot::runtime {

const JsonValue *JsonValue::find(const std::string &key) const {
  auto it = object.find(key);
  return kind == Kind::Object && it != object.end() ? &it->second : nullptr;
}

namespace {

class Parser {
public:
  explicit Parser(const std::string &text) : text(text) {}

  bool parseDocument(JsonValue &value, std::string &error) {
    if (!parseValue(value, 0) || (skipSpace(), pos != text.size())) {
      error = problem.empty() ? "unexpected text" : problem;
      error += " at byte " + std::to_string(pos);
      return false;
    }
    return true;
  }

private:
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' ||
                                 text[pos] == '\t'))
      ++pos;
  }

  bool fail(const char *message) {
    problem = message;
    return false;
  }

  bool consume(const char *word) {
    size_t length = std::char_traits<char>::length(word);
    if (text.compare(pos, length, word) != 0)
      return false;
    pos += length;
    return true;
  }

  bool parseValue(JsonValue &value, int depth) {
    if (depth > 64)
      return fail("nesting too deep");
    skipSpace();
    if (pos >= text.size())
      return fail("unexpected end");
    char c = text[pos];
    if (c == '{')
      return parseObject(value, depth);
    if (c == '[')
      return parseArray(value, depth);
    if (c == '"') {
      value.kind = JsonValue::Kind::String;
      return parseString(value.string);
    }
    if (consume("true") || consume("false")) {
      value.kind = JsonValue::Kind::Bool;
      value.boolean = text.compare(pos - 4, 4, "true") == 0;
      return true;
    }
    if (consume("null")) {
      value.kind = JsonValue::Kind::Null;
      return true;
    }
    const char *start = text.c_str() + pos;
    char *end = nullptr;
    value.number = std::strtod(start, &end);
    if (end == start)
      return fail("expected a value");
    value.kind = JsonValue::Kind::Number;
    pos += end - start;
    return true;
  }

  bool parseObject(JsonValue &value, int depth) {
    value.kind = JsonValue::Kind::Object;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == '}')
      return ++pos, true;
    while (true) {
      skipSpace();
      std::string key;
      if (pos >= text.size() || text[pos] != '"' || !parseString(key))
        return problem.empty() ? fail("expected a key") : false;
      skipSpace();
      if (pos >= text.size() || text[pos++] != ':')
        return fail("expected ':'");
      if (!parseValue(value.object[key], depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}')
        return ++pos, true;
      return fail("expected ',' or '}'");
    }
  }

  bool parseArray(JsonValue &value, int depth) {
    value.kind = JsonValue::Kind::Array;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == ']')
      return ++pos, true;
    while (true) {
      value.array.emplace_back();
      if (!parseValue(value.array.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']')
        return ++pos, true;
      return fail("expected ',' or ']'");
    }
  }

  bool parseString(std::string &out) {
    ++pos; // the opening quote
    while (pos < text.size() && text[pos] != '"') {
      char c = text[pos++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= text.size())
        break;
      char escaped = text[pos++];
      switch (escaped) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        if (pos + 4 > text.size())
          return fail("truncated \\u escape");
        unsigned code = std::strtoul(text.substr(pos, 4).c_str(), nullptr, 16);
        pos += 4;
        if (code < 0x80) {
          out += char(code);
        } else if (code < 0x800) {
          out += char(0xC0 | (code >> 6));
          out += char(0x80 | (code & 0x3F));
        } else {
          out += char(0xE0 | (code >> 12));
          out += char(0x80 | ((code >> 6) & 0x3F));
          out += char(0x80 | (code & 0x3F));
        }
        break;
      }
      default: out += escaped; break;
      }
    }
    if (pos >= text.size())
      return fail("unterminated string");
    ++pos;
    return true;
  }

  const std::string &text;
  size_t pos = 0;
  std::string problem;
};

} // namespace

bool parseJson(const std::string &text, JsonValue &value, std::string &error) {
  return Parser(text).parseDocument(value, error);
}

} // namespace ingot::runtime
