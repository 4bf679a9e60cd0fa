"""The training loop: it learns, records, guards against divergence and
validates its input."""

import pytest
import torch

from utils import optimizers as O
from utils.data import Batches, get_data
from utils.networks import mlp as course_mlp
from utils.training import (
    EVAL_EVERY,
    History,
    evaluates,
    init_linear,
    train,
    train_concise,
    train_network,
    train_network_concise,
)


@pytest.fixture
def data(airfoil_file):
    return get_data(10)


def test_sgd_reduces_the_loss_and_records_history(data):
    history = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *data,
        num_epochs=2,
        plot=False,
    )
    n = 3000 // EVAL_EVERY
    assert (
        len(history.examples)
        == len(history.epochs)
        == len(history.seconds)
        == len(history.losses)
        == n
    )
    assert history.examples == [EVAL_EVERY * (i + 1) for i in range(n)]
    assert history.epochs[-1] == pytest.approx(2.0)
    assert all(a <= b for a, b in zip(history.seconds, history.seconds[1:]))
    # the initial loss with w ~ N(0, 0.01^2) is about 1/2 (standardised
    # targets); the optimum is 0.2417
    assert 0.2417 <= history.losses[-1] < 0.26 and history.losses[0] < 0.5
    assert not history.diverged


def test_evaluates_at_every_crossing_of_200_examples_for_any_batch_size(
    airfoil_file,
):
    data_iter, dim = get_data(1500)  # full-batch GD: one step per epoch
    history = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.5},
        data_iter,
        dim,
        num_epochs=3,
        plot=False,
    )
    assert history.examples == [1500, 3000, 4500]


def test_adam_from_scratch_and_torch_optim_trace_the_same_curve(
    airfoil_file,
):
    ours = train(
        O.adam,
        O.init_adam_states,
        {"lr": 0.01},
        *get_data(10),
        num_epochs=2,
        plot=False,
    )
    theirs = train_concise(
        torch.optim.Adam,
        {"lr": 0.01},
        get_data(10)[0],
        num_epochs=2,
        plot=False,
    )
    assert ours.losses == pytest.approx(theirs.losses, abs=1e-5)
    assert 0.2417 <= ours.losses[-1] < 0.25


def test_the_start_is_seeded_and_concise_starts_there_too(data):
    w, b = init_linear(5, seed=3)
    again, _ = init_linear(5, seed=3)
    assert (
        torch.equal(w, again)
        and b.tolist() == [0.0]
        and w.requires_grad
        and b.requires_grad
    )
    assert 0.002 < w.std() < 0.03 and not torch.equal(
        w, init_linear(5, seed=4)[0]
    )
    one_step = train_concise(
        torch.optim.SGD,
        {"lr": 1e-12},
        get_data(10)[0],
        num_epochs=1,
        plot=False,
    )
    at_start = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 1e-12},
        *get_data(10),
        num_epochs=1,
        plot=False,
    )
    assert one_step.losses == pytest.approx(at_start.losses, abs=1e-7)


@pytest.mark.parametrize(
    "before, after, expected",
    [
        (0, 10, False),
        (190, 200, True),
        (195, 205, True),
        (200, 210, False),
        (0, 1500, True),
        (1500, 3000, True),
    ],
)
def test_the_evaluation_schedule(before, after, expected):
    assert evaluates(before, after) == expected


def test_eval_every_batch_records_the_loss_after_every_update(data):
    every = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *get_data(10),
        num_epochs=1,
        plot=False,
        eval_every=10,
    )
    usual = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *get_data(10),
        num_epochs=1,
        plot=False,
    )
    assert every.examples == [10 * (k + 1) for k in range(150)]
    # the same run, seen more often
    assert every.losses[19::20] == usual.losses
    for bad in (0, -10, 2.5, True):
        with pytest.raises(ValueError, match="eval_every must be"):
            train(
                O.sgd,
                O.init_sgd_states,
                {"lr": 0.05},
                *get_data(10),
                plot=False,
                eval_every=bad,
            )


