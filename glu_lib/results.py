"""Small stored results of long runs, with provenance (git sha, date, device, preset).

A result is one JSON file ``results/<name>.json`` holding ``{"provenance": ..., "data": ...}``.
:func:`load_or_compute` returns a stored result made with the same preset, or computes and stores it.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import __version__
from .config import Preset

__all__ = ["results_dir", "provenance", "save_result", "load_result", "load_or_compute"]


def results_dir() -> Path:
    """Where stored results live: ``$GLU_RESULTS_DIR``; else the repository's ``results/`` next to
    the package (a clone); else the copy installed inside the package (``glu_lib/stored_results``,
    e.g. in Colab); else ``./results``."""
    if os.environ.get("GLU_RESULTS_DIR"):
        return Path(os.environ["GLU_RESULTS_DIR"])
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "results", package / "stored_results"):
        if candidate.is_dir():
            return candidate
    return Path.cwd() / "results"


def _git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def _device() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"cpu ({platform.machine()}, {os.cpu_count()} cores)"


def provenance(preset: Preset) -> dict[str, Any]:
    """Where a result came from: git sha, UTC date, device, library and torch versions, the preset."""
    import torch

    return {
        "git_sha": _git_sha(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "device": _device(),
        "glu_lib": __version__,
        "torch": torch.__version__,
        "preset": preset.as_dict(),
    }


def _plain(x):
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


def save_result(name: str, data: dict, preset: Preset, directory: Path | None = None) -> Path:
    """Write ``data`` (JSON-able; NumPy arrays become lists) with its provenance to ``<directory>/<name>.json``."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid result name {name!r}")
    path = Path(directory or results_dir()) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"provenance": provenance(preset), "data": _plain(data)}, indent=1))
    tmp.replace(path)  # atomic: an interrupted write never leaves a half file
    return path


def load_result(name: str, directory: Path | None = None) -> dict | None:
    """The stored ``{"provenance", "data"}`` of ``name``, or ``None`` when there is none."""
    path = Path(directory or results_dir()) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def load_or_compute(name: str, compute: Callable[[], dict], preset: Preset, directory: Path | None = None) -> dict:
    """Stored result of ``name`` if it was made with this preset; otherwise ``compute()``, store it, return it."""
    stored = load_result(name, directory)
    if stored is not None and stored["provenance"]["preset"] == _plain(preset.as_dict()):
        return stored
    save_result(name, compute(), preset, directory)
    return load_result(name, directory)
