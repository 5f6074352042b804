#!/usr/bin/env python3
"""The ONNX backend conformance runner.

Every node case of the installed onnx wheel
(`onnx.backend.test.case.node.collect_testcases()`) and every model the wheel
ships under backend/test/data/{simple,pytorch-converted,pytorch-operator} is
compiled by `ingot compile`, run through the runtime on the case's own inputs
and compared with the case's outputs at the case's own rtol/atol. Each case
runs in two modes:

  static    the model as given;
  symbolic  every input dim replaced by a symbol of its own, declared output
            shapes and value_info dropped.

Each (case, mode) ends in one outcome:

  pass         outputs match;
  refused      `ingot compile` exits 1 with a one-line message;
  run-refused  the runtime refuses the run with a message (a failed check);
  rounding     float16/bfloat16 outputs within 2 units in the last place of
               the reference's, but outside the case's tolerance (tighter than
               the type's precision): a different order of rounding, listed;
               or float32/float64 outputs off only where the reference is
               near zero, by at most 4 ulps of the output's largest magnitude
               (sums that cancel, where the reference's own noise exceeds
               atol);
  wrong        outputs differ (a wrong answer: never acceptable);
  crash        a signal, an internal error, a hang or a multi-line message.

`expectations.txt` lists every (case, mode) that does not pass, with its
outcome and a reason that must appear in the message. The run fails when a
case does worse than listed (a regression, or a different failure) or when a
listed case now passes (so the list only shrinks). --update rewrites the list
from the run; --report writes the Markdown report that is checked in.

  python3 test/onnx_backend/conformance.py [--build-dir build] [--jobs N]
      [-k REGEX] [--modes static,symbolic] [--update] [--report FILE]
      [--onnxruntime]
"""
import argparse
import collections
import glob
import multiprocessing
import multiprocessing.connection
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXPECTATIONS = os.path.join(HERE, "expectations.txt")
MODES = ("static", "symbolic")
OUTCOMES = ("pass", "refused", "run-refused", "rounding", "wrong", "crash")
# Outcomes a case may be listed with; a wrong answer or a crash may be listed
# while it is being fixed, but the report counts them apart.
COMPILE_TIMEOUT_S = 180
RUN_TIMEOUT_S = 120
MODEL_SUITES = ("simple", "pytorch-converted", "pytorch-operator")


# ---------------------------------------------------------------------------
# Cases


class Case:
    __slots__ = ("key", "model", "inputs", "outputs", "rtol", "atol")

    def __init__(self, key, model, inputs, outputs, rtol, atol):
        self.key, self.model, self.inputs, self.outputs = key, model, inputs, outputs
        self.rtol, self.atol = rtol, atol


def _as_array(value):
    import numpy as np
    from onnx import TensorProto, numpy_helper

    if isinstance(value, TensorProto):
        return numpy_helper.to_array(value)
    if isinstance(value, (list, dict)) or value is None:
        return value  # a sequence, map or optional: fed as is (and refused)
    return np.asarray(value)


def collect_cases():
    """Every node case and every model of the model suites, in a stable order."""
    import onnx
    from onnx import numpy_helper
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        node_cases = collect_testcases()
    cases = []
    for case in node_cases:
        if case.model is None or not case.data_sets:
            continue
        inputs, outputs = case.data_sets[0]
        cases.append(Case("node/" + case.name, case.model, [_as_array(i) for i in inputs],
                          [_as_array(o) for o in outputs], case.rtol, case.atol))
    data = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    number = lambda p: int(re.search(r"_(\d+)\.pb$", p).group(1))
    for suite in MODEL_SUITES:
        for model_path in sorted(glob.glob(os.path.join(data, suite, "*", "model.onnx"))):
            folder = os.path.dirname(model_path)
            data_set = os.path.join(folder, "test_data_set_0")
            read = lambda kind: [numpy_helper.to_array(onnx.load_tensor(p)) for p in sorted(
                glob.glob(os.path.join(data_set, kind + "_*.pb")), key=number)]
            # The backend's own runner compares model tests at these tolerances.
            cases.append(Case(suite + "/" + os.path.basename(folder), onnx.load(model_path),
                              read("input"), read("output"), 1e-3, 1e-7))
    return cases


