//===- OnnxImporter.cpp - ONNX model -> graph dialect ---------------------===//
//
// Four steps, each failing with a message that names what is wrong:
//   1. load: binary protobuf or ONNX text;
//   2. validate: opset range, structure (missing values, cycles, unknown ops),
//      then the ONNX checker where the installed ONNX library knows the opset;
//   3. normalise: ONNX shape inference and version converter up to opset 17,
//      then our own adapters for the changes from 17 to the canonical opset
//      (OpsetAdapters), then the function bodies of ops the dialect lacks
//      inlined (FunctionInliner);
//   4. build: one func.func whose ops are created generically from the op
//      table, typed by each op's shape rule, refined by ONNX value_info.
//
//===----------------------------------------------------------------------===//

#include "compiler/import/OnnxImporter.h"

#include "compiler/import/FunctionInliner.h"
#include "compiler/import/ImportDiagnostics.h"
#include "compiler/import/OpTable.h"
#include "compiler/import/OpsetAdapters.h"
#include "compiler/import/StaticSequences.h"
#include "compiler/import/TensorConversion.h"
#include "dialects/graph/GraphOps.h"
#include "passes/Autodiff.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include <functional>
#include <limits>
#include <queue>

using namespace mlir;

namespace ingot {
namespace {

/// The newest opset the installed ONNX C++ library (checker, shape inference,
/// version converter) knows.
constexpr int64_t kOnnxLibraryOpset = 17;
constexpr int64_t kOnnxLibraryIrVersion = 8;

/// An ONNX library message on one line ("==> Context:" blocks joined).
std::string oneLine(StringRef message) {
  std::string out;
  for (char c : message.trim()) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ')
        out += "; ";
      continue;
    }
    out += c;
  }
  return out;
}

/// ONNX ops the importer builds as other graph ops.
bool isBuiltAsOtherOp(StringRef opType) { return opType == "CastLike" || opType == "Scatter"; }

/// The preview training domain's Gradient: derivatives built as graph ops
/// (passes/Autodiff.h) of the forward ops already built.
bool isGradient(const onnx::NodeProto &node) {
  return node.op_type() == "Gradient" && node.domain() == "ai.onnx.preview.training";
}

/// Ops whose subgraphs become regions (built by buildControlFlow).
bool isControlFlow(StringRef opType) { return opType == "If" || opType == "Loop" || opType == "Scan"; }

/// The subgraphs a node holds (If's branches, Loop's and Scan's bodies).
SmallVector<onnx::GraphProto *> subgraphsOf(onnx::NodeProto &node) {
  SmallVector<onnx::GraphProto *> graphs;
  for (auto &attr : *node.mutable_attribute())
    if (attr.has_g())
      graphs.push_back(attr.mutable_g());
  return graphs;
}
SmallVector<const onnx::GraphProto *> subgraphsOf(const onnx::NodeProto &node) {
  SmallVector<const onnx::GraphProto *> graphs;
  for (const auto &attr : node.attribute())
    if (attr.has_g())
      graphs.push_back(&attr.g());
  return graphs;
}

/// Names a graph reads from its enclosing scopes: used by a node (or a
/// nested subgraph) and defined by none of its inputs, initializers, nodes.
void collectOuterNames(const onnx::GraphProto &graph, llvm::StringSet<> &outer) {
  llvm::StringSet<> defined;
  for (const auto &input : graph.input())
    defined.insert(input.name());
  for (const auto &init : graph.initializer())
    defined.insert(init.name());
  for (const auto &node : graph.node())
    for (const auto &output : node.output())
      defined.insert(output);
  llvm::StringSet<> used;
  for (const auto &node : graph.node()) {
    for (const auto &input : node.input())
      used.insert(input);
    for (const onnx::GraphProto *sub : subgraphsOf(node))
      collectOuterNames(*sub, used);
  }
  for (const auto &output : graph.output())
    used.insert(output.name());
  for (const auto &name : used)
    if (!name.getKey().empty() && !defined.contains(name.getKey()))
      outer.insert(name.getKey());
}

/// A node's inputs, with the values its subgraphs read from outside (and
/// the value a Gradient differentiates).
SmallVector<std::string> inputsOf(const onnx::NodeProto &node) {
  SmallVector<std::string> inputs(node.input().begin(), node.input().end());
  if (isGradient(node))
    for (const auto &attr : node.attribute())
      if (attr.name() == "y")
        inputs.push_back(attr.s());
  llvm::StringSet<> outer;
  for (const onnx::GraphProto *sub : subgraphsOf(node))
    collectOuterNames(*sub, outer);
  for (const auto &name : outer)
    inputs.push_back(name.getKey().str());
  return inputs;
}

class Importer {
public:
  Importer(MLIRContext &ctx, StringRef path, const ImportOptions &options)
      : ctx(ctx), path(path.str()), options(options), builder(&ctx) {
    tensorOptions.baseDirectory = llvm::sys::path::parent_path(path).str();
    if (tensorOptions.baseDirectory.empty())
      tensorOptions.baseDirectory = ".";
    tensorOptions.inlineBytes = options.inlineConstantBytes;
  }

  OwningOpRef<ModuleOp> run(onnx::ModelProto &model);

private:
  InFlightDiagnostic fileError() {
    return mlir::emitError(FileLineColLoc::get(&ctx, path, 0, 0));
  }
  InFlightDiagnostic nodeError(const onnx::NodeProto &node) {
    return mlir::emitError(locationOf(node));
  }
  Location locationOf(const onnx::NodeProto &node) {
    // Unnamed nodes are known by their first output, as ONNX Runtime does.
    std::string name = node.name();
    if (name.empty() && node.output_size() > 0)
      name = node.output(0);
    return graph::getNodeLocation(&ctx, path, name, node.op_type());
  }

  LogicalResult checkOpset(const onnx::ModelProto &model);
  LogicalResult checkStructure(const onnx::GraphProto &graph, const llvm::StringSet<> &outer = {});
  LogicalResult sortNodes(const onnx::GraphProto &graph, std::vector<int> &sorted,
                          const llvm::StringSet<> &outer = {});
  LogicalResult upgradeGraph(onnx::GraphProto &graph, UniqueNames &names, int64_t opset);
  LogicalResult buildControlFlow(const onnx::NodeProto &node);
  LogicalResult buildGradient(const onnx::NodeProto &node);
  LogicalResult buildRegion(const onnx::NodeProto &node, const onnx::GraphProto &graph, Region &region,
                            ArrayRef<Type> argTypes, SmallVectorImpl<Value> &yielded);
  Type subgraphInputType(const onnx::ValueInfoProto &input, Type fallback);
  LogicalResult normalise(onnx::ModelProto &model);
  LogicalResult upgradeToCanonical(onnx::GraphProto &graph);
  void adaptLegacyPRelu(onnx::GraphProto &graph);
  LogicalResult adaptLegacyBroadcast(onnx::GraphProto &graph);
  Type convertType(const onnx::TypeProto &type, StringRef what, SmallVector<Attribute> *dimNames);
  LogicalResult buildFunction(const onnx::GraphProto &graph, ModuleOp module);
  Value lookupValue(const std::string &name);
  LogicalResult buildNode(const onnx::NodeProto &node);
  LogicalResult validateAttributes(const onnx::NodeProto &node, const OpInfo &info);
  LogicalResult convertAttributes(const onnx::NodeProto &node, const OpInfo &info,
                                  SmallVectorImpl<NamedAttribute> &attrs);
  Attribute convertConstantValue(const onnx::NodeProto &node);

