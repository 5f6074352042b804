"""Numeric cases that once gave wrong answers, compared with ml_dtypes and
NumPy (independent of Ingot). They stay."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from conftest import ingot_module

V = helper.make_tensor_value_info


def cast_model(source, target):
    graph = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=target)], "g",
                              [V("x", source, ["N"])], [V("y", target, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])


@pytest.mark.parametrize("target, dtype", [(TensorProto.BFLOAT16, "bfloat16"),
                                           (TensorProto.FLOAT16, "float16")])
def test_double_to_half_precision(tmp_path, target, dtype):
    # The runtime's compiler-rt conversions once returned their bits in the
    # wrong register: garbage. Double rounding through float is avoided too.
    import ml_dtypes

    ingot = ingot_module()
    artifact = tmp_path / "cast.ingot"
    ingot.compile(cast_model(TensorProto.DOUBLE, target), str(artifact))
    x = np.array([0.5946, 1.0, 3.14159, -2.7, 1e-3, 65504.0, 1e39, -0.0, 1.00390625,
                  1.0039062500001, np.nan, -np.inf], dtype=np.float64)
    got = ingot.load(str(artifact)).run({"x": x})["y"]
    with np.errstate(over="ignore"):
        expected = x.astype(getattr(ml_dtypes, dtype) if dtype == "bfloat16" else np.float16)
    np.testing.assert_array_equal(got.view(np.uint16)[~np.isnan(x)],
                                  expected.view(np.uint16)[~np.isnan(x)])
    assert np.isnan(got.astype(np.float32)[np.isnan(x)]).all()
