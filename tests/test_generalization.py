import math

import numpy as np
import pytest
import torch
from scipy.stats import energy_distance as scipy_ed

from glu_lib import generalization as gen
from glu_lib.train import TrainConfig, make_optimizer, train


def test_energy_distance_properties():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 2))
    assert gen.energy_distance(A, A) == pytest.approx(0.0, abs=1e-12)
    assert gen.energy_distance(A, A + 3) > gen.energy_distance(A, A + 1) > 0
    # 1-D points agree with scipy's energy distance, the square root of ours
    a, b = rng.standard_normal(30), rng.standard_normal(25) + 0.5
    assert np.sqrt(gen.energy_distance(a, b)) == pytest.approx(scipy_ed(a, b), rel=1e-10)


def test_energy_test_same_vs_shifted():
    rng = np.random.default_rng(1)
    same = [gen.energy_test(rng.standard_normal((30, 2)), rng.standard_normal((30, 2)), 200, seed=s)[1]
            for s in range(5)]
    assert np.mean(same) > 0.2
    _, p = gen.energy_test(rng.standard_normal((30, 2)), rng.standard_normal((30, 2)) + 1.5, 200, seed=0)
    assert p == pytest.approx(1 / 201)
    A, B = rng.standard_normal((5, 2)), rng.standard_normal((5, 2)) + 2
    assert gen.energy_test(A, B, 100, seed=3) == gen.energy_test(A, B, 100, seed=3)


def test_energy_tests_are_one_sided():
    # identical groups: the observed statistic is the smallest possible, so a one-sided test gives
    # p near 1; a two-sided test would call it significant
    rng = np.random.default_rng(2)
    A = rng.standard_normal((12, 2))
    assert gen.energy_test(A, A.copy(), 300, seed=0)[1] > 0.9
    runs = [rng.standard_normal((5, 2)) for _ in range(4)]
    res = gen.run_energy_test([(runs, [r.copy() for r in runs])])
    assert res.exact and res.p > 0.9


def test_paper_test_mixes_the_coordinates():
    # two clouds that differ only by swapping coordinates: the official 1-D test on flattened
    # points cannot see it, the 2-D test can
    rng = np.random.default_rng(3)
    A = np.column_stack([rng.normal(2.0, 0.1, 30), rng.normal(0.1, 0.02, 30)])
    B = A[:, ::-1].copy()
    stat, p_paper = gen.paper_energy_test(A, B, 500, seed=0)
    assert stat == pytest.approx(scipy_ed(A.flatten(), B.flatten()))
    assert p_paper == 1.0
    assert gen.energy_test(A, B, 500, seed=0)[1] < 0.01
    # hits / n: a clear difference gives p = 0 exactly (the book's tests never give 0)
    assert gen.paper_energy_test(A, A + 5, 100, seed=0)[1] == 0.0


def test_run_energy_test_exact_counts_and_pmin():
    rng = np.random.default_rng(4)
    mk = lambda n, shift=0.0: [rng.standard_normal((6, 2)) + shift for _ in range(n)]  # noqa: E731
    r22 = gen.run_energy_test([(mk(2), mk(2, 5.0))])
    assert (r22.n_relabellings, r22.exact) == (6, True)
    # the split and its mirror image give the same statistic: 2 runs against 2 never go below 1/3
    assert r22.p == pytest.approx(1 / 3) and r22.p_min == pytest.approx(1 / 3)
    r33 = gen.run_energy_test([(mk(3), mk(3, 5.0))])
    assert r33.n_relabellings == 20 and r33.p == pytest.approx(0.1) == r33.p_min
    r44 = gen.run_energy_test([(mk(4), mk(4, 5.0))])
    assert r44.n_relabellings == 70 and r44.p == pytest.approx(1 / 35) == r44.p_min
    strat = gen.run_energy_test([(mk(2), mk(2, 5.0)), (mk(2), mk(2, 5.0)), (mk(2), mk(2, 5.0))])
    assert strat.n_relabellings == 216 and strat.p == pytest.approx(8 / 216) == strat.p_min
    rnd = gen.run_energy_test([(mk(5), mk(5, 5.0))], n_permutations=100, seed=1)
    assert not rnd.exact and rnd.p < 0.06 and rnd.p_min == pytest.approx(1 / 101)
    with pytest.raises(ValueError, match="pairs"):
        gen.run_energy_test([])
    with pytest.raises(ValueError, match="same dimension"):
        gen.run_energy_test([([np.ones((3, 2))], [np.ones((3, 3))])])