  MLIRContext &ctx;
  std::string path;
  ImportOptions options;
  TensorConversionOptions tensorOptions;
  OpBuilder builder;
  int64_t sourceOpset = 0;
  llvm::StringMap<Value> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringMap<Type> valueInfoTypes;
  /// Node indices in a topological order.
  std::vector<int> order;
  /// Names read by some node or graph output.
  llvm::StringSet<> consumed;
  /// Sequences, as lists of tensor names.
  StaticSequences sequences;
  /// Fresh names for the nodes sequence ops become.
  std::unique_ptr<UniqueNames> names;
};

//===----------------------------------------------------------------------===//
// Validation and normalisation
//===----------------------------------------------------------------------===//

LogicalResult Importer::checkOpset(const onnx::ModelProto &model) {
  if (!model.has_graph())
    return fileError() << "model has no graph", failure();
  bool imported = false;
  for (const auto &opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") {
      sourceOpset = opset.version();
      imported = true;
    }
  }
  if (!imported) {
    // A model of preview-domain ops only (the training optimizers) is read
    // at the canonical opset, the one their bodies are written for.
    bool allWritten = model.graph().node_size() > 0;
    for (const auto &node : model.graph().node())
      allWritten &= handWrittenBodyOf(node.domain(), node.op_type()) != nullptr;
    if (!allWritten)
      return fileError() << "model imports no opset of the default ONNX domain", failure();
    sourceOpset = graph::kCanonicalOpset;
  }
  if (sourceOpset < graph::kMinimumOpset || sourceOpset > graph::kCanonicalOpset)
    return fileError() << "opset " << sourceOpset << " is outside the supported range "
                       << graph::kMinimumOpset << "-" << graph::kCanonicalOpset,
           failure();
  return success();
}

LogicalResult Importer::checkStructure(const onnx::GraphProto &graph, const llvm::StringSet<> &outer) {
  llvm::StringSet<> known;
  for (const auto &name : outer)
    known.insert(name.getKey());
  for (const auto &input : graph.input())
    known.insert(input.name());
  for (const auto &init : graph.initializer())
    known.insert(init.name());
  if (graph.sparse_initializer_size() > 0)
    return fileError() << "sparse initializer '" << graph.sparse_initializer(0).values().name()
                       << "' is not supported",
           failure();
  llvm::StringMap<const onnx::NodeProto *> producers;
  for (const auto &node : graph.node()) {
    for (const auto &output : node.output()) {
      if (output.empty())
        continue;
      if (known.contains(output) || producers.count(output))
        return nodeError(node) << "output '" << output
                               << "' is already defined by another node, input or initializer",
               failure();
      producers[output] = &node;
    }
  }
  for (const auto &node : graph.node()) {
    if (!node.domain().empty() && node.domain() != "ai.onnx" &&
        !hasFunctionBody(node.domain(), node.op_type()) && !isGradient(node))
      return nodeError(node) << "operators of domain '" << node.domain()
                             << "' are not supported",
             failure();
    const OpInfo *info = lookupOp(node.op_type());
    if (!info && !hasFunctionBody(node.domain(), node.op_type()) &&
        !isBuiltAsOtherOp(node.op_type()) && !isControlFlow(node.op_type()) &&
        !StaticSequences::isSequenceOp(node.op_type()) && !isGradient(node))
      return nodeError(node) << "unsupported operator '" << node.op_type() << "'", failure();
    // Where the model's opset already has the canonical definition of the op,
    // check its attributes now, before the ONNX checker words it less clearly.
    if (info && info->sinceVersion <= sourceOpset && node.op_type() != "Constant" &&
        failed(validateAttributes(node, *info)))
      return failure();
    for (const auto &input : inputsOf(node))
      if (!input.empty() && !known.contains(input) && !producers.count(input))
        return nodeError(node) << "input '" << input
                               << "' is not produced by any node, graph input or initializer",
               failure();
    // A subgraph sees everything of the graphs around it.
    if (!subgraphsOf(node).empty()) {
      llvm::StringSet<> visible = known;
      for (const auto &entry : producers)
        visible.insert(entry.getKey());
      for (const onnx::GraphProto *sub : subgraphsOf(node))
        if (failed(checkStructure(*sub, visible)))
          return failure();
    }
  }
  for (const auto &output : graph.output())
    if (!known.contains(output.name()) && !producers.count(output.name()))
      return fileError() << "graph output '" << output.name() << "' is never produced",
             failure();
  std::vector<int> sorted;
  return sortNodes(graph, sorted, outer);
}

LogicalResult Importer::sortNodes(const onnx::GraphProto &graph, std::vector<int> &order,
                                  const llvm::StringSet<> &outer) {
  // Kahn's algorithm, keeping the file's order among ready nodes: many
  // exporters do not sort, and a cycle must be reported, not looped on.
  llvm::StringSet<> available = outer;
  for (const auto &input : graph.input())
    available.insert(input.name());
  for (const auto &init : graph.initializer())
    available.insert(init.name());
  int numNodes = graph.node_size();
  llvm::StringMap<SmallVector<int>> consumers;
  SmallVector<int> pending(numNodes, 0);
  for (int i = 0; i < numNodes; ++i) {
    llvm::StringSet<> distinct;
    for (const auto &input : inputsOf(graph.node(i)))
      if (!input.empty() && !available.contains(input) && distinct.insert(input).second) {
        consumers[input].push_back(i);
        ++pending[i];
      }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push(i);
  while (!ready.empty()) {
    int index = ready.top();
    ready.pop();
    order.push_back(index);
    for (const auto &output : graph.node(index).output())
      for (int consumer : consumers.lookup(output))
        if (--pending[consumer] == 0)
          ready.push(consumer);
  }
  for (int i = 0; i < numNodes; ++i)
    if (pending[i] != 0)
      return nodeError(graph.node(i)) << "is part of a cycle: its inputs depend on its own "
                                         "outputs",
             failure();
  return success();
}

LogicalResult Importer::normalise(onnx::ModelProto &model) {
  // The ONNX library only knows opsets and IR versions up to its own; newer
  // models rely on our verifiers alone (it must not refuse what ONNX accepts).
  if (sourceOpset > kOnnxLibraryOpset || model.ir_version() > kOnnxLibraryIrVersion)
    return success();
  // The checker, node by node and tensor by tensor: its whole-graph check
  // refuses models ONNX Runtime runs (graph outputs without a shape), and
  // check_model's own context cannot find external data beside the model.
  onnx::checker::CheckerContext checker;
  checker.set_ir_version(model.ir_version());
  std::unordered_map<std::string, int> opsets;
  for (const auto &opset : model.opset_import())
    opsets[opset.domain()] = opset.version();
  checker.set_opset_imports(opsets);
  checker.set_model_dir(tensorOptions.baseDirectory);
  checker.set_is_main_graph(true);
  onnx::checker::LexicalScopeContext scope;
  for (const auto &tensor : model.graph().initializer()) {
    try {
      onnx::checker::check_tensor(tensor, checker);
    } catch (const std::exception &e) {
      return fileError() << "initializer '" << tensor.name() << "': " << oneLine(e.what()),
             failure();
    }
  }
  for (const auto &node : model.graph().node()) {
    try {
      onnx::checker::check_node(node, checker, scope);
    } catch (const std::exception &e) {
      return nodeError(node) << oneLine(e.what()), failure();
    }
  }
  try {
    onnx::ShapeInferenceOptions inference{/*check_type=*/false, /*error_mode=*/0,
                                          /*enable_data_propagation=*/true};
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), inference);
  } catch (const std::exception &e) {
    return fileError() << "shape inference failed: " << oneLine(e.what()), failure();
  }
  if (sourceOpset < 7) {
    adaptLegacyPRelu(*model.mutable_graph());
    if (failed(adaptLegacyBroadcast(*model.mutable_graph())))
      return failure();
  }
  if (sourceOpset < kOnnxLibraryOpset) {
    try {
      model = onnx::version_conversion::ConvertVersion(model, kOnnxLibraryOpset);
    } catch (const std::exception &e) {
      return fileError() << "cannot upgrade opset " << sourceOpset << " to "
                         << kOnnxLibraryOpset << ": " << oneLine(e.what()),
             failure();
    }
  }
  return success();
}

