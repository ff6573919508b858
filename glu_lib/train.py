"""One training loop for the deep models: AdamW or SGD, warmup + cosine schedule, clipping, evaluation,
checkpoints and exact resume.

A task is two functions: ``batch_fn(split, generator) -> (x, y)`` draws a batch of ``"train"`` or
``"val"`` data from a ``torch.Generator``, and ``loss_fn(model, x, y) -> loss`` returns a scalar.
The loop saves a checkpoint (model, optimiser, iteration, history and every random state) every
``ckpt_interval`` iterations; started again with the same checkpoint path it resumes where it stopped
and reaches the same result as an uninterrupted run. Under ``torchrun`` (``WORLD_SIZE > 1``) it wraps
the model in PyTorch's ``DistributedDataParallel``; rank 0 writes checkpoints and shows progress.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from ._checks import (atomic_write, finite_float, non_negative_int, plain_fields, positive_int,
                      remove_stale_temporaries, strict_bool)

__all__ = ["TrainConfig", "learning_rate", "make_optimizer", "train", "evaluate", "fingerprint"]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (nanoGPT's names where they exist)."""

    max_iters: int = 2000
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    lr_decay_iters: int | None = None  # default: max_iters
    schedule: str = "cosine"  # or "constant"
    optimizer: str = "adamw"  # or "sgd"
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.99)
    momentum: float = 0.9
    grad_clip: float = 1.0  # 0 disables clipping
    eval_interval: int = 250
    eval_iters: int = 20
    ckpt_interval: int = 250
    seed: int = 0
    decay_all: bool = False  # weight decay on every parameter (biases, norms), as torch's SGD(weight_decay=)

    def __post_init__(self):
        plain_fields(self)  # NumPy scalars become Python numbers: checkpoints must load with weights_only
        strict_bool(self.decay_all, "decay_all")
        positive_int(self.max_iters, "max_iters")
        positive_int(self.eval_interval, "eval_interval")
        positive_int(self.eval_iters, "eval_iters")
        non_negative_int(self.warmup_iters, "warmup_iters")
        non_negative_int(self.ckpt_interval, "ckpt_interval")
        non_negative_int(self.seed, "seed")
        if self.lr_decay_iters is not None:
            positive_int(self.lr_decay_iters, "lr_decay_iters")
        for name in ("lr", "min_lr", "weight_decay", "momentum", "grad_clip"):
            finite_float(getattr(self, name), name)
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.grad_clip < 0:
            raise ValueError(f"grad_clip must be >= 0 (0 disables clipping), got {self.grad_clip!r}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if isinstance(self.betas, list):
            object.__setattr__(self, "betas", tuple(self.betas))
        if (not isinstance(self.betas, tuple) or len(self.betas) != 2
                or not all(isinstance(b, (int, float)) and 0 <= b < 1 for b in self.betas)):
            raise ValueError(f"betas must be a tuple of two numbers in [0, 1), got {self.betas!r}")
        if self.optimizer not in ("adamw", "sgd"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; expected 'adamw' or 'sgd'")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"unknown schedule {self.schedule!r}; expected 'cosine' or 'constant'")
        if not (self.lr > 0 and 0 <= self.min_lr <= self.lr and self.warmup_iters >= 0):
            raise ValueError("need lr > 0, 0 <= min_lr <= lr and warmup_iters >= 0")


def learning_rate(it: int, cfg: TrainConfig) -> float:
    """Linear warmup for ``warmup_iters``, then cosine decay to ``min_lr`` at ``lr_decay_iters`` (nanoGPT's rule)."""
    if not isinstance(cfg, TrainConfig):
        raise TypeError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
    it = non_negative_int(it, "it")
    if cfg.schedule == "constant":
        return cfg.lr
    decay_iters = cfg.lr_decay_iters or cfg.max_iters
    if it < cfg.warmup_iters:
        return cfg.lr * (it + 1) / (cfg.warmup_iters + 1)
    if it > decay_iters:
        return cfg.min_lr
    ratio = (it - cfg.warmup_iters) / max(1, decay_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.lr - cfg.min_lr)


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """AdamW with weight decay on matrices only (as nanoGPT), or SGD with momentum and the same decay rule;
    with ``cfg.decay_all`` the decay applies to every parameter (the official code's ``SGD(params, wd)``)."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameter (all have requires_grad=False)")
    if cfg.decay_all:
        groups = [{"params": params, "weight_decay": cfg.weight_decay}]
        if cfg.optimizer == "adamw":
            return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas)
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum)
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas)
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum)


@torch.no_grad()
def evaluate(model: nn.Module, batch_fn: Callable, loss_fn: Callable, iters: int, seed: int) -> dict[str, float]:
    """Mean loss over ``iters`` batches of each split, drawn from a generator seeded with ``seed``."""
    iters = positive_int(iters, "iters")
    was_training = model.training
    model.eval()
    out = {}
    for split in ("train", "val"):
        gen = torch.Generator().manual_seed(seed)
        out[split] = sum(float(loss_fn(model, *batch_fn(split, gen))) for _ in range(iters)) / iters
    model.train(was_training)
    return out


def _distributed() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def _save(path: Path, state: dict) -> None:
    """Write ``state`` to ``path`` atomically: a unique temporary file in the same folder, then a rename,
    so an interruption or a second writer never leaves a half-written checkpoint; a full disk is
    reported with the file's name (:func:`glu_lib._checks.atomic_write`)."""
    atomic_write(path, lambda f: torch.save(state, f), "checkpoint")


def _load(path: Path, device) -> dict:
    """Read a checkpoint with ``weights_only=True``; a clear error naming the file when it is corrupt."""
    try:
        ck = torch.load(path, map_location=device, weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as e:
        why = (str(e).strip().splitlines() or [""])[0][:120]
        raise ValueError(f"checkpoint {path} is corrupt or unreadable ({type(e).__name__}: {why}); delete it "
                         "to restart the run from iteration 0") from e
    keys = {"model", "optimizer", "iter", "history", "batch_rng", "torch_rng", "config"}
    if not isinstance(ck, dict) or not keys <= set(ck):
        raise ValueError(f"checkpoint {path} is not a checkpoint of glu_lib.train.train (missing "
                         f"{sorted(keys - set(ck) if isinstance(ck, dict) else keys)}); delete it to restart")
    return ck


def _digest(tensors) -> str:
    h = hashlib.sha256()
    for t in tensors:
        t = t.detach().cpu().contiguous().reshape(-1)  # 0-dim tensors too (a scalar gate, a temperature)
        h.update(f"{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _callable_id(fn, depth: int = 0) -> str:
    """What identifies the computation of ``fn``: its module and qualified name, its bytecode and
    constants, and the values it closes over or is bound to (``functools.partial`` arguments, a loss
    module's settings). Two losses that compute differently (MSE, L1) get different identities."""
    import functools

    if depth > 4:
        return "..."
    if isinstance(fn, functools.partial):
        return (f"partial({_callable_id(fn.func, depth + 1)}, {[_value_id(a, depth) for a in fn.args]}, "
                f"{ {k: _value_id(v, depth) for k, v in sorted(fn.keywords.items())} })")
    if isinstance(fn, nn.Module):
        return f"{type(fn).__module__}.{type(fn).__qualname__}:{fn!r}:{_digest(fn.state_dict().values())}"
    code = getattr(fn, "__code__", None)
    if code is None and hasattr(fn, "__func__"):  # a bound method
        return f"{_callable_id(fn.__func__, depth + 1)}@{_value_id(fn.__self__, depth)}"
    if code is None:  # another callable object: its class and its __call__
        call = getattr(type(fn), "__call__", None)
        return f"{type(fn).__module__}.{type(fn).__qualname__}:{_callable_id(call, depth + 1) if call else ''}"
    cells = [_value_id(c.cell_contents, depth) for c in (fn.__closure__ or ())]
    consts = [c if not hasattr(c, "co_code") else hashlib.sha256(c.co_code).hexdigest() for c in code.co_consts]
    return (f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}:"
            f"{hashlib.sha256(code.co_code).hexdigest()}:{consts!r}:{code.co_names}:{cells}")


def _value_id(v, depth: int) -> str:
    if callable(v) and not isinstance(v, type):
        return _callable_id(v, depth + 1)
    if torch.is_tensor(v):
        return _digest([v])
    if isinstance(v, (str, int, float, bool, type(None), tuple)):
        return repr(v)
    return type(v).__qualname__


def fingerprint(model: nn.Module, batch_fn: Callable, seed: int, loss_fn: Callable | None = None) -> dict[str, str]:
    """What a checkpoint must match to be resumed: the model (its class, ``config``, the simple
    attributes of its modules such as an FFN ``kind``, parameter names, shapes and dtypes), its initial
    parameter values (so the initialisation seed), the data and, when given, the loss function (its
    code and the values it closes over). The data are the first batch of each split drawn with
    ``seed`` and, when ``batch_fn`` has a ``data_digest`` attribute (a string or a function returning
    one, as the batch functions of :mod:`glu_lib.images` and :mod:`glu_lib.text` have), the digest of
    all the data it draws from. Each entry is a SHA-256 digest."""
    arch = [type(model).__qualname__, repr(getattr(model, "config", None))]
    for name, mod in model.named_modules():
        simple = {k: v for k, v in sorted(vars(mod).items())
                  if not k.startswith("_") and k != "training" and isinstance(v, (str, int, float, bool))}
        arch.append(f"{name}:{type(mod).__qualname__}:{simple}")
    arch += [f"{n}:{tuple(p.shape)}:{p.dtype}" for n, p in model.state_dict().items()]
    data = []
    for split in ("train", "val"):
        batch = batch_fn(split, torch.Generator().manual_seed(seed))
        data += [t for t in (batch if isinstance(batch, (tuple, list)) else [batch]) if torch.is_tensor(t)]
    whole = getattr(batch_fn, "data_digest", None)
    whole = whole() if callable(whole) else whole
    out = {"model": hashlib.sha256("\n".join(arch).encode()).hexdigest(),
           "init": _digest(model.state_dict().values()),
           "data": hashlib.sha256(f"{_digest(data)}:{whole or ''}".encode()).hexdigest() if whole else _digest(data)}
    if loss_fn is not None:
        out["loss"] = hashlib.sha256(_callable_id(loss_fn).encode()).hexdigest()
    return out


def train(model: nn.Module, cfg: TrainConfig, batch_fn: Callable, loss_fn: Callable, *,
          ckpt_path: str | os.PathLike | None = None, progress: bool = False, stop_at: int | None = None,
          eval_fn: Callable | None = None) -> dict:
    """Train ``model`` for ``cfg.max_iters`` iterations and return its history.

    The history holds ``iter``, ``train_loss`` and ``val_loss`` at every evaluation (iteration 0,
    every ``eval_interval``, and the last), and ``step_loss``/``lr`` at every iteration. With
    ``ckpt_path`` an existing checkpoint of the same configuration, model, initialisation and data (see
    :func:`fingerprint`) is resumed; any other checkpoint at that path is refused with a ``ValueError``.
    ``stop_at`` ends the run early after iteration ``stop_at`` (with a checkpoint), as an interruption
    would. ``eval_fn(model) -> {"train": ..., "val": ...}``, when given, replaces the evaluation on
    ``eval_iters`` batches (e.g. a full pass over both splits).
    """
    if not isinstance(cfg, TrainConfig):
        raise TypeError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
    if not isinstance(model, nn.Module) or not any(p.requires_grad for p in model.parameters()):
        raise ValueError("model must be a torch.nn.Module with at least one trainable parameter")
    if stop_at is not None:
        stop_at = positive_int(stop_at, "stop_at")
    rank, world = _distributed()
    device = next(model.parameters()).device
    net = nn.parallel.DistributedDataParallel(model) if world > 1 else model
    opt = make_optimizer(model, cfg)
    gen = torch.Generator().manual_seed(cfg.seed + rank)
    hist = {"iter": [], "train_loss": [], "val_loss": [], "step_loss": [], "lr": []}
    start = 0
    path = Path(ckpt_path) if ckpt_path else None
    fp = fingerprint(model, batch_fn, cfg.seed, loss_fn) if path is not None else None
    if path is not None and rank == 0:
        remove_stale_temporaries(path)  # left by a writer killed inside a checkpoint write
    if path is not None and path.exists():
        ck = _load(path, device)
        if ck["config"] != asdict(cfg):
            raise ValueError(f"checkpoint {path} was made with another configuration; remove it or change the path")
        differ = [k for k in fp if (ck.get("fingerprint") or {}).get(k) != fp[k]]
        if differ:
            what = {"model": "model", "init": "initial weights (seed)", "data": "data", "loss": "loss function"}
            raise ValueError(f"checkpoint {path} was made with another {', '.join(what[k] for k in differ)}; "
                             "remove it or change the path")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        gen.set_state(ck["batch_rng"])
        torch.set_rng_state(ck["torch_rng"])
        if torch.cuda.is_available() and ck.get("cuda_rng") is not None:
            torch.cuda.set_rng_state_all(ck["cuda_rng"])
        hist, start = ck["history"], ck["iter"]
        if start >= cfg.max_iters and hist["iter"] and hist["iter"][-1] == cfg.max_iters:
            return hist  # the run was already complete
    else:
        torch.manual_seed(cfg.seed + rank)

    def checkpoint(it):
        if path is not None and rank == 0:
            _save(path, {"model": model.state_dict(), "optimizer": opt.state_dict(), "iter": it, "history": hist,
                         "batch_rng": gen.get_state(), "torch_rng": torch.get_rng_state(),
                         "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
                         "config": asdict(cfg), "fingerprint": fp})

    model.train()
    bar = tqdm(range(start, cfg.max_iters + 1), initial=start, total=cfg.max_iters + 1, disable=not progress or rank > 0)
    for it in bar:
        if it % cfg.eval_interval == 0 or it == cfg.max_iters:
            ev = (eval_fn(model) if eval_fn is not None
                  else evaluate(model, batch_fn, loss_fn, cfg.eval_iters, seed=cfg.seed + 10_000))
            if world > 1:
                t = torch.tensor([ev["train"], ev["val"]], device=device)
                dist.all_reduce(t)
                ev = {"train": float(t[0]) / world, "val": float(t[1]) / world}
            hist["iter"].append(it)
            hist["train_loss"].append(ev["train"])
            hist["val_loss"].append(ev["val"])
            bar.set_postfix(train=f"{ev['train']:.3f}", val=f"{ev['val']:.3f}")
        if it == cfg.max_iters:
            break
        lr = learning_rate(it, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = batch_fn("train", gen)
        loss = loss_fn(net, x, y)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the loss became {float(loss.detach())} at iteration {it}: lower the learning rate")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        hist["step_loss"].append(float(loss.detach()))
        hist["lr"].append(lr)
        done = it + 1
        if (cfg.ckpt_interval and done % cfg.ckpt_interval == 0) or done == stop_at:
            checkpoint(done)
        if done == stop_at:
            break
    if stop_at is None or stop_at >= cfg.max_iters:
        checkpoint(cfg.max_iters)
    return hist
