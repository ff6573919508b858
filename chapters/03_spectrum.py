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
# # 3. The NTK spectrum and Theorem 3.1
#
# The heart of the paper {cite:p}`lyu2026devil` is a statement about eigenvalues: in the NTK regime
# gradient descent on the squared loss converges along the kernel's eigenvectors at rates set by
# its eigenvalues, so the condition number $\kappa = \lambda_{\max}/\lambda_{\min}$ decides how
# fast the slowest direction is fitted at the largest stable step. Only the paper's first page is
# available to us; the theorem below is reconstructed from the official code and from notes
# about the paper, and the constants in it are not known.
#
# :::{prf:theorem} Paper Thm. 3.1, as reconstructed
# :label: ch3-paper-thm31
# Let the $n$ inputs be i.i.d. $\mathcal N(0, I_d)$ with $d+1<n$, and let both two-layer
# networks use LeCun initialisation with $m$ hidden units. Let $K$ be the non-GLU NTK
# (paper Eq. 3) and $\tilde K$ the GLU NTK (paper Eq. 4). Then, asymptotically,
# $\lambda_{\max}(\tilde K)$ is smaller than $\lambda_{\max}(K)$ by a factor of order $d$,
# $\lambda_{\min}(\tilde K)\ge\lambda_{\min}(K)$, both of order $m$, and
#
# $$
# \begin{aligned}
# \kappa(K) &= O(n/d),\\
# \kappa(\tilde K) &= O(n/d^2),
# \end{aligned}
# $$
#
# so the gate lowers the condition number by a factor of order $d$.
# :::
#
# This chapter
# 1. shows the kernels as pictures (paper Fig. 1);
# 2. expands the ReLU kernel around orthogonal inputs,
#    $K\approx\alpha XX^\top+\beta rr^\top+\gamma D$ {cite:p}`elkaroui2010spectrum`, derives
#    $\alpha,\beta,\gamma$ with SymPy and reads off which term sets $\lambda_{\max}$;
# 3. turns the expansion into the book's own predictions of $\lambda_{\max}$, $\lambda_{\min}$
#    and $\kappa$ (in place of the paper's Props. B.6/B.9, whose formulas we do not have), with
#    Marchenko–Pastur laws {cite:p}`marchenko1967distribution` and Weyl's inequality;
# 4. measures $\kappa$ against $d$, $n$ and $m$ (paper Fig. 2), compares the paper's orders
#    with ours, maps where the gate raises $\lambda_{\min}$ in the $(n, d)$ plane, and looks at
#    whole spectra, real data and the other activations.
#
# **Setting.** As in {doc}`02_analytic_ntk`: two-layer nets, LeCun initialisation in the
# standard parameterisation, no biases, scalar output. Inputs are i.i.d. $\mathcal N(0, I_d)$
# (the theorem's setting) unless said otherwise. **We compare at equal parameter count**, as the
# paper does: a non-GLU net of width $m$ against a GLU net of $\lfloor m(d+1)/(2d+1)\rfloor
# \approx m/2$ units. To leading order both kernels are proportional to their number of units,
# so $\kappa$ hardly depends on this choice.
#
# **Scales.** The committed notebook runs at the smoke scale (printed below). The full preset
# ($n = 4096$, $d$ up to 2048, $m = 16384$) ran on a 2-core CPU; its numbers are stored in
# `results/` and shown beside the live ones at the end. To fit the CPU it uses 2 seeds instead
# of 8 (1 for the finite networks, whose $n$-sweep also stops at 4096), at the intended
# sizes.

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
import time

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

from glu_lib import analysis, kernels, spectra
from glu_lib.config import preset
from glu_lib.kernels import expected_ntk
from glu_lib.models import matched_width
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, heatmaps, kind_style, use_style
from glu_lib.results import load_result, results_dir, save_result
from glu_lib.verdicts import Finding, Verdict, verdict_table

T0 = time.perf_counter()
P = preset("spectrum", SCALE)
seed_everything(SEED)
use_style()
SEEDS = range(SEED, SEED + P.seeds)
EMP_SEEDS = range(SEED, SEED + P.emp_seeds)  # finite nets: fewer seeds at full scale
PAIR = ("relu", "reglu")
# full scale: spectra are appended to a resumable cache as they are computed
CACHE = results_dir() / "spectrum_full_grid.jsonl" if P.scale == "full" else None
S = {}  # the numbers this run finds; stored at full scale, shown beside the live run


def span(a):
    """'lo–hi' of an array, 3 significant digits."""
    return f"{sig(np.min(a))}–{sig(np.max(a))}"


print(f"scale: {P.scale}; seeds {P.seeds} (finite nets {P.emp_seeds})")

# %% [markdown]
# ## The kernels as pictures (paper Fig. 1)
#
# The paper's teaser: $n=50$ Gaussian inputs in $d=100$ dimensions, a ReLU net of width 400 and
# the parameter-matched ReGLU net (200 units), LeCun, float64, seed 0. Top: the empirical NTKs
# of the two networks at initialisation beside $K\odot XX^\top/d$ (paper Eq. 5); bottom: the
# same three matrices for the expected kernels. Each row shares one colour scale.

# %% mystnb={"figure": {"caption": "Empirical NTKs at initialisation of a ReLU net (width 400) and the parameter-matched ReGLU net (200 units), and the ReLU NTK multiplied entry-wise by XX\u1d40/d, on 50 Gaussian inputs in d = 100 (seed 0, live; the same at both scales), on one colour scale. The ReLU kernel has a uniform off-diagonal background, its rank-one part; the gate removes it.", "name": "fig-heatmaps-empirical"}} tags=["hide-input"]
T = analysis.teaser_kernels(P.teaser_n, P.teaser_d, P.teaser_width, seed=SEED)
titles = ("ReLU  K", "ReGLU  K̃", "K ⊙ XXᵀ/d")
heatmaps([T["K"], T["K_glu"], T["K_eq5"]], titles, label="kernel entry", size=2.0)
plt.show()

# %% mystnb={"figure": {"caption": "The same three matrices for the expected kernels (paper Eq. 3 for ReLU with 400 units, Eq. 4 for ReGLU with 200 units) on the same inputs, on one colour scale (live).", "name": "fig-heatmaps-expected"}} tags=["hide-input"]
X, d = T["X"], P.teaser_d
E = {"K": expected_ntk(X, "relu", P.teaser_width),
     "K_glu": expected_ntk(X, "reglu", matched_width(P.teaser_width, d))}
E["K_eq5"] = E["K"] * (X @ X.T) / d
heatmaps([E["K"], E["K_glu"], E["K_eq5"]], titles, label="kernel entry", size=2.0)
plt.show()

# %%
for src, M in (("empirical", T), ("expected", E)):
    print(src)
    for name in ("K", "K_glu", "K_eq5"):
        print(f"  {name:6s} off/diag {analysis.off_diagonal_ratio(M[name]):.3f}, "
              f"kappa {sig(spectra.condition_number(M[name]))}")
    off = {name: analysis.off_diagonal_ratio(M[name]) for name in ("K", "K_glu")}
    assert off["K_glu"] < off["K"] / 4
    assert spectra.condition_number(M["K_glu"]) < spectra.condition_number(M["K"]) / 4
S["teaser"] = {k: [analysis.off_diagonal_ratio(T[k]), spectra.condition_number(T[k])]
               for k in ("K", "K_glu")}

# %% [markdown]
# The mean off-diagonal entry of the ReLU kernel is about a quarter of its mean diagonal entry
# (the rank-one term below predicts $m/(2\pi)$ against $(m+d)/2$, that is 0.25 here): a constant
# background that every pair of samples shares. The GLU kernel, like $K\odot XX^\top/d$, keeps
# the diagonal and scatters the off-diagonal entries around zero, and its condition number is
# several times smaller (here $n<d$, so both kernels are well conditioned; the grids below take
# $n>d$, the theorem's setting).
#
# ## The expansion $K\approx\alpha XX^\top+\beta rr^\top+\gamma D$
#
# For Gaussian inputs in high dimension every pair of inputs is nearly orthogonal:
# $\rho_{ij} = \cos\angle(x_i,x_j) = O(d^{-1/2})$, while $\|x_i\|^2\approx d$. El Karoui
# {cite:p}`elkaroui2010spectrum` expands a kernel matrix around $\rho=0$. With the arc-cosine
# kernels {cite:p}`cho2009kernel` the norms factor out of both NTKs:
# $K_{ij} = r_ir_j\,f(\rho_{ij})$ and $\tilde K_{ij} = (r_ir_j)^2 g(\rho_{ij})$, $r_i=\|x_i\|$,
# with the profiles

# %%
f, g = spectra.relu_profile(False), spectra.relu_profile(True)
display(Math(r"f(\rho) = " + sp.latex(f)))
display(Math(r"g(\rho) = " + sp.latex(g)))
for name, gated in (("f", False), ("g", True)):
    coeffs = spectra.taylor_coefficients(gated, 3)
    terms = [rf"\left({sp.latex(c)}\right)\rho^{k}" for k, c in enumerate(coeffs)]
    body = r" \\ &\quad + ".join(" + ".join(terms[i:i + 2]) for i in (0, 2))
    display(Math(r"\begin{aligned}" + name + r"(\rho) &= " + body
                 + r" + O(\rho^4)\end{aligned}"))

