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
# # 4. Training dynamics and the loss crossing
#
# {doc}`01_two_layer_glu` showed GLU networks ending with the lower training loss after an early phase
# in which the non-GLU network led. The paper explains both phases in the kernel regime
# {cite}`lyu2026devil`: gradient descent on the squared loss removes the residual along each NTK
# eigenvector at its own rate {cite}`jacot2018ntk,lee2019wide,arora2019fine`. The non-GLU kernel has the
# larger top eigenvalues, so it fits the leading directions first; the GLU kernel has the smaller
# condition number, so it finishes first. The loss curves cross.
#
# This chapter
# 1. derives the expected kernel-regime loss curve (paper Prop. 4.1) and checks it against gradient
#    descent on the linearised model;
# 2. finds every crossing of the two curves, and calls it a crossing in the sense of paper Cor. 4.2 only
#    when the GLU curve is still below at the end of the horizon;
# 3. maps where such a crossing exists over $n$ and $d$ and states the boundary against the paper's
#    conditions $d\ge 5$, $n\ge 300$;
# 4. works out the largest stable learning rate of each kernel, which explains the paper's learning-rate
#    ablation (0.005 vs 0.008);
# 5. trains finite networks with SGD (the paper's Gaussian task) beside the kernel prediction;
# 6. draws the paper's output-trajectory figure with the official script's draws, and a variant.
#
# **Conventions.** The kernel regime is gradient descent with step $\eta$ on $\tfrac12\|f-Y\|^2$; curves
# show the *mean* squared error $\tfrac1n\|f-Y\|^2$. A network trained on the mean MSE with learning
# rate $\mathrm{lr}$ moves its outputs by $-\tfrac{2\,\mathrm{lr}}{n}\,K(f-Y)$ per full-batch step, so
# $\eta = 2\,\mathrm{lr}/n$; in expectation one epoch of minibatch SGD is $n/B$ such steps (batch $B$).
# Inputs are Gaussian, $x\sim\mathcal N(0, I_d)$; the linear teacher is $y = x^\top w + 0.1\varepsilon$
# with $w\sim\mathcal N(0, I_d)$ as in the official code; width 1000, GLU parameter-matched.


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
import matplotlib.pyplot as plt
import numpy as np
import torch

from glu_lib import data, dynamics, kernels
from glu_lib.config import preset
from glu_lib.kinds import PAIRS
from glu_lib.models import matched_width
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, kind_style, use_style
from glu_lib.results import load_result, save_result
from glu_lib.verdicts import Verdict, verdict_table

P = preset("loss_crossing", SCALE)
seed_everything(SEED)
torch.use_deterministic_algorithms(True)
use_style()
print(f"scale: {P.scale}")

# %% [markdown]
# ## Paper Prop. 4.1: the expected loss in the kernel regime
#
# Linearise the network around its initialisation, $f_\theta(X) = f_0 + J(\theta-\theta_0)$ with
# $K = JJ^\top$. A gradient step on $\tfrac12\|f-Y\|^2$ is $\theta\leftarrow\theta-\eta J^\top(f-Y)$, so
# the residual $r = f - Y$ obeys $r_{k+1} = (I-\eta K)\,r_k$ and $r_k = A^k r_0$ with the symmetric
# $A = I-\eta K$. Hence $\|r_k\|^2 = r_0^\top A^{2k} r_0$. At initialisation $r_0 = f_0 - Y$, where the
# random output $f_0$ has mean zero (the output weights are symmetric) and covariance $\Sigma$; with $K$
# replaced by its expectation (paper Eq. 3/4, exact at infinite width) the cross term vanishes in
# expectation:
#
# :::{prf:proposition} Expected kernel-regime loss (paper Prop. 4.1)
# :label: ch4-prop41
# With $K = \sum_i\lambda_i u_iu_i^\top$,
#
# $$
# \begin{aligned}
# \mathbb E\,\tfrac1n\|r_k\|^2
#   &= \tfrac1n\Big(\operatorname{Tr}\big[(I-\eta K)^{2k}\Sigma\big]
#      + Y^\top (I-\eta K)^{2k} Y\Big)\\
#   &= \tfrac1n\sum_i (1-\eta\lambda_i)^{2k}
#      \big(u_i^\top\Sigma u_i + (u_i^\top Y)^2\big).
# \end{aligned}
# $$
# :::
#
# The second form needs one eigendecomposition and no matrix powers
# (`glu_lib.dynamics.kernel_loss_curve`). **What $\Sigma$ is.** Each hidden unit contributes $v\,h(x)$
# with $\mathbb E v^2 = \sigma_v^2 = 1/m$, so $\Sigma_{ij} = \mathbb E[\phi_i\phi_j]$ for the non-GLU net
# and $\tilde\Sigma_{ij} = \mathbb E[\phi_i\phi_j]\,x_i^\top x_j/d$ for the GLU net: the NNGP kernel,
# which does not grow with $m$. The paper writes $K$ in the trace. Since
# $K - m\Sigma = \mathbb E[\phi'\phi']\odot XX^\top$ is positive semi-definite (and likewise for
# $\tilde K$), $\operatorname{Tr}[A^{2k}\Sigma]\le\operatorname{Tr}[A^{2k}K]/m$: the paper's form bounds
# the first term up to the factor $1/m$ of the standard parameterisation. We use the exact $\Sigma$.
#
# **Check.** Explicit gradient descent on the linearised model with the expected kernels (the iteration
# $f\leftarrow f-\eta K(f-Y)$, no eigendecomposition), from $f_0=0$ and from many random draws
# $f_0\sim\mathcal N(0,\Sigma)$, against the formula:

