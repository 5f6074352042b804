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

//===----------------------------------------------------------------------===//
// Ops of Ingot's own, not ONNX operators
//===----------------------------------------------------------------------===//

def Graph_RuntimeCheckOp : Op<Graph_Dialect, "runtime_check",
                              [MemoryEffects<[MemWrite]>]> {
  let summary = "Fails the run when a size assumption does not hold";
  let description = [{
    The lowering's guard for what it cannot prove at compile time: when
    `condition` is false at run time, the run fails with `message` (which
    names the ONNX node), `{0}`..`{3}` in it replaced by `values`, and
    nothing after the check runs. Folds away when the condition is a
    constant true, so static models pay nothing.

    ```mlir
    graph.runtime_check %same, %k1, %k2 : index, index
        {message = "node 'y' (MatMul): inner dims differ: {0} vs {1}"}
    ```
  }];
  let arguments = (ins I1:$condition, Variadic<AnySignlessIntegerOrIndex>:$values,
                       StrAttr:$message);
  let assemblyFormat = "$condition (`,` $values^ `:` type($values))? attr-dict";
  let hasCanonicalizer = 1;
  let hasVerifier = 1;
}

#endif // INGOT_GRAPH_OPS
