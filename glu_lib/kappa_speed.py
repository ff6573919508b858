"""Does the NTK condition number explain training speed? (chapter 7)

Three pieces:

* **readouts**: the empirical NTK of a model that has many outputs depends on the scalar it is read
  through. :func:`readout_kappas` gives κ at initialisation through three of them side by side: the
  scalar head of the official NTK scripts (one output), a fixed random projection of the logits that
  is centred (orthogonal to the all-ones vector, the one direction cross-entropy never sees), and the
  loss-gradient kernel ``K_ij = <∇ℓ_i, ∇ℓ_j>`` (the Gram of per-example loss gradients; to first order
  a gradient step lowers the loss of example ``i`` by ``η Σ_j K_ij / n``);
* **speed**: :func:`steps_to_loss` and :func:`mean_train_loss` read two measures from a stored
  training history, the first iteration at which the training loss reaches a threshold and the mean
  training loss over the run;
  :func:`sign_test` and :func:`rank_correlation` compare κ ratios with speed ratios;
* **the intervention**: the GPT of the CPU recipe with LeCun initialisation instead of GPT-2's
  (:data:`INITS`), trained by a resumable queue (``python -m glu_lib.kappa_speed train``) whose stored
  runs sit beside chapter 6's GPT-2-init panel;
* **the learning-rate control**: :func:`lr_grid` tries every SGD learning rate of
  :data:`glu_lib.runs.SGD_LR_GRID` for every kind (``python -m glu_lib.kappa_speed lr-grid``),
  :func:`best_lrs` picks each kind's best, and :func:`own_lr_queue` trains every kind at its own best
  (``... own-lr``);
* **κ after training**: :func:`panel_trained` trains chapter 6's ViT/Mixer panel runs again with their
  stored recipe, keeps the final models and reads κ before and after training through the same
  readouts on the same probes (``python -m glu_lib.kappa_speed panel-trained``); :func:`trained_sweep`
  does the same for the GPT from its checkpoints (the LeCun arm's, kept by :func:`train_queue`, and
  the panel's, trained again by :func:`gpt_rerun`: ``... rerun``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ._checks import positive_int

__all__ = ["INITS", "PAIRS", "READOUTS", "READOUT_LABELS", "gpt_recipe_name", "run_name", "train_queue",
           "panel_model", "panel_probes", "readout_kappas", "kappa_sweep", "trained_sweep", "stored_kappas",
           "EXTRA_READOUTS", "PANEL_FAMILIES", "TRAINED_READOUTS", "panel_recipe", "rerun_check", "panel_trained",
           "stored_panel_trained", "trained_ratios", "stored_history", "stored_runs",
           "initial_loss", "steps_to_loss", "mean_train_loss", "Comparison", "comparisons", "SignTest",
           "sign_test", "rank_correlation", "kappa_ratios", "agreement", "OPTIMIZER_COLORS", "plot_scatter", "plot_intervention",
           "BeforeAfter", "plot_before_after", "lr_grid_name", "lr_grid", "best_lrs", "own_lr_name",
           "own_lr_queue", "own_lr_history", "gpt_rerun", "sgd_loss_diffs"]

#: ``panel`` is each stored panel model's own initialisation (GPT-2's for the GPT, the official
#: LeCun/Xavier ones for the ViT/Mixer); ``lecun`` is the intervention on the GPT (LeCun's).
INITS = ("panel", "lecun")
PAIRS = (("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu"))
_KINDS = tuple(k for p in PAIRS for k in p)
_OPTIMIZERS = ("adamw", "sgd")


def _check(value, allowed, name):
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; expected one of {allowed}")
    return value


def gpt_recipe_name(init: str, optimizer: str) -> str:
    """The :mod:`glu_lib.runs` recipe of the GPT panel with ``init`` and ``optimizer``
    (``cpu``, ``cpu_sgd``, ``cpu_lecun``, ``cpu_sgd_lecun``)."""
    _check(init, INITS, "init")
    _check(optimizer, _OPTIMIZERS, "optimizer")
    return "cpu" + ("_sgd" if optimizer == "sgd" else "") + ("_lecun" if init == "lecun" else "")


def run_name(family: str, optimizer: str, kind: str, seed: int, init: str = "panel") -> str:
    """Name of a stored training run: chapter 6's panel (``init="panel"``, every family, see
    :func:`glu_lib.generalization.stored_name`) or the LeCun arm of the GPT
    (``gpt_<recipe>_<kind>_seed<s>``, the recipe of :func:`gpt_recipe_name`)."""
    from .generalization import stored_name

    _check(init, INITS, "init")
    if init == "panel":
        return stored_name(family, optimizer, kind, seed)
    if family != "gpt":
        raise ValueError(f"init {init!r} is an intervention on the GPT only, not on {family!r}")
    return f"gpt_{gpt_recipe_name(init, optimizer)}_{kind}_seed{seed}"


def train_queue(*, init: str = "lecun", optimizers=("sgd", "adamw"), kinds=None, seeds=(0, 1, 2, 3),
                ckpt_dir="checkpoints", log=None) -> list[str]:
    """Train the GPT runs of the intervention that are not stored yet; return the names trained.

    Seed by seed, then optimiser by optimiser (in the order given), then kind, so a partial queue
    holds whole pairs. Every run checkpoints under ``ckpt_dir`` (an interrupted run resumes from its
    last checkpoint) and is stored with its provenance, the torch thread count included (runs with
    different thread counts differ after a few steps). A run whose loss becomes non-finite is stored
    as diverged (``{"diverged": ...}``), so the queue moves on and the chapter can say so. Workers
    that run the same queue at once share it: each run is claimed first (:mod:`glu_lib.claims`), and
    a run claimed by a live worker is skipped.
    """
    from .results import load_result

    kinds = list(kinds or _KINDS)
    for o in optimizers:
        _check(o, _OPTIMIZERS, "optimizer")
    done = []
    for seed in seeds:
        for opt in optimizers:
            for kind in kinds:
                name = run_name("gpt", opt, kind, seed, init)
                if load_result(name) is None and _train_stored(name, gpt_recipe_name(init, opt), kind, seed,
                                                               ckpt_dir, log):
                    done.append(name)
    return done


def _train_stored(name, recipe, kind, seed, ckpt_dir, log) -> bool:
    """Train the GPT of ``recipe``/``kind``/``seed`` and store it as ``name`` with its provenance (the torch
    thread count included; a run whose loss becomes non-finite is stored as diverged). The run is claimed
    first (:mod:`glu_lib.claims`): ``False`` when another worker holds it or stored it meanwhile."""
    from types import MappingProxyType

    from .claims import claim
    from .config import Preset
    from .results import load_result, results_dir, save_result
    from .runs import GPT_RECIPES, GPT_VARIANTS, train_gpt

    held = claim(results_dir() / ".claims", name)
    if held is None:
        if log:
            log(f"{name}: claimed by another worker, skipped")
        return False
    with held:
        if load_result(name) is not None:  # finished by another worker meanwhile
            return False
        threads = torch.get_num_threads()
        try:
            out = train_gpt(kind, recipe, ckpt_dir=ckpt_dir, seed=seed)
        except FloatingPointError as e:
            out = {"ffn": kind, "recipe": recipe, "seed": seed, "diverged": str(e)}
        out["threads"] = threads
        values = MappingProxyType({**{**GPT_RECIPES, **GPT_VARIANTS}[recipe], "ffn": kind, "seed": seed,
                                   "threads": threads})
        save_result(name, out, Preset("gpt", recipe, values))
    if log:
        h = out.get("history")
        log(f"{name}: " + (f"train {h['train_loss'][-1]:.4f} val {h['val_loss'][-1]:.4f}" if h
                           else f"diverged ({out['diverged'][:80]})"))
    return True


# --------------------------------------------------------------------------- the learning-rate control

def lr_grid_name(init: str = "panel") -> str:
    """The stored result of :func:`lr_grid` for ``init``."""
    return f"kappa_speed_lr_grid_{_check(init, INITS, 'init')}"


def lr_grid(*, init: str = "panel", kinds=None, seed: int = 0, log=None) -> dict:
    """Try every learning rate of :data:`glu_lib.runs.SGD_LR_GRID` for every FFN kind of the GPT's SGD
    recipe (``init``): ``glu_lib.runs.LR_TRIAL_ITERS`` iterations, the first ones of the full run's
    schedule, as ``cpu_sgd``'s learning rate was chosen. Stored after each trial in
    ``results/<lr_grid_name(init)>.json`` (``trials[kind][lr]``: the evaluated training and validation
    loss at the last iteration, or the reason it diverged); a later call adds the missing trials. A stored
    grid of another specification is an error, never replaced."""
    from types import MappingProxyType

    from .config import Preset
    from .results import load_result, save_result
    from .runs import LR_TRIAL_ITERS, SGD_LR_GRID, sgd_lr_recipe, train_gpt

    name = lr_grid_name(init)
    spec = dict(recipe=gpt_recipe_name(init, "sgd"), lrs=list(SGD_LR_GRID), iters=LR_TRIAL_ITERS, seed=seed,
                criterion="evaluated training loss at the last iteration")
    old = load_result(name)
    if old is not None and old["data"].get("spec") != spec:
        raise ValueError(f"results/{name}.json holds a grid of another specification "
                         f"({old['data'].get('spec')}); move it away to run {spec}")
    data = old["data"] if old else {"spec": spec, "trials": {}}
    for kind in kinds or _KINDS:
        for lr in SGD_LR_GRID:
            row = data["trials"].setdefault(kind, {})
            if str(lr) in row:
                continue
            threads = torch.get_num_threads()
            try:
                h = train_gpt(kind, sgd_lr_recipe(lr, init, trial=True), seed=seed)["history"]
                row[str(lr)] = {"train_loss": round(h["train_loss"][-1], 6),
                                "val_loss": round(h["val_loss"][-1], 6)}
            except FloatingPointError as e:
                row[str(lr)] = {"diverged": str(e)}
            save_result(name, data, Preset("kappa_speed", "lr_grid", MappingProxyType({**spec,
                                                                                      "threads": threads})))
            if log:
                log(f"{name} {kind} lr {lr:g}: {row[str(lr)]}")
    return data


def best_lrs(grid: dict) -> dict:
    """Each kind's learning rate with the lowest trial training loss in a grid stored by :func:`lr_grid`
    (``data`` of the result); a kind whose every trial diverged, or whose grid is incomplete, is an
    error."""
    lrs = grid["spec"]["lrs"]
    out = {}
    for kind, row in grid["trials"].items():
        missing = [lr for lr in lrs if str(lr) not in row]
        if missing:
            raise ValueError(f"the learning-rate grid of {kind!r} lacks the trials {missing}")
        ok = {lr: row[str(lr)]["train_loss"] for lr in lrs if "train_loss" in row[str(lr)]}
        if not ok:
            raise ValueError(f"every learning-rate trial of {kind!r} diverged")
        out[kind] = min(ok, key=ok.get)
    return out


def own_lr_name(kind: str, seed: int, lr: float, init: str = "panel") -> str:
    """The stored run of the GPT ``kind``/``seed`` under SGD at learning rate ``lr`` (``init``): the
    intervention's own run at the recipe's 0.3, ``gpt_cpu_sgd[_lecun]_lr<lr>_<kind>_seed<s>`` otherwise."""
    from .runs import sgd_lr_recipe

    return f"gpt_{sgd_lr_recipe(lr, init)}_{kind}_seed{seed}"


def own_lr_queue(*, init: str = "panel", kinds=None, seeds=(0, 1, 2, 3), ckpt_dir="checkpoints",
                 lr: float | None = None, log=None) -> list[str]:
    """Train, seed by seed, every kind's SGD run at its own best learning rate (:func:`best_lrs` of the
    stored :func:`lr_grid`), or at ``lr`` of the grid for every kind when given, that is not stored yet;
    return the names trained. Runs at the recipe's own 0.3 are the intervention's and are not trained
    here."""
    from .results import load_result
    from .runs import sgd_lr_recipe

    if lr is not None:
        sgd_lr_recipe(lr, init)  # a clear error for a rate off the grid
        best = {k: lr for k in _KINDS}
    else:
        grid = load_result(lr_grid_name(init))
        if grid is None:
            raise ValueError(f"no stored learning-rate grid results/{lr_grid_name(init)}.json: run lr-grid first")
        best = best_lrs(grid["data"])
    done = []
    for seed in seeds:
        for kind in kinds or _KINDS:
            recipe = sgd_lr_recipe(best[kind], init)
            if recipe == gpt_recipe_name(init, "sgd"):
                continue
            name = own_lr_name(kind, seed, best[kind], init)
            if load_result(name) is None and _train_stored(name, recipe, kind, seed, ckpt_dir, log):
                done.append(name)
    return done


# --------------------------------------------------------------------------- readouts and κ at init

#: Each readout is the scalar an NTK differentiates. ``scalar`` is the official scalar head (for the
#: ViT and the Mixer the same model with one output; for the GPT, which has no one-output form, the
#: sum of the logits at the last position, chapter 5's readout); ``centred`` is a fixed random unit
#: projection of the logits (the GPT's at the last position) orthogonal to the all-ones vector;
#: ``loss`` is the per-example cross-entropy with the example's label (for the GPT the mean over the
#: window's next-token losses), whose kernel is the Gram of per-example loss gradients.
READOUTS = ("scalar", "centred", "loss")
READOUT_LABELS = {"scalar": "scalar head", "centred": "centred projection", "loss": "loss gradients",
                  "logit_sum": "logit sum"}
#: A fourth readout, for κ after training (:func:`panel_trained`): the sum of the logits of the
#: trained many-output model (for the GPT, at the last position: its ``scalar``). Its kernel is the
#: NTK of the one-output model whose head is the sum of the trained head's rows; the official
#: one-output head of the ViT and the Mixer has no trained counterpart, this is its stand-in.
EXTRA_READOUTS = ("logit_sum",)
_FAMILIES = ("vit", "mixer", "gpt")


class _Readout(torch.nn.Module):
    """``fn(model, x) → (B,)``; the model sits at ``.model`` so parameter names read as in
    :func:`glu_lib.deep.build` (``model.…``)."""

    def __init__(self, model, fn):
        super().__init__()
        self.model, self.fn = model, fn

    def forward(self, x):
        return self.fn(self.model, x)


def _image_shape(family):
    from .config import preset

    settings = preset("generalization", "full").panel[family]
    return settings, (1, 28, 28)  # MNIST-5k, as the stored panel (image_splits("mnist5k"))


def _centred_direction(c: int, seed: int, dtype) -> torch.Tensor:
    u = torch.randn(c, generator=torch.Generator().manual_seed(10_000 + int(seed)), dtype=torch.float64)
    u = u - u.mean()
    return (u / u.norm()).to(dtype)


def panel_model(family: str, kind: str, seed: int, readout: str, *, init: str = "panel",
                dtype=torch.float64) -> torch.nn.Module:
    """The model of a stored training run at initialisation (same config, same seed, hence the same
    weights as the run started from), in ``dtype``, read through ``readout`` (:data:`READOUTS`, or
    ``logit_sum`` of :data:`EXTRA_READOUTS`).

    ViT and Mixer: chapter 6's MNIST-5k panel (28×28×1 images, 10 classes); GPT: the CPU recipe with
    ``init`` (``panel``: GPT-2's, or ``lecun``). The input of the ``loss`` readout carries the label: image rows
    are the flattened image followed by the label, GPT rows are windows of ``block_size + 1`` tokens
    (inputs and next-token targets); :func:`panel_probes` makes both.
    """
    from torch.nn import functional as F

    from .gpt import GPT
    from .mixer import Mixer, MixerConfig
    from .runs import gpt_recipe
    from .vit import ViT, ViTConfig

    _check(family, _FAMILIES, "family")
    _check(readout, READOUTS + EXTRA_READOUTS, "readout")
    _check(init, INITS, "init")
    if init != "panel" and family != "gpt":
        raise ValueError(f"init {init!r} is an intervention on the GPT only, not on {family!r}")
    if family == "gpt":
        mcfg, _, _ = gpt_recipe(gpt_recipe_name(init, "adamw"), kind, 65, seed)  # the init ignores the optimiser
        model = GPT(mcfg, seed=seed).to(dtype)
        if readout in ("scalar", "logit_sum"):
            return _Readout(model, lambda m, x: m(x[:, :-1])[0][:, -1].sum(-1))
        if readout == "centred":
            u = _centred_direction(mcfg.vocab_size, seed, dtype)
            return _Readout(model, lambda m, x: m(x[:, :-1])[0][:, -1] @ u)

        def lm(m, x):
            logits = m(x[:, :-1])[0]
            return F.cross_entropy(logits.flatten(0, 1), x[:, 1:].flatten(), reduction="none").view(len(x), -1).mean(1)

        return _Readout(model, lm)
    settings, (c, h, w) = _image_shape(family)
    cfg = dict(image_size=h, channels=c, num_outputs=1 if readout == "scalar" else 10, ffn=kind, **settings["model"])
    model = (Mixer(MixerConfig(**cfg), seed) if family == "mixer" else ViT(ViTConfig(**cfg), seed)).to(dtype)
    if readout == "scalar":
        return _Readout(model, lambda m, x: m(x[:, :-1].reshape(-1, c, h, w))[:, 0])
    if readout == "logit_sum":
        return _Readout(model, lambda m, x: m(x[:, :-1].reshape(-1, c, h, w)).sum(-1))
    if readout == "centred":
        u = _centred_direction(10, seed, dtype)
        return _Readout(model, lambda m, x: m(x[:, :-1].reshape(-1, c, h, w)) @ u)
    return _Readout(model, lambda m, x: F.cross_entropy(m(x[:, :-1].reshape(-1, c, h, w)), x[:, -1].long(),
                                                        reduction="none"))


def panel_probes(family: str, n: int, seed: int) -> torch.Tensor:
    """``n`` training examples of the stored runs, drawn with ``seed``: MNIST-5k training images
    (normalised as in training, float64, flattened, the label appended as the last column) for ViT and
    Mixer; windows of ``block_size + 1`` tokens of tiny-shakespeare's training split for the GPT."""
    from . import images, text
    from .generalization import MNIST_MEAN, MNIST_STD, image_splits

    _check(family, _FAMILIES, "family")
    n = positive_int(n, "n")
    gen = torch.Generator().manual_seed(20_000 + int(seed))
    if family == "gpt":
        data = text.char_corpus(text.read_text()).train
        T = 64 + 1
        ix = torch.randint(len(data) - T, (n,), generator=gen).tolist()
        return torch.stack([torch.from_numpy(data[i: i + T].astype(np.int64)) for i in ix])
    splits = image_splits("mnist5k")[0]
    x, y = splits["train"]
    ix = torch.randperm(len(y), generator=gen)[:n]
    xi = images.normalize(x[ix], MNIST_MEAN, MNIST_STD).to(torch.float64).flatten(1)
    return torch.cat([xi, y[ix].to(torch.float64)[:, None]], dim=1)


def readout_kappas(family: str, kind: str, seed: int, *, n: int = 64, init: str = "panel",
                   readouts=READOUTS, dtype=None, state: dict | None = None) -> dict:
    """κ of the empirical NTK at initialisation of the stored run's model (:func:`panel_model`) on ``n``
    of its training examples (:func:`panel_probes`, the same for every kind and readout), one entry per
    readout: ``kappa``/``lmin``/``lmax`` over all parameters and ``kappa_ffn``/``lmin_ffn``/``lmax_ffn``
    over the feed-forward parameters alone. κ is the guarded :func:`glu_lib.spectra.condition_number`
    of the float64 kernel. ``dtype`` (e.g. ``torch.float32``) runs the layer products in that precision.
    ``state`` (a state dict of the same model, e.g. a checkpoint's trained weights) replaces the initial
    weights for every readout but the ViT/Mixer scalar head, whose one-output head has no trained
    counterpart (that readout is then left out).
    """
    from .deep import is_ffn_parameter
    from .ntk import structured_ntk
    from .spectra import condition_number, extreme_eigenvalues

    X = panel_probes(family, n, seed)
    out = {}
    for r in readouts:
        if state is not None and r == "scalar" and family != "gpt":
            continue
        model = panel_model(family, kind, seed, r, init=init)
        if state is not None:
            model.model.load_state_dict(state)
        info = {"per_parameter": True}
        K = structured_ntk(model, X, dtype=dtype, info=info)
        Kf = sum(v for k, v in info["per_parameter"].items() if is_ffn_parameter(family, k.removeprefix("model.")))
        e = {}
        for tag, A in (("", K), ("_ffn", Kf)):
            e[f"lmin{tag}"], e[f"lmax{tag}"] = extreme_eigenvalues(A)
            e[f"kappa{tag}"] = condition_number(A)
        out[r] = e
    return out


def kappa_sweep(name: str, entries, *, n: int = 64, dtype=None, log=None) -> dict:
    """:func:`readout_kappas` of every ``(family, init, kind, seed)`` in ``entries``, stored in
    ``results/<name>.json`` after each model (keys ``family/init/kind/seed``), with the torch thread
    count in the provenance. Entries stored with the same ``n`` and precision are kept (resume)."""
    import time
    from types import MappingProxyType

    from .config import Preset
    from .results import load_result, save_result

    spec = dict(n=n, dtype=str(dtype or "float64"), readouts=list(READOUTS),
                probes="training examples of the stored runs (panel_probes)")
    old = load_result(name)
    data = old["data"] if old and old["data"].get("spec") == spec else {"spec": spec, "kappas": {}}
    for family, init, kind, seed in entries:
        key = f"{family}/{init}/{kind}/{seed}"
        if key in data["kappas"]:
            continue
        t = time.perf_counter()
        data["kappas"][key] = readout_kappas(family, kind, seed, n=n, init=init, dtype=dtype)
        data["kappas"][key]["seconds"] = round(time.perf_counter() - t, 1)
        data["kappas"][key]["threads"] = torch.get_num_threads()
        save_result(name, data, Preset("kappa_speed", "stored", MappingProxyType(
            {**spec, "threads": torch.get_num_threads()})))
        if log:
            k = data["kappas"][key]
            log(f"{name} {key}: " + " ".join(f"{r} {k[r]['kappa']:.4g}" for r in READOUTS)
                + f" in {k['seconds']} s")
    return data


def trained_sweep(name: str, ckpt_dir, *, init: str = "lecun", optimizer: str = "sgd", kinds=None,
                  seeds=(0, 1, 2, 3), n: int = 64, log=None) -> dict:
    """:func:`readout_kappas` of the GPT runs of ``init``/``optimizer`` after training, from their
    complete checkpoints ``<ckpt_dir>/gpt_<recipe>_<kind>_seed<s>.pt`` (written by :func:`train_queue`),
    stored in ``results/<name>.json`` after each model (keys ``gpt/<init>/<kind>/<seed>``, as
    :func:`kappa_sweep`, so :func:`stored_kappas` reads it). Each checkpoint must be at the recipe's last
    iteration and start from the rebuilt initial model (its fingerprint); others are skipped, so a later
    call adds them. The probes are those of :func:`kappa_sweep` (the same examples before and after)."""
    import time
    from dataclasses import asdict
    from pathlib import Path
    from types import MappingProxyType

    from .config import Preset
    from .gpt import GPT
    from .results import load_result, save_result
    from .runs import gpt_recipe
    from .train import _load, fingerprint

    recipe = gpt_recipe_name(init, optimizer)
    spec = dict(n=n, dtype="float64", readouts=list(READOUTS), recipe=recipe, weights="after training",
                probes="training examples of the stored runs (panel_probes)")
    old = load_result(name)
    if old is not None and old["data"].get("spec") != spec:  # never replace another sweep's results
        raise ValueError(f"results/{name}.json holds κ of another specification (recipe "
                         f"{old['data'].get('spec', {}).get('recipe')!r}); give another name to sweep {recipe!r}")
    data = old["data"] if old else {"spec": spec, "kappas": {}}
    for s in seeds:
        for kind in kinds or _KINDS:
            key, path = f"gpt/{init}/{kind}/{s}", Path(ckpt_dir) / f"gpt_{recipe}_{kind}_seed{s}.pt"
            if key in data["kappas"] or not path.is_file():
                continue
            ck = _load(path, "cpu")
            mcfg, tcfg, _ = gpt_recipe(recipe, kind, ck["model"]["wte.weight"].shape[0], s)
            start = fingerprint(GPT(mcfg, seed=s), lambda split, gen: (), s)["init"]
            if ck["iter"] != tcfg.max_iters or ck["config"] != asdict(tcfg) \
                    or (ck.get("fingerprint") or {}).get("init") != start:
                if log:
                    log(f"{name} {key}: skipped (checkpoint incomplete or of another run)")
                continue
            t = time.perf_counter()
            state = {k: v.to(torch.float64) for k, v in ck["model"].items()}
            data["kappas"][key] = readout_kappas("gpt", kind, s, n=n, init=init, state=state)
            data["kappas"][key] |= {"seconds": round(time.perf_counter() - t, 1),
                                    "threads": torch.get_num_threads(), "iter": int(ck["iter"])}
            try:  # a re-run of a stored run (gpt_rerun): how far its losses are from the stored ones
                stored = stored_history("gpt", optimizer, kind, s, init)
            except ValueError:
                stored = None
            if stored is not None:
                data["kappas"][key]["check"] = rerun_check(stored, ck["history"])
            save_result(name, data, Preset("kappa_speed", "trained", MappingProxyType(
                {**spec, "threads": torch.get_num_threads()})))
            if log:
                k = data["kappas"][key]
                log(f"{name} {key}: " + " ".join(f"{r} {k[r]['kappa']:.4g}" for r in READOUTS))
    return data


def gpt_rerun(*, init: str = "panel", optimizer: str = "sgd", kinds=None, seeds=(0, 1, 2, 3),
              ckpt_dir="checkpoints", log=None) -> list[str]:
    """Train the stored GPT runs of ``init``/``optimizer`` again with their recipe, to complete checkpoints
    ``<ckpt_dir>/gpt_<recipe>_<kind>_seed<s>.pt`` (the panel's runs kept their histories, not their
    weights), for :func:`trained_sweep`, which compares each re-run's losses with the stored run's. Nothing
    is stored under ``results/``; an interrupted re-run resumes from its checkpoint, a complete one is not
    trained again, and workers share the queue through claims (:mod:`glu_lib.claims`). Returns the
    checkpoint names trained here."""
    from pathlib import Path

    from .claims import claim
    from .results import results_dir
    from .runs import train_gpt

    recipe, done = gpt_recipe_name(init, optimizer), []
    for seed in seeds:
        for kind in kinds or _KINDS:
            name = f"gpt_{recipe}_{kind}_seed{seed}"
            held = claim(results_dir() / ".claims", f"rerun_{name}")
            if held is None:
                if log:
                    log(f"{name}: claimed by another worker, skipped")
                continue
            with held:
                h = train_gpt(kind, recipe, ckpt_dir=Path(ckpt_dir), seed=seed)["history"]
            done.append(name)
            if log:
                log(f"{name} (re-run): train {h['train_loss'][-1]:.4f} val {h['val_loss'][-1]:.4f}")
    return done


def stored_kappas(name: str) -> dict | None:
    """The κ values of a stored :func:`kappa_sweep` as ``{(family, init, kind, seed): entry}``, or
    ``None`` when absent."""
    return _stored_entries(name, "kappas")


def _stored_entries(name: str, field: str) -> dict | None:
    """``data[field]`` of a stored result keyed ``a/b/kind/seed``, as ``{(a, b, kind, seed): entry}``."""
    from .results import load_result

    res = load_result(name)
    if res is None:
        return None
    out = {}
    for key, v in res["data"][field].items():
        a, b, k, s = key.split("/")
        out[(a, b, k, int(s))] = v
    return out


# --------------------------------------------------------------------------- κ after training: the panel

#: The image families of chapter 6's stored panel (MNIST-5k) that :func:`panel_trained` re-trains.
PANEL_FAMILIES = ("mixer", "vit")
#: Readouts of :func:`panel_trained`, before and after training (the official one-output head, which
#: has no trained counterpart, is read at initialisation only, under ``scalar``).
TRAINED_READOUTS = ("logit_sum", "centred", "loss")


def panel_recipe(family: str, optimizer: str) -> dict:
    """The recipe of the stored panel runs of ``family``/``optimizer``, as their provenance records
    it (data, model, batch size, epochs and ``train``, the training fields), from the generalization
    preset's ``panel`` and ``panel_train``."""
    from .config import preset, thaw

    _check(family, PANEL_FAMILIES, "family")
    _check(optimizer, _OPTIMIZERS, "optimizer")
    P = preset("generalization", "full")
    return {**thaw(P.panel[family]), "train": thaw(P.panel_train[optimizer])}


def rerun_check(stored: dict, rerun: dict) -> dict:
    """How far a re-run's training losses are from the stored run's: both histories must have the same
    evaluation iterations. Returns the final training loss of each, their relative difference
    ``|rerun − stored| / |stored|`` and the largest relative difference over every evaluation."""
    a, b = (np.asarray(h.get("train_loss", ()), dtype=np.float64) if isinstance(h, dict) else None
            for h in (stored, rerun))
    if a is None or b is None or not len(a) or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        raise ValueError("stored and rerun must be histories with finite 'train_loss'")
    if list(stored.get("iter", ())) != list(rerun.get("iter", ())) or len(a) != len(b):
        raise ValueError(f"the rerun history is evaluated at iterations {list(rerun.get('iter', ()))}, the "
                         f"stored history at {list(stored.get('iter', ()))}: not the same recipe")
    rel = np.abs(b - a) / np.abs(a)
    return {"stored_final": float(a[-1]), "rerun_final": float(b[-1]), "final_rel_diff": float(rel[-1]),
            "max_rel_diff": float(rel.max()), "evals": int(len(a))}


def panel_trained(name: str = "kappa_speed_panel_trained", ckpt_dir="checkpoints", *,
                  families=PANEL_FAMILIES, optimizers=_OPTIMIZERS, kinds=_KINDS, seeds=(0, 1, 2, 3),
                  n: int = 64, log=None) -> dict:
    """κ before and after training of chapter 6's stored MNIST-5k panel runs (ViT, Mixer).

    Each run ``(family, optimizer, kind, seed)`` whose history is stored
    (:func:`glu_lib.generalization.stored_name`) is trained again with exactly the stored recipe
    (:func:`panel_recipe`, checked against the stored provenance; same seed, same data) by
    :func:`glu_lib.generalization.train_run`, whose last checkpoint ``<ckpt_dir>/<run name>.pt`` keeps
    the final model (an interrupted run resumes from its last checkpoint; a finished one is not trained
    again). The re-run's training losses are compared with the stored ones (:func:`rerun_check`; runs
    made with another torch thread count may differ slightly, so the count is recorded with each run).
    κ is then computed by :func:`readout_kappas` on the same ``n`` probes as κ at initialisation
    (:func:`panel_probes`): at initialisation through ``scalar`` (the official one-output head) and
    :data:`TRAINED_READOUTS`, after training through :data:`TRAINED_READOUTS`. Each run is stored in
    ``results/<name>.json`` as soon as it is done (key ``family/optimizer/kind/seed``), so an
    interruption keeps what is done and a second call does only the rest. Order: seed by seed, then
    family, optimiser and kind, so a partial result holds whole pairs.
    """
    import time
    from pathlib import Path
    from types import MappingProxyType

    from . import generalization
    from .config import Preset
    from .results import load_result, save_result
    from .train import _load

    families, optimizers, kinds, seeds = (list(v) for v in (families, optimizers, kinds, seeds))
    for f in families:
        _check(f, PANEL_FAMILIES, "family")
    for o in optimizers:
        _check(o, _OPTIMIZERS, "optimizer")
    for k in kinds:
        _check(k, _KINDS, "kind")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"seeds must be integers >= 0, got {s!r}")
    n = positive_int(n, "n")
    spec = dict(n=n, dtype="float64", readouts_init=["scalar", *TRAINED_READOUTS],
                readouts_trained=list(TRAINED_READOUTS),
                probes="training examples of the stored runs (panel_probes), the same before and after",
                weights="initial, and the re-run's last iteration",
                recipes={f"{f}/{o}": panel_recipe(f, o) for f in PANEL_FAMILIES for o in _OPTIMIZERS})
    old = load_result(name)
    if old is not None and old["data"].get("spec") != spec:
        raise ValueError(f"results/{name}.json was made with another spec (probes, readouts or recipes); "
                         "pass another name or delete it")
    data = old["data"] if old is not None else {"spec": spec, "runs": {}}
    threads = torch.get_num_threads()
    for s in seeds:
        for f in families:
            for o in optimizers:
                for kind in kinds:
                    key, run = f"{f}/{o}/{kind}/{s}", generalization.stored_name(f, o, kind, s)
                    if key in data["runs"]:
                        continue
                    stored = load_result(run)
                    if stored is None or "history" not in stored["data"]:
                        if log:
                            log(f"{name} {key}: skipped (no stored history {run})")
                        continue
                    recipe = panel_recipe(f, o)
                    made = {k: v for k, v in stored["provenance"].get("preset", {}).items() if k in recipe}
                    if made != recipe:
                        raise ValueError(f"stored run {run} was made with another recipe than the preset's "
                                         f"panel: {made} != {recipe}")
                    t = time.perf_counter()
                    path = Path(ckpt_dir) / f"{run}.pt"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    settings = {k: v for k, v in recipe.items() if k != "train"}
                    hist = generalization.train_run(f, kind, o, settings, {o: recipe["train"]}, seed=s,
                                                    ckpt_path=path)
                    ck = _load(path, "cpu")
                    if int(ck["iter"]) != hist["iter"][-1]:
                        raise ValueError(f"checkpoint {path} is at iteration {ck['iter']}, not the run's last "
                                         f"({hist['iter'][-1]}); delete it to train the run again")
                    check = rerun_check(stored["data"]["history"], hist)
                    seconds_train = time.perf_counter() - t
                    t = time.perf_counter()
                    state = {k: v.to(torch.float64) for k, v in ck["model"].items()}
                    entry = {"init": readout_kappas(f, kind, s, n=n, readouts=spec["readouts_init"]),
                             "trained": readout_kappas(f, kind, s, n=n, readouts=TRAINED_READOUTS,
                                                       state=state),
                             "check": check, "iter": int(ck["iter"]), "threads": threads,
                             "stored_threads": stored["provenance"].get("threads", {}).get("torch_threads"),
                             "seconds_train": round(seconds_train, 1),
                             "seconds_kappa": round(time.perf_counter() - t, 1)}
                    data["runs"][key] = entry
                    save_result(name, data, Preset("kappa_speed", "panel_trained", MappingProxyType(
                        {"n": n, "readouts_init": spec["readouts_init"], "readouts_trained": list(TRAINED_READOUTS),
                         "threads": threads})))
                    if log:
                        log(f"{name} {key}: train loss {check['rerun_final']:.4f} (stored "
                            f"{check['stored_final']:.4f}, max rel diff {check['max_rel_diff']:.1e}); loss kappa "
                            f"{entry['init']['loss']['kappa']:.4g} -> {entry['trained']['loss']['kappa']:.4g}; "
                            f"{entry['seconds_train']} + {entry['seconds_kappa']} s")
    return data


