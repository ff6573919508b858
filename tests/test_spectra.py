import math
import warnings

import numpy as np
import pytest
import sympy as sp

from glu_lib import kernels, spectra
from glu_lib.models import matched_width


# --------------------------------------------------------------------------- eigenvalues and κ

def test_spectrum_and_condition_number_of_a_known_matrix(rng):
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    lam = np.array([0.5, 1.0, 2.0, 3.0, 10.0])
    K = Q @ np.diag(lam) @ Q.T
    K = (K + K.T) / 2
    np.testing.assert_allclose(spectra.spectrum(K), lam, rtol=1e-12)
    assert spectra.extreme_eigenvalues(K) == pytest.approx((0.5, 10.0), rel=1e-12)
    assert spectra.condition_number(K) == pytest.approx(20.0, rel=1e-12)


@pytest.mark.parametrize("bad, match", [
    (np.ones((3, 4)), "square"),
    (np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
    (np.array([[1.0, np.nan], [np.nan, 1.0]]), "NaN"),
    (np.ones(3), "2-D"),
])
def test_spectrum_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        spectra.spectrum(bad)
    with pytest.raises(ValueError, match=match):
        spectra.condition_number(bad)


def test_condition_number_flags_ill_conditioned_matrices():
    with pytest.warns(spectra.IllConditionedWarning):
        assert spectra.condition_number(np.diag([1e-14, 1.0])) == pytest.approx(1e14)
    with pytest.warns(spectra.IllConditionedWarning):
        assert spectra.condition_number(np.diag([0.0, 1.0])) == math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert spectra.condition_number(np.diag([0.0, 1.0]), warn=False) == math.inf
    with pytest.raises(ValueError, match="no positive eigenvalue"):
        spectra.condition_number(-np.eye(2))


# --------------------------------------------------------------------------- the expansion

def test_profiles_reproduce_the_exact_kernels(rng):
    X = rng.standard_normal((7, 9))
    m, d = 50, 9
    r = np.linalg.norm(X, axis=1)
    rho = X @ X.T / np.outer(r, r)
    for kind, gated, power in (("relu", False, 1), ("reglu", True, 2)):
        f = sp.lambdify(spectra.RHO, spectra.relu_profile(gated).subs({sp.Symbol("m", positive=True): m,
                                                                        sp.Symbol("d", positive=True): d}), "numpy")
        K = np.outer(r, r) ** power * f(np.clip(rho, -1, 1))
        np.testing.assert_allclose(K, kernels.expected_ntk(X, kind, m), rtol=1e-8)


def test_expansion_coefficients_match_the_arccos_kernel_numerically():
    m_, d_ = sp.symbols("m d", positive=True)
    for gated in (False, True):
        c = spectra.taylor_coefficients(gated, 3)
        prof = spectra.relu_profile(gated).subs({m_: 300, d_: 20})
        f = sp.lambdify(spectra.RHO, prof, "numpy")
        poly = sp.lambdify(spectra.RHO, sum(ck.subs({m_: 300, d_: 20}) * spectra.RHO**k for k, ck in enumerate(c)), "numpy")
        for rho in (1e-3, 1e-2, 5e-2):
            assert abs(f(rho) - poly(rho)) < 5 * abs(f(0.1)) * rho**4  # the series is right to O(ρ⁴)
        numeric = spectra._coeffs(gated, 300, 20)
        for k in range(3):
            assert float(c[k].subs({m_: 300, d_: 20})) == pytest.approx(numeric[f"c{k}"], rel=1e-12, abs=1e-15)
        assert float(prof.subs(spectra.RHO, 1)) == pytest.approx(numeric["one"], rel=1e-12)
    co = spectra.expansion_coefficients(False)
    assert sp.simplify(co["alpha"] - (m_ + d_) / (4 * d_)) == 0
    assert sp.simplify(co["beta"] - (m_ / (2 * sp.pi * d_) + (m_ + 2 * d_) / (4 * sp.pi * d_**2))) == 0
    for gated in (False, True):
        c = spectra.expansion_coefficients(gated)
        assert sp.simplify(c["alpha"] + c["beta"] + c["gamma"] - c["at_one"]) == 0  # exact diagonal


def test_expansion_matrix_diagonal_is_exact_and_error_is_small(rng):
    X = rng.standard_normal((200, 60))
    for kind, gated in (("relu", False), ("reglu", True)):
        K, A = kernels.expected_ntk(X, kind, 600), spectra.expansion_matrix(X, 600, gated)
        np.testing.assert_allclose(np.diag(A), np.diag(K), rtol=1e-8)  # arccos near ρ = 1 loses ~1e-9
        err = spectra.expansion_error(X, 600, gated)
        assert err["frobenius"] < 0.05 and err["spectral"] < 0.05 and abs(err["lmax"]) < 0.03


# --------------------------------------------------------------------------- laws and theory

def test_marchenko_pastur_edges_and_quantiles(rng):
    n, p = 300, 900
    Z = rng.standard_normal((n, p)) * math.sqrt(2.0)
    ev = np.linalg.eigvalsh(Z @ Z.T)
    lo, hi = spectra.marchenko_pastur_edges(n, p, 2.0)
    assert lo == pytest.approx(2 * (30 - math.sqrt(300)) ** 2) and hi == pytest.approx(2 * (30 + math.sqrt(300)) ** 2)
    assert ev[0] == pytest.approx(lo, rel=0.1) and ev[-1] == pytest.approx(hi, rel=0.05)
    q = spectra.marchenko_pastur_quantiles(n, p, 2.0)
    assert q.shape == (n,) and np.all(np.diff(q) > 0)
    np.testing.assert_allclose(np.quantile(ev, [0.1, 0.5, 0.9]), np.quantile(q, [0.1, 0.5, 0.9]), rtol=0.03)
    assert q.mean() == pytest.approx(2.0 * p, rel=0.01)
    assert spectra.marchenko_pastur_edges(10, 5)[0] == 0.0  # rank deficient
    assert spectra.marchenko_pastur_quantiles(10, 5).shape == (5,)


def test_theory_matches_numerics_on_the_sphere():
    n, d, m = 400, 120, 2000
    X = spectra.make_inputs(n, d, 0, "sphere")
    for kind, gated in (("relu", False), ("reglu", True)):
        u = spectra.units(kind, m, d)
        lmin, lmax = spectra.extreme_eigenvalues(kernels.expected_ntk(X, kind, u))
        th = spectra.theory_spectrum(n, d, u, gated)
        assert lmax == pytest.approx(th["lmax"], rel=0.1)
        assert lmin == pytest.approx(th["lmin"], rel=0.15)
        assert lmax / lmin == pytest.approx(th["kappa"], rel=0.15)
        ev = spectra.theory_eigenvalues(n, d, u, gated)
        assert ev.shape == (n,) and np.all(np.diff(ev) >= 0)
        assert ev[-1] == pytest.approx(th["lmax"], rel=0.05) and ev[0] == pytest.approx(th["lmin"], rel=0.1)
    assert spectra.theory_spectrum(n, d, m, False)["lmax"] == pytest.approx(m * n / (2 * math.pi), rel=0.05)


def test_theory_rejects_outside_its_domain():
    with pytest.raises(ValueError, match="d \\+ 1 < n"):
        spectra.theory_spectrum(10, 9, 100, False)
    with pytest.raises(ValueError, match="positive integer"):
        spectra.theory_spectrum(10, 0, 100, True)
    with pytest.raises(ValueError, match="d \\+ 1 < n"):
        spectra.theory_eigenvalues(10, 20, 100, True)


# --------------------------------------------------------------------------- inputs and grids

def test_make_inputs():
    X = spectra.make_inputs(5, 7, 3, "sphere")
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), math.sqrt(7))
    np.testing.assert_array_equal(spectra.make_inputs(5, 7, 3), spectra.make_inputs(5, 7, 3))
    with pytest.raises(ValueError, match="unknown inputs"):
        spectra.make_inputs(5, 7, 3, "uniform")


