"""Self-checks for exercises: PASS on stdout, or FAIL and a hint on stderr,
never an exception.

A check runs the reader's code itself, so whatever that code does (an
unfinished stub raising NotImplementedError, a crash, a wrong shape) is
reported as FAIL and the notebook goes on with Run All. FAIL goes to stderr:
a grader such as nbgrader gives a test cell no points when it writes there,
and full points otherwise. A check given nothing to check (no cases, no
steps) raises a ValueError: that is the notebook's mistake, and a PASS would
give every student the points.
"""

from __future__ import annotations

import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import torch

from .hyperparams import check_positive_int, validate

TOL = 1e-10


def _problem(seed: int):
    """A small float64 regression with two parameter tensors (start far from
    the minimum), and its loss."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 4, generator=g, dtype=torch.float64)
    Y = torch.randn(32, 3, generator=g, dtype=torch.float64)
    W0 = torch.randn(4, 3, generator=g, dtype=torch.float64) + 3
    b0 = torch.randn(3, generator=g, dtype=torch.float64) - 3

    # convex, and far from its minimum: no chaotic oscillation to amplify
    # rounding
    def loss(params, step):
        W, b = params
        return ((X @ W + b - Y) ** 2).mean() + 0.01 * (W**4).sum()

    return (W0, b0), loss


def network_problem(seed: int = 0, batch_size: int = 32):
    """The course's MLP in float64 on airfoil: its start, and its loss on
    minibatch `step` of one seeded epoch (then the next epoch's, ...)."""
    from .data import get_data
    from .networks import mlp

    net = mlp(seed=seed, dtype=torch.float64)
    names = [name for name, _ in net.named_parameters()]
    data_iter = get_data(batch_size, seed=seed)[0]
    batches = []

    def loss(params, step):
        while len(batches) <= step:  # draw the epochs as they are needed
            batches.extend((X.double(), y.double()) for X, y in data_iter)
        X, y = batches[step]
        out = torch.func.functional_call(net, dict(zip(names, params)), X)
        return ((out[:, 0] - y) ** 2).mean() / 2

    return [p.detach() for p in net.parameters()], loss


def _matrices(seed: int):
    """A small float64 problem whose parameters are two weight matrices, a
    wide one (4 x 8) and a tall one (8 x 3), for optimizers of matrices
    (Muon); and its loss."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 4, generator=g, dtype=torch.float64)
    Y = torch.randn(32, 3, generator=g, dtype=torch.float64)
    W1 = torch.randn(4, 8, generator=g, dtype=torch.float64) + 1
    W2 = torch.randn(8, 3, generator=g, dtype=torch.float64) - 1

    def loss(params, step):
        W1, W2 = params
        fit = ((torch.tanh(X @ W1) @ W2 - Y) ** 2).mean()
        return fit + 0.01 * ((W1**4).sum() + (W2**4).sum())

    return (W1, W2), loss


# the problems `differences` can run, each (start, loss(params, step)): a
# linear model with a bias, two weight matrices, or the course's MLP
PROBLEMS = {
    "linear": _problem,
    "matrices": _matrices,
    "network": network_problem,
}


def _gap(ours, theirs) -> float:
    return max((a - b).abs().max().item() for a, b in zip(ours, theirs))


def differences(
    fn,
    init_states,
    hyperparams: dict,
    reference,
    steps: int = 200,
    seed: int = 0,
    *,
    problem="linear",
    evaluation=None,
) -> list[float]:
    """Run `fn` and `reference(params)` side by side; return the largest
    parameter gap after each step.

    `reference` is a torch.optim-like factory, e.g. `lambda p:
    torch.optim.Adam(p, lr=0.1)`; both see the gradients of the same float64
    loss at their own parameters: `problem`, a key of PROBLEMS or a pair
    `(start, loss(params, step))`. With `evaluation` (see `train_network`),
    the gap after each step is also measured at the evaluation point: ours
    inside `evaluation`, the reference's between its `eval()` and `train()`.
    """
    start, loss = (
        PROBLEMS[problem](seed) if isinstance(problem, str) else problem
    )
    ours = [t.clone().requires_grad_() for t in start]
    theirs = [t.clone().requires_grad_() for t in start]
    states, hp = init_states(ours), dict(hyperparams)
    optimizer = reference(theirs)
    gaps = []
    for step in range(steps):
        for params in (ours, theirs):
            for p in params:
                p.grad = None
            loss(params, step).backward()
        fn(ours, states, hp)
        optimizer.step()
        gap = _gap(ours, theirs)
        if evaluation is not None:
            optimizer.eval()
            with evaluation(ours, states, hp):
                gap = max(gap, _gap(ours, theirs))
            optimizer.train()
        gaps.append(gap)
    return gaps


def with_lr_schedule(optimizer, factor):
    """A reference: a torch.optim optimizer whose learning rate at step t is
    multiplied by factor(t), t = 1, 2, ..., with torch's LambdaLR."""
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: factor(k + 1)
    )

    def step():
        optimizer.step()
        scheduler.step()

    return SimpleNamespace(step=step, optimizer=optimizer)


def torch_schedule(make_scheduler, base_lr: float, steps: int) -> list:
    """The learning rates a `torch.optim.lr_scheduler` gives updates 0, 1,
    ..., steps - 1 of an optimizer that starts at `base_lr`, stepped after
    each update as torch's documentation does."""
    params = [torch.zeros(1, requires_grad=True)]
    optimizer = torch.optim.SGD(params, lr=base_lr)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


