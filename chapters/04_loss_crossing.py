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

from glu_lib import analysis, data, dynamics, kernels
from glu_lib.config import preset
from glu_lib.kinds import PAIRS
from glu_lib.models import matched_width
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, kind_style, use_style
from glu_lib.results import load_result, save_result
from glu_lib.verdicts import Finding, Verdict, verdict_table

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
def prop41_check(n, draws, seed=SEED):
    """Largest relative gap of the formula to GD on the linearised model, per kind:
    from f0 = 0, and from `draws` random f0 ~ N(0, Sigma) (Monte-Carlo)."""
    X, Y = data.gaussian_regression(n, P.d, seed=seed)
    rng = np.random.default_rng(seed)
    out = {}
    for kind in ("relu", "reglu"):
        m = matched_width(P.width, P.d) if kind == "reglu" else P.width
        K, S = kernels.expected_ntk(X, kind, m), dynamics.output_covariance(X, kind)
        eta = P.eta_fraction * dynamics.max_stable_eta(K)
        exact_0 = dynamics.kernel_loss_curve(K, Y, eta, 200)
        gd_0 = dynamics.linearised_gd(K, Y, eta, 200)
        L = np.linalg.cholesky(S + 1e-10 * np.eye(len(S)))
        f0 = L @ rng.standard_normal((len(S), draws))
        exact = dynamics.kernel_loss_curve(K, Y, eta, 200, cov=S)
        mc = dynamics.linearised_gd(K, Y, eta, 200, f0=f0)
        out[kind] = (np.max(np.abs(gd_0 / exact_0 - 1)), np.max(np.abs(mc / exact - 1)))
    return out


# at this scale's size, and at the full preset's size (cheap: a few seconds)
P_full = preset("loss_crossing", "full")
check_at = {"this scale": (P.check_n, P.check_draws),
            "full preset": (P_full.check_n, P_full.check_draws)}
checks = {}
for label, (n, draws) in check_at.items():
    for kind, (err0, err_mc) in prop41_check(n, draws).items():
        print(f"{label}, {kind:5s} n={n}: f0=0 max rel. difference < 1e-9: "
              f"{err0 < 1e-9};\n"
              f"      random f0 ({draws} draws) within 10%: {err_mc < 0.1}")
        assert err0 < 1e-9 and err_mc < 0.1
        checks.setdefault(label, []).append(bool(err0 < 1e-9 and err_mc < 0.1))

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

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Expected kernel-regime loss (paper Prop. 4.1) of the ReLU and the parameter-matched ReGLU network on the same Gaussian linear-teacher task, one step size for both (live, at the scale printed at the top). Left: the loss; the shaded region is ReLU's lead, the vertical line the crossing k*. Right: the ratio of the two losses.", "name": "fig-kernel-crossing"}}
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

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Where the kernel-regime curves cross in the sense of paper Cor. 4.2 (ReGLU still ahead at 10\u2079 steps), linear target, half of ReLU's stable step, live at the scale printed at the top. Left: fraction of seeds with a crossing per (d, n); red: the boundary d* found; dotted: the paper's d = 5; dashed: d = \u221a(2n). Right: median over seeds of \u03bbmin(K\u0303)/\u03bbmin(K) against d, one line per n.", "name": "fig-crossing-map"}}
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
# **The two halves of Cor. 4.2.** As the paper states it, the conditions $d\ge5$, $n\ge300$ and
# $Y^\top(K-\tilde K)Y\ge0$ go with the *early* phase (ReLU has the smaller expected loss for small
# $\eta k$); the later crossing is tied to the spectrum. So we check the two halves apart, on every
# cell of the map that meets the three conditions: who is lower at the first step $k=1$ (read off
# the recorded crossings, `glu_lib.dynamics.non_glu_leads_at`), and whether ReGLU is ahead at the end.


# %%
def halves(records):
    """Cor. 4.2 on the cells meeting its conditions: early lead, lasting crossing."""
    cond = [r for r in records if r["n"] >= 300 and r["d"] >= 5 and r["ydy"] >= 0]
    neg = [r for r in records if r["ydy"] < 0]
    lead1 = lambda rs: sum(dynamics.non_glu_leads_at(r, 1) for r in rs)
    return {"cells": len(cond), "early": lead1(cond),
            "lasting": sum(r["k_star"] is not None for r in cond),
            "neg": len(neg), "neg_early": lead1(neg)}


