"""tensorbridge on a GPU, from Python: factories and moves, math, autograd and nn on CUDA
tensors, and zero-copy exchange with PyTorch, CuPy and JAX through DLPack (with its stream
contract) and __cuda_array_interface__. Needs the CUDA build of the extension
(TENSORBRIDGE_CUDA=ON) and a GPU; skipped elsewhere. tests/gpu/run.sh runs it on a GPU
machine."""

import gc
import os
import sys

import numpy as np
import pytest

import tensorbridge as tb

pytestmark = pytest.mark.skipif(not tb.cuda.is_available(), reason="needs a CUDA build and a GPU")

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # JAX must share the GPU


def torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch has no CUDA here")
    return torch


DTYPES = ["float32", "float64", "float16", "bfloat16", "int32", "int64", "int8", "uint8", "bool"]


# ---- devices, factories, moves ------------------------------------------------------------


def test_device_queries():
    assert tb.cuda.is_built() and tb.cuda.device_count() >= 1
    assert tb.cuda.current_device() == 0
    tb.cuda.set_device(0)
    tb.cuda.synchronize()
    tb.cuda.synchronize("cuda:0")
    with pytest.raises(RuntimeError, match="not available"):
        tb.zeros(2, device=f"cuda:{tb.cuda.device_count()}")


@pytest.mark.parametrize("make", [
    lambda d: tb.zeros(2, 3, device=d),
    lambda d: tb.ones(2, 3, dtype=tb.int64, device=d),
    lambda d: tb.full((4,), 2.5, device=d),
    lambda d: tb.arange(10, device=d),
    lambda d: tb.linspace(0, 1, 7, device=d),
    lambda d: tb.eye(3, device=d),
    lambda d: tb.tensor([[1.0, 2.0], [3.0, 4.0]], device=d),
    lambda d: tb.as_tensor(np.arange(6.0).reshape(2, 3), device=d),
])
def test_factories_on_cuda_hold_the_cpu_values(make):
    g, c = make("cuda"), make("cpu")
    assert g.device == tb.device("cuda", 0) and g.is_cuda and not c.is_cuda
    assert g.dtype == c.dtype and g.shape == c.shape
    np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())


def test_random_factories_on_cuda_are_the_generators_values():
    tb.manual_seed(7)
    g = tb.randn(1000, device="cuda")
    tb.manual_seed(7)
    c = tb.randn(1000)
    assert g.is_cuda
    np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_moves_round_trip_every_dtype_and_layout(dtype):
    d = getattr(tb, dtype)
    base = tb.arange(24).reshape(2, 3, 4).to(d)
    for view in (base, base.transpose(0, 2), base[:, ::2, 1:]):
        for there in (view.cuda(), view.to("cuda"), view.to(device="cuda:0"), view.to(tb.device("cuda", 0))):
            assert there.is_cuda and there.dtype == d and there.shape == view.shape
            back = there.cpu()
            assert not back.is_cuda
            assert back.float().tolist() == view.float().tolist()


def test_to_device_and_dtype_together_and_no_op_moves():
    g = tb.arange(5).cuda()
    assert g.cuda() is g and g.to("cuda") is g
    h = g.to("cuda", tb.float64)
    assert h.is_cuda and h.dtype == tb.float64
    c = g.to("cpu", dtype=tb.float32)
    assert not c.is_cuda and c.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    dst = tb.zeros(5, dtype=tb.int64, device="cuda")
    dst.copy_(tb.arange(5), non_blocking=True)
    tb.cuda.synchronize()
    assert dst.tolist() == [0, 1, 2, 3, 4]


# ---- math on the GPU ----------------------------------------------------------------------


