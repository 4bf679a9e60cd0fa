"""The course's MLP: its shape, its seeded start, and that it learns."""

import torch

from utils import optimizers as O
from utils.data import get_data
from utils.networks import linear_share, mlp
from utils.training import train_network


def test_shape_and_depth():
    net = mlp(feature_dim=5, hidden=8, depth=3)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (5, 8),
        (8, 8),
        (8, 8),
        (8, 1),
    ]
    assert sum(isinstance(m, torch.nn.Tanh) for m in net) == 3
    assert net(torch.zeros(4, 5)).shape == (4, 1)


def test_the_start_is_seeded_and_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a, b, c = mlp(seed=1), mlp(seed=1), mlp(seed=2)
    assert torch.rand(3).tolist() == expected.tolist()
    assert all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters())
    )
    assert not torch.equal(a[0].weight, c[0].weight)
    assert mlp(dtype=torch.float64)[0].weight.dtype == torch.float64


def test_adam_from_scratch_trains_it_below_the_linear_floor(airfoil_file):
    history = train_network(
        mlp(),
        O.adam,
        O.init_adam_states,
        {"lr": 0.003},
        get_data(32)[0],
        num_epochs=20,
        plot=False,
    )
    assert history.losses[-1] < 0.10  # the linear floor is 0.2417


def test_linear_share_is_one_for_a_linear_net_and_less_for_a_bent_one():
    features = torch.randn(
        200, 5, generator=torch.Generator().manual_seed(0)
    )
    linear = torch.nn.Linear(5, 1)
    assert abs(linear_share(linear, features) - 1.0) < 1e-9
    net = mlp(hidden=8, depth=1)
    with torch.no_grad():
        net[0].weight *= 20  # saturate the tanh units: far from linear
    assert 0.0 < linear_share(net, features) < 0.9
    # one feature through a tanh: the share is the squared correlation
    x = features[:, :1]
    r = torch.corrcoef(torch.cat([x, torch.tanh(3 * x)], 1).T)[0, 1]
    share = linear_share(lambda X: torch.tanh(3 * X), x)
    assert abs(share - r.item() ** 2) < 1e-6
