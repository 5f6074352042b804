"""Sizes only known at run time follow ONNX semantics, and sizes that
contradict each other fail the run with one line naming the node, the op and
both sizes, never a wrong answer or an access out of bounds.

Every model here is compiled once with symbolic dims and run at several
sizes: valid ones are compared with ONNX Runtime (and NumPy), contradicting
ones must be refused. These cases gave wrong numbers or crashed once; they
stay."""
import os
import subprocess

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

from conftest import ingot_module, tool

V = helper.make_tensor_value_info


def build(nodes, inputs, outputs, opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    ingot = ingot_module()
    cache = {}

    def get(name, model):
        if name not in cache:
            path = tmp_path_factory.mktemp("runtime-shapes") / (name + ".ingot")
            ingot.compile(model, str(path))
            cache[name] = (ingot.load(str(path)), model)
        return cache[name]

    return get


def reference(model, feeds):
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def check_valid(compiled_model, feeds):
    model, onnx_model = compiled_model
    got = model.run(feeds)
    expected = reference(onnx_model, feeds)
    for output, want in zip(model.outputs, expected):
        np.testing.assert_allclose(got[output["name"]], want, rtol=1e-6, atol=1e-6)
    return got


def check_refused(compiled_model, feeds, *fragments):
    model, _ = compiled_model
    with pytest.raises(ValueError) as error:
        model.run(feeds)
    message = str(error.value)
    assert len(message.splitlines()) == 1, message
    for fragment in fragments:
        assert fragment in message, message


ADD = build([helper.make_node("Add", ["x", "y"], ["z"], name="z")],
            [V("x", TensorProto.FLOAT, ["N", 4]), V("y", TensorProto.FLOAT, ["M", 4])],
            [V("z", TensorProto.FLOAT, None)])
MUL = build([helper.make_node("Mul", ["x", "y"], ["z"], name="z")],
            [V("x", TensorProto.FLOAT, ["N", "C"]), V("y", TensorProto.FLOAT, ["N", "D"])],
            [V("z", TensorProto.FLOAT, None)])
RESHAPE = build([helper.make_node("Reshape", ["x", "s"], ["y"], name="y")],
                [V("x", TensorProto.FLOAT, ["N", 4]), V("s", TensorProto.INT64, [2])],
                [V("y", TensorProto.FLOAT, None)])
EXPAND = build([helper.make_node("Expand", ["x", "s"], ["y"], name="y")],
               [V("x", TensorProto.FLOAT, [3, 4]), V("s", TensorProto.INT64, [2])],
               [V("y", TensorProto.FLOAT, None)])
MATMUL = build([helper.make_node("MatMul", ["a", "b"], ["y"], name="y")],
               [V("a", TensorProto.FLOAT, ["M", "K"]), V("b", TensorProto.FLOAT, ["L", "N"])],
               [V("y", TensorProto.FLOAT, None)])
CONCAT = build([helper.make_node("Concat", ["a", "b"], ["y"], axis=0, name="y")],
               [V("a", TensorProto.FLOAT, ["A", "B"]), V("b", TensorProto.FLOAT, ["C", "D"])],
               [V("y", TensorProto.FLOAT, None)])
RANGE = build([helper.make_node("Range", ["start", "limit", "delta"], ["y"], name="y")],
              [V("start", TensorProto.INT64, []), V("limit", TensorProto.INT64, []),
               V("delta", TensorProto.INT64, [])],
              [V("y", TensorProto.INT64, None)])
SCATTER = build([helper.make_node("ScatterElements", ["data", "indices", "updates"], ["y"],
                                  axis=1, reduction="add", name="y")],
                [V("data", TensorProto.FLOAT, ["A", "B"]), V("indices", TensorProto.INT64, ["C", "D"]),
                 V("updates", TensorProto.FLOAT, ["C", "D"])],
                [V("y", TensorProto.FLOAT, None)], opset=18)

X34 = np.arange(12, dtype=np.float32).reshape(3, 4)


def test_broadcast_stretches_a_runtime_one(compiled):
    got = check_valid(compiled("add", ADD), {"x": X34, "y": np.full((1, 4), 10, np.float32)})
    np.testing.assert_array_equal(got["z"], X34 + 10)
    check_valid(compiled("add", ADD), {"x": X34[:1], "y": X34})
    check_valid(compiled("add", ADD), {"x": X34, "y": X34})


def test_broadcast_of_unequal_dims_is_refused(compiled):
    check_refused(compiled("add", ADD), {"x": X34, "y": np.ones((2, 4), np.float32)},
                  "node 'z' (Add)", "does not broadcast: 2 vs 3")


def test_broadcast_of_inner_dims(compiled):
    y = np.arange(3, dtype=np.float32).reshape(3, 1)
    got = check_valid(compiled("mul", MUL), {"x": X34, "y": y})
    np.testing.assert_array_equal(got["z"], X34 * y)
    check_refused(compiled("mul", MUL), {"x": X34, "y": np.ones((3, 3), np.float32)},
                  "node 'z' (Mul)", "3 vs 4")


def test_reshape_checks_the_element_count(compiled):
    check_valid(compiled("reshape", RESHAPE), {"x": X34, "s": np.array([2, 6])})
    check_valid(compiled("reshape", RESHAPE), {"x": X34, "s": np.array([-1, 2])})
    check_valid(compiled("reshape", RESHAPE), {"x": X34, "s": np.array([0, -1])})
    check_refused(compiled("reshape", RESHAPE), {"x": X34, "s": np.array([5, 7])},
                  "node 'y' (Reshape)", "cannot reshape 12 elements into a shape of 35 elements")
    check_refused(compiled("reshape", RESHAPE), {"x": X34, "s": np.array([-1, -1])},
                  "at most one is allowed")
    check_refused(compiled("reshape", RESHAPE), {"x": X34, "s": np.array([-3, -4])},
                  "only -1 may be negative")
    check_refused(compiled("reshape", RESHAPE),
                  {"x": np.zeros((0, 4), np.float32), "s": np.array([0, -1])},
                  "cannot infer the -1 entry")


def test_expand_checks_its_target(compiled):
    check_valid(compiled("expand", EXPAND), {"x": X34, "s": np.array([1, 4])})
    check_valid(compiled("expand", EXPAND), {"x": X34, "s": np.array([3, 1])})
    check_refused(compiled("expand", EXPAND), {"x": X34, "s": np.array([3, 5])},
                  "node 'y' (Expand)", "4 vs 5")


def test_matmul_checks_inner_dims(compiled):
    check_valid(compiled("matmul", MATMUL), {"a": X34, "b": np.ones((4, 2), np.float32)})
    check_refused(compiled("matmul", MATMUL), {"a": X34, "b": np.ones((5, 2), np.float32)},
                  "node 'y' (MatMul): inner dims differ: 4 vs 5")


def test_concat_checks_the_other_dims(compiled):
    check_valid(compiled("concat", CONCAT), {"a": X34, "b": np.ones((2, 4), np.float32)})
    check_refused(compiled("concat", CONCAT), {"a": X34, "b": np.ones((2, 5), np.float32)},
                  "node 'y' (Concat)", "is 5, but the others have 4")


def test_range_on_int64_scalars(compiled):
    for start, limit, delta in [(1, 10, 3), (10, 1, -3), (0, 0, 1), (5, 1, 1)]:
        feeds = {"start": np.array(start), "limit": np.array(limit), "delta": np.array(delta)}
        got = check_valid(compiled("range", RANGE), feeds)
        np.testing.assert_array_equal(got["y"], np.arange(start, limit, delta))
    check_refused(compiled("range", RANGE),
                  {"start": np.array(1), "limit": np.array(5), "delta": np.array(0)},
                  "node 'y' (Range): delta is 0")


def test_inputs_are_never_written(compiled):
    # A scatter with run-time sizes once updated the caller's array in place.
    data = np.arange(5, dtype=np.float32).reshape(1, 5)
    before = data.copy()
    feeds = {"data": data, "indices": np.array([[1, 1]]),
             "updates": np.array([[1.5, 2.5]], np.float32)}
    check_valid(compiled("scatter", SCATTER), feeds)
    np.testing.assert_array_equal(data, before)
    got = check_valid(compiled("scatter", SCATTER), feeds)
    np.testing.assert_array_equal(got["y"], [[0, 5, 2, 3, 4]])


def test_refused_run_writes_no_output(tmp_path):
    ingot = ingot_module()
    artifact = tmp_path / "matmul.ingot"
    ingot.compile(MATMUL, str(artifact))
    np.save(tmp_path / "a.npy", X34)
    np.save(tmp_path / "b.npy", np.ones((5, 2), np.float32))
    out = tmp_path / "out"
    result = subprocess.run([tool("ingot"), "run", str(artifact), "--input",
                             "a=%s" % (tmp_path / "a.npy"), "--input", "b=%s" % (tmp_path / "b.npy"),
                             "--output-dir", str(out)], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "node 'y' (MatMul): inner dims differ: 4 vs 5" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists() or not os.listdir(out)


def npy_with_header(path, shape_text):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape_text
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + bytes([len(header) & 0xFF, len(header) >> 8]) +
                     header.encode() + b"\x00" * 16)


@pytest.mark.parametrize("shape_text, reason", [
    ("(100000000000000000000000, 4)", "is not a size"),
    ("(2.5, 4)", "is not a size"),
    ("(-3, 4)", "is not a size"),
    ("(4611686018427387904, 4611686018427387904)", "more than 2^62"),
])
def test_bad_npy_headers_are_refused(tmp_path, shape_text, reason):
    ingot = ingot_module()
    artifact = tmp_path / "add.ingot"
    ingot.compile(ADD, str(artifact))
    npy_with_header(tmp_path / "x.npy", shape_text)
    np.save(tmp_path / "y.npy", np.ones((1, 4), np.float32))
    result = subprocess.run([tool("ingot"), "run", str(artifact), "--input",
                             "x=%s" % (tmp_path / "x.npy"), "--input", "y=%s" % (tmp_path / "y.npy")],
                            capture_output=True, text=True)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert reason in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


CONV = build([helper.make_node("Conv", ["x", "w", "b"], ["y"], name="y", group=2, pads=[1, 0, 1, 0])],
             [V("x", TensorProto.FLOAT, ["N", "C", "H", "W"]), V("w", TensorProto.FLOAT, ["F", "G", "K", "L"]),
              V("b", TensorProto.FLOAT, ["B"])],
             [V("y", TensorProto.FLOAT, None)])
CONV_TRANSPOSE = build([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="y", group=2, strides=[2, 1])],
                       [V("x", TensorProto.FLOAT, ["N", "C", "H", "W"]),
                        V("w", TensorProto.FLOAT, ["D", "M", "K", "L"])],
                       [V("y", TensorProto.FLOAT, None)])


