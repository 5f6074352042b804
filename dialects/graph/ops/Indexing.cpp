//===- Indexing.cpp - Shape rules of gathers, scatters and selections -----===//
//
// GatherElements/GatherND, ScatterElements/ScatterND, OneHot, TopK, Hardmax,
// EyeLike, NonZero, Compress, DepthToSpace/SpaceToDepth, ReverseSequence and
// Einsum. Sizes that depend on data (NonZero's count, TopK's k, OneHot's
// depth) are dynamic unless they are constants.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/ops/InferHelpers.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace ingot::graph;

namespace ingot::graph {
using namespace infer;

/// The single value of a constant scalar or 1-element tensor, if constant.
static std::optional<int64_t> constantScalar(Value v) {
  auto values = getConstantInts(v);
  if (!values || values->size() != 1)
    return std::nullopt;
  return (*values)[0];
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                 Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  auto indices = ranked(adaptor.getIndices());
  if (data && indices && data.getRank() != indices.getRank())
    return emitOptionalError(loc, "data and indices must have the same rank, got ",
                             data.getRank(), " and ", indices.getRank());
  if (data && !normalizeAxis((int64_t)adaptor.getAxis(), data.getRank()))
    return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(), " is out of range");
  Type element = elementOf(adaptor.getData());
  types.push_back(indices ? Type(indices.clone(element)) : unranked(element));
  return success();
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData());
  auto indices = ranked(adaptor.getIndices());
  Type element = elementOf(adaptor.getData());
  int64_t batch = (int64_t)adaptor.getBatchDims();
  if (!data || !indices || indices.getRank() < 1 || indices.isDynamicDim(indices.getRank() - 1)) {
    types.push_back(unranked(element));
    return success();
  }
  int64_t depth = indices.getDimSize(indices.getRank() - 1);
  if (batch < 0 || batch >= std::min(data.getRank(), indices.getRank()) + 1 ||
      batch + depth > data.getRank())
    return emitOptionalError(loc, "indices of depth ", depth, " with batch_dims ", batch,
                             " do not fit data of rank ", data.getRank());
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  llvm::append_range(shape, data.getShape().drop_front(batch + depth));
  types.push_back(makeTensor(shape, element));
  return success();
}

template <typename Adaptor>
static LogicalResult inferScatter(Adaptor adaptor, SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getData().getType());
  return success();
}

LogicalResult ScatterElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                                  Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferScatter(adaptor, types);
}

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferScatter(adaptor, types);
}

static LogicalResult verifyReduction(Operation *op, StringRef reduction) {
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min")
    return op->emitOpError("unknown reduction '") << reduction << "'";
  return success();
}

LogicalResult ScatterElementsOp::verify() { return verifyReduction(*this, getReduction()); }
LogicalResult ScatterNDOp::verify() { return verifyReduction(*this, getReduction()); }

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto indices = ranked(adaptor.getIndices());
  Type element = elementOf(adaptor.getValues());
  if (!indices) {
    types.push_back(unranked(element));
    return success();
  }
  int64_t rank = indices.getRank() + 1;
  auto axis = normalizeAxis((int64_t)adaptor.getAxis(), rank);
  if (!axis)
    return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(), " is out of range");
  SmallVector<int64_t> shape(indices.getShape());
  std::optional<int64_t> depth = constantScalar(adaptor.getDepth());
  shape.insert(shape.begin() + *axis, depth && *depth >= 0 ? *depth : ShapedType::kDynamic);
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX());
  Type element = elementOf(adaptor.getX()), i64 = IntegerType::get(ctx, 64);
  if (!x) {
    types.push_back(unranked(element));
    types.push_back(unranked(i64));
    return success();
  }
  auto axis = normalizeAxis((int64_t)adaptor.getAxis(), x.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis ", (int64_t)adaptor.getAxis(), " is out of range");
  SmallVector<int64_t> shape(x.getShape());
  std::optional<int64_t> k = constantScalar(adaptor.getK());
  shape[*axis] = k && *k >= 0 ? *k : ShapedType::kDynamic;
  types.push_back(makeTensor(shape, element));
  types.push_back(makeTensor(shape, i64));
  return success();
}

GRAPH_INFER_SAME_AS_FIRST_OPERAND(HardmaxOp)
GRAPH_INFER_SAME_AS_FIRST_OPERAND(ReverseSequenceOp)

