#!/usr/bin/env python3
"""Ingot next to ONNX Runtime on this machine, in one run.

    python3 bench/compare.py                    # the GEMMs, BERT-base, GPT-2 block, ResNet-50, SqueezeNet, MobileNetV2; 1 and 2 threads
    python3 bench/compare.py --models resnet50 --threads 1 --repeat 20
    python3 bench/compare.py --iree             # IREE too (iree-base-compiler/runtime)

Measures this machine's fp32 FMA peak per core (bench/peak_fma.c), then for
each model and thread count the median latency of Ingot and of ONNX Runtime
(all graph optimizations), their ratio, and each one's GFLOP/s as a fraction
of the peak of the cores it used. FLOPs count Conv, MatMul and Gemm (2 per
multiply-add) from the model's shapes. The engines run in turn, each once
per round after a warm-up, so that the machine's drift touches all alike.
Prints a Markdown table (with each model's dispatch regions and the compute
ops they came from) and writes bench/results/<date>.json and a PNG chart of
the ratios; see bench/README.md. Each engine's peak RSS is measured once per
model in a process of its own that loads the model and runs it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

# NumPy's OpenBLAS threads spin after a BLAS call, taking a core from both
# engines: one thread, as neither engine uses it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import onnx
from onnx import shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
import light_models  # noqa: E402
import mobilenet  # noqa: E402
import transformers  # noqa: E402
from compare_with_onnxruntime import median_ms  # noqa: E402

def gemm(m, k, n):
    """One MatMul of an [m, k] input by a [k, n] weight."""
    from onnx import helper, numpy_helper
    weight = np.random.default_rng(1).standard_normal((k, n)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "w"], ["y"])], "gemm",
        [helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [m, n])],
        initializer=[numpy_helper.from_array(weight, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


MODELS = {
    "gemm-1024": (lambda: gemm(1024, 1024, 1024), {}),
    "gemm-128x768x768": (lambda: gemm(128, 768, 768), {}),
    "gemm-128x768x3072": (lambda: gemm(128, 768, 3072), {}),
    "gemm-128x3072x768": (lambda: gemm(128, 3072, 768), {}),
    "gemv-1x768x768": (lambda: gemm(1, 768, 768), {}),
    "resnet50": (lambda: light_models.load_with_random_weights("resnet50"), {}),
    "squeezenet": (lambda: light_models.load_with_random_weights("squeezenet"), {}),
    # MobileNetV2's layer plan (depthwise 3x3 convolutions, ReLU6), random weights.
    "mobilenet-v2": (lambda: mobilenet.mobilenet_v2(), {}),
    "bert-base": (lambda: transformers.bert(layers=12, width=768, heads=12, vocab=30522,
                                            max_positions=512),
                  {"input_ids": (1, 128), "attention_mask": (1, 128)}),
    # One GPT-2-small decoder block (width 768, 12 heads, causal) over a
    # 128-token prompt.
    "gpt2-block": (lambda: transformers.gpt2(width=768, heads=12),
                   {"hidden_states": (1, 128, 768)}),
}


def measure_peak(tmp):
    binary = os.path.join(tmp, "peak_fma")
    subprocess.run(["clang-19", "-O2", "-mavx512f", os.path.join(HERE, "peak_fma.c"), "-o", binary],
                   check=True)
    return max(float(subprocess.run([binary], capture_output=True, text=True).stdout)
               for _ in range(3))


def count_flops(model, shapes):
    """2 x multiply-adds of Conv, MatMul and Gemm, with symbolic inputs pinned."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    for value in model.graph.input:
        if value.name in shapes:
            dims = value.type.tensor_type.shape.dim
            for dim, size in zip(dims, shapes[value.name]):
                dim.Clear()
                dim.dim_value = size
    inferred = shape_inference.infer_shapes(model)
    known = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.input) + list(
            inferred.graph.output):
        dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
        known[value.name] = dims
    for init in inferred.graph.initializer:
        known[init.name] = list(init.dims)
    flops = 0
    for node in inferred.graph.node:
        if node.op_type == "Conv":
            w, y = known[node.input[1]], known[node.output[0]]
            flops += 2 * int(np.prod(y)) * int(np.prod(w[1:]))
        elif node.op_type in ("MatMul", "Gemm"):
            a, y = known[node.input[0]], known[node.output[0]]
            k = a[-1] if node.op_type == "MatMul" or not any(
                at.name == "transA" and at.i for at in node.attribute) else a[-2]
            flops += 2 * int(np.prod(y)) * k
    return flops


