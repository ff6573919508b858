"""Empirical neural tangent kernels ``Θ(x, x') = ∇_θ z(x) · ∇_θ z(x')`` at the current parameters.

Two paths that agree to rounding error in float64:

* :func:`two_layer_ntk`, the structured path for :class:`glu_lib.models.TwoLayer`: the parameter
  gradients of a two-layer net factor into hidden features times inputs, so the NTK is a handful of
  matrix products and never forms a Jacobian (biases included).
* :func:`generic_ntk`, for any ``nn.Module``: per-sample Jacobians with ``torch.func`` (``vmap`` of
  ``jacrev``), in blocks of samples sized so that at most two blocks of the Jacobian live at once.
* :func:`implicit_ntk`, for models too large for even a few Jacobian rows: one parameter-gradient
  vector at a time (a vector-Jacobian product), pushed through the network with a Jacobian-vector
  product, so memory is a few copies of the parameters whatever the number of samples.

:func:`empirical_ntk` picks the structured path when it applies, the Jacobian path when at least
``min(n, 8)`` Jacobian rows fit in ``max_block_bytes``, the implicit path otherwise. The result is a
float64 NumPy array of shape (n, n2) for scalar outputs and (n, n2, c, c) for c outputs. Attention
runs with the plain-math SDPA backend here, the one that supports forward-mode AD and ``vmap``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, jacrev, jvp, vjp, vmap
from torch.nn.attention import SDPBackend, sdpa_kernel

from ._checks import as_matrix
from .models import ACTIVATIONS, TwoLayer

__all__ = ["empirical_ntk", "two_layer_ntk", "generic_ntk", "implicit_ntk", "flat_jacobian", "ScalarReadout"]

METHODS = ("auto", "structured", "generic", "implicit")


def _inputs(model: nn.Module, X, X2):
    """Validate inputs and move them to the dtype/device of the model's parameters."""
    p = next(model.parameters(), None)
    if p is None:
        raise ValueError("the model has no parameters, so its NTK is zero-dimensional")

    def conv(A, name):  # floating inputs take the model's dtype and device
        if isinstance(A, torch.Tensor):
            if not A.is_floating_point():  # token indices stay integers
                return A.detach().to(device=p.device)
            if not torch.isfinite(A).all():
                raise ValueError(f"{name} contains NaN or inf")
            return A.detach().to(device=p.device, dtype=p.dtype)
        return torch.as_tensor(as_matrix(A, name), device=p.device, dtype=p.dtype)

    X = conv(X, "X")
    X2 = X if X2 is None else conv(X2, "X2")
    if X.ndim < 2 or X2.ndim != X.ndim or X.shape[1:] != X2.shape[1:]:
        raise ValueError(f"X and X2 must be batches of the same sample shape, got {tuple(X.shape)} and {tuple(X2.shape)}")
    return X, X2


def _finish(blocks: torch.Tensor) -> np.ndarray:
    K = blocks.detach().to("cpu", torch.float64).numpy()
    return K[:, :, 0, 0] if K.shape[2] == 1 else K