LogicalResult EyeLikeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type element = elementOf(adaptor.getInput());
  if (auto dtype = adaptor.getDtype()) {
    element = getElementTypeForOnnx(ctx, (int64_t)*dtype);
    if (!element)
      return emitOptionalError(loc, "data type ", getOnnxDataTypeName((int64_t)*dtype),
                               " is not supported");
  }
  auto input = ranked(adaptor.getInput());
  if (input && input.getRank() != 2)
    return emitOptionalError(loc, "input must be 2-D, got rank ", input.getRank());
  types.push_back(input ? Type(input.clone(element)) : allDynamic(2, element));
  return success();
}

LogicalResult NonZeroOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX());
  auto i64 = IntegerType::get(ctx, 64);
  types.push_back(x ? makeTensor({x.getRank(), ShapedType::kDynamic}, i64)
                    : allDynamic(2, i64));
  return success();
}

LogicalResult CompressOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = ranked(adaptor.getInput());
  Type element = elementOf(adaptor.getInput());
  if (!input) {
    types.push_back(unranked(element));
    return success();
  }
  if (!adaptor.getAxis()) {
    types.push_back(allDynamic(1, element));
    return success();
  }
  auto axis = normalizeAxis((int64_t)*adaptor.getAxis(), input.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis ", (int64_t)*adaptor.getAxis(), " is out of range");
  SmallVector<int64_t> shape(input.getShape());
  shape[*axis] = ShapedType::kDynamic;
  types.push_back(makeTensor(shape, element));
  return success();
}

/// DepthToSpace (toSpace) or SpaceToDepth on NCHW with block size b.
static LogicalResult inferBlocks(std::optional<Location> loc, Value input, int64_t block,
                                 bool toSpace, SmallVectorImpl<Type> &types) {
  auto x = ranked(input);
  if (!x) {
    types.push_back(allDynamic(4, elementOf(input)));
    return success();
  }
  if (x.getRank() != 4)
    return emitOptionalError(loc, "input must be 4-D, got rank ", x.getRank());
  if (block <= 0)
    return emitOptionalError(loc, "blocksize must be positive, got ", block);
  auto scale = [&](int64_t d, bool up) {
    if (ShapedType::isDynamic(d))
      return d;
    return up ? d * block : d / block;
  };
  int64_t c = x.getDimSize(1);
  if (!ShapedType::isDynamic(c) && toSpace && c % (block * block) != 0)
    return emitOptionalError(loc, "channels ", c, " are not a multiple of blocksize^2");
  SmallVector<int64_t> shape{x.getDimSize(0),
                             toSpace ? (ShapedType::isDynamic(c) ? c : c / (block * block))
                                     : (ShapedType::isDynamic(c) ? c : c * block * block),
                             scale(x.getDimSize(2), toSpace), scale(x.getDimSize(3), toSpace)};
  types.push_back(makeTensor(shape, x.getElementType()));
  return success();
}

LogicalResult DepthToSpaceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                               Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferBlocks(loc, adaptor.getInput(), (int64_t)adaptor.getBlocksize(), true, types);
}

LogicalResult SpaceToDepthOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                               Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferBlocks(loc, adaptor.getInput(), (int64_t)adaptor.getBlocksize(), false, types);
}

LogicalResult DepthToSpaceOp::verify() {
  if (getMode() != "DCR" && getMode() != "CRD")
    return emitOpError("mode must be DCR or CRD, got '") << getMode() << "'";
  return success();
}

