"""The Colab edition of the book: every chapter as a plain notebook, MyST converted away.

The chapters are written in MyST (citations, cross-references, theorem boxes, included library
code, figure captions in cell metadata), which the book renders and Colab or Jupyter show as
source. This program writes, for every notebook chapter listed in ``_toc.yml``, a plain copy under
``colab/`` with the same code and stored outputs, in which

* citations are author–year text linked to the reference (from ``references.bib``);
* ``{doc}`` links point at the chapter's page of the published book (``html.baseurl``);
* theorem boxes (``prf:`` directives) are quoted blocks with a bold, numbered heading, numbered
  as in the book (Theorem 3.1); cross-references to them and to figures become that text;
* ``literalinclude`` is replaced by the code it includes;
* each figure's caption is a Markdown cell under the figure, numbered as in the book (Fig. 3.2);
* ``(label)=`` lines and equation labels are dropped;
* the install cell installs the book's library from the branch the launch button opens, and
  checks that the library it then imports is the one the edition was generated with (a
  fingerprint of its source files); a mismatch is a visible warning, not a failure.

Any MyST syntax it does not know is an error, so a new construct cannot slip into an edition
unconverted. The launch (Colab) button of each chapter page opens its edition
(``_ext/book_pages.py``); ``tests/test_colab_edition.py`` fails when an edition is missing, holds
MyST syntax, or differs from what this program generates now. Regenerate after changing a
chapter or the library::

    .venv/bin/python _ext/colab_edition.py            # write colab/*.ipynb
    .venv/bin/python _ext/colab_edition.py --check    # only report missing or stale editions
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
EDITION_DIR = "colab"

#: Patterns of MyST syntax that must not survive into an edition (used by the tests as well).
MYST_PATTERNS = {
    "role": re.compile(r"\{[a-zA-Z][\w:.-]*\}`"),
    "directive fence": re.compile(r"^\s*(?:>\s*)*(?:`{3,}|:{3,})\s*\{", re.MULTILINE),
    "colon fence": re.compile(r"^\s*(?:>\s*)*:{3,}\s*$", re.MULTILINE),
    "directive option": re.compile(r"^\s*(?:>\s*)*:(?:label|pyobject|name|class|nonumber|"
                                   r"lines|caption|language):", re.MULTILINE),
    "target": re.compile(r"^\s*\([\w:.-]+\)=\s*$", re.MULTILINE),
    "equation label": re.compile(r"\$\$\s*\([\w:.-]+\)\s*$", re.MULTILINE),
}

_ROLE = re.compile(r"\{([a-zA-Z][\w:.-]*)\}`([^`]*)`")
_TARGET = re.compile(r"^\s*\(([\w:.-]+)\)=\s*$")
_FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|:{3,})\s*\{([\w:.-]+)\}\s*(.*?)\s*$")
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$")
_TITLE_NUMBER = re.compile(r"^(\d+)\.\s+")
_PY_ROLES = {"mod", "func", "class", "meth", "attr", "data", "obj", "exc", "py:mod", "py:func",
             "py:class", "py:meth", "py:attr", "py:data", "py:obj", "py:exc"}


# --------------------------------------------------------------------------- the book's structure


@dataclass(frozen=True)
class Chapter:
    """A notebook chapter of the table of contents: its toc entry and its number (or None)."""

    entry: str  # "chapters/03_spectrum"
    number: int | None

    @property
    def stem(self) -> str:
        return Path(self.entry).name


def toc_chapters(root: Path = ROOT) -> list[Chapter]:
    """The notebook chapters of ``_toc.yml`` in order, numbered as the book numbers them.

    Entries in parts marked ``numbered`` are numbered 1, 2, ... in order across those parts (the
    book's multitoc numbering); a notebook entry elsewhere has no number.
    """
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[Chapter] = []
    counter = 0

    def walk(items, numbered):
        nonlocal counter
        for item in items or []:
            if "file" in item:
                number = None
                if numbered:
                    counter += 1
                    number = counter
                if (root / f"{item['file']}.ipynb").is_file():
                    found.append(Chapter(item["file"], number))
                walk(item.get("sections"), False)
            walk(item.get("chapters"), numbered or bool(item.get("numbered")))

    walk(toc.get("parts", []) or [{"chapters": toc.get("chapters", [])}], False)
    return found


def page_title(root: Path, entry: str) -> str:
    """The first level-1 heading of a page (.ipynb or .md), without a leading chapter number."""
    path = root / f"{entry}.ipynb"
    if path.is_file():
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    else:
        path = root / f"{entry}.md"
        text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("# "):
            return _TITLE_NUMBER.sub("", line[2:].strip())
    raise ValueError(f"{path}: no level-1 heading")


def library_fingerprint(package_dir: Path) -> str:
    """SHA-256 over the library's Python sources: their paths in the package and their bytes.

    The install cell of an edition computes the same over the installed package, so an edition
    knows whether it runs with the library it was generated with. ``__pycache__`` and the stored
    results are not part of it.
    """
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir).as_posix()
        if "__pycache__" in rel or rel.startswith("stored_results/"):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


# --------------------------------------------------------------------------- bibliography


def _latex_text(text: str) -> str:
    import codecs

    import latexcodec  # noqa: F401  (registers the "ulatex" codec; a dependency of pybtex)

    return codecs.decode(text, "ulatex").replace("{", "").replace("}", "")


@dataclass(frozen=True)
class Reference:
    who: str  # "Lyu et al."
    year: str
    url: str | None


def read_bibliography(path: Path) -> dict[str, Reference]:
    """Author–year labels and links of the entries of a BibTeX file."""
    from pybtex.database import parse_file

    refs = {}
    for key, entry in parse_file(str(path), bib_format="bibtex").entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [_latex_text(" ".join(p.last_names)) for p in people]
        if not last:
            who = _latex_text(entry.fields.get("title", key))
        elif len(last) == 1:
            who = last[0]
        elif len(last) == 2:
            who = f"{last[0]} and {last[1]}"
        else:
            who = f"{last[0]} et al."
        fields = entry.fields
        url = fields.get("url")
        if not url and fields.get("doi"):
            url = f"https://doi.org/{fields['doi']}"
        if not url and fields.get("eprint") and fields.get("archiveprefix", "").lower() == "arxiv":
            url = f"https://arxiv.org/abs/{fields['eprint']}"
        refs[key] = Reference(who, fields.get("year", "n.d."), url)
    return refs


# --------------------------------------------------------------------------- conversion


@dataclass
class Context:
    """What converting one chapter needs: the book and the chapter's own numbered items."""

    root: Path
    chapter: Chapter
    chapters: list[Chapter]
    refs: dict[str, Reference]
    baseurl: str
    labels: dict[str, str] = field(default_factory=dict)  # label -> "Fig. 3.2", "Theorem 3.1"
    source: str = ""

    def where(self) -> str:
        return f"{self.chapter.entry}.ipynb"

    def page_url(self, entry: str) -> str:
        return f"{self.baseurl.rstrip('/')}/{entry}.html"


def _number(ctx: Context, k: int) -> str:
    return f"{ctx.chapter.number}.{k}" if ctx.chapter.number is not None else str(k)


def _cite(ctx: Context, role: str, content: str) -> str:
    parts = []
    for key in (k.strip() for k in content.split(",")):
        if key not in ctx.refs:
            raise ValueError(f"{ctx.where()}: {{{role}}}`{content}`: {key!r} is not in references.bib")
        r = ctx.refs[key]
        if role == "cite:t":
            text = f"{r.who} ({r.year})"
        else:
            text = f"{r.who}, {r.year}"
        parts.append(f"[{text}]({r.url})" if r.url else text)
    if role == "cite:t":
        return ", ".join(parts)
    return "(" + "; ".join(parts) + ")"


def _doc(ctx: Context, content: str) -> str:
    m = _EXPLICIT.match(content)
    text, target = (m.group(1), m.group(2)) if m else (None, content)
    base = Path(ctx.chapter.entry).parent
    entry = target.lstrip("/") if target.startswith("/") else (base / target).as_posix()
    entry = re.sub(r"\.(md|ipynb)$", "", entry)
    if not any((ctx.root / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")):
        raise ValueError(f"{ctx.where()}: {{doc}}`{content}`: no page {entry}")
    if text is None:
        text = page_title(ctx.root, entry)
        number = next((c.number for c in ctx.chapters if c.entry == entry), None)
        if number is not None:
            text = f"Chapter {number}, {text}"
    return f"[{text}]({ctx.page_url(entry)})"


def _ref(ctx: Context, role: str, content: str) -> str:
    m = _EXPLICIT.match(content)
    text, label = (m.group(1), m.group(2)) if m else (None, content)
    if label not in ctx.labels:
        raise ValueError(f"{ctx.where()}: {{{role}}}`{content}`: unknown label {label!r}")
    if text is None:
        return ctx.labels[label]
    return text.replace("{number}", ctx.labels[label].split()[-1]).replace("%s", ctx.labels[label])


def convert_roles(ctx: Context, text: str) -> str:
    """Replace MyST roles by plain Markdown."""

    def one(m):
        role, content = m.group(1), m.group(2)
        if role in ("cite", "cite:p", "cite:ps", "cite:t", "cite:ts"):
            return _cite(ctx, role.rstrip("s") if role.endswith("s") else role, content)
        if role == "doc":
            return _doc(ctx, content)
        if role in ("numref", "ref", "prf:ref", "eq", "prf:eq"):
            return _ref(ctx, role, content)
        if role == "math":
            return f"${content}$"
        if role in _PY_ROLES:
            name = content.lstrip("~").split(".")[-1] if content.startswith("~") else content
            return f"`{name}`"
        if role in ("code", "samp", "file", "command", "envvar"):
            return f"`{content}`"
        raise ValueError(f"{ctx.where()}: the role {{{role}}} has no plain form in the Colab edition")

    return _ROLE.sub(one, text)


def _directive_body(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split a directive's lines into its ``:key: value`` options and its body."""
    options, i = {}, 0
    while i < len(lines) and re.match(r"^\s*:[\w-]+:", lines[i]):
        key, _, value = lines[i].strip()[1:].partition(":")
        options[key] = value.strip()
        i += 1
    if i < len(lines) and not lines[i].strip():
        i += 1
    return options, lines[i:]


def _pyobject_source(path: Path, name: str) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    source = path.read_text(encoding="utf-8").splitlines()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "\n".join(source[start - 1:node.end_lineno])
    raise ValueError(f"{path}: no function or class {name!r}")


def _directive(ctx: Context, name: str, argument: str, lines: list[str]) -> list[str]:
    options, body = _directive_body(lines)
    if name.startswith("prf:"):
        kind = name.split(":", 1)[1]
        inner = convert_markdown(ctx, "\n".join(body)).splitlines()
        if kind == "proof":
            head = "*Proof.*"
        else:
            number = ctx.labels.get(options.get("label", ""), "") or kind.capitalize()
            title = convert_roles(ctx, argument).strip()
            head = f"**{number}**" + (f" ({title})." if title else ".")
        while inner and not inner[0].strip():
            inner.pop(0)
        quoted = [head] + ([""] + inner if inner else [])
        return [f"> {line}".rstrip() for line in quoted]
    if name == "literalinclude":
        path = (ctx.root / Path(ctx.chapter.entry).parent / argument).resolve()
        if not path.is_file():
            raise ValueError(f"{ctx.where()}: literalinclude {argument}: no such file")
        code = _pyobject_source(path, options["pyobject"]) if "pyobject" in options else \
            path.read_text(encoding="utf-8").rstrip("\n")
        language = options.get("language", "python" if path.suffix == ".py" else "")
        rel = path.relative_to(ctx.root).as_posix()
        what = f"`{options['pyobject']}` in `{rel}`" if "pyobject" in options else f"`{rel}`"
        return [f"From {what}:", "", f"```{language}", *code.splitlines(), "```"]
    if name == "math":
        return ["$$", *body, "$$"]
    if name in ("code-block", "code", "sourcecode"):
        return [f"```{argument}", *body, "```"]
    if name in ("note", "warning", "tip", "important", "caution", "attention", "admonition"):
        title = argument if name == "admonition" else name.capitalize()
        inner = convert_markdown(ctx, "\n".join(body)).splitlines()
        return [f"> {line}".rstrip() for line in [f"**{title}.**", "", *inner]]
    raise ValueError(f"{ctx.where()}: the directive {{{name}}} has no plain form in the Colab edition")


def convert_markdown(ctx: Context, text: str) -> str:
    """A Markdown cell of a chapter, MyST converted to plain Markdown."""
    lines, out, i = text.splitlines(), [], 0
    in_code = None  # the fence of a plain code block being copied
    while i < len(lines):
        line = lines[i]
        if in_code is not None:
            out.append(line)
            if line.strip() == in_code:
                in_code = None
            i += 1
            continue
        opening = _FENCE_OPEN.match(line)
        if opening:
            indent, fence, name, argument = opening.groups()
            j = i + 1
            while j < len(lines) and lines[j].strip() != fence:
                j += 1
            if j == len(lines):
                raise ValueError(f"{ctx.where()}: the {{{name}}} block is not closed by {fence}")
            out += [indent + x if x else x for x in _directive(ctx, name, argument, lines[i + 1:j])]
            i = j + 1
            continue
        plain = re.match(r"^\s*(`{3,}|~{3,})", line)
        if plain:
            in_code = plain.group(1)
            out.append(line)
            i += 1
            continue
        if _TARGET.match(line):
            i += 1
            continue
        line = re.sub(r"(\$\$)\s*\([\w:.-]+\)\s*$", r"\1", line)
        out.append(convert_roles(ctx, line))
        i += 1
    return "\n".join(out)


def _collect_labels(ctx: Context, nb) -> None:
    """Number the chapter's figures and theorem boxes as the book does; map their labels."""
    figures = 0
    counters: dict[str, int] = {}
    for cell in nb.cells:
        figure = cell.metadata.get("mystnb", {}).get("figure") if cell.cell_type == "code" else None
        if figure:
            figures += 1
            if figure.get("name"):
                ctx.labels[figure["name"]] = f"Fig. {_number(ctx, figures)}"
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for k, line in enumerate(lines):
            target = _TARGET.match(line)
            if target:
                ctx.labels[target.group(1)] = _section_text(ctx, lines[k + 1:])
            opening = _FENCE_OPEN.match(line)
            if opening and opening.group(3).startswith("prf:") and opening.group(3) != "prf:proof":
                kind = opening.group(3).split(":", 1)[1]
                counters[kind] = counters.get(kind, 0) + 1
                options, _ = _directive_body(lines[k + 1:])
                if options.get("label"):
                    ctx.labels[options["label"]] = f"{kind.capitalize()} {_number(ctx, counters[kind])}"


def _section_text(ctx: Context, following: list[str]) -> str:
    for line in following:
        if line.startswith("#"):
            return _TITLE_NUMBER.sub("", line.lstrip("#").strip())
    return ctx.chapter.stem


def install_cell(project: dict, branch: str, fingerprint: str):
    """The first code cell of an edition (see the module docstring)."""
    repository = project["urls"]["Repository"]
    source = f'''\
# The book's library, glu_lib: installed on Colab from the branch this notebook was
# opened from; everywhere, checked against the library this edition was generated with.
import hashlib
import pathlib
import subprocess
import sys
import warnings

if "google.colab" in sys.modules:
    PACKAGE = "glu-lib @ git+{repository}@{branch}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

import glu_lib

GENERATED_WITH = "{fingerprint}"
_pkg = pathlib.Path(glu_lib.__file__).parent
_digest = hashlib.sha256()
for _path in sorted(_pkg.rglob("*.py")):
    _rel = _path.relative_to(_pkg).as_posix()
    if "__pycache__" not in _rel and not _rel.startswith("stored_results/"):
        _text = _path.read_bytes().replace(b"\\r\\n", b"\\n")
        _digest.update(_rel.encode() + b"\\0" + _text + b"\\0")
if _digest.hexdigest() != GENERATED_WITH:
    warnings.warn("glu_lib " + glu_lib.__version__ + " differs from the library this "
                  "notebook was generated with: its stored outputs may not be "
                  "reproduced.", stacklevel=1)'''
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "colab-install"
    cell.metadata = {}
    return cell


def _markdown(source: str, cell_id: str):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    return cell


def _is_install_cell(cell) -> bool:
    return cell.cell_type == "code" and "google.colab" in cell.source and "pip" in cell.source


def edition(chapter: Chapter, root: Path = ROOT) -> nbformat.NotebookNode:
    """The Colab edition of one chapter, as a notebook."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    branch = config.get("repository", {}).get("branch", "main")
    baseurl = config.get("html", {}).get("baseurl")
    if not baseurl:
        raise ValueError("_config.yml: html.baseurl is not set (the editions link to the book there)")
    ctx = Context(root, chapter, toc_chapters(root), read_bibliography(root / "references.bib"), baseurl)
    nb = nbformat.read(root / f"{chapter.entry}.ipynb", as_version=4)
    _collect_labels(ctx, nb)

    out = nbformat.v4.new_notebook()
    out.metadata = copy.deepcopy(nb.metadata)
    out.metadata.pop("jupytext", None)
    out.metadata["colab"] = {"name": f"{chapter.stem}.ipynb", "provenance": []}
    out.metadata["glu_book_edition"] = {"source": f"{chapter.entry}.py", "version": project["version"]}
    number = f"chapter {chapter.number}" if chapter.number is not None else "a chapter"
    banner = (f"*This is the Colab edition of {number} of the executable book "
              f"[{config['title']}]({baseurl}) ([this chapter in the book]"
              f"({ctx.page_url(chapter.entry)})), glu-lib {project['version']}. It is generated "
              f"from `{chapter.entry}.py`, with the same code and stored outputs; edit that "
              f"file, not this one.*")
    fingerprint = library_fingerprint(root / "glu_lib")
    figures = 0
    placed_install = False
    for cell in nb.cells:
        if _is_install_cell(cell):
            continue
        if cell.cell_type == "markdown":
            new = copy.deepcopy(cell)
            new.source = convert_markdown(ctx, cell.source)
            new.metadata.pop("tags", None)
            out.cells.append(new)
            if not placed_install:
                out.cells.append(_markdown(banner, "colab-banner"))
                out.cells.append(install_cell(project, branch, fingerprint))
                placed_install = True
            continue
        if not placed_install:
            out.cells.append(_markdown(banner, "colab-banner"))
            out.cells.append(install_cell(project, branch, fingerprint))
            placed_install = True
        new = copy.deepcopy(cell)
        figure = new.metadata.pop("mystnb", {}).get("figure")
        out.cells.append(new)
        if figure:
            figures += 1
            caption = convert_markdown(ctx, figure.get("caption", "")).strip()
            out.cells.append(_markdown(f"**Fig. {_number(ctx, figures)}.** {caption}",
                                       f"{new.get('id', 'cell')}-caption"))
    return out


def render(nb: nbformat.NotebookNode) -> str:
    """The edition as it is written to disk (deterministic, so that it can be compared)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def myst_leftovers(nb: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, pattern name, the matching text) for MyST syntax left in Markdown cells."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"^(\s*)(`{3,}).*?^\1\2\s*$", "", cell.source, flags=re.MULTILINE | re.DOTALL)
        for name, pattern in MYST_PATTERNS.items():
            found += [(i, name, m.group(0).strip()) for m in pattern.finditer(text)]
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 when an edition is missing or stale")
    ap.add_argument("--root", type=Path, default=ROOT, help="the book's root folder")
    args = ap.parse_args(argv)
    folder = args.root / EDITION_DIR
    chapters = toc_chapters(args.root)
    expected = {f"{c.stem}.ipynb": render(edition(c, args.root)) for c in chapters}
    present = {p.name for p in folder.glob("*.ipynb")} if folder.is_dir() else set()
    stale = sorted(n for n, text in expected.items()
                   if not (folder / n).is_file() or (folder / n).read_text(encoding="utf-8") != text)
    extra = sorted(present - set(expected))
    if args.check:
        for name in stale:
            print(f"{EDITION_DIR}/{name}: missing or stale")
        for name in extra:
            print(f"{EDITION_DIR}/{name}: no chapter of _toc.yml")
        return 1 if stale or extra else 0
    folder.mkdir(exist_ok=True)
    for name in stale:
        (folder / name).write_text(expected[name], encoding="utf-8")
    for name in extra:
        (folder / name).unlink()
    print(f"{len(expected)} editions in {EDITION_DIR}/: {len(stale)} written, {len(extra)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
