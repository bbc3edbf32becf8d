"""A small MLP classifier on a synthetic 2-D dataset (three interleaved spiral arms), trained
with CrossEntropyLoss and Adam. Data is made in NumPy and shared with tensorbridge without
copying; accuracy is computed in NumPy from the logits.

    python examples/mlp_classifier.py

Written as a PyTorch script: ``import torch as tb`` / ``from torch import nn, optim`` runs it
under PyTorch.
"""

import numpy as np

import tensorbridge as tb
from tensorbridge import nn, optim


def make_spirals(points_per_class=200, classes=3, seed=0):
    """(x, labels): float32 points of shape (N, 2) and int64 class indices of shape (N,)."""
    rng = np.random.default_rng(seed)
    radius = np.linspace(0.1, 1.0, points_per_class)
    xs, labels = [], []
    for c in range(classes):
        angle = np.linspace(c * 4.0, (c + 1) * 4.0, points_per_class) + rng.normal(0, 0.15, points_per_class)
        xs.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(points_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(labels).astype(np.int64)


class MLP(nn.Module):
    def __init__(self, hidden=64, classes=3):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(2, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, classes),
        )

    def forward(self, x):
        return self.layers(x)


def accuracy(model, x_t, labels):
    with tb.no_grad():
        logits = model(x_t).numpy()  # no graph under no_grad, so numpy() is allowed
    return float((logits.argmax(axis=1) == labels).mean())


def main(epochs=500, log_every=50):
    x, labels = make_spirals()
    x_t, y_t = tb.from_numpy(x), tb.from_numpy(labels)

    model = MLP()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(epochs):
        loss = criterion(model(x_t), y_t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (epoch + 1) % log_every == 0:
            print(f"Epoch [{epoch + 1}/{epochs}], Loss: {loss.item():.4f}, Accuracy: {accuracy(model, x_t, labels):.3f}")
    final = accuracy(model, x_t, labels)
    print(f"Final accuracy: {final:.3f}")
    return final


if __name__ == "__main__":
    main()
