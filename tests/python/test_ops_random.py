"""Random numbers from Python: seeding and generators (reproducible streams), PyTorch's factory
signatures, and distribution checks whose bounds (6 standard errors on 10^6 samples) cannot
flake."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")

N = 10**6


def dtype_name(dtype):
    return str(dtype).split(".")[-1]


def within(value, expected, standard_error):
    assert abs(value - expected) <= 6 * standard_error, (value, expected, standard_error)


@pytest.fixture(autouse=True)
def _restore_default_generator():
    state = tb.get_rng_state()
    yield
    tb.set_rng_state(state)


# ---- seeding and generators ------------------------------------------------------------------

def draws(generator=None):
    return [tb.rand(5, generator=generator), tb.randn(2, 3, generator=generator),
            tb.randint(0, 100, (4,), generator=generator), tb.randperm(7, generator=generator),
            tb.normal(1.0, 2.0, (3,), generator=generator), tb.bernoulli(tb.full((6,), 0.5), generator=generator),
            tb.empty(3, dtype=tb.float64).uniform_(-1, 1, generator=generator),
            tb.empty(3).normal_(generator=generator), tb.empty(8).bernoulli_(0.5, generator=generator)]


def same_draws(a, b):
    return all(x.dtype == y.dtype and x.tolist() == y.tolist() for x, y in zip(a, b))


def test_manual_seed_makes_streams_reproducible():
    assert tb.manual_seed(1234) is tb.default_generator
    first = draws()
    tb.manual_seed(1234)
    assert same_draws(draws(), first)
    tb.manual_seed(1235)
    assert not same_draws(draws(), first)
    assert tb.initial_seed() == 1235


def test_generators_are_independent_streams():
    g1, g2 = tb.Generator().manual_seed(7), tb.Generator()
    assert g2.manual_seed(7) is g2 and g1.initial_seed() == 7
    before = tb.get_rng_state()
    assert same_draws(draws(g1), draws(g2))
    assert tb.get_rng_state().tolist() == before.tolist()  # the default generator did not move
    g3 = tb.Generator(device="cpu")
    assert g3.initial_seed() == torch.Generator().initial_seed()  # the same default seed
    assert g3.device == tb.device("cpu")


def test_generator_state_round_trips():
    g = tb.Generator().manual_seed(99)
    tb.rand(10, generator=g)
    state = g.get_state()
    assert state.dtype == tb.uint8 and state.shape == (16,)
    expected = draws(g)
    assert not same_draws(draws(g), expected)
    assert g.set_state(state) is g
    assert same_draws(draws(g), expected)
    default_state = tb.get_rng_state()
    expected = draws()
    tb.set_rng_state(default_state)
    assert same_draws(draws(), expected)
    with pytest.raises(TypeError, match="set_state: expected a uint8 tensor of 16 bytes"):
        g.set_state(tb.zeros(16))


def test_seed_ranges_match_torch():
    for seed in [0, 2**63 - 1, 2**64 - 1, -1, -(2**63)]:
        tb.manual_seed(seed)
        assert tb.initial_seed() == torch.Generator().manual_seed(seed).initial_seed()
        assert tb.Generator().manual_seed(seed).initial_seed() == tb.initial_seed()
    with pytest.raises(ValueError, match=r"seed must be within \[-2\*\*63, 2\*\*64\)"):
        tb.manual_seed(2**64)
    with pytest.raises(TypeError, match="expected an int seed"):
        tb.manual_seed(1.5)
    fresh = tb.Generator()
    s = fresh.seed()
    assert isinstance(s, int) and fresh.initial_seed() == s
    assert tb.seed() == tb.initial_seed()


def test_values_fill_in_row_major_order_whatever_the_layout():
    tb.manual_seed(5)
    expected = tb.randn(3, 4)
    tb.manual_seed(5)
    target = tb.empty(4, 3).t()  # non-contiguous (3, 4)
    target.normal_()
    assert target.tolist() == expected.tolist()
    tb.manual_seed(5)
    flipped = tb.empty(3, 4).flip(1)
    flipped.normal_()
    assert flipped.tolist() == expected.tolist()


# ---- signatures --------------------------------------------------------------------------------

FACTORY_CALLS = [
    ("rand", (2, 3), {}), ("rand", ((2, 3),), {"dtype": tb.float64}), ("rand", ([4],), {"requires_grad": True}),
    ("randn", (5,), {"dtype": tb.float16}), ("randn", (2, 0), {}), ("randn", ((),), {}),
    ("randint", (10, (3,)), {}), ("randint", (-5, 5, (2, 2)), {}), ("randint", (3, 9, (4,)), {"dtype": tb.int32}),
    ("randint", (), {"low": 2, "high": 4, "size": (3,)}), ("randint", (5, (2,)), {"dtype": tb.float32}),
    ("randperm", (6,), {}), ("randperm", (4,), {"dtype": tb.int32}), ("randperm", (0,), {}),
    ("normal", (0.0, 1.0, (3, 2)), {}), ("normal", (2.0, 0.5), {"size": (4,), "dtype": tb.float64}),
]


def to_torch(value):
    return getattr(torch, dtype_name(value)) if isinstance(value, tb.dtype) else value


@pytest.mark.parametrize("name,args,kwargs", FACTORY_CALLS, ids=repr)
def test_factories_take_torch_arguments(name, args, kwargs):
    ours = getattr(tb, name)(*args, **kwargs)
    theirs = getattr(torch, name)(*args, **{k: to_torch(v) for k, v in kwargs.items()})
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad
    assert ours.is_leaf


def test_like_factories_and_bad_arguments():
    x = tb.zeros(2, 3, dtype=tb.float64)
    assert tb.rand_like(x).dtype == tb.float64 and tb.randn_like(x, dtype=tb.float32).shape == (2, 3)
    with pytest.raises(TypeError, match="rand: expected a floating-point dtype, but got int64"):
        tb.rand(3, dtype=tb.int64)
    if not tb.cuda.is_built():
        with pytest.raises(RuntimeError, match="randn: cannot use device cuda:0: this build of tensorbridge has no CUDA support"):
            tb.randn(3, device="cuda")
    with pytest.raises(ValueError, match="randint: expected low < high, but got low=5 and high=5"):
        tb.randint(5, 5, (3,))
    with pytest.raises(ValueError, match="randperm: n must be non-negative"):
        tb.randperm(-1)
    with pytest.raises(TypeError, match="expected a tensorbridge.Generator"):
        tb.rand(2, generator=torch.Generator())
    with pytest.raises(TypeError, match="size argument is required"):
        tb.normal(0.0, 1.0)
    with pytest.raises(ValueError, match="normal: std must be >= 0"):
        tb.normal(tb.zeros(2), tb.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match=r"rand\(\) missing 1 required positional argument: 'size'"):
        tb.rand()
    with pytest.raises(ValueError, match="read-only"):
        arr = np.zeros(3)
        arr.flags.writeable = False
        tb.from_numpy(arr).normal_()
    with pytest.raises(RuntimeError, match="requires grad"):
        tb.zeros(3, requires_grad=True).uniform_()
    with pytest.raises(TypeError, match="floating"):
        tb.zeros(3, dtype=tb.int32).normal_()


# ---- distributions ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [tb.float32, tb.float64])
def test_rand_is_uniform_on_0_1(dtype):
    tb.manual_seed(11)
    x = tb.rand(N, dtype=dtype).numpy().astype(np.float64)
    assert x.min() >= 0.0 and x.max() < 1.0
    within(x.mean(), 0.5, math.sqrt(1 / 12 / N))
    within(x.var(), 1 / 12, math.sqrt((1 / 80 - 1 / 144) / N))
    counts = np.histogram(x, bins=10, range=(0, 1))[0]
    for c in counts:
        within(c, N / 10, math.sqrt(N * 0.1 * 0.9))
    if dtype == tb.float64:  # 53 random bits, not a float32 value widened
        assert np.any(x * 2.0**24 != np.floor(x * 2.0**24))


@pytest.mark.parametrize("dtype", [tb.float16, tb.bfloat16])
def test_half_precision_uniforms_stay_below_one(dtype):
    x = tb.rand(N, dtype=dtype, generator=tb.Generator().manual_seed(2)).float().numpy()
    assert x.min() >= 0.0 and x.max() < 1.0
    within(x.mean(), 0.5, math.sqrt(1 / 12 / N) + 2.0**-9)  # grid of 2**-8 or finer


@pytest.mark.parametrize("dtype", [tb.float32, tb.float64])
def test_randn_is_standard_normal(dtype):
    x = tb.randn(N, dtype=dtype, generator=tb.Generator().manual_seed(3)).numpy().astype(np.float64)
    within(x.mean(), 0.0, 1 / math.sqrt(N))
    within(x.var(), 1.0, math.sqrt(2 / N))
    p1 = math.erf(1 / math.sqrt(2))
    within(np.mean(np.abs(x) < 1), p1, math.sqrt(p1 * (1 - p1) / N))
    p3 = math.erf(3 / math.sqrt(2))
    within(np.mean(np.abs(x) < 3), p3, math.sqrt(p3 * (1 - p3) / N))
    within(np.mean(x ** 3), 0.0, math.sqrt(15 / N))  # symmetric


def test_normal_with_numbers_and_tensors():
    g = tb.Generator().manual_seed(4)
    x = tb.normal(3.0, 2.0, (N,), generator=g).numpy().astype(np.float64)
    within(x.mean(), 3.0, 2 / math.sqrt(N))
    within(x.std(), 2.0, 2 * math.sqrt(1 / (2 * N)) * 1.01)
    mean = tb.tensor([[0.0], [100.0]])
    std = tb.tensor([1.0, 0.01, 5.0])
    y = tb.normal(mean, std, generator=g)
    assert y.shape == (2, 3) and y.dtype == tb.float32
    means = tb.normal(tb.full((N // 10, 2), 10.0, dtype=tb.float64), 0.5, generator=g).numpy()
    assert means.dtype == np.float64
    within(means.mean(), 10.0, 0.5 / math.sqrt(means.size))
    stds = tb.normal(-1.0, tb.full((N // 10,), 3.0), generator=g).numpy().astype(np.float64)
    within(stds.mean(), -1.0, 3 / math.sqrt(stds.size))
    within(stds.std(), 3.0, 3 * math.sqrt(1 / (2 * stds.size)) * 1.01)


def test_in_place_fills():
    g = tb.Generator().manual_seed(5)
    x = tb.empty(N, dtype=tb.float64)
    assert x.uniform_(-2.0, 5.0, generator=g) is x
    a = x.numpy()
    assert a.min() >= -2.0 and a.max() < 5.0
    within(a.mean(), 1.5, 7 * math.sqrt(1 / 12 / N))
    assert x.normal_(3.0, 0.5, generator=g) is x
    within(a.mean(), 3.0, 0.5 / math.sqrt(N))
    within(a.std(), 0.5, 0.5 * math.sqrt(1 / (2 * N)) * 1.01)
    x.uniform_(generator=g)
    assert a.min() >= 0 and a.max() < 1
    x.normal_(generator=g)
    within(a.mean(), 0.0, 1 / math.sqrt(N))


def test_randint_bounds_and_frequencies():
    x = tb.randint(-3, 4, (N,), generator=tb.Generator().manual_seed(6)).numpy()
    assert x.dtype == np.int64 and x.min() == -3 and x.max() == 3
    counts = np.bincount(x + 3)
    for c in counts:
        within(c, N / 7, math.sqrt(N / 7 * 6 / 7))
    big = tb.randint(2**40, (1000,), generator=tb.Generator().manual_seed(6)).numpy()
    assert big.min() >= 0 and big.max() < 2**40 and big.max() > 2**38
    small = tb.randint(0, 2, (100,), dtype=tb.uint8).numpy()
    assert set(small.tolist()) <= {0, 1}


def test_randperm_is_a_uniform_permutation():
    g = tb.Generator().manual_seed(8)
    p = tb.randperm(1000, generator=g)
    assert p.dtype == tb.int64
    assert sorted(p.tolist()) == list(range(1000)) and p.tolist() != list(range(1000))
    assert tb.randperm(0).shape == (0,) and tb.randperm(1).tolist() == [0]
    counts = {}
    trials = 60000
    for _ in range(trials):
        key = tuple(tb.randperm(3, generator=g).tolist())
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 6
    for c in counts.values():
        within(c, trials / 6, math.sqrt(trials / 6 * 5 / 6))
    assert sorted(tb.randperm(50, dtype=tb.float32).tolist()) == [float(i) for i in range(50)]


def test_bernoulli_probabilities():
    g = tb.Generator().manual_seed(9)
    probs = tb.full((N,), 0.3, dtype=tb.float64)
    x = tb.bernoulli(probs, generator=g).numpy()
    assert x.dtype == np.float64 and set(np.unique(x).tolist()) <= {0.0, 1.0}
    within(x.mean(), 0.3, math.sqrt(0.21 / N))
    edges = tb.bernoulli(tb.tensor([0.0, 1.0] * 500), generator=g).tolist()
    assert edges == [0.0, 1.0] * 500
    y = tb.bernoulli(tb.zeros(N), 0.8, generator=g).numpy()
    within(y.mean(), 0.8, math.sqrt(0.16 / N))
    z = tb.zeros(N).bernoulli(0.25, generator=g).numpy()
    within(z.mean(), 0.25, math.sqrt(0.1875 / N))
    w = tb.empty(N, dtype=tb.float32)
    assert w.bernoulli_(0.6, generator=g) is w
    within(w.numpy().mean(), 0.6, math.sqrt(0.24 / N))
    w.bernoulli_(tb.tensor([1.0, 0.0]).repeat(N // 2), generator=g)
    assert w[:4].tolist() == [1.0, 0.0, 1.0, 0.0] and w.sum().item() == N // 2
    ints = tb.empty(1000, dtype=tb.int32).bernoulli_(0.5, generator=g)
    assert set(ints.tolist()) == {0, 1}
    with pytest.raises(ValueError, match="bernoulli"):
        tb.bernoulli(tb.tensor([1.5]))