# %%
Xc, Yc = data.gaussian_regression(P.check_n, P.d, seed=SEED)
rng = np.random.default_rng(SEED)
for kind in ("relu", "reglu"):
    m = matched_width(P.width, P.d) if kind == "reglu" else P.width
    K, S = kernels.expected_ntk(Xc, kind, m), dynamics.output_covariance(Xc, kind)
    eta = P.eta_fraction * dynamics.max_stable_eta(K)
    exact_0 = dynamics.kernel_loss_curve(K, Yc, eta, 200)
    gd_0 = dynamics.linearised_gd(K, Yc, eta, 200)
    L = np.linalg.cholesky(S + 1e-10 * np.eye(len(S)))
    f0 = L @ rng.standard_normal((len(S), P.check_draws))
    exact = dynamics.kernel_loss_curve(K, Yc, eta, 200, cov=S)
    mc = dynamics.linearised_gd(K, Yc, eta, 200, f0=f0)
    err0, err_mc = np.max(np.abs(gd_0 / exact_0 - 1)), np.max(np.abs(mc / exact - 1))
    print(f"{kind:5s} n={P.check_n}: f0=0 max rel. difference < 1e-9: {err0 < 1e-9};\n"
          f"      random f0 ({P.check_draws} draws) within 10%: {err_mc < 0.1}")
    assert err0 < 1e-9 and err_mc < 0.1

# %% [markdown]
# The formula is GD on the linearised model to rounding error; with random initial outputs it matches
# the Monte-Carlo average within its sampling error.
#
# ## Paper Cor. 4.2: two phases and a crossing
#
# The paper's claim ({cite:t}`lyu2026devil`, Cor. 4.2), as we reconstruct it: for Gaussian inputs with
# $d\ge 5$, $n\ge 300$ and $Y^\top(K-\tilde K)Y\ge 0$, the ReLU model has the smaller expected loss for
# small $\eta k$ and the ReGLU model for large $k$.
#
# :::{prf:corollary} Loss crossing (paper Cor. 4.2, reconstructed)
# :label: ch4-cor42
# Under these conditions there is a step $k^*$ with
# $L^{\mathrm{ReLU}}_k < L^{\mathrm{ReGLU}}_k$ before it and
# $L^{\mathrm{ReGLU}}_k < L^{\mathrm{ReLU}}_k$ after it.
# :::
#
# "After it" is the point: two curves can cross and cross back. We therefore record *every* step at
# which the lead changes hands (`glu_lib.dynamics.crossing_summary`) and call the pair crossed, with
# $k^*$ the **last** crossing, only when ReLU led at some step and ReGLU is below at the end of the
# horizon ($10^9$ steps on a logarithmic grid). Both kernels get one step size,
# $\eta = \tfrac12\cdot 2/\lambda_{\max}(K)$ (half of ReLU's stable limit, see below), on the
# linear-teacher task:

# %%
X, Y = data.gaussian_regression(P.n, P.d, seed=SEED)
C = dynamics.kernel_pair_curves(X, Y, width=P.width, eta_fraction=P.eta_fraction)
cov = dynamics.output_covariance(X, "relu")
init, _ = dynamics.kernel_loss_curve(C["K"], Y, C["eta"], C["steps"], cov=cov,
                                     parts=True)
lam, lam_glu = C["lam"], C["lam_glu"]
kappa, kappa_glu = lam[-1] / lam[0], lam_glu[-1] / lam_glu[0]
early = C["steps"] <= C["k_star"]
peak = float(np.max(C["loss_glu"][early] / C["loss"][early]))
print(f"n={P.n}, d={P.d}, width {P.width} (ReGLU {matched_width(P.width, P.d)} units), "
      f"eta={sig(C['eta'])}")
print(f"lambda_max: ReLU {sig(lam[-1])}, ReGLU {sig(lam_glu[-1])} "
      f"(ratio {sig(lam[-1] / lam_glu[-1])})")
print(f"lambda_min: ReLU {sig(lam[0])}, ReGLU {sig(lam_glu[0])}; "
      f"kappa: ReLU {sig(kappa)}, ReGLU {sig(kappa_glu)}")
print(f"Y^T(K - K_glu)Y = {sig(C['ydy'])}; initial-output share of the ReLU loss "
      f"at k=0: {sig(init[0] / C['loss'][0], 2)}")
print(f"crossings at steps {C['crossings']}; ReGLU ahead at the end: "
      f"{C['glu_ahead_at_end']}; k* = {C['k_star']}")
print(f"eta*k* = {sig(C['eta'] * C['k_star'])}")
print(f"largest loss ratio ReGLU/ReLU before the crossing: {sig(peak)}")
assert C["k_star"] is not None and len(C["crossings"]) == 1
assert C["ydy"] > 0 and kappa_glu < kappa and lam[0] < lam_glu[0] and peak > 5