def stored_panel_trained(name: str = "kappa_speed_panel_trained") -> dict | None:
    """The runs of a stored :func:`panel_trained` as ``{(family, optimizer, kind, seed): entry}``, or
    ``None`` when absent."""
    return _stored_entries(name, "runs")


def trained_ratios(entries: dict, family: str, optimizer: str, pair, seeds, *, readout: str = "loss",
                   key: str = "kappa") -> np.ndarray:
    """``(k, 2)`` array of κ(non-GLU)/κ(GLU) at initialisation (column 0) and after training (column 1)
    through ``readout`` (:data:`TRAINED_READOUTS`) over the ``seeds`` whose two runs are in ``entries``
    (as :func:`stored_panel_trained` returns them); > 1: GLU has the lower κ."""
    _check(readout, TRAINED_READOUTS, "readout")
    a, b = pair
    rows = []
    for s in seeds:
        ea, eb = entries.get((family, optimizer, a, s)), entries.get((family, optimizer, b, s))
        if ea is None or eb is None:
            continue
        rows.append([ea[t][readout][key] / eb[t][readout][key] for t in ("init", "trained")])
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


# --------------------------------------------------------------------------- speed and its comparison


def stored_history(family: str, optimizer: str, kind: str, seed: int, init: str = "panel") -> dict | None:
    """The stored training history of a run (:func:`run_name`), ``None`` when it is not stored; a run
    stored as diverged raises ``ValueError`` naming it (its speed is not a number)."""
    return _history(run_name(family, optimizer, kind, seed, init))


