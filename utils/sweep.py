"""Train optimizers at many learning rates and data orders at once, as a
batch of linear models.

The from-scratch optimizers of `utils.optimizers` are elementwise, so one
call updates K models when the parameters carry a leading model axis, `w` of
shape (K, d, 1) and `b` of shape (K, 1, 1), and `hyperparams["lr"]` is a
tensor of shape (K, 1, 1). The loss is the sum of the models' own mean
squared losses, so each model gets its own gradient, and a model that
diverges fills only its own slice with inf or nan. Every model starts from
the weights `train` draws (`init_linear`), and the models of one data order
see the minibatches `get_data(batch_size, seed=order)` gives, so each final
loss is the one `train` reports for that learning rate and data order: the
loss at the last evaluation (taken inside the optimizer's `evaluation`, for
Schedule-Free, as `train` does). `sweep_schedules` does the same for
learning-rate schedules: before each update, `hyperparams["lr"]` holds each
model's scheduled rate.

A network is stacked the same way (`utils.stacked`: one row of a (K, P)
tensor per network), and its copies run as one network with batched matrix
products (`sweep_network`); each final loss is the one `train_network`
reports, up to rounding. Past an optimizer's valley (too large a learning
rate) training is chaotic, and the last-bit differences between a batched
and a single matrix product grow into a different final loss: there, sweep
and `train_network` give two samples of the same chaotic run.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field

import torch

from .data import get_data
from .hyperparams import check_positive_int, check_value, validate
from .networks import mlp
from .optimizers import OPTIMIZERS, Spec
from .stacked import Stack
from .training import evaluates, init_linear, squared_loss


@dataclass
class Sweep:
    """One optimizer's final full-data loss at each learning rate, averaged
    over data orders or seeds (`inf` where it diverged)."""

    lrs: list[float]
    losses: list[float]
    diverged: list[bool]
    # the training time (without evaluation) of the call that made this
    # sweep
    seconds: float = 0.0
    label: str = ""
    hyperparams: dict = field(default_factory=dict)
    runs: list[list[float]] = field(
        default_factory=list
    )  # runs[i][j]: order (or seed) i, lrs[j]

    @property
    def _best_index(self) -> int:
        """Where the lowest final loss is (the first of a tie)."""
        return min(range(len(self.losses)), key=lambda k: self.losses[k])

    @property
    def best(self) -> tuple[float, float]:
        """The (lr, final loss) pair with the lowest final loss (the first
        in `lrs` on a tie)."""
        i = self._best_index
        return self.lrs[i], self.losses[i]

    @property
    def best_runs(self) -> list[float]:
        """The final loss of each data order or seed at the best learning
        rate."""
        return [run[self._best_index] for run in self.runs]

    @classmethod
    def at_one_lr(cls, lr: float, finals, label: str = "") -> Sweep:
        """A sweep of one learning rate from runs made elsewhere: `finals`
        holds each seed's (or data order's) final loss."""
        finals = [float(loss) for loss in finals]
        if not finals:
            raise ValueError("finals must hold at least one final loss")
        bad = [not math.isfinite(loss) for loss in finals]
        mean = math.inf if any(bad) else sum(finals) / len(finals)
        return cls(
            [float(lr)],
            [mean],
            [any(bad)],
            label=label,
            runs=[[loss] for loss in finals],
        )

    def __repr__(self) -> str:
        lr, loss = self.best
        return (
            f"Sweep({self.label!r}, {len(self.lrs)} learning rates, best "
            f"lr {lr:g}: "
            f"loss {loss:.4f}, {sum(self.diverged)} diverged)"
        )


def _check_lrs(lrs) -> list[float]:
    """Return the learning rates as floats, or raise a ValueError naming
    `lrs`."""
    if isinstance(lrs, (str, bytes)) or not hasattr(lrs, "__iter__"):
        raise ValueError(
            f"lrs must be a sequence of learning rates, got {lrs!r}"
        )
    values = list(lrs)
    if not values:
        raise ValueError(
            "lrs must hold at least one learning rate, got an empty "
            "sequence"
        )
    for lr in values:
        try:
            check_value("lr", lr)
        except ValueError as exc:
            raise ValueError(f"lrs: {exc} in {values!r}") from None
    return [float(lr) for lr in values]


def _spec(name: str, optimizer) -> tuple:
    """(fn, init_states, hyperparams, evaluation or None) from a registry
    name, a registry Spec or such a tuple (evaluation optional)."""
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"{optimizer!r} is not a registered optimizer: "
                f"{', '.join(OPTIMIZERS)}"
            )
        optimizer = OPTIMIZERS[optimizer]
    if isinstance(optimizer, Spec):
        if optimizer.matrices:
            raise ValueError(
                f"{name}: {optimizer.label} updates each weight matrix as "
                "a whole, and a sweep holds its models in one stacked "
                "tensor, which it would mix: train it with train_network"
            )
        return (
            optimizer.step,
            optimizer.init_states,
            dict(optimizer.settings),
            optimizer.evaluation,
        )
    fn, init_states, *rest = optimizer
    hyperparams = dict(rest[0] if rest and rest[0] else {})
    return fn, init_states, hyperparams, rest[1] if len(rest) > 1 else None


def _evaluated(groups, evaluations):
    """A context inside which each group's parameters hold the point its
    optimizer is evaluated at (where it trains, if its evaluation is
    None)."""
    stack = contextlib.ExitStack()
    for (_, params, states, hp), evaluation in zip(groups, evaluations):
        if evaluation is not None:
            stack.enter_context(evaluation(params, states, hp))
    return stack


def _checked(optimizers, lrs, num_epochs) -> tuple[list, dict]:
    """The learning rates as floats and {name: (fn, init_states,
    hyperparams, evaluation)}, all validated."""
    lrs = _check_lrs(lrs)
    if not isinstance(optimizers, dict):
        optimizers = {name: name for name in optimizers}
    specs = {}
    for name, optimizer in optimizers.items():
        fn, init_states, hyperparams, evaluation = _spec(name, optimizer)
        if "lr" in hyperparams:
            raise ValueError(
                f"{name}: pass the learning rates as lrs, not as "
                "hyperparams['lr']"
            )
        validate(fn, {**hyperparams, "lr": lrs[0]}, who=name)
        specs[name] = fn, init_states, hyperparams, evaluation
    if not specs:
        raise ValueError("optimizers must name at least one optimizer")
    check_positive_int("num_epochs", num_epochs)
    return lrs, specs


def _sweeps(specs, lrs, final, diverged, seconds) -> dict[str, Sweep]:
    """One Sweep per optimizer from the final losses of all models, laid
    out optimizer by optimizer, then order (or seed), then learning rate."""
    shape = (len(specs), -1, len(next(iter(lrs.values()))))
    final, diverged = final.reshape(shape), diverged.reshape(shape)
    return {
        name: Sweep(
            lrs[name],
            final[i].mean(dim=0).tolist(),
            diverged[i].any(dim=0).tolist(),
            seconds,
            name,
            specs[name][2],
            final[i].tolist(),
        )
        for i, name in enumerate(specs)
    }


def _grids(optimizers, lrs, num_epochs) -> tuple[dict, dict]:
    """{name: its learning rates} and {name: (fn, init_states,
    hyperparams, evaluation)}, from one list of learning rates for all or a
    dict of one list per optimizer (all of the same length), validated."""
    own = dict(lrs) if isinstance(lrs, dict) else None
    if own is not None and not own:
        raise ValueError("lrs must name at least one optimizer")
    first = next(iter(own.values())) if own is not None else lrs
    shared, specs = _checked(optimizers, first, num_epochs)
    if own is None:
        return {name: shared for name in specs}, specs
    if set(own) != set(specs):
        raise ValueError(
            f"lrs must name the optimizers {sorted(specs)}, got "
            f"{sorted(own)}"
        )
    grids = {name: _check_lrs(own[name]) for name in specs}
    if len({len(values) for values in grids.values()}) > 1:
        raise ValueError(
            "lrs must give every optimizer as many learning rates"
        )
    return grids, specs


def _models(loaders, k: int) -> list[torch.Tensor]:
    """k copies of the start `train` draws: w of shape (k, d, 1), b of
    shape (k, 1, 1)."""
    w0, _ = init_linear(loaders[0].tensors[0].shape[1])
    w = w0.detach().expand(k, *w0.shape).clone().requires_grad_()
    return [w, torch.zeros(k, 1, 1, requires_grad=True)]


def _train_models(
    groups,
    loaders,
    per_order: int,
    num_epochs: int,
    lr_at=None,
    evaluations=(),
):
    """Train each group `(fn, [w, b], states, hyperparams)` of models at
    once on the loaders' minibatches, as `train` would; return (the final
    loss of every model, which diverged, training seconds).

    Model i of a group sees the data order of loader i // per_order.
    `lr_at(step)`, if given, returns the learning rates of update `step`, a
    tensor of shape (models per group, 1, 1). `evaluations` gives each
    group's evaluation context factory (or None), as `train` takes it.
    """
    features, labels = loaders[0].tensors
    n_models = sum(len(params[0]) for _, params, _, _ in groups)

    # every model's mean squared loss on its rows: (number of models,)
    def losses(X, y):
        w = torch.cat([params[0] for _, params, _, _ in groups])
        b = torch.cat([params[1] for _, params, _, _ in groups])
        return squared_loss(X @ w + b, y.expand(*X.shape[:-1])).mean(
            dim=(1, 2)
        )

    # one minibatch per order -> (number of models, batch, ...)
    def stacked(batches):
        X = torch.stack([X for X, _ in batches])
        y = torch.stack([y for _, y in batches])
        X = X.repeat_interleave(per_order, dim=0)
        y = y.repeat_interleave(per_order, dim=0)
        return X.repeat(len(groups), 1, 1), y.repeat(len(groups), 1)

    def full_data_losses():
        with _evaluated(groups, evaluations), torch.no_grad():
            return losses(
                features.expand(n_models, *features.shape),
                labels.expand(n_models, -1),
            )

    diverged = torch.zeros(n_models, dtype=torch.bool)
    final, seen, seconds, step = None, 0, 0.0, 0
    for _ in range(num_epochs):
        tic = time.perf_counter()
        for batches in zip(*loaders):
            X, y = stacked(batches)
            per_model = losses(X, y)
            diverged |= ~torch.isfinite(per_model.detach())
            per_model.sum().backward()
            for fn, params, states, hp in groups:
                if lr_at is not None:
                    hp["lr"] = lr_at(step)
                fn(params, states, hp)
                for p in params:
                    p.grad = None
            step += 1
            before, seen = seen, seen + batches[0][0].shape[0]
            if evaluates(before, seen):
                seconds += time.perf_counter() - tic
                final = full_data_losses()
                tic = time.perf_counter()
        seconds += time.perf_counter() - tic
    # fewer than EVAL_EVERY examples in all: `train` records nothing; use
    # the end
    if final is None:
        final = full_data_losses()
    diverged |= ~torch.isfinite(final)
    return torch.where(diverged, math.inf, final), diverged, seconds


def sweep_lrs(
    optimizers,
    lrs,
    *,
    batch_size: int = 10,
    num_epochs: int = 2,
    orders=(0,),
) -> dict[str, Sweep]:
    """Sweep several optimizers over `lrs` in one pass, averaging the final
    loss over data `orders`.

    `optimizers` maps a name to a registry name or Spec (its `settings` and
    `evaluation` are used) or to `(fn, init_states[, hyperparams[,
    evaluation]])`; a list of registry names works too. `lrs` is one list
    for all, or a dict that gives each optimizer its own list (all of the
    same length).
    """
    lrs, specs = _grids(optimizers, lrs, num_epochs)
    orders = _check_seeds(orders, "orders")

    loaders = [get_data(batch_size, seed=order)[0] for order in orders]
    n_orders, n_lrs = len(orders), len(lrs[next(iter(specs))])
    # models per optimizer: every data order at every learning rate
    k = n_orders * n_lrs
    groups = []  # per optimizer: its step, parameters, states, dict
    for name, (fn, init_states, hyperparams, _) in specs.items():
        params = _models(loaders, k)
        lr = torch.tensor(lrs[name]).repeat(n_orders).reshape(k, 1, 1)
        hp = {**hyperparams, "lr": lr, "t": 1}
        groups.append((fn, params, init_states(params), hp))
    final, diverged, seconds = _train_models(
        groups,
        loaders,
        n_lrs,
        num_epochs,
        evaluations=[spec[3] for spec in specs.values()],
    )
    return _sweeps(specs, lrs, final, diverged, seconds)


def sweep_lr(
    trainer_fn,
    init_states,
    lrs,
    hyperparams: dict | None = None,
    *,
    batch_size: int = 10,
    num_epochs: int = 2,
    orders=(0,),
    label: str = "",
) -> Sweep:
    """Train one linear model per learning rate in `lrs`, all at once, as
    `train` would; return a Sweep."""
    name = label or getattr(trainer_fn, "__name__", "") or "optimizer"
    return sweep_lrs(
        {name: (trainer_fn, init_states, hyperparams)},
        lrs,
        batch_size=batch_size,
        num_epochs=num_epochs,
        orders=orders,
    )[name]


def sweep_schedules(
    trainer_fn,
    init_states,
    schedules: dict,
    hyperparams: dict | None = None,
    *,
    batch_size: int = 10,
    num_epochs: int = 2,
    orders=(0,),
) -> dict[str, list[float]]:
    """Train one linear model per schedule and data order, all at once, as
    `train(..., schedule=...)` would; return each schedule's final loss in
    each data order (`inf` where it diverged).

    `schedules` maps a label to a schedule, `schedule(step) -> lr`.
    """
    if not isinstance(schedules, dict) or not schedules:
        raise ValueError(
            "schedules must map at least one label to a schedule, got "
            f"{schedules!r}"
        )
    for label, schedule in schedules.items():
        if not callable(schedule):
            raise ValueError(
                f"schedules[{label!r}] must be a schedule, step -> lr, "
                f"got {schedule!r}"
            )
    hyperparams = dict(hyperparams or {})
    if "lr" in hyperparams:
        raise ValueError(
            "the schedules set the learning rate: leave hyperparams['lr'] "
            "out"
        )
    validate(trainer_fn, {**hyperparams, "lr": 1.0})
    check_positive_int("num_epochs", num_epochs)
    orders = _check_seeds(orders, "orders")
    loaders = [get_data(batch_size, seed=order)[0] for order in orders]
    n_schedules = len(schedules)
    params = _models(loaders, len(orders) * n_schedules)
    group = (
        trainer_fn,
        params,
        init_states(params),
        {**hyperparams, "t": 1},
    )

    def lr_at(step: int) -> torch.Tensor:
        lrs = torch.tensor([float(s(step)) for s in schedules.values()])
        return lrs.repeat(len(orders)).reshape(-1, 1, 1)

    final, _, _ = _train_models(
        [group], loaders, n_schedules, num_epochs, lr_at
    )
    final = final.reshape(len(orders), n_schedules)
    return {
        label: final[:, j].tolist() for j, label in enumerate(schedules)
    }


def _check_seeds(seeds, name: str = "seeds") -> list[int]:
    """The seeds (of networks, or data orders) as a non-empty list of
    integers >= 0, or a ValueError naming them."""
    values = list(seeds) if hasattr(seeds, "__iter__") else None
    if not values or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0
        for s in values
    ):
        raise ValueError(
            f"{name} must be a non-empty sequence of integers >= 0 (seeds "
            f"of get_data), got {seeds!r}"
        )
    return values


def _last_evaluation(n: int, batch_size: int, num_epochs: int) -> int:
    """The index of the last update after which the training loop evaluates
    (the last update if none does)."""
    sizes = [min(batch_size, n - i) for i in range(0, n, batch_size)]
    found, seen = None, 0
    for k, size in enumerate(sizes * num_epochs):
        before, seen = seen, seen + size
        if evaluates(before, seen):
            found = k
    return len(sizes) * num_epochs - 1 if found is None else found


def sweep_network(
    optimizers,
    lrs,
    *,
    seeds=(0,),
    batch_size: int = 32,
    num_epochs: int = 20,
    net=mlp,
    dtype: torch.dtype = torch.float32,
) -> dict[str, Sweep]:
    """Train one copy of a network per optimizer, learning rate and seed,
    all as one batch; average each final loss over `seeds`.

    Seed s means the network `net(seed=s)` (the course's MLP by default)
    and the data order of `get_data(batch_size, seed=s)`, so each final loss
    is the one `train_network(net(seed=s), ...)` reports on that loader.
    `optimizers` is as for `sweep_lrs`; `lrs` is one list for all, or a
    dict that gives each optimizer its own list (all of the same length).
    """
    lrs, specs = _grids(optimizers, lrs, num_epochs)
    seeds = _check_seeds(seeds)
    loaders = [get_data(batch_size, seed=seed)[0] for seed in seeds]
    features, labels = (t.to(dtype) for t in loaders[0].tensors)
    nets = [net(seed=seed).to(dtype) for seed in seeds]
    n_seeds, n_groups = len(seeds), len(specs)
    n_lrs = len(lrs[next(iter(specs))])
    k = n_seeds * n_lrs  # models per optimizer: every seed at every lr
    # one stack for all: optimizer g owns rows g * k to (g + 1) * k - 1
    stack = Stack(
        [
            nets[i]
            for _ in specs
            for i in range(n_seeds)
            for _ in range(n_lrs)
        ]
    )
    groups = []  # per optimizer: step function, parameters, states, dict
    for g, (name, (fn, init_states, hyperparams, _)) in enumerate(
        specs.items()
    ):
        params = [stack.rows(g * k, (g + 1) * k)]
        lr = torch.tensor(lrs[name], dtype=dtype).repeat(n_seeds)
        hp = {**hyperparams, "lr": lr.reshape(k, 1), "t": 1}
        groups.append((fn, params, init_states(params), hp))

    def losses(X, y):  # every model's mean loss on its rows: (models,)
        return squared_loss(stack(X), y).mean(dim=(1, 2))

    last = _last_evaluation(len(features), batch_size, num_epochs)
    minibatches = (b for _ in range(num_epochs) for b in zip(*loaders))
    diverged = torch.zeros(len(stack), dtype=torch.bool)
    tic = time.perf_counter()
    for step, batches in enumerate(minibatches):
        # one minibatch per seed, for each model of that seed
        X = torch.stack([X for X, _ in batches]).to(dtype)
        y = torch.stack([y for _, y in batches]).to(dtype)
        X = X.repeat_interleave(n_lrs, dim=0).repeat(n_groups, 1, 1)
        y = y.repeat_interleave(n_lrs, dim=0).repeat(n_groups, 1)
        per_model = losses(X, y)
        diverged |= ~torch.isfinite(per_model.detach())
        stack.backward(per_model.sum())
        for fn, params, states, hp in groups:
            fn(params, states, hp)
        if step == last:  # where train_network takes its last loss
            break
    seconds = time.perf_counter() - tic
    evaluations = [spec[3] for spec in specs.values()]
    with _evaluated(groups, evaluations), torch.no_grad():
        final = losses(
            features.expand(len(stack), *features.shape),
            labels.expand(len(stack), -1),
        )
    diverged |= ~torch.isfinite(final)
    final = torch.where(diverged, math.inf, final)
    return _sweeps(specs, lrs, final, diverged, seconds)