def test_conv_with_weights_of_runtime_shape(compiled):
    # Weights fed as an input: kernel, channels and groups only known at run time.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    for kernel in [(3, 3), (2, 1)]:
        feeds = {"x": x, "w": rng.standard_normal((6, 2) + kernel).astype(np.float32),
                 "b": rng.standard_normal(6).astype(np.float32)}
        check_valid(compiled("conv", CONV), feeds)
    check_refused(compiled("conv", CONV),
                  {"x": x, "w": np.ones((6, 3, 3, 3), np.float32), "b": np.ones(6, np.float32)},
                  "node 'y' (Conv): the input has 4 channels, the weights expect 6")
    check_refused(compiled("conv", CONV),
                  {"x": x, "w": np.ones((5, 2, 3, 3), np.float32), "b": np.ones(5, np.float32)},
                  "node 'y' (Conv): W has 5 filters, not a multiple of the groups (2)")
    check_refused(compiled("conv", CONV),
                  {"x": x, "w": np.ones((6, 2, 3, 3), np.float32), "b": np.ones(4, np.float32)},
                  "node 'y' (Conv): B has 4 entries for 6 filters")


def test_conv_transpose_with_weights_of_runtime_shape(compiled):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 4, 3, 5)).astype(np.float32)
    check_valid(compiled("convt", CONV_TRANSPOSE),
                {"x": x, "w": rng.standard_normal((4, 3, 3, 2)).astype(np.float32)})
    check_refused(compiled("convt", CONV_TRANSPOSE), {"x": x, "w": np.ones((6, 3, 3, 2), np.float32)},
                  "node 'y' (ConvTranspose): the input has 4 channels, the weights expect 6")