def test_same_seed_same_run(data):
    a = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *get_data(10),
        num_epochs=1,
        plot=False,
    )
    b = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *get_data(10),
        num_epochs=1,
        plot=False,
    )
    assert a.losses == b.losses


def test_hyperparams_are_not_mutated_and_each_run_restarts_at_t_1(data):
    hyperparams = {"lr": 0.01}
    first = train(
        O.adam,
        O.init_adam_states,
        hyperparams,
        *get_data(10),
        num_epochs=1,
        plot=False,
    )
    second = train(
        O.adam,
        O.init_adam_states,
        hyperparams,
        *get_data(10),
        num_epochs=1,
        plot=False,
    )
    assert hyperparams == {"lr": 0.01} and first.losses == second.losses


def test_a_schedule_sets_the_learning_rate_before_every_update(data):
    seen = []

    def schedule(k):
        seen.append(k)
        return 0.05

    constant = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *get_data(10),
        num_epochs=1,
        plot=False,
    )
    scheduled = train(
        O.sgd,
        O.init_sgd_states,
        {},
        *get_data(10),
        num_epochs=1,
        schedule=schedule,
        plot=False,
    )
    assert seen == list(range(150)) and scheduled.steps == 150
    assert scheduled.losses == constant.losses
    concise = train_concise(
        torch.optim.SGD,
        {"lr": 1.0},
        get_data(10)[0],
        num_epochs=1,
        schedule=lambda k: 0.05,
        plot=False,
    )
    assert concise.losses == pytest.approx(constant.losses, abs=1e-6)


def test_divergence_stops_warns_and_returns_the_partial_history(data):
    with pytest.warns(
        RuntimeWarning,
        match=r"the loss is not finite after \d+ updates \(lr=50\)",
    ):
        history = train(
            O.sgd,
            O.init_sgd_states,
            {"lr": 50},
            *data,
            num_epochs=2,
            plot=True,
        )
    assert history.diverged
    assert len(history.losses) < 15
    assert all(torch.isfinite(torch.tensor(history.losses)))


@pytest.mark.parametrize("eval_every", [10, 1500])
def test_the_divergence_warning_counts_the_updates_taken(data, eval_every):
    # found at an evaluation (every update) or on a minibatch's loss
    with pytest.warns(RuntimeWarning) as caught:
        history = train(
            O.sgd,
            O.init_sgd_states,
            {},
            *data,
            schedule=lambda k: 50.0,
            eval_every=eval_every,
            plot=False,
        )
    message = str(caught[0].message)
    assert f"after {history.steps} updates" in message
    assert "the schedule's last lr 50" in message


def test_concise_divergence_is_guarded_too(data):
    with pytest.warns(RuntimeWarning, match="lr=50"):
        history = train_concise(
            torch.optim.SGD, {"lr": 50}, data[0], plot=True
        )
    assert history.diverged


@pytest.mark.parametrize(
    "hyperparams, match",
    [
        ({"lr": 0}, "lr must be"),
        ({"lr": -1}, "lr must be"),
        ({"lr": 0.1, "beta1": 1.2}, "beta1"),
        ({"lr": 0.1, "eps": -1}, "eps must be"),
        ({"lr": 0.1, "beta_1": 0.5}, "Did you mean 'beta1'"),
    ],
)
def test_bad_hyperparameters_are_rejected_before_training(
    data, hyperparams, match, capsys
):
    with pytest.raises(ValueError, match=match):
        train(O.adam, O.init_adam_states, hyperparams, *data, plot=False)
    assert capsys.readouterr().out == ""


