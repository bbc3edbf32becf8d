"""CPU ops from Python: tensorbridge next to NumPy and PyTorch in one process.

Times add, mul, exp and sum at 10^3, 10^5 and 10^7 float32 elements on contiguous and
transposed (2-D, square-ish) operands, out-of-place and into a preallocated output (out=)
separately; the per-call cost of `a + b` on 1,000 elements; float32 matmul at 64, 256 and
1024; and a copy (NumPy's copyto, i.e. memcpy) at the same sizes and far above the last-level
cache as the bandwidth ceiling. All three libraries read the same memory (zero-copy views of
one NumPy array), run on one thread, and are timed in alternation (each round times every
library once; the best round counts), so they see the same machine.

ratio = peer time / tensorbridge time: above 1 means tensorbridge is faster.

    OMP_NUM_THREADS=1 python benchmarks/bench_ops.py [--quick]

sum and matmul are timed when this tensorbridge build has them (tb.sum, tb.matmul).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import timeit

# One thread everywhere, before the libraries start their pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

import tensorbridge as tb  # noqa: E402
from bench_common import cpu_name  # noqa: E402

torch.set_num_threads(1)

try:  # which OpenBLAS kernel NumPy runs, and one thread for it whatever the environment said
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover - optional
    threadpool_info = None

LIBS = ("tb", "numpy", "torch")


def best_times(stmts: dict[str, str | tuple[str, str]], env: dict, repeats: int, budget_s: float) -> dict[str, float]:
    """Seconds per call of each statement: the best of `repeats` rounds, the statements timed in
    alternation (the order rotates each round) with the same number of calls per timing."""
    # A (setup, statement) pair binds locals first: `a += b` needs `a` local to the loop.
    timers = {k: timeit.Timer(*(s[::-1] if isinstance(s, tuple) else (s,)), globals=env) for k, s in stmts.items()}
    for t in timers.values():  # warm up (first-touch of outputs, lazy initialization)
        t.timeit(1)
    first = next(iter(timers.values()))
    number, elapsed = 1, 0.0
    while True:  # calls per timing so that one timing takes about budget_s
        elapsed = first.timeit(number)
        if elapsed >= budget_s / 4 or number >= 1 << 22:
            break
        number *= 4 if elapsed < budget_s / 40 else 2
    number = max(1, int(number * budget_s / max(elapsed, 1e-9)))
    best = dict.fromkeys(timers, math.inf)
    keys = list(timers)
    for r in range(repeats):
        for k in keys[r % len(keys):] + keys[: r % len(keys)]:
            best[k] = min(best[k], timers[k].timeit(number) / number)
    return best


def square_ish(n: int) -> tuple[int, int]:
    rows = int(math.isqrt(n))
    return rows, n // rows


def operands(n: int, layout: str, seed: int):
    """float32 values in [0.5, 1.5) of about n elements: a NumPy array and views of the same
    memory for tensorbridge and PyTorch. 'transposed' gives the transpose of a row-major
    (cols x rows) array; 'flat' a 1-D array."""
    rng = np.random.default_rng(seed)
    if layout == "flat":
        base = rng.random(n, dtype=np.float32) + 0.5
        x = base
    else:
        rows, cols = square_ish(n)
        base = rng.random((cols, rows) if layout == "transposed" else (rows, cols), dtype=np.float32) + 0.5
        x = base.T if layout == "transposed" else base
    return x, tb.from_numpy(x), torch.from_numpy(x)


def fmt_us(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:.3g}" if us < 100 else f"{us:,.0f}"


def ratio(peer: float, ours: float) -> str:
    return f"{peer / ours:.2f}"


ELEMENTWISE = {
    # op: (out-of-place statements, out= statements) per library; x/y/z NumPy, a/b/c ours,
    # ta/tb_/tc PyTorch (z, c, tc: outputs laid out like the inputs).
    "add": (
        {"tb": "a + b", "numpy": "x + y", "torch": "ta + tb_"},
        {"tb": "tb.add(a, b, out=c)", "numpy": "np.add(x, y, out=z)", "torch": "torch.add(ta, tb_, out=tc)"},
    ),
    "mul": (
        {"tb": "a * b", "numpy": "x * y", "torch": "ta * tb_"},
        {"tb": "tb.mul(a, b, out=c)", "numpy": "np.multiply(x, y, out=z)", "torch": "torch.mul(ta, tb_, out=tc)"},
    ),
    "exp": (
        {"tb": "tb.exp(a)", "numpy": "np.exp(x)", "torch": "torch.exp(ta)"},
        {"tb": "tb.exp(a, out=c)", "numpy": "np.exp(x, out=z)", "torch": "torch.exp(ta, out=tc)"},
    ),
    "sum": (
        {"tb": "a.sum()", "numpy": "x.sum()", "torch": "ta.sum()"},
        None,
    ),
}


def elementwise_rows(sizes, repeats, budget):
    rows = []
    for n in sizes:
        for layout in ("contiguous", "transposed"):
            x, a, ta = operands(n, layout, 1)
            y, b, tb_ = operands(n, layout, 2)
            z, c, tc = operands(n, layout, 3)
            env = dict(np=np, tb=tb, torch=torch, x=x, y=y, z=z, a=a, b=b, c=c, ta=ta, tb_=tb_, tc=tc)
            for op, (new, out) in ELEMENTWISE.items():
                if op == "sum" and not hasattr(tb.Tensor, "sum"):
                    continue
                for mode, stmts in (("new", new), ("out=", out)):
                    if stmts is None:
                        continue
                    t = best_times(stmts, env, repeats, budget)
                    rows.append((op, x.size, layout, mode, t))
            del env
    return rows


# Reductions along one dim of 10^6 float32 laid out three ways: long rows, short rows
# (per-row overhead dominates), and the reduced dim outside the kept one.
REDUCE_SHAPES = ((1000, 1000), (100_000, 10), (10, 100_000))
REDUCE_OPS = {
    "sum(1)": {"tb": "a.sum(1)", "numpy": "x.sum(1)", "torch": "ta.sum(1)"},
    "amax(1)": {"tb": "a.amax(1)", "numpy": "x.max(1)", "torch": "ta.amax(1)"},
    "max(1) with indices": {"tb": "a.max(1)", "numpy": "(x.max(1), x.argmax(1))", "torch": "ta.max(1)"},
    "sum(0)": {"tb": "a.sum(0)", "numpy": "x.sum(0)", "torch": "ta.sum(0)"},
    "amax(0)": {"tb": "a.amax(0)", "numpy": "x.max(0)", "torch": "ta.amax(0)"},
    "amax()": {"tb": "a.amax()", "numpy": "x.max()", "torch": "ta.amax()"},
}


def reduce_rows(repeats, budget):
    rows = []
    for shape in REDUCE_SHAPES:
        x = np.random.default_rng(7).random(shape, dtype=np.float32)
        env = dict(np=np, tb=tb, torch=torch, x=x, a=tb.from_numpy(x), ta=torch.from_numpy(x))
        for op, stmts in REDUCE_OPS.items():
            rows.append((op, shape, best_times(stmts, env, repeats, budget)))
    return rows


# Selection by a random (unpredictable) mask, 10^6 float32.
SELECT_OPS = {
    "where(m, a, b)": {"tb": "tb.where(m, a, b)", "numpy": "np.where(mx, x, y)", "torch": "torch.where(tm, ta, tb_)"},
    "where(m, a, 0.0)": {"tb": "tb.where(m, a, 0.0)", "numpy": "np.where(mx, x, np.float32(0))",
                         "torch": "torch.where(tm, ta, 0.0)"},
    "masked_fill_(m, 0.0)": {"tb": "a.masked_fill_(m, 0.0)", "numpy": "np.putmask(x, mx, 0.0)",
                             "torch": "ta.masked_fill_(tm, 0.0)"},
}


def select_rows(repeats, budget):
    rng = np.random.default_rng(8)
    x, y = rng.random((1000, 1000), dtype=np.float32), rng.random((1000, 1000), dtype=np.float32)
    mx = rng.random((1000, 1000)) < 0.5
    env = dict(np=np, tb=tb, torch=torch, x=x, y=y, mx=mx, a=tb.from_numpy(x), b=tb.from_numpy(y),
               m=tb.from_numpy(mx), ta=torch.from_numpy(x), tb_=torch.from_numpy(y), tm=torch.from_numpy(mx))
    return [(op, best_times(stmts, env, repeats, budget)) for op, stmts in SELECT_OPS.items()]


def bandwidth_rows(sizes, repeats, budget):
    """GB/s of memcpy (np.copyto) and of add into a preallocated output, per size."""
    rows = []
    for n in sizes:
        x, a, ta = operands(n, "flat", 1)
        y, b, tb_ = operands(n, "flat", 2)
        z, c, tc = operands(n, "flat", 3)
        env = dict(np=np, tb=tb, torch=torch, x=x, y=y, z=z, a=a, b=b, c=c, ta=ta, tb_=tb_, tc=tc)
        t = best_times({"copy": "np.copyto(z, x)", "tb": "tb.add(a, b, out=c)", "numpy": "np.add(x, y, out=z)",
                        "torch": "torch.add(ta, tb_, out=tc)"}, env, repeats, budget)
        copy_gbs = 8 * n / t["copy"] / 1e9
        rows.append((n, copy_gbs, {k: 12 * n / t[k] / 1e9 for k in LIBS}))
    return rows


def overhead_rows(repeats):
    x, a, ta = operands(1000, "flat", 1)
    y, b, tb_ = operands(1000, "flat", 2)
    z, c, tc = operands(1000, "flat", 3)
    env = dict(np=np, tb=tb, torch=torch, x=x, y=y, z=z, a=a, b=b, c=c, ta=ta, tb_=tb_, tc=tc)
    cases = [
        ("`a + b`", {"tb": "a + b", "numpy": "x + y", "torch": "ta + tb_"}),
        ("`a + 1.0`", {"tb": "a + 1.0", "numpy": "x + 1.0", "torch": "ta + 1.0"}),
        ("`a * b` into `out=`", {"tb": "tb.mul(a, b, out=c)", "numpy": "np.multiply(x, y, out=z)",
                                 "torch": "torch.mul(ta, tb_, out=tc)"}),
        ("`a += b`", {"tb": ("a = c", "a += b"), "numpy": ("x = z", "x += y"), "torch": ("ta = tc", "ta += tb_")}),
        ("`a < b`", {"tb": "a < b", "numpy": "x < y", "torch": "ta < tb_"}),
        ("`exp(a)`", {"tb": "tb.exp(a)", "numpy": "np.exp(x)", "torch": "torch.exp(ta)"}),
    ]
    return [(label, best_times(stmts, env, repeats, 0.02)) for label, stmts in cases]


def matmul_rows(repeats, budget):
    rows = []
    for n in (64, 256, 1024):
        rng = np.random.default_rng(n)
        x = rng.standard_normal((n, n), dtype=np.float32)
        y = rng.standard_normal((n, n), dtype=np.float32)
        env = dict(np=np, tb=tb, torch=torch, x=x, y=y, a=tb.from_numpy(x), b=tb.from_numpy(y),
                   ta=torch.from_numpy(x), tb_=torch.from_numpy(y))
        t = best_times({"tb": "tb.matmul(a, b)", "numpy": "np.matmul(x, y)", "torch": "torch.matmul(ta, tb_)"},
                       env, repeats, budget)
        rows.append((n, t))
    return rows


def blas_line() -> str:
    if threadpool_info is None:
        return "threadpoolctl not installed: NumPy's BLAS kernel unknown"
    parts = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            parts.append(f"{info.get('internal_api')} {info.get('version')} ({os.path.basename(info.get('filepath', ''))}), "
                         f"kernel {info.get('architecture')}, {info.get('num_threads')} thread(s)")
    return "; ".join(parts) or "no BLAS found by threadpoolctl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--repeats", type=int, default=9, help="rounds per comparison (best counts)")
    parser.add_argument("--dram", type=int, default=100_000_000,
                        help="elements of the above-cache bandwidth row (0 to skip)")
    args = parser.parse_args()
    repeats, budget = (3, 0.01) if args.quick else (args.repeats, 0.05)
    sizes = (1_000, 100_000, 10_000_000)

    load0 = os.getloadavg()[0]
    print(f"{cpu_name()}, {os.cpu_count()} CPUs; Python {platform.python_version()}, NumPy {np.__version__}, "
          f"PyTorch {torch.__version__}, tensorbridge {tb.__version__}; one thread")
    print(f"NumPy BLAS: {blas_line()}")
    print()

    print("### Per-call cost, 1,000 float32 elements (µs per call)")
    print()
    print("| expression | tensorbridge | NumPy | PyTorch | NumPy / tb | PyTorch / tb |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, t in overhead_rows(repeats):
        print(f"| {label} | {fmt_us(t['tb'])} | {fmt_us(t['numpy'])} | {fmt_us(t['torch'])} | "
              f"{ratio(t['numpy'], t['tb'])} | {ratio(t['torch'], t['tb'])} |")
    print()

    print("### Elementwise ops and sum, float32 (µs per call)")
    print()
    print("| op | elements | layout | output | tensorbridge | NumPy | PyTorch | NumPy / tb | PyTorch / tb |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|")
    for op, n, layout, mode, t in elementwise_rows(sizes, repeats, budget):
        print(f"| {op} | {n:,} | {layout} | {mode} | {fmt_us(t['tb'])} | {fmt_us(t['numpy'])} | "
              f"{fmt_us(t['torch'])} | {ratio(t['numpy'], t['tb'])} | {ratio(t['torch'], t['tb'])} |")
    print()

    print("### Reductions along a dim, 10^6 float32 (µs per call)")
    print()
    print("| op | shape | tensorbridge | NumPy | PyTorch | NumPy / tb | PyTorch / tb |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for op, shape, t in reduce_rows(repeats, budget):
        print(f"| {op} | {shape[0]:,} x {shape[1]:,} | {fmt_us(t['tb'])} | {fmt_us(t['numpy'])} | "
              f"{fmt_us(t['torch'])} | {ratio(t['numpy'], t['tb'])} | {ratio(t['torch'], t['tb'])} |")
    print()

    print("### Selection by a random mask, 1000 x 1000 float32 (µs per call)")
    print()
    print("| op | tensorbridge | NumPy | PyTorch | NumPy / tb | PyTorch / tb |")
    print("|---|---:|---:|---:|---:|---:|")
    for op, t in select_rows(repeats, budget):
        print(f"| `{op}` | {fmt_us(t['tb'])} | {fmt_us(t['numpy'])} | {fmt_us(t['torch'])} | "
              f"{ratio(t['numpy'], t['tb'])} | {ratio(t['torch'], t['tb'])} |")
    print()

    bw_sizes = sizes + ((args.dram,) if args.dram else ())
    print("### Bandwidth: `add` into `out=` (12 bytes per element) against memcpy (`np.copyto`, 8 bytes per element), GB/s")
    print()
    print("| elements | copy (ceiling) | tensorbridge | NumPy | PyTorch | tb / ceiling |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, copy_gbs, gbs in bandwidth_rows(bw_sizes, max(3, repeats // 3) if not args.quick else 2, budget):
        print(f"| {n:,} | {copy_gbs:.1f} | {gbs['tb']:.1f} | {gbs['numpy']:.1f} | {gbs['torch']:.1f} | "
              f"{gbs['tb'] / copy_gbs:.0%} |")
    print()

    if hasattr(tb, "matmul"):
        print("### matmul, float32 n x n (µs per call; GFLOP/s = 2 n^3 / time)")
        print()
        print("| n | tensorbridge | NumPy | PyTorch | tb GFLOP/s | NumPy GFLOP/s | PyTorch GFLOP/s | NumPy / tb | PyTorch / tb |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n, t in matmul_rows(repeats, budget):
            g = {k: 2 * n**3 / t[k] / 1e9 for k in LIBS}
            print(f"| {n} | {fmt_us(t['tb'])} | {fmt_us(t['numpy'])} | {fmt_us(t['torch'])} | {g['tb']:.0f} | "
                  f"{g['numpy']:.0f} | {g['torch']:.0f} | {ratio(t['numpy'], t['tb'])} | {ratio(t['torch'], t['tb'])} |")
        print()
    else:
        print("(matmul skipped: this tensorbridge build has no tb.matmul)")

    print(f"load average: {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
