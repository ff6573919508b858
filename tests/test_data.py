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
