//===- NodeWriter.h - ONNX nodes written in place of one node -------------===//
//
// The importer replaces some nodes by others before building them: function
// bodies written by hand (HandWrittenBodies.cpp) and the tensor ops that
// stand for sequence ops (StaticSequences.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_IMPORT_NODEWRITER_H
#define INGOT_COMPILER_IMPORT_NODEWRITER_H

#include "compiler/import/FunctionInliner.h"

#include "llvm/ADT/StringRef.h"

#include "onnx/onnx_pb.h"

#include <string>
#include <vector>

namespace ingot {

/// Writes the nodes that stand for one node `node`: each op returns its
/// output's fresh name; nodes are named after `node` so errors point at it.
class NodeWriter {
public:
  NodeWriter(const onnx::NodeProto &node, UniqueNames &names)
      : node(node), names(names), prefix(displayName(node)) {}

  std::string op(llvm::StringRef type, std::vector<std::string> inputs,
                 std::vector<onnx::AttributeProto> attributes = {}, std::string output = "") {
    onnx::NodeProto n;
    n.set_op_type(type.str());
    n.set_name(prefix + "/" + type.str() + "_" + std::to_string(nodes.size()));
    for (auto &input : inputs)
      n.add_input(input);
    n.add_output(output.empty() ? names.make(prefix + "/" + type.str()) : output);
    for (auto &attr : attributes)
      *n.add_attribute() = attr;
    nodes.push_back(n);
    return nodes.back().output(0);
  }
  /// An op of `count` outputs, each freshly named.
  std::vector<std::string> ops(llvm::StringRef type, std::vector<std::string> inputs,
                               std::vector<onnx::AttributeProto> attributes, int64_t count) {
    op(type, std::move(inputs), std::move(attributes));
    onnx::NodeProto &n = nodes.back();
    for (int64_t i = 1; i < count; ++i)
      n.add_output(names.make(prefix + "/" + type.str()));
    return {n.output().begin(), n.output().end()};
  }
  static onnx::AttributeProto intAttr(llvm::StringRef name, int64_t value) {
    onnx::AttributeProto a;
    a.set_name(name.str());
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(value);
    return a;
  }
  /// A float constant in the element type of `like`.
  std::string constant(double value, const std::string &like) {
    onnx::AttributeProto v;
    v.set_name("value_float");
    v.set_type(onnx::AttributeProto::FLOAT);
    v.set_f(float(value));
    return op("CastLike", {op("Constant", {}, {v}), like});
  }
  /// The node's float attribute `name`, or `fallback`.
  double floatAttr(llvm::StringRef name, double fallback) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return a.f();
    return fallback;
  }
  std::string stringAttr(llvm::StringRef name, llvm::StringRef fallback) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return a.s();
    return fallback.str();
  }
  const onnx::AttributeProto *attribute(llvm::StringRef name) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  std::string cast(const std::string &x, int64_t to) { return op("Cast", {x}, {intAttr("to", to)}); }
  std::string ints(const std::vector<int64_t> &values) {
    onnx::AttributeProto v;
    v.set_name("value_ints");
    v.set_type(onnx::AttributeProto::INTS);
    for (int64_t value : values)
      v.add_ints(value);
    return op("Constant", {}, {v});
  }
  /// `v` reshaped to its own dims followed by ones: `count` of them, or as
  /// many as rank(like) - `fromRank`. A per-row parameter [M] so becomes
  /// [M, 1, ...] and broadcasts along rows; a scalar stays a broadcast 1.
  std::string trailingOnes(const std::string &v, const std::string &like, int64_t fromRank) {
    onnx::AttributeProto one;
    one.set_name("value");
    one.set_type(onnx::AttributeProto::TENSOR);
    one.mutable_t()->set_data_type(onnx::TensorProto::INT64);
    one.mutable_t()->add_dims(1);
    one.mutable_t()->add_int64_data(1);
    std::string count = sub(op("Shape", {op("Shape", {like})}), ints({fromRank}));
    std::string ones = op("ConstantOfShape", {count}, {one});
    return op("Reshape", {v, op("Concat", {op("Shape", {v}), ones}, {intAttr("axis", 0)})});
  }
  std::string scalarInt(int64_t value) {
    onnx::AttributeProto v;
    v.set_name("value");
    v.set_type(onnx::AttributeProto::TENSOR);
    v.mutable_t()->set_data_type(onnx::TensorProto::INT64);
    v.mutable_t()->add_int64_data(value);
    return op("Constant", {}, {v});
  }
  /// Dims [start, end) of `v`'s shape.
  std::string dims(const std::string &v, int64_t start, int64_t end) {
    return op("Shape", {v}, {intAttr("start", start), intAttr("end", end)});
  }
  std::string concat(std::vector<std::string> parts, int64_t axis = 0) {
    return op("Concat", std::move(parts), {intAttr("axis", axis)});
  }
  /// 0, 1, ..., n - 1 for a [1] tensor `n`.
  std::string iota(const std::string &n) {
    return op("Range", {scalarInt(0), op("Squeeze", {n, ints({0})}), scalarInt(1)});
  }
  const onnx::AttributeProto *attributeOrNull(llvm::StringRef name) const { return attribute(name); }
  std::string unsqueezeLast(const std::string &v) {
    return op("Reshape", {v, op("Concat", {op("Shape", {v}), ints({1})}, {intAttr("axis", 0)})});
  }
  std::string mul(const std::string &a, const std::string &b) { return op("Mul", {a, b}); }
  std::string add(const std::string &a, const std::string &b) { return op("Add", {a, b}); }
  std::string sub(const std::string &a, const std::string &b) { return op("Sub", {a, b}); }
  std::string div(const std::string &a, const std::string &b) { return op("Div", {a, b}); }

  std::vector<onnx::NodeProto> nodes;
  const onnx::NodeProto &node;

private:
  UniqueNames &names;
  std::string prefix;
};

} // namespace ingot

#endif // INGOT_COMPILER_IMPORT_NODEWRITER_H
