//===- ReportFailedChecks.cpp - The cpu-report-failed-checks pass ---------===//
//
// Upstream's cf.assert lowering aborts the process, which a runtime must
// never let generated code do; in its non-aborting form it calls `puts` with
// the message and continues, and the runtime's `puts` records the message.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUREPORTFAILEDCHECKS
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

struct CpuReportFailedChecksPass : impl::CpuReportFailedChecksBase<CpuReportFailedChecksPass> {
  void runOnOperation() override {
    LLVMTypeConverter converter(&getContext());
    RewritePatternSet patterns(&getContext());
    cf::populateAssertToLLVMConversionPattern(converter, patterns, /*abortOnFailure=*/false);
    ConversionTarget target(getContext());
    target.addIllegalOp<cf::AssertOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace ingot::cpu
