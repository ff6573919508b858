"""Empirical-NTK condition numbers of the deep models (ViT, MLP-Mixer, GPT) with each FFN kind.

Every model is read through a fixed scalar output, as the NTK of the paper is for scalar outputs:
the single output of the ViT and the Mixer (``num_outputs=1``), and for the GPT the sum of the logits
at the last position (a fixed linear readout of its last hidden state).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from ._checks import positive_int
from .gpt import GPT, GPTConfig
from .mixer import Mixer, MixerConfig
from .ntk import ScalarReadout, empirical_ntk
from .spectra import condition_number  # re-exported: κ of the NTKs below
from .vit import ViT, ViTConfig

__all__ = ["FAMILIES", "build", "probe_inputs", "ntk_condition_numbers", "param_count", "is_ffn_parameter",
           "ntk_kappas", "model_kappas", "text_probe_tokens", "sweep", "stored_kappas", "pair_ratios",
           "plot_kappa_bars", "SIGN_GRIDS", "sweep_grid", "stored_grid", "trained_gpt_kappas", "trained_sweep",
           "trained_ratios"]

FAMILIES = ("vit", "mixer", "gpt")


def _last_logit_sum(out):
    return out[0][:, -1].sum(-1)


def build(family: str, kind: str, settings: dict, seed: int = 0, dtype=torch.float64) -> torch.nn.Module:
    """The model of ``family`` with FFN ``kind`` and ``settings`` (config fields), seeded, wrapped to a scalar output."""
    if family == "vit":
        return ScalarReadout(ViT(ViTConfig(ffn=kind, num_outputs=1, **settings), seed).to(dtype), lambda o: o[:, 0])
    if family == "mixer":
        return ScalarReadout(Mixer(MixerConfig(ffn=kind, num_outputs=1, **settings), seed).to(dtype), lambda o: o[:, 0])
    if family == "gpt":
        return ScalarReadout(GPT(GPTConfig(ffn=kind, **settings), seed).to(dtype), _last_logit_sum)
    raise ValueError(f"unknown model family {family!r}; expected one of {FAMILIES}")


def param_count(model: torch.nn.Module) -> int:
    """Number of distinct trainable parameters (tied weights once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def probe_inputs(family: str, n: int, settings: dict, seed: int = 0, tokens: np.ndarray | None = None,
                 length: int | None = None) -> torch.Tensor:
    """``n`` probe inputs: Gaussian images ``N(0, 1)`` for ViT/Mixer (as the official NTK script), and for the
    GPT windows of ``tokens`` (random positions) or, without ``tokens``, uniformly random token ids; the GPT's
    windows have ``length`` tokens (default its ``block_size``)."""
    n = positive_int(n, "n")
    gen = torch.Generator().manual_seed(int(seed))
    if family in ("vit", "mixer"):
        c, s = settings.get("channels", 3), settings.get("image_size", 32)
        return torch.randn(n, c, s, s, generator=gen, dtype=torch.float64)
    if family == "gpt":
        T = positive_int(length, "length") if length is not None else settings["block_size"]
        if tokens is None:
            return torch.randint(settings.get("vocab_size", 65), (n, T), generator=gen)
        ix = torch.randint(len(tokens) - T, (n,), generator=gen).tolist()
        return torch.stack([torch.from_numpy(tokens[i : i + T].astype(np.int64)) for i in ix])
    raise ValueError(f"unknown model family {family!r}; expected one of {FAMILIES}")


def ntk_condition_numbers(family: str, kinds, settings: dict, n: int, seeds, tokens=None) -> dict:
    """κ of the empirical NTK at initialisation for each kind and seed: ``{kind: [κ per seed]}``.

    Seed ``s`` fixes both the model's weights and the probe inputs, so every kind sees the same inputs.
    """
    out = {}
    for kind in kinds:
        out[kind] = []
        for s in seeds:
            X = probe_inputs(family, n, settings, seed=s, tokens=tokens)
            out[kind].append(condition_number(empirical_ntk(build(family, kind, settings, seed=s), X)))
    return out


def is_ffn_parameter(family: str, name: str) -> bool:
    """Whether parameter ``name`` of a model built by :func:`build` belongs to a feed-forward block."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; expected one of {FAMILIES}")
    if family == "mixer":
        return "_mix." in name
    return ".mlp." in name


def model_kappas(family: str, model: torch.nn.Module, X: torch.Tensor, *, dtype=None) -> dict:
    """κ and extreme eigenvalues of the empirical NTK of ``model`` (built by :func:`build`) on probes ``X``,
    over all parameters (``*_full``) and over the FFN parameters alone (``*_ffn``).

    One structured pass (:func:`glu_lib.ntk.structured_ntk`) gives both: the FFN-only kernel is the sum of
    the Gram blocks of the FFN parameters.
    """
    from .ntk import structured_ntk
    from .spectra import extreme_eigenvalues, kappa_from_extremes

    info = {"per_parameter": True}
    K = structured_ntk(model, X, dtype=dtype, info=info)
    Kf = sum(v for k, v in info["per_parameter"].items() if is_ffn_parameter(family, k.removeprefix("model.")))
    out = {"params": param_count(model)}
    for tag, A in (("full", K), ("ffn", Kf)):
        lmin, lmax = extreme_eigenvalues(A)
        # the guard of condition_number: inf (and a warning) for a singular kernel, never a negative κ
        out[f"kappa_{tag}"], out[f"lmin_{tag}"], out[f"lmax_{tag}"] = kappa_from_extremes(lmin, lmax), lmin, lmax
    return out


def ntk_kappas(family: str, kind: str, settings: dict, n: int, seed: int, *, tokens=None, length=None,
               dtype=None) -> dict:
    """:func:`model_kappas` of the model ``family``/``kind``/``settings`` at initialisation on ``n`` probes.

    Seed ``seed`` fixes the weights and the probes.
    """
    model = build(family, kind, settings, seed=seed)
    X = probe_inputs(family, n, settings, seed=seed, tokens=tokens, length=length)
    return model_kappas(family, model, X, dtype=dtype)


def text_probe_tokens(settings: dict) -> np.ndarray:
    """Token ids of the validation split (last 10 %) of tiny-shakespeare for the GPT of ``settings``:
    GPT-2's byte pairs for GPT-2's vocabulary (50,257), characters for the character vocabulary."""
    return _text_tokens(settings.get("vocab_size"))


@functools.lru_cache(maxsize=4)
def _text_tokens(vocab) -> np.ndarray:
    from . import text

    corpus = text.char_corpus(text.read_text())
    if vocab is None or vocab == corpus.vocab_size:
        out = corpus.val.copy()
    elif vocab == 50257:
        raw = text.read_text()
        out = text.gpt2_tokens(raw[int(len(raw) * 0.9):])
    else:
        raise ValueError(f"no text tokenizer for vocab_size {vocab}: expected {corpus.vocab_size} "
                         "(characters) or 50257 (GPT-2)")
    out.flags.writeable = False  # shared by every caller (cached)
    return out


def sweep(name: str, family: str, kinds, seeds, settings: dict, n: int, *, length=None, dtype=None,
          log=None, text_probes: bool = False) -> dict:
    """:func:`ntk_kappas` for every kind and seed, stored in ``results/<name>.json`` after each kernel.

    Entries already stored with the same settings are kept (resume after an interruption). ``log``
    (a callable) receives one progress line per kernel. ``text_probes`` (GPT only): probe windows of
    tiny-shakespeare's validation text (:func:`text_probe_tokens`) instead of random token ids.
    """
    import time

    from .config import preset
    from .results import load_result, save_result

    if text_probes and family != "gpt":
        raise ValueError(f"text_probes is for the GPT only, not {family!r}")
    spec = dict(family=family, settings=settings, n=n, length=length, dtype=str(dtype or "model"))
    tokens = None
    if text_probes:
        spec["probes"] = "tiny-shakespeare validation text"
        tokens = text_probe_tokens(settings)
    old = load_result(name)
    data = old["data"] if old and old["data"].get("spec") == spec else {"spec": spec, "kernels": {}}
    todo = [(k, s) for s in seeds for k in kinds if f"{k}/{s}" not in data["kernels"]]  # seed by seed
    for i, (k, s) in enumerate(todo):
        t = time.perf_counter()
        data["kernels"][f"{k}/{s}"] = ntk_kappas(family, k, settings, n, s, length=length, dtype=dtype,
                                                  tokens=tokens)
        data["kernels"][f"{k}/{s}"]["seconds"] = round(time.perf_counter() - t, 1)
        save_result(name, data, preset("deep_models", "full"))
        if log:
            r = data["kernels"][f"{k}/{s}"]
            log(f"[{i + 1}/{len(todo)}] {name} {k} seed {s}: kappa {r['kappa_full']:.4g} "
                f"(ffn {r['kappa_ffn']:.4g}) in {r['seconds']} s")
    return data


#: The small settings of the sign sweeps: the official ViT layout at width 64 (depth 4, 4 heads of 64
#: features, MLP 256, 32×32×3 Gaussian images, patch 4: 65 tokens) and the GPT of nanoGPT's CPU recipe
#: (4 layers, 4 heads, width 128, context 64, character vocabulary 65) on tiny-shakespeare windows.
SIGN_VIT = dict(image_size=32, patch_size=4, channels=3, dim=64, depth=4, heads=4, dim_head=64, mlp_dim=256,
                layout="official", init="official")
SIGN_GPT = dict(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128)


def _point(family, factor, x, n=32, length=None, **changes):
    base = SIGN_VIT if family == "vit" else SIGN_GPT
    if family == "gpt" and length is None:
        length = base["block_size"]
    return dict(family=family, factor=factor, x=x, settings={**base, **changes}, n=n, length=length,
                probes="gaussian" if family == "vit" else "tiny-shakespeare val")


def _sign_grids() -> dict:
    init = {}
    for d in (64, 256):
        for scheme in ("lecun", "official", "xavier"):
            init[f"vit/dim {d}/{scheme}"] = _point("vit", f"dim {d}", scheme, dim=d, init=scheme)
    for w in (64, 128):
        for scheme in ("lecun", "gpt2", "xavier"):
            init[f"gpt/width {w}/{scheme}"] = _point("gpt", f"width {w}", scheme, n_embd=w, init=scheme)
    tokens = {f"vit/{(s // 4) ** 2 + 1}": _point("vit", "tokens", (s // 4) ** 2 + 1, image_size=s)
              for s in (16, 32, 64)}
    tokens |= {f"gpt/{T}": _point("gpt", "tokens", T, length=T) for T in (8, 16, 32, 64)}
    probes = {f"{f}/{n}": _point(f, "probes", n, n=n) for f in ("vit", "gpt") for n in (16, 32, 64, 128)}
    return {"deep_sign_init": init, "deep_sign_tokens": tokens, "deep_sign_probes": probes}


#: The stored sweeps of chapter 5's section on the sign, ``{name: {label: point}}``: initialisation
#: (LeCun, the official/GPT-2 one, Xavier) at two widths, number of tokens, and number of probes. A point
#: is ``dict(family, factor, x, settings, n, length, probes)``; run them all with
#: ``python -m glu_lib.deep sign``.
SIGN_GRIDS = _sign_grids()


def sweep_grid(name: str, points: dict, kinds, seeds, *, dtype=None, log=None) -> dict:
    """:func:`ntk_kappas` at every point of ``points`` (``{label: point}``, as :data:`SIGN_GRIDS`) for
    every kind and seed, stored in ``results/<name>.json`` after each kernel.

    Seed by seed, then point by point, so a partial result has whole seeds. Entries stored with the same
    point are kept (resume after an interruption); a changed point is recomputed.
    """
    import time

    from .config import preset
    from .results import load_result, save_result

    if not points:
        raise ValueError("points must name at least one point")
    old = load_result(name)
    data = {"points": {}, "kernels": {}, "dtype": str(dtype or "model")}
    if old and old["data"].get("dtype") == data["dtype"]:
        for label, pt in points.items():
            if old["data"]["points"].get(label) == pt:
                data["kernels"][label] = old["data"]["kernels"].get(label, {})
    data["points"] = {label: dict(pt) for label, pt in points.items()}
    todo = [(label, k, s) for s in seeds for label in points for k in kinds
            if f"{k}/{s}" not in data["kernels"].setdefault(label, {})]
    for i, (label, k, s) in enumerate(todo):
        pt = points[label]
        tokens = None
        if pt["family"] == "gpt" and pt.get("probes", "").startswith("tiny-shakespeare"):
            tokens = text_probe_tokens(pt["settings"])
        t = time.perf_counter()
        r = ntk_kappas(pt["family"], k, pt["settings"], pt["n"], s, tokens=tokens, length=pt["length"], dtype=dtype)
        r["seconds"] = round(time.perf_counter() - t, 2)
        data["kernels"][label][f"{k}/{s}"] = r
        save_result(name, data, preset("deep_models", "full"))
        if log:
            log(f"[{i + 1}/{len(todo)}] {name} {label} {k} seed {s}: kappa {r['kappa_full']:.4g} "
                f"(ffn {r['kappa_ffn']:.4g}) in {r['seconds']} s")
    return data


def _by_kind(kernels: dict) -> dict:
    out: dict[str, list] = {}
    for key in sorted(kernels, key=lambda s: (s.split("/")[0], int(s.split("/")[1]))):
        kind, seed = key.split("/")
        out.setdefault(kind, []).append({**kernels[key], "seed": int(seed)})  # pair_ratios pairs by seed
    return out


def stored_grid(name: str):
    """A stored :func:`sweep_grid` as ``{label: (point, {kind: [entry per seed, seeds in order]})}``, or
    ``None`` when absent."""
    from .results import load_result

    res = load_result(name)
    if res is None:
        return None
    d = res["data"]
    return {label: (pt, _by_kind(d["kernels"].get(label, {}))) for label, pt in d["points"].items()}


def stored_kappas(name: str):
    """A stored sweep as ``(spec, {kind: [entry per seed, seeds in order]})``, or ``None`` when absent."""
    from .results import load_result

    res = load_result(name)
    if res is None:
        return None
    return res["data"]["spec"], _by_kind(res["data"]["kernels"])


def trained_gpt_kappas(ckpt, kind: str, seed: int, tokens: np.ndarray, *, recipe: str = "cpu", n: int = 64,
                       length: int | None = None, dtype=None, require_complete: bool = True) -> dict:
    """:func:`model_kappas` of the GPT of ``recipe`` with FFN ``kind`` at initialisation and after training.

    ``ckpt`` is a checkpoint of :func:`glu_lib.train.train` (as :func:`glu_lib.runs.train_gpt` writes,
    a dict with the trained ``"model"`` state dict, read with ``weights_only=True``) of the run with
    training seed ``seed``; the initial model is rebuilt from the recipe and ``seed`` and checked against
    the checkpoint. Both kernels use the same ``n`` probe windows
    of ``length`` tokens (default the context) from ``tokens`` (e.g. the validation split), drawn with
    ``seed``. The checkpoint must match the recipe's training configuration and the fingerprint of the
    rebuilt initial model (architecture with the FFN kind, and initial weights); with
    ``require_complete`` a checkpoint before the recipe's last iteration is refused.
    Returns ``{"init": ..., "trained": ..., "iter": ..., "val_loss": ...}``.
    """
    from dataclasses import asdict
    from pathlib import Path

    from .runs import gpt_recipe
    from .train import _load, fingerprint

    path = Path(ckpt)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    ck = _load(path, "cpu")
    vocab = ck["model"]["wte.weight"].shape[0]
    mcfg, tcfg, _ = gpt_recipe(recipe, kind, vocab, seed)
    if require_complete and ck["iter"] != tcfg.max_iters:
        raise ValueError(f"checkpoint {path} is at iteration {ck['iter']}, not the recipe's last "
                         f"({tcfg.max_iters}); pass require_complete=False to use it anyway")
    if ck["config"] != asdict(tcfg):
        raise ValueError(f"checkpoint {path} was not made with the training configuration of recipe "
                         f"{recipe!r} and seed {seed}")
    init = GPT(mcfg, seed=seed)
    have, want = fingerprint(init, lambda split, gen: (), seed), ck.get("fingerprint") or {}
    differ = [what for key, what in (("model", "model"), ("init", "initial weights")) if want.get(key) != have[key]]
    if differ:
        raise ValueError(f"checkpoint {path} does not start from the {recipe!r} GPT with ffn {kind!r} and seed "
                         f"{seed} (its {' and '.join(differ)} differ)")
    settings = {k: getattr(mcfg, k) for k in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd",
                                              "dropout", "bias", "ffn_hidden", "init_std")}
    X = probe_inputs("gpt", n, settings, seed=seed, tokens=tokens, length=length)
    out = {"iter": int(ck["iter"]), "val_loss": float(ck["history"]["val_loss"][-1])}
    for tag, state in (("init", init.state_dict()), ("trained", ck["model"])):
        model = build("gpt", kind, settings, seed=seed)
        model.model.load_state_dict(state)
        out[tag] = model_kappas("gpt", model, X, dtype=dtype)
    return out


def trained_ratios(name: str) -> dict:
    """The non-GLU/GLU κ ratios of a stored :func:`trained_sweep` (``results/<name>.json``), for every
    pair of :data:`glu_lib.kinds.PAIRS` and seed whose two kernels are stored, pairs first, then seeds:
    ``{(non_glu, glu, seed): {(stage, key): ratio}}`` with ``stage`` ``"init"`` or ``"trained"`` and
    ``key`` ``"kappa_full"`` or ``"kappa_ffn"``; empty when nothing is stored. Above 1: GLU has the
    lower κ."""
    from .kinds import PAIRS
    from .results import load_result

    res = load_result(name)
    if res and "kernels" not in res["data"]:
        raise ValueError(f"results/{name}.json is not a stored trained sweep (it has no 'kernels')")
    kernels = res["data"]["kernels"] if res else {}
    out = {}
    for a, b in PAIRS:
        for s in sorted({int(key.split("/")[1]) for key in kernels}):
            ra, rb = kernels.get(f"{a}/{s}"), kernels.get(f"{b}/{s}")
            if ra and rb:
                out[a, b, s] = {(stage, key): ra[stage][key] / rb[stage][key]
                                for stage in ("init", "trained") for key in ("kappa_full", "kappa_ffn")}
    return out


def trained_sweep(name: str, ckpt_dir, kinds, seeds, *, recipe: str = "cpu", n: int = 64, length=None,
                  dtype=None, log=None) -> dict:
    """:func:`trained_gpt_kappas` of every checkpoint ``<ckpt_dir>/gpt_<recipe>_<kind>_seed<seed>.pt`` that
    is complete, stored in ``results/<name>.json`` after each one (keys ``kind/seed``).

    Entries stored with the same spec are kept (resume); absent or unfinished checkpoints are skipped and
    reported through ``log``, so a later call adds them.
    """
    import time
    from pathlib import Path

    from . import text
    from .config import preset
    from .results import load_result, save_result

    spec = dict(recipe=recipe, n=n, length=length, dtype=str(dtype or "model"), probes="tiny-shakespeare val")
    old = load_result(name)
    data = old["data"] if old and old["data"].get("spec") == spec else {"spec": spec, "kernels": {}}
    tokens = text.char_corpus(text.read_text()).val
    for s in seeds:
        for k in kinds:
            key, path = f"{k}/{s}", Path(ckpt_dir) / f"gpt_{recipe}_{k}_seed{s}.pt"
            if key in data["kernels"]:
                continue
            t = time.perf_counter()
            try:
                r = trained_gpt_kappas(path, k, s, tokens, recipe=recipe, n=n, length=length, dtype=dtype)
            except (FileNotFoundError, ValueError) as e:
                if log:
                    log(f"{name} {key}: skipped ({str(e).splitlines()[0][:160]})")
                continue
            r["seconds"] = round(time.perf_counter() - t, 1)
            data["kernels"][key] = r
            save_result(name, data, preset("deep_models", "full"))
            if log:
                log(f"{name} {key}: kappa init {r['init']['kappa_full']:.4g} -> trained "
                    f"{r['trained']['kappa_full']:.4g} (ffn {r['init']['kappa_ffn']:.4g} -> "
                    f"{r['trained']['kappa_ffn']:.4g}) in {r['seconds']} s")
    return data


def pair_ratios(kappas: dict, a: str, b: str, key: str = "kappa_full") -> np.ndarray:
    """Per-seed ratios κ(non-GLU ``a``) / κ(GLU ``b``) over the seeds both kinds have (> 1: GLU lower),
    in increasing seed order.

    Entries are paired by their ``"seed"`` (as :func:`stored_kappas` and :func:`stored_grid` give them),
    never by position; entries without a seed (lists from :func:`ntk_condition_numbers`-like sources)
    are paired by position only when both kinds have the same number of them."""
    ea, eb = kappas.get(a, []), kappas.get(b, [])
    if not ea or not eb:
        raise ValueError(f"no seed has both kinds {a!r} and {b!r} (stored kinds: {sorted(kappas)})")
    seeded = [isinstance(e, dict) and "seed" in e for e in (*ea, *eb)]
    if any(seeded) and not all(seeded):
        raise ValueError(f"entries of {a!r} and {b!r} must all carry a 'seed' or none")
    if all(seeded):
        ia, ib = _seed_index(ea, a), _seed_index(eb, b)
        common = sorted(set(ia) & set(ib))
        pairs = [(ia[s], ib[s]) for s in common]
    else:
        if len(ea) != len(eb):
            raise ValueError(f"kinds {a!r} and {b!r} have {len(ea)} and {len(eb)} entries without seeds: "
                             "they cannot be paired by seed")
        pairs = list(zip(ea, eb))
    if not pairs:
        raise ValueError(f"no seed has both kinds {a!r} and {b!r} (stored kinds: {sorted(kappas)})")
    return np.array([x[key] / y[key] for x, y in pairs])


def _seed_index(entries, kind) -> dict:
    out = {}
    for e in entries:
        if e["seed"] in out:
            raise ValueError(f"kind {kind!r} has seed {e['seed']} twice")
        out[e["seed"]] = e
    return out


def plot_kappa_bars(ax, kappas: dict, kinds, key: str = "kappa_full", title: str = "") -> None:
    """Bars (geometric mean over seeds) and dots (single seeds) of κ for each kind, log scale, as the
    paper's Fig. 3: non-GLU kinds hatched, GLU kinds solid."""
    from .plotting import KIND_COLORS, kind_style

    shown = [k for k in kinds if kappas.get(k)]
    for i, k in enumerate(shown):
        v = np.array([e[key] for e in kappas[k]])
        dashed = kind_style(k)["linestyle"] != "-"
        ax.bar(i, np.exp(np.log(v).mean()), color=KIND_COLORS[k], alpha=0.55, edgecolor=KIND_COLORS[k],
               hatch="//" if dashed else None)
        ax.plot([i] * len(v), v, "o", color="black", ms=3)
    ax.set_xticks(range(len(shown)), shown, rotation=45)
    ax.set_yscale("log")
    ax.set(title=title)


def _main(argv=None) -> None:
    """``python -m glu_lib.deep NAME --family ...`` (one stored sweep), ``python -m glu_lib.deep sign``
    (the sweeps of :data:`SIGN_GRIDS`) or ``python -m glu_lib.deep trained --ckpt-dir DIR`` (the GPT of
    a recipe at initialisation and after training, :func:`trained_sweep`)."""
    import argparse
    import json
    import sys
    from pathlib import Path

    argv = list(sys.argv[1:] if argv is None else argv)
    kinds6 = ["relu", "reglu", "gelu", "geglu", "silu", "swiglu"]
    if "--results-dir" in argv:  # every sub-command: results read and written there (GLU_RESULTS_DIR)
        import os

        from .results import check_writable

        i = argv.index("--results-dir")
        if i + 1 >= len(argv):
            raise SystemExit("--results-dir needs a folder")
        os.environ["GLU_RESULTS_DIR"] = str(check_writable(Path(argv[i + 1])))
        del argv[i : i + 2]

    def log(line):
        print(line, file=sys.stderr, flush=True)

    if argv[:1] == ["sign"]:
        ap = argparse.ArgumentParser(prog="python -m glu_lib.deep sign",
                                     description="The stored sweeps of what controls the sign (SIGN_GRIDS)")
        ap.add_argument("--only", nargs="+", choices=sorted(SIGN_GRIDS), default=sorted(SIGN_GRIDS))
        ap.add_argument("--kinds", nargs="+", default=kinds6)
        ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
        ap.add_argument("--threads", type=int, default=1)
        a = ap.parse_args(argv[1:])
        torch.set_num_threads(a.threads)
        for name in a.only:
            sweep_grid(name, SIGN_GRIDS[name], a.kinds, a.seeds, log=log)
        return
    if argv[:1] == ["trained"]:
        ap = argparse.ArgumentParser(prog="python -m glu_lib.deep trained",
                                     description="NTK condition numbers of trained GPT checkpoints")
        ap.add_argument("--ckpt-dir", required=True, help="folder of gpt_<recipe>_<kind>_seed<s>.pt")
        ap.add_argument("--name", default=None, help="stored result (default deep_trained_gpt_<recipe>)")
        ap.add_argument("--recipe", default="cpu")
        ap.add_argument("--kinds", nargs="+", default=kinds6)
        ap.add_argument("--seeds", nargs="+", type=int, required=True)
        ap.add_argument("--n", type=int, default=64)
        ap.add_argument("--length", type=int, default=None)
        ap.add_argument("--threads", type=int, default=1)
        a = ap.parse_args(argv[1:])
        torch.set_num_threads(a.threads)
        trained_sweep(a.name or f"deep_trained_gpt_{a.recipe}", a.ckpt_dir, a.kinds, a.seeds, recipe=a.recipe,
                      n=a.n, length=a.length, log=log)
        return
    ap = argparse.ArgumentParser(description="Stored empirical-NTK condition numbers of the deep models")
    ap.add_argument("name")
    ap.add_argument("--family", required=True, choices=FAMILIES)
    ap.add_argument("--kinds", nargs="+", default=kinds6)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--settings", required=True, help="model settings as JSON")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--length", type=int, default=None)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--text-probes", action="store_true",
                    help="GPT: probe windows of tiny-shakespeare's validation text")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    sweep(a.name, a.family, a.kinds, a.seeds, json.loads(a.settings), a.n, length=a.length,
          dtype=getattr(torch, a.dtype), log=log, text_probes=a.text_probes)


if __name__ == "__main__":
    _main()
