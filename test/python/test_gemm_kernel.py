"""fp32 MatMul, Gemm and static ungrouped Conv (as a MatMul over windows) run
on the packed micro-kernel (cpu-matmul-to-ukernel): against ONNX Runtime over
shapes around its tile sizes, transposed operands, batches with
broadcasting, dims known only at run time, and every convolution attribute."""
import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper

from conftest import ingot_module

V = helper.make_tensor_value_info
F = TensorProto.FLOAT


def build(node, inputs):
    graph = helper.make_graph([node], "g", inputs, [V("y", F, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def check(tmp_path, model, feed_sets):
    ingot = ingot_module()
    path = str(tmp_path / "model.ingot")
    ingot.compile(model, path)
    for threads in (1, 2):
        compiled = ingot.load(path, threads=threads)
        session = onnxruntime.InferenceSession(model.SerializeToString(),
                                               providers=["CPUExecutionProvider"])
        for feeds in feed_sets:
            got = compiled.run(feeds)["y"]
            want = session.run(None, feeds)[0]
            k = max(v.shape[-1] for v in feeds.values())
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.sqrt(k))


RNG = np.random.default_rng(3)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (1, 768, 768), (5, 7, 3), (12, 256, 16),
                                   (13, 17, 33), (25, 300, 129), (200, 40, 300)])
def test_matmul_shapes(tmp_path, m, k, n):
    model = build(helper.make_node("MatMul", ["a", "b"], ["y"]), [V("a", F, [m, k]), V("b", F, [k, n])])
    check(tmp_path, model, [{"a": rand(m, k), "b": rand(k, n)}])


def test_matmul_with_runtime_dims(tmp_path):
    model = build(helper.make_node("MatMul", ["a", "b"], ["y"]),
                  [V("a", F, ["M", "K"]), V("b", F, ["K", "N"])])
    check(tmp_path, model, [{"a": rand(m, k), "b": rand(k, n)}
                            for m, k, n in [(1, 3, 2), (7, 1, 9), (193, 70, 129), (0, 4, 5)]])


@pytest.mark.parametrize("trans_a,trans_b", [(0, 1), (1, 0), (1, 1)])
def test_gemm_transposed(tmp_path, trans_a, trans_b):
    a = rand(19, 37) if trans_a else rand(37, 19)
    b = rand(41, 19) if trans_b else rand(19, 41)
    model = build(helper.make_node("Gemm", ["a", "b", "c"], ["y"], transA=trans_a, transB=trans_b,
                                   alpha=0.5, beta=2.0),
                  [V("a", F, list(a.shape)), V("b", F, list(b.shape)), V("c", F, [41])])
    check(tmp_path, model, [{"a": a, "b": b, "c": rand(41)}])


def test_batched_matmul_broadcasts(tmp_path):
    model = build(helper.make_node("MatMul", ["a", "b"], ["y"]),
                  [V("a", F, ["B", 1, "M", 20]), V("b", F, [3, 20, "N"])])
    check(tmp_path, model, [{"a": rand(2, 1, 50, 20), "b": rand(3, 20, 7)},
                            {"a": rand(1, 1, 200, 20), "b": rand(3, 20, 140)}])


@pytest.mark.parametrize("x_shape,w_shape,attrs", [
    ((1, 3, 9, 9), (4, 3, 3, 3), {"pads": [1, 1, 1, 1]}),
    ((2, 5, 11, 7), (6, 5, 3, 2), {"strides": [2, 1], "dilations": [1, 2], "pads": [2, 0, 1, 1]}),
    ((1, 8, 6, 6), (16, 8, 1, 1), {}),
    ((1, 8, 7, 7), (16, 8, 1, 1), {"strides": [2, 2]}),
    ((1, 3, 10, 10), (5, 3, 4, 4), {"auto_pad": "SAME_UPPER", "strides": [3, 3]}),
    ((1, 3, 10, 10), (5, 3, 3, 3), {"auto_pad": "SAME_LOWER"}),
    ((2, 4, 17), (3, 4, 5), {"pads": [2, 2]}),
    ((1, 2, 5, 6, 4), (3, 2, 3, 3, 2), {"pads": [1, 1, 0, 1, 1, 1]}),
])
@pytest.mark.parametrize("with_bias", [False, True])
def test_conv_as_matmul(tmp_path, x_shape, w_shape, attrs, with_bias):
    inputs = [V("x", F, list(x_shape)), V("w", F, list(w_shape))]
    names = ["x", "w"]
    feeds = {"x": rand(*x_shape), "w": rand(*w_shape)}
    if with_bias:
        inputs.append(V("b", F, [w_shape[0]]))
        names.append("b")
        feeds["b"] = rand(w_shape[0])
    model = build(helper.make_node("Conv", names, ["y"], **attrs), inputs)
    check(tmp_path, model, [feeds])


def test_conv_batch_norm_folded(tmp_path):
    """Conv + BatchNormalization (folded at compile time) + Relu, weights and
    statistics as initializers, against ONNX Runtime."""
    from onnx import numpy_helper
    f = 6
    inits = [numpy_helper.from_array(v, name) for name, v in [
        ("w", rand(f, 4, 3, 3)), ("cb", rand(f)), ("scale", rand(f)), ("shift", rand(f)),
        ("mean", rand(f)), ("var", np.abs(rand(f)) + 0.1)]]
    nodes = [helper.make_node("Conv", ["x", "w", "cb"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["n"],
                              epsilon=1e-3),
             helper.make_node("Relu", ["n"], ["y"])]
    graph = helper.make_graph(nodes, "g", [V("x", F, [2, 4, 9, 9])], [V("y", F, None)],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    check(tmp_path, model, [{"x": rand(2, 4, 9, 9)}])
