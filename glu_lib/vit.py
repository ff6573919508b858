"""A compact Vision Transformer (patch embedding, class token, learned positions, pre-LN blocks)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .models import check_images, init_module_
from .transformer import Block

__all__ = ["ViTConfig", "ViT"]


@dataclass(frozen=True)
class ViTConfig:
    """ViT settings; ``ffn`` is the feed-forward kind (GLU kinds get ⅔·``mlp_dim`` units)."""

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

    def __post_init__(self):
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")


class ViT(nn.Module):
    """``ViT(config, seed)``: images (B, C, H, W) → outputs (B, num_outputs) read from the class token."""

    def __init__(self, config: ViTConfig, seed: int = 0):
        super().__init__()
        c = self.config = config
        n_patches = (c.image_size // c.patch_size) ** 2
        self.patch = nn.Conv2d(c.channels, c.dim, c.patch_size, stride=c.patch_size)
        self.cls = nn.Parameter(torch.zeros(1, 1, c.dim))
        self.pos = nn.Parameter(torch.zeros(1, n_patches + 1, c.dim))
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(Block(c.dim, c.heads, c.mlp_dim, c.ffn, dropout=c.dropout) for _ in range(c.depth))
        self.ln = nn.LayerNorm(c.dim)
        self.head = nn.Linear(c.dim, c.num_outputs)
        init_module_(self, c.init, seed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        check_images(images, self.config.channels, self.config.image_size)
        x = self.patch(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x[:, 0]))