H = halves(recs)
print(f"cells with n >= 300, d >= 5, Y^T(K - K_glu)Y >= 0: {H['cells']}")
print(f"  ReLU lower at step 1: {H['early']}; ReGLU ahead at the end: {H['lasting']}")
print(f"cells with Y^T(K - K_glu)Y < 0: {H['neg']}; ReLU lower at step 1: "
      f"{H['neg_early']}")
assert H["early"] == H["cells"] > 0 and 0 < H["lasting"] < H["cells"]

# %% [markdown]
# The early half holds in every such cell. The lasting half holds only in part: the cells that
# meet the paper's conditions but lie below the boundary $d^*(n)$ never stay crossed. And ReLU
# leads at the first step also in the cells where $Y^\top(K-\tilde K)Y<0$ (counts printed), so the
# sign condition is not what puts ReLU ahead early. What does: the random initial outputs. The
# loss at $k=0$ is $(\operatorname{Tr}\Sigma+\|Y\|^2)/n$, and the GLU network's outputs have the
# larger variance, $\tilde\Sigma_{ii}=\Sigma_{ii}\,\|x_i\|^2/d$ with
# $\mathbb E\|x\|^4/d^2 = 1+2/d$. With the targets alone ($\Sigma$ left out), the sign condition
# is the first-order term of the difference, $-2\eta k\,Y^\top(K-\tilde K)Y/n$, and it decides the
# early lead unless $\eta$ is large enough for the second-order term to matter. Both, on the
# cells of the live map with $Y^\top(K-\tilde K)Y<0$ at the step used above:

# %%
tr_ratio, tgt_lead, exceptions = [], [], set()
for r in (r for r in at if r["ydy"] < 0):
    Xr, Yr = data.gaussian_regression(r["n"], r["d"], teacher=r["teacher"],
                                      seed=r["seed"])
    tr_ratio.append(np.trace(dynamics.output_covariance(Xr, "reglu"))
                    / np.trace(dynamics.output_covariance(Xr, "relu")))
    Cr = dynamics.kernel_pair_curves(Xr, Yr, width=P.width, eta_fraction=P.eta_fraction,
                                     steps=2, init=False)
    tgt_lead.append(bool(Cr["loss"][1] < Cr["loss_glu"][1]))
    if tgt_lead[-1]:
        exceptions.add(r["d"])
print(f"{len(tr_ratio)} cells: Tr(Sigma_glu)/Tr(Sigma) {sig(min(tr_ratio))} to "
      f"{sig(max(tr_ratio))}")
print(f"  targets alone: ReLU lower at step 1 in {sum(tgt_lead)} of {len(tgt_lead)}, "
      f"at d = {sorted(exceptions)}")
assert min(tr_ratio) > 1 and sum(tgt_lead) < len(tgt_lead)

# %% [markdown]
# So in Prop. 4.1 as the book evaluates it (with the exact $\Sigma$), ReLU's early lead comes from
# its quieter initial outputs at least as much as from the sign condition; with the targets alone
# the sign condition decides it in most of these cells (the exceptions, printed, are cells at
# $d=2$ where the step is large enough for the second-order term).
#
# **How the boundary grows with $n$.** A power law $d^*\propto n^a$ fitted to the boundary of
# the linear target, and $d^*/\sqrt n$ for each $n$ (the grid of $d$ is coarse, steps of about
# 1.5×, so each $d^*$ is known to that factor):

# %%
def boundary_fit(b):
    ns = [n for n in sorted(b) if b[n] is not None]
    fit = analysis.loglog_slope(ns, [b[n] for n in ns])
    return fit, {n: b[n] / np.sqrt(n) for n in ns}


a_fit, b_sqrt = boundary_fit(bound["linear"])
print(f"fitted d* ~ n^{a_fit:.2f}; d*/sqrt(n): "
      + ", ".join(f"n={n}: {v:.2f}" for n, v in b_sqrt.items()))
assert -0.1 < a_fit < 0.45

