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
# runs on a CPU. Its speed against blocked per-sample Jacobians and against its own flop count,
# and its peak memory, are measured by `benchmarks/deep_ntk_speed.py` (stored outputs and what
# they show: `benchmarks/results/README.md`). At the default (smoke) scale the paper's setting is run **live in miniature**: 32×32
# Gaussian images, a ViT of width 64 (65 tokens) with an MLP width of 256 (4× the width), a Mixer of
# width 64 (patch 8: 16 tokens), the GPT of the smoke training recipe, 32 probes, 4 seeds. The paper's setting itself (the
# official ViT: width 4096, depth 4, heads of 64 features, MLP 256, 64 probes; the official Mixer
# widths; GPT-2 small) was **run on a 2-core CPU and stored** in `results/`; it is shown beside the
# live run.

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
import textwrap
from dataclasses import replace

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import torch
from IPython.display import Markdown, display

from glu_lib import deep, text
from glu_lib import deep_report as report
from glu_lib.config import preset
from glu_lib.kinds import PAIRS
from glu_lib.ntk import empirical_ntk
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import COLUMN_WIDTH, kind_style, use_style
from glu_lib.generalization import stored_name
from glu_lib.results import load_result
from glu_lib.runs import GPT_RECIPES, train_gpt
from glu_lib.verdicts import Finding, Verdict, verdict_table

P = preset("deep_models", SCALE)
seed_everything(SEED)
torch.set_num_threads(1)
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
# The Mixer has two initialisations: the official code's (Xavier normal only in the token- and
# channel-mixing MLPs, with W and P of a GLU each initialised on its own, PyTorch's defaults for
# the patch embedding and the head; used at both scales) and this book's earlier one (Xavier
# normal with zero biases on every layer, the stacked W and P counted together in the fan-out),
# kept as a stored variant.
#
# The table gives every deep model of the chapter, live and stored, with its parameters and the
# FLOPs of one forward pass on one probe input (matrix products and convolutions, counted by
# PyTorch's `FlopCounterMode` on shape-only `meta` tensors; element-wise operations not counted),
# non-GLU and GLU. The activation does not change a shape, so ReLU, GELU and SiLU share these
# counts, and so do ReGLU, GEGLU and SwiGLU (a test checks it); the GPT windows have the lengths
# of the probes used below (the live length, 64 and 16 tokens).

# %% tags=["hide-input"]
F = preset("deep_models", "full")
gpt2_small = dict(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)
cpu_gpt = dict(GPT_RECIPES["cpu"]["model"], vocab_size=corpus.vocab_size)
MODELS = {  # name: (family, settings, probe length of the GPT)
    "ViT (live)": ("vit", P.vit, None),
    "ViT 4096 (stored)": ("vit", F.vit, None),
    "Mixer (live)": ("mixer", P.mixer, None),
    "Mixer 256 (stored)": ("mixer", F.mixer, None),
    "GPT (live)": ("gpt", gpt_settings, P.gpt_length),
    "GPT, CPU recipe (stored)": ("gpt", cpu_gpt, 64),
    "GPT-2 small (stored)": ("gpt", gpt2_small, 16),
}
sizes = {(name, k): report.model_size(fam, k, s, length=L)
         for name, (fam, s, L) in MODELS.items() for k in ("relu", "reglu")}
lines = ["| model | params non-GLU | params GLU | MFLOP non-GLU | MFLOP GLU |",
         "|---|---|---|---|---|"]
for name in MODELS:
    (pa, fa), (pb, fb) = sizes[name, "relu"], sizes[name, "reglu"]
    lines.append(f"| {name} | {pa:,} | {pb:,} | {sig(fa / 1e6)} | {sig(fb / 1e6)} |")
display(Markdown("\n".join(lines)))
param_gap = max(abs(sizes[n, "relu"][0] / sizes[n, "reglu"][0] - 1) for n in MODELS)
print(f"largest relative parameter difference, non-GLU vs GLU: {sig(param_gap, 2)}")
assert param_gap < 0.01
assert sizes["ViT 4096 (stored)", "relu"][0] == 25_724_001  # the official ViT

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
        f"{family:5s} {a}/{b}: all {span(full)} ({wins_full}/{len(full)} GLU lower), "
        f"FFN {span(ffn)} ({wins_ffn}/{len(ffn)})"
    )


print("non-GLU/GLU κ ratio per seed (> 1: GLU better conditioned)")
for family in FAMILIES:
    for a, b in PAIRS:
        print(ratio_line(family, live[family], a, b))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Condition number of the empirical NTK at initialisation for each FFN kind, smoke scale (live): all parameters (top) and FFN parameters only (bottom). Bars: geometric mean over 4 seeds; dots: single seeds. Non-GLU kinds hatched, GLU kinds solid; log scale.", "name": "fig-deep-kappa"}}
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


def show_wins(w):
    return ", ".join(f"{p} {v}" for p, v in w.items())


for family in FAMILIES:
    print(f"{family:5s} seeds with GLU lower: all {show_wins(wins(live[family]))}")
    print(f"{'':27s}FFN {show_wins(wins(live[family], 'kappa_ffn'))}")
assert all(v == P.seeds for v in wins(live["mixer"]).values())
assert all(v == P.seeds for v in wins(live["mixer"], "kappa_ffn").values())
assert all(v == P.seeds for v in wins(live["vit"], "kappa_ffn").values())
assert sum(wins(live["vit"]).values()) >= 2 * P.seeds

