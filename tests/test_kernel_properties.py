"""Property-based tests (hypothesis) of the expected NTKs and the spectral helpers."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glu_lib import kernels, spectra

KINDS = ("relu", "reglu", "bilinear", "gelu", "geglu", "silu", "swiglu")
#: degree of homogeneity in X of the closed-form kernels: K(cX) = c^degree K(X) for c > 0
DEGREE = {"relu": 2, "reglu": 4, "bilinear": 4}

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rows(rng, n, d):
    """n random directions with norms ‖x‖/√d in [0.3, 2] (the range where the Hermite series of the
    smooth activations converges within its term budget; the ReLU kernels have no such limit)."""
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True) * np.sqrt(d) * rng.uniform(0.3, 2.0, (n, 1))


@st.composite
def inputs(draw, max_n=7, max_d=6):
    """A seeded input matrix with random row norms (no zero rows), and its seed."""
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    seed = draw(st.integers(0, 2**31 - 1))
    return rows(np.random.default_rng(seed), n, d), seed


@SETTINGS
@given(data=inputs(), kind=st.sampled_from(KINDS), width=st.integers(1, 5000))
def test_kernel_shape_symmetry_and_psd(data, kind, width):
    X, _ = data
    K = kernels.expected_ntk(X, kind, width)
    assert K.shape == (len(X), len(X)) and K.dtype == np.float64
    np.testing.assert_allclose(K, K.T, rtol=1e-10, atol=1e-12 * np.abs(K).max())
    lam = np.linalg.eigvalsh((K + K.T) / 2)
    assert lam[0] >= -1e-9 * max(lam[-1], 1e-300)  # a kernel is positive semi-definite
    assert np.all(np.diag(K) > 0)


@SETTINGS
@given(data=inputs(), data2=inputs(), kind=st.sampled_from(KINDS))
def test_cross_kernel_is_consistent_with_the_joint_kernel(data, data2, kind):
    (X, _), (X2, seed) = data, data2
    X2 = rows(np.random.default_rng(seed), len(X2), X.shape[1])
    K12 = kernels.expected_ntk(X, kind, 30, X2=X2)
    assert K12.shape == (len(X), len(X2))
    Kj = kernels.expected_ntk(np.vstack([X, X2]), kind, 30)
    np.testing.assert_allclose(K12, Kj[: len(X), len(X):], rtol=1e-8, atol=1e-10 * np.abs(Kj).max())
    np.testing.assert_allclose(kernels.expected_ntk(X2, kind, 30, X2=X), K12.T, rtol=1e-10,
                               atol=1e-12 * np.abs(Kj).max())


@SETTINGS
@given(data=inputs(), kind=st.sampled_from(sorted(DEGREE)), c=st.floats(1e-3, 1e3))
def test_homogeneity_k_of_cx(data, kind, c):
    X, _ = data
    np.testing.assert_allclose(kernels.expected_ntk(c * X, kind, 20),
                               c ** DEGREE[kind] * kernels.expected_ntk(X, kind, 20), rtol=1e-7,
                               atol=1e-12 * c ** DEGREE[kind] * np.abs(kernels.expected_ntk(X, kind, 20)).max())


@SETTINGS
@given(data=inputs(), kind=st.sampled_from(KINDS))
def test_permutation_equivariance(data, kind):
    X, seed = data
    perm = np.random.default_rng(seed).permutation(len(X))
    K = kernels.expected_ntk(X, kind, 25)
    np.testing.assert_allclose(kernels.expected_ntk(X[perm], kind, 25), K[np.ix_(perm, perm)], rtol=1e-10,
                               atol=1e-12 * np.abs(K).max())


@SETTINGS
@given(data=inputs(), kind=st.sampled_from(("relu", "reglu", "bilinear")), seed=st.integers(0, 2**31 - 1))
def test_rotation_invariance(data, kind, seed):
    X, _ = data
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((X.shape[1], X.shape[1])))
    K = kernels.expected_ntk(X, kind, 25)
    np.testing.assert_allclose(kernels.expected_ntk(X @ Q, kind, 25), K, rtol=1e-6, atol=1e-9 * np.abs(K).max())


@SETTINGS
@given(data=inputs(), kind=st.sampled_from(("relu", "reglu")), m1=st.integers(1, 1000),
       m2=st.integers(1001, 2000))
def test_width_enters_as_an_affine_function(data, kind, m1, m2):
    # Eq. 3/4 with σ_v² = 1/m: K(m) = m·A + B with A, B independent of m
    X, _ = data
    K1, K2, K3 = (kernels.expected_ntk(X, kind, m) for m in (m1, m2, m1 + m2))
    A = (K2 - K1) / (m2 - m1)
    np.testing.assert_allclose(K3, K1 + m2 * A, rtol=1e-7, atol=1e-9 * np.abs(K3).max())


@SETTINGS
@given(lam=st.lists(st.floats(1e-6, 1e6), min_size=2, max_size=6), seed=st.integers(0, 2**31 - 1))
def test_condition_number_of_a_rotated_diagonal(lam, seed):
    lam = np.array(lam)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(lam), len(lam))))
    K = Q @ np.diag(lam) @ Q.T
    K = (K + K.T) / 2
    kappa = spectra.condition_number(K, warn=False)
    assert kappa >= 1
    assert kappa == pytest.approx(lam.max() / lam.min(), rel=1e-6 * lam.max() / lam.min())


@SETTINGS
@given(lmin=st.floats(-1e6, 1e6), lmax=st.floats(1e-6, 1e6))
def test_kappa_is_never_negative(lmin, lmax):
    try:
        k = spectra.kappa_from_extremes(lmin, lmax, warn=False)
    except ValueError:
        assert lmin < -spectra.INDEFINITE_RTOL * lmax
        return
    assert k > 0 and (k == math.inf or math.isclose(k, lmax / lmin))