/// Before opset 7, PRelu applied a 1-D slope of C values per channel (dim
/// 1); from 7 on it broadcasts as NumPy does, from the last dim. The version
/// converter keeps the slope as it is, so it is reshaped here to [C, 1, ...].
/// The rank ONNX shape inference found for `name`, or -1.
static int legacyRankOf(const onnx::GraphProto &graph, const std::string &name) {
  for (const auto *list : {&graph.input(), &graph.value_info(), &graph.output()})
    for (const auto &info : *list)
      if (info.name() == name && info.type().tensor_type().has_shape())
        return info.type().tensor_type().shape().dim_size();
  for (const auto &init : graph.initializer())
    if (init.name() == name)
      return init.dims_size();
  return -1;
}

/// Before opset 7, binary ops broadcast only with broadcast=1, aligning B to
/// A at `axis` (default: the trailing dims); Gemm's C likewise. The version
/// converter's adapter needs every dim known to rewrite that; ranks are
/// enough here: B gets trailing 1s so NumPy broadcasting aligns it at axis.
LogicalResult Importer::adaptLegacyBroadcast(onnx::GraphProto &graph) {
  UniqueNames names(graph);
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (const onnx::NodeProto &original : graph.node()) {
    onnx::NodeProto node = original;
    const onnx::AttributeProto *broadcast = nullptr, *axis = nullptr;
    for (const auto &attr : node.attribute()) {
      if (attr.name() == "broadcast")
        broadcast = &attr;
      else if (attr.name() == "axis")
        axis = &attr;
    }
    bool binary = llvm::is_contained({"Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal",
                                      "Greater", "Less", "PRelu"}, node.op_type());
    if (node.op_type() == "Gemm") {
      // C of the right shape broadcasts too; the converter's adapter then
      // needs no dims.
      bool set = false;
      for (auto &attr : *node.mutable_attribute())
        if (attr.name() == "broadcast")
          attr.set_i(1), set = true;
      if (!set) {
        onnx::AttributeProto *attr = node.add_attribute();
        attr->set_name("broadcast");
        attr->set_type(onnx::AttributeProto::INT);
        attr->set_i(1);
      }
      *nodes.Add() = std::move(node);
      continue;
    }
    if (!broadcast || !binary) {
      *nodes.Add() = std::move(node);
      continue;
    }
    if (binary && broadcast->i() != 0 && axis && node.input_size() == 2) {
      int rankA = legacyRankOf(graph, node.input(0)), rankB = legacyRankOf(graph, node.input(1));
      if (rankA < 0 || rankB < 0)
        return nodeError(original) << "opset-6 broadcasting along an axis needs the ranks of both inputs",
               failure();
      int64_t at = axis->i() < 0 ? axis->i() + rankA : axis->i();
      if (at < 0 || at + rankB > rankA)
        return nodeError(original) << "broadcast axis " << axis->i() << " does not fit a rank-" << rankB
                                   << " B into a rank-" << rankA << " A",
               failure();
      if (at + rankB < rankA) {
        onnx::NodeProto unsqueeze;
        unsqueeze.set_op_type("Unsqueeze");
        unsqueeze.set_name(names.make(displayName(original) + "/align"));
        unsqueeze.add_input(node.input(1));
        std::string aligned = names.make(node.input(1) + "/aligned");
        unsqueeze.add_output(aligned);
        onnx::AttributeProto *axes = unsqueeze.add_attribute();
        axes->set_name("axes");
        axes->set_type(onnx::AttributeProto::INTS);
        for (int64_t d = rankB; d < rankA - at; ++d)
          axes->add_ints(d);
        *nodes.Add() = std::move(unsqueeze);
        node.set_input(1, aligned);
      }
    }
    // From here on NumPy broadcasting says the same.
    google::protobuf::RepeatedPtrField<onnx::AttributeProto> kept;
    for (const auto &attr : node.attribute())
      if (attr.name() != "broadcast" && !(binary && attr.name() == "axis"))
        *kept.Add() = attr;
    *node.mutable_attribute() = std::move(kept);
    *nodes.Add() = std::move(node);
  }
  *graph.mutable_node() = std::move(nodes);
  return success();
}

void Importer::adaptLegacyPRelu(onnx::GraphProto &graph) {
  auto rankOf = [&](const std::string &name) { return legacyRankOf(graph, name); };
  for (const auto &node : graph.node()) {
    if (node.op_type() != "PRelu" || node.input_size() != 2)
      continue;
    int rank = rankOf(node.input(0));
    for (auto &init : *graph.mutable_initializer()) {
      if (init.name() != node.input(1) || init.dims_size() != 1 || init.dims(0) == 1 || rank < 3)
        continue;
      for (int i = 2; i < rank; ++i)
        init.add_dims(1);
    }
  }
}

LogicalResult Importer::upgradeToCanonical(onnx::GraphProto &graph) {
  // The version converter brought older models to 17.
  int64_t opset = std::max(sourceOpset, kOnnxLibraryOpset);
  UniqueNames names(graph);
  return upgradeGraph(graph, names, opset);
}

LogicalResult Importer::upgradeGraph(onnx::GraphProto &graph, UniqueNames &names, int64_t opset) {
  for (onnx::NodeProto &node : *graph.mutable_node())
    for (onnx::GraphProto *sub : subgraphsOf(node))
      if (failed(upgradeGraph(*sub, names, opset)))
        return failure();
  for (onnx::NodeProto &node : *graph.mutable_node())
    adaptToCanonicalOpset(node, opset, graph, names);
  materializeInferenceMasks(graph, names);
  InlineHooks hooks;
  auto isNative = [](StringRef opType) {
    // A node named Gradient got here only from the preview training domain.
    return lookupOp(opType) != nullptr || isBuiltAsOtherOp(opType) || isControlFlow(opType) ||
           StaticSequences::isSequenceOp(opType) || opType == "Gradient";
  };
  auto adapt = [&](onnx::NodeProto &node, int64_t bodyOpset) {
    adaptToCanonicalOpset(node, bodyOpset, graph, names);
  };
  auto error = [&](const onnx::NodeProto &node) { return nodeError(node); };
  hooks.isNative = isNative;
  hooks.adapt = adapt;
  hooks.error = error;
  if (failed(inlineFunctionBodies(graph, names, hooks)))
    return failure();
  // Every op left must be one the dialect has (a body may use others).
  for (const auto &node : graph.node())
    if (!isNative(node.op_type()))
      return nodeError(node) << "unsupported operator '" << node.op_type() << "'", failure();
  // Bodies inlined here may hold subgraphs of their own (Range's Loop).
  for (onnx::NodeProto &node : *graph.mutable_node())
    for (onnx::GraphProto *sub : subgraphsOf(node))
      for (const auto &inner : sub->node())
        if (!isNative(inner.op_type()) && hasFunctionBody(inner.domain(), inner.op_type()))
          if (failed(upgradeGraph(*sub, names, opset)))
            return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Types and values
//===----------------------------------------------------------------------===//

Type Importer::convertType(const onnx::TypeProto &type, StringRef what,
                           SmallVector<Attribute> *dimNames) {
  if (!type.has_tensor_type()) {
    const char *kind = type.has_sequence_type()   ? "a sequence"
                       : type.has_optional_type() ? "an optional"
                       : type.has_map_type()      ? "a map"
                                                  : "not a tensor";
    fileError() << what << " is " << kind
                << "; graph inputs and outputs must be tensors (sequences are supported "
                   "inside a graph where their length is known when compiling)";
    return {};
  }
  const auto &tensor = type.tensor_type();
  Type element = graph::getElementTypeForOnnx(&ctx, tensor.elem_type());
  if (!element) {
    fileError() << what << ": element type " << graph::getOnnxDataTypeName(tensor.elem_type())
                << " is not supported";
    return {};
  }
  if (!tensor.has_shape())
    return UnrankedTensorType::get(element);
  SmallVector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim()) {
    bool known = dim.has_dim_value() && dim.dim_value() >= 0;
    shape.push_back(known ? dim.dim_value() : ShapedType::kDynamic);
    if (dimNames)
      dimNames->push_back(StringAttr::get(&ctx, dim.has_dim_param() ? dim.dim_param() : ""));
  }
  return RankedTensorType::get(shape, element);
}

