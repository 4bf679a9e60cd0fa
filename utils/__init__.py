"""Shared machinery for the optimizer course: data, training loop, plots, reference optimizers."""
import torch

# The course's tensors are tiny (a 1500 x 5 table, batches of 10): extra threads only add
# synchronisation, and on a busy two-core machine they made small steps ten times slower.
torch.set_num_threads(1)

from .data import get_data, get_data_ch11, load_airfoil
from .training import History, squared_loss, train, train_ch11, train_concise, train_concise_ch11

__all__ = ["History", "get_data", "get_data_ch11", "load_airfoil", "squared_loss", "train",
           "train_ch11", "train_concise", "train_concise_ch11"]
