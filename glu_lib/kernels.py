"""Expected (infinite-width) NTKs of the two-layer models, Eq. 3, 4 and 5 of the paper.

Setting: LeCun initialisation in the standard parameterisation, no biases, ``m`` hidden units,
``w ~ N(0, I/d)``, ``σ_v² = 1/m``, ``σ_p² = 1/d``. With ``φ_i = φ(wᵀx_i)`` the two dual kernels

    ``E_φ[i, j]  = E[φ_i φ_j]``        and        ``E_φ'[i, j] = E[φ'_i φ'_j]``

give the expected NTKs

    Eq. 3 (non-GLU): ``K_ij = m·E[φ_iφ_j] + m·σ_v²·E[φ'_iφ'_j]·x_iᵀx_j``
    Eq. 4 (GLU):     ``K̃_ij = m·[(σ_v² + σ_p²)·E[φ_iφ_j]·x_iᵀx_j + σ_v²σ_p²·E[φ'_iφ'_j]·(x_iᵀx_j)²]``
    Eq. 5:           ``K̃ ≈ K ⊙ XXᵀ/d``, with the exact remainder ``K̃ − K ⊙ XXᵀ/d = E_φ ⊙ XXᵀ``.

ReLU uses the arc-cosine kernels in closed form, the identity (bilinear GLU) is exact, and the
smooth activations (GELU, SiLU, sigmoid) use the Hermite (Mehler) expansion of the dual kernel
with a certified truncation bound (see :func:`hermite_coefficients`).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from scipy import special

from ._checks import matrix_pair, positive_int
from .kinds import get_kind

__all__ = [
    "arccos_kernel",
    "hermite_coefficients",
    "dual_kernels",
    "assemble_ntk",
    "expected_ntk",
    "eq5_kernel",
    "eq5_relative_error",
]

#: Relative tolerance of the truncated Hermite series (bound on the neglected tail).
SERIES_RTOL = 1e-10


def _gram_and_norms(X, X2):
    G = X @ X2.T
    n1, n2 = np.linalg.norm(X, axis=1), np.linalg.norm(X2, axis=1)
    if np.any(n1 == 0) or np.any(n2 == 0):
        raise ValueError("inputs must have non-zero norm (the kernels depend on the angle between inputs)")
    rho = np.clip(G / np.outer(n1, n2), -1.0, 1.0)
    return G, n1, n2, rho


#: Entries per block of the ReLU kernels: the elementwise work runs on blocks of rows of about this
#: many entries (a few hundred KiB per temporary, so that they stay in cache), in threads.
_BLOCK_ENTRIES = 2**16


def _relu_apply(X, X2, fn, n_out: int = 1) -> list[np.ndarray]:
    """Evaluate ``fn(G, π·k_1, π·k_0)`` (arc-cosine kernels, Gram matrix G) block by block.

    ``G = XX₂ᵀ`` is one BLAS call whose output buffer becomes the first result; the elementwise
    work (``θ = arccos ρ``, ``sin θ = √(1 − ρ²)``) runs on cache-sized blocks of rows in a
    thread pool (NumPy releases the GIL), so the kernel costs little more than the matrix product
    (see ``benchmarks/kernel_speed.py``). ``fn`` returns ``n_out`` arrays of the block's shape.
    """
    G = X @ X2.T
    n1, n2 = np.linalg.norm(X, axis=1), np.linalg.norm(X2, axis=1)
    if np.any(n1 == 0) or np.any(n2 == 0):
        raise ValueError("inputs must have non-zero norm (the kernels depend on the angle between inputs)")
    outs = [G] + [np.empty_like(G) for _ in range(n_out - 1)]
    block = max(1, _BLOCK_ENTRIES // max(1, G.shape[1]))

    def work(start):
        rows = slice(start, start + block)
        g = G[rows].copy()
        N = np.outer(n1[rows], n2)  # ‖x_i‖‖x_j‖, exactly symmetric when X2 is X
        rho = np.divide(g, N)
        np.minimum(rho, 1.0, out=rho)  # rounding can leave |ρ| a hair above 1
        np.maximum(rho, -1.0, out=rho)
        J0 = np.arccos(rho)
        np.subtract(np.pi, J0, out=J0)  # π − θ
        J1 = np.multiply(rho, rho)
        np.subtract(1.0, J1, out=J1)  # ≥ 0 since |ρ| ≤ 1
        np.sqrt(J1, out=J1)  # sin θ
        rho *= J0
        J1 += rho  # sin θ + (π − θ) cos θ
        J1 *= N
        for out, res in zip(outs, fn(g, J1, J0)):
            out[rows] = res

    starts = range(0, G.shape[0], block)
    workers = min(len(starts), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
    if workers <= 1:
        for s in starts:
            work(s)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, starts))
    return outs


def arccos_kernel(X, X2=None, order: int = 1) -> np.ndarray:
    """Arc-cosine kernel of Cho & Saul (2009), ``k_n(x, y) = (1/π)‖x‖ⁿ‖y‖ⁿ J_n(θ)``.

    ``J_0 = π − θ`` and ``J_1 = sin θ + (π − θ) cos θ``, θ the angle between x and y. For
    ``w ~ N(0, I)``: ``E[Θ(wᵀx)Θ(wᵀy)] = k_0/2`` and ``E[relu(wᵀx) relu(wᵀy)] = k_1/2``.
    """
    X, X2 = matrix_pair(X, X2)
    if order not in (0, 1):
        raise ValueError(f"order must be 0 or 1, got {order!r}")
    (out,) = _relu_apply(X, X2, lambda G, J1, J0: ((J0 if order == 0 else J1) / np.pi,))
    return out


def _smooth(activation):
    """φ and φ' as NumPy functions, for the activations without a closed-form dual kernel."""
    if activation == "gelu":
        return (lambda a: a * special.ndtr(a)), (lambda a: special.ndtr(a) + a * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi))
    if activation == "silu":
        return (lambda a: a * special.expit(a)), (lambda a: special.expit(a) * (1 + a * special.expit(-a)))
    if activation == "sigmoid":
        return special.expit, (lambda a: special.expit(a) * special.expit(-a))
    raise ValueError(f"no Hermite expansion for activation {activation!r}")


