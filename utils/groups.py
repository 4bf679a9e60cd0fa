"""Several from-scratch optimizers as one, each on its own group of a
network's parameters with its own hyperparameters: how Muon is used (the
hidden layers' weight matrices to Muon, every other parameter to AdamW)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from torch import nn

from .hyperparams import validate


class Group(NamedTuple):
    """Some parameters and the from-scratch optimizer that updates them."""

    params: list
    step: Callable  # fn(params, states, hyperparams)
    init_states: Callable
    hyperparams: dict


def muon_split(net: nn.Module) -> tuple[list, list]:
    """(the weight matrices of the hidden layers, every other parameter):
    the first and the last `nn.Linear` are the input and output layers."""
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    hidden = [m.weight for m in linears[1:-1]]
    rest = [p for p in net.parameters() if all(p is not w for w in hidden)]
    return hidden, rest


def grouped(groups) -> tuple[Callable, Callable]:
    """(step, init_states) for `train_network` that run each `Group`'s
    optimizer on its own parameters with its own hyperparameters.

    Every parameter of the network must be in exactly one group. Pass `{}`
    as train_network's hyperparameters: each group holds its own (a
    `schedule` does not reach them).
    """
    groups = [Group(*group) for group in groups]
    for group in groups:
        validate(group.step, group.hyperparams)

    def init_states(params):
        ids = [id(p) for group in groups for p in group.params]
        if len(set(ids)) != len(ids) or set(ids) != set(map(id, params)):
            raise ValueError(
                "every parameter must be in exactly one group: "
                f"{len(params)} parameters, {len(ids)} in the groups, "
                f"{len(set(ids))} different"
            )
        # each group's states and its own copy of its dict (its step
        # counter)
        return [
            (group.init_states(group.params), dict(group.hyperparams))
            for group in groups
        ]

    def step(params, states, hyperparams):
        for group, (group_states, group_hp) in zip(groups, states):
            group.step(group.params, group_states, group_hp)

    return step, init_states
