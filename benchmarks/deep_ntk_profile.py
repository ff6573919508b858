"""Where the time of the structured ViT NTK goes: its matrix products by shape, at their measured rates.

One ``structured_ntk`` call on the ViT of ``deep_ntk_speed.py`` (official layout, GEGLU, 65 tokens,
float64) under ``torch.profiler``, after a warm-up; every ``mm``/``bmm``/``addmm`` is grouped by its
operand shapes and printed with its total time, its flops and its rate, beside the float64 GEMM
rate of 1024 × 1024 products measured in the same process before and after. The products that run
far below that rate are what keeps the path from its flop bound.

    python benchmarks/deep_ntk_profile.py                   # width 1024, n = 64, torch's threads
    python benchmarks/deep_ntk_profile.py --dim 256 --threads 1
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.profiler import ProfilerActivity, profile

from _timing import gemm_rate  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from deep_ntk_speed import settings
from glu_lib import deep
from glu_lib.ntk import structured_ntk


def product_flops(name: str, shapes) -> int | None:
    """Flops of one call of a matrix product from its operand shapes."""
    if name == "aten::mm":
        (M, K), (_, N) = shapes[0], shapes[1]
        return 2 * M * K * N
    if name == "aten::bmm":
        (B, M, K), (_, _, N) = shapes[0], shapes[1]
        return 2 * B * M * K * N
    if name == "aten::addmm":
        (M, K), (_, N) = shapes[1], shapes[2]
        return 2 * M * K * N
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dim", type=int, default=1024)
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--top", type=int, default=12, help="product shapes to list (default 12)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    s = settings(args.dim, 32, "official")
    model = deep.build("vit", "geglu", s, seed=0)
    X = deep.probe_inputs("vit", args.n, s, seed=0)
    structured_ntk(model, X[:2])
    rate = gemm_rate()
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        t = time.perf_counter()
        structured_ntk(model, X)
        wall = time.perf_counter() - t
    rate = max(rate, gemm_rate())
    rows, other, others = [], 0.0, []
    for e in prof.key_averages(group_by_input_shape=True):
        fl = product_flops(e.key, e.input_shapes)
        seconds = e.self_cpu_time_total / 1e6
        if fl is None:
            other += seconds
            others.append((seconds, e.key.removeprefix("aten::"), e.count, e.input_shapes[:2]))
            continue
        rows.append((seconds, e.key.removeprefix("aten::"), e.input_shapes[:3] if e.key != "aten::addmm"
                     else e.input_shapes[1:3], e.count, fl * e.count))
    rows.sort(key=lambda r: -r[0])
    prod_s, prod_f = sum(r[0] for r in rows), sum(r[4] for r in rows)
    print(f"ViT width {args.dim}, n = {args.n}, {torch.get_num_threads()} thread(s), float64: structured_ntk "
          f"{wall:.2f} s (under the profiler); GEMM rate {rate / 1e9:.1f} GFLOP/s (1024², same process)")
    print(f"matrix products: {prod_s:.2f} s for {prod_f / 1e9:.0f} GFLOP ({prod_f / prod_s / 1e9:.1f} GFLOP/s, "
          f"{prod_f / prod_s / rate:.2f} of the GEMM rate); everything else {other:.2f} s")
    print(f"{'time (s)':>9} {'op':6} {'calls':>5} {'GFLOP':>7} {'GFLOP/s':>8} {'of GEMM':>8}  operand shapes")
    for seconds, op, shapes, count, fl in rows[: args.top]:
        print(f"{seconds:9.3f} {op:6} {count:5d} {fl / 1e9:7.1f} {fl / seconds / 1e9:8.1f} "
              f"{fl / seconds / rate:8.2f}  {shapes}")

    others.sort(key=lambda r: -r[0])
    print(f"\nthe other operations, by self time:\n{'time (s)':>9} {'op':14} {'calls':>5}  operand shapes")
    for seconds, op, count, shapes in others[: args.top]:
        print(f"{seconds:9.3f} {op[:14]:14} {count:5d}  {shapes}")


if __name__ == "__main__":
    main()
