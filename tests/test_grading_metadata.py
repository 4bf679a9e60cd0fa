"""nbgrader's metadata on the notebooks is what the tool writes."""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import grading_metadata  # noqa: E402
from markers import BEGIN, CHECK_TAG, EXERCISE_TAG, INSTRUCTOR_TAG  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_committed_notebooks_carry_the_metadata_the_tool_writes(capsys):
    assert grading_metadata.main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_cell_is_marked_and_no_other(path):
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader")
        tags = cell.metadata.get("tags", [])
        if CHECK_TAG in tags:
            assert meta["grade"] and meta["locked"] and meta["points"] == 2
        elif INSTRUCTOR_TAG in tags:
            assert (
                meta["solution"] and meta["grade"] and meta["points"] == 1
            )
        elif BEGIN in cell.source:
            assert (
                meta["solution"]
                and not meta["grade"]
                and not meta["locked"]
            )
        elif EXERCISE_TAG in tags:
            assert meta["locked"] and not meta["grade"]
        else:
            assert meta is None


def test_grade_ids_are_unique_and_name_the_exercise():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("**3. A question.**"),
        nbformat.v4.new_markdown_cell("More of it."),
        nbformat.v4.new_markdown_cell("*Answer.* Yes."),
    ]
    marks = [EXERCISE_TAG, EXERCISE_TAG, INSTRUCTOR_TAG]
    for cell, tag in zip(nb.cells, marks):
        cell.metadata["tags"] = [tag]
    marked = grading_metadata.with_metadata(nb)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in marked.cells]
    assert ids == ["ex3-statement", "ex3-statement-2", "ex3-answer"]


def test_a_stale_notebook_is_reported(tmp_path):
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    path = tmp_path / NOTEBOOKS[0].name
    nbformat.write(nb, path)
    assert grading_metadata.main([str(path), "--check"]) == 1
    assert grading_metadata.main([str(path)]) == 0
    assert grading_metadata.main([str(path), "--check"]) == 0
