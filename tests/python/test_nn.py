"""tensorbridge.nn against torch.nn: Module subclassing and registration semantics, listings,
modes, state_dict round trips, conversion, repr, and every layer and loss giving the same
outputs and gradients as PyTorch's from the same weights."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict

import numpy as np
import pytest

import tensorbridge as tb
from tensorbridge import nn
import tensorbridge.nn.functional as F

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional


def arr(t):
    return None if t is None else np.array(t.detach().numpy(), dtype=np.float64)


def copy_weights(ours, theirs):
    """Loads a torch module's state into ours (through load_state_dict)."""
    ours.load_state_dict({k: tb.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def run_both(ours, theirs, x, seed=None, input_grad=True):
    """Runs both modules on the same input, backpropagates the same seed gradient, and
    returns ((out, grad_x), (t_out, t_grad_x))."""
    xa = tb.tensor(x, requires_grad=input_grad)
    xt = torch.tensor(x, requires_grad=input_grad)
    out, tout = ours(xa), theirs(xt)
    if seed is None:
        seed = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(x.dtype)
    out.backward(tb.tensor(seed))
    tout.backward(torch.tensor(seed))
    return (out, xa.grad), (tout, xt.grad)


def assert_close(ours, theirs, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(arr(ours), arr(theirs), rtol=rtol, atol=atol)


# ---- subclassing and registration ---------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2)
        self.scale = nn.Parameter(tb.ones(2))
        self.register_buffer("running", tb.zeros(2))
        self.register_buffer("scratch", tb.zeros(1), persistent=False)
        self.plain = 3

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class TorchNet(tnn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = tnn.Linear(4, 3)
        self.act = tnn.ReLU()
        self.fc2 = tnn.Linear(3, 2)
        self.scale = tnn.Parameter(torch.ones(2))
        self.register_buffer("running", torch.zeros(2))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)
        self.plain = 3

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def test_assigning_parameters_and_modules_registers_them_like_torch():
    net, tnet = Net(), TorchNet()
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in net.named_buffers()] == [n for n, _ in tnet.named_buffers()]
    assert [n for n, _ in net.named_children()] == [n for n, _ in tnet.named_children()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in tnet.named_modules()]
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert all(isinstance(p, nn.Parameter) and isinstance(p, tb.Tensor) for p in net.parameters())
    assert net.fc1._parameters["weight"] is net.fc1.weight
    assert net.plain == 3 and "plain" not in net._parameters


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3  # seq, shared, relu
    tshared = tnn.Linear(2, 2)
    tseq = tnn.Sequential(tshared, tnn.ReLU(), tshared)
    assert [n for n, _ in seq.named_parameters()] == [n for n, _ in tseq.named_parameters()]


def test_registration_errors_and_reassignment_rules():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tb.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    m = nn.Module()
    m.w = nn.Parameter(tb.zeros(2))
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = tb.zeros(2)
    m.w = None
    assert m.w is None and "w" in m._parameters and list(m.parameters()) == []
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("v", tb.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", tb.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("forward", tb.zeros(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    # A Parameter that an in-place copy gave a history is no longer a leaf.
    p = nn.Parameter(tb.zeros(1), requires_grad=False)
    p.copy_(F.tanh(tb.tensor([1.0], requires_grad=True)))
    assert p.grad_fn is not None
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'bad'"):
        m.register_parameter("bad", p)
    # A plain attribute gives way to a parameter of the same name, and deleting forgets it.
    m.thing = 1
    m.thing = nn.Parameter(tb.zeros(1))
    assert "thing" in m._parameters
    del m.thing
    assert "thing" not in m._parameters and not hasattr(m, "thing")


def test_buffers_are_tensors_and_follow_assignment():
    net = Net()
    net.running = tb.ones(2)
    np.testing.assert_array_equal(arr(net.state_dict()["running"]), [1.0, 1.0])
    with pytest.raises(TypeError, match="as buffer 'running'"):
        net.running = 5
    assert "scratch" not in net.state_dict()


def test_getattr_finds_entries_put_straight_into_the_registries():
    m = nn.Module()
    m._parameters["direct"] = nn.Parameter(tb.zeros(1))
    assert m.direct is m._parameters["direct"]
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing


def test_train_eval_and_requires_grad():
    net = Net()
    assert net.training and net.fc1.training
    assert net.eval() is net
    assert not net.training and not net.fc1.training and not net.act.training
    net.train()
    assert net.fc2.training
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_zero_grad_sets_none_or_zeros():
    net = Net()
    out = net(tb.ones(1, 4))
    out.backward(tb.ones(1, 2))
    assert net.fc1.weight.grad is not None
    net.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(arr(net.fc1.weight.grad), np.zeros((3, 4)))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_forward_hooks_and_call():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append("pre"))
    post = lin.register_forward_hook(lambda m, args, out: calls.append("post"))
    lin(tb.ones(1, 2))
    assert calls == ["pre", "post"]
    pre.remove()
    post.remove()
    lin(tb.ones(1, 2))
    assert calls == ["pre", "post"]
    lin.register_forward_hook(lambda m, args, out: tb.zeros(1, 2))
    np.testing.assert_array_equal(arr(lin(tb.ones(1, 2))), np.zeros((1, 2)))
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_repr_matches_torch():
    net, tnet = Net(), TorchNet()
    assert repr(net) == repr(tnet).replace("TorchNet", "Net")
    for ours, theirs in [
        (nn.Linear(3, 2, bias=False), tnn.Linear(3, 2, bias=False)),
        (nn.Sequential(nn.Linear(1, 2), nn.Sequential(nn.Tanh(), nn.Dropout(0.2))),
         tnn.Sequential(tnn.Linear(1, 2), tnn.Sequential(tnn.Tanh(), tnn.Dropout(0.2)))),
        (nn.Softmax(dim=1), tnn.Softmax(dim=1)),
        (nn.LogSoftmax(1), tnn.LogSoftmax(1)),
        (nn.Flatten(), tnn.Flatten()),
        (nn.GELU(approximate="tanh"), tnn.GELU(approximate="tanh")),
        (nn.ReLU(inplace=True), tnn.ReLU(inplace=True)),
        (nn.Embedding(5, 3, padding_idx=0), tnn.Embedding(5, 3, padding_idx=0)),
        (nn.MSELoss(), tnn.MSELoss()),
        (nn.CrossEntropyLoss(), tnn.CrossEntropyLoss()),
    ]:
        assert repr(ours) == repr(theirs)
    assert repr(nn.Parameter(tb.tensor([1.0]))) == repr(tnn.Parameter(torch.tensor([1.0])))


# ---- state ---------------------------------------------------------------------------------------
def test_state_dict_round_trip_reproduces_outputs():
    a, b = Net(), Net()
    x = tb.tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    assert not np.allclose(arr(a(x)), arr(b(x)))
    state = a.state_dict()
    assert isinstance(state, OrderedDict)
    assert all(not t.requires_grad for t in state.values())
    assert state["fc1.weight"].data_ptr() == a.fc1.weight.data_ptr()  # shares memory
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(arr(a(x)), arr(b(x)))
    assert b.fc1.weight.data_ptr() != a.fc1.weight.data_ptr()  # copied into b's own memory
    # keep_vars keeps the parameters themselves.
    assert a.state_dict(keep_vars=True)["scale"] is a.scale


def test_load_state_dict_from_torch_and_strictness():
    net, tnet = Net(), TorchNet()
    copy_weights(net, tnet)
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    assert_close(net(tb.tensor(x)), tnet(torch.tensor(x)))
    state = net.state_dict()
    del state["fc2.bias"]
    state["extra"] = tb.zeros(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "fc2.bias"') as info:
        net.load_state_dict(state)
    assert 'Unexpected key(s) in state_dict: "extra"' in str(info.value)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["extra"]
    bad = net.state_dict()
    bad["fc1.weight"] = tb.zeros(4, 4)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        net.load_state_dict(bad, strict=False)


def test_to_double_and_float_keep_parameter_identity():
    net = Net()
    weight = net.fc1.weight
    opt = tb.optim.SGD(net.parameters(), lr=0.1)
    assert net.double() is net
    assert net.fc1.weight is weight and weight.dtype == tb.float64 and weight.requires_grad
    assert net.running.dtype == tb.float64
    # Through fc1 alone: behind the ReLU, fc1's gradient would be zero for some initial
    # weights, and whether it is would depend on the random state earlier tests left.
    out = net.fc1(tb.ones(1, 4, dtype=tb.float64))
    out.backward(tb.ones(1, 3, dtype=tb.float64))
    assert weight.grad.dtype == tb.float64
    before = arr(weight).copy()
    opt.step()  # the optimizer holds the same parameters, now float64
    assert not np.array_equal(arr(weight), before)
    net.float()
    assert weight.dtype == tb.float32 and weight.grad.dtype == tb.float32
    assert net.to(tb.float64) is net and weight.dtype == tb.float64
    with pytest.raises(TypeError, match="floating point"):
        net.to(tb.int64)
    if not tb.cuda.is_built():
        with pytest.raises(RuntimeError, match="no CUDA support"):
            net.to("cuda")


def test_deepcopy_gives_independent_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    assert clone.fc1.weight is not net.fc1.weight
    assert isinstance(clone.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(arr(clone.fc1.weight), arr(net.fc1.weight))


# ---- layers against torch ----------------------------------------------------------------------
def test_linear_default_init_and_shapes_follow_torch():
    lin = nn.Linear(20, 7)
    assert tuple(lin.weight.shape) == (7, 20) and tuple(lin.bias.shape) == (7,)
    bound = 1 / math.sqrt(20)
    w = arr(lin.weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(arr(lin.bias)).max() <= bound
    assert len(np.unique(w)) == w.size
    assert lin.weight.is_leaf and lin.weight.requires_grad
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=tb.float64).weight.dtype == tb.float64


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Linear(5, 3),
        lambda m: m.Linear(5, 3, bias=False),
        lambda m: m.Sequential(m.Linear(5, 8), m.ReLU(), m.Linear(8, 3)),
        lambda m: m.Sequential(m.Linear(5, 8), m.Tanh(), m.Linear(8, 2), m.Sigmoid()),
        lambda m: m.Sequential(m.Linear(5, 4), m.GELU()),
        lambda m: m.Sequential(m.Linear(5, 4), m.GELU(approximate="tanh")),
        lambda m: m.Sequential(m.Linear(5, 4), m.Softmax(dim=1)),
        lambda m: m.Sequential(m.Linear(5, 4), m.LogSoftmax(dim=-1)),
        lambda m: m.Sequential(m.Flatten(0), m.Linear(10, 3)),
        lambda m: m.Sequential(m.Linear(5, 5), m.Dropout(0.5)).eval(),
        lambda m: m.Sequential(m.Linear(5, 5), m.ReLU(inplace=True), m.Linear(5, 1)),
    ],
    ids=["linear", "linear-nobias", "mlp-relu", "tanh-sigmoid", "gelu", "gelu-tanh", "softmax",
         "log-softmax", "flatten", "dropout-eval", "relu-inplace"],
)
def test_layers_match_torch_outputs_and_gradients(make):
    ours, theirs = make(nn), make(tnn)
    copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    (out, gx), (tout, tgx) = run_both(ours, theirs, x)
    assert_close(out, tout)
    assert_close(gx, tgx)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        assert_close(p.grad, tp.grad)


def test_linear_on_batched_3d_input_matches_torch():
    ours, theirs = nn.Linear(4, 3), tnn.Linear(4, 3)
    copy_weights(ours, theirs)
    x = np.random.default_rng(3).standard_normal((2, 5, 4)).astype(np.float32)
    (out, gx), (tout, tgx) = run_both(ours, theirs, x)
    assert_close(out, tout)
    assert_close(gx, tgx)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours.bias.grad, theirs.bias.grad)


def test_dropout_trains_with_a_consistent_mask():
    drop = nn.Dropout(p=0.25)
    x = tb.ones(200, 50, requires_grad=True)
    y = drop(x)
    values = arr(y)
    kept = values != 0
    assert 0.70 < kept.mean() < 0.80
    np.testing.assert_allclose(values[kept], 1 / 0.75, rtol=1e-6)
    y.backward(tb.ones(200, 50))
    np.testing.assert_allclose(arr(x.grad), values)  # the gradient goes through the same mask
    assert drop.eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_embedding_matches_torch_and_padding_gets_no_gradient():
    ours, theirs = nn.Embedding(6, 3, padding_idx=1), tnn.Embedding(6, 3, padding_idx=1)
    np.testing.assert_array_equal(arr(ours.weight)[1], np.zeros(3))
    copy_weights(ours, theirs)
    idx = np.array([[0, 1, 5], [1, 1, 2]])
    out, tout = ours(tb.tensor(idx)), theirs(torch.tensor(idx))
    assert_close(out, tout)
    seed = np.random.default_rng(0).standard_normal((2, 3, 3)).astype(np.float32)
    out.backward(tb.tensor(seed))
    tout.backward(torch.tensor(seed))
    assert_close(ours.weight.grad, theirs.weight.grad)
    np.testing.assert_array_equal(arr(ours.weight.grad)[1], np.zeros(3))
    with pytest.raises(IndexError, match="out of range"):
        ours(tb.tensor([6]))
    pre = nn.Embedding.from_pretrained(tb.ones(2, 4))
    assert not pre.weight.requires_grad and tuple(pre.weight.shape) == (2, 4)


def test_sequential_container_behaviour():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert isinstance(seq[0], nn.Linear) and seq.fc is seq[0] and isinstance(seq[-1], nn.ReLU)
    assert len(seq) == 2 and [type(m) for m in seq] == [nn.Linear, nn.ReLU]
    assert isinstance(seq[0:1], nn.Sequential) and len(seq[0:1]) == 1
    seq.append(nn.Linear(3, 1))
    assert tuple(seq(tb.ones(4, 2)).shape) == (4, 1)
    with pytest.raises(IndexError):
        seq[3]
    lst = nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])
    assert len(list(lst.parameters())) == 4 and len(lst) == 2
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    assert "a" in md and [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]


