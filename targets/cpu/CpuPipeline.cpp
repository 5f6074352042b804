//===- CpuPipeline.cpp - Graph dialect -> LLVM dialect for the CPU --------===//
//
// fp32 matmul-shaped contractions go to the packed micro-kernel
// (MatmulToUkernel); the other linalg ops become plain loops that LLVM's
// optimizer vectorizes. Tiling and packing of the rest (convolutions)
// slot in between bufferization and loop lowering.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/CpuPipeline.h"

#include "dialects/graph/GraphDialect.h"
#include "passes/Passes.h"
#include "targets/common/GraphToLinalg.h"
#include "targets/cpu/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToFuncs/MathToFuncs.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace ingot::cpu {

void buildGraphToFusedPipeline(OpPassManager &pm) {
  buildGraphCleanupPipeline(pm);
  // Composite ops become simpler graph ops, which the cleanup then folds.
  pm.addNestedPass<func::FuncOp>(createGraphExpandAttention());
  pm.addNestedPass<func::FuncOp>(createGraphFoldBatchNorm());
  buildGraphCleanupPipeline(pm);
  // x86 has no half-precision arithmetic (bar AVX512-FP16): compute in f32.
  pm.addNestedPass<func::FuncOp>(createGraphComputeHalfInFloat());
  pm.addNestedPass<func::FuncOp>(createGraphChannelsLast());
  pm.addNestedPass<func::FuncOp>(createGraphFormDispatchRegions());
}

void buildFusedToLinalgPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createConvertGraphToLinalg());
  // Not the folding of a tensor.cast into a loop's carried value: a Scan's
  // output carried from a placeholder of zero-sized dims (replaced at step
  // 0) would be cast back to those dims after every step, a wrong shape
  // (found by the ONNX LinearAttention cases once the output had one use).
  pm.addPass(createCanonicalizerPass(GreedyRewriteConfig(),
                                     {"(anonymous namespace)::ForOpTensorCastFolder"}));
  pm.addPass(createCSEPass());
}

void buildGraphToLinalgPipeline(OpPassManager &pm) {
  buildGraphToFusedPipeline(pm);
  buildFusedToLinalgPipeline(pm);
}

void buildLinalgToLLVMPipeline(OpPassManager &pm, const LinalgToLLVMOptions &options) {
  pm.addNestedPass<func::FuncOp>(createCpuFuseElementwise());
  CpuTileDispatchRegionsOptions tiling;
  tiling.winograd = options.winograd;
  pm.addNestedPass<func::FuncOp>(createCpuTileDispatchRegions(tiling));
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  // A recurrence's loop yields states computed into fresh tensors each step.
  bufferization.allowReturnAllocsFromLoops = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  // One SSA value per view, so that a zero fill and the product after it
  // name the same C (MatmulToUkernel then drops the fill).
  pm.addPass(createCSEPass());
  // Before the weights move out of the code: the kernels' constant operands
  // are still globals there, to be packed at compile time.
  pm.addPass(createCpuMatmulToUkernel());
  pm.addPass(createCpuExternalizeWeights());
  pm.addPass(createCpuPlanArena());
  bufferization::BufferDeallocationPipelineOptions deallocation;
  bufferization::buildBufferDeallocationPipeline(pm, deallocation);
  // Deallocation may leave bufferization.clone ops: make them alloc + copy.
  pm.addPass(createBufferizationToMemRefPass());
  // Tile loops over a region's output become the outliner's parallel loops.
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createCpuCollapseContiguousDims());
  pm.addNestedPass<func::FuncOp>(createCpuInnermostContiguousLoop());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCpuOutlineParallelLoops());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(createCpuReportFailedChecks());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // LLVM has no intrinsic for erf/tanh: call libm; integer powers get helpers.
  pm.addNestedPass<func::FuncOp>(createCpuApproximateMath());
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  ConvertFuncToLLVMPassOptions funcOptions;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void registerCpuDialects(DialectRegistry &registry) {
  registry.insert<graph::GraphDialect, func::FuncDialect, arith::ArithDialect,
                  linalg::LinalgDialect, math::MathDialect, tensor::TensorDialect,
                  affine::AffineDialect, scf::SCFDialect, bufferization::BufferizationDialect,
                  memref::MemRefDialect, cf::ControlFlowDialect, LLVM::LLVMDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  func::registerInlinerExtension(registry);
}

void registerCpuPipelines() {
  registerConvertGraphToLinalgPass();
  registerIngotTargetsCpuPasses();
  PassPipelineRegistration<>("ingot-graph-to-fused",
                             "Clean up the graph and form its dispatch regions",
                             buildGraphToFusedPipeline);
  PassPipelineRegistration<>("ingot-graph-to-linalg",
                             "Clean up the graph and lower it to linalg on tensors",
                             buildGraphToLinalgPipeline);
  PassPipelineRegistration<>("ingot-linalg-to-llvm",
                             "Bufferize linalg on tensors and lower it to the LLVM dialect",
                             [](OpPassManager &pm) { buildLinalgToLLVMPipeline(pm); });
}

} // namespace ingot::cpu