def own_lr_history(kind: str, seed: int, lr: float, init: str = "panel") -> dict | None:
    """:func:`stored_history` of the GPT's SGD run at learning rate ``lr`` (:func:`own_lr_name`)."""
    return _history(own_lr_name(kind, seed, lr, init))


def sgd_loss_diffs(lrs: dict, *, init: str = "panel", pairs=PAIRS, seeds=(0, 1, 2, 3)) -> tuple[dict, list]:
    """The GPT's SGD comparisons with each kind at its learning rate ``lrs[kind]`` (:func:`own_lr_name`):
    ``({(pair, seed): mean training loss non-GLU − GLU}, [names of diverged runs])``, over the seeds
    whose two runs are stored; a pair with a diverged run is left out of the first and named in the
    second, never dropped silently. Keyed by seed, so comparisons at two sets of rates pair up seed by
    seed."""
    diffs, diverged = {}, []
    for p in pairs:
        for s in seeds:
            h = []
            for k in p:
                try:
                    h.append(own_lr_history(k, s, lrs[k], init))
                except ValueError:
                    diverged.append(own_lr_name(k, s, lrs[k], init))
                    h.append(None)
            if all(x is not None for x in h):
                diffs[p, s] = mean_train_loss(h[0]) - mean_train_loss(h[1])
    return diffs, diverged