LSTM = build([helper.make_node("LSTM", ["x", "w", "r", "b", "lens"], ["y", "yh", "yc"], name="y",
                               hidden_size=3, direction="bidirectional")],
             [V("x", TensorProto.FLOAT, ["T", "B", "I"]), V("w", TensorProto.FLOAT, [2, 12, "I"]),
              V("r", TensorProto.FLOAT, [2, 12, 3]), V("b", TensorProto.FLOAT, [2, 24]),
              V("lens", TensorProto.INT32, ["B"])],
             [V("y", TensorProto.FLOAT, None), V("yh", TensorProto.FLOAT, None),
              V("yc", TensorProto.FLOAT, None)])


def test_lstm_with_sequence_lengths(compiled):
    # Batches shorter than the sequence keep their state; Y is 0 past them,
    # and the reverse direction starts at each batch's own last step.
    rng = np.random.default_rng(2)
    feeds = {"x": rng.standard_normal((5, 3, 2)).astype(np.float32),
             "w": rng.standard_normal((2, 12, 2)).astype(np.float32),
             "r": rng.standard_normal((2, 12, 3)).astype(np.float32),
             "b": rng.standard_normal((2, 24)).astype(np.float32),
             "lens": np.array([5, 2, 0], np.int32)}
    model, onnx_model = compiled("lstm", LSTM)
    got = model.run(feeds)
    for name, want in zip(["y", "yh", "yc"], reference(onnx_model, feeds)):
        np.testing.assert_allclose(got[name], want, rtol=1e-5, atol=1e-6)
    check_refused(compiled("lstm", LSTM), dict(feeds, lens=np.array([5, 6, 1], np.int32)),
                  "node 'y' (LSTM): sequence_lens[1] is 6, outside [0, 5]")


