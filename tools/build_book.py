"""Build the course's website into build/book/ (`make book`), with Jupyter
Book 1.

The site shows the committed, executed notebooks as a student gets them: the
student edition of tools/make_student.py with the teaching cells' outputs
kept, the exercises as stubs without outputs, and no answer cells, no
nbgrader metadata and no widget state. Nothing is executed. The pages are
assembled in build/book-src/ from book/ (configuration, landing page), the
notebooks and TEACHING.md; MathJax is served from the site itself
(book/node_modules).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402
import stamp_links  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MATHJAX = ROOT / "book" / "node_modules" / "mathjax" / "es5"


def site_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A notebook as the site shows it (the input is not modified)."""
    nb = make_student.student_notebook(nb, keep_outputs=True)
    cells = []
    for cell in nb.cells:
        if cell.source == make_student.TEXT_STUB:
            continue  # an answer cell: nothing to show on a page
        for key in ("nbgrader", "deletable", "editable"):
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)  # needs a kernel
        cells.append(cell)
    nb.cells = cells
    return nb


def toc(names: list[str]) -> str:
    """The table of contents: the landing page, the notebooks, teaching."""
    lines = ["format: jb-book", "root: index", "chapters:"]
    lines += [f"- file: notebooks/{Path(name).stem}" for name in names]
    lines.append("- file: teaching")
    return "\n".join(lines) + "\n"


def config(text: str) -> str:
    """book/_config.yml with the repository and the version's tag in it."""
    _, url, tag = stamp_links.project()
    return text.replace("REPOSITORY", url).replace("BRANCH", tag)


def teaching_page() -> str:
    """TEACHING.md, its links to the repository's files made absolute."""
    _, url, tag = stamp_links.project()
    text = (ROOT / "TEACHING.md").read_text(encoding="utf-8")
    return re.sub(
        r"\]\((?!https?://|#)([^)]+)\)",
        lambda m: f"]({url}/blob/{tag}/{m.group(1)})",
        text,
    )


def assemble(src: Path) -> None:
    """Write the book's sources into `src`."""
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    (src / "_config.yml").write_text(
        config((ROOT / "book/_config.yml").read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    shutil.copy(ROOT / "book" / "index.md", src / "index.md")
    (src / "teaching.md").write_text(teaching_page(), encoding="utf-8")
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        nb = site_notebook(nbformat.read(path, as_version=4))
        nbformat.write(nb, src / "notebooks" / path.name)
    (src / "_toc.yml").write_text(
        toc([p.name for p in paths]), encoding="utf-8"
    )
    static = src / "_static" / "mathjax"
    if not (MATHJAX / "tex-chtml.js").exists():
        raise SystemExit(
            f"{MATHJAX} is missing: run `npm ci` in book/ (make book does)"
        )
    static.mkdir(parents=True)
    shutil.copy(MATHJAX / "tex-chtml.js", static / "tex-chtml.js")
    shutil.copytree(MATHJAX / "output", static / "output")


def build(src: Path, out: Path) -> float:
    """Build the site from `src` into `out`; return the seconds it took."""
    tic = time.perf_counter()
    work = src.parent / "book-work"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter-book"),
            "build",
            str(src),
            "--path-output",
            str(work),
            "--warningiserror",
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("jupyter-book failed: see above")
    if out.exists():
        shutil.rmtree(out)
    shutil.move(work / "_build" / "html", out)
    shutil.rmtree(work)
    return time.perf_counter() - tic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "book")
    args = parser.parse_args(argv)
    src = args.out.parent / "book-src"
    assemble(src)
    seconds = build(src, args.out)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(
        f"built {args.out}/index.html in {seconds:.1f} s, "
        f"{size / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
