"""The from-scratch optimizers and their registry: each agrees with a
reference outside the project step for step in float64, every one is
registered, and none leans on its reference."""

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest
import torch

from utils import optimizers as O
from utils import references
from utils.checks import differences
from utils.hyperparams import REQUIRED, STEP_COUNTER, read_keys

STEPS, TOL = 250, 1e-10
PEERS = {
    "torch",
    "torch_optimizer",
    "lion_pytorch",
    "schedulefree",
}  # what a reference may come from


# name: the settings at which it must match its reference
# (references.TWINS, built with references.twin): one case with the defaults
# left out, so that the defaults are checked too, and one or more with
# non-default values
REFERENCES = {
    "sgd": [{}, {"lr": 0.05}],
    "sgd_momentum": [{"momentum": 0.9}, {"lr": 0.02, "momentum": 0.5}],
    "adagrad": [{"lr": 0.3}, {"lr": 0.1, "eps": 1e-6}],
    "rmsprop": [{"lr": 0.003}, {"lr": 0.01, "gamma": 0.9, "eps": 1e-6}],
    "adadelta": [{}, {"lr": 0.5, "rho": 0.8, "eps": 1e-4}],
    "adam": [
        {"lr": 0.02},
        {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6},
    ],
    "yogi": [
        {},
        {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-4},
    ],
    "amsgrad": [
        {"lr": 0.02},
        {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-7},
    ],
    "adamw": [
        {},
        {"lr": 0.01, "weight_decay": 0.3, "beta1": 0.8, "eps": 1e-6},
    ],
    "lion": [
        {},
        {"lr": 0.003, "beta1": 0.8, "beta2": 0.9, "weight_decay": 0.5},
        {"lr": 0.05, "beta1": 0.5},  # beta2 stays Lion's own 0.99
    ],
    # on a wide (4 x 8) and a tall (8 x 3) matrix: the learning rate is
    # scaled by the shape
    "muon": [
        {},
        {
            "lr": 0.02,
            "momentum": 0.9,
            "nesterov": False,
            "weight_decay": 0.05,
        },
        {"lr": 0.01, "weight_decay": 0.0, "ns_steps": 3, "eps": 1e-5},
    ],
    # at both points: y after each step, then x between eval() and train()
    "sf_adamw": [
        {},
        {
            "lr": 0.01,
            "beta1": 0.8,
            "beta2": 0.95,
            "eps": 1e-6,
            "weight_decay": 0.05,
            "warmup_steps": 20,
        },
        {"lr": 0.05, "warmup_steps": 1},
    ],
}
CASES = [(name, hp) for name, cases in REFERENCES.items() for hp in cases]


@pytest.mark.parametrize(
    "name, hyperparams", CASES, ids=[c[0] for c in CASES]
)
def test_matches_its_reference_step_for_step(name, hyperparams):
    spec = O.OPTIMIZERS[name]
    reference, _ = references.twin(name, hyperparams)
    gaps = differences(
        spec.step,
        spec.init_states,
        hyperparams,
        reference,
        steps=STEPS,
        problem="matrices" if spec.matrices else "linear",
        evaluation=spec.evaluation,
    )
    assert len(gaps) == STEPS
    assert max(gaps) < TOL, (
        f"{name} first differs at step "
        f"{np.argmax(np.array(gaps) >= TOL) + 1}"
    )


def test_every_registered_optimizer_has_an_outside_reference():
    assert list(REFERENCES) == list(O.OPTIMIZERS), (
        "add a reference case for each registered optimizer"
    )
    params = [torch.zeros(2, 2, dtype=torch.float64, requires_grad=True)]
    for name, cases in REFERENCES.items():
        assert len(cases) >= 2, (
            f"{name}: check its defaults and non-default values"
        )
        for hyperparams in cases:
            reference, _ = references.twin(name, hyperparams)
            module = type(reference(params)).__module__
            assert module.split(".")[0] in PEERS, (
                f"{name}: {module} is not torch.optim or a peer package"
            )


