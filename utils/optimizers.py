"""The from-scratch optimizers, each `fn(params, states, hyperparams)`, and
their registry.

Every optimizer updates the parameters in place from their `.grad` and
leaves the gradients alone: the training loop zeroes them, as it would for
`torch.optim`. `eps` sits where `torch.optim` puts it: outside the square
root, but inside both roots in Adadelta. Each function is written to be
read on its own: the notebooks show these very lines (a test keeps them
identical). A hyperparameter left out takes torch.optim's default (the
paper's, for Yogi); one read as `hyperparams["key"]` has no default and
must be given. The functions are the one place the defaults are written:
`OPTIMIZERS` reads them from the code (`utils.hyperparams`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from .hyperparams import STEP_COUNTER, read_keys

# Yogi's initial second moment, as in the paper and optax / TF Addons (d2l
# uses 0)
YOGI_S0 = 1e-6


def init_sgd_states(params):
    """SGD keeps no state."""
    return [() for _ in params]


def sgd(params, states, hyperparams):
    """Minibatch SGD: x <- x - lr g."""
    lr = hyperparams.get("lr", 1e-3)
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def init_sgd_momentum_states(params):
    """Momentum keeps one velocity v = 0 per parameter."""
    return [(torch.zeros_like(p),) for p in params]


def sgd_momentum(params, states, hyperparams):
    """Momentum: v <- momentum v + g; x <- x - lr v (momentum required)."""
    lr = hyperparams.get("lr", 1e-3)
    momentum = hyperparams["momentum"]
    with torch.no_grad():
        for p, (v,) in zip(params, states):
            v[:] = momentum * v + p.grad
            p -= lr * v


def init_adagrad_states(params):
    """Adagrad keeps one sum of squared gradients s = 0 per parameter."""
    return [(torch.zeros_like(p),) for p in params]


def adagrad(params, states, hyperparams):
    """Adagrad: s <- s + g^2; x <- x - lr g / (sqrt(s) + eps)."""
    lr, eps = hyperparams.get("lr", 1e-2), hyperparams.get("eps", 1e-10)
    with torch.no_grad():
        for p, (s,) in zip(params, states):
            s[:] = s + p.grad**2
            p -= lr * p.grad / (torch.sqrt(s) + eps)


def init_rmsprop_states(params):
    """RMSprop keeps one leaky average s = 0 of g^2 per parameter."""
    return [(torch.zeros_like(p),) for p in params]


def rmsprop(params, states, hyperparams):
    """RMSprop: s <- gamma s + (1 - gamma) g^2, then Adagrad's step."""
    lr, eps = hyperparams.get("lr", 1e-2), hyperparams.get("eps", 1e-8)
    gamma = hyperparams.get("gamma", 0.99)
    with torch.no_grad():
        for p, (s,) in zip(params, states):
            s[:] = gamma * s + (1 - gamma) * p.grad**2
            p -= lr * p.grad / (torch.sqrt(s) + eps)


def init_adadelta_states(params):
    """Adadelta keeps leaky averages s of g^2 and delta of the squared
    rescaled gradients, both 0."""
    return [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]


def adadelta(params, states, hyperparams):
    """Adadelta: x <- x - lr g', g' = sqrt(delta + eps) g / sqrt(s + eps)"""
    lr, eps = hyperparams.get("lr", 1.0), hyperparams.get("eps", 1e-6)
    rho = hyperparams.get("rho", 0.9)
    with torch.no_grad():
        for p, (s, delta) in zip(params, states):
            s[:] = rho * s + (1 - rho) * p.grad**2
            g = torch.sqrt(delta + eps) / torch.sqrt(s + eps) * p.grad
            delta[:] = rho * delta + (1 - rho) * g**2
            p -= lr * g


def init_adam_states(params):
    """Adam keeps a first moment v = 0 and a second moment s = 0."""
    return [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]


def adam(params, states, hyperparams):
    """Adam: leaky averages v of g, s of g^2, corrected by 1 - beta^t."""
    lr, eps = hyperparams.get("lr", 1e-3), hyperparams.get("eps", 1e-8)
    beta1 = hyperparams.get("beta1", 0.9)
    beta2 = hyperparams.get("beta2", 0.999)
    t = hyperparams.setdefault("t", 1)
    with torch.no_grad():
        for p, (v, s) in zip(params, states):
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * p.grad**2
            v_hat = v / (1 - beta1**t)
            s_hat = s / (1 - beta2**t)
            p -= lr * v_hat / (torch.sqrt(s_hat) + eps)
    hyperparams["t"] = t + 1


def init_yogi_states(params):
    """Yogi keeps v = 0 and s = YOGI_S0 = 1e-6 per parameter."""
    return [
        (torch.zeros_like(p), torch.full_like(p, YOGI_S0)) for p in params
    ]


