"""Every from-scratch optimizer agrees with its reference step for step, in float64."""
import numpy as np
import pytest
import torch

from utils import optimizers as O
from utils.checks import check_optimizer, check_value, differences

STEPS, TOL = 250, 1e-10

# (name, our hyperparameters, the torch.optim reference with the same settings); non-default values
CASES = [
    ("sgd", {"lr": 0.05}, lambda p: torch.optim.SGD(p, lr=0.05)),
    ("sgd_momentum", {"lr": 0.02, "momentum": 0.5}, lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.5)),
    ("sgd_momentum", {"lr": 0.01}, lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
    ("adagrad", {"lr": 0.1, "eps": 1e-6}, lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-6)),
    ("adagrad", {"lr": 0.3}, lambda p: torch.optim.Adagrad(p, lr=0.3)),
    ("rmsprop", {"lr": 0.01, "gamma": 0.9, "eps": 1e-6},
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6)),
    ("rmsprop", {"lr": 0.003}, lambda p: torch.optim.RMSprop(p, lr=0.003)),
    ("adam", {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6},
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.95), eps=1e-6)),
    ("adam", {"lr": 0.02}, lambda p: torch.optim.Adam(p, lr=0.02)),
    ("amsgrad", {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-7},
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.5, 0.9), eps=1e-7, amsgrad=True)),
    ("amsgrad", {"lr": 0.02}, lambda p: torch.optim.Adam(p, lr=0.02, amsgrad=True)),
]


@pytest.mark.parametrize("name, hyperparams, reference", CASES)
def test_matches_torch_optim_step_for_step(name, hyperparams, reference):
    fn, init = getattr(O, name), getattr(O, f"init_{name}_states")
    gaps = differences(fn, init, hyperparams, reference, steps=STEPS)
    assert len(gaps) == STEPS
    assert max(gaps) < TOL, f"{name} first differs at step {np.argmax(np.array(gaps) >= TOL) + 1}"


class PublishedYogi:
    """Yogi as published (Zaheer et al. 2018, Alg. 2, with Adam's bias correction as in d2l and
    TF Addons), transcribed independently in NumPy float64, from v = 0 and s = s0."""

    def __init__(self, params, lr, beta1, beta2, eps, s0):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, beta1, beta2, eps
        self.m = [np.zeros(p.shape) for p in params]
        self.v = [np.full(p.shape, s0) for p in params]
        self.t = 0

    def step(self):
        self.t += 1
        for i, p in enumerate(self.params):
            g = p.grad.detach().numpy().astype(np.float64)
            self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g
            self.v[i] = self.v[i] - (1 - self.b2) * np.sign(self.v[i] - g * g) * g * g
            m_hat = self.m[i] / (1 - self.b1**self.t)
            v_hat = self.v[i] / (1 - self.b2**self.t)
            new = p.detach().numpy() - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            with torch.no_grad():
                p.copy_(torch.from_numpy(new))


@pytest.mark.parametrize("hyperparams", [
    {"lr": 0.01},
    {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-4},
])
def test_yogi_matches_the_published_update(hyperparams):
    full = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-3, **hyperparams}
    reference = lambda p: PublishedYogi(p, full["lr"], full["beta1"], full["beta2"], full["eps"], O.YOGI_S0)
    gaps = differences(O.yogi, O.init_yogi_states, hyperparams, reference, steps=STEPS)
    assert max(gaps) < TOL


def test_yogi_starts_its_accumulator_at_1e_6():
    (v, s), = O.init_yogi_states([torch.zeros(3, dtype=torch.float64)])
    assert v.tolist() == [0, 0, 0] and s.tolist() == [1e-6] * 3


def test_the_check_would_catch_a_wrong_optimizer(capsys):
    """d2l's RMSprop puts eps inside the square root: a real, small difference the check must see."""
    def rmsprop_eps_inside(params, states, hyperparams):
        with torch.no_grad():
            for p, (s,) in zip(params, states):
                s[:] = 0.9 * s + 0.1 * p.grad**2
                p -= hyperparams["lr"] * p.grad / torch.sqrt(s + 1e-6)

    reference = lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6)
    gaps = differences(rmsprop_eps_inside, O.init_rmsprop_states, {"lr": 0.01}, reference, steps=50)
    assert max(gaps) > TOL
    check_optimizer(rmsprop_eps_inside, O.init_rmsprop_states, {"lr": 0.01}, reference,
                               name="RMSprop", hint="look at eps")
    out = capsys.readouterr().out
    assert out.startswith("FAIL: rmsprop_eps_inside differs from RMSprop at step 1") and "Hint: look at eps" in out


def test_check_reports_an_unfinished_exercise(capsys):
    def todo(params, states, hyperparams):
        raise NotImplementedError("write the update")

    check_optimizer(todo, O.init_sgd_states, {"lr": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1),
                    hint="x <- x - lr * g")
    assert "FAIL: todo is not implemented yet." in capsys.readouterr().out


def test_check_passes_a_correct_optimizer(capsys):
    check_optimizer(O.sgd, O.init_sgd_states, {"lr": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1),
                    name="torch.optim.SGD", steps=20)
    assert capsys.readouterr().out.startswith("PASS: sgd agrees with torch.optim.SGD")


@pytest.mark.parametrize("name", ["adam", "amsgrad", "yogi"])
def test_step_counter_starts_at_1_and_advances(name):
    p = torch.ones(2, dtype=torch.float64, requires_grad=True)
    p.grad = torch.ones(2, dtype=torch.float64)
    hyperparams = {"lr": 0.1}
    fn, states = getattr(O, name), getattr(O, f"init_{name}_states")([p])
    fn([p], states, hyperparams)
    fn([p], states, hyperparams)
    assert hyperparams["t"] == 3
    # with bias correction the first Adam step on a constant gradient is lr * g / (|g| + eps)
    if name == "adam":
        q = torch.ones(2, dtype=torch.float64, requires_grad=True)
        q.grad = torch.ones(2, dtype=torch.float64)
        fn([q], O.init_adam_states([q]), {"lr": 0.1})
        assert q.tolist() == pytest.approx([0.9, 0.9], abs=1e-7)


@pytest.mark.parametrize("bad, match", [
    ({"lr": 0}, "lr must be"), ({"lr": -0.1}, "lr must be"), ({"lr": float("nan")}, "lr must be"),
    ({"eps": 0}, "eps must be"), ({"beta1": 1.0}, "beta1 must be in"), ({"beta2": -0.1}, "beta2 must be in"),
    ({"momentum": 1}, "momentum must be in"), ({"gamma": 1.5}, "gamma must be in"),
    ({"betas": (0.9, 1.0)}, r"betas\[1\] must be in"), ({"t": 0}, "t is the step counter"),
])
def test_validate_hyperparams_names_the_argument(bad, match):
    with pytest.raises(ValueError, match=match):
        O.validate_hyperparams({"lr": 0.1, **bad})
    O.validate_hyperparams({"lr": 0.1, "beta1": 0.0, "momentum": 0.99, "custom": "ignored"})


@pytest.mark.parametrize("got, ok", [(0.5, True), (0.6, False), (None, False), ("x", False)])
def test_check_value(capsys, got, ok):
    check_value("eta", got, 0.5, tol=1e-9, hint="solve 1 - 2 eta = 0")
    out = capsys.readouterr().out
    assert out.startswith("PASS") == ok and ("Hint: solve" in out) != ok