def _step_functions(module):
    """The module's public functions of the shape fn(params, states,
    hyperparams), and its init_* ones."""
    steps, inits = set(), set()
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if fn.__module__ != module.__name__ or name.startswith("_"):
            continue
        if name.startswith("init_"):
            inits.add(fn)
        elif list(inspect.signature(fn).parameters)[:3] == [
            "params",
            "states",
            "hyperparams",
        ]:
            steps.add(fn)
    return steps, inits


def test_every_from_scratch_function_is_registered():
    steps, inits = _step_functions(O)
    evaluations = {spec.evaluation for spec in O.OPTIMIZERS.values()}
    assert steps - evaluations == {
        spec.step for spec in O.OPTIMIZERS.values()
    }
    assert inits == {spec.init_states for spec in O.OPTIMIZERS.values()}
    for name, spec in O.OPTIMIZERS.items():
        assert (
            spec.step.__name__ == name
            and spec.init_states.__name__ == f"init_{name}_states"
        )


FORBIDDEN = (
    "torch.optim",
    "torch_optimizer",
    "lion_pytorch",
    "schedulefree",
)


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _leans_on_a_reference(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if a.name.startswith(FORBIDDEN)
            ]
        elif isinstance(node, ast.ImportFrom) and (
            node.module or ""
        ).startswith(FORBIDDEN):
            found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.module == "torch":
            found += [
                f"torch.{a.name}" for a in node.names if a.name == "optim"
            ]
        elif isinstance(node, ast.Attribute) and _dotted(node).startswith(
            FORBIDDEN
        ):
            found.append(_dotted(node))
    return found


# named, not globbed: a renamed file fails here instead of dropping out
FROM_SCRATCH = [Path(O.__file__), Path(O.__file__).parent / "schedules.py"]


@pytest.mark.parametrize("path", FROM_SCRATCH, ids=lambda p: p.name)
def test_no_from_scratch_code_calls_a_reference(path):
    assert _leans_on_a_reference(path.read_text(encoding="utf-8")) == []


def test_the_source_test_would_catch_a_cheat():
    cheats = [
        "import torch\ndef adam(params, states, hyperparams):\n    "
        "torch.optim.Adam(params).step()",
        "from torch.optim import Adam",
        "from torch.optim.adam import _single_tensor_adam",
        "import lion_pytorch",
        "from torch import optim",
    ]
    assert all(_leans_on_a_reference(cheat) for cheat in cheats)


def test_momentum_has_no_default():
    # torch.optim.SGD's momentum defaults to 0, which is plain SGD: the
    # course asks for a value instead
    assert O.OPTIMIZERS["sgd_momentum"].defaults["momentum"] is REQUIRED


def test_yogi_starts_its_accumulator_at_1e_6():
    ((v, s),) = O.init_yogi_states([torch.zeros(3, dtype=torch.float64)])
    assert v.tolist() == [0, 0, 0] and s.tolist() == [1e-6] * 3


COUNTED = [
    name
    for name, spec in O.OPTIMIZERS.items()
    if STEP_COUNTER in read_keys(spec.step)
]


def test_the_adam_family_keeps_a_step_counter():
    assert {"adam", "amsgrad", "yogi", "adamw", "sf_adamw"} <= set(COUNTED)


@pytest.mark.parametrize("name", COUNTED)
def test_step_counter_starts_at_1_and_advances(name):
    p = torch.ones(2, dtype=torch.float64, requires_grad=True)
    p.grad = torch.ones(2, dtype=torch.float64)
    hyperparams = {"lr": 0.1}
    spec = O.OPTIMIZERS[name]
    states = spec.init_states([p])
    spec.step([p], states, hyperparams)
    spec.step([p], states, hyperparams)
    assert hyperparams["t"] == 3