def yogi(params, states, hyperparams):
    """Yogi: s <- s - (1 - beta2) sign(s - g^2) g^2; otherwise Adam."""
    lr, eps = hyperparams.get("lr", 1e-2), hyperparams.get("eps", 1e-3)
    beta1 = hyperparams.get("beta1", 0.9)
    beta2 = hyperparams.get("beta2", 0.999)
    t = hyperparams.setdefault("t", 1)
    with torch.no_grad():
        for p, (v, s) in zip(params, states):
            g2 = p.grad**2
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = s - (1 - beta2) * torch.sign(s - g2) * g2
            v_hat = v / (1 - beta1**t)
            s_hat = s / (1 - beta2**t)
            p -= lr * v_hat / (torch.sqrt(s_hat) + eps)
    hyperparams["t"] = t + 1


def init_amsgrad_states(params):
    """AMSGrad keeps v, s and the running maximum s_max of s, all 0."""
    return [
        (torch.zeros_like(p), torch.zeros_like(p), torch.zeros_like(p))
        for p in params
    ]


def amsgrad(params, states, hyperparams):
    """AMSGrad: Adam that divides by the running maximum of s."""
    lr, eps = hyperparams.get("lr", 1e-3), hyperparams.get("eps", 1e-8)
    beta1 = hyperparams.get("beta1", 0.9)
    beta2 = hyperparams.get("beta2", 0.999)
    t = hyperparams.setdefault("t", 1)
    with torch.no_grad():
        for p, (v, s, s_max) in zip(params, states):
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * p.grad**2
            s_max[:] = torch.maximum(s_max, s)
            v_hat = v / (1 - beta1**t)
            s_hat = s_max / (1 - beta2**t)
            p -= lr * v_hat / (torch.sqrt(s_hat) + eps)
    hyperparams["t"] = t + 1


@dataclass(frozen=True)
class Spec:
    """One registered optimizer: its two functions and what the course's
    tools need to know."""

    step: Callable  # fn(params, states, hyperparams)
    # init_states(params) -> one tuple of state tensors per parameter
    init_states: Callable
    label: str  # how figures and tables name it
    # "classic": d2l's chapter, compared on the linear model; "after_adam":
    # later
    part: str
    # readable settings on the 2-D quadratic, the explorer's starting point
    demo: dict
    settings: dict = field(
        default_factory=dict
    )  # what comparisons fix besides lr
    knob: str | None = (
        None  # the decay hyperparameter the explorer's second slider sets
    )
    symbol: str = ""  # how the notebooks write the knob

    @property
    def defaults(self) -> dict:
        """Every hyperparameter the step reads, with its default (REQUIRED
        if none), `t` aside."""
        keys = read_keys(self.step)
        if keys is None:
            raise TypeError(
                f"cannot read the hyperparameters of {self.step.__name__}"
            )
        return {
            key: value for key, value in keys.items() if key != STEP_COUNTER
        }


# The course's optimizers, in reading order.
OPTIMIZERS: dict[str, Spec] = {
    "sgd": Spec(sgd, init_sgd_states, "SGD", "classic", {"lr": 0.4}),
    "sgd_momentum": Spec(
        sgd_momentum,
        init_sgd_momentum_states,
        "momentum",
        "classic",
        {"lr": 0.2, "momentum": 0.5},
        settings={"momentum": 0.9},
        knob="momentum",
        symbol="β",
    ),
    "adagrad": Spec(
        adagrad, init_adagrad_states, "Adagrad", "classic", {"lr": 2.0}
    ),
    "rmsprop": Spec(
        rmsprop,
        init_rmsprop_states,
        "RMSprop",
        "classic",
        {"lr": 0.4, "gamma": 0.9},
        knob="gamma",
        symbol="γ",
    ),
    "adadelta": Spec(
        adadelta,
        init_adadelta_states,
        "Adadelta",
        "classic",
        {"lr": 1.0, "rho": 0.9},
        knob="rho",
        symbol="ρ",
    ),
    "adam": Spec(
        adam,
        init_adam_states,
        "Adam",
        "classic",
        {"lr": 0.3, "beta1": 0.9},
        knob="beta1",
        symbol="β1",
    ),
    "yogi": Spec(
        yogi,
        init_yogi_states,
        "Yogi",
        "classic",
        {"lr": 0.3, "beta1": 0.9},
        knob="beta1",
        symbol="β1",
    ),
    "amsgrad": Spec(
        amsgrad,
        init_amsgrad_states,
        "AMSGrad",
        "classic",
        {"lr": 0.3, "beta1": 0.9},
        knob="beta1",
        symbol="β1",
    ),
}


def registered(part: str | None = None) -> dict[str, Spec]:
    """The registered optimizers of one part of the course (all of them if
    `part` is None)."""
    return {
        name: spec
        for name, spec in OPTIMIZERS.items()
        if part is None or spec.part == part
    }