def suite_of(key):
    return key.split("/", 1)[0]


def symbolic_model(model):
    """`model` with every graph input dim a symbol of its own and no declared
    output shapes or value_info: what an exporter writes for dynamic axes."""
    import onnx

    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    initializers = {i.name for i in graph.initializer}
    for index, value in enumerate(graph.input):
        if value.name in initializers or not value.type.HasField("tensor_type"):
            continue
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            continue
        for d, dim in enumerate(tensor.shape.dim):
            dim.Clear()
            dim.dim_param = "in%d_d%d" % (index, d)
    for value in graph.output:
        if value.type.HasField("tensor_type"):
            value.type.tensor_type.ClearField("shape")
    del graph.value_info[:]
    return model


# ---------------------------------------------------------------------------
# One (case, mode), in a worker process


def _first_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[0] if lines else ""


def _strip_path(message, path):
    return message.replace(path + ": ", "").replace(path, "model.onnx")


def compare(expected, got, rtol, atol):
    """None when `got` matches `expected`, else why not."""
    import numpy as np

    if got is None:
        return "no output"
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return "shape %s, expected %s" % (list(got.shape), list(expected.shape))
    if got.dtype != expected.dtype:
        return "dtype %s, expected %s" % (got.dtype, expected.dtype)
    if expected.dtype.kind in "fc" or expected.dtype.kind == "V" or str(expected.dtype) in (
            "bfloat16", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
            "float4_e2m1fn", "float8_e8m0fnu"):
        e = expected.astype(np.float64)
        g = got.astype(np.float64)
        both_nan = np.isnan(e) & np.isnan(g)
        close = np.isclose(g, e, rtol=rtol, atol=atol) | both_nan | (e == g)
        if close.all():
            return None
        if str(expected.dtype) in ("float16", "bfloat16"):
            # Within 2 ulps of the half-precision reference: rounding order.
            spacing = np.abs(np.spacing(expected)).astype(np.float64)
            near = close | (np.abs(g - e) <= 2 * spacing)
            if near.all():
                return "rounding: within 2 ulps of %s everywhere, %d of %d elements outside " \
                       "rtol %g, atol %g" % (expected.dtype, int((~close).sum()), close.size,
                                            rtol, atol)
        if expected.dtype in (np.float32, np.float64) and np.isfinite(e).all() and e.size:
            # Off only near zero, by the reference's own rounding noise at the
            # scale of the output (sums that cancel: a DFT's zero bins).
            scale = float(np.abs(e).max())
            noise = 4 * float(np.finfo(expected.dtype).eps) * scale
            if (close | (np.abs(g - e) <= noise)).all():
                return "rounding: within 4 ulps of the output's largest magnitude (%g), " \
                       "%d of %d elements outside rtol %g, atol %g (cancellation near zero)" % (
                           scale, int((~close).sum()), close.size, rtol, atol)
        bad = np.argwhere(~close)[0]
        index = tuple(int(i) for i in bad)
        return "differs at %s: %r, expected %r (%d of %d elements off; rtol %g, atol %g)" % (
            list(index), float(g[index]), float(e[index]), int((~close).sum()), close.size,
            rtol, atol)
    if np.array_equal(got, expected):
        return None
    bad = np.argwhere(got != expected)
    index = tuple(int(i) for i in bad[0]) if bad.size else ()
    return "differs at %s: %r, expected %r" % (list(index), got[index] if index else got,
                                               expected[index] if index else expected)


