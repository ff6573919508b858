"""Small adjustments of the book's page buttons (a Sphinx extension loaded from _config.yml).

* Chapters are edited as Jupytext scripts, so "Edit this page" and "Show source" point at
  ``chapters/NN_name.py`` instead of the paired notebook.
* The launch (Colab) button of a chapter opens its Colab edition, ``colab/NN_name.ipynb``, a plain
  notebook generated from the chapter by ``_ext/colab_edition.py`` (Colab shows MyST as source).
* Pages written in MyST Markdown and executed at build time (the front page, the scorecard, the
  execution page) have no notebook in the repository, so they get no launch (Colab) button: it would
  open a ``.md`` file.
* Chapters are numbered by the table of contents (``numbered`` in ``_toc.yml``), which also numbers
  their figures and theorem boxes ("Fig. 3.2"). A chapter's title keeps its number in the source
  ("# 3. The NTK spectrum ...") for readers of the plain notebook (Colab, Jupyter); the book takes
  it off the title, where the theme shows the table of contents' number, and warns (an error under
  ``-W``) when the two numbers differ.
* The bibliography style ``authoryear``: entries sorted by author and year and labelled like the
  citations in the text, "Lyu et al., 2026", instead of with numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

_LOG = logging.getLogger(__name__)
_CHAPTER = re.compile(r"^chapters/\d\d_")
_TITLE_NUMBER = re.compile(r"^(\d+)\.\s+")


def _retarget(buttons, old: str, new: str):
    for button in buttons:
        if isinstance(button.get("url"), str):
            button["url"] = button["url"].replace(old, new)
        if isinstance(button.get("buttons"), list):
            _retarget(button["buttons"], old, new)


def _adjust(app, pagename, templatename, context, doctree):
    source = Path(app.env.doc2path(pagename)) if pagename in app.env.all_docs else None
    buttons = context.get("header_buttons")
    if source is None or buttons is None:
        return
    script = source.with_suffix(".py")
    if source.suffix == ".ipynb" and script.exists():
        old, new = f"{pagename}.ipynb", f"{pagename}.py"
        _retarget(buttons, f"/{old}?plain=1", f"/{new}?plain=1")  # show source
        _retarget([b for b in _flatten(buttons) if "/edit/" in b.get("url", "")], old, new)
        colab = [b for b in _flatten(buttons) if "colab.research.google.com" in b.get("url", "")]
        _retarget(colab, f"/{pagename}.ipynb", f"/colab/{Path(pagename).name}.ipynb")
        original = context.get("get_edit_provider_and_url")
        if callable(original):
            def edit_url(original=original):
                provider, url = original()
                return provider, url.replace(old, new)
            context["get_edit_provider_and_url"] = edit_url
    elif source.suffix == ".md":
        context["header_buttons"] = [b for b in buttons if b.get("label") != "launch-buttons"]


def _flatten(buttons):
    for button in buttons:
        yield button
        if isinstance(button.get("buttons"), list):
            yield from _flatten(button["buttons"])


def _last_name(person) -> str:
    import codecs

    import latexcodec  # noqa: F401  (a dependency of pybtex; registers the "ulatex" codec)

    name = codecs.decode(" ".join(person.last_names), "ulatex")
    return name.replace("{", "").replace("}", "")


def _register_bibliography_style():
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            seen: dict[str, int] = {}
            labels = []
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                if not people:
                    who = entry.fields.get("title", entry.key)[:20]
                elif len(people) == 1:
                    who = _last_name(people[0])
                elif len(people) == 2:
                    who = f"{_last_name(people[0])} and {_last_name(people[1])}"
                else:
                    who = f"{_last_name(people[0])} et al."
                label = f"{who}, {entry.fields.get('year', 'n.d.')}"
                seen[label] = seen.get(label, 0) + 1
                labels.append(label)
            counter: dict[str, int] = {}
            for label in labels:  # "Smith, 2020a", "Smith, 2020b" when two entries share a label
                if seen[label] > 1:
                    counter[label] = counter.get(label, 0) + 1
                    yield label + "abcdefghijklmnopqrstuvwxyz"[counter[label] - 1]
                else:
                    yield label

    class AuthorYearStyle(PlainStyle):
        default_label_style = AuthorYearLabels

    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)


def _strip_title_number(app, doctree):
    """Take "N. " off a chapter's title; remember N to check it against the toc's number."""
    docname = app.env.docname
    if not _CHAPTER.match(docname):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    title = section[0]
    first = title.children[0] if title.children else None
    match = _TITLE_NUMBER.match(first.astext()) if isinstance(first, nodes.Text) else None
    if match is None:
        return
    title.replace(first, nodes.Text(first.astext()[match.end():]))
    app.env.metadata[docname]["chapter_title_number"] = int(match.group(1))


def _check_title_numbers(app, env):
    for docname, meta in env.metadata.items():
        written = meta.get("chapter_title_number")
        if written is None:
            continue
        number = env.toc_secnumbers.get(docname, {}).get("")
        if number != (written,):
            _LOG.warning(f"{docname}: the title says chapter {written}, the table of contents "
                         f"numbers it {'.'.join(map(str, number)) if number else 'not at all'}",
                         location=docname)


def setup(app):
    _register_bibliography_style()
    app.connect("doctree-read", _strip_title_number, priority=100)
    app.connect("env-check-consistency", _check_title_numbers)
    app.connect("html-page-context", _adjust, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
