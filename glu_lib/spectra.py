"""Spectra of the NTKs: eigenvalues, condition numbers, the expansion K ≈ αXXᵀ + βrrᵀ + γD and its theory.

Theorem 3.1 of the paper says that the gate shrinks ``λmax`` of the NTK by a factor of order d and
keeps or raises ``λmin``, so that ``κ = λmax/λmin`` falls by about d. This module measures the
spectra (:func:`spectrum`, :func:`condition_number`, :func:`spectral_grid`) and predicts them from an
El Karoui (2010) style expansion of the ReLU kernels around orthogonal inputs with ``‖x‖² = d``:

* :func:`relu_profile` writes both kernels as a norm factor times a function of ``ρ = cos θ``:
  ``K_ij = r_i r_j f(ρ_ij)`` (Eq. 3) and ``K̃_ij = (r_i r_j)² g(ρ_ij)`` (Eq. 4), ``r_i = ‖x_i‖``;
* :func:`expansion_coefficients` Taylor-expands f and g in ρ (SymPy) and returns α, β, γ of
  ``K ≈ α XXᵀ + β rrᵀ + γ D`` and of ``K̃ ≈ α̃ (XXᵀ)⊙(XXᵀ) + β̃ (rrᵀ)⊙(XXᵀ) + γ̃ D²``, ``D = diag(r²)``;
* :func:`theory_spectrum` and :func:`theory_eigenvalues` turn the expansion into predictions for
  ``λmax``, ``λmin`` and ``κ`` as functions of n, d and m, with Marchenko–Pastur laws for the two
  Wishart parts (``XXᵀ`` in dimension d, and ``(XXᵀ)⊙(XXᵀ)`` in dimension d(d+1)/2) and Weyl's
  inequality to add the parts. They stand in for the paper's Props. B.6/B.9, whose formulas we do
  not have.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import sympy as sp

from ._checks import as_matrix, positive_int
from .kernels import expected_ntk
from .kinds import get_kind
from .models import matched_width, two_layer
from .ntk import empirical_ntk

__all__ = [
    "IllConditionedWarning",
    "spectrum",
    "extreme_eigenvalues",
    "condition_number",
    "kappa_from_extremes",
    "RHO",
    "relu_profile",
    "taylor_coefficients",
    "expansion_coefficients",
    "expansion_matrix",
    "expansion_error",
    "marchenko_pastur_edges",
    "marchenko_pastur_quantiles",
    "theory_spectrum",
    "theory_eigenvalues",
    "make_inputs",
    "digits_inputs",
    "units",
    "ntk_matrix",
    "spectral_grid",
]

#: ``λmin/λmax`` below which a condition number is not trusted (float64 eigensolvers lose it).
TRUST_RTOL = 1e-12


class IllConditionedWarning(UserWarning):
    """``λmin ≤ 1e-12·λmax``: the smallest eigenvalue is at the level of rounding error."""


def _square_symmetric(K, rtol: float = 1e-10) -> np.ndarray:
    if np.iscomplexobj(K) or (hasattr(K, "is_complex") and K.is_complex()):
        raise ValueError("K must be a real matrix; for a complex Hermitian matrix use numpy.linalg.eigvalsh "
                         "(casting to float64 would drop the imaginary part)")
    K = as_matrix(K, "K")
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square matrix, got shape {K.shape}")
    scale = np.abs(K).max()
    if np.abs(K - K.T).max() > rtol * max(scale, np.finfo(float).tiny):
        raise ValueError("K must be symmetric (|K - Kᵀ| exceeds 1e-10·max|K|)")
    return K


def spectrum(K) -> np.ndarray:
    """Eigenvalues of the symmetric matrix K in ascending order (float64, ``numpy.linalg.eigvalsh``).

    Raises ``ValueError`` for a non-square, non-symmetric or non-finite K. Only the lower triangle
    is read after the check, so rounding-level asymmetry does not matter.
    """
    return np.linalg.eigvalsh(_square_symmetric(K))


def extreme_eigenvalues(K) -> tuple[float, float]:
    """``(λmin, λmax)`` of the symmetric matrix K (see :func:`spectrum`)."""
    ev = spectrum(K)
    return float(ev[0]), float(ev[-1])


def condition_number(K, *, warn: bool = True) -> float:
    """``κ(K) = λmax/λmin`` of a symmetric positive semi-definite K, in float64.

    Raises ``ValueError`` for non-square, non-symmetric, complex or non-finite input, for
    ``λmax ≤ 0`` and for a clearly indefinite K (``λmin < −1e-4·λmax``). When
    ``λmin ≤ 1e-12·λmax`` the smallest eigenvalue is at rounding level and κ cannot be trusted: an
    :class:`IllConditionedWarning` is issued (unless ``warn=False``) and, if ``λmin ≤ 0``, ``inf``
    is returned (never a negative κ).
    """
    lmin, lmax = extreme_eigenvalues(K)
    return kappa_from_extremes(lmin, lmax, warn=warn, stacklevel=3)


#: ``λmin < −INDEFINITE_RTOL·λmax`` is not rounding: the matrix is not positive semi-definite.
INDEFINITE_RTOL = 1e-4


def kappa_from_extremes(lmin: float, lmax: float, *, warn: bool = True, stacklevel: int = 2) -> float:
    """The guarded ``κ = λmax/λmin`` of :func:`condition_number`, from the extreme eigenvalues."""
    lmin, lmax = float(lmin), float(lmax)
    if not (math.isfinite(lmin) and math.isfinite(lmax)):
        raise ValueError(f"eigenvalues must be finite, got λmin={lmin!r}, λmax={lmax!r}")
    if lmax <= 0:
        raise ValueError(f"K has no positive eigenvalue (λmax = {lmax:.3g}); κ is undefined")
    if lmin < -INDEFINITE_RTOL * lmax:
        raise ValueError(f"K is not positive semi-definite (λmin = {lmin:.3g}, λmax = {lmax:.3g}); "
                         "κ is undefined")
    if lmin <= TRUST_RTOL * lmax and warn:
        warnings.warn(f"λmin/λmax = {lmin / lmax:.1e} ≤ {TRUST_RTOL:g}: κ is not trustworthy in float64",
                      IllConditionedWarning, stacklevel=stacklevel)
    return math.inf if lmin <= 0 else lmax / lmin


# --------------------------------------------------------------------------- the expansion (SymPy)

#: The cosine ρ = cos θ between two inputs, the expansion variable.
RHO = sp.Symbol("rho", real=True)
_m, _d = sp.symbols("m d", positive=True)


def relu_profile(gated: bool) -> sp.Expr:
    """The ReLU NTK as a function of ρ after the norms are factored out (LeCun, m units, dimension d).

    With the arc-cosine kernels ``k_1(ρ) = (√(1−ρ²) + (π − arccos ρ)ρ)/π`` and
    ``k_0(ρ) = (π − arccos ρ)/π``, Eq. 3 is ``K_ij = r_i r_j f(ρ_ij)`` with
    ``f = (m/2d)·k_1 + ρ·k_0/2`` and Eq. 4 is ``K̃_ij = (r_i r_j)² g(ρ_ij)`` with
    ``g = ((m+d)/2d²)·ρ·k_1 + ρ²·k_0/(2d)``. Symbols: ``RHO``, ``m``, ``d``.
    """
    k1 = (sp.sqrt(1 - RHO**2) + (sp.pi - sp.acos(RHO)) * RHO) / sp.pi
    k0 = (sp.pi - sp.acos(RHO)) / sp.pi
    if not gated:
        return _m / (2 * _d) * k1 + RHO * k0 / 2
    return (_m + _d) / (2 * _d**2) * RHO * k1 + RHO**2 * k0 / (2 * _d)


def taylor_coefficients(gated: bool, order: int = 3) -> list[sp.Expr]:
    """Coefficients ``[c_0, …, c_order]`` of the Taylor series of :func:`relu_profile` at ρ = 0."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be a non-negative integer, got {order!r}")
    ser = sp.series(relu_profile(gated), RHO, 0, order + 1).removeO()
    return [sp.simplify(ser.coeff(RHO, k)) for k in range(order + 1)]


