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
def test_code_and_printed_lines_fit_the_column(stem):
    """Code and printed lines are at most 88 characters: the column of the book and of Colab."""
    long = []
    for i, c in enumerate(_notebook(stem).cells):
        if c.cell_type != "code":
            continue
        texts = [("code", c.source)] + [
            ("output", out.get("text") or out.get("data", {}).get("text/plain", ""))
            for out in c.get("outputs", [])
            if out.get("output_type") == "stream" or "text/html" not in out.get("data", {})
        ]
        long += [(i, kind, line[:40]) for kind, text in texts for line in text.splitlines()
                 if len(line) > 88 and not line.startswith("<IPython")]
    assert not long, f"chapters/{stem}.ipynb has lines over 88 characters: {long}"


@pytest.mark.parametrize("stem", PAIRED)
def test_no_markdown_line_starts_a_plus_list(stem):
    # a text line starting with "+" outside a display-math block is a list item in Markdown: an inline
    # formula broken before a "+" turns into a bullet with raw LaTeX
    bad = []
    for i, cell in enumerate(_notebook(stem).cells):
        if cell.cell_type != "markdown":
            continue
        display = False
        for line in cell.source.splitlines():
            text = line.strip()
            if text.startswith("$$"):
                display = display if text.count("$$") == 2 else not display
                continue
            if not display and re.match(r"\+(\s|$)", text):
                bad.append(f"cell {i}: {text[:60]}")
    assert not bad, f"{stem}: lines that render as '+' list items: {bad}"


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


def _install_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("install_cell", ROOT / "_ext" / "install_cell.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stem", PAIRED)
def test_install_cell_is_the_generated_one(stem):
    """One text for every chapter: `python _ext/install_cell.py` rewrites the copies."""
    assert _install_cell(stem) == _install_module().cell_source(), (
        f"chapters/{stem}: the install cell differs from _ext/install_cell.py; run it")


def test_install_cell_generator_rewrites_a_stale_pair(tmp_path):
    import shutil

    ic = _install_module()
    stem = PAIRED[0]
    (tmp_path / "chapters").mkdir()
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for ext in (".py", ".ipynb"):
        text = (ROOT / "chapters" / f"{stem}{ext}").read_text(encoding="utf-8")
        (tmp_path / "chapters" / f"{stem}{ext}").write_text(
            text.replace("@v", "@v9.9.9-old") if ext == ".py" else text, encoding="utf-8")
    nb_path = tmp_path / "chapters" / f"{stem}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "google.colab" in cell.source:
            cell.source = cell.source.replace('"-q"', '"-qq"')
    nbformat.write(nb, nb_path)
    assert ic.chapter_cell(stem, tmp_path) != ic.cell_source(tmp_path)
    assert ic.write(stem, tmp_path) is True
    assert ic.chapter_cell(stem, tmp_path) == ic.cell_source(tmp_path)
    py = (tmp_path / "chapters" / f"{stem}.py").read_text(encoding="utf-8")
    assert ic.cell_source(tmp_path) in py and "9.9.9-old" not in py
    assert ic.write(stem, tmp_path) is False  # idempotent


@pytest.mark.parametrize("stem", PAIRED)
def test_install_cell_runs_only_on_colab_and_is_pinned(stem):
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    source = _install_cell(stem)
    assert 'if "google.colab" in sys.modules:' in source, f"{stem}: the install cell must run only on Colab"
    pinned = f'glu-lib @ git+{project["urls"]["Repository"]}@v{project["version"]}'
    assert pinned in source, f"{stem}: the install cell must install {pinned!r}"


