"""Timing helpers shared by the benchmark scripts (run them as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import time

import numpy as np


def bench(fn, repeats: int):
    """Warm up once (keeping that result), then time ``repeats`` calls; return (result, times)."""
    result = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return result, times


def rel_err(A: np.ndarray, B: np.ndarray) -> float:
    """``max|A − B| / max|B|``."""
    return float(np.max(np.abs(A - B)) / np.max(np.abs(B)))