def expansion_coefficients(gated: bool) -> dict[str, sp.Expr]:
    """α, β, γ of the expansion, as SymPy expressions in ``m`` and ``d``; also ``at_one`` = f(1) or g(1).

    Non-GLU (El Karoui 2010): off the diagonal ``ρ = O(d^{-1/2})`` and
    ``K_ij ≈ r_i r_j (f_0 + f_1 ρ + f_2 ρ²)`` with ``ρ² ≈ 1/d``, so ``K ≈ α XXᵀ + β rrᵀ + γ D`` with
    ``α = f_1``, ``β = f_0 + f_2/d``, and ``γ = f(1) − α − β`` so that the diagonal
    ``K_ii = f(1) r_i²`` is exact (``D = diag(r_i²)``).

    GLU: ``K̃_ij ≈ (r_i r_j)²(g_1 ρ + g_2 ρ²)`` gives ``K̃ ≈ α̃ (XXᵀ)⊙(XXᵀ) + β̃ (rrᵀ)⊙(XXᵀ) + γ̃ D²``
    with ``α̃ = g_2``, ``β̃ = g_1``, ``γ̃ = g(1) − α̃ − β̃`` (``g_0 = 0``: no rank-one term ``rrᵀ``).
    """
    c = taylor_coefficients(gated, 3)
    one = sp.simplify(relu_profile(gated).subs(RHO, 1))
    if not gated:
        alpha, beta = c[1], sp.simplify(c[0] + c[2] / _d)
    else:
        alpha, beta = c[2], c[1]
    return {"alpha": alpha, "beta": beta, "gamma": sp.simplify(one - alpha - beta), "at_one": one}


