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
# (ch-deep-models)=
# # 5. Deep models: ViT, MLP-Mixer and GPT with every FFN kind
#
# The paper carries its two-layer argument to real architectures {cite}`lyu2026devil` (its Fig. 3):
# swapping the feed-forward block of a ViT {cite}`dosovitskiy2021image` or of GPT-2
# {cite}`radford2019language` for its parameter-matched GLU version {cite}`shazeer2020glu` should lower
# the condition number of the empirical NTK, before and after training. The official code has NTK
# scripts for the ViT and the MLP-Mixer {cite}`tolstikhin2021mlpmixer` and nothing for GPT-2; this chapter
# builds all three from one `FeedForward` block and measures them.
#
# **What is computed here, and at which scale.** The kernels come from `glu_lib.ntk.structured_ntk`:
# one batched forward and backward, and the Gram block of every layer from its inputs and output
# gradients (the "structured derivatives" idea of neural-tangents {cite}`novak2020neural,novak2022fast`), equal to
# the per-sample-Jacobian Gram to $10^{-10}$ in the tests and fast enough that the paper's own setting
# runs on a CPU. At the default (smoke) scale the paper's setting is run **live in miniature**: 32×32
# Gaussian images, a ViT of width 64 (65 tokens) with an MLP width of 256 (4× the width), a Mixer of
# width 64 (patch 8: 16 tokens), the GPT of the smoke training recipe, 32 probes, 4 seeds. The paper's setting itself (the
# official ViT: width 4096, depth 4, heads of 64 features, MLP 256, 64 probes; the official Mixer
# widths; GPT-2 small) was **run on a 2-core CPU and stored** in `results/`; it is shown beside the
# live run.

# %% tags=["remove-cell"]
# On Colab only: install the book's library at the release this notebook belongs to.
import sys

if "google.colab" in sys.modules:
    import subprocess

    PACKAGE = "glu-lib @ git+https://github.com/glu-ntk-book/glu-ntk-book@v0.2.0"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %% tags=["parameters"]
SCALE = "auto"  # "smoke" (CPU, minutes) or "full" (paper scale); "auto": $GLU_SCALE
SEED = 0

# %%
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch

from glu_lib import deep, text
from glu_lib.config import preset
from glu_lib.kinds import PAIRS
from glu_lib.ntk import empirical_ntk
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, kind_style, use_style
from glu_lib.results import load_result
from glu_lib.runs import GPT_RECIPES, train_gpt
from glu_lib.verdicts import Verdict, verdict_table

P = preset("deep_models", SCALE)
seed_everything(SEED)
torch.set_num_threads(2)
use_style()
KINDS6 = [k for pair in PAIRS for k in pair]
FAMILIES = ("vit", "mixer", "gpt")
corpus = text.char_corpus(text.read_text())  # $GLU_DATA_DIR copy, else the shipped one
gpt_settings = dict(GPT_RECIPES[P.gpt_recipe]["model"], vocab_size=corpus.vocab_size)
settings = {"vit": P.vit, "mixer": P.mixer, "gpt": gpt_settings}
n_probe = {"vit": P.n_probe, "mixer": P.mixer_n_probe, "gpt": P.n_probe}
seeds = range(SEED, SEED + P.seeds)
print(f"scale: {P.scale}; probes: {n_probe}; seeds: {P.seeds}")
for family, s in settings.items():
    line = ", ".join(f"{k} {v}" for k, v in dict(s).items())
    print(textwrap.fill(f"{family}: {line}", 88, subsequent_indent="  "))

# %% [markdown]
# ## One feed-forward block, three architectures
#
# `glu_lib.models.FeedForward` is the only place where the kinds differ: a non-GLU block
# $\mathrm{fc}_2(\phi(\mathrm{fc}_1 x))$ with hidden width $h$, or a GLU block
# $\mathrm{fc}_2((Px)\odot\phi(Wx))$ with $\lfloor 2h/3\rfloor$ units, which keeps the parameter count
# (within one unit). The ViT, the Mixer (token and channel mixing, here with the official code's
# hidden widths: 16× the tokens and ½× the width) and the GPT (GPT-2 architecture and initialisation,
# tied embeddings) take the kind as a config field. The ViT has two layouts: this book's pre-LN one
# (smoke) and the official code's (full scale: `LN → Linear → LN` patch embedding, heads of 64
# features without qkv bias, one LayerNorm shared by the whole stack, the official initialisation);
# a test checks it against the official model's 25,724,001 parameters.

