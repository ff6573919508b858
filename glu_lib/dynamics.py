"""Training dynamics (§4 of the paper): kernel-regime loss curves, loss crossings, two-layer training.

**Conventions.** The kernel regime is gradient descent on the linearised model with the squared loss
``½‖f − Y‖²`` and step η, so the residual ``r = f − Y`` evolves as ``r_{k+1} = (I − ηK) r_k``. The
curves report the *mean* squared error ``(1/n)‖r_k‖²``. A network trained with the mean MSE loss
``(1/n)‖f − Y‖²`` and optimiser learning rate ``lr`` moves its outputs by ``−(2·lr/n)·K r`` per
full-batch step, i.e. η = 2·lr/n (:func:`mse_eta`); one epoch of minibatch SGD over n samples is, in
expectation, n/B such steps with the same η (B the batch size).

**Prop. 4.1.** With initial outputs ``f_0 ~ (0, Σ)`` independent of the targets,
``E (1/n)‖r_k‖² = (1/n)·(Tr[(I − ηK)^{2k} Σ] + Yᵀ(I − ηK)^{2k} Y)``; :func:`kernel_loss_curve`
evaluates it from one eigendecomposition of K. Σ is the covariance of the network output at
initialisation (:func:`output_covariance`).
"""

from __future__ import annotations

import math
import numbers
from typing import Callable

import numpy as np
import torch

from ._checks import as_matrix, check_memory, positive_int
from .kernels import dual_kernels
from .kinds import get_kind
from .models import TwoLayer, two_layer

__all__ = [
    "mse_eta",
    "mse_lr",
    "output_covariance",
    "kernel_loss_curve",
    "linearised_gd",
    "max_stable_eta",
    "crossing_steps",
    "crossing_summary",
    "loss_crossing_step",
    "non_glu_leads_at",
    "crossing_boundary",
    "official_trajectories",
    "train_kinds_stored",
    "train_steps_stored",
    "train",
    "train_kinds",
    "output_trajectory",
    "linearised_prediction",
    "step_grid",
    "kernel_pair_curves",
    "crossing_map",
    "final_loss_ratio",
    "plot_loss_curves",
]


# ----------------------------------------------------------------------------------------------
# validation helpers

def _positive_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _kernel(K, name: str = "K") -> np.ndarray:
    K = as_matrix(K, name)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {K.shape}")
    if not np.allclose(K, K.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(K).max())):
        raise ValueError(f"{name} must be symmetric")
    return (K + K.T) / 2


def _vector(Y, n: int, name: str = "Y") -> np.ndarray:
    if hasattr(Y, "detach"):
        Y = Y.detach().cpu().numpy()
    if np.iscomplexobj(Y):  # float64 would drop the imaginary part without a word
        raise ValueError(f"{name} is complex; only real targets are supported")
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 2 and Y.shape[1] == 1:
        Y = Y[:, 0]
    if Y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) or ({n}, 1), got {Y.shape}")
    if not np.all(np.isfinite(Y)):
        raise ValueError(f"{name} contains NaN or inf")
    return Y


def _steps(steps) -> np.ndarray:
    """An int ``s`` means the steps 0, 1, …, s; an array gives the (non-negative, possibly real) steps."""
    if isinstance(steps, numbers.Integral) and not isinstance(steps, bool):
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        return np.arange(int(steps) + 1, dtype=np.float64)
    k = np.asarray(steps, dtype=np.float64)
    if k.ndim != 1 or k.size == 0 or not np.all(np.isfinite(k)) or np.any(k < 0):
        raise ValueError("steps must be an int >= 0 or a non-empty 1-D array of finite steps >= 0")
    return k


# ----------------------------------------------------------------------------------------------
# kernel regime (Prop. 4.1)

def mse_eta(lr: float, n: int) -> float:
    """The kernel step η = 2·lr/n of an optimiser step ``lr`` on the mean MSE loss over n samples."""
    return 2.0 * _positive_float(lr, "lr") / positive_int(n, "n")


def mse_lr(eta: float, n: int) -> float:
    """Inverse of :func:`mse_eta`: the learning rate ``lr = η·n/2`` on the mean MSE loss."""
    return _positive_float(eta, "eta") * positive_int(n, "n") / 2.0


def output_covariance(X, kind: str) -> np.ndarray:
    """Covariance ``Σ_ij = E[z(x_i) z(x_j)]`` of the output of a two-layer net at LeCun initialisation.

    Non-GLU: ``Σ = m·σ_v²·E[φ_iφ_j] = E[φ_iφ_j]``; GLU: ``Σ = m·σ_v²·σ_p²·E[φ_iφ_j]·x_iᵀx_j =
    E[φ_iφ_j]·x_iᵀx_j/d`` (no biases). Unlike the NTK, Σ does not grow with the width m.
    """
    k = get_kind(kind)
    X = as_matrix(X)
    E, _ = dual_kernels(X, activation=k.activation)
    return E * (X @ X.T) / X.shape[1] if k.gated else E


