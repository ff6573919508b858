"""Chapter 5's summaries: model sizes, κ-ratio summaries, the optimisation gain of stored GPT runs, and
the rules that turn them into verdicts (paper Fig. 3 and the GPT training runs).

Kept apart from :mod:`glu_lib.deep` (which computes kernels) so that the chapter's verdict cells stay
short and the rules are tested.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import numpy as np
import torch

from .kinds import PAIRS

__all__ = ["model_size", "RatioSummary", "ratio_summary", "kappa_verdict", "sweep_ratios", "final_losses",
           "optimisation_gains", "gain_verdict"]


def model_size(family: str, kind: str, settings: dict, *, length: int | None = None) -> tuple[int, int]:
    """``(parameters, forward FLOPs for one input)`` of the model :func:`glu_lib.deep.build` makes.

    The model is built on PyTorch's ``meta`` device (no memory, no arithmetic) and its forward pass on one
    probe (an image, or a window of ``length`` tokens for the GPT, default its ``block_size``) is counted
    by :class:`torch.utils.flop_counter.FlopCounterMode`: matrix products and convolutions, 2 FLOPs a
    multiply-add; element-wise operations (activations, norms, softmax) are not counted.
    """
    from torch.utils.flop_counter import FlopCounterMode

    from .deep import build, param_count

    with torch.device("meta"), _no_random_draws():
        model = build(family, kind, settings, dtype=torch.float32)
    if family == "gpt":
        T = length or settings["block_size"]
        x = torch.zeros(1, T, dtype=torch.long, device="meta")
    else:
        c, s = settings.get("channels", 3), settings.get("image_size", 32)
        x = torch.zeros(1, c, s, s, device="meta")
    with FlopCounterMode(display=False) as counter:
        model(x)
    return param_count(model), int(counter.get_total_flops())


@contextlib.contextmanager
def _no_random_draws():
    """While building on the ``meta`` device: ``torch.randn``/``torch.rand`` return shape-only tensors.

    The initialisers draw their weights from a CPU generator, which PyTorch does even on ``meta``
    (seconds for a GPT-2); only shapes matter for counting, so the draws are skipped.
    """
    real = torch.randn, torch.rand

    def shape_only(*size, generator=None, dtype=None, **kwargs):
        if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
            size = tuple(size[0])
        return torch.empty(size, dtype=dtype, device="meta")

    torch.randn = torch.rand = shape_only
    try:
        yield
    finally:
        torch.randn, torch.rand = real


class RatioSummary(NamedTuple):
    """non-GLU/GLU κ ratios of several pairs and seeds, pooled (> 1: GLU better conditioned)."""

    low: float
    high: float
    above: int  #: how many ratios are above 1
    n: int

    def text(self, sig) -> str:
        """``"low-high (above/n)"`` with ``sig`` rounding the numbers."""
        return f"{sig(self.low)}-{sig(self.high)} ({self.above}/{self.n})"


def ratio_summary(kappas: dict, key: str = "kappa_full", pairs=PAIRS) -> RatioSummary | None:
    """:class:`RatioSummary` of the per-seed ratios of every pair in ``pairs`` that ``kappas`` holds
    (``{kind: [entry per seed]}``); None when no pair is there."""
    from .deep import pair_ratios

    rs = [pair_ratios(kappas, a, b, key) for a, b in pairs if kappas.get(a) and kappas.get(b)]
    if not rs:
        return None
    r = np.concatenate(rs)
    return RatioSummary(float(r.min()), float(r.max()), int((r > 1).sum()), int(r.size))


def kappa_verdict(full: RatioSummary | None, ffn: RatioSummary | None) -> str:
    """The verdict on "GLU has the lower NTK κ": *reproduced* when every ratio over all parameters is
    above 1, *partly reproduced* when some are (or every FFN-only one is), *not reproduced* when none
    is, *not tested* without kernels."""
    if full is None:
        return "not tested"
    if full.above == full.n:
        return "reproduced"
    if full.above or (ffn is not None and ffn.above == ffn.n):
        return "partly reproduced"
    return "not reproduced"


def sweep_ratios(grid: dict | None, key: str, select=None, pairs=PAIRS) -> np.ndarray:
    """Ratios of ``pairs`` at every seed, pooled over the points of a stored sweep
    (:func:`glu_lib.deep.stored_grid`) that ``select(point)`` keeps (every point when ``select`` is
    None); empty without the sweep."""
    from .deep import pair_ratios

    rs = [pair_ratios(res, a, b, key) for pt, res in (grid or {}).values()
          if select is None or select(pt) for a, b in pairs]
    return np.concatenate(rs) if rs else np.array([])


def final_losses(name_of, kinds, seeds, key: str = "train_loss") -> dict:
    """``{kind: [last history[key] of each seed]}`` of stored runs; ``name_of(kind, seed)`` names each
    stored result. A missing run is an error (a comparison over fewer seeds would pass unnoticed)."""
    from .results import load_result

    out = {}
    missing = []
    for kind in kinds:
        out[kind] = []
        for s in seeds:
            res = load_result(name_of(kind, s))
            if res is None:
                missing.append(name_of(kind, s))
                continue
            out[kind].append(float(res["data"]["history"][key][-1]))
    if missing:
        raise FileNotFoundError(f"stored runs missing: {', '.join(missing)} (train them first)")
    return out


def optimisation_gains(finals: dict, pairs=PAIRS) -> dict:
    """Per pair, the per-seed gains ``final[non-GLU] − final[GLU]`` (> 0: GLU ends lower), seed by seed.

    ``finals`` is :func:`final_losses`' result; every kind of every pair must be there with one value per
    seed, or it is an error.
    """
    out = {}
    for a, b in pairs:
        if a not in finals or b not in finals:
            raise KeyError(f"no final losses for {a!r} or {b!r} (have {sorted(finals)})")
        fa, fb = np.asarray(finals[a]), np.asarray(finals[b])
        if fa.shape != fb.shape or not fa.size:
            raise ValueError(f"{a} and {b} need one final loss per seed each, got {fa.size} and {fb.size}")
        out[(a, b)] = fa - fb
    return out


def gain_verdict(gains: dict) -> str:
    """*reproduced* when GLU ends lower at every seed of every pair, *partly reproduced* when it does
    on average for some pairs, *not reproduced* otherwise."""
    every = all((g > 0).all() for g in gains.values())
    some = any(g.mean() > 0 for g in gains.values())
    return "reproduced" if every else "partly reproduced" if some else "not reproduced"
