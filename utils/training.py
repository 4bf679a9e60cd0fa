"""The training loop for a linear model on the airfoil data, from scratch or with torch.optim."""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from torch import nn

from .optimizers import validate_hyperparams
from .plotting import plot_history

EVAL_EVERY = 200  # examples between two evaluations of the full-data loss, as in d2l


@dataclass
class History:
    """What one training run recorded at each evaluation point."""

    examples: list[int] = field(default_factory=list)
    epochs: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    label: str = ""
    diverged: bool = False

    def __repr__(self) -> str:
        final = f"{self.losses[-1]:.4f}" if self.losses else "none"
        return f"History({self.label!r}, {len(self.losses)} points, final loss {final})"


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """d2l's squared loss (y_hat - y)^2 / 2, one value per example."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def _full_data(data_iter):
    """The (features, labels) tensors behind a loader: ours, or a DataLoader of a TensorDataset."""
    if hasattr(data_iter, "tensors"):
        return data_iter.tensors
    return data_iter.dataset.tensors


def _fit(net, params, step, data_iter, num_epochs, lr, device, label, plot) -> History:
    """Train `net` with `step()` after each backward pass; evaluate, time, plot and show the curve."""
    if not isinstance(num_epochs, int) or num_epochs <= 0:
        raise ValueError(f"num_epochs must be a positive integer, got {num_epochs!r}")
    features, labels = (t.to(device) for t in _full_data(data_iter))
    batches_per_epoch = len(data_iter)
    history, n, seconds, steps = History(label=label), 0, 0.0, 0
    for epoch in range(num_epochs):
        tic = time.perf_counter()
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            loss = squared_loss(net(X), y).mean()
            steps += 1
            if not math.isfinite(loss.item()):
                history.diverged = True
                break
            loss.backward()
            step()
            for p in params:
                p.grad = None
            before, n = n, n + len(X)
            if n // EVAL_EVERY > before // EVAL_EVERY:
                seconds += time.perf_counter() - tic
                with torch.no_grad():
                    full = squared_loss(net(features), labels).mean().item()
                history.examples.append(n)
                history.epochs.append(n / len(features) if len(features) else 0.0)
                history.seconds.append(seconds)
                history.losses.append(full)
                if not math.isfinite(full):
                    history.diverged = True
                    break
                tic = time.perf_counter()
        else:
            seconds += time.perf_counter() - tic
            continue
        break
    if history.diverged:
        warnings.warn(f"training stopped at step {steps}: the loss is not finite (lr={lr}); "
                      "try a smaller learning rate", RuntimeWarning, stacklevel=3)
    elif history.losses:
        print(f"loss: {history.losses[-1]:.3f}, {seconds / num_epochs:.3f} sec/epoch")
    if plot:
        plot_history(history)
        plt.show()  # now, in the cell's output; left to the end of the cell, Jupyter draws it twice
    return history


def train(trainer_fn, init_states, hyperparams: dict, data_iter, feature_dim: int,
          num_epochs: int = 2, *, device="cpu", seed: int = 0, label: str = "", plot: bool = True) -> History:
    """Train a linear model with a from-scratch optimizer `trainer_fn(params, states, hyperparams)`."""
    validate_hyperparams(hyperparams)
    hp = {**hyperparams, "t": 1}  # a fresh copy: each run starts at step 1
    generator = torch.Generator().manual_seed(seed)
    w = torch.normal(0.0, 0.01, size=(feature_dim, 1), generator=generator).to(device).requires_grad_()
    b = torch.zeros(1, device=device, requires_grad=True)
    states = init_states([w, b])

    def net(X):
        return X @ w + b

    return _fit(net, [w, b], lambda: trainer_fn([w, b], states, hp), data_iter, num_epochs,
                hp.get("lr"), device, label or getattr(trainer_fn, "__name__", ""), plot)


def train_concise(optimizer_cls, hyperparams: dict, data_iter, num_epochs: int = 4, *,
                  device="cpu", seed: int = 0, label: str = "", plot: bool = True) -> History:
    """Train the same linear model as `nn.Linear` with a torch.optim class and the same loss."""
    validate_hyperparams(hyperparams)
    feature_dim = _full_data(data_iter)[0].shape[1]
    net = nn.Linear(feature_dim, 1)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        net.weight.copy_(torch.normal(0.0, 0.01, size=(1, feature_dim), generator=generator))
        net.bias.zero_()
    net.to(device)
    optimizer = optimizer_cls(net.parameters(), **hyperparams)
    params = list(net.parameters())
    return _fit(net, params, optimizer.step, data_iter, num_epochs, hyperparams.get("lr"), device,
                label or optimizer_cls.__name__, plot)


train_ch11 = train
train_concise_ch11 = train_concise