def test_concise_rejects_bad_betas_and_unknown_keys(data):
    with pytest.raises(ValueError, match="betas must be"):
        train_concise(
            torch.optim.Adam,
            {"lr": 0.01, "betas": (1.0, 0.999)},
            data[0],
            plot=False,
        )
    with pytest.raises(ValueError, match="Did you mean 'betas'"):
        train_concise(
            torch.optim.Adam,
            {"lr": 0.01, "beta1": 0.9},
            data[0],
            plot=False,
        )


def test_bad_num_epochs_is_rejected(data):
    with pytest.raises(ValueError, match="num_epochs"):
        train(
            O.sgd,
            O.init_sgd_states,
            {"lr": 0.1},
            *data,
            num_epochs=0,
            plot=False,
        )


def test_the_device_moves_the_data_and_the_model_together(data):
    # No GPU here. On PyTorch's "meta" device tensors have shapes but no
    # values: had any tensor stayed on the CPU, the first matmul would fail
    # on mixed devices; with all of them moved, the run gets as far as the
    # first loss value, which a meta tensor cannot give.
    for run in (
        lambda: train(
            O.sgd,
            O.init_sgd_states,
            {"lr": 0.05},
            *data,
            device="meta",
            plot=False,
        ),
        lambda: train_concise(
            torch.optim.SGD,
            {"lr": 0.05},
            data[0],
            device="meta",
            plot=False,
        ),
        lambda: train_network(
            torch.nn.Linear(5, 1),
            O.sgd,
            O.init_sgd_states,
            {"lr": 0.05},
            data[0],
            device="meta",
            plot=False,
        ),
        lambda: train_network_concise(
            mlp(),
            torch.optim.Adam,
            {"lr": 0.01},
            data[0],
            device="meta",
            plot=False,
        ),
    ):
        with pytest.raises((RuntimeError, NotImplementedError)) as info:
            run()
        assert "meta" in str(info.value) and "device" not in str(
            info.value
        ).replace("meta device", "")


def mlp(seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(5, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    )
    return net.to(dtype)


def test_from_scratch_optimizers_train_a_network(data):
    history = train_network(
        mlp(),
        O.adam,
        O.init_adam_states,
        {"lr": 0.01},
        get_data(32)[0],
        num_epochs=5,
        plot=False,
    )
    assert history.losses[-1] < 0.2  # the linear model's floor is 0.2417


@pytest.mark.parametrize(
    "name, hyperparams, cls, kwargs",
    [
        ("adam", {"lr": 0.003}, torch.optim.Adam, {"lr": 0.003}),
        (
            "sgd_momentum",
            {"lr": 0.01, "momentum": 0.9},
            torch.optim.SGD,
            {"lr": 0.01, "momentum": 0.9},
        ),
    ],
)
def test_on_a_network_from_scratch_agrees_with_torch_optim_in_float64(
    airfoil_file, name, hyperparams, cls, kwargs
):
    features, labels = get_data(32)[0].tensors

    def loader():
        return Batches(features.double(), labels.double(), 32)

    spec = O.OPTIMIZERS[name]
    ours = train_network(
        mlp(dtype=torch.float64),
        spec.step,
        spec.init_states,
        hyperparams,
        loader(),
        num_epochs=3,
        plot=False,
    )
    theirs = train_network_concise(
        mlp(dtype=torch.float64),
        cls,
        kwargs,
        loader(),
        num_epochs=3,
        plot=False,
    )
    assert len(ours.losses) == len(theirs.losses) == 3 * 1500 // EVAL_EVERY
    assert (
        max(abs(a - b) for a, b in zip(ours.losses, theirs.losses)) < 1e-10
    )


def test_history_repr_is_short():
    assert (
        repr(History([200], [0.1], [0.01], [0.25], label="sgd"))
        == "History('sgd', 1 points, final loss 0.2500)"
    )


def test_plot_draws_labelled_axes(data):
    import matplotlib.pyplot as plt

    history = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *data,
        num_epochs=1,
        plot=True,
    )
    ax = plt.gcf().axes[0]
    assert (
        ax.get_xlabel() == "epoch"
        and ax.get_ylabel() == "loss"
        and len(ax.lines) == 1
    )
    assert list(ax.lines[0].get_ydata()) == history.losses


