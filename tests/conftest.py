"""Shared fixtures: a non-interactive plotting backend and the verified data file in data/."""
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # in-process only: nbval's kernels keep the inline backend

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "airfoil_self_noise.dat"


@pytest.fixture(scope="session")
def airfoil_file() -> Path:
    """The verified airfoil file in data/, copied from ../shared/data when missing."""
    from utils.data import DATA_FILE

    if not DATA_FILE.exists() and SHARED_DATA.exists():
        shutil.copyfile(SHARED_DATA, DATA_FILE)
    if not DATA_FILE.exists():
        pytest.fail(f"{DATA_FILE} is missing: copy it from {SHARED_DATA} (see README, 'Data').")
    return DATA_FILE


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
