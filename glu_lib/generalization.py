"""The generalisation gap of GLU and non-GLU models (the paper's Fig. 7).

A run gives a cloud of points ``(L_S, L_D − L_S)``: training loss and generalisation gap at each
evaluation. Three ways to compare two groups of runs live here:

* :func:`run_energy_test`: the two-sample energy distance (Székely & Rizzo) of the pooled points
  with a permutation test that relabels **whole runs** (valid when the evaluations of one run are
  dependent, as they are);
* :func:`paper_energy_test`: the test of the paper's official plotting script, kept for comparison
  (``scipy.stats.energy_distance`` on the *flattened* points, i.e. a 1-D test that mixes the two
  coordinates, with single points permuted and ``p = hits / n``);
* :func:`gap_difference_ci`: the gap difference at matched training loss, one number per run on a
  grid that every run covers, with a Welch *t* interval over runs and the smallest difference the
  design detects with 80 % power.

:func:`simulate_null_clouds` draws two groups of runs from one distribution (with run-level
offsets) so that the tests' rejection rates under the null hypothesis can be measured.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Callable, NamedTuple

import numpy as np
import torch
from scipy import stats
from scipy.spatial.distance import cdist

from . import data, images, text
from ._checks import positive_int
from .gpt import GPT, GPTConfig
from .mixer import Mixer, MixerConfig
from .train import TrainConfig, train
from .vit import ViT, ViTConfig

__all__ = ["energy_distance", "energy_test", "paper_energy_test", "RunTest", "run_energy_test",
           "simulate_null_clouds", "NullCalibration", "calibrate_null", "rejection_rate", "monte_carlo_error",
           "holm", "Pooled", "random_effects_pool", "pools_by_family", "cloud", "gap_at_matched_loss", "GapDifference",
           "gap_difference_ci", "pooled_difference", "image_splits", "full_set_eval", "train_run", "stored_name",
           "stored_clouds", "Comparison", "compare", "plot_clouds"]


def _points(A, name):
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2 or len(A) < 2 or not np.all(np.isfinite(A)):
        raise ValueError(f"{name} must be a finite array of at least 2 points, got shape {A.shape}")
    return A


def _energy_from(D, ia, ib) -> float:
    """Energy distance of the points ``ia`` against ``ib`` from their pairwise distance matrix ``D``."""
    return float(2 * D[np.ix_(ia, ib)].mean() - D[np.ix_(ia, ia)].mean() - D[np.ix_(ib, ib)].mean())


def _permutation_masks(rng: np.random.Generator, n: int, na: int, n_permutations: int) -> np.ndarray:
    """Boolean masks (n_permutations, n) of group A under uniformly random relabellings: row i marks
    the ``na`` smallest of ``n`` uniform draws (a random permutation's first ``na`` entries)."""
    order = np.argsort(rng.random((n_permutations, n)), axis=1)[:, :na]
    masks = np.zeros((n_permutations, n), dtype=bool)
    np.put_along_axis(masks, order, True, axis=1)
    return masks


def _masked_energies(D: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Energy distance ``2·mean D[a, b] − mean D[a, a] − mean D[b, b]`` for every row ``a`` of ``masks``
    (``b`` its complement), from the pairwise distance matrix ``D``, all rows at once: the block form
    (:func:`_block_energies`) with one point per block."""
    return _block_energies(D, np.ones(len(D)), masks)


def energy_distance(A, B) -> float:
    """Two-sample energy distance ``2E‖a−b‖ − E‖a−a'‖ − E‖b−b'‖`` of point sets A (n, k) and B (m, k).

    This is the *squared* form (Székely & Rizzo 2013, Eq. 2.1 with V-statistics); scipy's
    ``energy_distance`` of 1-D samples is its square root.
    """
    A, B = _points(A, "A"), _points(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same dimension, got {A.shape[1]} and {B.shape[1]}")
    return float(2 * cdist(A, B).mean() - cdist(A, A).mean() - cdist(B, B).mean())


def energy_test(A, B, n_permutations: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Energy distance of A and B and its one-sided permutation p-value, **single points permuted**.

    ``p = (1 + #{T* >= T}) / (1 + n_permutations)`` over random relabellings of the pooled points.
    Valid only when all points are independent; points of one training run are not (use
    :func:`run_energy_test` for runs).
    """
    A, B = _points(A, "A"), _points(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same dimension, got {A.shape[1]} and {B.shape[1]}")
    positive_int(n_permutations, "n_permutations")
    pooled = np.concatenate([A, B])
    D = cdist(pooled, pooled)
    observed = _energy_from(D, np.arange(len(A)), np.arange(len(A), len(pooled)))
    rng = np.random.default_rng(seed)
    masks = _permutation_masks(rng, len(pooled), len(A), n_permutations)
    hits = int(np.sum(_masked_energies(D, masks) >= observed - 1e-12 * abs(observed)))
    return observed, (1 + hits) / (1 + n_permutations)


def paper_energy_test(A, B, n_permutations: int = 1000, seed: int = 0) -> tuple[float, float]:
    """The test of the paper's official plotting script (``plot_gap_scatter_augmented.py``).

    It applies ``scipy.stats.energy_distance`` to ``A.flatten()`` and ``B.flatten()``: a 1-D
    test on the mixed bag of training losses and gaps (the pairing of the two coordinates is
    lost), permutes single points of the pooled clouds and returns ``p = hits / n_permutations``
    (which can be 0). The official script draws permutations from NumPy's global state without
    a seed; here they come from ``seed``.
    """
    A, B = _points(A, "A"), _points(B, "B")
    positive_int(n_permutations, "n_permutations")
    pooled = np.concatenate([A, B])
    k = pooled.shape[1]
    flat = pooled.reshape(-1)  # point i owns values i*k .. i*k+k-1, as in A.flatten()
    D = np.abs(flat[:, None] - flat[None, :])
    rng = np.random.default_rng(seed)
    masks = _permutation_masks(rng, len(pooled), len(A), n_permutations)
    # scipy's statistic is the square root of the energy distance of the two bags of values; the
    # square root is monotone, so the permutation counts are those of the squared form, computed for
    # all relabellings at once
    own = np.zeros(len(pooled), dtype=bool)
    own[: len(A)] = True
    energies = _masked_energies(D, np.repeat(np.vstack([own, masks]), k, axis=1))
    hits = int(np.sum(energies[1:] >= energies[0] - 1e-12 * abs(energies[0])))
    return float(stats.energy_distance(A.flatten(), B.flatten())), hits / n_permutations


class RunTest(NamedTuple):
    """Result of :func:`run_energy_test`."""

    statistic: float  #: energy distance (summed over strata)
    p: float  #: one-sided permutation p-value
    p_min: float  #: the smallest p-value this design can give
    n_relabellings: int  #: relabellings used (all of them when ``exact``)
    exact: bool  #: True when every distinct relabelling was enumerated


def _runs(clouds, name):
    clouds = [_points(c, f"{name}[{i}]") for i, c in enumerate(clouds)]
    if not clouds:
        raise ValueError(f"{name} must hold at least one run")
    return clouds


def _run_blocks(clouds_a, clouds_b):
    """Per-run-pair sums of point distances, point counts and the number of runs in group A."""
    runs = _runs(clouds_a, "clouds_a") + _runs(clouds_b, "clouds_b")
    if len({r.shape[1] for r in runs}) != 1:
        raise ValueError("all runs must have points of the same dimension")
    pts = np.concatenate(runs)
    owner = np.repeat(np.arange(len(runs)), [len(r) for r in runs])
    sums = np.zeros((len(runs), len(runs)))
    np.add.at(sums, (owner[:, None], owner[None, :]), cdist(pts, pts))
    return sums, np.array([len(r) for r in runs], dtype=np.float64), len(clouds_a)


def _split_statistic(sums, counts, in_a) -> float:
    """Energy distance of the runs marked ``in_a`` against the others, from :func:`_run_blocks`."""
    na, nb = counts[in_a].sum(), counts[~in_a].sum()
    return float(2 * sums[np.ix_(in_a, ~in_a)].sum() / (na * nb) - sums[np.ix_(in_a, in_a)].sum() / na**2
                 - sums[np.ix_(~in_a, ~in_a)].sum() / nb**2)


def _masks(k: int, na: int) -> list[np.ndarray]:
    out = []
    for comb in itertools.combinations(range(k), na):
        m = np.zeros(k, dtype=bool)
        m[list(comb)] = True
        out.append(m)
    return out


def run_energy_test(strata, n_permutations: int = 1000, seed: int = 0) -> RunTest:
    """Energy-distance test that permutes **whole runs**, not single evaluations.

    ``strata`` is a list of pairs ``(clouds_a, clouds_b)`` (one pair, or e.g. one per activation
    pair); a cloud is one run's ``(n_evals, k)`` points. The statistic is the energy
    distance (:func:`energy_distance`) of group A's pooled points against group B's, summed over
    strata. Under the null hypothesis the runs of a stratum are exchangeable, so the labels are
    permuted run by run within each stratum and the points of a run stay together: the test keeps
    its level when evaluations of one run are dependent. When the number of distinct relabellings
    is at most ``n_permutations`` all are enumerated (exact p-value, the observed one included);
    otherwise ``p = (1 + #{T* >= T}) / (1 + n_permutations)`` over random relabellings.
    ``p_min`` is the smallest p-value the design can give (a relabelling and its mirror image tie
    when the groups are equal in size): 1/3 with 2 runs against 2, 1/10 with 3 against 3 (so
    neither can reach 0.05), 1/35 with 4 against 4, 8/216 for three strata of 2 against 2.
    """
    strata = list(strata)
    if not strata or not all(isinstance(s, (tuple, list)) and len(s) == 2 for s in strata):
        raise ValueError("strata must be a non-empty list of (clouds_a, clouds_b) pairs")
    positive_int(n_permutations, "n_permutations")
    blocks = [_run_blocks(a, b) for a, b in strata]
    labels = [np.arange(len(c)) < na for _, c, na in blocks]
    observed = sum(_split_statistic(s, c, lab) for (s, c, _), lab in zip(blocks, labels))
    tol = 1e-12 * abs(observed)
    total = math.prod(math.comb(len(c), na) for _, c, na in blocks)
    # with equal group sizes a relabelling and its mirror image (A and B swapped) tie
    p_min = math.prod(2 if 2 * na == len(c) else 1 for _, c, na in blocks) / total
    if total <= n_permutations:
        # every relabelling: per stratum the statistic of each of its splits, summed over the product
        values = np.zeros(1)
        for s, c, na in blocks:
            values = (values[:, None] + _block_energies(s, c, np.array(_masks(len(c), na)))[None, :]).ravel()
        return RunTest(observed, float(np.mean(values >= observed - tol)), p_min, total, True)
    rng = np.random.default_rng(seed)
    values = sum(_block_energies(s, c, _permutation_masks(rng, len(c), na, n_permutations)) for s, c, na in blocks)
    hits = int(np.sum(values >= observed - tol))
    return RunTest(observed, (1 + hits) / (1 + n_permutations), max(p_min, 1 / (1 + n_permutations)),
                   n_permutations, False)


def _block_energies(sums, counts, masks) -> np.ndarray:
    """:func:`_split_statistic` for every row of ``masks`` (runs in group A), all at once."""
    a = masks.astype(np.float64)
    na, nb = a @ counts, counts.sum() - a @ counts
    aS = a @ sums
    s_aa = np.einsum("ij,ij->i", aS, a)
    s_a_all = aS.sum(1)
    s_ab = s_a_all - s_aa
    s_bb = sums.sum() - 2 * s_a_all + s_aa
    return 2 * s_ab / (na * nb) - s_aa / na**2 - s_bb / nb**2


def simulate_null_clouds(n_runs: int, n_evals: int, rng: np.random.Generator, *, run_sd: float = 0.2,
                         eval_sd: float = 0.02, shift: float = 0.0, loss_sd: float | None = None,
                         gap_sd: float | None = None) -> tuple[list, list]:
    """Two groups of ``n_runs`` synthetic training runs with ``n_evals`` evaluations each.

    Every run follows one law: training loss ``L_S(t) = (0.5 + 2·exp(−3t))·(1 + u)`` on
    ``t = 1/n_evals, …, 1`` and gap ``0.1·(2.5 − L_S) + v + ε``, with run-level offsets
    ``u ~ N(0, loss_sd²)`` (the relative spread of a run's training loss) and ``v ~ N(0, gap_sd²)``
    (of its gap), shared by all evaluations of a run, so they are dependent, and evaluation noise
    ``ε ~ N(0, eval_sd²)``. ``loss_sd`` and ``gap_sd`` default to ``run_sd``; :func:`calibrate_null`
    measures all three on stored runs. Group B's gaps are moved by ``shift`` (0: the null).
    """
    n_runs, n_evals = positive_int(n_runs, "n_runs"), positive_int(n_evals, "n_evals")
    loss_sd = run_sd if loss_sd is None else loss_sd
    gap_sd = run_sd if gap_sd is None else gap_sd
    for name, v in (("run_sd", run_sd), ("eval_sd", eval_sd), ("loss_sd", loss_sd), ("gap_sd", gap_sd)):
        if not (isinstance(v, (int, float)) and v >= 0):
            raise ValueError(f"{name} must be a number >= 0, got {v!r}")
    t = np.arange(1, n_evals + 1) / n_evals

    def one(extra):
        u, v = rng.normal(0, loss_sd), rng.normal(0, gap_sd)
        ls = (0.5 + 2 * np.exp(-3 * t)) * (1 + u)
        gap = 0.1 * (2.5 - ls) + v + extra + rng.normal(0, eval_sd, n_evals)
        return np.stack([ls, gap], axis=1)

    return [one(0.0) for _ in range(n_runs)], [one(shift) for _ in range(n_runs)]


class NullCalibration(NamedTuple):
    """Result of :func:`calibrate_null`: spreads measured on stored runs (medians over the groups, and maxima)."""

    loss_sd: float  #: median over groups of the relative SD of the training loss across runs
    gap_sd: float  #: median over groups of the SD across runs of a run's mean gap
    eval_sd: float  #: median over groups of the within-run noise of the gap
    loss_sd_max: float
    gap_sd_max: float
    eval_sd_max: float
    groups: int  #: number of groups of runs measured


def calibrate_null(groups) -> NullCalibration:
    """The run-to-run and evaluation spreads of stored runs, to set :func:`simulate_null_clouds`.

    ``groups`` is an iterable of lists of clouds (one list per group of runs of one setting, at least 2
    runs with the same number of evaluations). Per group: the relative SD of the training loss across
    runs (SD over runs / mean, at each evaluation, averaged over evaluations), the SD across runs of
    a run's mean gap, and the gap's evaluation noise (the SD of second differences along a run,
    divided by √6, which a slowly
    curving trend inflates little). Returns their medians and maxima over groups.
    """
    rel, gsd, esd = [], [], []
    for i, g in enumerate(groups):
        runs = _runs(g, f"groups[{i}]")
        if len(runs) < 2 or len({len(r) for r in runs}) != 1 or len(runs[0]) < 3:
            raise ValueError(f"groups[{i}] needs at least 2 runs of the same length (>= 3 evaluations)")
        L, G = np.array([r[:, 0] for r in runs]), np.array([r[:, 1] for r in runs])
        rel.append(float(np.mean(L.std(0, ddof=1) / np.abs(L.mean(0)))))
        gsd.append(float(G.mean(1).std(ddof=1)))
        esd.append(float(np.diff(G, 2, axis=1).std() / math.sqrt(6)))
    if not rel:
        raise ValueError("groups must hold at least one group of runs")
    return NullCalibration(float(np.median(rel)), float(np.median(gsd)), float(np.median(esd)),
                           max(rel), max(gsd), max(esd), len(rel))


def rejection_rate(test: Callable, n_sim: int, *, alpha: float = 0.05, seed: int = 0, **simulate) -> float:
    """Fraction of ``n_sim`` simulated data sets (:func:`simulate_null_clouds` with ``simulate``)
    on which ``test(clouds_a, clouds_b, seed) -> p`` gives ``p <= alpha``: the level of the test
    under the null (``shift=0``), its power otherwise."""
    positive_int(n_sim, "n_sim")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    hits = 0
    with threadpool_limits(limits=1):  # small matrices: BLAS threads only contend
        for i in range(n_sim):
            a, b = simulate_null_clouds(rng=rng, **simulate)
            p = test(a, b, seed + i)
            if not isinstance(p, (int, float, np.floating, np.integer)) or not 0 <= float(p) <= 1:
                # NaN would compare False and be counted as "not rejected"
                raise ValueError(f"the test returned p = {p!r} on simulation {i}; "
                                 "a p-value must be a number in [0, 1]")
            hits += float(p) <= alpha
    return hits / n_sim


def monte_carlo_error(rate: float, n_sim: int) -> float:
    """Standard error ``√(r(1 − r)/n)`` of a rejection rate ``r`` estimated from ``n_sim`` simulations."""
    positive_int(n_sim, "n_sim")
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must be in [0, 1], got {rate!r}")
    return math.sqrt(rate * (1 - rate) / n_sim)


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control over all ``pvalues`` given).

    Sorted ascending, the i-th smallest (from 0) is multiplied by ``m − i``, made non-decreasing, and
    capped at 1; reject at level α where the adjusted p ≤ α.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or not p.size or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"pvalues must be a non-empty 1-D array of numbers in [0, 1], got {pvalues!r}")
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def cloud(history: dict, skip_first: bool = True) -> np.ndarray:
    """Points ``(L_S, L_D − L_S)`` of a training history (``train_loss``, ``val_loss``); the evaluation at
    initialisation is left out by default (it measures the initialisation, not training)."""
    missing = [k for k in ("train_loss", "val_loss") if k not in history]
    if missing:
        raise ValueError(f"history has no {' or '.join(missing)} (a training history of glu_lib.train)")
    s, d = np.asarray(history["train_loss"]), np.asarray(history["val_loss"])
    pts = np.stack([s, d - s], axis=1)
    return pts[1:] if skip_first else pts


def gap_at_matched_loss(points: np.ndarray, grid) -> np.ndarray:
    """The gap interpolated at training losses ``grid`` along one run's cloud (ordered by training loss);
    NaN outside the run's range of training loss."""
    points = _points(points, "points")
    if points.shape[1] != 2:
        raise ValueError(f"points must have two columns (L_S, gap), got shape {points.shape}")
    order = np.argsort(points[:, 0])
    return np.interp(grid, points[order, 0], points[order, 1], left=np.nan, right=np.nan)


class GapDifference(NamedTuple):
    """Result of :func:`gap_difference_ci` (all in units of the loss)."""

    difference: float  #: mean gap of group B minus group A at matched training loss
    low: float  #: lower end of the interval
    high: float  #: upper end of the interval
    se: float  #: standard error of the difference (Welch)
    df: float  #: Welch–Satterthwaite degrees of freedom
    detectable: float  #: smallest true difference detected with the given power at level 1 − level
    grid: tuple  #: (lowest, highest) training loss of the common grid
    reference: float  #: group A's mean gap on the grid (a scale for the difference)


def gap_difference_ci(clouds_a, clouds_b, n_grid: int = 20, level: float = 0.95,
                      power: float = 0.8) -> GapDifference:
    """Gap difference (B − A) at matched training loss with a Welch *t* interval over runs.

    The grid spans the training losses that **every** run covers (from the largest of the runs'
    lowest losses to the smallest of their highest), so each run is interpolated at every grid
    point and summarised by one number, its mean gap on the grid; runs are the independent units.
    The interval is ``d ± t_{(1+level)/2, ν}·se`` with Welch's ``se`` and ``ν``; ``detectable``
    is ``(t_{(1+level)/2, ν} + t_{power, ν})·se``, the true difference that a two-sided test at
    level ``1 − level`` detects with probability about ``power``. Needs two runs per group.
    """
    a, b = _runs(clouds_a, "clouds_a"), _runs(clouds_b, "clouds_b")
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"need at least 2 runs per group for an interval, got {len(a)} and {len(b)}")
    positive_int(n_grid, "n_grid")
    if not (0 < level < 1 and 0 < power < 1):
        raise ValueError(f"level and power must be in (0, 1), got {level!r}, {power!r}")
    lo = max(c[:, 0].min() for c in a + b)
    hi = min(c[:, 0].max() for c in a + b)
    if not lo < hi:
        raise ValueError("the runs share no range of training loss to compare at")
    grid = np.linspace(lo, hi, n_grid)
    ga = np.array([gap_at_matched_loss(c, grid).mean() for c in a])
    gb = np.array([gap_at_matched_loss(c, grid).mean() for c in b])
    va, vb = ga.var(ddof=1) / len(ga), gb.var(ddof=1) / len(gb)
    se = math.sqrt(va + vb)
    diff = float(gb.mean() - ga.mean())
    if se == 0:
        return GapDifference(diff, diff, diff, 0.0, math.inf, 0.0, (float(lo), float(hi)), float(ga.mean()))
    df = (va + vb) ** 2 / (va**2 / (len(ga) - 1) + vb**2 / (len(gb) - 1))
    tq = stats.t.ppf((1 + level) / 2, df)
    detectable = (tq + stats.t.ppf(power, df)) * se
    return GapDifference(diff, diff - tq * se, diff + tq * se, se, float(df), float(detectable),
                         (float(lo), float(hi)), float(ga.mean()))


