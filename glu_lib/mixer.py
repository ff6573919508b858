"""A compact MLP-Mixer: token mixing and channel mixing, both with the FFN kind of the config.

Two initialisations:

* ``init="xavier"`` (the default, the book's first variant) or ``"lecun"``: every Linear and Conv2d
  by :func:`glu_lib.models.init_module_`, biases zero. A GLU block's stacked ``fc1`` (W and P in
  one matrix) then counts both halves in its fan-out.
* ``init="official"``: the paper's code (``src/ntk/models/mlp_mixer.py``, adapted from lucidrains'
  ``mlp-mixer-pytorch``): Xavier normal with zero bias **only** in the token- and channel-mixing
  MLPs, each of W, P and the output layer on its own (so W and P have fan-out = units), and
  PyTorch's defaults elsewhere: ``U(±1/√fan_in)`` weights and biases for the patch embedding and
  the head, LayerNorms (1, 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import torch
from torch import nn

from ._checks import plain_fields
from .models import FeedForward, check_images, init_module_

__all__ = ["MixerConfig", "Mixer", "INITS"]

#: The initialisations a :class:`MixerConfig` accepts (see the module docstring).
INITS = ("xavier", "lecun", "official")


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
        if self.init not in INITS:
            raise ValueError(f"MixerConfig.init must be one of {INITS}, got {self.init!r}")
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
        if c.init == "official":
            _official_init_(self, seed)
        else:
            init_module_(self, c.init, seed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        c = self.config
        check_images(images, c.channels, c.image_size)
        x = self.patch(images).flatten(2).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x).mean(dim=1))


def _official_init_(model: Mixer, seed: int) -> None:
    """The official code's initialisation (module docstring), drawn from one seeded generator in module order."""
    gen = torch.Generator().manual_seed(int(seed))

    def normal(shape, std):
        return torch.randn(shape, generator=gen, dtype=torch.float64) * std

    with torch.no_grad():
        ffn = [m for b in model.blocks for m in (b.token_mix, b.channel_mix)]
        in_ffn = {id(lin) for f in ffn for lin in (f.fc1, f.fc2)}
        for f in ffn:
            # Xavier normal on each official Linear: W and P (the halves of a GLU's fc1) separately
            fan_in, rows = f.fc1.in_features, f.fc1.out_features
            halves = 2 if f.gated else 1
            std = math.sqrt(2.0 / (fan_in + rows // halves))
            f.fc1.weight.copy_(torch.cat([normal((rows // halves, fan_in), std) for _ in range(halves)]))
            f.fc2.weight.copy_(normal(f.fc2.weight.shape, math.sqrt(2.0 / (f.fc2.in_features + f.fc2.out_features))))
            for lin in (f.fc1, f.fc2):
                if lin.bias is not None:
                    lin.bias.zero_()
        for mod in model.modules():
            if isinstance(mod, (nn.Linear, nn.Conv2d)) and id(mod) not in in_ffn:
                bound = 1.0 / math.sqrt(mod.weight[0].numel())  # PyTorch's default for Linear and Conv2d
                mod.weight.copy_((torch.rand(mod.weight.shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
                if mod.bias is not None:
                    mod.bias.copy_((torch.rand(mod.bias.shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
            elif isinstance(mod, nn.LayerNorm):
                mod.reset_parameters()
