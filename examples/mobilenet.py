#!/usr/bin/env python3
"""A MobileNetV2-shaped CNN built with the onnx helpers.

The layer plan of MobileNetV2 (Sandler et al., 2018, table 2): a 3x3/2 stem,
17 inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 project, a
residual add where shapes allow) with ReLU6 as Clip(0, 6), a 1x1 conv to
1280, global average pooling and a 1000-way Gemm. Convolutions carry biases
(BatchNormalization folded, as exported inference models are); weights are
random with a fixed seed, scaled so activations stay O(1) through the depth.

  python3 examples/mobilenet.py -o mobilenet_v2.onnx [--width 1.0] [--resolution 224]
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17

# (expansion t, output channels c, repeats n, first stride s)
BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1)]


def _channels(c, width):
    """Channels scaled by `width`, rounded to a multiple of 8 as the paper's code does."""
    scaled = max(8, int(c * width + 4) // 8 * 8)
    return scaled + 8 if scaled < 0.9 * c * width else scaled


def mobilenet_v2(width=1.0, resolution=224, classes=1000, seed=0):
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    count = [0]

    def name(hint):
        count[0] += 1
        return "%s_%d" % (hint, count[0])

    def constant(hint, array):
        n = name(hint)
        inits.append(numpy_helper.from_array(array.astype(np.float32), n))
        return n

    def conv(x, cin, cout, k, stride=1, group=1, relu6=True):
        fan_in = cin // group * k * k
        w = constant("w", rng.standard_normal((cout, cin // group, k, k)) * np.sqrt(2.0 / fan_in))
        b = constant("b", rng.standard_normal(cout) * 0.1)
        y = name("conv")
        nodes.append(helper.make_node("Conv", [x, w, b], [y], kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[k // 2] * 4, group=group))
        if not relu6:
            return y
        out = name("relu6")
        nodes.append(helper.make_node("Clip", [y, low, high], [out]))
        return out

    low = constant("zero", np.array(0.0))
    high = constant("six", np.array(6.0))
    x = "input"
    channels = _channels(32, width)
    x = conv(x, 3, channels, 3, stride=2)
    for t, c, n, s in BLOCKS:
        out_channels = _channels(c, width)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = channels * t
            y = conv(x, channels, hidden, 1) if t != 1 else x
            y = conv(y, hidden, hidden, 3, stride=stride, group=hidden)
            y = conv(y, hidden, out_channels, 1, relu6=False)
            if stride == 1 and channels == out_channels:
                added = name("add")
                nodes.append(helper.make_node("Add", [x, y], [added]))
                y = added
            x, channels = y, out_channels
    last = _channels(1280, max(1.0, width))
    x = conv(x, channels, last, 1)
    pooled, flat, logits = name("pool"), name("flat"), "logits"
    nodes.append(helper.make_node("GlobalAveragePool", [x], [pooled]))
    nodes.append(helper.make_node("Flatten", [pooled], [flat], axis=1))
    w = constant("fc_w", rng.standard_normal((classes, last)) / np.sqrt(last))
    b = constant("fc_b", np.zeros(classes))
    nodes.append(helper.make_node("Gemm", [flat, w, b], [logits], transB=1))
    graph = helper.make_graph(
        nodes, "mobilenet_v2",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, resolution, resolution])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, classes])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", default="mobilenet_v2.onnx")
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--resolution", type=int, default=224)
    args = parser.parse_args()
    onnx.save(mobilenet_v2(args.width, args.resolution), args.output)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
