"""Sequences of known length and the preview training domain's Gradient,
end to end: sequence models against ONNX Runtime at several run-time sizes,
gradients against central finite differences of the forward model run by
ONNX Runtime in float64."""
import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper

from conftest import ingot_module

V = helper.make_tensor_value_info


def ort_session(model):
    return onnxruntime.InferenceSession(model.SerializeToString(),
                                        providers=["CPUExecutionProvider"])


def compile_model(model, tmp_path, name):
    ingot = ingot_module()
    path = str(tmp_path / (name + ".ingot"))
    ingot.compile(model, path)
    return ingot.load(path)


def sequence_model():
    """X split into parts of run-time sizes (two of them), Y put in front:
    the concatenation, the last part and the count."""
    nodes = [
        helper.make_node("SplitToSequence", ["X", "sizes"], ["parts"], axis=0, name="parts"),
        helper.make_node("SequenceInsert", ["parts", "Y", "front"], ["with_y"], name="with_y"),
        helper.make_node("ConcatFromSequence", ["with_y"], ["joined"], axis=0, name="joined"),
        helper.make_node("SequenceAt", ["with_y", "last"], ["tail"], name="tail"),
        helper.make_node("SequenceLength", ["with_y"], ["count"], name="count"),
    ]
    graph = helper.make_graph(
        nodes, "g",
        [V("X", TensorProto.FLOAT, ["N", 4]), V("Y", TensorProto.FLOAT, ["M", 4]),
         V("sizes", TensorProto.INT64, [2])],
        [V("joined", TensorProto.FLOAT, None), V("tail", TensorProto.FLOAT, None),
         V("count", TensorProto.INT64, [])],
        initializer=[helper.make_tensor("front", TensorProto.INT64, [], [0]),
                     helper.make_tensor("last", TensorProto.INT64, [], [-1])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])


def test_sequence_ops_match_onnxruntime(tmp_path):
    model = sequence_model()
    compiled = compile_model(model, tmp_path, "sequences")
    session = ort_session(model)
    rng = np.random.default_rng(0)
    for n, m, sizes in [(5, 1, [2, 3]), (3, 2, [0, 3]), (7, 3, [7, 0])]:
        feeds = {"X": rng.standard_normal((n, 4)).astype(np.float32),
                 "Y": rng.standard_normal((m, 4)).astype(np.float32),
                 "sizes": np.array(sizes, dtype=np.int64)}
        got = compiled.run(feeds)
        for name, want in zip(["joined", "tail", "count"], session.run(None, feeds)):
            np.testing.assert_array_equal(got[name], want)


def test_sequence_split_sizes_are_checked(tmp_path):
    compiled = compile_model(sequence_model(), tmp_path, "sequences")
    feeds = {"X": np.zeros((5, 4), np.float32), "Y": np.zeros((1, 4), np.float32),
             "sizes": np.array([2, 2], dtype=np.int64)}
    with pytest.raises(ValueError) as error:
        compiled.run(feeds)
    message = str(error.value)
    assert len(message.splitlines()) == 1, message
    assert "parts" in message and "Split" in message, message


def sequence_error(tmp_path, nodes, inputs, outputs, initializer=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializer))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    with pytest.raises(Exception) as error:
        compile_model(model, tmp_path, "refused")
    assert not list(tmp_path.glob("*.ingot"))
    return str(error.value)


def test_sequence_graph_output_is_refused(tmp_path):
    message = sequence_error(
        tmp_path, [helper.make_node("SequenceConstruct", ["X", "X"], ["S"])],
        [V("X", TensorProto.FLOAT, [2])],
        [helper.make_tensor_sequence_value_info("S", TensorProto.FLOAT, [2])])
    assert "graph output 'S' is a sequence; graph inputs and outputs must be tensors" in message


def test_split_to_sequence_of_runtime_dim_is_refused(tmp_path):
    message = sequence_error(
        tmp_path,
        [helper.make_node("SplitToSequence", ["X"], ["S"], name="split"),
         helper.make_node("SequenceLength", ["S"], ["n"])],
        [V("X", TensorProto.FLOAT, ["N", 2])], [V("n", TensorProto.INT64, [])])
    assert ("node 'split' (SplitToSequence): dim 0 of input 'X' is known only at run time"
            in message), message


