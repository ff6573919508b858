"""Input validation shared by the library: clear errors instead of wrong numbers."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["positive_int", "non_negative_int", "finite_float", "as_matrix", "matrix_pair", "file_digest"]


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