def _coeffs(gated: bool, m: float, d: float) -> dict[str, float]:
    """Numeric Taylor coefficients c_0..c_2 and the value at ρ = 1 of f (non-GLU) or g (GLU)."""
    pi = math.pi
    if not gated:
        return {"c0": m / (2 * pi * d), "c1": m / (4 * d) + 0.25, "c2": m / (4 * pi * d) + 1 / (2 * pi),
                "one": m / (2 * d) + 0.5}
    return {"c0": 0.0, "c1": (m + d) / (2 * pi * d**2), "c2": (m + d) / (4 * d**2) + 1 / (4 * d),
            "one": (m + 2 * d) / (2 * d**2)}


def expansion_matrix(X, width: int, gated: bool) -> np.ndarray:
    """The three-term expansion of the ReLU (``gated=False``) or ReGLU NTK on inputs X.

    ``α XXᵀ + β rrᵀ + γ diag(r²)`` or ``α̃ (XXᵀ)⊙(XXᵀ) + β̃ (rrᵀ)⊙(XXᵀ) + γ̃ diag(r⁴)`` with the
    coefficients of :func:`expansion_coefficients` at ``m = width`` and ``d = X.shape[1]``.
    """
    X = as_matrix(X)
    m, d = positive_int(width, "width"), X.shape[1]
    c = _coeffs(gated, m, d)
    G = X @ X.T
    r = np.sqrt(np.diag(G))
    if not gated:
        alpha, beta = c["c1"], c["c0"] + c["c2"] / d
        return alpha * G + beta * np.outer(r, r) + np.diag((c["one"] - alpha - beta) * r**2)
    alpha, beta = c["c2"], c["c1"]
    return alpha * G * G + beta * np.outer(r, r) * G + np.diag((c["one"] - alpha - beta) * r**4)