# %% [markdown]
# ## Fig. 3 at the paper's scale, stored
#
# The official ViT (width 4096, depth 4, 4 heads of 64 features, MLP 256, 32×32×3 inputs with patch 4,
# 64 Gaussian probes, float32 as the official script) and the Mixer at the official script's setting
# (width 256, depth 4, token hidden 1024, channel hidden 128, 32 probes, the official
# initialisation) were computed on a shared
# 2-core CPU, one kernel after another, each stored as soon as it was done (an interrupted run
# resumes), with
# `python -m glu_lib.deep deep_fig3_vit --family vit --settings '<json>' --n 64 --seeds 0 1 2 3`
# (the Mixer: `deep_fig3_mixer_official --family mixer ... --n 32`, its settings with
# `"init": "official"`).
# GPT-2 small (12 layers, 12 heads, width 768, context 1024, vocabulary 50257, 124M parameters, tied
# embeddings, GPT-2 initialisation) was run on 16 random token sequences of 16 tokens, and again on
# windows of real text below. The time each kernel took on the shared CPU is stored with it; the
# cell prints the range.

# %%
stored = {
    "vit": deep.stored_kappas("deep_fig3_vit"),
    "mixer": deep.stored_kappas("deep_fig3_mixer_official"),
    "gpt": deep.stored_kappas("deep_fig3_gpt2"),
}
full = {f: (v[1] if v else {}) for f, v in stored.items()}
for family, v in stored.items():
    if v is None:
        print(f"{family:5s} no stored run")
        continue
    spec, res = v
    n_seeds = " ".join(f"{k}:{len(e)}" for k, e in res.items())
    secs = [e["seconds"] for es in res.values() for e in es]
    print(
        f"{family:5s} n={spec['n']} {spec['dtype']}; seeds {n_seeds};\n      "
        f"params {res[next(iter(res))][0]['params']}; "
        f"{min(secs):.0f} to {max(secs):.0f} s a kernel"
    )
    for a, b in PAIRS:
        if deep.pair_ratios(res, a, b).size:
            print("   " + ratio_line(family, res, a, b))

# %% [markdown]
# The Mixer was first computed with this book's earlier initialisation (Xavier normal with zero
# biases on every layer; the same command with the default `init`). The official one gives the
# larger ratios above; the variant:

# %%
xavier_mixer = deep.stored_kappas("deep_fig3_mixer")
mixer_variant = {}
if xavier_mixer:
    for key in ("kappa_full", "kappa_ffn"):
        mixer_variant[key] = report.ratio_summary(xavier_mixer[1], key)
        official = report.ratio_summary(full["mixer"], key)
        print(f"Mixer 256, {key}: Xavier everywhere {mixer_variant[key].text(sig)},")
        print(f"    official init {official.text(sig) if official else 'not run'}")
    v, o = mixer_variant["kappa_full"], report.ratio_summary(full["mixer"])
    assert v.above == v.n and v.low < o.low and v.high < o.high, (v, o)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Paper Fig. 3 at the paper's scale (stored CPU runs, float32): \u03ba of the empirical NTK at initialisation of the official ViT (width 4096), the MLP-Mixer (width 256) and GPT-2 small, all parameters (top) and FFN parameters only (bottom). Bars: geometric mean over the stored seeds; dots: single seeds.", "name": "fig-deep-kappa-full"}}
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
# Random token ids are not text. GPT-2's tokenizer ships with `glu_lib` (its byte-pair vocabulary,
# read by `tiktoken`; no download), so GPT-2 small was run again on windows of tiny-shakespeare's
# validation split in GPT-2's tokens: 16 windows of 16 tokens (4 seeds, as above) and 32 windows of
# 64 tokens (2 seeds), with
# `python -m glu_lib.deep deep_fig3_gpt2_text --family gpt --settings '<json>' --n 16 --length 16
# --seeds 0 1 2 3 --text-probes`.

# %%
gpt2_text = {}
for name in ("deep_fig3_gpt2", "deep_fig3_gpt2_text", "deep_fig3_gpt2_text64"):
    v = deep.stored_kappas(name)
    if v is None:
        print(f"{name}: no stored run")
        continue
    spec, res = v
    gpt2_text[name] = res
    probes = spec.get("probes", "random token ids")
    secs = [e["seconds"] for es in res.values() for e in es]
    print(f"GPT-2 small, {spec['n']} probes x {spec['length']} tokens, {probes}")
    print(f"  ({min(secs):.0f} to {max(secs):.0f} s a kernel):")
    for a, b in PAIRS:
        print("   " + ratio_line("gpt", res, a, b))
text_ratios = np.array([
    r
    for name, res in gpt2_text.items() if name != "deep_fig3_gpt2"
    for a, b in PAIRS for key in ("kappa_full", "kappa_ffn")
    for r in deep.pair_ratios(res, a, b, key)
])
if text_ratios.size:
    print(f"text probes: every ratio in {sig(text_ratios.min())} to "
          f"{sig(text_ratios.max())}")
    assert (text_ratios > 1).all()

# %% [markdown]
# On real text GPT-2 small keeps the paper's order at every seed, and with longer windows and
# more probes the gap between the kinds widens (the ratios of the last block are the larger).

