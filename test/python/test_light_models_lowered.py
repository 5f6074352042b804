"""Real CNNs through the whole CPU lowering, against ONNX Runtime.

The light SqueezeNet from the onnx wheel, with random weights, is lowered to
LLVM and run (mlir-cpu-runner, until the artifact runtime lands); both the
probabilities and the logits must match ONNX Runtime to rtol 1e-4 / atol
1e-5. The other light models take minutes each through the JIT and move here
with the runtime. (With these random weights ShuffleNet's logits reach ~1e3
through cancelling sums, where summation order alone moves a few by 6e-4
relative: its weights need calibrating before it can join at 1e-4.)"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import light_models  # noqa: E402
from lowering_harness import run_lowered  # noqa: E402


@pytest.mark.parametrize("name", ["squeezenet"])
def test_light_model_matches_onnxruntime(name, tmp_path):
    model = light_models.load_with_random_weights(name, expose_logits=True)
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    spec = session.get_inputs()[0]
    x = np.random.default_rng(1).standard_normal(spec.shape).astype(np.float32)
    expected = session.run(None, {spec.name: x})
    got = run_lowered(str(path), [x], tmp_path)
    assert len(got) == len(expected) == 2
    logits = expected[1]
    assert np.std(logits) > 1e-3, "degenerate logits: the comparison would say nothing"
    for value, reference in zip(got, expected):
        np.testing.assert_allclose(value, reference.astype(np.float64), rtol=1e-4, atol=1e-5)
