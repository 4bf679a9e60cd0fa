"""The student edition: solutions stubbed, outputs cleared, instructor cells gone, and it runs."""
import hashlib
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_stub_keeps_the_hint_and_the_code_around_it():
    source = "def f(x):\n    y = 1\n    # Hint: add one\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\nprint(2)"
    assert make_student.stub_solutions(source) == (
        "def f(x):\n    y = 1\n    # Hint: add one\n    raise NotImplementedError('add one')\n\nprint(2)")


@pytest.mark.parametrize("source", ["### BEGIN SOLUTION\nx = 1", "x = 1\n### END SOLUTION",
                                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"])
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(make_student.SolutionMarkerError):
        make_student.stub_solutions(source, "nb.ipynb, cell 3")


def test_nothing_is_written_when_one_notebook_is_broken(tmp_path):
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")])
    nbformat.write(broken, tmp_path / "zz_broken.ipynb")
    out = tmp_path / "student"
    assert make_student.main([*map(str, NOTEBOOKS), str(tmp_path / "zz_broken.ipynb"), "--out", str(out)]) == 1
    assert not out.exists()


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in NOTEBOOKS}
    out = tmp_path_factory.mktemp("student")
    assert make_student.main(["--out", str(out)]) == 0
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in NOTEBOOKS}, "committed notebooks changed"
    return out


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_a_self_checking_exercise(path):
    cells = nbformat.read(path, as_version=4).cells
    assert any(make_student.BEGIN in c.source for c in cells if c.cell_type == "code")
    assert any("check" in _tags(c) for c in cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_teaches_rather_than_breaks(edition, path):
    instructor = nbformat.read(path, as_version=4)
    nb = nbformat.read(edition / path.name, as_version=4)
    assert not any(make_student.INSTRUCTOR_TAG in _tags(c) for c in nb.cells)
    assert len(nb.cells) == len(instructor.cells) - sum(make_student.INSTRUCTOR_TAG in _tags(c) for c in instructor.cells)
    for cell in nb.cells:
        assert "SOLUTION" not in cell.source, "a solution marker leaked into the student edition"
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None

    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(edition)}}).execute()
    first_exercise = next(i for i, c in enumerate(nb.cells) if "raise NotImplementedError(" in c.source)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        if i < first_exercise:
            assert not errors, f"cell {i} fails before the first exercise: {errors[0].ename}: {errors[0].evalue}"
        if "check" in _tags(cell):
            assert "FAIL" in text and "PASS" not in text, f"check cell {i} does not fail with the stub:\n{text}"
            assert "Hint:" in text
