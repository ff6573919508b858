"""Small stored results of long runs, with provenance (git sha, date, device, preset).

A result is one JSON file ``results/<name>.json`` holding ``{"provenance": ..., "data": ...}``.
:func:`load_or_compute` returns a stored result made with the same preset, or computes and stores it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import __version__
from ._checks import atomic_write, remove_stale_temporaries
from .config import Preset

__all__ = ["results_dir", "provenance", "code_version", "check_writable", "save_result", "load_result",
           "load_or_compute", "made_with"]


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


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _git_sha() -> str:
    return _git("rev-parse", "HEAD") or "unknown"


def _source_sha256() -> str:
    """SHA-256 of the package's ``.py`` files (names and contents), as they are now."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _read_code_version() -> dict[str, Any]:
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return {"git_sha": _git_sha(), "dirty": None if status is None else bool(status),
            "source_sha256": _source_sha256()}


#: The code version when this module was imported: the commit checked out, whether the package's tracked
#: files differed from it, and a digest of the package's sources. Provenance records this loaded version,
#: not the checkout at save time (which may have moved on during a long run).
_LOADED = _read_code_version()


def code_version() -> dict[str, Any]:
    """The code version that was loaded: ``git_sha``, ``dirty`` (``None`` outside git) and
    ``source_sha256``; ``changed_since_load`` says whether the package's sources differ now."""
    return {**_LOADED, "changed_since_load": _source_sha256() != _LOADED["source_sha256"]}


def _device() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"cpu ({platform.machine()}, {os.cpu_count()} cores)"


def _threads() -> dict[str, Any]:
    """Thread counts and BLAS libraries: results computed with other thread counts may differ in the
    last bits (parallel sums run in another order), and a training run departs from there."""
    import torch

    m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    out: dict[str, Any] = {"torch_threads": torch.get_num_threads(),
                           "torch_interop_threads": torch.get_num_interop_threads(),
                           "torch_blas": m.group(1) if m else "unknown"}
    try:
        from threadpoolctl import threadpool_info

        out["numpy_blas"] = sorted({f"{i['internal_api']} {i.get('version') or ''}".strip() + f" ({i['num_threads']} threads)"
                                    for i in threadpool_info() if i.get("user_api") == "blas"})
    except Exception:  # threadpoolctl missing or failing: the torch entries still say the essential
        out["numpy_blas"] = []
    return out


def provenance(preset: Preset) -> dict[str, Any]:
    """Where a result came from: git sha and dirty flag of the code that was loaded, UTC date, device,
    thread counts and BLAS libraries, library and torch versions, the preset."""
    import torch

    code = code_version()
    return {
        "git_sha": code["git_sha"],
        "dirty": code["dirty"],
        "code": code,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "device": _device(),
        "threads": _threads(),
        "glu_lib": __version__,
        "torch": torch.__version__,
        "preset": preset.as_dict(),
    }


def _plain(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            key = str(_plain(k))
            if key in out:  # e.g. 1 and "1": JSON keys are strings, so one would silently replace the other
                raise ValueError(f"keys {key!r} collide when written as JSON (keys are strings); rename one")
            out[key] = _plain(v)
        return out
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


def _path(name: str, directory) -> Path:
    """``<directory>/<name>.json`` for a plain file name (no folders, no leading dot)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"invalid result name {name!r}: use letters, digits, '_', '-', '+' and '.' only "
                         "(no folders)")
    return Path(directory or results_dir()) / f"{name}.json"


def check_writable(directory: Path | None = None) -> Path:
    """Create ``directory`` (default :func:`results_dir`) if needed and check that a file can be written
    there; raise ``PermissionError`` naming it otherwise. Call it before a long run, not after."""
    folder = Path(directory or results_dir())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise PermissionError(f"the results directory {folder} is not writable ({e.strerror or e}); set "
                              "GLU_RESULTS_DIR or pass another directory") from e
    return folder


def save_result(name: str, data: dict, preset: Preset, directory: Path | None = None, *,
                overwrite: bool = True) -> Path:
    """Write ``data`` (JSON-able; NumPy arrays become lists) with its provenance to ``<directory>/<name>.json``.

    The write is atomic (a unique temporary file, then a rename), so concurrent writers and interruptions
    never leave a half file. With ``overwrite=False`` an existing result is never replaced
    (``FileExistsError``).
    """
    path = _path(name, directory)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} exists; pass overwrite=True (the CLI: --overwrite) to replace it")
    text = json.dumps({"provenance": provenance(preset), "data": _plain(data)}, indent=1)
    remove_stale_temporaries(path)
    atomic_write(path, lambda f: f.write(text.encode()), "result")
    return path


def load_result(name: str, directory: Path | None = None) -> dict | None:
    """The stored ``{"provenance", "data"}`` of ``name``, or ``None`` when there is none."""
    path = _path(name, directory)
    if not path.exists():
        return None
    try:
        out = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"stored result {path} is unreadable or corrupt ({e}); delete it to recompute") from e
    if not isinstance(out, dict) or not {"provenance", "data"} <= set(out):
        raise ValueError(f"stored result {path} has no provenance/data; delete it to recompute")
    return out


def made_with(stored: dict | None, preset: Preset) -> bool:
    """Whether the stored result ``stored`` (as :func:`load_result` returns it) was made with ``preset``."""
    if stored is None:
        return False
    if not isinstance(stored, dict) or not isinstance(stored.get("provenance"), dict):
        raise ValueError("stored must be a result as load_result returns it (with a provenance)")
    return stored["provenance"].get("preset") == _plain(preset.as_dict())


def load_or_compute(name: str, compute: Callable[[], dict], preset: Preset, directory: Path | None = None) -> dict:
    """Stored result of ``name`` if it was made with this preset; otherwise ``compute()``, store it, return it."""
    stored = load_result(name, directory)
    if made_with(stored, preset):
        return stored
    save_result(name, compute(), preset, directory)
    return load_result(name, directory)
