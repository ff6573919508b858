"""Empirical neural tangent kernels ``Θ(x, x') = ∇_θ z(x) · ∇_θ z(x')`` at the current parameters.

Four paths that agree to rounding error in float64:

* :func:`two_layer_ntk`, the structured path for :class:`glu_lib.models.TwoLayer`: the parameter
  gradients of a two-layer net factor into hidden features times inputs, so the NTK is a handful of
  matrix products and never forms a Jacobian (biases included).
* :func:`structured_ntk`, the structured path for deep models (ViT, MLP-Mixer, GPT, any module built
  from Linear, Conv2d, LayerNorm and Embedding layers): one batched forward and backward, and the Gram
  block of each layer from its inputs and output gradients, the "structured derivatives" idea of
  neural-tangents (Novak et al., ICML 2022). Parameters it does not know go to per-sample Jacobians.
* :func:`generic_ntk`, for any ``nn.Module``: per-sample Jacobians with ``torch.func`` (``vmap`` of
  ``jacrev``), in blocks of samples sized so that at most two blocks of the Jacobian live at once.
* :func:`implicit_ntk`, for models too large for even a few Jacobian rows: one parameter-gradient
  vector at a time (a vector-Jacobian product), pushed through the network with a Jacobian-vector
  product, so memory is a few copies of the parameters whatever the number of samples.

:func:`empirical_ntk` picks :func:`two_layer_ntk` for two-layer nets and :func:`structured_ntk` for
every other model. The result is a float64 NumPy array of shape (n, n2) for scalar outputs and
(n, n2, c, c) for c outputs. Attention runs with the plain-math SDPA backend here, the one that
supports forward-mode AD and ``vmap``.
"""

from __future__ import annotations

import copy
import math
import threading

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.func import functional_call, jacrev, jvp, vjp, vmap
from torch.nn.attention import SDPBackend, sdpa_kernel

from ._checks import as_matrix
from .models import ACTIVATIONS, TwoLayer

__all__ = ["empirical_ntk", "two_layer_ntk", "structured_ntk", "generic_ntk", "implicit_ntk", "flat_jacobian",
           "ScalarReadout", "release_workspace"]

METHODS = ("auto", "structured", "generic", "implicit")


def _inputs(model: nn.Module, X, X2):
    """Validate inputs and move them to the dtype/device of the model's parameters."""
    p = next(model.parameters(), None)
    if p is None:
        raise ValueError("the model has no parameters, so its NTK is zero-dimensional")
    if any(q.is_meta for q in model.parameters()) or any(b.is_meta for b in model.buffers()):
        raise ValueError("the model is on the 'meta' device (shapes without values), so it has no NTK; "
                         "materialise it first (e.g. model.to_empty(device='cpu') and initialise it)")

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
    for A, name in ((X, "X"), (X2, "X2")):
        if A.ndim >= 1 and A.shape[0] == 0:
            raise ValueError(f"{name} has no samples (shape {tuple(A.shape)}); the NTK needs at least one")
    if X.ndim < 2 or X2.ndim != X.ndim or X.shape[1:] != X2.shape[1:]:
        raise ValueError(f"X and X2 must be batches of the same sample shape, got {tuple(X.shape)} and {tuple(X2.shape)}")
    return X, X2


def _finish(blocks: torch.Tensor) -> np.ndarray:
    K = blocks.detach().to("cpu", torch.float64).numpy()
    return K[:, :, 0, 0] if K.shape[2] == 1 else K


def empirical_ntk(model: nn.Module, X, X2=None, *, method: str = "auto", max_block_bytes: int = 2**28,
                  dtype: torch.dtype | None = None) -> np.ndarray:
    """Empirical NTK of ``model`` between the rows of ``X`` and ``X2`` (default ``X``).

    ``method="auto"`` (or ``"structured"``) uses :func:`two_layer_ntk` for
    :class:`~glu_lib.models.TwoLayer` and :func:`structured_ntk` for every other model;
    ``"generic"`` and ``"implicit"`` force the Jacobian and the vjp/jvp paths. ``dtype`` (structured
    path of deep models only) computes in that precision and accumulates the kernel in float64.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if method in ("auto", "structured"):
        if isinstance(model, TwoLayer):
            return two_layer_ntk(model, X, X2)
        return structured_ntk(model, X, X2, dtype=dtype, max_block_bytes=max_block_bytes)
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


def _sigmoid_pair(a):
    s = torch.sigmoid(a)
    return s, s * (1.0 - s)


def _silu_pair(a):
    s = torch.sigmoid(a)
    return a * s, s * (1.0 + a * (1.0 - s))


def _gelu_pair(a):
    cdf = torch.special.ndtr(a)
    return a * cdf, cdf.add_(torch.exp(-0.5 * a * a).mul_(a).mul_(1.0 / math.sqrt(2.0 * math.pi)))


#: φ and φ' in closed form for the activations of :data:`glu_lib.models.ACTIVATIONS` (the formulas of
#: their autograd backward; a test checks each against autograd): no graph, fewer passes over memory.
_PAIRS = {
    "relu": lambda a: (p := torch.relu(a), torch.sign(p)),  # sign(relu(a)) = [a > 0], one pass
    "identity": lambda a: (a.clone(), torch.ones_like(a)),  # a copy: callers overwrite a
    "sigmoid": _sigmoid_pair,
    "silu": _silu_pair,
    "gelu": _gelu_pair,
}


def _phi_dphi(activation: str, A: torch.Tensor):
    """``φ(A)`` and ``φ'(A)``: in closed form for the known activations, by autograd otherwise."""
    pair = _PAIRS.get(activation)
    return _act_and_grad(activation, A) if pair is None else pair(A)


