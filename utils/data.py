"""The airfoil self-noise data: find it, verify it, serve minibatches."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import platformdirs
import torch

from .hyperparams import check_positive_int

URL = "http://d2l-data.s3-accelerate.amazonaws.com/airfoil_self_noise.dat"
UCI_URL = "https://archive.ics.uci.edu/dataset/291/airfoil+self+noise"
SHA1 = "76e5be1548fd8222e5074cf0faae75edff8cf93f"
SHAPE = (1503, 6)
FILE_NAME = "airfoil_self_noise.dat"
ENV = "OPTIM_COURSE_DATA"  # a folder that holds the file: looked in first
# the copy that ships inside the package (CC BY 4.0; see airfoil/README.md)
PACKAGED = Path(__file__).resolve().parent / "airfoil" / FILE_NAME
SEED = 0


class DataError(RuntimeError):
    """The airfoil file is missing, damaged or could not be downloaded."""


def sha1_of(path: Path) -> str:
    """Return the SHA-1 hex digest of a file."""
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def _how_to_fix(path: Path) -> str:
    return (
        f"To fix it, delete {path} and run again with a network "
        "connection, or download "
        f"the file yourself from {URL} (or the UCI page {UCI_URL}) and "
        f"save it as {path}. "
        f"Its SHA-1 must be {SHA1}."
    )


def _parse(path: Path) -> np.ndarray:
    """Parse a verified file into a float32 table, checking its shape."""
    try:
        table = np.loadtxt(path, dtype=np.float32, delimiter="\t", ndmin=2)
    except ValueError as exc:
        raise DataError(
            f"{path} is not a tab-separated numeric table ({exc}). "
            f"{_how_to_fix(path)}"
        ) from exc
    if table.shape != SHAPE:
        raise DataError(
            f"{path} has shape {table.shape}, expected {SHAPE}. "
            f"{_how_to_fix(path)}"
        )
    return table


def verify(path: Path) -> None:
    """Raise DataError unless the file at `path` has the expected SHA-1."""
    digest = sha1_of(path)
    if digest != SHA1:
        size = Path(path).stat().st_size
        raise DataError(
            f"{path} is corrupted or truncated: its SHA-1 is {digest} "
            f"({size} bytes), "
            f"expected {SHA1}. The file was not used. {_how_to_fix(path)}"
        )


def download(
    path: Path, url: str | None = None, timeout: float = 30.0
) -> Path:
    """Download the file to `path` via a temporary file, renamed only once
    verified."""
    path, url = Path(path), url or URL
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=".airfoil-", suffix=".tmp", dir=path.parent
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(
                    url, timeout=timeout
                ) as response:
                    while chunk := response.read(1 << 16):
                        out.write(chunk)
            except (urllib.error.URLError, OSError) as exc:
                raise DataError(
                    f"Could not download the airfoil data from {url} "
                    f"({exc}). If you are offline, copy {FILE_NAME} "
                    f"(SHA-1 {SHA1}) from {URL} or the UCI page {UCI_URL} "
                    f"to exactly this path: {path} (or to a folder named "
                    f"by the environment variable {ENV})"
                ) from exc
        digest = sha1_of(tmp)
        if digest != SHA1:
            raise DataError(
                f"The download from {url} has SHA-1 {digest}, expected "
                f"{SHA1}; it was discarded "
                f"and {path} was not written. Try again, or fetch the file "
                f"by hand: {_how_to_fix(path)}"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def cache_dir() -> Path:
    """The per-user cache folder where a downloaded copy is kept."""
    return Path(platformdirs.user_cache_dir("optim-course"))


def _clone_data_dir() -> Path | None:
    """The clone's data/ folder, when this package runs from a clone."""
    root = Path(__file__).resolve().parents[1]
    return root / "data" if (root / "pyproject.toml").exists() else None


def find_data_file() -> Path:
    """The file to use: in $OPTIM_COURSE_DATA, the clone's data/, the
    package, or the per-user cache (downloaded there if nowhere else)."""
    folder = os.environ.get(ENV)
    if folder:
        path = Path(folder).expanduser() / FILE_NAME
        if not path.exists():
            raise DataError(
                f"{ENV} is set to {folder}, but {path} does not exist. "
                f"Copy {FILE_NAME} (SHA-1 {SHA1}) there, or unset {ENV} to "
                "use the copy that comes with the course."
            )
        return path
    for place in (_clone_data_dir(), PACKAGED.parent, cache_dir()):
        if place is not None and (place / FILE_NAME).exists():
            return place / FILE_NAME
    return download(cache_dir() / FILE_NAME)


def load_airfoil(path: Path | str | None = None) -> torch.Tensor:
    """Return the raw 1503 x 6 airfoil table from a verified file (see
    `find_data_file`; a given `path` is downloaded to if missing)."""
    path = Path(path) if path is not None else find_data_file()
    if not path.exists():
        download(path)
    verify(path)
    return torch.from_numpy(_parse(path))


def standardize(table: torch.Tensor) -> torch.Tensor:
    """Scale every column to mean 0 and standard deviation 1 (population
    std, as d2l)."""
    return (table - table.mean(dim=0)) / table.std(dim=0, correction=0)


class Batches:
    """A seeded, reshuffling minibatch iterator over (features, labels)
    tensors."""

    def __init__(
        self,
        features: torch.Tensor,
        labels: torch.Tensor,
        batch_size: int,
        seed: int = SEED,
    ):
        check_positive_int("batch_size", batch_size)
        self.tensors = (features, labels)
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.tensors[0]) // self.batch_size)

    def __iter__(self):
        features, labels = self.tensors
        order = torch.randperm(len(features), generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            yield features[index], labels[index]


def get_data(
    batch_size: int = 10, n: int = 1500, seed: int = SEED
) -> tuple[Batches, int]:
    """Return a shuffled minibatch iterator over the first n standardised
    rows, and 5 features."""
    if (
        isinstance(n, bool)
        or not isinstance(n, int)
        or not 0 < n <= SHAPE[0]
    ):
        raise ValueError(
            f"n must be an integer in 1..{SHAPE[0]}, got {n!r}"
        )
    data = standardize(load_airfoil())
    return Batches(
        data[:n, :-1], data[:n, -1], batch_size, seed
    ), data.shape[1] - 1


get_data_ch11 = get_data
