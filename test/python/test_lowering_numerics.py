"""The CPU lowering computes what the ONNX reference computes.

Every ONNX backend case that imports (see test_onnx_node_tests.py) and whose
inputs are all plain tensors is lowered to LLVM, run, and compared with the
reference outputs the onnx wheel ships with it (rtol 1e-4, atol 1e-5 for
f32). Cases the lowering cannot handle yet are listed in NOT_LOWERED with
the reason; any other failure fails here, as does a listed case that starts
to work (so the list only shrinks)."""
import numpy as np
import onnx
import pytest

from lowering_harness import LoweringError, run_lowered
from test_onnx_node_tests import CASES, KNOWN_REFUSALS

# Operators the lowering does not handle at all yet: every case using one is
# refused with this message.
NOT_LOWERED_OPS = {"CumSum": "cannot lower 'graph.cum_sum'"}
# Single cases refused today, and why.
NOT_LOWERED = {
    # Resize: cubic mode, tf_crop_and_resize, antialiasing and the
    # keep_aspect_ratio policies are not lowered yet.
    **{name: "cannot lower 'graph.resize'" for name in [
        "test_resize_upsample_scales_cubic", "test_resize_upsample_scales_cubic_align_corners",
        "test_resize_downsample_scales_cubic", "test_resize_downsample_scales_cubic_align_corners",
        "test_resize_upsample_sizes_cubic", "test_resize_downsample_sizes_cubic",
        "test_resize_upsample_scales_cubic_A_n0p5_exclude_outside",
        "test_resize_downsample_scales_cubic_A_n0p5_exclude_outside",
        "test_resize_upsample_scales_cubic_asymmetric", "test_resize_tf_crop_and_resize",
        "test_resize_tf_crop_and_resize_extrapolation_value", "test_resize_tf_crop_and_resize_axes_2_3",
        "test_resize_tf_crop_and_resize_axes_3_2", "test_resize_downsample_scales_linear_antialias",
        "test_resize_downsample_sizes_linear_antialias", "test_resize_downsample_scales_cubic_antialias",
        "test_resize_downsample_sizes_cubic_antialias", "test_resize_upsample_sizes_nearest_not_larger",
        "test_resize_upsample_sizes_nearest_not_smaller", "test_resize_downsample_sizes_nearest_not_larger",
        "test_resize_downsample_sizes_nearest_not_smaller"]},
    # Slices with negative steps need a reversed read, not an extract_slice.
    "test_slice_neg_steps": "cannot lower 'graph.slice'",
    # Pads computed from shapes at run time (the shape arithmetic here does
    # not fold yet: graph.max/min have no folder).
    "test_center_crop_pad_crop_expanded": "cannot lower 'graph.pad'",
    "test_center_crop_pad_pad_expanded": "cannot lower 'graph.pad'",
    "test_center_crop_pad_crop_and_pad_expanded": "cannot lower 'graph.pad'",
    "test_center_crop_pad_crop_axes_hwc_expanded": "cannot lower 'graph.pad'",
    "test_center_crop_pad_crop_negative_axes_hwc_expanded": "cannot lower 'graph.pad'",
    "test_center_crop_pad_crop_axes_chw_expanded": "cannot lower 'graph.pad'",
}

SUPPORTED_INPUTS = {"float32", "float64", "int64", "int32", "bool"}


def _numeric_cases():
    out = []
    for name, model, outputs, inputs in CASES:
        if name in KNOWN_REFUSALS or inputs is None:
            continue
        if not all(str(i.dtype) in SUPPORTED_INPUTS for i in inputs):
            continue
        if not all(str(o.dtype) in SUPPORTED_INPUTS for o in outputs):
            continue
        if sum(i.size for i in inputs) > 200000:
            continue
        out.append((name, model, outputs, inputs))
    return out


NUMERIC = _numeric_cases()


@pytest.mark.parametrize("case", NUMERIC, ids=lambda c: c[0])
def test_lowered_numerics(case, tmp_path):
    name, model, outputs, inputs = case
    refusal = NOT_LOWERED.get(name)
    for node in model.graph.node:
        refusal = NOT_LOWERED_OPS.get(node.op_type, refusal)
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    try:
        got = run_lowered(str(path), inputs, tmp_path)
    except LoweringError as error:
        if refusal:
            assert refusal in str(error), str(error)[-500:]
            return
        raise
    assert not refusal, "now lowers: remove it from NOT_LOWERED"
    assert len(got) == len(outputs)
    for value, expected in zip(got, outputs):
        expected = np.asarray(expected)
        assert value.shape == expected.shape, (value.shape, expected.shape)
        if expected.dtype == np.bool_:
            np.testing.assert_array_equal(value != 0, expected)
        elif np.issubdtype(expected.dtype, np.integer):
            np.testing.assert_array_equal(value, expected.astype(np.float64))
        else:
            np.testing.assert_allclose(value, expected.astype(np.float64), rtol=1e-4, atol=1e-5)
