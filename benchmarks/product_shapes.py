"""The rates of the ViT kernel's two largest matrix products, alone, against the square GEMM rate.

The structured NTK of the paper's ViT (width 1024, n = 64, 65 tokens) spends most of its product
time in two shapes (``deep_ntk_profile.py``): the per-sample gradients of a slab of 64 weight rows
(a batch of 64 products with an inner dimension of 65 tokens) and the Gram of such a slab (64 ×
65,536 times its transpose). This script times each alone, in float64 on torch's threads and on
one, best of 15, with the alternatives tried for the Gram (its inner dimension split into a
batched product; the operand stored transposed), each as a fraction of the best 1024² product.

    python benchmarks/product_shapes.py
"""

from __future__ import annotations

import time

import torch


def best(fn, repeats: int = 15) -> float:
    fn()
    out = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def main() -> None:
    g = torch.Generator().manual_seed(0)
    A = torch.randn(1024, 1024, dtype=torch.float64, generator=g)
    J = torch.randn(64, 65536, dtype=torch.float64, generator=g)
    halves = J.view(64, 2, 32768).permute(1, 0, 2).contiguous()
    Jt = J.T.contiguous()
    L = torch.randn(64, 65, 64, dtype=torch.float64, generator=g).transpose(1, 2)  # as the kernel slices it
    R = torch.randn(64, 65, 1024, dtype=torch.float64, generator=g)
    buf = torch.empty(64, 64, 1024, dtype=torch.float64)
    gram, slab = 2 * 64 * 64 * 65536, 2 * 64 * 64 * 65 * 1024
    cases = [("Gram J·Jᵀ, J 64 × 65,536", gram, lambda: J @ J.T),
             ("  the same, inner dimension in 2 batches", gram,
              lambda: torch.bmm(halves, halves.transpose(1, 2)).sum(0)),
             ("  the same, J stored transposed", gram, lambda: Jt.T @ Jt),
             ("slab of per-sample gradients (64 × [64 × 65]·[65 × 1024])", slab,
              lambda: torch.bmm(L, R, out=buf))]
    default = torch.get_num_threads()
    for threads in sorted({default, 1}, reverse=True):
        torch.set_num_threads(threads)
        rate = 2 * 1024**3 / best(lambda: A @ A)
        print(f"{threads} thread(s): 1024² GEMM {rate / 1e9:.1f} GFLOP/s")
        for name, flops, fn in cases:
            print(f"  {name:58s} {flops / best(fn) / rate:.2f} of it")
    torch.set_num_threads(default)


if __name__ == "__main__":
    main()
