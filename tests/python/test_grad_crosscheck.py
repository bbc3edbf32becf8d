"""Gradients cross-checked against PyTorch on random graphs: each seed builds a small graph of
reductions, matmuls, indexing, joining, sorting, views and elementwise ops over float64 leaves
(some non-contiguous or with negative strides, some broadcast), runs it in tensorbridge and in
torch from the same data, and compares the output and every leaf's .grad."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")

MAX_NUMEL = 256


def const(lib, array):
    return tb.from_numpy(np.ascontiguousarray(array)) if lib is tb else torch.from_numpy(np.ascontiguousarray(array))


class Graph:
    """Random choices and leaves shared by the two runs of one graph."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.leaves = []  # (tensorbridge leaf, torch leaf)

    def randint(self, low, high):
        return int(self.rng.integers(low, high))

    def choice(self, options):
        return options[self.randint(0, len(options))]

    def leaf(self, shape):
        """A new float64 leaf of `shape`: tensorbridge's may be transposed, strided or flipped
        memory (torch gets the same values; it takes no negative strides)."""
        shape = tuple(shape)
        values = self.rng.standard_normal(shape)
        layout = self.choice(["contiguous", "transposed", "strided", "flipped"])
        if layout == "transposed" and len(shape) >= 2:
            ours = np.ascontiguousarray(values.T).T
        elif layout == "strided" and shape:
            wide = np.zeros(shape[:-1] + (2 * shape[-1],))
            wide[..., ::2] = values
            ours = wide[..., ::2]
        elif layout == "flipped" and shape:
            ours = np.ascontiguousarray(values[::-1])[::-1]
        else:
            ours = values.copy()
        pair = (tb.from_numpy(ours).requires_grad_(), torch.from_numpy(values.copy()).requires_grad_())
        self.leaves.append(pair)
        return len(self.leaves) - 1

    def get(self, lib, k):
        return self.leaves[k][0 if lib is tb else 1]


def some_dims(g, ndim):
    count = g.randint(1, ndim + 1)
    return sorted(int(d) - (ndim if g.randint(0, 2) else 0) for d in g.rng.permutation(ndim)[:count])