Value Importer::lookupValue(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  if (sequences.isSequence(name)) {
    fileError() << "'" << name
                << "' is a sequence where a tensor is expected";
    return {};
  }
  auto init = initializers.find(name);
  if (init == initializers.end())
    return {};
  // Initializers become constants where first used.
  std::string error;
  ElementsAttr attr = convertTensor(&ctx, *init->second, tensorOptions, error);
  if (!attr) {
    fileError() << "initializer '" << name << "': " << error;
    return {};
  }
  auto loc = NameLoc::get(StringAttr::get(&ctx, name), FileLineColLoc::get(&ctx, path, 0, 0));
  Value constant = builder.create<graph::ConstantOp>(loc, attr.getType(), attr);
  values[name] = constant;
  return constant;
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

static bool attrKindMatches(onnx::AttributeProto::AttributeType type, AttrKind kind) {
  switch (kind) {
  case AttrKind::INT: return type == onnx::AttributeProto::INT;
  case AttrKind::FLOAT: return type == onnx::AttributeProto::FLOAT;
  case AttrKind::STRING: return type == onnx::AttributeProto::STRING;
  case AttrKind::INTS: return type == onnx::AttributeProto::INTS;
  case AttrKind::FLOATS: return type == onnx::AttributeProto::FLOATS;
  case AttrKind::STRINGS: return type == onnx::AttributeProto::STRINGS;
  case AttrKind::TENSOR: return type == onnx::AttributeProto::TENSOR;
  }
  return false;
}

static const char *onnxAttrTypeName(onnx::AttributeProto::AttributeType type) {
  switch (type) {
  case onnx::AttributeProto::INT: return "INT";
  case onnx::AttributeProto::FLOAT: return "FLOAT";
  case onnx::AttributeProto::STRING: return "STRING";
  case onnx::AttributeProto::INTS: return "INTS";
  case onnx::AttributeProto::FLOATS: return "FLOATS";
  case onnx::AttributeProto::STRINGS: return "STRINGS";
  case onnx::AttributeProto::TENSOR: return "TENSOR";
  case onnx::AttributeProto::GRAPH: return "GRAPH";
  default: return "an unsupported kind";
  }
}

/// The value of a Constant node, from whichever value_* attribute it uses.
Attribute Importer::convertConstantValue(const onnx::NodeProto &node) {
  if (node.attribute_size() != 1) {
    nodeError(node) << "expected exactly one value attribute, got " << node.attribute_size();
    return {};
  }
  const auto &attr = node.attribute(0);
  const std::string &name = attr.name();
  auto scalarOrList = [&](Type element, auto values, bool scalar) -> Attribute {
    SmallVector<int64_t> shape;
    if (!scalar)
      shape.push_back(values.size());
    return DenseElementsAttr::get(RankedTensorType::get(shape, element),
                                  ArrayRef(values.data(), values.size()));
  };
  if (name == "value") {
    std::string error;
    ElementsAttr value = convertTensor(&ctx, attr.t(), tensorOptions, error);
    if (!value)
      nodeError(node) << "attribute 'value': " << error;
    return value;
  }
  if (name == "value_float")
    return scalarOrList(builder.getF32Type(), std::vector<float>{attr.f()}, true);
  if (name == "value_floats")
    return scalarOrList(builder.getF32Type(),
                        std::vector<float>(attr.floats().begin(), attr.floats().end()), false);
  if (name == "value_int")
    return scalarOrList(builder.getI64Type(), std::vector<int64_t>{attr.i()}, true);
  if (name == "value_ints")
    return scalarOrList(builder.getI64Type(),
                        std::vector<int64_t>(attr.ints().begin(), attr.ints().end()), false);
  nodeError(node) << "attribute '" << name << "' is not supported";
  return {};
}

/// The schema entry of attribute `name`, or null.
static const AttrInfo *findAttribute(const OpInfo &info, StringRef name) {
  for (const AttrInfo &a : info.attributes)
    if (name == a.name)
      return &a;
  return nullptr;
}

LogicalResult Importer::validateAttributes(const onnx::NodeProto &node, const OpInfo &info) {
  llvm::StringSet<> seen;
  for (const auto &attr : node.attribute()) {
    const AttrInfo *schema = findAttribute(info, attr.name());
    if (!schema)
      return nodeError(node) << "unknown attribute '" << attr.name() << "'", failure();
    if (!attr.ref_attr_name().empty())
      return nodeError(node) << "attribute '" << attr.name()
                             << "' refers to a function attribute, which is not supported",
             failure();
    if (!attrKindMatches(attr.type(), schema->kind))
      return nodeError(node) << "attribute '" << attr.name() << "' must be "
                             << attrKindName(schema->kind) << ", got "
                             << onnxAttrTypeName(attr.type()),
             failure();
    seen.insert(attr.name());
  }
  for (const AttrInfo &a : info.attributes)
    if (a.required && !seen.contains(a.name))
      return nodeError(node) << "missing required attribute '" << a.name << "'", failure();
  return success();
}

LogicalResult Importer::convertAttributes(const onnx::NodeProto &node, const OpInfo &info,
                                          SmallVectorImpl<NamedAttribute> &attrs) {
  if (failed(validateAttributes(node, info)))
    return failure();
  for (const auto &attr : node.attribute()) {
    const AttrInfo *schema = findAttribute(info, attr.name());
    Attribute value;
    switch (schema->kind) {
    case AttrKind::INT: value = builder.getI64IntegerAttr(attr.i()); break;
    case AttrKind::FLOAT: value = builder.getF32FloatAttr(attr.f()); break;
    case AttrKind::STRING: value = builder.getStringAttr(attr.s()); break;
    case AttrKind::INTS:
      value = builder.getDenseI64ArrayAttr(
          SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
      break;
    case AttrKind::FLOATS:
      value = builder.getDenseF32ArrayAttr(
          SmallVector<float>(attr.floats().begin(), attr.floats().end()));
      break;
    case AttrKind::STRINGS:
      value = builder.getStrArrayAttr(
          SmallVector<StringRef>(attr.strings().begin(), attr.strings().end()));
      break;
    case AttrKind::TENSOR: {
      std::string error;
      value = convertTensor(&ctx, attr.t(), tensorOptions, error);
      if (!value)
        return nodeError(node) << "attribute '" << attr.name() << "': " << error, failure();
      break;
    }
    }
    attrs.push_back(builder.getNamedAttr(attr.name(), value));
  }
  return success();
}

LogicalResult Importer::buildNode(const onnx::NodeProto &node) {
  if (node.op_type() == "CastLike") {
    // CastLike(x, like) is Cast(x, to = like's element type).
    if (node.input_size() != 2 || node.input(1).empty())
      return nodeError(node) << "expects 2 inputs, got " << node.input_size(), failure();
    Value like = lookupValue(node.input(1));
    if (!like)
      return failure();
    std::optional<int64_t> dtype = graph::getOnnxDataType(getElementTypeOrSelf(like.getType()));
    if (!dtype)
      return nodeError(node) << "input 'target_type' has an unsupported element type", failure();
    onnx::NodeProto cast = node;
    cast.set_op_type("Cast");
    cast.mutable_input()->RemoveLast();
    onnx::AttributeProto *to = cast.add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(*dtype);
    return buildNode(cast);
  }
  if (isControlFlow(node.op_type()))
    return buildControlFlow(node);
  if (isGradient(node))
    return buildGradient(node);
  if (sequences.handles(node)) {
    // A tensor built so far (never a sequence, which lookupValue refuses).
    auto tensorNamed = [&](const std::string &name) {
      return values.count(name) || initializers.count(name) ? lookupValue(name) : Value();
    };
    auto constantInts = [&](const std::string &name) -> std::optional<std::vector<int64_t>> {
      Value value = tensorNamed(name);
      std::optional<SmallVector<int64_t>> ints = value ? graph::getConstantInts(value) : std::nullopt;
      if (!ints)
        return std::nullopt;
      return std::vector<int64_t>(ints->begin(), ints->end());
    };
    auto shapeOf = [&](const std::string &name) -> std::optional<std::vector<int64_t>> {
      Value value = tensorNamed(name);
      auto type = value ? dyn_cast<RankedTensorType>(value.getType()) : RankedTensorType();
      if (!type)
        return std::nullopt;
      std::vector<int64_t> dims;
      for (int64_t dim : type.getShape())
        dims.push_back(ShapedType::isDynamic(dim) ? -1 : dim);
      return dims;
    };
    auto error = [&]() { return nodeError(node); };
    FailureOr<std::vector<onnx::NodeProto>> nodes =
        sequences.expand(node, *names, TensorFacts{constantInts, shapeOf, error});
    if (failed(nodes))
      return failure();
    for (const onnx::NodeProto &tensorNode : *nodes)
      if (failed(buildNode(tensorNode)))
        return failure();
    return success();
  }
  const OpInfo &info = *lookupOp(node.op_type());
  Location loc = locationOf(node);
  OperationState state(loc, info.mlirName);
  SmallVector<NamedAttribute> attrs;

  // Operands, grouped by the schema's inputs (an optional one may be "").
  SmallVector<std::string> inputs(node.input().begin(), node.input().end());
  SmallVector<int32_t> segments;
  size_t next = 0;
  for (const ParamInfo &param : info.inputs) {
    int32_t count = 0;
    auto take = [&]() -> LogicalResult {
      const std::string &name = inputs[next++];
      if (name.empty()) {
        if (param.kind == ParamKind::Single)
          return nodeError(node) << "missing required input '" << param.name << "'", failure();
        return success();
      }
      if (sequences.isSequence(name))
        return nodeError(node) << "input '" << name << "' is a sequence; " << node.op_type()
                               << " takes tensors",
               failure();
      Value value = lookupValue(name);
      if (!value)
        return failure();
      state.operands.push_back(value);
      ++count;
      return success();
    };
    if (param.kind == ParamKind::Variadic) {
      while (next < inputs.size())
        if (failed(take()))
          return failure();
    } else if (next < inputs.size()) {
      if (failed(take()))
        return failure();
    } else if (param.kind == ParamKind::Single) {
      return nodeError(node) << "missing required input '" << param.name << "'", failure();
    }
    segments.push_back(count);
  }
  if (next < inputs.size())
    return nodeError(node) << "expected at most " << info.inputs.size() << " inputs, got "
                           << inputs.size(),
           failure();
  if (state.name.hasTrait<OpTrait::AttrSizedOperandSegments>())
    attrs.push_back(builder.getNamedAttr("operandSegmentSizes",
                                         builder.getDenseI32ArrayAttr(segments)));

  if (node.op_type() == "Constant") {
    Attribute value = convertConstantValue(node);
    if (!value)
      return failure();
    attrs.push_back(builder.getNamedAttr("value", value));
  } else if (failed(convertAttributes(node, info, attrs))) {
    return failure();
  }
  // A Split whose sizes are only known at run time takes its output count
  // from the node.
  if (node.op_type() == "Split" && inputs.size() > 1 && !inputs[1].empty() &&
      llvm::none_of(attrs, [](NamedAttribute a) { return a.getName() == "num_outputs"; }))
    if (auto type = dyn_cast<RankedTensorType>(state.operands[1].getType());
        type && type.isDynamicDim(0))
      attrs.push_back(builder.getNamedAttr("num_outputs", builder.getI64IntegerAttr(node.output_size())));

  // Results. Each schema output is one result, or none when it is an
  // optional output the node leaves unnamed; training-only outputs the
  // dialect lacks are dropped when nothing reads them (Dropout's mask in
  // many exports) and refused otherwise.
  SmallVector<std::string> resultNames;
  SmallVector<int32_t> resultSegments;
  if (info.outputs.size() == 1 && info.outputs[0].kind == ParamKind::Variadic) {
    resultNames.assign(node.output().begin(), node.output().end());
  } else {
    for (int i = 0; i < node.output_size(); ++i) {
      const std::string &name = node.output(i);
      if (i >= (int)info.outputs.size()) {
        if (!name.empty() && consumed.contains(name)) {
          bool training = node.op_type() == "Dropout" || node.op_type() == "BatchNormalization";
          if (!training)
            return nodeError(node) << "output " << i << " ('" << name << "') of " << node.op_type()
                                   << " is not supported yet",
                   failure();
          return nodeError(node) << "output " << i << " ('" << name
                                 << "') is only produced in training and is not supported; "
                                    "remove its uses or export the model for inference",
                 failure();
        }
        continue;
      }
      bool present = !name.empty() || info.outputs[i].kind == ParamKind::Single;
      resultSegments.push_back(present);
      if (present)
        resultNames.push_back(name);
    }
    resultSegments.resize(info.outputs.size(), 0);
  }
  if (state.name.hasTrait<OpTrait::AttrSizedResultSegments>())
    attrs.push_back(builder.getNamedAttr("resultSegmentSizes",
                                         builder.getDenseI32ArrayAttr(resultSegments)));
  size_t numResults = resultNames.size();
  state.types.assign(numResults, UnrankedTensorType::get(builder.getF32Type()));
  state.attributes.append(attrs.begin(), attrs.end());
  Operation *op = builder.create(state);

  // Type the results by the op's shape rule, refined by ONNX value_info.
  auto inferable = dyn_cast<InferTypeOpInterface>(op);
  SmallVector<Type> types;
  if (!inferable ||
      failed(inferable.inferReturnTypes(&ctx, loc, op->getOperands(),
                                        op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
                                        op->getRegions(), types)))
    return failure();
  if (types.size() != op->getNumResults())
    return nodeError(node) << "produces " << op->getNumResults() << " outputs, expected "
                           << types.size(),
           failure();
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    Type type = types[i];
    const std::string &name = resultNames[i];
    auto known = valueInfoTypes.find(name);
    if (known != valueInfoTypes.end())
      type = graph::refineType(type, known->second);
    result.setType(type);
    values[name] = result;
  }
  if (failed(mlir::verify(op, /*verifyRecursively=*/false)))
    return failure();
  return success();
}

/// Gradient<xs, y>(xs..., zs...): dy/dx for each x named in xs, the
/// adjoint of y being all ones. The inputs only order the node after the
/// values it names.
LogicalResult Importer::buildGradient(const onnx::NodeProto &node) {
  std::string y;
  SmallVector<std::string> xs;
  for (const auto &attr : node.attribute()) {
    if (attr.name() == "y")
      y = attr.s();
    else if (attr.name() == "xs")
      xs.assign(attr.strings().begin(), attr.strings().end());
  }
  if (y.empty() || xs.empty())
    return nodeError(node) << "attributes 'y' and 'xs' name the values to differentiate",
           failure();
  if ((int)xs.size() != node.output_size())
    return nodeError(node) << "has " << node.output_size() << " outputs for " << xs.size()
                           << " values in 'xs'",
           failure();
  Value target = lookupValue(y);
  if (!target)
    return failure();
  SmallVector<Value> wrt;
  for (const std::string &x : xs) {
    Value value = lookupValue(x);
    if (!value)
      return failure();
    if (value.getParentBlock() != target.getParentBlock())
      return nodeError(node) << "'" << x << "' and '" << y << "' are in different graphs",
             failure();
    wrt.push_back(value);
  }
  FailureOr<SmallVector<Value>> gradients =
      buildGradients(builder, locationOf(node), target, wrt, [&]() { return nodeError(node); });
  if (failed(gradients))
    return failure();
  for (auto [name, gradient] : llvm::zip(node.output(), *gradients))
    if (!name.empty())
      values[name] = gradient;
  return success();
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

/// The type a subgraph declares for an input, where it declares a shape;
/// else `fallback` (what the op passes in).
Type Importer::subgraphInputType(const onnx::ValueInfoProto &input, Type fallback) {
  if (input.type().has_tensor_type() && input.type().tensor_type().has_shape() &&
      graph::getElementTypeForOnnx(&ctx, input.type().tensor_type().elem_type()))
    if (Type declared = convertType(input.type(), input.name(), nullptr))
      if (getElementTypeOrSelf(declared) == getElementTypeOrSelf(fallback))
        return declared;
  return fallback;
}

/// Builds `graph` into `region`'s one block, its inputs as the block's
/// arguments; values of the enclosing graphs are read directly, and the
/// names the subgraph defines are forgotten after it.
LogicalResult Importer::buildRegion(const onnx::NodeProto &node, const onnx::GraphProto &graph, Region &region,
                                    ArrayRef<Type> argTypes, SmallVectorImpl<Value> &yielded) {
  if ((size_t)graph.input_size() != argTypes.size())
    return nodeError(node) << "subgraph '" << graph.name() << "' takes " << graph.input_size()
                           << " inputs, expected " << argTypes.size(),
           failure();
  Block *block = new Block();
  region.push_back(block);
  for (Type type : argTypes)
    block->addArgument(type, locationOf(node));
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(block);
  llvm::StringMap<Value> outerValues = values;
  llvm::StringMap<const onnx::TensorProto *> outerInitializers = initializers;
  auto restore = llvm::make_scope_exit([&] {
    values = std::move(outerValues);
    initializers = std::move(outerInitializers);
  });
  for (const auto &init : graph.initializer())
    initializers[init.name()] = &init;
  for (auto [input, arg] : llvm::zip(graph.input(), block->getArguments()))
    values[input.name()] = arg;
  llvm::StringSet<> outer;
  for (const auto &entry : values)
    outer.insert(entry.getKey());
  for (const auto &entry : initializers)
    outer.insert(entry.getKey());
  std::vector<int> sorted;
  if (failed(sortNodes(graph, sorted, outer)))
    return failure();
  for (int index : sorted)
    if (failed(buildNode(graph.node(index))))
      return failure();
  for (const auto &output : graph.output()) {
    if (sequences.isSequence(output.name()))
      return nodeError(node) << "subgraph output '" << output.name()
                             << "' is a sequence; If branches and loop bodies must yield tensors",
             failure();
    Value value = lookupValue(output.name());
    if (!value)
      return nodeError(node) << "subgraph output '" << output.name() << "' is never produced", failure();
    yielded.push_back(value);
  }
  builder.create<graph::YieldOp>(locationOf(node), yielded);
  return success();
}

namespace {
/// The same element type and rank, dims kept where `a` and `b` agree.
Type mergeTypes(Type a, Type b) {
  if (a == b)
    return a;
  auto ra = dyn_cast<RankedTensorType>(a), rb = dyn_cast<RankedTensorType>(b);
  if (!ra || !rb || ra.getRank() != rb.getRank() || ra.getElementType() != rb.getElementType())
    return UnrankedTensorType::get(getElementTypeOrSelf(a));
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(ra.getShape(), rb.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, ra.getElementType());
}

Type withAllDimsDynamic(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return type;
  return RankedTensorType::get(SmallVector<int64_t>(ranked.getRank(), ShapedType::kDynamic),
                               ranked.getElementType());
}

const onnx::GraphProto *graphAttr(const onnx::NodeProto &node, StringRef name) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name && attr.has_g())
      return &attr.g();
  return nullptr;
}

SmallVector<int64_t> intsAttr(const onnx::NodeProto &node, StringRef name) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return SmallVector<int64_t>(attr.ints().begin(), attr.ints().end());
  return {};
}
} // namespace