def kernel_loss_curve(K, Y, eta: float, steps, *, cov=None, parts: bool = False, eig=None):
    """Prop. 4.1: expected mean squared error after k steps of kernel gradient descent.

    ``L_k = (1/n)·(Tr[(I − ηK)^{2k} Σ] + Yᵀ(I − ηK)^{2k} Y)`` for every k in ``steps`` (an int s
    means 0, 1, …, s; an array may hold real k), computed from the eigendecomposition ``K = UΛUᵀ`` as
    ``(1/n)·Σ_i (1 − ηλ_i)^{2k}·((UᵀΣU)_ii + (UᵀY)_i²)`` with no matrix powers. ``cov`` is Σ, the
    covariance of the initial outputs (``None``: outputs start at zero, e.g. when ``f − f_0`` is
    trained, or when ``Y`` is the actual initial residual). With ``parts=True`` returns the two terms
    ``(init, target)`` separately. Steps beyond the stable range ``η > 2/λ_max`` grow without bound.
    ``eig=(λ, U)``, the output of ``numpy.linalg.eigh(K)``, saves the decomposition when K is reused.
    """
    if hasattr(steps, "__len__") or isinstance(steps, numbers.Integral):  # the (steps, n) buffers, before any work
        n_steps = (int(steps) + 1) if isinstance(steps, numbers.Integral) and not isinstance(steps, bool) else len(steps)
        n_rows = np.shape(K)[0] if np.ndim(K) == 2 else 0
        check_memory(4.0 * 8 * n_steps * n_rows, f"kernel_loss_curve with {n_steps} steps and n={n_rows}")
    K = _kernel(K)
    n = K.shape[0]
    Y = _vector(Y, n)
    eta = _positive_float(eta, "eta")
    k = _steps(steps)
    lam, U = np.linalg.eigh(K) if eig is None else eig
    c_target = (U.T @ Y) ** 2
    if cov is None:
        c_init = np.zeros(n)
    else:
        S = _kernel(cov, "cov")
        if S.shape != K.shape:
            raise ValueError(f"cov must have the shape of K {K.shape}, got {S.shape}")
        c_init = np.einsum("ij,ij->j", U, S @ U)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_a = np.log(np.abs(1.0 - eta * lam))  # -inf where ηλ = 1: that direction is gone after one step
        expo = 2.0 * k[:, None] * log_a[None, :]
        pw = np.where(k[:, None] == 0, 1.0, np.exp(expo))
        init, target = pw @ c_init / n, pw @ c_target / n
    return (init, target) if parts else init + target


def linearised_gd(K, Y, eta: float, steps: int, *, f0=None) -> np.ndarray:
    """Explicit gradient descent on the linearised model: ``f ← f − ηK(f − Y)``, from ``f0`` (default 0).

    Returns the mean squared error ``(1/n)‖f_k − Y‖²`` for k = 0, …, ``steps``. ``f0`` may be (n,) or
    (n, draws): several draws of the initial outputs at once, and the loss is averaged over them (a
    Monte-Carlo check of :func:`kernel_loss_curve` with ``cov``).
    """
    K = _kernel(K)
    n = K.shape[0]
    Y = _vector(Y, n)
    eta = _positive_float(eta, "eta")
    steps = positive_int(steps, "steps")
    F = np.zeros((n, 1)) if f0 is None else np.asarray(f0, dtype=np.float64)
    if F.ndim == 1:
        F = F[:, None]
    if F.ndim != 2 or F.shape[0] != n or F.shape[1] == 0 or not np.all(np.isfinite(F)):
        raise ValueError(f"f0 must be finite with shape ({n},) or ({n}, draws), got shape {F.shape}")
    R = F - Y[:, None]
    out = np.empty(steps + 1)
    for k in range(steps + 1):
        out[k] = np.mean(R**2) if np.all(np.isfinite(R)) else np.inf
        R = R - eta * (K @ R)
    return out


def max_stable_eta(K) -> float:
    """The largest stable kernel step ``2/λ_max(K)``: beyond it the top direction's residual grows."""
    lam = np.linalg.eigvalsh(_kernel(K))
    if lam[-1] <= 0:
        raise ValueError("K has no positive eigenvalue")
    return 2.0 / lam[-1]


# ----------------------------------------------------------------------------------------------
# crossings (Cor. 4.2)

