//===- OutlineParallelLoops.cpp - The cpu-outline-parallel-loops pass -----===//
//
// Parallel loops become calls to the runtime's thread pool. The generated
// code never starts threads itself: it hands the runtime a function, a
// context and a number of units (see runtime/include/ingot/ArtifactFormat.h
// for the import), so the runtime alone decides how many threads work.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "dialects/graph/GraphDialect.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUOUTLINEPARALLELLOOPS
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

constexpr StringLiteral kParallelFor = "ingot_parallel_for";

/// A rough count of the operations one iteration of `block` executes:
/// nested loops multiply by their static trip count (16 when unknown).
int64_t estimateWork(Block &block) {
  int64_t work = 0;
  for (Operation &op : block) {
    int64_t nested = 0;
    for (Region &region : op.getRegions())
      for (Block &inner : region)
        nested += estimateWork(inner);
    int64_t trips = 1;
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
      std::optional<int64_t> step = getConstantIntValue(loop.getStep());
      trips = lb && ub && step && *step > 0 ? std::max<int64_t>(1, (*ub - *lb + *step - 1) / *step)
                                            : 16;
    }
    // A call that says what it costs (a micro-kernel's tile) counts that.
    if (auto estimate = op.getAttrOfType<IntegerAttr>(kEstimatedWorkAttr))
      nested += estimate.getInt();
    work += 1 + trips * nested;
  }
  return work;
}

/// Whether `op` is an scf.for of static bounds whose body, nested loops
/// included, runs at most `budget` times its plain ops and calls nothing.
bool isSmallStaticLoop(Operation &op, int64_t budget) {
  auto loop = dyn_cast<scf::ForOp>(op);
  if (!loop)
    return false;
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *step <= 0)
    return false;
  int64_t trips = std::max<int64_t>(1, (*ub - *lb + *step - 1) / *step);
  if (trips > budget)
    return false;
  return llvm::all_of(loop.getBody()->without_terminator(), [&](Operation &inner) {
    return !isa<CallOpInterface>(inner) &&
           (inner.getNumRegions() == 0 || isSmallStaticLoop(inner, budget / trips));
  });
}

/// The LLVM type a captured value travels as, or null if it cannot.
Type transportType(Type type, const LLVMTypeConverter &converter) {
  if (isa<IndexType>(type))
    return IntegerType::get(type.getContext(), 64);
  if (isa<MemRefType>(type) || LLVM::isCompatibleType(type))
    return converter.convertType(type);
  return nullptr;
}

/// The ONNX nodes a loop computes, as the locations of its ops name them,
/// in the order they first appear: "Conv conv_9, Clip relu6_10". Empty
/// when they name none.
std::string describeNodes(scf::ParallelOp loop) {
  SmallVector<std::string> nodes;
  loop.getBody()->walk<WalkOrder::PreOrder>(
      [&](Operation *op) { graph::collectNodes(op->getLoc(), nodes); });
  graph::collectNodes(loop.getLoc(), nodes);
  return llvm::join(nodes, ", ");
}

