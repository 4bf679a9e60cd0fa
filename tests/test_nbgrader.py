"""The course through nbgrader's whole pipeline, with its own commands.

A temporary course directory holds the committed notebooks as the source of
one assignment, `course`, and a temporary exchange stands in for the class's
JupyterHub. These are the commands of TEACHING.md, in its order:
`generate_assignment` (default settings) and `release_assignment` by the
teacher; `fetch_assignment` and `submit` by three made-up students, who hand
in some notebooks (autograding all would take minutes): untouched, the
instructor's solutions, and one wrong answer; then `collect`, `autograde`,
`generate_feedback` and `release_feedback` by the teacher, `fetch_feedback`
by each student, and `export` by the teacher.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.test_exercises import WRONG, replace_solution

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
AUTOGRADED = [
    "01_gradient_descent_and_sgd.ipynb"
]  # the submitted notebooks
WRONG_ONE = (
    "01_gradient_descent_and_sgd",
    "step_sizes",
)  # one exercise wrong
CONFIG = """c = get_config()
c.CourseDirectory.course_id = "optim-course"
c.Exchange.root = "{exchange}"
"""


def nbgrader(root: Path, *args: str, home: Path | None = None) -> str:
    """Run an nbgrader command in `root` (a student's: with their `home`);
    return its log."""
    env = dict(os.environ)
    if home is not None:  # nbgrader caches each submission in the home
        env["HOME"] = str(home)
        env["JUPYTER_DATA_DIR"] = str(home / ".local/share/jupyter")
    # nbgrader runs alembic by name: the venv's bin/ must be on PATH
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with the assignment generated from the course."""
    root = tmp_path_factory.mktemp("course")
    exchange = root.parent / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o777)  # every user of the hub writes there
    (root / "nbgrader_config.py").write_text(
        CONFIG.format(exchange=exchange)
    )
    source = root / "source" / "course"
    source.mkdir(parents=True)
    for path in NOTEBOOKS:
        shutil.copy(path, source / path.name)
    nbgrader(root, "generate_assignment", "course")
    nbgrader(root, "release_assignment", "course")
    return root


def points(nb, grade_ids=None) -> int:
    """The autograded points of a notebook (of some of its cells)."""
    return sum(
        cell.metadata["nbgrader"]["points"]
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and cell.cell_type == "code"
        and (
            grade_ids is None
            or cell.metadata["nbgrader"]["grade_id"] in grade_ids
        )
    )


def test_every_notebook_is_released(course):
    released = sorted(
        p.name for p in (course / "release" / "course").iterdir()
    )
    assert released == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_release_is_the_student_edition(course, path):
    release = course / "release" / "course" / path.name
    text = release.read_text()
    ours = make_student.student_notebook(nbformat.read(path, as_version=4))
    theirs = nbformat.reads(text, as_version=4)
    assert [c.source for c in theirs.cells] == [
        c.source for c in ours.cells
    ]
    assert "widgets" not in theirs.metadata
    assert all(c.get("outputs", []) == [] for c in theirs.cells)
    for cell in nbformat.read(
        path, as_version=4
    ).cells:  # no answer, no solution
        if "instructor" in cell.metadata.get("tags", []):
            assert json.dumps(cell.source)[1:-1][:60] not in text
    assert "BEGIN SOLUTION" not in text and "*Answer.*" not in text


def hand_in(course: Path, student: str, notebooks: dict) -> None:
    """What a student does: fetch the assignment, work in it, submit."""
    home = course.parent / "home" / student
    home.mkdir(parents=True)
    shutil.copy(course / "nbgrader_config.py", home)
    nbgrader(home, "fetch_assignment", "course", home=home)
    for name in list((home / "course").glob("*.ipynb")):
        if name.name not in notebooks:
            name.unlink()  # handed in: only the autograded notebooks
    for name, nb in notebooks.items():
        nbformat.write(nb, home / "course" / name)
    # on a hub each student is a user of their own; here --student says who
    nbgrader(home, "submit", "course", f"--student={student}", home=home)


