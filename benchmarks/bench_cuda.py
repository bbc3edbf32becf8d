"""tensorbridge's CUDA benchmark (bench_cuda, C++) and PyTorch's equivalents, in one run.

Usage: python benchmarks/bench_cuda.py PATH/TO/bench_cuda   (tests/gpu/run.sh passes it)

Runs the C++ binary (JSON output), then times the same cases with PyTorch on the same GPU
(CUDA events for kernels, the host clock for copies), and prints one table: GB/s (or TFLOP/s,
or ns for the DLPack exchange) for both, and tensorbridge / PyTorch. PyTorch's DLPack line is
torch.from_dlpack of a CuPy array when CuPy is installed (of a torch tensor otherwise). Without
a CUDA build of PyTorch only tensorbridge's column is filled.
"""

import json
import subprocess
import sys
import time

from bench_common import cuda_seconds

N = 100_000_000
GEMM_N = 4096


def run_ours(binary):
    out = subprocess.run([binary, "--benchmark_format=json", "--benchmark_min_time=0.5"],
                         check=True, capture_output=True, text=True).stdout
    results = {}
    for b in json.loads(out)["benchmarks"]:
        name = b["name"].split("/")[0].removeprefix("BM_")
        if b.get("error_occurred"):
            results[name] = None
        elif name == "gemm":
            results[name] = b["FLOP/s"] / 1e12
        elif name == "dlpack_round_trip":
            results[name] = b["real_time"]  # ns
        else:
            results[name] = b["bytes_per_second"] / 1e9
    return results


def run_torch():
    try:
        import torch
    except ImportError:
        return {}, "PyTorch is not installed"
    if not torch.cuda.is_available():
        return {}, "PyTorch has no CUDA here"

    def host_time(fn, reps=5):
        fn()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
        return (time.perf_counter() - t0) / reps

    a = torch.full((N,), 1.5, device="cuda")
    b = torch.full((N,), 2.5, device="cuda")
    r = {
        "add": 3 * N * 4 / cuda_seconds(torch, lambda: a + b) / 1e9,
        "exp": 2 * N * 4 / cuda_seconds(torch, lambda: torch.exp(a)) / 1e9,
        "sum": N * 4 / cuda_seconds(torch, lambda: a.sum()) / 1e9,
    }
    m1 = torch.full((GEMM_N, GEMM_N), 0.5, device="cuda")
    m2 = torch.full((GEMM_N, GEMM_N), 0.25, device="cuda")
    r["gemm"] = 2 * GEMM_N**3 / cuda_seconds(torch, lambda: m1 @ m2) / 1e12
    r["d2h_pageable"] = N * 4 / host_time(lambda: a.cpu()) / 1e9
    host = torch.full((N,), 1.0)
    r["h2d_pageable"] = N * 4 / host_time(lambda: b.copy_(host)) / 1e9
    pinned = torch.empty((N,), pin_memory=True)
    r["d2h_pinned"] = N * 4 / host_time(lambda: pinned.copy_(a, non_blocking=True)) / 1e9
    r["h2d_pinned"] = N * 4 / host_time(lambda: b.copy_(pinned, non_blocking=True)) / 1e9
    try:
        import cupy

        producer = cupy.ones(1024, dtype=cupy.float32)
        label = "torch.from_dlpack(cupy)"
    except ImportError:
        producer = torch.ones(1024, device="cuda")
        label = "torch.from_dlpack(torch)"
    reps = 20000
    torch.from_dlpack(producer)
    t0 = time.perf_counter()
    for _ in range(reps):
        torch.from_dlpack(producer)
    r["dlpack_round_trip"] = (time.perf_counter() - t0) / reps * 1e9
    return r, f"{torch.__version__}, {torch.cuda.get_device_name()}; DLPack: {label}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ours = run_ours(sys.argv[1])
    theirs, note = run_torch()
    print(f"PyTorch: {note}")
    units = {"gemm": "TFLOP/s", "dlpack_round_trip": "ns"}
    print(f"{'case':<20}{'unit':>9}{'tensorbridge':>14}{'PyTorch':>10}{'ratio':>8}")
    for case, value in ours.items():
        other = theirs.get(case)
        unit = units.get(case, "GB/s")
        fmt = (lambda v: f"{v:.0f}") if unit == "ns" else (lambda v: f"{v:.1f}")
        mine = "n/a" if value is None else fmt(value)
        torch_value = "n/a" if other is None else fmt(other)
        ratio = ""
        if value and other:
            # Higher is better except for latencies.
            ratio = f"{(other / value if unit == 'ns' else value / other):.2f}"
        print(f"{case:<20}{unit:>9}{mine:>14}{torch_value:>10}{ratio:>8}")


if __name__ == "__main__":
    main()
