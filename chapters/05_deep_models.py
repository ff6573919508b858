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
# **What is computed here, and at which scale.** At the default (smoke) scale everything runs live on a
# CPU: small ViTs and Mixers on Gaussian probe images, small GPTs on character-level tiny-shakespeare.
# The official ViT setting (64 Gaussian $3\times32\times32$ inputs, patch 4, width 4096, depth 4,
# 4 heads, MLP width 256) is the `full` preset; it needs a GPU and has not been run for this book yet.

# %% tags=["remove-cell"]
# On Colab only: install the book's library at the release this notebook belongs to.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "glu-lib @ git+https://github.com/glu-ntk-book/glu-ntk-book@v0.2.0"],
                   check=True)

# %% tags=["parameters"]
SCALE = "auto"  # "smoke" (CPU, minutes) or "full" (paper scale); "auto" reads $GLU_SCALE
SEED = 0

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from glu_lib import deep, text
from glu_lib.config import preset
from glu_lib.kinds import PAIRS
from glu_lib.ntk import empirical_ntk
from glu_lib.notebook import seed_everything, sig
from glu_lib.plotting import KIND_COLORS, kind_style, use_style
from glu_lib.results import load_result
from glu_lib.runs import GPT_RECIPES, train_gpt

P = preset("deep_models", SCALE)
seed_everything(SEED)
torch.set_num_threads(2)
use_style()
KINDS6 = [k for pair in PAIRS for k in pair]
corpus = text.char_corpus(text.fetch().read_text())  # $GLU_DATA_DIR, or downloaded when missing
gpt_settings = dict(GPT_RECIPES[P.gpt_recipe]["model"], vocab_size=corpus.vocab_size)
settings = {"vit": P.vit, "mixer": P.mixer, "gpt": gpt_settings}
print(f"scale: {P.scale}; probe inputs per NTK: {P.n_probe}; seeds: {P.seeds}")
for family, s in settings.items():
    print(f"{family:5s}", s)

# %% [markdown]
# ## One feed-forward block, three architectures
#
# `glu_lib.models.FeedForward` is the only place where the kinds differ: a non-GLU block
# $\mathrm{fc}_2(\phi(\mathrm{fc}_1 x))$ with hidden width $h$, or a GLU block
# $\mathrm{fc}_2((Px)\odot\phi(Wx))$ with $\lfloor 2h/3\rfloor$ units, which keeps the parameter count
# (within one unit). The ViT (pre-LN, class token, learned positions), the Mixer (token and channel
# mixing) and the GPT (GPT-2 architecture: learned positions, pre-LN, causal attention through
# `scaled_dot_product_attention`, tied embeddings, GPT-2 initialisation) take the kind as a config field:

# %%
for family, s in settings.items():
    counts = {k: deep.param_count(deep.build(family, k, s, seed=SEED)) for k in KINDS6}
    print(f"{family:5s} " + "  ".join(f"{k}={v}" for k, v in counts.items()))
    assert max(counts.values()) - min(counts.values()) < 0.01 * max(counts.values())

# %% [markdown]
# ## The NTK condition number at initialisation (Fig. 3)
#
# Each model is read through a fixed scalar output (the NTK of the paper is for scalar outputs): the
# single output unit of the ViT and the Mixer, and for the GPT the sum of the logits at the last
# position. The NTK is taken over **all** parameters, by per-sample Jacobians (`torch.func`) in float64,
# on Gaussian probe images (as the official script) and on windows of tiny-shakespeare for the GPT. The
# seed fixes both the weights and the probe inputs, so the kinds of one seed see the same inputs.

# %%
kappa = {}
for family in ("vit", "mixer", "gpt"):
    tokens = corpus.val if family == "gpt" else None
    kappa[family] = deep.ntk_condition_numbers(family, KINDS6, settings[family], P.n_probe,
                                               range(SEED, SEED + P.seeds), tokens=tokens)
for family, ks in kappa.items():
    print(f"{family}:")
    for a, b in PAIRS:
        ratio = np.mean(ks[a]) / np.mean(ks[b])
        print(f"  {a:5s} κ {sig(np.mean(ks[a])):>7s}   {b:6s} κ {sig(np.mean(ks[b])):>7s}   non-GLU/GLU {ratio:.2f}")

# %% mystnb={"figure": {"caption": "Condition number of the empirical NTK at initialisation for each FFN kind (smoke scale, live). Bars: mean over seeds; dots: single seeds. Non-GLU kinds hatched, GLU kinds solid; log scale.", "name": "fig-deep-kappa"}}
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained")
for ax, (family, ks) in zip(axes, kappa.items()):
    for i, k in enumerate(KINDS6):
        st = kind_style(k)
        ax.bar(i, np.mean(ks[k]), color=KIND_COLORS[k], alpha=0.55, hatch=None if st["linestyle"] == "-" else "//",
               edgecolor=KIND_COLORS[k])
        ax.plot([i] * len(ks[k]), ks[k], "o", color="black", ms=3)
    ax.set_xticks(range(len(KINDS6)), KINDS6, rotation=45)
    ax.set_yscale("log")
    ax.set(title=family.upper() if family != "mixer" else "MLP-Mixer", ylabel="κ of the empirical NTK")
plt.show()