def with_solutions(release, source, wrong=None):
    """The released notebook with the instructor's solutions typed into its
    solution cells; `wrong` = (function, answer) types one wrong answer."""
    nb = nbformat.from_dict(release)
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
        and c.cell_type == "code"
    }
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = solutions[grade_id]
            if wrong and f"def {wrong[0]}(" in cell.source:
                cell.source = replace_solution(cell.source, wrong[1])
    return nb


@pytest.fixture(scope="module")
def grades(course):
    """Autograde three students and read the scores back with nbgrader
    export."""
    release = {
        n: nbformat.read(course / "release" / "course" / n, as_version=4)
        for n in AUTOGRADED
    }
    source = {
        n: nbformat.read(ROOT / "notebooks" / n, as_version=4)
        for n in AUTOGRADED
    }
    notebook, function = WRONG_ONE
    wrong = (function, WRONG[notebook][function][0])
    submissions = {
        "untouched": release,
        "solutions": {
            n: with_solutions(release[n], source[n]) for n in AUTOGRADED
        },
        "one_wrong": {
            n: with_solutions(
                release[n],
                source[n],
                wrong if n.startswith(notebook) else None,
            )
            for n in AUTOGRADED
        },
    }
    for student, notebooks in submissions.items():
        nbgrader(course, "db", "student", "add", student)
        hand_in(course, student, notebooks)
    nbgrader(course, "collect", "course")
    nbgrader(course, "autograde", "course")
    nbgrader(course, "generate_feedback", "course")
    nbgrader(course, "release_feedback", "course")
    for student in submissions:
        home = course.parent / "home" / student
        nbgrader(
            home,
            "fetch_feedback",
            "course",
            f"--student={student}",
            home=home,
        )
    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_every_student_gets_feedback(course, grades):
    for student in grades:
        pages = (course / "feedback" / student / "course").glob("*.html")
        assert sorted(p.stem for p in pages) == sorted(
            Path(n).stem for n in AUTOGRADED
        )


def test_every_student_fetches_their_own_feedback(course, grades):
    for student in grades:
        home = course.parent / "home" / student / "course" / "feedback"
        pages = list(home.glob("*/*.html"))  # one folder per submission
        assert sorted(p.stem for p in pages) == sorted(
            Path(n).stem for n in AUTOGRADED
        )
        for page in pages:  # the pages the teacher generated for them
            graded = course / "feedback" / student / "course" / page.name
            assert page.read_bytes() == graded.read_bytes()


def test_untouched_scores_nothing(grades):
    assert float(grades["untouched"]["score"]) == 0


def test_solutions_score_every_autograded_point(grades):
    expected = sum(
        points(nbformat.read(ROOT / "notebooks" / n, as_version=4))
        for n in AUTOGRADED
    )
    assert expected > 0
    assert float(grades["solutions"]["score"]) == expected


def test_one_wrong_answer_loses_exactly_its_points(grades):
    notebook, function = WRONG_ONE
    nb = nbformat.read(
        ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4
    )
    # the grade cell after the exercise that defines `function`
    check = next(
        c.metadata["nbgrader"]["grade_id"]
        for i, c in enumerate(nb.cells)
        if "check" in c.metadata.get("tags", [])
        and any(f"def {function}(" in d.source for d in nb.cells[:i][-3:])
    )
    lost = points(nb, {check})
    assert lost > 0
    assert (
        float(grades["solutions"]["score"])
        - float(grades["one_wrong"]["score"])
        == lost
    )


def test_the_maximum_counts_every_notebook_and_the_manual_answers(grades):
    total = 0
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            total += meta.get("points", 0) if meta.get("grade") else 0
    assert float(grades["solutions"]["max_score"]) == total


def test_teaching_shows_these_grades(grades):
    text = (ROOT / "TEACHING.md").read_text()
    block = text.split("<!-- grades -->")[1].split("<!-- /grades -->")[0]
    rows = {
        cells[0]: cells[1:]
        for line in block.strip().split("\n")[2:]
        if (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    for student, row in grades.items():
        assert rows[student] == [
            f"{float(row['score']):g}",
            f"{float(row['max_score']):g}",
        ], f"TEACHING.md's grades table: {student}"