# %% [markdown]
# ## What decides the sign
#
# Several factors move the comparison, shown here for the NTK of all parameters and of the FFN alone:
# the **weight scale of the GPT** (its initialisation), the **share of the FFN in the ViT**, and, in
# stored sweeps further down, the initialisation scheme, the number of tokens and the number of
# probes; the ViT's width does not. Which parameters enter the kernel (all, or the FFN only) matters
# throughout. GPT-2's fixed weight standard
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
    product = sig(std * gpt_settings["n_embd"] ** 0.5, 2)
    print(f"GPT width {gpt_settings['n_embd']}, weight std {std} "
          f"(std x sqrt(width) {product}; GPT-2 small {sig(0.02 * 768 ** 0.5, 2)}):")
    for a, b in PAIRS:
        print("  " + ratio_line("gpt", scaled[std], a, b))

# %%
lo, hi = P.gpt_stds
print(f"FFN only, seeds with GLU lower: std {lo}: "
      f"{show_wins(wins(scaled[lo], 'kappa_ffn'))}")
print(f"{'':31s}std {hi}: {show_wins(wins(scaled[hi], 'kappa_ffn'))}")
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
        f"width {d}:\n  "
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
    print(textwrap.fill(", ".join(f"{k} {sig(v)}" for k, v in shift.items()), 80,
                        initial_indent="  ", subsequent_indent="  "))

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

# %% tags=["hide-input"] mystnb={"figure": {"caption": "What decides the sign. Left: non-GLU/GLU \u03ba ratio of the official-layout ViT against its width (stored runs, seed 0), all parameters (solid) and FFN only (dotted): flat. Right: the small GPT (live, smoke scale) at GPT-2's weight std 0.02 and at the std giving GPT-2 small's std\u00b7\u221awidth; geometric mean over seeds, circles all parameters, squares FFN only. Above the grey line GLU is better conditioned.", "name": "fig-deep-sign"}}
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
# ### Initialisation, number of tokens and number of probes (stored sweeps)
#
# Three more factors were swept at a small size, with 8 seeds and all three pairs, in float64, and
# stored (`python -m glu_lib.deep sign`; the settings are `glu_lib.deep.SIGN_GRIDS`): the official ViT
# layout at width 64 (depth 4, 4 heads of 64 features, MLP 256, 32×32 Gaussian images, patch 4: 65
# tokens, 32 probes) and the GPT of nanoGPT's CPU recipe (4 layers, width 128, context 64) on 32
# tiny-shakespeare windows of 64 tokens.
#
# - **Initialisation.** LeCun normal ($\mathcal N(0, 1/\text{fan-in})$) for every linear layer; the
#   official one (for the ViT: PyTorch's default $\mathcal U(\pm 1/\sqrt{\text{fan-in}})$ outside the
#   FFN, LeCun normal in it, $\mathcal N(0,1)$ class token and positions; for the GPT: GPT-2's fixed
#   std 0.02); and Xavier normal ($\mathcal N(0, 2/(\text{fan-in}+\text{fan-out}))$, the variance of
#   `torch.nn.init.xavier_uniform_`). Under LeCun and Xavier the ViT's class token and positions and
#   the GPT's embeddings get $\mathcal N(0, 0.02^2)$. ViT at widths 64 and 256, GPT at widths 64 and 128.
# - **Tokens.** ViT inputs of 16×16, 32×32 and 64×64 (17, 65 and 257 tokens with the class token);
#   GPT windows of 8, 16, 32 and 64 tokens.
# - **Probes.** $n$ = 16, 32, 64 and 128.

# %%
SIGN = {}  # per sweep, the points that have every kind
for name in deep.SIGN_GRIDS:
    grid = deep.stored_grid(name)
    SIGN[name] = grid and {
        label: v for label, v in grid.items() if all(v[1].get(k) for k in KINDS6)
    }


def pooled(res, key):
    """Ratios of the three pairs at every seed, pooled, and how many are above 1."""
    r = np.concatenate([deep.pair_ratios(res, a, b, key) for a, b in PAIRS])
    return f"{sig(r.min())}-{sig(r.max())} ({int((r > 1).sum())}/{r.size})"


for name, grid in SIGN.items():
    if grid is None:
        print(f"{name}: no stored run (python -m glu_lib.deep sign)")
        continue
    print(f"{name}: non-GLU/GLU κ ratio, 3 pairs × seeds pooled (> 1: GLU lower)")
    for label, (pt, res) in grid.items():
        print(
            f"  {label:20s} all {pooled(res, 'kappa_full'):18s} "
            f"FFN {pooled(res, 'kappa_ffn')}"
        )

