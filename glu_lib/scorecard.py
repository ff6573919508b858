"""The scorecard: the paper's claims in one table, the book's own findings in another, and a summary.

All three are generated from the files that the chapters write through
:func:`glu_lib.verdicts.verdict_table` (``results/verdicts/<chapter>.json``), so the scorecard page and
the front page cannot disagree with the chapters. The claims of the paper (:class:`~glu_lib.verdicts.Verdict`
rows) are counted; the book's own findings (:class:`~glu_lib.verdicts.Finding` rows: sweeps, critiques of
the paper's statistics, new results) are listed apart and never counted as claims of the paper. A chapter
that has not stored its verdicts yet is listed as "not yet assessed".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .verdicts import (VERDICTS, Finding, Verdict, load_findings, load_verdicts, verdict_text,
                       verdicts_dir)

__all__ = ["NOT_ASSESSED", "ChapterVerdicts", "collect", "counts", "scorecard_markdown", "findings_markdown",
           "headlines", "summary_markdown"]

#: What the scorecard says for a chapter without a verdict file.
NOT_ASSESSED = "not yet assessed"


@dataclass(frozen=True)
class ChapterVerdicts:
    """The stored rows of one chapter: the paper's claims (``rows``, None when the chapter has no file
    yet) and the book's own findings (``findings``)."""

    chapter: str
    rows: tuple[Verdict, ...] | None
    findings: tuple[Finding, ...] = ()

    @property
    def assessed(self) -> bool:
        return self.rows is not None


def collect(chapters, directory: Path | None = None) -> list[ChapterVerdicts]:
    """The verdicts and findings of each chapter in ``chapters`` (names like ``"03_spectrum"``), in order.

    A missing file gives ``rows=None``; a malformed one raises (it is an error, not a gap).
    """
    chapters = list(chapters)
    if not chapters or not all(isinstance(c, str) for c in chapters):
        raise ValueError(f"chapters must be a non-empty list of chapter names, got {chapters!r}")
    twice = sorted({c for c in chapters if chapters.count(c) > 1})
    if twice:  # a chapter listed twice would count its claims twice
        raise ValueError(f"chapters must be listed once each; listed more than once: {twice}")
    folder = Path(directory or verdicts_dir())
    out = []
    for chapter in chapters:
        if (folder / f"{chapter}.json").exists():
            out.append(ChapterVerdicts(chapter, tuple(load_verdicts(chapter, folder)),
                                       tuple(load_findings(chapter, folder))))
        else:
            out.append(ChapterVerdicts(chapter, None))
    return out


def counts(found: list[ChapterVerdicts]) -> dict[str, int]:
    """How many claims of the paper carry each verdict (every key of :data:`~glu_lib.verdicts.VERDICTS`,
    zeros included); the book's own findings are not counted."""
    tally = Counter(r.verdict for c in found if c.assessed for r in c.rows)
    return {v: tally.get(v, 0) for v in VERDICTS}


def _link(chapter: str, link: bool) -> str:
    number = chapter.split("_", 1)[0].lstrip("0") or "0"
    return f"{{doc}}`Ch. {number} <{chapter}>`" if link else f"Ch. {number}"


def _table(header, lines) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *lines])


def scorecard_markdown(found: list[ChapterVerdicts], *, link: bool = True) -> str:
    """The claims of the paper, one Markdown row each: chapter, claim, paper item, smoke result, what the
    full-scale column ran (the paper's scale or a CPU stand-in), full result, verdict.

    With ``link=True`` the chapter column holds MyST ``{doc}`` links (for pages rendered with
    ``render_markdown_format: myst``, in the same folder as the chapters).
    """
    header = ("chapter", "paper claim", "paper item", "smoke result", "full scale: what ran", "full result",
              "verdict")
    lines = []
    for c in found:
        where = _link(c.chapter, link)
        if not c.assessed:
            lines.append(f"| {where} | — | — | — | — | — | *{NOT_ASSESSED}* |")
            continue
        for r in c.rows:
            ran = "not run" if r.full == "not run" else r.run
            lines.append(f"| {where} | {r.claim} | {r.paper_item} | {r.smoke} | {ran} | {r.full} | "
                         f"{verdict_text(r)} |")
    return _table(header, lines)


def findings_markdown(found: list[ChapterVerdicts], *, link: bool = True) -> str:
    """The book's own findings of every chapter, one Markdown row each (empty string when there are none)."""
    lines = [f"| {_link(c.chapter, link)} | {f.finding} | {f.item} | {f.smoke} | {f.full} | **{f.status}** |"
             for c in found for f in c.findings]
    if not lines:
        return ""
    return _table(("chapter", "book finding", "where", "smoke result", "full result", "status"), lines)


def headlines(found: list[ChapterVerdicts]) -> list[tuple[str, str]]:
    """``(chapter, sentence)`` for every finding that carries a headline, in chapter order."""
    return [(c.chapter, f.headline) for c in found for f in c.findings if f.headline]


def summary_markdown(found: list[ChapterVerdicts], *, scorecard: str | None = None, link: bool = False) -> str:
    """A short summary: how many claims of the paper each verdict has (the book's own findings are not
    counted), which chapters are not yet assessed, and the headline findings, a sentence each.

    ``scorecard`` is the document name of the scorecard page, linked when given; ``link`` links each
    headline to its chapter (MyST ``{doc}``, for a page in the chapters' folder).
    """
    n = counts(found)
    total = sum(n.values())
    assessed = [c for c in found if c.assessed]
    missing = [c.chapter for c in found if not c.assessed]
    if not assessed:
        text = f"No chapter has stored its verdicts yet: all {len(found)} chapters are {NOT_ASSESSED}."
    else:
        parts = [f"**{n[v]} {v}**" for v in VERDICTS if n[v]]
        text = (f"{len(assessed)} of {len(found)} chapters have checked {total} claims of the paper: "
                + ", ".join(parts) + ".")
        if missing:
            text += f" {NOT_ASSESSED.capitalize()}: " + ", ".join(_link(c, False) for c in missing) + "."
    if scorecard:
        text += (f" Every claim, with its key numbers, and the book's own findings are on the "
                 f"{{doc}}`scorecard <{scorecard}>`.")
    heads = headlines(found)
    if heads:
        text += "\n\nThe book's own headline findings (not counted above):\n\n"
        text += "\n".join(f"- {sentence} ({_link(chapter, link)})" for chapter, sentence in heads)
    return text