# y = MatMul(Tanh(a * (a + b)) / Exp(Sigmoid(b)) - Log(Sqrt(a * a + 1)) + Relu(a), W):
# every derivative rule, broadcasting of b along rows and a value used many times.
def forward_nodes():
    n = helper.make_node
    return [
        n("Add", ["a", "b"], ["ab"]), n("Mul", ["a", "ab"], ["p"]), n("Tanh", ["p"], ["t"]),
        n("Sigmoid", ["b"], ["s"]), n("Exp", ["s"], ["e"]), n("Div", ["t", "e"], ["q"]),
        n("Mul", ["a", "a"], ["aa"]), n("Add", ["aa", "one"], ["aa1"]), n("Sqrt", ["aa1"], ["r"]),
        n("Log", ["r"], ["l"]), n("Sub", ["q", "l"], ["d"]), n("Relu", ["a"], ["ra"]),
        n("Add", ["d", "ra"], ["h"]), n("Neg", ["h"], ["nh"]), n("Identity", ["nh"], ["k"]),
        n("MatMul", ["k", "W"], ["y"]),
    ]


def gradient_models():
    inputs = [V("a", TensorProto.DOUBLE, [3, 4]), V("b", TensorProto.DOUBLE, [4]),
              V("W", TensorProto.DOUBLE, [4, 2])]
    one = helper.make_tensor("one", TensorProto.DOUBLE, [], [1.0])
    forward = helper.make_model(
        helper.make_graph(forward_nodes(), "f", inputs, [V("y", TensorProto.DOUBLE, [3, 2])],
                          initializer=[one]),
        opset_imports=[helper.make_opsetid("", 12)])
    gradient = helper.make_node("Gradient", ["a", "b", "W"], ["da", "db", "dW"],
                                domain="ai.onnx.preview.training", xs=["a", "b", "W"], y="y")
    outputs = [V("y", TensorProto.DOUBLE, [3, 2]), V("da", TensorProto.DOUBLE, [3, 4]),
               V("db", TensorProto.DOUBLE, [4]), V("dW", TensorProto.DOUBLE, [4, 2])]
    with_gradient = helper.make_model(
        helper.make_graph(forward_nodes() + [gradient], "g", inputs, outputs, initializer=[one]),
        opset_imports=[helper.make_opsetid("", 12),
                       helper.make_opsetid("ai.onnx.preview.training", 1)])
    return forward, with_gradient


def test_gradient_matches_finite_differences(tmp_path):
    forward, with_gradient = gradient_models()
    compiled = compile_model(with_gradient, tmp_path, "gradient")
    session = ort_session(forward)
    rng = np.random.default_rng(1)
    feeds = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(4),
             "W": rng.standard_normal((4, 2))}
    got = compiled.run(feeds)
    np.testing.assert_allclose(got["y"], session.run(None, feeds)[0], rtol=1e-12)
    eps = 1e-6
    for x, grad in [("a", "da"), ("b", "db"), ("W", "dW")]:
        numeric = np.zeros_like(feeds[x])
        for index in np.ndindex(feeds[x].shape):
            up = {k: v.copy() for k, v in feeds.items()}
            down = {k: v.copy() for k, v in feeds.items()}
            up[x][index] += eps
            down[x][index] -= eps
            numeric[index] = (session.run(None, up)[0].sum() -
                              session.run(None, down)[0].sum()) / (2 * eps)
        np.testing.assert_allclose(got[grad], numeric, rtol=1e-6, atol=1e-7, err_msg=grad)


def test_gradient_without_a_rule_is_refused(tmp_path):
    n = helper.make_node
    nodes = [n("Softmax", ["a"], ["y"], name="soft"),
             n("Gradient", ["a"], ["da"], domain="ai.onnx.preview.training", xs=["a"], y="y",
               name="grad")]
    graph = helper.make_graph(nodes, "g", [V("a", TensorProto.FLOAT, [2, 3])],
                              [V("da", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.preview.training", 1)])
    with pytest.raises(Exception) as error:
        compile_model(model, tmp_path, "refused")
    assert "node 'grad' (Gradient): no derivative rule for 'graph.softmax'" in str(
        error.value), str(error.value)


def test_gradient_through_a_runtime_broadcast_is_refused(tmp_path):
    """x: [N], y: [M], z = x + y: at run time an x of 1 may be stretched to
    y's 5, and its gradient must then be summed to 1 element. Equal declared
    types do not prove the dims equal; this once returned a 5-element dz/dx."""
    n = helper.make_node
    nodes = [n("Add", ["x", "y"], ["z"]),
             n("Gradient", ["x", "y"], ["dx", "dy"], domain="ai.onnx.preview.training",
               xs=["x", "y"], y="z", name="grad")]
    graph = helper.make_graph(nodes, "g", [V("x", TensorProto.FLOAT, ["N"]),
                                           V("y", TensorProto.FLOAT, ["M"])],
                              [V("dx", TensorProto.FLOAT, None), V("dy", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.preview.training", 1)])
    with pytest.raises(Exception) as error:
        compile_model(model, tmp_path, "refused")
    assert "node 'grad' (Gradient): operand dim 0 is known only at run time" in str(error.value), \
        str(error.value)
