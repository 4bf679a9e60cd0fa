"""The course outside the clone: a wheel, a notebook alone, Binder's setup,
and `make lab` for root and for a normal user."""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
# the verified file's SHA-1, written here apart from utils.data.SHA1, so
# that a changed constant there cannot hide a changed file in the wheel
SHA1 = "76e5be1548fd8222e5074cf0faae75edff8cf93f"
OURS = ("utils", "optim_course")  # what the wheel brings


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("optim_course-*.whl")
    return path


def test_the_wheel_holds_the_package_the_data_and_the_check(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        data = z.read("utils/airfoil/airfoil_self_noise.dat")
        metadata = z.read(
            next(n for n in names if n.endswith("/METADATA"))
        ).decode()
    assert hashlib.sha1(data).hexdigest() == SHA1
    assert {
        "optim_course.py",
        "utils/__init__.py",
        "utils/airfoil/README.md",
    } <= names
    assert {
        f"utils/{p.name}" for p in (ROOT / "utils").glob("*.py")
    } <= names
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"
    ]
    for requirement in project["dependencies"]:
        assert f"Requires-Dist: {requirement}" in metadata


def fresh_venv(folder: Path) -> Path:
    """A new venv whose only packages are this venv's, minus the course: pip
    then sees the wheel's dependencies installed, and the course not."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)],
        check=True,
    )
    python = folder / "bin" / "python"
    ours = Path(
        subprocess.check_output(
            [
                str(python),
                "-c",
                "import site; print(site.getsitepackages()[0])",
            ],
            text=True,
        ).strip()
    )
    theirs = Path(next(p for p in sys.path if p.endswith("site-packages")))
    linked = folder / "linked"
    linked.mkdir()
    for entry in theirs.iterdir():
        stem = entry.name.split("-")[0].split(".")[0].lower()
        if stem not in OURS and not entry.name.startswith("__editable__"):
            (linked / entry.name).symlink_to(entry)
    (ours / "borrowed.pth").write_text(f"{linked}\n")
    return python


def test_a_notebook_alone_runs_from_the_wheel_without_network(
    wheel, tmp_path
):
    python = fresh_venv(tmp_path / "venv")
    # --no-index: nothing may come from the network; the dependencies are
    # there
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    alone = tmp_path / "empty"
    alone.mkdir()
    notebook = ROOT / "notebooks" / "01_gradient_descent_and_sgd.ipynb"
    shutil.copy(notebook, alone)
    env = {
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        # where a download would go
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    execute = (
        "import nbformat; from nbclient import NotebookClient; "
        f"nb = nbformat.read({notebook.name!r}, 4); "
        "NotebookClient(nb, kernel_name='python3', timeout=300).execute(); "
        f"nbformat.write(nb, {notebook.name!r})"
    )
    subprocess.run(
        [str(python), "-c", execute],
        cwd=alone,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    ran = nbformat.read(alone / notebook.name, as_version=4)
    committed = nbformat.read(notebook, as_version=4)

    def losses(nb):
        lines = [
            line
            for cell in nb.cells
            for out in cell.get("outputs", [])
            for line in out.get("text", "").split("\n")
            if line.startswith("loss:")
        ]
        return [line.split(",")[0] for line in lines]

    assert losses(ran) and losses(ran) == losses(committed)
    assert not (tmp_path / "cache" / "optim-course").exists(), "downloaded"
    where = subprocess.check_output(
        [str(python), "-c", "import utils; print(utils.__file__)"],
        cwd=alone,
        text=True,
    )
    assert where.startswith(str(tmp_path / "venv"))


def test_the_notebooks_run_against_the_course_as_installed():
    """nbval starts its kernels in notebooks/, as Binder does: they must get
    the installed package (make and .ci/run install it, not editable)."""
    where = subprocess.check_output(
        [sys.executable, "-c", "import utils; print(utils.__file__)"],
        cwd=ROOT / "notebooks",
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        text=True,
    ).strip()
    assert "site-packages" in where, f"utils comes from {where}: run make"


def test_binder_installs_cpu_torch_the_course_and_jupyterlab():
    lines = (ROOT / "binder" / "requirements.txt").read_text().split("\n")
    wanted = [line for line in lines if line and not line.startswith("#")]
    assert (
        "--extra-index-url https://download.pytorch.org/whl/cpu" in wanted
    )
    assert any(
        line.startswith("torch==") and line.endswith("+cpu")
        for line in wanted
    )
    assert ".[peers,lab]" in wanted
    assert (
        ROOT / "binder" / "runtime.txt"
    ).read_text().strip() == "python-3.11"


def test_repo2docker_accepts_the_repository(tmp_path):
    """What Binder runs, without Docker: repo2docker's Dockerfile."""
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", str(ROOT), str(clone)], check=True
    )
    for path in (
        "binder",
        "pyproject.toml",
    ):  # as they are now, committed or not
        target = clone / path
        if (ROOT / path).is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / path, target)
        else:
            shutil.copy(ROOT / path, target)
    r2d = Path(sys.executable).parent / "jupyter-repo2docker"
    result = subprocess.run(
        [str(r2d), "--no-build", "--debug", str(clone)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dockerfile = result.stdout + result.stderr
    assert (
        'pip install --no-cache-dir -r "binder/requirements.txt"'
        in dockerfile
    )
    assert "python=3.11" in dockerfile


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(tmp_path: Path, user: list[str]) -> str:
    """`make lab` as `user` (a command prefix), until the server answers."""
    port, token = _free_port(), "e2e-token"
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    runtime.chmod(0o777)  # the other user writes there
    args = (
        f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} "
        f"--IdentityProvider.token={token} --LabApp.news_url=None"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(runtime),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(runtime),
        "JUPYTER_DATA_DIR": str(runtime),
    }
    proc = subprocess.Popen(
        [*user, "make", "-s", "-C", str(ROOT), "lab", f"LAB_ARGS={args}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(240):
            if proc.poll() is not None:
                return f"exited: {proc.stdout.read().decode()[-500:]}"
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return "running"
            except OSError:
                time.sleep(0.25)
        return "no answer"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)


def test_make_lab_starts_jupyterlab_for_this_user(tmp_path):
    assert start_lab(tmp_path, []) == "running"


@pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root to become another user"
)
def test_make_lab_starts_jupyterlab_for_a_normal_user(tmp_path):
    tmp_path.chmod(0o777)
    # uid 65534, allowed to read the venv (its interpreter lies under /root)
    nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
    ]
    assert start_lab(tmp_path, nobody) == "running"


def test_make_lab_passes_allow_root_only_to_root():
    out = subprocess.check_output(
        ["make", "-s", "-n", "-C", str(ROOT), "lab"], text=True
    )
    assert ("--allow-root" in out) == (os.geteuid() == 0)