def test_math_matches_pytorch_on_the_gpu():
    torch = torch_cuda()
    a_np = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)
    b_np = np.random.default_rng(1).standard_normal((32, 16)).astype(np.float32)
    a, b = tb.from_numpy(a_np).cuda(), tb.from_numpy(b_np).cuda()
    ta, tb_ = torch.from_numpy(a_np).cuda(), torch.from_numpy(b_np).cuda()
    cases = [
        ((a * 2 + 1).exp(), (ta * 2 + 1).exp()),
        (a.sum(dim=0), ta.sum(dim=0)),
        (a.mean(), ta.mean()),
        (a.amax(dim=1), ta.amax(dim=1)),
        (a @ b, ta @ tb_),
        (a.relu() - a.sigmoid(), ta.relu() - ta.sigmoid()),
        (tb.cat([a, a * 2], dim=1), torch.cat([ta, ta * 2], dim=1)),
        (tb.stack([b, b]), torch.stack([tb_, tb_])),
        (tb.where(a > 0, a, -a), torch.where(ta > 0, ta, -ta)),
    ]
    for ours, theirs in cases:
        assert ours.is_cuda
        np.testing.assert_allclose(ours.cpu().numpy(), theirs.cpu().numpy(), rtol=2e-5, atol=2e-5)


def test_mixing_devices_names_both():
    with pytest.raises(RuntimeError, match=r"cuda:0.*cpu|cpu.*cuda:0"):
        tb.ones(3, device="cuda") + tb.ones(3)


def test_numpy_of_a_cuda_tensor_says_to_copy_first():
    with pytest.raises(TypeError, match="cuda"):
        tb.ones(3, device="cuda").numpy()


# ---- autograd, nn and optim on the GPU ----------------------------------------------------


def test_gradients_on_cuda_match_the_cpu():
    x_np = np.random.default_rng(2).standard_normal((8, 5))
    grads = []
    for device in ("cpu", "cuda"):
        x = tb.tensor(x_np, device=device, requires_grad=True)
        w = tb.tensor(np.linspace(-1, 1, 15).reshape(5, 3), device=device, requires_grad=True)
        y = ((x @ w).tanh() * x.sum(dim=1, keepdim=True)).exp().mean()
        y.backward()
        assert x.grad.device == x.device and w.grad.device == w.device
        grads.append((y.item(), x.grad.cpu().numpy(), w.grad.cpu().numpy()))
    (y0, gx0, gw0), (y1, gx1, gw1) = grads
    assert y0 == pytest.approx(y1, rel=1e-12)
    np.testing.assert_allclose(gx1, gx0, rtol=1e-10)
    np.testing.assert_allclose(gw1, gw0, rtol=1e-10)


def test_linear_regression_trains_on_cuda_like_on_the_cpu():
    rng = np.random.default_rng(3)
    x_np = rng.uniform(0, 10, (100, 1)).astype(np.float32)
    y_np = (2 * x_np + 1 + rng.normal(0, 1, (100, 1))).astype(np.float32)
    losses = {}
    for device in ("cpu", "cuda"):
        tb.manual_seed(0)
        model = tb.nn.Linear(1, 1)
        model.to(device)
        assert model.weight.is_cuda == (device == "cuda")
        optimizer = tb.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = tb.nn.MSELoss()
        x, y = tb.from_numpy(x_np).to(device), tb.from_numpy(y_np).to(device)
        history = []
        for _ in range(50):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            history.append(loss.item())
        losses[device] = history
        prediction = model(x).detach().cpu().numpy()
        assert prediction.shape == (100, 1)
    np.testing.assert_allclose(losses["cuda"], losses["cpu"], rtol=1e-4)


def test_module_cuda_keeps_parameter_identity():
    net = tb.nn.Sequential(tb.nn.Linear(4, 3), tb.nn.ReLU(), tb.nn.Linear(3, 2))
    params = list(net.parameters())
    assert net.cuda() is net
    assert all(p is q and p.is_cuda for p, q in zip(params, net.parameters()))
    out = net(tb.ones(5, 4, device="cuda"))
    assert out.is_cuda and out.shape == (5, 2)
    net.cpu()
    assert not any(p.is_cuda for p in net.parameters())


