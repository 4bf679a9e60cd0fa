"""The learning-rate sweep: each of its models is the run `train` makes, and
divergence stays in its slice."""

import functools
import math
import warnings

import pytest
import torch

from utils import optimizers as O
from utils.data import Batches, get_data
from utils.networks import mlp
from utils.schedules import CosineScheduler, FactorScheduler
from utils.sweep import (
    Sweep,
    sweep_lr,
    sweep_lrs,
    sweep_network,
    sweep_schedules,
)
from utils.training import train, train_network

NAMES = list(O.registered("classic"))
LRS = [0.003, 0.01, 0.05]


def fn_and_init(name):
    return O.OPTIMIZERS[name].step, O.OPTIMIZERS[name].init_states


def train_final_loss(name, lr, hyperparams=None, num_epochs=2, order=0):
    fn, init = fn_and_init(name)
    hyperparams = {
        **O.OPTIMIZERS[name].settings,
        **(hyperparams or {}),
        "lr": lr,
    }
    history = train(
        fn,
        init,
        hyperparams,
        *get_data(10, seed=order),
        num_epochs=num_epochs,
        plot=False,
    )
    return history.losses[-1]


@pytest.fixture(scope="module")
def all_sweeps(airfoil_file):
    return sweep_lrs(NAMES, LRS)


@pytest.mark.parametrize("name", NAMES)
def test_each_registered_optimizer_in_the_joint_sweep_matches_train(
    all_sweeps, name
):
    sweep = all_sweeps[name]
    assert (
        sweep.lrs == LRS and sweep.label == name and not any(sweep.diverged)
    )
    assert sweep.hyperparams == O.OPTIMIZERS[name].settings
    assert sweep.losses[1] == pytest.approx(
        train_final_loss(name, LRS[1]), abs=1e-5
    )


def test_data_orders_are_averaged_and_each_order_is_the_run_train_makes(
    airfoil_file,
):
    sweep = sweep_lr(
        O.adam, O.init_adam_states, [0.01, 0.05], orders=[0, 3]
    )
    assert len(sweep.runs) == 2
    for order, runs in zip([0, 3], sweep.runs):
        for lr, loss in zip(sweep.lrs, runs):
            assert loss == pytest.approx(
                train_final_loss("adam", lr, order=order), abs=1e-5
            )
    assert sweep.losses == pytest.approx(
        [(a + b) / 2 for a, b in zip(*sweep.runs)]
    )
    assert sweep.runs[0] != sweep.runs[1]


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_every_lr_of_a_sweep_matches_train(airfoil_file, name):
    lrs = [0.003, 0.05]
    sweep = sweep_lr(*fn_and_init(name), lrs)
    for lr, loss in zip(lrs, sweep.losses):
        assert loss == pytest.approx(
            train_final_loss(name, lr), abs=1e-5
        ), f"{name} at lr {lr}"


def test_hyperparameters_and_epochs_are_passed_on(airfoil_file):
    # one epoch is 1500 examples: train's last evaluation, the loss it
    # reports, is at 1400
    sweep = sweep_lr(
        O.rmsprop,
        O.init_rmsprop_states,
        [0.01],
        {"gamma": 0.9},
        num_epochs=1,
    )
    assert sweep.losses[0] == pytest.approx(
        train_final_loss("rmsprop", 0.01, {"gamma": 0.9}, 1), abs=1e-5
    )
    assert sweep.hyperparams == {"gamma": 0.9}


def test_other_batch_sizes_match_train(airfoil_file):
    sweep = sweep_lr(
        O.sgd, O.init_sgd_states, [0.1], batch_size=64, num_epochs=3
    )
    history = train(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.1},
        *get_data(64),
        num_epochs=3,
        plot=False,
    )
    assert sweep.losses[0] == pytest.approx(history.losses[-1], abs=1e-5)


def test_one_optimizer_alone_or_in_company_gives_the_same_losses(
    all_sweeps,
):
    assert (
        sweep_lr(O.adam, O.init_adam_states, LRS).losses
        == all_sweeps["adam"].losses
    )