# %% [markdown]
# Off the diagonal the series is dominated by its first terms; on the diagonal ($\rho=1$) the
# whole series counts. Keeping $f_0 + f_1\rho + f_2\rho^2$ with $\rho^2\approx 1/d$ off the
# diagonal and putting the rest on the diagonal gives the three-term expansions:
#
# :::{prf:proposition} Expansion of the ReLU and ReGLU NTKs (the book's, after El Karoui)
# :label: ch3-expansion
# For inputs with $\rho_{ij} = O(d^{-1/2})$ ($i\ne j$), with $r = (\|x_i\|)_i$ and
# $D=\mathrm{diag}(r_i^2)$,
#
# $$
# \begin{aligned}
# K &\approx \alpha\,XX^\top + \beta\,rr^\top + \gamma\,D,\\
# \tilde K &\approx \tilde\alpha\,(XX^\top)\odot(XX^\top)
#   + \tilde\beta\,(rr^\top)\odot(XX^\top) + \tilde\gamma\,D^2,
# \end{aligned}
# $$
#
# with $\alpha = f_1$, $\beta = f_0 + f_2/d$, $\gamma = f(1)-\alpha-\beta$ and
# $\tilde\alpha = g_2$, $\tilde\beta = g_1$, $\tilde\gamma = g(1)-\tilde\alpha-\tilde\beta$
# (the diagonals are exact).
# :::
#
# SymPy evaluates the coefficients (LeCun, $m$ units, dimension $d$):

# %%
co = {gated: spectra.expansion_coefficients(gated) for gated in (False, True)}
names = {False: (r"\alpha", r"\beta", r"\gamma"),
         True: (r"\tilde\alpha", r"\tilde\beta", r"\tilde\gamma")}