def test_conv_pool_and_batch_norm_run_on_cuda_like_on_the_cpu():
    # Composites of ops that have CUDA kernels (nn/_convolution.py, _pooling.py, batch_norm):
    # the same model gives the CPU's outputs, gradients, running statistics and indices.
    x_np = np.random.default_rng(5).standard_normal((4, 3, 9, 8)).astype(np.float32)
    results = {}
    for device in ("cpu", "cuda"):
        tb.manual_seed(0)
        model = tb.nn.Sequential(
            tb.nn.Conv2d(3, 4, 3, stride=(1, 2), padding=1), tb.nn.BatchNorm2d(4, momentum=None), tb.nn.ReLU(),
            tb.nn.MaxPool2d(2, ceil_mode=True), tb.nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
            tb.nn.Conv2d(4, 4, 2, groups=2), tb.nn.AdaptiveAvgPool2d((2, 1)), tb.nn.Flatten(), tb.nn.Linear(8, 2),
        ).to(device)
        x = tb.tensor(x_np, device=device, requires_grad=True)
        out = model(x)
        (out * out).sum().backward()
        _, indices = tb.nn.functional.max_pool2d(x, 3, 2, padding=1, return_indices=True)
        padded = tb.nn.functional.pad(x, (1, 2, -1, 0), value=0.5)
        results[device] = [out, x.grad, indices, padded] + [p.grad for p in model.parameters()] + list(model.buffers())
        assert out.is_cuda == (device == "cuda")
    for cpu, cuda in zip(results["cpu"], results["cuda"]):
        np.testing.assert_allclose(cuda.detach().cpu().numpy(), cpu.detach().numpy(), rtol=1e-4, atol=1e-5)


# ---- DLPack with PyTorch ------------------------------------------------------------------


def test_dlpack_with_pytorch_shares_device_memory_both_ways():
    torch = torch_cuda()
    t = torch.arange(12, dtype=torch.float32, device="cuda").reshape(3, 4)
    ours = tb.from_dlpack(t)
    assert ours.is_cuda and ours.data_ptr() == t.data_ptr() and ours.shape == (3, 4)
    ours[1, 2] = 100.0
    assert t[1, 2].item() == 100.0
    t[0, 0] = -1.0
    assert ours[0, 0].item() == -1.0
    back = torch.from_dlpack(ours)
    assert back.device.type == "cuda" and back.data_ptr() == t.data_ptr()


def test_dlpack_import_outlives_the_producer():
    torch = torch_cuda()
    t = torch.full((1 << 20,), 3.0, device="cuda")
    ours = tb.from_dlpack(t)
    del t
    gc.collect()
    torch.cuda.empty_cache()
    assert ours.sum().item() == 3.0 * (1 << 20)


def test_dlpack_non_contiguous_views_keep_their_strides():
    torch = torch_cuda()
    t = torch.arange(24.0, device="cuda").reshape(4, 6)[:, 1::2].t()
    ours = tb.from_dlpack(t)
    assert ours.stride() == t.stride() and ours.data_ptr() == t.data_ptr()
    assert ours.cpu().tolist() == t.cpu().tolist()


class StreamSpy:
    """A producer that records the stream= its consumer passes, then delegates."""

    def __init__(self, tensor):
        self.tensor, self.streams = tensor, []

    def __dlpack_device__(self):
        return self.tensor.__dlpack_device__()

    def __dlpack__(self, **kwargs):
        self.streams.append(kwargs.get("stream"))
        return self.tensor.__dlpack__(**kwargs)


def test_consumer_passes_its_current_stream():
    torch = torch_cuda()
    spy = StreamSpy(torch.ones(4, device="cuda"))
    tb.from_dlpack(spy)
    assert spy.streams == [1]  # tensorbridge computes on the legacy default stream
    cpu_spy = StreamSpy(torch.ones(4))
    tb.from_dlpack(cpu_spy)
    assert cpu_spy.streams == [None]


def test_producer_orders_its_work_before_the_consumers_stream():
    torch = torch_cuda()
    side = torch.cuda.Stream()
    big = tb.zeros(1 << 24, device="cuda")
    big.add_(1.0)  # queued on tensorbridge's stream
    with torch.cuda.stream(side):
        seen = torch.from_dlpack(big)  # torch passes its side stream: it must wait for add_
        total = seen.sum()
    side.synchronize()
    assert total.item() == float(1 << 24)


