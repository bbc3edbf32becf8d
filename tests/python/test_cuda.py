"""tensorbridge.cuda and Tensor.cuda()/cpu() in a build without CUDA support: torch-style
device checks work, and moving to a GPU is a clear error instead of a crash. (The CUDA
build on a GPU is tested by test_cuda_gpu.py.)"""

import pytest

import tensorbridge as tb

pytestmark = pytest.mark.skipif(tb.cuda.is_built(), reason="tests the build without CUDA support")


def test_cuda_is_not_available_in_this_build():
    assert tb.cuda.is_available() is False and tb.cuda.is_built() is False
    assert tb.cuda.device_count() == 0
    for call in (tb.cuda.synchronize, tb.cuda.current_device, lambda: tb.cuda.set_device(0)):
        with pytest.raises(RuntimeError, match="no CUDA support"):
            call()


@pytest.mark.parametrize("make", [
    lambda: tb.tensor([1.0], device="cuda"),
    lambda: tb.as_tensor([1.0], device="cuda"),
    lambda: tb.zeros(2, device="cuda"),
    lambda: tb.full((2,), 1.0, device="cuda"),
    lambda: tb.arange(3, device="cuda"),
    lambda: tb.linspace(0, 1, 3, device="cuda"),
    lambda: tb.eye(2, device="cuda"),
    lambda: tb.randn(3, device="cuda"),
    lambda: tb.randint(5, (3,), device="cuda"),
    lambda: tb.zeros_like(tb.ones(2), device="cuda"),
    lambda: tb.ones(2).to("cuda"),
    lambda: tb.ones(2).to("cuda:0", tb.float64),
    lambda: tb.nn.Linear(2, 2).to("cuda"),
    lambda: tb.nn.Linear(2, 2).cuda(),
])
def test_every_way_to_a_gpu_says_this_build_has_no_cuda(make):
    with pytest.raises(RuntimeError, match="no CUDA support"):
        make()


def test_cpu_tensors_have_no_cuda_array_interface():
    assert not hasattr(tb.ones(2), "__cuda_array_interface__")
    with pytest.raises(RuntimeError, match="no CUDA support"):
        tb._C._from_cuda_array_interface(object())


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
