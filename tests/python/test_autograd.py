"""Autograd from Python, semantics one by one, checked against PyTorch where it has an answer:
requires_grad and leaves, grad_fn, backward and accumulation, retain_graph, version
counters, in-place refusals, grad mode (context managers and decorators), hooks,
retain_grad, detach and .data, autograd.grad/backward, and the NumPy/DLPack refusals."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tensorbridge as tb
import tensorbridge.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def arr(t):
    """A tensor's values (or None) as a float64 NumPy array, detached."""
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        return t.detach().numpy().astype(np.float64)
    return np.array(t.detach().numpy(), dtype=np.float64)


def pair(values, dtype=np.float64, requires_grad=True):
    a = np.asarray(values, dtype=dtype)
    return (
        tb.tensor(a, requires_grad=requires_grad),
        torch.tensor(a, requires_grad=requires_grad),
    )


# ---- leaves and flags ------------------------------------------------------------------------
def test_leaf_flags_match_torch():
    ours, theirs = pair([1.0, 2.0])
    for t in (ours, theirs):
        assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None
        assert not t.retains_grad
    plain = tb.tensor([1.0])
    assert not plain.requires_grad and plain.is_leaf


@pytest.mark.parametrize(
    "make",
    [
        lambda rg: tb.zeros(2, 3, requires_grad=rg),
        lambda rg: tb.ones((2,), requires_grad=rg),
        lambda rg: tb.empty(4, requires_grad=rg),
        lambda rg: tb.full((2, 2), 3.0, requires_grad=rg),
        lambda rg: tb.arange(0.0, 3.0, requires_grad=rg),
        lambda rg: tb.linspace(0, 1, 5, requires_grad=rg),
        lambda rg: tb.eye(3, requires_grad=rg),
        lambda rg: tb.tensor([[1.0]], requires_grad=rg),
    ],
    ids=["zeros", "ones", "empty", "full", "arange", "linspace", "eye", "tensor"],
)
def test_factories_take_requires_grad(make):
    assert make(True).requires_grad and make(True).is_leaf
    assert not make(False).requires_grad


def test_requires_grad_needs_a_floating_dtype():
    with pytest.raises(TypeError, match="floating point and complex"):
        tb.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating point and complex"):
        tb.arange(3).requires_grad_()


def test_requires_grad_setter_and_method():
    t = tb.zeros(2)
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad = False
    assert not t.requires_grad
    t.requires_grad = True
    y = F.tanh(t)
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad_(False)
    y.requires_grad_(True)  # already true: allowed, as in PyTorch


# ---- grad_fn and repr ------------------------------------------------------------------------
def test_grad_fn_names_repr_and_next_functions_match_torch():
    x, tx = pair([1.0, -2.0, 3.0])
    target = np.array([0.5, 0.0, 1.0])
    y = F.mse_loss(x, tb.tensor(target))
    ty = TF.mse_loss(tx, torch.tensor(target))
    assert y.grad_fn.name() == ty.grad_fn.name() == "MseLossBackward0"
    assert repr(y) == repr(ty).replace("torch.", "tensorbridge.")
    assert repr(x) == repr(tx).replace("torch.", "tensorbridge.")  # requires_grad=True suffix
    assert repr(y.grad_fn).startswith("<MseLossBackward0 object at 0x")
    (leaf_fn, nr), (none_fn, _) = y.grad_fn.next_functions
    assert leaf_fn.name() == "AccumulateGrad" and nr == 0 and none_fn is None
    assert y.grad_fn is y.grad_fn  # one Python object per node while it is alive
    s = F.softmax(x.reshape(1, 3), dim=1)
    assert repr(s).endswith("grad_fn=<SoftmaxBackward0>)")
    assert not y.is_leaf and y.requires_grad


