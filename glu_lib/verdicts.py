"""Verdict tables: what each chapter finds about the paper's claims, stored for the scorecard.

Every chapter ends with :func:`verdict_table`, which takes the rows its cells computed, writes them to
``results/verdicts/<chapter>.json`` and returns a Markdown table to display. Two kinds of row are
kept apart: :class:`Verdict` rows are claims *of the paper*, each checked once; :class:`Finding` rows
are the book's own findings (sweeps, critiques, new results), shown in a second table "beyond the
paper" and never counted as claims of the paper. The scorecard page reads
those files, and a test checks that each stored notebook shows exactly the stored rows, so the
scorecard cannot drift from the chapters.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ._checks import atomic_write

__all__ = ["VERDICTS", "STATUSES", "FINDINGS_TITLE", "PAPER_SCALE", "STAND_IN", "Verdict", "Finding",
           "verdicts_dir", "verdict_table", "verdict_text", "load_verdicts", "load_findings", "to_markdown"]

#: The allowed verdicts on a claim of the paper, from best to worst.
VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not tested")

#: The allowed statuses of one of the book's own findings.
STATUSES = ("holds", "holds in part", "does not hold", "not tested")


#: Optional text fields: may be empty (the default), otherwise checked like the others.
_OPTIONAL = ("headline",)

#: What ``Verdict.run`` says by default: the full-scale column ran the paper's own setting.
PAPER_SCALE = "paper scale"

#: A ``Verdict.run`` that contains this (in any case) names a stand-in for the paper's setting: the
#: claim was then not tested at the paper's setting, and the row's verdict must be "not tested".
STAND_IN = "stand-in"


def _check_texts(row) -> None:
    for f in fields(row):
        value = getattr(row, f.name)
        if f.name in _OPTIONAL and value == "":
            continue
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{type(row).__name__}.{f.name} must be a non-empty string, got {value!r}")
        if "|" in value or "\n" in value or "\r" in value:
            raise ValueError(f"{type(row).__name__}.{f.name} must not contain '|' or a line break: {value!r}")


@dataclass(frozen=True)
class Verdict:
    """One claim of the paper as a chapter found it.

    ``smoke`` and ``full`` are short texts with the key number at each scale (rounded, so they are
    stable across machines), or ``"not run"``; ``verdict`` is one of :data:`VERDICTS`. ``run`` says
    what the ``full`` column ran: :data:`PAPER_SCALE` (the default) or the stand-in, e.g.
    ``"CPU stand-in: MNIST-5k, tiny-shakespeare"``; the scorecard shows it. A row whose ``run`` names a
    stand-in (contains :data:`STAND_IN`) can only be ``"not tested"``: a stand-in does not test the
    paper's claim at the paper's setting, and what it gave belongs in a :class:`Finding`.
    """

    claim: str
    paper_item: str
    smoke: str
    full: str
    verdict: str
    run: str = PAPER_SCALE

    def __post_init__(self):
        _check_texts(self)
        if self.verdict not in VERDICTS:
            raise ValueError(f"Verdict.verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.stand_in and self.verdict != "not tested":
            raise ValueError(
                f"Verdict.verdict must be 'not tested' when Verdict.run names a stand-in, got "
                f"{self.verdict!r} for the claim {self.claim!r} (run {self.run!r}): a stand-in does "
                f"not test the claim at the paper's setting; state its outcome in a Finding")

    @property
    def stand_in(self) -> bool:
        """Whether ``run`` names a stand-in for the paper's setting (it contains :data:`STAND_IN`)."""
        return STAND_IN in self.run.lower()


@dataclass(frozen=True)
class Finding:
    """One of the book's own findings (not a claim of the paper): a sweep, a critique, a new result.

    ``item`` says where it comes from (a section, a figure or a stored sweep of the book); ``smoke``
    and ``full`` hold the key number at each scale, as for :class:`Verdict`; ``status`` is one of
    :data:`STATUSES`. ``headline`` (optional) is one sentence, computed from the same values, that
    the front page states as one of the book's headline findings.
    """

    finding: str
    item: str
    smoke: str
    full: str
    status: str
    headline: str = ""

    def __post_init__(self):
        _check_texts(self)
        if self.status not in STATUSES:
            raise ValueError(f"Finding.status must be one of {STATUSES}, got {self.status!r}")


def verdicts_dir() -> Path:
    """Where the verdict files live: ``<results_dir()>/verdicts``."""
    from .results import results_dir

    return results_dir() / "verdicts"


