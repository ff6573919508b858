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

from ._checks import as_matrix, positive_int
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
    "loss_crossing_step",
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


def loss_crossing_step(non_glu, glu, steps=None):
    """Cor. 4.2: the first step at which the GLU loss falls below a non-GLU loss that was lower before.

    Returns ``None`` when the non-GLU curve never leads, or when the GLU curve never overtakes it after
    it led. ``steps`` (default 0, 1, …) labels the points of the curves.
    """
    a, b, k = _curves(non_glu, glu, steps)
    s = _lead_signs(a, b)
    led = False
    for i in range(s.size):
        if s[i] > 0:
            led = True
        elif s[i] < 0 and led:
            v = float(k[i])
            return int(v) if v.is_integer() else v
    return None


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
    """Train a scalar-output ``model`` on the mean MSE loss with plain SGD (no momentum, no weight decay).

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
    Yt = _tensor(Y, model, "Y", 1)
    n = Xt.shape[0]
    if Yt.shape[0] != n:
        raise ValueError(f"X has {n} samples but Y has {Yt.shape[0]}")
    B = n if batch_size is None else positive_int(batch_size, "batch_size")
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)

    def full_loss() -> float:
        with torch.no_grad():
            return float(torch.mean((model(Xt)[:, 0] - Yt) ** 2))

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
            loss = torch.mean((model(Xt[idx])[:, 0] - Yt[idx]) ** 2)
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
                seeds=(0,), bias: bool = True, progress: bool = False) -> dict:
    """Train a parameter-matched two-layer net of each kind for each seed on the same data (float64).

    The model of seed s is ``two_layer(kind, d, width, bias=bias, seed=s)`` (LeCun, zero biases) and
    its batch order is seeded with s too, so a non-GLU net and its GLU partner see the same batches.
    Returns ``{kind: {"loss": (seeds, epochs+1), "units": hidden units, "parameters": count}}``.
    """
    X = as_matrix(X)
    out = {}
    for kind in kinds:
        runs = []
        for s in seeds:
            net = two_layer(kind, X.shape[1], width, bias=bias, seed=int(s))
            runs.append(train(net, X, Y, lr=lr, epochs=epochs, batch_size=batch_size, seed=int(s), progress=progress)["loss"])
        out[kind] = {"loss": np.stack(runs), "units": net.width, "parameters": sum(p.numel() for p in net.parameters())}
    return out


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

    class Shifted(torch.nn.Module):  # f(x) − f_0(x) on the training inputs
        def __init__(self, inner: TwoLayer):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x) - f0[:, None]

    shifted = Shifted(net)
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
    Returns the kernels, eigenvalues, η, the steps, both curves, the crossing step (:func:`loss_crossing_step`,
    ``None`` if none) and ``ydy = Yᵀ(K − K̃)Y``, the sign condition of Cor. 4.2.
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
            "steps": k, "loss": L, "loss_glu": L_glu, "k_star": loss_crossing_step(L, L_glu, k),
            "ydy": float(Y @ (K - K_glu) @ Y)}


def crossing_map(ns, ds, eta_fractions, teachers, *, width: int = 1000, seed: int = 0, pair=("relu", "reglu")) -> list:
    """Cor. 4.2 over a grid: the kernel-regime crossing step for every n, d, step size and target type.

    Gaussian inputs and targets from :func:`glu_lib.data.gaussian_regression` (``teacher`` linear, relu or
    noise) with ``seed``; the step is each ``eta_fractions`` times the non-GLU kernel's ``2/λ_max``. Returns one
    record per cell: ``n, d, teacher, eta_fraction, k_star`` (``None``: no crossing up to 10⁹ steps),
    ``ydy`` (Yᵀ(K − K̃)Y) and ``lam_min``, ``lam_min_glu``.
    """
    from .data import gaussian_regression
    from .kernels import expected_ntk
    from .models import matched_width

    a, b = pair
    k = step_grid()
    out = []
    for n in ns:
        for d in ds:
            X = gaussian_regression(n, d, seed=seed)[0]  # X is drawn first: the same inputs for every teacher
            K, K_glu = expected_ntk(X, a, width), expected_ntk(X, b, matched_width(width, d))
            S, S_glu = output_covariance(X, a), output_covariance(X, b)
            eig, eig_glu = np.linalg.eigh(K), np.linalg.eigh(K_glu)
            for teacher in teachers:
                Y = gaussian_regression(n, d, teacher=teacher, seed=seed)[1]
                for f in eta_fractions:
                    eta = _positive_float(f, "eta_fraction") * 2.0 / eig[0][-1]
                    L = kernel_loss_curve(K, Y, eta, k, cov=S, eig=eig)
                    L_glu = kernel_loss_curve(K_glu, Y, eta, k, cov=S_glu, eig=eig_glu)
                    out.append({"n": int(n), "d": int(d), "teacher": teacher, "eta_fraction": float(f),
                                "k_star": loss_crossing_step(L, L_glu, k), "ydy": float(Y @ (K - K_glu) @ Y),
                                "lam_min": float(eig[0][0]), "lam_min_glu": float(eig_glu[0][0])})
    return out