def _curves(a, b, steps):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(f"the two curves must be 1-D arrays of one length, got {a.shape} and {b.shape}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("the curves contain NaN")
    k = np.arange(a.size, dtype=np.float64) if steps is None else np.asarray(steps, dtype=np.float64)
    if k.shape != a.shape:
        raise ValueError(f"steps must have the curves' shape {a.shape}, got {k.shape}")
    return a, b, k


def _lead_signs(a, b) -> np.ndarray:
    """+1 where ``a < b`` (a leads), −1 where ``b < a``; exact ties take the previous sign (0 before any)."""
    s = np.sign(b - a)
    for i in range(1, s.size):
        if s[i] == 0:
            s[i] = s[i - 1]
    return s


def crossing_steps(a, b, steps=None) -> list:
    """Every step at which the lead between two loss curves changes hands (the later point of each pair).

    ``a`` and ``b`` are losses at the same ``steps`` (default 0, 1, …). Exact ties never count as a
    crossing; a curve that ties and then resumes its lead does not cross.
    """
    a, b, k = _curves(a, b, steps)
    s = _lead_signs(a, b)
    return [float(k[i]) if not float(k[i]).is_integer() else int(k[i])
            for i in range(1, s.size) if s[i - 1] != 0 and s[i] != s[i - 1]]


def crossing_summary(non_glu, glu, steps=None) -> dict:
    """Cor. 4.2, read strictly: every crossing of two loss curves and whether the GLU curve stays ahead.

    ``non_glu`` and ``glu`` are losses at the same ``steps`` (default 0, 1, …). Returns
    ``crossings`` (every step at which the lead changes hands, :func:`crossing_steps`), ``first`` and
    ``last`` (``None`` when there is none), ``non_glu_led`` (the non-GLU curve was strictly lower at
    some step), ``glu_ahead_at_end`` (the GLU curve is lower at the last step; an exact tie keeps the
    previous lead) and ``k_star``: the last crossing when the non-GLU curve led at some point and the
    GLU curve is ahead at the end of the horizon, else ``None``. A pair whose curves cross and cross
    back, ending with the non-GLU curve lower, has crossings but no ``k_star``.
    """
    a, b, k = _curves(non_glu, glu, steps)
    s = _lead_signs(a, b)
    cs = crossing_steps(a, b, k)
    led = bool(np.any(s > 0))  # +1: the non-GLU curve is lower
    ahead = bool(s[-1] < 0)
    last = cs[-1] if cs else None
    return {"crossings": cs, "first": cs[0] if cs else None, "last": last, "non_glu_led": led,
            "glu_ahead_at_end": ahead, "k_star": last if (led and ahead and cs) else None}


def non_glu_leads_at(summary: dict, step) -> bool:
    """Whether the non-GLU curve is the lower one at grid point ``step``, read off a crossing summary.

    ``summary`` is a :func:`crossing_summary` (or a record of :func:`crossing_map`, which carries its
    fields): the lead at the end of the horizon, flipped once for every crossing after ``step``. So a
    stored map, which keeps the crossings but not the curves, still says who led at the first step.
    ``step`` must be a point of the grid the summary was computed on (a crossing at step c means the
    lead changed between the grid point before c and c).
    """
    if not isinstance(summary, dict) or not {"crossings", "glu_ahead_at_end"} <= set(summary):
        raise ValueError("summary must be a crossing_summary or crossing_map record "
                         "(with 'crossings' and 'glu_ahead_at_end')")
    if isinstance(step, bool) or not isinstance(step, numbers.Real) or not step >= 0:
        raise ValueError(f"step must be a number >= 0, got {step!r}")
    later = sum(1 for c in summary["crossings"] if c > step)
    return (not summary["glu_ahead_at_end"]) != bool(later % 2)


def loss_crossing_step(non_glu, glu, steps=None):
    """Cor. 4.2: the step after which the GLU loss stays below a non-GLU loss that was lower before.

    The *last* crossing of the two curves, and only when the GLU curve is ahead at the end of the
    horizon (see :func:`crossing_summary`); ``None`` when the non-GLU curve never leads, when the GLU
    curve never overtakes it, or when it overtakes it and falls behind again. ``steps`` (default
    0, 1, …) labels the points of the curves.
    """
    return crossing_summary(non_glu, glu, steps)["k_star"]


# ----------------------------------------------------------------------------------------------
# training of two-layer networks

def _tensor(A, model: torch.nn.Module, name: str, ndim: int) -> torch.Tensor:
    p = next(model.parameters())
    if isinstance(A, torch.Tensor):
        A = A.detach().cpu().numpy()
    A = np.asarray(A, dtype=np.float64)
    if ndim == 1 and A.ndim == 2 and A.shape[1] == 1:
        A = A[:, 0]
    if A.ndim != ndim or A.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains NaN or inf")
    return torch.as_tensor(A, dtype=p.dtype, device=p.device)


def train(model: torch.nn.Module, X, Y, *, lr: float, epochs: int, batch_size: int | None = None,
          seed: int = 0, callback: Callable[[int, torch.nn.Module], None] | None = None,
          progress: bool = False) -> dict:
    """Train ``model`` on the mean MSE loss with plain SGD (no momentum, no weight decay).

    The loss is the mean over samples *and outputs* of ``(model(X) − Y)²``, as ``torch.nn.MSELoss``:
    ``Y`` is (n,) or (n, 1) for a scalar-output model and (n, d_out) for a model with ``d_out``
    outputs; a 1-D ``Y`` for a model with several outputs is refused rather than fitted to one output.

    ``batch_size=None`` is full-batch gradient descent (one step per epoch); otherwise each epoch
    visits the samples in a random order drawn from a ``torch.Generator`` seeded with ``seed`` and
    takes ``ceil(n / batch_size)`` steps (the last batch may be smaller). The model is trained in
    place in its own dtype and device. ``callback(step, model)`` runs before the first step and after
    every step. Returns NumPy arrays: ``loss`` (the full training MSE at epochs 0, …, ``epochs``),
    ``step_loss`` (the minibatch loss of every step) and ``diverged`` (``True`` when the loss became
    non-finite; training stops there and the remaining losses are ``inf``).
    """
    lr = _positive_float(lr, "lr")
    epochs = positive_int(epochs, "epochs")
    Xt = _tensor(X, model, "X", 2)
    n = Xt.shape[0]
    d_out = getattr(model, "d_out", None)
    if d_out is None:  # a wrapped model: read the number of outputs off one forward pass
        with torch.no_grad():
            out = model(Xt)
        d_out = 1 if out.ndim == 1 else int(np.prod(out.shape[1:]))
    if d_out > 1 and np.ndim(Y) == 1:
        raise ValueError(f"the model has {d_out} outputs: Y must have shape ({n}, {d_out}), got {np.shape(Y)}")
    Yt = _tensor(Y, model, "Y", 1 if d_out == 1 else 2)
    if Yt.shape[0] != n:
        raise ValueError(f"X has {n} samples but Y has {Yt.shape[0]}")
    if d_out > 1 and Yt.shape[1] != d_out:
        raise ValueError(f"the model has {d_out} outputs: Y must have shape ({n}, {d_out}), got {tuple(Yt.shape)}")
    Yt = Yt.reshape(n, d_out)
    B = n if batch_size is None else positive_int(batch_size, "batch_size")
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)

    def full_loss() -> float:
        with torch.no_grad():
            return float(torch.mean((model(Xt).reshape(n, d_out) - Yt) ** 2))

    losses, step_losses, diverged, step = [full_loss()], [], False, 0
    if callback is not None:
        callback(0, model)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc=f"{getattr(model, 'kind', 'model')}", leave=False)
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen).to(Xt.device) if batch_size is not None else None
        for start in range(0, n, B):
            idx = order[start:start + B] if order is not None else slice(None)
            opt.zero_grad(set_to_none=True)
            out = model(Xt[idx])
            loss = torch.mean((out.reshape(out.shape[0], d_out) - Yt[idx]) ** 2)
            loss.backward()
            opt.step()
            step += 1
            step_losses.append(float(loss.detach()))
            if callback is not None:
                callback(step, model)
        losses.append(full_loss())
        if bar is not None:
            bar.update(1)
        if not math.isfinite(losses[-1]):
            diverged = True
            break
    if bar is not None:
        bar.close()
    loss = np.full(epochs + 1, np.inf)
    loss[: len(losses)] = losses
    loss[~np.isfinite(loss)] = np.inf
    return {"loss": loss, "step_loss": np.asarray(step_losses), "diverged": diverged}


