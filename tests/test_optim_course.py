"""optim_course.check_utils: a utils.py or utils/ beside a notebook that
hides the course gives a clear message, not a puzzling ImportError."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_in(folder: Path) -> subprocess.CompletedProcess:
    """Run a notebook's setup and first import in `folder`, as a kernel."""
    code = textwrap.dedent(
        """
        import optim_course
        optim_course.check_utils()
        from utils import get_data
        print("course found")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_the_course_is_found_from_any_folder(tmp_path):
    result = run_in(tmp_path)
    assert result.returncode == 0 and "course found" in result.stdout, (
        result.stderr
    )


def test_a_utils_py_beside_the_notebook_is_named_with_what_to_do(tmp_path):
    (tmp_path / "utils.py").write_text("def helper():\n    pass\n")
    result = run_in(tmp_path)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "optim_course.CourseNotFound: `import utils` finds"
    )
    assert str(tmp_path / "utils.py") in last and "rename it" in last


def test_a_utils_package_is_caught_and_an_empty_folder_does_not_hide(
    tmp_path,
):
    (tmp_path / "utils").mkdir()  # Python prefers a real package to it
    assert run_in(tmp_path).returncode == 0
    (tmp_path / "utils" / "__init__.py").write_text("")
    result = run_in(tmp_path)
    assert "CourseNotFound" in result.stderr
    assert str(tmp_path / "utils" / "__init__.py") in result.stderr
