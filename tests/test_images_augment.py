"""The official training augmentations (``train_activation_gap.py``) on batched tensors: CIFAR-10's random
crop with black padding, and Tiny-ImageNet's random resized crop, flip, colour jitter and random erasing."""

import math

import numpy as np
import pytest
import torch

from glu_lib import generalization, images

IMAGENET = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def gradient(n, H=64, W=64):
    """Channel 0: column / (W − 1), channel 1: row / (H − 1), channel 2: ½ (float64, exact under bilinear
    interpolation, so a resized crop's range gives its box)."""
    cols = torch.arange(W, dtype=torch.float64) / (W - 1)
    rows = torch.arange(H, dtype=torch.float64) / (H - 1)
    x = torch.stack([cols.expand(H, W), rows[:, None].expand(H, W), torch.full((H, W), 0.5, dtype=torch.float64)])
    return x.expand(n, 3, H, W).clone()


def boxes(out, H, W):
    """Width, height, left and top (in source pixels) of the crop each output image shows."""
    c0, c1 = out[:, 0].flatten(1), out[:, 1].flatten(1)
    w = (c0.amax(1) - c0.amin(1)) * (W - 1) + 1
    h = (c1.amax(1) - c1.amin(1)) * (H - 1) + 1
    return w, h, c0.amin(1) * (W - 1), c1.amin(1) * (H - 1)


def test_tiny_imagenet_recipe_shapes_dtypes_and_determinism():
    x = torch.randint(0, 256, (16, 3, 64, 64), generator=gen(5), dtype=torch.uint8)
    a = images.augment_tiny_imagenet(x, gen(0), *IMAGENET)
    assert a.shape == (16, 3, 64, 64) and a.dtype == torch.float32 and bool(torch.isfinite(a).all())
    assert torch.equal(a, images.augment_tiny_imagenet(x, gen(0), *IMAGENET))
    assert not torch.equal(a, images.augment_tiny_imagenet(x, gen(1), *IMAGENET))
    b = images.augment_tiny_imagenet(x.float() / 255, gen(0), *IMAGENET)  # floats in [0, 1]: the same
    assert torch.allclose(a, b, atol=1e-6)
    small = images.augment_tiny_imagenet(x, gen(0), *IMAGENET, size=(32, 48))
    assert small.shape == (16, 3, 32, 48)
    assert images.random_resized_crop(x[:0], gen(0), 8).shape == (0, 3, 8, 8)


def test_resized_crop_keeps_70_to_100_percent_of_the_area():
    H = W = 64
    out = images.random_resized_crop(gradient(400, H, W), gen(0), 64, scale=(0.7, 1.0))
    assert out.shape == (400, 3, 64, 64) and float(out.min()) >= 0 and float(out.max()) <= 1
    w, h, left, top = boxes(out, H, W)
    assert torch.allclose(w, w.round(), atol=1e-6) and torch.allclose(h, h.round(), atol=1e-6)  # whole pixels
    assert bool((left >= -1e-9).all() and (left + w <= W + 1e-6).all() and (top + h <= H + 1e-6).all())
    area = w * h / (H * W)
    slack = (w + h) / 2 / (H * W) + 1e-9  # rounding each side to whole pixels
    assert bool((area >= 0.7 - slack).all() and (area <= 1.0 + 1e-9).all())
    ratio = w / h  # aspect ratio w/h in [3/4, 4/3] up to rounding of the sides
    assert bool((ratio >= 0.75 * (1 - 1.5 / h.clamp(min=1))).all() and (ratio <= 4 / 3 * (1 + 1.5 / h)).all())
    assert float(area.min()) < 0.75 and float(area.max()) > 0.95  # the whole range is drawn
    assert float((left > 0).float().mean()) > 0.5  # placed at random, not in a corner
    assert bool((out[:, 2] == 0.5).all())  # a flat channel stays flat (bilinear, no overshoot)


