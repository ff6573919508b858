"""Image data for the ViT and the Mixer: an offline set that a package ships, and the full-scale sets.

* :func:`digits_images`: scikit-learn's 8×8 digits (1,797 images, shipped with the package), the
  offline stand-in used at smoke scale.
* :func:`read_cifar10`: CIFAR-10 from its Python pickle batches (``cifar-10-batches-py``), as
  distributed by its authors; :func:`download_cifar10` fetches and checks the archive when online.
* :func:`read_tiny_imagenet`: Tiny-ImageNet-200 from its folder layout (``train/<wnid>/images/*.JPEG``,
  ``val/images`` with ``val_annotations.txt``).
* :func:`augment`: the official CIFAR-10 augmentation on a batch (random crop with 4-pixel black padding,
  horizontal flip, normalisation, random erasing with probability 0.1);
  :func:`augment_tiny_imagenet`: the official Tiny-ImageNet one (:func:`random_resized_crop` with area
  0.7–1, flip, :func:`color_jitter`, normalisation, :func:`random_erasing` with probability 0.2). Both
  follow torchvision's transforms on batched tensors, driven by an explicit ``torch.Generator``.

Images are returned as uint8 tensors (N, C, H, W) with int64 labels; :func:`batch_fn` turns a split into
the ``batch_fn(split, generator)`` of :func:`glu_lib.train.train`.
"""

from __future__ import annotations

import math
import numbers
import os
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import torch

from ._checks import file_digest, finite_float, non_negative_int, positive_int

__all__ = ["digits_images", "read_cifar10", "download_cifar10", "read_tiny_imagenet", "augment", "normalize",
           "random_erasing", "random_resized_crop", "color_jitter", "augment_tiny_imagenet", "batch_fn",
           "CIFAR10_MEAN", "CIFAR10_STD", "CIFAR10_MD5"]

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
            name = fields[0]
            if (not name or name != Path(name).name or name in (".", "..") or "\\" in name
                    or Path(name).is_absolute()):
                raise ValueError(f"{ann}, line {no}: image file {name!r} is not a plain file name in "
                                 f"{root / 'val' / 'images'} (no folders, '..' or absolute paths)")
            items.append((root / "val" / "images" / name, index[fields[1]]))
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


