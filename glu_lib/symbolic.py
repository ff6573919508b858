"""SymPy derivations of the expected NTKs (Eq. 3, 4, 5), returned as expressions.

The derivation has four steps, one function each:

1. :func:`unit_ntk_terms` differentiates one hidden unit ``z = v·φ(u)`` (non-GLU) or
   ``z = v·g·φ(u)`` (GLU), with ``u = wᵀx`` and ``g = pᵀx``, and forms the NTK contribution of each
   parameter group; the chain rule through a linear layer (``∂u/∂w = x``) turns a first-layer
   group into a scalar times ``xᵀy``, which :func:`chain_rule_check` verifies component-wise.
2. :func:`gaussian_moments` computes the moments of the random weights with ``sympy.stats``:
   ``E[v²] = σ_v²`` and ``E[(pᵀx)(pᵀy)] = σ_p² xᵀy``.
3. :func:`expected_ntk_expr` takes the expectation over the weights (independent across groups)
   and sums the ``m`` i.i.d. units, which gives Eq. 3 and Eq. 4 in terms of the dual kernels
   ``E[φφ]`` and ``E[φ'φ']``; :func:`arccos_integral` derives those for ReLU from polar coordinates.
4. :func:`eq5_remainder` and :func:`eq5_limit` give Eq. 5.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy import stats

__all__ = [
    "SYMBOLS",
    "phi",
    "unit_ntk_terms",
    "chain_rule_check",
    "gaussian_moments",
    "expected_ntk_expr",
    "arccos_integral",
    "relu_dual_kernels",
    "eq5_remainder",
    "eq5_limit",
    "lambdify_ntk",
]

phi = sp.Function("phi")
_pos = dict(positive=True)
#: The symbols of the derivation, by name.
SYMBOLS = dict(
    v=sp.Symbol("v", real=True),
    u_x=sp.Symbol("u_x", real=True),
    u_y=sp.Symbol("u_y", real=True),
    g_x=sp.Symbol("g_x", real=True),
    g_y=sp.Symbol("g_y", real=True),
    xy=sp.Symbol(r"x^\top y", real=True),
    nx=sp.Symbol(r"\|x\|", **_pos),
    ny=sp.Symbol(r"\|y\|", **_pos),
    theta=sp.Symbol("theta", **_pos),
    d=sp.Symbol("d", **_pos),
    m=sp.Symbol("m", **_pos),
    sigma_v=sp.Symbol("sigma_v", **_pos),
    sigma_p=sp.Symbol("sigma_p", **_pos),
    E_phi=sp.Symbol(r"\mathbb{E}[\phi(u_x)\phi(u_y)]", real=True),
    E_dphi=sp.Symbol(r"\mathbb{E}[\phi'(u_x)\phi'(u_y)]", real=True),
)
_S = SYMBOLS


def _unit(gated: bool, u, g):
    return _S["v"] * g * phi(u) if gated else _S["v"] * phi(u)


def unit_ntk_terms(gated: bool) -> dict[str, sp.Expr]:
    """Per-unit NTK contributions ``∂z/∂θ(x) · ∂z/∂θ(y)`` of each parameter group θ ∈ {v, w, p}.

    Obtained by differentiating the unit symbolically in ``v``, ``u`` and ``g``; a first-layer group
    multiplies the scalar derivatives by ``xᵀy`` (chain rule through ``u = wᵀx``, ``g = pᵀx``).
    """
    S = _S
    zx, zy = _unit(gated, S["u_x"], S["g_x"]), _unit(gated, S["u_y"], S["g_y"])
    terms = {
        "v": sp.diff(zx, S["v"]) * sp.diff(zy, S["v"]),
        "w": sp.diff(zx, S["u_x"]) * sp.diff(zy, S["u_y"]) * S["xy"],
    }
    if gated:
        terms["p"] = sp.diff(zx, S["g_x"]) * sp.diff(zy, S["g_y"]) * S["xy"]
    return terms


def chain_rule_check(gated: bool, dim: int = 3) -> bool:
    """Check :func:`unit_ntk_terms` against differentiation in explicit coordinates of dimension ``dim``.

    Builds ``z(x)`` with vectors ``w, p, x, y`` of ``dim`` components, differentiates in every
    component, sums the products group by group and compares with the chain-rule form.
    """
    w, p, x, y = (sp.symbols(f"{c}1:{dim + 1}", real=True) for c in "wpxy")
    dot = lambda a, b: sum(ai * bi for ai, bi in zip(a, b))  # noqa: E731
    zx, zy = _unit(gated, dot(w, x), dot(p, x)), _unit(gated, dot(w, y), dot(p, y))
    groups = {"v": [_S["v"]], "w": list(w)} | ({"p": list(p)} if gated else {})
    expected = unit_ntk_terms(gated)
    subs = {_S["u_x"]: dot(w, x), _S["u_y"]: dot(w, y), _S["g_x"]: dot(p, x), _S["g_y"]: dot(p, y), _S["xy"]: dot(x, y)}
    for name, params in groups.items():
        direct = sum(sp.diff(zx, t) * sp.diff(zy, t) for t in params)
        if sp.simplify((direct - expected[name].subs(subs)).doit()) != 0:
            return False
    return True


def gaussian_moments(dim: int = 3) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """Second moments of the random weights, computed with ``sympy.stats``.

    Returns ``{"v^2": (E[v²], σ_v²), "g_x g_y": (E[(pᵀx)(pᵀy)], σ_p²·Σ x_i y_i)}`` for
    ``v ~ N(0, σ_v²)`` and ``p ~ N(0, σ_p² I)`` in ``dim`` coordinates; each pair is (computed, claimed).
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    V = stats.Normal("V", 0, _S["sigma_v"])
    p = [stats.Normal(f"p{i}", 0, _S["sigma_p"]) for i in range(1, dim + 1)]
    x, y = sp.symbols(f"x1:{dim + 1}", real=True), sp.symbols(f"y1:{dim + 1}", real=True)
    gxgy = sp.expand(sum(pi * xi for pi, xi in zip(p, x)) * sum(pi * yi for pi, yi in zip(p, y)))
    return {
        "v^2": (sp.simplify(stats.E(V**2)), _S["sigma_v"] ** 2),
        "g_x g_y": (sp.expand(stats.E(gxgy)), sp.expand(_S["sigma_p"] ** 2 * sum(a * b for a, b in zip(x, y)))),
    }