def _ce(model, x, y):
    return torch.nn.functional.cross_entropy(model(x), y)


IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
#: MNIST normalisation of the official code (``transforms.Normalize((0.1307,), (0.3081,))``).
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)


def pooled_difference(gaps, level: float = 0.95) -> tuple[float, float, float]:
    """Inverse-variance weighted mean of several :class:`GapDifference` results (a fixed-effect
    meta-analysis, weights ``1/se²``) with a normal-approximation interval: ``(mean, low, high)``.
    The comparisons must be independent; the normal quantile understates the width when each
    has few runs."""
    gaps = list(gaps)
    if not gaps or any(g.se <= 0 for g in gaps):
        raise ValueError("need at least one GapDifference, each with se > 0")
    w = np.array([1 / g.se**2 for g in gaps])
    mean = float(np.sum(w * [g.difference for g in gaps]) / w.sum())
    half = float(stats.norm.ppf((1 + level) / 2) / np.sqrt(w.sum()))
    return mean, mean - half, mean + half


class Pooled(NamedTuple):
    """Result of :func:`random_effects_pool`."""

    mean: float  #: random-effects weighted mean difference
    low: float  #: lower end of the interval
    high: float  #: upper end of the interval
    tau: float  #: DerSimonian–Laird between-comparison SD
    k: int  #: number of comparisons pooled