# %% mystnb={"figure": {"caption": "Expected kernel-regime loss (paper Prop. 4.1) of the ReLU and the parameter-matched ReGLU network on the same Gaussian linear-teacher task, one step size for both (live, at the scale printed at the top). Left: the loss; the shaded region is ReLU's lead, the vertical line the crossing k*. Right: the ratio of the two losses.", "name": "fig-kernel-crossing"}}
show = (C["steps"] >= 1) & (C["steps"] <= 30 * C["k_star"])  # well past the crossing
k = C["steps"][show]
fig, (a1, a2) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.0), layout="constrained")
for kind, L in (("relu", C["loss"]), ("reglu", C["loss_glu"])):
    a1.loglog(k, L[show], **kind_style(kind))
a1.axvspan(k[0], C["k_star"], color=kind_style("relu")["color"], alpha=0.07, lw=0)
a2.loglog(k, C["loss_glu"][show] / C["loss"][show], color="k")
a2.axhline(1, color="grey", lw=1)
for ax in (a1, a2):
    ax.axvline(C["k_star"], color="grey", ls=":")
    ax.set_xlabel("gradient step k")
a1.set(ylabel="expected training MSE", title="paper Prop. 4.1",
       ylim=(1e-10 * C["loss"][0], 3 * C["loss"][0]))
a2.set(ylabel="loss ReGLU / loss ReLU", title=f"k* = {C['k_star']}", ylim=(1e-3, 1e2))
a1.legend(loc="lower left")
plt.show()

# %% [markdown]
# The two phases are plain, and here the curves cross exactly once. ReLU's kernel has the larger top
# eigenvalue (the ratio is printed above; the rank-one component from the non-zero mean of
# $\mathrm{relu}$) and larger eigenvalues along the directions of the linear target, so it removes most
# of the target first; at the peak the ReGLU loss is the printed multiple of ReLU's. What is left after
# that lives in the bulk of the spectrum, where ReGLU's eigenvalues are larger ($\lambda_{\min}$ above
# ReLU's): ReGLU finishes first. With $\operatorname{Var}y\approx d$ the initial-output term of
# Prop. 4.1 is under one percent of the loss here (printed share); the targets decide the curves.

# %% [markdown]
# ## Where is there a crossing?
#
# The same computation over a grid of $n$ and $d$, several input draws (seeds), three step sizes (a
# fraction of ReLU's $2/\lambda_{\max}$) and three targets: the linear teacher, a one-unit ReLU teacher
# $y=\sqrt2\,\mathrm{relu}(x^\top w)+0.1\varepsilon$, and pure noise $y=\varepsilon$. Each cell records
# every crossing, whether ReGLU is ahead at $10^9$ steps, and $\lambda_{\min}$ of both kernels.

# %%
recs = dynamics.crossing_map(P.map_n, P.map_d, P.map_eta, data.TEACHERS, width=P.width,
                             seeds=range(SEED, SEED + P.map_seeds))
at = [r for r in recs if r["eta_fraction"] == P.eta_fraction]
back = [r for r in recs if r["crossings"] and r["k_star"] is None]
multi = [r for r in recs if len(r["crossings"]) > 1]
most = max(len(r["crossings"]) for r in recs)
print(f"{len(recs)} cells (n x d x seed x target x step); crossed in Cor. 4.2's sense: "
      f"{sum(r['k_star'] is not None for r in recs)}")
print(f"cells that cross and cross back, ReLU ending lower: {len(back)} "
      f"(d <= {max(r['d'] for r in back)})")
print(f"cells with more than one crossing: {len(multi)}, at most {most} crossings")
ex = [r for r in at if r["teacher"] == "noise" and r["n"] == 300 and r["d"] == 5]
for r in ex:
    print(f"  e.g. noise target, n=300, d=5, seed {r['seed']}: crossings at "
          f"{r['crossings']},\n    ReGLU ahead at the end: {r['glu_ahead_at_end']}")

# %% [markdown]
# Crossing back is common at small $d$: there the curves swap the lead several times and ReLU ends
# lower, so counting the *first* crossing (as an earlier version of this chapter did) reports
# crossings that do not last. Below, a cell counts only with ReGLU ahead at the end. The boundary
# $d^*(n)$ is the smallest $d$ of the grid from which on every larger $d$ crosses for every seed
# (`glu_lib.dynamics.crossing_boundary`), over the cells with $d\le n/2$ (near $d=n$ the Gram matrix
# $XX^\top$ itself becomes singular, a different regime; paper Thm. 3.1 assumes $d+1<n$).

# %%
grid = [r for r in recs if 2 * r["d"] <= r["n"]]
bound = {t: dynamics.crossing_boundary(grid, teacher=t, eta_fraction=P.eta_fraction)
         for t in data.TEACHERS}
raised = lambda r: r["lam_min_glu"] > r["lam_min"]  # the gate raises lambda_min
raise_lmin = dynamics.crossing_boundary(grid, test=raised)
print("n      " + "  ".join(f"{n:5d}" for n in P.map_n))
for t in data.TEACHERS:
    row = "  ".join(f"{str(bound[t][n]):>5s}" for n in P.map_n)
    print(f"{t:7s}{row}   d* (crossing)")
print("lmin   " + "  ".join(f"{str(raise_lmin[n]):>5s}" for n in P.map_n)
      + "   d* (lambda_min(K_glu) > lambda_min(K))")
