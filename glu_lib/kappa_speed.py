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

__all__ = ["INITS", "PAIRS", "run_name", "train_queue"]

#: The initialisations of the intervention: chapter 6's panel (GPT-2's, ``gpt2``) and LeCun's.
INITS = ("gpt2", "lecun")
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


def run_name(family: str, optimizer: str, kind: str, seed: int, init: str = "gpt2") -> str:
    """Name of a stored training run: chapter 6's panel (``init="gpt2"``, every family, see
    :func:`glu_lib.generalization.stored_name`) or the LeCun arm of the GPT
    (``gpt_<recipe>_<kind>_seed<s>``, the recipe of :func:`gpt_recipe_name`)."""
    from .generalization import stored_name

    _check(init, INITS, "init")
    if init == "gpt2":
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
    a = ap.parse_args(argv)
    torch.set_num_threads(positive_int(a.threads, "--threads"))

    def log(line):
        print(line, file=sys.stderr, flush=True)

    train_queue(init=a.init, optimizers=a.optimizers, kinds=a.kinds, seeds=a.seeds, ckpt_dir=a.ckpt_dir, log=log)


if __name__ == "__main__":
    _main()