@pytest.mark.parametrize("name", ["sgd", "sgd_momentum"])
def test_a_diverging_lr_is_reported_and_leaves_the_others_alone(
    airfoil_file, name
):
    fn, init = fn_and_init(name)
    settings = O.OPTIMIZERS[name].settings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mixed = sweep_lr(fn, init, [0.01, 50.0, 0.05, 1e6], settings)
    alone = sweep_lr(fn, init, [0.01, 0.05], settings)
    assert mixed.diverged == [False, True, False, True]
    assert mixed.losses[1] == mixed.losses[3] == math.inf
    assert [mixed.losses[0], mixed.losses[2]] == alone.losses
    assert mixed.best == (0.01, alone.losses[0]) or mixed.best == (
        0.05,
        alone.losses[1],
    )


def test_best_is_the_lowest_finite_loss():
    sweep = Sweep(
        [0.1, 1.0, 10.0],
        [0.3, 0.25, math.inf],
        [False, False, True],
        label="x",
    )
    assert sweep.best == (1.0, 0.25)
    assert (
        repr(sweep)
        == "Sweep('x', 3 learning rates, best lr 1: loss 0.2500, "
        "1 diverged)"
    )


@pytest.mark.parametrize(
    "lrs",
    [
        [],
        [0.1, 0.0],
        [-0.1],
        [float("nan")],
        [float("inf")],
        ["0.1"],
        [True],
        0.1,
        "0.1",
    ],
)
def test_bad_learning_rates_are_rejected_naming_lrs(lrs):
    with pytest.raises(ValueError, match="lrs"):
        sweep_lr(O.sgd, O.init_sgd_states, lrs)


def test_bad_hyperparameters_are_rejected():
    with pytest.raises(ValueError, match="lrs"):
        sweep_lr(O.sgd, O.init_sgd_states, [0.1], {"lr": 0.1})
    with pytest.raises(ValueError, match="momentum"):
        sweep_lr(
            O.sgd_momentum,
            O.init_sgd_momentum_states,
            [0.1],
            {"momentum": 1.5},
        )
    with pytest.raises(ValueError, match="Did you mean 'beta1'"):
        sweep_lr(O.adam, O.init_adam_states, [0.1], {"beta_1": 0.5})
    with pytest.raises(ValueError, match="not a registered optimizer"):
        sweep_lrs(["adam", "lion9"], [0.1])
    for orders in ([], [True], [-1], 3):
        with pytest.raises(ValueError, match="orders must be"):
            sweep_lrs(["adam"], [0.1], orders=orders)
    with pytest.raises(ValueError, match="num_epochs"):
        sweep_lr(O.sgd, O.init_sgd_states, [0.1], num_epochs=0)
    with pytest.raises(ValueError, match="optimizers"):
        sweep_lrs({}, [0.1])


def test_each_optimizer_can_have_its_own_learning_rates_on_the_linear_model(
    airfoil_file,
):
    both = sweep_lrs(
        ["sgd", "adadelta"],
        {"adadelta": [1.0, 3.0], "sgd": [0.01, 0.05]},
        orders=[0, 1],
        num_epochs=1,
    )
    sgd = sweep_lrs(["sgd"], [0.01, 0.05], orders=[0, 1], num_epochs=1)
    assert both["sgd"].lrs == [0.01, 0.05]
    assert both["adadelta"].lrs == [1.0, 3.0]
    assert both["sgd"].runs == sgd["sgd"].runs
    for order, runs in zip([0, 1], both["adadelta"].runs):
        assert runs[1] == pytest.approx(
            train_final_loss("adadelta", 3.0, num_epochs=1, order=order),
            abs=1e-5,
        )
    for lrs, match in [
        ({"sgd": [0.1]}, "must name the optimizers"),
        ({"sgd": [0.1], "adadelta": [0.1, 0.2]}, "as many"),
        ({"sgd": [0.1], "adadelta": [-1.0]}, "lrs"),
        ({}, "at least one"),
    ]:
        with pytest.raises(ValueError, match=match):
            sweep_lrs(["sgd", "adadelta"], lrs, num_epochs=1)


def test_the_callers_hyperparameters_are_not_mutated(airfoil_file):
    hyperparams = {"beta1": 0.8}
    sweep_lr(O.adam, O.init_adam_states, [0.01], hyperparams, num_epochs=1)
    assert hyperparams == {"beta1": 0.8}