# %% tags=["hide-input"] mystnb={"figure": {"caption": "What controls the sign at a small size (stored sweeps, 8 seeds, float64): non-GLU/GLU \u03ba ratio of the official-layout ViT (left) and the GPT of the nanoGPT CPU recipe (right) against the initialisation at two widths (top; off.: the official code's), the number of tokens (middle) and the number of probes (bottom). Filled circles: all parameters; open squares: FFN only; one dot per seed, colour by pair; lines join the geometric means. Above the grey line GLU is better conditioned.", "name": "fig-deep-sign-sweeps"}}
INIT_LABEL = {"lecun": "LeCun", "official": "off.", "gpt2": "GPT-2", "xavier": "Xavier"}
PAIR_OFFSET = {pair: 0.1 * (i - 1) for i, pair in enumerate(PAIRS)}
fig, axes = plt.subplots(3, 2, figsize=(COLUMN_WIDTH, 7.6), layout="constrained")
for row, name in enumerate(deep.SIGN_GRIDS):
    for col, family in enumerate(("vit", "gpt")):
        ax, grid = axes[row, col], SIGN[name] or {}
        pts = [(pt, res) for pt, res in grid.values() if pt["family"] == family]
        groups = [
            pt["factor"] for pt, _ in pts
        ]  # init: one group per width, else one group
        if name == "deep_sign_init":
            ticks = [
                f"{INIT_LABEL[pt['x']]}\n{pt['factor'].split()[1]}" for pt, _ in pts
            ]
            xs = [i + 0.6 * groups.index(g) / 3 for i, g in enumerate(groups)]
        else:
            xs = [np.log2(pt["x"]) for pt, _ in pts]
            ticks = [str(pt["x"]) for pt, _ in pts]
        for a, b in PAIRS:
            for key, mk, ls in (("kappa_full", "o", "-"), ("kappa_ffn", "s", ":")):
                rs = [deep.pair_ratios(res, a, b, key) for _, res in pts]
                x = [v + PAIR_OFFSET[(a, b)] + 0.04 * (key == "kappa_ffn") for v in xs]
                c = kind_style(b)["color"]
                for xi, r in zip(x, rs):
                    face = c if key == "kappa_full" else "none"
                    ax.plot([xi] * r.size, r, mk, ms=3, mfc=face, mec=c, alpha=0.8)
                gm = [np.exp(np.log(r).mean()) for r in rs]
                for g in dict.fromkeys(groups):
                    keep = [i for i, gi in enumerate(groups) if gi == g]
                    ax.plot(
                        [x[i] for i in keep],
                        [gm[i] for i in keep],
                        ls=ls,
                        color=c,
                        lw=1,
                    )
        ax.set_xticks(xs, ticks)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
        ax.axhline(1, color="grey", lw=1)
        family_name = "ViT" if family == "vit" else "GPT"
        if row:
            family_name += ", width 64" if family == "vit" else ", width 128"
        xlabel = {
            "deep_sign_init": "initialisation, width",
            "deep_sign_tokens": "tokens",
            "deep_sign_probes": "probes n",
        }[name]
        ax.set(xlabel=xlabel, title=family_name)
    axes[row, 0].set_ylabel("κ non-GLU / κ GLU")
handles = [
    plt.Line2D([], [], color=kind_style(b)["color"], label=f"{a}/{b}") for a, b in PAIRS
]
handles += [
    plt.Line2D([], [], marker="o", ls="-", color="k", ms=4, label="all parameters"),
    plt.Line2D(
        [], [], marker="s", ls=":", color="k", mfc="none", ms=4, label="FFN only"
    ),
]
fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8)
plt.show()

# %% [markdown]
# What holds at every seed and pair is checked below: ratios pooled over the three pairs and the 8
# seeds, and whether all of them lie above 1 (or all below).


# %%
def pooled_ratios(name, key, select=lambda pt: True, pairs=PAIRS):
    """Ratios of ``pairs`` at every seed, pooled over the points of a stored sweep."""
    return report.sweep_ratios(SIGN.get(name), key, select, pairs)


def family_is(family, x=None):
    return lambda pt: pt["family"] == family and (x is None or pt["x"] == x)


above = {  # GLU lower at every seed and pair
    "LeCun, ViT and GPT, all params": pooled_ratios(
        "deep_sign_init", "kappa_full", lambda pt: pt["x"] == "lecun"
    ),
    "LeCun and Xavier, both, FFN only": pooled_ratios(
        "deep_sign_init", "kappa_ffn", lambda pt: pt["x"] in ("lecun", "xavier")
    ),
    "Xavier, GPT, all params": pooled_ratios(
        "deep_sign_init", "kappa_full", family_is("gpt", "xavier")
    ),
    "ViT, every init, FFN only": pooled_ratios(
        "deep_sign_init", "kappa_ffn", family_is("vit")
    ),
    "ViT, official init, all params": pooled_ratios(
        "deep_sign_init", "kappa_full", family_is("vit", "official")
    ),
    "ViT, 17-257 tokens, all params": pooled_ratios(
        "deep_sign_tokens", "kappa_full", family_is("vit")
    ),
    "ViT, 16-128 probes, all params": pooled_ratios(
        "deep_sign_probes", "kappa_full", family_is("vit")
    ),
    "GPT, 128 probes, gelu, silu, FFN": pooled_ratios(
        "deep_sign_probes", "kappa_ffn", family_is("gpt", 128), PAIRS[1:]
    ),
}
below = {  # GLU higher at every seed and pair
    "GPT-2 init, width 64, FFN only": pooled_ratios(
        "deep_sign_init",
        "kappa_ffn",
        lambda pt: pt["x"] == "gpt2" and pt["factor"] == "width 64",
    ),
    "GPT, 16 probes, FFN only": pooled_ratios(
        "deep_sign_probes", "kappa_ffn", family_is("gpt", 16)
    ),
    "GPT, 128 probes, relu/reglu, all": pooled_ratios(
        "deep_sign_probes", "kappa_full", family_is("gpt", 128), PAIRS[:1]
    ),
}
for what, r in {**above, **below}.items():
    if r.size:
        print(
            f"{what:34s} {sig(r.min())}-{sig(r.max())}, "
            f"above 1: {(r > 1).sum()}/{r.size}"
        )
if all(SIGN.values()):
    assert all((r > 1).all() for r in above.values())
    assert all((r < 1).all() for r in below.values())

