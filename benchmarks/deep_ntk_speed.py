"""The structured empirical NTK of a ViT against the blocked Jacobian path and full ``vmap(jacrev)``.

For each width the methods run one after the other, each in its own subprocess (so that each peak
resident memory is its own), on the ViT of the paper's code (``layout="official"``, official init,
depth 4, 4 heads of 64 features, MLP 256, GEGLU, 32×32×3 inputs with patch 4: 65 tokens), n probes,
float64. Printed per width, side by side: times, peak memory (the process's peak RSS, and what the
kernel added to the RSS after the model was built), agreement with the structured kernel, the
speed-up of the structured path over the blocked path, and the structured path's time over its flop
bound: its own flop count (the forward, the input-gradient backward and, per weight, the cheaper of
the token-pair and per-sample-gradient formulas it chooses) at the peak float64 GEMM rate (the best
single 1024² product, measured in the same process just before and after it).

Precision modes of the structured path (methods ``gram32`` and ``float32``): ``structured_ntk`` with
``gram_dtype=torch.float32`` (the layer products in float32, the model's forward and backward in
float64) and with ``dtype=torch.float32`` (everything in float32); the kernel is summed in float64
either way. Their flop bound takes each stage at the GEMM rate of its precision (both rates measured
in their process before and after), and the output gives their speed-up over float64, the relative
change of the kernel and of κ = λmax/λmin.

Method ``kept`` is the float64 structured path inside ``_timing.freed_memory_kept``: glibc keeps
freed memory for reuse during the call, where by default every block above its mmap threshold (the
ViT's 34 MB activations at width 1024) is mapped afresh and faulted in page by page; the output
gives its speed and peak memory against the default. The structured modes are timed as the best of
``--repeats`` calls (default 3; runs before commit 40af84d timed one call), the other methods once.

The blocked path (``generic_ntk``: per-sample Jacobians in blocks of B samples, every pair of blocks)
evaluates ``nb(nb+1)/2`` Jacobian blocks, ``nb = ⌈n/B⌉``. Where that is too long (``--blocked-n``),
it is timed on the first m probes (m rounded down to whole blocks, at least one) with the same block
size and extrapolated to n by that count; the output says so. Agreement is then checked on the
m × m corner.

    python benchmarks/deep_ntk_speed.py --threads 1                    # widths 256, 1024, 2048
    python benchmarks/deep_ntk_speed.py --dims 1024 --methods structured gram32 float32
    python benchmarks/deep_ntk_speed.py --dims 1024 --blocked-n 16     # blocked on 16, extrapolated
    python benchmarks/deep_ntk_speed.py --quick                        # tiny sizes, seconds
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import freed_memory_kept, gemm_rate  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

METHODS = ("structured", "gram32", "float32", "kept", "blocked", "full")
# the structured path's modes: (structured_ntk keyword, its value's name); "kept" is the float64 path
# inside freed_memory_kept
PRECISION = {"structured": None, "gram32": ("gram_dtype", "float32"), "float32": ("dtype", "float32"),
             "kept": None}
GOAL_SPEEDUP, GOAL_BOUND, GOAL_MEMORY_MB = 20.0, 1.5, 2048.0


def kappa_of(K) -> float:
    """λmax / λmin of a symmetric kernel (float64 eigenvalues)."""
    import numpy as np

    w = np.linalg.eigvalsh(np.asarray(K, dtype=np.float64))
    return float(w[-1] / w[0])


def settings(dim: int, image: int, layout: str) -> dict:
    s = dict(image_size=image, patch_size=4, channels=3, dim=dim, depth=4, heads=4, dim_head=64, mlp_dim=256)
    if layout == "official":
        s.update(layout="official", init="official")
    return s


def structured_flops(model, X) -> dict:
    """Flop count of ``structured_ntk`` on ``model`` and the symmetric batch ``X``: the forward and the
    input-gradient backward (2 × 2·n·T·a·b per weight, plus attention's two T×T products each way), and
    per weight the formula the engine chooses: min(2nT·ab + 2n²·ab, 2n²T²(a + b))."""
    import torch
    from torch import nn
    from torch.nn.attention import SDPBackend, sdpa_kernel

    shapes = []

    def hook(mod, inputs, output):
        x = inputs[0]
        if isinstance(mod, nn.Linear):
            shapes.append(("linear", x.shape[0], math.prod(x.shape[1:-1]), mod.out_features, mod.in_features))
        elif isinstance(mod, nn.Conv2d):
            T = output.shape[-1] * output.shape[-2]
            shapes.append(("linear", x.shape[0], T, mod.out_channels, mod.weight[0].numel()))

    def attn_hook(q, k, v, *a, **kw):
        shapes.append(("attention", q.shape[0], q.shape[-2], q.shape[1] if q.ndim == 4 else 1, q.shape[-1]))
        return sdpa(q, k, v, *a, **kw)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    sdpa = torch.nn.functional.scaled_dot_product_attention
    torch.nn.functional.scaled_dot_product_attention = attn_hook
    try:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH):
            model(X)
    finally:
        torch.nn.functional.scaled_dot_product_attention = sdpa
        for h in handles:
            h.remove()
    out = {"forward": 0.0, "backward": 0.0, "grams": 0.0}
    for kind, n, T, a, b in shapes:
        if kind == "attention":  # QKᵀ and AV: 2·2·n·h·T²·d forward, twice that backward
            out["forward"] += 4 * n * a * T * T * b
            out["backward"] += 8 * n * a * T * T * b
            continue
        out["forward"] += 2 * n * T * a * b
        out["backward"] += 2 * n * T * a * b
        out["grams"] += min(2 * n * T * a * b + 2 * n * n * a * b, 2 * n * n * T * T * (a + b))
    out["total"] = out["forward"] + out["backward"] + out["grams"]
    return out


def jacobian_blocks(n: int, B: int) -> int:
    nb = -(-n // B)
    return nb * (nb + 1) // 2


def run_one(method: str, dim: int, n: int, args) -> dict:
    import numpy as np
    import torch

    from glu_lib import deep
    from glu_lib.ntk import flat_jacobian, generic_ntk, structured_ntk

    if args.threads:
        torch.set_num_threads(args.threads)
    s = settings(dim, args.image, args.layout)
    model = deep.build("vit", "geglu", s, seed=0)
    X = deep.probe_inputs("vit", args.n, s, seed=0)
    P = deep.param_count(model)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    B = max(1, int(2**28 // (P * 8)))  # generic_ntk's block of samples (default max_block_bytes)
    if method == "blocked" and n < args.n:  # a subset of whole blocks, so that the count model holds
        n = min(args.n, max(B, n // B * B))
    X = X[:n]
    out = {"params": P, "n": n, "block": B}
    if method in PRECISION:
        out["flops"] = structured_flops(model, X)
        out["gemm_before"] = gemm_rate()
        out["gemm32_before"] = gemm_rate(torch.float32)
        kw = {PRECISION[method][0]: getattr(torch, PRECISION[method][1])} if PRECISION[method] else {}
        structured_ntk(model, X[:2], **kw)  # warm-up (first calls into the thread pools)
    times = []
    for _ in range(args.repeats if method in PRECISION else 1):  # the structured modes: best of repeats
        t = time.perf_counter()
        if method in PRECISION:
            with freed_memory_kept() if method == "kept" else contextlib.nullcontext():
                K = structured_ntk(model, X, **kw)
        elif method == "blocked":
            K = generic_ntk(model, X)
        else:
            params = {k: v.detach() for k, v in model.named_parameters()}
            J = flat_jacobian(model, params, X)[:, 0]
            K = (J @ J.T).numpy()
        times.append(time.perf_counter() - t)
    out["times"], out["seconds"] = times, min(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if method in PRECISION:
        out["gemm_after"] = gemm_rate()
        out["gemm32_after"] = gemm_rate(torch.float32)
    np.save(args.tmp / f"{method}_{dim}.npy", K)
    out.update(peak_mb=peak / 1024, added_mb=(peak - base) / 1024)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[256, 1024, 2048])
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--image", type=int, default=32)
    ap.add_argument("--layout", choices=["official", "prenorm"], default="official")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--full-max-dim", type=int, default=256, help="largest width for the full vmap(jacrev)")
    ap.add_argument("--blocked-n", type=int, nargs="*", default=[],
                    help="probes for the blocked path, one per width (0: all n); extrapolated to n")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--repeats", type=int, default=3, help="timed calls of the structured modes (best kept)")
    ap.add_argument("--json", type=Path, help="also write the measurements to this JSON file")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.dims, args.n, args.image, args.full_max_dim = [64, 128], 8, 16, 128
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), int(args.one[2]), args)))
        return
    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from _timing import write_record

    T = (args.image // 4) ** 2 + 1
    sub = dict(zip(args.dims, args.blocked_n))
    import os

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    load_start = list(os.getloadavg())
    head = (f"ViT ({args.layout} layout, GEGLU, depth 4, heads 4 × 64, MLP 256), n = {args.n}, {T} tokens, "
            f"model in float64, {torch.get_num_threads()} thread(s)")
    print(head)
    record = {"setting": head, "widths": {}}
    goals = []
    with tempfile.TemporaryDirectory() as tmp:
        for dim in args.dims:
            res = {}
            for m in args.methods:
                if m == "full" and dim > args.full_max_dim:
                    continue
                n = sub.get(dim) or args.n if m == "blocked" else args.n
                cmd = [sys.executable, __file__, "--one", m, str(dim), str(n), "--n", str(args.n), "--image",
                       str(args.image), "--threads", str(args.threads or 0), "--repeats", str(args.repeats),
                       "--layout", args.layout, "--tmp", tmp]
                out = subprocess.run(cmd, capture_output=True, text=True)
                if out.returncode:
                    sys.exit(f"{m} at width {dim} failed:\n{out.stderr[-3000:]}")
                res[m] = json.loads(out.stdout.strip().splitlines()[-1])
            if "structured" not in res:
                continue
            K = np.load(Path(tmp) / f"structured_{dim}.npy")
            st = res["structured"]
            kappa = kappa_of(K)
            for m in PRECISION:
                if m not in res:
                    continue
                r = res[m]
                r["gemm_rate"] = rate = max(r["gemm_before"], r["gemm_after"])
                r["gemm32_rate"] = rate32 = max(r["gemm32_before"], r["gemm32_after"])
                f = r["flops"]  # the products of each stage at the GEMM rate of its precision
                model_rate = rate32 if m == "float32" else rate
                gram_rate = rate32 if m in ("gram32", "float32") else rate
                r["bound_seconds"] = (f["forward"] + f["backward"]) / model_rate + f["grams"] / gram_rate
                r["over_bound"] = r["seconds"] / r["bound_seconds"]
            for m, r in res.items():
                Km = np.load(Path(tmp) / f"{m}_{dim}.npy")
                Kr = K[: Km.shape[0], : Km.shape[0]]
                r["rel_diff"] = float(np.abs(Km - Kr).max() / np.abs(Kr).max())
                if m in PRECISION:
                    r["kappa"] = kappa_of(Km)
                    r["kappa_rel_diff"] = abs(r["kappa"] / kappa - 1)
                    extra = (f"  flops {r['flops']['total'] / 1e9:.0f} G at {r['gemm_rate'] / 1e9:.1f} (float64) / "
                             f"{r['gemm32_rate'] / 1e9:.1f} (float32) GFLOP/s: bound {r['bound_seconds']:.2f} s, "
                             f"time/bound {r['over_bound']:.2f}; κ {r['kappa']:.4g}")
                    if m != "structured":  # against the default mode, float64
                        r["speedup_vs_float64"] = st["seconds"] / r["seconds"]
                    if m == "kept":
                        extra += (f"; {r['speedup_vs_float64']:.2f}× faster than the default, "
                                  f"{r['peak_mb'] / st['peak_mb']:.2f}× its peak RSS")
                    elif m != "structured":
                        extra += (f" (rel. diff {r['kappa_rel_diff']:.1e}); "
                                  f"{r['speedup_vs_float64']:.2f}× faster than float64")
                    label = f"{r['seconds']:8.2f} s"
                else:
                    if r["n"] < args.n:  # extrapolate by the number of Jacobian blocks evaluated
                        scale = jacobian_blocks(args.n, r["block"]) / jacobian_blocks(r["n"], r["block"])
                        r["measured_seconds"], r["seconds"] = r["seconds"], r["seconds"] * scale
                        label = f"{r['seconds']:8.1f} s (extrapolated: {r['measured_seconds']:.1f} s on n={r['n']}, ×{scale:.1f})"
                    else:
                        label = f"{r['seconds']:8.2f} s"
                    r["speedup"] = r["seconds"] / st["seconds"]
                    extra = f"  structured {r['speedup']:.1f}× faster"
                print(f"dim {dim:5d} ({r['params'] / 1e6:.2f}M params) {m:10s} {label}  peak RSS "
                      f"{r['peak_mb']:6.0f} MB (+{r['added_mb']:5.0f})  rel. diff {r['rel_diff']:.1e}{extra}")
            record["widths"][dim] = res
            for m in ("gram32", "float32"):
                if m in res:
                    goals.append(f"dim {dim}: {m}: {res[m]['speedup_vs_float64']:.2f}× the float64 speed, time / flop "
                                 f"bound {res[m]['over_bound']:.2f}, κ within {res[m]['kappa_rel_diff']:.1e} of float64")
            goals.append(f"dim {dim}: time / flop bound {st['over_bound']:.2f} (goal ≤ {GOAL_BOUND:.1f}); peak RSS "
                         f"{st['peak_mb']:.0f} MB, added {st['added_mb']:.0f} MB (goal ≤ {GOAL_MEMORY_MB:.0f} MB at 2048)")
            if "blocked" in res:
                goals.append(f"dim {dim}: structured vs blocked {res['blocked']['speedup']:.1f}× "
                             f"(goal ≥ {GOAL_SPEEDUP:.0f}× at 1024)")
    print()
    for line in goals:
        print(line)
    record["goals"] = goals
    record["load_average_start"] = load_start
    if args.json:
        write_record(args.json, record, args.threads)


if __name__ == "__main__":
    main()