def random_effects_pool(gaps, level: float = 0.95) -> Pooled:
    """Random-effects pool of several :class:`GapDifference` results.

    DerSimonian–Laird between-comparison variance ``τ²``, weights ``1/(se² + τ²)``, and the
    Hartung–Knapp–Sidik–Jonkman interval (a weighted variance of the differences about the mean,
    with a *t* quantile on ``k − 1`` degrees of freedom), which keeps its coverage with few
    comparisons where the fixed-effect normal interval (:func:`pooled_difference`) is too narrow.
    Comparisons that share seeds are still treated as independent. Needs two comparisons.
    """
    gaps = list(gaps)
    if len(gaps) < 2 or any(not isinstance(g, GapDifference) or g.se <= 0 for g in gaps):
        raise ValueError("need at least two GapDifference results, each with se > 0")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    d = np.array([g.difference for g in gaps])
    v = np.array([g.se**2 for g in gaps])
    k = len(d)
    w = 1 / v
    fixed = np.sum(w * d) / w.sum()
    q = float(np.sum(w * (d - fixed) ** 2))
    tau2 = max(0.0, (q - (k - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    ws = 1 / (v + tau2)
    mean = float(np.sum(ws * d) / ws.sum())
    se = math.sqrt(float(np.sum(ws * (d - mean) ** 2)) / ((k - 1) * ws.sum()))
    half = float(stats.t.ppf((1 + level) / 2, k - 1)) * se
    return Pooled(mean, mean - half, mean + half, math.sqrt(tau2), k)


def pools_by_family(comparisons: dict, level: float = 0.95) -> dict:
    """:func:`random_effects_pool` of the matched-loss gap differences of ``comparisons`` (keys whose first
    item is the model family, values :class:`Comparison`), per family and over all (key ``"all"``).

    Families with fewer than two defined differences are left out. The comparisons of one family share
    seeds and data order, so even this pool treats somewhat dependent comparisons as independent.
    """
    gaps: dict = {}
    for key, c in comparisons.items():
        if c.gap is not None:
            gaps.setdefault(key[0], []).append(c.gap)
    out = {fam: random_effects_pool(g, level) for fam, g in gaps.items() if len(g) >= 2}
    every = [g for gs in gaps.values() for g in gs]
    if len(every) >= 2:
        out["all"] = random_effects_pool(every, level)
    return out


@functools.lru_cache(maxsize=1)
def _mnist5k():
    return data.mnist_5k()  # parsing the packaged file takes seconds: read it once per process


def image_splits(data_name: str, seed: int = 0):
    """``(splits, mean, std, image_size, channels, classes, augment)`` of an image data set:
    ``"mnist5k"`` (real MNIST offline, :func:`glu_lib.data.mnist_5k`: 4,000 training and 1,000 test
    images, a seeded split stratified by class, no augmentation, as the official MNIST loader),
    ``"digits"`` (scikit-learn's 8×8 digits, no augmentation), ``"cifar10"`` or ``"tiny_imagenet"``
    (under ``$GLU_DATA_DIR``, each with the official script's augmentation, named as
    :func:`glu_lib.images.batch_fn` takes it; CIFAR-10 is downloaded when missing)."""
    if data_name == "mnist5k":
        x, y = _mnist5k()
        rng = np.random.default_rng(seed)
        test = np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), 100, replace=False) for c in range(10)]))
        train_ = np.setdiff1d(np.arange(len(y)), test)
        xt, yt = torch.from_numpy(x[:, None].copy()), torch.from_numpy(y.copy())
        return ({"train": (xt[train_], yt[train_]), "val": (xt[test], yt[test])}, MNIST_MEAN, MNIST_STD, 28, 1,
                10, False)
    if data_name == "digits":
        d = images.digits_images(seed=seed)
        x = d["train"][0].float() / 255
        return {"train": d["train"], "val": d["test"]}, (x.mean().item(),), (x.std().item(),), 8, 1, 10, False
    if data_name == "cifar10":
        root = images.download_cifar10(text.data_dir() / "cifar10")
        splits = {"train": images.read_cifar10(root, True), "val": images.read_cifar10(root, False)}
        return splits, images.CIFAR10_MEAN, images.CIFAR10_STD, 32, 3, 10, "cifar10"
    if data_name == "tiny_imagenet":
        root = text.data_dir() / "tiny-imagenet-200"
        (xt, yt, classes), (xv, yv, _) = images.read_tiny_imagenet(root, "train"), images.read_tiny_imagenet(root, "val")
        return ({"train": (xt, yt), "val": (xv, yv)}, IMAGENET_MEAN, IMAGENET_STD, 64, 3, len(classes),
                "tiny_imagenet")
    raise ValueError(f"unknown image data {data_name!r}; expected 'mnist5k', 'digits', 'cifar10' or "
                     "'tiny_imagenet'")