def loop_model():
    # for i < M while sum < limit: sum += x[:i+1].sum(); stacks x[:i+1] (its
    # length grows each iteration, which a scan output must not).
    one = helper.make_tensor("one", TensorProto.INT64, [1], [1])
    zero = helper.make_tensor("zero", TensorProto.INT64, [1], [0])
    body = helper.make_graph(
        [helper.make_node("Unsqueeze", ["i", "axis0"], ["i1"]),
         helper.make_node("Add", ["i1", "one"], ["end"]),
         helper.make_node("Slice", ["x", "zero", "end"], ["head"]),
         helper.make_node("ReduceSum", ["head"], ["part"], keepdims=0),
         helper.make_node("Add", ["sum_in", "part"], ["sum_out"]),
         helper.make_node("Less", ["sum_out", "limit"], ["cond_out"]),
         helper.make_node("Identity", ["head"], ["stacked"])],
        "body",
        [V("i", TensorProto.INT64, []), V("cond_in", TensorProto.BOOL, []),
         V("sum_in", TensorProto.FLOAT, [])],
        [V("cond_out", TensorProto.BOOL, []), V("sum_out", TensorProto.FLOAT, []),
         V("stacked", TensorProto.FLOAT, None)],
        initializer=[one, zero, helper.make_tensor("axis0", TensorProto.INT64, [1], [0])])
    loop = helper.make_node("Loop", ["m", "", "sum0"], ["sum", "heads"], name="loop", body=body)
    return build([loop], [V("m", TensorProto.INT64, []), V("x", TensorProto.FLOAT, ["N"]),
                          V("limit", TensorProto.FLOAT, []), V("sum0", TensorProto.FLOAT, [])],
                 [V("sum", TensorProto.FLOAT, None), V("heads", TensorProto.FLOAT, None)])


def test_loop_trip_count_condition_and_scan_outputs(compiled):
    x = np.arange(1, 6, dtype=np.float32)
    feeds = {"x": x, "limit": np.array(100, np.float32), "sum0": np.array(0, np.float32)}
    # One iteration: a scan output of one slice.
    got = check_valid(compiled("loop", loop_model()), dict(feeds, m=np.array(1, np.int64)))
    assert got["heads"].shape == (1, 1)
    # No iteration: the carried value as it came, no slices.
    model, _ = compiled("loop", loop_model())
    got = model.run(dict(feeds, m=np.array(0, np.int64), sum0=np.array(7, np.float32)))
    assert got["sum"] == 7 and got["heads"].shape[0] == 0
    # Two iterations stack slices of lengths 1 and 2: refused.
    check_refused(compiled("loop", loop_model()), dict(feeds, m=np.array(3, np.int64)),
                  "node 'loop' (Loop): scan output 0 dim 0 is 1 in one iteration and 2 in another")


DFT = build([helper.make_node("DFT", ["x", "", "axis"], ["y"], name="y")],
            [V("x", TensorProto.FLOAT, ["B", "N", 2]), V("axis", TensorProto.INT64, [])],
            [V("y", TensorProto.FLOAT, None)], opset=20)
COL2IM = build([helper.make_node("Col2Im", ["x", "image", "block"], ["y"], name="y")],
               [V("x", TensorProto.FLOAT, ["N", "C", "L"]), V("image", TensorProto.INT64, [2]),
                V("block", TensorProto.INT64, [2])],
               [V("y", TensorProto.FLOAT, None)], opset=18)


def test_dft_axis_read_at_run_time(compiled):
    x = np.random.default_rng(3).standard_normal((2, 6, 2)).astype(np.float32)
    got = compiled("dft", DFT)[0].run({"x": x, "axis": np.array(1, np.int64)})["y"]
    spectrum = np.fft.fft(x[..., 0] + 1j * x[..., 1], axis=1)
    np.testing.assert_allclose(got, np.stack([spectrum.real, spectrum.imag], -1), rtol=1e-5, atol=1e-5)
    check_refused(compiled("dft", DFT), {"x": x, "axis": np.array(2, np.int64)},
                  "node 'y' (DFT): axis is 2; expected one in [-3, -2] or [0, 1]")


