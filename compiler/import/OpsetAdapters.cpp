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
  // Scatter (opsets 9-10) is what ScatterElements has been since 11.
  if (node.op_type() == "Scatter")
    node.set_op_type("ScatterElements");
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
  // DFT's axis became an input at 20, and its default moved from 1 to -2.
  if (opset < 20 && node.op_type() == "DFT") {
    int64_t axis = 1;
    auto *attributes = node.mutable_attribute();
    for (int i = 0; i < attributes->size(); ++i)
      if (attributes->Get(i).name() == "axis") {
        axis = attributes->Get(i).i();
        attributes->DeleteSubrange(i, 1);
        break;
      }
    onnx::TensorProto *tensor = graph.add_initializer();
    tensor->set_name(names.make((node.name().empty() ? node.output(0) : node.name()) + "/axis"));
    tensor->set_data_type(onnx::TensorProto::INT64);
    tensor->add_int64_data(axis);
    while (node.input_size() < 2)
      node.add_input("");
    node.add_input(tensor->name());
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

void materializeInferenceMasks(onnx::GraphProto &graph, UniqueNames &names) {
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    bool inference = node.input_size() < 3 || node.input(2).empty();
    if (node.op_type() != "Dropout" || node.output_size() < 2 || node.output(1).empty() ||
        !inference) {
      *nodes.Add() = node;
      continue;
    }
    // Without training_mode, Dropout keeps every element: the mask is all true.
    std::string mask = node.output(1);
    node.mutable_output()->RemoveLast();
    std::string prefix = node.name().empty() ? node.output(0) : node.name();
    onnx::NodeProto shape;
    shape.set_op_type("Shape");
    shape.set_name(names.make(prefix + "/mask_shape"));
    shape.add_input(node.input(0));
    shape.add_output(names.make(prefix + "/mask_shape"));
    onnx::NodeProto fill;
    fill.set_op_type("ConstantOfShape");
    fill.set_name(names.make(prefix + "/mask"));
    fill.add_input(shape.output(0));
    fill.add_output(mask);
    onnx::AttributeProto *value = fill.add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    value->mutable_t()->set_data_type(onnx::TensorProto::BOOL);
    value->mutable_t()->add_dims(1);
    value->mutable_t()->add_int32_data(1);
    *nodes.Add() = node;
    *nodes.Add() = shape;
    *nodes.Add() = fill;
  }
  *graph.mutable_node() = std::move(nodes);
}

} // namespace ingot
