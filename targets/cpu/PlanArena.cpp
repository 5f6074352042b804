//===- PlanArena.cpp - The cpu-plan-arena pass ----------------------------===//
//
// The compiled model runs as a sequence of kernels over buffers in one arena
// whose size is known at compile time: buffers whose live ranges do not
// overlap share memory. Live ranges are positions in @main's body; a use
// inside a nested region counts at its top-level ancestor, and every memref
// an op using the buffer produces is treated as an alias (views, casts, and
// anything we cannot see through), so the plan errs on the side of keeping
// memory apart.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "runtime/include/ingot/ArtifactFormat.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace ingot::cpu {
#define GEN_PASS_DEF_CPUPLANARENA
#include "targets/cpu/Passes.h.inc"
} // namespace ingot::cpu

using namespace mlir;

namespace ingot::cpu {
namespace {

struct PlannedBuffer {
  memref::AllocOp alloc;
  int64_t bytes;
  int64_t first, last; // positions in the body, inclusive
  int64_t offset = 0;
};

/// Bytes of a static identity-layout buffer, or nullopt when it cannot be
/// placed in the arena.
std::optional<int64_t> staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() || type.getMemorySpace())
    return std::nullopt;
  Type element = type.getElementType();
  if (!element.isIntOrFloat())
    return std::nullopt;
  int64_t elementBytes = llvm::divideCeil(element.getIntOrFloatBitWidth(), 8);
  return std::max<int64_t>(type.getNumElements() * elementBytes, 1);
}

/// The last position in `body` at which `root` or any alias of it is used.
int64_t lastUse(Value root, Block &body, const llvm::DenseMap<Operation *, int64_t> &position,
                int64_t end) {
  int64_t last = position.lookup(root.getDefiningOp());
  SmallVector<Value> worklist{root};
  llvm::DenseSet<Value> seen{root};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      Operation *top = body.findAncestorOpInBlock(*user);
      if (!top || top->hasTrait<OpTrait::IsTerminator>())
        return end;
      last = std::max(last, position.lookup(top));
      for (Operation *producer : {user, top})
        for (Value result : producer->getResults())
          if (isa<BaseMemRefType>(result.getType()) && seen.insert(result).second)
            worklist.push_back(result);
    }
  }
  return last;
}

/// Greedy by size: each buffer, largest first, at the lowest aligned offset
/// that no already placed buffer with an overlapping live range occupies.
int64_t assignOffsets(std::vector<PlannedBuffer> &buffers) {
  std::vector<PlannedBuffer *> order;
  for (PlannedBuffer &buffer : buffers)
    order.push_back(&buffer);
  llvm::stable_sort(order, [](auto *a, auto *b) { return a->bytes > b->bytes; });
  std::vector<PlannedBuffer *> placed;
  int64_t arenaBytes = 0;
  for (PlannedBuffer *buffer : order) {
    std::vector<PlannedBuffer *> conflicts;
    for (PlannedBuffer *other : placed)
      if (other->first <= buffer->last && buffer->first <= other->last)
        conflicts.push_back(other);
    llvm::sort(conflicts, [](auto *a, auto *b) { return a->offset < b->offset; });
    int64_t offset = 0;
    for (PlannedBuffer *other : conflicts) {
      if (offset + buffer->bytes <= other->offset)
        break;
      offset = std::max<int64_t>(
          offset, llvm::alignTo(other->offset + other->bytes, artifact::kBufferAlignment));
    }
    buffer->offset = offset;
    arenaBytes = std::max(arenaBytes, offset + buffer->bytes);
    placed.push_back(buffer);
  }
  return llvm::alignTo(arenaBytes, artifact::kBufferAlignment);
}

struct CpuPlanArenaPass : impl::CpuPlanArenaBase<CpuPlanArenaPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal())
      return;
    Value arena = addMemoryArgument(main, MemoryArgument::Arena);
    if (!arena)
      return signalPassFailure();
    Block &body = main.getBody().front();
    llvm::DenseMap<Operation *, int64_t> position;
    int64_t end = 0;
    for (Operation &op : body)
      position[&op] = end++;
    std::vector<PlannedBuffer> buffers;
    for (auto alloc : body.getOps<memref::AllocOp>()) {
      std::optional<int64_t> bytes = staticBytes(alloc.getType());
      int64_t last = lastUse(alloc.getResult(), body, position, end);
      // A buffer that reaches the return stays an allocation: placed in
      // the arena it had to be copied out of it into a block of its own
      // on every run (a 3 MB output took as long to copy as its
      // convolution took to compute).
      if (bytes && last < end)
        buffers.push_back({alloc, *bytes, position[alloc], last});
    }
    int64_t arenaBytes = assignOffsets(buffers);
    for (PlannedBuffer &buffer : buffers) {
      OpBuilder b(buffer.alloc);
      Location loc = buffer.alloc.getLoc();
      Value offset = b.create<arith::ConstantIndexOp>(loc, buffer.offset);
      Value view = b.create<memref::ViewOp>(loc, buffer.alloc.getType(), arena, offset,
                                            ValueRange{});
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    module->setAttr("ingot.arena_bytes",
                    IntegerAttr::get(IntegerType::get(&getContext(), 64), arenaBytes));
  }
};

} // namespace
} // namespace ingot::cpu