# %% [markdown]
# What the map shows (numbers printed above, at the scale of the live run):
#
# * **A lasting crossing exists exactly where the gate raises $\lambda_{\min}$.** The boundary in $d$
#   found from the crossings is the same as the one found from $\lambda_{\min}(\tilde K) >
#   \lambda_{\min}(K)$, for every $n$ of the grid, and cell by cell the two agree in the printed share of
#   cases. Above the boundary the crossing exists for every target, step size and seed.
# * **$d\ge 5$ is not enough for the lasting crossing.** At $d\le 5$ no linear or ReLU-teacher pair
#   crosses for good: with few input dimensions the factor $XX^\top/d$ of paper Eq. 5 is itself
#   badly conditioned (rank $d$), so the gate lowers $\lambda_{\min}$ instead of raising it. The
#   noise target crosses there, and then crosses back, ReLU ending lower.
# * **The boundary grows with $n$ more slowly than $\sqrt n$**, with the fitted exponent printed
#   above (at smoke scale, $n\le500$, it is one value of $d$ for every $n$, exponent 0); the full
#   grid below, with $n$ up to 2000, gives its exponent there.
# * **The early ReLU lead needs neither the boundary nor the sign condition** on this map.

# %% [markdown]
# **Is the crossing a point in time $\eta k$?** For each cell that crosses for good at all three
# step sizes, the spread (largest over smallest) of $\eta k^*$ across the step sizes; the stored
# full map keeps one step size, so this is a smoke-scale check:

# %%
by_cell = {}
for r in recs:
    if r["k_star"] is not None:
        key = (r["n"], r["d"], r["seed"], r["teacher"])
        by_cell.setdefault(key, []).append(r["eta_fraction"] * r["k_star"])
spread = [max(v) / min(v) for v in by_cell.values() if len(v) == len(P.map_eta)]
print(f"{len(spread)} cells crossed at every step size; spread of eta*k*: median "
      f"{sig(np.median(spread))}, largest {sig(max(spread))}")
print(f"step sizes span a factor {sig(max(P.map_eta) / min(P.map_eta))}")
assert np.median(spread) < 2

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
# The paper's experiment (the full preset is N=2000, batch 256, 300 epochs, 3 seeds; the smoke
# run's cut is printed): every pair at lr 0.005 and the ReLU pair also at 0.008, each seed fixing
# the initialisation and the batch order of both networks of a pair. For the ReLU pair the dotted
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
def sgd_summary(sgd):
    """Per lr and pair: crossings of the seed-mean curves, and per seed the crossing,
    the peak GLU/non-GLU loss ratio (the early lead) and the final non-GLU/GLU ratio."""
    out = {}
    for lr, runs in sgd.items():
        for a, b in (p for p in PAIRS if p[0] in runs and p[1] in runs):
            La, Lb = np.asarray(runs[a]["loss"]), np.asarray(runs[b]["loss"])
            c = dynamics.crossing_summary(La.mean(0), Lb.mean(0))
            out[f"{lr}/{a}"] = {
                "crossings": c["crossings"], "k_star": c["k_star"], "seeds": len(La),
                "crossed": sum(dynamics.loss_crossing_step(x, y) is not None
                               for x, y in zip(La, Lb)),
                "lead": float(np.max(Lb.mean(0) / La.mean(0))),
                "leads": [float(np.max(y / x)) for x, y in zip(La, Lb)],
                "final": dynamics.final_loss_ratio(La, Lb),
                "finals": [float(x[-1] / y[-1]) for x, y in zip(La, Lb)]}
    return out


def show_sgd(sg):
    for key, v in sg.items():
        print(f"lr {key:10s}: {v['crossed']} of {v['seeds']} seeds cross for good; "
              f"mean curves cross at epoch {v['crossings']}")
        lo_hi = lambda x: f"{sig(min(x), 2)}-{sig(max(x), 2)}"
        print(f"    peak GLU/non-GLU {lo_hi(v['leads'])}, "
              f"final non-GLU/GLU {lo_hi(v['finals'])}")


