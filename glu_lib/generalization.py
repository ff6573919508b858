"""The generalisation gap of GLU and non-GLU models (the paper's Fig. 7).

A run gives a cloud of points ``(L_S, L_D − L_S)``: training loss and generalisation gap at each
evaluation. Two clouds are compared with the two-sample energy distance (Székely & Rizzo) and a
permutation test (``scipy.stats.permutation_test``); the gaps are also compared at matched training
loss, with a bootstrap confidence interval over runs.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from scipy.spatial.distance import cdist

from . import images, text
from .gpt import GPT, GPTConfig
from .mixer import Mixer, MixerConfig
from .train import TrainConfig, train
from .vit import ViT, ViTConfig

__all__ = ["energy_distance", "energy_test", "cloud", "gap_at_matched_loss", "gap_difference_ci", "image_splits", "train_run"]


def _points(A, name):
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2 or len(A) < 2 or not np.all(np.isfinite(A)):
        raise ValueError(f"{name} must be a finite array of at least 2 points, got shape {A.shape}")
    return A


def energy_distance(A, B) -> float:
    """Two-sample energy distance ``2E‖a−b‖ − E‖a−a'‖ − E‖b−b'‖`` of point sets A (n, k) and B (m, k)."""
    A, B = _points(A, "A"), _points(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same dimension, got {A.shape[1]} and {B.shape[1]}")
    return float(2 * cdist(A, B).mean() - cdist(A, A).mean() - cdist(B, B).mean())


def energy_test(A, B, n_permutations: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Energy distance of A and B and its permutation p-value (labels shuffled ``n_permutations`` times)."""
    A, B = _points(A, "A"), _points(B, "B")
    pooled = np.concatenate([A, B])
    # scipy permutes along axis 0 column by column; permuting row indices keeps the points whole
    res = stats.permutation_test((np.arange(len(A)), np.arange(len(A), len(pooled))),
                                 lambda i, j: energy_distance(pooled[i], pooled[j]), permutation_type="independent",
                                 vectorized=False, n_resamples=n_permutations, alternative="greater",
                                 random_state=np.random.default_rng(seed))
    return float(res.statistic), float(res.pvalue)


def cloud(history: dict, skip_first: bool = True) -> np.ndarray:
    """Points ``(L_S, L_D − L_S)`` of a training history (``train_loss``, ``val_loss``); the evaluation at
    initialisation is left out by default (it measures the initialisation, not training)."""
    s, d = np.asarray(history["train_loss"]), np.asarray(history["val_loss"])
    pts = np.stack([s, d - s], axis=1)
    return pts[1:] if skip_first else pts


def gap_at_matched_loss(points: np.ndarray, grid) -> np.ndarray:
    """The gap interpolated at training losses ``grid`` along one run's cloud (ordered by training loss)."""
    points = _points(points, "points")
    order = np.argsort(points[:, 0])
    return np.interp(grid, points[order, 0], points[order, 1], left=np.nan, right=np.nan)


def gap_difference_ci(clouds_a, clouds_b, n_grid: int = 20, n_boot: int = 2000, seed: int = 0):
    """Mean gap difference (b − a) at matched training loss, with a 95 % bootstrap interval over runs.

    The grid spans the training losses that every run reaches; each bootstrap draw resamples the runs of
    each group with replacement. Returns ``(difference, low, high)``.
    """
    lo = max(min(c[:, 0].min() for c in clouds_a), min(c[:, 0].min() for c in clouds_b))
    hi = min(min(c[:, 0].max() for c in clouds_a), min(c[:, 0].max() for c in clouds_b))
    if not lo < hi:
        raise ValueError("the runs share no range of training loss to compare at")
    grid = np.linspace(lo, hi, n_grid)
    ga = np.array([gap_at_matched_loss(c, grid) for c in clouds_a])
    gb = np.array([gap_at_matched_loss(c, grid) for c in clouds_b])
    rng = np.random.default_rng(seed)
    boot = [np.nanmean(gb[rng.integers(len(gb), size=len(gb))]) - np.nanmean(ga[rng.integers(len(ga), size=len(ga))])
            for _ in range(n_boot)]
    return float(np.nanmean(gb) - np.nanmean(ga)), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def _ce(model, x, y):
    return torch.nn.functional.cross_entropy(model(x), y)


IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def image_splits(data: str, seed: int = 0):
    """``(splits, mean, std, image_size, channels, classes, augment)`` of an image data set: ``"digits"``
    (offline, no augmentation), ``"cifar10"`` or ``"tiny_imagenet"`` (under ``$GLU_DATA_DIR``, with the
    paper's augmentation; CIFAR-10 is downloaded when missing)."""
    if data == "digits":
        d = images.digits_images(seed=seed)
        x = d["train"][0].float() / 255
        return {"train": d["train"], "val": d["test"]}, (x.mean().item(),), (x.std().item(),), 8, 1, 10, False
    if data == "cifar10":
        root = images.download_cifar10(text.data_dir() / "cifar10")
        splits = {"train": images.read_cifar10(root, True), "val": images.read_cifar10(root, False)}
        return splits, images.CIFAR10_MEAN, images.CIFAR10_STD, 32, 3, 10, True
    if data == "tiny_imagenet":
        root = text.data_dir() / "tiny-imagenet-200"
        (xt, yt, classes), (xv, yv, _) = images.read_tiny_imagenet(root, "train"), images.read_tiny_imagenet(root, "val")
        return {"train": (xt, yt), "val": (xv, yv)}, IMAGENET_MEAN, IMAGENET_STD, 64, 3, len(classes), True
    raise ValueError(f"unknown image data {data!r}; expected 'digits', 'cifar10' or 'tiny_imagenet'")


def train_run(family: str, kind: str, optimizer: str, settings: dict, train_settings: dict, seed: int = 0) -> dict:
    """One training run of ``family`` with FFN ``kind`` and ``optimizer``; returns its history.

    ``"mixer"`` and ``"vit"`` train on ``settings["data"]`` (default ``"digits"``, see :func:`image_splits`)
    with cross-entropy, ``"gpt"`` on tiny-shakespeare; ``settings`` holds ``model`` (config fields) and
    ``batch_size`` (and optionally ``train``, overrides of the training fields), ``train_settings[optimizer]``
    the :class:`~glu_lib.train.TrainConfig` fields.
    """
    tcfg = TrainConfig(optimizer=optimizer, seed=seed, **{**train_settings[optimizer], **settings.get("train", {})})
    if family in ("mixer", "vit"):
        splits, mean, std, size, channels, classes, aug = image_splits(settings.get("data", "digits"))
        fn = images.batch_fn(splits, settings["batch_size"], mean, std, train_augment=aug)
        cfg = dict(image_size=size, channels=channels, num_outputs=classes, ffn=kind, **settings["model"])
        model = Mixer(MixerConfig(**cfg), seed) if family == "mixer" else ViT(ViTConfig(**cfg), seed)
        return train(model, tcfg, fn, _ce)
    if family == "gpt":
        corpus = text.char_corpus(text.fetch().read_text())
        mcfg = GPTConfig(vocab_size=corpus.vocab_size, ffn=kind, **settings["model"])
        return train(GPT(mcfg, seed), tcfg, text.batch_fn(corpus, mcfg.block_size, settings["batch_size"]), text.lm_loss)
    raise ValueError(f"unknown model family {family!r}; expected 'mixer', 'vit' or 'gpt'")