def test_resized_crop_identity_and_fallback():
    x = gradient(3, 20, 30).float()
    same = images.random_resized_crop(x, gen(0), (20, 30), scale=(1.0, 1.0), ratio=(1.5, 1.5))
    assert torch.allclose(same, x, atol=1e-6)  # the whole image at its own size
    # no 3:1-to-4:1 box of 90-100 % of a square fits: torchvision's fallback, the central 3:1 crop
    out = images.random_resized_crop(gradient(2, 60, 60), gen(0), 60, scale=(0.9, 1.0), ratio=(3.0, 4.0))
    w, h, left, top = boxes(out, 60, 60)
    assert torch.allclose(w, torch.full_like(w, 60.0)) and torch.allclose(h, torch.full_like(h, 20.0))
    assert torch.allclose(top, torch.full_like(top, 20.0)) and torch.allclose(left, torch.zeros_like(left))


def test_tiny_imagenet_recipe_flips_half_of_the_images():
    ramp = (torch.arange(16, dtype=torch.uint8) * 16).repeat(300, 3, 16, 1)
    out = images.augment_tiny_imagenet(ramp, gen(0), (0.0,), (1.0,), size=16, scale=(1.0, 1.0), ratio=(1.0, 1.0),
                                       brightness=0, contrast=0, saturation=0, hue=0, erase_p=0)
    plain = ramp.float() / 255
    same = (out - plain).abs().flatten(1).amax(1) < 1e-6
    flipped = (out - plain.flip(-1)).abs().flatten(1).amax(1) < 1e-6
    assert bool((same ^ flipped).all()) and 0.4 < float(flipped.float().mean()) < 0.6
    kept = images.augment_tiny_imagenet(ramp, gen(0), (0.0,), (1.0,), size=16, scale=(1.0, 1.0), ratio=(1.0, 1.0),
                                        flip=False, brightness=0, contrast=0, saturation=0, hue=0, erase_p=0)
    assert torch.allclose(kept, plain, atol=1e-6)


def test_colour_jitter_zero_is_the_identity_and_hsv_round_trips():
    x = torch.rand(8, 3, 12, 12, generator=gen(3))
    assert torch.equal(images.color_jitter(x, gen(0)), x)
    assert torch.equal(images.color_jitter(x, gen(0), (1.0, 1.0), (1.0, 1.0), (1.0, 1.0), (0.0, 0.0)), x)
    assert torch.allclose(images._adjust(3, x, torch.zeros(8)), x, atol=1e-6)  # a hue shift by 0
    xd = x.double()
    assert torch.allclose(images._hsv_to_rgb(images._rgb_to_hsv(xd)), xd, atol=1e-12)
    assert torch.allclose(images._hsv_to_rgb(images._rgb_to_hsv(x)), x, atol=2e-6)  # float32 as well
    known = torch.tensor([1.0, 0.5, 0.0]).view(1, 3, 1, 1)  # orange: hue 30°, full saturation and value
    assert torch.allclose(images._rgb_to_hsv(known).flatten(), torch.tensor([30 / 360, 1.0, 1.0]))
    grey = torch.full((1, 3, 1, 1), 0.3)
    assert torch.allclose(images._rgb_to_hsv(grey).flatten(), torch.tensor([0.0, 0.0, 0.3]))
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    assert torch.allclose(images._adjust(3, red, torch.tensor([1 / 3])).flatten(), torch.tensor([0.0, 1.0, 0.0]),
                          atol=1e-6)  # a third of a turn: red -> green
    assert torch.allclose(images._adjust(3, grey, torch.tensor([0.5])), grey)  # grey has no hue