def expected_ntk_expr(gated: bool, lecun: bool = False) -> sp.Expr:
    """Eq. 3 (``gated=False``) or Eq. 4 (``gated=True``): ``m`` times the expected per-unit NTK.

    The expectation factorises over independent groups: ``v²`` → ``σ_v²``, ``g_x g_y`` → ``σ_p² xᵀy``,
    ``φ(u_x)φ(u_y)`` → ``E[φφ]``, ``φ'(u_x)φ'(u_y)`` → ``E[φ'φ']``. With ``lecun=True`` the LeCun
    variances ``σ_v² = 1/m``, ``σ_p² = 1/d`` are substituted.
    """
    S = _S
    unit = sp.expand(sum(unit_ntk_terms(gated).values()))
    dx, dy = sp.diff(phi(S["u_x"]), S["u_x"]), sp.diff(phi(S["u_y"]), S["u_y"])
    rules = [
        (dx * dy, S["E_dphi"]),
        (phi(S["u_x"]) * phi(S["u_y"]), S["E_phi"]),
        (S["v"] ** 2, S["sigma_v"] ** 2),
        (S["g_x"] * S["g_y"], S["sigma_p"] ** 2 * S["xy"]),
    ]
    for old, new in rules:
        unit = unit.subs(old, new)
    leftover = unit.free_symbols & {S["v"], S["g_x"], S["g_y"], S["u_x"], S["u_y"]}
    if leftover:  # every random factor must have been replaced by its moment
        raise RuntimeError(f"expectation left random symbols {leftover}")
    K = sp.expand(S["m"] * unit)
    if lecun:
        K = sp.expand(K.subs({S["sigma_v"]: 1 / sp.sqrt(S["m"]), S["sigma_p"]: 1 / sp.sqrt(S["d"])}))
    return sp.collect(K, [S["E_phi"], S["E_dphi"]])


