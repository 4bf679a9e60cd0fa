"""The training loops: the linear model or any network, with a from-scratch
or a torch.optim optimizer.

All four share one core, `fit`: the same loss ½(ŷ − y)², the same evaluation
schedule (the loss on all rows each time the count of examples passes a
multiple of EVAL_EVERY), the same clock (evaluation and drawing left out)
and the same divergence guard.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from torch import nn

from .hyperparams import STEP_COUNTER, check_positive_int, validate
from .plotting import plot_history

EVAL_EVERY = (
    200  # examples between two evaluations of the full-data loss, as in d2l
)


@dataclass
class History:
    """What one training run recorded at each evaluation point."""

    examples: list[int] = field(default_factory=list)
    epochs: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    label: str = ""
    diverged: bool = False
    steps: int = 0  # the number of updates taken

    def __repr__(self) -> str:
        final = f"{self.losses[-1]:.4f}" if self.losses else "none"
        points = len(self.losses)
        return (
            f"History({self.label!r}, {points} points, final loss {final})"
        )


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """d2l's squared loss (y_hat - y)^2 / 2, one value per example."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def init_linear(
    feature_dim: int, seed: int = 0, device="cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """The linear model's start: w ~ N(0, 0.01²) of shape (feature_dim, 1),
    seeded, and b = 0."""
    generator = torch.Generator().manual_seed(seed)
    w = torch.normal(0.0, 0.01, size=(feature_dim, 1), generator=generator)
    return w.to(device).requires_grad_(), torch.zeros(
        1, device=device, requires_grad=True
    )


def evaluates(before: int, after: int, every: int = EVAL_EVERY) -> bool:
    """Whether a step that took the count of examples from `before` to
    `after` is followed by an evaluation (one each `every` examples)."""
    return after // every > before // every


def full_data(data_iter) -> tuple[torch.Tensor, torch.Tensor]:
    """The (features, labels) tensors behind a loader: ours, or a DataLoader
    of a TensorDataset."""
    if hasattr(data_iter, "tensors"):
        return data_iter.tensors
    return data_iter.dataset.tensors


class _Clock:
    """Training time, with pauses for what is not training (evaluation)."""

    def __init__(self):
        self.seconds, self._tic = 0.0, time.perf_counter()

    @contextlib.contextmanager
    def paused(self):
        self.seconds += time.perf_counter() - self._tic
        yield
        self._tic = time.perf_counter()


def _minibatches(data_iter, num_epochs: int, device):
    """Every minibatch of every epoch, moved to `device`."""
    for _ in range(num_epochs):
        for X, y in data_iter:
            yield X.to(device), y.to(device)


def fit(
    net,
    params,
    step: Callable[[int], None],
    data_iter,
    num_epochs: int,
    evaluation=None,
    eval_every: int = EVAL_EVERY,
) -> History:
    """Train `net`: after each backward pass call `step(k)` for update k =
    0, 1, ..., then clear the gradients.

    `evaluation`, if given, is a context manager factory inside which the
    loss is evaluated (for an optimizer that evaluates at another point than
    it trains, such as Schedule-Free). The loss on all rows is recorded each
    time the count of examples passes a multiple of `eval_every`.
    """
    check_positive_int("num_epochs", num_epochs)
    check_positive_int("eval_every", eval_every, "number of examples")
    device = params[0].device
    features, labels = (
        tensor.to(device) for tensor in full_data(data_iter)
    )
    history, seen, clock = History(), 0, _Clock()
    for X, y in _minibatches(data_iter, num_epochs, device):
        loss = squared_loss(net(X), y).mean()
        if not math.isfinite(loss.item()):
            history.diverged = True
            break
        loss.backward()
        step(history.steps)
        history.steps += 1
        for p in params:
            p.grad = None
        before, seen = seen, seen + len(X)
        if evaluates(before, seen, eval_every):
            with (
                clock.paused(),
                (evaluation or contextlib.nullcontext)(),
                torch.no_grad(),
            ):
                full = squared_loss(net(features), labels).mean().item()
            history.examples.append(seen)
            history.epochs.append(seen / len(features))
            history.seconds.append(clock.seconds)
            history.losses.append(full)
            if not math.isfinite(full):
                history.diverged = True
                break
    return history


def _report(history: History, lr, schedule, plot: bool) -> History:
    """Warn if the run diverged, else print its final loss and time per
    epoch; draw its curve."""
    if history.diverged:
        if schedule is not None:
            last = schedule(max(history.steps - 1, 0))
            lr = f"the schedule's last lr {last:.3g}"
        else:
            lr = "the default lr" if lr is None else f"lr={lr}"
        warnings.warn(
            f"training stopped: the loss is not finite after "
            f"{history.steps} updates ({lr}); try a smaller learning rate",
            RuntimeWarning,
            stacklevel=3,
        )
    elif history.losses:
        per_epoch = history.seconds[-1] / history.epochs[-1]
        print(f"loss: {history.losses[-1]:.3f}, {per_epoch:.3f} sec/epoch")
    if plot:
        plot_history(history)
        # now, in the cell's output; left to the end of the cell, Jupyter
        # draws it twice
        plt.show()
    return history


def _scratch_step(
    trainer_fn,
    init_states,
    params,
    hyperparams: dict,
    schedule,
    evaluation=None,
):
    """The step of a from-scratch optimizer (its states, its own copy of
    the dict, the schedule), its dict, and where to evaluate.

    `init_states` is a function of the parameters (this course) or the
    states themselves (d2l's `init_adam_states(feature_dim)`). The step
    counter `t` starts at the dict's `t`, or 1. `evaluation(params, states,
    hyperparams)`, if given, is bound to this run's states and dict: `fit`
    evaluates inside it.
    """
    states = init_states(params) if callable(init_states) else init_states
    hp = {STEP_COUNTER: 1, **hyperparams}

    def step(k: int) -> None:
        if schedule is not None:
            hp["lr"] = schedule(k)
        trainer_fn(params, states, hp)

    def at_evaluation():
        return evaluation(params, states, hp)

    return step, hp, None if evaluation is None else at_evaluation


def _torch_step(optimizer, schedule):
    """The step of a torch.optim optimizer, with the schedule's lr set
    before each update."""

    def step(k: int) -> None:
        if schedule is not None:
            for group in optimizer.param_groups:
                group["lr"] = schedule(k)
        optimizer.step()

    return step


def train(
    trainer_fn,
    init_states,
    hyperparams: dict,
    data_iter,
    feature_dim: int,
    num_epochs: int = 2,
    *,
    device="cpu",
    seed: int = 0,
    schedule=None,
    evaluation=None,
    label: str = "",
    plot: bool = True,
    eval_every: int = EVAL_EVERY,
) -> History:
    """Train the linear model with a from-scratch optimizer
    `trainer_fn(params, states, hyperparams)`.

    `schedule(k) -> lr`, if given, sets the learning rate before update k =
    0, 1, ... `eval_every` (examples) sets how often the loss is recorded:
    `eval_every=batch_size` records it after every update. `evaluation`: as
    for `train_network`.
    """
    validate(trainer_fn, hyperparams)
    w, b = init_linear(feature_dim, seed, device)

    def net(X):
        return X @ w + b

    step, hp, at = _scratch_step(
        trainer_fn, init_states, [w, b], hyperparams, schedule, evaluation
    )
    history = fit(
        net, [w, b], step, data_iter, num_epochs, at, eval_every=eval_every
    )
    history.label = label or getattr(trainer_fn, "__name__", "")
    return _report(history, hp.get("lr"), schedule, plot)


def train_network(
    net: nn.Module,
    trainer_fn,
    init_states,
    hyperparams: dict,
    data_iter,
    num_epochs: int = 20,
    *,
    device="cpu",
    schedule=None,
    evaluation=None,
    label: str = "",
    plot: bool = True,
) -> History:
    """Train any network with a from-scratch optimizer, which receives
    `list(net.parameters())`.

    The caller builds and seeds the network; the data order is the loader's.
    `evaluation(params, states, hyperparams)`, if given, returns a context
    manager inside which the loss is evaluated: for an optimizer that
    trains at one point and is evaluated at another, such as Schedule-Free
    (`OPTIMIZERS[name].evaluation`, here `sf_adamw_at_x`).
    """
    validate(trainer_fn, hyperparams)
    net.to(device)
    params = list(net.parameters())
    step, hp, at = _scratch_step(
        trainer_fn, init_states, params, hyperparams, schedule, evaluation
    )
    history = fit(net, params, step, data_iter, num_epochs, at)
    history.label = label or getattr(trainer_fn, "__name__", "")
    return _report(history, hp.get("lr"), schedule, plot)


def train_network_concise(
    net: nn.Module,
    optimizer_cls,
    hyperparams: dict,
    data_iter,
    num_epochs: int = 20,
    *,
    device="cpu",
    schedule=None,
    label: str = "",
    plot: bool = True,
) -> History:
    """Train any network with a torch.optim class (or a peer's), with the
    same loss and schedule as `train_network`.

    An optimizer with `train()` and `eval()` modes (Schedule-Free) is
    evaluated in `eval()` mode.
    """
    validate(optimizer_cls, hyperparams)
    net.to(device)
    optimizer = optimizer_cls(net.parameters(), **hyperparams)
    evaluation = None
    if callable(getattr(optimizer, "eval", None)) and callable(
        getattr(optimizer, "train", None)
    ):
        optimizer.train()

        @contextlib.contextmanager
        def evaluation():
            optimizer.eval()
            try:
                yield
            finally:
                optimizer.train()

    history = fit(
        net,
        list(net.parameters()),
        _torch_step(optimizer, schedule),
        data_iter,
        num_epochs,
        evaluation,
    )
    history.label = label or optimizer_cls.__name__
    return _report(history, hyperparams.get("lr"), schedule, plot)


def train_concise(
    optimizer_cls,
    hyperparams: dict,
    data_iter,
    num_epochs: int = 4,
    *,
    device="cpu",
    seed: int = 0,
    schedule=None,
    label: str = "",
    plot: bool = True,
) -> History:
    """Train the linear model as `nn.Linear`, from `train`'s start, with a
    torch.optim class and the same loss."""
    feature_dim = full_data(data_iter)[0].shape[1]
    w, b = init_linear(feature_dim, seed)
    net = nn.Linear(feature_dim, 1)
    with torch.no_grad():
        net.weight.copy_(w.T)
        net.bias.copy_(b)
    return train_network_concise(
        net,
        optimizer_cls,
        hyperparams,
        data_iter,
        num_epochs,
        device=device,
        schedule=schedule,
        label=label or optimizer_cls.__name__,
        plot=plot,
    )


# d2l's names, with d2l's calling convention (see `_scratch_step` for the
# states and `t`)
train_ch11 = train
train_concise_ch11 = train_concise
