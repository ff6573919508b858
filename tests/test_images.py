import hashlib
import io
import pickle
import tarfile

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


def md5s(root):
    folder = root / "cifar-10-batches-py"
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_read_cifar10_real_format(tmp_path):
    last = write_cifar(tmp_path)
    x, y = images.read_cifar10(tmp_path, train=True, checksums=md5s(tmp_path))
    assert x.shape == (20, 3, 32, 32) and x.dtype == torch.uint8 and y.shape == (20,)
    xt, yt = images.read_cifar10(tmp_path, train=False, checksums=md5s(tmp_path))
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
    value, black = (128 / 255 - 0.5) / 0.25, (0 - 0.5) / 0.25  # padding is black, erasing writes 0
    kinds = [(a - v).abs() < 1e-5 for v in (value, black, 0.0)]
    assert bool((kinds[0] | kinds[1] | kinds[2]).all()) and 0.02 < kinds[1].float().mean().item() < 0.3
    assert 0 < kinds[2].float().mean().item() < 0.1
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


def test_cifar_files_are_verified_before_unpickling(tmp_path):
    write_cifar(tmp_path)
    with pytest.raises(ValueError, match=r"data_batch_1 has MD5 .* expected c99cafc1"):
        images.read_cifar10(tmp_path)  # not the official files
    folder = tmp_path / "cifar-10-batches-py"

    class Hostile:
        def __reduce__(self):
            return (print, ("code ran",))

    (folder / "test_batch").write_bytes(pickle.dumps({b"data": Hostile(), b"labels": []}))
    with pytest.raises(ValueError, match=r"test_batch is not a readable CIFAR-10 batch.*refusing to load"):
        images.read_cifar10(tmp_path, train=False, checksums=md5s(tmp_path))  # even with a matching checksum


@pytest.mark.parametrize("content", [b"", b"\x80\x04garbage", pickle.dumps([1, 2]),
                                     pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}),
                                     pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [10]}),
                                     pickle.dumps({b"data": np.zeros((1, 100), np.uint8), b"labels": [1]})])
def test_inconsistent_cifar_batches_name_the_file(tmp_path, content):
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(content)
    with pytest.raises(ValueError, match="test_batch"):
        images.read_cifar10(tmp_path, train=False, checksums=md5s(tmp_path))


def _tar(path, members):
    with tarfile.open(path, "w:gz") as t:
        for name, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                t.addfile(info)
            else:
                info.size = 2
                t.addfile(info, io.BytesIO(b"ok"))


@pytest.mark.parametrize("python_filter", [True, False])
@pytest.mark.parametrize("member", [("../evil.txt", "file"), ("/tmp/abs_evil.txt", "file"), ("a/link", "link")])
def test_archives_cannot_write_outside_their_folder(tmp_path, monkeypatch, python_filter, member):
    if not python_filter:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)  # an older Python: the checks by hand
    archive = tmp_path / "a.tar.gz"
    _tar(archive, [("a/fine.txt", "file"), member])
    (tmp_path / "out").mkdir()
    if member[0].startswith("/") and python_filter:  # Python's filter unpacks it inside the folder instead
        images._safe_extract(archive, tmp_path / "out")
        assert (tmp_path / "out" / member[0].lstrip("/")).exists()
    else:
        with pytest.raises(ValueError, match="a.tar.gz"):
            images._safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "a" / "link").exists()
    _tar(archive, [("a/fine.txt", "file")])
    images._safe_extract(archive, tmp_path / "out")
    assert (tmp_path / "out" / "a" / "fine.txt").read_bytes() == b"ok"


def test_download_cifar10_checks_and_unpacks(tmp_path, monkeypatch):
    src = tmp_path / "src"
    write_cifar(src)
    archive = tmp_path / "c.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        t.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    payload = archive.read_bytes()
    monkeypatch.setattr(images.urllib.request, "urlopen", lambda *a, **k: io.BytesIO(payload))
    with pytest.raises(ValueError, match="wrong MD5"):
        images.download_cifar10(tmp_path / "dl")
    monkeypatch.setattr(images, "_CIFAR_MD5", hashlib.md5(payload).hexdigest())
    root = images.download_cifar10(tmp_path / "dl2")
    assert images.read_cifar10(root, train=False, checksums=md5s(src))[0].shape == (4, 3, 32, 32)


def _tiny(tmp_path, annotations):
    from PIL import Image

    d = tmp_path / "train" / "n01443537" / "images"
    d.mkdir(parents=True)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(d / "a.JPEG")
    (tmp_path / "val" / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "val" / "images" / "v.JPEG")
    if annotations is not None:
        (tmp_path / "val" / "val_annotations.txt").write_text(annotations)