def test_colour_jitter_operations():
    x = torch.rand(6, 3, 10, 10, generator=gen(4)) * 0.6
    assert torch.allclose(images.color_jitter(x, gen(0), brightness=(1.5, 1.5)), x * 1.5)
    assert torch.allclose(images.color_jitter(x, gen(0), brightness=(2.0, 2.0)), (2 * x).clamp(max=1.0))
    gray = 0.2989 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    flat = images.color_jitter(x, gen(0), contrast=(0.0, 0.0))  # every pixel the image's mean gray
    assert torch.allclose(flat, gray.mean((1, 2)).view(-1, 1, 1, 1).expand_as(x), atol=1e-6)
    desat = images.color_jitter(x, gen(0), saturation=(0.0, 0.0))  # every channel the gray image
    assert torch.allclose(desat, gray.unsqueeze(1).expand_as(x), atol=1e-6)
    # brightness 0.4: factors uniform in [0.6, 1.4], one per image
    const = torch.full((400, 3, 2, 2), 0.5)
    f = images.color_jitter(const, gen(0), brightness=0.4)[:, 0, 0, 0] / 0.5
    assert float(f.min()) >= 0.6 - 1e-6 and float(f.max()) <= 1.4 + 1e-6
    assert float(f.min()) < 0.65 and float(f.max()) > 1.35 and abs(float(f.mean()) - 1) < 0.05
    # the order is drawn per image: brightness x2 then contrast 0 gives the mean gray of the clipped image,
    # contrast 0 then brightness x2 twice the mean gray
    img = torch.zeros(300, 3, 2, 2)
    img[:, :, 0, 0] = 0.8  # one bright pixel: clipping makes the two orders differ
    out = images.color_jitter(img, gen(0), brightness=(2.0, 2.0), contrast=(0.0, 0.0))[:, 0, 0, 0]
    luma = 0.2989 + 0.587 + 0.114  # the gray of a white pixel
    first_b = torch.isclose(out, torch.tensor(luma / 4))
    first_c = torch.isclose(out, torch.tensor(2 * 0.8 * luma / 4))
    assert bool((first_b ^ first_c).all()) and 0.35 < float(first_b.float().mean()) < 0.65
    one = images.color_jitter(x[:, :1], gen(0), 0.4, 0.4, 0.4, 0.1)  # one channel: saturation, hue skipped
    assert one.shape == (6, 1, 10, 10) and float(one.min()) >= 0 and float(one.max()) <= 1


def test_official_jitter_stays_in_range_and_changes_colours():
    x = torch.randint(0, 256, (32, 3, 16, 16), generator=gen(7), dtype=torch.uint8)
    out = images.color_jitter(x, gen(0), 0.4, 0.4, 0.4, 0.1)
    assert out.dtype == torch.float32 and float(out.min()) >= 0 and float(out.max()) <= 1
    assert float((out - x.float() / 255).abs().mean()) > 0.01
    assert torch.equal(out, images.color_jitter(x, gen(0), 0.4, 0.4, 0.4, 0.1))


def test_random_erasing_area_value_and_rate():
    x = torch.ones(400, 3, 64, 64)
    out = images.random_erasing(x, gen(0), 1.0, value=-3.0)
    erased = out == -3.0
    assert bool((erased.all(1) == erased.any(1)).all()) and bool(((out == 1) | erased).all())
    e = erased[:, 0]
    n = e.flatten(1).sum(1).double()
    rows, cols = e.any(2).sum(1), e.any(1).sum(1)
    assert bool((n == rows * cols).all())  # one rectangle
    frac = n / (64 * 64)
    slack = (rows + cols).double() / 2 / (64 * 64) + 1e-9
    assert bool((n > 0).all()) and bool((frac >= 0.02 - slack).all() and (frac <= 0.33 + slack).all())
    assert float(frac.min()) < 0.04 and float(frac.max()) > 0.3
    assert torch.equal(x, torch.ones_like(x))  # the input is not modified
    assert torch.equal(images.random_erasing(x, gen(0), 0.0), x)
    rate = (images.random_erasing(x, gen(1), 0.2) == 0).flatten(1).any(1).float().mean()
    assert 0.14 < float(rate) < 0.26
    tiny = images.augment_tiny_imagenet(torch.full((400, 3, 16, 16), 200, dtype=torch.uint8), gen(2),
                                        (0.0,), (1.0,), size=16, brightness=0, contrast=0, saturation=0, hue=0)
    assert 0.14 < float((tiny == 0).flatten(1).any(1).float().mean()) < 0.26  # erase_p = 0.2 by default


def test_cifar_recipe_pads_black_before_normalising():
    x = torch.full((64, 3, 32, 32), 128, dtype=torch.uint8)
    out = images.augment(x, gen(0), (0.5,) * 3, (0.25,) * 3, erase_p=0.0)
    value, black = (128 / 255 - 0.5) / 0.25, (0 - 0.5) / 0.25
    is_value, is_black = (out - value).abs() < 1e-5, (out - black).abs() < 1e-5
    assert bool((is_value | is_black).all()) and 0.02 < float(is_black.float().mean()) < 0.3
    dflt = images.augment(torch.full((400, 3, 8, 8), 200, dtype=torch.uint8), gen(1), (0.0,), (1.0,), pad=0,
                          flip=False)
    assert 0.06 < float((dflt == 0).flatten(1).any(1).float().mean()) < 0.15  # erase_p = 0.1 by default