SCHEDULES = {
    "constant": lambda step: 0.05,
    "cosine": CosineScheduler(300, 0.2, warmup_steps=20),
    "factor": FactorScheduler(0.99, 1e-3, 0.3),
}


@pytest.mark.parametrize(
    "name, hyperparams", [("sgd", {}), ("adam", {"beta1": 0.8})]
)
def test_each_scheduled_model_is_the_run_train_makes(
    airfoil_file, name, hyperparams
):
    fn, init = fn_and_init(name)
    finals = sweep_schedules(
        fn, init, SCHEDULES, hyperparams, orders=(0, 3)
    )
    assert list(finals) == list(SCHEDULES)
    for label, schedule in SCHEDULES.items():
        for i, order in enumerate((0, 3)):
            history = train(
                fn,
                init,
                hyperparams,
                *get_data(10, seed=order),
                num_epochs=2,
                schedule=schedule,
                plot=False,
            )
            assert finals[label][i] == pytest.approx(
                history.losses[-1], abs=1e-5
            ), (label, order)


def test_a_diverging_schedule_is_inf_and_leaves_the_others_alone(
    airfoil_file,
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finals = sweep_schedules(
            O.sgd,
            O.init_sgd_states,
            {"huge": lambda step: 50.0, "fine": lambda step: 0.05},
        )
    assert finals["huge"] == [math.inf]
    assert finals["fine"][0] == pytest.approx(
        train_final_loss("sgd", 0.05), abs=1e-5
    )


@pytest.mark.parametrize(
    "schedules, hyperparams, kwargs, message",
    [
        ({}, {}, {}, "schedules must map at least one label"),
        ([lambda step: 0.1], {}, {}, "schedules must map"),
        ({"a": 0.1}, {}, {}, r"schedules\['a'\] must be a schedule"),
        ({"a": lambda step: 0.1}, {"lr": 0.1}, {}, "leave hyperparams"),
        ({"a": lambda step: 0.1}, {"betas": 0.9}, {}, "does not read"),
        ({"a": lambda step: 0.1}, {}, {"num_epochs": 0}, "num_epochs"),
        ({"a": lambda step: 0.1}, {}, {"orders": ()}, "orders must be"),
    ],
)
def test_bad_schedule_sweeps_are_rejected(
    schedules, hyperparams, kwargs, message
):
    with pytest.raises(ValueError, match=message):
        sweep_schedules(
            O.sgd, O.init_sgd_states, schedules, hyperparams, **kwargs
        )


# The network sweep: each model is the run train_network makes.


def train_network_final_loss(
    name, lr, seed, num_epochs=2, batch_size=32, dtype=torch.float32, **kw
):
    spec = O.OPTIMIZERS[name]
    features, labels = get_data(batch_size, seed=seed)[0].tensors
    history = train_network(
        mlp(seed=seed, dtype=dtype, **kw),
        spec.step,
        spec.init_states,
        {**spec.settings, "lr": lr},
        Batches(features.to(dtype), labels.to(dtype), batch_size, seed),
        num_epochs=num_epochs,
        plot=False,
    )
    # a run that diverged ends at inf, as the sweep reports it
    if history.diverged or not history.losses:
        return math.inf
    return history.losses[-1]


@pytest.fixture(scope="module")
def network_sweeps(airfoil_file):
    return sweep_network(NAMES, [0.003, 0.01], seeds=[0, 1], num_epochs=2)


@pytest.mark.parametrize("name", NAMES)
def test_each_network_in_the_sweep_is_the_run_train_network_makes(
    network_sweeps, name
):
    sweep = network_sweeps[name]
    assert sweep.lrs == [0.003, 0.01] and sweep.label == name
    assert sweep.hyperparams == O.OPTIMIZERS[name].settings
    for seed, runs in zip([0, 1], sweep.runs):
        for lr, loss in zip(sweep.lrs, runs):
            assert loss == pytest.approx(
                train_network_final_loss(name, lr, seed), abs=1e-6
            ), f"{name} at lr {lr}, seed {seed}"
    assert sweep.losses == pytest.approx(
        [(a + b) / 2 for a, b in zip(*sweep.runs)]
    )
    assert not any(sweep.diverged) and sweep.runs[0] != sweep.runs[1]


def test_the_notebooks_budget_batch_32_for_20_epochs_matches_too(
    airfoil_file,
):
    sweep = sweep_network(["adam"], [0.003, 0.01], seeds=[1])["adam"]
    for lr, loss in zip(sweep.lrs, sweep.runs[0]):
        assert loss == pytest.approx(
            train_network_final_loss("adam", lr, 1, num_epochs=20),
            abs=1e-5,
        )
    assert sweep.runs[0][0] < 0.10  # the linear floor is 0.2417


def test_in_float64_even_a_large_learning_rate_matches(airfoil_file):
    sweep = sweep_network(
        ["adam"], [0.05], seeds=[2], num_epochs=2, dtype=torch.float64
    )
    assert sweep["adam"].losses[0] == pytest.approx(
        train_network_final_loss("adam", 0.05, 2, dtype=torch.float64),
        abs=1e-12,
    )


def test_other_networks_batch_sizes_and_a_last_evaluation_before_the_end(
    airfoil_file,
):
    # batch 64 over 1500 rows: train_network's last evaluation is at 1408
    # examples, before the epoch's last update
    sweep = sweep_network(
        ["rmsprop"],
        [0.01],
        seeds=[3],
        batch_size=64,
        num_epochs=1,
        net=functools.partial(mlp, hidden=8, depth=1),
    )
    assert sweep["rmsprop"].losses[0] == pytest.approx(
        train_network_final_loss(
            "rmsprop", 0.01, 3, 1, 64, hidden=8, depth=1
        ),
        abs=1e-6,
    )


def test_a_diverging_network_stays_in_its_slice(airfoil_file):
    mixed = sweep_network(
        ["sgd", "adam"], [0.01, 1e3, 0.05], seeds=[0, 2], num_epochs=1
    )
    alone = sweep_network(["sgd"], [0.01, 0.05], seeds=[0, 2], num_epochs=1)
    assert mixed["sgd"].diverged == [False, True, False]
    assert mixed["sgd"].losses[1] == math.inf
    assert all(run[1] == math.inf for run in mixed["sgd"].runs)
    assert [[run[0], run[2]] for run in mixed["sgd"].runs] == alone[
        "sgd"
    ].runs
    # Adam's steps are bounded: at lr 1000 it wanders far, but stays finite
    assert not any(mixed["adam"].diverged)
    with pytest.warns(RuntimeWarning, match="not finite"):
        assert train_network_final_loss("sgd", 1e3, 0, 1) == math.inf


def test_one_optimizer_alone_or_in_company_trains_the_same_networks(
    network_sweeps,
):
    alone = sweep_network(
        ["yogi"], [0.003, 0.01], seeds=[0, 1], num_epochs=2
    )
    assert alone["yogi"].runs == network_sweeps["yogi"].runs


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"seeds": []}, "seeds"),
        ({"seeds": [0.5]}, "seeds"),
        ({"seeds": [-1]}, "seeds"),
        ({"seeds": 3}, "seeds"),
        ({"num_epochs": 0}, "num_epochs"),
    ],
)
def test_network_sweep_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sweep_network(["adam"], [0.01], **kwargs)
    with pytest.raises(ValueError, match="lrs"):
        sweep_network(["adam"], [])
    with pytest.raises(ValueError, match="not a registered optimizer"):
        sweep_network(["adam", "lion9"], [0.1])


