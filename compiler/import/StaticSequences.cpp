//===- StaticSequences.cpp - Sequence ops of known length as tensor ops ---===//

#include "compiler/import/StaticSequences.h"

#include "compiler/import/NodeWriter.h"

#include "llvm/ADT/StringSwitch.h"

namespace ingot {
namespace {

int64_t intAttribute(const onnx::NodeProto &node, llvm::StringRef name, int64_t fallback) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return a.i();
  return fallback;
}

bool hasInput(const onnx::NodeProto &node, int index) {
  return node.input_size() > index && !node.input(index).empty();
}

} // namespace

bool StaticSequences::isSequenceOp(llvm::StringRef opType) {
  return llvm::StringSwitch<bool>(opType)
      .Cases("SequenceEmpty", "SequenceConstruct", "SequenceInsert", "SequenceErase", true)
      .Cases("SequenceAt", "SequenceLength", "SplitToSequence", "ConcatFromSequence", true)
      .Case("SequenceMap", true)
      .Default(false);
}

bool StaticSequences::handles(const onnx::NodeProto &node) const {
  return isSequenceOp(node.op_type()) ||
         (node.op_type() == "Identity" && node.input_size() == 1 && isSequence(node.input(0)));
}

mlir::FailureOr<std::vector<onnx::NodeProto>>
StaticSequences::expand(const onnx::NodeProto &node, UniqueNames &names, const TensorFacts &facts) {
  const std::string &op = node.op_type();
  NodeWriter w(node, names);
  auto fail = [&]() { return facts.error(); };
  if (op == "SequenceMap")
    return fail() << "SequenceMap is not supported yet", mlir::failure();

  // The sequence read by input `index`, and the list of the output.
  auto sequenceAt = [&](int index) -> const std::vector<std::string> * {
    if (!hasInput(node, index)) {
      fail() << "missing required input " << index;
      return nullptr;
    }
    auto it = lists.find(node.input(index));
    if (it == lists.end()) {
      fail() << "input '" << node.input(index) << "' is not a sequence";
      return nullptr;
    }
    return &it->second;
  };
  auto define = [&](std::vector<std::string> list) { lists[node.output(0)] = std::move(list); };
  // A position input (a scalar), defaulting to `fallback`, checked to lie in
  // [lo, hi] and made non-negative for a sequence of `n` tensors.
  auto position = [&](int index, int64_t n, int64_t fallback, int64_t lo,
                      int64_t hi) -> mlir::FailureOr<int64_t> {
    if (!hasInput(node, index))
      return fallback;
    const std::string &name = node.input(index);
    std::optional<std::vector<int64_t>> value = facts.constantInts(name);
    if (!value)
      return fail() << "position '" << name
                    << "' is computed at run time; only sequences whose length and positions "
                       "are known when compiling are supported",
             mlir::failure();
    if (value->size() != 1)
      return fail() << "position '" << name << "' must be a scalar, got " << value->size()
                    << " values",
             mlir::failure();
    int64_t p = value->front();
    if (p < lo || p > hi)
      return fail() << "position " << p << " is out of range [" << lo << ", " << hi
                    << "] for a sequence of " << n << " tensors",
             mlir::failure();
    return p < 0 ? p + n : p;
  };
  auto tensorInput = [&](int index) -> mlir::FailureOr<std::string> {
    if (!hasInput(node, index))
      return fail() << "missing required input " << index, mlir::failure();
    if (isSequence(node.input(index)))
      return fail() << "input '" << node.input(index) << "' is a sequence, expected a tensor",
             mlir::failure();
    return node.input(index);
  };

  if (op == "SequenceEmpty") {
    define({});
    return w.nodes;
  }
  if (op == "SequenceConstruct") {
    std::vector<std::string> list;
    for (int i = 0; i < node.input_size(); ++i) {
      mlir::FailureOr<std::string> t = tensorInput(i);
      if (failed(t))
        return mlir::failure();
      list.push_back(*t);
    }
    define(std::move(list));
    return w.nodes;
  }
  if (op == "Identity") {
    define(lists.lookup(node.input(0)));
    return w.nodes;
  }

  const std::vector<std::string> *seq = op == "SplitToSequence" ? nullptr : sequenceAt(0);
  if (!seq && op != "SplitToSequence")
    return mlir::failure();
  int64_t n = seq ? (int64_t)seq->size() : 0;

  if (op == "SequenceInsert") {
    mlir::FailureOr<std::string> t = tensorInput(1);
    if (failed(t))
      return mlir::failure();
    mlir::FailureOr<int64_t> p = position(2, n, n, -n, n);
    if (failed(p))
      return mlir::failure();
    std::vector<std::string> list = *seq;
    list.insert(list.begin() + *p, *t);
    define(std::move(list));
    return w.nodes;
  }
  if (op == "SequenceErase" || op == "SequenceAt") {
    if (n == 0)
      return fail() << "the sequence '" << node.input(0) << "' is empty", mlir::failure();
    mlir::FailureOr<int64_t> p = position(1, n, n - 1, -n, n - 1);
    if (failed(p))
      return mlir::failure();
    if (op == "SequenceAt") {
      w.op("Identity", {(*seq)[*p]}, {}, node.output(0));
      return w.nodes;
    }
    std::vector<std::string> list = *seq;
    list.erase(list.begin() + *p);
    define(std::move(list));
    return w.nodes;
  }
  if (op == "SequenceLength") {
    onnx::AttributeProto v;
    v.set_name("value");
    v.set_type(onnx::AttributeProto::TENSOR);
    v.mutable_t()->set_data_type(onnx::TensorProto::INT64);
    v.mutable_t()->add_int64_data(n);
    w.op("Constant", {}, {v}, node.output(0));
    return w.nodes;
  }
  if (op == "ConcatFromSequence") {
    if (n == 0)
      return fail() << "cannot concatenate the empty sequence '" << node.input(0) << "'",
             mlir::failure();
    int64_t axis = intAttribute(node, "axis", 0);
    std::vector<std::string> parts = *seq;
    if (intAttribute(node, "new_axis", 0) != 0) {
      std::string axes = w.ints({axis});
      for (std::string &part : parts)
        part = w.op("Unsqueeze", {part, axes});
    }
    w.op("Concat", parts, {NodeWriter::intAttr("axis", axis)}, node.output(0));
    return w.nodes;
  }

  // SplitToSequence(input, split?): pieces of 1 along `axis` (squeezed
  // unless keepdims), of a scalar `split` each (the last one shorter), or of
  // the sizes a 1-D `split` lists.
  mlir::FailureOr<std::string> input = tensorInput(0);
  if (failed(input))
    return mlir::failure();
  std::optional<std::vector<int64_t>> shape = facts.shapeOf(*input);
  if (!shape)
    return fail() << "the rank of input '" << *input << "' is known only at run time",
           mlir::failure();
  int64_t rank = shape->size();
  int64_t axis = intAttribute(node, "axis", 0);
  if (axis < -rank || axis >= rank)
    return fail() << "axis " << axis << " is out of range for input '" << *input << "' of rank "
                  << rank,
           mlir::failure();
  if (axis < 0)
    axis += rank;
  int64_t dim = (*shape)[axis];
  std::optional<std::vector<int64_t>> splitShape;
  if (hasInput(node, 1)) {
    splitShape = facts.shapeOf(node.input(1));
    if (!splitShape || splitShape->size() > 1)
      return fail() << "split '" << node.input(1) << "' must be a scalar or 1-D", mlir::failure();
  }
  auto needDim = [&]() -> mlir::LogicalResult {
    if (dim >= 0)
      return mlir::success();
    return fail() << "dim " << axis << " of input '" << *input
                  << "' is known only at run time; the sequence's length must be known when "
                     "compiling",
           mlir::failure();
  };
  std::string sizes;
  int64_t count;
  bool squeeze = false;
  if (splitShape && splitShape->size() == 1) {
    count = splitShape->front();
    if (count < 0)
      return fail() << "the length of split '" << node.input(1)
                    << "' is known only at run time; the sequence's length must be known when "
                       "compiling",
             mlir::failure();
    if (count == 0 && dim != 0)
      return fail() << "split '" << node.input(1) << "' is empty; only a dim of 0 splits into "
                    << "no tensors", mlir::failure();
    sizes = node.input(1);
  } else {
    if (failed(needDim()))
      return mlir::failure();
    std::vector<int64_t> pieces;
    if (splitShape) {
      std::optional<std::vector<int64_t>> chunk = facts.constantInts(node.input(1));
      if (!chunk)
        return fail() << "scalar split '" << node.input(1)
                      << "' is computed at run time; the sequence's length must be known when "
                         "compiling",
               mlir::failure();
      if (chunk->front() <= 0)
        return fail() << "scalar split must be positive, got " << chunk->front(), mlir::failure();
      for (int64_t start = 0; start < dim; start += chunk->front())
        pieces.push_back(std::min(chunk->front(), dim - start));
    } else {
      pieces.assign(dim, 1);
      squeeze = intAttribute(node, "keepdims", 1) == 0;
    }
    count = pieces.size();
    if (count > 0)
      sizes = w.ints(pieces);
  }
  std::vector<std::string> list;
  if (count > 0)
    list = w.ops("Split", {*input, sizes}, {NodeWriter::intAttr("axis", axis)}, count);
  if (squeeze) {
    std::string axes = w.ints({axis});
    for (std::string &piece : list)
      piece = w.op("Squeeze", {piece, axes});
  }
  define(std::move(list));
  return w.nodes;
}

} // namespace ingot
