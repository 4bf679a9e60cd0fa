"""What importing utils does to the process: one torch thread, and the
start-up objects frozen."""

import gc
import sys

import torch

import utils  # noqa: F401


def test_import_freezes_the_startup_objects_and_leaves_the_collector_on():
    # torch, torch._dynamo (which torch.optim would import on its first
    # step) and matplotlib leave a few hundred thousand objects; frozen, no
    # full collection walks them again.
    assert (
        "torch._dynamo" in sys.modules
        and "matplotlib.pyplot" in sys.modules
    )
    assert gc.get_freeze_count() > 100_000
    assert gc.isenabled()


def test_the_collector_still_runs_on_its_own():
    # gc.collect() works even with the collector disabled, so count
    # automatic collections instead
    before = sum(generation["collections"] for generation in gc.get_stats())
    for _ in range(20_000):
        cycle = []
        cycle.append(cycle)
    assert (
        sum(generation["collections"] for generation in gc.get_stats())
        > before
    )


def test_torch_runs_on_one_thread():
    assert torch.get_num_threads() == 1
