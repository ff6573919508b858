"""The claims scorecard: every chapter's verdict rows in one table, and a one-paragraph summary.

Both are generated from the files that the chapters write through :func:`glu_lib.verdicts.verdict_table`
(``results/verdicts/<chapter>.json``), so the scorecard page and the front page cannot disagree with
the chapters. A chapter that has not stored its verdicts yet is listed as "not yet assessed".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .verdicts import VERDICTS, Verdict, load_verdicts, verdicts_dir

__all__ = ["NOT_ASSESSED", "ChapterVerdicts", "collect", "counts", "scorecard_markdown", "summary_markdown"]

#: What the scorecard says for a chapter without a verdict file.
NOT_ASSESSED = "not yet assessed"


@dataclass(frozen=True)
class ChapterVerdicts:
    """The stored verdict rows of one chapter, or ``rows=None`` when it has none yet."""

    chapter: str
    rows: tuple[Verdict, ...] | None

    @property
    def assessed(self) -> bool:
        return self.rows is not None


def collect(chapters, directory: Path | None = None) -> list[ChapterVerdicts]:
    """The verdicts of each chapter in ``chapters`` (names like ``"03_spectrum"``), in that order.

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
            out.append(ChapterVerdicts(chapter, tuple(load_verdicts(chapter, folder))))
        else:
            out.append(ChapterVerdicts(chapter, None))
    return out


def counts(found: list[ChapterVerdicts]) -> dict[str, int]:
    """How many claims carry each verdict (every key of :data:`~glu_lib.verdicts.VERDICTS`, zeros included)."""
    tally = Counter(r.verdict for c in found if c.assessed for r in c.rows)
    return {v: tally.get(v, 0) for v in VERDICTS}


def _link(chapter: str, link: bool) -> str:
    number = chapter.split("_", 1)[0].lstrip("0") or "0"
    return f"{{doc}}`Ch. {number} <{chapter}>`" if link else f"Ch. {number}"


def scorecard_markdown(found: list[ChapterVerdicts], *, link: bool = True) -> str:
    """One Markdown table of all claims: chapter, claim, paper item, smoke and full results, verdict.

    With ``link=True`` the chapter column holds MyST ``{doc}`` links (for pages rendered with
    ``render_markdown_format: myst``, in the same folder as the chapters).
    """
    header = ("chapter", "paper claim", "paper item", "smoke result", "full result", "verdict")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for c in found:
        where = _link(c.chapter, link)
        if not c.assessed:
            lines.append(f"| {where} | — | — | — | — | *{NOT_ASSESSED}* |")
            continue
        for r in c.rows:
            lines.append(f"| {where} | {r.claim} | {r.paper_item} | {r.smoke} | {r.full} | **{r.verdict}** |")
    return "\n".join(lines)


def summary_markdown(found: list[ChapterVerdicts], *, scorecard: str | None = None) -> str:
    """A short paragraph: how many claims each verdict has, and which chapters are not yet assessed.

    ``scorecard`` is the document name of the scorecard page, linked when given.
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
        text += f" Every claim, with its key numbers, is on the {{doc}}`scorecard <{scorecard}>`."
    return text