def _features(model: TwoLayer, X: torch.Tensor):
    """Hidden features H and the (U, bias) pairs whose products give the W- and P-gradients."""
    phi, dphi = _phi_dphi(model.activation, model.W(X))
    if not model.gated:
        return phi, [(dphi, _trained(model.W))]
    gate = model.P(X)
    return gate * phi, [(gate * dphi, _trained(model.W)), (phi, _trained(model.P))]


def _trained(layer: nn.Linear) -> tuple[bool, bool]:
    """Whether the weight and the bias of ``layer`` take part in the NTK (exist and require a gradient)."""
    return layer.weight.requires_grad, layer.bias is not None and layer.bias.requires_grad


#: Rows per chunk of the two-layer element-wise steps: about ``_CHUNK_ELEMS`` numbers per block, so
#: the few passes over a chunk stay in the cache and each still runs on all of torch's threads.
_CHUNK_ELEMS = 2**17
#: The largest feature block (bytes) kept between calls: see :func:`_workspace`.
_WORKSPACE_BYTES = 2**28


class _Kept(threading.local):
    block: torch.Tensor | None = None


_KEPT = _Kept()


def _workspace(numel: int, dtype: torch.dtype, device) -> torch.Tensor:
    """A flat block of ``numel`` numbers, the same one from call to call on this thread when it is at
    most ``_WORKSPACE_BYTES`` (on the CPU). glibc hands a freed block above its mmap threshold (at most
    32 MiB) back to the system, so a fresh block of that size is mapped anew on every call and pays a
    page fault per 4 KiB page on first touch; keeping it costs its memory between calls.
    :func:`release_workspace` frees it."""
    device = torch.device(device)
    if device.type != "cpu" or numel * torch.empty((), dtype=dtype).element_size() > _WORKSPACE_BYTES:
        return torch.empty(numel, dtype=dtype, device=device)
    block = _KEPT.block
    if block is None or block.dtype != dtype or block.numel() < numel:
        _KEPT.block = None  # free the smaller block before the larger one is mapped
        block = _KEPT.block = torch.empty(numel, dtype=dtype)
    return block[:numel]


def release_workspace() -> None:
    """Free the feature block that :func:`two_layer_ntk` keeps between calls on this thread."""
    _KEPT.block = None