def full_set_eval(splits: dict, mean, std, batch_size: int = 500) -> Callable:
    """An ``eval_fn(model) -> {"train": L_S, "val": L_D}`` for :func:`glu_lib.train.train`: the mean
    cross-entropy over **every** image of each split (no augmentation), as the official code evaluates
    after each epoch (it averages batch means; this averages over images)."""
    batch_size = positive_int(batch_size, "batch_size")

    @torch.no_grad()
    def eval_fn(model):
        was = model.training
        model.eval()
        out = {}
        for split in ("train", "val"):
            x, y = splits[split]
            dev = next(model.parameters()).device
            total = sum(float(torch.nn.functional.cross_entropy(
                model(images.normalize(x[i:i + batch_size], mean, std).to(dev)), y[i:i + batch_size].to(dev),
                reduction="sum")) for i in range(0, len(y), batch_size))
            out[split] = total / len(y)
        model.train(was)
        return out

    return eval_fn


def train_run(family: str, kind: str, optimizer: str, settings: dict, train_settings: dict, seed: int = 0, *,
              ckpt_path=None) -> dict:
    """One training run of ``family`` with FFN ``kind`` and ``optimizer``; returns its history.

    ``"mixer"`` and ``"vit"`` train on ``settings["data"]`` (default ``"digits"``, see :func:`image_splits`)
    with cross-entropy, ``"gpt"`` on tiny-shakespeare; ``settings`` holds ``model`` (config fields) and
    ``batch_size`` (and optionally ``train``, overrides of the training fields), ``train_settings[optimizer]``
    the :class:`~glu_lib.train.TrainConfig` fields. With ``settings["epochs"]`` (image families) the run
    is counted in epochs of the training split, evaluated on the full splits after every epoch
    (:func:`full_set_eval`), as the official ``train_activation_gap.py`` does. With ``ckpt_path`` the run
    is checkpointed (at least after every evaluation) and resumed from there after an interruption; the
    checkpoints do not change the result.
    """
    if family not in ("mixer", "vit", "gpt"):
        raise ValueError(f"unknown model family {family!r}; expected one of ('mixer', 'vit', 'gpt')")
    if optimizer not in train_settings:
        raise ValueError(f"no training settings for optimizer {optimizer!r} (have {sorted(train_settings)})")
    fields = {**train_settings[optimizer], **settings.get("train", {})}
    if family in ("mixer", "vit"):
        splits, mean, std, size, channels, classes, aug = image_splits(settings.get("data", "digits"))
        eval_fn = None
        if "epochs" in settings:
            per_epoch = math.ceil(len(splits["train"][1]) / settings["batch_size"])
            fields |= dict(max_iters=settings["epochs"] * per_epoch, eval_interval=per_epoch)
            eval_fn = full_set_eval(splits, mean, std)
        if ckpt_path is not None and not fields.get("ckpt_interval"):
            fields["ckpt_interval"] = fields.get("eval_interval", 250)
        tcfg = TrainConfig(optimizer=optimizer, seed=seed, **fields)
        fn = images.batch_fn(splits, settings["batch_size"], mean, std, train_augment=aug,
                             **settings.get("augment", {}))
        cfg = dict(image_size=size, channels=channels, num_outputs=classes, ffn=kind, **settings["model"])
        model = Mixer(MixerConfig(**cfg), seed) if family == "mixer" else ViT(ViTConfig(**cfg), seed)
        return train(model, tcfg, fn, _ce, eval_fn=eval_fn, ckpt_path=ckpt_path)
    if family == "gpt":
        if ckpt_path is not None and not fields.get("ckpt_interval"):
            fields["ckpt_interval"] = fields.get("eval_interval", 250)
        tcfg = TrainConfig(optimizer=optimizer, seed=seed, **fields)
        corpus = text.char_corpus(text.fetch().read_text())
        mcfg = GPTConfig(vocab_size=corpus.vocab_size, ffn=kind, **settings["model"])
        return train(GPT(mcfg, seed), tcfg, text.batch_fn(corpus, mcfg.block_size, settings["batch_size"]), text.lm_loss,
                     ckpt_path=ckpt_path)
    raise ValueError(f"unknown model family {family!r}; expected 'mixer', 'vit' or 'gpt'")


