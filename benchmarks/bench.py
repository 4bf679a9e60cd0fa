"""The course's performance benchmark: training loop overhead, data loader,
notebook execution.

python benchmarks/bench.py            # full: 7 rounds, every notebook 5
times, the network sweep 3 times each way (about 12 minutes)
python benchmarks/bench.py --quick    # one round, one notebook once, a
tiny sweep: checks the benchmark runs

Prints a Markdown table and writes it to build/bench.md (or --out). Not a
test: the numbers depend on the machine, so nothing here fails on a slow
one.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from utils import optimizers as O  # noqa: E402
from utils.data import get_data, load_airfoil, standardize  # noqa: E402
from utils.networks import mlp  # noqa: E402
from utils.sweep import sweep_network  # noqa: E402
from utils.training import (  # noqa: E402
    evaluates,
    init_linear,
    squared_loss,
    train,
    train_network,
)

TARGETS = {
    "train_ratio": 1.5,
    "course_seconds": 60.0,
    "notebook_seconds": 10.0,
}
# notebooks with a budget of their own: the network notebook trains ~100
# networks of 20 epochs
NOTEBOOK_SECONDS = {"10_networks.ipynb": 20.0}
# the network notebook's sweep: every classic optimizer, its six learning
# rates, seeds 0 and 1, 20 epochs of batch 32
SWEEP = {
    "optimizers": list(O.registered("classic")),
    "lrs": [10 ** (k / 2) for k in range(-6, 0)],
    "seeds": [0, 1],
    "num_epochs": 20,
}
QUICK_SWEEP = {
    "optimizers": ["sgd", "adam"],
    "lrs": [0.01, 0.1],
    "seeds": [0],
    "num_epochs": 1,
}


def bare_adam_loop(
    num_epochs: int = 2, batch_size: int = 10, lr: float = 0.01
) -> float:
    """The same work as train(adam, ...) written as a bare PyTorch loop;
    return the final loss.

    It shares the course's start, loss and evaluation schedule (so it does
    the same work), but not its loop, its History or its plot.
    """
    data = standardize(load_airfoil())[:1500]
    features, labels = data[:, :-1], data[:, -1]
    w, b = init_linear(features.shape[1])
    v = [torch.zeros_like(w), torch.zeros_like(b)]
    s = [torch.zeros_like(w), torch.zeros_like(b)]
    generator, n, t, loss = (
        torch.Generator().manual_seed(0),
        0,
        1,
        float("nan"),
    )
    for _ in range(num_epochs):
        order = torch.randperm(len(features), generator=generator)
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            X, y = features[index], labels[index]
            squared_loss(X @ w + b, y).mean().backward()
            with torch.no_grad():
                for p, vi, si in zip((w, b), v, s):
                    vi[:] = 0.9 * vi + 0.1 * p.grad
                    si[:] = 0.999 * si + 0.001 * p.grad**2
                    p -= (
                        lr
                        * (vi / (1 - 0.9**t))
                        / (torch.sqrt(si / (1 - 0.999**t)) + 1e-8)
                    )
                    p.grad = None
            t += 1
            before, n = n, n + len(index)
            if evaluates(before, n):
                with torch.no_grad():
                    loss = (
                        squared_loss(features @ w + b, labels).mean().item()
                    )
    return loss


def course_train(plot: bool = True) -> float:
    """One train() call: Adam from scratch, 2 epochs, batch 10, with the
    plot (closed after)."""
    data_iter, dim = get_data(10)
    history = train(
        O.adam,
        O.init_adam_states,
        {"lr": 0.01},
        data_iter,
        dim,
        num_epochs=2,
        plot=plot,
    )
    plt.close("all")
    return history.losses[-1]


def timed(fn, *args) -> float:
    tic = time.perf_counter()
    fn(*args)
    return time.perf_counter() - tic


def bench_reference(rounds: int) -> float:
    """A fixed pure-Python workload: how fast this machine is right now
    (shared machines drift)."""
    return statistics.median(
        timed(lambda: sum(i * i for i in range(1_000_000)))
        for _ in range(rounds)
    )


def bench_train(rounds: int) -> dict:
    """Alternate train() and the bare loop; return the medians and the
    median ratio."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        course_train(), bare_adam_loop()  # warm up: imports, first figure
        pairs = [
            (timed(course_train), timed(bare_adam_loop))
            for _ in range(rounds)
        ]
    ours, bare = zip(*pairs)
    return {
        "train": statistics.median(ours),
        "bare": statistics.median(bare),
        "ratio": statistics.median(a / b for a, b in pairs),
    }


