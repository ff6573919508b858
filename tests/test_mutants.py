"""Tests aimed at planted bugs that the other tests let through: each fails on one small change of
the code (named in its docstring) that the book's numbers depend on."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from scipy import stats

from glu_lib import generalization as gen
from glu_lib import images, scorecard, spectra, train
from glu_lib.verdicts import VERDICTS, Verdict, verdict_table


def _integer_runs(n):
    """Identical runs whose points are 5 apart: every distance is an integer, so every relabelling's
    statistic is exactly 0, the observed one included (no rounding, tolerance 0)."""
    return [np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]) for _ in range(n)]


def test_run_test_counts_ties_with_the_observed_statistic():
    """``>= observed - tol`` → ``>`` (or ``> observed + tol``): ties would no longer count, and a design
    where every relabelling ties would give p = 0 instead of 1."""
    exact = gen.run_energy_test([(_integer_runs(2), _integer_runs(2))])
    assert exact.exact and exact.statistic == 0.0 and exact.p == 1.0
    rnd = gen.run_energy_test([(_integer_runs(6), _integer_runs(6))], n_permutations=50, seed=0)
    assert not rnd.exact and rnd.p == 1.0


def test_run_test_tolerance_admits_rounding_ties():
    """The tolerance is subtracted: a relabelling whose statistic equals the observed one up to
    rounding counts as a tie. Runs A = (P, P) against B = (Q, Q): the observed split and its mirror
    image are the two most extreme of 6, so p = 2/6 whatever the rounding of the mirror."""
    rng = np.random.default_rng(3)
    P, Q = rng.standard_normal((5, 2)) * 0.1, rng.standard_normal((5, 2)) * 0.1 + 3.0
    r = gen.run_energy_test([([P, P.copy()], [Q, Q.copy()])])
    assert r.exact and r.p == pytest.approx(2 / 6)
    # scaling moves every statistic by the same factor; the count of ties must not change
    for scale in (1e-3, 1.0, 7.3, 1e5):
        assert gen.run_energy_test([([P * scale, P * scale], [Q * scale, Q * scale])]).p == pytest.approx(2 / 6)


def test_gap_interval_uses_the_two_sided_t_quantile():
    """``t.ppf((1 + level)/2, ν)`` → ``t.ppf(level, ν)`` narrows the interval (coverage 0.907 instead of
    0.956 at level 0.95): the half-width is checked against the formula on one data set."""
    rng = np.random.default_rng(11)
    a, b = gen.simulate_null_clouds(4, 10, rng, run_sd=0.05, eval_sd=0.01)
    for level in (0.95, 0.8):
        r = gen.gap_difference_ci(a, b, level=level)
        half = stats.t.ppf((1 + level) / 2, r.df) * r.se
        assert (r.high - r.low) / 2 == pytest.approx(half, rel=1e-12)
        assert r.detectable == pytest.approx((stats.t.ppf((1 + level) / 2, r.df) + stats.t.ppf(0.8, r.df)) * r.se,
                                             rel=1e-12)


def test_gap_interval_coverage_is_near_its_level():
    """The coverage test of test_generalization.py, tighter: 1500 null simulations give a standard
    error of 0.0056, so the band 0.935-0.975 holds for the nominal 0.95 (0.958 on these draws) and
    rejects the one-sided quantile's coverage (0.899 on these draws)."""
    rng = np.random.default_rng(5)
    covered = []
    for _ in range(1500):
        a, b = gen.simulate_null_clouds(4, 6, rng, run_sd=0.05, eval_sd=0.01)
        r = gen.gap_difference_ci(a, b, n_grid=5)
        covered.append(r.low <= 0 <= r.high)
    assert 0.935 <= np.mean(covered) <= 0.975


