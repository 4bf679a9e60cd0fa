"""Build the student edition of the course: what nbgrader releases, without
nbgrader.

Conventions (nbgrader's): a solution is the region between the lines `###
BEGIN SOLUTION` and `### END SOLUTION` of a code cell; it becomes nbgrader's
stub, `# YOUR CODE HERE` and `raise NotImplementedError()` (the `# Hint:`
line above the region stays). A markdown cell tagged `instructor` holds the
answer to a question; its text becomes nbgrader's `YOUR ANSWER HERE`.
Outputs, execution counts, timestamps and widget state are cleared. The
committed notebooks are only read, never written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from markers import BEGIN, CHECK_TAG, END, INSTRUCTOR_TAG

ROOT = Path(__file__).resolve().parents[1]
CODE_STUB = [
    "# YOUR CODE HERE",
    "raise NotImplementedError()",
]  # nbgrader's
TEXT_STUB = "YOUR ANSWER HERE"  # nbgrader's


class SolutionMarkerError(ValueError):
    """A solution region is not closed, or not opened."""


def stub_solutions(source: str, where: str = "") -> str:
    """Replace each solution region of a cell by nbgrader's stub."""
    out, inside = [], False
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise SolutionMarkerError(
                    f"{where}: line {number}: {BEGIN} inside another one"
                )
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub for stub in CODE_STUB]
        elif stripped == END:
            if not inside:
                raise SolutionMarkerError(
                    f"{where}: line {number}: {END} without {BEGIN}"
                )
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{where}: {BEGIN} is never closed")
    return "\n".join(out)


def is_exercise_code(cell) -> bool:
    """A code cell the student writes in, or one that checks their work."""
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and (
        BEGIN in cell.source or CHECK_TAG in tags
    )


def student_notebook(
    nb: nbformat.NotebookNode, name: str = "", keep_outputs: bool = False
) -> nbformat.NotebookNode:
    """Return the student edition of an instructor notebook (the input is
    not modified). With `keep_outputs`, the teaching cells keep theirs."""
    nb = nbformat.from_dict(nb)  # a deep copy
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if INSTRUCTOR_TAG in tags:
            cell.source = TEXT_STUB
            cell.metadata["tags"] = [t for t in tags if t != INSTRUCTOR_TAG]
        if cell.cell_type == "code":
            exercise = is_exercise_code(cell)
            cell.source = stub_solutions(
                cell.source, f"{name}, cell {index}"
            )
            if exercise or not keep_outputs:
                cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def build(sources: list[Path], out_dir: Path) -> list[Path]:
    """Write the student edition of each notebook to `out_dir` (nothing if
    one of them fails to convert); return the paths."""
    editions = [
        student_notebook(nbformat.read(path, as_version=4), path.name)
        for path in sources
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, nb in zip(sources, editions):
        nbformat.write(nb, out_dir / path.name)
        written.append(out_dir / path.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "student",
        help="default: student/",
    )
    args = parser.parse_args(argv)
    sources = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    try:
        for path in build(sources, args.out):
            print(f"wrote {path}")
    except SolutionMarkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