SG = sgd_summary(sgd)
show_sgd(SG)
diverges = lambda L: not L[-1] <= 1e6 * L[0]  # overflow (inf or nan) counts as diverged
for lr, p in pred.items():
    ok = np.isfinite(p["relu"]) & np.isfinite(p["reglu"])  # a diverging curve overflows
    kp = dynamics.crossing_summary(p["relu"][ok], p["reglu"][ok], np.flatnonzero(ok))
    print(f"lr {lr} frozen-kernel prediction (seed {SEED}): ReLU diverges: "
          f"{diverges(p['relu'])}; crossings {kp['crossings']}")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Training loss of parameter-matched two-layer networks trained with plain SGD on the Gaussian task (live, at the scale printed at the top). Left: all pairs at lr 0.005. Right: the ReLU pair at lr 0.005 (faint) and 0.008; dotted: the kernel-regime prediction of the same networks (their NTK at initialisation, frozen), which diverges for ReLU at 0.008.", "name": "fig-sgd-crossing"}}
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
def sgd_claims(sg):
    """The SGD claims on a summary: every pair and seed crosses for good at lr 0.005:
    ReLU's early lead (peak GLU/non-GLU) is smaller at the second lr for every seed; and
    in how many seeds (of how many) it is gone there (GLU at most 10 % above)."""
    lo, hi = (str(lr) for lr in P.lrs)
    cross_all = all(sg[f"{lo}/{a}"]["crossed"] == sg[f"{lo}/{a}"]["seeds"]
                    for a, _ in PAIRS)
    smaller = all(h < l for h, l in zip(sg[f"{hi}/relu"]["leads"],
                                        sg[f"{lo}/relu"]["leads"]))
    gone = (sum(h < 1.1 for h in sg[f"{hi}/relu"]["leads"]), sg[f"{hi}/relu"]["seeds"])
    return cross_all, smaller, gone


ok_cross, ok_smaller, ok_gone = sgd_claims(SG)
print(f"every pair and seed crosses at lr {P.lrs[0]}: {ok_cross}")
print(f"ReLU's lead smaller at lr {P.lrs[1]} for every seed: {ok_smaller}; "
      f"gone in {ok_gone[0]} of {ok_gone[1]} seeds")
assert ok_cross and ok_smaller and SG[f"{P.lrs[0]}/relu"]["seeds"] >= 3
assert all(min(SG[f"{P.lrs[0]}/{a}"]["finals"]) > 1 for a, _ in PAIRS)
p0, p1 = pred[P.lrs[0]]["relu"], pred[P.lrs[1]]["relu"]
assert diverges(p1) and p0[-1] < p0[0]

# %% [markdown]
# At lr 0.005 every pair crosses and stays crossed: the non-GLU network leads for the first epochs (the
# peak ratio GLU/non-GLU is printed) and the GLU network overtakes it and ends lower (final ratios
# printed). The frozen-kernel prediction reproduces the ordering of the first epochs but not the speed:
# the real networks train far faster than their own frozen NTKs, whose curves do not cross within the
# run (the kernel-regime crossing of this task lies thousands of steps out, as computed above). At
# width 1000 and $d=75$ the kernels move during training, so the kernel regime is a guide to the
# mechanism, not a quantitative model of these networks.
#
# At lr 0.008 the ReLU network starts beyond its stable step. Its linearisation
# diverges; the real network survives through a loss spike in the first epochs (a
# catapult out of the kernel regime) and then trains fast. Its early lead shrinks for
# every seed, to the printed peak ratios, instead of several-fold at 0.005; whether it
# is gone (GLU at most 10 % above ReLU at every epoch) depends on the seed (the count is
# printed). The paper's "a larger learning rate removes ReLU's early lead" is therefore
# half of what is seen: the lead shrinks, and it is removed only in this smoke run, not
# at the paper's setting (the full run below, where it is gone in none of the seeds).
# The cause of the shrinking: 0.008 is past ReLU's stability limit and far inside
# ReGLU's.

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