@pytest.mark.parametrize("tag_exists", [True, False])
@pytest.mark.parametrize("stem", PAIRED)
def test_install_cell_falls_back_to_main_with_a_warning(stem, tag_exists, monkeypatch):
    """On Colab, a release that is not tagged yet must not break the first cell: main, with a warning."""
    import subprocess
    import sys
    import types
    import warnings

    calls = []

    def run(cmd, check=False, **kwargs):
        calls.append(cmd[-1])
        code = 0 if (tag_exists or not cmd[-1].split("@")[-1].startswith("v")) else 1
        if check and code:
            raise subprocess.CalledProcessError(code, cmd)
        return subprocess.CompletedProcess(cmd, code)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(_install_cell(stem), f"{stem}-install", "exec"), {})
    tags = [c.split("@")[-1] for c in calls]
    assert tags == (["v" + _project()["version"]] if tag_exists else ["v" + _project()["version"], "main"])
    assert bool(caught) != tag_exists, f"{stem}: a fallback to main must warn, and only then"


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
    from glu_lib.verdicts import load_findings, load_verdicts, to_markdown

    shown = _shown_verdicts(stem)
    assert len(shown) == 1, f"chapters/{stem}.ipynb shows {len(shown)} verdict tables, expected one"
    folder = ROOT / "results" / "verdicts"
    assert shown[0] == to_markdown(load_verdicts(stem, folder), load_findings(stem, folder)), (
        f"chapters/{stem}.ipynb shows verdicts that differ from results/verdicts/{stem}.json: "
        "execute the chapter again and commit both"
    )


# --------------------------------------------------------------------------- set-up, links, scorecard


def _project() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_repository_address_lives_in_pyproject():
    """_config.yml (for the page buttons) and the README's citation repeat it; nothing else may."""
    url = _project()["urls"]["Repository"]
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"] == url, "_config.yml repository.url differs from pyproject.toml"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"\\url{{{url}}}" in readme, "the README's citation must give the repository of pyproject.toml"
    owner = "/".join(url.rstrip("/").split("/")[-2:])
    pinned = f'glu-lib @ git+{url}@v{_project()["version"]}'  # the install cells, checked above
    pages = [ROOT / "index.md", *CHAPTERS.glob("*.md"), *CHAPTERS.glob("*.py")]
    stray = [p.relative_to(ROOT).as_posix() for p in pages
             if owner in p.read_text(encoding="utf-8").replace(pinned, "")]
    assert not stray, f"the repository address is typed into {stray}: link to the README or pyproject instead"


def test_ci_needs_no_data_folder_or_environment():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "GLU_DATA_DIR" not in ci and "shared" not in ci, ".ci/run must not depend on a data folder"


def test_the_readme_runs_tools_from_the_virtualenv():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    bare = re.findall(r"^(?:GLU_SCALE=\S+ )?(papermill|jupyter|jupytext|pytest)\b", readme, flags=re.MULTILINE)
    assert not bare, f"README commands must use .venv/bin/...: {bare}"


def test_the_scorecard_shows_every_chapter_and_its_stored_verdicts():
    from glu_lib import scorecard
    from glu_lib.verdicts import load_findings, load_verdicts

    directory = ROOT / "results" / "verdicts"
    found = scorecard.collect(CHAPTER_STEMS, directory)
    assert [c.chapter for c in found] == CHAPTER_STEMS
    for c in found:
        if c.assessed:
            assert list(c.rows) == load_verdicts(c.chapter, directory)
            assert list(c.findings) == load_findings(c.chapter, directory)
    table = scorecard.scorecard_markdown(found).splitlines()[2:]
    assert len(table) == sum(len(c.rows) if c.assessed else 1 for c in found)
    own = scorecard.findings_markdown(found).splitlines()[2:]
    assert len(own) == sum(len(c.findings) for c in found)
    heads = scorecard.headlines(found)
    assert 3 <= len(heads) <= 5, f"the front page states {len(heads)} headline findings, expected 3 to 5"
    assert all(h.endswith(".") and len(h) < 300 for _, h in heads), heads
    for page, pattern in ((CHAPTERS / "scorecard.md", 'Path().glob("[0-9][0-9]_*.ipynb")'),
                          (ROOT / "index.md", 'Path("chapters").glob("[0-9][0-9]_*.ipynb")')):
        source = page.read_text(encoding="utf-8")
        assert "scorecard.collect(" in source and pattern in source, f"{page.name} must generate its verdicts"


BUILT = ROOT / "_build" / "html"
needs_build = pytest.mark.skipif(not (BUILT / "index.html").exists(), reason="the book has not been built")