def test_digits_inputs():
    X = spectra.digits_inputs(100, seed=1)
    assert X.shape == (100, 64)
    assert np.mean(np.sum(X**2, axis=1)) == pytest.approx(64)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    Xs = spectra.digits_inputs(100, seed=1, sphere=True)
    np.testing.assert_allclose(np.linalg.norm(Xs, axis=1), 8.0)
    assert np.all(spectra.digits_inputs(50, seed=1, center=False) >= 0)
    with pytest.raises(ValueError, match="1797"):
        spectra.digits_inputs(5000)


def test_units_and_ntk_matrix(rng):
    assert spectra.units("relu", 100, 10) == 100
    assert spectra.units("reglu", 100, 10) == matched_width(100, 10)
    X = rng.standard_normal((6, 4))
    np.testing.assert_allclose(spectra.ntk_matrix(X, "reglu", 64), kernels.expected_ntk(X, "reglu", matched_width(64, 4)))
    Ke = spectra.ntk_matrix(X, "relu", 20000, "empirical", seed=1)
    assert np.linalg.norm(Ke - kernels.expected_ntk(X, "relu", 20000)) / np.linalg.norm(Ke) < 0.05
    with pytest.raises(ValueError, match="unknown source"):
        spectra.ntk_matrix(X, "relu", 10, "analytic")


