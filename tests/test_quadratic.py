"""The shared quadratic, train_2d, and train_2d_states (the same path plus
the state after each step)."""

import numpy as np
import pytest

from utils import optimizers as O
from utils.quadratic import (
    START,
    f_2d,
    f_2d_grad,
    train_2d,
    train_2d_states,
)


def test_the_quadratic_and_its_gradient():
    assert f_2d(*START) == pytest.approx(0.1 * 25 + 2 * 4)
    assert f_2d_grad(-5.0, -2.0) == pytest.approx((-1.0, -8.0))
    h = 1e-6  # the gradient is the derivative
    for i in range(2):
        plus, minus = list(START), list(START)
        plus[i] += h
        minus[i] -= h
        assert (f_2d(*plus) - f_2d(*minus)) / (2 * h) == pytest.approx(
            f_2d_grad(*START)[i], rel=1e-6
        )


def test_gradient_descent_by_hand():
    points = train_2d(
        O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=2, verbose=False
    )
    assert [x for point in points for x in point] == pytest.approx(
        [-5.0, -2.0, -4.9, -1.2, -4.802, -0.72]
    )


def test_noise_is_seeded():
    def noisy(seed):
        return train_2d(
            O.sgd,
            O.init_sgd_states,
            {"lr": 0.1},
            steps=5,
            noise=1.0,
            seed=seed,
            verbose=False,
        )

    assert noisy(1) == noisy(1) != noisy(2)


def test_an_unknown_hyperparameter_is_rejected_with_a_suggestion():
    for run in (train_2d, train_2d_states):
        with pytest.raises(ValueError, match="Did you mean 'beta1'"):
            run(
                O.adam,
                O.init_adam_states,
                {"lr": 0.1, "beta_1": 0.5},
                verbose=False,
            )


@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_same_points_as_train_2d(noise):
    expected = train_2d(
        O.adagrad,
        O.init_adagrad_states,
        {"lr": 0.4},
        steps=15,
        noise=noise,
        verbose=False,
    )
    points, (s,) = train_2d_states(
        O.adagrad,
        O.init_adagrad_states,
        {"lr": 0.4},
        steps=15,
        noise=noise,
        verbose=False,
    )
    assert points == expected
    assert s.shape == (15, 2)


def test_records_the_state_after_each_step():
    points, (s,) = train_2d_states(
        O.adagrad,
        O.init_adagrad_states,
        {"lr": 0.4},
        steps=5,
        verbose=False,
    )
    grads = np.array(
        [(0.2 * x1, 4 * x2) for x1, x2 in points[:-1]]
    )  # the gradient before each step
    np.testing.assert_allclose(s, np.cumsum(grads**2, axis=0), rtol=1e-12)


def test_several_state_tensors_and_no_state():
    _, (v, s) = train_2d_states(
        O.adam, O.init_adam_states, {"lr": 0.1}, steps=3, verbose=False
    )
    assert v.shape == s.shape == (3, 2) and (s > 0).all()
    points, states = train_2d_states(
        O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=4, verbose=False
    )
    assert states == () and len(points) == 5


def test_prints_like_train_2d(capsys):
    train_2d_states(O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=20)
    printed = capsys.readouterr().out
    train_2d(O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=20)
    assert printed == capsys.readouterr().out != ""
