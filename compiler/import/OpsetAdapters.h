//===- OpsetAdapters.h - Nodes of opset 17+ in the canonical opset's form -===//
//
// The ONNX C++ library's version converter brings a model up to opset 17;
// what changed after it is rewritten here, node by node: ReduceX's axes
// became an input at 18, an even Split names its output count at 18. The
// inliner uses the same adapters for function bodies written at older
// opsets.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_IMPORT_OPSETADAPTERS_H
#define INGOT_COMPILER_IMPORT_OPSETADAPTERS_H

#include "compiler/import/FunctionInliner.h"

#include "onnx/onnx_pb.h"

namespace ingot {

/// Rewrites `node`, written at `opset` (17 or above unless it comes from a
/// function body), into the canonical opset's form; constants it needs
/// become initializers of `graph`.
void adaptToCanonicalOpset(onnx::NodeProto &node, int64_t opset, onnx::GraphProto &graph,
                           UniqueNames &names);

/// Dropout run for inference (no training_mode) keeps every element: a mask
/// output it is asked for becomes an all-true tensor of the data's shape.
void materializeInferenceMasks(onnx::GraphProto &graph, UniqueNames &names);

} // namespace ingot

#endif // INGOT_COMPILER_IMPORT_OPSETADAPTERS_H
