//===- GraphOps.td - The graph dialect's ops ------------------------------===//
//
// The op definitions are generated from the ONNX schema by gen_graph_ops.py;
// shape rules, folds and canonicalizations are C++ beside this file.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_GRAPH_OPS
#define INGOT_GRAPH_OPS

include "dialects/graph/GraphBase.td"
include "dialects/graph/GraphOpsGenerated.td"

#endif // INGOT_GRAPH_OPS