def test_plot_shows_the_figure_once(data, monkeypatch):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(
        plt, "show", lambda *args, **kwargs: shown.append(plt.gcf())
    )
    train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *data,
        num_epochs=1,
        plot=True,
    )
    train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.05},
        *data,
        num_epochs=1,
        plot=False,
    )
    assert len(shown) == 1 and shown[0].axes[0].get_ylabel() == "loss"


def _float64_loader():
    features, labels = get_data(32)[0].tensors
    return Batches(features.double(), labels.double(), 32)


def _sf_runs(evaluation, num_epochs=3):
    """Schedule-Free AdamW on the float64 MLP: from scratch (evaluated
    inside `evaluation`) and schedulefree's, evaluated in eval()."""
    import schedulefree

    spec = O.OPTIMIZERS["sf_adamw"]
    net = course_mlp(dtype=torch.float64)
    ours = train_network(
        net,
        spec.step,
        spec.init_states,
        {"lr": 0.01, "warmup_steps": 50},
        _float64_loader(),
        num_epochs=num_epochs,
        evaluation=evaluation,
        plot=False,
    )
    theirs = train_network_concise(
        course_mlp(dtype=torch.float64),
        schedulefree.AdamWScheduleFree,
        {"lr": 0.01, "warmup_steps": 50},
        _float64_loader(),
        num_epochs=num_epochs,
        plot=False,
    )
    assert len(ours.losses) == len(theirs.losses)
    gap = max(abs(a - b) for a, b in zip(ours.losses, theirs.losses))
    return net, ours, gap


def test_schedule_free_is_evaluated_at_its_average_as_schedulefree_is(
    airfoil_file,
):
    _, ours, gap = _sf_runs(O.OPTIMIZERS["sf_adamw"].evaluation)
    assert len(ours.losses) == 3 * 1500 // EVAL_EVERY and gap < 1e-10
    # without it, the loss is the training point's, which differs
    _, _, gap = _sf_runs(None)
    assert gap > 1e-4


def test_evaluating_elsewhere_does_not_change_the_training(airfoil_file):
    at_x, _, _ = _sf_runs(O.sf_adamw_at_x, num_epochs=1)
    at_y, _, _ = _sf_runs(None, num_epochs=1)
    assert all(
        torch.equal(p, q)
        for p, q in zip(at_x.parameters(), at_y.parameters())
    )


def test_the_linear_model_takes_an_evaluation_too(airfoil_file):
    import schedulefree

    ours = train(
        O.sf_adamw,
        O.init_sf_adamw_states,
        {"lr": 0.05},
        *get_data(10),
        evaluation=O.sf_adamw_at_x,
        plot=False,
    )
    theirs = train_concise(
        schedulefree.AdamWScheduleFree,
        {"lr": 0.05},
        get_data(10)[0],
        num_epochs=2,
        plot=False,
    )
    # float32: the same to rounding
    assert len(ours.losses) == len(theirs.losses) == 15
    assert (
        max(abs(a - b) for a, b in zip(ours.losses, theirs.losses)) < 1e-5
    )


def test_an_evaluation_sees_this_runs_states_and_dict(data):
    seen = []

    import contextlib

    @contextlib.contextmanager
    def spy(params, states, hyperparams):
        seen.append((len(params), len(states), hyperparams["t"]))
        yield

    train(
        O.adam,
        O.init_adam_states,
        {"lr": 0.01},
        *data,
        1,
        evaluation=spy,
        plot=False,
    )
    # evaluated every 200 examples of 1500 in batches of 10: after steps
    # 20, 40, ...; t is then the next step's
    assert seen[:2] == [(2, 2, 21), (2, 2, 41)] and len(seen) == 7
