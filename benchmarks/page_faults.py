"""How much of the two-layer NTK's time is the first touch of freshly mapped memory.

glibc hands blocks above its mmap threshold (at most 32 MiB) back to the system when they are
freed, so every call of ``two_layer_ntk`` at n = 1024 mapped its [Wx | Px] block (34 MB) afresh
and paid a page fault per 4 KiB page on first touch. This script times the same kernel in one
process first with glibc's defaults, then inside ``_timing.freed_memory_kept``, where glibc keeps
freed memory (mmap threshold 1 GiB, trim threshold 128 MiB; 2 GiB in the runs before commit
40af84d): the difference is what the page faults cost. Since commit 40af84d ``two_layer_ntk``
keeps that block between calls (``glu_lib.ntk.release_workspace`` frees it), so the two should
agree. Linux with glibc only.

    python benchmarks/page_faults.py            # ReGLU, n = 1024, d = 100, nominal width 4096
"""

from __future__ import annotations

import argparse
import sys
import time

import torch
from _timing import freed_memory_kept  # benchmarks/ is on sys.path when run as a script

from glu_lib.models import two_layer
from glu_lib.ntk import two_layer_ntk


def best_and_median(fn, repeats: int) -> tuple[float, float]:
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[0], ts[len(ts) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=12)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    X = torch.randn(1024, 100, generator=torch.Generator().manual_seed(1234), dtype=torch.float64)
    model = two_layer("reglu", 100, 4096, seed=0)
    run = lambda: two_layer_ntk(model, X)  # noqa: E731
    run()
    default = best_and_median(run, args.repeats)
    with freed_memory_kept() as changed:
        if not changed:
            sys.exit("glibc's malloc settings cannot be changed here (not glibc, or MALLOC_*_ set)")
        run()
        kept = best_and_median(run, args.repeats)
    print(f"two_layer_ntk, reglu, n = 1024, {torch.get_num_threads()} thread(s), best (median) of "
          f"{args.repeats}: glibc defaults {default[0] * 1e3:.1f} ms ({default[1] * 1e3:.1f}), "
          f"freed memory kept {kept[0] * 1e3:.1f} ms ({kept[1] * 1e3:.1f}): "
          f"{default[0] / kept[0]:.2f}x")


if __name__ == "__main__":
    main()
