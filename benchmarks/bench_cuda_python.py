"""tensorbridge's CUDA build from Python, next to PyTorch (and CuPy) in the same process.

Usage: python benchmarks/bench_cuda_python.py   (tests/gpu/run.sh runs it after building
the extension with TENSORBRIDGE_CUDA=ON)

Cases: the DLPack and __cuda_array_interface__ exchanges (ns per call, the consumer named
first), per-call cost of a small op on the GPU (host time per call, no synchronization),
add/exp/sum on 10^8 float32 (CUDA events), and device-to-host copies of 10^8 float32 into
fresh pageable memory (Tensor.cpu()). Ratio = PyTorch's time / ours (> 1: we are faster).
"""

import time

import tensorbridge as tb
from bench_common import cuda_seconds

N = 100_000_000


def per_call_ns(fn, reps=20000):
    fn()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best * 1e9


def host_seconds(torch, fn, reps=5):
    fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def row(case, unit, ours, theirs, lower_is_better):
    ratio = theirs / ours if lower_is_better else ours / theirs
    print(f"{case:<44}{unit:>6}{ours:>14.1f}{theirs:>12.1f}{ratio:>8.2f}")


def main():
    import torch

    assert tb.cuda.is_available(), "needs the CUDA build of tensorbridge and a GPU"
    print(f"PyTorch {torch.__version__}, {torch.cuda.get_device_name()}")
    print(f"{'case (tensorbridge vs PyTorch)':<44}{'unit':>6}{'tensorbridge':>14}{'PyTorch':>12}{'ratio':>8}")
    try:
        import cupy

        c = cupy.ones(1024, dtype=cupy.float32)
        row("from_dlpack(cupy array)", "ns", per_call_ns(lambda: tb.from_dlpack(c)),
            per_call_ns(lambda: torch.from_dlpack(c)), True)
        ours_t, torch_t = tb.ones(1024, device="cuda"), torch.ones(1024, device="cuda")
        row("cupy.from_dlpack(x)", "ns", per_call_ns(lambda: cupy.from_dlpack(ours_t)),
            per_call_ns(lambda: cupy.from_dlpack(torch_t)), True)
        row("cupy.asarray(x) (__cuda_array_interface__)", "ns",
            per_call_ns(lambda: cupy.asarray(ours_t)), per_call_ns(lambda: cupy.asarray(torch_t)), True)
    except ImportError:
        print("(CuPy not installed: its rows are left out)")
    t = torch.ones(1024, device="cuda")
    ours = tb.ones(1024, device="cuda")
    row("from_dlpack(torch tensor)", "ns", per_call_ns(lambda: tb.from_dlpack(t)),
        per_call_ns(lambda: torch.from_dlpack(t)), True)
    row("torch.from_dlpack(x)", "ns", per_call_ns(lambda: torch.from_dlpack(ours)),
        per_call_ns(lambda: torch.from_dlpack(t)), True)

    small_a, small_b = tb.ones(1000, device="cuda"), tb.ones(1000, device="cuda")
    ta, tb_ = torch.ones(1000, device="cuda"), torch.ones(1000, device="cuda")
    row("a + b, 10^3 float32 (launch cost)", "ns", per_call_ns(lambda: small_a + small_b, 5000),
        per_call_ns(lambda: ta + tb_, 5000), True)
    torch.cuda.synchronize()

    a, b = tb.full((N,), 1.5, device="cuda"), tb.full((N,), 2.5, device="cuda")
    x, y = torch.full((N,), 1.5, device="cuda"), torch.full((N,), 2.5, device="cuda")
    for name, nbytes, mine, theirs in [
        ("add, 10^8 float32", 12 * N, lambda: a + b, lambda: x + y),
        ("exp, 10^8 float32", 8 * N, lambda: a.exp(), lambda: x.exp()),
        ("sum, 10^8 float32", 4 * N, lambda: a.sum(), lambda: x.sum()),
    ]:
        row(name, "GB/s", nbytes / cuda_seconds(torch, mine) / 1e9,
            nbytes / cuda_seconds(torch, theirs) / 1e9, False)
    row("Tensor.cpu(), 10^8 float32 (pageable)", "GB/s", 4 * N / host_seconds(torch, lambda: a.cpu()) / 1e9,
        4 * N / host_seconds(torch, lambda: x.cpu()) / 1e9, False)


if __name__ == "__main__":
    main()
