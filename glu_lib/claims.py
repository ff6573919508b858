"""Claims on long runs, so that several workers share one queue without doing a run twice.

A worker *claims* a run before it starts it by creating ``<folder>/<name>.claim`` with
``O_CREAT | O_EXCL`` (atomic on a local disk and on NFS v3 or later): exactly one of the workers that
try at the same moment succeeds. The file records the owner (host, process id, start time) and is
touched every minute while the run lasts. A claim is *stale*, and taken over, when its owner is a
process of this host that no longer runs, or when it has not been touched for ``stale_after``
seconds (an owner on another host that died: a killed job of a cluster). After claiming, the worker
checks again that the run's result is still missing, since another worker may have finished it
between the first look and the claim.

Queues split between workers by :func:`parse_shard` (``--shard I/N``, or a SLURM job array's
``SLURM_ARRAY_TASK_ID``) and :func:`in_shard`; the claims make any overlap harmless.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path

from ._checks import _host, pid_alive

__all__ = ["Claim", "claim", "parse_shard", "in_shard", "STALE_AFTER_S"]

#: Seconds without a touch after which another host's claim counts as abandoned (``GLU_CLAIM_STALE_S``).
STALE_AFTER_S = 3600.0
_TOUCH_EVERY_S = 60.0


def _record(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_stale(path: Path, rec, stale_after: float) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False  # gone already: not stale, just free (the next attempt will take it)
    if isinstance(rec, dict) and rec.get("host") == _host() and isinstance(rec.get("pid"), int):
        return not pid_alive(rec["pid"]) or age > stale_after
    return age > stale_after  # another host (or an unreadable, half-written record): by age only


class Claim:
    """A held claim: ``release()`` (or leaving the ``with`` block) removes it if it is still this one's."""

    def __init__(self, path: Path, token: str):
        self.path, self.token = path, token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._touch, daemon=True)
        self._thread.start()

    def _touch(self):
        while not self._stop.wait(_TOUCH_EVERY_S):
            try:
                os.utime(self.path)
            except OSError:
                return

    def owned(self) -> bool:
        rec = _record(self.path)
        return isinstance(rec, dict) and rec.get("token") == self.token

    def release(self) -> None:
        self._stop.set()
        if self.owned():
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def claim(folder, name: str, *, stale_after: float | None = None) -> Claim | None:
    """Claim the run ``name`` in ``folder`` (created if needed); ``None`` when another live worker
    holds it. A stale claim (see the module docstring) is taken over."""
    from .results import _path

    _path(name, folder)  # the same rule for names as stored results: a plain file name
    if stale_after is None:
        stale_after = float(os.environ.get("GLU_CLAIM_STALE_S", STALE_AFTER_S))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.claim"
    token = uuid.uuid4().hex
    body = json.dumps({"host": _host(), "pid": os.getpid(), "token": token,
                       "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            rec = _record(path)
            if not _is_stale(path, rec, stale_after):
                return None
            # take the stale claim out of the way by a rename (atomic: one worker wins), and put it back
            # if what was moved is not the stale record that was seen (a fresh claim made meanwhile)
            aside = folder / f".{name}.claim.{token}.stale"
            try:
                os.rename(path, aside)
            except FileNotFoundError:
                continue
            if _record(aside) != rec:
                try:
                    os.link(aside, path)
                except FileExistsError:
                    pass
                aside.unlink(missing_ok=True)
                return None
            aside.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        return Claim(path, token)
    return None


def parse_shard(text: str | None = None, environ=None) -> tuple[int, int]:
    """``(I, N)``: this worker takes the items ``I, I + N, I + 2N, …`` of a queue (0 ≤ I < N).

    ``text`` is ``"I/N"`` (``--shard``); without it a SLURM job array gives ``I`` from
    ``SLURM_ARRAY_TASK_ID`` (less ``SLURM_ARRAY_TASK_MIN``) and ``N`` from ``SLURM_ARRAY_TASK_COUNT``;
    otherwise ``(0, 1)``: the whole queue.
    """
    env = os.environ if environ is None else environ
    if text is None:
        if env.get("SLURM_ARRAY_TASK_ID") is None:
            return 0, 1
        try:
            tid, low = int(env["SLURM_ARRAY_TASK_ID"]), int(env.get("SLURM_ARRAY_TASK_MIN", "0"))
            count = int(env["SLURM_ARRAY_TASK_COUNT"])
        except (KeyError, ValueError) as e:
            raise ValueError("a SLURM job array needs integer SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT "
                             f"(and SLURM_ARRAY_TASK_MIN when it does not start at 0): {e}") from None
        text = f"{tid - low}/{count}"
    try:
        i, n = (int(v) for v in str(text).split("/"))
    except ValueError:
        raise ValueError(f"shard must be 'I/N' with integers 0 <= I < N, got {text!r}") from None
    if not 0 <= i < n:
        raise ValueError(f"shard must be 'I/N' with integers 0 <= I < N, got {text!r}")
    return i, n


def in_shard(index: int, shard: tuple[int, int]) -> bool:
    """Whether item ``index`` of a queue belongs to ``shard`` ``(I, N)``."""
    i, n = shard
    return index % n == i
