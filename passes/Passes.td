//===- Passes.td - Graph-level passes -------------------------------------===//
//
// Every graph-level pass is declared here; each is implemented in its own
// file on the generated base class.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_PASSES
#define INGOT_PASSES

include "mlir/Pass/PassBase.td"

def GraphInferShapes : Pass<"graph-infer-shapes", "mlir::func::FuncOp"> {
  let summary = "Refine result types from each op's shape rule";
  let description = [{
    Re-runs every graph op's shape rule in program order and keeps the more
    refined of the recorded and the inferred type, so that dims which became
    known (a shape computation folded to a constant) reach every user. The
    function's result types follow its return values.
  }];
  let dependentDialects = ["::ingot::graph::GraphDialect"];
}

#endif // INGOT_PASSES
