"""Native code from `ingot compile`, loaded by the runtime's object loader.

`ingot compile --shape ...` emits an x86-64 object; ingot-run-object (a test
driver over runtime/src/ObjectLoader) places it in memory, resolves its
imports from the runtime's table, runs it, and the outputs must match ONNX
Runtime to rtol 1e-4 / atol 1e-5. Objects for other CPUs, and objects that
import symbols the runtime lacks or are cut short, are refused with a
message."""
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import BUILD, tool

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import light_models  # noqa: E402
import transformers  # noqa: E402

RUNNER = os.path.join(BUILD, "test", "runtime", "ingot-run-object")


def compile_object(model, shapes, tmp_path, extra=()):
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    obj = tmp_path / "model.o"
    args = [tool("ingot"), "compile", str(path), "-o", str(obj)]
    for name, shape in shapes.items():
        args.append("--shape=%s=%s" % (name, "x".join(str(d) for d in shape)))
    result = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return path, obj


def run_object(obj, inputs, out_rank, tmp_path):
    args = [RUNNER, str(obj), str(out_rank), str(tmp_path / "out.bin")]
    for i, array in enumerate(inputs):
        path = tmp_path / ("in%d.bin" % i)
        array.astype(np.float32).tofile(path)
        args += ["x".join(str(d) for d in array.shape), str(path)]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


MODELS = {
    "mlp": (transformers.mlp, (4, 64)),
    "gpt2": (transformers.gpt2, (2, 8, 64)),
    "squeezenet": (lambda: light_models.load_with_random_weights("squeezenet"), (1, 3, 224, 224)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_object_matches_onnxruntime(name, tmp_path):
    make, shape = MODELS[name]
    model = make()
    initializers = {i.name for i in model.graph.initializer}
    input_name = next(i.name for i in model.graph.input if i.name not in initializers)
    path, obj = compile_object(model, {input_name: shape}, tmp_path)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {input_name: x})[0]
    result = run_object(obj, [x], expected.ndim, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "x".join(str(d) for d in expected.shape)
    got = np.fromfile(tmp_path / "out.bin", dtype=np.float32).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_truncated_object_is_refused(tmp_path):
    _, obj = compile_object(transformers.mlp(), {"x": (4, 64)}, tmp_path)
    data = obj.read_bytes()
    obj.write_bytes(data[: len(data) // 2])
    result = run_object(obj, [np.zeros((4, 64), np.float32)], 2, tmp_path)
    assert result.returncode == 1
    assert "code section is truncated" in result.stderr or "truncated section table" in result.stderr


def test_not_an_object_is_refused(tmp_path):
    obj = tmp_path / "model.o"
    obj.write_bytes(b"this is not an ELF file at all" * 4)
    result = run_object(obj, [np.zeros((4, 64), np.float32)], 2, tmp_path)
    assert result.returncode == 1
    assert "code section is not an ELF object" in result.stderr
