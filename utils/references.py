"""Reference optimizers from outside the course, starting where ours do.

The checks compare a from-scratch optimizer with a reference. Most
references are `torch.optim` classes, used as they are. A peer package
sometimes starts its state elsewhere than the published algorithm; the
functions here build such a reference with its state preset to the course's
start. The peers are optional: `pip install "optim-course[peers]"` (Colab,
Binder and the test environment have them).
"""

from __future__ import annotations

import torch

from .optimizers import OPTIMIZERS, YOGI_S0


def yogi(
    params,
    lr=1e-2,
    betas=(0.9, 0.999),
    eps=1e-3,
    s0=YOGI_S0,
    preset: bool = True,
):
    """torch_optimizer.Yogi from v = 0 and s = s0 (preset=False: left alone,
    it starts v at its initial accumulator s0 too)."""
    import torch_optimizer

    optimizer = torch_optimizer.Yogi(
        params, lr=lr, betas=betas, eps=eps, initial_accumulator=s0
    )
    if not preset:
        return optimizer
    for p in optimizer.param_groups[0]["params"]:
        optimizer.state[p] = {
            "step": 0,
            "exp_avg": torch.zeros_like(p),
            "exp_avg_sq": torch.full_like(p, s0),
        }
    return optimizer


def lion(params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    """lion_pytorch.Lion as it comes (its defaults: lr 1e-4, betas (0.9,
    0.99), weight_decay 0, multiplied by lr as in the paper); its momentum
    starts at 0, as ours."""
    import lion_pytorch

    return lion_pytorch.Lion(
        params, lr=lr, betas=betas, weight_decay=weight_decay
    )


def sf_adamw(
    params,
    lr=0.0025,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    warmup_steps=0,
):
    """schedulefree.AdamWScheduleFree in train mode (it starts in eval mode
    and refuses to step there): `.eval()` puts its parameters at the
    average x, `.train()` back at y."""
    import schedulefree

    optimizer = schedulefree.AdamWScheduleFree(
        params,
        lr=lr,
        betas=betas,
        eps=eps,
        weight_decay=weight_decay,
        warmup_steps=warmup_steps,
    )
    optimizer.train()
    return optimizer


# registered name: (reference, its name, fixed arguments, renamed keys)
TWINS = {
    "sgd": (torch.optim.SGD, "torch.optim.SGD", {}, {}),
    "sgd_momentum": (torch.optim.SGD, "torch.optim.SGD", {}, {}),
    "adagrad": (torch.optim.Adagrad, "torch.optim.Adagrad", {}, {}),
    "rmsprop": (
        torch.optim.RMSprop,
        "torch.optim.RMSprop",
        {},
        {"gamma": "alpha"},
    ),
    "adadelta": (torch.optim.Adadelta, "torch.optim.Adadelta", {}, {}),
    "adam": (torch.optim.Adam, "torch.optim.Adam", {}, {}),
    "yogi": (yogi, "torch_optimizer.Yogi", {}, {}),
    "amsgrad": (
        torch.optim.Adam,
        "torch.optim.Adam(amsgrad=True)",
        {"amsgrad": True},
        {},
    ),
    "adamw": (torch.optim.AdamW, "torch.optim.AdamW", {}, {}),
    "lion": (lion, "lion_pytorch.Lion", {}, {}),
    "muon": (torch.optim.Muon, "torch.optim.Muon", {}, {}),
    "sf_adamw": (sf_adamw, "schedulefree.AdamWScheduleFree", {}, {}),
}


def twin(name: str, hyperparams: dict):
    """The reference of registered optimizer `name`, with the course's
    `hyperparams` as its arguments: (factory of params, its name)."""
    if name not in TWINS:
        raise ValueError(
            f"no reference for {name!r}: add it to utils.references.TWINS"
        )
    cls, described, fixed, renamed = TWINS[name]
    kwargs = {renamed.get(k, k): v for k, v in hyperparams.items()}
    if "beta1" in kwargs or "beta2" in kwargs:  # one pair; the other half
        defaults = OPTIMIZERS[name].defaults  # is the optimizer's default
        kwargs["betas"] = (
            kwargs.pop("beta1", defaults["beta1"]),
            kwargs.pop("beta2", defaults["beta2"]),
        )
    return lambda params: cls(params, **fixed, **kwargs), described