for gated in (False, True):
    lines = [f"{s} &= {sp.latex(co[gated][k])}"
             for s, k in zip(names[gated], ("alpha", "beta", "gamma"))]
    display(Math(r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"))
m_, d_ = sp.symbols("m d", positive=True)
for k in ("alpha", "beta", "gamma"):
    lim = sp.limit(sp.limit(co[True][k] / (co[False][k] / d_), m_, sp.oo), d_, sp.oo)
    print(f"lim_(d->oo) lim_(m->oo) {k}_GLU / ({k}/d) = {lim}")
    assert lim == 1

# %% [markdown]
# The last lines are paper Eq. 5 at the level of the expansion: for $m\gg d\gg1$ the GLU
# coefficients are those of $K$ divided by $d$, and
#
# $$
# K\odot XX^\top/d = \frac{\alpha}{d}(XX^\top)^{\odot2} + \frac{\beta}{d}(rr^\top)\odot XX^\top
#   + \frac{\gamma}{d}D^2;
# $$
#
# the remainder $\mathbb E[\phi\phi]\odot XX^\top$ (see {doc}`02_analytic_ntk`) changes the
# coefficients by $O(1/d)$ relative.
#
# **Which term sets $\lambda_{\max}$.** For $m\gg d$, $\beta\approx m/(2\pi d)$,
# $\alpha\approx m/(4d)$ and $\gamma\approx m(1/4-1/2\pi)/d$. The rank-one term $\beta rr^\top$
# has the eigenvalue $\beta\|r\|^2 = \beta\sum_i\|x_i\|^2\approx \beta nd\approx mn/(2\pi)$, far
# above the Wishart part ($\alpha\lambda_{\max}(XX^\top)\approx\alpha(\sqrt n+\sqrt d)^2$, of
# order $mn/(4d)$) and the diagonal ($\gamma d$, of order $m$): **$\lambda_{\max}(K)$ is the
# constant off-diagonal background of the heat map.** In $\tilde K$ the same term becomes
# $(rr^\top)\odot(XX^\top) = \mathrm{diag}(r)\,XX^\top\mathrm{diag}(r)$, which has the spectrum of
# $d\cdot XX^\top$ and no large rank-one part: its top is
# $\tilde\beta\, d(\sqrt n+\sqrt d)^2\approx mn/(2\pi d)$. The only rank-one part left in
# $\tilde K$ comes from $(XX^\top)^{\odot2}$, whose off-diagonal entries have mean $d$:
# $\tilde\alpha\,dn\approx mn/(4d)$. Either way $\lambda_{\max}$ falls by a factor of order $d$.
#
# **How good is the expansion?** Relative errors against the exact kernels (paper Eq. 3/4) on
# Gaussian inputs, in Frobenius norm, in spectral norm (relative to $\lambda_{\max}$), and of the
# extreme eigenvalues:

# %%
print(f"n={P.exp_n}, m={P.exp_width} (ReGLU: parameter-matched units)")
errs = {}
for d in P.exp_dims:
    X = spectra.make_inputs(P.exp_n, d, SEED)
    for kind, gated in (("relu", False), ("reglu", True)):
        e = spectra.expansion_error(X, spectra.units(kind, P.exp_width, d), gated)
        errs[kind, d] = e
        print(f"d={d:5d} {kind:6s} frob {sig(e['frobenius']):>8s}  "
              f"spectral {sig(e['spectral']):>8s}  lmax {sig(e['lmax']):>9s}  "
              f"lmin {sig(e['lmin']):>8s}")
worst = max(errs, key=lambda key: errs[key]["frobenius"])
print(f"largest Frobenius error: {worst[0]} at d={worst[1]}, "
      f"{100 * errs[worst]['frobenius']:.1f}%")
S["expansion_worst_frobenius"] = errs[worst]["frobenius"]

# %%
assert all(e["spectral"] < 0.1 and abs(e["lmax"]) < 0.05 for e in errs.values())
lo_d, hi_d = P.exp_dims[0], P.exp_dims[-1]
assert all(abs(errs[k, hi_d]["lmin"]) < 0.1 < abs(errs[k, lo_d]["lmin"]) for k in PAIR)

# %% [markdown]
# The expansion is accurate in norm (the largest error is printed above, falling quickly with
# $d$) and gets $\lambda_{\max}$ right. It does **not** get $\lambda_{\min}$ right until $d$ is
# large: an error of $10^{-2}$ of $\lambda_{\max}$ is many times $\lambda_{\min}$. What it misses
# is the fluctuation of the $\rho^2$ term around its mean $1/d$. That term is the Gram matrix of
# the features $x\otimes x$, a second Wishart matrix, in dimension $p=d(d+1)/2$; it spreads the
# bottom of the spectrum unless $p\gg n$. The theory below keeps it.
#
# ## The book's predictions for $\lambda_{\max}$, $\lambda_{\min}$ and $\kappa$
#
# Take $\|x_i\|^2 = d$ (inputs on the sphere; Gaussian inputs are close to it) and write
# $(XX^\top)^{\odot2}\approx d\,\mathbf 1\mathbf 1^\top + W$, where $W$ is the Gram matrix of
# the centred features $x\otimes x$: $p = d(d+1)/2$ coordinates of variance
# $v=(d^2-d)/p\approx2$, so by Marchenko–Pastur its eigenvalues fill $v(\sqrt p\mp\sqrt n)^2$.
# $XX^\top$ has rank $d<n$ and top eigenvalue $(\sqrt n+\sqrt d)^2$. With $f_k, g_k$ the Taylor
# coefficients above:
#
# :::{prf:proposition} Spectral predictions (the book's; the role of paper Props. B.6/B.9)
# :label: ch3-predictions
# Let $d+1<n$ and $\|x_i\|^2=d$. Non-GLU:
# $K\approx(f_0d+f_2)\mathbf 1\mathbf 1^\top + f_1XX^\top + (f_2/d)W + cI$ with
# $c = d\,(f(1)-f_0-f_1-f_2)$, and
#
# $$
# \begin{aligned}
# \lambda_{\max}(K) &\approx (n-1)(f_0d+f_2) + d\,f(1)\approx\frac{mn}{2\pi},\\
# \lambda_{\min}(K) &\approx c + \frac{f_2}{d}\,v\,(\sqrt p-\sqrt n)_+^2 .
# \end{aligned}
# $$
#
# GLU: $\tilde K\approx g_2d\,\mathbf 1\mathbf 1^\top + g_2W + g_1d\,XX^\top + \tilde cI$ with
# $\tilde c = d^2(g(1)-g_1-g_2)$, and
#
# $$
# \begin{aligned}
# \lambda_{\max}(\tilde K) &\approx\max\big(a_1,\ a_2\big),\\
# a_1 &= (n-1)\,g_2d+d^2g(1),\\
# a_2 &= \tilde c+g_2(d^2-d)+g_1d(\sqrt n+\sqrt d)^2,\\
# \lambda_{\min}(\tilde K) &\approx\tilde c+g_2\,v\,(\sqrt p-\sqrt n)_+^2 .
# \end{aligned}
# $$
# :::
#
# :::{prf:proof}
# (Sketch.) $\lambda_{\max}(K)$ is the Rayleigh quotient along $\mathbf 1$: diagonal plus $(n-1)$
# times the mean off-diagonal entry. The $\lambda_{\min}$ lines are Weyl's inequality
# $\lambda_{\min}(A+B)\ge\lambda_{\min}(A)+\lambda_{\min}(B)$ applied to the parts, with
# $\lambda_{\min}(XX^\top)=0$ and the Marchenko–Pastur lower edge of $W$ (tight when the parts
# act on different directions). For $\tilde K$ the top is either the all-ones direction ($a_1$)
# or the top of the $XX^\top$ part on the mean level of $W$ ($a_2$).
# :::
#
# For $m\gg d$ both $\lambda$'s are proportional to $m$, so $\kappa$ depends on $n$ and $d$ only.
# For $\sqrt n\ll d\ll n$ the predictions tend to limits (next cell), and for
# $d\lesssim\sqrt{2n}$ the $W$ term has rank below $n$, the floors $c$ and $\tilde c$ are all that
# is left, and both $\lambda_{\min}$ drop; the theory is an expansion in $d^{-1/2}$ and stops
# being accurate there. The functions are `spectra.theory_spectrum` and
# `spectra.theory_eigenvalues`:
#
# ```{literalinclude} ../glu_lib/spectra.py
# :pyobject: theory_spectrum
# ```

# %%
m_big = 10**20  # m >> d: the limits of the predictions, divided by m (or by n, n/d)
for n, d in ((10**8, 10**6), (10**12, 10**9)):  # sqrt(n) << d << n
    th = {k: spectra.theory_spectrum(n, d, m_big, k == "reglu") for k in PAIR}
    print(f"n={n:.0e}, d={d:.0e}: lambda_min(K)/m {th['relu']['lmin'] / m_big:.3f}, "
          f"lambda_min(K~)/m {th['reglu']['lmin'] / m_big:.3f}")
    print(f"  kappa(K)/n {th['relu']['kappa'] / n:.2f}, "
          f"kappa(K~)/(n/d) {th['reglu']['kappa'] * d / n:.2f}, "
          f"ratio/d {th['relu']['kappa'] / th['reglu']['kappa'] / d:.2f}")
print(f"1/4 - 1/(2 pi) = {0.25 - 1 / (2 * np.pi):.3f}, "
      f"1/2 - 1/(2 pi) = {0.5 - 1 / (2 * np.pi):.3f}")
LIM = {"kappa_K_over_n": th["relu"]["kappa"] / n,
       "kappa_Kt_over_n_d": th["reglu"]["kappa"] * d / n}
assert abs(LIM["kappa_K_over_n"] - 1.75) < 0.05
assert abs(LIM["kappa_Kt_over_n_d"] - 0.73) < 0.05

# %% [markdown]
# So in the window $\sqrt n\ll d\ll n$ the book's theory gives
# $\lambda_{\min}(K)\to m(\tfrac14-\tfrac1{2\pi})$,
# $\lambda_{\min}(\tilde K)\to m(\tfrac12-\tfrac1{2\pi})$ (both per unit; the matched GLU net
# has about half the units), $\kappa(K)\to 1.75\,n$, $\kappa(\tilde K)\to 0.73\,n/d$, and a ratio
# of about $2.4\,d$.

# %% [markdown]
# ## Condition numbers against $d$ (paper Fig. 2)
#
# Expected kernels on Gaussian inputs for several seeds (and on the sphere, where the theory's
# assumption $\|x\|^2=d$ holds exactly), and the empirical NTKs of finite networks at
# initialisation (one net per seed):

# %%
pts = [(P.n, d, P.width) for d in P.dims]


def grid(points, src="expected", inp="gaussian"):
    seeds = EMP_SEEDS if src == "empirical" else SEEDS
    return spectra.spectral_grid(PAIR, points, seeds, source=src, inputs=inp,
                                 cache=CACHE)


def theory(points, k, q):
    gated = k == "reglu"
    return np.array([spectra.theory_spectrum(n, d, spectra.units(k, w, d), gated)[q]
                     for n, d, w in points])


R = {(src, inp): grid(pts, src, inp) for src, inp in
     (("expected", "gaussian"), ("expected", "sphere"), ("empirical", "gaussian"))}
TH = {k: {q: theory(pts, k, q) for q in ("lmax", "lmin", "kappa")} for k in PAIR}
dims = np.array(P.dims, float)
ratio = {key: r["relu"]["kappa"] / r["reglu"]["kappa"] for key, r in R.items()}
G = R["expected", "gaussian"]
print(f"n={P.n}, width m={P.width} (ReGLU parameter-matched), seeds={P.seeds}; "
      "mean over seeds")
print(f"{'d':>5s} {'kappa K':>9s} {'kappa K~':>9s} {'ratio':>7s} | "
      f"{'sphere':>7s} {'finite':>7s} {'theory':>7s}")
for i, d in enumerate(P.dims):
    print(f"{d:5d} {sig(G['relu']['kappa'][i].mean()):>9s} "
          f"{sig(G['reglu']['kappa'][i].mean()):>9s} "
          f"{sig(ratio['expected', 'gaussian'][i].mean()):>7s} | "
          f"{sig(ratio['expected', 'sphere'][i].mean()):>7s} "
          f"{sig(ratio['empirical', 'gaussian'][i].mean()):>7s} "
          f"{sig(TH['relu']['kappa'][i] / TH['reglu']['kappa'][i]):>7s}")

# %% mystnb={"figure": {"caption": "Paper Fig. 2 reproduced: largest eigenvalue, smallest eigenvalue and condition number of the expected ReLU NTK K (red, dashed) and the parameter-matched ReGLU NTK K\u0303 (blue, solid) against the input dimension d, Gaussian inputs (live, at the scale printed at the top; lines: mean over seeds, bands: min\u2013max). Crosses: empirical NTKs of finite nets at initialisation. Dotted: the book's predictions (which assume d \u2273 \u221a(2n), grey line). The stored full-scale numbers are in the tables at the end.", "name": "fig-kappa-vs-d"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 3, figsize=(COLUMN_WIDTH, 2.9), layout="constrained")
for ax, q, lab in zip(axes, ("lmax", "lmin", "kappa"), ("λmax", "λmin", "κ")):
    for k in PAIR:
        st, v = kind_style(k), G[k][q]
        ax.loglog(dims, v.mean(1), marker="o", ms=3, **st)
        ax.fill_between(dims, v.min(1), v.max(1), color=st["color"], alpha=0.15, lw=0)
        fin = R["empirical", "gaussian"][k][q].mean(1)
        ax.loglog(dims, fin, "x", color=st["color"], ms=5, label=f"{k} finite net")
        ax.loglog(dims, TH[k][q], ":", color=st["color"], lw=1.5, label=f"{k} theory")
    ax.axvline(np.sqrt(2 * P.n), color="grey", lw=0.8)
    ax.set(xlabel="input dimension d", ylabel=lab)
    ax.minorticks_off()
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3)
plt.show()

# %% [markdown]
# What the figure shows, panel by panel:
#
# - **$\lambda_{\max}$.** The ReLU kernel's top eigenvalue is flat in $d$ at $mn/(2\pi)$ (the
#   rank-one term; the ratio is printed below), and the theory sits on it. The ReGLU kernel's top
#   falls with $d$, as predicted.
# - **$\lambda_{\min}$.** Both rise with $d$. Above $d\approx\sqrt{2n}$ the GLU kernel's is the
#   larger one, although the GLU net has half as many units. **Below it the gate lowers
#   $\lambda_{\min}$**, by a factor of 5 to 30 at the smallest $d$ (printed below): the
#   theorem's $\lambda_{\min}(\tilde K)\ge\lambda_{\min}(K)$ holds only for $d\gtrsim\sqrt{2n}$.
#   For the ReGLU kernel the theory is too high on Gaussian inputs (see the sphere below):
#   $\tilde K$ scales with $\|x_i\|^2\|x_j\|^2$, and the Gaussian norms
#   $\|x\|^2 = d\pm\sqrt{2d}$ pull its smallest eigenvalue down.
# - **$\kappa$.** The ratio $\kappa(K)/\kappa(\tilde K)$ is about 1 at the smallest $d$, $d=8$,
#   where for some seeds (smoke) and every seed (full) the GLU kernel has the *larger*
#   condition number (per-seed ratios printed below and in the stored full run's table),
#   and grows to a few hundred: below $d\approx\sqrt{2n}$ both kernels are nearly
#   singular and the gate does not help; above it the gate wins by a factor that grows with $d$.
# - **Finite nets.** The empirical NTKs of single networks follow the expected kernels; their
#   noise lowers $\lambda_{\min}$, more for the GLU net, which has half as many units (the
#   largest relative drop is printed below).

# %%
on = dims >= P.fit_from
for key in R:
    assert np.all(ratio[key][on] > 1), key  # κ(K̃) < κ(K), every seed, every d >= 16
r0 = ratio["expected", "gaussian"][0]
print(f"kappa(K)/kappa(K~) at the smallest d={P.dims[0]}, per seed: "
      + ", ".join(sig(v) for v in r0))
assert r0.min() < 1  # there the gate raises κ for some seed
above = dims >= np.sqrt(2 * P.n)
lmin_ratio = G["reglu"]["lmin"] / G["relu"]["lmin"]  # per d and seed
print("lambda_min(K~)/lambda_min(K), min-max over seeds:")
for d, r in zip(P.dims, lmin_ratio):
    print(f"  d={d:5d}: {span(r)}")
lmax_ratio = G["relu"]["lmax"].mean(1) / G["reglu"]["lmax"].mean(1)
print("lambda_max(K)/lambda_max(K~)/d:",
      " ".join(f"{v:.2f}" for v in lmax_ratio / dims))
lm = G["relu"]["lmax"].mean(1) / (P.width * P.n / (2 * np.pi))
print("lambda_max(K) / (mn/2pi):", " ".join(f"{v:.3f}" for v in lm))
drop = {k: 1 - R["empirical", "gaussian"][k]["lmin"].mean(1)
        / G[k]["lmin"][:, :P.emp_seeds].mean(1) for k in PAIR}
print("finite nets: largest relative drop of lambda_min:",
      ", ".join(f"{k} {drop[k].max():.2f}" for k in PAIR))
assert np.all(lmin_ratio[above] > 1) and np.all(lmin_ratio[0] < 0.5)
assert np.all(np.diff(G["reglu"]["lmax"].mean(1)) < 0)
assert np.all(np.abs(lm - 1) < 0.1) and np.all(np.abs(lm[above] - 1) < 0.02)
assert np.all(lmax_ratio[above] / dims[above] > 0.2)
S["fig2"] = {"dims": P.dims, "kappa_K": G["relu"]["kappa"].mean(1),
             "kappa_Kt": G["reglu"]["kappa"].mean(1),
             "ratio_min": ratio["expected", "gaussian"].min(1),
             "ratio_max": ratio["expected", "gaussian"].max(1),
             "ratio_sphere": ratio["expected", "sphere"].mean(1),
             "ratio_finite": ratio["empirical", "gaussian"].mean(1),
             "lmin_ratio_min": lmin_ratio.min(1), "lmin_ratio_max": lmin_ratio.max(1),
             "lmax_ratio_over_d": lmax_ratio / dims, "lmax_K_over_mn2pi": lm}

# %% [markdown]
# ## The paper's orders against the book's
#
# The reconstructed theorem gives $\lambda_{\max}(K)=O(mn/d)$, $\kappa(K)=O(n/d)$ and
# $\kappa(\tilde K)=O(n/d^2)$. The book's theory and the grid above give instead
# $\lambda_{\max}(K)\approx mn/(2\pi)$, flat in $d$; the book's theory alone gives, in its
# limits, $\kappa(K)\approx1.75\,n$, also flat in $d$, and $\kappa(\tilde K)\approx0.73\,n/d$,
# which the grid approaches only slowly (the table below prints $\kappa(K)/n$ falling with $d$
# and $\kappa(\tilde K)\,d/n$ at a few). Two things differ, and only one is a convention.
#
# - **$\lambda_{\max}$ depends on the input normalisation.** The theorem's setting is
#   $\|x\|^2\approx d$; if inputs are normalised to $\|x\|\approx1$ ($x\sim\mathcal N(0, I_d/d)$,
#   or pixels scaled to unit norm), every ReLU kernel entry is divided by $d$ (the kernels are
#   homogeneous of degree 2 in the inputs, the GLU kernels of degree 4) and
#   $\lambda_{\max}(K)= mn/(2\pi d)$: the paper's $O(mn/d)$.
# - **$\kappa$ does not.** $\kappa(cX) = \kappa(X)$ for every $c>0$, so no rescaling of the
#   inputs turns $\kappa(K)\approx1.75\,n$ into $O(n/d)$. What does have $\kappa = O(n/d)$ is the
#   first-layer part of the NTK alone, $K_W = \mathbb E[\phi'\phi']\odot XX^\top$ (the gradient
#   with respect to $W$; the $V$ part $m\,\mathbb E[\phi\phi]$ carries the rank-one term). It
#   dominates $K$ only when $m\lesssim d$, outside the wide regime. The ratio,
#   $\kappa(K)/\kappa(\tilde K)\sim d$, is the same in both readings, and it is the robust claim.
#
# Numbers on the grid above ($n$ = the smoke or full $n$, Gaussian inputs; the second line
# rescales the same inputs to $\|x\|\approx1$):

# %%
orders = {"kappa_K_over_n": [], "kappa_Kt_d_over_n": [], "kappa_KW_d_over_n": []}
for i, d in enumerate(P.dims):
    X = spectra.make_inputs(P.n, d, SEED)
    _, Ed = kernels.dual_kernels(X, activation="relu")
    kappa_w = spectra.condition_number(Ed * (X @ X.T))  # first-layer part alone
    orders["kappa_KW_d_over_n"].append(kappa_w * d / P.n)
    orders["kappa_K_over_n"].append(G["relu"]["kappa"][i, 0] / P.n)
    orders["kappa_Kt_d_over_n"].append(G["reglu"]["kappa"][i, 0] * d / P.n)
Xd = spectra.make_inputs(P.n, P.dims[-1], SEED)
scaled = {c: spectra.extreme_eigenvalues(spectra.ntk_matrix(Xd * c, "relu", P.width))
          for c in (1.0, 1 / np.sqrt(P.dims[-1]))}
(a1, b1), (a2, b2) = scaled.values()
mn2pi = P.width * P.n / (2 * np.pi)
print(f"d={P.dims[-1]}: lambda_max(K)/(mn/2pi) with |x|^2~d: {b1 / mn2pi:.3f}; "
      f"with |x|~1: {b2 / mn2pi:.5f} = {b2 / mn2pi * P.dims[-1]:.3f}/d")
print(f"  kappa unchanged by the rescaling: {sig(b1 / a1)} vs {sig(b2 / a2)}")
print(f"{'d':>5s} {'kappa(K)/n':>11s} {'kappa(K~)d/n':>13s} {'kappa(K_W)d/n':>14s}")
for i, d in enumerate(P.dims):
    print(f"{d:5d} {sig(orders['kappa_K_over_n'][i]):>11s} "
          f"{sig(orders['kappa_Kt_d_over_n'][i]):>13s} "
          f"{sig(orders['kappa_KW_d_over_n'][i]):>14s}")
orders = {k: np.array(v) for k, v in orders.items()}
assert abs(b2 / mn2pi * P.dims[-1] - b1 / mn2pi) < 1e-9  # λmax scales with 1/d
assert abs(a1 / b1 * b2 / a2 - 1) < 1e-9  # κ does not


def kappa_exponents(dm, kK, kKt, n):
    """Fitted exponents of κ(K) and κ(K̃) in d over d >= 2√n (d + 1 < n)."""
    dm = np.asarray(dm, float)
    sel = (dm >= 2 * np.sqrt(n)) & (dm + 1 < n)
    return (analysis.loglog_slope(dm[sel], np.asarray(kK)[sel]),
            analysis.loglog_slope(dm[sel], np.asarray(kKt)[sel]))


e_K, e_Kt = kappa_exponents(dims, G["relu"]["kappa"].mean(1),
                            G["reglu"]["kappa"].mean(1), P.n)
half = dims >= np.sqrt(dims[0] * dims[-1])  # the upper half of the grid (log scale)
print(f"over d >= 2 sqrt(n): kappa(K) ~ d^{e_K:.2f}, kappa(K~) ~ d^{e_Kt:.2f} "
      "(paper: d^-1 and d^-2)")
print(f"upper half of the grid: kappa(K~)d/n "
      f"{span(orders['kappa_Kt_d_over_n'][half])}, "
      f"kappa(K_W)d/n {span(orders['kappa_KW_d_over_n'][half])}")
assert -0.9 < e_K < -0.5 and -1.6 < e_Kt < -1.0
S["orders"] = {k: v for k, v in orders.items()}
S["orders"]["lmax_unit_norm_times_d"] = b2 / mn2pi * P.dims[-1]

# %% [markdown]
# The table reads as follows. $\kappa(K)/n$ falls from very large values at small $d$ (both
# kernels are nearly singular there, and $\lambda_{\min}(K)$ is still rising towards its limit)
# towards one or two, near the theory's limit 1.75. Over the range where the theorem is meant
# to apply, $d\ge2\sqrt n$, the fitted exponents (printed) put both condition numbers between
# the two readings: $\kappa(K)$ falls more slowly than the paper's $1/d$ but has not levelled off
# as the book's limit (reached only for $\sqrt n\ll d\ll n$) says, and $\kappa(\tilde K)$ falls
# more slowly than $1/d^2$ but faster than $1/d$. Over the upper half of the grid
# $\kappa(\tilde K)\,d/n$ stays at a few (range printed), above the 0.73 that the theory reaches
# only for $d\ll n$, and the first-layer kernel has $\kappa(K_W)\,d/n$ of order one: the
# $O(n/d)$ that the theorem states for $K$.

# %% [markdown]
# **Theory against numerics where the theory applies.** On the sphere ($\|x\|^2=d$ exactly) and
# on Gaussian inputs, for $d\ge2\sqrt n$, numeric over predicted (expected kernels, mean over
# seeds):

# %%
valid = (dims >= 2 * np.sqrt(P.n)) & (dims + 1 < P.n)
rel = {}
for k in PAIR:
    for q in ("lmax", "lmin", "kappa"):
        for inp in ("sphere", "gaussian"):
            rel[k, q, inp] = R["expected", inp][k][q].mean(1)[valid] / TH[k][q][valid]
        for inp in ("sphere", "gaussian"):
            vals = " ".join(f"{v:.2f}" for v in rel[k, q, inp])
            print(f"{k:6s} {q:6s} {inp:8s}: {vals}")
sphere_dev = max(np.abs(rel[k, q, "sphere"] - 1).max() for k in PAIR
                 for q in ("lmax", "lmin", "kappa"))
print(f"largest deviation on the sphere: {100 * sphere_dev:.0f}%; Gaussian kappa(K~) "
      f"numeric/theory: {span(rel['reglu', 'kappa', 'gaussian'])}")
assert sphere_dev < 0.2
assert np.all(np.abs(rel["relu", "lmax", "gaussian"] - 1) < 0.05)
assert np.all(rel["reglu", "lmin", "gaussian"] < 1)  # Gaussian norms pull λmin(K̃) down
S["theory"] = {"sphere_dev": sphere_dev,
               "gauss_kappa_Kt": rel["reglu", "kappa", "gaussian"]}

# %% [markdown]
# On the sphere the predictions hold within the printed deviation for $d\ge2\sqrt n$ (we assert
# 20%). On Gaussian inputs $\lambda_{\max}$ of both kernels and $\lambda_{\min}$ of $K$ agree
# nearly as well; $\lambda_{\min}(\tilde K)$ is overestimated, so the theory underestimates
# $\kappa(\tilde K)$ on Gaussian inputs by the factor printed last, largest at the smallest valid
# $d$. That is a real gap in this simple theory: the norm fluctuations enter the GLU kernel to the
# fourth power.
#
# ## The ratio against $d$, and $\kappa$ against $n$ and $m$
#
# The claim "$\kappa$ falls by about $d$" is a statement about the ratio. A least-squares slope of
# $\log\kappa(K)/\kappa(\tilde K)$ against $\log d$ over $d\ge16$ and over $d\ge2\sqrt n$, and the
# two other directions: $\kappa$ against the sample size $n$ (at fixed $d$) and against the width
# $m$ (at fixed $n$, $d$; the parameter-matched GLU net has about $m/2$ units).

# %%
ratio["theory"] = (TH["relu"]["kappa"] / TH["reglu"]["kappa"])[:, None]
slopes = {(key, rg): analysis.loglog_slope(dims[sel], r[sel].mean(1))
          for key, r in ratio.items() for rg, sel in (("all", on), ("valid", valid))}
for rg, text in (("valid", "d >= 2 sqrt(n)"), ("all", f"d >= {P.fit_from}")):
    print(f"slope of log ratio against log d over {text}:")
    for k in ratio:
        print(f"  {'/'.join(k) if isinstance(k, tuple) else k}: {slopes[k, rg]:.2f}")
rd = ratio["expected", "gaussian"].mean(1)[valid] / dims[valid]
print("ratio / d over d >= 2 sqrt(n):", " ".join(f"{v:.2f}" for v in rd))
ptn = [(n, P.n_dim, P.width) for n in P.ns]
ptm = [(P.m_n, P.m_dim, w) for w in P.widths]
RN = {"expected": grid(ptn), "empirical": grid([p for p in ptn if p[0] in P.emp_ns],
                                                 "empirical")}
RM = {src: grid(ptm, src) for src in ("expected", "empirical")}
THN, THM = ({k: theory(p, k, "kappa") for k in PAIR} for p in (ptn, ptm))
for name, RR, values in (("n", RN, P.ns), ("m", RM, P.widths)):
    kk = {k: RR["expected"][k]["kappa"].mean(1) for k in PAIR}
    print(f"ratio against {name} {values}: "
          + " ".join(sig(v) for v in kk["relu"] / kk["reglu"]))
S["slopes"] = {f"{k if isinstance(k, str) else '/'.join(k)} {rg}": v
               for (k, rg), v in slopes.items()}
S["ratio_over_d_valid"] = rd

# %% mystnb={"figure": {"caption": "Left: the ratio \u03ba(K)/\u03ba(K\u0303) against d (n, m as in paper Fig. 2) for Gaussian inputs (expected kernels; crosses: finite nets), sphere inputs and the theory (dotted); the grey line is proportional to d. Middle: \u03ba of both kernels against the number of samples n at fixed d. Right: against the nominal width m at fixed n and d (the GLU net is parameter-matched). Lines: expected kernels (mean over seeds), crosses: finite nets, dotted: theory. Live, at the scale printed at the top.", "name": "fig-kappa-n-m"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 3, figsize=(COLUMN_WIDTH, 2.9), layout="constrained")
ax = axes[0]
rg = ratio["expected", "gaussian"].mean(1)
ax.loglog(dims, rg, "o-", color="k", ms=3, label="Gaussian")
ax.loglog(dims, ratio["empirical", "gaussian"].mean(1), "x", color="k", ms=5,
          label="finite nets")
ax.loglog(dims, ratio["expected", "sphere"].mean(1), "s-", color="0.55", ms=3,
          label="sphere")
ax.loglog(dims, ratio["theory"][:, 0], ":", color="k", label="theory")
ax.loglog(dims, dims * rg[-1] / dims[-1], color="grey", lw=0.8, label="∝ d")
ax.set(xlabel="input dimension d", ylabel="κ(K) / κ(K̃)")
ax.legend(fontsize=8, loc="lower right")
for ax, RR, TT, x, xl in ((axes[1], RN, THN, np.array(P.ns), "samples n"),
                          (axes[2], RM, THM, np.array(P.widths), "nominal width m")):
    for k in PAIR:
        st = kind_style(k)
        ax.loglog(x, RR["expected"][k]["kappa"].mean(1), marker="o", ms=3, **st)
        xe = x[:len(RR["empirical"][k]["kappa"])]
        ax.loglog(xe, RR["empirical"][k]["kappa"].mean(1), "x", color=st["color"], ms=5)
        ax.loglog(x, TT[k], ":", color=st["color"], lw=1.5)
    ax.set(xlabel=xl, ylabel="κ", xticks=x[::2], xticklabels=[str(v) for v in x[::2]])
    ax.minorticks_off()
axes[1].legend(fontsize=8, loc="lower right")
plt.show()

# %%
kn = {k: analysis.loglog_slope(P.ns, RN["expected"][k]["kappa"].mean(1)) for k in PAIR}
kn_th = {k: analysis.loglog_slope(P.ns, THN[k]) for k in PAIR}
km = {k: RM["expected"][k]["kappa"].mean(1) for k in PAIR}
print(f"slope of log kappa against log n (d={P.n_dim}):")
print("  " + ", ".join(f"{k} {kn[k]:.2f} (theory {kn_th[k]:.2f})" for k in PAIR))
print("kappa at the two widest m, relative change:",
      ", ".join(f"{k} {abs(v[-1] / v[-2] - 1):.3f}" for k, v in km.items()))
for src in ("expected", "empirical"):  # where the claim is made: nearer √d than d
    assert 0.45 < slopes[(src, "gaussian"), "valid"] < 0.8
    assert 0.75 < slopes[(src, "gaussian"), "all"] < 1.3  # with the jump at √(2n)
assert abs(slopes[("expected", "sphere"), "valid"] - slopes["theory", "valid"]) < 0.15
assert np.all((0.6 < rd) & (rd < 3))
for RR in (RN, RM):
    assert np.all(RR["expected"]["relu"]["kappa"] > RR["expected"]["reglu"]["kappa"])
assert 1.0 < kn["relu"] < 2.5 and 0.8 < kn["reglu"] < 1.8 and kn["relu"] > kn["reglu"]
assert all(abs(v[-1] / v[-2] - 1) < 0.05 for v in km.values())
S["kappa_n_slopes"] = kn
S["kappa_m_change"] = {k: abs(v[-1] / v[-2] - 1) for k, v in km.items()}

# %% [markdown]
# **Where the theorem applies, $d\ge2\sqrt n$, the ratio grows like $d^{0.6}$**, not like $d$:
# the fitted slopes printed first lie between 0.45 and 0.8 on Gaussian inputs at both scales,
# for the expected kernels and for finite nets, closer to $\sqrt d$ than to $d$. The ratio is of
# order $d$ in size (ratio/$d$ between 0.6 and 3, printed; the theory's limit is $2.4\,d$) but
# falls relative to $d$ as $d$ approaches $n/2$, where $\lambda_{\max}(\tilde K)$ nears its
# $O(m)$ diagonal floor; the book's theory has the same slope there (it matches the sphere's
# within 0.15). Over the whole grid from $d=16$ the slope is steeper (between 0.75 and 1.3),
# only because the ratio jumps where $d$ crosses $\sqrt{2n}$ and both $\lambda_{\min}$ rise,
# outside the theorem's range. So the "factor $d$" of the theorem is the right order of
# magnitude at these sizes, not a law we can see with slope 1. Against $n$ (at fixed $d$) $\kappa(K)$ grows faster than
# $\kappa(\tilde K)$, both at least about linearly (slopes printed above; $\kappa(K)$ grows
# faster than linearly because $n$ passes $d^2/2$, where $\lambda_{\min}(K)$ starts to drop);
# against $m$ both settle once $m\gg d$, as the $m$-proportional kernels predict.
#
# ## Where the gate raises $\lambda_{\min}$: a map in $(n, d)$
#
# The loss crossing of {doc}`04_loss_crossing` needs the GLU kernel to be ahead at the bottom of
# the spectrum, $\lambda_{\min}(\tilde K) > \lambda_{\min}(K)$. The grid above shows that this
# fails below $d\approx\sqrt{2n}$. The ratio over a grid of $n$ and $d$ (expected kernels,
# Gaussian inputs, width $m$ as above, GLU parameter-matched), mean over seeds, and for each
# $n$ the dimension $d^*$ where the mean ratio crosses 1 (log-linear interpolation):

# %%
ptmap = [(n, d, P.width) for n in P.map_ns for d in P.map_dims]
RMAP = spectra.spectral_grid(PAIR, ptmap, SEEDS, cache=CACHE)
lr = RMAP["reglu"]["lmin"] / RMAP["relu"]["lmin"]
lr = lr.reshape(len(P.map_ns), len(P.map_dims), -1)  # (n, d, seed)
print("lambda_min(K~)/lambda_min(K), mean over seeds")
print(f"{'d =':>7s} " + " ".join(f"{d:>5d}" for d in P.map_dims))
dstar = []
for i, n in enumerate(P.map_ns):
    mean = lr[i].mean(1)
    print(f"n={n:5d} " + " ".join(f"{v:5.2f}" for v in mean))
    j = int(np.argmax(mean >= 1))  # first d with the mean ratio at or above 1
    assert j > 0 and np.all(mean[j:] >= 0.95), (n, mean)
    t = np.log(mean[j - 1]) / (np.log(mean[j - 1]) - np.log(mean[j]))
    ld = np.log(P.map_dims)
    dstar.append(float(np.exp((1 - t) * ld[j - 1] + t * ld[j])))
dstar = np.array(dstar)
a_fit = analysis.loglog_slope(P.map_ns, dstar)
print("crossing d* per n:", " ".join(f"{sig(v)}" for v in dstar))
print("d*/sqrt(n):", " ".join(f"{v:.2f}" for v in dstar / np.sqrt(P.map_ns)),
      f"; fitted d* ~ n^{a_fit:.2f}")
assert 0.2 < a_fit < 0.45  # slower than √n
assert np.all(np.diff(dstar / np.sqrt(P.map_ns)) < 0)  # d*/√n falls with n
S["map"] = {"ns": P.map_ns, "dims": P.map_dims, "mean": lr.mean(2), "lo": lr.min(2),
            "hi": lr.max(2), "dstar": dstar, "slope": a_fit}

# %% [markdown]
# **The book's finding for the crossing.** $\lambda_{\min}(\tilde K)$ overtakes
# $\lambda_{\min}(K)$ at a dimension $d^*$ that grows with $n$ more slowly than $\sqrt n$: the
# fitted exponent (printed) lies between 0.2 and 0.45 at both scales, and $d^*/\sqrt n$ falls as
# $n$ grows (both asserted), so "$d^*\approx\sqrt n$" holds only as a rough size on these grids.
# Below $d^*$ the gate lowers the bottom of the spectrum, up to tenfold, and above it raises
# it. The paper's condition for the crossing
# ("$d\ge5$, $n\ge300$") is therefore not enough on its own: at fixed $d$ a larger $n$ moves the
# pair back below the boundary.
#
# ## Eigenvalue distributions: "more compact"
#
# The whole spectrum, not only its ends: the empirical distribution functions of the eigenvalues
# divided by their mean, for $K$ and $\tilde K$, beside the law that the theory predicts (the
# parts of the expansion on separate directions: one rank-one eigenvalue, $d$ eigenvalues from
# the Marchenko–Pastur law of $XX^\top$, and $n-d-1$ from that of $W$;
# `spectra.theory_eigenvalues`).

# %%
dist, qq = {}, {}
for inp in ("gaussian", "sphere"):
    X = spectra.make_inputs(P.dist_n, P.dist_d, SEED, inp)
    for k in PAIR:
        ev = spectra.spectrum(spectra.ntk_matrix(X, k, P.width))
        units = spectra.units(k, P.width, P.dist_d)
        th = spectra.theory_eigenvalues(P.dist_n, P.dist_d, units, k == "reglu")
        dist[inp, k] = (ev / ev.mean(), th / th.mean())
        q10, q90 = np.quantile(ev, [0.1, 0.9])
        qq[inp, k] = q90 / q10
        q_th = np.quantile(th, 0.9) / np.quantile(th, 0.1)
        print(f"{inp:8s} {k:6s} kappa {sig(ev[-1] / ev[0]):>8s}  "
              f"lmax/mean {sig(ev[-1] / ev.mean()):>6s}  q90/q10 {sig(q90 / q10):>5s}  "
              f"(theory {sig(q_th)})")
S["q90_q10"] = {f"{i} {k}": v for (i, k), v in qq.items()}

# %% mystnb={"figure": {"caption": "Empirical distribution functions of the eigenvalues of K (ReLU, dashed red) and K\u0303 (ReGLU, solid blue), each divided by its mean, Gaussian inputs (left) and sphere inputs (right), n and d as in the panel titles (live). Dotted: the law predicted by the expansion. The GLU spectrum is concentrated within a factor of a few around its mean; the ReLU spectrum spans orders of magnitude, from its floor to the rank-one eigenvalue near n/\u03c0 times the mean.", "name": "fig-spectrum-cdf"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 2.9), sharey=True,
                         layout="constrained")