print("sqrt2n " + "  ".join(f"{sig(np.sqrt(2 * n), 2):>5s}" for n in P.map_n))
lin = [r for r in at if r["teacher"] == "linear"]
agree = float(np.mean([(r["k_star"] is not None) == raised(r) for r in lin]))
print(f"linear target: crossing <=> gate raises lambda_min in {sig(100 * agree, 3)}% "
      f"of {len(lin)} (n, d, seed) cells")

# %% mystnb={"figure": {"caption": "Where the kernel-regime curves cross in the sense of paper Cor. 4.2 (ReGLU still ahead at 10\u2079 steps), linear target, half of ReLU's stable step, live at the scale printed at the top. Left: fraction of seeds with a crossing per (d, n); red: the boundary d* found; dotted: the paper's d = 5; dashed: d = \u221a(2n). Right: median over seeds of \u03bbmin(K\u0303)/\u03bbmin(K) against d, one line per n.", "name": "fig-crossing-map"}}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.2), layout="constrained")
sc = dynamics.plot_crossing_map(a1, a2, recs, boundary=bound["linear"])
fig.colorbar(sc, ax=a1, label="fraction crossed", shrink=0.9)
fig.legend(*a1.get_legend_handles_labels(), loc="outside lower center", ncols=3,
           fontsize=8)
a2.legend(loc="lower right", fontsize=8)
plt.show()

# %%
no_small = all(r["k_star"] is None for r in recs
               if r["d"] <= 5 and r["teacher"] != "noise")
print(f"no lasting crossing at d <= 5 for the linear and ReLU targets: {no_small}")
assert no_small and all(b is not None and b > 5 for b in bound["linear"].values())
assert bound["linear"] == raise_lmin and agree >= 0.9
if P.scale == "full":  # n up to 2000: the boundary moves out with n
    assert bound["linear"][max(P.map_n)] > bound["linear"][min(P.map_n)]
else:  # n up to 500: one boundary for every n
    assert len(set(bound["linear"].values())) == 1

# %% [markdown]
# What the map shows (numbers printed above, at the scale of the live run):
#
# * **A lasting crossing exists exactly where the gate raises $\lambda_{\min}$.** The boundary in $d$
#   found from the crossings is the same as the one found from $\lambda_{\min}(\tilde K) >
#   \lambda_{\min}(K)$, for every $n$ of the grid, and cell by cell the two agree in the printed share of
#   cases. Above the boundary the crossing exists for every target, step size and seed; $\eta k^*$ is
#   nearly independent of $\eta$, so the crossing is a point in *time* $\eta k$, as the corollary says.
# * **$d\ge 5$ is not enough.** At $d\le 5$ no linear or ReLU-teacher pair crosses for good: with few
#   input dimensions the factor $XX^\top/d$ of paper Eq. 5 is itself badly conditioned (rank $d$), so
#   the gate lowers $\lambda_{\min}$ instead of raising it. The noise target crosses there, and then
#   crosses back, ReLU ending lower.
# * **The boundary lies between the paper's $d=5$ and chapter 3's $\sqrt{2n}$.** At smoke scale
#   ($n\le 500$) it is one value of $d$ for every $n$; the full grid below, with $n$ up to 2000, shows
#   it moving out with $n$.
# * **The sign condition $Y^\top(K-\tilde K)Y\ge 0$** decides who leads early, not who wins late.

# %% [markdown]
# ## The largest stable step, and a fair comparison
#
# Kernel gradient descent is stable only for $\eta<2/\lambda_{\max}$, i.e. for a learning rate
# $\mathrm{lr} < n/\lambda_{\max}$ on the mean MSE. ReLU's $\lambda_{\max}\approx nm/(2\pi)$ (the
# rank-one component) makes its limit about $2\pi/m$, independent of $n$; ReGLU's $\lambda_{\max}$ is
# smaller by about a factor $d$. This is the book's own result, not the paper's:
#
# :::{prf:proposition} Stable learning rates (this book)
# :label: ch4-stable-lr
# For Gaussian inputs, LeCun initialisation and width $m$, kernel gradient descent on the mean MSE is
# stable for ReLU only when $\mathrm{lr} \lesssim 2\pi/m$ ($\approx 0.0063$ at $m=1000$), while the
# matched ReGLU network tolerates a learning rate about $d$ times larger. The paper's learning rates
# 0.005 and 0.008 lie on either side of ReLU's limit.
# :::

# %%
lr_max = {kind: dynamics.mse_lr(2 / ev[-1], P.n)
          for kind, ev in (("relu", lam), ("reglu", lam_glu))}
print(f"largest stable lr (n={P.n}, width {P.width}): ReLU {sig(lr_max['relu'])} "
      f"(2*pi/m = {sig(2 * np.pi / P.width)}),\n  ReGLU {sig(lr_max['reglu'])}, "
      f"ratio {sig(lr_max['reglu'] / lr_max['relu'])}")
for lr in P.lrs:
    print(f"  paper lr {lr}: {sig(lr / lr_max['relu'])} of ReLU's limit, "
          f"{sig(lr / lr_max['reglu'])} of ReGLU's")
own = {kind: dynamics.kernel_loss_curve(K, Y, P.eta_fraction * 2 / ev[-1], C["steps"],
                                        cov=dynamics.output_covariance(X, kind))
       for kind, K, ev in (("relu", C["K"], lam), ("reglu", C["K_glu"], lam_glu))}