def check_schedule(
    schedule,
    make_scheduler,
    base_lr: float,
    steps: int,
    name: str = "",
    tol: float = 1e-12,
    hint: str = "",
) -> None:
    """Print PASS if `schedule(k)` is the learning rate the torch scheduler
    `make_scheduler(optimizer)` gives update k, for every k < steps (within
    a relative `tol`), else FAIL and a hint."""
    check_positive_int("steps", steps)
    ref_name = name or "the reference"
    label = getattr(schedule, "__name__", None) or type(schedule).__name__
    theirs = torch_schedule(make_scheduler, base_lr, steps)
    for k, lr in enumerate(theirs):
        try:
            ours = float(schedule(k))
        # a reader's code may fail in any way: report it, do not crash
        except Exception as exc:
            _fail(_crash(schedule, exc), hint)
            return
        if not abs(ours - lr) <= tol * abs(lr) + 1e-15:
            _fail(
                f"{label} gives update {k} the learning rate {ours:.6g}; "
                f"{ref_name} gives {lr:.6g}.",
                hint,
            )
            return
    _say(
        f"PASS: {label} agrees with {ref_name} at all {steps} updates "
        f"(within {tol:.0e})."
    )


def _crash(fn, exc: Exception, call: str = "") -> str:
    """How to report an exception raised by the reader's code (in `call`,
    if given)."""
    name = getattr(fn, "__name__", "your code")
    if isinstance(exc, NotImplementedError):
        return f"{name} is not implemented yet."
    return f"{call or name} raised {type(exc).__name__}: {exc}"


def check_optimizer(
    fn,
    init_states,
    hyperparams: dict,
    reference,
    name: str = "",
    steps: int = 200,
    tol: float = TOL,
    hint: str = "",
    *,
    problem="linear",
    evaluation=None,
) -> None:
    """Print PASS if `fn` agrees with `reference` within `tol` after every
    step, else FAIL and a hint.

    `problem` and `evaluation`: as for `differences` (with `evaluation`,
    both the training and the evaluation point must agree).
    """
    check_positive_int("steps", steps)
    ref_name = name or "the reference"
    try:
        gaps = differences(
            fn,
            init_states,
            hyperparams,
            reference,
            steps,
            problem=problem,
            evaluation=evaluation,
        )
        validate(
            fn, hyperparams
        )  # after the run, so that a stub reports itself as unfinished
    # a reader's code may fail in any way: report it, do not crash
    except Exception as exc:
        _fail(_crash(fn, exc), hint)
        return
    bad = [i for i, gap in enumerate(gaps) if not gap <= tol]
    if bad:
        first = bad[0]
        _fail(
            f"{fn.__name__} differs from {ref_name} at step {first + 1} of "
            f"{steps} "
            f"(largest parameter gap {gaps[first]:.1e} > {tol:.0e}).",
            hint,
        )
        return
    where = " at both points" if evaluation is not None else ""
    _say(
        f"PASS: {fn.__name__} agrees with {ref_name}{where} at all {steps} "
        f"steps (within {tol:.0e})."
    )


def _numbers(value) -> np.ndarray:
    """A number, a tensor, an array or a (nested) sequence of them, as one
    flat float64 array."""
    if isinstance(value, torch.Tensor):
        return value.detach().double().cpu().numpy().ravel()
    if isinstance(value, (list, tuple)):
        parts = [_numbers(item) for item in value]
        return np.concatenate(parts) if parts else np.zeros(0)
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise TypeError(f"{value!r} is not a number")
    return np.asarray(value, dtype=np.float64).ravel()


def _short(value) -> str:
    """A repr short enough for one line of a message."""
    if (
        isinstance(value, (torch.Tensor, np.ndarray))
        and np.prod(value.shape) > 6
    ):
        return f"<{type(value).__name__} of shape {tuple(value.shape)}>"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_function(fn, cases, *, tol: float = 1e-6, hint: str = "") -> None:
    """Print PASS if `fn(*args)` is within `tol` of `expected` for every
    `(args, expected)` in `cases`.

    `expected` is a number or a (nested) sequence of numbers; the result
    must have the same numbers in the same order. The expected values are
    never printed.
    """
    name = getattr(fn, "__name__", "your function")
    cases = list(cases)
    if not cases:
        raise ValueError("cases must hold at least one (args, expected)")
    for args, expected in cases:
        call = f"{name}({', '.join(map(_short, args))})"
        try:
            got = fn(*args)
        # a reader's code may fail in any way: report it, do not crash
        except Exception as exc:
            _fail(_crash(fn, exc, call), hint)
            return
        want = _numbers(expected)
        try:
            have = _numbers(got)
        except (TypeError, ValueError):
            _fail(
                f"{call} returned {_short(got)}, which is not "
                f"{'a number' if want.size == 1 else 'a list of numbers'}.",
                hint,
            )
            return
        if have.shape != want.shape or not np.all(
            np.abs(have - want) <= tol
        ):
            _fail(
                f"{call} returned {_short(got)}, which is not what we "
                "expected.",
                hint,
            )
            return
    _say(f"PASS: {name} is right at all {len(cases)} inputs we tried.")


WIDTH = 76  # the width of a code line in the notebooks: messages fit it


def _say(message: str, file=None) -> None:
    """Print a message wrapped to WIDTH, continuation lines indented."""
    lines = [
        textwrap.fill(part, WIDTH, subsequent_indent="  ")
        for part in message.split("\n")
    ]
    print("\n".join(lines), file=file or sys.stdout)


def _fail(message: str, hint: str) -> None:
    _say(
        f"FAIL: {message}" + (f"\nHint: {hint}" if hint else ""), sys.stderr
    )
