"""Reductions along the contiguous dim end to end against ONNX Runtime, all
in one model compiled once: rows that are a multiple of 16 (vector
accumulators only) and rows that are not (vectors, then the last elements
one by one), too short for two vectors (loops), sums, means, maxima and
minima, a reduction whose body does more than add (a sum of squares),
GlobalAveragePool over 13x13 and 7x7 planes, LayerNormalization over 100
and 768, Softmax over rows of 50 with masked (-10000) entries, on 1 and 2
threads; and NaN kept by max, as NumPy keeps it."""
import numpy as np
import onnx
from onnx import TensorProto, helper

from conftest import check_cases_against_onnxruntime

F = TensorProto.FLOAT

# (op, input shape, attributes, extra initializers)
CASES = [
    ("ReduceSum", [6, 768], dict(keepdims=0), "axes_last"),
    ("ReduceSum", [5, 40], dict(keepdims=1), "axes_last"),
    ("ReduceMean", [3, 7, 169], dict(keepdims=0), "axes_last"),
    ("ReduceMax", [4, 100], dict(keepdims=0), "axes_last"),
    ("ReduceMin", [4, 33], dict(keepdims=0), "axes_last"),
    ("ReduceMax", [4, 24], dict(keepdims=0), "axes_last"),
    ("ReduceSumSquare", [3, 130], dict(keepdims=0), "axes_last"),
    ("GlobalAveragePool", [1, 20, 13, 13], {}, None),
    ("GlobalAveragePool", [1, 24, 7, 7], {}, None),
    ("LayerNormalization", [2, 9, 100], dict(axis=-1, epsilon=1e-5), "scale_bias"),
    ("LayerNormalization", [1, 5, 768], dict(axis=-1, epsilon=1e-12), "scale_bias"),
    ("Softmax", [3, 4, 50], dict(axis=-1), None),
]


def reductions_model():
    nodes, inputs, outputs, inits = [], [], [], []
    for i, (op, shape, attrs, extra) in enumerate(CASES):
        x, y = "x%d" % i, "y%d" % i
        inputs.append(helper.make_tensor_value_info(x, F, shape))
        outputs.append(helper.make_tensor_value_info(y, F, None))
        args = [x]
        if extra == "axes_last":
            inits.append(helper.make_tensor("axes%d" % i, TensorProto.INT64, [1], [len(shape) - 1]))
            args.append("axes%d" % i)
        elif extra == "scale_bias":
            rng = np.random.default_rng(i)
            for part in ("scale", "bias"):
                inits.append(helper.make_tensor("%s%d" % (part, i), F, [shape[-1]],
                                                rng.standard_normal(shape[-1]).tolist()))
                args.append("%s%d" % (part, i))
        nodes.append(helper.make_node(op, args, [y], name="r%d" % i, **attrs))
    graph = helper.make_graph(nodes, "reductions", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def test_reductions_against_onnxruntime(tmp_path):
    rng = np.random.default_rng(3)
    feeds = {}
    for i, (op, shape, _, _) in enumerate(CASES):
        x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        if op == "Softmax":
            x[..., 20:30] -= 10000  # a padding mask: exps that underflow
        feeds["x%d" % i] = x
    path = str(tmp_path / "reductions.ingot")
    ingot = check_cases_against_onnxruntime(reductions_model(), feeds, CASES, path, 2e-5)
    # NaN wins a max, in the vectors' lanes and in the last elements alike,
    # as NumPy's max (ONNX Runtime's ReduceMax drops it).
    feeds["x3"][1, 77] = np.nan
    feeds["x3"][2, 99] = np.nan
    got = ingot.load(path).run(feeds)["y3"]
    np.testing.assert_array_equal(got, np.max(feeds["x3"], axis=-1))
