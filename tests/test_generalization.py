import numpy as np
import pytest

from glu_lib import generalization as gen


def test_energy_distance_properties():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 2))
    assert gen.energy_distance(A, A) == pytest.approx(0.0, abs=1e-12)
    assert gen.energy_distance(A, A + 3) > gen.energy_distance(A, A + 1) > 0
    # 1-D points agree with scipy's energy distance, the square root of ours
    from scipy.stats import energy_distance as scipy_ed

    a, b = rng.standard_normal(30), rng.standard_normal(25) + 0.5
    assert np.sqrt(gen.energy_distance(a, b)) == pytest.approx(scipy_ed(a, b), rel=1e-10)


def test_energy_test_same_vs_shifted():
    rng = np.random.default_rng(1)
    same = [gen.energy_test(rng.standard_normal((30, 2)), rng.standard_normal((30, 2)), 200, seed=s)[1] for s in range(5)]
    assert np.mean(same) > 0.2
    _, p = gen.energy_test(rng.standard_normal((30, 2)), rng.standard_normal((30, 2)) + 1.5, 200, seed=0)
    assert p < 0.01
    assert gen.energy_test(np.ones((5, 2)), np.ones((5, 2)) * 2, 100, seed=3) == gen.energy_test(
        np.ones((5, 2)), np.ones((5, 2)) * 2, 100, seed=3)


def test_point_validation():
    with pytest.raises(ValueError, match="at least 2"):
        gen.energy_distance(np.ones((1, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="finite"):
        gen.energy_distance(np.array([[np.nan, 1.0], [1.0, 1.0]]), np.ones((3, 2)))
    with pytest.raises(ValueError, match="same dimension"):
        gen.energy_distance(np.ones((3, 2)), np.ones((3, 3)))


def test_cloud_and_matched_gap():
    h = {"train_loss": [2.0, 1.0, 0.5, 0.25], "val_loss": [2.1, 1.2, 0.8, 0.65]}
    c = gen.cloud(h)
    np.testing.assert_allclose(c, [[1.0, 0.2], [0.5, 0.3], [0.25, 0.4]])
    np.testing.assert_allclose(gen.gap_at_matched_loss(c, [0.75, 0.3]), [0.25, 0.38])
    assert np.isnan(gen.gap_at_matched_loss(c, [5.0])[0])


def test_gap_difference_ci():
    base = np.array([[1.0, 0.1], [0.5, 0.2], [0.2, 0.3]])
    a = [base + [0, 0.01 * i] for i in range(4)]
    b = [base + [0, 0.1 + 0.01 * i] for i in range(4)]
    diff, lo, hi = gen.gap_difference_ci(a, b, seed=0)
    assert diff == pytest.approx(0.1) and lo <= diff <= hi and lo > 0.05
    with pytest.raises(ValueError, match="no range"):
        gen.gap_difference_ci([base], [base + [5, 0]])


def test_train_run_errors():
    with pytest.raises(ValueError, match="unknown model family"):
        gen.train_run("resnet", "relu", "sgd", {"model": {}, "batch_size": 4}, {"sgd": {}})
    with pytest.raises(ValueError, match="unknown image data"):
        gen.image_splits("mnist")
