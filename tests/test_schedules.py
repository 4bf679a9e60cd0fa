"""The learning-rate schedules: each agrees with its torch.optim twin at
every step where the two are defined alike, CosineScheduler follows d2l's
formula, all of them are pure, and bad arguments are refused."""

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from utils import get_data, train, train_concise
from utils import optimizers as O
from utils.checks import torch_schedule as torch_lrs
from utils.schedules import (
    CosineScheduler,
    FactorScheduler,
    MultiStepScheduler,
    SquareRootScheduler,
)

TOL = 1e-12  # relative: torch multiplies step by step, we use the formula


def assert_agrees(schedule, theirs: list[float]) -> None:
    ours = [schedule(k) for k in range(len(theirs))]
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=0)


@pytest.mark.parametrize("factor, base_lr", [(0.99, 0.2), (0.9, 1.5)])
def test_factor_without_its_floor_is_exponential_lr(factor, base_lr):
    theirs = torch_lrs(
        lambda opt: lr_scheduler.ExponentialLR(opt, gamma=factor),
        base_lr,
        300,
    )
    assert_agrees(FactorScheduler(factor, 0, base_lr), theirs)


def test_factor_holds_its_floor():
    schedule = FactorScheduler(factor=0.5, stop_factor_lr=0.01, base_lr=1.0)
    assert [schedule(k) for k in range(9)] == [
        1.0,
        0.5,
        0.25,
        0.125,
        0.0625,
        0.03125,
        0.015625,
        0.01,
        0.01,
    ]


@pytest.mark.parametrize(
    "milestones, factor, base_lr",
    [([150, 225], 0.1, 0.2), ([1, 2, 50, 51, 200], 0.5, 1.0)],
)
def test_multi_step_is_multi_step_lr(milestones, factor, base_lr):
    theirs = torch_lrs(
        lambda opt: lr_scheduler.MultiStepLR(opt, milestones, gamma=factor),
        base_lr,
        300,
    )
    assert_agrees(MultiStepScheduler(milestones, factor, base_lr), theirs)


@pytest.mark.parametrize(
    "max_update, base_lr, final_lr", [(300, 0.2, 0.0), (40, 0.5, 0.01)]
)
def test_cosine_is_cosine_annealing_lr_up_to_max_update(
    max_update, base_lr, final_lr
):
    theirs = torch_lrs(
        lambda opt: lr_scheduler.CosineAnnealingLR(
            opt, T_max=max_update, eta_min=final_lr
        ),
        base_lr,
        max_update + 1,
    )
    schedule = CosineScheduler(max_update, base_lr, final_lr)
    ours = [schedule(k) for k in range(max_update + 1)]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-15)


def test_cosine_holds_final_lr_after_max_update_where_torch_rises():
    schedule = CosineScheduler(40, base_lr=0.5, final_lr=0.01)
    theirs = torch_lrs(
        lambda opt: lr_scheduler.CosineAnnealingLR(
            opt, T_max=40, eta_min=0.01
        ),
        0.5,
        60,
    )
    assert [schedule(k) for k in range(40, 100)] == [0.01] * 60
    assert theirs[59] > 0.1  # torch's cosine goes back up after T_max


@pytest.mark.parametrize(
    "max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr",
    [(300, 1.0, 0.0, 30, 0.05), (50, 0.3, 0.01, 10, 0.03)],
)
def test_warmup_is_linear_lr_then_cosine_annealing_lr(
    max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr
):
    # LinearLR cannot start at 0: its start_factor must be > 0
    def make(opt):
        warmup = lr_scheduler.LinearLR(
            opt,
            start_factor=warmup_begin_lr / base_lr,
            end_factor=1.0,
            total_iters=warmup_steps,
        )
        cosine = lr_scheduler.CosineAnnealingLR(
            opt, T_max=max_update - warmup_steps, eta_min=final_lr
        )
        return lr_scheduler.SequentialLR(
            opt, [warmup, cosine], milestones=[warmup_steps]
        )

    theirs = torch_lrs(make, base_lr, max_update + 1)
    schedule = CosineScheduler(
        max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr
    )
    ours = [schedule(k) for k in range(max_update + 1)]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-15)


def d2l_cosine(t, max_update, base_lr, final_lr, warmup_steps, begin_lr):
    """d2l's CosineScheduler (PyTorch edition, chapter_optimization/
    lr-scheduler), written out: its warmup, its cosine, and after
    max_update the value it computed last, which is the one at
    max_update."""
    max_steps = max_update - warmup_steps
    if t < warmup_steps:
        increase = (base_lr - begin_lr) * float(t) / float(warmup_steps)
        return begin_lr + increase
    t = min(t, max_update)
    return (
        final_lr
        + (base_lr - final_lr)
        * (1 + math.cos(math.pi * (t - warmup_steps) / max_steps))
        / 2
    )


