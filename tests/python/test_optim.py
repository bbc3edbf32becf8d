"""tensorbridge.optim against torch.optim, step by step from the same parameters and the same
gradients: SGD (momentum, dampening, nesterov, weight decay, maximize), Adam and AdamW
(weight decay, amsgrad), parameter groups, learning rates changed through param_groups,
StepLR, state_dict round trips, closures and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb
from tensorbridge import nn, optim
import tensorbridge.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
X = RNG.standard_normal((16, 3))
Y = RNG.standard_normal((16, 2))
W0 = RNG.standard_normal((2, 3))
B0 = RNG.standard_normal(2)


def arr(t):
    return np.array(t.detach().numpy(), dtype=np.float64)


def params_pair():
    ours = [nn.Parameter(tb.tensor(W0)), nn.Parameter(tb.tensor(B0))]
    theirs = [torch.nn.Parameter(torch.tensor(W0)), torch.nn.Parameter(torch.tensor(B0))]
    return ours, theirs


def loss_of(lib, params):
    if lib is tb:
        return F.mse_loss(F.linear(tb.tensor(X), *params), tb.tensor(Y))
    return TF.mse_loss(TF.linear(torch.tensor(X), *params), torch.tensor(Y))


def train_both(make_ours, make_theirs, steps=25, between=None):
    ours, theirs = params_pair()
    opt, topt = make_ours(ours), make_theirs(theirs)
    for step in range(steps):
        for lib, o, ps in ((tb, opt, ours), (torch, topt, theirs)):
            o.zero_grad()
            loss_of(lib, ps).backward()
            o.step()
        if between is not None:
            between(step, opt, topt)
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(arr(p), arr(tp), rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
    return opt, topt, ours, theirs


SGD_CASES = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.05, "momentum": 0.9},
    "dampening": {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    "nesterov": {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    "weight_decay": {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
    "maximize": {"lr": 0.01, "maximize": True},
}


@pytest.mark.parametrize("case", list(SGD_CASES))
def test_sgd_matches_torch_step_by_step(case):
    kw = SGD_CASES[case]
    train_both(lambda p: optim.SGD(p, **kw), lambda p: torch.optim.SGD(p, **kw))


ADAM_CASES = {
    "adam": ("Adam", {"lr": 0.01}),
    "adam_betas_eps": ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
    "adam_weight_decay": ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    "adam_amsgrad": ("Adam", {"lr": 0.01, "amsgrad": True}),
    "adam_maximize": ("Adam", {"lr": 0.01, "maximize": True}),
    "adamw": ("AdamW", {"lr": 0.01}),
    "adamw_decay_amsgrad": ("AdamW", {"lr": 0.01, "weight_decay": 0.2, "amsgrad": True}),
}


@pytest.mark.parametrize("case", list(ADAM_CASES))
def test_adam_and_adamw_match_torch_step_by_step(case):
    name, kw = ADAM_CASES[case]
    train_both(lambda p: getattr(optim, name)(p, **kw), lambda p: getattr(torch.optim, name)(p, **kw))


def test_adamw_default_weight_decay_is_torchs():
    ours, _ = params_pair()
    assert optim.AdamW(ours).defaults["weight_decay"] == torch.optim.AdamW([torch.zeros(1, requires_grad=True)]).defaults["weight_decay"]


def test_param_groups_with_their_own_hyperparameters():
    def groups(ps):
        return [{"params": [ps[0]], "lr": 0.2}, {"params": [ps[1]], "momentum": 0.5}]

    opt, topt, _, _ = train_both(lambda p: optim.SGD(groups(p), lr=0.05), lambda p: torch.optim.SGD(groups(p), lr=0.05))
    assert opt.param_groups[0]["lr"] == 0.2 and opt.param_groups[1]["lr"] == 0.05
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[0]["momentum"] == 0.0


def test_learning_rate_changed_through_param_groups_is_honoured():
    def halve(step, opt, topt):
        if step % 5 == 4:
            for o in (opt, topt):
                for group in o.param_groups:
                    group["lr"] *= 0.5
        if step == 12:
            for o in (opt, topt):
                o.param_groups[0]["betas"] = (0.5, 0.9)

    train_both(lambda p: optim.Adam(p, lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05), between=halve)


def test_add_param_group_later():
    ours, theirs = params_pair()
    opt = optim.SGD([ours[0]], lr=0.1)
    topt = torch.optim.SGD([theirs[0]], lr=0.1)
    opt.add_param_group({"params": ours[1], "lr": 0.01})
    topt.add_param_group({"params": theirs[1], "lr": 0.01})
    for lib, o, ps in ((tb, opt, ours), (torch, topt, theirs)):
        loss_of(lib, ps).backward()
        o.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(arr(p), arr(tp), rtol=1e-12)


def test_step_lr_matches_torch():
    ours, theirs = params_pair()
    opt = optim.SGD(ours, lr=1.0)
    topt = torch.optim.SGD(theirs, lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    for _ in range(10):
        for lib, o, ps in ((tb, opt, ours), (torch, topt, theirs)):
            o.zero_grad()
            loss_of(lib, ps).backward()
            o.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr())
        assert sched.last_epoch == tsched.last_epoch
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(arr(p), arr(tp), rtol=1e-10)
    assert opt.param_groups[0]["initial_lr"] == 1.0
    with pytest.raises(ValueError, match="step_size"):
        optim.lr_scheduler.StepLR(opt, step_size=0)


def test_state_dict_matches_torch_layout_and_round_trips():
    opt, topt, ours, _ = train_both(
        lambda p: optim.Adam(p, lr=0.01, amsgrad=True), lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True), steps=3
    )
    state, tstate = opt.state_dict(), topt.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert list(state["state"]) == list(tstate["state"]) == [0, 1]
    for i in (0, 1):
        assert set(state["state"][i]) == set(tstate["state"][i])
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"):
            np.testing.assert_allclose(arr(state["state"][i][key]), arr(tstate["state"][i][key]), rtol=1e-10)
    group, tgroup = state["param_groups"][0], tstate["param_groups"][0]
    assert group["params"] == tgroup["params"] == [0, 1]
    for key in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
        assert group[key] == tgroup[key]

    # A fresh optimizer loaded from the state continues exactly like the original.
    clones = [nn.Parameter(p.detach().clone()) for p in ours]
    resumed = optim.Adam(clones, lr=0.5)
    resumed.load_state_dict(state)
    assert resumed.param_groups[0]["lr"] == 0.01
    for o, ps in ((opt, ours), (resumed, clones)):
        o.zero_grad()
        loss_of(tb, ps).backward()
        o.step()
    for p, q in zip(ours, clones):
        np.testing.assert_array_equal(arr(p), arr(q))
    assert set(opt.state[ours[0]]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}


def test_sgd_state_dict_has_momentum_buffers():
    opt, topt, _, _ = train_both(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), steps=2)
    for i in (0, 1):
        np.testing.assert_allclose(
            arr(opt.state_dict()["state"][i]["momentum_buffer"]), arr(topt.state_dict()["state"][i]["momentum_buffer"])
        )
    bad = opt.state_dict()
    bad["param_groups"].append(dict(bad["param_groups"][0]))
    with pytest.raises(ValueError, match="number of parameter groups"):
        opt.load_state_dict(bad)


def test_zero_grad_and_parameters_without_gradients():
    ours, _ = params_pair()
    opt = optim.SGD(ours, lr=0.1)
    loss_of(tb, ours).backward()
    opt.zero_grad(set_to_none=False)
    assert (arr(ours[0].grad) == 0).all()
    opt.zero_grad()
    assert ours[0].grad is None
    before = arr(ours[0]).copy()
    opt.step()  # no gradients: nothing moves
    np.testing.assert_array_equal(arr(ours[0]), before)


def test_step_with_closure_returns_its_loss():
    ours, _ = params_pair()
    opt = optim.SGD(ours, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_of(tb, ours)
        loss.backward()
        return loss

    with tb.no_grad():  # step turns grad mode on for the closure
        first = opt.step(closure).item()
    second = opt.step(closure).item()
    assert second < first


def test_optimizer_argument_errors():
    ours, _ = params_pair()
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(ours[0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": set(ours)}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([F.tanh(ours[0])], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([ours[0], ours[0]], lr=0.1)
    with pytest.raises(ValueError, match="invalid learning rate"):
        optim.SGD(ours, lr=-1.0)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(ours, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam(ours, betas=(0.9, 1.5))
    opt = optim.SGD(ours, lr=0.1)
    opt.param_groups[0]["lr"] = -0.5
    loss_of(tb, ours).backward()
    with pytest.raises(ValueError, match="invalid learning rate"):
        opt.step()


def test_models_train_with_module_parameters():
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    x, y = tb.tensor(X, dtype=tb.float32), tb.tensor(Y, dtype=tb.float32)
    losses = []
    for _ in range(100):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert "Adam (" in repr(opt) and "lr: 0.05" in repr(opt)