glu_ahead = bool(np.all(own["reglu"][1:] <= own["relu"][1:]))
print(f"each at {P.eta_fraction} of its own limit: ReGLU's loss at most ReLU's at "
      f"every step k >= 1: {glu_ahead}")
assert P.lrs[1] > lr_max["relu"] > P.lrs[0] and lr_max["reglu"] > 10 * lr_max["relu"]
assert abs(lr_max["relu"] / (2 * np.pi / P.width) - 1) < 0.1 and glu_ahead

# %% [markdown]
# Two consequences. First, **the paper's learning rates sit on either side of ReLU's kernel-regime
# limit**: 0.005 is just below it, 0.008 just above (the fractions are printed); for ReGLU both are
# tiny steps. At 0.008 the linearised ReLU network diverges, and a finite one survives only by leaving
# the kernel regime (see below). Second, with **one learning rate for both**, the comparison is set by
# ReLU's limit and ReGLU runs far below its own. If each network gets a step matched to its own limit,
# ReGLU's advantage is no longer confined to late training: it moves many times faster along every
# direction and is ahead at every step from the first one on (no crossing). The crossing is a property
# of the same-step comparison, which is what a practitioner who swaps the activation in a fixed recipe
# does.
#
# ## Finite width: SGD on real networks
#
# The paper's experiment (the full preset is N=2000, batch 256, 300 epochs, one seed on a shared CPU instead of the paper's several; the smoke run's
# cut is printed): every pair at lr 0.005 and the ReLU pair also at 0.008. For the ReLU pair the dotted
# lines are the kernel regime of *the same networks*: each network's own empirical NTK and initial
# residual at initialisation, frozen (`glu_lib.dynamics.linearised_prediction`).

# %%
Xs, Ys = data.gaussian_regression(P.sgd_n, P.d, seed=SEED)
seeds = range(SEED, SEED + P.sgd_seeds)
print(f"N={P.sgd_n}, d={P.d}, width {P.width}, batch {P.sgd_batch}, "
      f"{P.sgd_epochs} epochs, {P.sgd_seeds} seed(s), lr {P.lrs}")
sgd, pred = {}, {}
for lr in P.lrs:
    kinds = [k for p in (PAIRS if lr == P.lrs[0] else PAIRS[:1]) for k in p]
    kw = dict(width=P.width, lr=lr, epochs=P.sgd_epochs, batch_size=P.sgd_batch)
    if P.scale == "full":  # stored run by run, so an interrupted full run resumes
        name = f"loss_crossing_full_sgd_lr{lr}"
        sgd[lr] = dynamics.train_kinds_stored(name, P, kinds, Xs, Ys, seeds=seeds, **kw)
    else:
        sgd[lr] = dynamics.train_kinds(kinds, Xs, Ys, seeds=seeds, **kw)
    pred[lr] = {kind: dynamics.linearised_prediction(kind, Xs, Ys, seed=SEED, **kw)
                for kind in PAIRS[0]}

# %%
cross, lead, final = {}, {}, {}
diverges = lambda L: not L[-1] <= 1e6 * L[0]  # overflow (inf or nan) counts as diverged
for lr, runs in sgd.items():
    for a, b in PAIRS[: len(runs) // 2]:
        La, Lb = runs[a]["loss"].mean(0), runs[b]["loss"].mean(0)
        cross[(lr, a)] = dynamics.crossing_summary(La, Lb)
        lead[(lr, a)] = float(np.max(Lb / La))
        final[(lr, a)] = dynamics.final_loss_ratio(runs[a]["loss"], runs[b]["loss"])
        c = cross[(lr, a)]
        print(f"lr {lr} {a:4s}/{b:6s}: crossings (epoch) {c['crossings']}, GLU ahead "
              f"at end {c['glu_ahead_at_end']}")
        print(f"    peak loss GLU/non-GLU {sig(lead[(lr, a)])}; "
              f"final non-GLU/GLU {sig(final[(lr, a)])}")
    p = pred[lr]
    ok = np.isfinite(p["relu"]) & np.isfinite(p["reglu"])  # a diverging curve overflows
    kp = dynamics.crossing_summary(p["relu"][ok], p["reglu"][ok], np.flatnonzero(ok))
    print(f"lr {lr} frozen-kernel prediction: ReLU diverges: "
          f"{diverges(p['relu'])}; crossings {kp['crossings']}")

# %% mystnb={"figure": {"caption": "Training loss of parameter-matched two-layer networks trained with plain SGD on the Gaussian task (live, at the scale printed at the top). Left: all pairs at lr 0.005. Right: the ReLU pair at lr 0.005 (faint) and 0.008; dotted: the kernel-regime prediction of the same networks (their NTK at initialisation, frozen), which diverges for ReLU at 0.008.", "name": "fig-sgd-crossing"}}
def sgd_figure(sgd, pred=None):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.2),
                                 layout="constrained")
    dynamics.plot_loss_curves(a1, {k: r["loss"] for k, r in sgd[P.lrs[0]].items()})
    a1.set_title(f"lr {P.lrs[0]}")
    a1.legend(ncols=2, fontsize=8, loc="lower left")
    for lr, alpha in zip(P.lrs, (0.45, 1.0)):
        for kind in PAIRS[0]:
            st = kind_style(kind) | {"label": f"{kind}, lr {lr}"}
            a2.semilogy(np.mean(sgd[lr][kind]["loss"], axis=0), **st, alpha=alpha)
            if pred is not None:
                p = pred[lr][kind]
                a2.semilogy(np.where(p < 1e4, p, np.nan), color=st["color"], ls=":",
                            lw=1, alpha=alpha)
    a2.set(xlabel="epoch", ylabel="training MSE", title="lr ablation", ylim=(None, 1e3))
    a2.legend(fontsize=8, loc="lower left")
    return fig


