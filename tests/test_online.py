"""The online problem of Reddi, Kale and Kumar (2018): projection, regret,
and Adam's failure on it."""

import pytest
import torch

from utils import optimizers as O
from utils.online import PeriodicProblem, project, run_online

# The settings the notebook uses: beta1 = 0, beta2 = 1 / (1 + C^2) = 0.1, lr
# 0.5 / sqrt(t), from x = 0
SETTINGS = {"lr": 0.5, "beta1": 0.0, "beta2": 0.1}


def test_the_problem():
    problem = PeriodicProblem()
    assert [problem.gradient(t) for t in range(1, 7)] == [
        3,
        -1,
        -1,
        3,
        -1,
        -1,
    ]
    assert problem.loss(4, 0.5) == 1.5 and problem.best == -1.0
    assert (
        PeriodicProblem(big=1.0, small=-1.0).best == 1.0
    )  # the slopes of a period add up to -1
    with pytest.raises(ValueError, match="period"):
        PeriodicProblem(period=1)


@pytest.mark.parametrize(
    "name, above", [("adam", True), ("amsgrad", False), ("yogi", False)]
)
def test_adam_drifts_to_the_worst_point_amsgrad_and_yogi_to_the_best(
    name, above
):
    fn, init = getattr(O, name), getattr(O, f"init_{name}_states")
    run = run_online(fn, init, SETTINGS, steps=3000)
    assert len(run.xs) == 3001 and len(run.average_regret) == 3000
    if above:
        assert (
            run.final > 0.9 and run.average_regret[-1] > 0.6
        )  # at x = 1 the regret per step tends to 2/3
    else:
        assert run.final < -0.9 and run.average_regret[-1] < 0.05


def test_projection_keeps_x_in_the_interval():
    x = torch.tensor([-3.0, 0.5, 2.0])
    project(x)
    assert x.tolist() == [-1.0, 0.5, 1.0]
    run = run_online(
        O.sgd, O.init_sgd_states, {"lr": 10.0}, steps=30, decay=False
    )  # every step overshoots
    assert all(-1 <= x <= 1 for x in run.xs) and {-1.0, 1.0} <= set(run.xs)


def test_regret_on_a_hand_checked_case():
    # SGD, lr 0.1, from 0: slopes 3, -1, -1 move x to -0.3, -0.2, -0.1.
    # Regret g_t * (x_t + 1): 3 * 1 = 3, -1 * 0.7 = -0.7, -1 * 0.8 = -0.8;
    # running sums 3, 2.3, 1.5.
    run = run_online(
        O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=3, decay=False
    )
    assert run.xs == pytest.approx([0.0, -0.3, -0.2, -0.1])
    assert run.average_regret == pytest.approx([3.0, 2.3 / 2, 1.5 / 3])


def test_lr_decays_as_one_over_sqrt_t_and_hyperparams_stay():
    hyperparams = {"lr": 1.0}
    run = run_online(O.sgd, O.init_sgd_states, hyperparams, steps=2)
    assert run.xs == pytest.approx(
        [0.0, -1.0, -1.0 + 1 / 2**0.5]
    )  # 0 - 3 is projected to -1
    assert hyperparams == {"lr": 1.0}


def test_decay_starts_from_the_optimizers_own_default_lr():
    # Adagrad's default lr is 0.01 (SGD's would not tell: it is 1e-3, the
    # old fallback): slope 3 moves x by 0.01 * 3 / sqrt(9), then slope -1
    # by 0.01 / sqrt(2) * 1 / sqrt(10) back up
    run = run_online(O.adagrad, O.init_adagrad_states, {}, steps=2)
    second = -0.01 + 0.01 / 2**0.5 / 10**0.5
    assert run.xs == pytest.approx([0.0, -0.01, second])


def test_decay_without_a_readable_lr_asks_for_one():
    def opaque(params, states, hyperparams):
        return O.sgd(params, states, dict(**hyperparams))

    with pytest.raises(ValueError, match="pass lr"):
        run_online(opaque, O.init_sgd_states, {}, steps=2)


def test_an_unknown_hyperparameter_is_rejected_with_a_suggestion():
    with pytest.raises(ValueError, match="Did you mean 'beta2'"):
        run_online(
            O.adam, O.init_adam_states, {"lr": 0.5, "beta_2": 0.1}, steps=3
        )
