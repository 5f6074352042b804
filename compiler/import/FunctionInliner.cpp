//===- FunctionInliner.cpp - ONNX function bodies inlined at import -------===//

#include "compiler/import/FunctionInliner.h"

#include "llvm/ADT/StringMap.h"

#include <functional>
#include <map>
#include <memory>

namespace ingot {
namespace {

struct FunctionBody {
  const char *opType;
  int sinceVersion;
  size_t size;
  const char *bytes;
  size_t defaultsSize;
  const char *defaults; // a NodeProto whose attributes are the op's defaults
};

#define FUNCTION(op, since, size, bytes, defaultsSize, defaults)                         \
  {op, since, size, bytes, defaultsSize, defaults},
constexpr FunctionBody kFunctionBodies[] = {
#include "compiler/import/FunctionBodies.inc"
};
#undef FUNCTION

struct Function {
  onnx::FunctionProto body;
  onnx::NodeProto defaults;
};

/// The parsed body of `opType`, or null.
const Function *functionOf(llvm::StringRef opType) {
  static std::map<std::string, std::unique_ptr<Function>, std::less<>> parsed;
  auto found = parsed.find(opType);
  if (found != parsed.end())
    return found->second.get();
  for (const FunctionBody &entry : kFunctionBodies) {
    if (opType != entry.opType)
      continue;
    auto function = std::make_unique<Function>();
    if (!function->body.ParseFromArray(entry.bytes, int(entry.size)) ||
        !function->defaults.ParseFromArray(entry.defaults, int(entry.defaultsSize)))
      return nullptr;
    return (parsed[opType.str()] = std::move(function)).get();
  }
  return nullptr;
}

int64_t bodyOpset(const onnx::FunctionProto &function) {
  for (const auto &opset : function.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return 0;
}

} // namespace

std::string displayName(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  return node.output_size() > 0 ? node.output(0) : node.op_type();
}

namespace {

/// The body of `function` for `node`: formal inputs and outputs become the
/// node's values, other values fresh names, attribute references the node's
/// attributes (or the function's defaults).
std::vector<onnx::NodeProto> instantiate(const Function &definition,
                                         const onnx::NodeProto &node, UniqueNames &names) {
  const onnx::FunctionProto &function = definition.body;
  llvm::StringMap<std::string> renamed;
  for (int i = 0; i < function.input_size(); ++i)
    renamed[function.input(i)] = i < node.input_size() ? node.input(i) : "";
  std::string prefix = displayName(node);
  for (int i = 0; i < function.output_size(); ++i)
    renamed[function.output(i)] =
        i < node.output_size() && !node.output(i).empty() ? node.output(i)
                                                          : names.make(prefix + "/" + function.output(i));
  auto rename = [&](const std::string &name) -> std::string {
    if (name.empty())
      return name;
    auto it = renamed.find(name);
    if (it != renamed.end())
      return it->second;
    return renamed[name] = names.make(prefix + "/" + name);
  };
  // Attribute references take the node's value, else the default, else
  // vanish; subgraphs (If, Loop, Scan in a body) are renamed alike.
  std::function<void(onnx::NodeProto &)> substitute;
  auto renameGraph = [&](onnx::GraphProto &graph) {
    for (auto *list : {graph.mutable_input(), graph.mutable_output(), graph.mutable_value_info()})
      for (auto &info : *list)
        info.set_name(rename(info.name()));
    for (auto &init : *graph.mutable_initializer())
      init.set_name(rename(init.name()));
    for (auto &inner : *graph.mutable_node()) {
      for (auto &input : *inner.mutable_input())
        input = rename(input);
      for (auto &output : *inner.mutable_output())
        output = rename(output);
      substitute(inner);
    }
  };
  substitute = [&](onnx::NodeProto &copy) {
    google::protobuf::RepeatedPtrField<onnx::AttributeProto> attributes;
    for (const onnx::AttributeProto &attr : copy.attribute()) {
      if (attr.ref_attr_name().empty()) {
        onnx::AttributeProto *kept = attributes.Add();
        *kept = attr;
        if (kept->has_g())
          renameGraph(*kept->mutable_g());
        continue;
      }
      const onnx::AttributeProto *value = nullptr;
      for (const auto &given : node.attribute())
        if (given.name() == attr.ref_attr_name())
          value = &given;
      for (const auto &fallback : definition.defaults.attribute())
        if (!value && fallback.name() == attr.ref_attr_name())
          value = &fallback;
      if (!value)
        continue;
      onnx::AttributeProto *substituted = attributes.Add();
      *substituted = *value;
      substituted->set_name(attr.name());
    }
    *copy.mutable_attribute() = attributes;
  };
  std::vector<onnx::NodeProto> body;
  for (const onnx::NodeProto &original : function.node()) {
    onnx::NodeProto copy = original;
    for (auto &input : *copy.mutable_input())
      input = rename(input);
    for (auto &output : *copy.mutable_output())
      output = rename(output);
    copy.set_name(prefix + "/" + (original.name().empty() ? original.op_type() : original.name()));
    substitute(copy);
    body.push_back(std::move(copy));
  }
  return body;
}

} // namespace

bool hasFunctionBody(llvm::StringRef domain, llvm::StringRef opType) {
  if (handWrittenBodyOf(domain, opType))
    return true;
  return (domain.empty() || domain == "ai.onnx") && functionOf(opType) != nullptr;
}

UniqueNames::UniqueNames(const onnx::GraphProto &graph) { collect(graph); }

void UniqueNames::collect(const onnx::GraphProto &graph) {
  // Subgraphs share the model's names: a name made for one must not shadow
  // a value of another that it reads.
  for (const auto &input : graph.input())
    used.insert(input.name());
  for (const auto &init : graph.initializer())
    used.insert(init.name());
  for (const auto &node : graph.node()) {
    used.insert(node.name());
    for (const auto &output : node.output())
      used.insert(output);
    for (const auto &attr : node.attribute())
      if (attr.has_g())
        collect(attr.g());
  }
}

std::string UniqueNames::make(llvm::StringRef hint) {
  std::string name = hint.str();
  while (!used.insert(name).second)
    name = hint.str() + "_" + std::to_string(++counter);
  return name;
}

mlir::LogicalResult inlineFunctionBodies(onnx::GraphProto &graph, UniqueNames &names,
                                         const InlineHooks &hooks) {
  // Nested bodies (SwiGLU uses Swish) are expanded in rounds, a few deep.
  constexpr int kMaxDepth = 8;
  for (int depth = 0;; ++depth) {
    bool expanded = false;
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (const onnx::NodeProto &node : graph.node()) {
      const Function *function = nullptr;
      HandWrittenBody handWritten = handWrittenBodyOf(node.domain(), node.op_type());
      bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
      if (defaultDomain && hooks.isNative(node.op_type()))
        handWritten = nullptr;
      else if (defaultDomain)
        function = functionOf(node.op_type());
      if (handWritten) {
        for (onnx::NodeProto &inner : handWritten(node, names))
          *nodes.Add() = std::move(inner);
        expanded = true;
        continue;
      }
      if (!function) {
        *nodes.Add() = node;
        continue;
      }
      if (depth == kMaxDepth) {
        hooks.error(node) << "its function body nests more than " << kMaxDepth << " deep";
        return mlir::failure();
      }
      for (onnx::NodeProto &inner : instantiate(*function, node, names)) {
        hooks.adapt(inner, bodyOpset(function->body));
        *nodes.Add() = std::move(inner);
      }
      expanded = true;
    }
    *graph.mutable_node() = std::move(nodes);
    if (!expanded)
      return mlir::success();
  }
}

} // namespace ingot
