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


def test_unsigned_values_made_inside_the_graph(tmp_path):
    # Signedness was once read off each op's operands after their producers had
    # already been made signless: a uint8 made by a Cast was divided, compared
    # and zero-pointed as int8 (200 / 3 gave 238, DynamicQuantizeLinear all 0).
    ingot = ingot_module()
    nodes = [helper.make_node("Cast", ["x"], ["u"], to=TensorProto.UINT8),
             helper.make_node("Div", ["u", "three"], ["q"]),
             helper.make_node("Greater", ["u", "hundred"], ["big"]),
             helper.make_node("DynamicQuantizeLinear", ["f"], ["y", "scale", "zero"])]
    graph = helper.make_graph(
        nodes, "g", [V("x", TensorProto.FLOAT, ["N"]), V("f", TensorProto.FLOAT, ["M"])],
        [V("q", TensorProto.UINT8, None), V("big", TensorProto.BOOL, None),
         V("y", TensorProto.UINT8, None)],
        initializer=[helper.make_tensor("three", TensorProto.UINT8, [], [3]),
                     helper.make_tensor("hundred", TensorProto.UINT8, [], [100])])
    artifact = tmp_path / "unsigned.ingot"
    ingot.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]),
                  str(artifact))
    x = np.array([200, 7, 255, 128], dtype=np.float32)
    f = np.array([0, 2, -3, -2.5, 1.34, 0.5], dtype=np.float32)
    got = ingot.load(str(artifact)).run({"x": x, "f": f})
    u = x.astype(np.uint8)
    np.testing.assert_array_equal(got["q"], u // 3)
    np.testing.assert_array_equal(got["big"], u > 100)
    # ONNX's DynamicQuantizeLinear: scale (max(0,x)-min(0,x))/255, zero point 153 here.
    np.testing.assert_array_equal(got["y"], [153, 255, 0, 26, 221, 179])


@pytest.mark.parametrize("op", ["Tanh", "Erf"])
def test_approximated_tanh_and_erf_at_their_edges(tmp_path, op):
    # f32 tanh and erf are polynomial approximations (cpu-approximate-math),
    # not libm calls: NaN stays NaN, infinities saturate, tiny inputs keep
    # their value, and the rest is within a few ulp of NumPy's float64.
    import math

    ingot = ingot_module()
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"])], "g",
                              [V("x", TensorProto.FLOAT, ["N"])], [V("y", TensorProto.FLOAT, None)])
    artifact = tmp_path / "m.ingot"
    ingot.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                  str(artifact))
    x = np.concatenate([
        np.array([np.nan, np.inf, -np.inf, 0.0, 1e-30, -1e-30, 1e-8, 3e38, -3e38, 20.0, -100.0]),
        np.linspace(-9, 9, 2001)]).astype(np.float32)
    got = ingot.load(str(artifact)).run({"x": x})["y"]
    function = np.tanh if op == "Tanh" else np.vectorize(math.erf)
    with np.errstate(invalid="ignore"):
        expected = function(x.astype(np.float64))
    assert np.isnan(got[0])
    finite = ~np.isnan(expected)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=2e-6, atol=1e-37)


def test_approximated_exp_at_its_edges(tmp_path):
    # f32 exp is a polynomial (cpu-approximate-math), not libm's expf: NaN
    # stays NaN, +inf and results past 88.72 are +inf, -inf and results
    # below the smallest normal float (x < -87.3365: what would be
    # subnormal, slow on Intel cores) are 0, and the rest within an ulp of
    # NumPy's float64.
    ingot = ingot_module()
    graph = helper.make_graph([helper.make_node("Exp", ["x"], ["y"])], "g",
                              [V("x", TensorProto.FLOAT, ["N"])], [V("y", TensorProto.FLOAT, None)])
    artifact = tmp_path / "m.ingot"
    ingot.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                  str(artifact))
    x = np.concatenate([
        np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, 88.72, 88.7228, 88.73, 1e30,
                  -87.3, -100.0, -103.9, -104.0, -110.0, -1e30]),
        np.linspace(-104, 89, 100001)]).astype(np.float32)
    got = ingot.load(str(artifact)).run({"x": x})["y"]
    with np.errstate(over="ignore"):
        expected = np.exp(x.astype(np.float64))
        as_f32 = expected.astype(np.float32)
    assert np.isnan(got[0])
    np.testing.assert_array_equal(got[[1, 2, 3, 4, 8, 9, 14, 15]], [np.inf, 0, 1, 1, np.inf, np.inf, 0, 0])
    normal = ~np.isnan(expected) & (as_f32 >= np.finfo(np.float32).tiny) & np.isfinite(as_f32)
    np.testing.assert_allclose(got[normal], expected[normal], rtol=1.2e-7)
    subnormal = (as_f32 < np.finfo(np.float32).tiny) & (expected > 0)
    assert subnormal.sum() > 1000
    np.testing.assert_array_equal(got[subnormal], 0)
