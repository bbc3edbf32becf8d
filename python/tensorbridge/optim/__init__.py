"""tensorbridge.optim: optimizers with PyTorch's API (SGD, Adam, AdamW) whose updates run
as one fused C++ loop per parameter, and learning-rate schedules (optim.lr_scheduler)."""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
