"""Timing helpers shared by the benchmark scripts (run them as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import time

import numpy as np

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters of glibc's malloc.h
GLIBC_SETTLED = (32 * 2**20, 64 * 2**20)  # where glibc's own mmap / trim thresholds settle (64-bit)
KEPT = (2**30, 2**27)  # mmap / trim thresholds (bytes) inside freed_memory_kept


def glibc_malloc(environ=os.environ):
    """glibc's ``(mallopt, malloc_trim)``, or ``None`` on another C library or when the process's
    malloc settings are the user's (``MALLOC_*_`` variables or ``GLIBC_TUNABLES``)."""
    user = any(k.startswith("MALLOC_") and k.endswith("_") for k in environ) or (
        "malloc" in environ.get("GLIBC_TUNABLES", ""))
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or user:
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return None


@contextlib.contextmanager
def freed_memory_kept(libc=None):
    """Inside the block glibc keeps freed memory for reuse instead of handing blocks above its mmap
    threshold back to the system (each such block is otherwise mapped afresh and faulted in page by
    page on first touch); at the end the memory is trimmed and the thresholds are set where glibc's
    own settle. Yields whether the settings were changed (``False``: not glibc, or the user's own)."""
    libc = libc or glibc_malloc()
    if not libc:
        yield False
        return
    mallopt, trim = libc
    mallopt(M_MMAP_THRESHOLD, KEPT[0])
    mallopt(M_TRIM_THRESHOLD, KEPT[1])
    try:
        yield True
    finally:
        mallopt(M_MMAP_THRESHOLD, GLIBC_SETTLED[0])
        mallopt(M_TRIM_THRESHOLD, GLIBC_SETTLED[1])
        trim(0)


def bench(fn, repeats: int):
    """Warm up once (keeping that result), then time ``repeats`` calls; return (result, times)."""
    result = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return result, times


def gemm_rate(dtype=None, repeats: int = 12) -> float:
    """Peak GEMM rate (flop/s): the best of ``repeats`` single 1024 × 1024 products on torch's current
    threads, in ``dtype`` (default float64). The best, because the times set against the flop bound
    are bests too; on a shared machine a mean of products mixes in the other users' load."""
    import torch

    A = torch.randn(1024, 1024, dtype=dtype or torch.float64)
    A @ A
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        A @ A
        best = min(best, time.perf_counter() - t)
    return 2 * 1024**3 / best


def blas() -> str:
    """The BLAS torch multiplies with (from its build configuration) and its thread count."""
    import torch

    cfg = torch.__config__.show()
    name = next((part.split("=", 1)[1] for part in cfg.replace(",", " ").split() if part.startswith("BLAS_INFO=")), "?")
    return f"{name}, {torch.get_num_threads()} threads ({torch.__config__.parallel_info().splitlines()[-1].strip()})"


def rel_err(A: np.ndarray, B: np.ndarray) -> float:
    """``max|A − B| / max|B|``."""
    return float(np.max(np.abs(A - B)) / np.max(np.abs(B)))


def provenance(threads: int | None = None) -> dict:
    """Commit (and whether the tree was dirty), date, CPU model and cores, threads, load, versions."""
    import datetime as dt
    import os
    import platform

    import torch

    from glu_lib.results import code_version

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    code = code_version()
    try:  # the scheduling group's nice value (Linux autogroups): raised above the others for a cleaner run
        with open("/proc/self/autogroup") as f:
            group_nice = int(f.read().split("nice")[1])
    except (OSError, IndexError, ValueError):
        group_nice = None
    return {"git_sha": code["git_sha"], "dirty": code["dirty"],
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "cpu": cpu, "cores": os.cpu_count(), "threads": threads or torch.get_num_threads(),
            "load_average_1min": os.getloadavg()[0], "load_average": list(os.getloadavg()),
            "blas": blas(), "autogroup_nice": group_nice, "torch": torch.__version__,
            "python": platform.python_version()}


def write_record(path, record: dict, threads: int | None = None) -> None:
    """Write ``record`` with its provenance as JSON to ``path`` (folders created)."""
    import json
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"provenance": provenance(threads), "data": record}, indent=1) + "\n")
