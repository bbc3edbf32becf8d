"""Per-call latency of tensorbridge's zero-copy exchange, next to PyTorch's, in one run.

Not a test: prints a markdown table (best of --repeat timings of --number calls each, ours
and theirs in alternation, one thread) for 10 and 10**7 float32 elements. Each row pairs one
of our operations with its PyTorch counterpart: a consumer with PyTorch's consumer of the same
object, a producer with a PyTorch tensor handed to the same consumer. ratio = ours / theirs
(below 1: ours is faster). Zero-copy means both columns stay flat in the size.

    python benchmarks/bench_interop.py [--number 2000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import timeit

import numpy as np
import torch

import tensorbridge as tb
from bench_common import cpu_name  # noqa: E402


def best_us_pair(fn, fn_theirs, number: int, repeat: int) -> tuple[float, float]:
    """Best per-call time of each, timed in alternation so that both see the same machine
    (a busy machine slows down stretches of time, not one function)."""
    fn(), fn_theirs()  # warm caches (NumPy's buffer info, lazy imports)
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(timeit.timeit(fn, number=number))
        theirs.append(timeit.timeit(fn_theirs, number=number))
    return min(ours) / number * 1e6, min(theirs) / number * 1e6


def cases(n: int):
    a = np.ones(n, dtype=np.float32)
    t = tb.ones(n)  # tensorbridge-owned memory
    x = torch.ones(n)
    # Consumers are compared on the same input, producers under the same consumer.
    return [
        ("tb.from_numpy(a)", lambda: tb.from_numpy(a), "torch.from_numpy(a)", lambda: torch.from_numpy(a)),
        ("t.numpy()", lambda: t.numpy(), "x.numpy()", lambda: x.numpy()),
        ("tb.from_dlpack(a)", lambda: tb.from_dlpack(a), "torch.from_dlpack(a)", lambda: torch.from_dlpack(a)),
        ("tb.from_dlpack(x)", lambda: tb.from_dlpack(x), "torch.from_dlpack(x)", lambda: torch.from_dlpack(x)),
        ("np.from_dlpack(t)", lambda: np.from_dlpack(t), "np.from_dlpack(x)", lambda: np.from_dlpack(x)),
        ("torch.from_dlpack(t)", lambda: torch.from_dlpack(t), "torch.from_dlpack(x)", lambda: torch.from_dlpack(x)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per timing")
    parser.add_argument("--repeat", type=int, default=50, help="timings of each; the best is kept")
    args = parser.parse_args()
    torch.set_num_threads(1)

    print(f"{datetime.date.today()}, {cpu_name()}, Python {platform.python_version()}, "
          f"NumPy {np.__version__}, PyTorch {torch.__version__}, tensorbridge {tb.__version__}; "
          f"best of {args.repeat} x {args.number} calls, 1 thread\n")
    print("| ours | elements | ours (µs) | PyTorch counterpart | theirs (µs) | ratio |")
    print("|---|---:|---:|---|---:|---:|")
    for n in (10, 10**7):
        for ours, fn, theirs, fn_theirs in cases(n):
            us, them = best_us_pair(fn, fn_theirs, args.number, args.repeat)
            print(f"| `{ours}` | {n:,} | {us:.3f} | `{theirs}` | {them:.3f} | {us / them:.2f} |")


if __name__ == "__main__":
    main()