def _scalar_features(model: TwoLayer, X: torch.Tensor, keep: bool = False):
    """For a scalar output ``v``: the hidden features ``H`` and the first-layer factors scaled by ``v``,
    as ``[(A, has_bias)]`` with the factors of layers that agree on the bias side by side in one
    matrix. The pre-activations come from one product (``[Wx | Px]`` for a gated net) into a block
    that also holds ``H``; the element-wise steps then go a chunk of rows at a time (the chunk's
    ``φ``, ``φ'`` are small and stay in the cache) and write ``[(Px)⊙φ'(Wx)⊙v | φ(Wx)⊙v]`` (gated) or
    ``φ'(Wx)⊙v`` over the pre-activations. ``keep``: the block is the kept :func:`_workspace`."""
    v, m, n = model.V.weight[0], model.width, X.shape[0]
    layers = (model.W, model.P) if model.gated else (model.W,)
    k = len(layers) * m
    numel = n * (k + m)
    block = _workspace(numel, X.dtype, X.device) if keep else X.new_empty(numel)
    Z, H = block[: n * k].view(n, k), block[n * k :].view(n, m)
    torch.matmul(X, torch.cat([layer.weight for layer in layers]).T, out=Z)
    rows = max(1, _CHUNK_ELEMS // m)
    for r in range(0, n, rows):
        a, g = Z[r : r + rows, :m], Z[r : r + rows, m:]  # g is empty when not gated
        for half, layer in zip((a, g), layers):
            if layer.bias is not None:
                half.add_(layer.bias)
        phi, dphi = _phi_dphi(model.activation, a)
        if not model.gated:
            H[r : r + rows] = phi
            torch.mul(dphi, v, out=a)
            continue
        torch.mul(g, phi, out=H[r : r + rows])
        torch.mul(g, dphi, out=a).mul_(v)  # W-factor (Px)⊙φ'(Wx)⊙v
        torch.mul(phi, v, out=g)  # P-factor φ(Wx)⊙v
    biases = [layer.bias is not None for layer in layers]
    if len(set(biases)) == 1:
        return H, [(Z, biases[0])]
    return H, [(Z[:, :m], biases[0]), (Z[:, m:], biases[1])]


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
    for A, name in ((X, "X"), (X2, "X2")):
        if isinstance(A, torch.Tensor) and not A.is_floating_point():
            raise TypeError(f"{name} must hold real numbers (a floating-point tensor), got dtype {A.dtype}")
    X, X2 = _inputs(model, X, X2)
    if X.ndim != 2 or X.shape[1] != model.d_in:
        raise ValueError(f"expected inputs of shape (n, {model.d_in}), got {tuple(X.shape)}")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("the model has no trainable parameters (all are frozen), so its NTK is zero")
    G = X @ X2.T
    c = model.V.weight.shape[0]
    if c == 1 and all(p.requires_grad for p in model.parameters()):
        # scalar output, every parameter trains: plain 2-D products, no (n, n2, c, c) buffer;
        # K = Σ (A·A2ᵀ) ⊙ F + H·H2ᵀ over the first-layer factors A with F = XX2ᵀ (+1 with a bias)
        H, parts = _scalar_features(model, X, keep=True)
        H2, parts2 = (H, parts) if X2 is X else _scalar_features(model, X2)
        terms = [(A, A2, G + 1.0 if b else G) for (A, b), (A2, _) in zip(parts, parts2)] + [(H, H2, None)]
        if X2 is X:
            K = _sym_gram([(A, F) for A, _, F in terms])
        else:
            K = _term(*terms[0])
            for t in terms[1:]:
                K += _term(*t)
        if model.V.bias is not None:
            K += 1.0
        return K.detach().to("cpu", torch.float64).numpy()
    # some parameters frozen, or several outputs: frozen parameters are not part of the kernel
    # (as in every path)
    H, parts = _features(model, X)
    H2, parts2 = (H, parts) if X2 is X else _features(model, X2)
    V = model.V.weight  # (c, m)
    v_weight, v_bias = _trained(model.V)

    def factor(flags):  # the first-layer factor xᵀx' (weight) + 1 (bias), for the parts that train
        w, b = flags
        return G + 1.0 if (w and b) else G if w else torch.ones_like(G)

    base = (H @ H2.T if v_weight else torch.zeros_like(G)) + (1.0 if v_bias else 0.0)
    K = torch.zeros(X.shape[0], X2.shape[0], c, c, dtype=X.dtype, device=X.device)
    for (U, flags), (U2, _) in zip(parts, parts2):
        if flags == (False, False):
            continue
        Gb = factor(flags)
        for a in range(c):
            for b in range(c):
                K[:, :, a, b] += ((U * V[a]) @ (U2 * V[b]).T) * Gb
    for a in range(c):
        K[:, :, a, a] += base
    return _finish(K)


_SYM_BLOCK = 256  # rows per strip of a symmetric product (the strips right of the diagonal only)


def _term(A, B, factor):
    P = A @ B.T
    return P if factor is None else P.mul_(factor)


def _sym_gram(terms) -> torch.Tensor:
    """``Σ (A·Aᵀ) ⊙ F`` over ``terms`` of ``(A, F)``, with ``F`` symmetric or ``None`` (no factor).

    Only the strips of ``_SYM_BLOCK`` rows on and right of the diagonal are multiplied (a fraction
    ``(1 + b/n)/2`` of the flops of full products), each by the library's matrix product on all of
    torch's threads, the factor applied to the strip and a term without factor added into the strip by
    the product itself (``addmm``); the upper triangle is then mirrored, so the result is exactly
    symmetric.
    """
    A0 = terms[0][0]
    n, b = A0.shape[0], _SYM_BLOCK
    order = [t for t in terms if t[1] is not None] + [t for t in terms if t[1] is None]
    K = torch.empty(n, n, dtype=A0.dtype, device=A0.device)
    for i in range(0, n, b):
        S = None
        for A, F in order:
            if S is not None and F is None:
                S.addmm_(A[i : i + b], A[i:].T)
                continue
            P = A[i : i + b] @ A[i:].T
            if F is not None:
                P.mul_(F[i : i + b, i:])
            S = P if S is None else S.add_(P)
        K[i : i + b, i:] = S
    K.triu_()
    return K.add_(K.triu(1).T)


def flat_jacobian(model: nn.Module, params: dict, X: torch.Tensor) -> torch.Tensor:
    """Per-sample Jacobian of the flattened output w.r.t. ``params``: shape (n, c, P), via ``vmap(jacrev)``."""
    buffers = dict(model.named_buffers())

    def f(p, x):
        return functional_call(model, (p, buffers), (x.unsqueeze(0),)).reshape(-1)

    with sdpa_kernel(SDPBackend.MATH):
        J = vmap(jacrev(f), in_dims=(None, 0))(params, X)
    return torch.cat([j.reshape(X.shape[0], j.shape[1], -1) for j in J.values()], dim=2)


class _EvalMode:
    """Run ``model`` in eval mode (no dropout, running statistics) and restore every module's mode after:
    the NTK is a property of the deterministic network, and every path computes it so."""

    def __init__(self, model: nn.Module):
        self.model = model

    def __enter__(self):
        self.modes = {m: m.training for m in self.model.modules()}
        self.model.eval()

    def __exit__(self, *exc):
        for m, t in self.modes.items():
            m.train(t)


def generic_ntk(model: nn.Module, X, X2=None, *, max_block_bytes: int = 2**28) -> np.ndarray:
    """Empirical NTK of any module by per-sample Jacobians (``torch.func``), in bounded memory.

    Samples are processed in blocks of ``B`` rows with ``B·c·P·itemsize ≤ max_block_bytes``; at most two
    Jacobian blocks are alive at once, and a symmetric kernel (``X2 is None``) computes only the upper
    blocks. Every trainable parameter takes part. The model runs in eval mode (as in every path).
    """
    with _EvalMode(model):
        return _generic_ntk(model, X, X2, max_block_bytes)


def _generic_ntk(model, X, X2, max_block_bytes):
    X, X2 = _inputs(model, X, X2)
    symmetric = X2 is X
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    if not params:
        raise ValueError("the model has no trainable parameters (all are frozen), so its NTK is zero")
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
    activations of one batch; time: ``n2·c`` backward and forward passes. The model runs in eval mode
    (no dropout), as in every path.
    """
    with _EvalMode(model):
        return _implicit_ntk(model, X, X2)


def _implicit_ntk(model, X, X2):
    X, X2 = _inputs(model, X, X2)
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    if not params:
        raise ValueError("the model has no trainable parameters (all are frozen), so its NTK is zero")
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


# ----------------------------------------------------------------------------------------------------------
# Structured empirical NTK of deep models
# ----------------------------------------------------------------------------------------------------------

_KNOWN = (nn.Linear, nn.Conv2d, nn.LayerNorm, nn.Embedding)


class _Dense:
    """Per-sample gradient ``g_i = Σ_t L_itᵀ R_it`` of a weight viewed as an (a, b) matrix."""

    __slots__ = ("L", "R")

    def __init__(self, L, R):
        self.L, self.R = L, R  # (N, T, a), (N, T, b)


class _OneHot:
    """Per-sample gradient ``g_i = Σ_t e(idx_it) R_itᵀ`` of an embedding table with ``V`` rows."""

    __slots__ = ("idx", "R", "V")

    def __init__(self, idx, R, V):
        self.idx, self.R, self.V = idx, R, V  # (N, T) int, (N, T, b)


class _Direct:
    """Per-sample gradients given as a matrix (N, p)."""

    __slots__ = ("J",)

    def __init__(self, J):
        self.J = J


def _cast(u, dtype: torch.dtype):
    """A factored use with its floating factors in ``dtype`` (token indices unchanged)."""
    if isinstance(u, _Dense):
        return _Dense(u.L.to(dtype), u.R.to(dtype))
    return _OneHot(u.idx, u.R.to(dtype), u.V)


def _prune_tokens(L, R):
    """Drop token positions whose factor is zero for every sample (e.g. logits that are not read out)."""
    if L.shape[1] > 1:
        keep = (L != 0).flatten(2).any(2).any(0)
        if not bool(keep.any()):  # no gradient anywhere (a gate at 0): one token keeps the shapes, Gram 0
            keep[0] = True
        if not bool(keep.all()):
            L, R = L[:, keep], R[:, keep]
    return L, R


def _factors(mod: nn.Module, x: torch.Tensor, g: torch.Tensor):
    """The per-sample gradient factors of the parameters of ``mod``: a list of (name, factor)."""
    N = g.shape[0]
    out = []
    if isinstance(mod, nn.Linear):
        L, R = g.reshape(N, -1, g.shape[-1]), x.reshape(N, -1, x.shape[-1])
        if mod.bias is not None and mod.bias.requires_grad:
            out.append(("bias", _Direct(L.sum(1))))
        if mod.weight.requires_grad:
            out.append(("weight", _Dense(*_prune_tokens(L, R))))
    elif isinstance(mod, nn.Conv2d):
        cols = F.unfold(x, mod.kernel_size, dilation=mod.dilation, padding=mod.padding, stride=mod.stride)
        L = g.reshape(N, g.shape[1], -1).transpose(1, 2)  # (N, positions, C_out)
        if mod.bias is not None and mod.bias.requires_grad:
            out.append(("bias", _Direct(L.sum(1))))
        if mod.weight.requires_grad:
            out.append(("weight", _Dense(*_prune_tokens(L, cols.transpose(1, 2)))))
    elif isinstance(mod, nn.LayerNorm):
        p = math.prod(mod.normalized_shape)
        G = g.reshape(N, -1, p)
        if mod.bias is not None and mod.bias.requires_grad:
            out.append(("bias", _Direct(G.sum(1))))
        if mod.weight is not None and mod.weight.requires_grad:  # one temporary: x̂ ⊙ G in place
            xh = F.layer_norm(x, mod.normalized_shape, eps=mod.eps).reshape(N, -1, p)
            out.append(("weight", _Direct(xh.mul_(G).sum(1))))
    elif isinstance(mod, nn.Embedding) and mod.weight.requires_grad:
        idx, R = x.reshape(N, -1), g.reshape(N, -1, g.shape[-1])
        if mod.padding_idx is not None:  # the padding row gets no gradient
            R = R * (idx != mod.padding_idx).unsqueeze(-1).to(R.dtype)
        out.append(("weight", _OneHot(idx, R, mod.num_embeddings)))
    return out


def _supported(mod: nn.Module, x, N: int) -> bool:
    """Whether ``mod`` is a layer the structured path knows, called with the samples along axis 0."""
    if not isinstance(x, torch.Tensor) or x.ndim < 1 or x.shape[0] != N:
        return False
    if isinstance(mod, nn.Conv2d):
        return (mod.groups == 1 and mod.padding_mode == "zeros" and not isinstance(mod.padding, str)
                and x.ndim == 4)
    if isinstance(mod, nn.Embedding):
        return mod.max_norm is None and not mod.scale_grad_by_freq and x.ndim >= 2
    if isinstance(mod, nn.LayerNorm):
        return x.ndim > len(mod.normalized_shape)
    return x.ndim >= 2  # Linear


class _Grammer:
    """Gram blocks ``Σ_p g_i(p)·g_j(p)`` for rows ``ri`` and columns ``ci`` of the virtual samples."""

    def __init__(self, ri, ci, chunk_bytes: int, dtype: torch.dtype | None = None):
        self.ri, self.ci, self.chunk = ri, ci, chunk_bytes
        self.sym = ri is None
        self.dtype = dtype  # the products of the factors in this dtype (None: theirs); sums in float64

    def _rc(self, A):
        return (A, A) if self.sym else (A[self.ri], A[self.ci])

    def direct(self, J):
        # few flops (n²·p for a bias, a LayerNorm, a position table): in float64 whatever the model's dtype
        A, B = self._rc(J.reshape(J.shape[0], -1).to(torch.float64))
        return A @ B.T

    def materialised(self, uses, a: int, b: int):
        """Per-sample gradients of dense uses, a slab of rows of the (a, b) weight at a time."""
        N = uses[0].L.shape[0]
        item = uses[0].L.element_size()
        s = max(1, min(a, self.chunk // max(1, N * b * item)))
        # one slab buffer for all slabs: a fresh one each time would be a fresh mapping of
        # memory from the system (large blocks are not reused), its page faults on every slab
        buf = torch.empty(N * s * b, dtype=uses[0].L.dtype, device=uses[0].L.device)
        K = None
        for r in range(0, a, s):
            w = min(s, a - r)
            J = torch.bmm(uses[0].L[:, :, r : r + w].transpose(1, 2), uses[0].R,
                          out=buf[: N * w * b].view(N, w, b))
            for u in uses[1:]:  # tied uses accumulate in place (no zero start, no copies)
                J.baddbmm_(u.L[:, :, r : r + w].transpose(1, 2), u.R)
            J = J.reshape(N, -1)
            A, B = self._rc(J)
            blk = (A @ B.T).to(torch.float64)
            K = blk if K is None else K.add_(blk)
        return K

    def _lgram(self, f, Li, fj, Lj):
        """Rows (i, t) × columns (j, s) of the products of the left factors of two uses."""
        if isinstance(f, _Dense) and isinstance(fj, _Dense):
            return Li.reshape(-1, Li.shape[-1]) @ Lj.reshape(-1, Lj.shape[-1]).T
        if isinstance(f, _OneHot) and isinstance(fj, _OneHot):
            return (Li.reshape(-1, 1) == Lj.reshape(1, -1)).to(fj.R.dtype)
        if isinstance(f, _OneHot):  # Lj dense (Nj, S, V)
            return Lj.reshape(-1, Lj.shape[-1]).T[Li.reshape(-1)]
        return Li.reshape(-1, Li.shape[-1])[:, Lj.reshape(-1)]

    def pair(self, f, h):
        """``Σ_{t,s} (L_it·L'_js)(R_it·R'_js)``: the Gram between two factored uses (token-pair path)."""
        Lf = f.idx if isinstance(f, _OneHot) else f.L
        Lh = h.idx if isinstance(h, _OneHot) else h.L
        if self.sym:
            Lr, Rr, Lc, Rc = Lf, f.R, Lh, h.R
        else:
            Lr, Rr, Lc, Rc = Lf[self.ri], f.R[self.ri], Lh[self.ci], h.R[self.ci]
        nr, T = Rr.shape[:2]
        nc, S = Rc.shape[:2]
        step = max(1, self.chunk // max(1, T * nc * S * Rr.element_size() * 2))
        out = []
        for i in range(0, nr, step):
            LL = self._lgram(f, Lr[i : i + step], h, Lc)
            RR = Rr[i : i + step].reshape(-1, Rr.shape[-1]) @ Rc.reshape(-1, Rc.shape[-1]).T
            out.append((LL * RR).reshape(-1, T, nc, S).sum((1, 3), dtype=torch.float64))
        return torch.cat(out)

    def gram(self, uses, shape):
        """The Gram of one parameter over all its uses (tied weights: the cross terms included)."""
        if any(isinstance(u, _Direct) for u in uses):
            J = 0
            for u in uses:  # rare mixture: materialise every use
                if isinstance(u, _Direct):
                    J = J + u.J.reshape(u.J.shape[0], -1)
                else:
                    J = J + self._materialise(u, shape)
            return self.direct(J)
        if self.dtype is not None:
            uses = [_cast(u, self.dtype) for u in uses]
        N = uses[0].R.shape[0]
        nr = N if self.sym else len(self.ri)
        nc = N if self.sym else len(self.ci)
        if all(isinstance(u, _Dense) for u in uses):
            a, b = uses[0].L.shape[-1], uses[0].R.shape[-1]
            T = sum(u.L.shape[1] for u in uses)
            cost_pairs = nr * nc * T * T * (a + b)
            cost_mat = N * T * a * b + nr * nc * a * b
            if cost_mat < cost_pairs:
                return self.materialised(uses, a, b)
        K = None
        for x, f in enumerate(uses):
            for y, h in enumerate(uses):
                if self.sym and y < x:
                    continue
                blk = self.pair(f, h)
                if self.sym and y > x:
                    blk = blk + blk.T
                K = blk if K is None else K + blk
        return K

    def _materialise(self, u, shape):
        N = u.R.shape[0]
        if isinstance(u, _Dense):
            return torch.bmm(u.L.transpose(1, 2), u.R).reshape(N, -1)
        J = torch.zeros(N, u.V, u.R.shape[-1], dtype=u.R.dtype, device=u.R.device)
        for i in range(N):
            J[i].index_add_(0, u.idx[i], u.R[i])
        return J.reshape(N, -1)


def structured_ntk(model: nn.Module, X, X2=None, *, dtype: torch.dtype | None = None,
                   gram_dtype: torch.dtype | None = None, chunk_bytes: int = 2**25,
                   max_block_bytes: int = 2**28, info: dict | None = None) -> np.ndarray:
    """Empirical NTK of a deep model from one batched forward and backward, layer by layer, no Jacobian.

    The samples are independent in the batch (the model runs in eval mode), so one backward of
    ``Σ_i z(x_i)`` gives each sample's output gradient ``G_i`` at every layer. A linear map shared over
    ``T`` tokens has per-sample weight gradient ``G_iᵀX_i``, so its Gram block is
    ``Σ_{t,s} (G_iG_jᵀ)⊙(X_iX_jᵀ)`` (cost ``n²T²(d_in+d_out)``) or the product of per-sample gradients
    formed a slab of rows at a time (cost ``nT·d_in·d_out + n²·d_in·d_out``), whichever is cheaper.
    ``nn.Linear``, ``nn.Conv2d`` (unfolded patches), ``nn.LayerNorm`` and ``nn.Embedding`` (one-hot
    inputs) are known, biases included; a parameter used by several layers (tied weights such as a GPT's
    ``wte``/``lm_head``, a LayerNorm applied twice) gets the cross terms between its uses. Token positions
    whose output gradient is zero for every sample are skipped.

    A bare parameter of leading size 1 (a class token, a position table) is replaced for the pass by a
    copy with one row per sample, whose gradient is then the per-sample gradient; a check of the first
    outputs against the unmodified model guards this. Every other trainable parameter (layers the path
    does not know, a weight also used outside its layer: the uses the hooks saw are counted against the
    uses in the autograd graph) is handled by per-sample Jacobians (``vmap(jacrev)``) of that group only.
    The backward asks for no weight gradient: only the output gradients the layers need.

    ``chunk_bytes`` bounds the working set of one layer's products (per-sample gradients a slab of
    rows at a time, token pairs a slab of samples at a time). Precision: ``dtype`` (e.g.
    ``torch.float32``) runs the model, its backward and the layer products in that precision on a
    copy of the model; ``gram_dtype`` keeps the model's forward and backward and runs only the layer
    products (the per-sample gradients and their Gram, the token-pair products) in that precision.
    Either way the kernel is summed in float64: over slabs, token pairs, layers and parameters, and
    the few-flop blocks (biases, LayerNorm weights, per-sample copies) are products in float64. Vector outputs (c > 1) are handled by running the
    batch c times, copy a read through output a. Returns float64 (n, n2) or (n, n2, c, c) like
    :func:`empirical_ntk`. A dict passed as ``info`` receives the parameter names taken by each path
    (``"structured"``, ``"jacobian"``); with ``info["per_parameter"] = True`` also the Gram block of
    each structured parameter (``{name: array}``), e.g. for the NTK of the feed-forward blocks alone.
    """
    X, X2 = _inputs(model, X, X2)
    if dtype is not None and dtype != next(model.parameters()).dtype:
        model = copy.deepcopy(model).to(dtype)
        same = X2 is X  # a symmetric kernel stays one (one batch of n, not 2n samples)
        X = X.to(dtype) if X.is_floating_point() else X
        X2 = X if same else X2.to(dtype) if X2.is_floating_point() else X2
    symmetric = X2 is X
    Z = X if symmetric else torch.cat([X, X2])
    N, n, n2 = Z.shape[0], X.shape[0], X2.shape[0]
    params = {name: p for name, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("the model has no trainable parameters (all are frozen), so its NTK is zero")
    was_training = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH):
            c = model(Z[:1]).reshape(-1).numel()
        Zv = Z if c == 1 else Z.repeat(c, *([1] * (Z.ndim - 1)))
        if symmetric:
            ri = ci = None
        else:
            ri = torch.cat([torch.arange(n) + a * N for a in range(c)])
            ci = torch.cat([torch.arange(n, N) + a * N for a in range(c)])
        blocks = {} if (info is not None and info.get("per_parameter")) else None
        K, rest = _structured_pass(model, params, Zv, c, _Grammer(ri, ci, chunk_bytes, gram_dtype), True, blocks)
        if rest is None:  # the per-sample copies were not broadcast over the batch: no copies
            blocks = None if blocks is None else {}
            K, rest = _structured_pass(model, params, Zv, c, _Grammer(ri, ci, chunk_bytes, gram_dtype), False, blocks)
        if blocks is not None:
            shape = (c, N, c, N) if symmetric else (c, n, c, n2)
            info["per_parameter"] = {k: _to_numpy(v, shape, c, symmetric) for k, v in blocks.items()}
        if info is not None:
            info["jacobian"] = sorted(rest)
            info["structured"] = sorted(k for k in params if k not in rest)
        if rest:
            K += _jacobian_gram(model, params, {k: params[k].detach() for k in rest}, Z, c, ri, ci, N,
                                max_block_bytes)
        _check_diagonal(model, params, Z, K, n, symmetric)
    finally:
        for m, t in was_training.items():
            m.train(t)
    return _to_numpy(K, (c, N, c, N) if symmetric else (c, n, c, n2), c, symmetric)


def _to_numpy(K: torch.Tensor, shape, c: int, symmetric: bool) -> np.ndarray:
    """Virtual-sample order (a·n + i) → (n, n2) or (n, n2, c, c); a symmetric kernel is made exactly so."""
    if symmetric:  # products in float32 are symmetric only to rounding
        K = 0.5 * (K + K.T)
    K = K.reshape(shape).permute(1, 3, 0, 2).numpy()
    return K[:, :, 0, 0].copy() if c == 1 else np.ascontiguousarray(K)


def _graph_uses(root) -> dict[int, int]:
    """How many times each leaf tensor enters the autograd graph below ``root`` (edges into its node)."""
    count: dict[int, int] = {}
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            var = getattr(nxt, "variable", None)
            if var is not None:
                count[id(var)] = count.get(id(var), 0) + 1
            else:
                stack.append(nxt)
    return count


def _structured_pass(model, params, Zv, c, gr, expand: bool, blocks: dict | None = None):
    """One forward and backward with layer hooks: (Gram in float64, names left to the Jacobian path),
    or (None, None) when the per-sample copies of bare parameters changed the outputs."""
    Nv = Zv.shape[0]
    owner = {id(p): name for name, p in params.items()}
    hooked = {name: 0 for name in params}
    bad: set[str] = set()
    pending: dict[str, list] = {}
    contrib: dict[str, torch.Tensor] = {}
    entries: list[torch.Tensor] = []
    saved: dict[int, torch.Tensor] = {}
    counts: dict[int, int] = {}

    def on_grad(mod, x, g):
        for pname, f in _factors(mod, x, g):
            name = owner.get(id(getattr(mod, pname)))
            if name is None or name in bad:
                continue
            if counts.get(id(params[name]), 0) == 1:
                contrib[name] = gr.gram([f], params[name].shape)
            else:
                pending.setdefault(name, []).append(f)

    def fwd_hook(mod, inputs, output):
        x = inputs[0] if inputs else None
        mine = [owner[id(p)] for p in mod.parameters(recurse=False) if id(p) in owner]
        if not mine:
            return
        if not isinstance(output, torch.Tensor) or not output.requires_grad or not _supported(mod, x, Nv):
            bad.update(mine)
            return
        for name in mine:
            hooked[name] += 1
        if not (isinstance(x, torch.Tensor) and x.requires_grad):
            entries.append(output)  # the backward is asked for this gradient: it reaches every layer
        key = len(saved)
        saved[key] = x.detach()  # released as soon as the layer's Gram block is formed
        output.register_hook(lambda g, mod=mod, key=key: on_grad(mod, saved.pop(key), g.detach()))

    copies = {}
    for mod_name, mod in model.named_modules():
        if isinstance(mod, _KNOWN):
            continue
        for pname, p in mod.named_parameters(recurse=False):
            name = owner.get(id(p))
            if name is None:
                continue
            if expand and p.ndim >= 1 and p.shape[0] == 1 and Nv > 1:
                # a broadcast view, not a copy: its gradient is still one row per sample
                copies[name] = p.detach().expand(Nv, *p.shape[1:]).requires_grad_(True)
            else:
                bad.add(name)
    ref = None
    if copies:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH):
            ref = model(Zv[:2]).reshape(2, -1)
    handles = [mod.register_forward_hook(fwd_hook) for mod in model.modules() if isinstance(mod, _KNOWN)]
    try:
        with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH):
            Zg = Zv.detach().requires_grad_(True) if Zv.is_floating_point() else Zv
            try:
                raw = functional_call(model, copies, (Zg,), strict=False) if copies else model(Zg)
                raw = raw.reshape(Nv, -1)
            except RuntimeError:
                if copies:  # the copies do not broadcast as a batch
                    return None, None
                raise
            if ref is not None:
                tol = 100 * torch.finfo(ref.dtype).eps ** 0.5 * ref.abs().max().clamp_min(1e-30)
                if raw.shape[1] != ref.shape[1] or (raw.detach()[:2] - ref).abs().max() > tol:
                    return None, None
            out = raw if c == 1 else raw.reshape(c, Nv // c, c).diagonal(dim1=0, dim2=2)  # copy a, output a
            counts.update(_graph_uses(out.grad_fn))
            for name, k in hooked.items():  # a use the hooks did not see: Jacobian path
                if name not in bad and k != counts.get(id(params[name]), 0):
                    bad.add(name)
            wanted = entries + list(copies.values()) + [params[k] for k in bad if id(params[k]) in counts]
            if Zg.requires_grad:
                wanted.append(Zg)
            grads = torch.autograd.grad(out.sum(), wanted, allow_unused=True) if wanted else []
    finally:
        for h in handles:
            h.remove()
    _check_independent(model, Zv, raw.detach())  # with the hooks removed
    for name, uses_ in pending.items():
        if name not in bad:
            contrib[name] = gr.gram(uses_, params[name].shape)
    pending.clear()
    copy_grads = dict(zip(copies, grads[len(entries) : len(entries) + len(copies)]))
    if copies and not _copies_are_per_sample(model, params, copy_grads, Zv, c):
        return None, None
    for name, g in copy_grads.items():
        if g is not None:
            contrib[name] = gr.direct(g.reshape(Nv, -1))
    size = (Nv if gr.ri is None else len(gr.ri), Nv if gr.ci is None else len(gr.ci))
    K = torch.zeros(*size, dtype=torch.float64)
    for name, blk in contrib.items():
        if name not in bad:
            K += blk.to(torch.float64)
    if blocks is not None:
        blocks.update({k: v.to(torch.float64) for k, v in contrib.items() if k not in bad})
    return K, sorted(name for name in bad if name not in copies)


def _check_independent(model, Zv, raw) -> None:
    """Refuse a model whose output for a sample depends on the other samples of the batch (batch
    statistics, ``h - h.mean(0)``): the first and the last sample run alone must give the outputs they
    have in the batch. The structured path reads per-sample gradients off one batched backward, which
    is only right for independent samples."""
    Nv = Zv.shape[0]
    if Nv < 2:
        return
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH):
        for v in (0, Nv - 1):
            alone = model(Zv[v : v + 1]).reshape(-1)
            tol = 100 * torch.finfo(alone.dtype).eps ** 0.5 * max(float(alone.abs().max()), float(raw[v].abs().max()), 1e-30)
            if alone.shape != raw[v].shape or float((alone - raw[v]).abs().max()) > tol:
                raise ValueError(
                    "the model mixes samples across the batch (its output for one sample changes with the "
                    "other samples, e.g. batch statistics or h - h.mean(0)), so the structured NTK, which "
                    "reads per-sample gradients off one batched backward, does not apply; use "
                    "method='generic', which runs every sample alone")


def _check_diagonal(model, params, Z, K, n: int, symmetric: bool) -> None:
    """Check the first entry of the kernel against the gradients of single samples run alone:
    ``K[0, 0] = ∇θz(x_0)·∇θz(x'_0)`` (output 0). A mismatch means a dependence between samples or a
    layer the structured path misread; the kernel is refused rather than returned wrong."""
    names = list(params)
    grads = []
    for x in (Z[0:1], Z[0:1] if symmetric else Z[n : n + 1]):
        with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH):
            z = model(x).reshape(-1)[0]
            g = torch.autograd.grad(z, [params[k] for k in names], allow_unused=True)
        grads.append(torch.cat([(torch.zeros_like(params[k]) if gi is None else gi).reshape(-1).to(torch.float64)
                                for k, gi in zip(names, g)]))
    want = float(grads[0] @ grads[1])
    scale = float(grads[0].norm() * grads[1].norm())
    eps = torch.finfo(next(iter(params.values())).dtype).eps
    if abs(float(K[0, 0]) - want) > 100 * eps**0.5 * max(scale, 1e-300):
        raise ValueError(
            f"the structured NTK's first entry ({float(K[0, 0]):.6g}) differs from the product of the "
            f"single-sample gradients ({want:.6g}): the model's samples are not independent in the batch or "
            "one of its layers is used in a way the structured path does not follow; use method='generic'")


def _copies_are_per_sample(model, params, copy_grads, Zv, c) -> bool:
    """Whether the gradients of the per-sample copies of the first and the last virtual sample equal
    that sample's own gradient of the original parameters (so the copies were broadcast over the batch)."""
    names = [k for k, g in copy_grads.items() if g is not None]
    if not names:
        return True
    Nv = Zv.shape[0]
    for v in sorted({0, Nv - 1}):
        with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH):
            z = model(Zv[v : v + 1]).reshape(-1)[v // (Nv // c)]
            own = torch.autograd.grad(z, [params[k] for k in names], allow_unused=True)
        for k, g in zip(names, own):
            got = copy_grads[k][v]
            g = torch.zeros_like(got) if g is None else g.reshape(got.shape)
            tol = 100 * torch.finfo(g.dtype).eps ** 0.5 * (g.abs().max() + got.abs().max()).clamp_min(1e-30)
            if (got - g).abs().max() > tol:
                return False
    return True


def _jacobian_gram(model, params, rest, Z, c, ri, ci, N, max_block_bytes):
    """Gram over the parameters ``rest`` by per-sample Jacobians, in the virtual-sample order a·N + i."""
    fixed = {k: v.detach() for k, v in params.items() if k not in rest}
    buffers = dict(model.named_buffers())

    def f(p, x):
        return functional_call(model, ({**fixed, **p}, buffers), (x.unsqueeze(0),)).reshape(-1)

    P = sum(v.numel() for v in rest.values())
    B = max(1, int(max_block_bytes // (c * P * next(iter(rest.values())).element_size())))
    blocks = []
    with sdpa_kernel(SDPBackend.MATH):
        for i in range(0, N, B):
            J = vmap(jacrev(f), in_dims=(None, 0))(rest, Z[i : i + B])
            blocks.append(torch.cat([j.reshape(j.shape[0], c, -1) for j in J.values()], dim=2))
    J = torch.cat(blocks).permute(1, 0, 2).reshape(c * N, P)  # virtual order a·N + i
    A, Bm = (J, J) if ri is None else (J[ri], J[ci])
    return (A @ Bm.T).to(torch.float64)
