"""The workflow that started the project, end to end: NumPy data -> tensorbridge without a
copy -> train a PyTorch-style model -> predictions back to NumPy without a copy -> a plot.

examples/linear_regression.py is run as a program, and its text is also run under PyTorch
with only the import lines changed; from the same initial weights both give the same loss
trajectory, with SGD and with Adam."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT = EXAMPLES / "linear_regression.py"
IMPORTS = ("import tensorbridge as tb\n", "from tensorbridge import nn, optim\n")
TORCH_IMPORTS = ("import torch as tb\n", "from torch import nn, optim\n")


def load_script(framework):
    """The example's functions and classes, from its text with `framework`'s imports."""
    text = SCRIPT.read_text()
    for ours, theirs in zip(IMPORTS, TORCH_IMPORTS if framework == "torch" else IMPORTS):
        assert ours in text
        text = text.replace(ours, theirs)
    namespace = {"__name__": f"linear_regression_{framework}"}
    exec(compile(text, str(SCRIPT), "exec"), namespace)
    return namespace


def model_with_weights(ns, weight=0.5, bias=-0.3):
    model = ns["LinearRegression"]()
    with ns["tb"].no_grad():
        model.linear.weight.fill_(weight)
        model.linear.bias.fill_(bias)
    return model


def trajectories(make_optimizer, epochs):
    out = []
    for framework in ("tensorbridge", "torch"):
        ns = load_script(framework)
        x, y = ns["make_data"]()
        x_t, y_t = ns["tb"].from_numpy(x).float(), ns["tb"].from_numpy(y).float()
        model = model_with_weights(ns)
        optimizer = make_optimizer(ns["optim"], model.parameters())
        out.append((np.array(ns["train"](model, x_t, y_t, optimizer, epochs=epochs, log_every=0)), model))
    return out


def test_script_runs_as_a_program_and_writes_the_plot(tmp_path):
    plot = tmp_path / "fit.png"
    result = subprocess.run([sys.executable, str(SCRIPT), str(plot)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(",")[0] for line in lines[:10]] == [f"Epoch [{e}/1000]" for e in range(100, 1001, 100)]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    learned = lines[10]
    weight = float(learned.split("weight: ")[1].split(",")[0])
    bias = float(learned.split("bias: ")[1].split(" ")[0])
    assert abs(weight - 2) < 0.1 and abs(bias - 1) < 0.5


def test_same_script_under_torch_gives_the_same_loss_trajectory():
    (ours, model), (theirs, tmodel) = trajectories(lambda optim, p: optim.SGD(p, lr=0.01), epochs=1000)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours[-1] < 0.05 * ours[0]
    np.testing.assert_allclose(model.linear.weight.item(), tmodel.linear.weight.item(), rtol=1e-4)
    np.testing.assert_allclose(model.linear.bias.item(), tmodel.linear.bias.item(), rtol=1e-3)


@pytest.mark.parametrize(
    "make_optimizer",
    [lambda optim, p: optim.SGD(p, lr=0.01), lambda optim, p: optim.Adam(p, lr=0.05)],
    ids=["SGD", "Adam"],
)
def test_trained_side_by_side_with_torch_for_200_steps(make_optimizer):
    (ours, _), (theirs, _) = trajectories(make_optimizer, epochs=200)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours[-1] < ours[0]


def test_the_workflow_copies_nothing():
    ns = load_script("tensorbridge")
    x, y = ns["make_data"]()
    x_t = tb.from_numpy(x)
    assert x_t.data_ptr() == x.ctypes.data
    assert x_t.float() is x_t  # already float32: .float() is the same tensor
    x[3, 0] = 123.0
    assert x_t[3, 0].item() == 123.0
    x_t[4, 0] = -5.0
    assert x[4, 0] == -5.0

    model = model_with_weights(ns, weight=2.0, bias=1.0)
    out = model(x_t)
    predictions_t = out.detach()
    predictions = predictions_t.numpy()
    assert predictions_t.data_ptr() == out.data_ptr()
    assert predictions.ctypes.data == out.data_ptr()
    assert predictions[3, 0] == pytest.approx(2 * 123.0 + 1)
    predictions_t[0, 0] = 42.0
    assert predictions[0, 0] == 42.0


def test_mlp_classifier_example_learns():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "mlp_classifier.py")], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    final = float(result.stdout.strip().splitlines()[-1].split(": ")[1])
    assert final > 0.9