# %%
for family, s in settings.items():
    counts = {k: deep.param_count(deep.build(family, k, s, seed=SEED)) for k in KINDS6}
    print(f"{family:5s} " + "  ".join(f"{k}={v}" for k, v in counts.items()))
    assert max(counts.values()) - min(counts.values()) < 0.01 * max(counts.values())

# %% [markdown]
# ## The NTK condition number at initialisation (paper Fig. 3), live
#
# Each model is read through a fixed scalar output (the NTK of the paper is for scalar outputs): the
# single output unit of the ViT and the Mixer, and for the GPT the sum of the logits at the last
# position. The NTK is taken over **all** parameters and, from the same pass, over the **FFN
# parameters only** (the sum of their Gram blocks), in float64, on Gaussian probe images (as the
# official script) and on windows of tiny-shakespeare for the GPT. The seed fixes both the weights
# and the probes, so the kinds of one seed see the same inputs.

# %%
live = {}
for family in FAMILIES:
    tokens = corpus.val if family == "gpt" else None
    live[family] = {
        k: [
            deep.ntk_kappas(
                family,
                k,
                settings[family],
                n_probe[family],
                s,
                tokens=tokens,
                length=P.gpt_length if family == "gpt" else None,
            )
            for s in seeds
        ]
        for k in KINDS6
    }


def span(r):
    return sig(r[0]) if len(r) == 1 else f"{sig(r.min())} to {sig(r.max())}"


def ratio_line(family, res, a, b):
    full, ffn = deep.pair_ratios(res, a, b), deep.pair_ratios(res, a, b, "kappa_ffn")
    wins_full, wins_ffn = int((full > 1).sum()), int((ffn > 1).sum())
    return (
        f"{family:5s} {a}/{b}: all params {span(full)} (GLU lower {wins_full}/"
        f"{len(full)}), FFN only {span(ffn)} ({wins_ffn}/{len(ffn)})"
    )


print("non-GLU/GLU κ ratio per seed (> 1: GLU better conditioned)")
for family in FAMILIES:
    for a, b in PAIRS:
        print(ratio_line(family, live[family], a, b))

# %% mystnb={"figure": {"caption": "Condition number of the empirical NTK at initialisation for each FFN kind, smoke scale (live): all parameters (top) and FFN parameters only (bottom). Bars: geometric mean over 4 seeds; dots: single seeds. Non-GLU kinds hatched, GLU kinds solid; log scale.", "name": "fig-deep-kappa"}}
fig, axes = plt.subplots(2, 3, figsize=(COLUMN_WIDTH, 5.0), layout="constrained")
titles = {"vit": "ViT", "mixer": "MLP-Mixer", "gpt": "GPT"}
for j, family in enumerate(FAMILIES):
    deep.plot_kappa_bars(axes[0, j], live[family], KINDS6, "kappa_full", titles[family])
    deep.plot_kappa_bars(
        axes[1, j], live[family], KINDS6, "kappa_ffn", titles[family] + ", FFN"
    )
axes[0, 0].set_ylabel("κ, all parameters")
axes[1, 0].set_ylabel("κ, FFN only")
plt.show()

# %% [markdown]
# What the smoke run shows is printed above and asserted below, where it holds at every seed: in the
# Mixer every GLU kind has the lower κ at every seed, over all parameters and over the FFN alone; in
# the ViT the FFN-only κ is lower with GLU at every seed, and over all parameters GLU is lower in most
# seeds but not all (the attention and embedding parameters set $\lambda_{\max}$ there). The small GPT
# with GPT-2's weight scale is the exception, taken up in the section on the sign below.


# %%
def wins(res, key="kappa_full"):
    return {
        a + "/" + b: int((deep.pair_ratios(res, a, b, key) > 1).sum()) for a, b in PAIRS
    }


for family in FAMILIES:
    print(f"{family:5s} seeds with GLU lower: all params {wins(live[family])}")
    print(f"{'':5s} FFN only {wins(live[family], 'kappa_ffn')}")
assert all(v == P.seeds for v in wins(live["mixer"]).values())
assert all(v == P.seeds for v in wins(live["mixer"], "kappa_ffn").values())
assert all(v == P.seeds for v in wins(live["vit"], "kappa_ffn").values())
assert sum(wins(live["vit"]).values()) >= 2 * P.seeds

