"""Dispatch regions end to end: each fusion graph-form-dispatch-regions makes
(a contraction or convolution with its bias, residual add and activation;
GELU in its erf and tanh forms; SiLU; Clip; attention) is one region in
`--compile-to=fused`, and the compiled model gives ONNX Runtime's answers on
1 and 2 threads, over sizes that leave partial output tiles, static and
known only at run time."""
import subprocess

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ingot_module, run_tool, tool

V = helper.make_tensor_value_info
F = TensorProto.FLOAT
RNG = np.random.default_rng(11)


def rand(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def model_of(nodes, inputs, initializers, output="y"):
    graph = helper.make_graph(nodes, "g", inputs, [V(output, F, None)],
                              [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def regions_of(tmp_path, model):
    """The kinds of the regions `ingot compile --compile-to=fused` prints."""
    src, out = tmp_path / "model.onnx", tmp_path / "fused.mlir"
    onnx.save(model, str(src))
    result = run_tool("ingot", "compile", str(src), "--compile-to=fused", "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    return [line.split('"')[1] for line in text.splitlines() if "graph.fused" in line]


def test_output_to_stdout(tmp_path):
    """`-o -` writes the IR (or the artifact) to standard output, and no
    file named "-"."""
    x = np.ones((4, 8), np.float32)
    model = model_of([helper.make_node("Relu", ["x"], ["y"])], [V("x", F, [4, 8])], {})
    src = tmp_path / "model.onnx"
    onnx.save(model, str(src))
    printed = subprocess.run([tool("ingot"), "compile", str(src), "--compile-to=fused", "-o", "-"],
                             capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert "graph.fused" in printed.stdout
    artifact = subprocess.run([tool("ingot"), "compile", str(src), "-o", "-"], capture_output=True,
                              timeout=300, cwd=tmp_path)
    assert artifact.returncode == 0, artifact.stderr
    (tmp_path / "piped.ingot").write_bytes(artifact.stdout)
    got = ingot_module().load(str(tmp_path / "piped.ingot")).run({"x": -x})
    np.testing.assert_array_equal(got["y"], np.zeros_like(x))
    assert not (tmp_path / "-").exists()


def check(tmp_path, model, feed_sets, rtol=1e-4, atol=1e-4):
    ingot = ingot_module()
    path = str(tmp_path / "model.ingot")
    ingot.compile(model, path)
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    for threads in (1, 2):
        compiled = ingot.load(path, threads=threads)
        for feeds in feed_sets:
            got = compiled.run(feeds)["y"]
            want = session.run(None, feeds)[0]
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def gelu_erf(x, out):
    return [helper.make_node("Div", [x, "sqrt2"], [out + "_d"]),
            helper.make_node("Erf", [out + "_d"], [out + "_e"]),
            helper.make_node("Add", [out + "_e", "one"], [out + "_p"]),
            helper.make_node("Mul", [x, out + "_p"], [out + "_q"]),
            helper.make_node("Mul", [out + "_q", "half"], [out])]


def gelu_tanh(x, out):
    return [helper.make_node("Pow", [x, "three"], [out + "_c"]),
            helper.make_node("Mul", [out + "_c", "k"], [out + "_k"]),
            helper.make_node("Add", [x, out + "_k"], [out + "_s"]),
            helper.make_node("Mul", [out + "_s", "sqrt2pi"], [out + "_r"]),
            helper.make_node("Tanh", [out + "_r"], [out + "_t"]),
            helper.make_node("Add", [out + "_t", "one"], [out + "_p"]),
            helper.make_node("Mul", [x, out + "_p"], [out + "_q"]),
            helper.make_node("Mul", [out + "_q", "half"], [out])]


SCALARS = {"sqrt2": np.float32(np.sqrt(2.0)), "one": np.float32(1.0), "half": np.float32(0.5),
           "three": np.float32(3.0), "k": np.float32(0.044715),
           "sqrt2pi": np.float32(np.sqrt(2.0 / np.pi))}


@pytest.mark.parametrize("activation", ["relu", "clip", "gelu_erf", "gelu_tanh", "silu"])
@pytest.mark.parametrize("rows", [5, 200, "M"])
def test_matmul_bias_residual_activation(tmp_path, activation, rows):
    k, n = 70, 530  # 530 columns: tiles of 272 (two), the second partial
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["mb"]),
             helper.make_node("Add", ["mb", "r"], ["a"])]
    if activation == "relu":
        nodes.append(helper.make_node("Relu", ["a"], ["y"]))
    elif activation == "clip":
        nodes.append(helper.make_node("Clip", ["a", "lo", "hi"], ["y"]))
    elif activation == "gelu_erf":
        nodes += gelu_erf("a", "y")
    elif activation == "gelu_tanh":
        nodes += gelu_tanh("a", "y")
    else:
        nodes += [helper.make_node("Sigmoid", ["a"], ["s"]), helper.make_node("Mul", ["a", "s"], ["y"])]
    weights = {"w": rand(k, n, scale=0.1), "b": rand(n), "lo": np.float32(-0.5),
               "hi": np.float32(0.7), **SCALARS}
    model = model_of(nodes, [V("x", F, [rows, k]), V("r", F, [rows, n])], weights)
    assert regions_of(tmp_path, model) == ["contraction"]
    sizes = [5, 200] if rows == "M" else [rows]
    check(tmp_path, model, [{"x": rand(m, k), "r": rand(m, n)} for m in sizes])


@pytest.mark.parametrize("channels,filters,size,kernel,stride", [
    (3, 20, 13, 3, 1), (16, 200, 9, 1, 1), (8, 12, 15, 3, 2),
    (3, 64, 61, 7, 2),  # a ResNet stem, 7 x 7 / 2 over 3 channels: read direct, unpacked
    # 1x1 over 7 x 7 and 9 x 9 planes: the product runs transposed (pixels
    # as rows), in tiles of 48 filters and a partial last one.
    (64, 200, 7, 1, 1), (24, 52, 9, 1, 1)])
def test_conv_bias_residual_relu(tmp_path, channels, filters, size, kernel, stride):
    pad = kernel // 2
    out = (size + 2 * pad - kernel) // stride + 1
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[pad] * 4, strides=[stride] * 2),
             helper.make_node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["n"]),
             helper.make_node("Add", ["n", "r"], ["a"]),
             helper.make_node("Relu", ["a"], ["y"])]
    weights = {"w": rand(filters, channels, kernel, kernel, scale=0.2), "b": rand(filters),
               "g": rand(filters), "beta": rand(filters), "mean": rand(filters),
               "var": np.abs(rand(filters)) + 0.5}
    model = model_of(nodes, [V("x", F, [1, channels, size, size]), V("r", F, [1, filters, out, out])],
                     weights)
    # The normalization is folded into the convolution, the rest its epilogue.
    assert regions_of(tmp_path, model) == ["convolution"]
    check(tmp_path, model, [{"x": rand(1, channels, size, size), "r": rand(1, filters, out, out)}])


