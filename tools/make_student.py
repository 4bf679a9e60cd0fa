"""Build the student edition of the course: solutions stubbed, outputs cleared, instructor cells removed.

Conventions (the same as nbgrader's): a solution is the region between the lines
`### BEGIN SOLUTION` and `### END SOLUTION` of a code cell; a `# Hint: ...` line just above
it becomes the stub's message. Cells tagged `instructor` are removed. The committed
notebooks are only read, never written.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
INSTRUCTOR_TAG = "instructor"
DEFAULT_HINT = "write your solution here"


class SolutionMarkerError(ValueError):
    """A solution region is not closed, or not opened."""


def stub_solutions(source: str, where: str = "") -> str:
    """Replace every solution region of a cell's source by `raise NotImplementedError(hint)`."""
    lines, out, inside, hint = source.splitlines(), [], False, DEFAULT_HINT
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise SolutionMarkerError(f"{where}: line {number}: {BEGIN} inside another solution")
            inside = True
            match = re.match(r"#\s*Hint:\s*(.+)", out[-1].strip()) if out else None
            hint = match.group(1).strip() if match else DEFAULT_HINT
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}raise NotImplementedError({hint!r})")
        elif stripped == END:
            if not inside:
                raise SolutionMarkerError(f"{where}: line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{where}: {BEGIN} is never closed by {END}")
    return "\n".join(out)


def student_notebook(nb: nbformat.NotebookNode, name: str = "") -> nbformat.NotebookNode:
    """Return the student edition of an instructor notebook (the input is not modified)."""
    nb = nbformat.from_dict(nb)  # a deep copy
    cells = []
    for index, cell in enumerate(nb.cells):
        if INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source = stub_solutions(cell.source, f"{name}, cell {index}")
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        cells.append(cell)
    nb.cells = cells
    return nb


def build(sources: list[Path], out_dir: Path) -> list[Path]:
    """Write the student edition of each notebook in `sources` to `out_dir`; return the paths."""
    editions = [student_notebook(nbformat.read(path, as_version=4), path.name) for path in sources]
    out_dir.mkdir(parents=True, exist_ok=True)  # only once every notebook converted cleanly
    written = []
    for path, nb in zip(sources, editions):
        nbformat.write(nb, out_dir / path.name)
        written.append(out_dir / path.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="default: student/")
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