# ---- backward and accumulation -------------------------------------------------------------
def test_backward_accumulates_into_grad_like_torch():
    x, tx = pair([[1.0, -2.0], [0.5, 4.0]])
    w, tw = pair([[0.3, -0.7], [1.1, 0.2], [0.0, 0.5]])
    target = np.ones((2, 3))
    for _ in range(3):
        F.mse_loss(F.linear(x, w), tb.tensor(target)).backward()
        TF.mse_loss(TF.linear(tx, tw), torch.tensor(target)).backward()
    np.testing.assert_allclose(arr(x.grad), arr(tx.grad), rtol=1e-12)
    np.testing.assert_allclose(arr(w.grad), arr(tw.grad), rtol=1e-12)
    assert x.grad.requires_grad is False and x.grad.is_leaf


def test_backward_with_gradient_argument_and_non_scalar_error():
    x, tx = pair([1.0, 2.0, 3.0])
    y, ty = F.tanh(x), torch.tanh(tx)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    seed = np.array([1.0, 0.5, -2.0])
    y.backward(tb.tensor(seed))
    ty.backward(torch.tensor(seed))
    np.testing.assert_allclose(arr(x.grad), arr(tx.grad), rtol=1e-12)
    with pytest.raises(ValueError, match="Mismatch in shape"):
        F.tanh(x).backward(tb.ones(2, dtype=tb.float64))


def test_backward_of_a_tensor_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        tb.tensor(1.0).backward()


