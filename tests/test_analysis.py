import numpy as np
import pytest

from glu_lib import analysis
from glu_lib.notebook import gaussian_inputs


def test_loglog_slope_exact_power_law():
    x = np.array([1.0, 10.0, 100.0])
    assert analysis.loglog_slope(x, 3 * x**-0.5) == pytest.approx(-0.5)
    with pytest.raises(ValueError):
        analysis.loglog_slope([1, 2], [1, -1])
    with pytest.raises(ValueError):
        analysis.loglog_slope([1], [1])


def test_width_convergence_shapes_and_decay():
    X = gaussian_inputs(10, 6, seed=0)
    r = analysis.width_convergence(X, "reglu", (100, 10000), range(2))
    assert r["units"].tolist() == [53, 5384] and r["errors"].shape == (2, 2)
    assert r["errors"][1].mean() < r["errors"][0].mean() / 3


def test_eq5_error_grid_is_d_over_m():
    g = analysis.eq5_error_grid("reglu", (4, 16), (10_000, 100_000), n=20)
    ratio = g * np.array([10_000, 100_000]) / np.array([4, 16])[:, None]
    np.testing.assert_allclose(ratio, 1, atol=0.02)


def test_ntk_cosines():
    K = np.array([[4.0, 2.0], [2.0, 9.0]])
    np.testing.assert_allclose(analysis.ntk_cosines(K), [[1, 1 / 3], [1 / 3, 1]])
    with pytest.raises(ValueError, match="square"):
        analysis.ntk_cosines(np.ones((2, 3)))
    with pytest.raises(ValueError, match="positive diagonal"):
        analysis.ntk_cosines(np.array([[0.0, 1.0], [1.0, 1.0]]))


def test_gradient_angle_check_expected_is_eq5():
    X = gaussian_inputs(12, 30, seed=1)
    r = analysis.gradient_angle_check(X, ("relu", "reglu"), 4000, expected=True)
    assert r["corr"] > 0.999 and r["dev_product"] < 0.01 * r["dev_non_glu"]
    assert r["glu"].shape == (12 * 11,)


def test_log_wall_seconds(tmp_path):
    from glu_lib.analysis import log_wall_seconds

    log = tmp_path / "run.log"
    log.write_text("23:59:50 start\nno stamp here\n00:00:10 a: 1\n00:00:40 b: 2\n"
                   "03:00:00 resumed\n03:00:05 c\n")
    assert log_wall_seconds(log) == 20 + 30 + 5  # the 3-hour gap is a restart, not compute
    assert log_wall_seconds(log, max_gap=1e6) == 20 + 30 + (3 * 3600 - 40) + 5
