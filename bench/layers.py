#!/usr/bin/env python3
"""Each convolution of a model on its own: Ingot next to ONNX Runtime, per layer shape.

Cuts every Conv (with the Relu or Clip that follows it, which both engines
fuse) out of a model into a model of its own, compiles it with Ingot, and
times it against ONNX Runtime on the same input, alternating the engines.
Layers of the same shape are timed once and counted as many times as they
occur. This is where a model's gap to ONNX Runtime comes from, layer type
by layer type; the kernel benchmarks (bench/kernels) cannot say, since an
artifact inlines its kernels with every size a constant.

  python3 bench/layers.py resnet50               # a light model, random weights
  python3 bench/layers.py mobilenet-v2 --threads 2
  python3 bench/layers.py model.onnx --repeat 100

A layer alone starts with its input and weights in cache and pays each
engine's per-run cost once; in the model its input comes from the layer
before. So compare the rows with one another, and the totals with the
model's own figures from bench/compare.py.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
import mobilenet  # noqa: E402
from compare_with_onnxruntime import import_ingot, make_model, median_ms  # noqa: E402


def load(name):
    return mobilenet.mobilenet_v2() if name == "mobilenet-v2" else make_model(name)


def conv_layers(model):
    """(key, count, model) per distinct Conv (+ activation) of `model`."""
    model = shape_inference.infer_shapes(model)
    graph = model.graph
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(graph.value_info) + list(graph.input) + list(graph.output)}
    initializers = {i.name: i for i in graph.initializer}
    layers = {}
    for node in graph.node:
        if node.op_type != "Conv" or node.input[1] not in initializers:
            continue
        nodes = [node]
        users = [n for n in graph.node if node.output[0] in n.input]
        if len(users) == 1 and users[0].op_type in ("Relu", "Clip"):
            nodes.append(users[0])
        source, result = node.input[0], nodes[-1].output[0]
        if not all(shapes.get(v) and all(d > 0 for d in shapes[v]) for v in (source, result)):
            print("skipped %s: its shapes are not static" % (node.name or node.output[0]))
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        weight = list(initializers[node.input[1]].dims)
        key = "x%s w%s%s%s" % (shapes[source], weight,
                              " group %d" % attrs["group"] if attrs.get("group", 1) > 1 else "",
                              " stride %d" % attrs["strides"][0] if attrs.get("strides", [1])[0] > 1
                              else "")
        if key in layers:
            layers[key][0] += 1
            continue
        used = sorted({i for n in nodes for i in n.input if i in initializers})
        layer = helper.make_graph(
            nodes, "layer", [helper.make_tensor_value_info(source, onnx.TensorProto.FLOAT,
                                                           shapes[source])],
            [helper.make_tensor_value_info(result, onnx.TensorProto.FLOAT, shapes[result])],
            initializer=[initializers[u] for u in used])
        layers[key] = [1, helper.make_model(layer, opset_imports=model.opset_import),
                       shapes[source], source]
    return layers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="resnet50, squeezenet, ..., mobilenet-v2, or an .onnx path")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per engine and layer")
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    args = parser.parse_args()
    ingot = import_ingot(args.build_dir)
    import onnxruntime as ort

    layers = conv_layers(load(args.model))
    totals = [0.0, 0.0]
    print("%-4s %-52s %9s %9s %7s" % ("n", "layer", "Ingot ms", "ORT ms", "ratio"))
    with tempfile.TemporaryDirectory(prefix="ingot-layers-") as tmp:
        for key, (count, model, shape, name) in layers.items():
            source, artifact = os.path.join(tmp, "layer.onnx"), os.path.join(tmp, "layer.ingot")
            onnx.save(model, source)
            ingot.compile(source, artifact)
            compiled = ingot.load(artifact, threads=args.threads)
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
            feeds = {name: np.random.default_rng(0).standard_normal(shape).astype(np.float32)}
            # Alternating halves, so that drift lands on both engines.
            times = [[], []]
            for _ in range(2):
                times[0].append(median_ms(lambda: compiled.run(feeds), args.repeat // 2))
                times[1].append(median_ms(lambda: session.run(None, feeds), args.repeat // 2))
            ingot_ms, ort_ms = min(times[0]), min(times[1])
            totals[0] += count * ingot_ms
            totals[1] += count * ort_ms
            print("%-4s %-52s %9.3f %9.3f %7.2f" % ("%dx" % count, key, ingot_ms, ort_ms,
                                                   ingot_ms / ort_ms))
    print("%-57s %9.2f %9.2f %7.2f" % ("all, each layer times its count", totals[0], totals[1],
                                       totals[0] / totals[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