for ax, inp in zip(axes, ("gaussian", "sphere")):
    for k in PAIR:
        ev, th = dist[inp, k]
        cdf = (np.arange(len(ev)) + 1) / len(ev)
        ax.semilogx(ev, cdf, drawstyle="steps-post", **kind_style(k))
        ax.semilogx(th, cdf, ":", color=kind_style(k)["color"], lw=1.5,
                    label=f"{k} theory")
    ax.set(xlabel="eigenvalue / mean", title=f"{inp}, n={P.dist_n}, d={P.dist_d}")
axes[0].legend(fontsize=8, loc="lower right")
axes[0].set_ylabel("fraction ≤ x")
plt.show()

# %%
for inp in ("gaussian", "sphere"):
    (er, _), (eg, _) = dist[inp, "relu"], dist[inp, "reglu"]
    assert eg[-1] / eg[0] < er[-1] / er[0] / 10 and eg[-1] < er[-1] / 10
    assert qq[inp, "reglu"] < qq[inp, "relu"] / 2

# %% [markdown]
# Both the tails and the bulk are narrower for the GLU kernel: its 10%–90% quantile ratio is at
# most half that of the ReLU kernel, and it has no outlier. The predicted laws reproduce the
# shape of each spectrum: the rank-one outlier of $K$, the Marchenko–Pastur bulk of $W$ and the
# $d$ eigenvalues lifted by $XX^\top$. They are closest on the sphere; on Gaussian inputs the
# norm fluctuations widen the bottom of the GLU spectrum.
#
# ## Beyond Gaussian inputs
#
# Real data is neither Gaussian nor isotropic. As an offline stand-in we use scikit-learn's 8×8
# handwritten digits (1797 images, $d=64$; not MNIST): a random subset of images, the mean image
# subtracted ("centred"), then one global factor so that the mean $\|x\|^2$ is $d$ as for
# $\mathcal N(0,I_d)$ (a per-pixel scaling would blow up the always-blank border pixels). We
# compare with the same data on the sphere $\|x\|^2 = d$, with the raw (uncentred, only
# rescaled) digits, and with Gaussian and sphere inputs of the same size.