def empirical_ntk(model: nn.Module, X, X2=None, *, method: str = "auto", max_block_bytes: int = 2**28) -> np.ndarray:
    """Empirical NTK of ``model`` between the rows of ``X`` and ``X2`` (default ``X``).

    ``method="auto"`` uses :func:`two_layer_ntk` for :class:`~glu_lib.models.TwoLayer`, else
    :func:`generic_ntk` when at least ``min(n, 8)`` Jacobian rows fit in ``max_block_bytes``, else
    :func:`implicit_ntk`; ``"structured"``, ``"generic"`` and ``"implicit"`` force a path.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if method == "structured" or (method == "auto" and isinstance(model, TwoLayer)):
        return two_layer_ntk(model, X, X2)
    if method == "auto":
        n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
        itemsize = next(model.parameters()).element_size()
        rows = min(len(X), 8)
        method = "generic" if rows * n_params * itemsize <= max_block_bytes else "implicit"
    if method == "implicit":
        return implicit_ntk(model, X, X2)
    return generic_ntk(model, X, X2, max_block_bytes=max_block_bytes)


class ScalarReadout(nn.Module):
    """Wrap ``model`` with a fixed readout ``fn(model(x)) → (B,)``, e.g. one logit or the sum of logits."""

    def __init__(self, model: nn.Module, fn):
        super().__init__()
        self.model, self.fn = model, fn

    def forward(self, x):
        return self.fn(self.model(x))


def _act_and_grad(activation: str, A: torch.Tensor):
    A = A.detach().requires_grad_(True)
    with torch.enable_grad():
        Y = ACTIVATIONS[activation](A)
        (D,) = torch.autograd.grad(Y.sum(), A)
    return Y.detach(), D


def _features(model: TwoLayer, X: torch.Tensor):
    """Hidden features H and the (U, bias) pairs whose products give the W- and P-gradients."""
    phi, dphi = _act_and_grad(model.activation, model.W(X))
    if not model.gated:
        return phi, [(dphi, model.W.bias is not None)]
    gate = model.P(X)
    return gate * phi, [(gate * dphi, model.W.bias is not None), (phi, model.P.bias is not None)]


@torch.no_grad()
def two_layer_ntk(model: TwoLayer, X, X2=None) -> np.ndarray:
    """Structured NTK of a two-layer net, with no Jacobian.

    With hidden features ``h(x)`` and output weights ``V``, the V-block is ``h(x)ᵀh(x')``; a first-layer
    weight block (W, or P when gated) is ``Σ_k V_ck V_c'k u_k(x) u_k(x') (xᵀx' + b)``, where ``u = ∂h/∂(Wx)``
    is ``φ'(Wx)`` (non-GLU), ``(Px) ⊙ φ'(Wx)`` (GLU, W-block) or ``φ(Wx)`` (GLU, P-block), and
    ``b = 1`` when the layer has a bias. The output bias adds 1 on the output diagonal.
    """
    if not isinstance(model, TwoLayer):
        raise TypeError(f"two_layer_ntk needs a glu_lib.models.TwoLayer, got {type(model).__name__}")
    X, X2 = _inputs(model, X, X2)
    if X.ndim != 2 or X.shape[1] != model.d_in:
        raise ValueError(f"expected inputs of shape (n, {model.d_in}), got {tuple(X.shape)}")
    H, parts = _features(model, X)
    H2, parts2 = (H, parts) if X2 is X else _features(model, X2)
    G = X @ X2.T
    base = H @ H2.T + (1.0 if model.V.bias is not None else 0.0)
    V = model.V.weight  # (c, m)
    c = V.shape[0]
    K = torch.zeros(X.shape[0], X2.shape[0], c, c, dtype=X.dtype, device=X.device)
    for (U, has_bias), (U2, _) in zip(parts, parts2):
        Gb = G + 1.0 if has_bias else G
        for a in range(c):
            for b in range(c):
                K[:, :, a, b] += ((U * V[a]) @ (U2 * V[b]).T) * Gb
    for a in range(c):
        K[:, :, a, a] += base
    return _finish(K)


def flat_jacobian(model: nn.Module, params: dict, X: torch.Tensor) -> torch.Tensor:
    """Per-sample Jacobian of the flattened output w.r.t. ``params``: shape (n, c, P), via ``vmap(jacrev)``."""
    buffers = dict(model.named_buffers())

    def f(p, x):
        return functional_call(model, (p, buffers), (x.unsqueeze(0),)).reshape(-1)

    with sdpa_kernel(SDPBackend.MATH):
        J = vmap(jacrev(f), in_dims=(None, 0))(params, X)
    return torch.cat([j.reshape(X.shape[0], j.shape[1], -1) for j in J.values()], dim=2)


def generic_ntk(model: nn.Module, X, X2=None, *, max_block_bytes: int = 2**28) -> np.ndarray:
    """Empirical NTK of any module by per-sample Jacobians (``torch.func``), in bounded memory.

    Samples are processed in blocks of ``B`` rows with ``B·c·P·itemsize ≤ max_block_bytes``; at most two
    Jacobian blocks are alive at once, and a symmetric kernel (``X2 is None``) computes only the upper
    blocks. Every trainable parameter takes part.
    """
    X, X2 = _inputs(model, X, X2)
    symmetric = X2 is X
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    n_params = sum(v.numel() for v in params.values())
    with torch.no_grad():
        c = model(X[:1]).reshape(-1).numel()
    B = max(1, int(max_block_bytes // (c * n_params * next(iter(params.values())).element_size())))
    n, n2 = X.shape[0], X2.shape[0]
    K = torch.empty(n, n2, c, c, dtype=next(iter(params.values())).dtype, device=X.device)
    for i in range(0, n, B):
        Ji = flat_jacobian(model, params, X[i : i + B])
        for j in range(i if symmetric else 0, n2, B):
            Jj = Ji if (symmetric and j == i) else flat_jacobian(model, params, X2[j : j + B])
            block = torch.einsum("acp,bdp->abcd", Ji, Jj)
            K[i : i + B, j : j + B] = block
            if symmetric and j != i:
                K[j : j + B, i : i + B] = block.permute(1, 0, 3, 2)
            del Jj
        del Ji
    return _finish(K)


def implicit_ntk(model: nn.Module, X, X2=None) -> np.ndarray:
    """Empirical NTK without Jacobians: ``Θ(X, x_j) = J(X)·∇θ z(x_j)`` column by column.

    For each sample ``x_j`` of ``X2`` and each output c, the parameter gradient ``g = ∇θ z_c(x_j)``
    comes from one vector-Jacobian product, and ``J(X)·g`` for all rows of ``X`` from one
    Jacobian-vector product (forward mode). Memory: a few copies of the parameters and the
    activations of one batch; time: ``n2·c`` backward and forward passes.
    """
    X, X2 = _inputs(model, X, X2)
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    buffers = dict(model.named_buffers())

    def f(p, x):
        return functional_call(model, (p, buffers), (x,)).reshape(x.shape[0], -1)

    with torch.no_grad():
        c = f(params, X[:1]).shape[1]
    dtype = next(iter(params.values())).dtype
    K = torch.empty(X.shape[0], X2.shape[0], c, c, dtype=dtype, device=X.device)
    with sdpa_kernel(SDPBackend.MATH):
        for j in range(X2.shape[0]):
            _, pullback = vjp(lambda p: f(p, X2[j : j + 1]), params)
            for b in range(c):
                e = torch.zeros(1, c, dtype=dtype, device=X.device)
                e[0, b] = 1.0
                (g,) = pullback(e)
                _, tangent = jvp(lambda p: f(p, X), (params,), (g,))
                K[:, j, :, b] = tangent.detach()
    return _finish(K)
