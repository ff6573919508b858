"""A compact Vision Transformer: patch embedding, class token, learned positions, transformer blocks.

Two layouts share the FFN block of :mod:`glu_lib.models`:

* ``layout="prenorm"`` (default): Conv2d patch embedding, pre-LN blocks ``x + attn(LN(x))``,
  ``x + ffn(LN(x))``, a final LN; heads of ``dim // heads`` features.
* ``layout="official"``: the ViT of the paper's code (adapted from lucidrains' ``vit-pytorch``):
  patches flattened in (row, column, channel) order, ``LN → Linear → LN`` patch embedding, attention
  with its own pre-LN, ``dim_head``-wide heads (64 there) and no qkv bias, then one LayerNorm shared by
  the whole stack: ``x = attn(x) + x; x = norm(x); x = ffn(x) + x`` per layer and ``norm(x)`` at the end.

``init="official"`` is that code's initialisation: PyTorch's default ``U(±1/√fan_in)`` for the patch
embedding, attention and head (weights and biases), LeCun normal with zero bias for the FFN,
``N(0, 1)`` class token and position table. ``"lecun"`` and ``"xavier"`` are those of
:func:`glu_lib.models.init_module_`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ._checks import plain_fields
from .models import FeedForward, check_images, init_module_
from .transformer import Block, SelfAttention

__all__ = ["ViTConfig", "ViT", "LAYOUTS"]

LAYOUTS = ("prenorm", "official")


@dataclass(frozen=True)
class ViTConfig:
    """ViT settings; ``ffn`` is the feed-forward kind (GLU kinds get ⅔·``mlp_dim`` units).

    ``dim_head`` (default ``dim // heads``) is the width of one attention head; ``layout`` is
    ``"prenorm"`` or ``"official"`` (see the module docstring); ``init`` is ``"lecun"``, ``"xavier"``
    or ``"official"``.
    """

    image_size: int = 32
    patch_size: int = 4
    channels: int = 3
    dim: int = 64
    depth: int = 2
    heads: int = 4
    mlp_dim: int = 128
    num_outputs: int = 10
    ffn: str = "gelu"
    dropout: float = 0.0
    init: str = "lecun"
    dim_head: int | None = None
    layout: str = "prenorm"

    def __post_init__(self):
        plain_fields(self)
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown layout {self.layout!r}; expected one of {LAYOUTS}")
        if self.init not in ("lecun", "xavier", "official"):
            raise ValueError(f"unknown init {self.init!r}; expected 'lecun', 'xavier' or 'official'")


class _OfficialPatches(nn.Module):
    """Images → patch vectors in (row, column, channel) order → ``LN → Linear → LN``."""

    def __init__(self, c: ViTConfig):
        super().__init__()
        self.p = c.patch_size
        patch_dim = c.channels * c.patch_size**2
        self.ln_in = nn.LayerNorm(patch_dim)
        self.linear = nn.Linear(patch_dim, c.dim)
        self.ln_out = nn.LayerNorm(c.dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        B, C, H, W = images.shape
        p = self.p
        x = images.reshape(B, C, H // p, p, W // p, p).permute(0, 2, 4, 3, 5, 1).reshape(B, -1, p * p * C)
        return self.ln_out(self.linear(self.ln_in(x)))


class _OfficialLayer(nn.Module):
    def __init__(self, c: ViTConfig):
        super().__init__()
        self.ln_attn = nn.LayerNorm(c.dim)
        self.attn = SelfAttention(c.dim, c.heads, dropout=c.dropout, dim_head=c.dim_head or 64, qkv_bias=False)
        self.mlp = FeedForward(c.dim, c.mlp_dim, c.ffn, dropout=c.dropout)


class ViT(nn.Module):
    """``ViT(config, seed)``: images (B, C, H, W) → outputs (B, num_outputs) read from the class token."""

    def __init__(self, config: ViTConfig, seed: int = 0):
        super().__init__()
        c = self.config = config
        n_patches = (c.image_size // c.patch_size) ** 2
        official = c.layout == "official"
        if official:
            self.patch = _OfficialPatches(c)
        else:
            self.patch = nn.Conv2d(c.channels, c.dim, c.patch_size, stride=c.patch_size)
        self.cls = nn.Parameter(torch.zeros(1, 1, c.dim))
        self.pos = nn.Parameter(torch.zeros(1, n_patches + 1, c.dim))
        self.drop = nn.Dropout(c.dropout)
        if official:
            self.blocks = nn.ModuleList(_OfficialLayer(c) for _ in range(c.depth))
        else:
            self.blocks = nn.ModuleList(Block(c.dim, c.heads, c.mlp_dim, c.ffn, dropout=c.dropout,
                                              dim_head=c.dim_head) for _ in range(c.depth))
        self.ln = nn.LayerNorm(c.dim)  # the shared norm of the official layout
        self.head = nn.Linear(c.dim, c.num_outputs)
        if c.init == "official":
            _official_init_(self, seed)
        else:
            init_module_(self, c.init, seed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        check_images(images, self.config.channels, self.config.image_size)
        if self.config.layout == "official":
            x = self.patch(images)
        else:
            x = self.patch(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.drop(x)
        if self.config.layout == "official":
            for layer in self.blocks:
                x = self.ln(layer.attn(layer.ln_attn(x)) + x)
                x = layer.mlp(x) + x
        else:
            for block in self.blocks:
                x = block(x)
        return self.head(self.ln(x)[:, 0])


def _official_init_(model: ViT, seed: int) -> None:
    """The official code's initialisation (see the module docstring), drawn from one seeded generator."""
    gen = torch.Generator().manual_seed(int(seed))
    ffn_layers = {id(m) for b in model.blocks for m in b.mlp.modules() if isinstance(m, nn.Linear)}
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (nn.Linear, nn.Conv2d)):
                fan_in = mod.weight[0].numel()
                if id(mod) in ffn_layers:  # LeCun normal, zero bias
                    w = torch.randn(mod.weight.shape, generator=gen, dtype=torch.float64) / math.sqrt(fan_in)
                    mod.weight.copy_(w)
                    if mod.bias is not None:
                        mod.bias.zero_()
                    continue
                bound = 1.0 / math.sqrt(fan_in)  # PyTorch's default for Linear and Conv2d
                mod.weight.copy_((torch.rand(mod.weight.shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
                if mod.bias is not None:
                    mod.bias.copy_((torch.rand(mod.bias.shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
            elif isinstance(mod, nn.LayerNorm):
                mod.reset_parameters()
        model.cls.copy_(torch.randn(model.cls.shape, generator=gen, dtype=torch.float64))
        model.pos.copy_(torch.randn(model.pos.shape, generator=gen, dtype=torch.float64))