def test_second_backward_without_retain_graph_raises_and_retain_graph_allows_it():
    x, _ = pair([0.5, 1.5])
    y = F.mse_loss(F.tanh(x), tb.zeros(2, dtype=tb.float64))
    y.backward(retain_graph=True)
    first = arr(x.grad).copy()
    y.backward()
    np.testing.assert_allclose(arr(x.grad), 2 * first)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_grad_setter_checks_and_clears():
    x, _ = pair([1.0, 2.0])
    x.grad = tb.ones(2, dtype=tb.float64)
    np.testing.assert_array_equal(arr(x.grad), [1.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        x.grad = tb.ones(3, dtype=tb.float64)
    x.grad = None
    assert x.grad is None


# ---- saved tensors and in-place changes ---------------------------------------------------
def test_in_place_change_of_a_saved_tensor_is_reported_with_op_and_versions():
    x, _ = pair([[1.0, 2.0]])
    w, _ = pair([[3.0, 4.0]])
    h = x.clone()  # a non-leaf the linear saves
    y = F.linear(h, w)
    h.zero_()  # version 0 -> 1
    loss = F.mse_loss(y, tb.zeros(1, 1, dtype=tb.float64))
    with pytest.raises(RuntimeError, match=r"LinearBackward.*version 1; expected version 0"):
        loss.backward()


def test_in_place_op_on_a_leaf_that_requires_grad_is_refused():
    x, tx = pair([1.0, 2.0])
    for fn in (lambda t: t.fill_(0.0), lambda t: t.zero_(), lambda t: t.copy_(t.detach().clone())):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad .* in-place"):
            fn(x)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            fn(tx)
    with tb.no_grad():
        before = x._version
        x.fill_(7.0)
        assert x._version == before + 1
    np.testing.assert_array_equal(arr(x), [7.0, 7.0])


def test_in_place_through_a_view_of_a_leaf_is_refused():
    x, _ = pair([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[1:].fill_(0.0)


# ---- grad mode ---------------------------------------------------------------------------------
def test_no_grad_context_records_nothing_and_restores():
    x, _ = pair([1.0])
    with tb.no_grad():
        assert not tb.is_grad_enabled()
        y = F.tanh(x)
        with tb.enable_grad():
            assert tb.is_grad_enabled()
            z = F.tanh(x)
        assert not tb.is_grad_enabled()
    assert tb.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_restores_after_an_exception():
    with pytest.raises(KeyError):
        with tb.no_grad():
            raise KeyError("boom")
    assert tb.is_grad_enabled()


def test_grad_mode_decorators_with_and_without_parentheses():
    x, _ = pair([1.0])

    @tb.no_grad()
    def with_parens(t):
        return F.tanh(t)

    @tb.no_grad
    def bare(t):
        return F.tanh(t)

    @tb.enable_grad()
    def enabled(t):
        return F.tanh(t)

    @tb.set_grad_enabled(False)
    def disabled(t):
        return F.tanh(t)

    assert tb.is_grad_enabled()  # decorating changed nothing
    assert not with_parens(x).requires_grad and not bare(x).requires_grad
    assert not disabled(x).requires_grad
    with tb.no_grad():
        assert enabled(x).requires_grad
        assert not tb.is_grad_enabled()
    assert with_parens.__name__ == "with_parens"


def test_grad_mode_decorated_generator_holds_the_mode_only_inside():
    x, _ = pair([1.0])

    @tb.no_grad()
    def gen():
        for _ in range(2):
            yield F.tanh(x).requires_grad, tb.is_grad_enabled()

    for recorded, mode in gen():
        assert (recorded, mode) == (False, False)
        assert tb.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context_manager():
    tb.set_grad_enabled(False)
    try:
        assert not tb.is_grad_enabled()
    finally:
        tb.set_grad_enabled(True)
    assert tb.is_grad_enabled()
    with tb.set_grad_enabled(False):
        assert not tb.is_grad_enabled()
        with tb.set_grad_enabled(True):
            assert tb.is_grad_enabled()
        assert not tb.is_grad_enabled()
    assert tb.is_grad_enabled()
    with tb.inference_mode():
        assert not tb.is_grad_enabled()
    assert tb.autograd.no_grad is tb.no_grad


def test_grad_mode_is_per_thread():
    seen = []
    with tb.no_grad():
        thread = threading.Thread(target=lambda: seen.append(tb.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


# ---- hooks and retain_grad ----------------------------------------------------------------------
def test_hooks_see_and_replace_gradients_and_can_be_removed():
    x, tx = pair([1.0, 2.0])
    seen = []
    replacement = tb.tensor([10.0, 20.0], dtype=tb.float64)

    def record(g):
        seen.append(arr(g))

    handle = x.register_hook(record)
    x.register_hook(lambda g: replacement)
    F.mse_loss(x, tb.zeros(2, dtype=tb.float64), reduction="sum").backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0])
    np.testing.assert_array_equal(arr(x.grad), [10.0, 20.0])
    handle.remove()
    handle.remove()  # a second remove does nothing, as in PyTorch
    x.grad = None
    F.mse_loss(x, tb.zeros(2, dtype=tb.float64), reduction="sum").backward()
    assert len(seen) == 1
    tx.register_hook(lambda g: g * 0 + torch.tensor([10.0, 20.0], dtype=torch.float64))
    TF.mse_loss(tx, torch.zeros(2, dtype=torch.float64), reduction="sum").backward()
    np.testing.assert_array_equal(arr(tx.grad), arr(x.grad))


def test_hook_on_a_non_leaf_and_hook_errors():
    x, _ = pair([1.0, 2.0])
    h = F.tanh(x)
    seen = []
    h.register_hook(lambda g: seen.append(g.shape))
    F.mse_loss(h, tb.zeros(2, dtype=tb.float64)).backward()
    assert seen == [tb.Size([2])]

    h2 = F.tanh(x)
    h2.register_hook(lambda g: "not a tensor")
    with pytest.raises(TypeError, match="hook: expected a Tensor or None"):
        F.mse_loss(h2, tb.zeros(2, dtype=tb.float64)).backward()

    def fail(g):
        raise ZeroDivisionError("from the hook")

    h3 = F.tanh(x)
    h3.register_hook(fail)
    with pytest.raises(ZeroDivisionError, match="from the hook"):
        F.mse_loss(h3, tb.zeros(2, dtype=tb.float64)).backward()
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tb.zeros(1).register_hook(lambda g: None)
    with pytest.raises(TypeError, match="callable"):
        x.register_hook(3)


def test_retain_grad_keeps_a_non_leaf_gradient_like_torch():
    x, tx = pair([0.5, -1.0])
    h, th = F.tanh(x), torch.tanh(tx)
    h.retain_grad()
    th.retain_grad()
    assert h.retains_grad and th.retains_grad and not x.retains_grad
    F.mse_loss(h, tb.zeros(2, dtype=tb.float64)).backward()
    TF.mse_loss(th, torch.zeros(2, dtype=torch.float64)).backward()
    np.testing.assert_allclose(arr(h.grad), arr(th.grad), rtol=1e-12)
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        tb.zeros(1).retain_grad()


# ---- detach, data ------------------------------------------------------------------------------
def test_detach_shares_memory_without_history():
    x, _ = pair([1.0, 2.0])
    h = F.tanh(x)
    d = h.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.data_ptr() == h.data_ptr()
    assert h.detach_() is h
    assert h.grad_fn is None and not h.requires_grad


def test_data_reads_and_swaps_values_in_place():
    x, _ = pair([1.0, 2.0])
    x.grad = tb.ones(2, dtype=tb.float64)
    d = x.data
    assert not d.requires_grad and d.data_ptr() == x.data_ptr()
    x.data = tb.tensor([5.0, 6.0, 7.0], dtype=tb.float32)
    assert x.requires_grad and x.dtype == tb.float32 and tuple(x.shape) == (3,)
    np.testing.assert_array_equal(arr(x), [5.0, 6.0, 7.0])
    assert tuple(x.grad.shape) == (2,)  # .grad stays, as in PyTorch
    x.grad = None
    # The leaf's new shape and dtype reach its gradient accumulator.
    F.mse_loss(x, tb.zeros(3), reduction="sum").backward()
    assert x.grad.dtype == tb.float32 and tuple(x.grad.shape) == (3,)


# ---- NumPy and DLPack --------------------------------------------------------------------------
def test_numpy_refuses_a_tensor_that_requires_grad():
    x, tx = pair([1.0, 2.0])
    message = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    for t in (x, tx):
        with pytest.raises(RuntimeError) as info:
            t.numpy()
        assert str(info.value) == message
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(x)
    with pytest.raises(BufferError, match="requires grad"):
        memoryview(x)
    forced = x.numpy(force=True)
    assert forced.ctypes.data == x.data_ptr()
    d = x.detach().numpy()
    assert d.ctypes.data == x.data_ptr()


def test_dlpack_refuses_a_tensor_that_requires_grad_like_torch():
    x, tx = pair([1.0, 2.0])
    with pytest.raises(BufferError, match="Can't export tensors that require gradient, use tensor.detach()"):
        x.__dlpack__()
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        tx.__dlpack__()
    with pytest.raises(BufferError):
        torch.from_dlpack(x)
    shared = torch.from_dlpack(x.detach())
    assert shared.data_ptr() == x.data_ptr()


# ---- autograd.grad / autograd.backward -----------------------------------------------------------
def test_autograd_grad_returns_without_accumulating():
    x, tx = pair([0.3, -0.4])
    w, tw = pair([[1.0, 2.0]])
    y = F.mse_loss(F.linear(x.reshape(1, 2), w), tb.zeros(1, 1, dtype=tb.float64))
    ty = TF.mse_loss(TF.linear(tx.reshape(1, 2), tw), torch.zeros(1, 1, dtype=torch.float64))
    gx, gw = tb.autograd.grad(y, [x, w])
    tgx, tgw = torch.autograd.grad(ty, [tx, tw])
    np.testing.assert_allclose(arr(gx), arr(tgx), rtol=1e-12)
    np.testing.assert_allclose(arr(gw), arr(tgw), rtol=1e-12)
    assert x.grad is None and w.grad is None


def test_autograd_grad_unused_inputs():
    x, _ = pair([1.0])
    unused, _ = pair([2.0])
    zero = tb.zeros(1, dtype=tb.float64)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        tb.autograd.grad(F.mse_loss(F.tanh(x), zero), [x, unused])
    gx, gu = tb.autograd.grad(F.mse_loss(F.tanh(x), zero), [x, unused], allow_unused=True)
    assert gx is not None and gu is None
    gx, gu = tb.autograd.grad(
        F.mse_loss(F.tanh(x), tb.zeros(1, dtype=tb.float64)), [x, unused], materialize_grads=True
    )
    np.testing.assert_array_equal(arr(gu), [0.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        tb.autograd.grad(F.mse_loss(F.tanh(x), tb.zeros(1, dtype=tb.float64)), tb.zeros(1, dtype=tb.float64))


def test_higher_order_gradients_with_create_graph_match_torch():
    values = [0.3, -1.2, 2.0]
    x, tx = pair(values)
    seed = np.array([1.0, 2.0, 3.0])
    (g,) = tb.autograd.grad(F.tanh(x), x, tb.tensor(seed), create_graph=True)
    (tg,) = torch.autograd.grad(torch.tanh(tx), tx, torch.tensor(seed), create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(arr(g), arr(tg), rtol=1e-12)
    (gg,) = tb.autograd.grad(g, x, tb.ones(3, dtype=tb.float64))
    (tgg,) = torch.autograd.grad(tg, tx, torch.ones(3, dtype=torch.float64))
    np.testing.assert_allclose(arr(gg), arr(tgg), rtol=1e-12)
    # backward(create_graph=True) leaves a .grad that has a graph of its own.
    y = F.sigmoid(x)
    y.backward(tb.ones(3, dtype=tb.float64), create_graph=True)
    ty = torch.sigmoid(tx)
    ty.backward(torch.ones(3, dtype=torch.float64), create_graph=True)
    assert x.grad.requires_grad
    (second,) = tb.autograd.grad(x.grad, x, tb.ones(3, dtype=tb.float64))
    (tsecond,) = torch.autograd.grad(tx.grad, tx, torch.ones(3, dtype=torch.float64))
    np.testing.assert_allclose(arr(second), arr(tsecond), rtol=1e-12)


def test_autograd_backward_with_inputs_accumulates_only_there():
    x, tx = pair([1.0, 2.0])
    w, tw = pair([[0.5, -0.5]])
    loss = F.mse_loss(F.linear(x.reshape(1, 2), w), tb.zeros(1, 1, dtype=tb.float64))
    tloss = TF.mse_loss(TF.linear(tx.reshape(1, 2), tw), torch.zeros(1, 1, dtype=torch.float64))
    tb.autograd.backward(loss, inputs=[w])
    torch.autograd.backward(tloss, inputs=[tw])
    assert x.grad is None and tx.grad is None
    np.testing.assert_allclose(arr(w.grad), arr(tw.grad), rtol=1e-12)
    loss2 = F.mse_loss(F.tanh(x), tb.zeros(2, dtype=tb.float64))
    loss2.backward(inputs=x)
    assert x.grad is not None


def test_autograd_backward_of_several_outputs():
    x, tx = pair([1.0, 2.0])
    a = F.mse_loss(F.tanh(x), tb.zeros(2, dtype=tb.float64))
    b = F.l1_loss(F.sigmoid(x), tb.zeros(2, dtype=tb.float64))
    tb.autograd.backward([a, b], [tb.tensor(2.0, dtype=tb.float64), None])
    ta = TF.mse_loss(torch.tanh(tx), torch.zeros(2, dtype=torch.float64))
    tbb = TF.l1_loss(torch.sigmoid(tx), torch.zeros(2, dtype=torch.float64))
    torch.autograd.backward([ta, tbb], [torch.tensor(2.0, dtype=torch.float64), None])
    np.testing.assert_allclose(arr(x.grad), arr(tx.grad), rtol=1e-12)


# ---- deep graphs ------------------------------------------------------------------------------
def test_a_100000_op_chain_runs_and_frees_without_recursion():
    x, _ = pair([[1.0, 2.0]])
    y = x
    for i in range(100_000):
        y = y.reshape(2, 1) if i % 2 == 0 else y.reshape(1, 2)
    F.mse_loss(y, tb.zeros(1, 2, dtype=tb.float64), reduction="sum").backward()
    np.testing.assert_array_equal(arr(x.grad), [[2.0, 4.0]])
    del y  # dropping the chain must not overflow the stack either
