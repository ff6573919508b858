"""A GPT with the GPT-2 architecture (nanoGPT-shaped): learned positions, pre-LN, causal attention, tied embeddings.

The FFN kind is a config field; ``ffn="gelu"`` is GPT-2 itself. ``init="gpt2"`` (default) is GPT-2's
initialisation: weights ``N(0, 0.02²)``, the residual projections ``N(0, (0.02/√(2·n_layer))²)``, zero
biases (``init_std`` replaces 0.02). ``init="lecun"`` (``N(0, 1/fan_in)``) and ``init="xavier"`` (Xavier
normal, ``N(0, 2/(fan_in+fan_out))``, the variance of ``torch.nn.init.xavier_uniform_``) replace it for
every Linear layer of the blocks (attention and FFN, residual projections unscaled), with zero biases;
the token table (tied with the output head) and the position table keep ``N(0, init_std²)`` in all three.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import plain_fields, strict_bool
from .transformer import Block

__all__ = ["GPTConfig", "GPT", "GPT_INITS"]

GPT_INITS = ("gpt2", "lecun", "xavier")


@dataclass(frozen=True)
class GPTConfig:
    """GPT settings; the defaults are nanoGPT's CPU recipe for character-level tiny-shakespeare."""

    vocab_size: int = 65
    block_size: int = 64
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True
    ffn: str = "gelu"
    ffn_hidden: int | None = None  # default 4·n_embd (GLU kinds: ⅔ of it)
    init_std: float = 0.02  # GPT-2's weight std (residual projections: init_std/√(2·n_layer))
    # "gpt2", "lecun" or "xavier" (module docstring); out of the repr, so that checkpoint fingerprints
    # made before this field existed still match (the initial weights are fingerprinted anyway)
    init: str = field(default="gpt2", repr=False)

    def __post_init__(self):
        plain_fields(self)
        strict_bool(self.bias, "bias")
        if self.init not in GPT_INITS:
            raise ValueError(f"unknown init {self.init!r}; expected one of {GPT_INITS}")


class GPT(nn.Module):
    """``GPT(config, seed)``; ``forward(idx, targets=None)`` returns ``(logits (B, T, V), loss or None)``."""

    def __init__(self, config: GPTConfig, seed: int = 0):
        super().__init__()
        c = self.config = config
        hidden = c.ffn_hidden or 4 * c.n_embd
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.block_size, c.n_embd)
        self.drop = nn.Dropout(c.dropout)
        self.h = nn.ModuleList(Block(c.n_embd, c.n_head, hidden, c.ffn, causal=True, bias=c.bias, dropout=c.dropout)
                               for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.n_embd, bias=c.bias)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied embeddings
        self._init_weights(seed)

    def _init_weights(self, seed: int) -> None:
        gen = torch.Generator().manual_seed(int(seed))
        std0 = self.config.init_std
        resid = std0 / math.sqrt(2 * self.config.n_layer)
        with torch.no_grad():
            for name, mod in self.named_modules():
                if isinstance(mod, (nn.Linear, nn.Embedding)) and mod is not self.lm_head:
                    std = resid if name.endswith(("attn.proj", "mlp.fc2")) else std0
                    if isinstance(mod, nn.Linear) and self.config.init != "gpt2":
                        fan_out, fan_in = mod.weight.shape
                        std = (1 / math.sqrt(fan_in) if self.config.init == "lecun"
                               else math.sqrt(2 / (fan_in + fan_out)))
                    mod.weight.copy_(torch.randn(mod.weight.shape, generator=gen) * std)
                    if getattr(mod, "bias", None) is not None:
                        mod.bias.zero_()

    def num_params(self, non_embedding: bool = True) -> int:
        """Parameters (tied weights once), without the position table when ``non_embedding`` (as nanoGPT counts)."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.wpe.weight.numel() if non_embedding else n

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"sequence length {T} exceeds block_size {self.config.block_size}")
        pos = torch.arange(T, device=idx.device).expand(B, T)  # one row per sample (per-sample gradients)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss
