"""Shared machinery for the optimizer course: data, training loop, plots, reference optimizers."""
from .data import get_data, get_data_ch11, load_airfoil
from .training import History, squared_loss, train, train_ch11, train_concise, train_concise_ch11

__all__ = ["History", "get_data", "get_data_ch11", "load_airfoil", "squared_loss", "train",
           "train_ch11", "train_concise", "train_concise_ch11"]