def train_kinds(kinds, X, Y, *, width: int, lr: float, epochs: int, batch_size: int | None = None,
                seeds=(0,), bias: bool = True, dtype: torch.dtype = torch.float64,
                progress: bool = False) -> dict:
    """Train a parameter-matched two-layer net of each kind for each seed on the same data (``dtype``).

    The model of seed s is ``two_layer(kind, d, width, bias=bias, seed=s)`` (LeCun, zero biases) and
    its batch order is seeded with s too, so a non-GLU net and its GLU partner see the same batches.
    Returns ``{kind: {"loss": (seeds, epochs+1), "units": hidden units, "parameters": count}}``.
    """
    X = as_matrix(X)
    out = {}
    for kind in kinds:
        runs = []
        for s in seeds:
            net = two_layer(kind, X.shape[1], width, bias=bias, seed=int(s), dtype=dtype)
            runs.append(train(net, X, Y, lr=lr, epochs=epochs, batch_size=batch_size, seed=int(s), progress=progress)["loss"])
        out[kind] = {"loss": np.stack(runs), "units": net.width, "parameters": sum(p.numel() for p in net.parameters())}
    return out


def train_kinds_stored(name: str, preset, kinds, X, Y, *, width: int, lr: float, epochs: int,
                       batch_size: int | None = None, seeds=(0,), bias: bool = True,
                       dtype: torch.dtype = torch.float64, log=None) -> dict:
    """:func:`train_kinds` for long runs: every finished (kind, seed) run is stored and never repeated.

    After each run the runs so far are written to ``results/<name>.json`` with their provenance
    (:func:`glu_lib.results.save_result`, atomic), so an interrupted job resumes where it stopped.
    Stored runs are reused only when they were made with the same ``preset`` and carry the digest of the
    same data (X, Y) and settings (width, lr, epochs, batch size, bias, dtype); otherwise they are
    discarded and recomputed. ``log(text)``, when given, receives one progress line per run. Returns
    the dict of :func:`train_kinds` plus ``wall_s`` (seconds of training, summed over seeds).
    """
    import time

    from .results import load_result, made_with, save_result

    import hashlib

    X = as_matrix(X)
    Yv = _vector(Y, X.shape[0])
    h = hashlib.sha256(np.ascontiguousarray(X).tobytes() + b"|" + np.ascontiguousarray(Yv).tobytes())
    h.update(repr((X.shape, int(width), float(lr), int(epochs), batch_size, bool(bias), str(dtype))).encode())
    spec = h.hexdigest()  # a stored run is reused only for the same data and settings, not just the preset
    stored = load_result(name)
    runs = {}
    if made_with(stored, preset):
        runs = {k: r for k, r in stored["data"]["runs"].items() if isinstance(r, dict) and r.get("spec") == spec}
    for kind in kinds:
        for s in seeds:
            key = f"{kind}/seed{int(s)}"
            if key in runs:
                continue
            t0 = time.perf_counter()
            r = train_kinds([kind], X, Y, width=width, lr=lr, epochs=epochs, batch_size=batch_size,
                            seeds=(int(s),), bias=bias, dtype=dtype)[kind]
            runs[key] = {"loss": r["loss"][0], "units": r["units"], "parameters": r["parameters"],
                         "wall_s": time.perf_counter() - t0, "spec": spec}
            save_result(name, {"runs": runs}, preset)
            if log is not None:
                log(f"{name} {key}: final loss {r['loss'][0, -1]:.4g}, {runs[key]['wall_s']:.0f} s")
    out = {}
    for kind in kinds:
        rs = [runs[f"{kind}/seed{int(s)}"] for s in seeds]
        out[kind] = {"loss": np.array([r["loss"] for r in rs], dtype=np.float64), "units": rs[0]["units"],
                     "parameters": rs[0]["parameters"], "wall_s": float(sum(r["wall_s"] for r in rs))}
    return out