def _pointwise(a, b, seed):
    return gen.energy_test(np.concatenate(a), np.concatenate(b), 200, seed)[1]


def _runlevel(a, b, seed):
    return gen.run_energy_test([(a, b)], 200, seed).p


def _paper(a, b, seed):
    return gen.paper_energy_test(np.concatenate(a), np.concatenate(b), 200, seed)[1]


def test_null_rejection_rates():
    kw = dict(n_runs=4, n_evals=25, run_sd=0.2, eval_sd=0.01)
    assert gen.rejection_rate(_runlevel, 100, seed=0, **kw) <= 0.1
    # permuting single evaluations of dependent runs rejects a true null far too often
    assert gen.rejection_rate(_pointwise, 40, seed=0, **kw) >= 0.2
    assert gen.rejection_rate(_paper, 40, seed=0, **kw) >= 0.3
    assert gen.rejection_rate(_runlevel, 30, seed=0, **(kw | dict(shift=1.0))) >= 0.9
    with pytest.raises(ValueError, match="alpha"):
        gen.rejection_rate(_runlevel, 2, alpha=1.5, **kw)
    with pytest.raises(ValueError, match="run_sd"):
        gen.simulate_null_clouds(2, 3, np.random.default_rng(0), run_sd=-1)


def test_cloud_and_matched_gap():
    h = {"train_loss": [2.0, 1.0, 0.5, 0.25], "val_loss": [2.1, 1.2, 0.8, 0.65]}
    c = gen.cloud(h)
    np.testing.assert_allclose(c, [[1.0, 0.2], [0.5, 0.3], [0.25, 0.4]])
    np.testing.assert_allclose(gen.gap_at_matched_loss(c, [0.75, 0.3]), [0.25, 0.38])
    assert np.isnan(gen.gap_at_matched_loss(c, [5.0])[0])


def test_gap_difference_ci():
    base = np.array([[1.0, 0.1], [0.5, 0.2], [0.2, 0.3]])
    a = [base + [0, 0.01 * i] for i in range(4)]
    b = [base + [0, 0.1 + 0.01 * i] for i in range(4)]
    res = gen.gap_difference_ci(a, b)
    assert res.difference == pytest.approx(0.1) and res.low > 0.05 and res.low <= 0.1 <= res.high
    assert res.detectable > 0 and res.grid == (0.2, 1.0)
    with pytest.raises(ValueError, match="no range"):
        gen.gap_difference_ci([base, base], [base + [5, 0], base + [5, 0]])
    with pytest.raises(ValueError, match="at least 2 runs"):
        gen.gap_difference_ci([base], [base, base])


def test_gap_difference_weights_runs_equally():
    # run a2 covers only high losses; the grid is the range every run covers, so both runs of A
    # count fully (the old grid from the lowest loss dropped a2 at low losses and weighted a1 more)
    a1 = np.array([[1.0, 0.0], [0.6, 0.0], [0.2, 0.0]])
    a2 = np.array([[1.0, 1.0], [0.5, 1.0]])
    b = [np.array([[1.0, 0.5], [0.2, 0.5]])] * 2
    res = gen.gap_difference_ci([a1, a2], b, n_grid=7)
    assert res.grid == (0.5, 1.0)
    assert res.difference == pytest.approx(0.0, abs=1e-12)


