"""Pre-LN transformer pieces shared by the ViT and the GPT: self-attention and a block whose FFN kind is a setting."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import positive_int
from .models import FeedForward

__all__ = ["SelfAttention", "Block"]


class SelfAttention(nn.Module):
    """Multi-head self-attention through ``F.scaled_dot_product_attention`` (causal for language models).

    Heads have ``dim_head`` features each (default ``dim // heads``, so that ``qkv`` maps dim → 3·dim);
    the official ViT of the paper uses ``dim_head=64`` whatever the width, and ``qkv_bias=False``.
    """

    def __init__(self, dim: int, heads: int, *, causal: bool = False, bias: bool = True, dropout: float = 0.0,
                 dim_head: int | None = None, qkv_bias: bool | None = None):
        super().__init__()
        dim, heads = positive_int(dim, "dim"), positive_int(heads, "heads")
        if dim_head is None:
            if dim % heads:
                raise ValueError(f"dim ({dim}) must be divisible by heads ({heads})")
            dim_head = dim // heads
        self.heads, self.causal, self.dropout = heads, causal, dropout
        self.dim_head = positive_int(dim_head, "dim_head")
        inner = heads * self.dim_head
        self.qkv = nn.Linear(dim, 3 * inner, bias=bias if qkv_bias is None else qkv_bias)
        self.proj = nn.Linear(inner, dim, bias=bias)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        inner = self.heads * self.dim_head
        q, k, v = (t.view(B, T, self.heads, self.dim_head).transpose(1, 2) for t in self.qkv(x).split(inner, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.resid_dropout(self.proj(y.transpose(1, 2).reshape(B, T, inner)))


class Block(nn.Module):
    """``x + attn(LN(x))`` then ``x + ffn(LN(x))``, with the FFN of ``kind`` (parameter matched)."""

    def __init__(self, dim: int, heads: int, hidden: int, kind: str, *, causal: bool = False, bias: bool = True,
                 dropout: float = 0.0, dim_head: int | None = None):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim, bias=bias)
        self.attn = SelfAttention(dim, heads, causal=causal, bias=bias, dropout=dropout, dim_head=dim_head)
        self.ln_2 = nn.LayerNorm(dim, bias=bias)
        self.mlp = FeedForward(dim, hidden, kind, bias=bias, dropout=dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))
