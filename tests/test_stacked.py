"""Many networks as one: each row of the stack is its network, in the
forward pass, in the gradient and in an optimizer's step."""

import pytest
import torch
from torch import nn

from utils import optimizers as O
from utils.networks import mlp
from utils.stacked import Stack

SEEDS = [0, 1, 2]


def nets(dtype=torch.float64, **kwargs):
    return [mlp(seed=seed, dtype=dtype, **kwargs) for seed in SEEDS]


def inputs(k, batch=7, dtype=torch.float64):
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(k, batch, 5, generator=generator, dtype=dtype)
    y = torch.randn(k, batch, generator=generator, dtype=dtype)
    return X, y


def test_each_row_is_its_network_in_the_forward_pass():
    networks = nets()
    stack = Stack(networks)
    X, _ = inputs(len(networks))
    out = stack(X)
    assert out.shape == (3, 7, 1) and stack.params.shape == (3, 4609)
    for k, net in enumerate(networks):
        assert torch.allclose(out[k], net(X[k]), atol=1e-13, rtol=0)


def test_each_row_of_the_gradient_is_its_networks_gradient():
    networks = nets()
    stack = Stack(networks)
    X, y = inputs(len(networks))
    stack.backward(((stack(X)[..., 0] - y) ** 2).mean(dim=1).sum())
    for k, net in enumerate(networks):
        ((net(X[k])[:, 0] - y[k]) ** 2).mean().backward()
        own = torch.cat(
            [
                t.reshape(-1)
                for m in net
                if isinstance(m, nn.Linear)
                for t in (m.weight.grad.T, m.bias.grad)
            ]
        )
        assert torch.allclose(stack.params.grad[k], own, atol=1e-13, rtol=0)


@pytest.mark.parametrize("name", ["sgd_momentum", "adam", "yogi"])
def test_one_elementwise_step_on_the_stack_is_each_networks_own_step(name):
    """Three steps with a learning rate per row, against each network
    stepped alone with its own learning rate."""
    spec = O.OPTIMIZERS[name]
    lrs = [0.1, 0.01, 0.001]
    networks = nets()
    stack = Stack(networks)
    params = [stack.rows(0, len(stack))]
    states = spec.init_states(params)
    hp = {
        **spec.settings,
        "lr": torch.tensor(lrs, dtype=torch.float64)[:, None],
    }
    X, y = inputs(len(networks))
    alone = []
    for net, lr in zip(networks, lrs):
        own = list(net.parameters())
        alone.append(
            (own, spec.init_states(own), {**spec.settings, "lr": lr})
        )
    for _ in range(3):
        stack.backward(((stack(X)[..., 0] - y) ** 2).mean(dim=1).sum())
        spec.step(params, states, hp)
        for k, (own, own_states, own_hp) in enumerate(alone):
            ((networks[k](X[k])[:, 0] - y[k]) ** 2).mean().backward()
            spec.step(own, own_states, own_hp)
            for p in own:
                p.grad = None
    for k, net in enumerate(networks):
        for p, q in zip(net.parameters(), stack.net(k).parameters()):
            assert torch.allclose(p, q, atol=1e-13, rtol=0)


def test_rows_are_views_with_their_gradient_rows():
    stack = Stack(nets())
    part = stack.rows(1, 3)
    assert part.shape == (2, 4609)
    assert part.data_ptr() == stack.params[1].data_ptr()
    assert part.grad.data_ptr() == stack.params.grad[1].data_ptr()
    with torch.no_grad():
        part += 1.0
    assert torch.equal(stack.params[1:], part)


def test_net_gives_back_each_network():
    networks = nets(hidden=8, depth=3)
    stack = Stack(networks)
    for k, net in enumerate(networks):
        back = stack.net(k)
        assert isinstance(back, nn.Sequential) and back is not net
        for p, q in zip(net.parameters(), back.parameters()):
            assert torch.equal(p, q)


def test_other_activations_and_depths_work():
    networks = [
        nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
        for _ in range(2)
    ]
    stack = Stack(networks)
    X, _ = inputs(2, dtype=torch.float32)
    for k, net in enumerate(networks):
        assert torch.allclose(stack(X)[k], net(X[k]), atol=1e-6)


@pytest.mark.parametrize(
    "networks, match",
    [
        ([], "at least one"),
        ([nn.Linear(5, 1)], "nn.Sequential"),
        ([mlp(), mlp(hidden=8)], "same shape"),
        ([nn.Sequential(nn.Linear(5, 1, bias=False))], "bias"),
        ([nn.Sequential(nn.Linear(5, 4), nn.LayerNorm(4))], "LayerNorm"),
    ],
)
def test_what_cannot_be_stacked_is_refused(networks, match):
    with pytest.raises(ValueError, match=match):
        Stack(networks)
