// RUN: ingot-opt %s --split-input-file --cpu-outline-parallel-loops | FileCheck %s

// A 2-d parallel loop: the units are the rows (the outer dim); each unit
// loops over the columns itself. Values from outside (the row count and both
// buffers) travel in a stack struct, constants are made again inside; the
// grain comes from the body's work (4 ops x 16 columns per unit: 512 units
// make a task of 32768).
// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK-SAME: %[[CTX:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: llvm.load {{.*}} -> i64
// CHECK: llvm.load {{.*}} -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[IN:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<?x16xf32>
// CHECK: %[[OUT:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<?x16xf32>
// CHECK: %[[LO:.*]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK: %[[HI:.*]] = arith.index_cast %[[END]] : i64 to index
// CHECK: scf.for %[[UNIT:.*]] = %[[LO]] to %[[HI]]
// CHECK: scf.for %[[J:.*]] = %[[C0]] to %[[C16]]
// CHECK: memref.load %[[IN]][%{{.*}}, %[[J]]]
// CHECK: arith.addf
// CHECK: memref.store {{.*}}, %[[OUT]][%{{.*}}, %[[J]]]
// CHECK-LABEL: func.func @main(
// CHECK: %[[STRUCT:.*]] = llvm.alloca {{.*}} x !llvm.struct<(i64, struct<{{.*}}>, struct<{{.*}}>)>
// CHECK: llvm.store
// CHECK: %[[FN:.*]] = constant @main_parallel_0 : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[GRAIN:.*]] = llvm.mlir.constant(512 : i64) : i64
// CHECK: call @ingot_parallel_for(%[[FN]], %[[STRUCT]], %{{.*}}, %[[GRAIN]])
// CHECK-NOT: scf.parallel
// CHECK-LABEL: func.func private @ingot_parallel_for(
// CHECK-SAME: (!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64, i64)
module {
  func.func @main(%in: memref<?x16xf32>, %out: memref<?x16xf32>, %rows: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c16) step (%c1, %c1) {
      %v = memref.load %in[%i, %j] : memref<?x16xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %out[%i, %j] : memref<?x16xf32>
      scf.reduce
    }
    return
  }
}

// -----

// A body with a loop of its own (a contraction's reduction, 128 long): every
// parallel dim becomes units (rows x columns), so one row still splits over
// threads.
// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK: scf.for %[[UNIT:.*]] =
// CHECK: arith.remsi %[[UNIT]]
// CHECK: arith.divsi %[[UNIT]]
// CHECK-NOT: scf.for {{.*}} = %c0 to %c16
// CHECK: scf.for %[[K:.*]] =
// CHECK: memref.load {{.*}}[%[[K]]]
// CHECK-LABEL: func.func @main(
// CHECK: %[[ROWS:.*]] = arith.divsi
// CHECK: %[[COLS:.*]] = arith.divsi
// CHECK: %[[UNITS:.*]] = arith.muli %{{.*}}, %[[COLS]]
// CHECK: %[[N:.*]] = arith.index_cast %[[UNITS]] : index to i64
// CHECK: call @ingot_parallel_for(%{{.*}}, %{{.*}}, %[[N]], %{{.*}})
module {
  func.func @main(%a: memref<?x128xf32>, %b: memref<128xf32>, %out: memref<?x16xf32>, %rows: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    %c16 = arith.constant 16 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c16) step (%c1, %c1) {
      scf.for %k = %c0 to %c128 step %c1 {
        %x = memref.load %a[%i, %k] : memref<?x128xf32>
        %y = memref.load %b[%k] : memref<128xf32>
        %acc = memref.load %out[%i, %j] : memref<?x16xf32>
        %m = arith.mulf %x, %y : f32
        %s = arith.addf %acc, %m : f32
        memref.store %s, %out[%i, %j] : memref<?x16xf32>
      }
      scf.reduce
    }
    return
  }
}

// -----

// A body whose loops are a small static window (3 x 3, as pooling and a
// depthwise convolution have): LLVM unrolls it, so the innermost parallel
// dim stays a loop in each unit, for the vectorizer.
// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK: scf.for %[[UNIT:.*]] =
// CHECK: scf.for %[[COL:.*]] = %c0{{.*}} to %c16
// CHECK: scf.for %[[KH:.*]] =
// CHECK: scf.for %[[KW:.*]] =
// CHECK: memref.load {{.*}}[%{{.*}}, %[[COL]]]
// CHECK-LABEL: func.func @main(
// CHECK: call @ingot_parallel_for
module {
  func.func @main(%a: memref<?x18xf32>, %out: memref<?x16xf32>, %rows: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c16 = arith.constant 16 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c16) step (%c1, %c1) {
      scf.for %kh = %c0 to %c3 step %c1 {
        scf.for %kw = %c0 to %c3 step %c1 {
          %r = arith.addi %i, %kh : index
          %c = arith.addi %j, %kw : index
          %x = memref.load %a[%r, %c] : memref<?x18xf32>
          %acc = memref.load %out[%i, %j] : memref<?x16xf32>
          %s = arith.addf %acc, %x : f32
          memref.store %s, %out[%i, %j] : memref<?x16xf32>
        }
      }
      scf.reduce
    }
    return
  }
}

// -----

// Loops nested in a sequential loop stay as they are (the outer loop would
// call the pool once per iteration); so do loops with reductions.
// CHECK-LABEL: func.func @main(
// CHECK: scf.for
// CHECK: scf.parallel
// CHECK: scf.parallel {{.*}} init
// CHECK-NOT: ingot_parallel_for
module {
  func.func @main(%buf: memref<8xf32>, %n: index) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %zero = arith.constant 0.0 : f32
    scf.for %k = %c0 to %n step %c1 {
      scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
        memref.store %zero, %buf[%i] : memref<8xf32>
        scf.reduce
      }
    }
    %sum = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
      %v = memref.load %buf[%i] : memref<8xf32>
      scf.reduce(%v : f32) {
      ^bb0(%a: f32, %b: f32):
        %s = arith.addf %a, %b : f32
        scf.reduce.return %s : f32
      }
    }
    return %sum : f32
  }
}

// -----

// The module lists each outlined function with the ONNX nodes its ops'
// locations name (the importer's fused<"OpType">[name, file]), in the
// order they first appear, for the manifest: `ingot inspect` and
// `ingot run --profile` say what each region computes. A loop whose ops
// name no node gets "".
// CHECK: module attributes {ingot.regions = {{\[\[}}"main_parallel_0", "Conv conv1, Relu relu1"], ["main_parallel_1", ""]]}
#conv = loc(fused<"Conv">["conv1", "m.onnx":0:0])
#relu = loc(fused<"Relu">["relu1", "m.onnx":0:0])
module {
  func.func @main(%in: memref<8x16xf32>, %out: memref<8x16xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %zero = arith.constant 0.0 : f32
    scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
      %v = memref.load %in[%i, %j] : memref<8x16xf32> loc(#conv)
      %w = arith.addf %v, %v : f32 loc(#conv)
      %r = arith.maximumf %w, %zero : f32 loc(#relu)
      memref.store %r, %out[%i, %j] : memref<8x16xf32> loc(#relu)
      scf.reduce
    } loc(fused[#relu, #conv])
    scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
      %v = memref.load %out[%i, %j] : memref<8x16xf32>
      memref.store %v, %in[%i, %j] : memref<8x16xf32>
      scf.reduce
    }
    return
  }
}
