//===- ingot-opt.cpp - mlir-opt with Ingot's dialects and passes ----------===//
//
// Registers only what Ingot uses: the graph dialect and the upstream dialects
// the CPU pipeline lowers through, the upstream transforms (canonicalize,
// cse), and Ingot's passes and named pipelines.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphDialect.h"
#include "passes/Passes.h"
#include "targets/cpu/CpuPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  ingot::cpu::registerCpuDialects(registry);
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  ingot::registerIngotPasses();
  ingot::registerPipelines();
  ingot::cpu::registerCpuPipelines();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Ingot optimizer driver\n", registry));
}