# Each planner looks at the current shape and returns fn(lib, value) or None when it does not
# apply. Random choices are made when planning, so both runs make the same ones.
def plan_reduce(g, shape):
    if not shape:
        return None
    name = g.choice(["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "norm"])
    dims = some_dims(g, len(shape))
    keepdim = bool(g.randint(0, 2))
    if name in ("var", "std"):
        if int(np.prod([shape[d] for d in dims])) < 2:
            return None
        correction = g.choice([0, 1])
        return lambda L, v: getattr(L, name)(v, dims, correction=correction, keepdim=keepdim)
    if name == "norm":
        p = g.choice([1, 2, 3])
        return lambda L, v: L.norm(v, p, dims, keepdim)
    return lambda L, v: getattr(L, name)(v, dims, keepdim)


def plan_one_dim(g, shape):
    if not shape:
        return None
    name = g.choice(["prod", "max", "min", "cumsum", "cumprod", "softmax", "log_softmax", "sort", "topk"])
    dim = g.randint(-len(shape), len(shape))
    if name in ("max", "min"):
        keepdim = bool(g.randint(0, 2))
        return lambda L, v: getattr(L, name)(v, dim, keepdim).values
    if name == "prod":
        return lambda L, v: L.prod(v, dim)
    if name == "sort":
        descending = bool(g.randint(0, 2))
        return lambda L, v: L.sort(v, dim, descending).values
    if name == "topk":
        k = g.randint(0, shape[dim] + 1)
        largest = bool(g.randint(0, 2))
        return lambda L, v: L.topk(v, k, dim, largest).values
    return lambda L, v: getattr(L, name)(v, dim)


def plan_view(g, shape):
    n = len(shape)
    kind = g.choice(["permute", "transpose", "flip", "reshape", "unsqueeze", "slice"])
    if kind == "unsqueeze":
        d = g.randint(0, n + 1)
        return lambda L, v: v.unsqueeze(d)
    if n == 0:
        return None
    if kind == "permute":
        order = [int(d) for d in g.rng.permutation(n)]
        return lambda L, v: v.permute(*order)
    if kind == "transpose":
        a, b = g.randint(0, n), g.randint(0, n)
        return lambda L, v: v.transpose(a, b)
    if kind == "flip":
        dims = some_dims(g, n)
        return lambda L, v: v.flip(dims)
    if kind == "reshape":
        return lambda L, v: v.reshape(-1)
    d = g.randint(0, n)
    start = g.randint(0, shape[d] + 1)
    return lambda L, v: v.narrow(d, start, shape[d] - start)


def plan_index(g, shape):
    if not shape or 0 in shape:
        return None
    n = len(shape)
    kind = g.choice(["index_select", "gather", "advanced", "mask", "masked_fill", "masked_select",
                     "scatter_add", "index_add", "scatter"])
    d = g.randint(0, n)
    if kind == "index_select":
        idx = g.rng.integers(0, shape[d], g.randint(1, 5))
        return lambda L, v: L.index_select(v, d, const(L, idx))
    if kind == "gather":
        idx = g.rng.integers(0, shape[d], tuple(g.randint(1, s + 1) for s in shape))
        return lambda L, v: L.gather(v, d, const(L, idx))
    if kind == "advanced":
        idx = g.rng.integers(-shape[d], shape[d], (g.randint(1, 3), g.randint(1, 3))).tolist()
        key = (slice(None),) * d + (idx,)
        if n > d + 1 and g.randint(0, 2):
            key = key + (slice(None, None, 2),)
        return lambda L, v: v[key]
    if kind == "mask":  # a mask over the trailing dims
        mask = g.rng.random(shape[d:]) < 0.6
        return lambda L, v: v[Ellipsis, const(L, mask)]
    if kind == "masked_fill":
        mask = g.rng.random(shape[d:]) < 0.5
        return lambda L, v: L.masked_fill(v, const(L, mask), -0.5)
    if kind == "masked_select":
        mask = g.rng.random(shape[d:]) < 0.5
        return lambda L, v: L.masked_select(v, const(L, mask))
    if kind == "scatter_add":
        size = g.randint(1, 4)
        idx = g.rng.integers(0, size, shape)
        base = g.leaf(shape[:d] + (size,) + shape[d + 1:])
        return lambda L, v: L.scatter_add(g.get(L, base), d, const(L, idx), v)
    if kind == "scatter":  # one source element per target position, so the result is defined
        size = shape[d] + g.randint(0, 2)
        idx = np.argsort(g.rng.random(shape[:d] + (size,) + shape[d + 1:]), axis=d).take(range(shape[d]), axis=d)
        base = g.leaf(shape[:d] + (size,) + shape[d + 1:])
        return lambda L, v: L.scatter(g.get(L, base), d, const(L, idx), v)
    size = g.randint(1, 4)
    idx = g.rng.integers(0, size, shape[d])
    base = g.leaf(shape[:d] + (size,) + shape[d + 1:])
    alpha = g.choice([1, -0.5])
    return lambda L, v: L.index_add(g.get(L, base), d, const(L, idx), v, alpha=alpha)


def plan_join(g, shape):
    if not shape or int(np.prod(shape)) * 3 > MAX_NUMEL:
        return None
    n = len(shape)
    kind = g.choice(["cat", "stack", "split", "chunk", "repeat", "tile", "unbind"])
    d = g.randint(-n, n)
    if kind == "cat":
        other_shape = list(shape)
        other_shape[d] = g.randint(1, 3)
        other = g.leaf(other_shape)
        first = bool(g.randint(0, 2))
        return lambda L, v: L.cat([g.get(L, other), v] if first else [v, g.get(L, other)], d)
    if kind == "stack":
        other = g.leaf(shape)
        sd = g.randint(-n - 1, n + 1)
        return lambda L, v: L.stack([v, g.get(L, other)], sd)
    if kind in ("split", "chunk"):
        if shape[d] == 0:
            return None
        parts = g.randint(1, shape[d] + 1)
        pick = g.randint(0, -(-shape[d] // parts))
        if kind == "split":
            return lambda L, v: L.split(v, parts, d)[pick]
        pieces = len(torch.chunk(torch.empty(shape), parts, d))
        pick = g.randint(0, pieces)
        return lambda L, v: L.chunk(v, parts, d)[pick]
    if kind == "unbind":
        pick = g.randint(0, shape[d]) if shape[d] else None
        return None if pick is None else (lambda L, v: L.unbind(v, d)[pick])
    if kind == "repeat":
        reps = [g.randint(1, 3) for _ in range(n + g.randint(0, 2))]
        return lambda L, v: v.repeat(*reps)
    reps = [g.randint(1, 3) for _ in range(g.randint(1, n + 2))]  # fewer dims: leading 1s
    return lambda L, v: L.tile(v, reps)


def plan_matmul(g, shape):
    if not shape or int(np.prod(shape)) * 4 > MAX_NUMEL:
        return None
    k = shape[-1]
    kind = g.choice(["matmul", "batched", "vector", "addmm", "outer"])
    m = g.randint(1, 4)
    if kind == "outer" and len(shape) == 1:
        other = g.leaf((m,))
        return lambda L, v: L.outer(v, g.get(L, other))
    if kind == "vector":
        other = g.leaf((k,))
        return lambda L, v: L.matmul(v, g.get(L, other))
    if kind == "batched":  # batch dims broadcast against the left side's
        other = g.leaf((g.choice([1, 2]), k, m))
        return lambda L, v: L.matmul(v, g.get(L, other))
    other = g.leaf((k, m))
    if kind == "addmm" and len(shape) == 2:
        bias = g.leaf(g.choice([(m,), (shape[0], m), (1, m)]))
        return lambda L, v: L.addmm(g.get(L, bias), v, g.get(L, other), beta=0.5, alpha=2.0)
    return lambda L, v: v @ g.get(L, other)


def elementwise_available():
    return all(hasattr(tb, name) for name in ("add", "mul", "tanh", "sigmoid", "exp", "sin"))


def plan_elementwise(g, shape):
    if not elementwise_available():
        return None
    kind = g.choice(["add", "mul", "sub", "div", "tanh", "sigmoid", "sin", "square", "scale", "exp"])
    if kind in ("add", "mul", "sub", "div"):
        # A broadcast operand: a suffix of the shape with some sizes 1, on either side.
        start = g.randint(0, len(shape) + 1)
        other_shape = tuple(s if g.randint(0, 2) else 1 for s in shape[start:])
        other = g.leaf(other_shape)
        right = bool(g.randint(0, 2))
        if kind == "div":  # a divisor away from zero
            return lambda L, v: v / (g.get(L, other) * g.get(L, other) + 1.0)
        op = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}[kind]
        return lambda L, v: op(v, g.get(L, other)) if right else op(g.get(L, other), v)
    if kind == "square":
        return lambda L, v: v * v
    if kind == "scale":
        return lambda L, v: 2.5 * v - 1
    if kind == "exp":
        return lambda L, v: L.exp(L.tanh(v))
    return lambda L, v: getattr(L, kind)(v)


PLANNERS = [plan_reduce, plan_one_dim, plan_view, plan_index, plan_join, plan_matmul, plan_elementwise]


def build(seed):
    """A random graph as a list of steps, and its first leaf."""
    g = Graph(seed)
    shape = tuple(g.randint(1, 5) for _ in range(g.randint(1, 4)))
    first = g.leaf(shape)
    steps = []
    probe = torch.empty(shape)  # tracks the shape the steps make
    for _ in range(g.randint(2, 7)):
        for _ in range(20):
            step = g.choice(PLANNERS)(g, tuple(probe.shape))
            if step is None:
                continue
            try:
                with torch.no_grad():
                    probe_next = step(torch, probe.double().normal_())
            except (RuntimeError, IndexError, ValueError):
                continue
            if probe_next.numel() <= MAX_NUMEL:
                steps.append(step)
                probe = probe_next
                break
    return g, first, steps


def run(lib, g, first, steps):
    value = g.get(lib, first)
    for step in steps:
        value = step(lib, value)
    return value


@pytest.mark.parametrize("seed", range(300))
def test_random_graph_matches_torch(seed):
    g, first, steps = build(seed)
    outputs = {}
    for lib in (tb, torch):
        out = run(lib, g, first, steps)
        weights = np.random.default_rng(10_000 + seed).standard_normal(out.numel())
        loss = lib.dot(out.reshape(-1), const(lib, weights))  # every output element weighted
        loss.backward()
        outputs[lib] = out
    ours, theirs = outputs[tb], outputs[torch]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    for k, (leaf_tb, leaf_torch) in enumerate(g.leaves):
        if leaf_torch.grad is None:
            assert leaf_tb.grad is None or not leaf_tb.grad.numpy().any(), f"leaf {k}"
            continue
        assert leaf_tb.grad is not None, f"leaf {k} got no gradient"
        assert tuple(leaf_tb.grad.shape) == tuple(leaf_torch.shape)
        np.testing.assert_allclose(leaf_tb.grad.numpy(), leaf_torch.grad.numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=f"leaf {k} of seed {seed}")


def test_graphs_cover_every_planner():
    """The seeds above exercise every kind of step (guards against planners that never apply)."""
    used = set()
    for seed in range(300):
        _, _, steps = build(seed)
        used.update(step.__qualname__.split(".")[0] for step in steps)
    expected = {p.__name__ for p in PLANNERS if p is not plan_elementwise or elementwise_available()}
    assert expected <= used, expected - used
