"""Bad input to the compiler, the runtime and the CLI: one clear message, a
non-zero exit (1, never a signal), nothing half-written.

Covers the issue's list: wrong input name, dtype, rank or shape; a missing
input; NaN inputs (propagate, no crash); corrupt, truncated, wrong-version and
foreign-CPU artifacts; an unsupported op at compile time (names the node); an
output directory that cannot be written."""
import os
import struct
import subprocess

import numpy as np
import onnx
import pytest
from onnx import helper, TensorProto

from conftest import ingot_module, tool

import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import transformers  # noqa: E402

ingot = ingot_module()


@pytest.fixture(scope="module")
def mlp_artifact(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mlp")
    onnx.save(transformers.mlp(), str(directory / "mlp.onnx"))
    return ingot.compile(str(directory / "mlp.onnx"), str(directory / "mlp.ingot"))


@pytest.fixture(scope="module")
def bert_model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bert")
    return ingot.load(ingot.compile(transformers.bert(), str(directory / "bert.ingot")))


def run_cli(*args):
    result = subprocess.run([tool("ingot"), *map(str, args)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode in (0, 1), "killed by a signal: %s" % result.stderr
    return result


def one_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


X = np.zeros((2, 64), np.float32)


@pytest.mark.parametrize("feeds,message", [
    ({"X": X}, "the model has no input named 'X'; its inputs are: 'x'"),
    ({"x": X.astype(np.float64)}, "input 'x' has dtype float64; the model expects float32"),
    ({"x": X.astype(np.int32)}, "input 'x' has dtype int32; the model expects float32"),
    ({"x": X[None]}, "input 'x' has rank 3; the model expects rank 2 [batch,64]"),
    ({"x": np.zeros((2, 63), np.float32)},
     "input 'x' dim 1 is 63; the model expects 64 (shape [batch,64])"),
    ({}, "input 'x' is missing (float32 [batch,64])"),
])
def test_wrong_inputs_are_refused(mlp_artifact, feeds, message):
    model = ingot.load(mlp_artifact)
    with pytest.raises(ValueError) as error:
        model.run(feeds)
    assert str(error.value) == message
    # The model still runs after a refusal.
    assert model.run({"x": X})["y"].shape == (2, 10)


def test_symbolic_dims_must_agree_across_inputs(bert_model):
    ids = np.zeros((2, 5), np.int64)
    with pytest.raises(ValueError, match=r"input 'attention_mask' dim 0 \('batch'\) is 3, but "
                                         r"another input set 'batch' to 2"):
        bert_model.run({"input_ids": ids, "attention_mask": np.ones((3, 5), np.int64)})


def test_wrong_inputs_through_the_cli(mlp_artifact, tmp_path):
    np.save(tmp_path / "x64.npy", X.astype(np.float64))
    result = run_cli("run", mlp_artifact, "--input", "x=%s" % (tmp_path / "x64.npy"))
    assert result.returncode == 1
    assert "input 'x' has dtype float64; the model expects float32" in one_line(result.stderr)
    np.save(tmp_path / "x.npy", X)
    result = run_cli("run", mlp_artifact, "--input", "y=%s" % (tmp_path / "x.npy"))
    assert result.returncode == 1
    assert "the model has no input named 'y'" in one_line(result.stderr)
    result = run_cli("run", mlp_artifact, "--input", "x=%s" % (tmp_path / "missing.npy"))
    assert result.returncode == 1
    assert "missing.npy: cannot open" in one_line(result.stderr)


def test_nan_propagates(mlp_artifact):
    import onnxruntime as ort

    model = ingot.load(mlp_artifact)
    x = np.random.default_rng(0).standard_normal((3, 64)).astype(np.float32)
    x[1, 7] = np.nan
    got = model.run({"x": x})["y"]
    source = os.path.join(os.path.dirname(mlp_artifact), "mlp.onnx")
    expected = ort.InferenceSession(source, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert np.isnan(got[1]).all() and np.isnan(expected[1]).all()
    np.testing.assert_allclose(got[[0, 2]], expected[[0, 2]], rtol=1e-4, atol=1e-5)


def damaged_copy(source, directory, name, change):
    data = bytearray(open(source, "rb").read())
    data = change(data)
    path = directory / name
    path.write_bytes(bytes(data))
    return path


def flip_last_byte(data):
    data[-1] ^= 0xFF
    return data


def set_version(data):
    data[8:12] = struct.pack("<I", 99)
    return data


@pytest.mark.parametrize("name,change,message", [
    ("corrupt.ingot", flip_last_byte, "checksum mismatch"),
    ("truncated.ingot", lambda d: d[: len(d) // 2], "truncated: the header says"),
    ("tiny.ingot", lambda d: d[:40], "truncated: 40 bytes, shorter than the 128-byte header"),
    ("version.ingot", set_version,
     "artifact format version 99, but this runtime reads version 1"),
    ("foreign.ingot", lambda d: bytearray(b"PK\x03\x04") + d[4:], "not an Ingot artifact"),
])
def test_damaged_artifacts_are_refused(mlp_artifact, tmp_path, name, change, message):
    path = damaged_copy(mlp_artifact, tmp_path, name, change)
    with pytest.raises(ValueError, match=message):
        ingot.load(path)
    for command in ("run", "inspect"):
        result = run_cli(command, path)
        assert result.returncode == 1
        assert message in one_line(result.stderr) and name in result.stderr


def test_missing_artifact_is_refused(tmp_path):
    result = run_cli("run", tmp_path / "nothing.ingot")
    assert result.returncode == 1
    assert "nothing.ingot: cannot open: No such file or directory" in one_line(result.stderr)


def test_artifact_for_another_cpu_is_refused(tmp_path):
    """Sapphire Rapids code may use AMX, which this host (and most) lacks;
    inspecting the artifact still works."""
    source = tmp_path / "mlp.onnx"
    onnx.save(transformers.mlp(), str(source))
    path = ingot.compile(str(source), str(tmp_path / "spr.ingot"), cpu="sapphirerapids")
    with open("/proc/cpuinfo") as f:
        if " amx_tile" in f.read():
            pytest.skip("this host has AMX")
    with pytest.raises(ValueError, match=r"compiled for CPU 'sapphirerapids', needs CPU features "
                                         r"this host lacks: .*amx-tile"):
        ingot.load(path)
    result = run_cli("run", path)
    assert result.returncode == 1 and "amx-tile" in one_line(result.stderr)
    result = run_cli("inspect", path)
    assert result.returncode == 0 and "cpu sapphirerapids" in result.stdout


def test_unsupported_op_names_the_node(tmp_path):
    # Image ops stay refused (README, "What is refused").
    node = helper.make_node("ImageDecoder", ["encoded"], ["image"], name="decode")
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("encoded", TensorProto.UINT8, [64])],
                              [helper.make_tensor_value_info("image", TensorProto.UINT8, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    output = tmp_path / "decode.ingot"
    with pytest.raises(ingot.CompileError, match=r"node 'decode' \(ImageDecoder\)"):
        ingot.compile(model, str(output))
    assert not output.exists()


def test_op_without_a_lowering_names_the_node(tmp_path):
    # ScatterND needs to know at compile time how many leading dims an index
    # addresses (the indices' last dim); here it is symbolic.
    node = helper.make_node("ScatterND", ["data", "indices", "updates"], ["y"], name="scatter")
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("data", TensorProto.FLOAT, [4, 4]),
                               helper.make_tensor_value_info("indices", TensorProto.INT64, ["N", "K"]),
                               helper.make_tensor_value_info("updates", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 4])])
    source = tmp_path / "scatter.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(source))
    result = run_cli("compile", source, "-o", tmp_path / "scatter.ingot")
    assert result.returncode == 1
    assert "node 'scatter' (ScatterND): cannot lower 'graph.scatter_nd'" in result.stderr
    assert "indices whose last dim is known" in result.stderr
    assert not (tmp_path / "scatter.ingot").exists()
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]


def test_unwritable_output_directory(mlp_artifact, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_cli("run", mlp_artifact, "--output-dir", blocker / "outputs")
    assert result.returncode == 1
    assert "--output-dir %s: Not a directory" % (blocker / "outputs") in one_line(result.stderr)
    result = run_cli("compile", os.path.join(os.path.dirname(mlp_artifact), "mlp.onnx"), "-o",
                     blocker / "model.ingot")
    assert result.returncode == 1
    assert "model.ingot: cannot write" in one_line(result.stderr)


def test_output_files_are_named_after_outputs(tmp_path):
    """Characters outside [A-Za-z0-9_.-] in an output name become '_'."""
    node = helper.make_node("Relu", ["x"], ["gpu_0/soft max:1"])
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("gpu_0/soft max:1", TensorProto.FLOAT,
                                                             [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    artifact = ingot.compile(model, str(tmp_path / "relu.ingot"))
    x = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    np.save(tmp_path / "x.npy", x)
    result = run_cli("run", artifact, "--input", "x=%s" % (tmp_path / "x.npy"), "--output-dir",
                     tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert os.listdir(tmp_path / "out") == ["gpu_0_soft_max_1.npy"]
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "gpu_0_soft_max_1.npy"),
                                  np.maximum(x, 0))
    assert "gpu_0/soft max:1: float32 [2,3] checksum 12" in result.stdout


def test_index_out_of_range_fails_the_run(bert_model):
    """Token ids past the vocabulary (100) or sequences longer than the
    position table (64) name the Gather node; nothing is read out of bounds
    and the model keeps working."""
    mask = np.ones((2, 5), np.int64)
    ids = np.zeros((2, 5), np.int64)
    ids[1, 3] = 100
    pattern = r"^node '[^']+' \(Gather\): an index is outside \[-n, n\) for the data's dim 0 of size n$"
    with pytest.raises(ValueError, match=pattern):
        bert_model.run({"input_ids": ids, "attention_mask": mask})
    long = np.zeros((1, 65), np.int64)
    with pytest.raises(ValueError, match=pattern):
        bert_model.run({"input_ids": long, "attention_mask": np.ones((1, 65), np.int64)})
    ids[1, 3] = -100  # negative ids count from the end: -100 is the first row
    first = bert_model.run({"input_ids": ids, "attention_mask": mask})["last_hidden_state"]
    ids[1, 3] = 0
    again = bert_model.run({"input_ids": ids, "attention_mask": mask})["last_hidden_state"]
    np.testing.assert_array_equal(first, again)