# %% [markdown]
# - **The initialisation decides the sign for the GPT.** With LeCun initialisation GLU has the lower
#   κ at every seed, pair and width of both families, over all parameters and over the FFN alone;
#   with Xavier initialisation the FFN-only kernel favours GLU everywhere too. With GPT-2's fixed
#   std 0.02 the FFN-only comparison turns against GLU at width 64 at every seed and mostly at width
#   128, as in the live run above: GPT-2's std does not shrink with the fan-in as LeCun's does.
# - **The ViT favours GLU under every initialisation** in the FFN-only kernel, and over all
#   parameters too, except with Xavier initialisation at width 64, where it is close to a tie.
# - **The number of tokens** (17 to 257 in the ViT, 8 to 64 in the GPT) moves the ratios little: the
#   ViT favours GLU at every token count and seed, the GPT with GPT-2's initialisation stays mixed.
# - **The number of probes moves the GPT** (GPT-2 initialisation, width 128): from $n$ = 16 to 128
#   the FFN-only ratios of the GELU and SiLU pairs go from below 1 at every seed to above 1 at every
#   seed, while over all parameters ReLU/ReGLU falls below 1 at every seed. The ViT favours GLU at
#   every $n$, by slightly more as $n$ grows.

# %% [markdown]
# A slice of the initialisation sweep is recomputed live at every scale (seed 0, GELU against GEGLU):
# the ViT at width 64 with LeCun and with the official initialisation, and the GPT at width 64 with
# LeCun and with GPT-2's. It agrees with the stored kernels.

# %%
SLICE = [
    "vit/dim 64/lecun",
    "vit/dim 64/official",
    "gpt/width 64/lecun",
    "gpt/width 64/gpt2",
]
slice_live = {}
for label in SLICE:
    pt = deep.SIGN_GRIDS["deep_sign_init"][label]
    tok = corpus.val if pt["family"] == "gpt" else None
    slice_live[label] = {
        k: deep.ntk_kappas(
            pt["family"],
            k,
            pt["settings"],
            pt["n"],
            SEED,
            tokens=tok,
            length=pt["length"],
        )
        for k in ("gelu", "geglu")
    }
    r = {
        key: slice_live[label]["gelu"][key] / slice_live[label]["geglu"][key]
        for key in ("kappa_full", "kappa_ffn")
    }
    line = (
        f"{label:20s} gelu/geglu: all {sig(r['kappa_full'])}, FFN {sig(r['kappa_ffn'])}"
    )
    st = (SIGN["deep_sign_init"] or {}).get(label, (None, {}))[1]
    if len(st.get("geglu", [])) > SEED and len(st.get("gelu", [])) > SEED:
        dev = max(
            abs(slice_live[label][k][key] / st[k][SEED][key] - 1)
            for k in ("gelu", "geglu")
            for key in ("kappa_full", "kappa_ffn")
        )
        assert dev < 1e-6, (label, dev)
        line += "; stored: same"
    print(line)

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

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Validation loss of the GPT variants during training on character-level tiny-shakespeare (smoke recipe, live). Non-GLU dashed, GLU solid.", "name": "fig-gpt-curves"}}
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
# After 300 iterations the condition numbers of both GPTs have fallen several-fold, and
# the GLU one ends only marginally lower (the ratio is in the table of the book's
# findings below): one seed of a tiny model. The same comparison for trained models at
# the size of nanoGPT's CPU recipe is stored and shown after the next section. GPT-2
# small itself was not trained: training it on tiny-shakespeare to a meaningful loss
# does not fit this book's CPU budget.
#
# ## The nanoGPT anchor
#
# The GELU GPT is GPT-2 itself, and at nanoGPT's CPU recipe (4 layers, 4 heads, width 128, context 64,
# batch 12, 2000 iterations, no dropout) nanoGPT reports a validation loss of about 1.88; its GPU recipe
# (6/6/384, context 256, batch 64, 5000 iterations, dropout 0.2) reaches 1.4697. Runs of the CPU recipe
# (seed 0 here, 4 seeds further down), were made on a 2-core CPU with `python -m glu_lib.runs gpt --recipe cpu --ffn gelu ...`
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

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Validation loss of the GPT variants at nanoGPT's CPU recipe on character-level tiny-shakespeare (stored runs, 2000 iterations, seed 0). Non-GLU dashed, GLU solid; the grey line is nanoGPT's published 1.88 for the GELU model.", "name": "fig-gpt-cpu-recipe"}}
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

# %% [markdown]
# **The paper's optimisation claim, on a CPU stand-in.** The paper's claim is that GLU models
# train faster than their non-GLU twins, on a ViT and on GPT-2 trained on FineWeb-Edu (paper
# Fig. 7; the paper gives no details of the GPT-2 run). FineWeb-Edu is not available offline,
# and what training GPT-2 small would cost is estimated in {doc}`06_generalization`. Here the
# nanoGPT CPU recipe stands in for GPT-2: the same recipe was run with 4 seeds per kind, with
# AdamW and with SGD (momentum 0.9, lr 0.3: chapter 6's runs, stored with their provenance).
# The cell compares the final **training** loss (the quantity the optimisation claim is about;
# 20 batches of the training split at iteration 2,000) of each GLU kind with its non-GLU twin,
# seed by seed. A missing run is an error, not a skipped comparison.

