"""Data sets of the two-layer experiments: the paper's Gaussian regression and an offline image set.

Nothing here downloads. :func:`gaussian_regression` is the paper's synthetic task (official code:
``x ~ N(0, I_d)``, ``w ~ N(0, I_d)``, ``y = xᵀw + 0.1·ε``); :func:`digits_regression` is scikit-learn's
8×8 digits (shipped with the package) posed as scalar regression of the digit label, the offline
stand-in for MNIST.
"""

from __future__ import annotations

import numpy as np

from ._checks import positive_int

__all__ = ["TEACHERS", "gaussian_regression", "digits_regression"]

#: Target types of :func:`gaussian_regression`.
TEACHERS = ("linear", "relu", "noise")


def gaussian_regression(n: int, d: int, *, teacher: str = "linear", noise: float = 0.1,
                        w_scale: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``X ~ N(0, I_d)`` (n, d) and targets ``y`` (n,), float64, from ``seed``.

    ``teacher="linear"``: ``y = Xw + noise·ε`` with ``w ~ N(0, w_scale²·I_d)`` (the paper's task with
    ``w_scale=1``, so ``Var y ≈ d``); ``"relu"``: ``y = √2·relu(Xw) + noise·ε`` (a one-unit ReLU
    teacher); ``"noise"``: ``y = ε`` (pure noise, no signal). ε ~ N(0, 1). The order of draws is X, w, ε.
    """
    n, d = positive_int(n, "n"), positive_int(d, "d")
    if teacher not in TEACHERS:
        raise ValueError(f"unknown teacher {teacher!r}; expected one of {TEACHERS}")
    if not (np.isfinite(noise) and noise >= 0 and np.isfinite(w_scale) and w_scale > 0):
        raise ValueError(f"noise must be >= 0 and w_scale > 0, got {noise!r}, {w_scale!r}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = w_scale * rng.standard_normal(d)
    eps = rng.standard_normal(n)
    if teacher == "noise":
        return X, eps
    z = X @ w
    y = z if teacher == "linear" else np.sqrt(2.0) * np.maximum(z, 0.0)
    return X, y + noise * eps


def digits_regression(n: int | None = None, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits as scalar regression: inputs (n, 64) and the label 0–9 as target (n,).

    Pixels are standardised with one global mean and standard deviation (as the official code does
    for MNIST); the target is the raw digit label, as in the official MNIST regression. ``n`` (at most
    1797) takes a seeded random subset; ``None`` keeps all images in their stored order.
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X.astype(np.float64), y.astype(np.float64)
    X = (X - X.mean()) / X.std()
    if n is not None:
        n = positive_int(n, "n")
        if n > len(X):
            raise ValueError(f"the digits set has {len(X)} images, asked for {n}")
        idx = np.sort(np.random.default_rng(seed).choice(len(X), n, replace=False))
        X, y = X[idx], y[idx]
    return X, y