# %%
real = {
    "Gaussian": spectra.make_inputs(P.real_n, 64, SEED),
    "sphere": spectra.make_inputs(P.real_n, 64, SEED, "sphere"),
    "digits, centred": spectra.digits_inputs(P.real_n, SEED),
    "digits, centred, sphere": spectra.digits_inputs(P.real_n, SEED, sphere=True),
    "digits, raw": spectra.digits_inputs(P.real_n, SEED, center=False),
}
print(f"n={P.real_n}, d=64, m={P.width}")
print(f"{'inputs':24s} {'kappa K':>9s} {'kappa K~':>9s} {'ratio':>6s} "
      f"{'lmax K/K~':>9s} {'lmin K~/K':>9s}")
real_ratio = {}
for name, X in real.items():
    (a, b), (ag, bg) = (spectra.extreme_eigenvalues(spectra.ntk_matrix(X, k, P.width))
                        for k in PAIR)
    real_ratio[name] = (b / a) / (bg / ag)
    print(f"{name:24s} {sig(b / a):>9s} {sig(bg / ag):>9s} {sig(real_ratio[name]):>6s} "
          f"{sig(b / bg):>9s} {sig(ag / a):>9s}")
assert all(v > 1 for v in real_ratio.values())
assert real_ratio["digits, raw"] < real_ratio["digits, centred"] / 3
assert real_ratio["digits, centred"] < real_ratio["Gaussian"] / 3
S["real_ratio"] = real_ratio

