"""Execute notebooks in place, in order, in a fresh kernel each, as a reader
would run them."""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> float:
    """Run every cell of the notebook at `path` top to bottom, save it,
    return the seconds taken."""
    nb = nbformat.read(path, as_version=4)
    tic = time.perf_counter()
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,  # the widgets need a live kernel anyway
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    seconds = time.perf_counter() - tic
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: noise in a diff
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(
        Path("notebooks").glob("*.ipynb")
    )
    for path in paths:
        print(f"{path}: {execute(path):.1f} s", flush=True)
