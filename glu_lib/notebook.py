"""Small helpers for the chapters: seeding, the device, rounded printing."""

from __future__ import annotations

import math
import random

import numpy as np

__all__ = ["seed_everything", "device", "sig", "gaussian_inputs"]


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a NumPy ``Generator`` for explicit use."""
    import torch

    from ._checks import non_negative_int

    if non_negative_int(seed, "seed") >= 2**32:
        raise ValueError(f"seed must be below 2**32, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def device() -> str:
    """``"cuda"`` when a GPU is available, else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def sig(x: float, digits: int = 3) -> str:
    """``x`` rounded to ``digits`` significant digits, as text (stable across machines)."""
    from ._checks import positive_int

    digits = positive_int(digits, "digits")
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


def gaussian_inputs(n: int, d: int, seed: int = 0) -> np.ndarray:
    """``n`` i.i.d. ``N(0, I_d)`` inputs (the paper's theoretical setting), float64, from ``seed``."""
    from ._checks import positive_int

    return np.random.default_rng(seed).standard_normal((positive_int(n, "n"), positive_int(d, "d")))
