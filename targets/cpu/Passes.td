//===- Passes.td - Passes of the CPU target --------------------------------===//

#ifndef INGOT_TARGETS_CPU_PASSES
#define INGOT_TARGETS_CPU_PASSES

include "mlir/Pass/PassBase.td"

def CpuFuseElementwise : Pass<"cpu-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg ops, never into a reduction";
  let description = [{
    Fuses an elementwise producer with a single use into the elementwise op
    that consumes it, so chains such as bias + GELU run as one loop over one
    buffer. Unlike upstream's linalg-fuse-elementwise-ops, it never fuses a
    producer into an op with reduction loops: inside a contraction the
    producer would be recomputed for every step of the reduction (an Erf
    evaluated 3072 times per element of a BERT FFN input, a BatchNorm+ReLU
    per tap of the next convolution).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def CpuTileDispatchRegions : Pass<"cpu-tile-dispatch-regions", "mlir::func::FuncOp"> {
  let summary = "Compute each contraction region tile by tile, then inline the regions";
  let description = [{
    Runs on linalg on tensors, after elementwise fusion. In a graph.fused
    region whose result comes from an fp32 matmul-shaped contraction,
    directly or through one elementwise epilogue, the epilogue (or the
    contraction) is tiled by output tiles of 192 x 128 (batch dims by 1)
    with an scf.forall, and the contraction and its zero fill are fused into
    each tile; the epilogue updates the product's tile in place. Every
    region is then replaced by its body.

    A stride-1 3 x 3 convolution with 16 or more channels and filters and
    16 or more 4 x 4 output blocks is tiled by whole blocks of rows and
    marked `ingot.winograd`: cpu-matmul-to-ukernel then runs it (with
    constant filters) by Winograd F(4x4, 3x3). `winograd=false` leaves
    every convolution to the direct kernel.
  }];
  let options = [
    Option<"winograd", "winograd", "bool", /*default=*/"true",
           "Mark stride-1 3x3 convolutions for the Winograd kernel">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect"];
}

def CpuMatmulToUkernel : Pass<"cpu-matmul-to-ukernel", "mlir::ModuleOp"> {
  let summary = "Run fp32 matmul-shaped contractions on the packed micro-kernel";
  let description = [{
    Runs on bufferized code. A linalg op computing C[batch..., m, n] +=
    A[..., m, k] * B[..., k, n] in f32 (either operand transposed, batch
    dims broadcast or not) becomes an `scf.parallel` over batch indices and
    192 x 128 output tiles, each calling `ingot_sgemm_f32` (ukernels/sgemm.c)
    on strided 2-D views of its rows of A, columns of B and tile of C. The
    object emitter links the kernel's bitcode in.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::func::FuncDialect",
                           "::ingot::graph::GraphDialect"];
}

def CpuExternalizeWeights : Pass<"cpu-externalize-weights", "mlir::ModuleOp"> {
  let summary = "Move constant buffers out of the code into the weights section";
  let description = [{
    Runs on bufferized code. Every constant `memref.global` of at least
    `min-bytes` that only `@main` reads becomes a `memref.view` of a new
    leading `@main` argument (`ingot.weights`, a `memref<?xi8>`) at a 64-byte
    aligned offset. The bytes of all of them, at those offsets, become the
    module attribute `ingot.weights` (a dense resource of i8) that the
    packager writes into the artifact's weights section: weights are mapped
    from the artifact at run time instead of living in the object code.
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"256",
           "Smaller constants stay in the code">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def CpuPlanArena : Pass<"cpu-plan-arena", "mlir::ModuleOp"> {
  let summary = "Place statically sized buffers in one arena by their live ranges";
  let description = [{
    Runs on bufferized code, before deallocation. Every `memref.alloc` of a
    static shape in `@main`'s body gets a live range (from the allocation to
    the last op using it or any view of it) and an offset in one arena,
    placed greedily, largest first, at the lowest 64-byte aligned offset no
    overlapping live range occupies. Each becomes a `memref.view` of a new
    `@main` argument (`ingot.arena`, after `ingot.weights`); the module
    attribute `ingot.arena_bytes` records the arena size. Buffers with
    run-time sizes, and buffers that reach the return (in the arena they
    would be copied out on every run), stay allocations: the runtime serves
    them from a per-run pool and hands outputs over without a copy.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def CpuOutlineParallelLoops : Pass<"cpu-outline-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Run @main's outermost parallel loops on the runtime's thread pool";
  let description = [{
    Each outermost `scf.parallel` of @main (one not inside another loop, and
    without reductions) becomes a private function
    `(ctx: !llvm.ptr, begin: i64, end: i64)` that runs the units
    [begin, end) of the loop, and a call
    `ingot_parallel_for(fn, ctx, units, grain)` to the runtime, which splits
    the units over its threads. When the body has no loops of its own, the
    units are the iterations of all parallel dims but the innermost, which
    stays a sequential loop inside each unit so LLVM can still vectorize it;
    otherwise (a contraction, whose reductions loop inside) they are the
    iterations of all its dims. Values the loop uses from outside are
    stored in a stack struct `ctx` points to (memrefs as their LLVM
    descriptors). `grain`, the fewest units worth a task, comes from a static
    estimate of each unit's work (`min-task-work` operations per task), so
    small loops run on the calling thread without waking any other.
  }];
  let options = [
    Option<"minTaskWork", "min-task-work", "int64_t", /*default=*/"32768",
           "Estimated operations below which a task is not worth a thread">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect", "::mlir::scf::SCFDialect"];
}

def CpuCollapseContiguousDims : Pass<"cpu-collapse-contiguous-dims", "mlir::func::FuncOp"> {
  let summary = "Run adjacent loops that every operand walks contiguously as one";
  let description = [{
    On buffers: for a linalg.generic, adjacent loops d, d+1 (both parallel
    in an elementwise op, or both reductions) merge when every operand
    either reads neither or reads both as adjacent
    dims in that order whose strides make them one run of memory
    (stride[d] = stride[d+1] * size[d+1], or an identity layout). Operands
    reading a merged group are viewed through memref.collapse_shape. A
    per-channel bias broadcast over an NCHW tile ((d1, 0, 0)) reads neither
    plane dim, so an epilogue over [1, 48, 14, 14] runs 48 loops of 196
    instead of 672 of 14; a global average pool's rows and columns become
    one reduction. A reduction's parallel loops and ops reading
    linalg.index are left alone.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def CpuInnermostContiguousLoop : Pass<"cpu-innermost-contiguous-loop", "mlir::func::FuncOp"> {
  let summary = "Order each linalg op's loops so the innermost walks memory contiguously";
  let description = [{
    Loops nest in the order of a linalg op's dims, which for contractions
    puts a reduction innermost: `C[i,j] += A[i,k] * B[k,j]` runs k inside,
    a scalar reduction over a strided B that LLVM cannot vectorize without
    reassociating. This pass (after generalizing named ops) scores the
    innermost loop by how many operands it walks with unit stride (the
    output counts twice: it is read and written) and, when the last parallel
    dim scores higher than the current innermost dim, moves that parallel
    dim innermost: matmul becomes i, k, j (a contiguous, vectorizable update
    of C's row), convolution walks output columns innermost. A reduction
    along its inputs' contiguous dim (LayerNorm's, Softmax's rows: 32 or
    more elements, arith ops in the body) becomes instead one parallel loop
    over its outputs, each row 16 elements at a time on a vector
    accumulator, the lanes then combined into the output (a sum
    reassociated so, as vectorized reductions are), the last elements one
    by one; such a reduction that is not yet the innermost loop moves
    there first. An elementwise op over short contiguous rows of its output (at
    most 256: a channels-last tile's bias and activation over its
    channels), which LLVM would unroll and vectorize across rows with
    gathers, becomes vector ops 16 elements at a time along the row, the
    tail masked. A copy between two operands' different contiguous dims (a
    transpose NCHW -> NHWC, both extents multiples of 16) moves 16 x 16
    blocks, each transposed in registers by shuffles.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect", "::mlir::memref::MemRefDialect"];
}

def CpuApproximateMath : Pass<"cpu-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Vectorizable approximations of f32 exp, tanh and erf; powers by 2, 3, 4 as products";
  let description = [{
    libm's tanhf and erff are scalar calls that LLVM cannot vectorize: the
    tanh of a GPT-2 block's GELU took 35% of its time in tanhf and expm1f.
    This pass rewrites f32 `math.tanh` and `math.erf` into upstream's
    polynomial approximations (plain arithmetic, vectorized with the loop
    around it; errors of a few ulp, within what the tests allow against
    ONNX Runtime, whose own kernels approximate these too), and
    `math.powf` by a constant 2, 3 or 4 (GELU's x^3) into multiplications
    (not upstream's algebraic simplification: its x^0.5 as a sqrt differs
    from pow at -inf). f32 `math.exp` becomes Cody and Waite's reduction
    and Cephes' polynomial (within an ulp; its edges, overflow to +inf,
    subnormals and NaN, are tested end to end): BERT's softmax exps were
    2.5% of its time in expf. log stays a libm call.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect", "::mlir::LLVM::LLVMDialect"];
}

def CpuReportFailedChecks : Pass<"cpu-report-failed-checks", "mlir::ModuleOp"> {
  let summary = "Make failed run-time checks report to the runtime and go on";
  let description = [{
    Runs after SCF is lowered to the CFG. Each `cf.assert` (the lowering's
    run-time checks, e.g. a Gather index out of range; its message names the
    ONNX node) becomes a branch that passes the message to `puts`, which the
    runtime provides: it records the first failed check of a run and fails
    the run with that message once the code returns. The code continues
    after a failed check on values that are clamped to stay in bounds, so
    no check can crash the process.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // INGOT_TARGETS_CPU_PASSES