def expansion_error(X, width: int, gated: bool) -> dict[str, float]:
    """Relative errors of :func:`expansion_matrix` against the exact ReLU/ReGLU kernel (Eq. 3/4).

    Returns the Frobenius error ``‖K − K_exp‖_F/‖K‖_F``, the spectral error ``‖K − K_exp‖₂/λmax(K)``
    and the relative errors of ``λmax`` and ``λmin``.
    """
    X = as_matrix(X)
    K = expected_ntk(X, "reglu" if gated else "relu", width)
    A = expansion_matrix(X, width, gated)
    ev, ea, ed = spectrum(K), spectrum(A), spectrum(K - A)
    return {
        "frobenius": float(np.linalg.norm(K - A) / np.linalg.norm(K)),
        "spectral": float(np.abs(ed).max() / ev[-1]),
        "lmax": float(ea[-1] / ev[-1] - 1),
        "lmin": float(ea[0] / ev[0] - 1),
    }


# --------------------------------------------------------------------------- limiting laws and theory

def marchenko_pastur_edges(n: int, p: int, var: float = 1.0) -> tuple[float, float]:
    """Edges ``(λmin, λmax)`` of the n×n Gram matrix ``ZZᵀ`` of n samples with p i.i.d. coordinates of variance ``var``.

    Marchenko–Pastur (1967): ``var·(√p ∓ √n)²``; for ``p < n`` the Gram matrix has rank p and
    ``λmin = 0``.
    """
    n, p = positive_int(n, "n"), positive_int(p, "p")
    lo = var * (math.sqrt(p) - math.sqrt(n)) ** 2 if p > n else 0.0
    return lo, var * (math.sqrt(p) + math.sqrt(n)) ** 2


def marchenko_pastur_quantiles(n: int, p: int, var: float = 1.0, k: int | None = None) -> np.ndarray:
    """The ``k`` (default ``min(n, p)``) mid-quantiles of the non-zero eigenvalues of ``ZZᵀ`` (Marchenko–Pastur law).

    With ``y = min(n,p)/max(n,p)`` the non-zero eigenvalues divided by ``var·max(n, p)`` follow the
    density ``√((b−x)(x−a))/(2π y x)`` on ``[a, b] = [(1−√y)², (1+√y)²]``; the quantiles at
    ``(i − ½)/k`` are found on a fine grid. Ascending, float64.
    """
    n, p = positive_int(n, "n"), positive_int(p, "p")
    k = min(n, p) if k is None else positive_int(k, "k")
    y = min(n, p) / max(n, p)
    a, b = (1 - math.sqrt(y)) ** 2, (1 + math.sqrt(y)) ** 2
    t = np.linspace(0.0, np.pi, 20001)  # x = a + (b−a)(1−cos t)/2 puts points where the density is steep
    x = a + (b - a) * (1 - np.cos(t)) / 2
    dens = np.sqrt(np.maximum((b - x) * (x - a), 0.0)) / (2 * np.pi * y * x) * (b - a) * np.sin(t) / 2
    cdf = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(t))])
    cdf /= cdf[-1]
    q = np.interp((np.arange(k) + 0.5) / k, cdf, x)
    return var * max(n, p) * q


def _check_theory_args(n, d, m):
    n, d, m = positive_int(n, "n"), positive_int(d, "d"), positive_int(m, "m")
    if d + 1 >= n:
        raise ValueError(f"the theory needs d + 1 < n (Theorem 3.1), got n={n}, d={d}")
    if d < 2:
        raise ValueError("the theory needs d >= 2")
    return n, d, m


