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

import contextlib
import math
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


def init_adamw_states(params):
    """AdamW keeps Adam's v = 0 and s = 0."""
    return [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]


def adamw(params, states, hyperparams):
    """AdamW: shrink x by (1 - lr weight_decay), then Adam's step."""
    lr = hyperparams.get("lr", 1e-3)
    weight_decay = hyperparams.get("weight_decay", 1e-2)
    with torch.no_grad():
        for p in params:
            p *= 1 - lr * weight_decay
    adam(params, states, hyperparams)


def init_lion_states(params):
    """Lion keeps one momentum m = 0 per parameter."""
    return [(torch.zeros_like(p),) for p in params]


def lion(params, states, hyperparams):
    """Lion: a step of lr along the sign of an interpolation of m and g."""
    lr = hyperparams.get("lr", 1e-4)
    beta1 = hyperparams.get("beta1", 0.9)
    beta2 = hyperparams.get("beta2", 0.99)
    weight_decay = hyperparams.get("weight_decay", 0.0)
    with torch.no_grad():
        for p, (m,) in zip(params, states):
            p *= 1 - lr * weight_decay
            p -= lr * torch.sign(beta1 * m + (1 - beta1) * p.grad)
            m[:] = beta2 * m + (1 - beta2) * p.grad


# The coefficients of Muon's quintic Newton-Schulz iteration (Jordan et
# al.), as torch.optim.Muon uses them
MUON_ABC = (3.4445, -4.7750, 2.0315)


def newton_schulz(G, steps=5, eps=1e-7, dtype=torch.bfloat16):
    """About U V^T for G = U S V^T, by Muon's quintic iteration (in
    bfloat16 as torch.optim.Muon, unless `dtype` says otherwise)."""
    a, b, c = MUON_ABC
    X = G.to(dtype)
    if G.size(0) > G.size(1):  # work on the wide shape: X X^T is small
        X = X.T
    X = X / X.norm().clamp(min=eps)  # all singular values now <= 1
    for _ in range(steps):
        A = X @ X.T
        B = torch.addmm(A, A, A, beta=b, alpha=c)  # b A + c A A
        X = torch.addmm(X, B, X, beta=a)  # a X + B X
    if G.size(0) > G.size(1):
        X = X.T
    return X


def init_muon_states(params):
    """Muon keeps one momentum buffer B = 0 per weight matrix."""
    return [(torch.zeros_like(p),) for p in params]


def muon(params, states, hyperparams):
    """Muon, for 2-D weight matrices: momentum, orthogonalised."""
    lr = hyperparams.get("lr", 1e-3)
    weight_decay = hyperparams.get("weight_decay", 0.1)
    momentum = hyperparams.get("momentum", 0.95)
    nesterov = hyperparams.get("nesterov", True)
    ns_steps = hyperparams.get("ns_steps", 5)
    eps = hyperparams.get("eps", 1e-7)
    with torch.no_grad():
        for p, (B,) in zip(params, states):
            if p.ndim != 2:
                raise ValueError(
                    f"muon updates weight matrices only, not a tensor of "
                    f"shape {tuple(p.shape)}: give it to adamw"
                )
            B.lerp_(p.grad, 1 - momentum)  # B <- mu B + (1 - mu) g
            M = p.grad.lerp(B, momentum) if nesterov else B
            Q = newton_schulz(M, ns_steps, eps)  # bfloat16
            rows, cols = p.shape
            p *= 1 - lr * weight_decay
            # p - lr sqrt(max(1, rows / cols)) Q, in p's precision as torch
            p.add_(Q, alpha=-lr * math.sqrt(max(1, rows / cols)))


def init_sf_adamw_states(params):
    """Schedule-Free AdamW keeps z = x_1 (a copy of the start) and s = 0."""
    return [(p.detach().clone(), torch.zeros_like(p)) for p in params]


def sf_average_weight(t, warmup_steps=0):
    """c_t, the weight of z_t in the average x_t: lr_t^2 / (lr_1^2 + ... +
    lr_t^2), with lr_k = lr min(1, k / warmup_steps)."""
    w = warmup_steps
    if t <= w:  # lr_k grows as k: weights k^2, summing to t(t+1)(2t+1)/6
        return 6 * t / ((t + 1) * (2 * t + 1))
    return 1 / ((w + 1) * (2 * w + 1) / (6 * w) + t - w) if w else 1 / t


def sf_adamw(params, states, hyperparams):
    """Schedule-Free AdamW: Adam-scaled steps on z; the parameters hold y,
    between z and the average x of the z's."""
    lr, eps = hyperparams.get("lr", 0.0025), hyperparams.get("eps", 1e-8)
    beta1 = hyperparams.get("beta1", 0.9)
    beta2 = hyperparams.get("beta2", 0.999)
    weight_decay = hyperparams.get("weight_decay", 0.0)
    warmup_steps = hyperparams.get("warmup_steps", 0)
    t = hyperparams.setdefault("t", 1)
    if t <= warmup_steps:
        lr = lr * t / warmup_steps
    c = sf_average_weight(t, warmup_steps)
    with torch.no_grad():
        for y, (z, s) in zip(params, states):
            s[:] = beta2 * s + (1 - beta2) * y.grad**2
            u = y.grad / (torch.sqrt(s / (1 - beta2**t)) + eps)
            u += weight_decay * y  # decay, at y
            y[:] = (1 - c) * y + c * z - lr * (1 - beta1 * (1 - c)) * u
            z -= lr * u
    hyperparams["t"] = t + 1


@contextlib.contextmanager
def sf_adamw_at_x(params, states, hyperparams):
    """Inside, the parameters hold Schedule-Free's average x = (y - (1 -
    beta1) z) / beta1, where it is evaluated; then y again."""
    beta1 = hyperparams.get("beta1", 0.9)
    ys = [y.detach().clone() for y in params]
    with torch.no_grad():
        for y, (z, _) in zip(params, states):
            y[:] = (y - (1 - beta1) * z) / beta1
    try:
        yield
    finally:
        with torch.no_grad():
            for y, y_saved in zip(params, ys):
                y.copy_(y_saved)


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
    demo: dict | None
    settings: dict = field(
        default_factory=dict
    )  # what comparisons fix besides lr
    knob: str | None = (
        None  # the decay hyperparameter the explorer's second slider sets
    )
    symbol: str = ""  # how the notebooks write the knob
    # evaluation(params, states, hyperparams): a context manager inside
    # which the parameters hold the point to evaluate, for an optimizer
    # that trains at another point (Schedule-Free); None: where it trains
    evaluation: Callable | None = None
    # True: it updates 2-D weight matrices only (Muon); the other
    # parameters need another optimizer (utils.groups)
    matrices: bool = False

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
    "adamw": Spec(
        adamw,
        init_adamw_states,
        "AdamW",
        "after_adam",
        {"lr": 0.3, "beta1": 0.9, "weight_decay": 0.1},
        knob="beta1",
        symbol="β1",
    ),
    "lion": Spec(
        lion,
        init_lion_states,
        "Lion",
        "after_adam",
        {"lr": 0.1, "beta1": 0.9},
        knob="beta1",
        symbol="β1",
    ),
    # Muon updates weight matrices: no picture on the 2-D quadratic
    "muon": Spec(
        muon, init_muon_states, "Muon", "after_adam", None, matrices=True
    ),
    "sf_adamw": Spec(
        sf_adamw,
        init_sf_adamw_states,
        "Schedule-Free AdamW",
        "after_adam",
        {"lr": 0.3, "beta1": 0.9},
        knob="beta1",
        symbol="β1",
        evaluation=sf_adamw_at_x,
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