@lru_cache(maxsize=None)
def _hermite_nodes(q: int, kmax: int):
    z, w = np.polynomial.hermite_e.hermegauss(q)
    w = w / math.sqrt(2 * math.pi)
    h = np.empty((kmax + 1, q))  # orthonormal probabilists' Hermite functions h_k = He_k / sqrt(k!)
    h[0] = 1.0
    h[1] = z
    for k in range(1, kmax):
        h[k + 1] = (z * h[k] - math.sqrt(k) * h[k - 1]) / math.sqrt(k + 1)
    return z, w, h


def hermite_coefficients(f, scales, kmax: int = 240, q: int = 300, rtol: float = SERIES_RTOL) -> np.ndarray:
    """Coefficients ``b_k(s) = E[f(s·z) h_k(z)]``, z ~ N(0, 1), h_k the orthonormal Hermite polynomials.

    Mehler's formula then gives, for (u, v) Gaussian with standard deviations s_i, s_j and
    correlation ρ, ``E[f(u) f(v)] = Σ_k b_k(s_i) b_k(s_j) ρ^k``. The series is cut at the smallest K
    whose tail ``E[f(sz)²] − Σ_{k≤K} b_k(s)²`` is below ``rtol·E[f(sz)²]`` for every scale; by
    Cauchy–Schwarz that bounds the relative error of every kernel entry. Returns an array of shape
    (len(scales), K+1); raises ``ValueError`` if no K ≤ ``kmax`` is enough (inputs with very large
    norms: rescale them).
    """
    z, w, h = _hermite_nodes(q, kmax)
    s = np.asarray(scales, dtype=np.float64)
    F = f(np.outer(s, z)) * w  # (n, q)
    b = F @ h.T  # (n, kmax+1)
    second = (F * f(np.outer(s, z))).sum(axis=1)  # E[f(sz)^2]
    tail = second[:, None] - np.cumsum(b * b, axis=1)
    ok = np.all(tail <= rtol * np.maximum(second, 1e-300)[:, None], axis=0)
    if not ok.any():
        raise ValueError(
            f"the Hermite series of this activation does not converge to rtol={rtol:g} within {kmax} terms "
            f"for input scale ‖x‖/√d up to {s.max():.3g}; normalise the inputs"
        )
    return b[:, : int(np.argmax(ok)) + 1]