# ---- losses against torch ------------------------------------------------------------------------
def _loss_case(name, rng):
    n, c = 6, 4
    logits = rng.standard_normal((n, c)).astype(np.float32)
    if name in ("mse", "l1"):
        return logits, rng.standard_normal((n, c)).astype(np.float32)
    if name == "bce":
        return 1 / (1 + np.exp(-logits)), rng.uniform(0, 1, (n, c)).astype(np.float32)
    if name == "bce_logits":
        return logits, (rng.uniform(0, 1, (n, c)) > 0.5).astype(np.float32)
    if name == "ce_probs":
        p = rng.uniform(0.1, 1, (n, c)).astype(np.float32)
        return logits, p / p.sum(1, keepdims=True)
    if name == "nll":
        return np.log(np.exp(logits) / np.exp(logits).sum(1, keepdims=True)), rng.integers(0, c, n)
    return logits, np.array([0, 3, 1, -100, 2, 3])  # class indices, one ignored


LOSSES = {
    "mse": (lambda m, kw: m.MSELoss(**kw), {}),
    "l1": (lambda m, kw: m.L1Loss(**kw), {}),
    "bce": (lambda m, kw: m.BCELoss(**kw), {}),
    "bce_logits": (lambda m, kw: m.BCEWithLogitsLoss(**kw), {}),
    "ce": (lambda m, kw: m.CrossEntropyLoss(**kw), {}),
    "ce_smooth": (lambda m, kw: m.CrossEntropyLoss(label_smoothing=0.2, **kw), {}),
    "ce_probs": (lambda m, kw: m.CrossEntropyLoss(**kw), {}),
    "nll": (lambda m, kw: m.NLLLoss(**kw), {}),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_match_torch(name, reduction):
    rng = np.random.default_rng(hash(name) % 1000)
    x, target = _loss_case(name.replace("_smooth", ""), rng)
    make, _ = LOSSES[name]
    ours, theirs = make(nn, {"reduction": reduction}), make(tnn, {"reduction": reduction})
    xa, xt = tb.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(xa, tb.tensor(target)), theirs(xt, torch.tensor(target))
    assert_close(out, tout, rtol=1e-5, atol=1e-6)
    seed = np.random.default_rng(5).standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(tb.tensor(seed))
    tout.backward(torch.tensor(seed))
    assert_close(xa.grad, xt.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["ce", "nll", "bce", "bce_logits"])
def test_weighted_losses_match_torch(name):
    rng = np.random.default_rng(7)
    x, target = _loss_case(name, rng)
    if name in ("ce", "nll"):
        w = rng.uniform(0.5, 2.0, 4).astype(np.float32)
        target = np.where(target < 0, 0, target) if name == "nll" else target
    else:
        w = rng.uniform(0.5, 2.0, x.shape).astype(np.float32)
    make = {"ce": "CrossEntropyLoss", "nll": "NLLLoss", "bce": "BCELoss", "bce_logits": "BCEWithLogitsLoss"}[name]
    ours = getattr(nn, make)(weight=tb.tensor(w))
    theirs = getattr(tnn, make)(weight=torch.tensor(w))
    xa, xt = tb.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(xa, tb.tensor(target)), theirs(xt, torch.tensor(target))
    assert_close(out, tout)
    out.backward()
    tout.backward()
    assert_close(xa.grad, xt.grad)
    assert "weight" in dict(ours.named_buffers())


def test_cross_entropy_ignore_index_and_legacy_flags():
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    target = np.array([2, 7, 0, 7])
    out = F.cross_entropy(tb.tensor(x), tb.tensor(target), ignore_index=7)
    tout = TF.cross_entropy(torch.tensor(x), torch.tensor(target), ignore_index=7)
    assert_close(out, tout)
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.MSELoss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction must be"):
        F.mse_loss(tb.zeros(1), tb.zeros(1), reduction="avg")


def test_functional_forms_match_torch():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    w = rng.standard_normal((2, 5)).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32)
    cases = [
        (lambda f, t, T: f.linear(t, T(w), T(b))),
        (lambda f, t, T: f.relu(t)),
        (lambda f, t, T: f.sigmoid(t)),
        (lambda f, t, T: f.tanh(t)),
        (lambda f, t, T: f.gelu(t)),
        (lambda f, t, T: f.softmax(t, dim=0)),
        (lambda f, t, T: f.log_softmax(t, dim=1)),
        (lambda f, t, T: f.dropout(t, 0.3, training=False)),
    ]
    for case in cases:
        assert_close(case(F, tb.tensor(x), tb.tensor), case(TF, torch.tensor(x), torch.tensor))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        assert_close(F.softmax(tb.tensor(x)), TF.softmax(torch.tensor(x), dim=1))