def _history(name: str) -> dict | None:
    from .results import load_result

    res = load_result(name)
    if res is None:
        return None
    if "history" not in res["data"]:
        raise ValueError(f"stored run {name} has no history ({res['data'].get('diverged', 'no history stored')})")
    return res["data"]["history"]


def stored_runs(family: str, init: str, optimizers, pairs, seeds) -> list[tuple]:
    """The stored runs of ``family``/``init`` among ``optimizers`` × kinds of ``pairs`` × ``seeds``, as
    ``(optimizer, kind, seed, status)`` with status ``"trained"`` or ``"diverged"``."""
    from .results import load_result

    out = []
    for o in optimizers:
        for s in seeds:
            for kind in (k for p in pairs for k in p):
                res = load_result(run_name(family, o, kind, s, init))
                if res is not None:
                    out.append((o, kind, s, "trained" if "history" in res["data"] else "diverged"))
    return out


def initial_loss(family: str, kind: str, seed: int, optimizer: str = "sgd", init: str = "panel") -> float:
    """The training loss at iteration 0 of the stored run's model rebuilt from its config and seed, measured
    as the run measured it (GPT: :func:`glu_lib.train.evaluate` on the recipe's evaluation batches; ViT and
    Mixer: the full training split). Equal to the stored history's first ``train_loss`` when the rebuilt
    model is the run's initial model."""
    from . import text
    from .generalization import MNIST_MEAN, MNIST_STD, full_set_eval, image_splits
    from .gpt import GPT
    from .mixer import Mixer, MixerConfig
    from .runs import gpt_recipe
    from .train import evaluate
    from .vit import ViT, ViTConfig

    _check(family, _FAMILIES, "family")
    if family == "gpt":
        corpus = text.char_corpus(text.read_text())
        mcfg, tcfg, batch = gpt_recipe(gpt_recipe_name(init, optimizer), kind, corpus.vocab_size, seed)
        model = GPT(mcfg, seed=seed)
        fn = text.batch_fn(corpus, mcfg.block_size, batch)
        return evaluate(model, fn, text.lm_loss, tcfg.eval_iters, seed=tcfg.seed + 10_000)["train"]
    settings, (c, h, w) = _image_shape(family)
    cfg = dict(image_size=h, channels=c, num_outputs=10, ffn=kind, **settings["model"])
    model = Mixer(MixerConfig(**cfg), seed) if family == "mixer" else ViT(ViTConfig(**cfg), seed)
    return full_set_eval(image_splits("mnist5k")[0], MNIST_MEAN, MNIST_STD)(model)["train"]


