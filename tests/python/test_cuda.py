"""tensorbridge.cuda and Tensor.cuda()/cpu() in a build without CUDA support: torch-style
device checks work, and moving to a GPU is a clear error instead of a crash."""

import pytest

import tensorbridge as tb


def test_cuda_is_not_available_in_this_build():
    assert tb.cuda.is_available() is False
    assert tb.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="no CUDA support"):
        tb.cuda.synchronize()


def test_device_choice_idiom_falls_back_to_cpu():
    device = "cuda" if tb.cuda.is_available() else "cpu"
    t = tb.ones(3, device=device)
    assert t.device == tb.device("cpu")


@pytest.mark.parametrize("args", [(), (0,), ("cuda:1",), (tb.device("cuda", 0),)])
def test_tensor_cuda_raises_naming_the_reason(args):
    t = tb.arange(6).reshape(2, 3)
    with pytest.raises(RuntimeError, match=r"cuda: cannot move a tensor of shape \[2, 3\].*no CUDA"):
        t.cuda(*args)


def test_tensor_cuda_refuses_a_cpu_device():
    with pytest.raises(RuntimeError, match="expected a CUDA device, got cpu"):
        tb.ones(2).cuda("cpu")


def test_cpu_of_a_cpu_tensor_is_the_tensor_itself():
    t = tb.ones(4)
    assert t.cpu() is t
    assert t.to("cpu") is t
