"""The student edition: nbgrader's stubs, answer cells instead of answers,
nothing executed, and no solution text anywhere. (`make e2e` runs it.)"""

import hashlib
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_stub_is_nbgraders_and_keeps_the_hint_and_the_code_around_it():
    source = (
        "def f(x):\n    y = 1\n    # Hint: add one\n"
        "    ### BEGIN SOLUTION\n"
        "    return x + y\n    ### END SOLUTION\n\nprint(2)"
    )
    assert make_student.stub_solutions(source) == (
        "def f(x):\n    y = 1\n    # Hint: add one\n"
        "    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(2)"
    )


@pytest.mark.parametrize(
    "source",
    [
        "### BEGIN SOLUTION\nx = 1",
        "x = 1\n### END SOLUTION",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
    ],
)
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(make_student.SolutionMarkerError):
        make_student.stub_solutions(source, "nb.ipynb, cell 3")


def test_nothing_is_written_when_one_notebook_is_broken(tmp_path):
    broken = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")]
    )
    nbformat.write(broken, tmp_path / "zz_broken.ipynb")
    out = tmp_path / "student"
    argv = [*map(str, NOTEBOOKS), str(tmp_path / "zz_broken.ipynb")]
    assert make_student.main([*argv, "--out", str(out)]) == 1
    assert not out.exists()


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    def digests():
        return {
            p: hashlib.sha256(p.read_bytes()).hexdigest() for p in NOTEBOOKS
        }

    before = digests()
    out = tmp_path_factory.mktemp("student")
    assert make_student.main(["--out", str(out)]) == 0
    assert before == digests(), "the committed notebooks changed"
    return out


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def solution_lines(nb) -> set[str]:
    """Lines only a solution region or an instructor answer holds."""
    inside, secret, public = False, set(), set()
    for cell in nb.cells:
        for line in cell.source.split("\n"):
            text = line.strip()
            if text in (make_student.BEGIN, make_student.END):
                inside = text == make_student.BEGIN
            elif text and (
                inside or make_student.INSTRUCTOR_TAG in _tags(cell)
            ):
                secret.add(text)
            elif text:
                public.add(text)
    # whole phrases only: a wrapped line can hold one common word
    return {
        line
        for line in secret - public
        if len(line) > 12 and len(line.split()) >= 4
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_a_self_checking_exercise(path):
    cells = nbformat.read(path, as_version=4).cells
    assert any(
        make_student.BEGIN in c.source
        for c in cells
        if c.cell_type == "code"
    )
    assert any("check" in _tags(c) for c in cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_edition_holds_no_solution_and_no_output(edition, path):
    instructor = nbformat.read(path, as_version=4)
    text = (edition / path.name).read_text()
    nb = nbformat.reads(text, as_version=4)
    assert len(nb.cells) == len(instructor.cells)
    answers = [
        c
        for c in instructor.cells
        if make_student.INSTRUCTOR_TAG in _tags(c)
    ]
    assert answers, (
        "a notebook needs questions with answers for instructors"
    )
    for before, after in zip(instructor.cells, nb.cells):
        if make_student.INSTRUCTOR_TAG in _tags(before):
            assert after.source == make_student.TEXT_STUB
        assert make_student.INSTRUCTOR_TAG not in _tags(after)
        assert "SOLUTION" not in after.source
        assert "execution" not in after.metadata
        if after.cell_type == "code":
            assert after.outputs == [] and after.execution_count is None
    assert "widgets" not in nb.metadata
    leaked = [
        line
        for line in solution_lines(instructor)
        if json.dumps(line)[1:-1] in text
    ]
    assert not leaked, f"solution text in the student edition: {leaked[:3]}"


def test_the_solution_grep_would_see_a_leak():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    lines = solution_lines(nb)
    assert lines and any("wd * p" in line for line in lines)


def test_with_outputs_kept_only_the_exercises_lose_theirs():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    kept = make_student.student_notebook(nb, keep_outputs=True)
    for before, after in zip(nb.cells, kept.cells):
        if before.cell_type != "code":
            continue
        if make_student.is_exercise_code(before):
            assert after.outputs == []
        else:
            assert after.outputs == before.outputs
