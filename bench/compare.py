#!/usr/bin/env python3
"""Ingot next to ONNX Runtime on this machine, in one run.

    python3 bench/compare.py                    # ResNet-50, BERT-base, the GEMMs; 1 and 2 threads
    python3 bench/compare.py --models resnet50 --threads 1 --repeat 20

Measures this machine's fp32 FMA peak per core (bench/peak_fma.c), then for
each model and thread count the median latency of Ingot and of ONNX Runtime
(all graph optimizations), their ratio, and each one's GFLOP/s as a fraction
of the peak of the cores it used. FLOPs count Conv, MatMul and Gemm (2 per
multiply-add) from the model's shapes. Prints a Markdown table.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
import light_models  # noqa: E402
import transformers  # noqa: E402
from compare_with_onnxruntime import median_ms  # noqa: E402

def gemm(m, k, n):
    """One MatMul of an [m, k] input by a [k, n] weight."""
    from onnx import helper, numpy_helper
    weight = np.random.default_rng(1).standard_normal((k, n)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "w"], ["y"])], "gemm",
        [helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [m, n])],
        initializer=[numpy_helper.from_array(weight, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


MODELS = {
    "gemm-1024": (lambda: gemm(1024, 1024, 1024), {}),
    "gemm-128x768x768": (lambda: gemm(128, 768, 768), {}),
    "gemm-128x768x3072": (lambda: gemm(128, 768, 3072), {}),
    "gemm-128x3072x768": (lambda: gemm(128, 3072, 768), {}),
    "gemv-1x768x768": (lambda: gemm(1, 768, 768), {}),
    "resnet50": (lambda: light_models.load_with_random_weights("resnet50"), {}),
    "squeezenet": (lambda: light_models.load_with_random_weights("squeezenet"), {}),
    "bert-base": (lambda: transformers.bert(layers=12, width=768, heads=12, vocab=30522,
                                            max_positions=512),
                  {"input_ids": (1, 128), "attention_mask": (1, 128)}),
}


def measure_peak(tmp):
    binary = os.path.join(tmp, "peak_fma")
    subprocess.run(["clang-19", "-O2", "-mavx512f", os.path.join(HERE, "peak_fma.c"), "-o", binary],
                   check=True)
    return max(float(subprocess.run([binary], capture_output=True, text=True).stdout)
               for _ in range(3))


def count_flops(model, shapes):
    """2 x multiply-adds of Conv, MatMul and Gemm, with symbolic inputs pinned."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    for value in model.graph.input:
        if value.name in shapes:
            dims = value.type.tensor_type.shape.dim
            for dim, size in zip(dims, shapes[value.name]):
                dim.Clear()
                dim.dim_value = size
    inferred = shape_inference.infer_shapes(model)
    known = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.input) + list(
            inferred.graph.output):
        dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
        known[value.name] = dims
    for init in inferred.graph.initializer:
        known[init.name] = list(init.dims)
    flops = 0
    for node in inferred.graph.node:
        if node.op_type == "Conv":
            w, y = known[node.input[1]], known[node.output[0]]
            flops += 2 * int(np.prod(y)) * int(np.prod(w[1:]))
        elif node.op_type in ("MatMul", "Gemm"):
            a, y = known[node.input[0]], known[node.output[0]]
            k = a[-1] if node.op_type == "MatMul" or not any(
                at.name == "transA" and at.i for at in node.attribute) else a[-2]
            flops += 2 * int(np.prod(y)) * k
    return flops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+",
                        default=["gemm-1024", "gemm-128x768x768", "gemm-128x768x3072",
                                 "gemm-128x3072x768", "gemv-1x768x768", "bert-base", "resnet50"],
                        choices=sorted(MODELS))
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.build_dir), "python"))
    import ingot
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="ingot-bench-") as tmp:
        peak = measure_peak(tmp)
        print("fp32 FMA peak of one core: %.1f GFLOP/s (bench/peak_fma.c)\n" % peak)
        print("| model | threads | Ingot ms | ORT ms | Ingot / ORT | Ingot % of peak "
              "| ORT % of peak | compile s | artifact MB | load ms |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name in args.models:
            make, shapes = MODELS[name]
            model = make()
            source = os.path.join(tmp, name + ".onnx")
            onnx.save(model, source)
            flops = count_flops(model, shapes)
            artifact = os.path.join(tmp, name + ".ingot")
            start = time.perf_counter()
            ingot.compile(source, artifact, shapes=shapes)
            compile_s = time.perf_counter() - start
            rng = np.random.default_rng(0)
            for threads in args.threads:
                start = time.perf_counter()
                compiled = ingot.load(artifact, threads=threads)
                load_ms = (time.perf_counter() - start) * 1e3
                feeds = {}
                for spec in compiled.inputs:
                    if spec["dtype"] == "float32":
                        feeds[spec["name"]] = rng.standard_normal(spec["shape"]).astype(np.float32)
                    else:
                        feeds[spec["name"]] = np.ones(spec["shape"], spec["dtype"])
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
                ingot_ms = median_ms(lambda: compiled.run(feeds), args.repeat)
                ort_ms = median_ms(lambda: session.run(None, feeds), args.repeat)
                share = lambda ms: 100 * flops / (ms * 1e-3) / 1e9 / (peak * threads)
                print("| %s (%.1f GFLOP) | %d | %.1f | %.1f | %.2fx | %.1f%% | %.1f%% | %.1f | %.1f | %.1f |"
                      % (name, flops / 1e9, threads, ingot_ms, ort_ms, ingot_ms / ort_ms,
                         share(ingot_ms), share(ort_ms), compile_s,
                         os.path.getsize(artifact) / 1e6, load_ms), flush=True)


if __name__ == "__main__":
    main()
