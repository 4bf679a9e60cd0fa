"""The reference from-scratch optimizers, each `fn(params, states, hyperparams)`, and a range check.

Every optimizer updates the parameters in place from their `.grad` and leaves the
gradients alone: the training loop zeroes them, as it would for `torch.optim`.
`eps` sits outside the square root, where `torch.optim` puts it. Each function is written
to be read on its own: the notebooks show these very lines (a test keeps them identical).
A hyperparameter left out takes torch.optim's default (the paper's, for Yogi).
"""
from __future__ import annotations

import math

import torch

YOGI_S0 = 1e-6  # Yogi's initial second moment, as in the paper and optax / TF Addons (d2l uses 0)


def init_sgd_states(params):
    """SGD keeps no state."""
    return [() for _ in params]


def sgd(params, states, hyperparams):
    """Minibatch SGD: x <- x - lr * g."""
    lr = hyperparams.get("lr", 1e-3)
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def init_sgd_momentum_states(params):
    """Momentum keeps one velocity v = 0 per parameter."""
    return [(torch.zeros_like(p),) for p in params]


def sgd_momentum(params, states, hyperparams):
    """Momentum: v <- momentum * v + g; x <- x - lr * v."""
    lr, momentum = hyperparams.get("lr", 1e-3), hyperparams.get("momentum", 0.9)
    with torch.no_grad():
        for p, (v,) in zip(params, states):
            v[:] = momentum * v + p.grad
            p -= lr * v


def init_adagrad_states(params):
    """Adagrad keeps one sum of squared gradients s = 0 per parameter."""
    return [(torch.zeros_like(p),) for p in params]


def adagrad(params, states, hyperparams):
    """Adagrad: s <- s + g^2; x <- x - lr * g / (sqrt(s) + eps)."""
    lr, eps = hyperparams.get("lr", 1e-2), hyperparams.get("eps", 1e-10)
    with torch.no_grad():
        for p, (s,) in zip(params, states):
            s[:] = s + p.grad**2
            p -= lr * p.grad / (torch.sqrt(s) + eps)


def init_rmsprop_states(params):
    """RMSprop keeps one leaky average of squared gradients s = 0 per parameter."""
    return [(torch.zeros_like(p),) for p in params]


def rmsprop(params, states, hyperparams):
    """RMSprop: s <- gamma * s + (1 - gamma) * g^2; x <- x - lr * g / (sqrt(s) + eps)."""
    lr, gamma, eps = hyperparams.get("lr", 1e-2), hyperparams.get("gamma", 0.99), hyperparams.get("eps", 1e-8)
    with torch.no_grad():
        for p, (s,) in zip(params, states):
            s[:] = gamma * s + (1 - gamma) * p.grad**2
            p -= lr * p.grad / (torch.sqrt(s) + eps)


def init_adam_states(params):
    """Adam keeps a first moment v = 0 and a second moment s = 0 per parameter."""
    return [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]


def adam(params, states, hyperparams):
    """Adam: leaky averages v of g and s of g^2, bias-corrected by 1 - beta^t."""
    lr, eps = hyperparams.get("lr", 1e-3), hyperparams.get("eps", 1e-8)
    beta1, beta2 = hyperparams.get("beta1", 0.9), hyperparams.get("beta2", 0.999)
    t = hyperparams.setdefault("t", 1)
    with torch.no_grad():
        for p, (v, s) in zip(params, states):
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * p.grad**2
            v_hat = v / (1 - beta1**t)
            s_hat = s / (1 - beta2**t)
            p -= lr * v_hat / (torch.sqrt(s_hat) + eps)
    hyperparams["t"] = t + 1


def init_amsgrad_states(params):
    """AMSGrad keeps v, s and the running maximum s_max of s, all 0, per parameter."""
    return [(torch.zeros_like(p), torch.zeros_like(p), torch.zeros_like(p)) for p in params]


def amsgrad(params, states, hyperparams):
    """AMSGrad: Adam that divides by the running maximum of s (as torch.optim.Adam(amsgrad=True))."""
    lr, eps = hyperparams.get("lr", 1e-3), hyperparams.get("eps", 1e-8)
    beta1, beta2 = hyperparams.get("beta1", 0.9), hyperparams.get("beta2", 0.999)
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


def init_yogi_states(params):
    """Yogi keeps v = 0 and s = YOGI_S0 = 1e-6 per parameter."""
    return [(torch.zeros_like(p), torch.full_like(p, YOGI_S0)) for p in params]


def yogi(params, states, hyperparams):
    """Yogi: s <- s - (1 - beta2) * sign(s - g^2) * g^2; otherwise as Adam."""
    lr, eps = hyperparams.get("lr", 1e-2), hyperparams.get("eps", 1e-3)
    beta1, beta2 = hyperparams.get("beta1", 0.9), hyperparams.get("beta2", 0.999)
    t = hyperparams.setdefault("t", 1)
    with torch.no_grad():
        for p, (v, s) in zip(params, states):
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = s - (1 - beta2) * torch.sign(s - p.grad**2) * p.grad**2
            v_hat = v / (1 - beta1**t)
            s_hat = s / (1 - beta2**t)
            p -= lr * v_hat / (torch.sqrt(s_hat) + eps)
    hyperparams["t"] = t + 1


def validate_hyperparams(hyperparams: dict) -> None:
    """Raise a ValueError naming the argument if a known hyperparameter is out of range."""
    for key, value in hyperparams.items():
        if key in ("betas",):
            for i, beta in enumerate(value):
                _check_unit(f"betas[{i}]", beta)
        elif key in ("momentum", "gamma", "beta1", "beta2", "alpha", "dampening"):
            _check_unit(key, value)
        elif key in ("lr", "eps"):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{key} must be a finite number > 0, got {value!r}")
        elif key == "t":
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"t is the step counter and must be an integer >= 1, got {value!r}")


def _check_unit(name: str, value) -> None:
    if not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
