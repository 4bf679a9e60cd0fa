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
