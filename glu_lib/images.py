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

import math
import os
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import torch

from ._checks import file_digest, non_negative_int, positive_int

__all__ = ["digits_images", "read_cifar10", "download_cifar10", "read_tiny_imagenet", "augment", "normalize",
           "batch_fn", "CIFAR10_MEAN", "CIFAR10_STD", "CIFAR10_MD5"]

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
#: MD5 checksums of the official CIFAR-10 Python batches (as published with the archive; torchvision
#: checks the same values). :func:`read_cifar10` verifies a file before it unpickles it.
CIFAR10_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}


def _md5(path: Path) -> str:
    return file_digest(path, "md5")


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles plain containers and NumPy arrays only: any other class or function is refused."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


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


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, list[int]]:
    """One verified batch file → images (N, 3, 32, 32) uint8 and labels; a ``ValueError`` naming the file."""
    try:
        with open(path, "rb") as f:
            batch = _ArrayUnpickler(f, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise ValueError(f"{path} is not a readable CIFAR-10 batch ({type(e).__name__}: {e})") from e
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 batch: expected a dict with b'data' and b'labels'")
    data, labels = np.asarray(batch[b"data"]), list(batch[b"labels"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(f"{path}: expected uint8 data (N, 3072) and N labels, got {data.dtype} {data.shape} "
                         f"and {len(labels)} labels")
    if not all(isinstance(v, (int, np.integer)) and 0 <= v < 10 for v in labels):
        raise ValueError(f"{path}: labels must be integers 0-9")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar10(root: str | Path, train: bool = True, *,
                 checksums: dict[str, str] = CIFAR10_MD5) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 from ``root/cifar-10-batches-py``: uint8 images (N, 3, 32, 32) and int64 labels.

    Every batch file is checked against ``checksums`` (MD5, default :data:`CIFAR10_MD5`) before it is
    read, and it is unpickled with an unpickler that builds NumPy arrays and plain containers only.
    """
    folder = Path(root) / "cifar-10-batches-py"
    names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"CIFAR-10 batches {missing} not found in {folder}; see download_cifar10")
    data, labels = [], []
    for n in names:
        if n not in checksums:
            raise ValueError(f"checksums has no entry for {n!r}")
        digest = _md5(folder / n)
        if digest != checksums[n]:
            raise ValueError(f"{folder / n} has MD5 {digest}, expected {checksums[n]}: the file is corrupt or "
                             "not the official batch; delete the folder and download it again")
        x, y = _read_cifar_batch(folder / n)
        data.append(x)
        labels.extend(int(v) for v in y)
    return torch.from_numpy(np.concatenate(data)), torch.tensor(labels, dtype=torch.int64)


def _safe_extract(archive: Path, root: Path) -> None:
    """Unpack ``archive`` into ``root``, refusing members that would land outside ``root``, links and
    special files: tarfile's ``"data"`` filter where Python has it, the same checks by hand otherwise."""
    try:
        with tarfile.open(archive) as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(root, filter="data")
                return
            top = Path(root).resolve()
            for m in t.getmembers():
                target = (top / m.name).resolve()
                outside = os.path.isabs(m.name) or (target != top and top not in target.parents)
                if outside or not (m.isfile() or m.isdir()):
                    raise ValueError(f"{archive}: refusing to unpack {m.name!r} (outside the folder, a link or a "
                                     "special file)")
            t.extractall(root)
    except tarfile.TarError as e:
        raise ValueError(f"{archive}: refusing to unpack it ({type(e).__name__}: {e})") from e


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
    if _md5(archive) != _CIFAR_MD5:
        raise ValueError(f"{archive} has the wrong MD5 checksum")
    _safe_extract(archive, root)
    return root


def _read_jpegs(paths) -> torch.Tensor:
    from PIL import Image

    arrays = []
    for p in paths:
        try:
            with Image.open(p) as im:
                arrays.append(np.asarray(im.convert("RGB")))
        except (OSError, ValueError, SyntaxError) as e:  # PIL: missing, truncated or not an image
            raise ValueError(f"image {p} is missing, truncated or unreadable ({e})") from e
        if arrays[-1].shape != arrays[0].shape:
            raise ValueError(f"image {p} has size {arrays[-1].shape[:2]}, the first image {arrays[0].shape[:2]}")
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)


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
        ann = root / "val" / "val_annotations.txt"
        if not ann.is_file():
            raise FileNotFoundError(f"{ann} not found: expected the tiny-imagenet-200 folder layout")
        items = []
        for no, ln in enumerate(ann.read_text().splitlines(), 1):
            if not ln.strip():
                continue
            fields = ln.split("\t")
            if len(fields) < 2:
                raise ValueError(f"{ann}, line {no}: expected '<file>\\t<class id>\\t...', got {ln!r}")
            if fields[1] not in index:
                raise ValueError(f"{ann}, line {no}: class {fields[1]!r} is not a folder of {root / 'train'}")
            items.append((root / "val" / "images" / fields[0], index[fields[1]]))
    if not items:
        raise FileNotFoundError(f"no images found for split {split!r} under {root}")
    paths, labels = zip(*items)
    return _read_jpegs(paths), torch.tensor(labels, dtype=torch.int64), classes


def normalize(images: torch.Tensor, mean, std) -> torch.Tensor:
    """Images → float in [0, 1] → ``(x − mean)/std`` per channel.

    uint8 images (0–255) are divided by 255; floating images must already be in [0, 1] (they are not
    divided again). ``mean`` and ``std`` have one entry per channel (or one for all); ``std > 0``.
    """
    if not torch.is_tensor(images) or images.ndim != 4:
        raise ValueError(f"images must be a tensor (N, C, H, W), got {getattr(images, 'shape', type(images))}")
    if images.dtype == torch.uint8:
        x = images.float() / 255.0
    elif images.is_floating_point():
        x = images
        if x.numel() and not (float(x.min()) >= 0.0 and float(x.max()) <= 1.0):
            raise ValueError("floating images must lie in [0, 1] (pass uint8 images for 0-255 values)")
    else:
        raise ValueError(f"images must be uint8 (0-255) or floating point in [0, 1], got {images.dtype}")
    mean = torch.as_tensor(mean, dtype=x.dtype).flatten()
    std = torch.as_tensor(std, dtype=x.dtype).flatten()
    C = x.shape[1]
    for name, v in (("mean", mean), ("std", std)):
        if len(v) not in (1, C) or not torch.isfinite(v).all():
            raise ValueError(f"{name} must hold 1 or {C} finite values (one per channel), got {v.tolist()}")
    if not (std > 0).all():
        raise ValueError(f"std must be positive, got {std.tolist()}")
    return (x - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


def augment(images: torch.Tensor, generator: torch.Generator, mean, std, *, pad: int = 4, flip: bool = True,
            erase_p: float = 0.5) -> torch.Tensor:
    """The paper's training augmentation of a uint8 batch: random crop after zero padding by ``pad``,
    horizontal flip with probability ½, normalisation, and random erasing (probability ``erase_p``, area
    2–33 %, aspect ratio 0.3–3.3, erased to 0, as torchvision's ``RandomErasing``)."""
    if images.ndim != 4:
        raise ValueError(f"expected a batch (N, C, H, W), got shape {tuple(images.shape)}")
    pad = non_negative_int(pad, "pad")
    if not (isinstance(erase_p, (int, float)) and 0 <= erase_p <= 1):
        raise ValueError(f"erase_p must be a probability in [0, 1], got {erase_p!r}")
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
    for split in ("train", "val"):
        if split not in splits:
            raise ValueError(f"splits must have a {split!r} entry (images, labels); got {sorted(splits)}")
        x, y = splits[split]
        if len(x) != len(y) or len(y) == 0:
            raise ValueError(f"split {split!r} needs as many labels as images (at least one), got {len(x)} and "
                             f"{len(y)}")

    def draw(split, gen):
        images, labels = splits[split]
        ix = torch.randint(len(labels), (batch_size,), generator=gen)
        x = (augment(images[ix], gen, mean, std, **augment_kw) if split == "train" and train_augment
             else normalize(images[ix], mean, std))
        return x.to(device), labels[ix].to(device)

    return draw
