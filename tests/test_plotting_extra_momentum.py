"""train_2d_states: the same path as train_2d, plus the optimizer's state after every step."""
import numpy as np
import pytest

from utils import optimizers as O
from utils.quadratic import train_2d, train_2d_states


@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_same_points_as_train_2d(noise):
    expected = train_2d(O.adagrad, O.init_adagrad_states, {"lr": 0.4}, steps=15, noise=noise, verbose=False)
    points, (s,) = train_2d_states(O.adagrad, O.init_adagrad_states, {"lr": 0.4}, steps=15, noise=noise,
                                   verbose=False)
    assert points == expected
    assert s.shape == (15, 2)


def test_records_the_state_after_each_step():
    points, (s,) = train_2d_states(O.adagrad, O.init_adagrad_states, {"lr": 0.4}, steps=5, verbose=False)
    grads = np.array([(0.2 * x1, 4 * x2) for x1, x2 in points[:-1]])  # the gradient before each step
    np.testing.assert_allclose(s, np.cumsum(grads**2, axis=0), rtol=1e-12)


def test_several_state_tensors_and_no_state():
    _, (v, s) = train_2d_states(O.adam, O.init_adam_states, {"lr": 0.1}, steps=3, verbose=False)
    assert v.shape == s.shape == (3, 2) and (s > 0).all()
    points, states = train_2d_states(O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=4, verbose=False)
    assert states == () and len(points) == 5


def test_prints_like_train_2d(capsys):
    train_2d_states(O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=20)
    printed = capsys.readouterr().out
    train_2d(O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=20)
    assert printed == capsys.readouterr().out != ""