def _check_chapter(chapter: str) -> str:
    if not isinstance(chapter, str) or not chapter or not chapter.replace("_", "").isalnum():
        raise ValueError(f"chapter must be a name like '03_spectrum', got {chapter!r}")
    return chapter


_HEADER = ("paper claim", "paper item", "smoke result", "full result", "verdict")
_FINDINGS_HEADER = ("book finding", "where", "smoke result", "full result", "status")
#: The line between the paper's table and the book's own table in :func:`to_markdown`.
FINDINGS_TITLE = "**Beyond the paper.** The book's own findings (not counted as claims of the paper):"


def verdict_text(row: Verdict) -> str:
    """The verdict of ``row`` as the tables show it: ``**not tested** at the paper's setting`` for a
    stand-in row (the only verdict such a row can carry), else the verdict in bold."""
    if not isinstance(row, Verdict):
        raise TypeError(f"verdict_text: row must be a Verdict, got {type(row).__name__}")
    return f"**{row.verdict}**" + (" at the paper's setting" if row.stand_in else "")


def _table(header, cells) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return lines


def to_markdown(rows: list[Verdict], findings: list[Finding] = ()) -> str:
    """The rows as a Markdown table (the form the chapters display and the test compares).

    With ``findings``, a second table of the book's own findings follows, under :data:`FINDINGS_TITLE`.
    """
    if not all(isinstance(r, Verdict) for r in rows):
        raise TypeError("to_markdown: rows must be Verdict objects")
    if not all(isinstance(f, Finding) for f in findings):
        raise TypeError("to_markdown: findings must be Finding objects")
    lines = _table(_HEADER, [(r.claim, r.paper_item, r.smoke, r.full, verdict_text(r)) for r in rows])
    if findings:
        lines += ["", FINDINGS_TITLE, ""]
        lines += _table(_FINDINGS_HEADER,
                        [(f.finding, f.item, f.smoke, f.full, f"**{f.status}**") for f in findings])
    return "\n".join(lines)


def verdict_table(chapter: str, rows: list[Verdict], findings: list[Finding] = (), *, write: bool = True,
                  directory: Path | None = None):
    """Store ``rows`` (and ``findings``) of ``chapter`` and return them as displayable Markdown tables.

    ``write=False`` (e.g. when a chapter runs at full scale) only displays. The file is written
    atomically, so a reader never sees half of it.
    """
    from IPython.display import Markdown

    chapter = _check_chapter(chapter)
    rows, findings = list(rows), list(findings)
    if not rows or not all(isinstance(r, Verdict) for r in rows):
        raise ValueError("rows must be a non-empty list of Verdict")
    if not all(isinstance(f, Finding) for f in findings):
        raise ValueError("findings must be a list of Finding")
    if write:
        folder = Path(directory or verdicts_dir())
        folder.mkdir(parents=True, exist_ok=True)
        record = {"chapter": chapter, "rows": [asdict(r) for r in rows],
                  "findings": [asdict(f) for f in findings]}
        text = json.dumps(record, indent=1) + "\n"
        atomic_write(folder / f"{chapter}.json", lambda fh: fh.write(text.encode("utf-8")), "verdict file")
    return Markdown(to_markdown(rows, findings))


def _load(chapter: str, directory: Path | None, key: str, kind):
    path = Path(directory or verdicts_dir()) / f"{_check_chapter(chapter)}.json"
    if not path.exists():
        raise FileNotFoundError(f"no verdicts stored for chapter {chapter!r} ({path.name}); run the chapter")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"it holds a {type(data).__name__}, not an object")
        if data.get("chapter") != chapter:
            raise ValueError(f"it belongs to chapter {data.get('chapter')!r}")
        if key == "rows" and not data["rows"]:
            raise ValueError("it holds no verdict rows")
        return [kind(**row) for row in data.get(key, [])]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"verdict file {path.name} is malformed: {err}") from err


def load_verdicts(chapter: str, directory: Path | None = None) -> list[Verdict]:
    """The stored verdict rows of ``chapter``; a clear error when the file is missing or malformed."""
    return _load(chapter, directory, "rows", Verdict)


def load_findings(chapter: str, directory: Path | None = None) -> list[Finding]:
    """The stored findings of ``chapter`` (an empty list when it stored none)."""
    return _load(chapter, directory, "findings", Finding)