def test_col2im_sizes_read_at_run_time(compiled):
    x = np.arange(2 * 4 * 9, dtype=np.float32).reshape(2, 4, 9)
    feeds = {"x": x, "image": np.array([4, 4], np.int64), "block": np.array([2, 2], np.int64)}
    check_valid(compiled("col2im", COL2IM), feeds)
    check_refused(compiled("col2im", COL2IM), dict(feeds, image=np.array([5, 4], np.int64)),
                  "node 'y' (Col2Im): the input has 9 columns; the image has 12 blocks")


def test_declared_output_sizes_are_held_to(compiled):
    # A declared output shape the data decides (here NonZero's count) was
    # once trusted: three non-zeros came back as two, without a word.
    model = build([helper.make_node("NonZero", ["x"], ["y"], name="nz")],
                  [V("x", TensorProto.FLOAT, [4])], [V("y", TensorProto.INT64, [1, 2])])
    np.testing.assert_array_equal(
        compiled("nonzero", model)[0].run({"x": np.array([1, 0, 0, 3], np.float32)})["y"], [[0, 3]])
    check_refused(compiled("nonzero", model), {"x": np.array([1, 0, 2, 3], np.float32)},
                  "node 'nz' (NonZero): result dim 1 is 3 at run time; the model declares 2")


NMS = build([helper.make_node("NonMaxSuppression", ["boxes", "scores", "max", "iou", "score"], ["selected"],
                              name="nms")],
            [V("boxes", TensorProto.FLOAT, ["B", "N", 4]), V("scores", TensorProto.FLOAT, ["B", "C", "N"]),
             V("max", TensorProto.INT64, [1]), V("iou", TensorProto.FLOAT, [1]), V("score", TensorProto.FLOAT, [1])],
            [V("selected", TensorProto.INT64, None)], opset=11)


def test_non_max_suppression_against_onnxruntime(compiled):
    rng = np.random.default_rng(4)
    corners = rng.uniform(0, 10, (2, 30, 2, 2)).astype(np.float32)
    boxes = np.concatenate([corners.min(2), corners.max(2)], -1).reshape(2, 30, 4)
    scores = rng.uniform(0, 1, (2, 3, 30)).astype(np.float32)
    scores[0, 0, 5] = scores[0, 0, 6]  # a tie: the lower index goes first
    for limit, iou, threshold in [(5, 0.3, 0.2), (100, 0.0, 0.0), (0, 0.5, 0.5)]:
        check_valid(compiled("nms", NMS), {"boxes": boxes, "scores": scores,
                                           "max": np.array([limit], np.int64),
                                           "iou": np.array([iou], np.float32),
                                           "score": np.array([threshold], np.float32)})


@pytest.mark.parametrize("op, weights", [("Conv", (6, 2, 3, 3)), ("ConvTranspose", (4, 3, 3, 3))])
def test_static_input_with_weights_of_runtime_shape(compiled, op, weights):
    # A static X and bias with weights fed as an input once stopped the
    # compiler with an internal expand_shape error.
    model = build([helper.make_node(op, ["x", "w", "b"], ["y"], name="y", group=2)],
                  [V("x", TensorProto.FLOAT, [1, 4, 5, 5]), V("w", TensorProto.FLOAT, ["A", "B", "K", "L"]),
                   V("b", TensorProto.FLOAT, [6])],
                  [V("y", TensorProto.FLOAT, None)])
    rng = np.random.default_rng(5)
    check_valid(compiled("mixed-" + op, model), {"x": rng.standard_normal((1, 4, 5, 5)).astype(np.float32),
                                                 "w": rng.standard_normal(weights).astype(np.float32),
                                                 "b": rng.standard_normal(6).astype(np.float32)})


def test_zero_point_read_where_the_scale_is(compiled):
    # The zero point is indexed like the scale: one of another length would
    # be read out of bounds.
    model = build([helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], name="y", axis=1)],
                  [V("x", TensorProto.INT8, ["N", "C"]), V("s", TensorProto.FLOAT, ["S"]),
                   V("z", TensorProto.INT8, ["Z"])],
                  [V("y", TensorProto.FLOAT, None)], opset=21)
    x = np.arange(6, dtype=np.int8).reshape(2, 3)
    feeds = {"x": x, "s": np.array([0.5, 1, 2], np.float32), "z": np.array([1, 0, -1], np.int8)}
    check_valid(compiled("dequantize", model), feeds)
    check_refused(compiled("dequantize", model), dict(feeds, z=np.array([1], np.int8)),
                  "node 'y' (DequantizeLinear): the zero point's dim 0 is 1, the scale's 3")