# %% [markdown]
# ## Fig. 3 at the paper's scale, stored
#
# The official ViT (width 4096, depth 4, 4 heads of 64 features, MLP 256, 32×32×3 inputs with patch 4,
# 64 Gaussian probes, float32 as the official script) and the Mixer at the official script's setting
# (width 256, depth 4, token hidden 1024, channel hidden 128, 32 probes) were computed on a shared
# 2-core CPU, one kernel after another, each stored as soon as it was done (an interrupted run
# resumes), with
# `python -m glu_lib.deep deep_fig3_vit --family vit --settings '<json>' --n 64 --seeds 0 1 2 3`.
# GPT-2 small (12 layers, 12 heads, width 768, context 1024, vocabulary 50257, 124M parameters, tied
# embeddings, GPT-2 initialisation) was run on 16 random token sequences of 16 tokens. Each kernel took
# under two minutes on the shared CPU (the ViT at width 4096: one to seven minutes, 25.7M parameters).
# All 4 seeds of every kind finished.

# %%
stored = {
    "vit": deep.stored_kappas("deep_fig3_vit"),
    "mixer": deep.stored_kappas("deep_fig3_mixer"),
    "gpt": deep.stored_kappas("deep_fig3_gpt2"),
}
full = {f: (v[1] if v else {}) for f, v in stored.items()}
for family, v in stored.items():
    if v is None:
        print(f"{family:5s} no stored run")
        continue
    spec, res = v
    n_seeds = " ".join(f"{k}:{len(e)}" for k, e in res.items())
    print(
        f"{family:5s} n={spec['n']} {spec['dtype']}; seeds {n_seeds}; "
        f"params {res[next(iter(res))][0]['params']}"
    )
    for a, b in PAIRS:
        if deep.pair_ratios(res, a, b).size:
            print("   " + ratio_line(family, res, a, b))

# %% mystnb={"figure": {"caption": "Paper Fig. 3 at the paper's scale (stored CPU runs, float32): \u03ba of the empirical NTK at initialisation of the official ViT (width 4096), the MLP-Mixer (width 256) and GPT-2 small, all parameters (top) and FFN parameters only (bottom). Bars: geometric mean over the stored seeds; dots: single seeds.", "name": "fig-deep-kappa-full"}}
fig, axes = plt.subplots(2, 3, figsize=(COLUMN_WIDTH, 5.0), layout="constrained")
titles_full = {"vit": "ViT 4096", "mixer": "MLP-Mixer 256", "gpt": "GPT-2 small"}
for j, family in enumerate(FAMILIES):
    deep.plot_kappa_bars(
        axes[0, j], full[family], KINDS6, "kappa_full", titles_full[family]
    )
    deep.plot_kappa_bars(axes[1, j], full[family], KINDS6, "kappa_ffn", "FFN only")
axes[0, 0].set_ylabel("κ, all parameters")
axes[1, 0].set_ylabel("κ, FFN only")
plt.show()

# %% [markdown]
# ## What decides the sign
#
# Two factors move the comparison, shown here for the NTK of all parameters and of the FFN alone:
# the **weight scale of the GPT** and the **share of the FFN in the ViT**; the ViT's width does not.
# Which parameters enter the kernel (all, or the FFN only) is the third. GPT-2's fixed weight standard
# deviation 0.02 is small at width 64: the FFN pre-activations are then tiny and the gate
# $(Px)\odot\phi(Wx)$ is a product of two small numbers. GPT-2 small has std·√width
# $= 0.02\cdot\sqrt{768}\approx 0.55$; the same product at width 64 is a std of 0.069. The live cell
# below builds the smoke GPT at both scales.

# %%
scaled = {0.02: live["gpt"]}  # GPT-2's own std: the live run above
for std in P.gpt_stds:
    s = dict(gpt_settings, init_std=std)
    if std not in scaled:
        scaled[std] = {
            k: [
                deep.ntk_kappas(
                    "gpt",
                    k,
                    s,
                    n_probe["gpt"],
                    sd,
                    tokens=corpus.val,
                    length=P.gpt_length,
                )
                for sd in seeds
            ]
            for k in KINDS6
        }
    print(f"GPT width {gpt_settings['n_embd']}, weight std {std}:")
    for a, b in PAIRS:
        print("  " + ratio_line("gpt", scaled[std], a, b))