def arccos_integral(order: int) -> sp.Expr:
    """``E[Θ(u)Θ(v) uⁿ vⁿ]`` for unit-variance Gaussians with correlation cos θ, derived in polar form.

    In the plane of two unit inputs at angle θ a standard Gaussian weight has polar coordinates
    (r, α), density ``r·e^{-r²/2}/(2π)``, and ``u = r cos α``, ``v = r cos(α − θ)``; both are positive
    for α ∈ (θ − π/2, π/2). So the expectation is ``(1/2π)·∫₀^∞ r^{2n+1}e^{-r²/2} dr·∫ cosⁿα cosⁿ(α−θ) dα``.
    Order 0 is ``E[φ'φ']`` of ReLU, order 1 is ``E[φφ]`` of ReLU (for unit-norm inputs, w ~ N(0, I)).
    """
    if order not in (0, 1):
        raise ValueError(f"order must be 0 or 1, got {order!r}")
    r, a, th = sp.Symbol("r", positive=True), sp.Symbol("alpha", real=True), _S["theta"]
    radial = sp.integrate(r ** (2 * order + 1) * sp.exp(-(r**2) / 2), (r, 0, sp.oo))
    angular = sp.integrate(sp.cos(a) ** order * sp.cos(a - th) ** order, (a, th - sp.pi / 2, sp.pi / 2))
    return sp.simplify(sp.trigsimp(radial * angular / (2 * sp.pi)))


def relu_dual_kernels() -> tuple[sp.Expr, sp.Expr]:
    """``(E[φφ], E[φ'φ'])`` of ReLU for ``w ~ N(0, I/d)`` in terms of ‖x‖, ‖y‖, θ and d.

    ReLU is positively homogeneous, so ``E[φ(wᵀx)φ(wᵀy)] = (‖x‖‖y‖/d)·arccos_integral(1)``; the
    derivative (a step) is scale-free.
    """
    S = _S
    return S["nx"] * S["ny"] / S["d"] * arccos_integral(1), arccos_integral(0)


def eq5_remainder() -> sp.Expr:
    """``K̃ − K·xᵀy/d`` with LeCun variances: the exact remainder of Eq. 5 (it equals ``E[φφ]·xᵀy``)."""
    S = _S
    return sp.simplify(expected_ntk_expr(True, lecun=True) - expected_ntk_expr(False, lecun=True) * S["xy"] / S["d"])


def eq5_limit() -> sp.Expr:
    """``lim_{m→∞} K̃ / (K·xᵀy/d)`` with LeCun variances (Eq. 5 says it is 1)."""
    S = _S
    ratio = expected_ntk_expr(True, lecun=True) / (expected_ntk_expr(False, lecun=True) * S["xy"] / S["d"])
    return sp.limit(ratio, S["m"], sp.oo)


def lambdify_ntk(kind: str):
    """A NumPy function ``f(nx, ny, xy, d, m)`` of the symbolic expected NTK of ``relu``, ``reglu`` or ``bilinear``.

    Built from :func:`expected_ntk_expr` (LeCun) with the dual kernels substituted: the ReLU ones of
    :func:`relu_dual_kernels` (θ = arccos(xᵀy/‖x‖‖y‖)), or ``(xᵀy/d, 1)`` for the identity.
    """
    S = _S
    if kind not in ("relu", "reglu", "bilinear"):
        raise ValueError(f"symbolic closed form available for relu, reglu, bilinear; got {kind!r}")
    if kind == "bilinear":
        duals = (S["xy"] / S["d"], sp.Integer(1))
    else:
        duals = tuple(e.subs(S["theta"], sp.acos(S["xy"] / (S["nx"] * S["ny"]))) for e in relu_dual_kernels())
    K = expected_ntk_expr(kind != "relu", lecun=True).subs({S["E_phi"]: duals[0], S["E_dphi"]: duals[1]})
    f = sp.lambdify((S["nx"], S["ny"], S["xy"], S["d"], S["m"]), K, "numpy")

    def ntk(nx, ny, xy, d, m):
        # rounding can push xᵀy/(‖x‖‖y‖) just past ±1, outside the domain of arccos
        return f(nx, ny, np.clip(xy, -np.multiply(nx, ny), np.multiply(nx, ny)), d, m)

    return ntk
