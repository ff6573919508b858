import math

import numpy as np
import pytest

from glu_lib import kernels
from glu_lib.kinds import KINDS
from glu_lib.models import two_layer
from glu_lib.ntk import empirical_ntk


def brute_dual(f, X, q=100):
    """2-D Gauss-Hermite quadrature of E[f(w.x_i) f(w.x_j)], w ~ N(0, I/d), pair by pair."""
    z, w = np.polynomial.hermite_e.hermegauss(q)
    w = w / math.sqrt(2 * math.pi)
    Z1, Z2 = np.meshgrid(z, z, indexing="ij")
    W = np.outer(w, w)
    d, nr = X.shape[1], np.linalg.norm(X, axis=1)
    out = np.empty((len(X), len(X)))
    for i in range(len(X)):
        for j in range(len(X)):
            r = np.clip(X[i] @ X[j] / nr[i] / nr[j], -1, 1)
            s1, s2 = nr[i] / math.sqrt(d), nr[j] / math.sqrt(d)
            out[i, j] = (W * f(s1 * Z1) * f(s2 * (r * Z1 + math.sqrt(1 - r * r) * Z2))).sum()
    return out


@pytest.mark.parametrize("activation", ["gelu", "silu", "sigmoid"])
def test_hermite_dual_kernels_match_2d_quadrature(rng, activation):
    X = rng.standard_normal((5, 12)) * rng.uniform(0.5, 1.5, (5, 1))
    E, Ed = kernels.dual_kernels(X, activation=activation)
    f, df = kernels._smooth(activation)
    for K, g in ((E, f), (Ed, df)):
        B = brute_dual(g, X)
        assert np.abs(K - B).max() <= 1e-8 * np.abs(B).max()


def test_relu_dual_kernels_monte_carlo(rng):
    X = rng.standard_normal((4, 6))
    W = rng.standard_normal((400_000, 6)) / math.sqrt(6)
    U = X @ W.T
    E, Ed = kernels.dual_kernels(X, activation="relu")
    np.testing.assert_allclose(np.maximum(U, 0) @ np.maximum(U, 0).T / len(W), E, atol=5e-3)
    np.testing.assert_allclose((U > 0) * 1.0 @ ((U > 0) * 1.0).T / len(W), Ed, atol=5e-3)


def test_arccos_kernel_known_values():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
    k0, k1 = kernels.arccos_kernel(X, order=0), kernels.arccos_kernel(X, order=1)
    np.testing.assert_allclose(np.diag(k0), 1.0)
    np.testing.assert_allclose(k0[0, 1], 0.5)  # orthogonal: θ = π/2
    np.testing.assert_allclose(k0[0, 2], 0.0, atol=1e-12)  # opposite: θ = π
    np.testing.assert_allclose(k1[0, 1], 2.0 / math.pi)  # ‖x‖‖y‖ sin(π/2)/π
    np.testing.assert_allclose(np.diag(k1), [1.0, 4.0, 9.0])  # ‖x‖² (θ = 0)


def test_bilinear_closed_form(rng):
    X = rng.standard_normal((6, 5))
    G, m, d = X @ X.T, 40, 5
    np.testing.assert_allclose(kernels.expected_ntk(X, "bilinear", m), (m / d + 2) * G**2 / d, rtol=1e-12)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_expected_ntk_is_the_mean_of_empirical_ntks(rng, kind):
    """Monte Carlo over wide nets: the mean empirical NTK approaches Eq. 3/4."""
    X = rng.standard_normal((6, 5))
    ntks = [empirical_ntk(two_layer(kind, 5, 20000, matched=False, seed=s), X) for s in range(4)]
    Ke = kernels.expected_ntk(X, kind, 20000)
    assert np.linalg.norm(np.mean(ntks, axis=0) - Ke) / np.linalg.norm(Ke) < 0.02


