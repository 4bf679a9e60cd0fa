"""The course's small network for airfoil: a seeded perceptron."""

from __future__ import annotations

import torch
from torch import nn


def mlp(
    feature_dim: int = 5,
    hidden: int = 64,
    depth: int = 2,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """`depth` hidden layers of `hidden` tanh units and one output, with
    PyTorch's default initialisation drawn from `seed` (the global random
    state is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers, width = [], feature_dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.Tanh()]
            width = hidden
        layers.append(nn.Linear(width, 1))
        return nn.Sequential(*layers).to(dtype)


def linear_share(net: nn.Module, features: torch.Tensor) -> float:
    """The share of the variance of the net's predictions on `features`
    that the best linear function of the features explains (R², 1 for a
    linear model)."""
    with torch.no_grad():
        y_hat = net(features).reshape(-1, 1).double()
    X = torch.cat(
        [features.double(), torch.ones(len(features), 1).double()], dim=1
    )
    fit = X @ torch.linalg.lstsq(X, y_hat).solution
    residual = ((y_hat - fit) ** 2).sum()
    return 1.0 - (residual / ((y_hat - y_hat.mean()) ** 2).sum()).item()
