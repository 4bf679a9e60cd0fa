"""Train optimizers at many learning rates at once, as a batch of independent linear models.

The from-scratch optimizers of `utils.optimizers` are elementwise, so one call updates K
models when the parameters carry a leading model axis, `w` of shape (K, d, 1) and `b` of
shape (K, 1, 1), and `hyperparams["lr"]` is a tensor of shape (K, 1, 1). The loss is the
sum of the models' own mean squared losses, so each model gets its own gradient, and a
model that diverges fills only its own slice with inf or nan. Every model starts from
the weights `train` draws (seed 0) and sees the same minibatches in the same order, so
its final loss is the one `train` reports at that learning rate: the full-data loss at the
last multiple of EVAL_EVERY (200) examples, which is the end of training for whole epochs
of the 1500 rows.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from .data import get_data
from .optimizers import validate_hyperparams
from .training import EVAL_EVERY


@dataclass
class Sweep:
    """One optimizer's final full-data loss at each learning rate (`inf` where it diverged)."""

    lrs: list[float]
    losses: list[float]
    diverged: list[bool]
    seconds: float = 0.0  # the training time (without evaluation) of the call that made this sweep
    label: str = ""
    hyperparams: dict = field(default_factory=dict)

    @property
    def best(self) -> tuple[float, float]:
        """The (lr, final loss) pair with the lowest final loss (the smaller lr on a tie)."""
        i = min(range(len(self.losses)), key=lambda k: self.losses[k])
        return self.lrs[i], self.losses[i]

    def __repr__(self) -> str:
        lr, loss = self.best
        return (f"Sweep({self.label!r}, {len(self.lrs)} learning rates, best lr {lr:g}: "
                f"loss {loss:.4f}, {sum(self.diverged)} diverged)")


def _check_lrs(lrs) -> list[float]:
    """Return the learning rates as floats, or raise a ValueError naming `lrs`."""
    if isinstance(lrs, (str, bytes)) or not hasattr(lrs, "__iter__"):
        raise ValueError(f"lrs must be a sequence of learning rates, got {lrs!r}")
    values = list(lrs)
    if not values:
        raise ValueError("lrs must hold at least one learning rate, got an empty sequence")
    for lr in values:
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"lrs must hold finite numbers > 0, got {lr!r} in {values!r}")
    return [float(lr) for lr in values]


def sweep_lrs(optimizers: dict, lrs, *, batch_size: int = 10, num_epochs: int = 2,
              seed: int = 0) -> dict[str, Sweep]:
    """Sweep several optimizers, {name: (fn, init_states, hyperparams)}, over `lrs` in one pass."""
    lrs = _check_lrs(lrs)
    specs = {}
    for name, (fn, init_states, *rest) in optimizers.items():
        hyperparams = dict(rest[0] if rest and rest[0] else {})
        if "lr" in hyperparams:
            raise ValueError(f"{name}: pass the learning rates as lrs, not as hyperparams['lr']")
        validate_hyperparams(hyperparams)
        specs[name] = fn, init_states, hyperparams
    if not specs:
        raise ValueError("optimizers must name at least one optimizer")
    if not isinstance(num_epochs, int) or num_epochs <= 0:
        raise ValueError(f"num_epochs must be a positive integer, got {num_epochs!r}")

    data_iter, feature_dim = get_data(batch_size)
    features, labels = data_iter.tensors
    k = len(lrs)
    w0 = torch.normal(0.0, 0.01, size=(feature_dim, 1), generator=torch.Generator().manual_seed(seed))
    groups = []  # per optimizer: its step function, parameters, states and hyperparameters
    for fn, init_states, hyperparams in specs.values():
        w = w0.expand(k, feature_dim, 1).clone().requires_grad_()
        b = torch.zeros(k, 1, 1, requires_grad=True)
        hp = {**hyperparams, "lr": torch.tensor(lrs).reshape(k, 1, 1), "t": 1}
        groups.append((fn, [w, b], init_states([w, b]), hp))

    def losses(X, y):  # every model's mean squared loss on the rows of X, shape (number of models,)
        w = torch.cat([params[0] for _, params, _, _ in groups])
        b = torch.cat([params[1] for _, params, _, _ in groups])
        return ((X @ w + b - y.reshape(-1, 1)) ** 2 / 2).mean(dim=(1, 2))

    # `train` records the full-data loss whenever the count of examples passes a multiple of
    # EVAL_EVERY; the final loss it reports is the one at the last such multiple
    last = num_epochs * len(features) // EVAL_EVERY
    diverged = torch.zeros(k * len(groups), dtype=torch.bool)
    final, n, seconds = None, 0, 0.0
    for _ in range(num_epochs):
        tic = time.perf_counter()
        for X, y in data_iter:
            per_model = losses(X, y)
            diverged |= ~torch.isfinite(per_model.detach())
            per_model.sum().backward()
            for fn, params, states, hp in groups:
                fn(params, states, hp)
                for p in params:
                    p.grad = None
            before, n = n, n + len(X)
            if before // EVAL_EVERY < last <= n // EVAL_EVERY:
                seconds += time.perf_counter() - tic
                with torch.no_grad():
                    final = losses(features, labels)
                tic = time.perf_counter()
        seconds += time.perf_counter() - tic
    if final is None:  # fewer than EVAL_EVERY examples in all: `train` records nothing; use the end
        with torch.no_grad():
            final = losses(features, labels)
    diverged |= ~torch.isfinite(final)
    final = torch.where(diverged, math.inf, final).reshape(len(groups), k)
    diverged = diverged.reshape(len(groups), k)
    return {name: Sweep(lrs, final[i].tolist(), diverged[i].tolist(), seconds, name, specs[name][2])
            for i, name in enumerate(specs)}


def sweep_lr(trainer_fn, init_states, lrs, hyperparams: dict | None = None, *, batch_size: int = 10,
             num_epochs: int = 2, seed: int = 0, label: str = "") -> Sweep:
    """Train one linear model per learning rate in `lrs`, all at once, as `train` would; return a Sweep."""
    name = label or getattr(trainer_fn, "__name__", "") or "optimizer"
    return sweep_lrs({name: (trainer_fn, init_states, hyperparams)}, lrs, batch_size=batch_size,
                     num_epochs=num_epochs, seed=seed)[name]