sgd_figure(sgd, pred)
plt.show()

# %%
lr0, lr1 = P.lrs
assert all(cross[(lr0, a)]["k_star"] is not None for a, _ in PAIRS), cross
assert all(final[(lr0, a)] > 1 for a, _ in PAIRS)
assert lead[(lr1, "relu")] < lead[(lr0, "relu")]
assert diverges(pred[lr1]["relu"]) and pred[lr0]["relu"][-1] < pred[lr0]["relu"][0]

# %% [markdown]
# At lr 0.005 every pair crosses and stays crossed: the non-GLU network leads for the first epochs (the
# peak ratio GLU/non-GLU is printed) and the GLU network overtakes it and ends lower (final ratios
# printed). The frozen-kernel prediction reproduces the ordering of the first epochs but not the speed:
# the real networks train far faster than their own frozen NTKs, whose curves do not cross within the
# run (the kernel-regime crossing of this task lies thousands of steps out, as computed above). At
# width 1000 and $d=75$ the kernels move during training, so the kernel regime is a guide to the
# mechanism, not a quantitative model of these networks.
#
# At lr 0.008 the ReLU network starts beyond its stable step. Its linearisation diverges; the real
# network survives through a loss spike in the first epochs (a catapult out of the kernel regime) and
# then trains fast. Its early lead shrinks to the printed peak ratio, instead of several-fold at 0.005.
# This is the paper's "a larger learning rate removes ReLU's early lead", with its cause: 0.008 is past
# ReLU's stability limit and far inside ReGLU's.

# %% [markdown]
# ## Output trajectories and NTK ellipses
#
# The paper's picture, with the official script's setting and random draws
# (`glu_lib.dynamics.official_trajectories`, which rebuilds the official networks from the same seed,
# 42, and was checked against the official script to rounding error): two samples in $d=75$, targets
# $(0.03, 0.008)$, width 300 (ReGLU: 150 units), zero-initialised biases, full-batch SGD with lr
# $10^{-4}$ for 1000 steps, float64. The network is trained as $f-f_0$, its output minus its initial
# output, so both paths start at the origin. As in the official figure, the $2\times2$ empirical NTK
# $\Theta$ of **every** step is drawn as an ellipse **centred at the target**, with axes along its
# eigenvectors and full lengths $1/\lambda$: the long axis is the slow direction.

# %%
traj = dynamics.official_trajectories(PAIRS[0], seed=P.traj_seed, d=P.traj_d,
                                      hidden=P.traj_width, lr=P.traj_lr,
                                      steps=P.traj_steps)
target = traj["target"]
shape = {}
for kind in PAIRS[0]:
    t = traj[kind]
    ev0, evT = np.linalg.eigvalsh(t["ntk"][0]), np.linalg.eigvalsh(t["ntk"][-1])
    dist = np.linalg.norm(t["outputs"][-1] - target) / np.linalg.norm(target)
    seg = np.linalg.norm(np.diff(t["outputs"], axis=0), axis=1)
    path = np.sum(seg) / np.linalg.norm(target)
    shape[kind] = {"kappa": ev0[1] / ev0[0], "dist": dist, "path": path}
    print(f"{kind:5s} ({t['units']} units): NTK eigenvalues {sig(ev0[0])}, "
          f"{sig(ev0[1])} (kappa {sig(ev0[1] / ev0[0])}); after {P.traj_steps} steps "
          f"kappa {sig(evT[1] / evT[0])}")
    print(f"      final distance to target / |target| {sig(dist, 2)}; "
          f"path length / |target| {sig(path)}")

# %% mystnb={"figure": {"caption": "The paper's trajectory figure redrawn with the official script's setting and draws (seed 42; live). Paths of the outputs f \u2212 f\u2080 of two samples from the origin (grey dot) towards the target (star) for ReLU and parameter-matched ReGLU; dashed ellipses: the 2\u00d72 empirical NTK of every one of the 1000 steps, centred at the target, axes along its eigenvectors with full lengths 1/\u03bb.", "name": "fig-trajectories"}}
fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.9), layout="constrained")
dynamics.plot_official_trajectories(ax, traj, PAIRS[0])
ax.legend(loc="upper left")
plt.show()

# %%
over = {kind: float(traj[kind]["outputs"][:, 1].max() / target[1]) for kind in PAIRS[0]}
print("largest output 2 / its target: "
      + ", ".join(f"{kind} {sig(v)}" for kind, v in over.items()))
assert shape["reglu"]["kappa"] < shape["relu"]["kappa"]
assert shape["reglu"]["path"] < shape["relu"]["path"]
assert over["relu"] > 1.1 and over["reglu"] < 1.05
assert all(s["dist"] < 1e-3 for s in shape.values())

