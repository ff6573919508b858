"""One figure style for the book: GLU kinds in blues/greens (solid), non-GLU kinds in reds/oranges (dashed)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .kinds import get_kind

__all__ = ["COLUMN_WIDTH", "KIND_COLORS", "kind_style", "use_style", "heatmaps", "loglog_lines", "teaser_figure"]

#: Width in inches of a figure that fills the book's text column (about 780 px at the book's dpi)
#: without being scaled down: wider figures shrink their fonts below 9 pt on the page.
COLUMN_WIDTH = 7.0

KIND_COLORS = {
    "relu": "#c0392b", "gelu": "#e67e22", "silu": "#b7950b",
    "reglu": "#1f4e9c", "geglu": "#2e86c1", "swiglu": "#148f77", "bilinear": "#6c3483", "glu": "#5dade2",
}


def kind_style(kind: str) -> dict:
    """Matplotlib line keywords for ``kind``: its colour, solid for GLU, dashed for non-GLU, and a label."""
    k = get_kind(kind)
    return dict(color=KIND_COLORS[k.name], linestyle="-" if k.gated else "--", label=k.name)


def use_style() -> None:
    """The book's matplotlib defaults (readable sizes, light grid, no top/right spines)."""
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 150, "figure.figsize": (COLUMN_WIDTH, 3.0),
        "font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 9,
        "xtick.labelsize": 9, "ytick.labelsize": 9,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "legend.frameon": False,
    })


def heatmaps(mats, titles, *, shared: bool = True, cmap: str = "viridis", size: float = 3.2, label: str = ""):
    """Matrices side by side; with ``shared=True`` one colour scale (and one colour bar) for all."""
    mats = [np.asarray(M) for M in mats]
    if len(titles) != len(mats):
        raise ValueError(f"heatmaps: {len(mats)} matrices but {len(titles)} titles (need the same number)")
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


def _block_diagram(ax, boxes, title):
    """A vertical chain of labelled boxes joined by arrows (an architecture sketch)."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, len(boxes))
    ax.axis("off")
    ax.set_title(title)
    for i, (label, color) in enumerate(boxes):
        y = i + 0.5
        ax.text(0.5, y, label, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.4", fc=color, ec="0.3", alpha=0.9))
        if i:
            ax.annotate("", xy=(0.5, y - 0.22), xytext=(0.5, y - 0.78), arrowprops=dict(arrowstyle="->", color="0.3"))


def teaser_figure(K, K_glu, K_eq5, labels=("ReLU", "ReGLU")):
    """The book's front figure, one column wide (:data:`COLUMN_WIDTH`): the two feed-forward structures
    on top, the NTK heat maps of paper Fig. 1 below them on one colour scale."""
    mats = [np.asarray(M, dtype=float) for M in (K, K_glu, K_eq5)]
    if any(M.ndim != 2 or M.shape[0] != M.shape[1] for M in mats):
        raise ValueError(f"K, K_glu and K_eq5 must be square matrices, got shapes {[M.shape for M in mats]}")
    fig = plt.figure(figsize=(COLUMN_WIDTH, 4.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[0.85, 1.25])
    a1, a2 = top.subplots(1, 2)
    light = {"x": "#eeeeee", "lin": "#fdebd0", "glu": "#d6eaf8"}
    _block_diagram(a1, [("x", light["x"]), ("Wx", light["lin"]), ("φ(Wx)", light["lin"]),
                        ("V·", light["lin"]), ("z", light["x"])], f"non-GLU ({labels[0]})")
    _block_diagram(a2, [("x", light["x"]), ("Wx    Px", light["glu"]), ("(Px)⊙φ(Wx)", light["glu"]),
                        ("V·", light["glu"]), ("z", light["x"])], f"GLU ({labels[1]})")
    vmin, vmax = min(M.min() for M in mats), max(M.max() for M in mats)
    axes = bottom.subplots(1, 3, sharey=True)
    titles = (f"{labels[0]}  K", f"{labels[1]}  K̃", "K ⊙ XXᵀ/d")
    for ax, M, t in zip(axes, mats, titles):
        im = ax.imshow(M, cmap="viridis", vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(t)
        ax.set_xlabel("sample j")
        ax.grid(False)
    axes[0].set_ylabel("sample i")
    bottom.colorbar(im, ax=axes.tolist(), shrink=0.9, label="kernel entry")
    return fig
