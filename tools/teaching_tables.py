"""Write TEACHING.md's tables from the notebooks (`make teaching`).

Two tables sit in TEACHING.md between markers: the exercises of each
notebook with their points (as tools/grading_metadata.py gives them), and an
estimate of the time in class, from each notebook's words, code and
exercises:

- reading: the words of the markdown cells at READING words a minute;
- running: RUN_CELL minutes a code cell, plus a minute per CODE_LINES lines;
- exercises: SELF_CHECK minutes a self-checking one, QUESTION a question.

Each figure is rounded up to 5 minutes. `--check` writes nothing and fails
if TEACHING.md's tables are not the ones the notebooks give (tests run it).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import nbformat
from markers import EXERCISE_TAG, EXERCISE_TITLE, INSTRUCTOR_TAG, tags

ROOT = Path(__file__).resolve().parents[1]
READING, RUN_CELL, CODE_LINES = 100, 0.5, 20
SELF_CHECK, QUESTION = 12, 6
BLOCKS = ("exercises", "times")


def exercises(nb) -> list[tuple[str, bool, int]]:
    """(title, self-checking?, points) for each exercise of a notebook."""
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        title = EXERCISE_TITLE.match(cell.source)
        if EXERCISE_TAG in tags(cell) and title:
            name = title.group(2).replace(" (self-checking)", "")
            found.append([name, "self-checking" in title.group(2), 0])
        elif found and meta.get("grade"):
            found[-1][2] += meta["points"]
    return [tuple(e) for e in found]


def minutes(nb) -> tuple[int, int]:
    """(reading and running, exercises), in minutes, rounded up to 5."""
    words = sum(
        len(c.source.split())
        for c in nb.cells
        if c.cell_type == "markdown"
        and not {EXERCISE_TAG, INSTRUCTOR_TAG} & set(tags(c))
    )
    code = [c for c in nb.cells if c.cell_type == "code"]
    lines = sum(len(c.source.split("\n")) for c in code)
    read = words / READING + RUN_CELL * len(code) + lines / CODE_LINES
    work = sum(
        SELF_CHECK if checked else QUESTION
        for _, checked, _ in exercises(nb)
    )
    return 5 * math.ceil(read / 5), 5 * math.ceil(work / 5)


def title(nb) -> str:
    return nb.cells[0].source.split("\n")[0].lstrip("# ").strip()


def tables(paths: list[Path]) -> dict[str, str]:
    """The two tables, as Markdown."""
    ex = [
        "| notebook | exercises: points (self-checking ones in bold) |",
        "|---|---|",
    ]
    tm = ["| notebook | reading and running | exercises |", "|---|---|---|"]
    total = [0, 0]
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        items = [
            f"**{name}**: {points}" if checked else f"{name}: {points}"
            for name, checked, points in exercises(nb)
        ]
        ex.append(f"| {title(nb)} | {'; '.join(items)} |")
        read, work = minutes(nb)
        total = [total[0] + read, total[1] + work]
        tm.append(f"| {title(nb)} | {read} min | {work} min |")
    tm.append(f"| all | {total[0] / 60:.1f} h | {total[1] / 60:.1f} h |")
    return {"exercises": "\n".join(ex), "times": "\n".join(tm)}


def stamp(text: str, paths: list[Path]) -> str:
    """TEACHING.md's text with both tables brought up to date."""
    for name, table in tables(paths).items():
        start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
        pattern = re.compile(
            re.escape(start) + ".*?" + re.escape(end), re.S
        )
        if not pattern.search(text):
            raise SystemExit(f"TEACHING.md has no {start} ... {end} block")
        block = f"{start}\n{table}\n{end}"
        text = pattern.sub(lambda _, b=block: b, text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing"
    )
    args = parser.parse_args(argv)
    path = ROOT / "TEACHING.md"
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    text = path.read_text(encoding="utf-8")
    new = stamp(text, paths)
    if new == text:
        return 0
    if args.check:
        print("TEACHING.md's tables are out of step: run make teaching")
        return 1
    path.write_text(new, encoding="utf-8")
    print("wrote TEACHING.md's tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