# %% [markdown]
# The ellipse is the NTK's action on the residual turned around: along its long axis (small
# $\lambda$) the residual shrinks slowly, along its short axis fast. The ReLU ellipse is elongated
# and tilted: its two samples share a common gradient component (the rank-one part of the kernel), so
# the outputs move most easily *together*, and the path overshoots the second output (which should rise
# only a little; the largest ratio is printed) before the slow direction pulls it back. The ReGLU
# ellipse is rounder (condition number printed above) — the gate makes the two samples' gradients more
# nearly orthogonal (paper Eq. 5) — so $\Theta r$ points more nearly at the target, the path is shorter
# and does not overshoot. A rounder ellipse is a smaller condition number, seen in two dimensions. Both
# networks stay in the lazy regime here: the NTK of step 1000 is that of step 0 to three digits
# (printed), so the thousand ellipses of each network lie on top of each other. (An earlier variant of
# this figure drew the ellipse at points along the path, scaled by $\lambda$; with a kernel that does
# not move it shows nothing more, and the official picture is kept.)

# %% [markdown]
# ## Smoke scale and full scale
#
# Everything above ran live at the scale printed at the top. The full preset uses $n=2000$ for the
# kernel-regime sections, a map with $n$ up to 2000, $d$ up to 150 and 3 seeds, and the paper's SGD
# setting (N=2000, batch 256, 300 epochs; one seed, not 4, to fit a shared CPU). It ran with `SCALE = "full"` on a CPU in the
# background (the SGD runs stored one by one, so an interrupted run resumes); its headline numbers
# are stored in `results/loss_crossing_full.json` with their provenance and shown here beside the live
# run. The trajectory experiment is the same at both scales.

# %%
summary = {
    "kernel": {"n": P.n, "k_star": C["k_star"], "crossings": C["crossings"],
               "peak": peak, "kappa": [kappa, kappa_glu]},
    "map": [r for r in recs if r["eta_fraction"] == P.eta_fraction],
    "boundary": {t: {str(n): d for n, d in b.items()} for t, b in bound.items()},
    "agree": float(agree), "crossed_back": len(back), "cells": len(recs),
    "lr_max": lr_max, "own_eta_glu_ahead": glu_ahead,
    "sgd": {f"{lr}/{a}": {"crossings": c["crossings"], "k_star": c["k_star"],
                          "lead": lead[(lr, a)], "final": final[(lr, a)]}
            for (lr, a), c in cross.items()},
    "sgd_curves": {f"{lr}/{k}": np.mean(r["loss"], axis=0)
                   for lr in sgd for k, r in sgd[lr].items()},
    "sgd_wall_s": sum(r.get("wall_s", 0.0) for v in sgd.values() for r in v.values()),
}
if P.scale == "full":
    save_result("loss_crossing_full", summary, P)
stored = load_result("loss_crossing_full")
runs = {"live " + P.scale: summary}
if stored is not None:
    runs["stored full"] = stored["data"]
if stored is not None:
    prov = stored["provenance"]
    wall = stored["data"]["sgd_wall_s"] / 60
    print(f"stored full run: {prov['date'][:10]}, {prov['device']},\n  torch "
          f"{prov['torch']}; SGD training {sig(wall, 2)} min")
for name, r in runs.items():
    kr = r["kernel"]
    print(f"{name}: n={kr['n']}: k* = {kr['k_star']}, crossings {kr['crossings']}, "
          f"kappa ReLU {sig(kr['kappa'][0])}, ReGLU {sig(kr['kappa'][1])}")
    print(f"  boundary d* (linear target) by n: {r['boundary']['linear']}")
    print(f"  crossing <=> lambda_min raised in {sig(100 * r['agree'], 3)}% of cells")
    print(f"  largest stable lr ReLU {sig(r['lr_max']['relu'])}, "
          f"ReGLU {sig(r['lr_max']['reglu'])}")
    for key, v in r["sgd"].items():
        print(f"  SGD lr {key}: crossings {v['crossings']}, peak {sig(v['lead'])}, "
              f"final ratio {sig(v['final'])}")

# %% mystnb={"figure": {"caption": "Stored full-scale run (not recomputed here; run on a CPU). Left: the crossing map of the full grid (n up to 2000, d up to 150, 3 seeds), linear target, half of ReLU's stable step; red: the boundary d* found; dotted: the paper's d = 5; dashed: d = \u221a(2n). Right: the SGD loss of the ReLU pair at lr 0.005 (faint) and 0.008, N=2000, batch 256, 300 epochs, one seed.", "name": "fig-loss-crossing-full"}}
if stored is not None:
    S = stored["data"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.2),
                                 layout="constrained")
    b_full = {int(n): d for n, d in S["boundary"]["linear"].items()}
    sc = dynamics.plot_crossing_map(a1, None, S["map"], boundary=b_full)
    fig.colorbar(sc, ax=a1, label="fraction crossed", shrink=0.9)
    fig.legend(*a1.get_legend_handles_labels(), loc="outside lower center", ncols=3,
               fontsize=8)
    for lr, alpha in zip(P.lrs, (0.45, 1.0)):
        for kind in PAIRS[0]:
            st = kind_style(kind) | {"label": f"{kind}, lr {lr}"}
            a2.semilogy(S["sgd_curves"][f"{lr}/{kind}"], **st, alpha=alpha)
    a2.set(xlabel="epoch", ylabel="training MSE", title="lr ablation (full)")
    a2.legend(fontsize=8, loc="upper right")
    plt.show()

