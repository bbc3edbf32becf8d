"""What the Python benchmark scripts share: the machine line of their reports, and timing
GPU work with PyTorch's CUDA events."""

from __future__ import annotations

import platform


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cuda_seconds(torch, fn, reps: int = 20) -> float:
    """Seconds per call of fn's GPU work, by CUDA events on the current stream (after one
    warm-up call)."""
    fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    stop.record()
    stop.synchronize()
    return start.elapsed_time(stop) / 1e3 / reps
