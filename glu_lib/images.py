"""Image data for the ViT and the Mixer: an offline set that a package ships, and the full-scale sets.

* :func:`digits_images`: scikit-learn's 8×8 digits (1,797 images, shipped with the package), the
  offline stand-in used at smoke scale.
* :func:`read_cifar10`: CIFAR-10 from its Python pickle batches (``cifar-10-batches-py``), as
  distributed by its authors; :func:`download_cifar10` fetches and checks the archive when online.
* :func:`read_tiny_imagenet`: Tiny-ImageNet-200 from its folder layout (``train/<wnid>/images/*.JPEG``,
  ``val/images`` with ``val_annotations.txt``).
* :func:`augment`: the paper's augmentation on a batch (random crop with 4-pixel padding, horizontal flip,
  normalisation, random erasing), driven by an explicit ``torch.Generator``.

Images are returned as uint8 tensors (N, C, H, W) with int64 labels; :func:`batch_fn` turns a split into
the ``batch_fn(split, generator)`` of :func:`glu_lib.train.train`.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import torch

from ._checks import positive_int

__all__ = ["digits_images", "read_cifar10", "download_cifar10", "read_tiny_imagenet", "augment", "normalize",
           "batch_fn", "CIFAR10_MEAN", "CIFAR10_STD"]

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"


def digits_images(test_fraction: float = 0.2, seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """scikit-learn's digits as uint8 images (N, 1, 8, 8) scaled from 0–16 to 0–255, split at random.

    Returns ``{"train": (images, labels), "test": (images, labels)}``.
    """
    from sklearn.datasets import load_digits

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    d = load_digits()
    images = torch.from_numpy(np.round(d.images * (255 / 16)).astype(np.uint8))[:, None]
    labels = torch.from_numpy(d.target.astype(np.int64))
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    cut = int(len(labels) * (1 - test_fraction))
    return {"train": (images[perm[:cut]], labels[perm[:cut]]), "test": (images[perm[cut:]], labels[perm[cut:]])}


def read_cifar10(root: str | Path, train: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 from ``root/cifar-10-batches-py``: uint8 images (N, 3, 32, 32) and int64 labels."""
    folder = Path(root) / "cifar-10-batches-py"
    names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        raise FileNotFoundError(f"CIFAR-10 batches {missing} not found in {folder}; see download_cifar10")
    data, labels = [], []
    for n in names:
        with open(folder / n, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        data.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        labels.extend(batch[b"labels"])
    return torch.from_numpy(np.concatenate(data)), torch.tensor(labels, dtype=torch.int64)


def download_cifar10(root: str | Path) -> Path:
    """Download and unpack the CIFAR-10 Python archive into ``root`` (MD5-checked); return ``root``."""
    root = Path(root)
    if (root / "cifar-10-batches-py" / "test_batch").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    archive = root / "cifar-10-python.tar.gz"
    try:
        with urllib.request.urlopen(_CIFAR_URL, timeout=120) as r, open(archive, "wb") as f:
            f.write(r.read())
    except OSError as e:
        raise FileNotFoundError(f"could not download CIFAR-10 from {_CIFAR_URL}: {e}") from e
    if hashlib.md5(archive.read_bytes()).hexdigest() != _CIFAR_MD5:
        raise ValueError(f"{archive} has the wrong MD5 checksum")
    with tarfile.open(archive) as t:
        t.extractall(root, filter="data")
    return root


def _read_jpegs(paths) -> torch.Tensor:
    from PIL import Image

    return torch.from_numpy(np.stack([np.asarray(Image.open(p).convert("RGB")) for p in paths])).permute(0, 3, 1, 2)


def read_tiny_imagenet(root: str | Path, split: str = "train") -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Tiny-ImageNet from ``root`` (the unpacked ``tiny-imagenet-200``): uint8 images, labels and the class ids.

    Classes are the sorted folder names of ``train``; the validation labels come from
    ``val/val_annotations.txt``.
    """
    root = Path(root)
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")
    if not (root / "train").is_dir():
        raise FileNotFoundError(f"{root / 'train'} not found: expected the tiny-imagenet-200 folder layout")
    classes = sorted(p.name for p in (root / "train").iterdir() if p.is_dir())
    index = {c: i for i, c in enumerate(classes)}
    if split == "train":
        items = [(p, index[c]) for c in classes for p in sorted((root / "train" / c / "images").glob("*.JPEG"))]
    else:
        lines = (root / "val" / "val_annotations.txt").read_text().splitlines()
        items = [(root / "val" / "images" / f, index[c]) for f, c, *_ in (ln.split("\t") for ln in lines if ln.strip())]
    if not items:
        raise FileNotFoundError(f"no images found for split {split!r} under {root}")
    paths, labels = zip(*items)
    return _read_jpegs(paths), torch.tensor(labels, dtype=torch.int64), classes


def normalize(images: torch.Tensor, mean, std) -> torch.Tensor:
    """uint8 images → float32 in [0, 1] → ``(x − mean)/std`` per channel."""
    x = images.float() / 255.0
    mean = torch.tensor(mean, dtype=x.dtype).view(1, -1, 1, 1)
    std = torch.tensor(std, dtype=x.dtype).view(1, -1, 1, 1)
    return (x - mean) / std


def augment(images: torch.Tensor, generator: torch.Generator, mean, std, *, pad: int = 4, flip: bool = True,
            erase_p: float = 0.5) -> torch.Tensor:
    """The paper's training augmentation of a uint8 batch: random crop after zero padding by ``pad``,
    horizontal flip with probability ½, normalisation, and random erasing (probability ``erase_p``, area
    2–33 %, aspect ratio 0.3–3.3, erased to 0, as torchvision's ``RandomErasing``)."""
    if images.ndim != 4:
        raise ValueError(f"expected a batch (N, C, H, W), got shape {tuple(images.shape)}")
    N, C, H, W = images.shape
    x = normalize(images, mean, std)
    if pad:
        padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (N,), generator=generator)
        dx = torch.randint(0, 2 * pad + 1, (N,), generator=generator)
        x = torch.stack([padded[i, :, dy[i] : dy[i] + H, dx[i] : dx[i] + W] for i in range(N)])
    if flip:
        mask = torch.rand(N, generator=generator) < 0.5
        x[mask] = x[mask].flip(-1)
    for i in range(N):
        if torch.rand((), generator=generator) >= erase_p:
            continue
        for _ in range(10):  # torchvision's retry rule
            area = H * W * (0.02 + 0.31 * torch.rand((), generator=generator).item())
            ratio = math.exp(math.log(0.3) + (math.log(3.3) - math.log(0.3)) * torch.rand((), generator=generator).item())
            h, w = int(round(math.sqrt(area * ratio))), int(round(math.sqrt(area / ratio)))
            if h < H and w < W:
                y0 = int(torch.randint(0, H - h + 1, (), generator=generator))
                x0 = int(torch.randint(0, W - w + 1, (), generator=generator))
                x[i, :, y0 : y0 + h, x0 : x0 + w] = 0.0
                break
    return x


def batch_fn(splits: dict, batch_size: int, mean, std, *, train_augment: bool = True, device="cpu", **augment_kw):
    """A ``batch_fn(split, generator)`` over ``{"train": (images, labels), "val": (images, labels)}``:
    random batches, augmented for ``"train"`` when ``train_augment``, normalised otherwise."""
    batch_size = positive_int(batch_size, "batch_size")

    def draw(split, gen):
        images, labels = splits[split]
        ix = torch.randint(len(labels), (batch_size,), generator=gen)
        x = (augment(images[ix], gen, mean, std, **augment_kw) if split == "train" and train_augment
             else normalize(images[ix], mean, std))
        return x.to(device), labels[ix].to(device)

    return draw
