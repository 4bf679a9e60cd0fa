"""The airfoil self-noise data: find or download it, verify it, serve minibatches."""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import torch

URL = "http://d2l-data.s3-accelerate.amazonaws.com/airfoil_self_noise.dat"
UCI_URL = "https://archive.ics.uci.edu/dataset/291/airfoil+self+noise"
SHA1 = "76e5be1548fd8222e5074cf0faae75edff8cf93f"
SHAPE = (1503, 6)
DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "airfoil_self_noise.dat"
SEED = 0


class DataError(RuntimeError):
    """The airfoil file is missing, damaged or could not be downloaded."""


def sha1_of(path: Path) -> str:
    """Return the SHA-1 hex digest of a file."""
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def _how_to_fix(path: Path) -> str:
    return (
        f"To fix it, delete {path} and run again with a network connection, or download "
        f"the file yourself from {URL} (or the UCI page {UCI_URL}) and save it as {path}. "
        f"Its SHA-1 must be {SHA1}."
    )


def _parse(path: Path) -> np.ndarray:
    """Parse a verified file into a float32 table, checking its shape."""
    try:
        table = np.loadtxt(path, dtype=np.float32, delimiter="\t", ndmin=2)
    except ValueError as exc:
        raise DataError(f"{path} is not a tab-separated numeric table ({exc}). {_how_to_fix(path)}") from exc
    if table.shape != SHAPE:
        raise DataError(f"{path} has shape {table.shape}, expected {SHAPE}. {_how_to_fix(path)}")
    return table


def verify(path: Path) -> None:
    """Raise DataError unless the file at `path` has the expected SHA-1."""
    digest = sha1_of(path)
    if digest != SHA1:
        size = Path(path).stat().st_size
        raise DataError(
            f"{path} is corrupted or truncated: its SHA-1 is {digest} ({size} bytes), "
            f"expected {SHA1}. The file was not used. {_how_to_fix(path)}"
        )


def download(path: Path = DATA_FILE, url: str = URL, timeout: float = 30.0) -> Path:
    """Download the file to `path` via a temporary file, renamed only once verified."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".airfoil-", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    while chunk := response.read(1 << 16):
                        out.write(chunk)
            except (urllib.error.URLError, OSError) as exc:
                raise DataError(
                    f"Could not download the airfoil data from {url} ({exc}). "
                    f"If you are offline, copy airfoil_self_noise.dat (SHA-1 {SHA1}) from {URL} "
                    f"or the UCI page {UCI_URL} to exactly this path: {path}"
                ) from exc
        digest = sha1_of(tmp)
        if digest != SHA1:
            raise DataError(
                f"The download from {url} has SHA-1 {digest}, expected {SHA1}; it was discarded "
                f"and {path} was not written. Try again, or fetch the file by hand: {_how_to_fix(path)}"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_airfoil(path: Path | str | None = None) -> torch.Tensor:
    """Return the raw 1503 x 6 airfoil table, downloading and verifying the file if missing."""
    path = Path(path) if path is not None else DATA_FILE
    if not path.exists():
        download(path)
    verify(path)
    return torch.from_numpy(_parse(path))


def standardize(table: torch.Tensor) -> torch.Tensor:
    """Scale every column to mean 0 and standard deviation 1 (population std, as d2l)."""
    return (table - table.mean(dim=0)) / table.std(dim=0, correction=0)


class Batches:
    """A seeded, reshuffling minibatch iterator over (features, labels) tensors."""

    def __init__(self, features: torch.Tensor, labels: torch.Tensor, batch_size: int, seed: int = SEED):
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
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


def get_data(batch_size: int = 10, n: int = 1500, seed: int = SEED) -> tuple[Batches, int]:
    """Return a shuffled minibatch iterator over the first n standardised rows, and 5 features."""
    if not isinstance(n, int) or not 0 < n <= SHAPE[0]:
        raise ValueError(f"n must be an integer in 1..{SHAPE[0]}, got {n!r}")
    data = standardize(load_airfoil())
    return Batches(data[:n, :-1], data[:n, -1], batch_size, seed), data.shape[1] - 1


get_data_ch11 = get_data