struct CpuOutlineParallelLoopsPass
    : impl::CpuOutlineParallelLoopsBase<CpuOutlineParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal())
      return;
    SmallVector<scf::ParallelOp> loops;
    main.walk([&](scf::ParallelOp loop) {
      if (loop.getNumReductions() == 0 && !loop->getParentOfType<scf::ParallelOp>() &&
          !loop->getParentOfType<scf::ForOp>() && !loop->getParentOfType<scf::WhileOp>())
        loops.push_back(loop);
    });
    if (loops.empty())
      return;
    LLVMTypeConverter converter(&getContext());
    SymbolTable symbols(module);
    func::FuncOp runtimeCall = declareParallelFor(module);
    // Each outlined function with the nodes it computes, in the order they
    // run, for the manifest (`ingot inspect`, `ingot run --profile`).
    SmallVector<Attribute> regions;
    for (auto [index, loop] : llvm::enumerate(loops)) {
      std::string nodes = describeNodes(loop);
      FailureOr<func::FuncOp> outlined =
          outline(loop, main, runtimeCall, converter, symbols, index);
      if (failed(outlined))
        return signalPassFailure();
      if (*outlined)
        regions.push_back(ArrayAttr::get(
            &getContext(), {StringAttr::get(&getContext(), outlined->getName()),
                            StringAttr::get(&getContext(), nodes)}));
    }
    module->setAttr(kRegionsAttr, ArrayAttr::get(&getContext(), regions));
  }

  func::FuncOp declareParallelFor(ModuleOp module) {
    MLIRContext *ctx = module.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    if (auto existing = module.lookupSymbol<func::FuncOp>(kParallelFor))
      return existing;
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    auto body = FunctionType::get(ctx, {ptr, i64, i64}, {});
    auto decl = b.create<func::FuncOp>(module.getLoc(), kParallelFor,
                                       FunctionType::get(ctx, {body, ptr, i64, i64}, {}));
    decl.setPrivate();
    return decl;
  }

  /// Returns the outlined function, or null where the loop stays
  /// sequential.
  FailureOr<func::FuncOp> outline(scf::ParallelOp loop, func::FuncOp main,
                                  func::FuncOp runtimeCall, const LLVMTypeConverter &converter,
                                  SymbolTable &symbols, size_t index) {
    MLIRContext *ctx = loop.getContext();
    Location loc = loop.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    unsigned dims = loop.getNumLoops();
    // A body without loops of its own is what LLVM vectorizes: its innermost
    // dim stays a sequential loop inside each unit. A body with loops (a
    // contraction's reductions) spreads all its dims over the units, so a
    // batch of 1 still splits over rows.
    // A micro-kernel call is such a contraction too.
    // So is one whose loops are a small static window (a pooling or
    // depthwise window: LLVM unrolls it and vectorizes the dim around it).
    bool leafBody = llvm::all_of(loop.getBody()->without_terminator(), [](Operation &op) {
      return !op.hasAttr(kEstimatedWorkAttr) &&
             (op.getNumRegions() == 0 || isSmallStaticLoop(op, kSmallWindow));
    });
    bool innerSequential = dims > 1 && leafBody;
    unsigned unitDims = innerSequential ? dims - 1 : dims;

    // What the body needs from outside: the loop bounds and used values.
    llvm::SetVector<Value> captures;
    for (OperandRange bounds : {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()})
      captures.insert(bounds.begin(), bounds.end());
    getUsedValuesDefinedAbove(loop.getRegion(), captures);
    // Constants are rematerialized in the function, not captured: the
    // optimizer needs to see static bounds and values.
    SmallVector<Operation *> constants;
    captures.remove_if([&](Value value) {
      Operation *def = value.getDefiningOp();
      if (!def || !def->hasTrait<OpTrait::ConstantLike>())
        return false;
      constants.push_back(def);
      return true;
    });
    SmallVector<Type> fields;
    for (Value value : captures) {
      Type type = transportType(value.getType(), converter);
      if (!type)
        return func::FuncOp(); // leave this loop sequential
      fields.push_back(type);
    }
    auto contextType = LLVM::LLVMStructType::getLiteral(ctx, fields);

    // The outlined function: load the captures, loop over its units.
    auto fnType = FunctionType::get(ctx, {ptr, i64, i64}, {});
    OpBuilder moduleBuilder(main);
    auto fn = moduleBuilder.create<func::FuncOp>(
        loc, (main.getName() + "_parallel_" + Twine(index)).str(), fnType);
    fn.setPrivate();
    symbols.insert(fn);
    Block *entry = fn.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    IRMapping mapping;
    for (Operation *constant : constants)
      b.clone(*constant, mapping);
    for (auto [field, value] : llvm::enumerate(captures)) {
      Value address = b.create<LLVM::GEPOp>(loc, ptr, contextType, entry->getArgument(0),
                                            ArrayRef<LLVM::GEPArg>{0, int32_t(field)});
      Value loaded = b.create<LLVM::LoadOp>(loc, fields[field], address);
      mapping.map(value, fromTransport(b, loc, loaded, value.getType()));
    }
    auto indexOf = [&](Value v) { return b.create<arith::IndexCastOp>(loc, b.getIndexType(), v); };
    auto constant = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); };
    auto trips = [&](OpBuilder &builder, unsigned d, IRMapping &map) -> Value {
      Value lb = map.lookupOrDefault(loop.getLowerBound()[d]);
      Value ub = map.lookupOrDefault(loop.getUpperBound()[d]);
      Value step = map.lookupOrDefault(loop.getStep()[d]);
      // (ub - lb + step - 1) / step: steps of parallel loops are positive.
      Value span = builder.create<arith::SubIOp>(loc, ub, lb);
      Value one = builder.create<arith::ConstantIndexOp>(loc, 1);
      Value rounded = builder.create<arith::AddIOp>(
          loc, span, builder.create<arith::SubIOp>(loc, step, one));
      return builder.create<arith::DivSIOp>(loc, rounded, step);
    };
    Value begin = indexOf(entry->getArgument(1));
    Value end = indexOf(entry->getArgument(2));
    auto unitLoop = b.create<scf::ForOp>(loc, begin, end, constant(1));
    b.create<func::ReturnOp>(loc);
    b.setInsertionPointToStart(unitLoop.getBody());
    // Delinearize the unit index over the unit dims, innermost fastest.
    SmallVector<Value> ivs(dims);
    Value rest = unitLoop.getInductionVar();
    for (unsigned d = unitDims; d-- > 0;) {
      Value position = rest;
      if (d > 0) {
        Value trip = trips(b, d, mapping);
        position = b.create<arith::RemSIOp>(loc, rest, trip);
        rest = b.create<arith::DivSIOp>(loc, rest, trip);
      }
      Value scaled = b.create<arith::MulIOp>(loc, position, mapping.lookup(loop.getStep()[d]));
      ivs[d] = b.create<arith::AddIOp>(loc, mapping.lookup(loop.getLowerBound()[d]), scaled);
    }
    if (innerSequential) {
      unsigned last = dims - 1;
      auto inner = b.create<scf::ForOp>(loc, mapping.lookup(loop.getLowerBound()[last]),
                                        mapping.lookup(loop.getUpperBound()[last]),
                                        mapping.lookup(loop.getStep()[last]));
      ivs[last] = inner.getInductionVar();
      b.setInsertionPointToStart(inner.getBody());
    }
    for (unsigned d = 0; d < dims; ++d)
      mapping.map(loop.getInductionVars()[d], ivs[d]);
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, mapping);

    // At the loop: fill the context, count the units, call the runtime.
    OpBuilder at(loop);
    Value one = at.create<LLVM::ConstantOp>(loc, i64, at.getI64IntegerAttr(1));
    Value context = at.create<LLVM::AllocaOp>(loc, ptr, contextType, one);
    for (auto [field, value] : llvm::enumerate(captures)) {
      Value address = at.create<LLVM::GEPOp>(loc, ptr, contextType, context,
                                             ArrayRef<LLVM::GEPArg>{0, int32_t(field)});
      at.create<LLVM::StoreOp>(loc, toTransport(at, loc, value, fields[field]), address);
    }
    IRMapping identity;
    Value units = at.create<arith::ConstantIndexOp>(loc, 1);
    for (unsigned d = 0; d < unitDims; ++d)
      units = at.create<arith::MulIOp>(loc, units, trips(at, d, identity));
    int64_t perUnit = estimateWork(*loop.getBody());
    if (innerSequential) {
      std::optional<int64_t> trip = staticTrips(loop, dims - 1);
      perUnit *= trip ? std::max<int64_t>(*trip, 1) : 16;
    }
    int64_t grain = std::max<int64_t>(1, minTaskWork / std::max<int64_t>(perUnit, 1));
    Value fnValue = at.create<func::ConstantOp>(loc, fnType, fn.getName());
    at.create<func::CallOp>(
        loc, runtimeCall,
        ValueRange{fnValue, context, at.create<arith::IndexCastOp>(loc, i64, units),
                   at.create<LLVM::ConstantOp>(loc, i64, at.getI64IntegerAttr(grain))});
    loop.erase();
    return fn;
  }

  static std::optional<int64_t> staticTrips(scf::ParallelOp loop, unsigned d) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[d]);
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[d]);
    std::optional<int64_t> step = getConstantIntValue(loop.getStep()[d]);
    if (!lb || !ub || !step || *step <= 0)
      return std::nullopt;
    return (*ub - *lb + *step - 1) / *step;
  }

  static Value toTransport(OpBuilder &b, Location loc, Value value, Type type) {
    if (isa<IndexType>(value.getType()))
      return b.create<arith::IndexCastOp>(loc, type, value);
    if (value.getType() == type)
      return value;
    return b.create<UnrealizedConversionCastOp>(loc, type, value).getResult(0);
  }

  static Value fromTransport(OpBuilder &b, Location loc, Value value, Type type) {
    if (isa<IndexType>(type))
      return b.create<arith::IndexCastOp>(loc, type, value);
    if (value.getType() == type)
      return value;
    return b.create<UnrealizedConversionCastOp>(loc, type, value).getResult(0);
  }
};

} // namespace
} // namespace ingot::cpu
