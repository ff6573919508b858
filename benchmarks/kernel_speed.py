"""Speed of the expected ReLU and ReGLU NTKs (Eq. 3/4) against plain float64 matrix products.

What is measured
----------------
For one fixed set of standard-normal inputs ``X`` (n × d, float64; default n=10,000, d=100) the
wall-clock time of

1. ``X @ X.T``: the Gram matrix, one BLAS call (n × d times d × n), the baseline;
2. ``A @ X``: an n × n matrix times X (n × n times n × d), the same number of flops as 1 done as a
   general product (A is a fixed standard-normal n × n matrix);
3. ``expected_ntk(X, "relu", m)`` and ``expected_ntk(X, "reglu", matched_width(m, d))`` of
   :mod:`glu_lib.kernels` (nominal width m = 4096): one Gram matrix and a few elementwise passes
   (``arccos``, ``√(1 − ρ²)``), in blocks of rows and threads;
4. ``eigvalsh`` of the ReLU kernel (float64), only with ``--eig`` (minutes at n = 10,000 on 2 cores).

Each operation is run once as a warm-up, then timed ``--repeats`` times with ``time.perf_counter`` in
this process; the table shows the best and median times and the ratios of the best times to the two
matmuls. Goal: each kernel within 3× of ``X @ X.T``. Threads are left at the libraries' defaults.
On a machine shared with other work, BLAS threads can wait on each other; the ratios are then noisy.

How to run
----------
::

    python benchmarks/kernel_speed.py            # n=10,000, d=100; about a minute on 2 cores
    python benchmarks/kernel_speed.py --quick    # n=1,000, d=20: a smoke test of a second
    python benchmarks/kernel_speed.py --n 5000 --d 200 --repeats 5 --eig

The exit code is 0 unless a kernel is not symmetric and finite, in which case it is 1.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys

import numpy as np

from _timing import bench  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from glu_lib.kernels import expected_ntk
from glu_lib.models import matched_width

GOAL = 3.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="samples (default 10000)")
    ap.add_argument("--d", type=int, default=100, help="input dimension (default 100)")
    ap.add_argument("--width", type=int, default=4096, help="nominal width; ReGLU is parameter-matched (default 4096)")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls after one warm-up (default 3)")
    ap.add_argument("--eig", action="store_true", help="also time eigvalsh of the ReLU kernel")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (n=1000, d=20) for a smoke test")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.d = 1000, 20
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")

    rng = np.random.default_rng(1234)
    X = rng.standard_normal((args.n, args.d))
    A = rng.standard_normal((args.n, args.n))
    m_glu = matched_width(args.width, args.d)
    print(f"numpy {np.__version__}, {platform.processor() or platform.machine()}, float64, CPU")
    print(f"n={args.n}, d={args.d}, width={args.width} (ReGLU: {m_glu} units), repeats={args.repeats} (+1 warm-up)")

    rows = []
    _, t = bench(lambda: X @ X.T, args.repeats)
    rows.append(("X @ X.T", t))
    _, t = bench(lambda: A @ X, args.repeats)
    rows.append(("A @ X (n×n · n×d)", t))
    del A
    failures = []
    for kind, m in (("relu", args.width), ("reglu", m_glu)):
        K, t = bench(lambda: expected_ntk(X, kind, m), args.repeats)
        rows.append((f"expected_ntk {kind}", t))
        if not (np.all(np.isfinite(K)) and np.array_equal(K, K.T)):
            failures.append(f"{kind}: the kernel is not finite and exactly symmetric")
        if args.eig and kind == "relu":
            _, t = bench(lambda: np.linalg.eigvalsh(K), 1)
            rows.append(("eigvalsh relu", t))
        del K

    base, base2 = min(rows[0][1]), min(rows[1][1])
    print(f"\n  {'operation':<22}{'best (s)':>10}{'median (s)':>12}{'× X@X.T':>10}{'× A@X':>9}")
    for name, t in rows:
        print(f"  {name:<22}{min(t):>10.3f}{statistics.median(t):>12.3f}{min(t) / base:>9.2f}×{min(t) / base2:>8.2f}×")
    print()
    for name, t in rows[2:4]:
        r = min(t) / base
        print(f"{name}: {r:.2f}× X@X.T, {min(t) / base2:.2f}× A@X (goal ≤ {GOAL:.0f}× X@X.T: {'met' if r <= GOAL else 'missed'})")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
