"""The shared ill-conditioned 2-D problem f(x) = 0.1 x1^2 + 2 x2^2, and
optimizers run on it."""

from __future__ import annotations

import numpy as np
import torch

from .hyperparams import validate

START = (-5.0, -2.0)


def f_2d(x1, x2):
    """The shared quadratic f(x) = 0.1 x1^2 + 2 x2^2 (d2l's f_2d)."""
    return 0.1 * x1**2 + 2 * x2**2


def f_2d_grad(x1, x2):
    """The gradient of f_2d: (0.2 x1, 4 x2)."""
    return 0.2 * x1, 4 * x2


def train_2d(
    optimizer,
    init_states,
    hyperparams,
    steps: int = 20,
    start=START,
    noise: float = 0.0,
    seed: int = 0,
    verbose: bool = True,
):
    """Run a from-scratch optimizer on f_2d from `start`; return the list of
    points (x1, x2).

    `noise` adds N(0, noise^2) to each gradient coordinate (seeded), to
    mimic SGD.
    """
    validate(optimizer, hyperparams)
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    states = init_states([x])
    hp = dict(hyperparams)
    generator = torch.Generator().manual_seed(seed)
    points = [tuple(start)]
    for _ in range(steps):
        g1, g2 = f_2d_grad(*x.detach().tolist())
        grad = torch.tensor([g1, g2], dtype=torch.float64)
        if noise:
            grad += noise * torch.randn(
                2, generator=generator, dtype=torch.float64
            )
        x.grad = grad
        optimizer([x], states, hp)
        points.append(tuple(x.detach().tolist()))
    if verbose:
        print(f"step {steps}, x1: {points[-1][0]:f}, x2: {points[-1][1]:f}")
    return points


def train_2d_states(
    optimizer,
    init_states,
    hyperparams,
    steps: int = 20,
    start=START,
    noise: float = 0.0,
    seed: int = 0,
    verbose: bool = True,
):
    """Run `train_2d` and also record the optimizer's state after every
    step; return (points, states).

    `states` holds one NumPy array of shape (steps, 2) per state tensor of
    the optimizer, e.g. `(s,)` for Adagrad: `s[t - 1]` is (s1, s2) after
    step t.
    """
    recorded = []

    def recording(params, states, hp):
        optimizer(params, states, hp)
        recorded.append([state.detach().tolist() for state in states[0]])

    points = train_2d(
        recording,
        init_states,
        hyperparams,
        steps,
        start,
        noise,
        seed,
        verbose,
    )
    n_states = len(init_states([torch.zeros(2, dtype=torch.float64)])[0])
    arrays = np.asarray(recorded, dtype=np.float64).reshape(
        steps, n_states, 2
    )
    return points, tuple(arrays[:, i, :] for i in range(n_states))
