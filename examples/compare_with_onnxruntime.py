#!/usr/bin/env python3
"""Compile a model with Ingot, run it, and compare with ONNX Runtime.

    python3 examples/compare_with_onnxruntime.py resnet50      # light ResNet-50, random weights
    python3 examples/compare_with_onnxruntime.py bert --batch 2 --sequence 32
    python3 examples/compare_with_onnxruntime.py path/to/model.onnx

Prints the compile time, artifact size, load time, whether every output
matches ONNX Runtime (rtol 1e-4, atol 1e-5) and both latencies (median of
--repeat runs, same thread count). Exit 1 if an output differs.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import light_models  # noqa: E402
import transformers  # noqa: E402


def import_ingot(build_dir):
    sys.path.insert(0, os.path.join(os.path.abspath(build_dir), "python"))
    import ingot
    return ingot


def make_model(name):
    if name == "bert":
        return transformers.bert(max_positions=512)
    if name in ("mlp", "gpt2"):
        return getattr(transformers, name)()
    if name in light_models.light_model_names():
        return light_models.load_with_random_weights(name)
    return onnx.load(name)


def random_inputs(inputs, batch, sequence, rng):
    """Symbolic dims: the first is the batch, any other the sequence."""
    feeds = {}
    for spec in inputs:
        shape = [d if isinstance(d, int) else (batch if i == 0 else sequence)
                 for i, d in enumerate(spec["shape"])]
        if spec["dtype"].startswith("float"):
            feeds[spec["name"]] = rng.standard_normal(shape).astype(spec["dtype"])
        elif spec["name"] == "input_ids":
            feeds[spec["name"]] = rng.integers(0, 100, shape).astype(spec["dtype"])
        else:
            feeds[spec["name"]] = np.ones(shape, spec["dtype"])
    return feeds


def median_ms(run, repeat):
    run()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a light model name, mlp/bert/gpt2, or an .onnx path")
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--sequence", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--keep", help="also write the artifact here")
    args = parser.parse_args()
    ingot = import_ingot(args.build_dir)
    import onnxruntime as ort

    model = make_model(args.model)
    with tempfile.TemporaryDirectory(prefix="ingot-example-") as tmp:
        source = os.path.join(tmp, "model.onnx")
        onnx.save(model, source)
        artifact = args.keep or os.path.join(tmp, "model.ingot")
        start = time.perf_counter()
        ingot.compile(source, artifact)
        compile_s = time.perf_counter() - start
        size_mb = os.path.getsize(artifact) / 1e6
        start = time.perf_counter()
        compiled = ingot.load(artifact, threads=args.threads)
        load_ms = (time.perf_counter() - start) * 1e3
        print("%s: compiled in %.1f s to %.1f MB, loaded in %.1f ms"
              % (args.model, compile_s, size_mb, load_ms))

        feeds = random_inputs(compiled.inputs, args.batch, args.sequence,
                              np.random.default_rng(0))
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        expected = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
        got = compiled.run(feeds)
        matches = True
        for name, reference in expected.items():
            ok = np.allclose(got[name], reference, rtol=1e-4, atol=1e-5)
            matches &= ok
            print("  output %-20s %-14s max abs diff %.2e  %s"
                  % (name, tuple(reference.shape), float(np.max(np.abs(got[name] - reference))),
                     "matches ONNX Runtime" if ok else "DIFFERS from ONNX Runtime"))
        ingot_ms = median_ms(lambda: compiled.run(feeds), args.repeat)
        ort_ms = median_ms(lambda: session.run(None, feeds), args.repeat)
        print("  latency (median of %d, %d thread%s): Ingot %.2f ms, ONNX Runtime %.2f ms "
              "(Ingot takes %.2fx ONNX Runtime's time)"
              % (args.repeat, args.threads, "s" if args.threads > 1 else "", ingot_ms, ort_ms,
                 ingot_ms / ort_ms))
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
