"""Ingot: compile ONNX models ahead of time and run them.

    import ingot
    path = ingot.compile("model.onnx", "model.ingot", shapes={"x": (1, 3, 224, 224)})
    model = ingot.load(path, threads=4)
    outputs = model.run({"x": x})          # dict of output name -> numpy array

`compile` runs the `ingot` compiler (next to this package in a build tree, or
named by $INGOT_COMPILER); `load` and `run` need only the runtime library.
"""
import os
import subprocess
import tempfile

import numpy as np

from ._runtime import Model as _Model

__all__ = ["CompileError", "Model", "compile", "load"]


class CompileError(RuntimeError):
    """`ingot compile` refused the model; the message says why."""


def _compiler():
    if os.environ.get("INGOT_COMPILER"):
        return os.environ["INGOT_COMPILER"]
    from . import _build

    return _build.COMPILER


def compile(model, output=None, *, shapes=None, cpu="native", opt_level=3, dump_dir=None,
            time_passes=False, winograd=True):
    """Compile an ONNX model (a path or an onnx.ModelProto) into an artifact.

    shapes: {input name: shape} pins symbolic dims (faster code, fixed shape).
    cpu: "native" (this host), "x86-64-v3", "x86-64-v4" or an LLVM CPU name.
    winograd: stride-1 3x3 convolutions by Winograd F(4x4, 3x3) where it pays
    (False: every convolution direct, ~10x closer to a float64 result).
    Returns the artifact's path (a temporary file when `output` is None).
    """
    with tempfile.TemporaryDirectory(prefix="ingot-") as scratch:
        if isinstance(model, (str, os.PathLike)):
            source = os.fspath(model)
        else:
            source = os.path.join(scratch, "model.onnx")
            with open(source, "wb") as f:
                f.write(model.SerializeToString())
        if output is None:
            handle, output = tempfile.mkstemp(suffix=".ingot")
            os.close(handle)
        args = [_compiler(), "compile", source, "-o", os.fspath(output), "--cpu=" + cpu,
                "-O%d" % opt_level]
        for name, shape in (shapes or {}).items():
            args.append("--shape=%s=%s" % (name, "x".join(str(int(d)) for d in shape)))
        if dump_dir:
            args.append("--dump-dir=" + os.fspath(dump_dir))
        if time_passes:
            args.append("--time-passes")
        if not winograd:
            args.append("--winograd=false")
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise CompileError(result.stderr.strip())
    return os.fspath(output)


# Dtypes NumPy lacks (ml_dtypes has them): they cross the C API as their bits.
_AS_BITS = {"bfloat16": np.uint16, "float8_e4m3fn": np.uint8, "float8_e4m3fnuz": np.uint8,
            "float8_e5m2": np.uint8, "float8_e5m2fnuz": np.uint8, "int4": np.uint8,
            "uint4": np.uint8, "int2": np.uint8, "uint2": np.uint8}


def _ml_dtype(name):
    import ml_dtypes

    return np.dtype(getattr(ml_dtypes, name))


class Model:
    """A loaded artifact. `run` may be called from several threads at once."""

    def __init__(self, path, threads=0):
        self._model = _Model(os.fspath(path), int(threads))

    @property
    def inputs(self):
        """[{'name', 'dtype', 'shape'}]; symbolic dims are their names (or None)."""
        return self._model.inputs

    @property
    def outputs(self):
        return self._model.outputs

    @property
    def manifest(self):
        return self._model.manifest

    @property
    def threads(self):
        return self._model.threads

    def run(self, inputs):
        """Run on {input name: array}; returns {output name: numpy array}.

        Arrays are used in place when C-contiguous; dtypes must match the model's.
        bfloat16, float8, int4 and int2 tensors are ml_dtypes arrays.
        """
        outputs = self._model.run(self._feeds(inputs))
        for info in self._model.outputs:
            if info["dtype"] in _AS_BITS and info["name"] in outputs:
                outputs[info["name"]] = outputs[info["name"]].view(_ml_dtype(info["dtype"]))
        return outputs

    def _feeds(self, inputs):
        # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
        feeds = {name: np.asarray(value, order="C") for name, value in inputs.items()}
        for info in self._model.inputs:
            value = feeds.get(info["name"])
            if value is None or info["dtype"] not in _AS_BITS:
                continue
            if value.dtype.name != info["dtype"]:
                raise ValueError("input '%s' has dtype %s; the model expects %s" % (
                    info["name"], value.dtype.name, info["dtype"]))
            feeds[info["name"]] = value.view(_AS_BITS[info["dtype"]])
        return feeds

    def __call__(self, **inputs):
        return self.run(inputs)

    def profile(self, inputs, runs=10):
        """Run `runs` times on `inputs`, timing each parallel region of the code.

        Returns {'runs', 'ms_per_run', 'regions'}; each region (slowest first) is
        {'function', 'nodes' (the ONNX nodes fused into it, "Conv conv1, Relu relu1"),
        'calls_per_run', 'ms_per_run'}. The time the regions do not account for
        ran outside them.
        """
        count, seconds, regions = self._model.profile(self._feeds(inputs), int(runs))
        timed = [{"function": function, "nodes": nodes, "calls_per_run": calls / count,
                  "ms_per_run": 1e3 * s / count} for function, nodes, calls, s in regions]
        timed.sort(key=lambda region: -region["ms_per_run"])
        return {"runs": count, "ms_per_run": 1e3 * seconds / count, "regions": timed}


def load(path, threads=0):
    """Load an artifact; `threads` sizes its thread pool (0: every core)."""
    return Model(path, threads)