def test_dlpack_stream_arguments_are_checked():
    g = tb.ones(3, device="cuda")
    with pytest.raises(ValueError, match="stream 0"):
        g.__dlpack__(stream=0)
    assert type(g.__dlpack__(stream=-1)).__name__ == "PyCapsule"
    assert type(g.__dlpack__(stream=2)).__name__ == "PyCapsule"
    with pytest.raises(ValueError, match="stream must be None for a CPU tensor"):
        tb.ones(3).__dlpack__(stream=1)
    with pytest.raises(TypeError, match="stream must be None or an integer"):
        g.__dlpack__(stream="default")
    assert g.__dlpack_device__() == (tb.DLDeviceType.kDLCUDA, 0)


def test_dlpack_to_the_host_copies_when_allowed():
    g = tb.arange(6, dtype=tb.float32, device="cuda")
    host = np.from_dlpack(g, device="cpu")
    np.testing.assert_array_equal(host, np.arange(6, dtype=np.float32))
    with pytest.raises(BufferError, match="copy=False"):
        g.__dlpack__(max_version=(1, 0), dl_device=(1, 0), copy=False)
    with pytest.raises(BufferError, match="cannot export"):
        g.__dlpack__(max_version=(1, 0), dl_device=(2, 1))


def test_dlpack_export_refuses_tensors_that_require_grad():
    g = tb.ones(3, device="cuda", requires_grad=True)
    with pytest.raises(BufferError, match="require gradient"):
        g.__dlpack__()


# ---- CuPy: DLPack and __cuda_array_interface__ ---------------------------------------------


def test_cupy_dlpack_both_ways():
    cp = pytest.importorskip("cupy")
    a = cp.arange(10, dtype=cp.float64)
    ours = tb.from_dlpack(a)
    assert ours.data_ptr() == a.data.ptr and ours.dtype == tb.float64
    ours[3] = 42.0
    assert float(a[3]) == 42.0
    back = cp.from_dlpack(ours)
    assert back.data.ptr == a.data.ptr


def test_cuda_array_interface_export_is_read_by_cupy_without_a_copy():
    cp = pytest.importorskip("cupy")
    g = tb.arange(12, dtype=tb.float32, device="cuda").reshape(3, 4)
    cai = g.__cuda_array_interface__
    assert cai["version"] == 3 and cai["shape"] == (3, 4) and cai["typestr"] == "<f4"
    assert cai["data"] == (g.data_ptr(), False) and cai["strides"] is None and cai["stream"] == 1
    t = g.t()
    assert t.__cuda_array_interface__["strides"] == (4, 16)
    view = cp.asarray(t)
    assert view.data.ptr == g.data_ptr() and view.strides == (4, 16)
    view[0, 1] = -5
    assert g[1, 0].item() == -5.0


def test_cuda_array_interface_refusals():
    assert not hasattr(tb.ones(2), "__cuda_array_interface__")
    assert not hasattr(tb.ones(2, device="cuda", requires_grad=True), "__cuda_array_interface__")
    with pytest.raises(TypeError, match="bfloat16"):
        tb.ones(2, dtype=tb.bfloat16, device="cuda").__cuda_array_interface__


class InterfaceOnly:
    """Exports only __cuda_array_interface__ (as Numba's device arrays do)."""

    def __init__(self, owner, interface):
        self.owner, self.__cuda_array_interface__ = owner, interface


def test_cuda_array_interface_import_shares_memory_and_keeps_the_exporter_alive():
    cp = pytest.importorskip("cupy")
    a = cp.arange(20, dtype=cp.int32).reshape(4, 5)[:, ::2]
    exporter = InterfaceOnly(a, a.__cuda_array_interface__)
    before = sys.getrefcount(exporter)
    ours = tb.as_tensor(exporter)
    assert ours.is_cuda and ours.data_ptr() == a.data.ptr and ours.dtype == tb.int32
    assert ours.shape == (4, 3) and ours.stride() == (5, 2)
    assert ours.cpu().tolist() == cp.asnumpy(a).tolist()
    assert sys.getrefcount(exporter) == before + 1
    del ours
    gc.collect()
    assert sys.getrefcount(exporter) == before


