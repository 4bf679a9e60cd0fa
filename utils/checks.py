"""Checks that a from-scratch optimizer agrees with a reference, with pass/fail messages for readers."""
from __future__ import annotations

import math

import torch

TOL = 1e-10


def _problem(seed: int):
    """A small float64 regression with two parameter tensors (start far from the minimum), and its loss."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 4, generator=g, dtype=torch.float64)
    Y = torch.randn(32, 3, generator=g, dtype=torch.float64)
    W0 = torch.randn(4, 3, generator=g, dtype=torch.float64) + 3
    b0 = torch.randn(3, generator=g, dtype=torch.float64) - 3

    def loss(W, b):  # convex, and far from its minimum: no chaotic oscillation to amplify rounding
        return ((X @ W + b - Y) ** 2).mean() + 0.01 * (W**4).sum()

    return (W0, b0), loss


def _fresh(tensors):
    return [t.clone().requires_grad_() for t in tensors]


def differences(fn, init_states, hyperparams: dict, reference, steps: int = 200, seed: int = 0):
    """Run `fn` and `reference(params)` side by side; return the largest parameter gap after each step.

    `reference` is a torch.optim-like factory, e.g. `lambda p: torch.optim.Adam(p, lr=0.1)`;
    both see the gradients of the same float64 loss at their own parameters.
    """
    start, loss = _problem(seed)
    ours, theirs = _fresh(start), _fresh(start)
    states, hp = init_states(ours), dict(hyperparams)
    optimizer = reference(theirs)
    gaps = []
    for _ in range(steps):
        for params in (ours, theirs):
            for p in params:
                p.grad = None
            loss(*params).backward()
        fn(ours, states, hp)
        optimizer.step()
        gaps.append(max((a - b).abs().max().item() for a, b in zip(ours, theirs)))
    return gaps


def check_optimizer(fn, init_states, hyperparams: dict, reference, name: str = "",
                    steps: int = 200, tol: float = TOL, hint: str = "") -> None:
    """Print PASS if `fn` agrees with `reference` within `tol` after every step, else FAIL and a hint."""
    ref_name = name or "the reference"
    try:
        gaps = differences(fn, init_states, hyperparams, reference, steps)
    except NotImplementedError:
        _fail(f"{fn.__name__} is not implemented yet.", hint)
        return
    except Exception as exc:  # a reader's code may fail in any way: report it, do not crash
        _fail(f"{fn.__name__} raised {type(exc).__name__}: {exc}", hint)
        return
    bad = [i for i, gap in enumerate(gaps) if not gap <= tol]
    if bad:
        first = bad[0]
        _fail(f"{fn.__name__} differs from {ref_name} at step {first + 1} of {steps} "
              f"(largest parameter gap {gaps[first]:.1e} > {tol:.0e}).", hint)
        return
    print(f"PASS: {fn.__name__} agrees with {ref_name} to within {tol:.0e} at every one of {steps} steps.")


def check_value(name: str, got, expected, tol: float = 1e-6, hint: str = "") -> None:
    """Print PASS if a reader's number `got` is within `tol` of `expected`, else FAIL and a hint."""
    try:
        ok = math.isclose(float(got), float(expected), rel_tol=0, abs_tol=tol)
    except (TypeError, ValueError):
        ok = False
    if ok:
        print(f"PASS: {name} is right.")
    else:
        _fail(f"{name} is {got!r}, which is not what we expected.", hint)


def _fail(message: str, hint: str) -> None:
    print(f"FAIL: {message}" + (f"\nHint: {hint}" if hint else ""))