def test_spectral_grid_shapes_and_the_claim():
    R = spectra.spectral_grid(("relu", "reglu"), [(200, 40, 1000), (200, 80, 1000)], [0, 1])
    for k in ("relu", "reglu"):
        for q in ("lmin", "lmax", "kappa"):
            assert R[k][q].shape == (2, 2)
        np.testing.assert_allclose(R[k]["kappa"], R[k]["lmax"] / R[k]["lmin"])
    assert np.all(R["reglu"]["kappa"] < R["relu"]["kappa"] / 5)
    assert np.all(R["reglu"]["lmin"] > R["relu"]["lmin"])


# --------------------------------------------------------------------------- guards (bad inputs)

def test_condition_number_never_returns_a_negative_kappa():
    # rounding-level negative λmin: κ is infinite, with a warning, never λmax/λmin < 0
    with pytest.warns(spectra.IllConditionedWarning):
        assert spectra.condition_number(np.diag([-1e-14, 1.0])) == math.inf
    # a clearly indefinite matrix has no condition number
    with pytest.raises(ValueError, match="not positive semi-definite"):
        spectra.condition_number(np.diag([-0.5, 1.0]))
    with pytest.raises(ValueError, match="not positive semi-definite"):
        spectra.kappa_from_extremes(-0.5, 1.0)
    assert spectra.kappa_from_extremes(0.5, 1.0) == 2.0


def test_spectrum_refuses_complex_input():
    with pytest.raises(ValueError, match="real"):
        spectra.spectrum(np.array([[2, 1j], [-1j, 2]]))
    with pytest.raises(ValueError, match="real"):
        spectra.condition_number(np.array([[2, 1j], [-1j, 2]]))


def test_spectral_grid_guards_kappa_of_a_rank_deficient_kernel():
    # the bilinear kernel ∝ (XXᵀ)⊙(XXᵀ) has rank ≤ d(d+1)/2 = 3 < n: λmin is rounding noise
    with pytest.warns(spectra.IllConditionedWarning):
        R = spectra.spectral_grid(["bilinear"], [(12, 2, 50)], [0, 1, 2])
    kappa = R["bilinear"]["kappa"]
    assert np.all(kappa == math.inf)
    assert np.all(np.abs(R["bilinear"]["lmin"]) < 1e-10 * R["bilinear"]["lmax"])


def test_spectral_grid_rejects_bad_arguments():
    with pytest.raises(ValueError, match="source"):
        spectra.spectral_grid(["relu"], [(10, 3, 20)], [0], source="nope")
    with pytest.raises(ValueError, match="inputs"):
        spectra.spectral_grid(["relu"], [(10, 3, 20)], [0], inputs="nope")
    with pytest.raises(ValueError, match="triples"):
        spectra.spectral_grid(["relu"], [(10, 3)], [0])


def test_spectral_grid_cache_resumes_without_recomputing(tmp_path, monkeypatch):
    cache = tmp_path / "grid.jsonl"
    pts, lines = [(30, 4, 64), (30, 8, 64)], []
    first = spectra.spectral_grid(["relu", "reglu"], pts, [0, 1], cache=cache, progress=lines.append)
    assert len(lines) == 8 and len(cache.read_text().splitlines()) == 8
    with open(cache, "a") as fh:  # a run killed while writing leaves a torn line
        fh.write('{"key": "expected/gauss')

    def boom(*a, **k):
        raise AssertionError("recomputed a cached kernel")

    monkeypatch.setattr(spectra, "ntk_matrix", boom)
    again = spectra.spectral_grid(["relu", "reglu"], pts, [0, 1], cache=cache)
    for k in ("relu", "reglu"):
        for q in ("lmin", "lmax", "kappa"):
            np.testing.assert_array_equal(again[k][q], first[k][q])
    with pytest.raises(AssertionError, match="recomputed"):  # a new seed is computed
        spectra.spectral_grid(["relu"], pts, [2], cache=cache)