def test_expected_ntk_symmetric_psd_and_cross_blocks(rng):
    X, X2 = rng.standard_normal((8, 6)), rng.standard_normal((3, 6))
    for kind in ("relu", "swiglu"):
        K = kernels.expected_ntk(X, kind, 50)
        np.testing.assert_allclose(K, K.T, rtol=1e-12)
        assert np.linalg.eigvalsh(K).min() > 0
        full = kernels.expected_ntk(np.vstack([X, X2]), kind, 50)
        np.testing.assert_allclose(kernels.expected_ntk(X, kind, 50, X2), full[:8, 8:], rtol=1e-10)


def test_eq5_remainder_is_exact(rng):
    X = rng.standard_normal((7, 9))
    for kind, act in (("reglu", "relu"), ("geglu", "gelu"), ("bilinear", "identity")):
        E, _ = kernels.dual_kernels(X, activation=act)
        rem = kernels.expected_ntk(X, kind, 300) - kernels.eq5_kernel(X, kind, 300)
        np.testing.assert_allclose(rem, E * (X @ X.T), rtol=1e-9, atol=1e-12)
    e = [kernels.eq5_relative_error(X, "reglu", m) for m in (10, 100, 1000, 10000)]
    assert all(a > b for a, b in zip(e, e[1:])) and e[-1] < 0.01


def test_kernel_errors(rng):
    X = rng.standard_normal((4, 3))
    with pytest.raises(ValueError, match="unknown model kind"):
        kernels.expected_ntk(X, "tanh", 10)
    with pytest.raises(ValueError, match="positive integer"):
        kernels.expected_ntk(X, "relu", 0)
    with pytest.raises(ValueError, match="NaN or inf"):
        kernels.expected_ntk(np.where(X > 0, np.nan, X), "relu", 10)
    with pytest.raises(ValueError, match="2-D"):
        kernels.expected_ntk(X[0], "relu", 10)
    with pytest.raises(ValueError, match="same number of features"):
        kernels.expected_ntk(X, "relu", 10, X2=rng.standard_normal((2, 4)))
    with pytest.raises(ValueError, match="non-zero norm"):
        kernels.expected_ntk(np.vstack([X, np.zeros(3)]), "relu", 10)
    with pytest.raises(ValueError, match="not a GLU kind"):
        kernels.eq5_kernel(X, "relu", 10)
    with pytest.raises(ValueError, match="does not converge"):
        kernels.expected_ntk(X * 1e3, "silu", 10)
    with pytest.raises(ValueError, match="order"):
        kernels.arccos_kernel(X, order=2)


# --------------------------------------------------------------------------- extreme and bad inputs

@pytest.mark.parametrize("kind, degree", [("relu", 2), ("reglu", 4), ("bilinear", 4)])
@pytest.mark.parametrize("scale", [2.0**-150, 2.0**-60, 2.0**70, 2.0**120])
def test_homogeneous_kernels_at_extreme_input_scales(rng, kind, degree, scale):
    X = rng.standard_normal((6, 9))
    K = kernels.expected_ntk(X, kind, 40)
    Kc = kernels.expected_ntk(X * scale, kind, 40)
    if not np.isfinite(scale**degree) or scale**degree < 1e-300:
        pytest.skip("the reference K·c^degree itself is out of float64 range")
    assert np.all(np.isfinite(Kc))
    np.testing.assert_allclose(Kc, K * scale**degree, rtol=1e-7, atol=0)


@pytest.mark.parametrize("kind", ["relu", "reglu", "bilinear"])
def test_kernel_overflow_is_a_clear_error(rng, kind):
    X = rng.standard_normal((5, 10))
    X[0] *= 1e154
    with pytest.raises(ValueError, match="overflows float64"):
        kernels.expected_ntk(X, kind, 50)


def test_kernels_refuse_complex_inputs(rng):
    X = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    with pytest.raises(ValueError, match="real"):
        kernels.expected_ntk(X, "relu", 10)
    with pytest.raises(ValueError, match="real"):
        kernels.expected_ntk(X.real, "relu", 10, X2=X)
