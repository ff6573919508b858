"""Speed of the structured empirical NTK of a two-layer network against other ways, side by side.

What is measured
----------------
For a seeded two-layer net ``glu_lib.models.two_layer(kind, d, width, seed=0)`` in float64 on the
CPU and one fixed set of standard-normal inputs ``X`` (n × d, float64), the wall-clock time of

1. ``structured``: :func:`glu_lib.ntk.two_layer_ntk`, a few matrix products, no Jacobian (for a
   symmetric kernel only strips of rows on and right of the diagonal are multiplied);
2. ``generic``: :func:`glu_lib.ntk.generic_ntk`, chunked ``vmap(jacrev)`` per-sample Jacobians
   (memory bounded by its ``max_block_bytes``, default 256 MiB per Jacobian block);
3. ``loop``: :func:`loop_ntk` below, one ``torch.autograd.grad`` per sample, the way the paper's
   exploratory code computes the NTK (the naive reference).

Part C compares structured with neural-tangents' ``empirical_ntk_fn`` (Novak et al.; JAX, jitted,
float64, ``vmap_axes=0``) at ``--n`` samples, each of its implementations asked for (1: Jacobian
contraction, its default; 2: NTK-vector products; 3: structured derivatives), run in a child
interpreter whose path starts with ``--nt-site``. JAX and neural-tangents are not dependencies of the
book (neural-tangents 0.6.5 needs a JAX of its time, jax 0.4.23, built for NumPy 1.x); put them in a
folder of their own::

    pip download --no-deps neural-tangents==0.6.5 jax==0.4.23 jaxlib==0.4.23 ml_dtypes==0.3.2 \
        numpy==1.26.4 scipy==1.11.4 frozendict opt_einsum -d wheels
    pip install --no-deps --target nt-site wheels/*.whl
    python benchmarks/ntk_speed.py --kinds reglu --parts C --threads 1 --nt-site nt-site

(TensorFlow, which neural-tangents' TensorFlow bridge imports, is not needed: the child stubs that
module out.) The structured path is timed before and again right after the neural-tangents run
(the best of both is used), since the CPU may be shared. With ``--threads 1`` XLA is single-threaded
too.

Part A compares structured and generic at ``--n`` samples (default n=1024, d=100, nominal width
m=4096). Part B compares structured and the loop at the smaller ``--loop-n`` (default 256) on the
first ``--loop-n`` rows of the same inputs. Each kind in ``--kinds`` (default ``relu reglu``) is run;
GLU kinds are parameter-matched (``matched=True``), so ``reglu`` uses
``int(4096·101/201) = 2058`` hidden units and has about as many parameters as ``relu`` at 4096.

Every method is called once as a warm-up (its result is the one checked for accuracy), then timed
``--repeats`` times with ``time.perf_counter`` in this same process; the table shows the best and
the median time, the ratio ``time(method) / time(structured)`` (on the best times), and the largest
relative disagreement with the structured kernel, ``max|K − K_structured| / max|K_structured|``.
The torch thread count is torch's default unless ``--threads`` is given, and is printed (XLA keeps
its own default then: both libraries at their defaults). Peak resident memory
(``resource.getrusage``) is printed at the end.

How to run
----------
::

    python benchmarks/ntk_speed.py            # default sizes; several minutes on 2 cores
    python benchmarks/ntk_speed.py --quick    # tiny sizes, a smoke test of a few seconds
    python benchmarks/ntk_speed.py --n 512 --width 2048 --kinds relu --repeats 5
    python benchmarks/ntk_speed.py --kinds reglu --parts AC --threads 1 --nt-site DIR --json out.json

``--json`` also writes the measurements with their provenance (commit, CPU, threads, load). The exit
code is 0 unless some method disagrees with the structured path by more than 1e-10
(relative, as above), in which case it is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from _timing import bench, gemm_rate, rel_err, write_record  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from glu_lib.models import two_layer
from glu_lib.ntk import generic_ntk, two_layer_ntk

TOLERANCE = 1e-10
GOAL_GENERIC = 20.0
GOAL_LOOP = 200.0
GOAL_NT = 100.0
NT_IMPLS = {1: "NT jacobian contraction (default)", 2: "NT ntk-vector products", 3: "NT structured derivatives"}


def neural_tangents(model, X: torch.Tensor, site: str, impls, repeats: int):
    """Time neural-tangents' ``empirical_ntk_fn`` on ``model``, each implementation in its own child
    interpreter whose path starts with ``site`` (JAX + neural-tangents). Returns
    ({impl: (times, kernel) or the error's last line}, versions)."""
    res, versions = {}, "?"
    with tempfile.TemporaryDirectory() as tmp:
        arrays = {"W": model.W.weight, "V": model.V.weight, "X": X}
        if model.gated:
            arrays["P"] = model.P.weight
        np.savez(Path(tmp) / "weights.npz", activation=model.activation,
                 **{k: v.detach().numpy() for k, v in arrays.items()})
        env = dict(os.environ, PYTHONPATH=site)
        script = Path(__file__).with_name("_nt_two_layer.py")
        for impl in impls:
            out = subprocess.run([sys.executable, str(script), tmp, str(impl), str(repeats)],
                                 capture_output=True, text=True, env=env)
            if out.returncode:
                lines = [ln for ln in out.stderr.splitlines() if "Error" in ln] or out.stderr.splitlines()[-1:]
                res[impl] = lines[-1].strip()[:200]
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            versions = f"jax {r['jax']}, neural-tangents {r['neural_tangents']}"
            res[impl] = (r["times"][str(impl)], np.load(Path(tmp) / f"nt_{impl}.npy"), r.get("peak_rss_mib", float("nan")))
    return res, versions


def structured_flops(model, n: int) -> float:
    """Flops of ``two_layer_ntk`` for a symmetric scalar kernel: the pre-activations (2·n·d·m per
    first-layer matrix), XXᵀ (2·n²·d) and the symmetric products (n²·k for an n × k factor: the
    first-layer factors side by side, k = m or 2m, and the hidden features, k = m)."""
    m, d = model.width, model.d_in
    layers = 2 if model.gated else 1
    return 2 * n * d * m * layers + 2 * n * n * d + n * n * (layers * m + m)


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
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1024, help="samples for parts A and C (default 1024)")
    ap.add_argument("--d", type=int, default=100, help="input dimension (default 100)")
    ap.add_argument("--width", type=int, default=4096,
                    help="nominal hidden width; GLU kinds are parameter-matched (default 4096)")
    ap.add_argument("--loop-n", type=int, default=256,
                    help="samples for structured vs the per-sample loop (default 256)")
    ap.add_argument("--kinds", nargs="+", default=["relu", "reglu"], help="model kinds (default: relu reglu)")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls per method after one warm-up (default 3)")
    ap.add_argument("--parts", default="ABC", help="which parts to run, e.g. AC (default ABC)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch threads (default: torch's); 1 also makes XLA single-threaded")
    ap.add_argument("--nt-site", default=os.environ.get("NT_SITE"),
                    help="folder holding jax + neural-tangents for part C (default $NT_SITE); see below")
    ap.add_argument("--nt-impls", type=int, nargs="+", default=[1, 2, 3], choices=[1, 2, 3],
                    help="neural-tangents implementations for part C (default 1 2 3)")
    ap.add_argument("--nt-repeats", type=int, default=1, help="timed calls per NT implementation (default 1)")
    ap.add_argument("--json", type=Path, help="also write the measurements to this JSON file")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (n=64, d=8, width=64, loop-n=32) for a smoke test")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.d, args.width, args.loop_n = 64, 8, 64, 32
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    args.loop_n = min(args.loop_n, args.n)
    if args.threads is not None:  # the BLAS of the symmetric products follows torch's thread count
        torch.set_num_threads(args.threads)
        if args.threads == 1:
            os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

    t_start = time.perf_counter()
    load_start = list(os.getloadavg())
    header = (f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
              f"{platform.processor() or platform.machine()}, float64, CPU; "
              f"n={args.n}, d={args.d}, nominal width={args.width}, loop-n={args.loop_n}, "
              f"repeats={args.repeats} (+1 warm-up), kinds={' '.join(args.kinds)}")
    print(header)
    gen = torch.Generator().manual_seed(1234)
    X = torch.randn(args.n, args.d, generator=gen, dtype=torch.float64)
    X_loop = X[: args.loop_n].clone()

    failures, goals, record = [], [], {"setting": header, "kinds": {}}
    for kind in args.kinds:
        model = two_layer(kind, args.d, args.width, seed=0)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"\n== {kind}: {model.width} hidden units, {n_params} parameters ==")
        rec = record["kinds"][kind] = {"hidden": model.width, "params": n_params}
        rate = gemm_rate()
        K_s, t_s = bench(lambda: two_layer_ntk(model, X), args.repeats)
        rate = max(rate, gemm_rate())
        rss_s = peak_rss_mib()
        rec["structured_s"], rec["structured_peak_rss_mib"] = t_s, rss_s
        rows = [("structured", t_s, 0.0, rss_s)]
        checks = []

        if "A" in args.parts:  # structured vs generic at n
            K_g, t_g = bench(lambda: generic_ntk(model, X), args.repeats)
            err_g = rel_err(K_g, K_s)
            del K_g
            rows.append(("generic", t_g, err_g, peak_rss_mib()))
            checks.append(("generic", err_g, args.n))
            rec["generic_s"], rec["generic_err"], rec["generic_peak_rss_mib"] = t_g, err_g, peak_rss_mib()

        if "C" in args.parts:  # structured vs neural-tangents at n, side by side
            if not args.nt_site:
                goals.append(f"{kind}: neural-tangents not measured (no --nt-site / $NT_SITE)")
            else:
                res, versions = neural_tangents(model, X, args.nt_site, args.nt_impls, args.nt_repeats)
                # the CPU is shared: time the structured path again right after, keep the best of both
                _, t_after = bench(lambda: two_layer_ntk(model, X), args.repeats)
                t_s = t_s + t_after
                rows[0] = ("structured", t_s, 0.0, rss_s)
                rec["structured_s"] = t_s
                rec["nt_versions"] = versions
                for impl, got in res.items():
                    if isinstance(got, str):
                        print(f"  NT impl {impl} ({NT_IMPLS[impl]}) failed: {got}")
                        rec[f"nt{impl}_failed"] = got
                        goals.append(f"{kind}: {NT_IMPLS[impl]}: failed ({got})")
                        continue
                    t_nt, K_nt, rss_nt = got
                    err = rel_err(K_nt, K_s)
                    rows.append((f"NT impl {impl}", t_nt, err, rss_nt))
                    checks.append((f"NT impl {impl}", err, args.n))
                    rec[f"nt{impl}_s"], rec[f"nt{impl}_err"], rec[f"nt{impl}_peak_rss_mib"] = t_nt, err, rss_nt
        print_table(f"[A/C] n={args.n} (NT rows: the peak RSS of their own interpreter)", rows)
        flops = structured_flops(model, args.n)
        rec.update(structured_flops=flops, gemm_rate=rate, over_bound=min(t_s) / (flops / rate))
        print(f"  structured: {flops / 1e9:.1f} GFLOP at {rate / 1e9:.1f} GFLOP/s (GEMM, measured around it): "
              f"bound {flops / rate:.3f} s, best time / bound {rec['over_bound']:.2f}")
        jj = 2 * args.n * args.n * n_params  # the product J·Jᵀ alone of a Jacobian-contraction method
        rec["jacobian_product_flops"] = jj
        print(f"  J·Jᵀ alone (2·n²·P, what Jacobian contraction multiplies): {jj / 1e9:.0f} GFLOP, "
              f"{jj / flops:.0f}× the structured flops")
        for name, t, _, _ in rows[1:]:  # ratios on the final best structured time
            goal = GOAL_GENERIC if name == "generic" else GOAL_NT
            label = name if name == "generic" else f"{NT_IMPLS[int(name[-1])]} [{rec['nt_versions']}]"
            goals.append(f"{kind}: structured vs {label}: {min(t) / min(t_s):.0f}× (goal ≥ {goal:.0f}×"
                         f"{'' if name == 'generic' else ' for the default'})")

        if "B" in args.parts:  # structured vs the per-sample autograd loop at loop-n
            K_s2, t_s2 = bench(lambda: two_layer_ntk(model, X_loop), args.repeats)
            rss_s2 = peak_rss_mib()
            K_l, t_l = bench(lambda: loop_ntk(model, X_loop), args.repeats)
            err_l = rel_err(K_l, K_s2)
            del K_l
            print_table(f"[B] n={args.loop_n}", [("structured", t_s2, 0.0, rss_s2), ("loop", t_l, err_l, peak_rss_mib())])
            checks.append(("loop", err_l, args.loop_n))
            rec["structured_loop_n_s"], rec["loop_s"], rec["loop_err"] = t_s2, t_l, err_l
            goals.append(f"{kind}: structured vs loop: {min(t_l) / min(t_s2):.0f}× (goal ≥ {GOAL_LOOP:.0f}×)")
        for name, err, nn in checks:
            if not err <= TOLERANCE:
                failures.append(f"{kind}: {name} disagrees with structured at n={nn}: {err:.3e} > {TOLERANCE:.0e}")

    print()
    for line in goals:
        print(line)
    record["goals"] = goals
    record["peak_rss_mib"] = peak_rss_mib()
    record["load_average_start"] = load_start
    print(f"\npeak RSS: {peak_rss_mib():.0f} MiB; wall time: {time.perf_counter() - t_start:.1f} s")
    if args.json:
        write_record(args.json, record, args.threads)
    if failures:
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
