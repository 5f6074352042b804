#!/usr/bin/env python3
"""`make demo`: import a real model and show its graph IR.

Takes the light ResNet-50 from the onnx wheel, gives it random weights,
imports it with ingot-translate, runs the graph cleanup pipeline with
ingot-opt (folds the exporter's shape computations, refines every type) and
prints the IR with the weights elided, then a count of ops.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import light_models  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--model", default="resnet50", choices=light_models.light_model_names())
    args = parser.parse_args()
    tools = os.path.join(args.build_dir, "compiler", "tools")

    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, args.model + ".onnx")
        import onnx
        onnx.save(light_models.load_with_random_weights(args.model), model_path)
        print("== %s (light model from the onnx wheel, random weights): %.1f MB"
              % (args.model, os.path.getsize(model_path) / 1e6))

        imported = os.path.join(tmp, "imported.mlir")
        start = time.time()
        subprocess.run([os.path.join(tools, "ingot-translate"), model_path, "-o", imported],
                       check=True)
        import_ms = (time.time() - start) * 1e3
        start = time.time()
        cleaned = subprocess.run(
            [os.path.join(tools, "ingot-opt"), imported, "--graph-cleanup",
             "--mlir-elide-resource-strings-if-larger=32",
             "--mlir-elide-elementsattrs-if-larger=16"],
            check=True, capture_output=True, text=True).stdout
        cleanup_ms = (time.time() - start) * 1e3

    print(cleaned)
    ops = collections.Counter(re.findall(r"= (graph\.\w+)", cleaned))
    print("== graph IR of %s: %d ops (import %.0f ms, cleanup %.0f ms)"
          % (args.model, sum(ops.values()), import_ms, cleanup_ms))
    for op, count in ops.most_common():
        print("   %-28s %d" % (op, count))


if __name__ == "__main__":
    main()