def _unit_float(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """A batch (N, C, H, W) as floating point in [0, 1]: uint8 divided by 255, floats checked."""
    if not torch.is_tensor(images) or images.ndim != 4:
        raise ValueError(f"expected a batch (N, C, H, W) of {name}, got "
                         f"{tuple(images.shape) if torch.is_tensor(images) else type(images).__name__}")
    if images.dtype == torch.uint8:
        return images.float() / 255.0
    if not images.is_floating_point():
        raise ValueError(f"{name} must be uint8 (0-255) or floating point in [0, 1], got {images.dtype}")
    if images.numel() and not (float(images.min()) >= 0.0 and float(images.max()) <= 1.0):
        raise ValueError(f"floating {name} must lie in [0, 1] (pass uint8 images for 0-255 values)")
    return images


def _probability(p, name: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p!r}")
    return float(p)


def _interval(value, name: str, *, positive: bool = True) -> tuple[float, float]:
    """``(lo, hi)`` with ``lo <= hi`` finite (and ``lo > 0`` when ``positive``), else a ``ValueError``."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (lo, hi) of numbers, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi and (lo > 0 or not positive)):
        raise ValueError(f"{name} must be a pair (lo, hi) with {'0 < ' if positive else ''}lo <= hi, got {value!r}")
    return lo, hi


def _boxes(n: int, H: int, W: int, generator: torch.Generator, scale, ratio, attempts: int = 10):
    """torchvision's draws of a rectangle, for ``n`` images at once: ``attempts`` areas (in pixels, an area
    fraction uniform in ``scale``) and aspect ratios (log-uniform in ``ratio``) per image, (n, attempts)
    float64 each; the caller rounds the sides and keeps the first attempt that fits (:func:`_pick`)."""
    area = H * W * (scale[0] + (scale[1] - scale[0]) * torch.rand(n, attempts, generator=generator,
                                                                   dtype=torch.float64))
    log_r = math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * torch.rand(
        n, attempts, generator=generator, dtype=torch.float64)
    return area, torch.exp(log_r)


def _pick(h: torch.Tensor, w: torch.Tensor, ok: torch.Tensor):
    """The first attempt (column) where ``ok`` holds, per row; ``found`` says whether there was one."""
    found = ok.any(1)
    first = torch.where(found, ok.to(torch.int64).argmax(1), torch.zeros_like(found, dtype=torch.int64))
    rows = torch.arange(len(h))
    return h[rows, first], w[rows, first], found


def _place(h: torch.Tensor, w: torch.Tensor, H: int, W: int, generator: torch.Generator):
    """Top-left corners uniform over the positions where an ``h`` × ``w`` box fits in ``H`` × ``W``."""
    u = torch.rand(2, len(h), generator=generator, dtype=torch.float64)
    top = torch.minimum((u[0] * (H - h + 1)).floor().to(torch.int64), H - h)
    left = torch.minimum((u[1] * (W - w + 1)).floor().to(torch.int64), W - w)
    return top, left


def random_erasing(x: torch.Tensor, generator: torch.Generator, p: float = 0.5, *, scale=(0.02, 0.33),
                   ratio=(0.3, 3.3), value: float = 0.0) -> torch.Tensor:
    """torchvision's ``RandomErasing`` on a batch (N, C, H, W), each image independently: with probability
    ``p`` one rectangle of area fraction uniform in ``scale`` (side lengths rounded) and aspect ratio
    h/w log-uniform in ``ratio`` is set to ``value`` in every channel; up to 10 draws until it fits
    strictly inside the image, else the image is left as it is. Returns a new tensor."""
    if not torch.is_tensor(x) or x.ndim != 4 or not x.is_floating_point():
        raise ValueError(f"x must be a floating tensor (N, C, H, W), got {getattr(x, 'shape', type(x))}")
    p = _probability(p, "p")
    scale, ratio = _interval(scale, "scale"), _interval(ratio, "ratio")
    value = finite_float(value, "value")
    N, _, H, W = x.shape
    chosen = torch.rand(N, generator=generator) < p
    area, r = _boxes(N, H, W, generator, scale, ratio)
    h, w = torch.round(torch.sqrt(area * r)).to(torch.int64), torch.round(torch.sqrt(area / r)).to(torch.int64)
    h, w, found = _pick(h, w, (h < H) & (w < W))
    top, left = _place(h, w, H, W, generator)
    rows, cols = torch.arange(H), torch.arange(W)
    inside = (((rows[None] >= top[:, None]) & (rows[None] < (top + h)[:, None]))[:, :, None]
              & ((cols[None] >= left[:, None]) & (cols[None] < (left + w)[:, None]))[:, None, :])
    inside &= (chosen & found)[:, None, None]
    return x.masked_fill(inside[:, None], value)


def augment(images: torch.Tensor, generator: torch.Generator, mean, std, *, pad: int = 4, flip: bool = True,
            erase_p: float = 0.1) -> torch.Tensor:
    """The official CIFAR-10 training augmentation (``train_activation_gap.py``) of a batch:
    ``RandomCrop(H, padding=pad)`` with black (zero-pixel) padding, a horizontal flip with probability ½,
    normalisation, and :func:`random_erasing` with probability ``erase_p`` (0.1 in the official script;
    area 2–33 %, aspect ratio 0.3–3.3, erased to 0 after normalisation). ``images`` are uint8, or
    floating point in [0, 1]."""
    x = _unit_float(images)
    pad = non_negative_int(pad, "pad")
    erase_p = _probability(erase_p, "erase_p")
    N, C, H, W = x.shape
    if pad:
        padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (N,), generator=generator)
        dx = torch.randint(0, 2 * pad + 1, (N,), generator=generator)
        x = torch.stack([padded[i, :, dy[i] : dy[i] + H, dx[i] : dx[i] + W] for i in range(N)])
    if flip:
        mask = torch.rand(N, generator=generator) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(-1), x)
    return random_erasing(normalize(x, mean, std), generator, erase_p)


def random_resized_crop(images: torch.Tensor, generator: torch.Generator, size, *, scale=(0.08, 1.0),
                        ratio=(3 / 4, 4 / 3)) -> torch.Tensor:
    """torchvision's ``RandomResizedCrop(size, scale, ratio)`` on a batch, each image independently: a
    rectangle of area fraction uniform in ``scale`` and aspect ratio w/h log-uniform in ``ratio`` (side
    lengths rounded; up to 10 draws until it fits, else the central crop of the nearest allowed ratio),
    placed uniformly, resized to ``size`` (an int or (height, width)) by bilinear interpolation
    (half-pixel centres, no antialiasing). Returns floats in [0, 1] of shape ``(N, C, *size)``."""
    x = _unit_float(images)
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    try:
        size = tuple(positive_int(s, "size") for s in size)
    except TypeError:
        raise ValueError(f"size must be a positive integer or a pair of them, got {size!r}") from None
    if len(size) != 2:
        raise ValueError(f"size must be a positive integer or a pair of them, got {size!r}")
    scale, ratio = _interval(scale, "scale"), _interval(ratio, "ratio")
    N, _, H, W = x.shape
    area, r = _boxes(N, H, W, generator, scale, ratio)
    w, h = torch.round(torch.sqrt(area * r)).to(torch.int64), torch.round(torch.sqrt(area / r)).to(torch.int64)
    h, w, found = _pick(h, w, (h > 0) & (h <= H) & (w > 0) & (w <= W))
    # torchvision's fallback: the largest central crop whose aspect ratio is within ``ratio``
    if W / H < ratio[0]:
        fh, fw = int(round(W / ratio[0])), W
    elif W / H > ratio[1]:
        fh, fw = H, int(round(H * ratio[1]))
    else:
        fh, fw = H, W
    h, w = torch.where(found, h, fh), torch.where(found, w, fw)
    top, left = _place(h, w, H, W, generator)
    top, left = torch.where(found, top, (H - fh) // 2), torch.where(found, left, (W - fw) // 2)
    out = [torch.nn.functional.interpolate(x[i : i + 1, :, t : t + hh, s : s + ww], size=size, mode="bilinear",
                                           align_corners=False, antialias=False)
           for i, (t, s, hh, ww) in enumerate(zip(top.tolist(), left.tolist(), h.tolist(), w.tolist()))]
    return torch.cat(out).clamp_(0.0, 1.0) if out else x.new_zeros((0, x.shape[1], *size))


def _jitter_range(value, name: str, center: float, bound: tuple[float, float], clip: bool):
    """torchvision's ``ColorJitter`` argument: a number v → [center − v, center + v] (clipped at 0 when
    ``clip``), or a pair (lo, hi) within ``bound``; ``None`` when it is the identity."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a non-negative number or a pair (lo, hi), got {value!r}")
        lo, hi = center - float(value), center + float(value)
        lo = max(lo, 0.0) if clip else lo
    else:
        lo, hi = _interval(value, name, positive=False)
    if not bound[0] <= lo <= hi <= bound[1]:
        raise ValueError(f"{name} must lie within {bound} with lo <= hi, got ({lo}, {hi})")
    return None if lo == hi == center else (lo, hi)


