"""Autograd, nn and optim from Python, next to PyTorch eager, in one process.

Not a test: prints a markdown table of per-call times (best of --repeat timings, ours and
PyTorch's in alternation so both see the same machine, one thread) and the ratio
PyTorch / tensorbridge (above 1: tensorbridge is faster).

  tiny op            tanh of a 1-element tensor that requires grad (the cost of recording)
  tiny fwd+bwd       mse_loss(tanh(x), t).backward() on 4 elements
  linreg step        one epoch of examples/linear_regression.py: model(x), MSELoss, zero_grad,
                     backward, SGD step (100 samples; the loop runs 1,000 epochs)
  mlp step           batch 64, 784-128-10 MLP with ReLU, cross-entropy, Adam
  numpy linreg step  the same linear-regression epoch written by hand in NumPy (a floor)

    python benchmarks/bench_autograd.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # tensorbridge's kernels: one thread, like torch's below

import numpy as np  # noqa: E402
import torch  # noqa: E402

import tensorbridge as tb  # noqa: E402
from bench_common import cpu_name  # noqa: E402


def per_call_us(fn, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e6


def best_pair(ours, theirs, number: int, repeat: int) -> tuple[float, float]:
    ours(), theirs()  # warm up (lazy initialisation, first allocations)
    a, b = [], []
    for _ in range(repeat):
        a.append(per_call_us(ours, number))
        b.append(per_call_us(theirs, number))
    return min(a), min(b)


# ---- the cases, each built the same way for both libraries ------------------------------------
def tiny_op(lib):
    x = lib.tensor([0.5], requires_grad=True)
    tanh = lib.nn.functional.tanh
    return lambda: tanh(x)


def tiny_forward_backward(lib):
    x = lib.tensor([0.5, -1.0, 2.0, 0.1], requires_grad=True)
    t = lib.zeros(4)
    F = lib.nn.functional

    def step():
        F.mse_loss(F.tanh(x), t).backward()

    return step


def linreg_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, size=(100, 1)).astype(np.float32)
    y = (2 * x + 1 + rng.normal(0, 1, size=(100, 1))).astype(np.float32)
    return x, y


def linreg_step(lib):
    nn, optim = lib.nn, lib.optim

    class LinearRegression(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(1, 1)

        def forward(self, x):
            return self.linear(x)

    x, y = linreg_data()
    x_t, y_t = lib.from_numpy(x).float(), lib.from_numpy(y).float()
    model = LinearRegression()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)

    def step():
        outputs = model(x_t)
        loss = criterion(outputs, y_t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def numpy_linreg_step():
    x, y = linreg_data()
    w, b = np.float32(0.5), np.float32(0.0)
    n = np.float32(x.shape[0])

    def step():
        nonlocal w, b
        pred = x * w + b
        diff = pred - y
        _loss = (diff * diff).mean()
        g = 2 * diff / n
        w = w - np.float32(0.01) * (g * x).sum()
        b = b - np.float32(0.01) * g.sum()

    return step


def mlp_step(lib):
    nn, optim = lib.nn, lib.optim
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((64, 784)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 64))
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)

    rows = [
        ("tiny op (tanh, requires_grad)", tiny_op(tb), tiny_op(torch), 20000),
        ("tiny forward+backward", tiny_forward_backward(tb), tiny_forward_backward(torch), 5000),
        ("linear regression step", linreg_step(tb), linreg_step(torch), 2000),
        ("MLP step (64x784-128-10, Adam)", mlp_step(tb), mlp_step(torch), 50),
    ]
    print(f"{cpu_name()}, Python {platform.python_version()}, torch {torch.__version__}, "
          f"tensorbridge {tb.__version__}, one thread, {datetime.date.today()}\n")
    print("| case | tensorbridge (us) | PyTorch (us) | PyTorch / tensorbridge |")
    print("|---|---:|---:|---:|")
    for name, ours, theirs, number in rows:
        a, b = best_pair(ours, theirs, number, args.repeat)
        print(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.2f} |")
    floor = min(per_call_us(numpy_linreg_step(), 2000) for _ in range(args.repeat))
    print(f"| linear regression step, hand-written NumPy | {floor:.2f} | | |")


if __name__ == "__main__":
    main()