def count_regions(build_dir, source, shapes, tmp):
    """(compute ops as imported, dispatch regions after fusion) from
    `ingot compile --compile-to=graph` and `--compile-to=fused`."""
    tool = os.path.join(os.path.abspath(build_dir), "compiler", "tools", "ingot")
    pins = ["--shape=%s=%s" % (k, "x".join(map(str, v))) for k, v in shapes.items()]
    counts = []
    for phase in ("graph", "fused"):
        out = os.path.join(tmp, "phase.mlir")
        subprocess.run([tool, "compile", source, "--compile-to=" + phase, "-o", out, *pins],
                       check=True)
        text = open(out).read()
        if phase == "graph":
            ops = re.findall(r"= graph\.([a-z_]+)", text)
            counts.append(sum(op not in GLUE_OPS for op in ops))
        else:
            counts.append(text.count("graph.fused "))
    return counts


# Ops that move no data and stay between regions.
GLUE_OPS = {"constant", "reshape", "flatten", "squeeze", "unsqueeze", "shape", "size", "identity"}


IREE_MIN_OPSET = 17


def iree_engine(source, shapes, threads, tmp):
    """A callable running the model with IREE's llvm-cpu backend (data tiling,
    ukernels), or the reason it cannot."""
    try:
        import iree.runtime as ireert
    except ImportError:
        return None, "iree-base-runtime not installed"
    name = os.path.splitext(os.path.basename(source))[0]
    mlir, vmfb = os.path.join(tmp, name + ".iree.mlir"), os.path.join(tmp, name + ".vmfb")
    pinned = source
    model = onnx.load(source)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if shapes or opset < IREE_MIN_OPSET:
        # IREE's importer lowers old forms of some ops (BatchNormalization
        # of opset 9, as the light models have) to nothing: upgraded first.
        if opset < IREE_MIN_OPSET:
            from onnx import version_converter
            model = version_converter.convert_version(model, IREE_MIN_OPSET)
        for value in model.graph.input:
            if value.name in shapes:
                for dim, size in zip(value.type.tensor_type.shape.dim, shapes[value.name]):
                    dim.Clear()
                    dim.dim_value = size
        pinned = os.path.join(tmp, name + ".pinned.onnx")
        onnx.save(model, pinned)
    if not os.path.exists(vmfb):
        steps = [["iree-import-onnx", pinned, "-o", mlir],
                 ["iree-compile", mlir, "-o", vmfb, "--iree-hal-target-device=local",
                  "--iree-hal-local-target-device-backends=llvm-cpu",
                  "--iree-llvmcpu-target-cpu=host", "--iree-opt-data-tiling",
                  "--iree-llvmcpu-enable-ukernels=all"]]
        for step in steps:
            try:
                result = subprocess.run(step, capture_output=True, text=True, timeout=900)
            except (OSError, subprocess.TimeoutExpired) as error:
                return None, "%s: %s" % (step[0], error)
            if result.returncode != 0:
                return None, "%s failed: %s" % (step[0], (result.stderr.strip().splitlines() or ["?"])[-1][:200])
    try:
        config = ireert.Config("local-task" if threads > 1 else "local-sync")
        context = ireert.SystemContext(config=config)
        with open(vmfb, "rb") as f:
            context.add_vm_module(ireert.VmModule.copy_buffer(context.instance, f.read()))
        # iree-import-onnx names the entry point after the ONNX graph.
        function = context.modules.module[onnx.load(source, load_external_data=False).graph.name]
    except (KeyError, RuntimeError, ValueError) as error:
        return None, "iree runtime: %s" % str(error)[:200]
    return function, None