# %% tags=["hide-input"] mystnb={"figure": {"caption": "The paper's trajectory figure redrawn with the official script's setting and draws (seed 42; live). Paths of the outputs f \u2212 f\u2080 of two samples from the origin (grey dot) towards the target (star) for ReLU and parameter-matched ReGLU; dashed ellipses: the 2\u00d72 empirical NTK of every one of the 1000 steps, centred at the target, axes along its eigenvectors with full lengths 1/\u03bb.", "name": "fig-trajectories"}}
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
# setting (N=2000, batch 256, 300 epochs) at 3 seeds. It ran with `SCALE = "full"` on a CPU in the
# background: the kernel-regime numbers are stored in `results/loss_crossing_full.json`, and the SGD
# runs one by one (so an interrupted run resumes) in `results/loss_crossing_full_sgd_lr*.json`, each
# with its provenance. They are shown here beside the live run; each pair uses the seeds stored
# for both its networks (the count is printed with each result).

# %%
summary = {
    "kernel": {"n": P.n, "k_star": C["k_star"], "crossings": C["crossings"],
               "peak": peak, "kappa": [kappa, kappa_glu]},
    "map": [r for r in recs if r["eta_fraction"] == P.eta_fraction],
    "boundary": {t: {str(n): d for n, d in b.items()} for t, b in bound.items()},
    "agree": float(agree), "crossed_back": len(back), "cells": len(recs),
    "lr_max": lr_max, "own_eta_glu_ahead": glu_ahead, "sgd": SG,
    "sgd_curves": {f"{lr}/{k}": np.mean(r["loss"], axis=0)
                   for lr in sgd for k, r in sgd[lr].items()},
    "sgd_wall_s": sum(r.get("wall_s", 0.0) for v in sgd.values() for r in v.values()),
}
if P.scale == "full":
    save_result("loss_crossing_full", summary, P)
stored = load_result("loss_crossing_full")
S = None if stored is None else stored["data"]


def stored_sgd():
    """The stored full-scale SGD runs, {lr: {kind: {"loss": (seeds, epochs+1)}}}: for
    each pair the seeds that both its kinds have; None while a pair has none."""
    out = {}
    for lr in P.lrs:
        res = load_result(f"loss_crossing_full_sgd_lr{lr}")
        runs = {} if res is None else res["data"]["runs"]
        out[lr] = {}
        for pair in (PAIRS if lr == P.lrs[0] else PAIRS[:1]):
            have = [{key.split("/")[1] for key in runs if key.startswith(k + "/")}
                    for k in pair]
            seeds = sorted(set.intersection(*have))
            if not seeds:
                return None
            for k in pair:
                loss = [runs[f"{k}/{s}"]["loss"] for s in seeds]
                out[lr][k] = {"loss": np.array(loss)}
    return out


full_sgd = stored_sgd()
SG_full = None if full_sgd is None else sgd_summary(full_sgd)
if stored is not None:
    prov = stored["provenance"]
    print(f"stored full run: {prov['date'][:10]}, {prov['device']},\n  torch "
          f"{prov['torch']}")
for name, r in {"live " + P.scale: summary, "stored full": S}.items():
    if r is None:
        continue
    kr = r["kernel"]
    print(f"{name}: n={kr['n']}: k* = {kr['k_star']}, crossings {kr['crossings']}, "
          f"kappa ReLU {sig(kr['kappa'][0])}, ReGLU {sig(kr['kappa'][1])}")
    print(f"  boundary d* (linear target) by n: {r['boundary']['linear']}")
    print(f"  crossing <=> lambda_min raised in {sig(100 * r['agree'], 3)}% of cells")
    print(f"  largest stable lr ReLU {sig(r['lr_max']['relu'])}, "
          f"ReGLU {sig(r['lr_max']['reglu'])}")
if SG_full is not None:
    print("stored full SGD runs (N=2000, batch 256, 300 epochs):")
    show_sgd(SG_full)
else:
    print("stored full SGD runs: not complete in results/")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Stored full-scale run (not recomputed here; run on a CPU). Left: the crossing map of the full grid (n up to 2000, d up to 150, 3 seeds), linear target, half of ReLU's stable step; red: the boundary d* found; dotted: the paper's d = 5; dashed: d = \u221a(2n). Right: the SGD loss of the ReLU pair at lr 0.005 (faint) and 0.008, N=2000, batch 256, 300 epochs, geometric mean over the stored seeds (bands: min\u2013max).", "name": "fig-loss-crossing-full"}}
