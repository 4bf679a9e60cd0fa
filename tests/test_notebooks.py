"""The committed notebooks: executed in order, free of errors, ending with a
plot, and showing the very optimizer and schedule code that
utils.optimizers and utils.schedules hold."""

import ast
import inspect
import tomllib
from pathlib import Path

import nbformat
import pytest

from utils import optimizers, schedules
from utils.checks import WIDTH

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def code_cells(path):
    return [
        c
        for c in nbformat.read(path, as_version=4).cells
        if c.cell_type == "code"
    ]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_executed_in_order(path):
    counts = [c.execution_count for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), (
        "run the notebook top to bottom (make execute)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_warnings_or_svg(path):
    for cell in code_cells(path):
        for out in cell.outputs:
            assert out.output_type != "error", (
                f"stored error in: {cell.source[:60]!r}"
            )
            assert not (
                out.output_type == "stream" and out.name == "stderr"
            ), f"stderr in: {cell.source[:60]!r}"
            assert "image/svg+xml" not in out.get("data", {}), (
                "figures must be PNG (nbval compares SVG text)"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_starts_with_a_title_and_ends_with_a_plot(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[
        0
    ].source.startswith("# ")
    last = code_cells(path)[-1]
    assert any(
        "image/png" in out.get("data", {}) for out in last.outputs
    ), "the last code cell must draw a plot"


def _functions(source: str):
    """The top-level function definitions of a cell, without docstrings, as
    comparable AST dumps."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            if ast.get_docstring(node) is not None:
                node.body = node.body[1:]
            found[node.name] = ast.dump(node)
    return found


REFERENCE = {
    name: _functions(inspect.getsource(fn))[name]
    for module in (optimizers, schedules)
    for name, fn in inspect.getmembers(module, inspect.isfunction)
    if fn.__module__ == module.__name__ and not name.startswith("_")
}


def test_the_shown_modules_do_not_share_a_function_name():
    names = [
        name
        for module in (optimizers, schedules)
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_")
    ]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_optimizer_code_shown_is_the_code_in_utils(path):
    """A notebook that defines a function utils.optimizers or
    utils.schedules also defines must define it identically."""
    for cell in code_cells(path):
        for name, dump in _functions(cell.source).items():
            if name in REFERENCE:
                assert dump == REFERENCE[name], (
                    f"{path.name}: {name} differs from its copy in utils"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_metadata_is_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, "widget state: run make execute"
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        assert "execution" not in cell.metadata, (
            "timestamps: run make execute"
        )


def test_the_notebooks_are_numbered_in_reading_order():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == sorted(set(numbers))
    for path in NOTEBOOKS:
        title = nbformat.read(path, as_version=4).cells[0].source
        assert title.startswith(f"# {int(path.name[:2])}. "), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_code_cell_checks_that_utils_is_the_course(path):
    first = code_cells(path)[0].source
    assert "optim_course.check_utils()" in first
    assert not any("utils" in line for line in first.split("\n")[:3])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_setup_cell_prints_nothing(path):
    assert code_cells(path)[0].outputs == [], "no machine-specific path"


def test_the_width_of_a_line_is_ruffs_line_length():
    # what the website shows without a horizontal scrollbar (pyproject.toml)
    pyproject = tomllib.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert pyproject["tool"]["ruff"]["line-length"] == WIDTH


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_lines_fit_the_page(path):
    for cell in code_cells(path):
        for out in cell.outputs:
            text = out.get("text", "") or out.get("data", {}).get(
                "text/plain", ""
            )
            if "image/png" in out.get("data", {}):
                continue  # a figure's repr is not shown beside its picture
            wide = [line for line in text.split("\n") if len(line) > WIDTH]
            assert not wide, f"{path.name}: {wide[0]!r} is over {WIDTH}"
