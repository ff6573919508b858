"""The chapters' install cell, generated: one text for every chapter, from ``pyproject.toml``.

Each chapter starts (after its title) with a cell tagged ``remove-cell`` that runs only on Colab: it
installs the book's library at the release the notebook belongs to (``v<version>`` of the project's
repository) and, until that release is tagged, the main branch with a warning. The cell is the same
in every chapter, so it is written here once; ``tests/test_book.py`` fails when a chapter's copy
differs from :func:`cell_source`. After changing the version or the text::

    .venv/bin/python _ext/install_cell.py            # rewrite the cell in every chapter (.py and .ipynb)
    .venv/bin/python _ext/install_cell.py --check    # only list the chapters whose cell differs
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TAG_LINE = '# %% tags=["remove-cell"]'

TEMPLATE = '''# On Colab only: install the book's library at the release this notebook belongs
# to; until that release is tagged, the main branch, with a warning.
import sys

if "google.colab" in sys.modules:
    import subprocess
    import warnings

    PACKAGE = "glu-lib @ git+{repository}@v{version}"
    PIP = [sys.executable, "-m", "pip", "install", "-q"]
    if subprocess.run([*PIP, PACKAGE]).returncode != 0:
        warnings.warn("this notebook's release of glu_lib is not tagged yet: "
                      "installing the main branch, which may differ from the "
                      "library the notebook was made with")
        subprocess.run([*PIP, PACKAGE.rsplit("@", 1)[0] + "@main"], check=True)'''


def cell_source(root: Path = ROOT) -> str:
    """The install cell's source for the project's current version and repository."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return TEMPLATE.format(repository=project["urls"]["Repository"], version=project["version"])


def _is_install_cell(cell) -> bool:
    return cell.cell_type == "code" and "google.colab" in cell.source and "pip" in cell.source


def chapter_cell(stem: str, root: Path = ROOT) -> str:
    """The install cell of ``chapters/<stem>.ipynb`` as stored."""
    nb = nbformat.read(root / "chapters" / f"{stem}.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if _is_install_cell(c)]
    if len(cells) != 1:
        raise ValueError(f"chapters/{stem}.ipynb: expected one install cell, found {len(cells)}")
    return cells[0]


def _py_block(text: str) -> re.Match | None:
    return re.search(r"^# %% tags=\[\"remove-cell\"\]\n(.*?)(?=^# %%)", text, flags=re.M | re.S)


def write(stem: str, root: Path = ROOT) -> bool:
    """Rewrite the install cell of one chapter's pair; True if anything changed."""
    source, changed = cell_source(root), False
    py = root / "chapters" / f"{stem}.py"
    text = py.read_text(encoding="utf-8")
    m = _py_block(text)
    if m is None or "google.colab" not in m.group(1):
        raise ValueError(f"{py}: no install cell (a '{TAG_LINE}' cell that installs on Colab)")
    block = source + "\n\n"
    if m.group(1) != block:
        py.write_text(text[: m.start(1)] + block + text[m.end(1):], encoding="utf-8")
        changed = True
    ipynb = root / "chapters" / f"{stem}.ipynb"
    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        if _is_install_cell(cell) and cell.source != source:
            cell.source, changed = source, True
            nbformat.write(nb, ipynb)
    return changed


def stems(root: Path = ROOT) -> list[str]:
    """The chapters that have a Jupytext pair."""
    return sorted(p.stem for p in (root / "chapters").glob("[0-9][0-9]_*.py")
                  if p.with_suffix(".ipynb").exists())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only list chapters whose cell differs")
    args = ap.parse_args(argv)
    if args.check:
        stale = [s for s in stems() if chapter_cell(s) != cell_source()]
        for s in stale:
            print(f"stale install cell: chapters/{s}")
        return 1 if stale else 0
    for s in stems():
        if write(s):
            print(f"rewrote the install cell of chapters/{s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