def _parts(n, d, m, gated):
    """Levels of the expansion for inputs with ‖x‖² = d (see :func:`theory_spectrum`)."""
    c = _coeffs(gated, m, d)
    p = d * (d + 1) // 2  # dimension of the features x⊗x behind (XXᵀ)⊙(XXᵀ)
    v = (d * d - d) / p  # their variance: the Wishart part W of (XXᵀ)⊙(XXᵀ) has diagonal d² − d
    if not gated:  # K ≈ f0·d·11ᵀ + f2·11ᵀ + f1·XXᵀ + (f2/d)·W + c·I
        w, g = c["c2"] / d, c["c1"]
        base = d * (c["one"] - c["c0"] - c["c1"] - c["c2"])
        spike = (n - 1) * (c["c0"] * d + c["c2"]) + d * c["one"]
    else:  # K̃ ≈ g2·d·11ᵀ + g2·W + g1·d·XXᵀ + c̃·I
        w, g = c["c2"], c["c1"] * d
        base = d * d * (c["one"] - c["c1"] - c["c2"])
        spike = (n - 1) * c["c2"] * d + d * d * c["one"]
    return dict(p=p, v=v, w=w, g=g, base=base, spike=spike, shift=w * (d * d - d))


def theory_spectrum(n: int, d: int, m: int, gated: bool) -> dict[str, float]:
    """Predicted ``λmax``, ``λmin``, ``κ`` of the ReLU (Eq. 3) or ReGLU (Eq. 4) NTK.

    For ‖x_i‖² = d, from :func:`expansion_coefficients` with ``r = √d·1`` and the
    second-order term kept with its fluctuation: ``(XXᵀ)⊙(XXᵀ) ≈ d·11ᵀ + W``, W a
    Wishart-like Gram matrix of the features ``x⊗x`` (p = d(d+1)/2 coordinates,
    variance v = (d² − d)/p). Write ``f_k``/``g_k`` for the Taylor coefficients of
    :func:`relu_profile`.

    Non-GLU: ``K ≈ (f_0 d + f_2)·11ᵀ + f_1·XXᵀ + (f_2/d)·W + c·I`` with
    ``c = d(f(1) − f_0 − f_1 − f_2)``.
    ``λmax = (n−1)(f_0 d + f_2) + d f(1)`` (the rank-one term along 1, ≈ mn/(2π));
    ``λmin = c + (f_2/d)·v(√p − √n)₊²`` (Weyl: XXᵀ has rank d < n, so only W
    lifts the floor c).

    GLU: ``K̃ ≈ g_2 d·11ᵀ + g_2·W + g_1 d·XXᵀ + c̃·I``, ``c̃ = d²(g(1) − g_1 − g_2)``.
    ``λmax = max(a, b)`` with ``a = (n−1) g_2 d + d² g(1)`` (the all-ones direction)
    and ``b = c̃ + g_2(d² − d) + g_1 d(√n + √d)²`` (the top of the XXᵀ part on the
    mean level of W), ``≈ mn/(4d)`` for m ≫ d and n ≫ d ≫ 1;
    ``λmin = c̃ + g_2·v(√p − √n)₊²``.

    Requires ``d + 1 < n``. Returns ``{"lmax", "lmin", "kappa"}``.
    """
    n, d, m = _check_theory_args(n, d, m)
    q = _parts(n, d, m, gated)
    lo, _ = marchenko_pastur_edges(n, q["p"], q["v"])
    lmin = q["base"] + q["w"] * lo
    if not gated:
        lmax = q["spike"]
    else:
        top = q["base"] + q["shift"] + q["g"] * marchenko_pastur_edges(n, d)[1]
        lmax = max(q["spike"], top)
    return {"lmax": float(lmax), "lmin": float(lmin), "kappa": float(lmax / lmin)}


