"""Two-layer non-GLU and GLU networks with the paper's initialisation and parameter matching.

Non-GLU (Eq. 1): ``z(x) = V φ(Wx)``; GLU (Eq. 2): ``z(x) = V[(Px) ⊙ φ(Wx)]``. Standard (not NTK)
parameterisation; LeCun initialisation ``W, P ~ N(0, 1/d_in)``, ``V ~ N(0, 1/m)`` by default.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import positive_int
from .kinds import get_kind

__all__ = ["ACTIVATIONS", "TwoLayer", "matched_width", "two_layer", "init_linear_", "FeedForward", "init_module_",
           "check_images"]

#: The activations φ as torch functions (GELU is the exact, erf-based one).
ACTIVATIONS = {
    "relu": torch.relu,
    "gelu": F.gelu,
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
    "identity": lambda a: a,
}

INITS = ("lecun", "xavier")


def matched_width(width: int, d_in: int, d_out: int = 1) -> int:
    """Hidden units of a GLU layer with the parameter count of a non-GLU layer of ``width`` units.

    A non-GLU layer has ``width·(d_in + d_out)`` weights, a GLU layer ``m·(2·d_in + d_out)``, so
    ``m = int(width·(d_in + d_out) / (2·d_in + d_out))`` (⅔·width when ``d_in == d_out``).
    """
    width, d_in, d_out = (positive_int(v, n) for v, n in ((width, "width"), (d_in, "d_in"), (d_out, "d_out")))
    m = int(width * (d_in + d_out) / (2 * d_in + d_out))
    if m < 1:
        raise ValueError(f"width {width} is too small to match with a GLU layer (d_in={d_in}, d_out={d_out})")
    return m


def init_linear_(layer: nn.Linear, init: str, generator: torch.Generator) -> None:
    """Draw ``layer.weight`` from LeCun ``N(0, 1/fan_in)`` or Xavier ``N(0, 2/(fan_in+fan_out))``; zero the bias.

    The numbers are drawn in float64 on the CPU, so a model has the same weights in every dtype and device.
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
    fan_out, fan_in = layer.weight.shape
    std = 1.0 / math.sqrt(fan_in) if init == "lecun" else math.sqrt(2.0 / (fan_in + fan_out))
    w = torch.randn(layer.weight.shape, generator=generator, dtype=torch.float64) * std
    with torch.no_grad():
        layer.weight.copy_(w)
        if layer.bias is not None:
            layer.bias.zero_()


class TwoLayer(nn.Module):
    """A two-layer FFN of one kind: ``V φ(Wx)`` or, when gated, ``V[(Px) ⊙ φ(Wx)]``.

    Attributes ``kind``, ``activation``, ``gated``, ``d_in``, ``width`` (hidden units actually used)
    and ``d_out``; the layers are ``W``, ``P`` (``None`` unless gated) and ``V``. The output has shape
    ``(n, d_out)``.
    """

    def __init__(self, kind: str, d_in: int, width: int, d_out: int = 1, *, bias: bool = False):
        super().__init__()
        k = get_kind(kind)
        self.kind, self.activation, self.gated = k.name, k.activation, k.gated
        self.d_in, self.width, self.d_out = positive_int(d_in, "d_in"), positive_int(width, "width"), positive_int(d_out, "d_out")
        self.W = nn.Linear(self.d_in, self.width, bias=bias)
        self.P = nn.Linear(self.d_in, self.width, bias=bias) if self.gated else None
        self.V = nn.Linear(self.width, self.d_out, bias=bias)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """The hidden features ``φ(Wx)`` or ``(Px) ⊙ φ(Wx)``."""
        if x.shape[-1] != self.d_in:
            raise ValueError(f"expected inputs with {self.d_in} features, got shape {tuple(x.shape)}")
        h = ACTIVATIONS[self.activation](self.W(x))
        return self.P(x) * h if self.gated else h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.V(self.hidden(x))

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, d_in={self.d_in}, width={self.width}, d_out={self.d_out}"


