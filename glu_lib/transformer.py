"""Pre-LN transformer pieces shared by the ViT and the GPT: self-attention and a block whose FFN kind is a setting."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import positive_int
from .models import FeedForward

__all__ = ["SelfAttention", "Block"]


class SelfAttention(nn.Module):
    """Multi-head self-attention through ``F.scaled_dot_product_attention`` (causal for language models)."""

    def __init__(self, dim: int, heads: int, *, causal: bool = False, bias: bool = True, dropout: float = 0.0):
        super().__init__()
        dim, heads = positive_int(dim, "dim"), positive_int(heads, "heads")
        if dim % heads:
            raise ValueError(f"dim ({dim}) must be divisible by heads ({heads})")
        self.heads, self.causal, self.dropout = heads, causal, dropout
        self.qkv = nn.Linear(dim, 3 * dim, bias=bias)
        self.proj = nn.Linear(dim, dim, bias=bias)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in self.qkv(x).split(C, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.resid_dropout(self.proj(y.transpose(1, 2).reshape(B, T, C)))


class Block(nn.Module):
    """``x + attn(LN(x))`` then ``x + ffn(LN(x))``, with the FFN of ``kind`` (parameter matched)."""

    def __init__(self, dim: int, heads: int, hidden: int, kind: str, *, causal: bool = False, bias: bool = True,
                 dropout: float = 0.0):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim, bias=bias)
        self.attn = SelfAttention(dim, heads, causal=causal, bias=bias, dropout=dropout)
        self.ln_2 = nn.LayerNorm(dim, bias=bias)
        self.mlp = FeedForward(dim, hidden, kind, bias=bias, dropout=dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))
