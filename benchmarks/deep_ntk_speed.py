"""The structured empirical NTK of a ViT against the blocked Jacobian path and full ``vmap(jacrev)``.

For each width the three methods run one after the other in their own subprocess (so that each peak
resident memory is its own), on the book's pre-LN ViT (depth 4, heads of 64 features, MLP 256,
32×32×3 inputs with patch 4: 65 tokens), n probes, float64. Printed per width: times, peak memory,
agreement with the structured kernel, the speed-up over the blocked path, and the structured path's
time over its own flop count at the GEMM rate measured on this machine.

    python benchmarks/deep_ntk_speed.py                  # widths 256, 1024, 2048; n = 64
    python benchmarks/deep_ntk_speed.py --quick          # tiny sizes, seconds
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

METHODS = ("structured", "blocked", "full")


def settings(dim: int, image: int) -> dict:
    return dict(image_size=image, patch_size=4, channels=3, dim=dim, depth=4, heads=4, dim_head=64, mlp_dim=256)


def flops(dim: int, n: int, T: int) -> float:
    """Multiply-adds ×2 of the structured path: forward and backward (≈ 3 passes of 2·n·T·P) plus, per
    weight matrix, per-sample gradients (2·n·T·a·b) and their Gram (2·n²·a·b)."""
    inner, mlp, depth = 256, 256, 4
    mats = [(3 * inner, dim), (dim, inner), (mlp, dim), (dim, mlp)] * depth
    P = sum(a * b for a, b in mats)
    return 3 * 2 * n * T * P + sum(min(2 * n * T * a * b + 2 * n * n * a * b, 2 * n * n * T * T * (a + b))
                                   for a, b in mats)


def gemm_rate(threads: int) -> float:
    import torch

    torch.set_num_threads(threads)
    A = torch.randn(2048, 2048, dtype=torch.float64)
    A @ A
    t = time.perf_counter()
    for _ in range(3):
        A @ A
    return 3 * 2 * 2048**3 / (time.perf_counter() - t)


def run_one(method: str, dim: int, args) -> dict:
    import numpy as np
    import torch

    from glu_lib import deep
    from glu_lib.ntk import flat_jacobian, generic_ntk, structured_ntk

    torch.set_num_threads(args.threads)
    s = settings(dim, args.image)
    model = deep.build("vit", "geglu", s, seed=0)
    X = deep.probe_inputs("vit", args.n, s, seed=0)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if method == "structured":
        K = structured_ntk(model, X)
    elif method == "blocked":
        K = generic_ntk(model, X)
    else:
        params = {k: v.detach() for k, v in model.named_parameters()}
        J = flat_jacobian(model, params, X)[:, 0]
        K = (J @ J.T).numpy()
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(args.tmp / f"{method}_{dim}.npy", K)
    return {"seconds": seconds, "peak_mb": peak / 1024, "delta_mb": (peak - base) / 1024,
            "params": deep.param_count(model)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[256, 1024, 2048])
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--image", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--full-max-dim", type=int, default=256, help="largest width for the full vmap(jacrev)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.dims, args.n, args.image, args.full_max_dim = [64, 128], 8, 16, 128
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), args)))
        return
    import numpy as np

    rate = gemm_rate(args.threads)
    T = (args.image // 4) ** 2 + 1
    print(f"float64 GEMM rate {rate / 1e9:.1f} GFLOP/s on {args.threads} threads; n = {args.n}, {T} tokens")
    with tempfile.TemporaryDirectory() as tmp:
        for dim in args.dims:
            res = {}
            for m in METHODS:
                if m == "full" and dim > args.full_max_dim:
                    continue
                cmd = [sys.executable, __file__, "--one", m, str(dim), "--n", str(args.n), "--image",
                       str(args.image), "--threads", str(args.threads), "--tmp", tmp]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True)
                res[m] = json.loads(out.stdout.strip().splitlines()[-1])
            K = np.load(Path(tmp) / f"structured_{dim}.npy")
            f = flops(dim, args.n, T)
            for m, r in res.items():
                err = np.abs(np.load(Path(tmp) / f"{m}_{dim}.npy") - K).max() / np.abs(K).max()
                extra = ""
                if m == "structured":
                    extra = f"  time / flop bound {r['seconds'] / (f / rate):.2f}"
                else:
                    extra = f"  structured is {r['seconds'] / res['structured']['seconds']:.1f}x faster"
                print(f"dim {dim:5d} ({r['params'] / 1e6:.2f}M params) {m:10s} {r['seconds']:8.2f} s  "
                      f"peak {r['peak_mb']:7.0f} MB  rel. diff {err:.1e}{extra}")


if __name__ == "__main__":
    main()