def run_case(case, mode, compiler, scratch, use_onnxruntime):
    """(outcome, message, onnxruntime_passed) for one case in one mode."""
    import onnx

    model = symbolic_model(case.model) if mode == "symbolic" else case.model
    folder = tempfile.mkdtemp(dir=scratch)
    try:
        source = os.path.join(folder, "model.onnx")
        with open(source, "wb") as f:
            f.write(model.SerializeToString())
        ort = onnxruntime_passes(case, source) if use_onnxruntime else None
        artifact = os.path.join(folder, "model.ingot")
        try:
            result = subprocess.run([compiler, "compile", source, "-o", artifact, "-O1"],
                                    capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return "crash", "compile took longer than %d s" % COMPILE_TIMEOUT_S, ort
        stderr = _strip_path(result.stderr, source)
        if result.returncode < 0:
            return "crash", "compiler killed by %s: %s" % (
                signal.Signals(-result.returncode).name, _first_line(stderr)), ort
        if result.returncode != 0:
            lines = [l for l in stderr.strip().splitlines() if l.strip()]
            if result.returncode == 1 and len(lines) == 1:
                return "refused", lines[0], ort
            return "crash", "compiler exit %d: %s" % (result.returncode,
                                                      " | ".join(lines[:3])), ort
        if os.path.exists(artifact) is False:
            return "crash", "compiler exit 0 but no artifact", ort
        return run_artifact(case, artifact) + (ort,)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_artifact(case, artifact):
    import numpy as np

    ingot = sys.modules["ingot"]
    try:
        compiled = ingot.load(artifact, threads=1)
    except Exception as error:  # the runtime refuses to load: a bug of ours
        return "crash", "the runtime refused the artifact: %s" % _first_line(str(error))
    names = [i["name"] for i in compiled.inputs]
    if len(names) != len(case.inputs):
        return "crash", "the artifact has %d inputs, the case gives %d" % (len(names),
                                                                          len(case.inputs))
    feeds = {}
    for name, value in zip(names, case.inputs):
        if not isinstance(value, np.ndarray):
            return "run-refused", "input '%s' is a %s, not a tensor" % (name, type(value).__name__)
        feeds[name] = value
    try:
        outputs = compiled.run(feeds)
    except Exception as error:
        return "run-refused", _first_line(str(error))
    declared = [o["name"] for o in compiled.outputs]
    if len(declared) != len(case.outputs):
        return "crash", "%d outputs, expected %d" % (len(declared), len(case.outputs))
    for name, expected in zip(declared, case.outputs):
        if not isinstance(expected, np.ndarray):
            return "wrong", "output '%s': expected a %s" % (name, type(expected).__name__)
        why = compare(expected, outputs.get(name), case.rtol, case.atol)
        if why and why.startswith("rounding: "):
            return "rounding", "output '%s' %s" % (name, why[len("rounding: "):])
        if why:
            return "wrong", "output '%s' %s" % (name, why)
    return "pass", ""


def onnxruntime_passes(case, source):
    """Whether ONNX Runtime (all optimizations, CPU) gives the case's outputs."""
    import numpy as np
    import onnxruntime

    try:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        session = onnxruntime.InferenceSession(source, options,
                                               providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        if len(names) != len(case.inputs):
            return False
        outputs = session.run(None, dict(zip(names, case.inputs)))
        if len(outputs) != len(case.outputs):
            return False
        return all(isinstance(e, np.ndarray) and isinstance(g, np.ndarray) and
                   compare(e, g, case.rtol, case.atol) is None
                   for e, g in zip(case.outputs, outputs))
    except Exception:
        return False


def worker(connection, cases, compiler, build_dir, use_onnxruntime):
    sys.path.insert(0, os.path.join(build_dir, "python"))
    import ingot  # noqa: F401  (run_artifact finds it in sys.modules)

    warnings.simplefilter("ignore")
    scratch = tempfile.mkdtemp(prefix="ingot-conformance-")
    try:
        while True:
            task = connection.recv()
            if task is None:
                return
            index, mode = task
            try:
                outcome = run_case(cases[index], mode, compiler, scratch, use_onnxruntime)
            except Exception:
                outcome = ("crash", "runner error: " + traceback.format_exc().splitlines()[-1],
                           None)
            connection.send((index, mode) + tuple(outcome))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------------------
# The pool: workers die with the artifact code they run (a crash is a result)


class Pool:
    def __init__(self, jobs, cases, compiler, build_dir, use_onnxruntime):
        self.args = (cases, compiler, build_dir, use_onnxruntime)
        self.context = multiprocessing.get_context("fork")
        self.slots = [self._start() for _ in range(jobs)]

    def _start(self):
        parent, child = self.context.Pipe()
        process = self.context.Process(target=worker, args=(child,) + self.args, daemon=True)
        process.start()
        child.close()
        return {"process": process, "connection": parent, "task": None, "since": 0.0}

    def run(self, tasks, on_result):
        pending = collections.deque(tasks)
        busy = 0
        limit = COMPILE_TIMEOUT_S + RUN_TIMEOUT_S
        while pending or busy:
            for i, slot in enumerate(self.slots):
                if slot["task"] is None and pending:
                    slot["task"], slot["since"] = pending.popleft(), time.time()
                    slot["connection"].send(slot["task"])
                    busy += 1
            ready = multiprocessing.connection.wait(
                [s["connection"] for s in self.slots if s["task"] is not None] +
                [s["process"].sentinel for s in self.slots if s["task"] is not None], timeout=1.0)
            for i, slot in enumerate(self.slots):
                if slot["task"] is None:
                    continue
                died = slot["process"].sentinel in ready and not slot["connection"].poll()
                hung = time.time() - slot["since"] > limit
                if slot["connection"] in ready and slot["connection"].poll():
                    try:
                        on_result(slot["connection"].recv())
                        slot["task"] = None
                        busy -= 1
                        continue
                    except EOFError:
                        died = True
                if died or hung:
                    index, mode = slot["task"]
                    if hung:
                        slot["process"].kill()
                    slot["process"].join()
                    code = slot["process"].exitcode
                    why = ("ran longer than %d s" % limit if hung else
                           "the run was killed by %s" % signal.Signals(-code).name
                           if code and code < 0 else "the worker exited with %s" % code)
                    on_result((index, mode, "crash", why, None))
                    self.slots[i] = self._start()
                    busy -= 1

    def close(self):
        for slot in self.slots:
            try:
                slot["connection"].send(None)
            except (BrokenPipeError, OSError):
                pass
        for slot in self.slots:
            slot["process"].join(timeout=10)
            if slot["process"].is_alive():
                slot["process"].kill()


# ---------------------------------------------------------------------------
# Expectations and the report


def read_expectations(path):
    """{(key, mode): (outcome, reason)} from lines `key mode outcome: reason`."""
    expected = {}
    if not os.path.exists(path):
        return expected
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            match = re.match(r"(\S+)\s+(static|symbolic|\*)\s+([a-z-]+):\s*(.*)$", line)
            if not match or match.group(3) not in OUTCOMES[1:]:
                sys.exit("%s:%d: expected 'suite/case static|symbolic|* outcome: reason'" %
                         (path, number))
            key, mode, outcome, reason = match.groups()
            for m in (MODES if mode == "*" else (mode,)):
                expected[(key, m)] = (outcome, reason)
    return expected


def stable_reason(outcome, message):
    """The part of a message that does not change from run to run."""
    if outcome == "wrong":
        match = re.match(r"(output '[^']*' (?:shape|dtype|differs))", message)
        return match.group(1) if match else message
    if outcome == "rounding":
        match = re.match(r"(output '[^']*' within 2 ulps of \w+)", message)
        return match.group(1) if match else message
    message = re.sub(r"/tmp/\S+", "...", message)
    return message[:300]


def write_expectations(path, results, cases):
    order = {c.key: i for i, c in enumerate(cases)}
    lines = []
    by_key = collections.defaultdict(dict)
    for (key, mode), (outcome, message, _) in results.items():
        if outcome != "pass":
            by_key[key][mode] = (outcome, stable_reason(outcome, message))
    for key in sorted(by_key, key=lambda k: order.get(k, 1 << 30)):
        modes = by_key[key]
        if len(modes) == len(MODES) and len(set(modes.values())) == 1:
            outcome, reason = modes[MODES[0]]
            lines.append("%s * %s: %s" % (key, outcome, reason))
        else:
            for mode in MODES:
                if mode in modes:
                    lines.append("%s %s %s: %s" % ((key, mode) + modes[mode]))
    with open(path, "w") as f:
        f.write("# Every ONNX backend case that does not pass, by mode (* = both), with its\n"
                "# outcome and a reason its message must contain. Written by\n"
                "# `python3 test/onnx_backend/conformance.py --update`; see REPORT.md.\n")
        f.write("\n".join(lines) + "\n")


def check_expectations(results, expected):
    """Lines saying where the run and the expectations disagree."""
    problems = []
    for (key, mode), (outcome, message, _) in sorted(results.items()):
        listed = expected.get((key, mode))
        if outcome == "pass":
            if listed:
                problems.append("%s [%s] now passes: remove it from expectations.txt" % (key, mode))
            continue
        if not listed:
            problems.append("%s [%s] %s: %s" % (key, mode, outcome, message))
        elif listed[0] != outcome or listed[1] not in message:
            problems.append("%s [%s] %s: %s (listed as %s: %s)" % (
                key, mode, outcome, message, listed[0], listed[1]))
    return problems


def failure_class(outcome, message):
    """A short group name for the report: the op or the kind of refusal."""
    op = re.search(r"unsupported operator '(\w+)'", message)
    if op:
        return "unsupported operator " + op.group(1)
    node = re.search(r"\((\w+)\)", message)
    return "%s: %s" % (outcome, node.group(1) if node else stable_reason(outcome, message)[:60])


def write_report(path, results, cases, seconds, jobs, use_onnxruntime):
    import onnx

    suites = ["node"] + list(MODEL_SUITES)
    lines = ["# ONNX backend conformance", "",
             "Written by `make conformance` (`python3 test/onnx_backend/conformance.py "
             "--report`); do not edit.", "",
             "onnx %s (opsets up to %d), %d cases, two modes: the model as given "
             "(*static*) and with every input dim a symbol of its own and no declared output "
             "shapes (*symbolic*). A case passes when every output matches at the case's own "
             "rtol/atol. %d (case, mode) runs took %.0f s on %d worker%s." % (
                 onnx.__version__, onnx.defs.onnx_opset_version(), len(cases), len(results),
                 seconds, jobs, "s" if jobs > 1 else ""), "",
             "| suite | mode | cases | Ingot passes | Ingot % |" +
             (" ONNX Runtime passes | ONNX Runtime % |" if use_onnxruntime else "") +
             " refused | rounding | wrong | crash |",
             "|---|---|---|---|---|" + ("---|---|" if use_onnxruntime else "") + "---|---|---|---|"]
    groups = [(s, [s]) for s in suites] + [("pytorch + simple", list(MODEL_SUITES))]
    for name, members in groups:
        for mode in MODES:
            rows = [v for (k, m), v in results.items() if m == mode and suite_of(k) in members]
            if not rows:
                continue
            count = collections.Counter(v[0] for v in rows)
            passed = count["pass"]
            line = "| %s | %s | %d | %d | %.1f%% |" % (name, mode, len(rows), passed,
                                                       100.0 * passed / len(rows))
            if use_onnxruntime:
                ort = sum(1 for v in rows if v[2])
                line += " %d | %.1f%% |" % (ort, 100.0 * ort / len(rows))
            line += " %d | %d | %d | %d |" % (count["refused"] + count["run-refused"],
                                              count["rounding"], count["wrong"], count["crash"])
            lines.append(line)
    lines += ["", "## What does not pass, grouped", "",
              "| group | static | symbolic | example |", "|---|---|---|---|"]
    groups = collections.defaultdict(lambda: {"static": 0, "symbolic": 0, "example": None})
    for (key, mode), (outcome, message, _) in sorted(results.items()):
        if outcome == "pass":
            continue
        group = groups[failure_class(outcome, message)]
        group[mode] += 1
        if group["example"] is None:
            group["example"] = "`%s`: %s" % (key, stable_reason(outcome, message)[:120]
                                             .replace("|", "\\|"))
    for name, group in sorted(groups.items(), key=lambda g: -(g[1]["static"] + g[1]["symbolic"])):
        lines.append("| %s | %d | %d | %s |" % (name.replace("|", "\\|"), group["static"],
                                                group["symbolic"], group["example"]))
    lines += ["", "Every case listed here is in `expectations.txt` with its reason.", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


# ---------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.environ.get("INGOT_BUILD_DIR",
                                                              os.path.join(REPO, "build")))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-k", dest="filter", default="",
                        help="only cases whose key matches this regular expression")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--update", action="store_true",
                        help="rewrite expectations.txt from this run (needs every case)")
    parser.add_argument("--report", help="write the Markdown report here")
    parser.add_argument("--onnxruntime", action="store_true",
                        help="also run each case through ONNX Runtime for the report")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    compiler = os.path.join(build_dir, "compiler", "tools", "ingot")
    if not os.path.exists(compiler):
        sys.exit("conformance: %s is not built" % compiler)
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in modes):
        sys.exit("conformance: --modes takes %s" % ",".join(MODES))
    if (args.update or args.report) and (args.filter or len(modes) != len(MODES)):
        sys.exit("conformance: --update and --report need every case in every mode")

    start = time.time()
    cases = collect_cases()
    selected = [i for i, c in enumerate(cases) if re.search(args.filter, c.key)]
    tasks = [(i, m) for i in selected for m in modes]
    print("conformance: %d cases x %d modes = %d runs on %d workers" % (
        len(selected), len(modes), len(tasks), args.jobs), flush=True)
    results = {}
    progress = {"done": 0}
    tty = sys.stdout.isatty()

    def on_result(result):
        index, mode, outcome, message, ort = result
        results[(cases[index].key, mode)] = (outcome, message, ort)
        progress["done"] += 1
        if args.verbose and outcome != "pass":
            print("  %s [%s] %s: %s" % (cases[index].key, mode, outcome, message), flush=True)
        if progress["done"] % 200 == 0 or progress["done"] == len(tasks):
            passed = sum(1 for v in results.values() if v[0] == "pass")
            print("%s[%d/%d] %d pass, %.0f s" % ("\r" if tty else "", progress["done"],
                                                  len(tasks), passed, time.time() - start),
                  end="" if tty else "\n", flush=True)

    pool = Pool(max(1, args.jobs), cases, compiler, build_dir, args.onnxruntime)
    try:
        pool.run(tasks, on_result)
    finally:
        pool.close()
    if tty:
        print()
    seconds = time.time() - start

    for mode in modes:
        for suite in ["node"] + list(MODEL_SUITES):
            rows = [v for (k, m), v in results.items() if m == mode and suite_of(k) == suite]
            if rows:
                count = collections.Counter(v[0] for v in rows)
                print("  %-18s %-8s %4d/%4d pass (%5.1f%%)  %s" % (
                    suite, mode, count["pass"], len(rows), 100.0 * count["pass"] / len(rows),
                    ", ".join("%s %d" % (o, count[o]) for o in OUTCOMES[1:] if count[o])))

    if args.report:
        write_report(args.report, results, cases, seconds, args.jobs, args.onnxruntime)
        print("conformance: wrote %s" % args.report)
    if args.update:
        write_expectations(EXPECTATIONS, results, cases)
        print("conformance: wrote %s" % EXPECTATIONS)
        return 0
    expected = read_expectations(EXPECTATIONS)
    problems = check_expectations(results, expected)
    for problem in problems:
        print("  " + problem)
    print("conformance: %d runs, %d disagree with expectations.txt, %.0f s" % (
        len(results), len(problems), seconds))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