@pytest.mark.parametrize(
    "args",
    [
        (20, 0.5, 0.01, 5, 0.0),
        (300, 1.0, 0.0, 30, 0.0),
        (50, 0.3, 0.01, 10, 0.03),
        (20, 0.5, 0.01, 0, 0.0),
    ],
)
def test_cosine_with_warmup_follows_d2ls_formula(args):
    schedule = CosineScheduler(*args)
    for t in range(args[0] + 30):
        assert schedule(t) == d2l_cosine(t, *args), t


def test_square_root_follows_its_formula():
    schedule = SquareRootScheduler(lr=0.2)
    for t in range(1000):
        assert schedule(t) == pytest.approx(0.2 / math.sqrt(t + 1), 1e-15)
    assert SquareRootScheduler()(3) == pytest.approx(0.05)  # d2l's 0.1


SCHEDULES = [
    SquareRootScheduler(0.5),
    FactorScheduler(0.98, 1e-3, 0.2),
    MultiStepScheduler([10, 20], 0.5, 0.2),
    CosineScheduler(30, 0.2, 0.01, 5, 0.02),
]


@pytest.mark.parametrize(
    "schedule", SCHEDULES, ids=lambda s: type(s).__name__
)
def test_a_schedule_is_pure(schedule):
    forward = [schedule(k) for k in range(50)]
    backward = [schedule(k) for k in reversed(range(50))][::-1]
    assert forward == backward == [schedule(k) for k in range(50)]
    with pytest.raises(AttributeError):  # frozen: nothing to change
        schedule.base_lr = 1.0
    assert schedule(np.int64(7)) == schedule(7)


@pytest.mark.parametrize(
    "schedule", SCHEDULES, ids=lambda s: type(s).__name__
)
@pytest.mark.parametrize("step", [-1, 1.5, "3", None, True])
def test_a_schedule_refuses_a_bad_step(schedule, step):
    with pytest.raises(ValueError, match="step must be an integer >= 0"):
        schedule(step)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: SquareRootScheduler(0), "lr must be a finite number > 0"),
        (lambda: SquareRootScheduler(math.inf), "lr must be a finite"),
        (lambda: FactorScheduler(0), "factor must be a finite number > 0"),
        (
            lambda: FactorScheduler(0.9, -1),
            "stop_factor_lr must be a finite number >= 0",
        ),
        (lambda: FactorScheduler(0.9, 0, -0.1), "base_lr must be"),
        (lambda: MultiStepScheduler(100), "milestones must be a sequence"),
        (lambda: MultiStepScheduler([0, 10]), "each milestone must be"),
        (lambda: MultiStepScheduler([5, 5]), "must increase strictly"),
        (lambda: MultiStepScheduler([20, 10]), "must increase strictly"),
        (lambda: MultiStepScheduler([10], factor=-0.5), "factor must be"),
        (lambda: CosineScheduler(0), "max_update must be an integer >= 1"),
        (lambda: CosineScheduler(10.5), "max_update must be an integer"),
        (lambda: CosineScheduler(10, base_lr=0), "base_lr must be"),
        (lambda: CosineScheduler(10, final_lr=-1), "final_lr must be"),
        (
            lambda: CosineScheduler(10, warmup_steps=-1),
            "warmup_steps must be an integer >= 0",
        ),
        (
            lambda: CosineScheduler(10, warmup_steps=10),
            "warmup_steps must be smaller than max_update",
        ),
        (
            lambda: CosineScheduler(10, warmup_steps=2, warmup_begin_lr=-1),
            "warmup_begin_lr must be",
        ),
    ],
)
def test_bad_arguments_are_refused_clearly(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_train_sets_the_schedules_lr_before_each_update(airfoil_file):
    schedule = CosineScheduler(150, base_lr=0.2, warmup_steps=10)
    seen = []

    def recording_sgd(params, states, hyperparams):
        seen.append(hyperparams.get("lr"))
        O.sgd(params, states, hyperparams)

    run = train(
        recording_sgd,
        O.init_sgd_states,
        {},
        *get_data(10),
        num_epochs=1,
        schedule=schedule,
        plot=False,
    )
    assert seen == [schedule(k) for k in range(150)] and run.steps == 150
    concise = train_concise(
        torch.optim.SGD,
        {"lr": 1.0},
        get_data(10)[0],
        num_epochs=1,
        schedule=schedule,
        plot=False,
    )
    assert concise.losses == pytest.approx(run.losses, abs=1e-6)