def _curve(history):
    it = np.asarray(history.get("iter", ()), dtype=np.float64)
    loss = np.asarray(history.get("train_loss", ()), dtype=np.float64)
    if it.ndim != 1 or len(it) < 2 or len(it) != len(loss) or not np.all(np.isfinite(loss)):
        raise ValueError("history must hold 'iter' and 'train_loss' of equal length >= 2, finite")
    return it, loss


def steps_to_loss(history: dict, threshold: float) -> float:
    """The first iteration at which the evaluated training loss reaches ``threshold``, interpolated
    linearly between evaluations; ``nan`` when the run never reaches it."""
    it, loss = _curve(history)
    below = np.flatnonzero(loss <= threshold)
    if not len(below):
        return math.nan
    j = int(below[0])
    if j == 0:
        return float(it[0])
    f = (loss[j - 1] - threshold) / (loss[j - 1] - loss[j])
    return float(it[j - 1] + f * (it[j] - it[j - 1]))


def mean_train_loss(history: dict) -> float:
    """Mean evaluated training loss over the evaluations after the first (the first is the init)."""
    return float(_curve(history)[1][1:].mean())


class Comparison(NamedTuple):
    """One non-GLU/GLU comparison of two stored runs (same family, optimiser, init, seed). Ratios are
    non-GLU over GLU, so a positive log ratio says GLU is better: lower κ, fewer steps, lower loss."""

    family: str
    optimizer: str
    init: str
    pair: tuple
    seed: int
    log_kappa: dict  #: readout → log(κ non-GLU / κ GLU) at init
    log_steps: float  #: log(steps non-GLU / steps GLU) to the loss both reach (the higher of their lowest)
    log_mean: float  #: log(mean loss non-GLU / mean loss GLU)
    loss_diff: float  #: mean training loss non-GLU − GLU