@needs_build
def test_built_scorecard_has_one_row_per_stored_claim():
    from glu_lib import scorecard

    found = scorecard.collect(CHAPTER_STEMS, ROOT / "results" / "verdicts")
    html = (BUILT / "chapters" / "scorecard.html").read_text(encoding="utf-8")
    assert html.index("How to read the verdicts") < html.index("<tbody>"), "the legend must come before the table"
    bodies = [b.split("</tbody>", 1)[0] for b in html.split("<tbody>")[1:]]
    assert bodies[0].count("<tr") == sum(len(c.rows) if c.assessed else 1 for c in found), (
        "the built scorecard differs from results/verdicts: build the book again (--all)")
    if any(c.findings for c in found):
        assert bodies[1].count("<tr") == sum(len(c.findings) for c in found)


@needs_build
def test_built_pages_buttons_and_api():
    for page in ("index.html", "chapters/scorecard.html", "chapters/execution.html"):
        assert "colab.research.google.com" not in (BUILT / page).read_text(encoding="utf-8"), (
            f"{page}: a launch button would open a .md file")
    for stem in CHAPTER_STEMS:
        html = (BUILT / "chapters" / f"{stem}.html").read_text(encoding="utf-8")
        assert "/edit/" in html and f"chapters/{stem}.py" in html and f"edit/main/chapters/{stem}.ipynb" not in html
        launch = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', html)
        assert launch and all(u.endswith(f"/blob/main/colab/{stem}.ipynb") for u in launch), (
            f"{stem}: the launch button must open the Colab edition colab/{stem}.ipynb, not {launch}")
    api = (BUILT / "chapters" / "api.html").read_text(encoding="utf-8")
    assert "&lt;built-in" not in api and "&lt;function" not in api, "raw reprs on the API page"


@needs_build
def test_built_chapters_render_their_verdict_tables_and_numbers():
    """The verdict tables are HTML tables (MyST, not CommonMark); figures are numbered per chapter."""
    for chapter in _numbered_chapters():
        html = (BUILT / f"{chapter.entry}.html").read_text(encoding="utf-8")
        assert "| paper claim |" not in html, f"{chapter.stem}: a verdict table is left as text"
        assert "<table" in html, f"{chapter.stem}: no table on the page"
        numbers = re.findall(r'<span class="caption-number">Fig\. ([\d.]+)', html)
        assert all(n.startswith(f"{chapter.number}.") for n in numbers), (chapter.stem, numbers)
        assert f'<span class="section-number">{chapter.number}. </span>' in html


@needs_build
def test_built_pages_have_one_search_field():
    html = (BUILT / "chapters" / "02_analytic_ntk.html").read_text(encoding="utf-8")
    assert "navbar-persistent--container" not in html, "a second search field in the page header"


# --------------------------------------------------------------------------- readers' view of the pages


def _numbered_chapters():
    import importlib.util
    import sys

    module = sys.modules.get("colab_edition")
    if module is None:  # the generator of the Colab editions reads _toc.yml as the book numbers it
        spec = importlib.util.spec_from_file_location("colab_edition", ROOT / "_ext" / "colab_edition.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["colab_edition"] = module
        spec.loader.exec_module(module)
    return [c for c in module.toc_chapters(ROOT) if c.number is not None]


def test_markdown_outputs_render_as_myst_and_the_header_has_no_search_field():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config["sphinx"]
    assert sphinx["config"]["nb_render_markdown_format"] == "myst", "verdict tables would render as text"
    assert sphinx["recursive_update"] is True, "html_theme_options would replace jupyter-book's buttons"
    assert sphinx["config"]["html_theme_options"]["navbar_persistent"] == []
    assert config["html"]["baseurl"].startswith("https://") and config["html"]["baseurl"].endswith("/")


def test_chapters_are_numbered_per_chapter():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["html"]["use_multitoc_numbering"] is True
    assert config["sphinx"]["config"]["numfig"] is True
    assert config["sphinx"]["config"].get("numfig_secnum_depth", 1) == 1
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = [p for p in toc["parts"] if any(re.match(r"chapters/\d\d_", c["file"]) for c in p["chapters"])]
    assert parts and all(p.get("numbered") for p in parts), "the chapters' part of _toc.yml must be numbered"
    notation = (CHAPTERS / "notation.md").read_text(encoding="utf-8")
    assert "numbered per chapter" in notation


def test_chapter_titles_carry_their_table_of_contents_number():
    """The plain notebook shows "# 3. Title"; the book takes the number off and shows the toc's."""
    for chapter in _numbered_chapters():
        title = next(line for c in _notebook(chapter.stem).cells if c.cell_type == "markdown"
                     for line in c.source.splitlines() if line.startswith("# "))
        assert re.match(rf"# {chapter.number}\. \S", title), (
            f"{chapter.stem}: the title {title!r} must start with its number in _toc.yml, {chapter.number}.")


#: Functions of glu_lib.plotting that only set a style or pick colours; any other call draws.
_STYLE_ONLY = {"use_style", "kind_style"}
_HIDDEN = {"hide-input", "remove-input", "hide-cell", "remove-cell"}


def _drawing_names() -> set[str]:
    import glu_lib.plotting as plotting

    return {name for name, obj in vars(plotting).items()
            if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "") == plotting.__name__
            } - _STYLE_ONLY