def official_trajectories(kinds=("relu", "reglu"), *, seed: int = 42, d: int = 75, hidden: int = 300,
                          target=(0.03, 0.008), lr: float = 1e-4, steps: int = 1000) -> dict:
    """The paper's trajectory experiment with the official script's exact random draws.

    As in the official ``plot_training_dynamics.py``: ``torch.manual_seed(seed)``, two inputs
    ``x ~ N(0, I_d)`` drawn first, then for each kind in turn a network of the official layout
    (``nn.Linear`` layers built in the order linear-gate, activation, output, each re-drawn LeCun
    ``N(0, 1/fan_in)`` with zero biases; a GLU net gets ``int(hidden·(d+1)/(2d+1))`` units), trained
    as ``f − f_0`` on the mean MSE with full-batch SGD, float64. The global torch generator is left
    as it was. Returns ``{"X", "target", kind: {"outputs": (steps+1, 2) path of f − f_0 from the
    origin, "ntk": (steps+1, 2, 2) empirical NTK (biases included) at every step, "units"}}``.
    """
    from .ntk import empirical_ntk

    kinds = tuple(kinds)
    steps = positive_int(steps, "steps")
    d, hidden = positive_int(d, "d"), positive_int(hidden, "hidden")
    Y = np.asarray(target, dtype=np.float64)
    if Y.shape != (2,):
        raise ValueError(f"target must hold two numbers, got shape {Y.shape}")
    f64 = torch.float64
    out = {}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        X = torch.randn(2, d, dtype=f64)
        nets = {}
        for kind in kinds:
            gated = get_kind(kind).gated
            units = int(hidden * (d + 1) / (2 * d + 1)) if gated else hidden
            first = [torch.nn.Linear(d, units, dtype=f64) for _ in range(2 if gated else 1)]
            fc2 = torch.nn.Linear(units, 1, dtype=f64)
            for layer in (*first, fc2):
                torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="linear")
                torch.nn.init.zeros_(layer.bias)
            nets[kind] = (units, first, fc2)
    for kind, (units, first, fc2) in nets.items():  # built after the draws: TwoLayer draws too
        net = TwoLayer(kind, d, units, 1, bias=True).to(f64)
        with torch.no_grad():  # official GLU: fc1_a(x) * act(fc1_b(x)), i.e. P = fc1_a, W = fc1_b
            pairs = [(net.W, first[-1]), (net.V, fc2)] + ([(net.P, first[0])] if net.gated else [])
            for dst, src in pairs:
                dst.weight.copy_(src.weight)
                dst.bias.copy_(src.bias)
        nets[kind] = net
    Xn = X.numpy()
    for kind, net in nets.items():
        with torch.no_grad():
            f0 = net(X)[:, 0].clone()
        outputs, ntks = [], []

        def record(step, _model, net=net, f0=f0, outputs=outputs, ntks=ntks):
            with torch.no_grad():
                outputs.append((net(X)[:, 0] - f0).numpy().copy())
            ntks.append(empirical_ntk(net, Xn))

        train(_Shifted(net, f0), Xn, Y, lr=lr, epochs=steps, batch_size=None, seed=int(seed), callback=record)
        out[kind] = {"outputs": np.stack(outputs), "ntk": np.stack(ntks), "units": net.width}
    return {"X": Xn, "target": Y, **out}


class _Shifted(torch.nn.Module):
    """``f(x) − f_0(x)`` on a fixed set of training inputs (``f0`` holds their initial outputs)."""

    def __init__(self, inner: TwoLayer, f0: torch.Tensor):
        super().__init__()
        self.inner, self.f0 = inner, f0

    def forward(self, x):
        return self.inner(x) - self.f0[:, None]


def output_trajectory(kind: str, X, Y, *, width: int, lr: float, steps: int, ntk_every: int,
                      bias: bool = False, seed: int = 0) -> dict:
    """Full-batch GD of a two-layer net on a few samples, recording the outputs ``f − f_0`` and the NTK.

    The network's output minus its initial output, ``f − f_0``, is trained on the mean MSE against
    ``Y`` (float64, no momentum), so the path starts at the origin and ends at ``Y``. Returns
    ``outputs`` (steps+1, n), the path of ``f − f_0``; ``target`` (n,), ``Y``; ``ntk_steps`` and
    ``ntk`` (len(ntk_steps), n, n), the empirical NTK every ``ntk_every`` steps; ``units``.
    """
    from .ntk import empirical_ntk

    X = as_matrix(X)
    Y = _vector(Y, X.shape[0])
    every = positive_int(ntk_every, "ntk_every")
    net = two_layer(kind, X.shape[1], width, bias=bias, seed=seed)
    Xt = torch.as_tensor(X)
    with torch.no_grad():
        f0 = net(Xt)[:, 0].clone()

    shifted = _Shifted(net, f0)
    outputs, ntk_steps, ntks = [], [], []

    def record(step, _model):
        with torch.no_grad():
            outputs.append((net(Xt)[:, 0] - f0).numpy().copy())
        if step % every == 0:
            ntk_steps.append(step)
            ntks.append(empirical_ntk(net, X))

    train(shifted, X, Y, lr=lr, epochs=positive_int(steps, "steps"), batch_size=None, seed=seed, callback=record)
    return {"outputs": np.stack(outputs), "target": Y, "ntk_steps": np.asarray(ntk_steps), "ntk": np.stack(ntks),
            "units": net.width}


def linearised_prediction(kind: str, X, Y, *, width: int, lr: float, epochs: int, batch_size: int | None = None,
                          bias: bool = True, seed: int = 0) -> np.ndarray:
    """The kernel-regime (Prop. 4.1) training loss, per epoch, of the network that :func:`train_kinds` builds for ``seed``.

    The network's own empirical NTK Θ₀ at initialisation and its own initial residual ``r₀ = f₀ − Y`` give
    ``L_k = (1/n)·r₀ᵀ(I − ηΘ₀)^{2k} r₀`` with η = 2·lr/n and k = epochs·n/B (the expected number of
    full-batch-equivalent steps of minibatch SGD): the loss the network would have if its NTK stayed frozen.
    """
    from .ntk import empirical_ntk

    X = as_matrix(X)
    n = X.shape[0]
    Y = _vector(Y, n)
    net = two_layer(kind, X.shape[1], width, bias=bias, seed=int(seed))
    with torch.no_grad():
        f0 = net(torch.as_tensor(X))[:, 0].numpy()
    B = n if batch_size is None else positive_int(batch_size, "batch_size")
    k = np.arange(positive_int(epochs, "epochs") + 1) * (n / B)
    return kernel_loss_curve(empirical_ntk(net, X), f0 - Y, mse_eta(lr, n), k)