# %% [markdown]
# The gate still lowers $\kappa$ on every input set, but by how much depends on the data.
# - **Centred digits:** the ratio is several times smaller than for Gaussian inputs at the same
#   $n$ and $d$. The digits occupy far fewer than 64 effective dimensions (a few principal
#   components carry most of the variance), and the "order $d$" of the theorem is an effective
#   dimension. Putting the digits on the sphere changes little: the norms were not the issue.
# - **Raw digits:** the mean image is a large common component, so $XX^\top$ has a rank-one part
#   of its own, and $(rr^\top)\odot(XX^\top)$ keeps a rank-one part: the gate's mechanism
#   (multiplying by a nearly-orthogonal Gram matrix) no longer removes the outlier, and the ratio
#   drops to a few. Centring the inputs, which normalisation layers do in a transformer, is what
#   the mechanism relies on.
#
# ## Other activations
#
# The theory above is for ReLU, but paper Eq. 3–5 hold for every activation. The expected
# kernels of all pairs (Hermite expansions for GELU and SiLU, {doc}`02_analytic_ntk`) and the
# bilinear GLU ($\phi$ = identity, which has no non-GLU partner), on the same Gaussian inputs:

# %%
Xa = spectra.make_inputs(P.act_n, P.act_d, SEED)
kap = {k: spectra.condition_number(spectra.ntk_matrix(Xa, k, P.width)) for k in
       ("relu", "reglu", "gelu", "geglu", "silu", "swiglu", "bilinear")}
