"""Pools over small static windows end to end against ONNX Runtime, all in
one model compiled once: short rows (late CNN stages), strides above 1 with
the phase planes they are computed on, longer rows in two passes (rows,
then along them), padding with the pool's own init (the lowest value for
MaxPool: inputs here are mostly negative, so a zero pad would win),
ceil_mode, dilations that skip phases, kernels smaller
than their strides, non-square windows, count_include_pad, LpPool, and a
window as wide as the input. Run on 1 and 2 threads."""
import numpy as np
import onnx
from onnx import TensorProto, helper

from conftest import check_cases_against_onnxruntime

F = TensorProto.FLOAT

# (op, channels, height, width, attributes)
CASES = [
    ("MaxPool", 8, 27, 27, dict(kernel_shape=[3, 3], strides=[2, 2])),  # SqueezeNet's late pools
    ("MaxPool", 4, 111, 111, dict(kernel_shape=[3, 3], strides=[2, 2])),
    ("MaxPool", 3, 112, 112, dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
    ("MaxPool", 5, 13, 13, dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])),
    ("MaxPool", 6, 14, 14, dict(kernel_shape=[2, 2], strides=[2, 2])),
    ("MaxPool", 3, 28, 28, dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                ceil_mode=1)),
    ("MaxPool", 2, 20, 20, dict(kernel_shape=[3, 3], strides=[3, 3], dilations=[2, 2])),
    ("MaxPool", 2, 17, 17, dict(kernel_shape=[2, 2], strides=[2, 2], dilations=[2, 2])),
    ("MaxPool", 3, 9, 12, dict(kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 0, 1])),
    ("MaxPool", 2, 15, 15, dict(kernel_shape=[1, 1], strides=[2, 2])),
    ("MaxPool", 2, 5, 5, dict(kernel_shape=[5, 5])),
    ("MaxPool", 2, 10, 10, dict(kernel_shape=[2, 2], strides=[3, 3])),
    # Rows of 16 and more, pooled in two passes (rows, then along them).
    ("MaxPool", 2, 40, 40, dict(kernel_shape=[3, 3], strides=[2, 2], dilations=[2, 2])),
    ("MaxPool", 2, 38, 41, dict(kernel_shape=[2, 3], strides=[3, 2], pads=[1, 0, 1, 2])),
    ("AveragePool", 4, 7, 7, dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])),
    ("AveragePool", 4, 7, 7, dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1)),
    ("AveragePool", 3, 27, 27, dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)),
    ("AveragePool", 3, 16, 16, dict(kernel_shape=[2, 2], strides=[3, 3], pads=[0, 0, 1, 1])),
    ("AveragePool", 2, 56, 56, dict(kernel_shape=[2, 2], strides=[2, 2])),
    ("AveragePool", 3, 40, 40, dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
    ("LpPool", 3, 13, 13, dict(kernel_shape=[3, 3], strides=[2, 2], p=2)),
]


def pools_model():
    nodes, inputs, outputs = [], [], []
    for i, (op, c, h, w, attrs) in enumerate(CASES):
        inputs.append(helper.make_tensor_value_info("x%d" % i, F, [1, c, h, w]))
        outputs.append(helper.make_tensor_value_info("y%d" % i, F, None))
        nodes.append(helper.make_node(op, ["x%d" % i], ["y%d" % i], name="pool%d" % i, **attrs))
    graph = helper.make_graph(nodes, "pools", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def test_pools_against_onnxruntime(tmp_path):
    rng = np.random.default_rng(5)
    feeds = {"x%d" % i: (rng.standard_normal((1, c, h, w)) - 2).astype(np.float32)
             for i, (_, c, h, w, _) in enumerate(CASES)}
    check_cases_against_onnxruntime(pools_model(), feeds, CASES, str(tmp_path / "pools.ingot"),
                                    1e-5)