# %%
gains = {}
for opt in ("adamw", "sgd"):
    finals = report.final_losses(lambda k, s: stored_name("gpt", opt, k, s),
                                 KINDS6, range(4))
    gains[opt] = report.optimisation_gains(finals)
    for (a, b), g in gains[opt].items():
        by = ", ".join(f"{v:+.3f}" for v in g)
        print(f"{opt:5s} {a}/{b}: final training loss {np.mean(finals[a]):.3f} vs "
              f"{np.mean(finals[b]):.3f};")
        print(f"    GLU lower by {by}")
gain_lower = {opt: sum(int((g > 0).sum()) for g in gs.values())
              for opt, gs in gains.items()}
print("seeds x pairs with GLU lower: "
      + ", ".join(f"{opt} {n}/12" for opt, n in gain_lower.items()))
assert gain_lower["adamw"] == 12 and gain_lower["sgd"] <= 3, gain_lower

# %% [markdown]
# With AdamW every GLU kind ends below its non-GLU twin at every seed, as the paper's
# optimisation claim says; with this SGD setting the order is reversed for ReLU/ReGLU and
# GELU/GEGLU at every seed and mixed for SiLU/SwiGLU (the counts are printed above). The NTK
# condition numbers at initialisation above do not rank the models in this order. This is
# the CPU recipe's small GPT (its size is in the table of model sizes at the top) on
# character-level tiny-shakespeare, not GPT-2 on FineWeb-Edu: the claim holds for it only in
# part, and a stand-in can neither confirm nor refute the paper's claim at the paper's
# setting. So the claim's verdict below is **not tested**, and the stand-in's outcome
# is one of the book's own findings.

# %% [markdown]
# ### κ after training at the nanoGPT CPU recipe (stored)
#
# The trained models here are the CPU recipe's GPTs (4 layers, 4 heads, width 128, context 64,
# character vocabulary 65, AdamW, 2000 iterations), trained with seeds 2 and 3 and checkpointed; GPT-2
# small was not trained. `python -m glu_lib.deep trained --ckpt-dir <checkpoints> --seeds 2 3`
# rebuilds each run's initial model from the recipe and the seed (checked against the checkpoint's
# fingerprint of the architecture and the initial weights), loads the trained weights of the last
# iteration, and computes κ of both on the same 64 validation windows of 64 characters, over all
# parameters and over the FFN alone, in float64; unfinished runs are skipped.

# %%
trained = load_result("deep_trained_gpt_cpu")
tk = trained["data"]["kernels"] if trained else {}
if not tk:
    print("no stored run: python -m glu_lib.deep trained --ckpt-dir <dir> --seeds 2 3")
tk_seeds = sorted({int(key.split("/")[1]) for key in tk})
for s in tk_seeds:
    for k in KINDS6:
        r = tk.get(f"{k}/{s}")
        if r is None:
            continue
        i, t = r["init"], r["trained"]
        print(
            f"{k:6s} seed {s} (val loss {r['val_loss']:.3f}): "
            f"κ {sig(i['kappa_full'])} → {sig(t['kappa_full'])}, "
            f"FFN {sig(i['kappa_ffn'])} → {sig(t['kappa_ffn'])}"
        )
trained_ratio = deep.trained_ratios("deep_trained_gpt_cpu")
print("non-GLU/GLU κ ratio, at initialisation → after training:")
for (a, b, s), q in trained_ratio.items():
    print(
        f"  {a}/{b} seed {s}: all {sig(q['init', 'kappa_full'])} → "
        f"{sig(q['trained', 'kappa_full'])}, FFN {sig(q['init', 'kappa_ffn'])} → "
        f"{sig(q['trained', 'kappa_ffn'])}"
    )
assert all(r["trained"]["kappa_full"] < r["init"]["kappa_full"] for r in tk.values())
assert all(r["iter"] == 2000 for r in tk.values())
trained_wins = [q["trained", "kappa_full"] > 1 for q in trained_ratio.values()]
print(
    "GLU lower after training (all params): "
    f"{sum(trained_wins)}/{len(trained_wins)} pairs"
)

# %% [markdown]
# Training lowers κ of every model by one to over two orders of magnitude, and after training
# the GLU kind is **not** reliably the better conditioned one at this size: the
# non-GLU/GLU ratios printed above straddle 1 (the count of pairs where GLU is lower is
# the last line). This stand-in cannot speak for the paper's GPT-2, though: with GPT-2's
# initialisation at this small size the sign is already mixed **before** training
# (relu/reglu 0.543 and 0.718 at initialisation, printed above), while GPT-2 small
# itself has GLU better conditioned at initialisation at every seed. An earlier version
# of this chapter judged the paper's after-training claim on this stand-in alone ("not
# reproduced"); the verdict is now **not tested**, since GPT-2 small was not trained
# here, and the stand-in's result is one of the book's own findings (table below), which
# with these two seeds alone would not hold (GLU lower in fewer than half of the pairs);
# over the four seeds below it holds in part.
#
# Chapter 7 trained the recipe's runs of all four seeds again (the stored runs of seeds 0
# and 1 kept no weights) and measured them through the same 64 validation windows. Those
# re-runs are not bit-for-bit the runs above; where both exist, the ratios are set side by
# side below, and the finding uses the four seeds.

# %%
rerun_after = {key: q["trained", "kappa_full"] for key, q in
               deep.trained_ratios("kappa_speed_trained_panel_adamw_val").items()}
