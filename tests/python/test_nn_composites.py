"""nn composites (leaky_relu, silu, elu, softplus, layer_norm, smooth_l1/huber losses) and their
modules, against PyTorch: values, gradients, options and errors."""

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")
F = tb.nn.functional

EDGES = np.array([-30.0, -5.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 5.0, 19.0, 21.0, 30.0], dtype=np.float32)


def value_and_grad(fn, x_np, lib, **kwargs):
    x = lib.tensor(x_np.tolist(), requires_grad=True)
    y = fn(x, **kwargs)
    (y * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
    return np.asarray(y.detach().numpy()), np.asarray(x.grad.numpy())


ACTIVATIONS = [
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("silu", {}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 10.0}),
]


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=[f"{n}{k}" for n, k in ACTIVATIONS])
def test_activations_match_pytorch_with_gradients(name, kwargs):
    ours = value_and_grad(getattr(F, name), EDGES, tb, **kwargs)
    theirs = value_and_grad(getattr(torch.nn.functional, name), EDGES, torch, **kwargs)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=2e-6, atol=1e-6)
    assert np.isfinite(ours[1]).all()


@pytest.mark.parametrize("cls,args", [("LeakyReLU", (0.1,)), ("SiLU", ()), ("ELU", (0.7,)), ("Softplus", (1.5, 5.0))])
def test_activation_modules_match_pytorch(cls, args):
    x = np.linspace(-4, 4, 17, dtype=np.float32)
    ours = getattr(tb.nn, cls)(*args)(tb.from_numpy(x))
    theirs = getattr(torch.nn, cls)(*args)(torch.from_numpy(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6, atol=1e-7)
    assert repr(getattr(tb.nn, cls)(*args)).startswith(cls)


def test_in_place_activations_write_their_input():
    for name in ("leaky_relu", "silu", "elu"):
        x = tb.tensor([-1.0, 2.0])
        out = getattr(F, name)(x, inplace=True)
        assert out.data_ptr() == x.data_ptr()
        np.testing.assert_allclose(x.numpy(), getattr(torch.nn.functional, name)(torch.tensor([-1.0, 2.0])).numpy(), rtol=1e-6)
    x = tb.tensor([-1.0, 2.0])
    tb.nn.LeakyReLU(0.5, inplace=True)(x)
    np.testing.assert_array_equal(x.numpy(), [-0.5, 2.0])


@pytest.mark.parametrize("shape,normalized", [((4, 6), 6), ((2, 3, 4), (3, 4)), ((5, 1), [1]), ((3, 8), (8,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_pytorch_with_gradients(shape, normalized, affine):
    rng = np.random.default_rng(0)
    x_np = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    ours = tb.nn.LayerNorm(normalized, elementwise_affine=affine)
    theirs = torch.nn.LayerNorm(normalized, elementwise_affine=affine)
    if affine:
        w = rng.standard_normal(ours.weight.shape).astype(np.float32)
        b = rng.standard_normal(ours.weight.shape).astype(np.float32)
        with tb.no_grad():
            ours.weight.copy_(tb.from_numpy(w))
            ours.bias.copy_(tb.from_numpy(b))
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(w))
            theirs.bias.copy_(torch.from_numpy(b))
    x, xt = tb.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    g = rng.standard_normal(shape).astype(np.float32)
    y, yt = ours(x), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    (y * tb.from_numpy(g)).sum().backward()
    (yt * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    if affine:
        # A size-1 normalized dim makes x_hat exactly 0 here and ~1e-7 in PyTorch.
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4, atol=5e-5)
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
        assert len(list(ours.parameters())) == 2
    else:
        assert list(ours.parameters()) == []


def test_layer_norm_options_and_errors():
    ln = tb.nn.LayerNorm(4, bias=False)
    assert ln.bias is None and list(ln.weight.shape) == [4]
    assert "eps=1e-05" in repr(ln)
    x = tb.randn(2, 4)
    np.testing.assert_allclose(F.layer_norm(x, [4], eps=0.1).numpy(),
                               torch.nn.functional.layer_norm(torch.from_numpy(x.numpy()), [4], eps=0.1).numpy(),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"layer_norm.*\[3\].*\[2, 4\]"):
        F.layer_norm(x, 3)
    with pytest.raises(ValueError, match="layer_norm"):
        F.layer_norm(x, [])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("param", [1.0, 0.5, 2.0])
def test_smooth_l1_and_huber_match_pytorch(reduction, param):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal(20) * 2).astype(np.float32)
    b = (rng.standard_normal(20) * 2).astype(np.float32)
    for ours_fn, theirs_fn, kw in [(F.smooth_l1_loss, torch.nn.functional.smooth_l1_loss, "beta"),
                                   (F.huber_loss, torch.nn.functional.huber_loss, "delta")]:
        x, xt = tb.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y = ours_fn(x, tb.from_numpy(b), reduction=reduction, **{kw: param})
        yt = theirs_fn(xt, torch.from_numpy(b), reduction=reduction, **{kw: param})
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_loss_modules_zero_beta_and_errors():
    a, b = tb.tensor([0.0, 1.0, 3.0]), tb.tensor([0.5, 1.0, 0.0])
    at, bt = torch.tensor([0.0, 1.0, 3.0]), torch.tensor([0.5, 1.0, 0.0])
    np.testing.assert_allclose(tb.nn.SmoothL1Loss(beta=0.0)(a, b).numpy(), torch.nn.SmoothL1Loss(beta=0.0)(at, bt).numpy())
    np.testing.assert_allclose(tb.nn.HuberLoss(reduction="sum", delta=2.0)(a, b).numpy(),
                               torch.nn.HuberLoss(reduction="sum", delta=2.0)(at, bt).numpy())
    with pytest.raises(ValueError, match="reduction"):
        tb.nn.SmoothL1Loss(reduction="avg")
    with pytest.raises(ValueError, match=r"smooth_l1_loss.*reduction"):
        F.smooth_l1_loss(a, b, reduction="avg")
    with pytest.raises(ValueError, match="beta"):
        F.smooth_l1_loss(a, b, beta=-1.0)
    with pytest.raises(ValueError, match="delta"):
        F.huber_loss(a, b, delta=0.0)


def test_a_small_model_with_the_new_layers_trains():
    tb.manual_seed(0)
    model = tb.nn.Sequential(tb.nn.Linear(3, 16), tb.nn.LayerNorm(16), tb.nn.SiLU(),
                             tb.nn.Linear(16, 16), tb.nn.LeakyReLU(0.1), tb.nn.Linear(16, 1))
    x = tb.randn(64, 3)
    y = (x[:, :1] * 2 - x[:, 1:2]).tanh()
    opt = tb.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = tb.nn.HuberLoss()
    first = None
    for _ in range(100):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.1 * first