# %% [markdown]
# **What the smoke scale shows.** The numbers above are the honest outcome at this scale:

# %%
verdict = {family: {a + "/" + b: bool(np.mean(ks[b]) < np.mean(ks[a])) for a, b in PAIRS} for family, ks in kappa.items()}
for family, v in verdict.items():
    print(f"{family:5s} GLU has the smaller κ: {v}")
assert all(verdict["mixer"].values()), "the Mixer result at smoke scale has changed"

# %% [markdown]
# In the MLP-Mixer every GLU kind has the smaller condition number, by a factor of two to four, in the
# paper's direction. In the small ViT and the small GPT the two kinds of a pair differ little and the
# sign of the difference depends on the pair (ratios between about 0.5 and 1.3). **The paper's Fig. 3
# claim is therefore not reproduced for the ViT and the GPT at smoke scale.** Two differences from the
# paper's setting may matter and are not resolved here: the official ViT is very wide (4096) with a
# narrow MLP (256), so its NTK is shaped by other parameters than ours, and its probe set is larger
# (64 inputs). The
# `full` preset reproduces the official setting for a GPU run.
#
# ## GPT on tiny-shakespeare: training curves and κ after training
#
# The GPT recipes follow nanoGPT {cite}`radford2019language`: AdamW ($\beta_2=0.99$, weight decay 0.1 on
# matrices), learning rate $10^{-3}$ with 100-step linear warm-up (30 at smoke scale) and cosine decay to
# $10^{-4}$, gradient clipping at 1. The smoke recipe is a 2-layer, 64-wide model trained for 300
# iterations; it is a check that the loop and the models work, not a language model.

# %%
runs = {k: train_gpt(k, P.gpt_recipe, seed=SEED, return_model=True) for k in P.train_kinds}
for k, r in runs.items():
    h = r["history"]
    print(f"{k:6s} params {r['params']}  val loss: start {h['val_loss'][0]:.3f}, end {h['val_loss'][-1]:.3f}")
    assert h["val_loss"][-1] < h["val_loss"][0] - 0.5

# %% mystnb={"figure": {"caption": "Validation loss of the GPT variants during training on character-level tiny-shakespeare (smoke recipe, live). Non-GLU dashed, GLU solid.", "name": "fig-gpt-curves"}}
fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
for k, r in runs.items():
    ax.plot(r["history"]["iter"], r["history"]["val_loss"], marker="o", ms=3, **kind_style(k))
ax.set(xlabel="iteration", ylabel="validation loss (nats per character)", title=f"GPT, recipe '{P.gpt_recipe}'")
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
    print(f"{k:6s} κ before training {sig(kappa['gpt'][k][0]):>7s}   after {sig(after[k]):>7s}")
    assert after[k] < kappa["gpt"][k][0]

# %% [markdown]
# After 300 iterations the condition numbers of both GPTs have fallen several-fold, and the GLU one is
# not the better conditioned of the two at this scale.
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
    print(f"{k:6s} CPU recipe: final val loss {h['val_loss'][-1]:.3f} after {h['iter'][-1]} iterations "
          f"({prov['device']}, commit {prov['git_sha'][:7]})")
if "gelu" in stored:
    assert abs(stored["gelu"]["data"]["history"]["val_loss"][-1] - 1.88) < 0.05

# %% mystnb={"figure": {"caption": "Validation loss of the GPT variants at nanoGPT's CPU recipe on character-level tiny-shakespeare (stored runs, 2000 iterations, one seed). Non-GLU dashed, GLU solid; the grey line is nanoGPT's published 1.88 for the GELU model.", "name": "fig-gpt-cpu-recipe"}}
if stored:
    fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
    for k, res in stored.items():
        h = res["data"]["history"]
        ax.plot(h["iter"][1:], h["val_loss"][1:], marker="o", ms=3, **kind_style(k))
    ax.axhline(1.88, color="grey", lw=1)
    ax.set(xlabel="iteration", ylabel="validation loss (nats per character)", title="GPT, nanoGPT CPU recipe")
    ax.legend()
    plt.show()

# %%
final = {k: res["data"]["history"]["val_loss"][-1] for k, res in stored.items()}
gain = {(a, b): final[a] - final[b] for a, b in PAIRS if a in final and b in final}
for (a, b), g in gain.items():
    print(f"{a}/{b}: final validation loss {final[a]:.3f} vs {final[b]:.3f} (GLU lower by {g:+.3f})")
assert gain.get(("gelu", "geglu"), 1) > 0.05 and gain.get(("silu", "swiglu"), 1) > 0.05
assert abs(gain.get(("relu", "reglu"), 0)) < 0.01

# %% [markdown]
# At the CPU recipe GEGLU and SwiGLU end clearly below GELU and SiLU, the paper's optimisation claim seen
# directly, while ReGLU only ties ReLU (whose single run is itself well below GELU). These are single
# seeds; the NTK condition numbers at initialisation above do not rank the models in this order.
#
# **What this chapter showed.** One feed-forward block serves three architectures with matched
# parameter counts. At smoke scale the gate lowers the NTK condition number of the MLP-Mixer clearly,
# and that of the small ViT and GPT not consistently: the deep-model claim of the paper needs its own
# scale to be judged, and the `full` preset is there for that run.
