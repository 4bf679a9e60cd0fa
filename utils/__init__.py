"""Shared machinery for the optimizer course: data, training loop, plots,
reference optimizers."""

import gc

import matplotlib.pyplot  # noqa: F401  (every notebook draws)
import torch

# torch.optim imports torch._dynamo (and sympy with it) on any optimizer's
# first step. Import it here instead, with the garbage collector paused,
# then freeze every object so far: the ~400,000 objects of torch,
# torch._dynamo and matplotlib live as long as the kernel, and walking them
# in each full collection, and again when the kernel exits, cost about 3 s a
# notebook. Cycles created later, by the notebook, are collected as usual.
gc.disable()
try:
    import torch._dynamo
finally:
    gc.freeze()
    gc.enable()

# The course's tensors are tiny (a 1500 x 5 table, batches of 10): extra
# threads only add synchronisation, and on a busy two-core machine they made
# small steps ten times slower.
torch.set_num_threads(1)

from torch import zeros  # noqa: E402  (d2l.zeros, for d2l's state initialisers)

from .data import get_data, get_data_ch11, load_airfoil  # noqa: E402
from .training import (  # noqa: E402
    History,
    squared_loss,
    train,
    train_ch11,
    train_concise,
    train_concise_ch11,
    train_network,
    train_network_concise,
)

__all__ = [
    "History",
    "get_data",
    "get_data_ch11",
    "load_airfoil",
    "squared_loss",
    "train",
    "train_ch11",
    "train_concise",
    "train_concise_ch11",
    "train_network",
    "train_network_concise",
    "zeros",
]
