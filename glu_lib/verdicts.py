"""Verdict tables: what each chapter finds about the paper's claims, stored for the scorecard.

Every chapter ends with :func:`verdict_table`, which takes the rows its cells computed, writes them to
``results/verdicts/<chapter>.json`` and returns a Markdown table to display. The scorecard page reads
those files, and a test checks that each stored notebook shows exactly the stored rows, so the
scorecard cannot drift from the chapters.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

__all__ = ["VERDICTS", "Verdict", "verdicts_dir", "verdict_table", "load_verdicts", "to_markdown"]

#: The allowed verdicts, from best to worst.
VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not tested")


@dataclass(frozen=True)
class Verdict:
    """One claim of the paper as a chapter found it.

    ``smoke`` and ``full`` are short texts with the key number at each scale (rounded, so they are
    stable across machines), or ``"not run"``; ``verdict`` is one of :data:`VERDICTS`.
    """

    claim: str
    paper_item: str
    smoke: str
    full: str
    verdict: str

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"Verdict.{f.name} must be a non-empty string, got {value!r}")
            if "|" in value or "\n" in value:
                raise ValueError(f"Verdict.{f.name} must not contain '|' or a line break: {value!r}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"Verdict.verdict must be one of {VERDICTS}, got {self.verdict!r}")


def verdicts_dir() -> Path:
    """Where the verdict files live: ``<results_dir()>/verdicts``."""
    from .results import results_dir

    return results_dir() / "verdicts"


def _check_chapter(chapter: str) -> str:
    if not isinstance(chapter, str) or not chapter or not chapter.replace("_", "").isalnum():
        raise ValueError(f"chapter must be a name like '03_spectrum', got {chapter!r}")
    return chapter


_HEADER = ("paper claim", "paper item", "smoke result", "full result", "verdict")


def to_markdown(rows: list[Verdict]) -> str:
    """The rows as a Markdown table (the form the chapters display and the test compares)."""
    if not all(isinstance(r, Verdict) for r in rows):
        raise TypeError("to_markdown: rows must be Verdict objects")
    lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    for r in rows:
        lines.append(f"| {r.claim} | {r.paper_item} | {r.smoke} | {r.full} | **{r.verdict}** |")
    return "\n".join(lines)


def verdict_table(chapter: str, rows: list[Verdict], *, write: bool = True, directory: Path | None = None):
    """Store ``rows`` as the verdicts of ``chapter`` and return them as a displayable Markdown table.

    ``write=False`` (e.g. when a chapter runs at full scale) only displays. The file is written
    atomically, so a reader never sees half of it.
    """
    from IPython.display import Markdown

    chapter = _check_chapter(chapter)
    rows = list(rows)
    if not rows or not all(isinstance(r, Verdict) for r in rows):
        raise ValueError("rows must be a non-empty list of Verdict")
    if write:
        folder = Path(directory or verdicts_dir())
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"chapter": chapter, "rows": [asdict(r) for r in rows]}, indent=1) + "\n"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{chapter}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, folder / f"{chapter}.json")
    return Markdown(to_markdown(rows))


def load_verdicts(chapter: str, directory: Path | None = None) -> list[Verdict]:
    """The stored verdict rows of ``chapter``; a clear error when the file is missing or malformed."""
    path = Path(directory or verdicts_dir()) / f"{_check_chapter(chapter)}.json"
    if not path.exists():
        raise FileNotFoundError(f"no verdicts stored for chapter {chapter!r} ({path.name}); run the chapter")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("chapter") != chapter:
            raise ValueError(f"it belongs to chapter {data.get('chapter')!r}")
        return [Verdict(**row) for row in data["rows"]]
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"verdict file {path.name} is malformed: {err}") from err