def stored_name(family: str, optimizer: str, kind: str, seed: int) -> str:
    """Name of a stored run: ``gpt_cpu_<kind>_seed<s>`` (AdamW) or ``gpt_cpu_sgd_<kind>_seed<s>`` for
    the GPT panel (the recipes of :mod:`glu_lib.runs`), ``gen_mnist5k_<family>_<optimizer>_<kind>_seed<s>``
    for the image families."""
    if family == "gpt":
        return f"gpt_cpu{'_sgd' if optimizer == 'sgd' else ''}_{kind}_seed{seed}"
    return f"gen_mnist5k_{family}_{optimizer}_{kind}_seed{seed}"


def stored_clouds(family: str, optimizer: str, kind: str, seeds=range(8)) -> list[np.ndarray]:
    """Clouds (:func:`cloud`) of the stored runs of ``family``/``optimizer``/``kind`` among ``seeds``
    (see :func:`stored_name`); seeds without a stored run are skipped."""
    from .results import load_result

    out = []
    for s in seeds:
        stored = load_result(stored_name(family, optimizer, kind, s))
        if stored is not None:
            out.append(cloud(stored["data"]["history"]))
    return out


class Comparison(NamedTuple):
    """Result of :func:`compare`: the run-level test, the paper's test and the matched-loss gap."""

    runs: tuple  #: (runs in A, runs in B)
    run_test: RunTest
    paper_p: float  #: p of the paper's 1-D test on the first run of each group (one run each, as the paper)
    gap: GapDifference | None  #: None when the runs share no range of training loss or a group has 1 run
    paper_ps: tuple = ()  #: the paper's test on run i of A against run i of B, for every i (one run each)


