"""Runs a model through Ingot's whole CPU path: compile to an artifact, load
it with the runtime, run it.

The ONNX backend cases feed shapes, axes and pads as graph inputs; real
models hold those as constants, so bind_parameters makes them initializers
before compiling.
"""
import numpy as np
import onnx
import onnx.numpy_helper

from conftest import ingot_module


class LoweringError(Exception):
    pass


def bind_parameters(model, inputs):
    """Moves inputs that real models hold as constants into initializers:
    small integer tensors (axes, pads, shapes, starts/ends, split sizes,
    indices) and Resize's roi/scales. Returns (model, remaining inputs)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    resize_params = {n.input[i] for n in graph.node if n.op_type == "Resize"
                     for i in (1, 2, 3) if len(n.input) > i and n.input[i]}
    initializers = {i.name for i in graph.initializer}
    real_inputs = [i for i in graph.input if i.name not in initializers]
    kept_inputs, kept_values = [], []
    for value_info, array in zip(real_inputs, inputs):
        small_int = np.issubdtype(array.dtype, np.integer) and array.ndim <= 1 and array.size <= 64
        if small_int or value_info.name in resize_params:
            graph.initializer.append(onnx.numpy_helper.from_array(array, value_info.name))
            graph.input.remove(value_info)
        else:
            kept_inputs.append(value_info)
            kept_values.append(array)
    return model, kept_values


def run_lowered(model_path, inputs, tmp_path):
    """Outputs of the model at `model_path` on `inputs` (a list of arrays, in
    the order of the graph's inputs), computed by compiling it to an artifact
    and running that with the runtime, as arrays in the model's output order."""
    ingot = ingot_module()
    model, inputs = bind_parameters(onnx.load(model_path), inputs)
    initializers = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in initializers]
    artifact = tmp_path / "model.ingot"
    try:
        ingot.compile(model, str(artifact))
    except ingot.CompileError as error:
        raise LoweringError(str(error))
    compiled = ingot.load(str(artifact))
    outputs = compiled.run(dict(zip(names, inputs)))
    return [outputs[o["name"]] for o in compiled.outputs]