if S is not None and full_sgd is not None:
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.2),
                                 layout="constrained")
    b_full = {int(n): d for n, d in S["boundary"]["linear"].items()}
    sc = dynamics.plot_crossing_map(a1, None, S["map"], boundary=b_full)
    fig.colorbar(sc, ax=a1, label="fraction crossed", shrink=0.9)
    fig.legend(*a1.get_legend_handles_labels(), loc="outside lower center", ncols=3,
               fontsize=8)
    for lr, alpha in zip(P.lrs, (0.45, 1.0)):
        curves = {k: full_sgd[lr][k]["loss"] for k in PAIRS[0]}
        dynamics.plot_loss_curves(a2, curves, band=alpha == 1.0)
        for line in a2.get_lines()[-2:]:
            line.set_alpha(alpha)
            line.set_label(f"{line.get_label()}, lr {lr}")
    a2.set(title="lr ablation (full)")
    a2.legend(fontsize=8, loc="upper right")
    plt.show()

# %%
if S is not None:
    H_full = halves(S["map"])
    b_full = {int(n): d for n, d in S["boundary"]["linear"].items()}
    a_full, bs_full = boundary_fit(b_full)
    print(f"full map, n >= 300, d >= 5, Y^T(K - K_glu)Y >= 0: {H_full['cells']} "
          f"cells;\n"
          f"  ReLU lower at step 1: {H_full['early']}; ReGLU ahead at the end: "
          f"{H_full['lasting']}")
    print(f"  Y^T(K - K_glu)Y < 0: {H_full['neg']} cells, ReLU lower at step 1: "
          f"{H_full['neg_early']}")
    print(f"full boundary: fitted d* ~ n^{a_full:.2f}; d*/sqrt(n):\n  "
          + ", ".join(f"n={n}: {v:.2f}" for n, v in bs_full.items()))
    print("full boundary d*: " + ", ".join(f"n={n}: {d}" for n, d in b_full.items()))
    ds = [b_full[n] for n in sorted(b_full)]
    assert a_full > 0 and not np.all(np.diff(ds) >= 0)  # rises in the fit, not monotone
    assert H_full["early"] == H_full["cells"] > 0
    assert 0 < H_full["lasting"] < H_full["cells"]
    assert H_full["neg_early"] == H_full["neg"] > 0
    assert -0.1 < a_full < 0.45
    assert all(d is not None and d > 5 for d in b_full.values())
    assert b_full[max(b_full)] > b_full[min(b_full)] and S["agree"] >= 0.9
if SG_full is not None:
    f_cross, f_smaller, f_gone = sgd_claims(SG_full)
    print(f"full SGD: every pair and seed crosses: {f_cross}; ReLU's lead smaller at "
          f"lr {P.lrs[1]}: {f_smaller};\n  gone in {f_gone[0]} of {f_gone[1]} seeds")
    assert f_cross and f_smaller and f_gone[0] < f_gone[1]

# %% [markdown]
# **The boundary at full scale.** With $n$ up to 2000 the crossing boundary moves out
# with $n$, but slowly: the fitted exponent and $d^*/\sqrt n$ are printed above. For
# $n\ge300$, $d^*$ stays within a grid step of $\sqrt n$; at the smallest $n=100$ a
# single seed at $d=20$ pushes the boundary up to three times $\sqrt n$ (near the
# boundary the answer depends on the draw of the inputs), which is what flattens the fit
# over all $n$. The grid of $d$ is too coarse to pin the exponent down: the statement
# the book can make is that **the lasting crossing of Cor. 4.2 exists where the gate
# raises the smallest NTK eigenvalue, which for Gaussian inputs takes a $d$ that grows
# with $n$, between $n^{0}$ and $n^{1/2}$ on these grids, and not $d\ge 5$.** The early
# ReLU lead, by contrast, holds in every stored cell that meets the paper's conditions,
# and in those that violate the sign condition too. The SGD runs at the paper's full
# setting cross for every pair and seed at lr 0.005 and stay crossed, and ReLU's early
# lead at 0.008 is smaller than at 0.005 for every seed but, at N=2000, removed in none
# of them (peak loss ratios and the count printed above).