def test_adams_first_step_on_a_constant_gradient_is_lr():
    q = torch.ones(2, dtype=torch.float64, requires_grad=True)
    q.grad = torch.ones(2, dtype=torch.float64)
    O.adam([q], O.init_adam_states([q]), {"lr": 0.1})
    assert q.tolist() == pytest.approx([0.9, 0.9], abs=1e-7)


def test_registered_parts_keep_the_reading_order():
    assert list(O.registered("classic")) == [
        "sgd",
        "sgd_momentum",
        "adagrad",
        "rmsprop",
        "adadelta",
        "adam",
        "yogi",
        "amsgrad",
    ]
    assert list(O.registered("after_adam")) == [
        "adamw",
        "lion",
        "muon",
        "sf_adamw",
    ]
    assert list(O.registered()) == list(O.OPTIMIZERS)
    assert O.registered("no such part") == {}


def test_every_demo_and_setting_is_accepted_by_its_optimizer():
    from utils.hyperparams import validate

    for spec in O.OPTIMIZERS.values():
        if spec.demo is not None:
            validate(spec.step, spec.demo)
            assert spec.knob is None or spec.knob in spec.demo
        validate(spec.step, {"lr": 0.1, **spec.settings})


def _matrix(rows, cols, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g, dtype=torch.float64)


def test_muon_agrees_with_torch_to_the_bit():
    spec = O.OPTIMIZERS["muon"]
    for hyperparams in REFERENCES["muon"]:
        gaps = differences(
            spec.step,
            spec.init_states,
            hyperparams,
            references.twin("muon", hyperparams)[0],
            steps=STEPS,
            problem="matrices",
        )
        assert max(gaps) == 0.0, hyperparams


def test_muon_is_checked_on_a_wide_and_a_tall_matrix():
    from utils.checks import PROBLEMS

    (wide, tall), _ = PROBLEMS["matrices"](0)
    assert wide.shape[0] < wide.shape[1] and tall.shape[0] > tall.shape[1]


@pytest.mark.parametrize("shape", [(64, 64), (64, 5), (5, 64), (8, 3)])
def test_newton_schulz_brings_the_singular_values_near_1(shape):
    # singular values spread over two orders of magnitude
    u, _, vt = torch.linalg.svd(_matrix(*shape), full_matrices=False)
    spread = torch.logspace(0, -2, min(shape), dtype=torch.float64)
    G = u @ torch.diag(spread) @ vt
    singular = torch.linalg.svdvals(O.newton_schulz(G).double())
    # torch's coefficients trade exactness for speed: about 0.7 to 1.2,
    # not 1
    assert 0.6 < singular.min() and singular.max() < 1.25


def test_newton_schulz_works_in_bfloat16():
    assert O.newton_schulz(_matrix(6, 4)).dtype == torch.bfloat16


def test_muon_scales_a_tall_matrix_step_by_the_root_of_its_shape():
    # one step from a zero buffer without momentum: the step is lr *
    # sqrt(max(1, rows / cols)) * NS(g)
    for rows, cols in [(12, 3), (3, 12)]:
        p = torch.zeros(rows, cols, dtype=torch.float64, requires_grad=True)
        p.grad = _matrix(rows, cols)
        hp = {"lr": 0.1, "momentum": 0.0, "weight_decay": 0.0}
        O.muon([p], O.init_muon_states([p]), hp)
        expected = 0.1 * max(1, rows / cols) ** 0.5
        ns = O.newton_schulz(_matrix(rows, cols)).double()
        assert torch.allclose(-p.detach(), expected * ns, atol=1e-12)


def test_muon_keeps_an_exponential_average_not_a_sum():
    # torch's code: buf.lerp_(grad, 1 - momentum), although its docstring
    # writes B <- mu B + g
    p = torch.zeros(3, 2, dtype=torch.float64, requires_grad=True)
    p.grad = torch.ones(3, 2, dtype=torch.float64)
    states = O.init_muon_states([p])
    for _ in range(2):
        O.muon([p], states, {"momentum": 0.9})
    assert torch.allclose(states[0][0], torch.full((3, 2), 0.19).double())


