//===- GraphBase.td - The graph dialect and its op base class -------------===//
//
// The graph dialect holds ONNX semantics on MLIR tensors: one op per ONNX
// operator, named as ONNX names it. Op definitions are generated from the ONNX
// schema (GraphOpsGenerated.td); this file holds what they share.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_GRAPH_BASE
#define INGOT_GRAPH_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let summary = "ONNX operators on ranked tensors";
  let description = [{
    One op per ONNX operator at the canonical opset the importer brings every
    model to. Ops infer their result types through InferTypeOpInterface, fold
    constant subgraphs, and verify what ONNX rejects.
  }];
  let cppNamespace = "::ingot::graph";
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

// 4- and 2-bit integers (ONNX int4/uint4/int2/uint2) have no predefined
// constraint upstream.
def Graph_I4 : I<4>;
def Graph_UI4 : UI<4>;
def Graph_I2 : I<2>;
def Graph_UI2 : UI<2>;

/// A tensor (ranked or not) of the given element types.
class Graph_Tensor<list<Type> types> : TensorOf<types>;

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits> {
  code extraClassDeclaration = [{
    /// Inferred types may be less refined than the recorded ones (a dim ONNX
    /// shape inference knew but the op alone cannot derive); they must not
    /// contradict them.
    static bool isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                        ::mlir::TypeRange actual) {
      return ::ingot::graph::areCompatibleResultTypes(inferred, actual);
    }
  }];
}

#endif // INGOT_GRAPH_BASE
