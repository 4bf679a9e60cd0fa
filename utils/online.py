"""Reddi, Kale and Kumar's online convex problem on [-1, 1], where Adam
fails, and a runner for optimizers on it.

"On the Convergence of Adam and Beyond" (ICLR 2018): the loss at step t is
linear, f_t(x) = big * x when t mod period = 1 and small * x otherwise, and
x must stay in [-1, 1]. A run plays x_t, suffers f_t(x_t), steps with the
from-scratch optimizer, then projects back onto [-1, 1]. Its regret is
measured against the best fixed point in hindsight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from .hyperparams import read_keys, validate


@dataclass(frozen=True)
class PeriodicProblem:
    """f_t(x) = big * x when t mod period = 1, small * x otherwise, on x in
    [-1, 1] (t = 1, 2, ...)."""

    big: float = 3.0
    small: float = -1.0
    period: int = 3

    def __post_init__(self):
        if not isinstance(self.period, int) or self.period < 2:
            raise ValueError(
                f"period must be an integer >= 2, got {self.period!r}"
            )

    def gradient(self, t: int) -> float:
        """The slope of f_t (the same at every x, since f_t is linear)."""
        return self.big if t % self.period == 1 else self.small

    def loss(self, t: int, x: float) -> float:
        """f_t(x)."""
        return self.gradient(t) * x

    @property
    def best(self) -> float:
        """The best fixed point in hindsight: -1 when the slopes of one
        period add up to more than 0."""
        return (
            -1.0 if self.big + (self.period - 1) * self.small > 0 else 1.0
        )


@dataclass
class OnlineRun:
    """One run: the points x_1 .. x_{T+1} and the average regret R_t / t for
    t = 1 .. T."""

    xs: list[float] = field(default_factory=list)
    average_regret: list[float] = field(default_factory=list)
    label: str = ""

    @property
    def final(self) -> float:
        """The last point, x_{T+1}."""
        return self.xs[-1]


def project(x: torch.Tensor, low: float = -1.0, high: float = 1.0) -> None:
    """Clip x into [low, high] in place: the projection onto an interval."""
    with torch.no_grad():
        x.clamp_(low, high)


def run_online(
    optimizer,
    init_states,
    hyperparams: dict,
    problem: PeriodicProblem = PeriodicProblem(),
    steps: int = 3000,
    x0: float = 0.0,
    decay: bool = True,
    label: str = "",
) -> OnlineRun:
    """Run a from-scratch optimizer on `problem` for `steps` steps from x0,
    with lr / sqrt(t) if `decay`."""
    validate(optimizer, hyperparams)
    x = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
    states, hp = init_states([x]), dict(hyperparams)
    lr = hp["lr"] if "lr" in hp else (read_keys(optimizer) or {}).get("lr")
    if decay and not isinstance(lr, (int, float)):
        raise ValueError(
            "decay=True scales hyperparams['lr'], and the optimizer's "
            "default cannot be read: pass lr"
        )
    slopes = {
        g: torch.tensor([g], dtype=torch.float64)
        for g in (problem.big, problem.small)
    }
    run, regret, current = OnlineRun(xs=[x0], label=label), 0.0, x0
    for t in range(1, steps + 1):
        g = problem.gradient(t)
        regret += problem.loss(t, current) - problem.loss(t, problem.best)
        run.average_regret.append(regret / t)
        if decay:
            hp["lr"] = lr / math.sqrt(t)
        x.grad = slopes[g]
        optimizer([x], states, hp)
        project(x)
        current = x.item()
        run.xs.append(current)
    return run