LogicalResult SpaceToDepthOp::verify() {
  if (getMode() != "DCR" && getMode() != "CRD")
    return emitOpError("mode must be DCR or CRD, got '") << getMode() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

FailureOr<EinsumSpec> parseEinsum(StringRef equation, ArrayRef<int64_t> ranks,
                                  std::string &error) {
  std::string text;
  for (char c : equation)
    if (c != ' ')
      text += c;
  StringRef eq(text);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != ranks.size()) {
    error = "the equation has " + std::to_string(terms.size()) + " inputs, the op " +
            std::to_string(ranks.size());
    return failure();
  }
  EinsumSpec spec;
  // Ellipsis dims get labels past 'z' ('{' onwards), aligned from the right.
  int64_t ellipsisRank = 0;
  for (auto [term, rank] : llvm::zip(terms, ranks)) {
    int64_t letters = llvm::count_if(term, [](char c) { return std::isalpha(c); });
    if (term.contains("..."))
      ellipsisRank = std::max(ellipsisRank, rank - letters);
  }
  auto labelsOf = [&](StringRef term, int64_t rank, SmallVector<char> &labels) -> bool {
    int64_t letters = llvm::count_if(term, [](char c) { return std::isalpha(c); });
    for (size_t i = 0; i < term.size(); ++i) {
      if (std::isalpha(term[i])) {
        labels.push_back(term[i]);
      } else if (term.substr(i).starts_with("...")) {
        int64_t count = rank < 0 ? ellipsisRank : rank - letters;
        for (int64_t k = 0; k < count; ++k)
          labels.push_back(char('{' + (ellipsisRank - count) + k));
        i += 2;
      } else {
        error = "unexpected character '" + std::string(1, term[i]) + "' in the equation";
        return false;
      }
    }
    return true;
  };
  for (auto [term, rank] : llvm::zip(terms, ranks)) {
    SmallVector<char> labels;
    if (!labelsOf(term, rank, labels))
      return failure();
    if ((int64_t)labels.size() != rank) {
      error = "term '" + term.str() + "' has " + std::to_string(labels.size()) +
              " labels for an input of rank " + std::to_string(rank);
      return failure();
    }
    spec.inputs.push_back(labels);
  }
  if (explicitOutput) {
    if (!labelsOf(rhs, -1, spec.output))
      return failure();
  } else {
    // Implicit output: the ellipsis dims, then every letter seen once, sorted.
    std::map<char, int> counts;
    for (const auto &labels : spec.inputs)
      for (char c : labels)
        ++counts[c];
    for (int64_t k = 0; k < ellipsisRank; ++k)
      spec.output.push_back(char('{' + k));
    for (auto [c, n] : counts)
      if (n == 1 && std::isalpha(c))
        spec.output.push_back(c);
  }
  return spec;
}

LogicalResult EinsumOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type element = elementOf(adaptor.getInputs()[0]);
  SmallVector<int64_t> ranks;
  for (Value v : adaptor.getInputs()) {
    auto t = ranked(v);
    if (!t) {
      types.push_back(unranked(element));
      return success();
    }
    ranks.push_back(t.getRank());
  }
  std::string error;
  FailureOr<EinsumSpec> spec = parseEinsum(adaptor.getEquation(), ranks, error);
  if (failed(spec))
    return emitOptionalError(loc, error);
  std::map<char, int64_t> sizes;
  for (auto [labels, v] : llvm::zip(spec->inputs, adaptor.getInputs())) {
    auto t = ranked(v);
    for (auto [c, d] : llvm::zip(labels, t.getShape())) {
      int64_t &known = sizes.try_emplace(c, ShapedType::kDynamic).first->second;
      // A dim of 1 broadcasts against a labelled dim (ellipsis dims do).
      if (ShapedType::isDynamic(known) || known == 1)
        known = d;
      else if (!ShapedType::isDynamic(d) && d != known && d != 1)
        return emitOptionalError(loc, "label '", std::string(1, c), "' has sizes ", known,
                                 " and ", d);
    }
  }
  SmallVector<int64_t> shape;
  for (char c : spec->output) {
    if (!sizes.count(c))
      return emitOptionalError(loc, "output label '", std::string(1, c),
                               "' does not appear in an input");
    shape.push_back(sizes[c]);
  }
  types.push_back(makeTensor(shape, element));
  return success();
}

LogicalResult EinsumOp::verify() {
  SmallVector<int64_t> ranks;
  for (Value v : getInputs()) {
    auto t = ranked(v);
    if (!t)
      return success();
    ranks.push_back(t.getRank());
  }
  std::string error;
  if (failed(parseEinsum(getEquation(), ranks, error)))
    return emitOpError(error);
  return success();
}

} // namespace ingot::graph

namespace ingot::graph {
using namespace infer;
LogicalResult NonMaxSuppressionOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                                  Adaptor adaptor, SmallVectorImpl<Type> &types) {
  // [selected, 3]: (batch, class, box) of each box kept.
  auto boxes = ranked(adaptor.getBoxes()), scores = ranked(adaptor.getScores());
  if ((boxes && boxes.getRank() != 3) || (scores && scores.getRank() != 3))
    return emitOptionalError(loc, "expected boxes [B, N, 4] and scores [B, C, N]");
  if (boxes && !boxes.isDynamicDim(2) && boxes.getDimSize(2) != 4)
    return emitOptionalError(loc, "boxes dim 2 is ", boxes.getDimSize(2), ", expected 4");
  types.push_back(RankedTensorType::get({ShapedType::kDynamic, 3}, IntegerType::get(ctx, 64)));
  return success();
}
} // namespace ingot::graph
