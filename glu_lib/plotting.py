"""One figure style for the book: GLU kinds in blues/greens (solid), non-GLU kinds in reds/oranges (dashed)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .kinds import get_kind

__all__ = ["KIND_COLORS", "kind_style", "use_style", "heatmaps", "loglog_lines"]

KIND_COLORS = {
    "relu": "#c0392b", "gelu": "#e67e22", "silu": "#a04000",
    "reglu": "#1f4e9c", "geglu": "#2e86c1", "swiglu": "#148f77", "bilinear": "#6c3483", "glu": "#5dade2",
}


def kind_style(kind: str) -> dict:
    """Matplotlib line keywords for ``kind``: its colour, solid for GLU, dashed for non-GLU, and a label."""
    k = get_kind(kind)
    return dict(color=KIND_COLORS[k.name], linestyle="-" if k.gated else "--", label=k.name)


def use_style() -> None:
    """The book's matplotlib defaults (readable sizes, light grid, no top/right spines)."""
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 150, "font.size": 10, "axes.titlesize": 10,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "legend.frameon": False,
    })


def heatmaps(mats, titles, *, shared: bool = True, cmap: str = "viridis", size: float = 3.2, label: str = ""):
    """Matrices side by side; with ``shared=True`` one colour scale (and one colour bar) for all."""
    mats = [np.asarray(M) for M in mats]
    fig, axes = plt.subplots(1, len(mats), figsize=(size * len(mats) + 0.8, size), squeeze=False, layout="constrained")
    vmin, vmax = (min(M.min() for M in mats), max(M.max() for M in mats)) if shared else (None, None)
    for ax, M, t in zip(axes[0], mats, titles):
        im = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(t)
        ax.set_xlabel("sample j")
        ax.set_ylabel("sample i")
        ax.grid(False)
        if not shared:
            fig.colorbar(im, ax=ax, shrink=0.8)
    if shared:
        fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label=label)
    return fig


def loglog_lines(ax, x, ys: dict, *, spread: dict | None = None):
    """Plot one line per kind (``ys[kind]``) on log-log axes, with an optional shaded ``spread[kind] = (lo, hi)``."""
    for kind, y in ys.items():
        st = kind_style(kind)
        ax.loglog(x, y, marker="o", ms=3, **st)
        if spread and kind in spread:
            ax.fill_between(x, *spread[kind], color=st["color"], alpha=0.15, lw=0)
    return ax