for (a, b, s), r in rerun_after.items():
    here = trained_ratio.get((a, b, s), {}).get(("trained", "kappa_full"))
    print(f"  {a}/{b} seed {s}: re-run {sig(r)}"
          + (f" (run above {sig(here)})" if here else ""))
rerun_arr = np.array(list(rerun_after.values()))
if rerun_arr.size:
    print(f"re-runs: GLU lower after training in {int((rerun_arr > 1).sum())}/"
          f"{rerun_arr.size} pairs")
    if rerun_arr.size == 12:  # the prose below describes these stored runs
        assert (rerun_arr > 1).sum() == 8 and 2 * sum(trained_wins) < len(trained_wins)

# %% [markdown]
# Over the four seeds GLU has the lower κ after training in more pairs than with the two
# seeds above (the count is the last line), still with ratios on both sides of 1; one pair
# (relu/reglu, seed 2) changes sides between the stored run and its re-run. Chapter 7
# shows that the probe windows move these orderings too.

# %% [markdown]
# **What this chapter showed.** One feed-forward block serves three architectures with matched
# parameter counts (and matched matrix FLOPs), and a structured empirical NTK makes the paper's
# Fig. 3 setting a CPU computation. At the paper's scale the claim holds for every pair and every
# seed in the official ViT, the MLP-Mixer (with the official initialisation; the book's earlier
# Xavier-everywhere initialisation gives smaller ratios, still above 1) and GPT-2 small, on random
# tokens and on windows of real text (the ranges are printed in the stored-run cells and in the
# table below). At smoke scale it holds in the Mixer and in the FFN-only ViT kernel, while in the
# small GPT its sign is set by the initialisation: with LeCun or Xavier initialisation GLU is
# better conditioned at every seed, with GPT-2's fixed std 0.02 at widths 64 to 128 the FFN-only
# comparison goes the other way, and the number of probes moves it further. GPT-2 small was not
# trained here, so both claims about training (κ after training, and the lower training loss)
# are **not tested** at the paper's setting; the nanoGPT CPU recipe stands in for them, and what
# it gave is among the book's own findings: after training GLU is not reliably the better
# conditioned kind, yet with AdamW it reaches the lower training loss at every seed (with SGD
# mostly not). Compared with earlier versions of this chapter, the rows of the nine (family,
# pair) combinations are one row per family (the pairs of a family share the probes and the
# seeds of one stored run), GPT-2 on text joins GPT-2's row, the Mixer row uses the official
# initialisation, the optimisation claim is judged on the stand-in no longer (its outcome is a
# book finding), and the sweeps of what decides the sign are the book's own findings, not
# claims of the paper.

# %% tags=["hide-input"]
names = {"vit": "ViT", "mixer": "MLP-Mixer", "gpt": "GPT-2 small"}
rows = []
for family in FAMILIES:
    sm = report.ratio_summary(live[family])
    fu = {key: report.ratio_summary(full[family], key)
          for key in ("kappa_full", "kappa_ffn")}
    text_full = (f"all {fu['kappa_full'].text(sig)}, FFN {fu['kappa_ffn'].text(sig)}"
                 if fu["kappa_full"] else "not run")
    verdict = report.kappa_verdict(fu["kappa_full"], fu["kappa_ffn"])
    if family == "gpt" and text_ratios.size:
        text_full += (f"; text probes {sig(text_ratios.min())}-"
                      f"{sig(text_ratios.max())} "
                      f"({int((text_ratios > 1).sum())}/{text_ratios.size})")
        if verdict == "reproduced" and not (text_ratios > 1).all():
            verdict = "partly reproduced"
    sm_ffn = report.ratio_summary(live[family], "kappa_ffn")
    ran = ("paper scale" if family != "gpt"
           else "GPT-2 small; random and tiny-shakespeare probes")
    rows.append(Verdict(
        f"{names[family]}: GLU has a lower NTK κ than non-GLU at init (3 pairs)",
        "paper Fig. 3", f"all {sm.text(sig)}, FFN {sm_ffn.text(sig)}", text_full,
        verdict, run=ran))
cpu_after = np.array([q["trained", "kappa_full"] for q in trained_ratio.values()])
after_ratio = after.get("gelu", np.nan) / after.get("geglu", np.nan)
cpu_init = np.array([q["init", "kappa_full"] for q in trained_ratio.values()])
stand_in = (f"seeds {'-'.join(map(str, tk_seeds))}: ratios {sig(cpu_after.min())}-"
            f"{sig(cpu_after.max())} ({int((cpu_after > 1).sum())}/{cpu_after.size}); "
            f"at init {sig(cpu_init.min())}-{sig(cpu_init.max())} "
            f"({int((cpu_init > 1).sum())}/{cpu_init.size})"
            if cpu_after.size else "not run")
if rerun_arr.size:  # the four seeds of chapter 7's re-runs decide the finding
    stand_in += f"; re-runs of 4 seeds {int((rerun_arr > 1).sum())}/{rerun_arr.size}"
    cpu_after = rerun_arr
rows.append(Verdict(
    "GPT-2: GLU has the lower NTK κ after training", "paper Fig. 3",
    "not run (GPT-2 small not trained)",
    "not run at GPT-2 size; stand-in (4 layers, width 128) run: see book findings",
    "not tested",
    run="GPT-2 small not trained; stand-in: nanoGPT CPU recipe, tiny-shakespeare"))
