"""The repository URL is written once (pyproject.toml); the notebooks' setup
cells and launch links, and the README's links, agree with it."""

import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import stamp_links  # noqa: E402


def test_notebooks_and_readme_agree_with_pyproject(capsys):
    assert stamp_links.main(["--check"]) == 0, capsys.readouterr().out


def test_a_new_url_is_stamped_everywhere(tmp_path):
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    pyproject = tmp_path / "pyproject.toml"
    old = stamp_links.project(ROOT)[1]
    new = "https://github.com/a-school/optimizers"
    pyproject.write_text(pyproject.read_text().replace(old, new))
    assert stamp_links.main(["--check", "--root", str(tmp_path)]) == 1
    assert stamp_links.main(["--root", str(tmp_path)]) == 0
    assert stamp_links.main(["--check", "--root", str(tmp_path)]) == 0
    nb = nbformat.read(
        tmp_path / "notebooks" / "06_adam.ipynb", as_version=4
    )
    assert f'COURSE = "{new}@v' in nb.cells[1].source
    assert "colab.research.google.com/github/a-school/optimizers" in (
        nb.cells[0].source
    )
    assert new in (tmp_path / "README.md").read_text()
    assert old not in (tmp_path / "README.md").read_text()


def test_the_setup_cell_does_nothing_outside_colab():
    namespace = {}
    source = stamp_links.setup_source().replace(
        "%pip", "raise SystemExit #"
    )
    exec(compile(source, "<setup>", "exec"), namespace)
    assert namespace["optim_course"].check_utils() is None
