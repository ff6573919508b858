"""Time and peak memory of the empirical NTK of a ViT: blocked Jacobians and the implicit (vjp + jvp) path
against the straightforward full ``vmap(jacrev)`` Jacobian.

Each method runs in its own subprocess, so that its peak resident memory (``ru_maxrss``) is its own; the
methods run one after the other in one invocation and the ratios are taken side by side. All kernels are
compared with the straightforward one (max relative difference).

    python benchmarks/deep_ntk_memory.py            # ViT, 64 probe images (float64, CPU)
    python benchmarks/deep_ntk_memory.py --quick    # tiny sizes, seconds
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

METHODS = ("straightforward", "blocked", "implicit")


def run_one(method: str, args) -> dict:
    import numpy as np
    import torch
    from torch.func import functional_call, jacrev, vmap
    from torch.nn.attention import SDPBackend, sdpa_kernel

    from glu_lib import deep
    from glu_lib.ntk import generic_ntk, implicit_ntk

    torch.set_num_threads(args.threads)
    settings = dict(image_size=args.image, patch_size=4, channels=3, dim=args.dim, depth=args.depth, heads=4,
                    mlp_dim=args.mlp)
    model = deep.build("vit", "geglu", settings, seed=0)
    X = deep.probe_inputs("vit", args.n, settings, seed=0)
    n_params = deep.param_count(model)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if method == "straightforward":
        params = {k: v.detach() for k, v in model.named_parameters()}

        def f(p, x):
            return functional_call(model, p, (x[None],)).reshape(())

        with sdpa_kernel(SDPBackend.MATH):
            J = vmap(jacrev(f), in_dims=(None, 0))(params, X)
        J = torch.cat([j.reshape(args.n, -1) for j in J.values()], dim=1)
        K = (J @ J.T).numpy()
    elif method == "blocked":
        K = generic_ntk(model, X, max_block_bytes=args.block_mib * 2**20)
    else:
        K = implicit_ntk(model, X)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(args.out_prefix + method + ".npy", K)
    return {"method": method, "seconds": seconds, "peak_mib": peak / 1024, "extra_mib": (peak - base) / 1024,
            "params": n_params}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--mlp", type=int, default=256)
    ap.add_argument("--image", type=int, default=16)
    ap.add_argument("--block-mib", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    ap.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)
    ap.add_argument("--out-prefix", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.n, args.dim, args.depth, args.mlp, args.image, args.block_mib = 8, 16, 1, 32, 8, 1
    if args.one:
        if args.out_prefix is None:
            ap.error("--one needs --out-prefix (a private folder made by the parent run)")
        print(json.dumps(run_one(args.one, args)))
        return
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="deep_ntk_memory_") as private:  # mode 0700, a fresh name per run
        _compare(args, str(Path(private) / "kernel_"), np)


def _compare(args, prefix: str, np) -> None:
    rows = []
    for method in METHODS:
        cmd = [sys.executable, __file__, "--one", method, "--out-prefix", prefix] + [
            a for a in sys.argv[1:] if a != "--quick"]
        if args.quick:
            cmd += ["--quick"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    args.out_prefix = prefix
    ref = np.load(args.out_prefix + "straightforward.npy")
    print(f"ViT (GEGLU): n={args.n} probe images {args.image}x{args.image}, dim {args.dim}, depth {args.depth}, "
          f"mlp {args.mlp}, {rows[0]['params']} parameters, float64, {args.threads} threads")
    print(f"full Jacobian: {args.n * rows[0]['params'] * 8 / 2**20:.0f} MiB; block budget {args.block_mib} MiB")
    print(f"{'method':16s} {'time (s)':>9s} {'× straightforward':>18s} {'peak RSS (MiB)':>15s} {'added (MiB)':>12s} {'max rel diff':>13s}")
    for r in rows:
        K = np.load(args.out_prefix + r["method"] + ".npy")
        diff = np.abs(K - ref).max() / np.abs(ref).max()
        print(f"{r['method']:16s} {r['seconds']:9.2f} {r['seconds'] / rows[0]['seconds']:17.2f}× "
              f"{r['peak_mib']:15.0f} {r['extra_mib']:12.0f} {diff:13.1e}")
        if diff > 1e-10:
            sys.exit(f"FAIL: {r['method']} disagrees with the straightforward kernel ({diff:.1e})")


if __name__ == "__main__":
    main()