def compare(clouds_a, clouds_b, n_permutations: int = 1000, seed: int = 0) -> Comparison:
    """Compare two groups of runs three ways: :func:`run_energy_test`, :func:`paper_energy_test`
    on one run of each group (run i of A against run i of B, for every i: the paper's design, one
    run a side, repeated), and :func:`gap_difference_ci` (when it is defined)."""
    a, b = _runs(clouds_a, "clouds_a"), _runs(clouds_b, "clouds_b")
    rt = run_energy_test([(a, b)], n_permutations, seed)
    paper_ps = tuple(paper_energy_test(x, y, n_permutations, seed)[1] for x, y in zip(a, b))
    try:
        gap = gap_difference_ci(a, b)
    except ValueError:
        gap = None
    return Comparison((len(a), len(b)), rt, paper_ps[0], gap, paper_ps)


def _max_n(n: int):
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(n)


def plot_clouds(ax, groups: dict, *, log_x: bool = False) -> None:
    """Scatter the clouds of ``groups`` (label → (clouds, matplotlib style dict)) on ``ax``, each
    run's points joined by a thin line in training order."""
    for label, (clouds, style) in groups.items():
        for i, c in enumerate(clouds):
            ax.plot(c[:, 0], c[:, 1], lw=0.6, alpha=0.5, color=style.get("color"))
            ax.scatter(c[:, 0], c[:, 1], s=14, alpha=0.8, label=label if i == 0 else None, **style)
    if log_x:
        from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.xaxis.set_major_locator(_max_n(4))
    ax.set(xlabel="training loss $L_S$", ylabel="gap $L_D - L_S$")