@pytest.mark.parametrize("annotations, match", [
    ("v.JPEG\tn99\t0\t0\t63\t63\n", r"val_annotations.txt, line 1: class 'n99'"),
    ("v.JPEG\n", r"val_annotations.txt, line 1: expected"),
    (None, r"val_annotations.txt not found"),
    ("gone.JPEG\tn01443537\n", r"image .*gone.JPEG is missing"),
])
def test_tiny_imagenet_errors_name_the_file(tmp_path, annotations, match):
    _tiny(tmp_path, annotations)
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        images.read_tiny_imagenet(tmp_path, "val")


def test_tiny_imagenet_truncated_or_odd_images(tmp_path):
    from PIL import Image

    _tiny(tmp_path, "v.JPEG\tn01443537\n")
    img = tmp_path / "train" / "n01443537" / "images" / "a.JPEG"
    img.write_bytes(img.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"a.JPEG is missing, truncated or unreadable"):
        images.read_tiny_imagenet(tmp_path, "train")
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(img)
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(img.parent / "b.JPEG")
    with pytest.raises(ValueError, match=r"b.JPEG has size"):
        images.read_tiny_imagenet(tmp_path, "train")


def test_normalize_scales_uint8_once():
    x = torch.randint(0, 256, (3, 3, 4, 4), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    a = images.normalize(x, CIFAR := images.CIFAR10_MEAN, images.CIFAR10_STD)
    b = images.normalize(x.float() / 255, CIFAR, images.CIFAR10_STD)  # float in [0, 1]: not divided again
    assert torch.allclose(a, b)
    assert torch.allclose(images.normalize(x.double() / 255, (0.0,), (1.0,)), x.double() / 255)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        images.normalize(x.float(), CIFAR, images.CIFAR10_STD)  # 0-255 floats
    with pytest.raises(ValueError, match="mean"):
        images.normalize(x, (0.5, 0.5), (0.2,))
    with pytest.raises(ValueError, match="std"):
        images.normalize(x, (0.5,), (0.0,))
    with pytest.raises(ValueError, match="uint8"):
        images.normalize(x.long(), (0.5,), (0.2,))


def test_augment_flips_half_of_the_images():
    ramp = torch.arange(8, dtype=torch.uint8).repeat(256, 1, 8, 1) * 30  # left-right asymmetric
    out = images.augment(ramp, torch.Generator().manual_seed(0), (0.0,), (1.0,), pad=0, erase_p=0.0)
    plain = images.normalize(ramp, (0.0,), (1.0,))
    same = (out == plain).flatten(1).all(1)
    flipped = (out == plain.flip(-1)).flatten(1).all(1)
    assert bool((same ^ flipped).all())  # each image is itself or its mirror image
    assert 0.4 < flipped.float().mean().item() < 0.6
    kept = images.augment(ramp, torch.Generator().manual_seed(0), (0.0,), (1.0,), pad=0, flip=False, erase_p=0.0)
    assert torch.equal(kept, plain)


def test_augment_erases_one_rectangle_of_2_to_33_percent():
    x = torch.full((200, 3, 32, 32), 200, dtype=torch.uint8)
    out = images.augment(x, torch.Generator().manual_seed(0), (0.0,) * 3, (1.0,) * 3, pad=0, flip=False, erase_p=1.0)
    zero = out == 0
    assert bool((zero.all(1) == zero.any(1)).all())  # all channels erased together
    area = zero[:, 0].flatten(1).float().mean(1)
    assert float(area.min()) >= 0.015 and float(area.max()) <= 0.34 and (area > 0).float().mean() > 0.95
    rows, cols = zero[:, 0].any(2), zero[:, 0].any(1)
    assert bool((zero[:, 0].flatten(1).sum(1) == rows.sum(1) * cols.sum(1)).all())  # a rectangle
    half = images.augment(x, torch.Generator().manual_seed(1), (0.0,) * 3, (1.0,) * 3, pad=0, flip=False)
    assert 0.05 < (half == 0).flatten(1).any(1).float().mean().item() < 0.16  # erase_p = 0.1 by default
    with pytest.raises(ValueError, match="erase_p"):
        images.augment(x, torch.Generator(), (0.0,), (1.0,), erase_p=1.5)
    with pytest.raises(ValueError, match="pad"):
        images.augment(x, torch.Generator(), (0.0,), (1.0,), pad=-1)


def test_batch_fn_checks_its_splits():
    d = images.digits_images(seed=0)
    with pytest.raises(ValueError, match="'val'"):
        images.batch_fn({"train": d["train"], "test": d["test"]}, 16, (0.3,), (0.4,))
    with pytest.raises(ValueError, match="as many labels"):
        images.batch_fn({"train": d["train"], "val": (d["test"][0], d["test"][1][:3])}, 16, (0.3,), (0.4,))
