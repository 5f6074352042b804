"""Conformance of the importer and the ops' shape rules against the ONNX
backend tests in the onnx wheel (node test cases with their reference
outputs, and the simple / pytorch model tests).

Every node test whose operators the graph dialect has, at an opset Ingot
accepts, must either import with result types that agree with the reference
output tensors, or be refused with a one-line message (never a crash).
Tests refused today are listed in KNOWN_REFUSALS with the reason; anything
else refused, or a refusal that starts to import, fails here."""
import glob
import os
import re

import onnx
import pytest

from conftest import MLIR_ELEMENT, ONNX_DATA, compatible, result_types, run_tool

OPS = set(re.findall(r'^OP\("(\w+)"', open(os.path.join(
    os.path.dirname(__file__), "..", "..", "dialects", "graph", "GraphOpTable.inc")).read(), re.M))
MIN_OPSET, MAX_OPSET = 7, 21

# Node tests Ingot refuses, with why. Keep it short and honest.
KNOWN_REFUSALS = {
    # Ingot compiles inference graphs: BatchNormalization's running statistics
    # outputs exist only in training mode.
    "test_batchnorm_example_training_mode": "is only produced in training and is not supported",
    "test_batchnorm_epsilon_training_mode": "is only produced in training and is not supported",
    # String tensors have no place in compiled numeric code.
    "test_equal_string": "element type STRING is not supported",
    "test_equal_string_broadcast": "element type STRING is not supported",
}


def _applies(model):
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                default=0)
    ops = {n.op_type for n in model.graph.node}
    domains = {n.domain for n in model.graph.node} - {"", "ai.onnx"}
    return MIN_OPSET <= opset <= MAX_OPSET and not domains and ops <= OPS


def _cases():
    """(name, model, [expected output arrays]) for every applicable case: the
    node test cases the wheel generates in memory, and the model tests it
    ships on disk (simple, pytorch-converted, pytorch-operator)."""
    import numpy as np
    from onnx import numpy_helper
    from onnx.backend.test.case.node import collect_testcases

    cases = []
    for case in collect_testcases():
        if case.model is None or not case.data_sets or not _applies(case.model):
            continue
        inputs, outputs = case.data_sets[0]
        if any(not isinstance(o, np.ndarray) for o in outputs):
            continue
        if any(not isinstance(i, np.ndarray) for i in inputs):
            inputs = None
        cases.append((case.name, case.model, outputs, inputs))
    for kind in ("simple", "pytorch-converted", "pytorch-operator"):
        for model_path in sorted(glob.glob(os.path.join(ONNX_DATA, kind, "*", "model.onnx"))):
            model = onnx.load(model_path)
            if not _applies(model):
                continue
            paths = sorted(glob.glob(os.path.join(os.path.dirname(model_path), "test_data_set_0",
                                                  "output_*.pb")),
                           key=lambda p: int(re.search(r"output_(\d+)", p).group(1)))
            outputs = [numpy_helper.to_array(onnx.load_tensor(p)) for p in paths]
            input_paths = sorted(glob.glob(os.path.join(os.path.dirname(model_path), "test_data_set_0",
                                                        "input_*.pb")),
                                 key=lambda p: int(re.search(r"input_(\d+)", p).group(1)))
            inputs = [numpy_helper.to_array(onnx.load_tensor(p)) for p in input_paths]
            cases.append((os.path.basename(os.path.dirname(model_path)), model, outputs, inputs))
    return cases


CASES = _cases()


def test_enough_node_tests_apply():
    assert len(CASES) > 300, len(CASES)


NUMPY_TO_MLIR = {"float32": "f32", "float64": "f64", "float16": "f16", "int8": "i8",
                 "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "ui8",
                 "uint16": "ui16", "uint32": "ui32", "uint64": "ui64", "bool": "i1"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_node(case, tmp_path):
    name, model, outputs, _ = case
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    out = tmp_path / "model.mlir"
    result = run_tool("ingot-translate", str(path), "-o", str(out))
    if name in KNOWN_REFUSALS:
        assert result.returncode == 1, "now imports: remove it from KNOWN_REFUSALS"
        assert KNOWN_REFUSALS[name] in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        return
    assert result.returncode == 0, result.stderr
    types = result_types(out.read_text())
    assert len(types) == len(outputs)
    for (shape, element), expected in zip(types, outputs):
        assert element == NUMPY_TO_MLIR.get(str(expected.dtype)), (element, expected.dtype)
        assert compatible(shape, list(expected.shape)), (shape, list(expected.shape))