# ---- nn.init ------------------------------------------------------------------------------------
def test_calculate_gain_matches_torch():
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(tnn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")


def test_init_functions_fill_in_place_within_their_bounds():
    w = nn.Parameter(tb.empty(300, 200))
    assert nn.init.uniform_(w, -2.0, 3.0) is w
    v = arr(w)
    assert v.min() >= -2.0 and v.max() <= 3.0 and abs(v.mean() - 0.5) < 0.05
    nn.init.normal_(w, 1.0, 0.5)
    assert abs(arr(w).mean() - 1.0) < 0.01 and abs(arr(w).std() - 0.5) < 0.01
    nn.init.constant_(w, 0.25)
    assert (arr(w) == 0.25).all()
    nn.init.zeros_(w)
    assert (arr(w) == 0).all()
    nn.init.ones_(w)
    assert (arr(w) == 1).all()
    bound = math.sqrt(6 / 500)
    nn.init.xavier_uniform_(w)
    assert np.abs(arr(w)).max() <= bound and np.abs(arr(w)).max() > 0.95 * bound
    nn.init.xavier_normal_(w, gain=2.0)
    assert abs(arr(w).std() - 2.0 * math.sqrt(2 / 500)) < 0.005
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(arr(w)).max() <= bound and np.abs(arr(w)).max() > 0.95 * bound
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(arr(w).std() - math.sqrt(2 / 300)) < 0.005
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(tb.empty(3))
    with pytest.raises(ValueError, match="Mode fan_middle not supported"):
        nn.init.kaiming_uniform_(w, mode="fan_middle")