def _needs_hidden_input(source: str, metadata: dict, drawing: set[str]) -> str | None:
    """Why a code cell's input should be folded away (plotting or verdict building), or None."""
    if metadata.get("mystnb", {}).get("figure"):
        return "a figure"
    if re.search(r"\bplt\.(subplots|figure|show|subplot_mosaic)\(|\.savefig\(", source):
        return "plotting"
    called = set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", source))
    if called & drawing:
        return "plotting (" + ", ".join(sorted(called & drawing)) + ")"
    if {"verdict_table", "Verdict", "Finding"} & called:
        return "verdict building"
    return None


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_plotting_and_verdict_cells_hide_their_input(stem):
    """A chapter page reads as prose, figures, numbers and tables: drawing and verdict-building
    code is one click away (``# %% tags=["hide-input"]`` in the .py), not on the page."""
    drawing = _drawing_names()
    need = []
    for i, cell in enumerate(_notebook(stem).cells):
        if cell.cell_type != "code" or _HIDDEN & set(cell.metadata.get("tags", [])):
            continue
        why = _needs_hidden_input(cell.source, cell.metadata, drawing)
        if why:
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            need.append(f"cell {i} ({why}): {first[:60]!r}")
    assert not need, (f"chapters/{stem}.py: tag these cells hide-input "
                      f"(# %% tags=[\"hide-input\"]):\n  " + "\n  ".join(need))


def test_the_hide_input_check_finds_what_it_should():
    drawing = _drawing_names()
    assert {"heatmaps", "loglog_lines", "teaser_figure"} <= drawing and not _STYLE_ONLY & drawing
    assert _needs_hidden_input("fig, ax = plt.subplots()", {}, drawing) == "plotting"
    assert _needs_hidden_input("x = 1", {"mystnb": {"figure": {"caption": "c"}}}, drawing) == "a figure"
    assert _needs_hidden_input("heatmaps([K], ['K'])", {}, drawing).startswith("plotting")
    assert _needs_hidden_input("verdict_table('02', rows)", {}, drawing) == "verdict building"
    assert _needs_hidden_input("use_style()\nprint(kind_style('relu'))", {}, drawing) is None
    assert _needs_hidden_input("kappa = condition_number(K)", {}, drawing) is None


def test_readme_documents_the_page_checker_and_the_colab_edition():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "npm pack mathjax@3" in readme and "package/es5" in readme
    assert "--width" not in readme or "1024" in readme
    assert ".venv/bin/python _ext/colab_edition.py" in readme


def test_api_page_lists_every_public_module():
    page = (ROOT / "chapters" / "api.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\.\. automodule:: glu_lib\.(\w+)$", page, flags=re.MULTILINE))
    modules = {p.stem for p in (ROOT / "glu_lib").glob("*.py") if not p.stem.startswith("_")}
    assert modules <= listed, f"modules missing from chapters/api.md: {sorted(modules - listed)}"
