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

from .optimizers import YOGI_S0


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