def one_by_one(setting: dict) -> list[list[list[float]]]:
    """The sweep's runs done one after another with `train_network`: final
    losses [optimizer][seed][lr] (inf where a run diverged)."""
    import contextlib
    import io
    import warnings

    finals = []
    with (
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # diverging runs warn
        for name in setting["optimizers"]:
            spec = O.OPTIMIZERS[name]
            finals.append([])
            for seed in setting["seeds"]:
                finals[-1].append([])
                for lr in setting["lrs"]:
                    history = train_network(
                        mlp(seed=seed),
                        spec.step,
                        spec.init_states,
                        {**spec.settings, "lr": lr},
                        get_data(32, seed=seed)[0],
                        setting["num_epochs"],
                        plot=False,
                    )
                    finals[-1][-1].append(
                        float("inf")
                        if history.diverged or not history.losses
                        else history.losses[-1]
                    )
    return finals


def bench_sweep(rounds: int, setting: dict) -> dict:
    """Alternate the batched sweep and the same runs one by one; return the
    medians, the median ratio and how many final losses agree."""

    def batched():
        return sweep_network(
            setting["optimizers"],
            setting["lrs"],
            seeds=setting["seeds"],
            num_epochs=setting["num_epochs"],
        )

    batched()  # warm up
    pairs = []
    for _ in range(rounds):
        tic = time.perf_counter()
        sweeps = batched()
        middle = time.perf_counter()
        finals = one_by_one(setting)
        pairs.append((middle - tic, time.perf_counter() - middle))
    ours = [run for sweep in sweeps.values() for run in sweep.runs]
    theirs = [run for optimizer in finals for run in optimizer]
    agree = sum(
        a == b or abs(a - b) < 1e-4
        for mine, other in zip(ours, theirs)
        for a, b in zip(mine, other)
    )
    return {
        "networks": sum(len(run) for run in ours),
        "batched": statistics.median(b for b, _ in pairs),
        "one_by_one": statistics.median(o for _, o in pairs),
        "ratio": statistics.median(o / b for b, o in pairs),
        "agree": agree,
        "setting": setting,
    }


def bench_loader(rounds: int) -> dict:
    """One epoch of get_data(10) against slicing a pre-shuffled tensor, and
    torch's DataLoader."""
    data_iter, _ = get_data(10)
    features, labels = data_iter.tensors
    dataset = torch.utils.data.TensorDataset(features, labels)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=10, shuffle=True
    )

    def ours():
        for _ in data_iter:
            pass

    def sliced():
        order = torch.randperm(len(features))
        X, y = features[order], labels[order]
        for start in range(0, len(X), 10):
            X[start : start + 10], y[start : start + 10]

    def dataloader():
        for _ in loader:
            pass

    result = {}
    for name, fn in (
        ("get_data", ours),
        ("slicing", sliced),
        ("DataLoader", dataloader),
    ):
        fn()
        result[name] = statistics.median(timed(fn) for _ in range(rounds))
    return result


def tiny_notebook(folder: Path) -> Path:
    """A two-cell notebook (import the course, train once): what --quick
    times instead of the course."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from utils import get_data, train\nfrom utils.optimizers "
            "import adam, init_adam_states"
        ),
        nbformat.v4.new_code_cell(
            'train(adam, init_adam_states, {"lr": 0.01}, *get_data(10))'
        ),
    ]
    path = folder / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def time_notebook(path: Path) -> tuple[float, float]:
    """Run a notebook top to bottom in a fresh kernel; return the seconds
    from starting the kernel to the last cell's output (what a reader waits
    for), and with the kernel shut down."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    tic = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        last_output = time.perf_counter() - tic
    return last_output, time.perf_counter() - tic


def bench_notebooks(
    paths: list[Path], rounds: int
) -> tuple[dict, list, float]:
    """Time every notebook `rounds` times, round-robin (so a machine that
    slows for a minute slows every notebook alike), kernel start included;
    then the whole course two notebooks at a time (one per core, as `make
    test` runs nbval). Return {name: (last-output runs, with-shutdown
    runs)}, the reference timing taken before each run, and the
    two-at-a-time wall time."""
    from concurrent.futures import ThreadPoolExecutor

    from execute_notebooks import execute

    runs, speed = {path.name: ([], []) for path in paths}, []
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for path in paths:
            copies.append(Path(tmp) / path.name)
            shutil.copyfile(path, copies[-1])
        for _ in range(rounds):
            for copy in copies:
                speed.append(bench_reference(1))
                last_output, total = time_notebook(copy)
                runs[copy.name][0].append(last_output)
                runs[copy.name][1].append(total)
        tic = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(execute, copies))
        parallel = time.perf_counter() - tic
    return runs, speed, parallel


