//===- GraphBuilder.h - Building graph ops by their ONNX names ------------===//
//
// The passes that expand composite operators (Attention, the losses, the
// newer normalizations) into simpler graph ops write them the way an ONNX
// function body would: op by op, results typed by each op's own shape rule.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_PASSES_GRAPHBUILDER_H
#define INGOT_PASSES_GRAPHBUILDER_H

#include "dialects/graph/GraphOps.h"

#include "mlir/IR/Builders.h"

#include <optional>
#include <vector>

namespace ingot {

class GraphBuilder {
public:
  GraphBuilder(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}

  /// `graph.<name>` on `operands` (null entries are absent optional ones),
  /// with `attrs`; every result typed by the op's shape rule.
  mlir::Operation *create(llvm::StringRef name, llvm::ArrayRef<mlir::Value> operands,
                          llvm::ArrayRef<mlir::NamedAttribute> attrs = {},
                          unsigned numResults = 1);
  mlir::Value op(llvm::StringRef name, llvm::ArrayRef<mlir::Value> operands,
                 llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return create(name, operands, attrs)->getResult(0);
  }

  mlir::NamedAttribute attr(llvm::StringRef name, int64_t value);
  mlir::NamedAttribute attr(llvm::StringRef name, llvm::ArrayRef<int64_t> values);

  /// Constants: a scalar or 1-D i64 tensor, a scalar of `element`.
  mlir::Value ints(llvm::ArrayRef<int64_t> values, bool scalar = false);
  mlir::Value scalar(mlir::Type element, double value);

  mlir::Value add(mlir::Value x, mlir::Value y) { return op("add", {x, y}); }
  mlir::Value sub(mlir::Value x, mlir::Value y) { return op("sub", {x, y}); }
  mlir::Value mul(mlir::Value x, mlir::Value y) { return op("mul", {x, y}); }
  mlir::Value div(mlir::Value x, mlir::Value y) { return op("div", {x, y}); }
  mlir::Value where(mlir::Value c, mlir::Value x, mlir::Value y) { return op("where", {c, x, y}); }
  mlir::Value cast(mlir::Value x, mlir::Type element);
  mlir::Value castLike(mlir::Value x, mlir::Value like) {
    return cast(x, mlir::getElementTypeOrSelf(like.getType()));
  }
  mlir::Value reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape) {
    return op("reshape", {x, ints(shape)});
  }
  mlir::Value transpose(mlir::Value x, llvm::ArrayRef<int64_t> perm) {
    return op("transpose", {x}, {attr("perm", perm)});
  }
  mlir::Value unsqueeze(mlir::Value x, llvm::ArrayRef<int64_t> axes) {
    return op("unsqueeze", {x, ints(axes)});
  }
  /// Dim `d` of `x` as a 1-element i64 tensor (a constant when static).
  mlir::Value dim(mlir::Value x, int64_t d);

  mlir::OpBuilder &builder() { return b; }
  mlir::Location location() const { return loc; }

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
};

/// The f32 values of a constant `value` of `count` elements (a dense or a
/// resource attribute), or nothing.
std::optional<std::vector<double>> constantFloats(mlir::Value value, int64_t count);

/// Whether constantFloats(value, its element count) has values, without
/// copying them.
bool hasConstantFloats(mlir::Value value);

/// A constant of `type` holding `values` rounded to float, as a resource
/// blob named after `purpose`.
mlir::Value floatConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                          llvm::ArrayRef<double> values, llvm::StringRef purpose);

} // namespace ingot

#endif // INGOT_PASSES_GRAPHBUILDER_H