def _mehler_sum(b1, b2, rho):
    out = np.outer(b1[:, -1], b2[:, -1])
    for k in range(b1.shape[1] - 2, -1, -1):  # Horner in ρ
        out *= rho
        out += np.outer(b1[:, k], b2[:, k])
    return out


def dual_kernels(X, X2=None, activation: str = "relu") -> tuple[np.ndarray, np.ndarray]:
    """The dual kernels ``(E[φ(wᵀx_i)φ(wᵀx_j)], E[φ'(wᵀx_i)φ'(wᵀx_j)])`` for ``w ~ N(0, I/d)``.

    ReLU: arc-cosine kernels, ``E[φφ] = ‖x_i‖‖x_j‖ J_1(θ)/(2πd)`` and ``E[φ'φ'] = (π − θ)/(2π)``.
    Identity: ``(XX₂ᵀ/d, 1)``. GELU, SiLU, sigmoid: the Hermite series of :func:`hermite_coefficients`.
    """
    X, X2 = matrix_pair(X, X2)
    d = X.shape[1]
    if activation == "relu":
        E, Ed = _relu_apply(X, X2, lambda G, J1, J0: (J1 / (2 * np.pi * d), J0 / (2 * np.pi)), n_out=2)
        return E, Ed
    if activation == "identity":
        return X @ X2.T / d, np.ones((X.shape[0], X2.shape[0]))
    f, df = _smooth(activation)
    _, n1, n2, rho = _gram_and_norms(X, X2)
    s1, s2 = n1 / math.sqrt(d), n2 / math.sqrt(d)
    s = np.concatenate([s1, s2])
    out = []
    for g in (f, df):
        b = hermite_coefficients(g, s)
        out.append(_mehler_sum(b[: len(s1)], b[len(s1):], rho))
    return out[0], out[1]


def assemble_ntk(E_phi, E_dphi, G, d: int, width: int, gated: bool) -> np.ndarray:
    """Eq. 3 (``gated=False``) or Eq. 4 (``gated=True``) from the dual kernels and the Gram matrix G = XX₂ᵀ."""
    m = positive_int(width, "width")
    sv2, sp2 = 1.0 / m, 1.0 / positive_int(d, "d")
    if not gated:
        return m * E_phi + m * sv2 * E_dphi * G
    return m * ((sv2 + sp2) * E_phi * G + sv2 * sp2 * E_dphi * G * G)


def _real_inputs(X, name: str):
    if np.iscomplexobj(X) or (hasattr(X, "is_complex") and X.is_complex()):
        raise ValueError(f"{name} must be real; the kernels are defined for real inputs "
                         "(casting would drop the imaginary part)")


#: Inputs whose largest entry lies outside this range are rescaled by a power of two (exactly) before
#: the homogeneous kernels are evaluated, so that ``XXᵀ`` neither overflows nor underflows.
_SAFE_RANGE = (2.0**-100, 2.0**100)


