"""What importing utils does to the process: one torch thread, and the start-up objects frozen."""
import gc
import sys

import torch

import utils  # noqa: F401


def test_import_freezes_the_startup_objects_and_leaves_the_collector_on():
    # torch, torch._dynamo (which torch.optim would import on its first step) and matplotlib
    # leave a few hundred thousand objects; frozen, no full collection walks them again.
    assert "torch._dynamo" in sys.modules and "matplotlib.pyplot" in sys.modules
    assert gc.get_freeze_count() > 100_000
    assert gc.isenabled()


def test_later_cycles_are_still_collected():
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    gc.collect()
    before = sum(isinstance(o, Node) for o in gc.get_objects())
    del a, b
    gc.collect()
    assert before == 2 and sum(isinstance(o, Node) for o in gc.get_objects()) == 0


def test_torch_runs_on_one_thread():
    assert torch.get_num_threads() == 1