def test_gap_interval_coverage_and_power():
    rng = np.random.default_rng(5)
    kw = dict(n_runs=4, n_evals=10, run_sd=0.05, eval_sd=0.01)
    covered, det = [], []
    for _ in range(400):
        a, b = gen.simulate_null_clouds(rng=rng, **kw)
        r = gen.gap_difference_ci(a, b)
        covered.append(r.low <= 0 <= r.high)
        det.append(r.detectable)
    assert 0.92 <= np.mean(covered) <= 0.98
    shift = float(np.median(det))
    hits = []
    for _ in range(200):
        a, b = gen.simulate_null_clouds(rng=rng, shift=shift, **kw)
        r = gen.gap_difference_ci(a, b)
        hits.append(r.low > 0 or r.high < 0)
    assert 0.65 <= np.mean(hits) <= 0.95  # about 80 % power at the detectable effect


def test_mnist5k_split():
    splits, mean, std, size, channels, classes, aug = gen.image_splits("mnist5k", seed=0)
    (xt, yt), (xv, yv) = splits["train"], splits["val"]
    assert xt.shape == (4000, 1, 28, 28) and xv.shape == (1000, 1, 28, 28) and xt.dtype == torch.uint8
    assert (size, channels, classes, aug) == (28, 1, 10, False)
    assert torch.bincount(yv).tolist() == [100] * 10
    again = gen.image_splits("mnist5k", seed=0)[0]
    assert torch.equal(again["val"][1], yv)
    assert not torch.equal(gen.image_splits("mnist5k", seed=1)[0]["val"][0], xv)


def test_decay_all_and_eval_fn():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4), torch.nn.Linear(4, 2))
    cfg = TrainConfig(optimizer="sgd", weight_decay=0.1, decay_all=True)
    groups = make_optimizer(model, cfg).param_groups
    assert len(groups) == 1 and groups[0]["weight_decay"] == 0.1
    assert len(groups[0]["params"]) == len(list(model.parameters()))
    default = make_optimizer(model, TrainConfig(optimizer="sgd", weight_decay=0.1)).param_groups
    assert [g["weight_decay"] for g in default] == [0.1, 0.0]

    def batch_fn(split, g):
        x = torch.randn(8, 3, generator=g)
        return x, (x[:, 0] > 0).long()

    calls = []

    def eval_fn(m):
        calls.append(1)
        return {"train": 1.0 * len(calls), "val": 2.0 * len(calls)}

    h = train(model, TrainConfig(max_iters=4, eval_interval=2, ckpt_interval=0), batch_fn,
              lambda m, x, y: torch.nn.functional.cross_entropy(m(x), y), eval_fn=eval_fn)
    assert h["train_loss"] == [1.0, 2.0, 3.0] and h["val_loss"] == [2.0, 4.0, 6.0]


def test_full_set_eval_is_the_mean_over_images():
    torch.manual_seed(0)
    x = torch.randint(0, 256, (7, 1, 4, 4), dtype=torch.uint8)
    y = torch.randint(0, 3, (7,))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    ev = gen.full_set_eval({"train": (x, y), "val": (x[:3], y[:3])}, (0.5,), (0.25,), batch_size=3)(model)
    from glu_lib.images import normalize

    with torch.no_grad():
        want = float(torch.nn.functional.cross_entropy(model(normalize(x, (0.5,), (0.25,))), y))
    assert ev["train"] == pytest.approx(want, rel=1e-6)


def test_stored_names():
    assert gen.stored_name("gpt", "adamw", "relu", 1) == "gpt_cpu_relu_seed1"
    assert gen.stored_name("gpt", "sgd", "reglu", 0) == "gpt_cpu_sgd_reglu_seed0"
    assert gen.stored_name("vit", "sgd", "relu", 2) == "gen_mnist5k_vit_sgd_relu_seed2"


def test_train_run_errors():
    with pytest.raises(ValueError, match="unknown model family"):
        gen.train_run("resnet", "relu", "sgd", {"model": {}, "batch_size": 4}, {"sgd": {}})
    with pytest.raises(ValueError, match="unknown image data"):
        gen.image_splits("mnist")
    assert math.isfinite(gen.energy_distance([0.0, 1.0], [2.0, 3.0]))


