"""Execution statistics of the book, read from stored data rather than typed in.

Three sources, each written by a program:

* the committed notebooks: the kernel that executed them records, per cell, when it started and
  finished (``cell.metadata.execution``, written by nbclient), and every chapter prints its scale;
* the stored results of long runs (``results/*.json``): their provenance (commit, date, device, preset),
  written by :func:`glu_lib.results.save_result`;
* the last recorded test run (``results/execution/test_run.json``): per chapter, the re-execution time
  and outcome under nbval, with the machine that ran it, written by ``pytest --record-execution``
  (see ``tests/conftest.py``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path

__all__ = ["notebook_record", "notebook_table", "stored_results_table", "recorded_run_table", "TEST_RUN_FILE"]

#: Where ``pytest --record-execution`` stores the last recorded test run, relative to the results folder.
TEST_RUN_FILE = Path("execution") / "test_run.json"

_SCALE = re.compile(r"^scale: (\w+)", re.MULTILINE)


def _time(stamp: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def notebook_record(path: str | Path) -> dict:
    """What a stored notebook says about its own execution.

    Returns ``chapter``, ``date`` (UTC day the stored outputs were made, or ``None``), ``seconds``
    (from the first cell's start to the last cell's end, ``None`` without timing metadata),
    ``cells`` (code cells), ``executed`` (code cells with an execution count), ``errors`` (error
    outputs) and ``scale`` (from the ``scale: ...`` line the chapter prints, else ``None``).
    """
    import nbformat

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    starts, ends, text = [], [], []
    errors = 0
    for c in code:
        timing = c.metadata.get("execution", {})
        if "iopub.status.busy" in timing and "shell.execute_reply" in timing:
            starts.append(_time(timing["iopub.status.busy"]))
            ends.append(_time(timing["shell.execute_reply"]))
        for out in c.get("outputs", []):
            errors += out.get("output_type") == "error"
            text.append("".join(out.get("text", "")))
    scale = _SCALE.search("\n".join(text))
    return {
        "chapter": path.stem,
        "date": min(starts).date().isoformat() if starts else None,
        "seconds": (max(ends) - min(starts)).total_seconds() if starts else None,
        "cells": len(code),
        "executed": sum(c.get("execution_count") is not None for c in code),
        "errors": errors,
        "scale": scale.group(1) if scale else None,
    }


def _status(rec: dict) -> str:
    if rec["errors"]:
        return f"{rec['errors']} error(s)"
    if rec["executed"] < rec["cells"]:
        return f"{rec['cells'] - rec['executed']} cell(s) not executed"
    return "ok"


def _seconds(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s:.0f} s" if s < 100 else f"{s / 60:.1f} min"


def _doc(chapter: str, link: bool) -> str:
    return f"{{doc}}`{chapter} <{chapter}>`" if link else chapter


def notebook_table(paths, *, link: bool = True) -> str:
    """Markdown table of the stored notebooks: chapter, date, run time, cells, status, scale."""
    lines = ["| chapter | outputs made on | run time | code cells | status | scale |", "|---|---|---|---|---|---|"]
    for p in paths:
        r = notebook_record(p)
        lines.append(f"| {_doc(r['chapter'], link)} | {r['date'] or '—'} | {_seconds(r['seconds'])} | "
                     f"{r['cells']} | {_status(r)} | {r['scale'] or '—'} |")
    return "\n".join(lines)


def _read_json(path: Path, what: str):
    """The JSON in ``path``; a ``ValueError`` naming the file when it is truncated or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{what} {path} is unreadable or truncated ({e}); restore it or delete it") from e


def _stored_provenance(directory: Path) -> list[tuple[str, dict]]:
    """(file name, provenance) of every stored result in ``directory`` that has one."""
    found = []
    for path in sorted(Path(directory).glob("*.json")):
        record = _read_json(path, "stored result")
        prov = record.get("provenance") if isinstance(record, dict) else None
        if not isinstance(prov, dict):
            continue
        if not all(isinstance(prov.get(k, ""), str) for k in ("date", "device", "git_sha")) or not isinstance(
                prov.get("preset", {}), dict):
            raise ValueError(f"stored result {path} has a malformed provenance record (date, device, git_sha "
                             "must be texts and preset a mapping)")
        found.append((path.name, prov))
    return found


def _family(prov: dict) -> str:
    preset = prov.get("preset", {})
    return f"{preset.get('chapter', '?')} / {preset.get('scale', '?')}"


def _span(values: list[str]) -> str:
    values = sorted(set(v for v in values if v)) or ["—"]
    return values[0] if len(values) == 1 else f"{values[0]} to {values[-1]}"


def _each(values: list[str]) -> str:
    return "; ".join(sorted(set(v for v in values if v))) or "—"


def stored_results_table(directory: str | Path) -> str:
    """The stored results in ``directory`` (``*.json`` with provenance), one row per family.

    A family is the preset that made its results (chapter / scale, e.g. ``gpt / cpu``): its row
    gives the number of results, the days they were made, the devices, the ``glu_lib`` versions and
    the number of commits. Below the table, one collapsed block per family lists its files with
    the day and commit of each (MyST ``dropdown`` blocks; the page renders Markdown as MyST).
    """
    groups: dict[str, list[tuple[str, dict]]] = {}
    for name, prov in _stored_provenance(Path(directory)):
        groups.setdefault(_family(prov), []).append((name, prov))
    lines = ["| stored family | results | made on | device | glu_lib | commits |",
             "|---|---|---|---|---|---|"]
    details = []
    for family, items in sorted(groups.items()):
        provs = [p for _, p in items]
        commits = {p.get("git_sha", "unknown")[:7] for p in provs}
        lines.append(f"| {family} | {len(items)} | {_span([p.get('date', '')[:10] for p in provs])} | "
                     f"{_each([p.get('device', '') for p in provs])} | "
                     f"{_each([p.get('glu_lib', '') for p in provs])} | {len(commits)} |")
        rows = "\n".join(f"| `{name}` | {p.get('date', '—')[:10]} | `{p.get('git_sha', 'unknown')[:7]}` |"
                         for name, p in items)
        details.append(f":::{{dropdown}} {family}: {len(items)} file(s)\n\n"
                       f"| file | made on | commit |\n|---|---|---|\n{rows}\n:::")
    return "\n".join(lines) + ("\n\n" + "\n\n".join(details) if details else "")


def recorded_run_table(path: str | Path, *, link: bool = True) -> tuple[str, str]:
    """The recorded test run at ``path``: a sentence naming the machine and a per-chapter table.

    Returns ``("", "")`` when no run has been recorded.
    """
    path = Path(path)
    if not path.is_file():
        return "", ""
    run = _read_json(path, "recorded test run")
    try:
        return _run_table(run, link)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise ValueError(f"recorded test run {path} is incomplete or malformed ({type(e).__name__}: {e}); "
                         "record the test run again") from e


def _run_table(run: dict, link: bool) -> tuple[str, str]:
    m = run["machine"]
    load = m.get("load_average")
    busy = f" (load average {load:.1f} at the end)" if load is not None else ""
    sentence = (f"Recorded on {run['date'][:10]}: Python {m['python']}, torch {m['torch']}, "
                f"{m['device']}{busy}, {m['platform']}; {run['total_seconds']:.0f} s for all chapters.")
    lines = ["| chapter | re-execution time | cells passed | cells failed |", "|---|---|---|---|"]
    for chapter, r in sorted(run["chapters"].items()):
        lines.append(f"| {_doc(chapter, link)} | {_seconds(r['seconds'])} | {r['passed']} | {r['failed']} |")
    return sentence, "\n".join(lines)
