"""Property-based tests (hypothesis) of the data, training-schedule, preset and result helpers."""

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glu_lib import config, images, results, text
from glu_lib.notebook import sig
from glu_lib.train import TrainConfig, learning_rate

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.text(min_size=2, max_size=200), st.floats(0.05, 0.95))
def test_char_corpus_round_trip(s, frac):
    c = text.char_corpus(s, frac)
    ids = np.concatenate([c.train, c.val])
    assert len(ids) == len(s) and c.decode(ids) == s
    assert np.array_equal(c.encode(s), ids) and int(ids.max()) < c.vocab_size
    assert list(c.chars) == sorted(set(s))


@FAST
@given(st.integers(1, 500), st.integers(0, 50), st.floats(1e-5, 1.0), st.floats(0.0, 1.0), st.integers(0, 600))
def test_learning_rate_stays_in_its_band(max_iters, warmup, lr, min_frac, it):
    cfg = TrainConfig(max_iters=max_iters, lr=lr, min_lr=lr * min_frac, warmup_iters=warmup)
    r = learning_rate(it, cfg)
    assert 0 < r <= lr * (1 + 1e-12) and (it < warmup or r >= cfg.min_lr * (1 - 1e-12))
    if warmup <= it < max_iters:
        assert learning_rate(it + 1, cfg) <= r * (1 + 1e-12)  # non-increasing after the warmup


@FAST
@given(st.integers(1, 3), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_normalize_is_the_affine_map_of_the_scaled_image(c, n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, c, 3, 3), generator=g, dtype=torch.uint8)
    mean, std = torch.rand(c, generator=g).tolist(), (0.1 + torch.rand(c, generator=g)).tolist()
    y = images.normalize(x, mean, std)
    back = y * torch.tensor(std).view(1, -1, 1, 1) + torch.tensor(mean).view(1, -1, 1, 1)
    assert torch.allclose(back, x.float() / 255, atol=1e-5)
    assert torch.allclose(images.normalize(x.double() / 255, mean, std), y.double(), atol=1e-5)


@FAST
@given(st.integers(1, 4), st.integers(4, 12), st.integers(0, 2**31 - 1), st.floats(0.0, 1.0), st.booleans())
def test_augment_keeps_shape_and_values(c, size, seed, erase_p, flip):
    x = torch.randint(1, 256, (3, c, size, size), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)
    a = images.augment(x, torch.Generator().manual_seed(seed), (0.0,) * c, (1.0,) * c, pad=2, flip=flip,
                       erase_p=erase_p)
    assert a.shape == x.shape
    allowed = torch.cat([torch.zeros(1), torch.unique(x.float() / 255)])  # pixels moved, padded or erased
    assert bool(torch.isin(a, allowed).all())


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
                           lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids,
                                                                                        max_size=3), max_leaves=8)


@FAST
@given(st.dictionaries(st.text(min_size=1, max_size=5), json_values, max_size=4))
def test_freeze_thaw_round_trip(d):
    f = config.freeze(d)
    assert config.thaw(f) == config.thaw(d) and f == config.freeze(config.thaw(f))
    assert config.Preset("c", "smoke", d).as_dict() == {"chapter": "c", "scale": "smoke", **config.thaw(d)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.text(min_size=1, max_size=5), json_values, max_size=4),
       st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_+-]{0,10}", fullmatch=True))
def test_result_round_trip(tmp_path, data, name):
    results.save_result(name, data, config.preset("spectrum", "smoke"), tmp_path)
    assert results.load_result(name, tmp_path)["data"] == config.thaw(data)


@FAST
@given(st.floats(min_value=-1e300, max_value=1e300).filter(lambda v: v != 0), st.integers(1, 8))
def test_sig_keeps_the_leading_digits(x, digits):
    assert abs(float(sig(x, digits)) - x) <= abs(x) * 10 ** (1 - digits)
