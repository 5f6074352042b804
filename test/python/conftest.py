"""Shared fixtures for the Python tests: where the built tools are, and
helpers to run them and read what they print."""
import os
import re
import subprocess

import numpy as np
import onnx
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("INGOT_BUILD_DIR", os.path.join(REPO, "build"))
if not os.path.isabs(BUILD):
    BUILD = os.path.join(REPO, BUILD)
TOOLS = os.path.join(BUILD, "compiler", "tools")
ONNX_DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")

# ONNX TensorProto data types -> MLIR element type spellings.
MLIR_ELEMENT = {
    1: "f32", 2: "ui8", 3: "i8", 4: "ui16", 5: "i16", 6: "i32", 7: "i64", 9: "i1",
    10: "f16", 11: "f64", 12: "ui32", 13: "ui64", 16: "bf16",
}


def tool(name):
    path = os.path.join(TOOLS, name)
    if not os.path.exists(path):
        pytest.fail("%s is not built (looked in %s)" % (name, TOOLS))
    return path


def run_tool(name, *args, timeout=300):
    return subprocess.run([tool(name), *args], capture_output=True, text=True, timeout=timeout)


_TENSOR = re.compile(r"tensor<([^>]*)>")


def parse_tensor_type(text):
    """'2x?x3xf32' -> ([2, None, 3], 'f32'); '*xf32' -> (None, 'f32')."""
    parts = text.split("x")
    element = parts[-1]
    if parts[0] == "*":
        return None, element
    return [None if p == "?" else int(p) for p in parts[:-1]], element


def result_types(mlir_text):
    """The result types of func @main as a list of (shape, element)."""
    sig = next(line for line in mlir_text.splitlines() if "func.func @main(" in line)
    results = sig.split(") -> ", 1)[1] if ") -> " in sig else ""
    # Drop attribute dictionaries, then read each tensor<...>.
    results = re.sub(r"\{[^}]*\}", "", results)
    return [parse_tensor_type(m) for m in _TENSOR.findall(results)]


def compatible(shape, expected):
    """Whether an inferred shape (None = unknown) agrees with a concrete one."""
    if shape is None:
        return True
    return len(shape) == len(expected) and all(
        s is None or s == e for s, e in zip(shape, expected))


def ingot_module():
    """`import ingot` from the build tree under test."""
    import importlib
    import sys

    path = os.path.join(BUILD, "python")
    if not os.path.exists(os.path.join(path, "ingot", "__init__.py")):
        pytest.fail("the ingot Python module is not built (looked in %s)" % path)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module("ingot")


def check_cases_against_onnxruntime(model, feeds, cases, path, tolerance):
    """Compiles `model` (one output y<i> per case) to `path` and compares
    every output with ONNX Runtime's on 1 and 2 threads. Returns the
    module, for more runs of the artifact."""
    import onnxruntime

    ingot = ingot_module()
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    names = ["y%d" % i for i in range(len(cases))]
    want = dict(zip(names, session.run(names, feeds)))
    ingot.compile(model, path)
    for threads in (1, 2):
        got = ingot.load(path, threads=threads).run(feeds)
        for name, case in zip(names, cases):
            assert got[name].shape == want[name].shape, case
            np.testing.assert_allclose(got[name], want[name], rtol=tolerance, atol=tolerance,
                                       err_msg="%s: %r" % (name, case))
    return ingot
