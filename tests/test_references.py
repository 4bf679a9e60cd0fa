"""The references outside the course: every registered optimizer has one, it
takes the course's hyperparameter names, its defaults are the optimizer's,
and our wrappers of peer packages start where the course's optimizers do."""

import inspect

import lion_pytorch
import pytest
import schedulefree
import torch
import torch_optimizer

from utils import optimizers as O
from utils import references
from utils.checks import check_optimizer
from utils.hyperparams import REQUIRED

# references.TWINS holds each optimizer's reference and the keys it renames
# (betas is split into beta1, beta2); where the reference is our wrapper
# of a peer, the peer's own class holds the defaults
PEER_CLASSES = {
    "yogi": torch_optimizer.Yogi,
    "lion": lion_pytorch.Lion,
    "sf_adamw": schedulefree.AdamWScheduleFree,
}


def defaults_of(cls) -> dict:
    found = {
        k: p.default for k, p in inspect.signature(cls).parameters.items()
    }
    found["beta1"], found["beta2"] = found.get("betas", (None, None))
    return found


def test_every_optimizer_has_a_twin_for_its_defaults():
    assert set(references.TWINS) == set(O.OPTIMIZERS)


@pytest.mark.parametrize("name", list(references.TWINS))
def test_defaults_are_the_references_defaults(name):
    reference, _, _, rename = references.TWINS[name]
    theirs = defaults_of(PEER_CLASSES.get(name, reference))
    for key, default in O.OPTIMIZERS[name].defaults.items():
        if default is REQUIRED:
            continue
        assert default == theirs[rename.get(key, key)], f"{name}: {key}"


@pytest.mark.parametrize("name", list(PEER_CLASSES))
def test_our_wrappers_of_peers_keep_the_peers_defaults(name):
    wrapper, peer = (
        references.TWINS[name][0],
        defaults_of(PEER_CLASSES[name]),
    )
    for key, default in defaults_of(wrapper).items():
        if key in peer and key not in ("params", "s0"):
            assert default == peer[key], f"{name}: {key}"


@pytest.mark.parametrize("name", list(O.registered("classic")))
def test_every_classic_optimizer_has_a_twin_that_takes_our_names(
    name, capsys
):
    spec = O.OPTIMIZERS[name]
    hyperparams = {**spec.settings, "lr": 0.01}
    for key, value in (("gamma", 0.9), ("beta1", 0.8), ("eps", 1e-6)):
        if key in spec.defaults:
            hyperparams[key] = value
    reference, described = references.twin(name, hyperparams)
    check_optimizer(
        spec.step,
        spec.init_states,
        hyperparams,
        reference,
        name=described,
        steps=50,
    )
    assert capsys.readouterr().out.startswith("PASS")
    with pytest.raises(ValueError, match="TWINS"):
        references.twin("lion9", {})


def test_the_yogi_reference_starts_where_the_course_does():
    p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    preset = references.yogi([p], lr=0.01)
    assert preset.state[p]["exp_avg"].tolist() == [0.0] * 3
    assert preset.state[p]["exp_avg_sq"].tolist() == [O.YOGI_S0] * 3


def test_the_schedule_free_reference_is_ready_to_train():
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    p.grad = torch.ones(2, dtype=torch.float64)
    # schedulefree refuses to step in eval mode: the twin must be in train
    references.sf_adamw([p], lr=0.1).step()
    assert p.abs().sum().item() > 0