# %% [markdown]
# **How the verdicts read Cor. 4.2.** The corollary ties its conditions ($d\ge5$,
# $n\ge300$, $Y^\top(K-\tilde K)Y\ge0$) to the early phase, so it gets two rows: the
# early ReLU lead, checked on every cell of the map that meets the conditions (it holds
# in all of them), and the lasting crossing under the same conditions, which holds only
# above the boundary $d^*(n)$ (partly). Read as one claim that a lasting crossing
# follows from $d\ge5$ and $n\ge300$, it would not be reproduced; that reading is the
# second row. The SGD rows count every seed: a claim holds at a scale when it holds for
# each of its seeds, and the lr 0.008 row is judged at the paper's setting alone (the
# full run, N=2000, batch 256, 300 epochs): there the lead is gone in none of the seeds
# (printed above), so the row is not reproduced; it was "partly" before, when the smoke
# run's seeds were counted with the full run's. The boundary finding needs the printed
# exponent to be above 0 ("rises") and below 0.45 at a scale: the smoke boundary is one
# value of $d$ for every $n$ (exponent 0.00) and the full one is not monotone in $n$
# though its fit rises (exponent printed), so that finding holds only in part; it was
# read as holding before, when only "below 0.45" was checked. The book's own results
# (the boundary, the sign of $Y^\top(K-\tilde K)Y$, the stable learning rates) are in
# the second table.

# %% tags=["hide-input"]
def judge(ok_smoke, ok_full):
    if ok_full is None:
        return "reproduced" if ok_smoke else "not reproduced"
    return {(True, True): "reproduced", (False, False): "not reproduced"}.get(
        (ok_smoke, ok_full), "partly reproduced")


def share(done, total):
    """A claim checked over cells: all of them, some or none."""
    if done == total:
        return "reproduced"
    return "partly reproduced" if done else "not reproduced"


na = "not run"
lr0, lr1 = (str(lr) for lr in P.lrs)
lo_hi = lambda x: f"{sig(min(x), 2)}-{sig(max(x), 2)}"
fin = lambda sg: "final non-GLU/GLU " + ", ".join(
    f"{lo_hi(sg[f'{lr0}/{a}']['finals'])} ({sg[f'{lr0}/{a}']['seeds']} seeds)"
    for a, _ in PAIRS)
pk = lambda sg: (f"peak GLU/non-GLU {sig(min(sg[f'{lr1}/relu']['leads']), 2)}-"
                 f"{sig(max(sg[f'{lr1}/relu']['leads']), 2)} vs "
                 f"{sig(min(sg[f'{lr0}/relu']['leads']), 2)}-"
                 f"{sig(max(sg[f'{lr0}/relu']['leads']), 2)}; gone in "
                 f"{sgd_claims(sg)[2][0]} of {sgd_claims(sg)[2][1]} seeds")
b_str = lambda b: ", ".join(f"{d} (n={n})" for n, d in b.items())
early_txt = lambda h: f"ReLU lower at step 1 in {h['early']} of {h['cells']} cells"
last_txt = lambda h, b: (f"ReGLU ahead at the end in {h['lasting']} of {h['cells']} "
                         f"cells; d* = {b_str(b)}")
