#!/usr/bin/env python3
"""Writes a small Gemm model for importer tests, optionally with its weights
in an external data file or cut short to look like a truncated download."""
import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

parser = argparse.ArgumentParser()
parser.add_argument("path")
parser.add_argument("--external", action="store_true")
parser.add_argument("--opset", type=int, default=17)
parser.add_argument("--truncate", type=float, default=None, help="keep this fraction of bytes")
parser.add_argument("--external-field", action="append", default=[],
                    help="KEY=VALUE: overwrite an external data entry of W (offset, length)")
args = parser.parse_args()

rng = np.random.default_rng(0)
w = numpy_helper.from_array(rng.standard_normal((64, 32)).astype(np.float32), "W")
b = numpy_helper.from_array(rng.standard_normal((64,)).astype(np.float32), "B")
graph = helper.make_graph(
    [helper.make_node("Gemm", ["X", "W", "B"], ["Y"], transB=1, name="fc")],
    "g",
    [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 32])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 64])],
    [w, b],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", args.opset)])
model.ir_version = 8 if args.opset <= 17 else 10
if args.external:
    onnx.save_model(model, args.path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=os.path.basename(args.path) + ".data", size_threshold=1024)
    if args.external_field:
        model = onnx.load(args.path, load_external_data=False)
        for init in model.graph.initializer:
            for field in args.external_field:
                key, value = field.split("=", 1)
                entries = [e for e in init.external_data if e.key == key]
                entry = entries[0] if entries else init.external_data.add()
                entry.key, entry.value = key, value
        onnx.save_model(model, args.path)
else:
    onnx.save_model(model, args.path)
if args.truncate is not None:
    data = open(args.path, "rb").read()
    open(args.path, "wb").write(data[: int(len(data) * args.truncate)])
