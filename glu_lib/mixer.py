"""A compact MLP-Mixer: token mixing and channel mixing, both with the FFN kind of the config."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ._checks import plain_fields
from .models import FeedForward, check_images, init_module_

__all__ = ["MixerConfig", "Mixer"]


@dataclass(frozen=True)
class MixerConfig:
    """MLP-Mixer settings; hidden widths are ``token_expansion·tokens`` and ``channel_expansion·dim``."""

    image_size: int = 32
    patch_size: int = 4
    channels: int = 3
    dim: int = 256
    depth: int = 4
    token_expansion: float = 0.5
    channel_expansion: float = 4.0
    num_outputs: int = 10
    ffn: str = "gelu"
    dropout: float = 0.0
    init: str = "xavier"

    def __post_init__(self):
        plain_fields(self)
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")


class MixerBlock(nn.Module):
    def __init__(self, tokens: int, c: MixerConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.dim)
        self.token_mix = FeedForward(tokens, max(1, int(c.token_expansion * tokens)), c.ffn, dropout=c.dropout)
        self.ln_2 = nn.LayerNorm(c.dim)
        self.channel_mix = FeedForward(c.dim, max(1, int(c.channel_expansion * c.dim)), c.ffn, dropout=c.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.token_mix(self.ln_1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mix(self.ln_2(x))


class Mixer(nn.Module):
    """``Mixer(config, seed)``: images (B, C, H, W) → outputs (B, num_outputs) after mean pooling."""

    def __init__(self, config: MixerConfig, seed: int = 0):
        super().__init__()
        c = self.config = config
        tokens = (c.image_size // c.patch_size) ** 2
        self.patch = nn.Conv2d(c.channels, c.dim, c.patch_size, stride=c.patch_size)
        self.blocks = nn.ModuleList(MixerBlock(tokens, c) for _ in range(c.depth))
        self.ln = nn.LayerNorm(c.dim)
        self.head = nn.Linear(c.dim, c.num_outputs)
        init_module_(self, c.init, seed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        c = self.config
        check_images(images, c.channels, c.image_size)
        x = self.patch(images).flatten(2).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x).mean(dim=1))
