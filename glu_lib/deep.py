"""Empirical-NTK condition numbers of the deep models (ViT, MLP-Mixer, GPT) with each FFN kind.

Every model is read through a fixed scalar output, as the NTK of the paper is for scalar outputs:
the single output of the ViT and the Mixer (``num_outputs=1``), and for the GPT the sum of the logits
at the last position (a fixed linear readout of its last hidden state).
"""

from __future__ import annotations

import numpy as np
import torch

from ._checks import positive_int
from .gpt import GPT, GPTConfig
from .mixer import Mixer, MixerConfig
from .ntk import ScalarReadout, empirical_ntk
from .spectra import condition_number  # re-exported: κ of the NTKs below
from .vit import ViT, ViTConfig

__all__ = ["FAMILIES", "build", "probe_inputs", "ntk_condition_numbers", "param_count", "is_ffn_parameter",
           "ntk_kappas", "text_probe_tokens", "sweep", "stored_kappas", "pair_ratios", "plot_kappa_bars"]

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


def ntk_kappas(family: str, kind: str, settings: dict, n: int, seed: int, *, tokens=None, length=None,
               dtype=None) -> dict:
    """κ and extreme eigenvalues of the empirical NTK over all parameters and over the FFN parameters alone.

    One structured pass (:func:`glu_lib.ntk.structured_ntk`) gives both: the FFN-only kernel is the sum of
    the Gram blocks of the FFN parameters. Seed ``seed`` fixes the weights and the probes.
    """
    from .ntk import structured_ntk
    from .spectra import extreme_eigenvalues

    model = build(family, kind, settings, seed=seed)
    X = probe_inputs(family, n, settings, seed=seed, tokens=tokens, length=length)
    info = {"per_parameter": True}
    K = structured_ntk(model, X, dtype=dtype, info=info)
    Kf = sum(v for k, v in info["per_parameter"].items() if is_ffn_parameter(family, k.removeprefix("model.")))
    out = {"params": param_count(model)}
    for tag, A in (("full", K), ("ffn", Kf)):
        lmin, lmax = extreme_eigenvalues(A)
        out[f"kappa_{tag}"], out[f"lmin_{tag}"], out[f"lmax_{tag}"] = lmax / lmin, lmin, lmax
    return out


def text_probe_tokens(settings: dict) -> np.ndarray:
    """Token ids of the validation split (last 10 %) of tiny-shakespeare for the GPT of ``settings``:
    GPT-2's byte pairs for GPT-2's vocabulary (50,257), characters for the character vocabulary."""
    from . import text

    corpus = text.char_corpus(text.read_text())
    vocab = settings.get("vocab_size", corpus.vocab_size)
    if vocab == corpus.vocab_size:
        return corpus.val
    if vocab == 50257:
        raw = text.read_text()
        return text.gpt2_tokens(raw[int(len(raw) * 0.9):])
    raise ValueError(f"no text tokenizer for vocab_size {vocab}: expected {corpus.vocab_size} "
                     "(characters) or 50257 (GPT-2)")


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


def stored_kappas(name: str):
    """A stored sweep as ``(spec, {kind: [entry per seed, seeds in order]})``, or ``None`` when absent."""
    from .results import load_result

    res = load_result(name)
    if res is None:
        return None
    out: dict[str, list] = {}
    for key in sorted(res["data"]["kernels"], key=lambda s: (s.split("/")[0], int(s.split("/")[1]))):
        out.setdefault(key.split("/")[0], []).append(res["data"]["kernels"][key])
    return res["data"]["spec"], out


def pair_ratios(kappas: dict, a: str, b: str, key: str = "kappa_full") -> np.ndarray:
    """Per-seed ratios κ(non-GLU ``a``) / κ(GLU ``b``) over the seeds both kinds have (> 1: GLU lower)."""
    m = min(len(kappas.get(a, [])), len(kappas.get(b, [])))
    if m == 0:
        raise ValueError(f"no seed has both kinds {a!r} and {b!r} (stored kinds: {sorted(kappas)})")
    return np.array([kappas[a][i][key] / kappas[b][i][key] for i in range(m)])


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
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description="Stored empirical-NTK condition numbers of the deep models")
    ap.add_argument("name")
    ap.add_argument("--family", required=True, choices=FAMILIES)
    ap.add_argument("--kinds", nargs="+", default=["relu", "reglu", "gelu", "geglu", "silu", "swiglu"])
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
          dtype=getattr(torch, a.dtype), log=lambda s: print(s, file=sys.stderr, flush=True),
          text_probes=a.text_probes)


if __name__ == "__main__":
    _main()