# %%
lo, hi = P.gpt_stds
print(f"FFN only, seeds with GLU lower: std {lo} {wins(scaled[lo], 'kappa_ffn')}")
print(f"                                std {hi} {wins(scaled[hi], 'kappa_ffn')}")
assert sum(wins(scaled[lo], "kappa_ffn").values()) == 0
assert sum(wins(scaled[hi], "kappa_ffn").values()) > sum(
    wins(scaled[lo], "kappa_ffn").values()
)

# %% [markdown]
# The ViT's own width, by contrast, hardly moves the comparison in the official layout: the stored
# runs at widths 64, 256, 1024 and 4096 (MLP 256 and 64 probes throughout, seed 0) give similar
# ratios, all above 1.

# %%
widths = {}
for d in (64, 256, 1024):
    v = deep.stored_kappas(f"deep_width_vit_{d}")
    if v is not None:
        widths[d] = v[1]
if full["vit"]:
    widths[4096] = full["vit"]
width_ratio = {
    d: {
        (a, b, key): deep.pair_ratios(r, a, b, key)[:1]
        for a, b in PAIRS
        for key in ("kappa_full", "kappa_ffn")
    }
    for d, r in widths.items()
}
for d, rr in width_ratio.items():
    print(
        f"width {d}: "
        + "; ".join(
            f"{a}/{b} {sig(rr[(a, b, 'kappa_full')][0])} "
            f"(FFN {sig(rr[(a, b, 'kappa_ffn')][0])})"
            for a, b in PAIRS
            if rr[(a, b, "kappa_full")].size
        )
    )
assert all((r > 1).all() for rr in width_ratio.values() for r in rr.values())

# %% [markdown]
# The stored runs are in float32, as the official script. At width 256 the same kernels were also
# computed in float64; κ moves by the relative amounts printed (none if the run is absent):

# %%
p32, p64 = (
    deep.stored_kappas("deep_width_vit_256"),
    deep.stored_kappas("deep_precision_vit_256"),
)
if p32 and p64:
    shift = {
        k: abs(p32[1][k][0]["kappa_full"] / p64[1][k][0]["kappa_full"] - 1)
        for k in KINDS6
        if k in p64[1]
    }
    print("float32 vs float64, relative change of κ:")
    print(" ", ", ".join(f"{k} {sig(v)}" for k, v in shift.items()))

# %% [markdown]
# What does move it in the ViT is the share of the FFN in the kernel. With an MLP as narrow as the
# width (64, the earlier smoke setting of this chapter), the full-parameter comparison is left to the
# attention and embedding parameters, while the FFN-only kernel still favours GLU (live, 4 seeds):

# %%
narrow = dict(P.vit, mlp_dim=P.vit["dim"])
narrow_res = {
    k: [deep.ntk_kappas("vit", k, narrow, n_probe["vit"], s) for s in seeds]
    for k in KINDS6
}
for a, b in PAIRS:
    print(ratio_line("vit", narrow_res, a, b))
assert all(v == P.seeds for v in wins(narrow_res, "kappa_ffn").values())

# %% mystnb={"figure": {"caption": "What decides the sign. Left: non-GLU/GLU \u03ba ratio of the official-layout ViT against its width (stored runs, seed 0), all parameters (solid) and FFN only (dotted): flat. Right: the small GPT (live, smoke scale) at GPT-2's weight std 0.02 and at the std giving GPT-2 small's std\u00b7\u221awidth; geometric mean over seeds, circles all parameters, squares FFN only. Above the grey line GLU is better conditioned.", "name": "fig-deep-sign"}}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.0), layout="constrained")
for a, b in PAIRS:
    ds = [d for d in width_ratio if width_ratio[d][(a, b, "kappa_full")].size]
    for key, ls in (("kappa_full", "-"), ("kappa_ffn", ":")):
        ax1.plot(
            ds,
            [width_ratio[d][(a, b, key)][0] for d in ds],
            marker="o",
            ms=3,
            color=kind_style(b)["color"],
            ls=ls,
            label=f"{a}/{b}" if key == "kappa_full" else None,
        )
