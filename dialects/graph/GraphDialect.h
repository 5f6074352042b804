//===- GraphDialect.h - The graph dialect ---------------------------------===//
//
// Declares the graph dialect and the helpers its ops, the importer and the
// lowering share (ONNX element types, broadcasting, result-type
// compatibility, locations that name ONNX nodes).
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_DIALECTS_GRAPH_GRAPHDIALECT_H
#define INGOT_DIALECTS_GRAPH_GRAPHDIALECT_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Location.h"

#include <optional>
#include <string>

namespace ingot::graph {

/// The ONNX opset whose operator semantics the graph ops follow. The importer
/// brings models of every accepted opset to this one.
constexpr int64_t kCanonicalOpset = 28;
constexpr int64_t kMinimumOpset = 1;

/// The MLIR element type for an ONNX TensorProto data type, or null when the
/// graph dialect has none (string, complex).
mlir::Type getElementTypeForOnnx(mlir::MLIRContext *ctx, int64_t onnxDataType);

/// ONNX's name of a TensorProto data type ("FLOAT8E8M0"), or its number.
std::string getOnnxDataTypeName(int64_t onnxDataType);

/// The ONNX TensorProto data type of an MLIR element type, or nullopt.
std::optional<int64_t> getOnnxDataType(mlir::Type elementType);

/// Whether inferred result types are compatible with the recorded ones: same
/// element types and shapes that do not contradict each other.
bool areCompatibleResultTypes(mlir::TypeRange inferred, mlir::TypeRange actual);

/// Multidirectional (NumPy) broadcast of shapes, with ShapedType::kDynamic for
/// unknown dims. Fails when two known dims differ and neither is 1.
mlir::LogicalResult broadcastShapes(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes,
                                    llvm::SmallVectorImpl<int64_t> &result);

/// The more refined of two compatible types (static dims win); `a` when they
/// are incompatible or unranked.
mlir::Type refineType(mlir::Type a, mlir::Type b);

/// The location the importer gives the op made from an ONNX node.
mlir::Location getNodeLocation(mlir::MLIRContext *ctx, llvm::StringRef file,
                               llvm::StringRef nodeName, llvm::StringRef opType);

/// Fills in the file, node name and ONNX op type a location records (looking
/// through fused, name and call-site locations); leaves missing parts empty.
void describeLocation(mlir::Location loc, std::string &file, std::string &node,
                      std::string &op);

/// Appends "OpType name" for each node a location names that `nodes` does
/// not hold yet (a region's location fuses those of its nodes).
void collectNodes(mlir::Location loc, llvm::SmallVectorImpl<std::string> &nodes);

/// "node 'conv1' (Conv)" for a location from the importer.
std::string describeNode(mlir::Location loc);

} // namespace ingot::graph

#include "dialects/graph/GraphDialect.h.inc"

#endif // INGOT_DIALECTS_GRAPH_GRAPHDIALECT_H
