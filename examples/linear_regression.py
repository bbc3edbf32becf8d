"""Linear regression, NumPy -> tensorbridge -> NumPy, written as a PyTorch script.

Makes noisy data y = 2x + 1 in NumPy, hands it to tensorbridge without copying, fits
nn.Linear(1, 1) with MSELoss and SGD, brings the predictions back to NumPy (again without
copying) and plots data and fitted line with matplotlib.

    python examples/linear_regression.py [plot.png]

The same file runs under PyTorch by changing the two import lines below to
``import torch as tb`` and ``from torch import nn, optim``.
"""

import sys

import matplotlib

matplotlib.use("Agg")  # render to a file; no display needed
import matplotlib.pyplot as plt
import numpy as np

import tensorbridge as tb
from tensorbridge import nn, optim


class LinearRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


def make_data(n=100, seed=0):
    """x uniform in [0, 10), y = 2x + 1 + N(0, 1) noise; float32 columns of shape (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, size=(n, 1)).astype(np.float32)
    y = (2 * x + 1 + rng.normal(0, 1, size=(n, 1))).astype(np.float32)
    return x, y


def train(model, x_t, y_t, optimizer, epochs=1000, log_every=100):
    """Full-batch training; returns the loss of every epoch."""
    criterion = nn.MSELoss()
    losses = []
    for epoch in range(epochs):
        outputs = model(x_t)
        loss = criterion(outputs, y_t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if log_every and (epoch + 1) % log_every == 0:
            print(f"Epoch [{epoch + 1}/{epochs}], Loss: {losses[-1]:.4f}")
    return losses


def main(plot_path="linear_regression.png"):
    x, y = make_data()
    x_t = tb.from_numpy(x).float()  # shares x's memory: float32 already, so no copy
    y_t = tb.from_numpy(y).float()

    model = LinearRegression()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    train(model, x_t, y_t, optimizer, epochs=1000, log_every=100)

    predictions = model(x_t).detach().numpy()  # a NumPy view of the output tensor

    weight = model.linear.weight.item()
    bias = model.linear.bias.item()
    print(f"Learned weight: {weight:.4f}, bias: {bias:.4f} (true: 2, 1)")

    order = np.argsort(x[:, 0])
    plt.figure(figsize=(6, 4))
    plt.scatter(x[:, 0], y[:, 0], s=12, label="data")
    plt.plot(x[order, 0], predictions[order, 0], color="red", label=f"fit: y = {weight:.2f}x + {bias:.2f}")
    plt.xlabel("x")
    plt.ylabel("y")
    plt.legend()
    plt.tight_layout()
    plt.savefig(plot_path)
    print(f"Plot saved to {plot_path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "linear_regression.png")
