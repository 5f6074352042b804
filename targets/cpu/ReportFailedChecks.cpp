//===- ReportFailedChecks.cpp - The cpu-report-failed-checks pass ---------===//
//
// Two kinds of run-time checks reach here. `graph.runtime_check` (a size
// the lowering could not prove) becomes a branch to a call of the runtime's
// `ingot_check_failed(message, v0, v1, v2, v3)`, which fails the run and
// never returns into the code. `cf.assert` (an index out of range, clamped
// by the code that follows) keeps running: upstream's non-aborting lowering
// calls `puts` with the message, and the runtime's `puts` records it.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "dialects/graph/GraphOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
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

/// The runtime's entry for a failed `graph.runtime_check`.
constexpr const char *kCheckFailed = "ingot_check_failed";
constexpr unsigned kCheckValues = 4;

/// `graph.runtime_check` -> `cond_br %ok, ^next, ^fail` with ^fail calling
/// ingot_check_failed(message, values...) and (were it to return) going on.
void lowerRuntimeCheck(graph::RuntimeCheckOp check, LLVM::LLVMFuncOp callee, unsigned index) {
  OpBuilder b(check);
  Location loc = check.getLoc();
  Block *before = check->getBlock();
  Block *next = before->splitBlock(check);
  Block *fail = b.createBlock(next);
  b.setInsertionPointToEnd(before);
  b.create<cf::CondBranchOp>(loc, check.getCondition(), next, fail);
  b.setInsertionPointToEnd(fail);
  std::string message = check.getMessage().str();
  message.push_back('\0');
  SmallVector<Value> args{LLVM::createGlobalString(loc, b, "ingot_check_" + std::to_string(index),
                                                   message, LLVM::Linkage::Internal)};
  for (Value v : check.getValues())
    args.push_back(v.getType().isIndex()
                       ? b.create<arith::IndexCastOp>(loc, b.getI64Type(), v).getResult()
                       : v.getType().getIntOrFloatBitWidth() < 64
                             ? b.create<arith::ExtSIOp>(loc, b.getI64Type(), v).getResult()
                             : v);
  while (args.size() < 1 + kCheckValues)
    args.push_back(b.create<arith::ConstantIntOp>(loc, 0, 64));
  b.create<LLVM::CallOp>(loc, callee, args);
  b.create<cf::BranchOp>(loc, next);
  check.erase();
}

struct CpuReportFailedChecksPass : impl::CpuReportFailedChecksBase<CpuReportFailedChecksPass> {
  void runOnOperation() override {
    SmallVector<graph::RuntimeCheckOp> checks;
    getOperation().walk([&](graph::RuntimeCheckOp check) { checks.push_back(check); });
    if (!checks.empty()) {
      auto ptr = LLVM::LLVMPointerType::get(&getContext());
      auto i64 = IntegerType::get(&getContext(), 64);
      SmallVector<Type> params{ptr};
      params.append(kCheckValues, i64);
      LLVM::LLVMFuncOp callee = LLVM::lookupOrCreateFn(getOperation(), kCheckFailed, params,
                                                       LLVM::LLVMVoidType::get(&getContext()));
      for (auto [index, check] : llvm::enumerate(checks))
        lowerRuntimeCheck(check, callee, index);
    }
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
