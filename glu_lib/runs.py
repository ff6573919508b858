"""Long runs with stored results: GPT training on character-level tiny-shakespeare.

``python -m glu_lib.runs gpt --recipe cpu --ffn gelu swiglu`` trains each FFN kind with a recipe,
checkpoints under ``--ckpt-dir`` (an interrupted run resumes), and stores the history with provenance
as ``results/gpt_<recipe>_<ffn>_seed<seed>.json``. Stored results are never replaced unless
``--overwrite`` is given; the choices and the results directory are checked before any training.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import MappingProxyType

import torch

from . import text
from .claims import claim, in_shard, parse_shard
from .config import Preset
from .gpt import GPT, GPTConfig
from .kinds import KINDS, get_kind
from .results import _path, check_writable, results_dir, save_result
from .train import TrainConfig, train

__all__ = ["GPT_RECIPES", "GPT_VARIANTS", "MNIST_STEPS", "MNIST_STEPS_60K", "gpt_recipe", "LR_TRIAL_ITERS", "mnist_kernel_prediction", "SGD_LR_GRID", "sgd_lr_recipe", "mnist_steps_name", "train_gpt",
           "train_mnist_steps"]

#: GPT recipes on character-level tiny-shakespeare. ``cpu`` is nanoGPT's CPU recipe (published validation
#: loss about 1.88); ``shakespeare_char`` is nanoGPT's GPU recipe (1.4697 on one A100); ``smoke`` is a
#: cut-down run for the book's live cells.
GPT_RECIPES = {
    "smoke": dict(model=dict(n_layer=2, n_head=2, n_embd=64, block_size=32, dropout=0.0), batch_size=12,
                  train=dict(max_iters=300, lr=1e-3, min_lr=1e-4, warmup_iters=30, eval_interval=50, eval_iters=10,
                             ckpt_interval=100)),
    "cpu": dict(model=dict(n_layer=4, n_head=4, n_embd=128, block_size=64, dropout=0.0), batch_size=12,
                train=dict(max_iters=2000, lr=1e-3, min_lr=1e-4, warmup_iters=100, eval_interval=250, eval_iters=20,
                           ckpt_interval=250)),
    "shakespeare_char": dict(model=dict(n_layer=6, n_head=6, n_embd=384, block_size=256, dropout=0.2), batch_size=64,
                             train=dict(max_iters=5000, lr=1e-3, min_lr=1e-4, warmup_iters=100, eval_interval=250,
                                        eval_iters=200, ckpt_interval=250)),
}
#: Variants for chapter 6's optimiser comparison (accepted by :func:`gpt_recipe`): ``cpu_sgd`` is the
#: ``cpu`` recipe with SGD (momentum 0.9) instead of AdamW; lr 0.3 was the best of 0.3, 1 and 3 in
#: 400-iteration trials (3 diverged).
GPT_VARIANTS = {}
GPT_VARIANTS["cpu_sgd"] = dict(model=GPT_RECIPES["cpu"]["model"], batch_size=12,
                              train=dict(GPT_RECIPES["cpu"]["train"], optimizer="sgd", lr=0.3, min_lr=0.03,
                                         weight_decay=1e-4))
#: Chapter 7's intervention: the ``cpu`` and ``cpu_sgd`` recipes with LeCun initialisation
#: (``GPTConfig(init="lecun")``) instead of GPT-2's; nothing else changes.
for _name in ("cpu", "cpu_sgd"):
    _r = {**GPT_RECIPES, **GPT_VARIANTS}[_name]
    GPT_VARIANTS[f"{_name}_lecun"] = dict(_r, model=dict(_r["model"], init="lecun"))
del _name, _r
#: The learning rates of chapter 7's fair-optimisation control, SGD at each FFN kind's own best rate
#: (the ``cpu_sgd`` recipe's 0.3 among them). Each is tried for ``LR_TRIAL_ITERS`` iterations, the
#: first iterations of the full run's schedule (``sgd_lr_recipe(..., trial=True)``); the full runs at
#: a rate other than 0.3 are the recipes ``cpu_sgd_lr<lr>`` and ``cpu_sgd_lecun_lr<lr>`` (min_lr a
#: tenth of lr, as ``cpu_sgd``). Only the learning rate changes.
SGD_LR_GRID = (0.1, 0.3, 1.0, 3.0)
#: The length of a learning-rate trial of ``SGD_LR_GRID``, in iterations.
LR_TRIAL_ITERS = 400


def _lr_tag(lr: float) -> str:
    return f"{float(lr):g}".replace(".", "p")


def sgd_lr_recipe(lr: float, init: str = "panel", *, trial: bool = False) -> str:
    """The SGD recipe of the GPT panel (``init="panel"``, GPT-2's init) or of its LeCun arm at learning
    rate ``lr`` of ``SGD_LR_GRID``: its ``LR_TRIAL_ITERS``-iteration trial (``trial=True``) or
    the full run (``cpu_sgd``/``cpu_sgd_lecun`` themselves at 0.3)."""
    if init not in ("panel", "lecun"):
        raise ValueError(f"unknown init {init!r}; expected 'panel' or 'lecun'")
    if not any(float(lr) == g for g in SGD_LR_GRID):
        raise ValueError(f"lr {lr!r} is not in the grid {SGD_LR_GRID}")
    base = "cpu_sgd" + ("_lecun" if init == "lecun" else "")
    if float(lr) == GPT_VARIANTS[base]["train"]["lr"] and not trial:
        return base
    return f"{base}_lr{_lr_tag(lr)}" + ("_trial" if trial else "")


for _base in ("cpu_sgd", "cpu_sgd_lecun"):
    _r = GPT_VARIANTS[_base]
    for _lr in SGD_LR_GRID:
        _t = dict(_r["train"], lr=_lr, min_lr=_lr / 10)
        GPT_VARIANTS[f"{_base}_lr{_lr_tag(_lr)}_trial"] = dict(
            _r, train=dict(_t, max_iters=LR_TRIAL_ITERS, lr_decay_iters=_r["train"]["max_iters"],
                           eval_interval=LR_TRIAL_ITERS // 2, ckpt_interval=0))
        if _lr != _r["train"]["lr"]:
            GPT_VARIANTS[f"{_base}_lr{_lr_tag(_lr)}"] = dict(_r, train=_t)
del _base, _r, _lr, _t


def gpt_recipe(recipe: str, ffn: str, vocab_size: int, seed: int = 0) -> tuple[GPTConfig, TrainConfig, int]:
    """The model config, training config and batch size of ``recipe`` with the FFN kind ``ffn``."""
    recipes = {**GPT_RECIPES, **GPT_VARIANTS}
    if recipe not in recipes:
        raise ValueError(f"unknown recipe {recipe!r}; expected one of {sorted(recipes)}")
    get_kind(ffn)  # a clear error for an unknown FFN kind, before any model is built
    r = recipes[recipe]
    return (GPTConfig(vocab_size=vocab_size, ffn=ffn, **r["model"]), TrainConfig(seed=seed, **r["train"]),
            r["batch_size"])


def train_gpt(ffn: str, recipe: str = "smoke", *, data_dir=None, ckpt_dir=None, seed: int = 0,
              device: str = "cpu", progress: bool = False, return_model: bool = False) -> dict:
    """Train the GPT of ``recipe`` with FFN ``ffn`` on tiny-shakespeare; return its history and parameter count
    (and the trained model under ``"model"`` when ``return_model``)."""
    recipes = {**GPT_RECIPES, **GPT_VARIANTS}
    if recipe not in recipes:  # checked before the corpus is read (or downloaded)
        raise ValueError(f"unknown recipe {recipe!r}; expected one of {sorted(recipes)}")
    if ffn not in KINDS:
        raise ValueError(f"unknown ffn {ffn!r}; expected one of {sorted(KINDS)}")
    corpus = text.char_corpus(text.fetch(directory=data_dir).read_text())
    mcfg, tcfg, batch = gpt_recipe(recipe, ffn, corpus.vocab_size, seed)
    model = GPT(mcfg, seed=seed).to(device)
    ckpt = Path(ckpt_dir) / f"gpt_{recipe}_{ffn}_seed{seed}.pt" if ckpt_dir else None
    hist = train(model, tcfg, text.batch_fn(corpus, mcfg.block_size, batch, device), text.lm_loss,
                 ckpt_path=ckpt, progress=progress)
    out = {"ffn": ffn, "recipe": recipe, "seed": seed, "params": model.num_params(), "history": hist}
    return out | ({"model": model} if return_model else {})


#: The paper's MNIST setting counted in SGD steps. 150 epochs of the 60,000-image training set at batch
#: 256 (235 steps an epoch) are 35,250 steps; here on MNIST-5k (about 1,760 of its epochs).
MNIST_STEPS = dict(n=5000, width=3136, lr=1e-5, batch_size=256, steps=150 * 235, dtype="float32",
                   eval_every=250, save_every=1000)
#: The same on the full 60,000-image training set (the paper's data size), the full training MSE
#: evaluated once per epoch (every 235 steps), as the official script records it.
MNIST_STEPS_60K = dict(MNIST_STEPS, n=60000, eval_every=235, save_every=2350)
_MNIST_DATA = {"5k": MNIST_STEPS, "60k": MNIST_STEPS_60K}


def _mnist_config(data: str) -> dict:
    if data not in _MNIST_DATA:
        raise ValueError(f"unknown MNIST data {data!r}; expected one of {tuple(_MNIST_DATA)}")
    return _MNIST_DATA[data]


def mnist_steps_name(kind: str, seed: int = 0, data: str = "5k") -> str:
    """The stored result's name of :func:`train_mnist_steps` for ``kind``, ``seed`` and ``data``."""
    from ._checks import non_negative_int

    _mnist_config(data)
    tag = "mnist" if data == "5k" else f"mnist{data}"
    return f"two_layer_{tag}_steps_{get_kind(kind).name}_seed{non_negative_int(seed, 'seed')}"


def train_mnist_steps(kind: str, *, seed: int = 0, steps: int | None = None, ckpt_dir="checkpoints",
                      directory=None, log=None, data: str = "5k", data_dir=None) -> dict:
    """The paper's MNIST run (width 3136, lr 1e-5, batch 256, MSE on the digit label) at its step count,
    stored as it goes and resumable (:func:`glu_lib.dynamics.train_steps_stored`).

    ``data="5k"``: on MNIST-5k (offline; about 1,760 of its epochs); ``data="60k"``: on the full
    training set, the paper's setting (:func:`glu_lib.data.mnist_60k`, fetched once)."""
    from .data import mnist_regression
    from .dynamics import train_steps_stored

    c = _mnist_config(data)
    name = mnist_steps_name(kind, seed, data)
    if data == "5k":
        X, Y = mnist_regression(c["n"], seed=0)
    else:
        X, Y = mnist_regression(source=data, directory=data_dir)
    return train_steps_stored(name, kind, X, Y, width=c["width"], lr=c["lr"],
                              steps=c["steps"] if steps is None else steps, batch_size=c["batch_size"],
                              seed=seed, dtype=getattr(torch, c["dtype"]), eval_every=c["eval_every"],
                              save_every=c["save_every"], ckpt_dir=ckpt_dir, directory=directory, log=log)


def mnist_kernel_prediction(*, every: int = 50, pair=("relu", "reglu")) -> dict:
    """Prop. 4.1 for the paper's MNIST setting: the expected-kernel loss curves of ``pair`` on MNIST-5k.

    Expected NTKs (paper Eq. 3/4, no biases) at width 3136 (the GLU kernel at the matched width),
    the initial-output covariance of :func:`glu_lib.dynamics.output_covariance`, and one SGD step of
    lr 1e-5 as the kernel step η = 2·lr/n; the curves at every ``every``-th step up to the paper's
    step count. Returns the steps, both curves, their crossings (:func:`glu_lib.dynamics.crossing_summary`),
    η and the extreme eigenvalues of both kernels.
    """
    import numpy as np

    from ._checks import positive_int
    from .data import mnist_regression
    from .dynamics import kernel_pair_curves, mse_eta

    every = positive_int(every, "every")

    c = MNIST_STEPS
    X, Y = mnist_regression(c["n"], seed=0)
    k = np.arange(0, c["steps"] + 1, int(every), dtype=np.float64)
    if k[-1] != c["steps"]:
        k = np.append(k, float(c["steps"]))
    C = kernel_pair_curves(X, Y, tuple(pair), width=c["width"], eta=mse_eta(c["lr"], len(X)), steps=k)
    keys = ("crossings", "first", "last", "non_glu_led", "glu_ahead_at_end", "k_star", "ydy", "eta")
    return {"pair": list(pair), "steps": k, "loss": C["loss"], "loss_glu": C["loss_glu"],
            **{key: C[key] for key in keys},
            "lam": [float(C["lam"][0]), float(C["lam"][-1])],
            "lam_glu": [float(C["lam_glu"][0]), float(C["lam_glu"][-1])]}


def _mnist_steps(args, ap) -> None:
    if args.seed < 0 or args.steps <= 0:
        ap.error(f"--seed must be >= 0 and --steps > 0, got {args.seed} and {args.steps}")
    folder = Path(args.results_dir) if args.results_dir else results_dir()
    try:
        check_writable(folder)
    except PermissionError as e:
        ap.error(str(e))
    for kind in dict.fromkeys(args.kind):
        train_mnist_steps(kind, seed=args.seed, steps=args.steps, ckpt_dir=args.ckpt_dir,
                          directory=folder, log=lambda line: print(line, flush=True), data=args.data,
                          data_dir=args.data_dir)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    g = sub.add_parser("gpt", help="train GPTs on tiny-shakespeare and store their histories")
    g.add_argument("--recipe", default="cpu", choices=sorted(GPT_RECIPES))
    g.add_argument("--ffn", nargs="+", default=["gelu"], choices=sorted(KINDS))
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--data-dir", default=None)
    g.add_argument("--ckpt-dir", default="checkpoints")
    g.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    g.add_argument("--results-dir", default=None, help="where results are stored (default: the repository's results/)")
    g.add_argument("--overwrite", action="store_true", help="replace stored results of the same name")
    g.add_argument("--shard", default=None, metavar="I/N",
                   help="take FFN kinds I, I+N, ... (default: SLURM_ARRAY_TASK_ID of a job array, else all)")
    g.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    m = sub.add_parser("mnist-steps", help="two-layer nets on MNIST at the paper's step count, stored")
    m.add_argument("--data", default="5k", choices=sorted(_MNIST_DATA),
                   help="5k: MNIST-5k (offline); 60k: the full training set (python -m glu_lib.data fetch-mnist)")
    m.add_argument("--data-dir", default=None, help="folder of the MNIST IDX files (60k)")
    m.add_argument("--kind", nargs="+", default=["relu", "reglu"], choices=sorted(KINDS))
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--steps", type=int, default=MNIST_STEPS["steps"])
    m.add_argument("--ckpt-dir", default="checkpoints")
    m.add_argument("--results-dir", default=None, help="where results are stored (default: results/)")
    mk = sub.add_parser("mnist-kernel", help="the expected-kernel prediction of the MNIST run, stored")
    mk.add_argument("--results-dir", default=None, help="where results are stored (default: results/)")
    args = ap.parse_args(argv)
    if args.what == "mnist-kernel":
        folder = Path(args.results_dir) if args.results_dir else results_dir()
        values = MappingProxyType({**MNIST_STEPS, "pair": ["relu", "reglu"], "every": 50})
        path = save_result("two_layer_mnist_kernel", mnist_kernel_prediction(),
                           Preset("two_layer_mnist_kernel", "full", values), folder)
        print(f"stored {path}")
        return None
    if args.what == "mnist-steps":
        return _mnist_steps(args, ap)
    if args.seed < 0:
        ap.error(f"--seed must be >= 0, got {args.seed}")
    try:
        shard = parse_shard(args.shard)
    except ValueError as e:
        ap.error(str(e))
    if args.threads is not None:
        if args.threads < 1:
            ap.error(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    folder = Path(args.results_dir) if args.results_dir else results_dir()
    names = {ffn: f"gpt_{args.recipe}_{ffn}_seed{args.seed}" for ffn in dict.fromkeys(args.ffn)}
    existing = [str(_path(n, folder)) for n in names.values() if _path(n, folder).exists()]
    if existing and not args.overwrite:
        ap.error(f"stored results exist: {', '.join(existing)}; pass --overwrite to replace them")
    try:
        check_writable(folder)
    except PermissionError as e:
        ap.error(str(e))
    for index, (ffn, name) in enumerate(names.items()):
        if not in_shard(index, shard):
            continue
        held = claim(folder / ".claims", name)
        if held is None:  # another worker trains it (a second runner of the same run waits for nothing)
            print(f"{ffn}: claimed by another worker, skipped")
            continue
        with held:
            if _path(name, folder).exists() and not args.overwrite:  # finished by another worker meanwhile
                continue
            out = train_gpt(ffn, args.recipe, data_dir=args.data_dir, ckpt_dir=args.ckpt_dir, seed=args.seed,
                            device=args.device, progress=True)
            values = MappingProxyType({**GPT_RECIPES[args.recipe], "ffn": ffn, "seed": args.seed})
            path = save_result(name, out, Preset("gpt", args.recipe, values), folder, overwrite=args.overwrite)
        print(f"{ffn}: final val loss {out['history']['val_loss'][-1]:.4f} -> {path}")


if __name__ == "__main__":
    main()
