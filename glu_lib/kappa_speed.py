"""Does the NTK condition number explain training speed? (chapter 7)

Three pieces:

* **readouts**: the empirical NTK of a model that has many outputs depends on the scalar it is read
  through. :func:`readout_kappas` gives κ at initialisation through three of them side by side: the
  scalar head of the official NTK scripts (one output), a fixed random projection of the logits that
  is centred (orthogonal to the all-ones vector, the one direction cross-entropy never sees), and the
  loss-gradient kernel ``K_ij = <∇ℓ_i, ∇ℓ_j>`` (the Gram of per-example loss gradients; to first order
  a gradient step lowers the loss of example ``i`` by ``η Σ_j K_ij / n``);
* **speed**: :func:`speed_measures` reads two measures from a stored training history, the first
  evaluation at which the training loss reaches a threshold and the mean training loss over the run;
  :func:`sign_test` and :func:`rank_correlation` compare κ ratios with speed ratios;
* **the intervention**: the GPT of the CPU recipe with LeCun initialisation instead of GPT-2's
  (:data:`INITS`), trained by a resumable queue (``python -m glu_lib.kappa_speed train``) whose stored
  runs sit beside chapter 6's GPT-2-init panel.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._checks import positive_int

__all__ = ["INITS", "PAIRS", "READOUTS", "READOUT_LABELS", "gpt_recipe_name", "run_name", "train_queue",
           "panel_model", "panel_probes", "readout_kappas", "kappa_sweep", "stored_kappas"]

#: The initialisations: ``panel``, each stored panel model's own (GPT-2's for the GPT, the official
#: LeCun/Xavier ones for the ViT/Mixer), and ``lecun``, the intervention on the GPT (LeCun's).
INITS = ("panel", "lecun")
PAIRS = (("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu"))
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
    as diverged (``{"diverged": ...}``), so the queue moves on and the chapter can say so.
    """
    from types import MappingProxyType

    from .config import Preset
    from .results import load_result, save_result
    from .runs import GPT_RECIPES, GPT_VARIANTS, train_gpt

    kinds = list(kinds or [k for p in PAIRS for k in p])
    for o in optimizers:
        _check(o, _OPTIMIZERS, "optimizer")
    done = []
    for seed in seeds:
        for opt in optimizers:
            for kind in kinds:
                name = run_name("gpt", opt, kind, seed, init)
                if load_result(name) is not None:
                    continue
                recipe = gpt_recipe_name(init, opt)
                threads = torch.get_num_threads()
                try:
                    out = train_gpt(kind, recipe, ckpt_dir=ckpt_dir, seed=seed)
                except FloatingPointError as e:
                    out = {"ffn": kind, "recipe": recipe, "seed": seed, "diverged": str(e)}
                out["threads"] = threads
                values = MappingProxyType({**{**GPT_RECIPES, **GPT_VARIANTS}[recipe], "ffn": kind, "seed": seed,
                                           "threads": threads})
                save_result(name, out, Preset("gpt", recipe, values))
                done.append(name)
                if log:
                    h = out.get("history")
                    log(f"{name}: " + (f"train {h['train_loss'][-1]:.4f} val {h['val_loss'][-1]:.4f}" if h
                                       else f"diverged ({out['diverged'][:80]})"))
    return done


# --------------------------------------------------------------------------- readouts and κ at init

#: The readouts of the NTK (the scalar each kernel differentiates): ``scalar``, the official scalar
#: head (ViT, Mixer: the same model with one output; GPT: the sum of the logits at the last position,
#: chapter 5's readout, there being no one-output GPT); ``centred``, a fixed random unit projection of
#: the logits (last position for the GPT) orthogonal to the all-ones vector; ``loss``, the per-example
#: cross-entropy with the example's label (GPT: mean over the window's next-token losses), whose
#: kernel is the Gram of per-example loss gradients.
READOUTS = ("scalar", "centred", "loss")
READOUT_LABELS = {"scalar": "scalar head", "centred": "centred projection", "loss": "loss gradients"}
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
    weights as the run started from), in ``dtype``, read through ``readout`` (:data:`READOUTS`).

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
    _check(readout, READOUTS, "readout")
    _check(init, INITS, "init")
    if init != "panel" and family != "gpt":
        raise ValueError(f"init {init!r} is an intervention on the GPT only, not on {family!r}")
    if family == "gpt":
        mcfg, _, _ = gpt_recipe(gpt_recipe_name(init, "adamw"), kind, 65, seed)  # the init ignores the optimiser
        model = GPT(mcfg, seed=seed).to(dtype)
        if readout == "scalar":
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
                   readouts=READOUTS, dtype=None) -> dict:
    """κ of the empirical NTK at initialisation of the stored run's model (:func:`panel_model`) on ``n``
    of its training examples (:func:`panel_probes`, the same for every kind and readout), one entry per
    readout: ``kappa``/``lmin``/``lmax`` over all parameters and ``kappa_ffn``/``lmin_ffn``/``lmax_ffn``
    over the feed-forward parameters alone. κ is the guarded :func:`glu_lib.spectra.condition_number`
    of the float64 kernel. ``dtype`` (e.g. ``torch.float32``) runs the layer products in that precision.
    """
    from .deep import is_ffn_parameter
    from .ntk import structured_ntk
    from .spectra import condition_number, extreme_eigenvalues

    X = panel_probes(family, n, seed)
    out = {}
    for r in readouts:
        model = panel_model(family, kind, seed, r, init=init)
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


def stored_kappas(name: str) -> dict | None:
    """The κ values of a stored :func:`kappa_sweep` as ``{(family, init, kind, seed): entry}``, or
    ``None`` when absent."""
    from .results import load_result

    res = load_result(name)
    if res is None:
        return None
    out = {}
    for key, v in res["data"]["kappas"].items():
        f, i, k, s = key.split("/")
        out[(f, i, k, int(s))] = v
    return out


def _main(argv=None) -> None:
    """``python -m glu_lib.kappa_speed train --init lecun --optimizers sgd adamw --seeds 0 1 2 3``."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m glu_lib.kappa_speed", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("train", help="train the missing GPT runs of the intervention")
    t.add_argument("--init", default="lecun", choices=INITS)
    t.add_argument("--optimizers", nargs="+", default=["sgd", "adamw"], choices=_OPTIMIZERS)
    t.add_argument("--kinds", nargs="+", default=[k for p in PAIRS for k in p])
    t.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    t.add_argument("--ckpt-dir", default="checkpoints")
    t.add_argument("--threads", type=int, default=1)
    k = sub.add_parser("kappas", help="κ at init of every stored run's model, each readout (kappa_sweep)")
    k.add_argument("--name", default="kappa_speed_init")
    k.add_argument("--families", nargs="+", default=list(_FAMILIES), choices=_FAMILIES)
    k.add_argument("--inits", nargs="+", default=list(INITS), choices=INITS)
    k.add_argument("--kinds", nargs="+", default=[k for p in PAIRS for k in p])
    k.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    k.add_argument("--n", type=int, default=64)
    k.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(positive_int(a.threads, "--threads"))
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
