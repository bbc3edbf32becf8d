"""tb.einsum next to torch.einsum in one process, on one thread.

Times a batched product ('bij,bjk->bik'), a chain of three matrices ('ij,jk,kl->il') and
batched dot products ('bi,bi->b') in float32 on the same memory (zero-copy views of NumPy
arrays), the libraries timed in alternation (each round times each once; the best round
counts), and prints the seconds per call and torch / tensorbridge (above 1: tensorbridge is faster), for torch.einsum as it is and with
its opt_einsum path search off ("no-opt"). tb.matmul on the batched operands is printed too,
as the floor einsum's own bookkeeping adds to.

    OMP_NUM_THREADS=1 python benchmarks/bench_einsum.py
"""

from __future__ import annotations

import os
import timeit

os.environ["OMP_NUM_THREADS"] = "1"  # before the libraries start their pools

import numpy as np  # noqa: E402
import torch  # noqa: E402

import tensorbridge as tb  # noqa: E402
from bench_common import cpu_name  # noqa: E402

torch.set_num_threads(1)


def best(fns: dict, repeats: int = 7, min_s: float = 0.2) -> dict:
    """Seconds per call of each fn: the best of `repeats` rounds, timed in alternation."""
    numbers = {}
    for name, fn in fns.items():
        fn()
        n, t = 1, 0.0
        while t < min_s / repeats:
            n *= 2
            t = timeit.timeit(fn, number=n)
        numbers[name] = n
    times = {name: float("inf") for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name] = min(times[name], timeit.timeit(fn, number=numbers[name]) / numbers[name])
    return times


def no_path_search(equation: str, operands: list) -> object:
    """torch.einsum without opt_einsum's contraction-path search (which it runs in Python for
    3+ operands): left to right, as tb.einsum."""
    torch.backends.opt_einsum.enabled = False
    try:
        return torch.einsum(equation, *operands)
    finally:
        torch.backends.opt_einsum.enabled = True


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{cpu_name()}, one thread, torch {torch.__version__}")
    cases = [
        ("bij,bjk->bik", [(64, 32, 32), (64, 32, 32)]),
        ("bij,bjk->bik", [(16, 128, 128), (16, 128, 128)]),
        ("ij,jk,kl->il", [(64, 64), (64, 64), (64, 64)]),
        ("ij,jk,kl->il", [(256, 256), (256, 256), (256, 256)]),
        ("bi,bi->b", [(10000, 16), (10000, 16)]),
    ]
    print(f"{'equation':<16} {'shapes':<28} {'tb us':>9} {'torch us':>9} {'torch/tb':>8}"
          f" {'no-opt us':>9} {'ratio':>6}")
    for equation, shapes in cases:
        arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        ours = [tb.from_numpy(a) for a in arrays]
        theirs = [torch.from_numpy(a) for a in arrays]
        fns = {
            "tb": lambda: tb.einsum(equation, *ours),
            "torch": lambda: torch.einsum(equation, *theirs),
            "torch, no opt_einsum": lambda: no_path_search(equation, theirs),
        }
        if equation.startswith("bij"):
            fns["tb.matmul"] = lambda: tb.matmul(ours[0], ours[1])
        t = best(fns)
        shape_text = " ".join("x".join(map(str, s)) for s in shapes)
        plain = t["torch, no opt_einsum"]
        line = (f"{equation:<16} {shape_text:<28} {t['tb'] * 1e6:9.1f} {t['torch'] * 1e6:9.1f} "
                f"{t['torch'] / t['tb']:8.2f} {plain * 1e6:9.1f} {plain / t['tb']:6.2f}")
        if "tb.matmul" in t:
            line += f"   (tb.matmul {t['tb.matmul'] * 1e6:.1f} us)"
        print(line)


if __name__ == "__main__":
    main()