def test_sgd_gpt_variant():
    from glu_lib.runs import GPT_RECIPES, gpt_recipe

    mcfg, tcfg, batch = gpt_recipe("cpu_sgd", "relu", 65, seed=1)
    ref = gpt_recipe("cpu", "relu", 65, seed=1)
    assert (mcfg, batch) == (ref[0], ref[2])
    assert (tcfg.optimizer, tcfg.lr, tcfg.max_iters, tcfg.momentum) == ("sgd", 0.3, 2000, 0.9)
    assert "cpu_sgd" not in GPT_RECIPES


def test_pooled_difference():
    g = [gen.GapDifference(0.1, 0, 0.2, 0.05, 5, 0.1, (0, 1), 0.2),
         gen.GapDifference(0.4, 0, 0.8, 0.10, 5, 0.3, (0, 1), 0.2)]
    mean, lo, hi = gen.pooled_difference(g)
    assert mean == pytest.approx((0.1 / 0.0025 + 0.4 / 0.01) / (1 / 0.0025 + 1 / 0.01))
    assert hi - lo == pytest.approx(2 * 1.959964 / np.sqrt(1 / 0.0025 + 1 / 0.01), rel=1e-5)
    with pytest.raises(ValueError, match="se > 0"):
        gen.pooled_difference([])


def test_train_gpt_accepts_the_sgd_variant(monkeypatch):
    """The queue of chapter 6 trains ``cpu_sgd`` runs through ``train_gpt``; the recipe check
    used to accept only ``GPT_RECIPES`` and refused it."""
    from glu_lib import runs

    seen = {}

    def fake_train(model, tcfg, batches, loss, ckpt_path=None, progress=False):
        seen["cfg"] = tcfg
        seen["ckpt"] = ckpt_path
        return {"val_loss": [1.0]}

    monkeypatch.setattr(runs, "train", fake_train)
    out = runs.train_gpt("relu", "cpu_sgd", ckpt_dir="ck", seed=3)
    assert (seen["cfg"].optimizer, seen["cfg"].lr, out["recipe"]) == ("sgd", 0.3, "cpu_sgd")
    assert seen["ckpt"].name == "gpt_cpu_sgd_relu_seed3.pt"


def _paper_test_loop(A, B, masks):
    """The official script's loop (scipy's 1-D energy distance of flattened points) on given relabellings."""
    pooled = np.concatenate([A, B])
    obs = scipy_ed(A.flatten(), B.flatten())
    return sum(scipy_ed(pooled[m].flatten(), pooled[~m].flatten()) >= obs for m in masks) / len(masks)


def test_vectorised_paper_test_equals_the_official_loop():
    rng = np.random.default_rng(11)
    for shift in (0.0, 0.05, 0.3):
        A = np.column_stack([rng.normal(1.0, 0.3, 12), rng.normal(0.1, 0.05, 12)])
        B = np.column_stack([rng.normal(1.0, 0.3, 9), rng.normal(0.1 + shift, 0.05, 9)])
        masks = gen._permutation_masks(np.random.default_rng(5), 21, 12, 300)
        assert gen.paper_energy_test(A, B, 300, seed=5)[1] == _paper_test_loop(A, B, masks)
        # the single-point 2-D test counts the same relabellings
        D = gen.cdist(np.concatenate([A, B]), np.concatenate([A, B]))
        obs = gen.energy_distance(A, B)
        loop = sum(gen._energy_from(D, np.flatnonzero(m), np.flatnonzero(~m)) >= obs - 1e-12 * obs for m in masks)
        assert gen.energy_test(A, B, 300, seed=5)[1] == pytest.approx((1 + loop) / 301)


def test_run_energy_test_random_relabellings_match_a_loop():
    rng = np.random.default_rng(12)
    a = [rng.standard_normal((4, 2)) for _ in range(6)]
    b = [rng.standard_normal((4, 2)) + 0.4 for _ in range(6)]
    res = gen.run_energy_test([(a, b)], n_permutations=200, seed=3)
    sums, counts, na = gen._run_blocks(a, b)
    masks = gen._permutation_masks(np.random.default_rng(3), 12, 6, 200)
    loop = sum(gen._split_statistic(sums, counts, m) >= res.statistic * (1 - 1e-12) for m in masks)
    assert not res.exact and res.p == pytest.approx((1 + loop) / 201)