def test_cuda_array_interface_import_refuses_bad_interfaces():
    cp = pytest.importorskip("cupy")
    a = cp.ones(4, dtype=cp.float32)
    good = a.__cuda_array_interface__
    with pytest.raises(ValueError, match="mask"):
        tb._C._from_cuda_array_interface(InterfaceOnly(a, {**good, "mask": good}))
    with pytest.raises(TypeError, match="typestr"):
        tb._C._from_cuda_array_interface(InterfaceOnly(a, {**good, "typestr": ">f4"}))
    with pytest.raises(ValueError, match="stream is 0"):
        tb._C._from_cuda_array_interface(InterfaceOnly(a, {**good, "stream": 0}))
    host = np.ones(4, dtype=np.float32)
    with pytest.raises(ValueError, match="not CUDA device"):
        tb._C._from_cuda_array_interface(InterfaceOnly(host, {**good, "data": (host.ctypes.data, False)}))


def test_pytorch_reads_our_cuda_array_interface():
    torch = torch_cuda()
    g = tb.arange(6, dtype=tb.float32, device="cuda")
    t = torch.as_tensor(g, device="cuda")
    assert t.data_ptr() == g.data_ptr()


# ---- JAX ----------------------------------------------------------------------------------


def test_jax_dlpack_both_ways():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    try:
        gpu = jax.devices("gpu")[0]
    except RuntimeError:
        pytest.skip("JAX has no GPU here")
    x = jax.device_put(jnp.arange(8, dtype=jnp.float32), gpu)
    ours = tb.from_dlpack(x)
    assert ours.is_cuda and ours.data_ptr() == x.unsafe_buffer_pointer()
    assert ours.cpu().tolist() == list(range(8))
    g = tb.arange(8, dtype=tb.float32, device="cuda") * 2
    y = jnp.from_dlpack(g)
    assert y.unsafe_buffer_pointer() == g.data_ptr()
    assert np.asarray(y).tolist() == [2.0 * i for i in range(8)]


# ---- sort, argsort, topk, repeat, tile, random factories on the device ----------------------

SORT_DTYPES = ["float32", "float64", "float16", "bfloat16", "int32", "int64", "int8", "uint8", "bool"]


def same_as_cpu(g, c):
    """g (on the GPU) holds exactly c's values (NaNs and signed zeros included) and dtype."""
    assert g.is_cuda and not c.is_cuda
    assert g.dtype == c.dtype and g.shape == c.shape
    if c.dtype in (tb.float16, tb.bfloat16):
        g, c = g.float(), c.float()
    np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())
    if c.is_floating_point():
        np.testing.assert_array_equal(np.signbit(g.cpu().numpy()), np.signbit(c.numpy()))


def sortable_values(dtype, shape=(5, 8), seed=0):
    """Few distinct values (ties), and for floats also NaN, +-inf and -0.0."""
    g = tb.Generator().manual_seed(seed)
    if dtype == "bool":
        return tb.randint(0, 2, shape, generator=g).to(tb.bool)
    x = tb.randint(0 if dtype == "uint8" else -4, 4, shape, generator=g).to(getattr(tb, dtype))
    if x.is_floating_point():
        flat = x.reshape(-1)
        for i, v in enumerate([float("nan"), float("inf"), -float("inf"), -0.0, 0.0, float("nan")]):
            flat[3 * i + 1] = v
    return x


