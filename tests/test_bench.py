"""The benchmark script still runs (in quick mode); its numbers are not
asserted on."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_mode_writes_its_table(tmp_path, airfoil_file):
    out = tmp_path / "bench.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--quick",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    table = out.read_text()
    assert table in result.stdout
    for row in (
        "ratio `train()` / bare loop",
        "one epoch of `get_data(10)`",
        "network sweep, 2 optimizers x 2 lrs x 1 seeds",
        "the same 4 runs one after another (`train_network`)",
        "ratio one by one / batched",
        "past an optimizer's valley) | 4 of 4",
        "whole course",
    ):
        assert row in table
    assert table.count("| notebook `") == 1


def test_bare_loop_does_the_same_work_as_train(airfoil_file):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench

    assert (
        abs(bench.bare_adam_loop() - bench.course_train(plot=False)) < 1e-5
    )


def test_one_by_one_runs_are_the_sweeps_runs(airfoil_file):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench

    setting = {
        **bench.QUICK_SWEEP,
        "optimizers": ["sgd", "sgd_momentum"],
        "lrs": [0.01, 1e3],
    }
    result = bench.bench_sweep(1, setting)
    assert result["networks"] == 4 and result["agree"] == 4
    assert bench.one_by_one(setting)[0][0][1] == float("inf")
    assert bench.SWEEP["optimizers"] == list(bench.O.registered("classic"))
