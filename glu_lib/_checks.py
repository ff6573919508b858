"""Input validation shared by the library: clear errors instead of wrong numbers."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["positive_int", "non_negative_int", "finite_float", "as_matrix", "matrix_pair", "file_digest", "plain",
           "plain_fields", "strict_bool", "TooLargeError", "check_memory", "pid_alive", "remove_stale_temporaries", "atomic_write"]


def positive_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` if it is an integer >= 0, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def finite_float(value, name: str) -> float:
    """Return ``value`` as a ``float`` if it is a finite real number, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def as_matrix(X, name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite float64 array of shape (n, d) with n, d >= 1 (complex or non-numeric input is
    refused, not converted)."""
    if hasattr(X, "detach"):  # a torch tensor
        X = X.detach().cpu().numpy()
    try:
        raw = np.asarray(X)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a real numeric array ({e})") from None
    if np.iscomplexobj(raw):  # float64 would silently drop the imaginary part
        raise ValueError(f"{name} is complex; only real inputs are supported")
    try:
        X = raw.astype(np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a real numeric array ({e})") from None
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (n samples, d features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or inf")
    return X


def matrix_pair(X, X2=None) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``X`` and ``X2`` (default ``X``) and check that their feature dimensions agree."""
    X = as_matrix(X, "X")
    X2 = X if X2 is None else as_matrix(X2, "X2")
    if X2.shape[1] != X.shape[1]:
        raise ValueError(f"X and X2 must have the same number of features, got {X.shape[1]} and {X2.shape[1]}")
    return X, X2


def file_digest(path, algorithm: str) -> str:
    """Hex digest of the file at ``path`` with ``hashlib``'s ``algorithm``, read in 1 MiB chunks."""
    import hashlib

    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def plain(value, name: str = "value"):
    """``value`` with NumPy scalars (and 0-d arrays) turned into the plain Python ``bool``, ``int``,
    ``float`` or ``str`` they hold, recursively through tuples, lists and dicts; anything else unchanged.

    Configs call it on construction, so that what they store (and checkpoints save) is read back by
    ``torch.load(weights_only=True)`` and compares equal to a config made with Python numbers.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(plain(v, name) for v in value)
    if isinstance(value, list):
        return [plain(v, name) for v in value]
    if isinstance(value, dict):
        return {plain(k, name): plain(v, name) for k, v in value.items()}
    return value


def plain_fields(obj) -> None:
    """Replace every field of the (frozen) dataclass ``obj`` by :func:`plain` of it, in place."""
    import dataclasses

    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        p = plain(v, f.name)
        if p is not v:
            object.__setattr__(obj, f.name, p)


def strict_bool(value, name: str) -> bool:
    """Return ``value`` if it is a ``bool`` (or a NumPy bool), else raise ``ValueError``: a string such
    as ``'no'`` or a number is not taken for a truth value."""
    if isinstance(value, np.bool_):
        value = bool(value)
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


class TooLargeError(MemoryError, ValueError):
    """A request that cannot fit in memory, refused before any work (a ``MemoryError`` and a ``ValueError``)."""


def check_memory(n_bytes: float, what: str, *, fraction: float = 0.8) -> None:
    """Raise :class:`TooLargeError` before any work when ``n_bytes`` for ``what`` exceed ``fraction`` of the
    machine's physical memory (the size and the memory are named in the message)."""
    import os

    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: no check
        return
    if n_bytes > fraction * total:
        raise TooLargeError(f"{what} needs about {n_bytes / 2**30:.3g} GiB, more than {fraction:.0%} of this "
                          f"machine's {total / 2**30:.3g} GiB of memory; ask for less")


def _umask_mode(mode: int = 0o666) -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def _host() -> str:
    import socket

    return "".join(c if c.isalnum() or c in "-_" else "_" for c in socket.gethostname()) or "host"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine."""
    import os

    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def remove_stale_temporaries(path, *, max_age_s: float = 24 * 3600) -> list:
    """Remove the temporaries that :func:`atomic_write` left for ``path`` when its writer was killed:
    those of a process of this host that no longer runs, and any older than ``max_age_s`` (another
    host's writer). Returns the removed paths."""
    import os
    import time
    from pathlib import Path

    path = Path(path)
    removed = []
    if not path.parent.is_dir():
        return removed
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        parts = tmp.name[len(path.name) + 2:].split(".")
        try:
            age = time.time() - tmp.stat().st_mtime
        except OSError:
            continue
        dead = len(parts) >= 3 and parts[0] == _host() and parts[1].isdigit() and not pid_alive(int(parts[1]))
        if dead or age > max_age_s:
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


def atomic_write(path, write, what: str = "file") -> None:
    """Write ``path`` atomically: ``write(binary_file)`` fills a temporary in the same folder (named
    with this host and process, so a killed writer's leftovers can be recognised), which then replaces
    ``path``. The file gets the usual permissions (``0666`` less the umask). A full disk raises
    ``OSError(ENOSPC)`` naming the file; the temporary is removed on any failure."""
    import errno
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_host()}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        full = isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)
        if not full and isinstance(e, RuntimeError) and ("file write failed" in str(e) or "inline_container" in str(e)):
            import shutil

            try:
                full = shutil.disk_usage(path.parent).free < 64 << 20
            except OSError:
                full = False
            full = full or "file write failed" in str(e)
        if full:
            raise OSError(errno.ENOSPC, f"the disk is full: could not write the {what} {path} "
                                        "(free some space, or point the run at another directory)") from e
        raise