@pytest.mark.parametrize("channels,filters,height,width,pad,batch", [
    (16, 20, 17, 23, 1, 1),   # partial 4 x 4 blocks both ways, a partial filter panel
    (64, 96, 14, 14, 1, 1),   # one call of rows: the filters in two tiles
    (32, 48, 30, 11, 0, 2),   # unpadded, two images, a narrow output
    (40, 64, 56, 56, 1, 1),   # ResNet's first stage: a block row per call
    (16, 24, 66, 70, 1, 1)])  # 18 blocks a row, past one vector of them (was wrong once)
def test_winograd_convolution(tmp_path, channels, filters, height, width, pad, batch):
    """Stride-1 3x3 convolutions of 16+ channels run by Winograd F(4x4, 3x3)
    (the kernel is called: seen in the llvm phase) and match ONNX Runtime to
    1e-5 of the output's magnitude; with winograd=False, the direct kernel,
    to 1e-6 of it."""
    oh, ow = height + 2 * pad - 2, width + 2 * pad - 2
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[pad] * 4),
             helper.make_node("Add", ["c", "r"], ["a"]),
             helper.make_node("Relu", ["a"], ["y"])]
    weights = {"w": rand(filters, channels, 3, 3, scale=0.2), "b": rand(filters)}
    model = model_of(nodes, [V("x", F, [batch, channels, height, width]),
                             V("r", F, [batch, filters, oh, ow])], weights)
    ingot = ingot_module()
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    feeds = {"x": rand(batch, channels, height, width), "r": rand(batch, filters, oh, ow)}
    want = session.run(None, feeds)[0]
    scale = float(np.abs(want).max())
    for winograd, tolerance in ((True, 1e-5), (False, 1e-6)):
        dumps = tmp_path / ("dump-%s" % winograd)
        path = str(tmp_path / ("model-%s.ingot" % winograd))
        ingot.compile(model, path, dump_dir=dumps, winograd=winograd)
        called = "call @ingot_sconv3x3_winograd_f32" in (dumps / "4-llvm.mlir").read_text()
        assert called == winograd
        for threads in (1, 2):
            got = ingot.load(path, threads=threads).run(feeds)["y"]
            np.testing.assert_allclose(got, want, rtol=0, atol=tolerance * scale,
                                       err_msg="winograd=%s, %d threads" % (winograd, threads))


