"""TEACHING.md's exercise and time tables are what the notebooks give."""

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import teaching_tables  # noqa: E402


def test_teaching_md_is_in_step_with_the_notebooks(capsys):
    assert teaching_tables.main(["--check"]) == 0, capsys.readouterr().out


def test_exercises_and_points_are_read_from_the_notebook():
    nb = nbformat.read(
        ROOT / "notebooks" / "01_gradient_descent_and_sgd.ipynb", 4
    )
    found = teaching_tables.exercises(nb)
    assert (
        found[0][1] is True and found[0][2] == 2
    )  # self-checking, a check
    assert any(not checked and points == 1 for _, checked, points in found)


def test_time_grows_with_the_words_and_the_exercises():
    nb = nbformat.read(
        ROOT / "notebooks" / "01_gradient_descent_and_sgd.ipynb", 4
    )
    read, work = teaching_tables.minutes(nb)
    longer = nbformat.from_dict(nb)
    longer.cells.append(nbformat.v4.new_markdown_cell("word " * 1000))
    assert teaching_tables.minutes(longer)[0] >= read + 10
    assert work % 5 == 0 and work > 0
