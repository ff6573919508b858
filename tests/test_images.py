import pickle

import numpy as np
import pytest
import torch

from glu_lib import images


def write_cifar(root, n_per_batch=4):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, n_per_batch).tolist()}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    return batch


def test_read_cifar10_real_format(tmp_path):
    last = write_cifar(tmp_path)
    x, y = images.read_cifar10(tmp_path, train=True)
    assert x.shape == (20, 3, 32, 32) and x.dtype == torch.uint8 and y.shape == (20,)
    xt, yt = images.read_cifar10(tmp_path, train=False)
    # channel-major rows: the first 1024 bytes are the red plane
    assert torch.equal(xt[0, 0].flatten(), torch.from_numpy(last[b"data"][0, :1024]))
    assert yt.tolist() == last[b"labels"]
    with pytest.raises(FileNotFoundError, match="download_cifar10"):
        images.read_cifar10(tmp_path / "nowhere")


def test_read_tiny_imagenet_real_format(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    for wnid in ("n01443537", "n01629819"):
        d = tmp_path / "train" / wnid / "images"
        d.mkdir(parents=True)
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(d / f"{wnid}_{i}.JPEG")
    (tmp_path / "val" / "images").mkdir(parents=True)
    Image.fromarray(np.full((64, 64, 3), 7, dtype=np.uint8)).save(tmp_path / "val" / "images" / "val_0.JPEG")
    (tmp_path / "val" / "val_annotations.txt").write_text("val_0.JPEG\tn01629819\t0\t0\t63\t63\n")
    x, y, classes = images.read_tiny_imagenet(tmp_path, "train")
    assert x.shape == (6, 3, 64, 64) and y.tolist() == [0, 0, 0, 1, 1, 1] and classes == ["n01443537", "n01629819"]
    xv, yv, _ = images.read_tiny_imagenet(tmp_path, "val")
    assert xv.shape == (1, 3, 64, 64) and yv.tolist() == [1] and abs(int(xv.float().mean()) - 7) <= 1
    with pytest.raises(ValueError):
        images.read_tiny_imagenet(tmp_path, "test")
    with pytest.raises(FileNotFoundError):
        images.read_tiny_imagenet(tmp_path / "missing")


def test_digits_images():
    d = images.digits_images(seed=0)
    x, y = d["train"]
    assert x.shape[1:] == (1, 8, 8) and x.dtype == torch.uint8 and int(x.max()) == 255
    assert len(y) + len(d["test"][1]) == 1797
    assert torch.equal(images.digits_images(seed=0)["test"][1], d["test"][1])


def test_augment_shapes_determinism_and_statistics():
    x = torch.full((64, 3, 32, 32), 128, dtype=torch.uint8)
    a = images.augment(x, torch.Generator().manual_seed(0), (0.5,) * 3, (0.25,) * 3)
    b = images.augment(x, torch.Generator().manual_seed(0), (0.5,) * 3, (0.25,) * 3)
    assert a.shape == (64, 3, 32, 32) and torch.equal(a, b)
    value = (128 / 255 - 0.5) / 0.25
    zero_pixels = (a == 0).float().mean().item()  # padding and erasing write 0
    assert 0.02 < zero_pixels < 0.5 and abs(a.max().item() - value) < 1e-5
    plain = images.augment(x, torch.Generator(), (0.5,) * 3, (0.25,) * 3, pad=0, flip=False, erase_p=0.0)
    assert torch.allclose(plain, torch.full_like(plain, value), atol=1e-5)
    with pytest.raises(ValueError):
        images.augment(x[0], torch.Generator(), (0.5,), (0.25,))


def test_batch_fn():
    d = images.digits_images(seed=0)
    draw = images.batch_fn({"train": d["train"], "val": d["test"]}, 16, (0.3,), (0.4,))
    xb, yb = draw("train", torch.Generator().manual_seed(0))
    assert xb.shape == (16, 1, 8, 8) and xb.dtype == torch.float32 and yb.shape == (16,)
    xv, _ = draw("val", torch.Generator().manual_seed(0))
    assert xv.shape == (16, 1, 8, 8)