def test_muon_refuses_a_bias_and_says_where_it_goes():
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b.grad = torch.ones(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="weight matrices only.*adamw"):
        O.muon([b], O.init_muon_states([b]), {})


@pytest.mark.parametrize("warmup_steps", [0, 1, 5, 40])
def test_sf_average_weight_is_the_packages(warmup_steps):
    # the package accumulates lr_max^2 (its weight_lr_power 2, r 0)
    lr, lr_max, weight_sum = 0.01, -1.0, 0.0
    for k in range(100):
        scheduled = lr * ((k + 1) / warmup_steps if k < warmup_steps else 1)
        lr_max = max(scheduled, lr_max)
        weight_sum += lr_max**2
        ours = O.sf_average_weight(k + 1, warmup_steps)
        assert ours == pytest.approx(lr_max**2 / weight_sum, rel=1e-12)


def test_sf_adamw_at_x_puts_back_exactly_the_training_point():
    y = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    z = torch.tensor([0.3, -0.7], dtype=torch.float64)
    before = y.detach().clone()
    states = [(z, torch.zeros(2, dtype=torch.float64))]
    with pytest.raises(RuntimeError):
        with O.sf_adamw_at_x([y], states, {"beta1": 0.8}):
            # x = (y - (1 - beta1) z) / beta1
            assert torch.allclose(y.detach(), (before - 0.2 * z) / 0.8)
            raise RuntimeError("the evaluation failed")
    assert torch.equal(y.detach(), before)


@pytest.mark.parametrize("shape", [(64, 64), (64, 5), (5, 64)])
def test_newton_schulz_is_torchs_bit_for_bit(shape):
    # the same bfloat16 operations in the same order: the same bits, so
    # muon agrees with torch.optim.Muon to float64 rounding (< 1e-15 over
    # the 250 steps of the reference cases)
    from torch.optim._muon import _zeropower_via_newtonschulz

    G = _matrix(*shape)
    for steps, eps in [(5, 1e-7), (3, 1e-5)]:
        theirs = _zeropower_via_newtonschulz(G, O.MUON_ABC, steps, eps)
        assert torch.equal(O.newton_schulz(G, steps, eps), theirs)


def test_muon_is_torchs_bit_for_bit_on_the_network_in_float32(airfoil_file):
    # the hidden matrix by ours or by torch.optim.Muon, the rest by
    # torch.optim.AdamW in both: the same bits after two epochs. Written as
    # p -= lr * s * Q.to(p.dtype), the last bit of a float32 weight
    # differs, flips a bfloat16 rounding in Newton-Schulz now and then, and
    # the two drift apart (7e-4 after 10 steps).
    from utils.data import get_data
    from utils.groups import muon_split
    from utils.networks import mlp
    from utils.training import squared_loss

    ours, theirs = mlp(), mlp()
    (hidden, rest), (their_hidden, their_rest) = map(
        muon_split, (ours, theirs)
    )
    states, hyperparams = O.init_muon_states(hidden), {"lr": 0.02}
    optimizers = [
        torch.optim.AdamW(rest, lr=0.02),
        torch.optim.Muon(their_hidden, lr=0.02),
        torch.optim.AdamW(their_rest, lr=0.02),
    ]
    data_iter = get_data(32)[0]
    for X, y in (batch for _ in range(2) for batch in data_iter):
        for net in (ours, theirs):
            net.zero_grad(set_to_none=True)
            squared_loss(net(X), y).mean().backward()
        O.muon(hidden, states, hyperparams)
        for optimizer in optimizers:
            optimizer.step()
    assert all(
        torch.equal(p, q)
        for p, q in zip(ours.parameters(), theirs.parameters())
    )
