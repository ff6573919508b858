"""Speed of three ways to compute the empirical NTK of a two-layer network, side by side.

What is measured
----------------
For a seeded two-layer net ``glu_lib.models.two_layer(kind, d, width, seed=0)`` in float64 on the
CPU and one fixed set of standard-normal inputs ``X`` (n × d, float64), the wall-clock time of

1. ``structured``: :func:`glu_lib.ntk.two_layer_ntk`, a few matrix products, no Jacobian;
2. ``generic``: :func:`glu_lib.ntk.generic_ntk`, chunked ``vmap(jacrev)`` per-sample Jacobians
   (memory bounded by its ``max_block_bytes``, default 256 MiB per Jacobian block);
3. ``loop``: :func:`loop_ntk` below, one ``torch.autograd.grad`` per sample, the way the paper's
   exploratory code computes the NTK (the naive reference).

Part A compares structured and generic at ``--n`` samples (default n=1024, d=100, nominal width
m=4096). Part B compares structured and the loop at the smaller ``--loop-n`` (default 256) on the
first ``--loop-n`` rows of the same inputs. Each kind in ``--kinds`` (default ``relu reglu``) is run;
GLU kinds are parameter-matched (``matched=True``), so ``reglu`` uses
``int(4096·101/201) = 2058`` hidden units and has about as many parameters as ``relu`` at 4096.

Every method is called once as a warm-up (its result is the one checked for accuracy), then timed
``--repeats`` times with ``time.perf_counter`` in this same process; the table shows the best and
the median time, the ratio ``time(method) / time(structured)`` (on the best times), and the largest
relative disagreement with the structured kernel, ``max|K − K_structured| / max|K_structured|``.
The torch thread count is left at torch's default and printed. Peak resident memory
(``resource.getrusage``) is printed at the end.

How to run
----------
::

    python benchmarks/ntk_speed.py            # default sizes; several minutes on 2 cores
    python benchmarks/ntk_speed.py --quick    # tiny sizes, a smoke test of a few seconds
    python benchmarks/ntk_speed.py --n 512 --width 2048 --kinds relu --repeats 5

The exit code is 0 unless some method disagrees with the structured path by more than 1e-10
(relative, as above), in which case it is 1.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch

from _timing import bench, rel_err  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from glu_lib.models import two_layer
from glu_lib.ntk import generic_ntk, two_layer_ntk

TOLERANCE = 1e-10
GOAL_GENERIC = 20.0
GOAL_LOOP = 200.0


def loop_ntk(model: torch.nn.Module, X: torch.Tensor) -> np.ndarray:
    """Naive reference NTK: one autograd call per sample, as in the paper's exploratory code.

    For each row ``x`` of ``X``, ``torch.autograd.grad(model(x[None]).sum(), params)`` gives the
    gradient of the (scalar) output w.r.t. every parameter; flattened and concatenated it is one row
    of the Jacobian ``J`` (n × P), and ``K = J Jᵀ``. Returns a float64 NumPy array (n, n).
    """
    params = [p for p in model.parameters() if p.requires_grad]
    n_params = sum(p.numel() for p in params)
    J = torch.empty(X.shape[0], n_params, dtype=X.dtype, device=X.device)
    for i in range(X.shape[0]):
        grads = torch.autograd.grad(model(X[i][None]).sum(), params)
        J[i] = torch.cat([g.reshape(-1) for g in grads])
    return (J @ J.T).detach().cpu().numpy()


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 2**10


def print_table(title: str, rows: list[tuple[str, list[float], float]]) -> None:
    """rows: (method, times, rel. disagreement vs structured, peak RSS so far); the first row is structured."""
    base = min(rows[0][1])
    print(title)
    print(f"  {'method':<11}{'best (s)':>11}{'median (s)':>12}{'× structured':>14}{'max rel diff':>14}{'peak RSS (MiB)':>16}")
    for name, times, err, rss in rows:
        print(f"  {name:<11}{min(times):>11.4f}{statistics.median(times):>12.4f}{min(times) / base:>13.1f}×{err:>14.2e}{rss:>16.0f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1024, help="samples for structured vs generic (default 1024)")
    ap.add_argument("--d", type=int, default=100, help="input dimension (default 100)")
    ap.add_argument("--width", type=int, default=4096, help="nominal hidden width; GLU kinds are parameter-matched (default 4096)")
    ap.add_argument("--loop-n", type=int, default=256, help="samples for structured vs the per-sample loop (default 256)")
    ap.add_argument("--kinds", nargs="+", default=["relu", "reglu"], help="model kinds (default: relu reglu)")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls per method after one warm-up (default 3)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (n=64, d=8, width=64, loop-n=32) for a smoke test")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.d, args.width, args.loop_n = 64, 8, 64, 32
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    args.loop_n = min(args.loop_n, args.n)

    t_start = time.perf_counter()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads (torch default), "
          f"{platform.processor() or platform.machine()}, float64, CPU")
    print(f"n={args.n}, d={args.d}, nominal width={args.width}, loop-n={args.loop_n}, "
          f"repeats={args.repeats} (+1 warm-up), kinds={' '.join(args.kinds)}")
    gen = torch.Generator().manual_seed(1234)
    X = torch.randn(args.n, args.d, generator=gen, dtype=torch.float64)
    X_loop = X[: args.loop_n].clone()

    failures, goals = [], []
    for kind in args.kinds:
        model = two_layer(kind, args.d, args.width, seed=0)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"\n== {kind}: {model.width} hidden units, {n_params} parameters ==")

        # Part A: structured vs generic at n.
        K_s, t_s = bench(lambda: two_layer_ntk(model, X), args.repeats)
        rss_s = peak_rss_mib()
        K_g, t_g = bench(lambda: generic_ntk(model, X), args.repeats)
        rss_g = peak_rss_mib()
        err_g = rel_err(K_g, K_s)
        del K_g
        print_table(f"[A] n={args.n}", [("structured", t_s, 0.0, rss_s), ("generic", t_g, err_g, rss_g)])

        # Part B: structured vs the per-sample autograd loop at loop-n.
        K_s2, t_s2 = bench(lambda: two_layer_ntk(model, X_loop), args.repeats)
        rss_s2 = peak_rss_mib()
        K_l, t_l = bench(lambda: loop_ntk(model, X_loop), args.repeats)
        rss_l = peak_rss_mib()
        err_l = rel_err(K_l, K_s2)
        del K_l
        print_table(f"[B] n={args.loop_n}", [("structured", t_s2, 0.0, rss_s2), ("loop", t_l, err_l, rss_l)])

        goals.append(f"{kind}: structured vs generic: {min(t_g) / min(t_s):.0f}× (goal ≥ {GOAL_GENERIC:.0f}×)")
        goals.append(f"{kind}: structured vs loop: {min(t_l) / min(t_s2):.0f}× (goal ≥ {GOAL_LOOP:.0f}×)")
        for name, err, nn in (("generic", err_g, args.n), ("loop", err_l, args.loop_n)):
            if not err <= TOLERANCE:
                failures.append(f"{kind}: {name} disagrees with structured at n={nn}: {err:.3e} > {TOLERANCE:.0e}")

    print()
    for line in goals:
        print(line)
    print(f"\npeak RSS: {peak_rss_mib():.0f} MiB; wall time: {time.perf_counter() - t_start:.1f} s")
    if failures:
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