def theory_eigenvalues(n: int, d: int, m: int, gated: bool) -> np.ndarray:
    """All n eigenvalues predicted by the expansion (see :func:`theory_spectrum`), ascending.

    The parts are taken to act on separate directions: the all-ones direction carries the rank-one
    level, d directions carry the XXᵀ part (Marchenko–Pastur quantiles, on top of the mean level
    of W), and the other n − d − 1 carry the Wishart part W (Marchenko–Pastur quantiles).
    """
    n, d, m = _check_theory_args(n, d, m)
    q = _parts(n, d, m, gated)
    bulk = q["base"] + q["w"] * marchenko_pastur_quantiles(n, q["p"], q["v"], k=n - d - 1)
    signal = q["base"] + q["shift"] + q["g"] * marchenko_pastur_quantiles(n, d)
    return np.sort(np.concatenate([bulk, signal, [q["spike"]]]))


# --------------------------------------------------------------------------- inputs and measured grids

INPUTS = ("gaussian", "sphere")


def make_inputs(n: int, d: int, seed: int = 0, inputs: str = "gaussian") -> np.ndarray:
    """n inputs in dimension d from ``seed``: ``N(0, I_d)`` (``"gaussian"``) or uniform on the sphere ‖x‖ = √d (``"sphere"``)."""
    if inputs not in INPUTS:
        raise ValueError(f"unknown inputs {inputs!r}; expected one of {INPUTS}")
    X = np.random.default_rng(seed).standard_normal((positive_int(n, "n"), positive_int(d, "d")))
    if inputs == "sphere":
        X *= math.sqrt(d) / np.linalg.norm(X, axis=1, keepdims=True)
    return X


def digits_inputs(n: int | None = None, seed: int = 0, *, center: bool = True, sphere: bool = False) -> np.ndarray:
    """Real offline inputs: scikit-learn's 8×8 digits (1797 images, d = 64), optionally subsampled.

    Pixels (0–16) become float64. With ``center=True`` the mean image is subtracted. Then one global
    factor scales the data so that the mean squared norm is d (as for ``N(0, I_d)``; a per-pixel
    scaling would blow up the always-blank border pixels). With ``sphere=True`` every image is then
    put on the sphere ‖x‖ = √d. ``n`` rows are drawn without replacement from ``seed`` (all when ``None``).
    """
    from sklearn.datasets import load_digits

    X = load_digits().data.astype(np.float64)
    if n is not None:
        n = positive_int(n, "n")
        if n > len(X):
            raise ValueError(f"the digits data set has {len(X)} images, asked for n={n}")
        X = X[np.sort(np.random.default_rng(seed).choice(len(X), n, replace=False))]
    if center:
        X = X - X.mean(axis=0)
    d = X.shape[1]
    if center and len(X) < 2:  # one centred image is all zeros: the scaling below would give NaN
        raise ValueError("center=True needs n >= 2 images (one centred image is zero); pass center=False")
    X = X * math.sqrt(d / np.mean(np.sum(X * X, axis=1)))
    if sphere:
        X *= math.sqrt(d) / np.linalg.norm(X, axis=1, keepdims=True)
    return X


def units(kind: str, width: int, d: int) -> int:
    """Hidden units at nominal ``width``: the width itself for non-GLU kinds, :func:`~glu_lib.models.matched_width` for GLU kinds."""
    return matched_width(width, d) if get_kind(kind).gated else positive_int(width, "width")


def ntk_matrix(X, kind: str, width: int, source: str = "expected", seed: int = 0) -> np.ndarray:
    """The NTK of ``kind`` at nominal ``width`` (GLU parameter-matched) on X.

    ``source="expected"``: Eq. 3/4 (:func:`glu_lib.kernels.expected_ntk`) with :func:`units` hidden
    units; ``"empirical"``: the NTK at initialisation of the seeded LeCun float64 net
    ``two_layer(kind, d, width, seed=seed)``.
    """
    X = as_matrix(X)
    if source == "expected":
        return expected_ntk(X, kind, units(kind, width, X.shape[1]))
    if source == "empirical":
        return empirical_ntk(two_layer(kind, X.shape[1], width, seed=seed), X)
    raise ValueError(f"unknown source {source!r}; expected 'expected' or 'empirical'")


