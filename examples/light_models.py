#!/usr/bin/env python3
"""The light model-zoo models that ship in the onnx wheel, with real weights.

The wheel's light models hold every weight as ConstantOfShape of a shape
initializer (`<name>__SHAPE`), i.e. a constant-filled tensor: fine for shapes,
degenerate for numbers. This replaces each such pair by a random initializer
of the same shape (a fixed seed), so compiled results are worth comparing.

  python3 examples/light_models.py resnet50 -o resnet50.onnx
"""
import argparse
import glob
import os

import numpy as np
import onnx
from onnx import numpy_helper

LIGHT_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")


def light_model_names():
    return sorted(os.path.basename(p)[len("light_"):-len(".onnx")]
                  for p in glob.glob(os.path.join(LIGHT_DIR, "light_*.onnx")))


def load_with_random_weights(name, seed=0, expose_logits=False):
    """The light model `name` (e.g. 'resnet50') with random weights. With
    `expose_logits`, the input of the final Softmax (if any) becomes a second output:
    with random weights the probabilities often saturate to 0 and 1, which
    hides numeric differences the logits show."""
    model = onnx.load(os.path.join(LIGHT_DIR, "light_%s.onnx" % name))
    graph = model.graph
    rng = np.random.default_rng(seed)
    shapes = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    # BatchNormalization variances must be positive, scales near 1.
    variances = {n.input[4] for n in graph.node if n.op_type == "BatchNormalization"}
    scales = {n.input[1] for n in graph.node if n.op_type == "BatchNormalization"}
    kept_nodes, new_inits, replaced = [], [], set()
    for node in graph.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in shapes:
            shape = [int(d) for d in shapes[node.input[0]]]
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            if node.output[0] in variances or node.output[0] in scales:
                values = rng.uniform(0.5, 1.5, shape)
            elif len(shape) == 1:
                values = rng.normal(0.0, 0.1, shape)
            else:
                values = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
            new_inits.append(numpy_helper.from_array(values.astype(np.float32), node.output[0]))
            replaced.add(node.input[0])
            continue
        kept_nodes.append(node)
    del graph.node[:]
    graph.node.extend(kept_nodes)
    kept_inits = [i for i in graph.initializer if i.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits + new_inits)
    # IR 3 lists every initializer as an input too; keep inputs consistent.
    kept_inputs = [i for i in graph.input if i.name not in replaced]
    del graph.input[:]
    graph.input.extend(kept_inputs)
    if model.ir_version < 4:
        declared = {i.name for i in graph.input}
        for init in new_inits:
            if init.name not in declared:
                graph.input.append(onnx.helper.make_tensor_value_info(
                    init.name, init.data_type, list(init.dims)))
    softmaxes = [n for n in graph.node if n.op_type == "Softmax"]
    if expose_logits and softmaxes:
        softmax = softmaxes[-1]
        graph.output.append(onnx.helper.make_empty_tensor_value_info(softmax.input[0]))
        graph.output[-1].type.tensor_type.elem_type = onnx.TensorProto.FLOAT
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=light_model_names())
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    onnx.save(load_with_random_weights(args.name, args.seed), args.output)


if __name__ == "__main__":
    main()