def expected_ntk(X, kind: str, width: int, X2=None) -> np.ndarray:
    """Expected NTK of a two-layer net of ``kind`` with ``width`` hidden units (Eq. 3 / Eq. 4).

    ``X`` has shape (n, d), ``X2`` (n2, d) (default ``X``); returns a float64 array (n, n2).
    ``width`` is the number of hidden units actually used (``model.width``; for a
    parameter-matched GLU net that is :func:`glu_lib.models.matched_width` of the nominal width).

    The ReLU and bilinear kernels are homogeneous in the inputs (degree 2 for Eq. 3, 4 for Eq. 4),
    so inputs of extreme magnitude are rescaled exactly by a power of two and the result scaled
    back; a ``ValueError`` is raised when the kernel itself does not fit in float64.
    """
    k = get_kind(kind)
    m = positive_int(width, "width")
    _real_inputs(X, "X")
    if X2 is not None:
        _real_inputs(X2, "X2")
    X, X2 = matrix_pair(X, X2)
    top = max(np.abs(X).max(), np.abs(X2).max())
    if k.activation in ("relu", "identity"):
        shift = 0
        if top > 0 and not (_SAFE_RANGE[0] <= top <= _SAFE_RANGE[1]):
            shift = -math.frexp(top)[1]  # X·2^shift has its largest entry in [1/2, 1)
            same = X2 is X
            X = np.ldexp(X, shift)
            X2 = X if same else np.ldexp(X2, shift)
        if k.activation == "relu":
            K = _relu_ntk_inplace(X, X2, m, k.gated)
        else:
            E, Ed = dual_kernels(X, X2, k.activation)
            K = assemble_ntk(E, Ed, X @ X2.T, X.shape[1], m, k.gated)
        if shift:
            scaled = K
            with np.errstate(over="ignore", under="ignore"):
                K = np.ldexp(K, -(4 if k.gated else 2) * shift)
            lost = (scaled != 0) & (np.abs(K) < np.finfo(np.float64).tiny)  # zero or subnormal: digits gone
            if lost.any():
                raise ValueError(f"the {kind} kernel of these inputs underflows float64 (largest input entry "
                                 f"{top:.3g}): {int(lost.sum())} entries would be zero or subnormal; "
                                 "normalise the inputs")
    else:
        E, Ed = dual_kernels(X, X2, k.activation)
        K = assemble_ntk(E, Ed, X @ X2.T, X.shape[1], m, k.gated)
    if not np.all(np.isfinite(K)):
        raise ValueError(f"the {kind} kernel of these inputs overflows float64 (largest input entry "
                         f"{top:.3g}); normalise the inputs")
    if top > 0 and not np.any(np.abs(K) >= np.finfo(np.float64).tiny):
        raise ValueError(f"the {kind} kernel of these inputs underflows float64 (largest input entry "
                         f"{top:.3g}); normalise the inputs")
    return K


def _relu_ntk_inplace(X, X2, m: int, gated: bool) -> np.ndarray:
    """:func:`assemble_ntk` for ReLU, fused into the blocks of :func:`_relu_apply` (same formulas)."""
    d = X.shape[1]
    sv2, sp2 = 1.0 / m, 1.0 / d
    c1, c0 = m / (2 * np.pi * d), m * sv2 / (2 * np.pi)  # E[φφ] = J1/(2πd), E[φ'φ'] = J0/(2π)

    def block(G, J1, J0):
        if not gated:  # m·E[φφ] + m·σ_v²·E[φ'φ']·G
            J1 *= c1
            J0 *= c0
            J0 *= G
            J1 += J0
            return (J1,)
        J1 *= c1 * (sv2 + sp2)  # m·[(σ_v² + σ_p²)·E[φφ]·G + σ_v²σ_p²·E[φ'φ']·G²]
        J1 *= G
        J0 *= c0 * sp2
        J0 *= G
        J0 *= G
        J1 += J0
        return (J1,)

    (K,) = _relu_apply(X, X2, block)
    return K


def eq5_kernel(X, kind: str, width: int, X2=None) -> np.ndarray:
    """Eq. 5: ``K ⊙ XX₂ᵀ/d``, K the non-GLU NTK (Eq. 3) with the activation of the GLU ``kind``.

    It approximates the GLU NTK ``K̃`` of the same width; the exact remainder is ``E[φφ] ⊙ XX₂ᵀ``,
    the σ_v² term of Eq. 4, smaller by a factor ~d/m.
    """
    k = get_kind(kind)
    if not k.gated:
        raise ValueError(f"Eq. 5 approximates a GLU kernel; {kind!r} is not a GLU kind")
    m = positive_int(width, "width")
    X, X2 = matrix_pair(X, X2)
    E, Ed = dual_kernels(X, X2, k.activation)
    G, d = X @ X2.T, X.shape[1]
    return assemble_ntk(E, Ed, G, d, m, gated=False) * G / d


def eq5_relative_error(X, kind: str, width: int) -> float:
    """Relative Frobenius error ``‖K̃ − K ⊙ XXᵀ/d‖_F / ‖K̃‖_F`` of the Eq. 5 approximation."""
    K_glu = expected_ntk(X, kind, width)
    return float(np.linalg.norm(K_glu - eq5_kernel(X, kind, width)) / np.linalg.norm(K_glu))
