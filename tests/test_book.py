"""Checks of the book's sources: chapter pairs, stored outputs, table of contents and configuration.

Each chapter is a Jupytext percent script ``chapters/NN_name.py`` (what people edit) paired with a
notebook ``chapters/NN_name.ipynb`` (what the book renders and nbval re-executes). These tests are
fast: they read files and execute nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

SCRIPTS = sorted(CHAPTERS.glob("*.py"))
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
STEMS = sorted({p.stem for p in SCRIPTS} | {p.stem for p in NOTEBOOKS})
PAIRED = [s for s in STEMS if (CHAPTERS / f"{s}.py").exists() and (CHAPTERS / f"{s}.ipynb").exists()]


def _normalise(source: str) -> str:
    """Cell source without trailing whitespace on any line and without leading or trailing blank lines."""
    return "\n".join(line.rstrip() for line in source.splitlines()).strip("\n")


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """The inputs of a notebook: (cell type, normalised source, sorted tags) for each cell."""
    return [
        (cell.cell_type, _normalise(cell.source), tuple(sorted(cell.metadata.get("tags", []))))
        for cell in nb.cells
    ]


def _notebook(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(CHAPTERS / f"{stem}.ipynb", as_version=4)


def _toc_files() -> list[str]:
    """Every ``file:`` entry of ``_toc.yml``, in order, the root included."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def test_there_are_chapters():
    assert PAIRED, "no chapter pair chapters/NN_name.py + chapters/NN_name.ipynb found"


@pytest.mark.parametrize("stem", STEMS)
def test_script_and_notebook_are_paired(stem):
    missing = [f"chapters/{stem}{ext}" for ext in (".py", ".ipynb") if not (CHAPTERS / f"{stem}{ext}").exists()]
    assert not missing, f"missing half of a chapter pair: {missing} (run `jupytext --sync`)"


@pytest.mark.parametrize("stem", PAIRED)
def test_inputs_of_the_pair_agree(stem):
    script = jupytext.read(CHAPTERS / f"{stem}.py")
    notebook = _notebook(stem)
    assert _cells(script) == _cells(notebook), (
        f"chapters/{stem}.py and chapters/{stem}.ipynb differ: run "
        f"`jupytext --sync chapters/{stem}.py` and execute the notebook again"
    )


@pytest.mark.parametrize("stem", PAIRED)
def test_notebook_is_executed_without_errors(stem):
    notebook = _notebook(stem)
    code = {i: c for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source.strip()}
    assert code, f"chapters/{stem}.ipynb has no code cell"
    unexecuted = [i for i, c in code.items() if c.execution_count is None]
    assert not unexecuted, f"chapters/{stem}.ipynb: cells {unexecuted} were not executed"
    errors = [
        (i, out.get("ename"))
        for i, c in enumerate(notebook.cells)
        if c.cell_type == "code"
        for out in c.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, f"chapters/{stem}.ipynb stores error outputs (cell, exception): {errors}"


@pytest.mark.parametrize("stem", PAIRED)
def test_notebook_has_one_parameters_cell(stem):
    notebook = _notebook(stem)
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"chapters/{stem}.ipynb: cells tagged 'parameters': {tagged}, expected exactly one"
    assert notebook.cells[tagged[0]].cell_type == "code"


@pytest.mark.parametrize("stem", PAIRED)
def test_notebook_uses_the_python3_kernel(stem):
    # The book build, nbval and Colab all start the kernel named here.
    kernelspec = _notebook(stem).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"chapters/{stem}.ipynb kernelspec: {kernelspec}"


def test_toc_entries_exist():
    for entry in _toc_files():
        stem = ROOT / entry
        sources = [stem.with_suffix(ext) for ext in (".md", ".ipynb") if stem.with_suffix(ext).exists()]
        assert len(sources) == 1, f"_toc.yml entry {entry!r} must match exactly one .md or .ipynb file"
        if sources[0].suffix == ".ipynb":
            assert stem.with_suffix(".py").exists(), f"_toc.yml entry {entry!r} has no paired .py script"


def test_every_chapter_is_in_the_toc():
    listed = set(_toc_files())
    absent = [f"chapters/{s}" for s in STEMS if f"chapters/{s}" not in listed]
    assert not absent, f"chapters missing from _toc.yml: {absent}"


def test_config_executes_only_notebooks_without_outputs():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "auto"
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert config["only_build_toc_files"] is True


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^step \"[^\"]*\" \\\n\s*'([^']+)'$", ci, flags=re.MULTILINE)
    assert len(commands) == 2, f".ci/run should run two commands, found {commands}"
    for command in commands:
        assert f"\n{command}\n" in readme, f"README.md does not show the .ci/run command: {command}"


def _install_cell(stem: str) -> str:
    cells = [c.source for c in _notebook(stem).cells if c.cell_type == "code" and "pip" in c.source]
    assert len(cells) == 1, f"chapters/{stem}.ipynb: expected one install cell, found {len(cells)}"
    return cells[0]


@pytest.mark.parametrize("stem", PAIRED)
def test_install_cell_runs_only_on_colab_and_is_pinned(stem):
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    source = _install_cell(stem)
    assert 'if "google.colab" in sys.modules:' in source, f"{stem}: the install cell must run only on Colab"
    pinned = f'glu-lib @ git+{project["urls"]["Repository"]}@v{project["version"]}'
    assert pinned in source, f"{stem}: the install cell must install {pinned!r}"


CHAPTER_STEMS = [s for s in PAIRED if re.match(r"\d\d_", s)]


def _shown_verdicts(stem: str) -> list[str]:
    """The Markdown verdict tables a stored notebook displays."""
    return [
        "".join(out["data"]["text/markdown"])
        for c in _notebook(stem).cells
        if c.cell_type == "code"
        for out in c.get("outputs", [])
        if "text/markdown" in out.get("data", {}) and "| paper claim |" in "".join(out["data"]["text/markdown"])
    ]


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_chapter_shows_its_stored_verdicts(stem):
    from glu_lib.verdicts import load_verdicts, to_markdown

    shown = _shown_verdicts(stem)
    assert len(shown) == 1, f"chapters/{stem}.ipynb shows {len(shown)} verdict tables, expected one"
    assert shown[0] == to_markdown(load_verdicts(stem, ROOT / "results" / "verdicts")), (
        f"chapters/{stem}.ipynb shows verdicts that differ from results/verdicts/{stem}.json: "
        "execute the chapter again and commit both"
    )
