"""Test and benchmark peer: runs an ONNX model exported by `lgeqa model export-onnx` in ONNX Runtime.

Inputs are raw little-endian float32 files (the layout lgeqa writes) with their shape given on the
command line. Every mode prints one JSON object on stdout.

  onnx_runtime.py check MODEL
      onnx.checker.check_model (full check, with shape inference); prints opset, inputs and outputs.
  onnx_runtime.py run MODEL INPUT N,C,H,W [--threads T]
      Runs the model once; prints every output's shape and flat values.
  onnx_runtime.py bench MODEL INPUT N,C,H,W --threads T --runs R [--warmup W]
      Times R runs (after W warm-up runs) of the whole batch; prints each run's wall-clock and
      calling-thread CPU milliseconds.
  onnx_runtime.py profile MODEL INPUT N,C,H,W --threads T --runs R [--warmup W]
      Runs R times with ONNX Runtime's profiler on; prints each node's median kernel time in
      microseconds, in graph order, with its operator (the profiler's own overhead included).
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort


def load_input(path, shape):
    dims = [int(d) for d in shape.split(",")]
    values = np.fromfile(path, dtype="<f4")
    if values.size != int(np.prod(dims)):
        sys.exit(f"{path}: {values.size} float32 values, shape {dims} needs {int(np.prod(dims))}")
    return values.reshape(dims)


def session(model, threads):
    options = ort.SessionOptions()
    # The same thread budget lgeqa gets (OpenBLAS threads): one intra-op pool, no parallel operators.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def check(args):
    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    print(json.dumps({
        "ok": True,
        "ir_version": model.ir_version,
        "opset": [{"domain": o.domain, "version": o.version} for o in model.opset_import],
        "inputs": [i.name for i in model.graph.input],
        "outputs": [o.name for o in model.graph.output],
        "nodes": len(model.graph.node),
        "onnx": onnx.__version__,
    }))


def run(args):
    x = load_input(args.input, args.shape)
    s = session(args.model, args.threads)
    names = [o.name for o in s.get_outputs()]
    results = s.run(names, {s.get_inputs()[0].name: x})
    print(json.dumps({
        "outputs": {n: {"shape": list(r.shape), "values": r.astype("float64").ravel().tolist()}
                    for n, r in zip(names, results)},
        "onnxruntime": ort.__version__,
    }))


def bench(args):
    x = load_input(args.input, args.shape)
    s = session(args.model, args.threads)
    feed = {s.get_inputs()[0].name: x}
    names = [s.get_outputs()[0].name]
    for _ in range(args.warmup):
        s.run(names, feed)
    times, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        s.run(names, feed)
        cpu.append((time.thread_time() - start_cpu) * 1e3)
        times.append((time.perf_counter() - start) * 1e3)
    # Thread CPU time counts only this thread's own work: with one intra-op thread ONNX Runtime runs the
    # graph on the calling thread, so it is the load-robust figure on a shared machine.
    print(json.dumps({"milliseconds": times, "cpu_milliseconds": cpu, "onnxruntime": ort.__version__,
                      "threads": args.threads}))


def profile(args):
    x = load_input(args.input, args.shape)
    with tempfile.TemporaryDirectory() as folder:
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(folder, "ort")
        s = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
        feed = {s.get_inputs()[0].name: x}
        for _ in range(args.warmup + args.runs):
            s.run(None, feed)
        with open(s.end_profiling()) as f:
            events = json.load(f)
    # Warm-up runs are dropped by keeping each node's last `runs` timings.
    order, durations, operators = [], {}, {}
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        name = e["name"][: -len("_kernel_time")]
        if name not in durations:
            order.append(name)
            durations[name] = []
            operators[name] = e.get("args", {}).get("op_name", "")
        durations[name].append(e["dur"])
    print(json.dumps({
        "nodes": [{"name": n, "operator": operators[n],
                   "microseconds": statistics.median(durations[n][-args.runs:])} for n in order],
        "onnxruntime": ort.__version__,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    p = modes.add_parser("check")
    p.add_argument("model")
    p.set_defaults(func=check)
    for name, func in (("run", run), ("bench", bench), ("profile", profile)):
        p = modes.add_parser(name)
        p.add_argument("model")
        p.add_argument("input")
        p.add_argument("shape")
        p.add_argument("--threads", type=int, default=1)
        if name in ("bench", "profile"):
            p.add_argument("--runs", type=int, required=True)
            p.add_argument("--warmup", type=int, default=10)
        p.set_defaults(func=func)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
