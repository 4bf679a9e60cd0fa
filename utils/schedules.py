"""Learning-rate schedules: pure callables `schedule(step) -> lr`.

`step` counts the updates already done: the training loops call
`schedule(k)` just before update k = 0, 1, 2, ..., so `schedule(0)` is the
learning rate of the first update. A schedule keeps no state: the same step
always gives the same learning rate, in any order of calls. The class names
and arguments are those of d2l's PyTorch edition where it has them
(`SquareRootScheduler`, `FactorScheduler`, `CosineScheduler`); notebook 9
says where d2l's classes behave differently. Each class checks its
arguments and calls one plain function of the step, `square_root`,
`exponential`, `multi_step` or `cosine`: the formulas, which the notebook
shows. None of this code calls `torch.optim` (a test reads the source): the
tests check each schedule against its `torch.optim.lr_scheduler` twin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _number(name: str, value, *, low: float, strict: bool) -> float:
    """`value` as a float, or a ValueError naming `name` if it is not a
    finite number above `low` (or at least `low`, if not `strict`)."""
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > low if strict else value >= low)
    )
    if not ok:
        bound = f"> {low:g}" if strict else f">= {low:g}"
        raise ValueError(
            f"{name} must be a finite number {bound}, got {value!r}"
        )
    return float(value)


def _count(name: str, value, *, low: int) -> int:
    """`value` as an int, or a ValueError naming `name` if it is not an
    integer >= `low`."""
    if not (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= low
    ):
        raise ValueError(
            f"{name} must be an integer >= {low}, got {value!r}"
        )
    return value


def _step(step) -> int:
    """The update count a schedule is called with, checked."""
    try:
        return _count("step", step, low=0)
    except ValueError:
        # NumPy's and torch's integer scalars are welcome too
        if hasattr(step, "__index__") and not isinstance(step, bool):
            return _count("step", step.__index__(), low=0)
        raise


def square_root(t, lr):
    """lr / sqrt(t + 1)."""
    return lr * (t + 1) ** -0.5


def exponential(t, factor, stop_factor_lr, base_lr):
    """base_lr * factor^t, never below stop_factor_lr."""
    return max(stop_factor_lr, base_lr * factor**t)


def multi_step(t, milestones, factor, base_lr):
    """base_lr, times factor once for each milestone already reached."""
    return base_lr * factor ** sum(t >= m for m in milestones)


def cosine(t, max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr):
    """A linear warmup, a half cosine to final_lr at max_update, then
    final_lr."""
    if t < warmup_steps:
        increase = (base_lr - warmup_begin_lr) * t / warmup_steps
        return warmup_begin_lr + increase
    if t <= max_update:
        angle = math.pi * (t - warmup_steps) / (max_update - warmup_steps)
        return final_lr + (base_lr - final_lr) * (1 + math.cos(angle)) / 2
    return final_lr


@dataclass(frozen=True)
class SquareRootScheduler:
    """eta_t = lr / sqrt(t + 1): the decay of the convex guarantees (d2l's
    `SquareRootScheduler`)."""

    lr: float = 0.1

    def __post_init__(self):
        _number("lr", self.lr, low=0, strict=True)

    def __call__(self, step: int) -> float:
        return square_root(_step(step), self.lr)


@dataclass(frozen=True)
class FactorScheduler:
    """eta_t = max(stop_factor_lr, base_lr * factor^t): exponential decay
    with a floor (d2l's names; torch's `ExponentialLR` without the
    floor)."""

    factor: float = 1.0
    stop_factor_lr: float = 1e-7
    base_lr: float = 0.1

    def __post_init__(self):
        _number("factor", self.factor, low=0, strict=True)
        _number("stop_factor_lr", self.stop_factor_lr, low=0, strict=False)
        _number("base_lr", self.base_lr, low=0, strict=True)

    def __call__(self, step: int) -> float:
        return exponential(
            _step(step), self.factor, self.stop_factor_lr, self.base_lr
        )


@dataclass(frozen=True)
class MultiStepScheduler:
    """eta_t = base_lr * factor^(number of milestones <= t): piecewise
    constant (torch's `MultiStepLR`)."""

    milestones: tuple[int, ...]
    factor: float = 0.1
    base_lr: float = 0.1

    def __post_init__(self):
        if isinstance(self.milestones, (str, bytes)) or not hasattr(
            self.milestones, "__iter__"
        ):
            raise ValueError(
                "milestones must be a sequence of update counts, got "
                f"{self.milestones!r}"
            )
        milestones = tuple(self.milestones)
        for milestone in milestones:
            _count("each milestone", milestone, low=1)
        if any(a >= b for a, b in zip(milestones, milestones[1:])):
            raise ValueError(
                f"milestones must increase strictly, got {milestones!r}"
            )
        object.__setattr__(self, "milestones", milestones)
        _number("factor", self.factor, low=0, strict=True)
        _number("base_lr", self.base_lr, low=0, strict=True)

    def __call__(self, step: int) -> float:
        return multi_step(
            _step(step), self.milestones, self.factor, self.base_lr
        )


@dataclass(frozen=True)
class CosineScheduler:
    """A linear warmup from warmup_begin_lr to base_lr over warmup_steps,
    then a half cosine down to final_lr at max_update, then final_lr (d2l's
    `CosineScheduler`, its formula)."""

    max_update: int
    base_lr: float = 0.01
    final_lr: float = 0.0
    warmup_steps: int = 0
    warmup_begin_lr: float = 0.0

    def __post_init__(self):
        _count("max_update", self.max_update, low=1)
        _number("base_lr", self.base_lr, low=0, strict=True)
        _number("final_lr", self.final_lr, low=0, strict=False)
        _count("warmup_steps", self.warmup_steps, low=0)
        _number(
            "warmup_begin_lr", self.warmup_begin_lr, low=0, strict=False
        )
        if self.warmup_steps >= self.max_update:
            raise ValueError(
                "warmup_steps must be smaller than max_update, got "
                f"warmup_steps={self.warmup_steps}, "
                f"max_update={self.max_update}"
            )

    def __call__(self, step: int) -> float:
        return cosine(
            _step(step),
            self.max_update,
            self.base_lr,
            self.final_lr,
            self.warmup_steps,
            self.warmup_begin_lr,
        )