#: Version of the computation behind a :func:`spectral_grid` cache record (the kernels of
#: :func:`ntk_matrix`, the inputs of :func:`make_inputs`, the eigensolver). Raise it whenever one of them
#: changes: records of another version, or of none, are recomputed, never trusted.
CACHE_VERSION = 1


def _inputs_digest(X: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes()).hexdigest()


def _read_cache(path) -> dict:
    """The records of a :func:`spectral_grid` cache file made by this ``CACHE_VERSION``, as
    ``{key: (λmin, λmax, inputs digest)}``; a torn last line (a killed run) is ignored."""
    import json

    out = {}
    if path is None or not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
                if rec.get("version") != CACHE_VERSION or not isinstance(rec.get("inputs"), str):
                    continue
                out[rec["key"]] = (float(rec["lmin"]), float(rec["lmax"]), rec["inputs"])
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
    return out


def _append_cache(path, key: str, lmin: float, lmax: float, inputs: str) -> None:
    import json

    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"key": key, "lmin": lmin, "lmax": lmax, "version": CACHE_VERSION,
                             "inputs": inputs}) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def spectral_grid(kinds, points, seeds, *, source: str = "expected", inputs: str = "gaussian",
                  cache=None, progress=None) -> dict:
    """λmin, λmax and κ of each kind over grid points ``(n, d, width)`` and seeds.

    For each point and seed: inputs :func:`make_inputs` ``(n, d, seed, inputs)``, and for each kind
    :func:`ntk_matrix` (same seed for the net). κ goes through the guard of
    :func:`condition_number` (``inf`` and an :class:`IllConditionedWarning` for a singular kernel,
    an error for an indefinite one). Returns ``{kind: {"lmin", "lmax", "kappa"}}``, each an array
    of shape ``(len(points), len(seeds))``.

    ``cache``: a JSON-lines file; each computed ``(λmin, λmax)`` is appended to it as soon as it is
    known and read back instead of recomputed, so a long run that is interrupted resumes where it
    stopped. A record is reused only when it carries this ``CACHE_VERSION`` and the digest of the
    very inputs it was computed on. ``progress``: a callable that receives one line of text per computed kernel.
    """
    if source not in ("expected", "empirical"):
        raise ValueError(f"unknown source {source!r}; expected 'expected' or 'empirical'")
    if inputs not in INPUTS:
        raise ValueError(f"unknown inputs {inputs!r}; expected one of {INPUTS}")
    points, seeds, kinds = [tuple(p) for p in points], list(seeds), list(kinds)
    for p in points:
        if len(p) != 3:
            raise ValueError(f"points must be (n, d, width) triples, got {p!r}")
    done = _read_cache(cache)
    out = {k: {q: np.empty((len(points), len(seeds))) for q in ("lmin", "lmax", "kappa")} for k in kinds}
    for i, (n, d, w) in enumerate(points):
        for j, s in enumerate(seeds):
            X = make_inputs(n, d, s, inputs)
            digest = _inputs_digest(X) if cache is not None else None
            for k in kinds:
                key = f"{source}/{inputs}/{k}/n={n}/d={d}/w={w}/seed={s}"
                if key in done and done[key][2] == digest:
                    lmin, lmax = done[key][:2]
                else:
                    lmin, lmax = extreme_eigenvalues(ntk_matrix(X, k, w, source, s))
                    if cache is not None:
                        _append_cache(cache, key, lmin, lmax, digest)
                    if progress is not None:
                        progress(f"{key}: lmin {lmin:.6g} lmax {lmax:.6g}")
                kappa = kappa_from_extremes(lmin, lmax, stacklevel=3)
                out[k]["lmin"][i, j], out[k]["lmax"][i, j], out[k]["kappa"][i, j] = lmin, lmax, kappa
    return out
