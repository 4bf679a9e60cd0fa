"""Write the course's public URL into the notebooks and the README (`make
stamp`).

The URL is written once, in pyproject.toml under [project.urls] Repository,
with the version under [project]. From them this tool writes:

- each notebook's setup cell (its first code cell), which installs the
  course in
  Colab from the repository at the tag `v<version>`, and does nothing
  elsewhere;
- each notebook's launch links (Colab, Binder), the line after its title;
- the README's links, between `<!-- links -->` and `<!-- /links -->`.

`--check` writes nothing and fails if anything is out of step (tests run
it).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LINKS_START, LINKS_END = "<!-- links -->", "<!-- /links -->"


def project(root: Path = ROOT) -> tuple[str, str, str]:
    """(owner/name on GitHub, the repository's URL, this version's tag)."""
    meta = tomllib.loads(
        (root / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]
    url = meta["urls"]["Repository"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(\.git)?", url)
    if not match:
        raise SystemExit(
            "pyproject.toml: [project.urls] Repository must be a GitHub "
            "URL "
            f"(Colab and Binder open GitHub repositories), got {url!r}"
        )
    return match.group(1), url, f"v{meta['version']}"


def setup_source(root: Path = ROOT) -> str:
    """The first code cell of every notebook."""
    _, url, tag = project(root)
    lines = [
        "import sys",
        "",
        f'COURSE = "{url}@{tag}"',
        'if "google.colab" in sys.modules:  # in Colab, install the course',
        '    %pip install -q "optim-course[peers] @ git+{COURSE}"',
        "",
        "import optim_course",
        "",
        "optim_course.check_utils()  # stops if a utils.py hides it",
    ]
    return "\n".join(lines)


def links(name: str, root: Path = ROOT) -> str:
    """The launch links of one notebook, as one Markdown line."""
    repo, _, tag = project(root)
    path = f"notebooks/{name}"
    colab = (
        f"https://colab.research.google.com/github/{repo}/blob/{tag}/{path}"
    )
    binder = (
        f"https://mybinder.org/v2/gh/{repo}/{tag}?urlpath=lab/tree/{path}"
    )
    return f"[Open in Colab]({colab}) · [Launch on Binder]({binder})"


def readme_links(root: Path = ROOT) -> str:
    """The README's block of links."""
    repo, url, tag = project(root)
    colab = f"https://colab.research.google.com/github/{repo}/blob/{tag}/notebooks/"
    binder = f"https://mybinder.org/v2/gh/{repo}/{tag}?urlpath=lab/tree/notebooks"
    return (
        f"{LINKS_START}\n"
        "[Open the notebooks in "
        f"Colab]({colab}01_gradient_descent_and_sgd.ipynb) · "
        f"[Launch the course on Binder]({binder}) · [Source]({url})\n"
        f"{LINKS_END}"
    )


def stamp_notebook(nb, name: str, root: Path = ROOT) -> bool:
    """Put the setup cell and the links into a notebook; return True if it
    changed."""
    before = [cell.source for cell in nb.cells]
    title = nb.cells[0]
    lines = title.source.split("\n")
    rest = lines[1:]
    while rest and (
        not rest[0].strip() or rest[0].startswith("[Open in Colab]")
    ):
        rest = rest[1:]
    title.source = "\n".join([lines[0], "", links(name, root), "", *rest])
    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    if "optim_course" in first_code.source:
        first_code.source = setup_source(root)
    else:
        cell = nbformat.v4.new_code_cell(setup_source(root))
        nb.cells.insert(nb.cells.index(first_code), cell)
    return before != [cell.source for cell in nb.cells]


def stamp_readme(text: str, root: Path = ROOT) -> str:
    """The README with its block of links brought up to date."""
    pattern = re.compile(
        re.escape(LINKS_START) + ".*?" + re.escape(LINKS_END), re.S
    )
    if not pattern.search(text):
        raise SystemExit(
            f"README.md has no {LINKS_START} ... {LINKS_END} block"
        )
    return pattern.sub(lambda _: readme_links(root), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing"
    )
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    stale = []
    for path in sorted((args.root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if stamp_notebook(nb, path.name, args.root):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
    readme = args.root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if stamp_readme(text, args.root) != text:
        stale.append(readme)
        if not args.check:
            readme.write_text(
                stamp_readme(text, args.root), encoding="utf-8"
            )
    for path in stale:
        state = "out of step" if args.check else "stamped"
        print(f"{state}: {path.relative_to(args.root)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
