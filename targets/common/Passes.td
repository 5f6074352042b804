//===- Passes.td - Lowering passes shared by the targets ------------------===//

#ifndef INGOT_TARGETS_COMMON_PASSES
#define INGOT_TARGETS_COMMON_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-graph-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower graph ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every graph op into upstream ops on tensors: elementwise ops into
    linalg.generic over the broadcast shape, MatMul/Gemm/Conv/pooling into
    linalg contractions and windowed reductions, data movement into tensor
    ops. Any graph op left is an error naming it.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
    "::mlir::affine::AffineDialect", "::mlir::scf::SCFDialect",
    "::mlir::cf::ControlFlowDialect"
  ];
}

#endif // INGOT_TARGETS_COMMON_PASSES