def comparisons(kappas: dict, family: str, optimizer: str, init: str = "panel", pairs=PAIRS,
                seeds=range(4), key: str = "kappa") -> list[Comparison]:
    """Every comparison of ``family``/``optimizer``/``init`` whose two runs are stored (with histories)
    and whose κ are in ``kappas`` (as :func:`stored_kappas` returns); ``key`` is ``kappa`` (all
    parameters) or ``kappa_ffn``. Missing or diverged runs are left out."""
    out = []
    for a, b in pairs:
        for s in seeds:
            ka, kb = kappas.get((family, init, a, s)), kappas.get((family, init, b, s))
            if ka is None or kb is None:
                continue
            try:
                ha, hb = stored_history(family, optimizer, a, s, init), stored_history(family, optimizer, b, s, init)
            except ValueError:
                continue
            if ha is None or hb is None:
                continue
            tau = max(_curve(ha)[1].min(), _curve(hb)[1].min())
            sa, sb = steps_to_loss(ha, tau), steps_to_loss(hb, tau)
            ma, mb = mean_train_loss(ha), mean_train_loss(hb)
            out.append(Comparison(family, optimizer, init, (a, b), s,
                                  {r: math.log(ka[r][key] / kb[r][key]) for r in READOUTS},
                                  math.log(sa / sb), math.log(ma / mb), ma - mb))
    return out


class SignTest(NamedTuple):
    """Result of :func:`sign_test`."""

    agree: int  #: comparisons where the kind with the lower κ is the faster one
    n: int  #: comparisons with a non-zero sign on both sides
    p: float  #: exact one-sided binomial p of ``agree`` or more under agreement by chance (1/2)


