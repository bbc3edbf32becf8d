"""Step-by-step smoke test of tensorbridge's CUDA build from Python, for tests/gpu/run.sh.

Usage: python tests/gpu/python_smoke.py STAGE
  STAGE: alone, torch_first (PyTorch's CUDA context made first), torch_imported (PyTorch
  imported first, its CUDA untouched until the DLPack step: as in pytest, where the crash
  was), torch_after

The extension once crashed (SIGSEGV) on a GPU machine at the first C++ exception it raised,
with PyTorch in the process, and could not be reproduced without a GPU. Each stage runs in a
process of its own and prints a line before every step (flushed), so that a crash names the
step and the conditions. Exits 0 when every step passed.
"""

import sys


def step(name):
    print(f"  step: {name}", flush=True)


def raises(fn, exc_type, text):
    try:
        fn()
    except exc_type as e:
        assert text in str(e), f"unexpected message: {e}"
        return
    raise AssertionError(f"expected {exc_type.__name__} containing {text!r}")


def load_torch_cuda():
    step("import torch, create its CUDA context")
    import torch

    assert torch.cuda.is_available(), "PyTorch sees no GPU"
    torch.ones(4, device="cuda").sum().item()
    return torch


def exercise(tb, torch):
    step("a C++ exception before any CUDA call (shape mismatch)")
    raises(lambda: tb.ones(2) + tb.ones(3), ValueError, "must match")
    step("device_count / current_device / synchronize (creates the CUDA context)")
    n = tb.cuda.device_count()
    assert n >= 1 and tb.cuda.current_device() == 0
    tb.cuda.synchronize()
    step("a C++ exception with the CUDA context alive (shape mismatch)")
    raises(lambda: tb.ones(2) + tb.ones(3), ValueError, "must match")
    step(f"the device error (cuda:{n} does not exist)")
    raises(lambda: tb.zeros(2, device=f"cuda:{n}"), RuntimeError, "not available")
    step("tensors on the GPU: ones, add, exp, sum, cpu()")
    x = tb.ones(1000, device="cuda")
    total = (x + x).exp().sum().cpu().item()
    assert abs(total - 1000 * 7.38905609893065) < 1e-2, total
    step("a C++ exception from a CUDA op (cuda + cpu operands)")
    raises(lambda: x + tb.ones(1000), RuntimeError, "device")
    if torch is not None:
        step("DLPack both ways with PyTorch")
        t = torch.arange(6, device="cuda", dtype=torch.float32)
        ours = tb.from_dlpack(t)
        assert ours.data_ptr() == t.data_ptr()
        back = torch.from_dlpack(ours)
        assert back.data_ptr() == t.data_ptr()
        torch.cuda.synchronize()


def main(stage):
    torch = None
    if stage == "torch_first":
        torch = load_torch_cuda()
    elif stage == "torch_imported":
        step("import torch (its CUDA untouched)")
        import torch
    step("import tensorbridge")
    import tensorbridge as tb

    print(f"  tensorbridge {tb.__version__} from {tb.__file__}; cuda built: {tb.cuda.is_built()}",
          flush=True)
    if stage == "torch_after":
        torch = load_torch_cuda()
    exercise(tb, torch)
    print(f"stage {stage}: passed", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("alone", "torch_first", "torch_imported", "torch_after"):
        sys.exit(__doc__)
    main(sys.argv[1])
