//===- OpsetAdapters.cpp - Nodes of opset 17+ in the canonical form -------===//

#include "compiler/import/OpsetAdapters.h"

#include "llvm/ADT/StringRef.h"

namespace ingot {
namespace {

/// ReduceX ops whose axes moved from an attribute to an input at opset 18
/// (ReduceSum did at 13, which the version converter handles).
bool axesBecameInputAt18(llvm::StringRef opType) {
  return opType.starts_with("Reduce") && opType != "ReduceSum";
}

} // namespace

void adaptToCanonicalOpset(onnx::NodeProto &node, int64_t opset, onnx::GraphProto &graph,
                           UniqueNames &names) {
  if (opset < 18 && axesBecameInputAt18(node.op_type())) {
    auto *attributes = node.mutable_attribute();
    for (int i = 0; i < attributes->size(); ++i) {
      if (attributes->Get(i).name() != "axes")
        continue;
      onnx::TensorProto *axes = graph.add_initializer();
      axes->set_name(names.make((node.name().empty() ? node.output(0) : node.name()) + "/axes"));
      axes->set_data_type(onnx::TensorProto::INT64);
      axes->add_dims(attributes->Get(i).ints_size());
      for (int64_t axis : attributes->Get(i).ints())
        axes->add_int64_data(axis);
      if (node.input_size() == 0)
        node.add_input("");
      while (node.input_size() > 1)
        node.mutable_input()->RemoveLast();
      node.add_input(axes->name());
      attributes->DeleteSubrange(i, 1);
      break;
    }
  }
  if (opset < 18 && node.op_type() == "Split" && (node.input_size() < 2 || node.input(1).empty())) {
    bool named = false;
    for (const auto &attr : node.attribute())
      named |= attr.name() == "num_outputs";
    if (!named) {
      onnx::AttributeProto *count = node.add_attribute();
      count->set_name("num_outputs");
      count->set_type(onnx::AttributeProto::INT);
      count->set_i(node.output_size());
    }
  }
}

} // namespace ingot