def test_calibrated_null_and_its_law():
    rng = np.random.default_rng(13)
    a, b = gen.simulate_null_clouds(200, 6, rng, loss_sd=0.1, gap_sd=0.02, eval_sd=0.0)
    L = np.array([c[:, 0] for c in a + b])
    G = np.array([c[:, 1] for c in a + b])
    # u multiplies the whole training loss: its relative SD is loss_sd at every evaluation
    np.testing.assert_allclose(L.std(0) / L.mean(0), 0.1, rtol=0.15)
    cal = gen.calibrate_null([a[:100], b[:100], a[100:]])
    assert cal.groups == 3 and cal.loss_sd == pytest.approx(0.1, rel=0.2)
    assert cal.eval_sd < 0.005  # the curvature of the trend alone
    noisy = gen.simulate_null_clouds(50, 26, rng, loss_sd=0.1, gap_sd=0.02, eval_sd=0.02)
    assert gen.calibrate_null(noisy).eval_sd == pytest.approx(0.02, rel=0.15)
    # the mean gap moves with v and, through 0.1·L_S, with u
    assert cal.gap_sd == pytest.approx(np.sqrt(0.02**2 + (0.1 * L.mean() * 0.1) ** 2), rel=0.25)
    assert np.isfinite(G).all()
    with pytest.raises(ValueError, match="at least 2 runs"):
        gen.calibrate_null([[a[0]]])
    with pytest.raises(ValueError, match="loss_sd"):
        gen.simulate_null_clouds(2, 3, rng, loss_sd=-0.1)


def test_holm_adjustment():
    adj = gen.holm([0.01, 0.04, 0.03, 0.5])
    np.testing.assert_allclose(adj, [0.04, 0.09, 0.09, 0.5])
    assert gen.holm([0.3])[0] == 0.3 and gen.holm([0.6, 0.6])[1] == 1.0
    with pytest.raises(ValueError, match="pvalues"):
        gen.holm([0.1, 1.5])
    assert gen.monte_carlo_error(0.05, 1000) == pytest.approx(np.sqrt(0.05 * 0.95 / 1000))


def _gd(d, se):
    return gen.GapDifference(d, d - 2 * se, d + 2 * se, se, 6.0, 3 * se, (0.0, 1.0), 0.1)


def test_random_effects_pool_is_wider_than_the_fixed_one_when_comparisons_disagree():
    same = [_gd(0.01, 0.01), _gd(0.012, 0.01), _gd(0.008, 0.01)]
    r = gen.random_effects_pool(same)
    assert r.tau == 0.0 and r.mean == pytest.approx(0.01)
    spread = [_gd(0.05, 0.005), _gd(-0.03, 0.005), _gd(0.01, 0.005), _gd(0.02, 0.005)]
    fixed = gen.pooled_difference(spread)
    rand = gen.random_effects_pool(spread)
    assert rand.tau > 0.02 and fixed[1] > 0  # the fixed pool excludes 0 ...
    assert rand.low < 0 < rand.high  # ... the random-effects pool does not
    # Hartung-Knapp: with tau = 0 and equal se the half-width is t_{k-1} * sd(d) / sqrt(k)
    d = np.array([0.01, 0.012, 0.008])
    assert r.high - r.mean == pytest.approx(stats_t(0.975, 2) * d.std(ddof=1) / np.sqrt(3), rel=1e-9)
    with pytest.raises(ValueError, match="two GapDifference"):
        gen.random_effects_pool(same[:1])


def stats_t(q, df):
    from scipy import stats

    return stats.t.ppf(q, df)


def test_compare_runs_the_papers_test_on_every_matched_pair_of_runs():
    rng = np.random.default_rng(14)
    a, b = gen.simulate_null_clouds(3, 8, rng, loss_sd=0.05, gap_sd=0.01, eval_sd=0.01)
    c = gen.compare(a, b, 200, seed=0)
    assert len(c.paper_ps) == 3 and c.paper_p == c.paper_ps[0]
    assert c.paper_ps[2] == gen.paper_energy_test(a[2], b[2], 200, 0)[1]
