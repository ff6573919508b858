import numpy as np
import pytest
import sympy as sp

from glu_lib import kernels, symbolic
from glu_lib.symbolic import SYMBOLS as S


@pytest.mark.parametrize("gated", [False, True])
def test_chain_rule_matches_coordinates(gated):
    assert symbolic.chain_rule_check(gated, dim=3)


def test_unit_terms_have_the_expected_groups():
    assert set(symbolic.unit_ntk_terms(False)) == {"v", "w"}
    assert set(symbolic.unit_ntk_terms(True)) == {"v", "w", "p"}


def test_gaussian_moments():
    for computed, claimed in symbolic.gaussian_moments(dim=3).values():
        assert sp.simplify(computed - claimed) == 0


def test_eq3_eq4_forms():
    m, sv, sp_, xy = S["m"], S["sigma_v"], S["sigma_p"], S["xy"]
    E, Ed = S["E_phi"], S["E_dphi"]
    assert sp.simplify(symbolic.expected_ntk_expr(False) - (m * E + m * sv**2 * Ed * xy)) == 0
    target = m * ((sv**2 + sp_**2) * E * xy + sv**2 * sp_**2 * Ed * xy**2)
    assert sp.simplify(symbolic.expected_ntk_expr(True) - target) == 0


def test_arccos_integrals_are_derived():
    th = S["theta"]
    assert sp.simplify(symbolic.arccos_integral(0) - (sp.pi - th) / (2 * sp.pi)) == 0
    J1 = sp.sin(th) + (sp.pi - th) * sp.cos(th)
    assert sp.simplify(symbolic.arccos_integral(1) - J1 / (2 * sp.pi)) == 0
    with pytest.raises(ValueError):
        symbolic.arccos_integral(2)


def test_eq5():
    assert sp.simplify(symbolic.eq5_remainder() - S["E_phi"] * S["xy"]) == 0
    assert symbolic.eq5_limit() == 1


@pytest.mark.parametrize("kind", ["relu", "reglu", "bilinear"])
def test_symbolic_ntk_matches_kernels(rng, kind):
    X = rng.standard_normal((6, 7))
    nr, G = np.linalg.norm(X, axis=1), X @ X.T
    K = symbolic.lambdify_ntk(kind)(nr[:, None], nr[None, :], G, 7, 50)
    assert np.all(np.isfinite(K))
    np.testing.assert_allclose(K, kernels.expected_ntk(X, kind, 50), rtol=1e-7)
    off = ~np.eye(6, dtype=bool)
    np.testing.assert_allclose(K[off], kernels.expected_ntk(X, kind, 50)[off], rtol=1e-12)
    with pytest.raises(ValueError):
        symbolic.lambdify_ntk("gelu")
