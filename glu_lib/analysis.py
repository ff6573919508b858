"""Numerical checks of the analytic NTK: width convergence, the Eq. 5 error, gradient angles."""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix
from .kernels import eq5_relative_error, expected_ntk
from .models import two_layer
from .ntk import empirical_ntk

__all__ = [
    "width_convergence", "loglog_slope", "eq5_error_grid", "ntk_cosines", "gradient_angle_check",
    "off_diagonal_ratio", "teaser_kernels", "log_wall_seconds",
]


def width_convergence(X, kind: str, widths, seeds) -> dict:
    """Relative Frobenius error ``‖Θ_m − K‖_F / ‖K‖_F`` of the empirical NTK Θ_m (Eq. 3/4 limit K).

    For each nominal width (GLU kinds parameter-matched) and seed, builds a LeCun two-layer net and
    compares its NTK on ``X`` with :func:`glu_lib.kernels.expected_ntk` at the same number of units.
    Returns ``{"units": (W,), "errors": (W, S)}``.
    """
    X = as_matrix(X)
    seeds = list(seeds)
    units, errors = [], []
    for w in widths:
        row = []
        for s in seeds:
            model = two_layer(kind, X.shape[1], w, seed=s)
            K = expected_ntk(X, kind, model.width)
            row.append(np.linalg.norm(empirical_ntk(model, X) - K) / np.linalg.norm(K))
        units.append(model.width)
        errors.append(row)
    return {"units": np.array(units), "errors": np.array(errors)}


def loglog_slope(x, y) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (−1/2 for a 1/√m law)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2 or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("loglog_slope needs two 1-D arrays of the same length >= 2 with positive entries")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def eq5_error_grid(kind: str, dims, widths, n: int, seed: int = 0) -> np.ndarray:
    """Eq. 5 relative error for Gaussian inputs ``N(0, I_d)``: an array (len(dims), len(widths))."""
    rng = np.random.default_rng(seed)
    out = np.empty((len(dims), len(widths)))
    for i, d in enumerate(dims):
        X = rng.standard_normal((n, d))
        out[i] = [eq5_relative_error(X, kind, m) for m in widths]
    return out


def ntk_cosines(K) -> np.ndarray:
    """``cos∠(∇z(x_i), ∇z(x_j)) = K_ij / √(K_ii K_jj)`` from an NTK (or Gram) matrix K."""
    K = as_matrix(K, "K")
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be square, got shape {K.shape}")
    dg = np.diag(K)
    if np.any(dg <= 0):
        raise ValueError("K must have a positive diagonal")
    return K / np.sqrt(np.outer(dg, dg))


def gradient_angle_check(X, pair: tuple[str, str], width: int, seed: int = 0, expected: bool = False) -> dict:
    """Gradient cosines of the non-GLU and GLU nets of ``pair`` on ``X``.

    The NTKs are the empirical ones of seeded nets of nominal ``width`` at initialisation (GLU
    parameter-matched), or with ``expected=True`` the expected kernels (Eq. 3/4) at the same units.

    Eq. 5 predicts ``cos_glu ≈ cos_non_glu · cos_x`` with ``cos_x`` the cosine between inputs.
    Returns the off-diagonal cosines ``non_glu``, ``glu``, ``inputs`` (1-D arrays), their
    ``product`` ``non_glu·inputs``, the correlation of ``glu`` with ``product`` and the mean absolute
    deviations of ``glu`` from ``product`` and from ``non_glu``.
    """
    X = as_matrix(X)
    off = ~np.eye(len(X), dtype=bool)
    cos = {}
    for k in pair:
        model = two_layer(k, X.shape[1], width, seed=seed)
        K = expected_ntk(X, k, model.width) if expected else empirical_ntk(model, X)
        cos[k] = ntk_cosines(K)[off]
    cx = ntk_cosines(X @ X.T)[off]
    prod = cos[pair[0]] * cx
    g = cos[pair[1]]
    return {
        "non_glu": cos[pair[0]], "glu": g, "inputs": cx, "product": prod,
        "corr": float(np.corrcoef(g, prod)[0, 1]),
        "dev_product": float(np.mean(np.abs(g - prod))),
        "dev_non_glu": float(np.mean(np.abs(g - cos[pair[0]]))),
    }


def off_diagonal_ratio(K) -> float:
    """Mean absolute off-diagonal entry over mean diagonal entry (0 for a diagonal matrix)."""
    K = as_matrix(K, "K")
    diag = np.abs(np.diag(K)).mean()
    if not diag > 0:
        raise ValueError("off_diagonal_ratio: K has a zero diagonal, so the ratio is undefined")
    off = ~np.eye(len(K), dtype=bool)
    return float(np.abs(K[off]).mean() / diag)


def teaser_kernels(n: int = 50, d: int = 100, width: int = 400, seed: int = 0, pair=("relu", "reglu")) -> dict:
    """The teaser's matrices: empirical NTKs of the non-GLU and GLU nets and ``K ⊙ XXᵀ/d``.

    Gaussian inputs ``N(0, I_d)`` from ``seed``; LeCun nets of nominal ``width`` (GLU
    parameter-matched), float64, seeded with ``seed``. Returns ``X``, ``K`` (non-GLU), ``K_glu``
    and ``K_eq5 = K ⊙ XXᵀ/d``.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    K, K_glu = (empirical_ntk(two_layer(k, d, width, seed=seed), X) for k in pair)
    return {"X": X, "K": K, "K_glu": K_glu, "K_eq5": K * (X @ X.T) / d}


def log_wall_seconds(path, max_gap: float = 900.0) -> float:
    """Compute time recorded in a progress log whose lines start with ``HH:MM:SS``.

    Sums the gaps between consecutive time stamps (across midnight), leaving out gaps longer than
    ``max_gap`` seconds (the log of a run that was stopped and resumed later). Lines without a
    time stamp are skipped. Raises ``FileNotFoundError`` for a missing file.
    """
    import re

    stamps = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            mt = re.match(r"(\d\d):(\d\d):(\d\d)\s", line)
            if mt:
                h, m, s = (int(g) for g in mt.groups())
                stamps.append(3600 * h + 60 * m + s)
    total = 0.0
    for a, b in zip(stamps, stamps[1:]):
        gap = (b - a) % 86400
        if gap <= max_gap:
            total += gap
    return float(total)