def test_batch_fn_chooses_the_recipe():
    x = torch.randint(0, 256, (20, 3, 16, 16), generator=gen(0), dtype=torch.uint8)
    y = torch.arange(20) % 4
    splits = {"train": (x, y), "val": (x, y)}
    tiny = images.batch_fn(splits, 8, *IMAGENET, train_augment="tiny_imagenet", size=16)
    xb, yb = tiny("train", gen(0))
    g = gen(0)
    ix = torch.randint(20, (8,), generator=g)
    assert torch.equal(xb, images.augment_tiny_imagenet(x[ix], g, *IMAGENET, size=16)) and torch.equal(yb, y[ix])
    for flag in (True, "cifar10"):
        xc, _ = images.batch_fn(splits, 8, *IMAGENET, train_augment=flag)("train", gen(0))
        g = gen(0)
        ix = torch.randint(20, (8,), generator=g)
        assert torch.equal(xc, images.augment(x[ix], g, *IMAGENET))
    xv, _ = tiny("val", gen(0))
    assert torch.equal(xv, images.normalize(x[torch.randint(20, (8,), generator=gen(0))], *IMAGENET))
    with pytest.raises(ValueError, match="train_augment"):
        images.batch_fn(splits, 8, *IMAGENET, train_augment="svhn")


def test_image_splits_names_the_tiny_imagenet_recipe(tmp_path, monkeypatch):
    from PIL import Image

    root = tmp_path / "tiny-imagenet-200"
    d = root / "train" / "n01" / "images"
    d.mkdir(parents=True)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(d / "a.JPEG")
    (root / "val" / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(root / "val" / "images" / "v.JPEG")
    (root / "val" / "val_annotations.txt").write_text("v.JPEG\tn01\t0\t0\t63\t63\n")
    monkeypatch.setenv("GLU_DATA_DIR", str(tmp_path))
    splits, mean, std, size, channels, classes, aug = generalization.image_splits("tiny_imagenet")
    assert (size, channels, classes, aug) == (64, 3, 1, "tiny_imagenet") and mean == IMAGENET[0]


@pytest.mark.parametrize("call, match", [
    (lambda x: images.random_resized_crop(x, gen(), 0), "size"),
    (lambda x: images.random_resized_crop(x, gen(), (8, 8, 8)), "size"),
    (lambda x: images.random_resized_crop(x, gen(), 8, scale=(0.9, 0.1)), "scale"),
    (lambda x: images.random_resized_crop(x, gen(), 8, ratio=(0.0, 1.0)), "ratio"),
    (lambda x: images.random_resized_crop(x[0], gen(), 8), "expected a batch"),
    (lambda x: images.random_resized_crop(x.float() + 2, gen(), 8), r"\[0, 1\]"),
    (lambda x: images.color_jitter(x, gen(), brightness=-0.1), "brightness"),
    (lambda x: images.color_jitter(x, gen(), contrast=(2.0, 1.0)), "contrast"),
    (lambda x: images.color_jitter(x, gen(), saturation="a lot"), "saturation"),
    (lambda x: images.color_jitter(x, gen(), hue=0.6), "hue"),
    (lambda x: images.color_jitter(x[:, :2], gen(), 0.4), "channels"),
    (lambda x: images.random_erasing(x, gen(), 0.5), "floating"),
    (lambda x: images.random_erasing(x.float(), gen(), 1.5), "p must"),
    (lambda x: images.random_erasing(x.float(), gen(), 0.5, scale=(0.5, 0.2)), "scale"),
    (lambda x: images.random_erasing(x.float(), gen(), 0.5, value=math.nan), "value"),
    (lambda x: images.augment_tiny_imagenet(x, gen(), (0.0,), (1.0,), erase_p=-0.1), "erase_p"),
    (lambda x: images.augment_tiny_imagenet(x, gen(), (0.0, 0.0), (1.0,)), "mean"),
])
def test_bad_arguments_name_the_argument(call, match):
    x = torch.zeros(2, 3, 8, 8, dtype=torch.uint8)
    with pytest.raises(ValueError, match=match):
        call(x)
