#!/usr/bin/env python3
"""`make demo`: compile a real model, run it, compare it with ONNX Runtime.

Takes the light ResNet-50 from the onnx wheel with random weights, compiles
it with `ingot compile` into one artifact, shows the artifact's manifest
(`ingot inspect`), runs it through the Python module and checks every output
against ONNX Runtime, then does the same for a BERT-style encoder whose batch
and sequence stay symbolic.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build")
    args = parser.parse_args()
    compare = os.path.join(HERE, "compare_with_onnxruntime.py")
    artifact = os.path.join(args.build_dir, "demo-resnet50.ingot")
    steps = [
        [sys.executable, compare, "resnet50", "--build-dir", args.build_dir, "--repeat", "3",
         "--keep", artifact],
        [os.path.join(args.build_dir, "compiler", "tools", "ingot"), "inspect", artifact],
        [sys.executable, compare, "bert", "--build-dir", args.build_dir, "--batch", "2",
         "--sequence", "32", "--repeat", "10"],
    ]
    for step in steps:
        shown = ["python3" if a == sys.executable else os.path.relpath(a) if os.path.isabs(a)
                 else a for a in step]
        print("$ " + " ".join(shown), flush=True)
        if subprocess.run(step).returncode != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