def test_attention_is_one_region(tmp_path):
    b, h, s, d = 1, 2, 37, 16
    nodes = [helper.make_node("MatMul", ["q", "kt"], ["qk"]),
             helper.make_node("Div", ["qk", "scale"], ["sc"]),
             helper.make_node("Add", ["sc", "mask"], ["masked"]),
             helper.make_node("Softmax", ["masked"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["y"])]
    model = model_of(nodes, [V("q", F, [b, h, "S", d]), V("kt", F, [b, h, d, "S"]),
                             V("mask", F, [b, 1, 1, "S"]), V("v", F, [b, h, "S", d])],
                     {"scale": np.float32(4.0)})
    assert regions_of(tmp_path, model) == ["attention"]
    feeds = []
    for length in (s, 5):
        mask = np.zeros((b, 1, 1, length), np.float32)
        mask[..., length // 2:] = -10000.0
        feeds.append({"q": rand(b, h, length, d), "kt": rand(b, h, d, length), "mask": mask,
                      "v": rand(b, h, length, d)})
    check(tmp_path, model, feeds)


def test_epilogue_value_read_elsewhere(tmp_path):
    """The bias-added product is also an output: the region must stop there
    and the later ops still see it."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]),
             helper.make_node("Add", ["m", "b"], ["z"]),
             helper.make_node("Relu", ["z"], ["y0"]),
             helper.make_node("Sub", ["y0", "z"], ["y"])]
    model = model_of(nodes, [V("x", F, [33, 40])], {"w": rand(40, 300), "b": rand(300)})
    assert regions_of(tmp_path, model)[0] == "contraction"
    check(tmp_path, model, [{"x": rand(33, 40)}])


@pytest.mark.parametrize("channels,size,kernel,stride,pads,dilation,batch,activation", [
    (32, 112, 3, 1, [1, 1, 1, 1], 1, 1, "Relu"),   # MobileNetV2's stages
    (96, 112, 3, 2, [1, 1, 1, 1], 1, 1, "Clip"),
    (960, 7, 3, 1, [1, 1, 1, 1], 1, 1, "Clip"),
    (144, 56, 3, 2, [0, 0, 1, 1], 1, 1, None),     # asymmetric pads
    (24, 15, 5, 1, [2, 2, 2, 2], 1, 2, "Relu"),    # 5x5, two images
    (17, 13, 3, 2, [2, 1, 0, 2], 2, 1, None),      # dilated, odd sizes
    (5, 9, 3, 3, [0, 0, 0, 0], 1, 3, "Relu"),      # stride 3, no padding
])
def test_depthwise_convolution(tmp_path, channels, size, kernel, stride, pads, dilation, batch,
                               activation):
    """Depthwise convolutions (group = channels, one filter each) with bias
    and activation run on the depthwise kernel (called: seen in the llvm
    phase) and match ONNX Runtime at 1 and 2 threads."""
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], group=channels, pads=pads,
                              strides=[stride, stride], dilations=[dilation, dilation])]
    if activation == "Relu":
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    elif activation == "Clip":
        nodes.append(helper.make_node("Clip", ["c", "lo", "hi"], ["y"]))
    else:
        nodes[0].output[0] = "y"
    weights = {"w": rand(channels, 1, kernel, kernel, scale=0.5), "b": rand(channels),
               "lo": np.float32(0.0), "hi": np.float32(6.0)}
    model = model_of(nodes, [V("x", F, [batch, channels, size, size])], weights)
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    feeds = {"x": rand(batch, channels, size, size, scale=3.0)}
    want = session.run(None, feeds)[0]
    ingot = ingot_module()
    dumps = tmp_path / "dump"
    path = str(tmp_path / "model.ingot")
    ingot.compile(model, path, dump_dir=dumps)
    assert "call @ingot_sdwconv2d_f32" in (dumps / "4-llvm.mlir").read_text()
    for threads in (1, 2):
        got = ingot.load(path, threads=threads).run(feeds)["y"]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg="%d threads" % threads)


@pytest.mark.parametrize("channels,expand,size,stride,pads,batch", [
    (16, 6, 28, 1, [1, 1, 1, 1], 1),   # MobileNetV2's block with its residual
    (24, 6, 15, 2, [1, 1, 1, 1], 1),   # strided, odd size, 144 channels
    (16, 3, 9, 2, [0, 0, 1, 1], 2),    # asymmetric pads, two images
    (20, 1, 7, 1, [1, 1, 1, 1], 1),    # 20 channels: a vector and 4 alone
])
def test_channels_last_inverted_residual(tmp_path, channels, expand, size, stride, pads, batch):
    """An inverted-residual block (1x1 expand + Clip, depthwise 3x3 + Clip,
    1x1 project, residual Add where the stride is 1) runs channels-last
    (graph-channels-last: MatMuls and the channels-last depthwise kernel,
    seen in the llvm phase) and matches ONNX Runtime at 1 and 2 threads;
    the expanded image is also an output, read NCHW outside the block."""
    hidden = channels * expand
    nodes = [helper.make_node("Conv", ["x", "we", "be"], ["e"]),
             helper.make_node("Clip", ["e", "lo", "hi"], ["ec"]),
             helper.make_node("Conv", ["ec", "wd", "bd"], ["d"], group=hidden, pads=pads,
                              strides=[stride, stride]),
             helper.make_node("Clip", ["d", "lo", "hi"], ["dc"]),
             helper.make_node("Conv", ["dc", "wp", "bp"], ["p" if stride == 1 else "y"])]
    if stride == 1:
        nodes.append(helper.make_node("Add", ["p", "x"], ["y"]))
    weights = {"we": rand(hidden, channels, 1, 1, scale=0.3), "be": rand(hidden),
               "wd": rand(hidden, 1, 3, 3, scale=0.5), "bd": rand(hidden),
               "wp": rand(channels, hidden, 1, 1, scale=0.2), "bp": rand(channels),
               "lo": np.float32(0.0), "hi": np.float32(6.0)}
    graph = helper.make_graph(nodes, "g", [V("x", F, [batch, channels, size, size])],
                              [V("y", F, None), V("ec", F, None)],
                              [numpy_helper.from_array(v, k) for k, v in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    feeds = {"x": rand(batch, channels, size, size, scale=2.0)}
    want = session.run(None, feeds)
    ingot = ingot_module()
    dumps = tmp_path / "dump"
    path = str(tmp_path / "model.ingot")
    ingot.compile(model, path, dump_dir=dumps)
    assert "graph.depthwise_conv_nhwc" in (dumps / "2-fused.mlir").read_text()
    assert "call @ingot_sdwconv2d_nhwc_f32" in (dumps / "4-llvm.mlir").read_text()
    for threads in (1, 2):
        got = ingot.load(path, threads=threads).run(feeds)
        for name, expected in zip(["y", "ec"], want):
            np.testing.assert_allclose(got[name], expected, rtol=1e-4, atol=1e-4,
                                       err_msg="%s at %d threads" % (name, threads))


def test_profile_names_each_region(tmp_path):
    """`ingot run --profile` times every parallel region the manifest lists,
    named by the ONNX nodes fused into it; the regions and the time outside
    them add up to the run."""
    x = V("x", F, [1, 8, 20, 20])
    model = model_of(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"], name="relu1"),
         helper.make_node("Transpose", ["r"], ["t"], name="flip", perm=[0, 1, 3, 2]),
         helper.make_node("Sigmoid", ["t"], ["y"], name="gate")],
        [x], {"w": rand(16, 8, 3, 3, scale=0.1), "b": rand(16)})
    src, art = tmp_path / "model.onnx", tmp_path / "model.ingot"
    onnx.save(model, str(src))
    result = run_tool("ingot", "compile", str(src), "-o", str(art))
    assert result.returncode == 0, result.stderr
    manifest = run_tool("ingot", "inspect", str(art), "--json")
    import json
    regions = {r["function"]: r["nodes"] for r in json.loads(manifest.stdout)["regions"]}
    assert any("Conv conv1" in nodes and "Relu relu1" in nodes for nodes in regions.values()), regions
    for repeat, runs in ((["--repeat", "7"], 7), ([], 1)):
        result = run_tool("ingot", "run", str(art), "--threads", "1", "--profile", *repeat)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        head = next(i for i, line in enumerate(lines) if line.startswith("profile over"))
        assert lines[head].startswith("profile over %d run" % runs), lines[head]
        total = float(lines[head].split(": ")[1].split(" ms")[0])
        rows = [line.split(None, 4) for line in lines[head + 2:]]
        timed, outside = rows[:-1], rows[-1]
        assert outside[2:] == ["(outside", "the", "parallel regions)"]
        assert sorted(row[3] for row in timed) == sorted(regions), (timed, regions)
        for ms, share, calls, function, nodes in timed:
            assert nodes == (regions[function] or "-")
            assert float(calls) == 1.0
        shares = sum(float(row[1].rstrip("%")) for row in rows)
        assert abs(shares - 100) < 1 + 0.1 * len(rows), shares
        assert abs(sum(float(row[0]) for row in rows) - total) < 0.002 * len(rows) + 0.01
    # The same from Python.
    compiled = ingot_module().load(str(art), threads=1)
    profile = compiled.profile({"x": rand(1, 8, 20, 20)}, runs=4)
    assert profile["runs"] == 4
    assert sorted(r["function"] for r in profile["regions"]) == sorted(regions)
    assert all(r["nodes"] == regions[r["function"]] and r["calls_per_run"] == 1.0
               for r in profile["regions"])
    times = [r["ms_per_run"] for r in profile["regions"]]
    assert times == sorted(times, reverse=True) and 0 < sum(times) <= profile["ms_per_run"]


@pytest.mark.parametrize("shape,perm", [
    ([2, 32, 16, 48], [0, 2, 3, 1]),   # NCHW -> NHWC, blocks of 16 x 16 in registers
    ([1, 48, 32], [0, 2, 1]),
    ([32, 64], [1, 0]),
    ([3, 16, 5, 32], [0, 3, 2, 1]),    # the blocks' dims are not the last two loops
    ([1, 20, 16, 16], [0, 2, 3, 1]),   # 20 channels: not whole blocks, plain loops
])
def test_transpose(tmp_path, shape, perm):
    """Transposes between the operands' contiguous dims (copied by 16 x 16
    blocks transposed in registers where both extents are multiples of 16),
    checked exactly against NumPy."""
    model = model_of([helper.make_node("Transpose", ["x"], ["y"], perm=perm)],
                     [V("x", F, shape)], {})
    ingot = ingot_module()
    path = str(tmp_path / "model.ingot")
    ingot.compile(model, path)
    x = rand(*shape)
    for threads in (1, 2):
        got = ingot.load(path, threads=threads).run({"x": x})["y"]
        np.testing.assert_array_equal(got, np.transpose(x, perm))