@pytest.mark.parametrize("dtype", SORT_DTYPES)
def test_sort_argsort_topk_on_cuda_match_the_cpu(dtype):
    c = sortable_values(dtype)
    g = c.cuda()
    for dim in (0, 1, -1):
        for descending in (False, True):
            gv, gi = tb.sort(g, dim=dim, descending=descending, stable=True)
            cv, ci = tb.sort(c, dim=dim, descending=descending, stable=True)
            same_as_cpu(gv, cv)
            same_as_cpu(gi, ci)
            same_as_cpu(g.argsort(dim=dim, descending=descending), c.argsort(dim=dim, descending=descending))
        n = c.shape[dim]
        for k in (0, 1, n // 2, n):
            for largest in (True, False):
                gv, gi = g.topk(k, dim=dim, largest=largest)
                cv, ci = c.topk(k, dim=dim, largest=largest)
                same_as_cpu(gv, cv)
                same_as_cpu(gi, ci)
    # Transposed (non-contiguous) input.
    same_as_cpu(tb.sort(g.t(), dim=1)[1], tb.sort(c.t(), dim=1)[1])


def test_cuda_sort_agrees_with_pytorch_on_nan_ties_and_signed_zeros():
    torch = pytest.importorskip("torch")
    values = [1.0, float("nan"), -0.0, 0.0, 2.0, 1.0, float("nan"), -float("inf"), 0.0, -0.0]
    g = tb.tensor(values, device="cuda")
    t = torch.tensor(values)
    for descending in (False, True):
        assert tb.sort(g, descending=descending, stable=True)[1].cpu().tolist() == \
            torch.sort(t, descending=descending, stable=True)[1].tolist()


def test_sort_and_topk_gradients_on_cuda_match_the_cpu():
    base = tb.randn(4, 6, generator=tb.Generator().manual_seed(3))
    grads = []
    for device in ("cpu", "cuda"):
        x = base.to(device).requires_grad_()
        (tb.sort(x, dim=0)[0] * tb.arange(6.0, device=device)).sum().backward()
        (x.topk(2)[0] * 3).sum().backward()
        grads.append(x.grad.cpu().numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_repeat_and_tile_on_cuda_match_the_cpu():
    c = tb.arange(12, dtype=tb.float32).reshape(3, 4)
    g = c.cuda()
    same_as_cpu(g.repeat(2, 3), c.repeat(2, 3))
    same_as_cpu(g.t().repeat(1, 2, 1), c.t().repeat(1, 2, 1))
    same_as_cpu(tb.tile(g, (2,)), tb.tile(c, (2,)))
    same_as_cpu(g.repeat(0, 1), c.repeat(0, 1))


RANDOM_DRAWS = [
    lambda d, g: tb.rand(3, 5, generator=g, device=d),
    lambda d, g: tb.rand(7, dtype=tb.float64, generator=g, device=d),
    lambda d, g: tb.randn(4, 4, dtype=tb.float16, generator=g, device=d),
    lambda d, g: tb.randint(-5, 9, (11,), generator=g, device=d),
    lambda d, g: tb.randint(100, (3, 3), dtype=tb.int32, generator=g, device=d),
    lambda d, g: tb.randperm(50, generator=g, device=d),
    lambda d, g: tb.rand_like(tb.zeros(2, 3, device=d), generator=g),
    lambda d, g: tb.randn_like(tb.zeros(5, dtype=tb.float64, device=d), generator=g),
    lambda d, g: tb.normal(1.0, 2.0, (6,), generator=g, device=d),
    lambda d, g: tb.normal(tb.zeros(4, device=d), tb.full((4,), 3.0, device=d), generator=g),
    lambda d, g: tb.normal(tb.ones(3, dtype=tb.float64, device=d), 0.5, generator=g),
    lambda d, g: tb.bernoulli(tb.full((9,), 0.3, device=d), generator=g),
    lambda d, g: tb.full((9,), 1.0, device=d).bernoulli(0.5, generator=g),
]


@pytest.mark.parametrize("draw", RANDOM_DRAWS)
def test_random_factories_draw_on_the_device_the_cpus_values(draw):
    c = draw("cpu", tb.Generator().manual_seed(11))
    g = draw("cuda", tb.Generator().manual_seed(11))
    same_as_cpu(g, c)


def test_random_factories_on_cuda_advance_the_generator_like_the_cpu():
    a, b = tb.Generator().manual_seed(5), tb.Generator().manual_seed(5)
    tb.randperm(10, generator=a, device="cuda")
    tb.rand(100, generator=a, device="cuda")
    tb.randperm(10, generator=b)
    tb.rand(100, generator=b)
    same_as_cpu(tb.randn(8, generator=a, device="cuda"), tb.randn(8, generator=b))
    with pytest.raises(RuntimeError, match="normal"):
        tb.normal(tb.zeros(2), 1.0, device="cuda")


# ---- complex numbers on the GPU -------------------------------------------------------------


def complex_array(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_math_matches_numpy_on_the_gpu(dtype):
    rtol = 2e-5 if dtype == "complex64" else 1e-12
    a_np, b_np = complex_array((16, 8), dtype, 0), complex_array((8, 4), dtype, 1)
    c_np = complex_array((16, 8), dtype, 2)
    a, b, c = (tb.from_numpy(x).cuda() for x in (a_np, b_np, c_np))
    cases = [
        (a + c * (2 - 1j), a_np + c_np * (2 - 1j)),
        (a / c, a_np / c_np),
        (a.t() * c.t(), a_np.T * c_np.T),  # transposed operands
        (a ** 2, a_np ** 2),
        (a.exp(), np.exp(a_np)),
        (a.log(), np.log(a_np)),
        (a.sqrt(), np.sqrt(a_np)),
        (a.sin(), np.sin(a_np)),
        (a.cos(), np.cos(a_np)),
        (a.tanh(), np.tanh(a_np)),
        (a.reciprocal(), 1 / a_np),
        (a.abs(), np.abs(a_np)),
        (a.sum(dim=0), a_np.sum(axis=0)),
        (a.mean(), a_np.mean()),
        (a.prod(dim=1), a_np.prod(axis=1)),
        (a.var(dim=1), a_np.var(axis=1, ddof=1)),
        (a.norm(), np.linalg.norm(a_np)),
        (a.cumsum(dim=1), a_np.cumsum(axis=1)),
        (a @ b, a_np @ b_np),
        (a.t().contiguous(), a_np.T),
        (tb.where(a.abs() > 1, a, c), np.where(np.abs(a_np) > 1, a_np, c_np)),
    ]
    for ours, theirs in cases:
        assert ours.is_cuda
        np.testing.assert_allclose(ours.cpu().numpy(), theirs, rtol=rtol, atol=rtol)
    # Comparisons and predicates are exact.
    assert (a == a).cpu().numpy().all() and not (a != a).cpu().numpy().any()
    assert not a.isnan().cpu().numpy().any()
    # Conversions: real to complex on the device, complex to real drops the imaginary part.
    r = tb.from_numpy(np.arange(6, dtype=np.float32)).cuda()
    np.testing.assert_array_equal(r.to(dtype).cpu().numpy(), np.arange(6).astype(dtype))
    np.testing.assert_array_equal(a.to(tb.float64).cpu().numpy(), a_np.real.astype(np.float64))


def test_complex_ops_the_cpu_refuses_are_refused_on_the_gpu():
    a = tb.from_numpy(complex_array((3,), "complex64", 3)).cuda()
    with pytest.raises(TypeError, match="complex64"):
        a < a
    with pytest.raises(TypeError, match="complex64"):
        a.sort()


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_dlpack_exchanges_complex_with_pytorch(dtype):
    torch = torch_cuda()
    tdtype = getattr(torch, dtype)
    # torch has no complex arange: a real one converted
    t = torch.arange(12, dtype=torch.float64, device="cuda").to(tdtype).reshape(3, 4) * (1 + 2j)
    ours = tb.from_dlpack(t)
    assert ours.is_cuda and ours.data_ptr() == t.data_ptr() and str(ours.dtype).endswith(dtype)
    ours.mul_(1j)  # a kernel on our side, seen by torch: the memory is shared
    torch.cuda.synchronize()
    np.testing.assert_allclose(t.cpu().numpy(), (np.arange(12).reshape(3, 4) * (1 + 2j) * 1j))
    back = torch.from_dlpack(ours.t())
    assert back.data_ptr() == t.data_ptr() and back.stride() == (1, 4)
    np.testing.assert_allclose((ours.exp().cpu().numpy()), torch.exp(t).cpu().numpy(),
                               rtol=2e-5 if dtype == "complex64" else 1e-12)


# ---- complex component views (stride arithmetic, no kernels) -------------------------------


def test_complex_views_on_cuda_share_memory_and_write_through():
    a = np.array([[1 + 2j, 3 - 4j, 5j], [-1.5 + 0j, 2 + 2j, 0j]], dtype=np.complex64)
    d = tb.tensor(a).cuda().t()
    re, im, pairs = d.real, d.imag, tb.view_as_real(d)
    assert re.is_cuda and re.data_ptr() == d.data_ptr() and im.data_ptr() == d.data_ptr() + 4
    assert re.stride() == tuple(2 * s for s in d.stride()) and pairs.shape == (3, 2, 2)
    np.testing.assert_array_equal(re.cpu().numpy(), a.T.real)
    np.testing.assert_array_equal(pairs.cpu().numpy()[..., 1], a.T.imag)
    assert tb.view_as_complex(pairs).data_ptr() == d.data_ptr()
    d.imag = 7.0
    np.testing.assert_array_equal(d.cpu().numpy(), a.T.real + 7j)
    np.testing.assert_array_equal(tb.complex(re, im).cpu().numpy(), d.cpu().numpy())


# ---- the Python-only torch composites (tensorbridge/_torch_forms.py) on a device -----------

COMPOSITES = [
    ("isclose", lambda x, y: tb.isclose(x, y, 1e-3, 1e-3)),
    ("tril", lambda x, y: tb.tril(x, -1)),
    ("triu", lambda x, y: tb.triu(y, 1)),
    ("roll", lambda x, y: tb.roll(x, (1, -2), (0, 1))),
    ("diff", lambda x, y: tb.diff(x, 2, 1)),
    ("nansum", lambda x, y: tb.nansum(tb.where(x > 0.5, float("nan"), x), 1)),
    ("nanmean", lambda x, y: tb.nanmean(tb.where(x > 0.5, float("nan"), x), 0)),
    ("count_nonzero", lambda x, y: tb.count_nonzero(x > 0, 1)),
    ("trace", lambda x, y: tb.trace(x)),
    ("lerp", lambda x, y: tb.lerp(x, y, 0.75)),
    ("diag", lambda x, y: tb.diag(x[0], 1)),
    ("tensordot", lambda x, y: tb.tensordot(x, y, ([1], [1]))),
    ("kron", lambda x, y: tb.kron(x[:2, :2], y[:2, :3])),
    ("meshgrid", lambda x, y: tb.meshgrid(x[0], y[0], indexing="xy")[1].contiguous()),
    ("new_full", lambda x, y: x.new_full((2, 3), 4.0)),
]


@pytest.mark.parametrize("name,f", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_torch_composites_on_cuda_match_the_cpu(name, f):
    x = tb.randn(5, 6, generator=tb.Generator().manual_seed(3))
    y = tb.randn(5, 6, generator=tb.Generator().manual_seed(4))
    on_gpu = f(x.cuda(), y.cuda())
    assert on_gpu.device.type == "cuda"
    np.testing.assert_allclose(on_gpu.cpu().numpy(), f(x, y).numpy(), rtol=1e-6, atol=1e-6)


def test_bincount_on_cuda_matches_the_cpu():
    x = tb.tensor([0, 3, 3, 1, 7])
    np.testing.assert_array_equal(tb.bincount(x.cuda()).cpu().numpy(), tb.bincount(x).numpy())


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_on_cuda_matches_the_cpu(dim):
    x = tb.tensor([[3.0, float("nan"), 1.0, 3.0], [3.0, float("nan"), 1.0, 3.0], [-0.0, 2.0, 0.0, 2.0]])
    ours = tb.unique(x.cuda(), return_inverse=True, return_counts=True, dim=dim)
    cpu = tb.unique(x, return_inverse=True, return_counts=True, dim=dim)
    for got, want in zip(ours, cpu):
        assert got.device.type == "cuda"
        np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())
    runs = tb.unique_consecutive(x.cuda().flatten(), return_counts=True)
    np.testing.assert_array_equal(runs[1].cpu().numpy(), tb.unique_consecutive(x.flatten(), return_counts=True)[1].numpy())


def test_cuda_without_an_index_is_the_current_device():
    tb.cuda.set_device(tb.cuda.device_count() - 1)
    try:
        assert tb.zeros(2, device="cuda").device.index == tb.cuda.current_device()
    finally:
        tb.cuda.set_device(0)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16"])
def test_index_add_into_narrow_dtypes_on_cuda_wraps_like_the_cpu(dtype):
    d = getattr(tb, dtype)
    x = tb.tensor([100, 0, 1], dtype=tb.int64).to(d)
    src = tb.tensor([100, 100, 5, 1], dtype=tb.int64).to(d)
    index = tb.tensor([0, 0, 1, 0])
    np.testing.assert_array_equal(x.cuda().index_add_(0, index.cuda(), src.cuda()).cpu().numpy(),
                                  x.clone().index_add_(0, index, src).numpy())