print(f"n={P.act_n}, d={P.act_d}, m={P.width} (GLU parameter-matched), expected")
print(f"{'pair':16s} {'kappa non-GLU':>13s} {'kappa GLU':>10s} {'ratio':>7s}")
act_ratio = {}
for a, b in (("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu")):
    act_ratio[a + "/" + b] = kap[a] / kap[b]
    print(f"{a + '/' + b:16s} {sig(kap[a]):>13s} {sig(kap[b]):>10s} "
          f"{sig(kap[a] / kap[b]):>7s}")
    assert kap[b] < kap[a] / 10
print(f"{'bilinear':16s} {'—':>13s} {sig(kap['bilinear']):>10s}")
S["act_ratio"] = act_ratio

# %% [markdown]
# All three pairs behave like ReLU/ReGLU, with the ratios printed above (all above 10, asserted):
# the mechanism needs only the entry-wise product with $XX^\top/d$, not the shape of $\phi$. The
# bilinear GLU, $z = V[(Px)\odot(Wx)]$, is a quadratic kernel $\propto(XX^\top)^{\odot2}$ with the
# conditioning of the gated kernels.

# %% [markdown]
# ## Smoke scale and full scale
#
# Everything above ran live at the scale printed at the top. The full preset ran once on a CPU
# (`SCALE = "full"`; its spectra are cached in `results/spectrum_full_grid.jsonl`, so an
# interrupted run resumes) and stored the numbers this chapter computes in
# `results/spectrum_full.json`, with their provenance, hardware and wall time. Both side by side:

# %%
S["n"], S["preset"] = P.n, P.as_dict()
if P.scale == "full":
    log = results_dir() / "spectrum_full_grid.log"
    grid_s = analysis.log_wall_seconds(log) if log.exists() else None
    S["wall_s"] = {"notebook": time.perf_counter() - T0, "grid_cache": grid_s}
    save_result("spectrum_full", S, P)
stored = load_result("spectrum_full")
F = None if stored is None else stored["data"]


def claim_values(s):
    """The numbers behind each claim, from a live or a stored summary."""
    f2 = {k: np.asarray(v) for k, v in s["fig2"].items()}
    dm, n = np.asarray(f2["dims"], float), s["n"]
    valid = (dm >= 2 * np.sqrt(n)) & (dm + 1 < n)
    o = {k: np.asarray(v) for k, v in s["orders"].items()}
    e_K, e_Kt = kappa_exponents(dm, f2["kappa_K"], f2["kappa_Kt"], n)
    return {
        "dm": dm, "n": n, "off": (s["teaser"]["K"][0], s["teaser"]["K_glu"][0]),
        "kappa_teaser": (s["teaser"]["K"][1], s["teaser"]["K_glu"][1]),
        "ratio_lo": f2["ratio_min"], "ratio_hi": f2["ratio_max"],
        "slope_valid": s["slopes"]["expected/gaussian valid"],
        "slope_all": s["slopes"]["expected/gaussian all"],
        "ratio_over_d": np.asarray(s["ratio_over_d_valid"]),
        "lmax_over_d": f2["lmax_ratio_over_d"],
        "lmax_slope": analysis.loglog_slope(dm, f2["lmax_ratio_over_d"] * dm),
        "lmax_slope_valid": analysis.loglog_slope(
            dm[valid], (f2["lmax_ratio_over_d"] * dm)[valid]),
        "lmin_lo": f2["lmin_ratio_min"], "lmin_hi": f2["lmin_ratio_max"],
        "e_K": e_K, "e_Kt": e_Kt, "lmax_mn2pi": f2["lmax_K_over_mn2pi"],
        "lmax_unit": float(o["lmax_unit_norm_times_d"]),
        "compact": (s["q90_q10"]["gaussian reglu"], s["q90_q10"]["gaussian relu"]),
        "acts": np.asarray(list(s["act_ratio"].values())),
        "sphere_dev": s["theory"]["sphere_dev"],
        "gauss_kt": np.asarray(s["theory"]["gauss_kappa_Kt"]),
        "dstar_exp": s["map"]["slope"],
        "dstar_sqrt": np.asarray(s["map"]["dstar"]) / np.sqrt(s["map"]["ns"]),
    }


def claim_checks(v):
    """Each claim on one scale: True, False, or (k, N): it holds at k of N points."""
    at_d = lambda ok: (int(np.sum(ok)), len(ok))
    return {
        "teaser": (v["off"][1] < v["off"][0] / 4
                   and v["kappa_teaser"][1] < v["kappa_teaser"][0]),
        "ratio": at_d(v["ratio_lo"] > 1),  # every seed, at each d of the grid
        "order_size": bool(np.all((0.1 < v["ratio_over_d"])
                                  & (v["ratio_over_d"] < 10))),
        "order_slope": abs(v["slope_valid"] - 1) < 0.25,
        # size of order d at every d; slope near 1 where the theorem applies (d >= 2√n)
        "lmax": (bool(np.all((0.25 < v["lmax_over_d"]) & (v["lmax_over_d"] < 4))),
                 abs(v["lmax_slope_valid"] - 1) < 0.25),
        "lmin": at_d(v["lmin_lo"] >= 1),
        "orders": (abs(v["e_K"] + 1) < 0.25, abs(v["e_Kt"] + 2) < 0.25),
        # O(mn/d) with |x|² ≈ d (it is flat there: mn/2π), and with |x| ≈ 1 (mn/(2πd))
        "lmax_norm": (not np.all(np.abs(v["lmax_mn2pi"] - 1) < 0.1),
                      abs(v["lmax_unit"] - 1) < 0.1),
        "compact": v["compact"][0] < v["compact"][1] / 2,
        "acts": bool(np.all(v["acts"] > 10)),
    }


def texts(v):
    """The short result texts of the verdict tables."""
    dm = v["dm"]
    return {
        "teaser": f"off/diag {v['off'][0]:.2f} vs {v['off'][1]:.2f}",
        "ratio": (f"ratio {span([v['ratio_lo'][0], v['ratio_hi'][0]])} "
                  f"at d={int(dm[0])}, "
                  f"{span(v['ratio_lo'][1:])} at d={int(dm[1])}–{int(dm[-1])}"),
        "order_d": (f"slope {v['slope_valid']:.2f} for d ≥ 2√n "
                    f"({v['slope_all']:.2f} for d ≥ 16); "
                    f"ratio/d {span(v['ratio_over_d'])}"),
        "lmax": (f"λmax ratio/d {span(v['lmax_over_d'])}; slope "
                 f"{v['lmax_slope_valid']:.2f} for d ≥ 2√n "
                 f"({v['lmax_slope']:.2f} over the grid)"),
        "lmin": (f"λmin ratio ≥ 1 at {claim_checks(v)['lmin'][0]} of {len(dm)} d; "
                 f"{span([v['lmin_lo'][0], v['lmin_hi'][0]])} at d={int(dm[0])}"),
        "orders": f"κ(K) ~ d^{v['e_K']:.2f}, κ(K̃) ~ d^{v['e_Kt']:.2f} (d ≥ 2√n)",
        "lmax_norm": (f"λmax/(mn/2π) {sig(v['lmax_mn2pi'][-1])}; "
                      f"‖x‖=1: {sig(v['lmax_unit'])}/d"),
        "compact": f"q90/q10 {sig(v['compact'][0])} vs {sig(v['compact'][1])}",
        "acts": f"ratios {span(v['acts'])}",
        "theory": (f"sphere within {100 * v['sphere_dev']:.0f}%; "
                   f"Gaussian κ(K̃) ×{span(v['gauss_kt'])}"),
        "dstar": (f"d* ~ n^{v['dstar_exp']:.2f}; d*/√n "
                  f"{sig(v['dstar_sqrt'][0], 2)} → {sig(v['dstar_sqrt'][-1], 2)}"),
    }


