"""Real models through compile -> artifact -> runtime, against ONNX Runtime.

Every light model of the onnx wheel (random weights) and the MLP, BERT-style
encoder and GPT-2-style block of examples/transformers.py are compiled with
`ingot.compile`, loaded with `ingot.load` and run; outputs must match ONNX
Runtime on the same inputs to rtol 1e-4 / atol 1e-5. The transformers keep
their symbolic batch and sequence: one artifact runs at two sizes each.

The light CNNs also expose the logits under their final Softmax (random
weights often saturate the probabilities to 0/1, which would hide errors).
Logits reach 1e5 with these weights; float32 sums in another order differ
there by ~1e-6 of the largest logit, so their absolute tolerance scales with
it (atol 1e-5 * max|logit|) while the model's own outputs use the fixed one."""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import ingot_module

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import light_models  # noqa: E402
import transformers  # noqa: E402

ingot = ingot_module()


def reference(path, feeds):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return {o.name: v for o, v in zip(session.get_outputs(), session.run(None, feeds))}


@pytest.mark.parametrize("name", light_models.light_model_names())
def test_light_model_matches_onnxruntime(name, tmp_path):
    model = light_models.load_with_random_weights(name, expose_logits=True)
    declared = [o.name for o in model.graph.output][: 1 if len(model.graph.output) > 1 else None]
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    compiled = ingot.load(ingot.compile(str(path), str(tmp_path / "model.ingot")))
    spec = compiled.inputs[0]
    x = np.random.default_rng(1).standard_normal(spec["shape"]).astype(np.float32)
    got = compiled.run({spec["name"]: x})
    expected = reference(path, {spec["name"]: x})
    assert sorted(got) == sorted(expected)
    for name_, value in expected.items():
        assert got[name_].dtype == value.dtype and got[name_].shape == value.shape
        if name_ in declared:
            np.testing.assert_allclose(got[name_], value, rtol=1e-4, atol=1e-5, err_msg=name_)
        else:
            assert np.std(value) > 1e-3, "degenerate logits: the comparison would say nothing"
            scale = max(1.0, float(np.abs(value).max()))
            np.testing.assert_allclose(got[name_], value, rtol=1e-4, atol=1e-5 * scale,
                                       err_msg=name_)


def transformer_inputs(kind, batch, sequence, rng):
    if kind == "mlp":
        return {"x": rng.standard_normal((batch, 64)).astype(np.float32)}
    if kind == "bert":
        ids = rng.integers(0, 100, (batch, sequence)).astype(np.int64)
        mask = np.ones((batch, sequence), np.int64)
        mask[-1, sequence // 2:] = 0  # the last sequence is padded
        return {"input_ids": ids, "attention_mask": mask}
    return {"hidden_states": rng.standard_normal((batch, sequence, 64)).astype(np.float32)}


@pytest.mark.parametrize("kind", ["mlp", "bert", "gpt2"])
def test_transformer_matches_onnxruntime_at_two_sizes(kind, tmp_path):
    model = getattr(transformers, kind)()
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    compiled = ingot.load(ingot.compile(model, str(tmp_path / "model.ingot")))
    for batch, sequence in [(1, 8), (3, 13)]:
        feeds = transformer_inputs(kind, batch, sequence,
                                   np.random.default_rng(batch * 100 + sequence))
        got = compiled.run(feeds)
        expected = reference(path, feeds)
        for name, value in expected.items():
            assert np.std(value) > 1e-3
            assert got[name].shape == value.shape
            np.testing.assert_allclose(got[name], value, rtol=1e-4, atol=1e-5,
                                       err_msg="%s at %dx%d" % (name, batch, sequence))


def test_pinned_shape_artifact_matches_onnxruntime(tmp_path):
    model = transformers.gpt2()
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    compiled = ingot.load(ingot.compile(path, tmp_path / "m.ingot", shapes={"hidden_states": (2, 8, 64)}))
    assert compiled.inputs[0]["shape"] == (2, 8, 64)
    feeds = transformer_inputs("gpt2", 2, 8, np.random.default_rng(5))
    expected = reference(path, feeds)
    got = compiled.run(feeds)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-4, atol=1e-5)


def test_concurrent_runs_match_sequential_ones(tmp_path):
    """One loaded model, eight threads, each with its own inputs and sizes."""
    from concurrent.futures import ThreadPoolExecutor

    compiled = ingot.load(ingot.compile(transformers.bert(), str(tmp_path / "bert.ingot")))
    feeds = [transformer_inputs("bert", 1 + i % 3, 5 + i, np.random.default_rng(i))
             for i in range(8)]
    sequential = [compiled.run(f) for f in feeds]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            concurrent = list(pool.map(compiled.run, feeds))
            for s, c in zip(sequential, concurrent):
                for name in s:
                    np.testing.assert_array_equal(s[name], c[name])


def test_outputs_are_fresh_arrays_and_strided_inputs_work(tmp_path):
    compiled = ingot.load(ingot.compile(transformers.mlp(), str(tmp_path / "mlp.ingot")))
    x = np.random.default_rng(0).standard_normal((2, 64)).astype(np.float32)
    first = compiled.run({"x": x})["y"]
    kept = first.copy()
    second = compiled.run({"x": x * 2})["y"]
    # Output arrays own the buffers the code wrote: later runs leave them be.
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(first, kept)
    assert not np.array_equal(first, second)
    del first, second
    for _ in range(3):  # buffers given away are replaced, not reused
        np.testing.assert_array_equal(compiled.run({"x": x})["y"], kept)
    # A non-contiguous view is accepted (made contiguous by the Python layer).
    wide = np.random.default_rng(1).standard_normal((2, 128)).astype(np.float32)
    np.testing.assert_array_equal(compiled.run({"x": wide[:, ::2]})["y"],
                                  compiled.run({"x": np.ascontiguousarray(wide[:, ::2])})["y"])


@pytest.mark.parametrize("kind", ["squeezenet", "gpt2"])
def test_threads_split_work_without_changing_results(kind, tmp_path):
    """Each output element is computed by one thread in the same order, so
    the pool's split must not change a single bit."""
    if kind == "squeezenet":
        model = light_models.load_with_random_weights(kind)
    else:
        model = transformers.gpt2()
    artifact = ingot.compile(model, str(tmp_path / "model.ingot"))
    one, three = ingot.load(artifact, threads=1), ingot.load(artifact, threads=3)
    assert (one.threads, three.threads) == (1, 3)
    spec = one.inputs[0]
    shape = [d if isinstance(d, int) else 7 for d in spec["shape"]]
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    for name, value in one.run({spec["name"]: x}).items():
        np.testing.assert_array_equal(three.run({spec["name"]: x})[name], value)