Hf = None if S is None else halves(S["map"])
rows = [
    Verdict("Expected kernel-regime loss is an exact spectral sum", "paper Prop. 4.1",
            f"matches GD on the linearised model to 1e-9 (n={P.check_n})",
            f"matches GD on the linearised model to 1e-9 (n={P_full.check_n})",
            judge(all(checks["this scale"]), all(checks["full preset"]))),
    Verdict("ReLU leads early and ReGLU overtakes for good (kernel regime, d=75)",
            "paper Cor. 4.2", f"crossings {C['crossings']}, k* = {C['k_star']}",
            na if S is None else
            f"crossings {S['kernel']['crossings']}, k* = {S['kernel']['k_star']}",
            judge(C["k_star"] is not None,
                  None if S is None else S["kernel"]["k_star"] is not None)),
    Verdict("For d >= 5, n >= 300, YᵀΔY >= 0 ReLU has the lower loss for small ηk",
            "paper Cor. 4.2", early_txt(H), na if S is None else early_txt(Hf),
            share(H["early"] + (0 if Hf is None else Hf["early"]),
                  H["cells"] + (0 if Hf is None else Hf["cells"]))),
    Verdict("Under the same conditions ReGLU has the lower loss for large k",
            "paper Cor. 4.2", last_txt(H, summary["boundary"]["linear"]),
            na if S is None else last_txt(Hf, S["boundary"]["linear"]),
            share(H["lasting"] + (0 if Hf is None else Hf["lasting"]),
                  H["cells"] + (0 if Hf is None else Hf["cells"]))),
    Verdict("Finite nets trained with SGD cross for all three pairs (lr 0.005)",
            "paper Sec. 4", fin(SG), na if SG_full is None else fin(SG_full),
            judge(ok_cross, None if SG_full is None else sgd_claims(SG_full)[0])),
    Verdict("lr 0.008 instead of 0.005 removes ReLU's early lead", "paper Sec. 4",
            pk(SG), na if SG_full is None else pk(SG_full),
            # judged at the paper's setting (N=2000, 300 epochs) when it was run
            share(*(ok_gone if SG_full is None else sgd_claims(SG_full)[2]))),
    Verdict("A rounder GLU NTK ellipse sends the outputs more directly to the target",
            "paper trajectory figure",
            f"kappa(NTK) ReLU {sig(shape['relu']['kappa'], 3)}, "
            f"ReGLU {sig(shape['reglu']['kappa'], 3)}",
            "same setting as smoke",
            judge(bool(shape["reglu"]["kappa"] < shape["relu"]["kappa"]
                       and shape["reglu"]["path"] < shape["relu"]["path"]), None)),
]
status = lambda ok_s, ok_f: {(True, True): "holds",
                             (False, False): "does not hold"}.get(
    (ok_s, ok_s if ok_f is None else ok_f), "holds in part")
# "rises, more slowly than √n": the printed exponent is above 0 and below 0.45
rises = lambda a: bool(0 < round(a, 2) < 0.45)
fit_txt = lambda a, bs: (f"d* ~ n^{a:.2f}; d*/√n {sig(min(bs.values()), 2)}"
                         f"-{sig(max(bs.values()), 2)}")
stable = lambda lm: bool(abs(lm["relu"] / (2 * np.pi / P.width) - 1) < 0.1
                         and lm["reglu"] > 10 * lm["relu"])
findings = [
    Finding("A lasting crossing exists where the gate raises λmin, above d*(n)",
            "crossing map", f"agree in {sig(100 * agree, 3)}% of cells",
            na if S is None else f"agree in {sig(100 * S['agree'], 3)}% of cells",
            status(agree >= 0.9, None if S is None else S["agree"] >= 0.9)),
    Finding("The boundary d*(n) rises with n more slowly than √n", "crossing map",
            fit_txt(a_fit, b_sqrt), na if S is None else fit_txt(a_full, bs_full),
            status(rises(a_fit), None if S is None else rises(a_full))),
    Finding("ReLU leads at step 1 also where YᵀΔY < 0 (quieter initial outputs)",
            "crossing map", f"{H['neg_early']} of {H['neg']} cells",
            na if S is None else f"{Hf['neg_early']} of {Hf['neg']} cells",
            status(H["neg_early"] == H["neg"] > 0,
                   None if S is None else Hf["neg_early"] == Hf["neg"] > 0)),
    Finding("ηk* hardly depends on η (the crossing is a point in time ηk)",
            "crossing map",
            f"spread of ηk* median {sig(np.median(spread), 2)}",
            "not stored (one step size)", status(bool(np.median(spread) < 2), None)),
    Finding("ReLU's stable lr is about 2π/m; ReGLU's is about d times larger",
            "stable learning rates", f"ReLU {sig(lr_max['relu'])}, "
            f"ReGLU {sig(lr_max['reglu'])}",
            na if S is None else f"ReLU {sig(S['lr_max']['relu'])}, "
            f"ReGLU {sig(S['lr_max']['reglu'])}",
            status(stable(lr_max), None if S is None else stable(S["lr_max"]))),
]
verdict_table("04_loss_crossing", rows, findings, write=(P.scale == "smoke"))
