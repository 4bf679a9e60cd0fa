"""Write nbgrader's cell metadata into the committed notebooks (`make
grading`).

The notebooks mark their exercises in the course's own way; this tool turns
that into nbgrader's metadata (schema 3), so that `nbgrader
generate_assignment` works on the committed notebooks with its default
settings:

- a markdown cell tagged `exercise` (the question): read-only;
- a code cell with a `### BEGIN SOLUTION` region: an autograded answer;
- a code cell tagged `check`: an autograded test, locked, CHECK_POINTS
  points;
- a markdown cell tagged `instructor` (the answer to a question): a manually
  graded answer, ANSWER_POINTS points, whose text is the solution.

Each cell's grade_id names its exercise, e.g. `ex2-check`. `--check` writes
nothing and fails if a notebook's metadata is not what this tool writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from markers import (
    BEGIN,
    CHECK_TAG,
    EXERCISE_TAG,
    EXERCISE_TITLE,
    INSTRUCTOR_TAG,
    tags,
)

ROOT = Path(__file__).resolve().parents[1]
CHECK_POINTS, ANSWER_POINTS = 2, 1


def _nbgrader(kind: str, grade_id: str) -> dict:
    """nbgrader's metadata for one kind of cell."""
    solution = kind in ("code", "answer")
    grade = kind in ("check", "answer")
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": kind in ("statement", "check"),
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = CHECK_POINTS if kind == "check" else ANSWER_POINTS
    return meta


def _kind(cell) -> str | None:
    marked = tags(cell)
    if cell.cell_type == "markdown" and INSTRUCTOR_TAG in marked:
        return "answer"
    if cell.cell_type == "markdown" and EXERCISE_TAG in marked:
        return "statement"
    if cell.cell_type == "code" and CHECK_TAG in marked:
        return "check"
    if cell.cell_type == "code" and BEGIN in cell.source:
        return "code"
    return None


def with_metadata(
    nb: nbformat.NotebookNode, name: str = ""
) -> nbformat.NotebookNode:
    """A copy of `nb` with nbgrader metadata on its exercise cells, and on
    no other."""
    nb = nbformat.from_dict(nb)
    exercise, seen = None, {}
    for cell in nb.cells:
        kind = _kind(cell)
        if kind == "statement":
            number = EXERCISE_TITLE.match(cell.source)
            exercise = number.group(1) if number else exercise
        if kind is None:
            cell.metadata.pop("nbgrader", None)
            continue
        if exercise is None:
            raise ValueError(
                f"{name}: a {kind} cell comes before any exercise"
            )
        grade_id = f"ex{exercise}-{kind}"
        seen[grade_id] = seen.get(grade_id, 0) + 1
        if seen[grade_id] > 1:
            grade_id += f"-{seen[grade_id]}"
        cell.metadata["nbgrader"] = _nbgrader(kind, grade_id)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="write nothing"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        new = with_metadata(nb, path.name)
        if [c.metadata for c in new.cells] != [
            c.metadata for c in nb.cells
        ]:
            stale.append(path)
            if not args.check:
                nbformat.write(new, path)
    for path in stale:
        state = "out of step" if args.check else "wrote nbgrader metadata"
        print(f"{state}: {path.name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