def test_indefinite_tolerance_is_1e_4():
    """``INDEFINITE_RTOL`` 1e-4 → 1e-1: λmin = −1e-3·λmax would pass as rounding and give κ = inf."""
    assert spectra.INDEFINITE_RTOL == 1e-4
    with pytest.raises(ValueError, match="not positive semi-definite"):
        spectra.condition_number(np.diag([1.0, 0.5, -1e-3]))
    with pytest.raises(ValueError, match="not positive semi-definite"):
        spectra.kappa_from_extremes(-2e-4, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spectra.IllConditionedWarning)
        assert spectra.condition_number(np.diag([1.0, 0.5, -1e-6])) == math.inf


def _rows():
    return [Verdict(f"claim {v}", "Thm. 1", "x", "y", v) for v in VERDICTS] + \
        [Verdict("another", "Thm. 2", "x", "y", "not tested")]


def test_scorecard_counts_every_verdict_including_not_tested(tmp_path):
    """The count of "not tested" (dropped or miscounted) reaches the summary."""
    verdict_table("02_b", _rows(), directory=tmp_path)
    found = scorecard.collect(["02_b"], tmp_path)
    assert scorecard.counts(found) == {"reproduced": 1, "partly reproduced": 1, "not reproduced": 1,
                                       "not tested": 2}
    text = scorecard.summary_markdown(found)
    assert "checked 5 claims" in text and "**2 not tested**" in text


def _batches(val_shift=0.0, late=0.0):
    """A task whose data differ only in the validation split (``val_shift``) or only after the first
    batch (``late``, through the ``data_digest`` of the whole data)."""
    data = {"train": torch.arange(40.0).reshape(20, 2), "val": torch.arange(20.0).reshape(10, 2) + val_shift}
    data["train"][-1] += late

    def draw(split, gen_):
        return data[split][:4], torch.zeros(4)

    draw.data_digest = lambda: train._digest([data["train"], data["val"]])
    return draw


def test_fingerprint_covers_the_validation_split_and_all_data():
    """The validation split left out of the fingerprint, or data after the first batch ignored."""
    model = torch.nn.Linear(2, 1)
    base = train.fingerprint(model, _batches(), 0)
    assert train.fingerprint(model, _batches(), 0) == base
    assert train.fingerprint(model, _batches(val_shift=1.0), 0)["data"] != base["data"]
    assert train.fingerprint(model, _batches(late=1.0), 0)["data"] != base["data"]
    # a batch function without a digest of its data: the first batch of each split
    plain, shifted = _batches(), _batches(val_shift=1.0)
    del plain.data_digest, shifted.data_digest
    assert train.fingerprint(model, plain, 0)["data"] != train.fingerprint(model, shifted, 0)["data"]


def test_random_crop_reaches_every_offset():
    """``randint(0, 2·pad + 1)`` → ``randint(0, 2·pad)``: the crop would never shift by +pad. With
    pad = 1 a 3×3 image has 9 distinct crops; 400 draws see all of them."""
    img = torch.arange(1, 10, dtype=torch.uint8).reshape(1, 1, 3, 3).repeat(400, 1, 1, 1)
    out = images.augment(img, torch.Generator().manual_seed(0), (0.0,), (1.0,), pad=1, flip=False, erase_p=0.0)
    crops = {tuple(o.flatten().tolist()) for o in out}
    assert len(crops) == 9


def test_permutation_statistics_are_the_energy_distance():
    """The statistic that the permutation tests compute from the distance matrix (``_energy_from``,
    ``_split_statistic``) is the energy distance of the two groups; a changed weight of the cross term
    (``2·E‖a−b‖`` → ``3·E‖a−b‖``) leaves the p-values of well separated groups alone and is seen here."""
    rng = np.random.default_rng(8)
    A, B = rng.standard_normal((7, 2)), rng.standard_normal((5, 2)) + 0.3
    assert gen.energy_test(A, B, 10)[0] == pytest.approx(gen.energy_distance(A, B), rel=1e-12)
    runs_a, runs_b = [A[:3], A[3:]], [B[:2], B[2:]]
    assert gen.run_energy_test([(runs_a, runs_b)]).statistic == pytest.approx(gen.energy_distance(A, B), rel=1e-12)