ax1.set(xscale="log", yscale="log", xlabel="ViT width", ylabel="κ non-GLU / κ GLU")
ax1.axhline(1, color="grey", lw=1)
ax1.legend(fontsize=8, loc="best")
for i, (a, b) in enumerate(PAIRS):
    for j, std in enumerate(P.gpt_stds):
        for key, mk in (("kappa_full", "o"), ("kappa_ffn", "s")):
            r = np.exp(np.log(deep.pair_ratios(scaled[std], a, b, key)).mean())
            ax2.plot(
                j + 0.12 * i - 0.12 + 0.04 * (key == "kappa_ffn"),
                r,
                mk,
                color=kind_style(b)["color"],
            )
ax2.set_xticks(range(len(P.gpt_stds)), [f"weight std {s}" for s in P.gpt_stds])
ax2.set(yscale="log", ylabel="κ non-GLU / κ GLU", xlim=(-0.5, len(P.gpt_stds) - 0.5))
ax2.axhline(1, color="grey", lw=1)
plt.show()

# %% [markdown]
# ## GPT on tiny-shakespeare: training curves and κ after training
#
# The GPT recipes follow nanoGPT {cite}`radford2019language`: AdamW ($\beta_2=0.99$, weight decay 0.1 on
# matrices), learning rate $10^{-3}$ with 100-step linear warm-up (30 at smoke scale) and cosine decay to
# $10^{-4}$, gradient clipping at 1. The smoke recipe is a 2-layer, 64-wide model trained for 300
# iterations; it is a check that the loop and the models work, not a language model.

# %%
runs = {
    k: train_gpt(k, P.gpt_recipe, seed=SEED, return_model=True) for k in P.train_kinds
}
for k, r in runs.items():
    h = r["history"]
    start, end = h["val_loss"][0], h["val_loss"][-1]
    print(f"{k:6s} params {r['params']}  val loss: start {start:.3f}, end {end:.3f}")
    assert h["val_loss"][-1] < h["val_loss"][0] - 0.5

# %% mystnb={"figure": {"caption": "Validation loss of the GPT variants during training on character-level tiny-shakespeare (smoke recipe, live). Non-GLU dashed, GLU solid.", "name": "fig-gpt-curves"}}
fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
for k, r in runs.items():
    ax.plot(
        r["history"]["iter"],
        r["history"]["val_loss"],
        marker="o",
        ms=3,
        **kind_style(k),
    )
ax.set(
    xlabel="iteration",
    ylabel="validation loss (nats per character)",
    title=f"GPT, recipe '{P.gpt_recipe}'",
)
ax.legend()
plt.show()

# %% [markdown]
# The NTK after training is computed on the same probe windows as before training (seed 0), with the
# trained weights:

# %%
after = {}
for k in P.train_kinds:
    model = deep.build("gpt", k, gpt_settings, seed=SEED)
    model.model.load_state_dict(runs[k]["model"].state_dict())
    X = deep.probe_inputs("gpt", P.n_probe, gpt_settings, seed=SEED, tokens=corpus.val)
    after[k] = deep.condition_number(empirical_ntk(model, X))
    before = live["gpt"][k][0]["kappa_full"]
    print(f"{k:6s} κ before training {sig(before):>7s}   after {sig(after[k]):>7s}")
    assert after[k] < before

# %% [markdown]
# After 300 iterations the condition numbers of both GPTs have fallen several-fold, and the GLU one ends
# only marginally lower (the ratio is in the verdict table below): one seed of a tiny model, so this is
# at most a partial reproduction. GPT-2 small after training was not run: training it on
# tiny-shakespeare to a meaningful loss does not fit this book's CPU budget.
#
# ## The nanoGPT anchor
#
# The GELU GPT is GPT-2 itself, and at nanoGPT's CPU recipe (4 layers, 4 heads, width 128, context 64,
# batch 12, 2000 iterations, no dropout) nanoGPT reports a validation loss of about 1.88; its GPU recipe
# (6/6/384, context 256, batch 64, 5000 iterations, dropout 0.2) reaches 1.4697. Runs of the CPU recipe,
# one seed per kind, were made on a 2-core CPU with `python -m glu_lib.runs gpt --recipe cpu --ffn gelu ...`
# and are stored in `results/` with their provenance; the GPU recipe has not been run for this book yet.

# %%
stored = {k: load_result(f"gpt_cpu_{k}_seed0") for k in KINDS6}
stored = {k: v for k, v in stored.items() if v is not None}
if not stored:
    print("no stored run of the CPU recipe")
