"""Every light model-zoo model in the onnx wheel imports, the printed IR
verifies (ingot-opt parses it back), the cleanup pipeline runs, and the
result types agree with the reference outputs the wheel ships."""
import glob
import os

import onnx
import pytest

from conftest import (MLIR_ELEMENT, ONNX_DATA, compatible, result_types, run_tool)

LIGHT = sorted(glob.glob(os.path.join(ONNX_DATA, "light", "light_*.onnx")))


def test_light_models_exist():
    assert len(LIGHT) >= 9, "the onnx wheel should ship the light models"


@pytest.mark.parametrize("model", LIGHT, ids=lambda p: os.path.basename(p)[:-5])
def test_light_model_imports_and_verifies(model, tmp_path):
    out = tmp_path / "model.mlir"
    imported = run_tool("ingot-translate", model, "-o", str(out))
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == ""
    text = out.read_text()
    assert "graph.conv" in text

    # The printed IR parses back and verifies, before and after cleanup.
    roundtrip = run_tool("ingot-opt", str(out), "-o", os.devnull)
    assert roundtrip.returncode == 0, roundtrip.stderr
    cleaned = run_tool("ingot-opt", str(out), "--graph-cleanup")
    assert cleaned.returncode == 0, cleaned.stderr

    # Output types agree with the reference output tensor shipped beside it.
    expected = onnx.load_tensor(model[:-5] + "_output_0.pb")
    for text_ in (text, cleaned.stdout):
        (shape, element), = result_types(text_)
        assert element == MLIR_ELEMENT[expected.data_type]
        assert compatible(shape, list(expected.dims)), (shape, list(expected.dims))
    # After cleanup every shape is known: the models have fixed input shapes.
    (shape, _), = result_types(cleaned.stdout)
    assert shape == list(expected.dims)
