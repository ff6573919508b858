"""neural-tangents' ``empirical_ntk_fn`` on the two-layer net saved by ``ntk_speed.py`` (run by it).

Runs in its own interpreter, with JAX and neural-tangents importable (they need NumPy 1.x, so the
book's environment cannot hold them; see ``ntk_speed.py --nt-site``) and without torch. Reads
``weights.npz`` (W, P or nothing, V, X, activation) from the folder given, computes the kernel with
each implementation asked for (1: Jacobian contraction, NT's default; 2: NTK-vector products;
3: structured derivatives), jitted, float64, one warm-up call (compilation included) then
``repeats`` timed calls, and writes ``nt_<impl>.npy`` and one JSON line of times (and the
interpreter's peak resident memory) to stdout.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import types
from pathlib import Path

# neural_tangents/__init__ imports its TensorFlow bridge (experimental/), which needs TensorFlow; the
# empirical kernels do not use it.
sys.modules.setdefault("neural_tangents.experimental", types.ModuleType("neural_tangents.experimental"))

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import neural_tangents as nt  # noqa: E402
import numpy as np  # noqa: E402

ACT = {"relu": jax.nn.relu, "gelu": lambda a: jax.nn.gelu(a, approximate=False), "silu": jax.nn.silu}


def main() -> None:
    folder, impls, repeats = Path(sys.argv[1]), [int(i) for i in sys.argv[2].split(",")], int(sys.argv[3])
    z = np.load(folder / "weights.npz")
    act = ACT[str(z["activation"])]
    X = jnp.asarray(z["X"])
    params = {k: jnp.asarray(z[k]) for k in ("W", "P", "V") if k in z.files}

    def apply_fn(p, x):
        h = act(x @ p["W"].T)
        if "P" in p:
            h = h * (x @ p["P"].T)
        return h @ p["V"].T

    out = {"jax": jax.__version__, "neural_tangents": nt.__version__, "times": {}}
    for impl in impls:
        fn = jax.jit(nt.empirical_ntk_fn(apply_fn, vmap_axes=0, implementation=impl))
        t0 = time.perf_counter()
        K = np.asarray(fn(X, None, params).block_until_ready())
        out.setdefault("first_call", {})[impl] = time.perf_counter() - t0
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(X, None, params).block_until_ready()
            times.append(time.perf_counter() - t0)
        out["times"][impl] = times
        np.save(folder / f"nt_{impl}.npy", K.reshape(X.shape[0], X.shape[0]))
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(out))


if __name__ == "__main__":
    main()
