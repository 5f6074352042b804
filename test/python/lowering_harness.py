"""Runs a model through Ingot's CPU lowering on mlir-cpu-runner.

Until the artifact runtime lands, this is how lowering numerics are checked:
the imported module gets an @entry function that feeds the inputs as
constants (bit-exact hex), calls @main, and prints every output as f32;
ingot-opt lowers it to the LLVM dialect and mlir-cpu-runner executes it.
"""
import os
import re
import subprocess

import numpy as np
import onnx
import onnx.numpy_helper

from conftest import run_tool, tool

LLVM_BIN = "/usr/lib/llvm-19/bin"
LLVM_LIB = "/usr/lib/llvm-19/lib"
RUNNER_LIBS = ",".join(os.path.join(LLVM_LIB, n)
                       for n in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))
# numpy dtype -> (MLIR element type, ONNX TensorProto type for graph.cast)
DTYPES = {"float32": ("f32", 1), "float64": ("f64", 11), "int64": ("i64", 7),
          "int32": ("i32", 6), "bool": ("i1", 9), "int8": ("i8", 3), "float16": ("f16", 10)}


class LoweringError(Exception):
    pass


def _tensor_type(array):
    element = DTYPES[str(array.dtype)][0]
    dims = "x".join(str(d) for d in array.shape)
    return "tensor<%s%s>" % (dims + "x" if dims else "", element)


def _nested(array):
    if array.ndim == 0:
        return "true" if array else "false"
    return "[" + ", ".join(_nested(a) for a in array) + "]"


def _dense(array):
    if array.size == 0:
        return "dense<>"
    if array.dtype == np.bool_:
        return "dense<%s>" % _nested(array)
    return 'dense<"0x%s">' % array.astype(array.dtype.newbyteorder("<")).tobytes().hex().upper()


def _signature(mlir_text):
    line = next(l for l in mlir_text.splitlines() if "func.func @main(" in l)
    args = re.findall(r"%arg\d+: (tensor<[^>]*>)", line)
    results = re.sub(r"\{[^}]*\}", "", line.split(") -> ", 1)[1]) if ") -> " in line else ""
    return args, re.findall(r"tensor<[^>]*>", results)


def _parse_printed(text):
    """The data of each printMemref call, in order, shaped by its sizes."""
    blocks = text.split("Unranked Memref")[1:]
    out = []
    for block in blocks:
        header, data = block.split("data =", 1)
        sizes = [int(v) for v in re.search(r"sizes = \[([^\]]*)\]", header).group(1).split(",") if v.strip()]
        if 0 in sizes:
            out.append(np.zeros(sizes))
            continue
        numbers = re.findall(r"-?nan|-?inf|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", data)
        out.append(np.array([float(n) for n in numbers], dtype=np.float64).reshape(sizes))
    return out


def bind_parameters(model, inputs):
    """Moves inputs that real models hold as constants into initializers:
    small integer tensors (axes, pads, shapes, starts/ends, split sizes,
    indices) and Resize's roi/scales. Returns (model, remaining inputs)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    resize_params = {n.input[i] for n in graph.node if n.op_type == "Resize"
                     for i in (1, 2, 3) if len(n.input) > i and n.input[i]}
    initializers = {i.name for i in graph.initializer}
    real_inputs = [i for i in graph.input if i.name not in initializers]
    kept_inputs, kept_values = [], []
    for value_info, array in zip(real_inputs, inputs):
        small_int = np.issubdtype(array.dtype, np.integer) and array.ndim <= 1 and array.size <= 64
        if small_int or value_info.name in resize_params:
            graph.initializer.append(onnx.numpy_helper.from_array(array, value_info.name))
            graph.input.remove(value_info)
        else:
            kept_inputs.append(value_info)
            kept_values.append(array)
    return model, kept_values


def run_lowered(model_path, inputs, tmp_path):
    """Outputs of the model at `model_path` on `inputs` (a list of arrays),
    computed by the lowered code, as float64 arrays shaped like the results."""
    model, inputs = bind_parameters(onnx.load(model_path), inputs)
    model_path = str(tmp_path / "bound.onnx")
    onnx.save(model, model_path)
    imported = run_tool("ingot-translate", model_path)
    if imported.returncode != 0:
        raise LoweringError(imported.stderr)
    text = imported.stdout
    arg_types, result_types = _signature(text)
    lines = ["  func.func private @printMemrefF32(tensor<*xf32>)", "  func.func @entry() {"]
    names = []
    for i, (array, arg_type) in enumerate(zip(inputs, arg_types)):
        static = _tensor_type(array)
        lines.append("    %%in%d = graph.constant {value = %s : %s} : () -> %s" % (i, _dense(array), static, static))
        if static != arg_type:
            lines.append("    %%in%dc = tensor.cast %%in%d : %s to %s" % (i, i, static, arg_type))
            names.append("%%in%dc" % i)
        else:
            names.append("%%in%d" % i)
    lines.append("    %%out:%d = call @main(%s) : (%s) -> (%s)" % (
        len(result_types), ", ".join(names), ", ".join(arg_types), ", ".join(result_types)))
    for i, rtype in enumerate(result_types):
        value = "%%out#%d" % i
        if not rtype.endswith("xf32>") and rtype != "tensor<f32>":
            f32 = re.sub(r"x?[a-z]+\d*>$", lambda m: ("x" if m.group(0).startswith("x") else "") + "f32>", rtype)
            lines.append("    %%f%d = graph.cast %s {to = 1 : i64} : (%s) -> %s" % (i, value, rtype, f32))
            value, rtype = "%%f%d" % i, f32
        lines.append("    %%u%d = tensor.cast %s : %s to tensor<*xf32>" % (i, value, rtype))
        lines.append("    call @printMemrefF32(%%u%d) : (tensor<*xf32>) -> ()" % i)
    lines += ["    return", "  }"]
    head, rest = text.split("\n", 1)
    driver = head + "\n" + "\n".join(lines) + "\n" + rest
    source = tmp_path / "driver.mlir"
    source.write_text(driver)
    lowered = tmp_path / "lowered.mlir"
    opt = run_tool("ingot-opt", str(source), "--ingot-graph-to-linalg", "--ingot-linalg-to-llvm",
                   "-o", str(lowered), timeout=120)
    if opt.returncode != 0:
        raise LoweringError(opt.stderr)
    run = subprocess.run([os.path.join(LLVM_BIN, "mlir-cpu-runner"), str(lowered), "-e", "entry",
                          "-entry-point-result=void", "-shared-libs=" + RUNNER_LIBS],
                         capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise LoweringError(run.stderr[-2000:])
    return _parse_printed(run.stdout)