def sign_test(x, y) -> SignTest:
    """How often ``x`` and ``y`` have the same sign (pairs with a zero are left out), with the exact
    one-sided binomial p-value ``P(Bin(n, 1/2) >= agree)``. The comparisons are treated as independent;
    comparisons that share a seed or a model are not quite, so p is a guide, not a test of a design."""
    from scipy import stats

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of equal length, got shapes {x.shape} and {y.shape}")
    keep = (np.sign(x) != 0) & (np.sign(y) != 0)
    n, agree = int(keep.sum()), int((np.sign(x[keep]) == np.sign(y[keep])).sum())
    if n == 0:
        raise ValueError("no pair of x and y has two non-zero signs")
    return SignTest(agree, n, float(stats.binomtest(agree, n, 0.5, alternative="greater").pvalue))


def rank_correlation(x, y, groups, *, n_boot: int = 2000, level: float = 0.95, seed: int = 0):
    """Spearman's ρ of ``x`` and ``y`` and a percentile bootstrap interval that resamples whole
    ``groups`` (e.g. seeds) with replacement: ``(rho, low, high)``. Resamples whose ρ is undefined
    (constant ranks) are dropped."""
    x, y, groups = (np.asarray(v) for v in (x, y, groups))
    if not (x.shape == y.shape == groups.shape) or x.ndim != 1 or len(x) < 3:
        raise ValueError("x, y and groups must be 1-D of equal length >= 3")
    positive_int(n_boot, "n_boot")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    def ranks(A):  # average ranks of ties along the last axis, as scipy.stats.rankdata
        below = (A[..., None, :] < A[..., :, None]).sum(-1)
        same = (A[..., None, :] == A[..., :, None]).sum(-1)
        return below + (same + 1) / 2

    def spearman(A, B):  # Pearson's r of the ranks, row by row, as scipy.stats.spearmanr
        ra, rb = ranks(A), ranks(B)
        ra, rb = ra - ra.mean(-1, keepdims=True), rb - rb.mean(-1, keepdims=True)
        den = np.sqrt((ra * ra).sum(-1) * (rb * rb).sum(-1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, (ra * rb).sum(-1) / den, np.nan)

    rho = float(spearman(x.astype(np.float64), y.astype(np.float64)))
    labels = np.unique(groups)
    members = [np.flatnonzero(groups == g) for g in labels]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(labels), (n_boot, len(labels)))
    if len({len(m) for m in members}) == 1:  # equal groups: all resamples at once
        idx = np.stack(members)[picks].reshape(n_boot, -1)
        boot = spearman(x[idx].astype(np.float64), y[idx].astype(np.float64))
    else:
        boot = np.array([spearman(x[i].astype(np.float64), y[i].astype(np.float64))
                         for i in (np.concatenate([members[j] for j in row]) for row in picks)])
    boot = boot[np.isfinite(boot)]
    if not len(boot):
        return rho, math.nan, math.nan
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return rho, float(lo), float(hi)


def kappa_ratios(kappas: dict, family: str, pair, seeds, *, init: str = "panel", readout: str = "loss",
                 key: str = "kappa") -> np.ndarray:
    """Per-seed κ(non-GLU)/κ(GLU) at init through ``readout`` over the ``seeds`` whose two models are in
    ``kappas`` (> 1: GLU has the lower κ)."""
    _check(readout, READOUTS, "readout")
    a, b = pair
    keep = [s for s in seeds if (family, init, a, s) in kappas and (family, init, b, s) in kappas]
    return np.array([kappas[(family, init, a, s)][readout][key] / kappas[(family, init, b, s)][readout][key]
                     for s in keep])


def agreement(comps, readout: str, measure: str = "log_mean", *, n_boot: int = 2000, seed: int = 0) -> dict:
    """:func:`sign_test` and :func:`rank_correlation` (bootstrap over seeds) of the log κ-ratios through
    ``readout`` against the speed measure ``measure`` of the comparisons ``comps``."""
    comps = list(comps)
    x = [c.log_kappa[readout] for c in comps]
    y = [getattr(c, measure) for c in comps]
    rho = rank_correlation(x, y, [c.seed for c in comps], n_boot=n_boot, seed=seed)
    return {"sign": sign_test(x, y), "rho": rho}


# --------------------------------------------------------------------------- figures

#: Colours of the optimisers in this chapter's figures (kinds keep ``plotting.KIND_COLORS``).
OPTIMIZER_COLORS = {"sgd": "#4a4a4a", "adamw": "#8e44ad"}
_FAMILY_MARKERS = {"vit": "o", "mixer": "s", "gpt": "^"}


def plot_scatter(ax, comps, readout: str, measure: str = "log_mean") -> None:
    """One point per :class:`Comparison`: log κ-ratio through ``readout`` (x) against its speed measure
    ``measure`` (``log_mean`` or ``log_steps``, y); colour: optimiser, marker: family. Points in the
    upper-right and lower-left quadrants agree with "lower κ, faster training"."""
    _check(readout, READOUTS, "readout")
    _check(measure, ("log_mean", "log_steps"), "measure")
    seen = set()
    for c in comps:
        label = f"{c.family}, {c.optimizer}"
        ax.scatter(c.log_kappa[readout], getattr(c, measure), s=18, alpha=0.8,
                   color=OPTIMIZER_COLORS[c.optimizer], marker=_FAMILY_MARKERS[c.family],
                   facecolors="none" if c.init == "lecun" else None,
                   label=None if label in seen else label)
        seen.add(label)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(0, color="0.5", lw=0.8)
    what = {"log_mean": "log mean-loss ratio", "log_steps": "log steps ratio"}[measure]
    ax.set(xlabel=f"log κ ratio, non-GLU/GLU ({READOUT_LABELS[readout]})", ylabel=f"{what}, non-GLU/GLU")


def plot_intervention(ax, diffs: dict) -> None:
    """Bars of the mean training-loss difference non-GLU − GLU (> 0: GLU trains faster) per pair and
    init, with one dot per seed; ``diffs`` maps ``(pair, init)`` to the per-seed differences."""
    from .plotting import KIND_COLORS

    pairs = list(dict.fromkeys(p for p, _ in diffs))
    width = 0.38
    for j, init in enumerate(INITS):
        for i, pair in enumerate(pairs):
            v = np.asarray(diffs.get((pair, init), ()), dtype=np.float64)
            if not len(v):
                continue
            x = i + (j - 0.5) * width
            ax.bar(x, v.mean(), width * 0.9, color=KIND_COLORS[pair[1]], alpha=0.35 if init == "panel" else 0.8,
                   hatch="//" if init == "panel" else None, edgecolor=KIND_COLORS[pair[1]],
                   label=None if i else ("GPT-2 init (panel)" if init == "panel" else "LeCun init"))
            ax.plot([x] * len(v), v, "o", color="black", ms=3)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(range(len(pairs)), [f"{a}/{b}" for a, b in pairs])
    ax.set(ylabel="mean train loss, non-GLU − GLU")


class BeforeAfter(NamedTuple):
    """One non-GLU/GLU comparison of κ before and after training (:func:`plot_before_after`)."""

    family: str
    optimizer: str
    init: str  #: ``panel`` or ``lecun`` (:data:`INITS`; hollow markers for ``lecun``)
    before: float  #: κ(non-GLU)/κ(GLU) at initialisation
    after: float  #: the same after training
    note: str = ""  #: when set, the point is drawn in grey under this legend label (another source)


