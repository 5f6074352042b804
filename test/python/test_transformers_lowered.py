"""Transformer-shaped models through the CPU lowering, against ONNX Runtime.

An MLP, a 2-layer BERT-style encoder (embeddings, padding mask, attention,
LayerNorm, Erf GELU) and a GPT-2-style decoder block (causal mask from
Trilu/Where, tanh GELU), built by examples/transformers.py with symbolic
batch and sequence, each run at two batch sizes and sequence lengths and
compared with ONNX Runtime to rtol 1e-4 / atol 1e-5."""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import transformers  # noqa: E402
from lowering_harness import run_lowered  # noqa: E402


def _inputs(kind, batch, sequence, rng):
    if kind == "mlp":
        return [rng.standard_normal((batch, 64)).astype(np.float32)]
    if kind == "bert":
        ids = rng.integers(0, 100, (batch, sequence)).astype(np.int64)
        mask = np.ones((batch, sequence), np.int64)
        mask[-1, sequence // 2:] = 0  # the last sequence is padded
        return [ids, mask]
    return [rng.standard_normal((batch, sequence, 64)).astype(np.float32)]


@pytest.mark.parametrize("kind", ["mlp", "bert", "gpt2"])
@pytest.mark.parametrize("batch,sequence", [(1, 8), (3, 13)])
def test_transformer_matches_onnxruntime(kind, batch, sequence, tmp_path):
    model = {"mlp": transformers.mlp, "bert": transformers.bert, "gpt2": transformers.gpt2}[kind]()
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    inputs = _inputs(kind, batch, sequence, np.random.default_rng(batch * 100 + sequence))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {i.name: v for i, v in zip(session.get_inputs(), inputs)})
    got = run_lowered(str(path), inputs, tmp_path)
    assert len(got) == len(expected)
    for value, reference in zip(got, expected):
        assert np.std(reference) > 1e-3
        np.testing.assert_allclose(value, reference.astype(np.float64), rtol=1e-4, atol=1e-5)