after_finding = Finding(
    "nanoGPT CPU-recipe GPT (GPT-2 init): GLU has the lower NTK κ after AdamW training",
    "Ch. 5 stored runs; ch. 7 re-runs (validation windows)",
    f"gelu/geglu after 300 iterations {sig(after_ratio)} (one seed)", stand_in,
    "not tested" if not cpu_after.size else "holds" if (cpu_after > 1).all()
    else "holds in part" if 2 * (cpu_after > 1).sum() > cpu_after.size
    else "does not hold")
live_gain = {k: runs[k]["history"]["train_loss"][-1] for k in P.train_kinds}
rows.append(Verdict(
    "GLU reaches a lower training loss than its non-GLU twin (GPT)", "paper abstract",
    "not run at GPT-2 size (GPT-2 small not trained)",
    "not run at GPT-2 size; stand-in (4 layers, width 128) run: see book findings",
    "not tested", run="CPU stand-in: nanoGPT CPU recipe, tiny-shakespeare"))
gain_verdicts = [report.gain_verdict(g) for g in gains.values()]
gain_finding = Finding(
    "nanoGPT CPU-recipe GPT: GLU reaches a lower training loss than its non-GLU twin",
    "Ch. 5 stored runs (AdamW and SGD)",
    f"gelu/geglu, 300 iterations: {live_gain['gelu']:.3f} vs {live_gain['geglu']:.3f}",
    "; ".join(f"{opt} GLU lower {n}/12" for opt, n in gain_lower.items()),
    "holds" if all(v == "reproduced" for v in gain_verdicts)
    else "holds in part" if any(v != "not reproduced" for v in gain_verdicts)
    else "does not hold")

# %% tags=["hide-input"]
def sweep_finding(claim, select, labels, name):
    full_, ffn_ = (pooled_ratios(name, key, select)
                   for key in ("kappa_full", "kappa_ffn"))
    if not full_.size:
        return Finding(claim, "Ch. 5 sweep", "not run", "not run", "not tested")
    text_ = (f"all {sig(full_.min())}-{sig(full_.max())} "
             f"({(full_ > 1).sum()}/{full_.size}), "
             f"FFN {sig(ffn_.min())}-{sig(ffn_.max())} "
             f"({(ffn_ > 1).sum()}/{ffn_.size})")
    both = np.concatenate([full_, ffn_])
    status = ("holds" if (both > 1).all() else "holds in part" if (both > 1).any()
              else "does not hold")
    ratio = {lab: slice_live[lab]["gelu"]["kappa_full"]
             / slice_live[lab]["geglu"]["kappa_full"] for lab in labels}
    sm = (f"gelu/geglu live, seed {SEED}: "
          + ", ".join(f"{lab.split('/')[0]} {sig(r)}" for lab, r in ratio.items())
          if labels else "not run")
    return Finding(claim, "Ch. 5 sweep (sign)", sm, text_, status)


SWEEPS = [
    ("Small ViT and GPT, LeCun init: GLU has the lower NTK κ",
     lambda pt: pt["x"] == "lecun", ["vit/dim 64/lecun", "gpt/width 64/lecun"],
     "deep_sign_init"),
    ("Small ViT, official or Xavier init: GLU has the lower NTK κ",
     lambda pt: pt["family"] == "vit" and pt["x"] != "lecun", ["vit/dim 64/official"],
     "deep_sign_init"),
    ("Small GPT, Xavier init: GLU has the lower NTK κ", family_is("gpt", "xavier"), [],
     "deep_sign_init"),
    ("Small GPT, GPT-2 init (std 0.02): GLU has the lower NTK κ",
     family_is("gpt", "gpt2"), ["gpt/width 64/gpt2"], "deep_sign_init"),
    ("Small ViT, 17-257 tokens: GLU has the lower NTK κ", family_is("vit"), [],
     "deep_sign_tokens"),
    ("Small GPT (GPT-2 init), 8-64 tokens: GLU has the lower NTK κ",
     family_is("gpt"), [], "deep_sign_tokens"),
    ("Small ViT, 16-128 probes: GLU has the lower NTK κ", family_is("vit"), [],
     "deep_sign_probes"),
    ("Small GPT (GPT-2 init), 16-128 probes: GLU has the lower NTK κ",
     family_is("gpt"), [], "deep_sign_probes"),
]
findings = [sweep_finding(*sw) for sw in SWEEPS] + [after_finding, gain_finding]
gpt2_w64 = below["GPT-2 init, width 64, FFN only"]
lecun = above["LeCun, ViT and GPT, all params"]
findings[3] = replace(findings[3], headline=(
    f"The initialisation decides the sign of the κ comparison in small GPTs: with "
    f"LeCun initialisation GLU is better conditioned in {int((lecun > 1).sum())} of "
    f"{lecun.size} cases, with GPT-2's fixed std 0.02 its FFN-only κ is higher in "
    f"{int((gpt2_w64 < 1).sum())} of {gpt2_w64.size} at width 64."))
if mixer_variant:
    v = mixer_variant["kappa_full"]
    findings.insert(0, Finding(
        "Mixer 256 with Xavier init on every layer (the book's variant): GLU has the "
        "lower κ",
        "Ch. 5 stored variant", "not run",
        f"all {v.text(sig)}, FFN {mixer_variant['kappa_ffn'].text(sig)}",
        "holds" if v.above == v.n else "holds in part" if v.above else "does not hold"))
verdict_table("05_deep_models", rows, findings, write=(P.scale == "smoke"))
