"""`check_utils()`: does `import utils` find the course's package?

The course keeps its code in a package named `utils`, a common name: a
`utils.py` or a `utils/` folder next to a notebook comes first on Python's
path and hides it, and a package of that name exists on the Python package
index too. Every notebook calls `check_utils()` before it imports `utils`,
so such a clash stops with a message that says what to do, not a puzzling
ImportError later. It checks without importing the other `utils`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# the package that was installed (or cloned) with this module
COURSE_UTILS = Path(__file__).resolve().parent / "utils" / "__init__.py"


class CourseNotFound(ImportError):
    """`import utils` would not import the course's package."""


def check_utils() -> None:
    """Raise CourseNotFound unless `import utils` finds the course."""
    spec = importlib.util.find_spec("utils")
    origin = Path(spec.origin).resolve() if spec and spec.origin else None
    if origin == COURSE_UTILS:
        return
    if spec is None:
        found = "finds nothing"
    else:
        found = f"finds {origin}"
    raise CourseNotFound(
        f"`import utils` {found}, not the course's package at "
        f"{COURSE_UTILS.parent}. A file or folder named utils next to this "
        "notebook (or earlier on sys.path) hides the course: rename it, or "
        "move the notebook to another folder, then restart the kernel."
    )
