"""The training loop: it learns, records, guards against divergence and validates its input."""
import pytest
import torch

from utils import optimizers as O
from utils.data import get_data
from utils.training import EVAL_EVERY, History, train, train_ch11, train_concise, train_concise_ch11


@pytest.fixture
def data(airfoil_file):
    return get_data(10)


def test_sgd_reduces_the_loss_and_records_history(data):
    history = train(O.sgd, O.init_sgd_states, {"lr": 0.05}, *data, num_epochs=2, plot=False)
    n = 3000 // EVAL_EVERY
    assert len(history.examples) == len(history.epochs) == len(history.seconds) == len(history.losses) == n
    assert history.examples == [EVAL_EVERY * (i + 1) for i in range(n)]
    assert history.epochs[-1] == pytest.approx(2.0)
    assert all(a <= b for a, b in zip(history.seconds, history.seconds[1:]))
    # the initial loss with w ~ N(0, 0.01^2) is about 1/2 (standardised targets); the optimum is 0.2417
    assert 0.2417 <= history.losses[-1] < 0.26 and history.losses[0] < 0.5
    assert not history.diverged


def test_evaluates_at_every_crossing_of_200_examples_for_any_batch_size(airfoil_file):
    data_iter, dim = get_data(1500)  # full-batch GD: one step per epoch
    history = train(O.sgd, O.init_sgd_states, {"lr": 0.5}, data_iter, dim, num_epochs=3, plot=False)
    assert history.examples == [1500, 3000, 4500]


def test_adam_from_scratch_and_torch_optim_trace_the_same_curve(airfoil_file):
    ours = train(O.adam, O.init_adam_states, {"lr": 0.01}, *get_data(10), num_epochs=2, plot=False)
    theirs = train_concise(torch.optim.Adam, {"lr": 0.01}, get_data(10)[0], num_epochs=2, plot=False)
    assert ours.losses == pytest.approx(theirs.losses, abs=1e-5)
    assert 0.2417 <= ours.losses[-1] < 0.25


def test_d2l_names_are_aliases():
    assert train_ch11 is train and train_concise_ch11 is train_concise


def test_same_seed_same_run(data):
    a = train(O.sgd, O.init_sgd_states, {"lr": 0.05}, *get_data(10), num_epochs=1, plot=False)
    b = train(O.sgd, O.init_sgd_states, {"lr": 0.05}, *get_data(10), num_epochs=1, plot=False)
    assert a.losses == b.losses


def test_hyperparams_are_not_mutated_and_each_run_restarts_at_t_1(data):
    hyperparams = {"lr": 0.01}
    first = train(O.adam, O.init_adam_states, hyperparams, *get_data(10), num_epochs=1, plot=False)
    second = train(O.adam, O.init_adam_states, hyperparams, *get_data(10), num_epochs=1, plot=False)
    assert hyperparams == {"lr": 0.01} and first.losses == second.losses


def test_divergence_stops_warns_and_returns_the_partial_history(data):
    with pytest.warns(RuntimeWarning, match=r"stopped at step \d+: the loss is not finite \(lr=50\)"):
        history = train(O.sgd, O.init_sgd_states, {"lr": 50}, *data, num_epochs=2, plot=True)
    assert history.diverged
    assert len(history.losses) < 15
    assert all(torch.isfinite(torch.tensor(history.losses)))


def test_concise_divergence_is_guarded_too(data):
    with pytest.warns(RuntimeWarning, match="lr=50"):
        history = train_concise(torch.optim.SGD, {"lr": 50}, data[0], plot=True)
    assert history.diverged


@pytest.mark.parametrize("hyperparams, match", [
    ({"lr": 0}, "lr must be"), ({"lr": -1}, "lr must be"), ({"lr": 0.1, "beta1": 1.2}, "beta1"),
    ({"lr": 0.1, "eps": 0}, "eps must be"), ({"lr": 0.1, "momentum": -0.5}, "momentum"),
])
def test_bad_hyperparameters_are_rejected_before_training(data, hyperparams, match):
    with pytest.raises(ValueError, match=match):
        train(O.adam, O.init_adam_states, hyperparams, *data, plot=False)


def test_concise_rejects_bad_betas(data):
    with pytest.raises(ValueError, match=r"betas\[0\]"):
        train_concise(torch.optim.Adam, {"lr": 0.01, "betas": (1.0, 0.999)}, data[0], plot=False)


def test_bad_num_epochs_is_rejected(data):
    with pytest.raises(ValueError, match="num_epochs"):
        train(O.sgd, O.init_sgd_states, {"lr": 0.1}, *data, num_epochs=0, plot=False)


def test_runs_on_an_explicit_device(data):
    history = train(O.sgd, O.init_sgd_states, {"lr": 0.05}, *data, num_epochs=1, device=torch.device("cpu"),
                    plot=False)
    assert history.losses[-1] < 0.3


def test_history_repr_is_short():
    assert repr(History([200], [0.1], [0.01], [0.25], label="sgd")) == "History('sgd', 1 points, final loss 0.2500)"


def test_plot_draws_labelled_axes(data):
    import matplotlib.pyplot as plt

    train(O.sgd, O.init_sgd_states, {"lr": 0.05}, *data, num_epochs=1, plot=True)
    ax = plt.gcf().axes[0]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss" and len(ax.lines) == 1


def test_plot_shows_the_figure_once(data, monkeypatch):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: shown.append(plt.gcf()))
    train(O.sgd, O.init_sgd_states, {"lr": 0.05}, *data, num_epochs=1, plot=True)
    train(O.sgd, O.init_sgd_states, {"lr": 0.05}, *data, num_epochs=1, plot=False)
    assert len(shown) == 1 and shown[0].axes[0].get_ylabel() == "loss"