def table(
    reference: float,
    train_result: dict,
    loader: dict,
    sweep: dict,
    notebooks: dict,
    speed: list,
    parallel: float,
    rounds: int,
    notebook_rounds: int,
) -> str:
    """Format the results as Markdown, with targets."""

    def mark(ok):
        return "yes" if ok else "**no**"

    lines = [
        f"Measured {date.today().isoformat()} on {platform.machine()}, "
        f"{os.cpu_count()} cores, "
        f"Python {platform.python_version()}, torch {torch.__version__}; "
        f"medians of {rounds} rounds, "
        f"of {notebook_rounds} for each notebook.",
        "",
        "Notebooks: seconds from starting a fresh kernel to the last "
        "cell's output (the target is on",
        "this: what a reader waits for), then with the kernel shut down as "
        "well.",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        "| reference: a fixed pure-Python loop (machine speed) | "
        f"{reference * 1000:.0f} ms | | |",
        "| `train()` Adam, 2 epochs, batch 10, with plot | "
        f"{train_result['train'] * 1000:.0f} ms | | |",
        "| bare PyTorch loop, same work | "
        f"{train_result['bare'] * 1000:.0f} ms | | |",
        "| ratio `train()` / bare loop (median) | "
        f"{train_result['ratio']:.2f}x | <= {TARGETS['train_ratio']}x "
        f"| {mark(train_result['ratio'] <= TARGETS['train_ratio'])} |",
        f"| one epoch of `get_data(10)` | {loader['get_data'] * 1000:.1f} "
        "ms | | |",
        "| one epoch, slicing a pre-shuffled tensor | "
        f"{loader['slicing'] * 1000:.1f} ms | | |",
        "| ratio `get_data` / slicing | "
        f"{loader['get_data'] / loader['slicing']:.2f}x | | |",
        "| one epoch, `DataLoader(TensorDataset)`, for comparison | "
        f"{loader['DataLoader'] * 1000:.1f} ms | | |",
    ]
    setting, n = sweep["setting"], sweep["networks"]
    what = (
        f"{len(setting['optimizers'])} optimizers x {len(setting['lrs'])} "
        f"lrs x {len(setting['seeds'])} seeds, {setting['num_epochs']} "
        "epochs of batch 32"
    )
    lines += [
        f"| network sweep, {what}: `sweep_network`, batched | "
        f"{sweep['batched']:.1f} s | | |",
        f"| the same {n} runs one after another (`train_network`) | "
        f"{sweep['one_by_one']:.1f} s | | |",
        "| ratio one by one / batched (median of alternated rounds) | "
        f"{sweep['ratio']:.1f}x | | |",
        "| final losses that agree within 1e-4 (the others: chaotic runs, "
        f"past an optimizer's valley) | {sweep['agree']} of {n} | | |",
    ]
    if speed:
        lines.append(
            "| reference loop, before each notebook run | "
            f"{statistics.median(speed) * 1000:.0f} ms "
            f"(runs {min(speed) * 1000:.0f}–{max(speed) * 1000:.0f}) | | |"
        )
    for name, (last_output, total) in notebooks.items():
        limit = NOTEBOOK_SECONDS.get(name, TARGETS["notebook_seconds"])
        median, shutdown = (
            statistics.median(last_output),
            statistics.median(total),
        )
        lines.append(
            f"| notebook `{name}` | {median:.1f} s (runs "
            f"{min(last_output):.1f}–{max(last_output):.1f}); "
            f"{shutdown:.1f} s with shutdown | < {limit:.0f} s | "
            f"{mark(median < limit)} |"
        )
    if notebooks:
        total = sum(
            statistics.median(total) for _, total in notebooks.values()
        )
        lines.append(
            "| whole course, one after the other (sum of the medians, "
            f"with shutdown) | {total:.1f} s | | |"
        )
        lines.append(
            "| whole course, two at a time (one per core) | "
            f"{parallel:.1f} s "
            f"| <= {TARGETS['course_seconds']:.0f} s | "
            f"{mark(parallel <= TARGETS['course_seconds'])} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one round, and a two-cell notebook for the course's",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=7,
        help="rounds of the train() and loader timings",
    )
    parser.add_argument(
        "--notebook-rounds",
        type=int,
        default=5,
        help="runs of each notebook",
    )
    parser.add_argument(
        "--sweep-rounds",
        type=int,
        default=3,
        help="rounds of the network sweep, batched and one by one",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "build" / "bench.md"
    )
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    notebook_rounds = 1 if args.quick else args.notebook_rounds
    with tempfile.TemporaryDirectory() as tmp:
        notebooks = (
            [tiny_notebook(Path(tmp))]
            if args.quick
            else sorted((ROOT / "notebooks").glob("*.ipynb"))
        )
        result = table(
            bench_reference(rounds),
            bench_train(rounds),
            bench_loader(rounds),
            bench_sweep(
                1 if args.quick else args.sweep_rounds,
                QUICK_SWEEP if args.quick else SWEEP,
            ),
            *bench_notebooks(notebooks, notebook_rounds),
            rounds,
            notebook_rounds,
        )
    print(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(result)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
