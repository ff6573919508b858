"""Long runs with stored results: GPT training on character-level tiny-shakespeare.

``python -m glu_lib.runs gpt --recipe cpu --ffn gelu swiglu`` trains each FFN kind with a recipe,
checkpoints under ``--ckpt-dir`` (an interrupted run resumes), and stores the history with provenance
as ``results/gpt_<recipe>_<ffn>.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import MappingProxyType

import torch

from . import text
from .config import Preset
from .gpt import GPT, GPTConfig
from .results import save_result
from .train import TrainConfig, train

__all__ = ["GPT_RECIPES", "GPT_VARIANTS", "gpt_recipe", "train_gpt"]

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


def gpt_recipe(recipe: str, ffn: str, vocab_size: int, seed: int = 0) -> tuple[GPTConfig, TrainConfig, int]:
    """The model config, training config and batch size of ``recipe`` with the FFN kind ``ffn``."""
    recipes = {**GPT_RECIPES, **GPT_VARIANTS}
    if recipe not in recipes:
        raise ValueError(f"unknown recipe {recipe!r}; expected one of {sorted(recipes)}")
    r = recipes[recipe]
    return (GPTConfig(vocab_size=vocab_size, ffn=ffn, **r["model"]), TrainConfig(seed=seed, **r["train"]),
            r["batch_size"])


def train_gpt(ffn: str, recipe: str = "smoke", *, data_dir=None, ckpt_dir=None, seed: int = 0,
              device: str = "cpu", progress: bool = False, return_model: bool = False) -> dict:
    """Train the GPT of ``recipe`` with FFN ``ffn`` on tiny-shakespeare; return its history and parameter count
    (and the trained model under ``"model"`` when ``return_model``)."""
    corpus = text.char_corpus(text.fetch(directory=data_dir).read_text())
    mcfg, tcfg, batch = gpt_recipe(recipe, ffn, corpus.vocab_size, seed)
    model = GPT(mcfg, seed=seed).to(device)
    ckpt = Path(ckpt_dir) / f"gpt_{recipe}_{ffn}_seed{seed}.pt" if ckpt_dir else None
    hist = train(model, tcfg, text.batch_fn(corpus, mcfg.block_size, batch, device), text.lm_loss,
                 ckpt_path=ckpt, progress=progress)
    out = {"ffn": ffn, "recipe": recipe, "seed": seed, "params": model.num_params(), "history": hist}
    return out | ({"model": model} if return_model else {})


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    g = sub.add_parser("gpt", help="train GPTs on tiny-shakespeare and store their histories")
    g.add_argument("--recipe", default="cpu", choices=sorted(GPT_RECIPES))
    g.add_argument("--ffn", nargs="+", default=["gelu"])
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--data-dir", default=None)
    g.add_argument("--ckpt-dir", default="checkpoints")
    g.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args(argv)
    for ffn in args.ffn:
        out = train_gpt(ffn, args.recipe, data_dir=args.data_dir, ckpt_dir=args.ckpt_dir, seed=args.seed,
                        device=args.device, progress=True)
        values = MappingProxyType({**GPT_RECIPES[args.recipe], "ffn": ffn, "seed": args.seed})
        path = save_result(f"gpt_{args.recipe}_{ffn}_seed{args.seed}", out, Preset("gpt", args.recipe, values))
        print(f"{ffn}: final val loss {out['history']['val_loss'][-1]:.4f} -> {path}")


if __name__ == "__main__":
    main()