def two_layer(
    kind: str,
    d_in: int,
    width: int,
    d_out: int = 1,
    *,
    matched: bool = True,
    bias: bool = False,
    init: str = "lecun",
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: str | torch.device = "cpu",
) -> TwoLayer:
    """Build a seeded two-layer network of ``kind`` (see :data:`glu_lib.kinds.KINDS`).

    ``width`` is the nominal hidden width. With ``matched=True`` (the paper's convention) a GLU kind
    uses :func:`matched_width` units so that it has the parameters of the non-GLU net of that width;
    the units actually used are ``model.width``. Weights follow ``init`` (``"lecun"`` or
    ``"xavier"``); biases, when ``bias=True``, start at zero. Weights are drawn in the order W, P, V
    from a generator seeded with ``seed``.
    """
    k = get_kind(kind)
    width = positive_int(width, "width")
    if k.gated and matched:
        width = matched_width(width, d_in, d_out)
    model = TwoLayer(k.name, d_in, width, d_out, bias=bias)
    gen = torch.Generator().manual_seed(int(seed))
    for layer in (model.W, model.P, model.V):
        if layer is not None:
            init_linear_(layer, init, gen)
    return model.to(device=device, dtype=dtype)


class FeedForward(nn.Module):
    """A transformer feed-forward block of one kind, parameter matched by default.

    non-GLU: ``fc2(φ(fc1 x))`` with ``hidden`` units; GLU: ``fc2((P x) ⊙ φ(W x))`` with
    ``matched_width(hidden, dim, dim)`` = ⅔·hidden units (``matched=False``: ``hidden``). ``W`` and
    ``P`` are stored stacked in ``fc1`` (first half W, second half P).
    """

    def __init__(self, dim: int, hidden: int, kind: str = "gelu", *, matched: bool = True, bias: bool = True,
                 dropout: float = 0.0):
        super().__init__()
        k = get_kind(kind)
        dim, hidden = positive_int(dim, "dim"), positive_int(hidden, "hidden")
        self.kind, self.activation, self.gated = k.name, k.activation, k.gated
        self.units = matched_width(hidden, dim, dim) if (k.gated and matched) else hidden
        self.fc1 = nn.Linear(dim, self.units * (2 if k.gated else 1), bias=bias)
        self.fc2 = nn.Linear(self.units, dim, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.fc1(x)
        if self.gated:
            a, g = h.chunk(2, dim=-1)
            h = g * ACTIVATIONS[self.activation](a)
        else:
            h = ACTIVATIONS[self.activation](h)
        return self.dropout(self.fc2(h))


def init_module_(model: nn.Module, scheme: str, seed: int = 0, embedding_std: float = 0.02) -> nn.Module:
    """Initialise every Linear and Conv2d weight of ``model`` with ``scheme`` and zero their biases.

    ``"lecun"``: ``N(0, 1/fan_in)``; ``"xavier"``: ``N(0, 2/(fan_in+fan_out))``. Embeddings and
    parameters registered directly on modules (class tokens, position tables) get ``N(0, embedding_std²)``;
    LayerNorms are reset to (1, 0). Draws come from a generator seeded with ``seed``, in module order.
    """
    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r}; expected one of {INITS}")
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (nn.Linear, nn.Conv2d)):
                fan_out, fan_in = mod.weight.shape[0], mod.weight[0].numel()
                std = 1.0 / math.sqrt(fan_in) if scheme == "lecun" else math.sqrt(2.0 / (fan_in + fan_out))
                mod.weight.copy_(torch.randn(mod.weight.shape, generator=gen, dtype=torch.float64) * std)
                if mod.bias is not None:
                    mod.bias.zero_()
            elif isinstance(mod, nn.Embedding):
                mod.weight.copy_(torch.randn(mod.weight.shape, generator=gen, dtype=torch.float64) * embedding_std)
            elif isinstance(mod, nn.LayerNorm):
                mod.reset_parameters()
            for name, p in mod.named_parameters(recurse=False):
                if not isinstance(mod, (nn.Linear, nn.Conv2d, nn.Embedding, nn.LayerNorm)):
                    p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * embedding_std)
    return model


def check_images(images: torch.Tensor, channels: int, size: int) -> None:
    """Raise a clear ``ValueError`` unless ``images`` has shape (B, channels, size, size)."""
    if images.ndim != 4 or tuple(images.shape[1:]) != (channels, size, size):
        raise ValueError(f"expected images of shape (B, {channels}, {size}, {size}), got {tuple(images.shape)}")