def test_each_optimizer_can_have_its_own_learning_rates(airfoil_file):
    both = sweep_network(
        ["sgd", "adam"],
        {"adam": [0.01, 0.003], "sgd": [0.05, 0.1]},
        seeds=[4],
        num_epochs=1,
    )
    sgd = sweep_network(["sgd"], [0.05, 0.1], seeds=[4], num_epochs=1)
    adam = sweep_network(["adam"], [0.01, 0.003], seeds=[4], num_epochs=1)
    assert both["sgd"].lrs == [0.05, 0.1] and both["adam"].lrs == [
        0.01,
        0.003,
    ]
    assert both["sgd"].runs == sgd["sgd"].runs
    assert both["adam"].runs == adam["adam"].runs
    for lrs, match in [
        ({"sgd": [0.1]}, "must name the optimizers"),
        ({"sgd": [0.1], "adam": [0.1, 0.2]}, "as many"),
        ({"sgd": [0.1], "adam": [-1.0]}, "lrs"),
        ({}, "at least one"),
    ]:
        with pytest.raises(ValueError, match=match):
            sweep_network(["sgd", "adam"], lrs, num_epochs=1)


# An optimizer evaluated at another point than it trains (Schedule-Free):
# the sweeps evaluate where train and train_network do.


def test_the_linear_sweep_evaluates_schedule_free_where_train_does(
    airfoil_file,
):
    spec = O.OPTIMIZERS["sf_adamw"]
    sweep = sweep_lrs(["sgd", "sf_adamw"], [0.01, 0.1], orders=[0, 2])
    for order, runs in zip([0, 2], sweep["sf_adamw"].runs):
        for lr, loss in zip([0.01, 0.1], runs):
            kwargs = dict(num_epochs=2, plot=False)
            at_x = train(
                spec.step,
                spec.init_states,
                {"lr": lr},
                *get_data(10, seed=order),
                evaluation=spec.evaluation,
                **kwargs,
            )
            at_y = train(
                spec.step,
                spec.init_states,
                {"lr": lr},
                *get_data(10, seed=order),
                **kwargs,
            )
            assert loss == pytest.approx(at_x.losses[-1], abs=1e-6)
            assert abs(loss - at_y.losses[-1]) > 1e-5  # x is not y
    # a tuple's fourth item is its evaluation; the others are untouched
    as_tuple = sweep_lrs(
        {"sf": (spec.step, spec.init_states, {}, spec.evaluation)},
        [0.01, 0.1],
        orders=[0, 2],
    )
    assert as_tuple["sf"].runs == sweep["sf_adamw"].runs
    assert (
        sweep["sgd"].runs
        == sweep_lrs(["sgd"], [0.01, 0.1], orders=[0, 2])["sgd"].runs
    )