def _gray(x: torch.Tensor) -> torch.Tensor:
    """ITU-R 601 luma (torchvision's ``rgb_to_grayscale``), (N, 1, H, W); one channel is its own gray."""
    if x.shape[1] == 1:
        return x
    return (0.2989 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)


def _blend(a: torch.Tensor, b: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    return (factor.view(-1, 1, 1, 1) * a + (1 - factor.view(-1, 1, 1, 1)) * b).clamp(0.0, 1.0)


def _rgb_to_hsv(x: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] → HSV in [0, 1] (hue as a fraction of a turn), as torchvision's ``_rgb2hsv``."""
    r, g, b = x.unbind(-3)
    maxc, minc = x.amax(-3), x.amin(-3)
    cr = maxc - minc
    s = cr / torch.where(cr == 0, 1.0, maxc)
    div = torch.where(cr == 0, 1.0, cr)
    h = torch.where(maxc == r, (g - b) / div, torch.where(maxc == g, 2.0 + (b - r) / div, 4.0 + (r - g) / div))
    return torch.stack((torch.remainder(h / 6.0, 1.0), s, maxc), -3)


def _hsv_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """HSV in [0, 1] → RGB in [0, 1], the inverse of :func:`_rgb_to_hsv` (torchvision's ``_hsv2rgb`` in
    closed form): channel ``c = v − v·s·clip(min(k, 4 − k), 0, 1)`` with ``k = (n + 6h) mod 6``, n = 5, 3, 1
    for R, G, B."""
    h, s, v = x.unsqueeze(-3).unbind(-4)  # each (..., 1, H, W)
    n = torch.tensor([5.0, 3.0, 1.0], dtype=x.dtype).view(3, 1, 1)
    k = torch.remainder(n + 6.0 * h, 6.0)
    return (v - v * s * torch.minimum(k, 4.0 - k).clamp(0.0, 1.0)).clamp(0.0, 1.0)


def _adjust(op: int, x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """One of ColorJitter's four operations with a factor per image: brightness (scale), contrast (blend
    with the image's mean gray), saturation (blend with its gray image), hue (a shift of H in HSV)."""
    if op == 0:
        return _blend(x, torch.zeros_like(x), factor)
    if op == 1:
        return _blend(x, _gray(x).mean((1, 2, 3), keepdim=True), factor)
    if x.shape[1] == 1:  # torchvision leaves one-channel images alone for saturation and hue
        return x
    if op == 2:
        return _blend(x, _gray(x), factor)
    hsv = _rgb_to_hsv(x.double())  # float64: the round trip is exact to ~1e-15
    hue = torch.remainder(hsv[:, 0] + factor.double().view(-1, 1, 1), 1.0)
    return _hsv_to_rgb(torch.cat([hue.unsqueeze(1), hsv[:, 1:]], 1)).to(x.dtype)


def color_jitter(images: torch.Tensor, generator: torch.Generator, brightness=0.0, contrast=0.0,
                 saturation=0.0, hue=0.0) -> torch.Tensor:
    """torchvision's ``ColorJitter(brightness, contrast, saturation, hue)`` on a batch of RGB (or one-channel)
    images, each image independently: factors uniform in [max(0, 1 − b), 1 + b] (or a given (lo, hi)) for
    brightness, contrast and saturation, a hue shift uniform in [−hue, hue] (``abs(hue) <= 0.5``, in turns), the four
    operations applied in a random order per image (the tensor formulas of torchvision: brightness scales,
    contrast blends with the mean gray, saturation with the gray image, hue shifts H in HSV; results
    clipped to [0, 1]). Zero arguments are the identity. Returns floats in [0, 1]."""
    x = _unit_float(images)
    if x.shape[1] not in (1, 3):
        raise ValueError(f"images must have 1 or 3 channels for colour jitter, got {x.shape[1]}")
    ranges = [_jitter_range(brightness, "brightness", 1.0, (0.0, math.inf), True),
              _jitter_range(contrast, "contrast", 1.0, (0.0, math.inf), True),
              _jitter_range(saturation, "saturation", 1.0, (0.0, math.inf), True),
              _jitter_range(hue, "hue", 0.0, (-0.5, 0.5), False)]
    N = x.shape[0]
    order = torch.rand(N, 4, generator=generator).argsort(1)
    factors = torch.rand(4, N, generator=generator, dtype=x.dtype)
    for step in range(4):
        for op, rng in enumerate(ranges):
            idx = torch.nonzero(order[:, step] == op).flatten()
            if rng is None or not len(idx):
                continue
            x = x.index_copy(0, idx, _adjust(op, x[idx], rng[0] + (rng[1] - rng[0]) * factors[op, idx]))
    return x


def augment_tiny_imagenet(images: torch.Tensor, generator: torch.Generator, mean, std, *, size=64,
                          scale=(0.7, 1.0), ratio=(3 / 4, 4 / 3), flip: bool = True, brightness=0.4,
                          contrast=0.4, saturation=0.4, hue=0.1, erase_p: float = 0.2) -> torch.Tensor:
    """The official Tiny-ImageNet training augmentation (``load_tiny`` of ``train_activation_gap.py``) of a
    batch: :func:`random_resized_crop` to ``size`` with area ``scale`` (0.7–1) and aspect ``ratio`` (¾–4/3),
    a horizontal flip with probability ½, :func:`color_jitter` (0.4, 0.4, 0.4, 0.1), normalisation by
    ``mean``/``std``, and :func:`random_erasing` with probability ``erase_p`` (0.2). ``images`` are uint8,
    or floating point in [0, 1]."""
    erase_p = _probability(erase_p, "erase_p")
    x = random_resized_crop(images, generator, size, scale=scale, ratio=ratio)
    if flip:
        mask = torch.rand(len(x), generator=generator) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(-1), x)
    x = color_jitter(x, generator, brightness, contrast, saturation, hue)
    return random_erasing(normalize(x, mean, std), generator, erase_p)


#: The training augmentations :func:`batch_fn` knows, by data set.
_RECIPES = {"cifar10": augment, "tiny_imagenet": augment_tiny_imagenet}


def batch_fn(splits: dict, batch_size: int, mean, std, *, train_augment: bool | str = True, device="cpu",
             **augment_kw):
    """A ``batch_fn(split, generator)`` over ``{"train": (images, labels), "val": (images, labels)}``:
    random batches, augmented for ``"train"``, normalised otherwise. ``train_augment`` is ``False`` (no
    augmentation), ``True`` or ``"cifar10"`` (:func:`augment`), or ``"tiny_imagenet"``
    (:func:`augment_tiny_imagenet`); ``augment_kw`` go to that function."""
    batch_size = positive_int(batch_size, "batch_size")
    if train_augment is True:
        train_augment = "cifar10"
    if train_augment is not False and not (isinstance(train_augment, str) and train_augment in _RECIPES):
        raise ValueError(f"train_augment must be False, True or one of {sorted(_RECIPES)}, got {train_augment!r}")
    recipe = _RECIPES.get(train_augment)
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
        x = (recipe(images[ix], gen, mean, std, **augment_kw) if split == "train" and recipe is not None
             else normalize(images[ix], mean, std))
        return x.to(device), labels[ix].to(device)

    def data_digest():  # every image and label of both splits and the settings: a checkpoint's data
        import hashlib

        h = hashlib.sha256(f"{batch_size}:{mean!r}:{std!r}:{train_augment!r}:{sorted(augment_kw.items())!r}".encode())
        for split in ("train", "val"):
            for t in splits[split]:
                t = torch.as_tensor(t).detach().cpu().contiguous().reshape(-1)
                h.update(f"{split}:{t.dtype}:{t.numel()}".encode())
                h.update(t.view(torch.uint8).numpy().tobytes())
        return h.hexdigest()

    draw.data_digest = data_digest
    return draw
