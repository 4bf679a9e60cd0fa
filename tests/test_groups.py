"""Optimizers on groups of parameters: Muon's split of a network, and
several from-scratch optimizers run as one."""

import pytest
import torch

from utils import optimizers as O
from utils.data import Batches, get_data
from utils.groups import Group, grouped, muon_split
from utils.networks import mlp
from utils.training import train_network


def _ids(params):
    return [id(p) for p in params]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_muon_gets_the_hidden_weight_matrices_and_nothing_else(depth):
    net = mlp(hidden=8, depth=depth)
    hidden, rest = muon_split(net)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert _ids(hidden) == _ids(m.weight for m in linears[1:-1])
    assert len(hidden) == depth - 1
    assert all(p.ndim == 2 and p.shape == (8, 8) for p in hidden)
    # the rest: every bias, the input and the output layer, in the
    # network's order
    assert _ids(rest) == [
        id(p) for p in net.parameters() if id(p) not in _ids(hidden)
    ]
    assert {id(linears[0].weight), id(linears[-1].weight)} <= set(
        _ids(rest)
    )
    assert sorted(_ids(hidden + rest)) == sorted(_ids(net.parameters()))


def _net_and_batch(dtype=torch.float64):
    net = mlp(hidden=8, depth=3, dtype=dtype)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(16, 5, generator=g, dtype=dtype)
    y = torch.randn(16, generator=g, dtype=dtype)
    return net, X, y


def _gradients(net, X, y):
    for p in net.parameters():
        p.grad = None
    ((net(X).squeeze(-1) - y) ** 2 / 2).mean().backward()


def test_each_group_uses_its_own_optimizer_and_hyperparameters():
    net, X, y = _net_and_batch()
    hidden, rest = muon_split(net)
    before = [p.detach().clone() for p in net.parameters()]
    step, init_states = grouped(
        [
            Group(hidden, O.sgd, O.init_sgd_states, {"lr": 0.1}),
            (rest, O.sgd, O.init_sgd_states, {"lr": 0.01}),
        ]
    )
    params = list(net.parameters())
    _gradients(net, X, y)
    grads = [p.grad.clone() for p in params]
    step(params, init_states(params), {})
    for p, p0, g in zip(params, before, grads):
        lr = 0.1 if any(p is h for h in hidden) else 0.01
        assert g.abs().max() > 0  # so that each group's step shows
        assert torch.allclose(p.detach(), p0 - lr * g, rtol=0, atol=1e-7)


@pytest.mark.parametrize("which", ["missing", "twice", "foreign"])
def test_every_parameter_must_be_in_exactly_one_group(which):
    net, _, _ = _net_and_batch()
    hidden, rest = muon_split(net)
    groups = {
        "missing": [(hidden, O.muon, O.init_muon_states, {})],
        "twice": [
            (hidden, O.muon, O.init_muon_states, {}),
            (rest + hidden[:1], O.adamw, O.init_adamw_states, {}),
        ],
        "foreign": [
            (hidden, O.muon, O.init_muon_states, {}),
            (rest + [torch.zeros(2)], O.adamw, O.init_adamw_states, {}),
        ],
    }[which]
    _, init_states = grouped(groups)
    with pytest.raises(ValueError, match="exactly one group"):
        init_states(list(net.parameters()))


def test_a_group_hyperparameter_is_validated_at_once():
    net, _, _ = _net_and_batch()
    hidden, rest = muon_split(net)
    with pytest.raises(ValueError, match="nesterov"):
        grouped([(hidden, O.muon, O.init_muon_states, {"nestrov": True})])


def test_muon_with_adamw_agrees_with_torch_optim_on_a_network():
    """Muon on the hidden matrices and AdamW on the rest, from scratch,
    against torch.optim.Muon and torch.optim.AdamW on the same split, in
    float64."""
    ours, X, y = _net_and_batch()
    theirs, _, _ = _net_and_batch()
    hidden, rest = muon_split(ours)
    step, init_states = grouped(
        [
            (hidden, O.muon, O.init_muon_states, {"lr": 0.02}),
            (rest, O.adamw, O.init_adamw_states, {"lr": 0.003}),
        ]
    )
    params = list(ours.parameters())
    states = init_states(params)
    their_hidden, their_rest = muon_split(theirs)
    references = [
        torch.optim.Muon(their_hidden, lr=0.02),
        torch.optim.AdamW(their_rest, lr=0.003),
    ]
    for _ in range(100):
        _gradients(ours, X, y)
        _gradients(theirs, X, y)
        step(params, states, {})
        for optimizer in references:
            optimizer.step()
    gap = max(
        (a - b).abs().max().item()
        for a, b in zip(ours.parameters(), theirs.parameters())
    )
    assert gap < 1e-10


def test_train_network_trains_the_groups_and_leaves_their_dicts_alone(
    airfoil_file,
):
    features, labels = get_data(32)[0].tensors
    muon_hp, adamw_hp = {"lr": 0.02}, {"lr": 0.003}

    def run():
        net = mlp()
        hidden, rest = muon_split(net)
        step, init_states = grouped(
            [
                (hidden, O.muon, O.init_muon_states, muon_hp),
                (rest, O.adamw, O.init_adamw_states, adamw_hp),
            ]
        )
        return train_network(
            net,
            step,
            init_states,
            {},
            Batches(features, labels, 32),
            num_epochs=2,
            plot=False,
        )

    first, second = run(), run()
    assert first.losses == second.losses
    assert first.losses[-1] < 0.2 < first.losses[0]
    # AdamW's step counter lives in the group's own copy
    assert muon_hp == {"lr": 0.02} and adamw_hp == {"lr": 0.003}