def plot_before_after(ax, points) -> None:
    """One point per :class:`BeforeAfter`: log κ-ratio non-GLU/GLU at initialisation (x) against the
    same after training (y); colour: optimiser, marker: family (hollow: LeCun init; grey: a point with
    a ``note``). Points above the horizontal line have GLU with the lower κ after training; points in
    the upper-right and lower-left quadrants kept the ordering they had at initialisation."""
    seen = set()
    for q in points:
        _check(q.family, _FAMILIES, "family")
        _check(q.optimizer, _OPTIMIZERS, "optimizer")
        _check(q.init, INITS, "init")
        if not (q.before > 0 and q.after > 0 and math.isfinite(q.before) and math.isfinite(q.after)):
            raise ValueError(f"κ ratios must be positive and finite, got {q.before!r} and {q.after!r}")
        label = q.note or f"{q.family}, {q.optimizer}" + (", LeCun" if q.init == "lecun" else "")
        ax.scatter(math.log(q.before), math.log(q.after), s=18, alpha=0.8, marker=_FAMILY_MARKERS[q.family],
                   color="0.6" if q.note else OPTIMIZER_COLORS[q.optimizer],
                   facecolors="none" if q.init == "lecun" else None, label=None if label in seen else label)
        seen.add(label)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set(xlabel="log κ ratio at init", ylabel="log κ ratio after training")


def _main(argv=None) -> None:
    """``python -m glu_lib.kappa_speed train --init lecun --optimizers sgd adamw --seeds 0 1 2 3``, or
    ``... panel-trained --families mixer vit --optimizers sgd adamw --seeds 0 1 2 3 --ckpt-dir
    checkpoints --threads 1`` (κ before and after training of the ViT/Mixer panel)."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m glu_lib.kappa_speed", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("train", help="train the missing GPT runs of the intervention")
    t.add_argument("--init", default="lecun", choices=INITS)
    t.add_argument("--optimizers", nargs="+", default=["sgd", "adamw"], choices=_OPTIMIZERS)
    t.add_argument("--kinds", nargs="+", default=list(_KINDS))
    t.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    t.add_argument("--ckpt-dir", default="checkpoints")
    t.add_argument("--threads", type=int, default=1)
    k = sub.add_parser("kappas", help="κ at init of every stored run's model, each readout (kappa_sweep)")
    k.add_argument("--name", default="kappa_speed_init")
    k.add_argument("--families", nargs="+", default=list(_FAMILIES), choices=_FAMILIES)
    k.add_argument("--inits", nargs="+", default=list(INITS), choices=INITS)
    k.add_argument("--kinds", nargs="+", default=list(_KINDS))
    k.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    k.add_argument("--n", type=int, default=64)
    k.add_argument("--threads", type=int, default=1)
    tr = sub.add_parser("trained", help="κ after training of the intervention's checkpoints (trained_sweep)")
    tr.add_argument("--name", default="kappa_speed_trained")
    tr.add_argument("--ckpt-dir", default="checkpoints")
    tr.add_argument("--init", default="lecun", choices=INITS)
    tr.add_argument("--optimizer", default="sgd", choices=_OPTIMIZERS)
    tr.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    tr.add_argument("--threads", type=int, default=1)
    pt = sub.add_parser("panel-trained", help="re-train the ViT/Mixer panel runs, κ before and after "
                        "training (panel_trained)")
    pt.add_argument("--name", default="kappa_speed_panel_trained")
    pt.add_argument("--families", nargs="+", default=list(PANEL_FAMILIES), choices=PANEL_FAMILIES)
    pt.add_argument("--optimizers", nargs="+", default=list(_OPTIMIZERS), choices=_OPTIMIZERS)
    pt.add_argument("--kinds", nargs="+", default=list(_KINDS), choices=_KINDS)
    pt.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    pt.add_argument("--ckpt-dir", default="checkpoints", help="where the final models are kept")
    pt.add_argument("--n", type=int, default=64)
    pt.add_argument("--threads", type=int, default=1)
    g = sub.add_parser("lr-grid", help="the SGD learning-rate trials of every kind (lr_grid)")
    g.add_argument("--init", default="panel", choices=INITS)
    g.add_argument("--kinds", nargs="+", default=list(_KINDS), choices=_KINDS)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--threads", type=int, default=1)
    o = sub.add_parser("own-lr", help="SGD runs at each kind's own best learning rate (own_lr_queue)")
    o.add_argument("--init", default="panel", choices=INITS)
    o.add_argument("--kinds", nargs="+", default=list(_KINDS), choices=_KINDS)
    o.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    o.add_argument("--ckpt-dir", default="checkpoints")
    o.add_argument("--lr", type=float, default=None, help="this rate of the grid for every kind instead")
    o.add_argument("--threads", type=int, default=1)
    rr = sub.add_parser("rerun", help="train stored GPT runs again to complete checkpoints (gpt_rerun)")
    rr.add_argument("--init", default="panel", choices=INITS)
    rr.add_argument("--optimizer", default="sgd", choices=_OPTIMIZERS)
    rr.add_argument("--kinds", nargs="+", default=list(_KINDS), choices=_KINDS)
    rr.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    rr.add_argument("--ckpt-dir", default="checkpoints")
    rr.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    if a.threads < 1:
        ap.error(f"--threads must be >= 1, got {a.threads}")
    torch.set_num_threads(a.threads)
    if a.what == "panel-trained":
        try:
            panel_trained(a.name, a.ckpt_dir, families=a.families, optimizers=a.optimizers, kinds=a.kinds,
                          seeds=a.seeds, n=a.n, log=lambda line: print(line, file=sys.stderr, flush=True))
        except ValueError as e:
            ap.error(str(e))
        return
    if a.what == "rerun":
        gpt_rerun(init=a.init, optimizer=a.optimizer, kinds=a.kinds, seeds=a.seeds, ckpt_dir=a.ckpt_dir,
                  log=lambda line: print(line, file=sys.stderr, flush=True))
        return
    if a.what in ("lr-grid", "own-lr"):
        try:
            if a.what == "lr-grid":
                lr_grid(init=a.init, kinds=a.kinds, seed=a.seed, log=lambda line: print(line, file=sys.stderr, flush=True))
            else:
                own_lr_queue(init=a.init, kinds=a.kinds, seeds=a.seeds, ckpt_dir=a.ckpt_dir, lr=a.lr,
                             log=lambda line: print(line, file=sys.stderr, flush=True))
        except ValueError as e:
            ap.error(str(e))
        return
    if a.what == "trained":
        try:
            trained_sweep(a.name, a.ckpt_dir, init=a.init, optimizer=a.optimizer, seeds=a.seeds,
                          log=lambda line: print(line, file=sys.stderr, flush=True))
        except ValueError as e:
            ap.error(str(e))
        return
    if a.what == "kappas":
        entries = [(f, i, kd, s) for f in a.families for i in a.inits if i == "panel" or f == "gpt"
                   for s in a.seeds for kd in a.kinds]
        kappa_sweep(a.name, entries, n=a.n, log=lambda line: print(line, file=sys.stderr, flush=True))
        return

    def log(line):
        print(line, file=sys.stderr, flush=True)

    train_queue(init=a.init, optimizers=a.optimizers, kinds=a.kinds, seeds=a.seeds, ckpt_dir=a.ckpt_dir, log=log)


if __name__ == "__main__":
    _main()