# Run in a fresh process per engine: load the model, run it 3 times, print
# the process's peak resident memory (MiB), interpreter and numpy included.
RSS_PROBE = r"""
import sys
import numpy as np
engine, model, feeds_path, threads, build, graph = sys.argv[1:7]
feeds = dict(np.load(feeds_path))
if engine == "ingot":
    sys.path.insert(0, build)
    import ingot
    compiled = ingot.load(model, threads=int(threads))
    run = lambda: compiled.run(feeds)
elif engine == "ort":
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads)
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    run = lambda: session.run(None, feeds)
else:
    import iree.runtime as ireert
    context = ireert.SystemContext(config=ireert.Config("local-task" if int(threads) > 1 else "local-sync"))
    with open(model, "rb") as f:
        context.add_vm_module(ireert.VmModule.copy_buffer(context.instance, f.read()))
    function = context.modules.module[graph]
    run = lambda: function(*feeds.values())
for _ in range(3):
    run()
# VmHWM: ru_maxrss would carry the parent's peak over fork and exec.
print(next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM:")) / 1024)
"""


def peak_rss_mb(engine, model, feeds, threads, build_dir, graph, tmp):
    """Peak RSS (MiB) of a process that loads `model` on `engine` and runs
    it: each engine alone, nothing of the others mapped."""
    feeds_path = os.path.join(tmp, "rss-feeds.npz")
    np.savez(feeds_path, **feeds)
    result = subprocess.run([sys.executable, "-c", RSS_PROBE, engine, model, feeds_path, str(threads),
                             os.path.join(os.path.abspath(build_dir), "python"), graph],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[-1]
        print("peak RSS of %s not measured: %s" % (engine, reason[:200]), file=sys.stderr)
        return None
    return float(result.stdout.strip().splitlines()[-1])


def alternate(engines, repeat):
    """Warm each engine up, then time them in turn `repeat` times: drift in
    the machine's speed lands on all of them alike."""
    for run in engines.values():
        run()
    samples = {name: [] for name in engines}
    for _ in range(repeat):
        for name, run in engines.items():
            start = time.perf_counter()
            run()
            samples[name].append((time.perf_counter() - start) * 1e3)
            # Idle threads of one engine (ONNX Runtime's spin a while after
            # each run) must not take the cores from the next.
            time.sleep(0.05)
    return samples


def chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [r for r in results["runs"]]
    labels = ["%s\n%d thr" % (r["model"], r["threads"]) for r in rows]
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(rows)), 4.5))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["ingot_ms"] / r["ort_ms"] for r in rows], 0.4, label="Ingot / ONNX Runtime")
    iree = [r["iree_ms"] / r["ort_ms"] if r.get("iree_ms") else 0 for r in rows]
    if any(iree):
        ax.bar(x + 0.2, iree, 0.4, label="IREE / ONNX Runtime")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("latency relative to ONNX Runtime (lower is better)")
    ax.set_title("Ingot on %s, %s (peak %.0f GFLOP/s per core)"
                 % (results["cpu"], results["date"], results["peak_gflops"]))
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+",
                        default=["gemm-1024", "gemm-128x768x768", "gemm-128x768x3072",
                                 "gemm-128x3072x768", "gemv-1x768x768", "bert-base", "gpt2-block",
                                 "resnet50", "squeezenet", "mobilenet-v2"],
                        choices=sorted(MODELS))
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--iree", action="store_true",
                        help="also run IREE (iree-base-compiler/runtime from PyPI)")
    parser.add_argument("--results", default=os.path.join(HERE, "results"),
                        help="write <date>.json and <date>.png here")
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.build_dir), "python"))
    import ingot
    import onnxruntime as ort

    date = time.strftime("%Y-%m-%d")
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "unknown CPU")
    results = {"date": date, "cpu": cpu, "runs": []}
    with tempfile.TemporaryDirectory(prefix="ingot-bench-") as tmp:
        peak = measure_peak(tmp)
        results["peak_gflops"] = peak
        print("fp32 FMA peak of one core: %.1f GFLOP/s (bench/peak_fma.c); %s\n" % (peak, cpu))
        print("| model | threads | Ingot ms | ORT ms | IREE ms | Ingot / ORT | IREE / ORT "
              "| Ingot % of peak | ORT % of peak | regions (ops) | compile s | artifact MB "
              "| peak RSS MiB Ingot / ORT / IREE |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name in args.models:
            make, shapes = MODELS[name]
            model = make()
            source = os.path.join(tmp, name + ".onnx")
            onnx.save(model, source)
            flops = count_flops(model, shapes)
            ops, regions = count_regions(args.build_dir, source, shapes, tmp)
            artifact = os.path.join(tmp, name + ".ingot")
            start = time.perf_counter()
            ingot.compile(source, artifact, shapes=shapes)
            compile_s = time.perf_counter() - start
            rng = np.random.default_rng(0)
            rss = None
            for threads in args.threads:
                compiled = ingot.load(artifact, threads=threads)
                feeds = {}
                for spec in compiled.inputs:
                    if spec["dtype"] == "float32":
                        feeds[spec["name"]] = rng.standard_normal(spec["shape"]).astype(np.float32)
                    else:
                        feeds[spec["name"]] = np.ones(spec["shape"], spec["dtype"])
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
                engines = {"ingot": lambda: compiled.run(feeds),
                           "ort": lambda: session.run(None, feeds)}
                iree_note = "not run (--iree)"
                if args.iree:
                    function, iree_note = iree_engine(source, shapes, threads, tmp)
                    if function:
                        ordered = [feeds[spec["name"]] for spec in compiled.inputs]
                        engines["iree"] = lambda: function(*ordered)
                samples = alternate(engines, args.repeat)
                if rss is None:  # once per model: at the first thread count
                    vmfb = os.path.join(tmp, name + ".vmfb")
                    rss = {"ingot": peak_rss_mb("ingot", artifact, feeds, threads, args.build_dir, "", tmp),
                           "ort": peak_rss_mb("ort", source, feeds, threads, args.build_dir, "", tmp),
                           "iree": peak_rss_mb("iree", vmfb, feeds, threads, args.build_dir,
                                               model.graph.name, tmp)
                                   if "iree" in engines and os.path.exists(vmfb) else None}
                ms = {k: float(np.median(v)) for k, v in samples.items()}
                share = lambda t: 100 * flops / (t * 1e-3) / 1e9 / (peak * threads)
                run = {"model": name, "threads": threads, "gflop": flops / 1e9,
                       "ingot_ms": ms["ingot"], "ort_ms": ms["ort"], "iree_ms": ms.get("iree"),
                       "iree_note": None if "iree" in ms else iree_note,
                       "spread_ms": {k: [float(min(v)), float(max(v))] for k, v in samples.items()},
                       "ingot_peak_fraction": share(ms["ingot"]) / 100,
                       "ort_peak_fraction": share(ms["ort"]) / 100,
                       "ops": ops, "regions": regions, "compile_s": compile_s,
                       "artifact_mb": os.path.getsize(artifact) / 1e6, "peak_rss_mb": rss}
                results["runs"].append(run)
                iree_ms = "%.1f" % ms["iree"] if "iree" in ms else "-"
                iree_ratio = "%.2fx" % (ms["iree"] / ms["ort"]) if "iree" in ms else "-"
                mib = lambda v: "%.0f" % v if v else "-"
                print("| %s (%.1f GFLOP) | %d | %.1f | %.1f | %s | %.2fx | %s | %.1f%% | %.1f%% "
                      "| %d (%d) | %.1f | %.1f | %s / %s / %s |"
                      % (name, flops / 1e9, threads, ms["ingot"], ms["ort"], iree_ms,
                         ms["ingot"] / ms["ort"], iree_ratio, share(ms["ingot"]), share(ms["ort"]),
                         regions, ops, compile_s, os.path.getsize(artifact) / 1e6,
                         mib(rss["ingot"]), mib(rss["ort"]), mib(rss["iree"])), flush=True)
    os.makedirs(args.results, exist_ok=True)
    stem = os.path.join(args.results, date)
    with open(stem + ".json", "w") as f:
        json.dump(results, f, indent=1)
    chart(results, stem + ".png")
    print("\nwrote %s.json and %s.png" % (stem, stem))


if __name__ == "__main__":
    main()