def test_the_network_sweep_evaluates_schedule_free_where_train_network_does(
    airfoil_file,
):
    spec = O.OPTIMIZERS["sf_adamw"]
    sweep = sweep_network(
        ["adam", "sf_adamw"], [0.01, 0.05], seeds=[0, 1], num_epochs=2
    )
    for seed, runs in zip([0, 1], sweep["sf_adamw"].runs):
        for lr, loss in zip([0.01, 0.05], runs):
            history = train_network(
                mlp(seed=seed),
                spec.step,
                spec.init_states,
                {"lr": lr},
                get_data(32, seed=seed)[0],
                2,
                evaluation=spec.evaluation,
                plot=False,
            )
            assert loss == pytest.approx(history.losses[-1], abs=1e-6)
    assert sweep["adam"].runs == network_sweeps_alone("adam")


def network_sweeps_alone(name):
    return sweep_network([name], [0.01, 0.05], seeds=[0, 1], num_epochs=2)[
        name
    ].runs


def test_a_sweep_at_one_lr_holds_runs_made_elsewhere():
    sweep = Sweep.at_one_lr(0.02, [0.03, 0.05, 0.04], label="muon")
    assert sweep.best == (0.02, pytest.approx(0.04))
    assert sweep.best_runs == [0.03, 0.05, 0.04] and sweep.label == "muon"
    assert sweep.runs == [[0.03], [0.05], [0.04]]
    assert not any(sweep.diverged)
    broken = Sweep.at_one_lr(0.1, [0.03, math.nan])
    assert broken.diverged == [True] and broken.losses == [math.inf]
    with pytest.raises(ValueError, match="at least one"):
        Sweep.at_one_lr(0.1, [])


@pytest.mark.parametrize("sweep", [sweep_lrs, sweep_network])
def test_a_matrix_optimizer_is_refused_with_what_to_do(sweep):
    with pytest.raises(ValueError, match="muon: Muon .* train_network"):
        sweep(["sgd", "muon"], [0.01])


def test_best_runs_are_those_of_the_best_lr_even_with_a_repeated_lr():
    sweep = Sweep(
        [0.1, 0.1],
        [0.5, 0.2],
        [False, False],
        runs=[[0.6, 0.3], [0.4, 0.1]],
    )
    assert sweep.best == (0.1, 0.2)
    assert sweep.best_runs == [0.3, 0.1]
