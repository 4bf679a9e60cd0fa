"""What an optimizer reads from its dict, and the one validator every runner
uses."""

import math

import pytest
import torch

from utils import optimizers as O
from utils.hyperparams import (
    COMPUTED,
    REQUIRED,
    check_positive_int,
    check_value,
    read_keys,
    validate,
)


def reads_with_defaults(params, states, hyperparams):
    lr, wd = hyperparams.get("lr", 0.5), hyperparams["wd"]
    t = hyperparams.setdefault("t", 1)
    hyperparams["t"] = t + 1
    return lr, wd


def passes_the_dict_on(params, states, hyperparams):
    wd = hyperparams.get("wd", 1e-2)
    O.adam(params, states, hyperparams)
    return wd


def with_warmup(trainer_fn, warmup_steps):
    def warmed_up(params, states, hyperparams):
        lr = hyperparams["lr"]
        hyperparams["lr"] = lr * min(1.0, 1 / warmup_steps)
        trainer_fn(params, states, hyperparams)
        hyperparams["lr"] = lr

    return warmed_up


def unpacks_the_dict(params, states, hyperparams):
    return dict(**hyperparams)


def test_reads_get_subscript_and_setdefault_in_reading_order():
    assert list(read_keys(reads_with_defaults).items()) == [
        ("lr", 0.5),
        ("wd", REQUIRED),
        ("t", 1),
    ]


def test_follows_the_dict_into_a_callee_and_a_closure():
    # the callee's keys come where the dict is passed on, in its own order
    assert list(read_keys(passes_the_dict_on).items()) == [
        ("wd", 1e-2),
        ("lr", 1e-3),
        ("eps", 1e-8),
        ("beta1", 0.9),
        ("beta2", 0.999),
        ("t", 1),
    ]
    assert list(read_keys(with_warmup(O.rmsprop, 10)).items()) == [
        ("lr", REQUIRED),
        ("eps", 1e-8),
        ("gamma", 0.99),
    ]
    assert list(read_keys(O.adamw)) == [
        "lr",
        "weight_decay",
        "eps",
        "beta1",
        "beta2",
        "t",
    ]


def reads_a_computed_default(params, states, hyperparams):
    return hyperparams.get("beta2", 1 - 1e-3)


def test_a_computed_default_is_a_default():
    assert read_keys(reads_a_computed_default) == {"beta2": COMPUTED}
    validate(reads_a_computed_default, {})  # not "needs beta2"
    with pytest.raises(ValueError, match="Did you mean 'beta2'"):
        validate(reads_a_computed_default, {"beta_2": 0.9})


def test_a_dict_used_in_an_unknown_way_makes_the_keys_unknowable():
    assert read_keys(unpacks_the_dict) is None
    assert (
        read_keys(with_warmup(print, 3)) is None
    )  # a builtin has no source
    assert read_keys(len) is None


def test_a_torch_class_accepts_its_constructors_keywords():
    keys = read_keys(torch.optim.RMSprop)
    assert (
        keys["alpha"] == 0.99
        and keys["lr"] == 1e-2
        and "params" not in keys
    )


@pytest.mark.parametrize(
    "fn, bad, suggestion",
    [
        (O.adam, "beta_1", "beta1"),
        (O.rmsprop, "alpha", None),
        (O.sgd_momentum, "momemtum", "momentum"),
        (torch.optim.Adam, "beta1", "betas"),
        (torch.optim.Adam, "t", None),
    ],
)
def test_an_unknown_key_is_named_with_the_accepted_ones_and_the_closest(
    fn, bad, suggestion
):
    base = {"momentum": 0.9} if fn is O.sgd_momentum else {}
    with pytest.raises(ValueError) as info:
        validate(fn, {"lr": 0.1, **base, bad: 0.5})
    message = str(info.value)
    assert (
        repr(bad) in message
        and "It accepts: " in message
        and "lr" in message
    )
    assert (f"Did you mean {suggestion!r}?" in message) == (
        suggestion is not None
    )


def test_the_step_counter_is_always_accepted_by_a_from_scratch_optimizer():
    validate(O.sgd, {"lr": 0.1, "t": 5})


def test_a_missing_required_key_is_named():
    with pytest.raises(
        ValueError, match=r"sgd_momentum needs hyperparams\['momentum'\]"
    ):
        validate(O.sgd_momentum, {"lr": 0.1})


def test_unknowable_keys_are_only_range_checked():
    validate(unpacks_the_dict, {"anything": 1})
    with pytest.raises(ValueError, match="lr must be"):
        validate(unpacks_the_dict, {"lr": -1})


@pytest.mark.parametrize(
    "key, value",
    [
        ("lr", 0),
        ("lr", -0.1),
        ("lr", math.nan),
        ("lr", math.inf),
        ("lr", True),
        ("lr", "0.1"),
        ("eps", -1e-8),
        ("beta1", 1.0),
        ("beta2", -0.1),
        ("momentum", 1),
        ("gamma", 1.5),
        ("rho", 1.1),
        ("betas", (0.9, 1.0)),
        ("betas", 0.9),
        ("t", 0),
        ("t", 1.0),
        ("t", True),
        ("weight_decay", -0.01),
    ],
)
def test_values_out_of_range_are_rejected_naming_the_key(key, value):
    with pytest.raises(ValueError, match=f"{key} must be"):
        check_value(key, value)


@pytest.mark.parametrize(
    "key, value",
    [
        ("lr", 1e-9),
        ("lr", 10),
        ("eps", 0),
        ("beta1", 0.0),
        ("momentum", 0.99),
        ("rho", 1.0),
        ("betas", (0.9, 0.999)),
        ("t", 3),
        ("custom", "anything"),
    ],
)
def test_values_in_range_pass(key, value):
    check_value(key, value)


def test_the_dict_must_be_a_dict():
    with pytest.raises(ValueError, match="must be a dict"):
        validate(O.sgd, [("lr", 0.1)])


@pytest.mark.parametrize("value", [0, -3, 2.0, True, "5", None])
def test_check_positive_int_names_what_is_wrong(value):
    with pytest.raises(ValueError, match=r"num_epochs must be a positive"):
        check_positive_int("num_epochs", value)


def test_check_positive_int_accepts_counts():
    for value in (1, 7, 10**6):
        check_positive_int("num_epochs", value)
