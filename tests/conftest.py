"""Shared fixtures: a non-interactive plotting backend, the data file inside
the package (checked against the verified one), every figure closed after
each test, and kernel ports that two pytest-xdist workers can never both
pick."""

import os
import socket
from pathlib import Path

import matplotlib
import pytest
from jupyter_client.connect import LocalPortCache

matplotlib.use(
    "Agg"
)  # in-process only: nbval's kernels keep the inline backend

ROOT = Path(__file__).resolve().parents[1]


class WorkerPortCache(LocalPortCache):
    """Kernel ports from a range of this worker's own, below Linux's
    ephemeral ports (32768+).

    jupyter_client picks a kernel's five ports by binding port 0 and letting
    go; two xdist workers starting kernels at the same moment can get the
    same port, and one kernel then dies ("Kernel died before replying to
    kernel_info"). Its port cache only guards one process.
    """

    SPAN = 2000

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        worker = os.environ.get(
            "PYTEST_XDIST_WORKER", ""
        )  # "gw0", "gw1", ... or "" without xdist
        index = int(worker[2:]) + 1 if worker[2:].isdigit() else 0
        self.low = 20000 + self.SPAN * (index % 6)
        self.next = self.low

    def find_available_port(self, ip: str) -> int:
        for _ in range(self.SPAN):
            port, self.next = (
                self.next,
                self.low + (self.next + 1 - self.low) % self.SPAN,
            )
            if port in self.currently_used_ports:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind((ip, port))
                except OSError:
                    continue
            self.currently_used_ports.add(port)
            return port
        return super().find_available_port(ip)


LocalPortCache._instance = WorkerPortCache()
SHARED_DATA = ROOT.parent / "shared" / "data" / "airfoil_self_noise.dat"


@pytest.fixture(scope="session")
def airfoil_file() -> Path:
    """The copy of the airfoil file inside the package, checked against the
    verified one in ../shared/data when that is there."""
    from utils.data import PACKAGED

    if SHARED_DATA.exists():
        assert PACKAGED.read_bytes() == SHARED_DATA.read_bytes()
    return PACKAGED


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