LogicalResult Importer::buildControlFlow(const onnx::NodeProto &node) {
  Location loc = locationOf(node);
  StringRef opType = node.op_type();
  SmallVector<Value> operands;
  for (const auto &input : node.input()) {
    if (input.empty()) {
      operands.push_back(Value());
      continue;
    }
    Value value = lookupValue(input);
    if (!value)
      return failure();
    operands.push_back(value);
  }
  auto subgraph = [&](StringRef name) -> const onnx::GraphProto * {
    const onnx::GraphProto *g = graphAttr(node, name);
    if (!g)
      nodeError(node) << "missing subgraph attribute '" << name << "'";
    return g;
  };
  Operation *op = nullptr;
  SmallVector<Type> resultTypes;
  if (opType == "If") {
    const onnx::GraphProto *thenGraph = subgraph("then_branch"), *elseGraph = subgraph("else_branch");
    if (!thenGraph || !elseGraph)
      return failure();
    if (operands.size() != 1 || !operands[0])
      return nodeError(node) << "expects 1 input (cond), got " << node.input_size(), failure();
    auto ifOp = builder.create<graph::IfOp>(loc, SmallVector<Type>(node.output_size(), UnrankedTensorType::get(builder.getF32Type())),
                                            operands[0]);
    op = ifOp;
    SmallVector<Value> thenValues, elseValues;
    if (failed(buildRegion(node, *thenGraph, ifOp.getThenBranch(), {}, thenValues)) ||
        failed(buildRegion(node, *elseGraph, ifOp.getElseBranch(), {}, elseValues)))
      return failure();
    if (thenValues.size() != (size_t)node.output_size() || elseValues.size() != (size_t)node.output_size())
      return nodeError(node) << "the branches yield " << thenValues.size() << " and " << elseValues.size()
                             << " values for " << node.output_size() << " outputs",
             failure();
    for (auto [t, e] : llvm::zip(thenValues, elseValues))
      resultTypes.push_back(mergeTypes(t.getType(), e.getType()));
  } else if (opType == "Loop") {
    const onnx::GraphProto *body = subgraph("body");
    if (!body)
      return failure();
    if (operands.size() < 2)
      return nodeError(node) << "expects at least 2 inputs (M, cond), got " << node.input_size(), failure();
    // An absent trip count or condition: no limit.
    if (!operands[0]) {
      auto type = RankedTensorType::get({}, builder.getI64Type());
      operands[0] = builder.create<graph::ConstantOp>(
          loc, type, DenseElementsAttr::get(type, builder.getI64IntegerAttr(std::numeric_limits<int64_t>::max())));
    }
    if (!operands[1]) {
      auto type = RankedTensorType::get({}, builder.getI1Type());
      operands[1] = builder.create<graph::ConstantOp>(loc, type, DenseElementsAttr::get(type, true));
    }
    for (size_t i = 2; i < operands.size(); ++i)
      if (!operands[i])
        return nodeError(node) << "loop-carried input " << i - 2 << " is empty", failure();
    size_t carried = operands.size() - 2;
    if ((size_t)body->input_size() != carried + 2 || (size_t)body->output_size() < carried + 1)
      return nodeError(node) << "body takes " << body->input_size() << " inputs and yields " << body->output_size()
                             << " outputs; " << carried << " carried values need " << carried + 2 << " and at least "
                             << carried + 1,
             failure();
    SmallVector<Type> argTypes{subgraphInputType(body->input(0), RankedTensorType::get({}, builder.getI64Type())),
                               subgraphInputType(body->input(1), RankedTensorType::get({}, builder.getI1Type()))};
    for (size_t i = 0; i < carried; ++i)
      argTypes.push_back(subgraphInputType(body->input(2 + i), withAllDimsDynamic(operands[2 + i].getType())));
    auto loopOp = builder.create<graph::LoopOp>(
        loc, SmallVector<Type>(node.output_size(), UnrankedTensorType::get(builder.getF32Type())), operands[0],
        operands[1], ArrayRef<Value>(operands).drop_front(2));
    op = loopOp;
    SmallVector<Value> yielded;
    if (failed(buildRegion(node, *body, loopOp.getBody(), argTypes, yielded)))
      return failure();
    if ((size_t)node.output_size() != yielded.size() - 1)
      return nodeError(node) << "has " << node.output_size() << " outputs; its body yields "
                             << yielded.size() - 1 << " values after the condition",
             failure();
    for (size_t i = 0; i < carried; ++i)
      resultTypes.push_back(argTypes[2 + i]);
    for (size_t i = 1 + carried; i < yielded.size(); ++i) {
      auto slice = dyn_cast<RankedTensorType>(yielded[i].getType());
      if (!slice) {
        resultTypes.push_back(yielded[i].getType());
        continue;
      }
      SmallVector<int64_t> shape{ShapedType::kDynamic};
      llvm::append_range(shape, slice.getShape());
      resultTypes.push_back(RankedTensorType::get(shape, slice.getElementType()));
    }
  } else {
    const onnx::GraphProto *body = subgraph("body");
    if (!body)
      return failure();
    if (sourceOpset < 9)
      return nodeError(node) << "Scan before opset 9 (batched, with sequence_lens) is not supported", failure();
    int64_t scanned = 0;
    for (const auto &attr : node.attribute())
      if (attr.name() == "num_scan_inputs")
        scanned = attr.i();
    int64_t states = (int64_t)operands.size() - scanned;
    if (scanned < 1 || states < 0)
      return nodeError(node) << "num_scan_inputs is " << scanned << " for " << operands.size() << " inputs",
             failure();
    for (Value v : operands)
      if (!v || !isa<RankedTensorType>(v.getType()))
        return nodeError(node) << "needs ranked inputs", failure();
    int64_t outputs = node.output_size() - states;
    if (outputs < 0)
      return nodeError(node) << "has fewer outputs than states", failure();
    auto axesOr = [&](StringRef name, int64_t count) {
      SmallVector<int64_t> v = intsAttr(node, name);
      if (v.empty())
        v.assign(count, 0);
      return v;
    };
    SmallVector<int64_t> inAxes = axesOr("scan_input_axes", scanned), inDirs = axesOr("scan_input_directions", scanned);
    SmallVector<int64_t> outAxes = axesOr("scan_output_axes", outputs), outDirs = axesOr("scan_output_directions", outputs);
    if ((int64_t)inAxes.size() != scanned || (int64_t)inDirs.size() != scanned ||
        (int64_t)outAxes.size() != outputs || (int64_t)outDirs.size() != outputs)
      return nodeError(node) << "expected one axis and direction per scan input and output", failure();
    SmallVector<Type> argTypes;
    for (int64_t i = 0; i < states; ++i)
      argTypes.push_back(subgraphInputType(body->input(i), operands[i].getType()));
    int64_t length = ShapedType::kDynamic;
    for (int64_t i = 0; i < scanned; ++i) {
      auto type = cast<RankedTensorType>(operands[states + i].getType());
      std::optional<int64_t> axis = graph::normalizeAxis(inAxes[i], type.getRank());
      if (!axis)
        return nodeError(node) << "scan_input_axes[" << i << "] = " << inAxes[i] << " is out of range for rank "
                               << type.getRank(),
               failure();
      inAxes[i] = *axis;
      SmallVector<int64_t> shape(type.getShape());
      if (length == ShapedType::kDynamic)
        length = shape[*axis];
      shape.erase(shape.begin() + *axis);
      if (states + i >= body->input_size())
        return nodeError(node) << "body takes " << body->input_size() << " inputs, expected "
                               << states + scanned,
               failure();
      argTypes.push_back(subgraphInputType(body->input(states + i), RankedTensorType::get(shape, type.getElementType())));
    }
    auto scanOp = builder.create<graph::ScanOp>(
        loc, SmallVector<Type>(node.output_size(), UnrankedTensorType::get(builder.getF32Type())), operands,
        builder.getI64IntegerAttr(scanned), builder.getDenseI64ArrayAttr(inAxes),
        builder.getDenseI64ArrayAttr(inDirs), builder.getDenseI64ArrayAttr(outAxes),
        builder.getDenseI64ArrayAttr(outDirs));
    op = scanOp;
    SmallVector<Value> yielded;
    if (failed(buildRegion(node, *body, scanOp.getBody(), argTypes, yielded)))
      return failure();
    if (yielded.size() != (size_t)node.output_size())
      return nodeError(node) << "body yields " << yielded.size() << " values for " << node.output_size()
                             << " outputs",
             failure();
    for (int64_t i = 0; i < states; ++i)
      resultTypes.push_back(argTypes[i]);
    for (int64_t i = 0; i < outputs; ++i) {
      auto slice = dyn_cast<RankedTensorType>(yielded[states + i].getType());
      if (!slice)
        return nodeError(node) << "scan output " << i << " has no known rank", failure();
      std::optional<int64_t> axis = graph::normalizeAxis(outAxes[i], slice.getRank() + 1);
      if (!axis)
        return nodeError(node) << "scan_output_axes[" << i << "] = " << outAxes[i] << " is out of range", failure();
      outAxes[i] = *axis;
      SmallVector<int64_t> shape(slice.getShape());
      shape.insert(shape.begin() + *axis, length);
      resultTypes.push_back(RankedTensorType::get(shape, slice.getElementType()));
    }
    scanOp.setScanOutputAxes(outAxes);
  }
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    Type type = resultTypes[i];
    const std::string &name = node.output(i);
    if (auto known = valueInfoTypes.find(name); known != valueInfoTypes.end())
      type = graph::refineType(type, known->second);
    result.setType(type);
    if (!name.empty())
      values[name] = result;
  }
  if (failed(mlir::verify(op, /*verifyRecursively=*/false)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

LogicalResult Importer::buildFunction(const onnx::GraphProto &graph, ModuleOp module) {
  for (const auto &init : graph.initializer())
    initializers[init.name()] = &init;
  std::function<void(const onnx::GraphProto &)> collectConsumed = [&](const onnx::GraphProto &g) {
    for (const auto &node : g.node()) {
      for (const auto &input : node.input())
        consumed.insert(input);
      for (const onnx::GraphProto *sub : subgraphsOf(node))
        collectConsumed(*sub);
    }
    for (const auto &output : g.output())
      consumed.insert(output.name());
    for (const auto &info : g.value_info())
      if (info.type().has_tensor_type() &&
          graph::getElementTypeForOnnx(&ctx, info.type().tensor_type().elem_type()))
        if (Type type = convertType(info.type(), info.name(), nullptr))
          valueInfoTypes[info.name()] = type;
  };
  collectConsumed(graph);
  for (const auto &info : graph.value_info())
    if (info.type().has_tensor_type() &&
        graph::getElementTypeForOnnx(&ctx, info.type().tensor_type().elem_type()))
      if (Type type = convertType(info.type(), info.name(), nullptr))
        valueInfoTypes[info.name()] = type;

  // Inputs that are also initializers hold weights (ONNX lets a runtime
  // treat the initializer as the value); the rest are the function's args.
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<const onnx::ValueInfoProto *> args;
  for (const auto &input : graph.input()) {
    if (initializers.count(input.name()))
      continue;
    SmallVector<Attribute> dimNames;
    Type type = convertType(input.type(), "input '" + input.name() + "'", &dimNames);
    if (!type)
      return failure();
    argTypes.push_back(type);
    SmallVector<NamedAttribute> attrs{
        builder.getNamedAttr("graph.name", builder.getStringAttr(input.name()))};
    if (llvm::any_of(dimNames, [](Attribute a) { return !cast<StringAttr>(a).empty(); }))
      attrs.push_back(builder.getNamedAttr("graph.dim_names", builder.getArrayAttr(dimNames)));
    argAttrs.push_back(builder.getDictionaryAttr(attrs));
    args.push_back(&input);
  }

  builder.setInsertionPointToEnd(module.getBody());
  auto func = builder.create<func::FuncOp>(FileLineColLoc::get(&ctx, path, 0, 0), "main",
                                           builder.getFunctionType(argTypes, {}));
  func.setAllArgAttrs(argAttrs);
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [input, arg] : llvm::zip(args, body->getArguments()))
    values[input->name()] = arg;

  for (int index : order)
    if (failed(buildNode(graph.node(index))))
      return failure();

  // Outputs: their declared types may refine ours but must not contradict them.
  SmallVector<Value> results;
  SmallVector<DictionaryAttr> resultAttrs;
  for (const auto &output : graph.output()) {
    if (sequences.isSequence(output.name()))
      return fileError() << "graph output '" << output.name()
                         << "' is a sequence; graph inputs and outputs must be tensors",
             failure();
    Value value = lookupValue(output.name());
    if (!value)
      return failure();
    SmallVector<Attribute> dimNames;
    if (output.type().has_tensor_type() && output.type().tensor_type().elem_type() != 0) {
      Type declared = convertType(output.type(), "output '" + output.name() + "'", &dimNames);
      if (!declared)
        return failure();
      if (getElementTypeOrSelf(declared) != getElementTypeOrSelf(value.getType()) ||
          failed(verifyCompatibleShape(declared, value.getType())))
        return fileError() << "graph output '" << output.name() << "' is declared as "
                           << declared << " but computed as " << value.getType(),
               failure();
      if (!isa<BlockArgument>(value) && !value.getDefiningOp<graph::ConstantOp>())
        value.setType(graph::refineType(value.getType(), declared));
    }
    results.push_back(value);
    SmallVector<NamedAttribute> attrs{
        builder.getNamedAttr("graph.name", builder.getStringAttr(output.name()))};
    if (llvm::any_of(dimNames, [](Attribute a) { return !cast<StringAttr>(a).empty(); }))
      attrs.push_back(builder.getNamedAttr("graph.dim_names", builder.getArrayAttr(dimNames)));
    resultAttrs.push_back(builder.getDictionaryAttr(attrs));
  }
  builder.create<func::ReturnOp>(func.getLoc(), results);
  func.setFunctionType(builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func.setAllResultAttrs(resultAttrs);
  return success();
}

OwningOpRef<ModuleOp> Importer::run(onnx::ModelProto &model) {
  if (failed(checkOpset(model)) || failed(checkStructure(model.graph())) ||
      failed(normalise(model)) || failed(upgradeToCanonical(*model.mutable_graph())))
    return {};
  // The version converter rebuilds the graph: sort what it returned.
  order.clear();
  if (failed(sortNodes(model.graph(), order)))
    return {};
  OwningOpRef<ModuleOp> module = ModuleOp::create(FileLineColLoc::get(&ctx, path, 0, 0));
  (*module)->setAttr("graph.opset", builder.getI64IntegerAttr(graph::kCanonicalOpset));
  (*module)->setAttr("graph.source_opset", builder.getI64IntegerAttr(sourceOpset));
  if (!model.producer_name().empty())
    (*module)->setAttr("graph.producer",
                       builder.getStringAttr(model.producer_name() +
                                             (model.producer_version().empty()
                                                  ? ""
                                                  : " " + model.producer_version())));
  names = std::make_unique<UniqueNames>(model.graph());
  if (failed(buildFunction(model.graph(), *module)))
    return {};
  if (failed(mlir::verify(*module)))
    return {};
  return module;
}

} // namespace

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> importOnnxModel(MLIRContext &context, onnx::ModelProto model,
                                      StringRef path, const ImportOptions &options) {
  context.loadDialect<graph::GraphDialect, func::FuncDialect>();
  Importer importer(context, path, options);
  return importer.run(model);
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &context, StringRef path,
                                     const ImportOptions &options) {
  auto fileError = [&]() { return emitError(FileLineColLoc::get(&context, path, 0, 0)); };
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/true);
  if (!buffer) {
    fileError() << "cannot read file: " << buffer.getError().message();
    return {};
  }
  OnnxInputFormat format = options.format;
  if (format == OnnxInputFormat::Auto) {
    StringRef ext = llvm::sys::path::extension(path);
    format = (ext == ".onnxtext" || ext == ".onnxtxt") ? OnnxInputFormat::Text
                                                        : OnnxInputFormat::Binary;
  }
  onnx::ModelProto model;
  StringRef data = (*buffer)->getBuffer();
  if (format == OnnxInputFormat::Text) {
    onnx::OnnxParser parser(data.data());
    onnx::Status status = parser.Parse(model);
    if (!status.IsOK()) {
      fileError() << "cannot parse ONNX text: " << status.ErrorMessage();
      return {};
    }
  } else {
    if (data.empty()) {
      fileError() << "file is empty, expected an ONNX model";
      return {};
    }
    if (!model.ParseFromArray(data.data(), (int)data.size())) {
      fileError() << "not a valid ONNX model: the protobuf could not be parsed (truncated or "
                     "not an ONNX file?)";
      return {};
    }
  }
  return importOnnxModel(context, std::move(model), path, options);
}

} // namespace ingot