# %%
if stored is not None:
    full_b = {int(n): d for n, d in S["boundary"]["linear"].items()}
    print("full boundary d* / sqrt(n): " + ", ".join(
        f"n={n}: {sig(d / np.sqrt(n), 2)}" for n, d in full_b.items()))
    assert all(d is not None and d > 5 for d in full_b.values())
    assert full_b[max(full_b)] > full_b[min(full_b)] and S["agree"] >= 0.9
    assert all(v["k_star"] is not None and v["final"] > 1 for k, v in S["sgd"].items()
               if k.startswith(f"{P.lrs[0]}/"))
    assert S["sgd"][f"{P.lrs[1]}/relu"]["lead"] < S["sgd"][f"{P.lrs[0]}/relu"]["lead"]

# %% [markdown]
# **The boundary at full scale.** With $n$ up to 2000 (printed above: the boundary per $n$ and its ratio
# to $\sqrt n$) the crossing boundary moves out with $n$: a linear target crosses for good only from
# $d^*\approx\sqrt n$ on — between the paper's condition $d\ge 5$, which is not sufficient at any $n$
# on the grid, and chapter 3's $\sqrt{2n}$, which is sufficient but about 1.4 times larger than needed
# for $n\ge 300$. At the smallest $n=100$ a single seed at $d=20$ pushes the boundary up: near the
# boundary the answer depends on the draw of the inputs. It is again the boundary of
# $\lambda_{\min}(\tilde K) > \lambda_{\min}(K)$, so the statement the book can make is: **the loss
# crossing of Cor. 4.2 exists where the gate raises the smallest NTK eigenvalue, which for Gaussian
# inputs takes $d\gtrsim\sqrt n$, not $d\ge 5$.** The SGD runs at the paper's full setting cross for
# every pair at lr 0.005 and stay crossed, and ReLU's early lead at 0.008 is smaller than at 0.005
# but, at N=2000, not removed (peak loss ratios printed above).

# %%
def judge(ok_smoke, ok_full):
    if ok_full is None:
        return "reproduced" if ok_smoke else "not reproduced"
    return {(True, True): "reproduced", (False, False): "not reproduced"}.get(
        (ok_smoke, ok_full), "partly reproduced")


F = None if stored is None else stored["data"]
na = "not run"
removed = lambda high, low: high < min(1.1, low)  # GLU at most 10 % above, at 0.008
lr0, lr1 = (str(lr) for lr in P.lrs)
ok_sgd = lambda sg: all(sg[f"{lr0}/{a}"]["k_star"] is not None for a, _ in PAIRS)
fin = lambda sg: "final non-GLU/GLU " + ", ".join(sig(sg[f"{lr0}/{a}"]["final"], 2)
                                                  for a, _ in PAIRS)
pk = lambda sg: (f"peak GLU/non-GLU {sig(sg[f'{lr1}/relu']['lead'], 2)} vs "
                 f"{sig(sg[f'{lr0}/relu']['lead'], 2)}")
rm = lambda sg: removed(sg[f"{lr1}/relu"]["lead"], sg[f"{lr0}/relu"]["lead"])
b_str = lambda b: ", ".join(f"{d} (n={n})" for n, d in b.items())
rows = [
    Verdict("Expected kernel-regime loss is an exact spectral sum", "paper Prop. 4.1",
            f"matches GD on the linearised model to 1e-9 (n={P.check_n})",
            na if F is None else "asserted in the full run (n=300)", "reproduced"),
    Verdict("ReLU leads early and ReGLU overtakes for good (kernel regime, d=75)",
            "paper Cor. 4.2", f"crossings {C['crossings']}, k* = {C['k_star']}",
            na if F is None else
            f"crossings {F['kernel']['crossings']}, k* = {F['kernel']['k_star']}",
            judge(C["k_star"] is not None,
                  None if F is None else F["kernel"]["k_star"] is not None)),
    Verdict("The crossing exists for d >= 5 and n >= 300", "paper Cor. 4.2",
            "none at d <= 5; d* = " + b_str(summary["boundary"]["linear"]),
            na if F is None else "d* = " + b_str(F["boundary"]["linear"]),
            "not reproduced"),
    Verdict("Finite nets trained with SGD cross for all three pairs (lr 0.005)",
            "paper Sec. 4", fin(summary["sgd"]), na if F is None else fin(F["sgd"]),
            judge(ok_sgd(summary["sgd"]), None if F is None else ok_sgd(F["sgd"]))),
    Verdict("lr 0.008 instead of 0.005 removes ReLU's early lead", "paper Sec. 4",
            pk(summary["sgd"]), na if F is None else pk(F["sgd"]),
            judge(rm(summary["sgd"]), None if F is None else rm(F["sgd"]))),
    Verdict("A rounder GLU NTK ellipse sends the outputs more directly to the target",
            "paper trajectory figure",
            f"kappa(NTK) ReLU {sig(shape['relu']['kappa'], 3)}, "
            f"ReGLU {sig(shape['reglu']['kappa'], 3)}",
            "same setting as smoke", "reproduced"),
]
verdict_table("04_loss_crossing", rows, write=(P.scale == "smoke"))