V_live = claim_values(S)
V_full = None if F is None else claim_values(F)
live = texts(V_live)
full = texts(V_full) if V_full is not None else {k: "not run" for k in live}
if stored is not None:
    prov = stored["provenance"]
    w = F["wall_s"]
    print(f"stored full run: {prov['date'][:10]}, {prov['device']}, "
          f"torch {prov['torch']}")
    print(f"  wall time: spectra {w['grid_cache'] / 60:.0f} min (cache), "
          f"notebook {w['notebook'] / 60:.0f} min")
    pr = F["preset"]
    print(f"  n={F['n']}, seeds {pr['seeds']} (finite nets {pr['emp_seeds']})")
for k in live:
    print(f"{k}\n  live ({P.scale}): {live[k]}\n  stored full: {full[k]}")

# %% [markdown]
# Each claim is checked on the live numbers and on the stored full-scale ones by the same
# function (`claim_checks` above), and the outcome the text of this chapter states is asserted
# at both scales. How the verdicts read the theorem: "the gate lowers $\kappa$" is checked at
# every $d$ of the grid, the smallest ($d=8$, where it fails for some seeds in the smoke run
# and every seed in the full one) included, so it is
# partly reproduced; "a factor of order $d$" needs the ratio to be of order $d$ in size *and* to
# grow with a slope near 1 (within 0.25) where the theorem applies, $d\ge2\sqrt n$, and the
# slope there is about 0.6, so it is partly reproduced; "$\lambda_{\max}$ falls by a factor
# of order $d$" is judged the same way: the ratio is of order $d$ in size, and its slope
# (printed for $d\ge2\sqrt n$ and over the grid) is near 1 over the whole grid but not where
# the theorem applies, so it too is partly reproduced (it was judged on the whole grid before,
# and read as reproduced). The row "$\lambda_{\max}(K)=O(mn/d)$" is the book's reading of
# the theorem's proof, not a statement of the paper, and its claim text says so. The book's
# theory curves and the map of
# $d^*(n)$ are the book's own results and are in the second table.

# %%
expected = {"teaser": True, "order_size": True, "order_slope": False,
            "lmax": (True, False),
            "orders": (False, False), "lmax_norm": (False, True), "compact": True,
            "acts": True}
for name, v in (("live", V_live), ("stored full", V_full)):
    if v is None:
        continue
    c = claim_checks(v)
    print(f"{name}: " + "; ".join(f"{k} {c[k]}" for k in ("ratio", "lmin", "orders")))
    assert {k: c[k] for k in expected} == expected, (name, c)
    assert 0 < c["ratio"][0] < c["ratio"][1] and 0 < c["lmin"][0] < c["lmin"][1]
    assert v["ratio_lo"][0] < 1 and np.all(v["ratio_lo"][1:] > 1)  # only the smallest d
    assert v["sphere_dev"] < 0.2 and np.all(v["gauss_kt"] > 1.1)
    assert 0.2 < v["dstar_exp"] < 0.45 and np.all(np.diff(v["dstar_sqrt"]) < 0)

# %% tags=["hide-input"]
def judge_share(shares):
    """A claim checked at several points: all, some or none (over the scales run)."""
    done, total = (sum(x) for x in zip(*shares))
    if done == total:
        return "reproduced"
    return "partly reproduced" if done else "not reproduced"


def judge_parts(parts):
    """A claim with parts: all hold, some hold, none (each part over the scales run)."""
    ok = [all(p) for p in zip(*parts)]
    return ("reproduced" if all(ok) else "partly reproduced" if any(ok)
            else "not reproduced")


CL = [claim_checks(v) for v in (V_live, V_full) if v is not None]
order = lambda c: (c["order_size"], c["order_slope"])
status = lambda oks: "holds" if all(oks) else ("holds in part" if any(oks)
                                               else "does not hold")
rows = [
    Verdict("The gate removes the off-diagonal background of the NTK", "paper Fig. 1",
            live["teaser"], full["teaser"], judge_parts([(c["teaser"],) for c in CL])),
    Verdict("The gate lowers the NTK condition number (n > d)", "paper Thm. 3.1",
            live["ratio"], full["ratio"], judge_share([c["ratio"] for c in CL])),
    Verdict("κ falls by a factor of order d", "paper Thm. 3.1", live["order_d"],
            full["order_d"], judge_parts([order(c) for c in CL])),
    Verdict("λmax falls by a factor of order d", "paper Thm. 3.1", live["lmax"],
            full["lmax"], judge_parts([c["lmax"] for c in CL])),
    Verdict("λmin(K̃) >= λmin(K)", "paper Thm. 3.1", live["lmin"], full["lmin"],
            judge_share([c["lmin"] for c in CL])),
    Verdict("κ(K) = O(n/d) and κ(K̃) = O(n/d²)", "paper Thm. 3.1", live["orders"],
            full["orders"], judge_parts([c["orders"] for c in CL])),
    Verdict("λmax(K) = O(mn/d) (inferred: not stated in the paper's theorem)",
            "paper Thm. 3.1", live["lmax_norm"], full["lmax_norm"],
            judge_parts([c["lmax_norm"] for c in CL])),
    Verdict("GLU eigenvalues are more compact", "paper abstract", live["compact"],
            full["compact"], judge_parts([(c["compact"],) for c in CL])),
    Verdict("The same holds for GELU/GEGLU and SiLU/SwiGLU", "paper Thm. 3.1",
            live["acts"], full["acts"], judge_parts([(c["acts"],) for c in CL])),
]
VV = [v for v in (V_live, V_full) if v is not None]
findings = [
    Finding("The book's λ and κ predictions (in place of Props. B.6/B.9) match the "
            "expected kernels for d ≥ 2√n", "theory curves", live["theory"],
            full["theory"],
            status([v["sphere_dev"] < 0.2 for v in VV]
                   + [bool(np.all(np.abs(v["gauss_kt"] - 1) < 0.2)) for v in VV])),
    Finding("The gate raises λmin only above d*(n), which grows more slowly than √n",
            "λmin map", live["dstar"], full["dstar"],
            status([0.2 < v["dstar_exp"] < 0.45 for v in VV])),
]
verdict_table("03_spectrum", rows, findings, write=(P.scale == "smoke"))

# %% [markdown]
# ## What this chapter showed
#
# - The ReLU NTK is $\alpha XX^\top+\beta rr^\top+\gamma D$ up to a few percent, its top
#   eigenvalue is the rank-one term, $\approx mn/(2\pi)$, and the gate turns that term into
#   $(rr^\top)\odot XX^\top$, which has none: $\lambda_{\max}$ falls by a factor of order $d$
#   in size, but where the theorem applies ($d\ge2\sqrt n$) the factor grows with a slope of
#   about 0.5 to 0.6 (printed in the claims table), not 1.
# - The gate lowers $\kappa$ at every $d$ of the grid but the smallest, $d=8$, where it raises
#   it for some seeds (smoke) and every seed (full). $\kappa(K)/\kappa(\tilde K)$ is of
#   order $d$ in size (between $0.6\,d$ and $3\,d$ above $d = 2\sqrt n$ at both scales)
#   but, where the theorem applies, grows like $d^{0.6}$, not like $d$.
# - $\lambda_{\min}(\tilde K)\ge\lambda_{\min}(K)$ only above a $d^*(n)$ that grows like
#   $n^{0.26}$ (smoke) to $n^{0.34}$ (full), more slowly than $\sqrt n$; below it the gate lowers
#   $\lambda_{\min}$ (this is what moves the loss crossing of {doc}`04_loss_crossing` with $n$).
# - The paper's orders $\kappa(K) = O(n/d)$, $\kappa(\tilde K) = O(n/d^2)$ do not describe the
#   full NTK in the wide regime: on these grids $\kappa(K)$ falls like $d^{-0.6}$ to $d^{-0.7}$
#   and $\kappa(\tilde K)$ like $d^{-1.2}$ to $d^{-1.3}$, towards the book's limits $1.75\,n$ and
#   $0.73\,n/d$, whatever the input normalisation; $\lambda_{\max}(K) = O(mn/d)$ is the
#   $\|x\|\approx1$ convention.
# - The book's predictions (in place of paper Props. B.6/B.9) hold within 20% on the sphere for
#   $d\ge2\sqrt n$; on Gaussian inputs they miss $\lambda_{\min}$ of the GLU kernel.
# - The claim holds for every activation pair and for centred real data, with a smaller factor;
#   it bends for uncentred data.
