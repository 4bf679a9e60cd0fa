"""Run d2l's Adam and Yogi cells with d2l 1.0.3 itself and with the course.

    python tools/d2l_check.py --d2l-python build/d2l-venv/bin/python

d2l 1.0.3 pins old packages and imports torchvision, so it lives in its own
venv (`make d2l-check` builds it, with the CPU torch 2.13.0 that CI uses).
This script runs there once (`--side d2l`) and once here (`--side course`),
each time on d2l's chapter code (tests/d2l/chapter.py); then it prints a
table: the final losses, the data after standardisation, the time of a run.
It fails if `get_data_ch11`'s data differ from d2l's by more than 1e-4.

Two things are arranged for d2l, and said in the table: a stand-in
`torchvision` module (the CPU torchvision for torch 2.13 cannot be had here,
and the optimization code does not use it), and the verified data file at
`../data/`, where d2l's downloader looks first (no network needed).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-4


def stand_in_torchvision() -> None:
    """Register an empty `torchvision` (and `transforms`) for d2l."""
    vision = types.ModuleType("torchvision")
    vision.transforms = types.ModuleType("torchvision.transforms")
    vision.__stand_in__ = True
    sys.modules["torchvision"] = vision
    sys.modules["torchvision.transforms"] = vision.transforms


def run_cells(d2l, code: str) -> tuple[list[float], float]:
    """Run d2l's cells with `d2l` bound; return the losses and seconds."""
    import matplotlib

    matplotlib.use("Agg")
    import torch

    out = io.StringIO()
    namespace = {"__name__": "__main__", "torch": torch, "d2l": d2l}
    source = "\n".join(
        line for line in code.split("\n") if not line.startswith("%")
    )
    tic = time.perf_counter()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<d2l>", "exec"), namespace)
    seconds = time.perf_counter() - tic
    losses = re.findall(r"loss: ([\d.]+),", out.getvalue())
    return [float(x) for x in losses], seconds


def side(which: str, folder: Path) -> dict:
    """One side's losses (Adam, concise Adam, Yogi), data and time."""
    sys.path.insert(0, str(ROOT / "tests" / "d2l"))
    from chapter import ADAM

    if which == "d2l":
        stand_in_torchvision()
        from d2l import torch as d2l
    else:
        import utils as d2l
    data_iter, _ = d2l.get_data_ch11(batch_size=10)
    features, labels = (
        data_iter.dataset.tensors
        if hasattr(data_iter, "dataset")
        else data_iter.tensors
    )
    losses, seconds = run_cells(d2l, ADAM)
    table = [
        row + [label]
        for row, label in zip(features.tolist(), labels.tolist())
    ]
    (folder / f"{which}.json").write_text(
        json.dumps(table), encoding="utf-8"
    )
    return {
        "losses": losses,
        "seconds": seconds,
        "version": getattr(d2l, "__version__", ""),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--d2l-python", type=Path, help="python of the d2l venv"
    )
    parser.add_argument("--side", choices=["d2l", "course"])
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args(argv)
    if args.side:
        result = side(args.side, args.folder)
        args.folder.joinpath(f"{args.side}-result.json").write_text(
            json.dumps(result), encoding="utf-8"
        )
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        (Path(tmp) / "data").mkdir()
        work.mkdir()
        # where d2l.download looks first: ../data/airfoil_self_noise.dat
        shutil.copy(
            ROOT / "utils" / "airfoil" / "airfoil_self_noise.dat",
            Path(tmp) / "data",
        )
        for which, python in (
            ("d2l", args.d2l_python.absolute()),
            ("course", Path(sys.executable)),
        ):
            subprocess.run(
                [
                    str(python),
                    __file__,
                    "--side",
                    which,
                    "--folder",
                    str(work),
                ],
                cwd=work,
                check=True,
                env={
                    "PYTHONPATH": str(ROOT),
                    "PATH": "/usr/bin:/bin",
                    "HOME": tmp,
                },
            )
        result = {
            w: json.loads(
                (work / f"{w}-result.json").read_text(encoding="utf-8")
            )
            for w in ("d2l", "course")
        }
        tables = {
            w: json.loads((work / f"{w}.json").read_text(encoding="utf-8"))
            for w in ("d2l", "course")
        }
    gap = max(
        abs(a - b)
        for ra, rb in zip(tables["d2l"], tables["course"])
        for a, b in zip(ra, rb)
    )
    same_shape = len(tables["d2l"]) == len(tables["course"])
    names = ["Adam from scratch", "torch.optim.Adam", "Yogi from scratch"]
    lines = [
        "d2l's Adam and Yogi cells, run with d2l 1.0.3 (its own venv, "
        "torch",
        "2.13.0 CPU, a stand-in torchvision module, the verified data file",
        "placed where d2l looks) and with `import utils as d2l`:",
        "",
        "| | d2l 1.0.3 | the course |",
        "|---|---|---|",
    ]
    for i, name in enumerate(names):
        d, c = result["d2l"]["losses"][i], result["course"]["losses"][i]
        lines.append(f"| final loss, {name} | {d:.3f} | {c:.3f} |")
    lines += [
        f"| rows x columns of get_data_ch11's data | {len(tables['d2l'])} "
        "x 6 "
        f"| {len(tables['course'])} x 6 |",
        f"| largest difference of the standardised data | {gap:.1e} | |",
        f"| time of the three runs (s) | {result['d2l']['seconds']:.2f} "
        f"| {result['course']['seconds']:.2f} |",
    ]
    print("\n".join(lines))
    ok = same_shape and gap <= TOLERANCE
    print(
        f"\n{'PASS' if ok else 'FAIL'}: the data differ by {gap:.1e} "
        f"(limit {TOLERANCE:g})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