def main(argv=None) -> None:
    """Train the stored runs of chapter 6 that are missing (finished ones are skipped, so an
    interrupted queue resumes): ``python -m glu_lib.generalization gpt --optimizers adamw sgd
    --kinds relu reglu --seeds 0 1`` or ``... mixer ...`` / ``... vit ...`` (the preset's ``panel``:
    MNIST-5k on a CPU)."""
    import argparse
    from types import MappingProxyType

    from pathlib import Path

    from .claims import claim, in_shard, parse_shard
    from .config import Preset, preset
    from .results import check_writable, load_result, save_result
    from .runs import GPT_RECIPES, GPT_VARIANTS, train_gpt

    ap = argparse.ArgumentParser(description="train the missing stored runs of chapter 6")
    ap.add_argument("family", choices=["gpt", "mixer", "vit"])
    ap.add_argument("--optimizers", nargs="+", default=["adamw", "sgd"], choices=["adamw", "sgd"])
    ap.add_argument("--kinds", nargs="+", default=["relu", "reglu", "gelu", "geglu", "silu", "swiglu"],
                    choices=["relu", "reglu", "gelu", "geglu", "silu", "swiglu"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    ap.add_argument("--ckpt-dir", default="checkpoints", help="checkpoints of unfinished runs (resumed)")
    ap.add_argument("--results-dir", default=None, help="where results are stored (default: the repository's results/)")
    ap.add_argument("--shard", default=None, metavar="I/N",
                    help="take runs I, I+N, ... of the queue (default: SLURM_ARRAY_TASK_ID of a job array, else all)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1; a run is reproduced bit for bit at the same count)")
    args = ap.parse_args(argv)
    try:
        shard = parse_shard(args.shard)
        folder = check_writable(Path(args.results_dir) if args.results_dir else None)
    except (ValueError, PermissionError) as e:
        ap.error(str(e))
    if args.threads < 1:
        ap.error(f"--threads must be >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    P = preset("generalization", "full")
    queue = [(seed, opt, kind) for seed in args.seeds for opt in args.optimizers for kind in args.kinds]
    for index, (seed, opt, kind) in enumerate(queue):
        name = stored_name(args.family, opt, kind, seed)
        if not in_shard(index, shard) or load_result(name, folder) is not None:
            continue
        held = claim(folder / ".claims", name)
        if held is None:  # another worker is training it
            print(f"{name}: claimed by another worker, skipped", flush=True)
            continue
        with held:
            if load_result(name, folder) is not None:  # finished by another worker meanwhile
                continue
            if args.family == "gpt":
                recipe = "cpu_sgd" if opt == "sgd" else "cpu"
                out = train_gpt(kind, recipe, ckpt_dir=args.ckpt_dir, seed=seed)
                values = MappingProxyType({**{**GPT_RECIPES, **GPT_VARIANTS}[recipe], "ffn": kind, "seed": seed})
                save_result(name, out, Preset("gpt", recipe, values), folder)
            else:
                ckpt = Path(args.ckpt_dir) / f"{name}.pt" if args.ckpt_dir else None
                hist = train_run(args.family, kind, opt, P.panel[args.family], P.panel_train, seed=seed,
                                 ckpt_path=ckpt)
                values = MappingProxyType({"family": args.family, "optimizer": opt, "kind": kind, "seed": seed,
                                           **P.panel[args.family], "train": P.panel_train[opt]})
                save_result(name, {"history": hist}, Preset("generalization", "panel", values), folder)
        print(f"{name}: train {_summary(load_result(name, folder))}", flush=True)


def _summary(stored: dict) -> str:
    h = stored["data"]["history"]
    return f"{h['train_loss'][-1]:.4f} val {h['val_loss'][-1]:.4f}"


if __name__ == "__main__":
    main()
