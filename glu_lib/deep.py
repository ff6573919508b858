"""Empirical-NTK condition numbers of the deep models (ViT, MLP-Mixer, GPT) with each FFN kind.

Every model is read through a fixed scalar output, as the NTK of the paper is for scalar outputs:
the single output of the ViT and the Mixer (``num_outputs=1``), and for the GPT the sum of the logits
at the last position (a fixed linear readout of its last hidden state).
"""

from __future__ import annotations

import numpy as np
import torch

from ._checks import positive_int
from .gpt import GPT, GPTConfig
from .mixer import Mixer, MixerConfig
from .ntk import ScalarReadout, empirical_ntk
from .spectra import condition_number  # re-exported: κ of the NTKs below
from .vit import ViT, ViTConfig

__all__ = ["FAMILIES", "build", "probe_inputs", "ntk_condition_numbers", "param_count"]

FAMILIES = ("vit", "mixer", "gpt")


def _last_logit_sum(out):
    return out[0][:, -1].sum(-1)


def build(family: str, kind: str, settings: dict, seed: int = 0, dtype=torch.float64) -> torch.nn.Module:
    """The model of ``family`` with FFN ``kind`` and ``settings`` (config fields), seeded, wrapped to a scalar output."""
    if family == "vit":
        return ScalarReadout(ViT(ViTConfig(ffn=kind, num_outputs=1, **settings), seed).to(dtype), lambda o: o[:, 0])
    if family == "mixer":
        return ScalarReadout(Mixer(MixerConfig(ffn=kind, num_outputs=1, **settings), seed).to(dtype), lambda o: o[:, 0])
    if family == "gpt":
        return ScalarReadout(GPT(GPTConfig(ffn=kind, **settings), seed).to(dtype), _last_logit_sum)
    raise ValueError(f"unknown model family {family!r}; expected one of {FAMILIES}")


def param_count(model: torch.nn.Module) -> int:
    """Number of distinct trainable parameters (tied weights once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def probe_inputs(family: str, n: int, settings: dict, seed: int = 0, tokens: np.ndarray | None = None) -> torch.Tensor:
    """``n`` probe inputs: Gaussian images ``N(0, 1)`` for ViT/Mixer (as the official NTK script), and for the
    GPT windows of ``tokens`` (random positions) or, without ``tokens``, uniformly random token ids."""
    n = positive_int(n, "n")
    gen = torch.Generator().manual_seed(int(seed))
    if family in ("vit", "mixer"):
        c, s = settings.get("channels", 3), settings.get("image_size", 32)
        return torch.randn(n, c, s, s, generator=gen, dtype=torch.float64)
    if family == "gpt":
        T = settings["block_size"]
        if tokens is None:
            return torch.randint(settings.get("vocab_size", 65), (n, T), generator=gen)
        ix = torch.randint(len(tokens) - T, (n,), generator=gen).tolist()
        return torch.stack([torch.from_numpy(tokens[i : i + T].astype(np.int64)) for i in ix])
    raise ValueError(f"unknown model family {family!r}; expected one of {FAMILIES}")


def ntk_condition_numbers(family: str, kinds, settings: dict, n: int, seeds, tokens=None) -> dict:
    """κ of the empirical NTK at initialisation for each kind and seed: ``{kind: [κ per seed]}``.

    Seed ``s`` fixes both the model's weights and the probe inputs, so every kind sees the same inputs.
    """
    out = {}
    for kind in kinds:
        out[kind] = []
        for s in seeds:
            X = probe_inputs(family, n, settings, seed=s, tokens=tokens)
            out[kind].append(condition_number(empirical_ntk(build(family, kind, settings, seed=s), X)))
    return out
