"""Gradients cross-checked against PyTorch on random graphs: the same float64 inputs go
through the same random sequence of ops in both libraries, and the gradients of every leaf
must agree. The op table holds what tensorbridge binds for Python: the nn ops, views,
indexing and casts, plus the arithmetic, reductions and matmul of the Tensor API where this
build has them."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb
import tensorbridge.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def has(name):
    return hasattr(tb.Tensor, name)


# Each op maps a 2-D tensor x (and the graph's extra leaf w, shape (4, 4)) to a 2-D tensor.
# (name, needs, fn(lib, x, w)): `needs` names a Tensor method that must be bound.
def _linear(lib, x, w):
    return (F if lib is tb else TF).linear(x, w)


OPS = [
    ("tanh", None, lambda lib, x, w: (F.tanh if lib is tb else torch.tanh)(x)),
    ("sigmoid", None, lambda lib, x, w: (F.sigmoid if lib is tb else torch.sigmoid)(x)),
    ("relu", None, lambda lib, x, w: (F.relu if lib is tb else torch.relu)(x)),
    ("gelu", None, lambda lib, x, w: (F if lib is tb else TF).gelu(x)),
    ("softmax", None, lambda lib, x, w: (F if lib is tb else TF).softmax(x, dim=1)),
    ("log_softmax", None, lambda lib, x, w: (F if lib is tb else TF).log_softmax(x, dim=0)),
    ("linear", None, lambda lib, x, w: _linear(lib, x, w) if x.shape[1] == 4 else x),
    ("transpose_back", None, lambda lib, x, w: x.t().contiguous().t()),
    ("flip", None, lambda lib, x, w: x.flip(0)),
    ("expand_slice", None, lambda lib, x, w: x[:1].expand(x.shape[0], x.shape[1])),
    ("index_rows", None, lambda lib, x, w: x[::-1] if lib is tb else x.flip(0)),
    ("reshape", None, lambda lib, x, w: x.reshape(-1).reshape(x.shape[0], x.shape[1])),
    ("unsqueeze_squeeze", None, lambda lib, x, w: x.unsqueeze(0).squeeze(0)),
    ("cast_roundtrip", None, lambda lib, x, w: x.float().double()),
    ("mul_w_broadcast", "__mul__", lambda lib, x, w: x * w[0] if x.shape[1] == 4 else x),
    ("add_sub", "__add__", lambda lib, x, w: (x + 1.5) - x * 0.5),
    ("div", "__truediv__", lambda lib, x, w: x / (x * x + 1.0)),
    ("pow", "__pow__", lambda lib, x, w: x**2),
    ("matmul", "__matmul__", lambda lib, x, w: x @ w if x.shape[1] == 4 else x),
    ("sum_keepdim", "sum", lambda lib, x, w: x - x.sum(dim=1, keepdim=True)),
    ("mean", "mean", lambda lib, x, w: x * x.mean()),
    ("exp", "exp", lambda lib, x, w: (x * 0.1).exp()),
]


def available_ops():
    return [op for op in OPS if op[1] is None or has(op[1])]


def run_graph(lib, ops, x0, w0):
    x = lib.tensor(x0, requires_grad=True)
    w = lib.tensor(w0, requires_grad=True)
    h = x
    for _, _, fn in ops:
        h = fn(lib, h, w)
    target = lib.zeros(tuple(h.shape), dtype=lib.float64)
    loss = (F if lib is tb else TF).mse_loss(h, target, reduction="sum")
    loss.backward()
    return loss, x.grad, w.grad


@pytest.mark.parametrize("seed", range(40))
def test_random_graph_gradients_match_torch(seed):
    rng = np.random.default_rng(seed)
    table = available_ops()
    picks = [table[i] for i in rng.integers(0, len(table), size=int(rng.integers(3, 9)))]
    picks.append(OPS[6])  # always through linear, so w gets a gradient
    x0 = rng.standard_normal((3, 4))
    w0 = rng.standard_normal((4, 4)) * 0.5
    loss, gx, gw = run_graph(tb, picks, x0, w0)
    tloss, tgx, tgw = run_graph(torch, picks, x0, w0)
    names = [p[0] for p in picks]
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-10, err_msg=str(names))
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-9, atol=1e-12, err_msg=str(names))
    np.testing.assert_allclose(gw.numpy(), tgw.numpy(), rtol=1e-9, atol=1e-12, err_msg=str(names))


@pytest.mark.parametrize("name", [op[0] for op in OPS])
def test_each_op_alone_matches_torch(name):
    op = next(o for o in OPS if o[0] == name)
    if op[1] is not None and not has(op[1]):
        pytest.skip(f"Tensor.{op[1]} is not bound in this build")
    rng = np.random.default_rng(1)
    x0, w0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 4))
    loss, gx, gw = run_graph(tb, [op, OPS[6]], x0, w0)
    tloss, tgx, tgw = run_graph(torch, [op, OPS[6]], x0, w0)
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-10)
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gw.numpy(), tgw.numpy(), rtol=1e-9, atol=1e-12)