for k, res in stored.items():
    h, prov = res["data"]["history"], res["provenance"]
    print(
        f"{k:6s} CPU recipe: final val loss {h['val_loss'][-1]:.3f} after "
        f"{h['iter'][-1]} iterations\n"
        f"       ({prov['device']}, commit {prov['git_sha'][:7]})"
    )
if "gelu" in stored:
    assert abs(stored["gelu"]["data"]["history"]["val_loss"][-1] - 1.88) < 0.05

# %% mystnb={"figure": {"caption": "Validation loss of the GPT variants at nanoGPT's CPU recipe on character-level tiny-shakespeare (stored runs, 2000 iterations, one seed). Non-GLU dashed, GLU solid; the grey line is nanoGPT's published 1.88 for the GELU model.", "name": "fig-gpt-cpu-recipe"}}
if stored:
    fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
    for k, res in stored.items():
        h = res["data"]["history"]
        ax.plot(h["iter"][1:], h["val_loss"][1:], marker="o", ms=3, **kind_style(k))
    ax.axhline(1.88, color="grey", lw=1)
    ax.set(
        xlabel="iteration",
        ylabel="validation loss (nats per character)",
        title="GPT, nanoGPT CPU recipe",
    )
    ax.legend()
    plt.show()

# %%
final = {k: res["data"]["history"]["val_loss"][-1] for k, res in stored.items()}
gain = {(a, b): final[a] - final[b] for a, b in PAIRS if a in final and b in final}
for (a, b), g in gain.items():
    print(f"{a}/{b}: final validation loss {final[a]:.3f} vs {final[b]:.3f}", end=" ")
    print(f"(GLU lower by {g:+.3f})")
assert gain.get(("gelu", "geglu"), 1) > 0.05 and gain.get(("silu", "swiglu"), 1) > 0.05
assert abs(gain.get(("relu", "reglu"), 0)) < 0.01

# %% [markdown]
# At the CPU recipe GEGLU and SwiGLU end clearly below GELU and SiLU, the paper's optimisation claim seen
# directly, while ReGLU only ties ReLU (whose single run is itself well below GELU). These are single
# seeds; the NTK condition numbers at initialisation above do not rank the models in this order.
#
# **What this chapter showed.** One feed-forward block serves three architectures with matched
# parameter counts, and a structured empirical NTK makes the paper's Fig. 3 setting a CPU computation.
# At the paper's scale the claim holds for every pair and every seed: the GLU kind lowers κ of the
# full-parameter NTK by factors of 2.2 to 3.7 in the official ViT, 9.7 to 18 in the Mixer and 2.8 to
# 5.7 in GPT-2 small. At smoke scale it holds in the Mixer and in the FFN-only ViT kernel, while
# in the small GPT its sign is set by the weight scale. The verdict per model and pair:


# %%
def summary(res, a, b):
    full, ffn = deep.pair_ratios(res, a, b), deep.pair_ratios(res, a, b, "kappa_ffn")
    if not full.size:
        return "not run", None
    wins = int((full > 1).sum())
    text_ = (
        f"ratio {span(full).replace(' to ', '-')} ({wins}/{len(full)}), "
        f"FFN {span(ffn).replace(' to ', '-')}"
    )
    if (full > 1).all():
        return text_, "reproduced"
    return text_, "partly reproduced" if (ffn > 1).all() or (
        full > 1
    ).any() else "not reproduced"


names = {"vit": "ViT", "mixer": "MLP-Mixer", "gpt": "GPT-2"}
rows = []
for family in FAMILIES:
    for a, b in PAIRS:
        sm, v_smoke = summary(live[family], a, b)
        fu, v_full = summary(full[family], a, b)
        rows.append(
            Verdict(
                f"{names[family]}: {b} has a lower NTK κ than {a} at init",
                "paper Fig. 3",
                sm,
                fu,
                v_full or "not tested",
            )
        )
after_ratio = after.get("gelu", np.nan) / after.get("geglu", np.nan)
rows.append(
    Verdict(
        "GPT: GLU has the lower NTK κ after training",
        "paper Fig. 3",
        f"gelu/geglu after 300 iterations {sig(after_ratio)} (one seed)",
        "not run",
        "partly reproduced" if after_ratio > 1 else "not reproduced",
    )
)
verdict_table("05_deep_models", rows, write=(P.scale == "smoke"))