def final_loss_ratio(non_glu, glu) -> float:
    """Final training loss of the non-GLU net over that of the GLU net, each a mean over seeds (> 1: GLU ahead)."""
    a, b = np.asarray(non_glu, dtype=np.float64), np.asarray(glu, dtype=np.float64)
    return float(np.mean(a[..., -1]) / np.mean(b[..., -1]))


def plot_loss_curves(ax, runs: dict, x=None, *, band: bool = True):
    """Training loss against epoch on a log axis, one line per kind (``runs[kind]``: (seeds, epochs+1)).

    The line is the geometric mean over seeds and the band the min–max range; styles from
    :func:`glu_lib.plotting.kind_style` (non-GLU dashed, GLU solid).
    """
    from .plotting import kind_style

    for kind, L in runs.items():
        L = np.atleast_2d(np.asarray(L, dtype=np.float64))
        t = np.arange(L.shape[1]) if x is None else np.asarray(x)
        st = kind_style(kind)
        with np.errstate(divide="ignore", invalid="ignore"):
            ax.semilogy(t, np.exp(np.log(L).mean(axis=0)), **st)
        if band and L.shape[0] > 1:
            ax.fill_between(t, L.min(axis=0), L.max(axis=0), color=st["color"], alpha=0.15, lw=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE")
    return ax


def step_grid(k_max: float = 1e9, points: int = 500) -> np.ndarray:
    """The steps 0 and about ``points`` integers spaced logarithmically from 1 to ``k_max`` (a grid for long curves)."""
    k_max = _positive_float(k_max, "k_max")
    return np.concatenate([[0.0], np.unique(np.round(np.logspace(0, np.log10(max(k_max, 1.0)), positive_int(points, "points"))))])


def kernel_pair_curves(X, Y, pair=("relu", "reglu"), *, width: int, eta=None, eta_fraction: float = 0.5,
                       steps=None, init: bool = True) -> dict:
    """Prop. 4.1 curves of a non-GLU kind and its parameter-matched GLU partner on the same data.

    Expected NTKs (Eq. 3/4) of nominal ``width`` (the GLU kernel uses the matched width); one step η for
    both: ``eta`` or else ``eta_fraction`` of the non-GLU kernel's largest stable step ``2/λ_max(K)``.
    ``init=True`` includes the random-initial-output term with Σ from :func:`output_covariance`.
    Returns the kernels, eigenvalues, η, the steps, both curves, the crossings of
    :func:`crossing_summary` (``k_star``: the last crossing, ``None`` unless the GLU curve ends ahead)
    and ``ydy = Yᵀ(K − K̃)Y``, the sign condition of Cor. 4.2.
    """
    from .kernels import expected_ntk
    from .models import matched_width

    X = as_matrix(X)
    n, d = X.shape
    Y = _vector(Y, n)
    a, b = pair
    K = expected_ntk(X, a, width)
    K_glu = expected_ntk(X, b, matched_width(width, d) if get_kind(b).gated else width)
    if eta is None:
        eta = _positive_float(eta_fraction, "eta_fraction") * max_stable_eta(K)
    k = step_grid() if steps is None else _steps(steps)
    cov = (output_covariance(X, a), output_covariance(X, b)) if init else (None, None)
    eig, eig_glu = np.linalg.eigh(K), np.linalg.eigh(K_glu)
    L = kernel_loss_curve(K, Y, eta, k, cov=cov[0], eig=eig)
    L_glu = kernel_loss_curve(K_glu, Y, eta, k, cov=cov[1], eig=eig_glu)
    return {"K": K, "K_glu": K_glu, "lam": eig[0], "lam_glu": eig_glu[0], "eta": eta,
            "steps": k, "loss": L, "loss_glu": L_glu, **crossing_summary(L, L_glu, k),
            "ydy": float(Y @ (K - K_glu) @ Y)}


def crossing_map(ns, ds, eta_fractions, teachers, *, width: int = 1000, seeds=(0,),
                 pair=("relu", "reglu"), k_max: float = 1e9) -> list:
    """Cor. 4.2 over a grid: the kernel-regime crossings for every n, d, seed, step size and target.

    Gaussian inputs and targets from :func:`glu_lib.data.gaussian_regression` (``teacher`` linear, relu
    or noise) for each seed; the step is each ``eta_fractions`` times the non-GLU kernel's ``2/λ_max``;
    the horizon is ``k_max`` steps (:func:`step_grid`). Returns one record per cell: ``n, d, seed,
    teacher, eta_fraction``, the fields of :func:`crossing_summary` (``k_star``: the last crossing when
    the GLU curve ends ahead, else ``None``), ``ydy`` (Yᵀ(K − K̃)Y) and ``lam_min``, ``lam_min_glu``.
    """
    from .data import gaussian_regression
    from .kernels import expected_ntk
    from .models import matched_width

    a, b = pair
    k = step_grid(k_max)
    out = []
    for n in ns:
        for d in ds:
            for seed in seeds:
                X = gaussian_regression(n, d, seed=int(seed))[0]  # drawn first: the same X for every teacher
                K, K_glu = expected_ntk(X, a, width), expected_ntk(X, b, matched_width(width, d))
                S, S_glu = output_covariance(X, a), output_covariance(X, b)
                eig, eig_glu = np.linalg.eigh(K), np.linalg.eigh(K_glu)
                for teacher in teachers:
                    Y = gaussian_regression(n, d, teacher=teacher, seed=int(seed))[1]
                    for f in eta_fractions:
                        eta = _positive_float(f, "eta_fraction") * 2.0 / eig[0][-1]
                        L = kernel_loss_curve(K, Y, eta, k, cov=S, eig=eig)
                        L_glu = kernel_loss_curve(K_glu, Y, eta, k, cov=S_glu, eig=eig_glu)
                        out.append({"n": int(n), "d": int(d), "seed": int(seed), "teacher": teacher,
                                    "eta_fraction": float(f), **crossing_summary(L, L_glu, k),
                                    "ydy": float(Y @ (K - K_glu) @ Y),
                                    "lam_min": float(eig[0][0]), "lam_min_glu": float(eig_glu[0][0])})
    return out


def crossing_boundary(records, *, teacher: str = "linear", eta_fraction: float = 0.5, test=None) -> dict:
    """The boundary in d of a :func:`crossing_map`, for each n: ``{n: d*}``.

    ``d*`` is the smallest d of the grid from which on ``test(record)`` holds for every larger d of the
    grid and every seed (default test: a crossing in the sense of Cor. 4.2, ``k_star`` not ``None``);
    ``None`` when it fails at the largest d. Only the records of ``teacher`` and ``eta_fraction`` count.
    """
    test = (lambda r: r["k_star"] is not None) if test is None else test
    rs = [r for r in records if r["teacher"] == teacher and r["eta_fraction"] == float(eta_fraction)]
    if not rs:
        raise ValueError(f"no records for teacher {teacher!r} and eta_fraction {eta_fraction!r}")
    out = {}
    for n in sorted({r["n"] for r in rs}):
        ds = sorted({r["d"] for r in rs if r["n"] == n})
        ok = [all(test(r) for r in rs if r["n"] == n and r["d"] == d) for d in ds]
        best = None
        for d, good in zip(reversed(ds), reversed(ok)):
            if not good:
                break
            best = d
        out[n] = best
    return out


def plot_crossing_map(ax_map, ax_ratio, records, *, teacher: str = "linear", eta_fraction: float = 0.5,
                      boundary: dict | None = None):
    """Draw a :func:`crossing_map` in the (d, n) plane and the λmin ratio against d.

    ``ax_map``: one square per (d, n), coloured by the fraction of seeds with a crossing in the sense of
    Cor. 4.2 (GLU ahead at the end); the paper's condition d = 5, the line d = √(2n) and, when given,
    the ``boundary`` ``{n: d*}`` of :func:`crossing_boundary`. ``ax_ratio`` (may be ``None``): the
    median over seeds of λmin(K̃)/λmin(K) against d, one line per n. Returns the scatter (for a
    colour bar).
    """
    rs = [r for r in records if r["teacher"] == teacher and r["eta_fraction"] == float(eta_fraction)]
    ns, ds = sorted({r["n"] for r in rs}), sorted({r["d"] for r in rs})
    cells = [(d, n, np.mean([r["k_star"] is not None for r in rs if (r["n"], r["d"]) == (n, d)]))
             for n in ns for d in ds if any((r["n"], r["d"]) == (n, d) for r in rs)]
    d_, n_, f_ = map(np.asarray, zip(*cells))
    sc = ax_map.scatter(d_, n_, c=f_, cmap="viridis", vmin=0, vmax=1, marker="s", s=70, zorder=3)
    nn = np.geomspace(min(ns), max(ns), 50)
    ax_map.plot(np.sqrt(2 * nn), nn, color="k", ls="--", lw=1, label="d = √(2n)")
    ax_map.axvline(5, color="grey", ls=":", lw=1.2, label="d = 5 (paper)")
    if boundary:
        bn = [n for n in ns if boundary.get(n) is not None]
        ax_map.plot([boundary[n] for n in bn], bn, color="tab:red", marker="o", ms=4, lw=1.2,
                    label="found d*")
    ax_map.set(xscale="log", yscale="log", xlabel="input dimension d", ylabel="samples n")
    shown, labels = None, []
    for d in ds:  # label only ticks at least 0.25 decades apart, so labels never overlap
        keep = shown is None or np.log10(d / shown) >= 0.25
        labels.append(str(d) if keep else "")
        shown = d if keep else shown
    ax_map.set_xticks(ds, labels, minor=False)
    ax_map.set_yticks(ns, [str(n) for n in ns])
    ax_map.minorticks_off()
    if ax_ratio is None:
        return sc
    for n in ns:
        med = [np.median([r["lam_min_glu"] / r["lam_min"] for r in rs if (r["n"], r["d"]) == (n, d)])
               for d in ds]
        ax_ratio.loglog(ds, med, marker="o", ms=3, label=f"n={n}")
    ax_ratio.axhline(1, color="grey", lw=1)
    ax_ratio.set(xlabel="input dimension d", ylabel="λmin(K̃) / λmin(K)")
    ax_ratio.minorticks_off()
    return sc


def plot_official_trajectories(ax, traj: dict, kinds=("relu", "reglu")):
    """The paper's trajectory picture (official ``plot_training_dynamics.py``) from :func:`official_trajectories`.

    The path of ``f − f_0`` of each kind, and at every step the NTK ellipse of the official script:
    centred at the target, axes along the eigenvectors of the 2×2 NTK with full lengths 1/λ (the slow
    direction, small λ, is the long axis).
    """
    from matplotlib.patches import Ellipse

    from .plotting import kind_style

    target = np.asarray(traj["target"])
    for kind in kinds:
        st = kind_style(kind)
        for K in traj[kind]["ntk"]:
            lam, U = np.linalg.eigh(K)
            ax.add_patch(Ellipse(target, 1.0 / lam[0], 1.0 / lam[1],
                                 angle=np.degrees(np.arctan2(U[1, 0], U[0, 0])), fill=False,
                                 color=st["color"], alpha=0.05, lw=1, ls="--"))
        out = traj[kind]["outputs"]
        ax.plot(out[:, 0], out[:, 1], color=st["color"], lw=2.5, alpha=0.8, label=kind)
    ax.plot(0, 0, marker="o", ms=7, color="0.4")
    ax.plot(*target, marker="*", ms=13, color="k", zorder=5)
    ax.set(xlabel="output 1 (f − f₀)", ylabel="output 2 (f − f₀)", aspect="equal")
    return ax


def train_steps_stored(name: str, kind: str, X, Y, *, width: int, lr: float, steps: int, batch_size: int,
                       seed: int = 0, dtype: torch.dtype = torch.float32, eval_every: int = 100,
                       save_every: int = 1000, ckpt_dir="checkpoints", bias: bool = True,
                       directory=None, log=None) -> dict:
    """A long two-layer SGD run counted in steps, checkpointed and stored as it goes (resumable).

    Plain SGD (no momentum, no weight decay, no clipping, constant ``lr``) on the mean MSE of the
    network ``two_layer(kind, d, width, bias=bias, seed=seed, dtype=dtype)``, run by the book's one
    training loop (:func:`glu_lib.train.train`, which checkpoints and resumes exactly). Each step
    draws a batch of ``batch_size`` distinct samples uniformly at random (a ``torch.Generator``
    seeded with ``seed``), so the expected step equals that of epoch-wise shuffling. The full
    training MSE is evaluated every ``eval_every`` steps. Every ``save_every`` steps the curve so
    far is written to ``results/<name>.json`` with its provenance, so partial progress survives an
    interruption; run again with the same arguments, it resumes from ``ckpt_dir/<name>.pt``.
    Returns the stored data: ``kind, seed, steps`` (the target), ``steps_done``, ``iter``,
    ``loss`` (full training MSE at ``iter``), ``units``, ``parameters``, ``wall_s``.
    """
    import time
    from pathlib import Path

    from .config import Preset
    from .results import load_result, save_result
    from .train import TrainConfig, train as train_loop

    get_kind(kind)
    X = as_matrix(X)
    n, d = X.shape
    Y = _vector(Y, n)
    steps, B = positive_int(steps, "steps"), positive_int(batch_size, "batch_size")
    every, chunk = positive_int(eval_every, "eval_every"), positive_int(save_every, "save_every")
    if B > n:
        raise ValueError(f"batch_size {B} exceeds the number of samples {n}")
    lr = _positive_float(lr, "lr")
    net = two_layer(kind, d, width, bias=bias, seed=int(seed), dtype=dtype)
    Xt, Yt = torch.as_tensor(X, dtype=dtype), torch.as_tensor(Y, dtype=dtype)

    def batch_fn(split, gen):
        idx = torch.randperm(n, generator=gen)[:B]
        return Xt[idx], Yt[idx]

    def loss_fn(model, x, y):
        return torch.mean((model(x)[:, 0] - y) ** 2)

    @torch.no_grad()
    def eval_fn(model):
        loss = float(torch.mean((model(Xt)[:, 0] - Yt) ** 2))
        return {"train": loss, "val": loss}

    cfg = TrainConfig(max_iters=steps, lr=lr, min_lr=lr, warmup_iters=0, schedule="constant",
                      optimizer="sgd", weight_decay=0.0, momentum=0.0, grad_clip=0.0,
                      eval_interval=every, eval_iters=1, ckpt_interval=chunk, seed=int(seed))
    values = {"kind": kind, "n": n, "d": d, "width": int(width), "lr": lr, "steps": steps,
              "batch_size": B, "seed": int(seed), "dtype": str(dtype).replace("torch.", ""),
              "eval_every": every, "bias": bool(bias), "sampling": "uniform batches without replacement"}
    preset = Preset("two_layer_steps", "full", values)
    stored = load_result(name, directory)
    wall = float(stored["data"].get("wall_s", 0.0)) if stored is not None else 0.0
    ckpt = Path(ckpt_dir) / f"{name}.pt"
    if stored is not None and not ckpt.exists():
        raise ValueError(f"results/{name}.json exists but its checkpoint {ckpt} does not: delete the "
                         "result to restart the run from step 0, or pass the checkpoint folder")
    start = int(torch.load(ckpt, map_location="cpu", weights_only=True)["iter"]) if ckpt.exists() else 0
    data = None
    for stop in [s for s in range(chunk, steps, chunk) if s > start] + [None]:
        t0 = time.perf_counter()
        # a fresh net with the same initial weights each time: the checkpoint is checked against them
        net = two_layer(kind, d, width, bias=bias, seed=int(seed), dtype=dtype)
        hist = train_loop(net, cfg, batch_fn, loss_fn, ckpt_path=ckpt, stop_at=stop, eval_fn=eval_fn)
        wall += time.perf_counter() - t0
        done = steps if stop is None else stop
        data = {"kind": kind, "seed": int(seed), "steps": steps, "steps_done": done,
                "iter": list(hist["iter"]), "loss": list(hist["train_loss"]), "units": net.width,
                "parameters": sum(p.numel() for p in net.parameters()), "wall_s": wall}
        save_result(name, data, preset, directory)
        if log is not None:
            log(f"{name}: step {done}/{steps}, loss {hist['train_loss'][-1]:.4g}, {wall:.0f} s")
    return data
