"""Bad inputs to every public function of glu_lib: each must give a clear error or a correct result.

A case calls one function with one bad (or borderline) input. Its outcome is classified as

* ``clear error``: a ValueError/TypeError/FileNotFoundError/... whose message matches the case's pattern
  (usually the name of the argument or the file at fault);
* ``correct``: a result that passes the case's check (for inputs that have a right answer);
* ``silent wrong``: a result where an error was due, or one that fails the check;
* ``unhelpful traceback``: any other exception (ZeroDivisionError, KeyError, StopIteration, a NumPy or
  torch internal error, a message that does not say what is wrong).

The test asserts the first two for every case. ``python tests/test_bad_inputs.py`` prints the counts
of the four outcomes and lists the cases that fail (run it with another checkout first on the path to
count there).
"""

from __future__ import annotations

import atexit
import math
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch

import glu_lib
from glu_lib import (_checks, analysis, claims, config, data, deep, dynamics, generalization, gpt, images, kernels,
                     kinds, mixer, models, notebook, ntk, plotting, results, runs, spectra, symbolic, text,
                     train, transformer, verdicts, vit)

CLEAR = (ValueError, TypeError, FileNotFoundError, FileExistsError, PermissionError, FloatingPointError,
         NotImplementedError, ConnectionError)


@dataclass
class Case:
    name: str
    call: Callable
    match: str = ""  # a clear error's message must match this pattern
    check: Callable | None = None  # where a result is acceptable: it must pass this check
    pending: str = ""  # fixed by a change on another branch of this repository (xfail until merged)


def classify(case: Case) -> tuple[str, str]:
    """The outcome of ``case`` and a short description."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = case.call()
        except CLEAR as e:
            msg = str(e)
            if msg and re.search(case.match, msg, flags=re.S):
                return "clear error", f"{type(e).__name__}: {msg[:100]}"
            return "unhelpful traceback", f"{type(e).__name__}: {msg[:100]}"
        except Exception as e:  # noqa: BLE001 - the point is to see which
            return "unhelpful traceback", f"{type(e).__name__}: {str(e)[:100]}"
        finally:
            import matplotlib.pyplot as plt

            plt.close("all")
    if case.check is None:
        return "silent wrong", f"returned {str(out)[:100]!s} instead of an error"
    try:
        ok = bool(case.check(out))
    except Exception as e:  # noqa: BLE001
        ok, out = False, f"check raised {e!r}"
    return ("correct", "") if ok else ("silent wrong", f"returned {str(out)[:100]}")


# --------------------------------------------------------------------------- shared inputs

def _X(n=6, d=3, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


X = _X()
K = kernels.expected_ntk(X, "relu", 50)
NAN_X = X.copy()
NAN_X[0, 0] = np.nan
TOY = "to be, or not to be: that is the question.\n" * 30
CORPUS = text.char_corpus(TOY)
GEN = torch.Generator


def _two(kind="relu", d=3, width=8, d_out=1, bias=False):
    return models.two_layer(kind, d, width, d_out, bias=bias)


def _frozen():
    return _two().requires_grad_(False)


def _gpt(**kw):
    return gpt.GPT(gpt.GPTConfig(**{**dict(vocab_size=CORPUS.vocab_size, block_size=8, n_layer=1, n_head=2,
                                           n_embd=16), **kw}))


VIT = dict(image_size=8, patch_size=4, channels=1, dim=16, depth=1, heads=2, mlp_dim=16)
MIX = dict(image_size=8, patch_size=4, channels=1, dim=16, depth=1)
GPT_SETTINGS = dict(vocab_size=11, block_size=4, n_layer=1, n_head=2, n_embd=8)
P = config.preset("spectrum", "smoke")
TCFG = dict(max_iters=2, lr=1e-3, min_lr=1e-4, warmup_iters=0, eval_interval=1, eval_iters=1)
HIST = {"iter": [0, 1, 2], "train_loss": [2.0, 1.5, 1.0], "val_loss": [2.1, 1.7, 1.3]}
BIG = X * 1e160  # ‖x‖² overflows float64


def _kappa_rank_deficient():
    Xr = np.repeat(_X(3, 4), 2, axis=0)  # repeated rows: the kernel is singular
    return spectra.condition_number(kernels.expected_ntk(Xr, "relu", 16))


def _bf(split, gen):
    return (torch.randn(4, 3, generator=gen, dtype=torch.float64),
            torch.randn(4, 1, generator=gen, dtype=torch.float64))


def _mse(m, x, y):
    return ((m(x) - y) ** 2).mean()


def _tar_escape(tmp):
    import io
    import tarfile

    archive = tmp / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 1
        t.addfile(info, io.BytesIO(b"x"))
    images._safe_extract(archive, tmp / "out")


_TMP = tempfile.TemporaryDirectory(prefix="glu_bad_inputs_")  # removed when the interpreter exits
atexit.register(_TMP.cleanup)


def _tmpdir():
    return Path(tempfile.mkdtemp(dir=_TMP.name))


def _file(content: bytes, name="f.bin"):
    d = _tmpdir()
    (d / name).write_bytes(content)
    return d / name


def _cifar_dir(content: bytes):
    d = _tmpdir()
    (d / "cifar-10-batches-py").mkdir()
    (d / "cifar-10-batches-py" / "test_batch").write_bytes(content)
    return d


def _tiny(annotation: str):
    from PIL import Image

    d = _tmpdir()
    (d / "train" / "n01" / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(d / "train" / "n01" / "images" / "a.JPEG")
    (d / "val" / "images").mkdir(parents=True)
    (d / "val" / "val_annotations.txt").write_text(annotation)
    return d


def _ckpt(content: bytes):
    path = _file(content, "run.pt")
    return train.train(_two(), train.TrainConfig(**TCFG), _bf, _mse, ckpt_path=path)


def _other_model_ckpt():
    path = _tmpdir() / "relu.pt"
    train.train(_two("gelu"), train.TrainConfig(**TCFG), _bf, _mse, ckpt_path=path)
    return train.train(_two("relu"), train.TrainConfig(**TCFG), _bf, _mse, ckpt_path=path)


def _eval0():
    return train.evaluate(_two(), _bf, _mse, iters=0, seed=0)


def _dyn_train_dout2():
    net = _two(d_out=2, width=16)
    Y = np.stack([np.zeros(6), np.ones(6)], 1)
    out = dynamics.train(net, X, Y, lr=0.05, epochs=50, seed=0)
    with torch.no_grad():
        pred = net(torch.as_tensor(X))
    return float(((pred[:, 1] - 1.0) ** 2).mean()), out


def _cli(argv):
    """``runs.main(argv)``; argparse's exit becomes a ValueError holding what it printed."""
    import contextlib
    import io

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            runs.main(argv)
    except SystemExit as e:
        raise ValueError(err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else f"exit {e}")


def _finite(a):
    return np.all(np.isfinite(np.asarray(a, dtype=float)))


# --------------------------------------------------------------------------- the cases

CASES = [
    # _checks
    Case("_checks.file_digest: missing file", lambda: _checks.file_digest(_tmpdir() / "none.bin", "md5"),
         "none.bin"),
    Case("_checks.file_digest: unknown algorithm", lambda: _checks.file_digest(__file__, "nope"),
         "unsupported hash|nope"),
    Case("_checks.positive_int: 0", lambda: _checks.positive_int(0, "n"), "n must"),
    Case("_checks.positive_int: 2.0", lambda: _checks.positive_int(2.0, "n"), "n must"),
    Case("_checks.positive_int: True", lambda: _checks.positive_int(True, "n"), "n must"),
    Case("_checks.non_negative_int: -1", lambda: _checks.non_negative_int(-1, "k"), "k must"),
    Case("_checks.finite_float: nan", lambda: _checks.finite_float(float("nan"), "lr"), "lr must"),
    Case("_checks.as_matrix: NaN", lambda: _checks.as_matrix(NAN_X), "X contains NaN"),
    Case("_checks.as_matrix: 1-D", lambda: _checks.as_matrix([1.0, 2.0]), "X must be a non-empty 2-D"),
    Case("_checks.as_matrix: empty", lambda: _checks.as_matrix(np.zeros((0, 3))), "X must be a non-empty"),
    Case("_checks.as_matrix: complex", lambda: _checks.as_matrix([[1j]]), "X is complex"),
    Case("_checks.as_matrix: strings", lambda: _checks.as_matrix([["a"]]), "X must be a real numeric"),
    Case("_checks.as_matrix: ragged", lambda: _checks.as_matrix([[1, 2], [3]]), "X must be a real numeric"),
    Case("_checks.matrix_pair: dims differ", lambda: _checks.matrix_pair(X, _X(2, 4)), "same number of features"),
    # analysis
    Case("analysis.width_convergence: unknown kind", lambda: analysis.width_convergence(X, "nope", [8], [0]),
         "unknown model kind"),
    Case("analysis.width_convergence: width 0", lambda: analysis.width_convergence(X, "relu", [0], [0]), "width"),
    Case("analysis.width_convergence: NaN X", lambda: analysis.width_convergence(NAN_X, "relu", [8], [0]), "NaN"),
    Case("analysis.loglog_slope: one point", lambda: analysis.loglog_slope([1.0], [1.0]), "two 1-D arrays"),
    Case("analysis.loglog_slope: negative", lambda: analysis.loglog_slope([1, 2], [1, -1]), "positive"),
    Case("analysis.loglog_slope: exact", lambda: analysis.loglog_slope([1, 10, 100], [2, 20, 200]), "",
         lambda s: abs(s - 1) < 1e-12),
    Case("analysis.eq5_error_grid: non-GLU", lambda: analysis.eq5_error_grid("relu", [4], [16], 5), "GLU"),
    Case("analysis.eq5_error_grid: n=0", lambda: analysis.eq5_error_grid("reglu", [4], [16], 0), "n must|non-empty"),
    Case("analysis.ntk_cosines: not square", lambda: analysis.ntk_cosines(np.ones((2, 3))), "square"),
    Case("analysis.ntk_cosines: zero diagonal", lambda: analysis.ntk_cosines(np.zeros((2, 2))), "positive diagonal"),
    Case("analysis.gradient_angle_check: unknown kind",
         lambda: analysis.gradient_angle_check(X, ("relu", "nope"), 8), "unknown model kind"),
    Case("analysis.gradient_angle_check: width 0",
         lambda: analysis.gradient_angle_check(X, ("relu", "reglu"), 0), "width"),
    Case("analysis.off_diagonal_ratio: NaN", lambda: analysis.off_diagonal_ratio(NAN_X[:3, :3]), "NaN"),
    Case("analysis.off_diagonal_ratio: zero matrix", lambda: analysis.off_diagonal_ratio(np.zeros((3, 3))),
         "diagonal", lambda r: not math.isnan(r)),
    Case("analysis.teaser_kernels: n=0", lambda: analysis.teaser_kernels(n=0), "n must|non-empty"),
    # config
    Case("config.resolve_scale: unknown", lambda: config.resolve_scale("huge"), "unknown scale"),
    Case("config.resolve_scale: None", lambda: config.resolve_scale(None), "scale"),
    Case("config.preset: unknown chapter", lambda: config.preset("nope"), "unknown chapter"),
    Case("config.preset: unknown scale", lambda: config.preset("spectrum", "huge"), "unknown scale"),
    Case("config.preset: nested write", lambda: config.preset("generalization", "smoke").families["mixer"]
         .__setitem__("seeds", 99), "read-only"),
    Case("config.Preset: empty chapter", lambda: config.Preset("", "smoke", {}), "chapter"),
    Case("config.Preset: values not a mapping", lambda: config.Preset("a", "smoke", [1]), "mapping"),
    Case("config.freeze: nested list", lambda: config.freeze({"a": [1, {"b": [2]}]}), "",
         lambda f: f == {"a": (1, {"b": (2,)})} and isinstance(f["a"][1], config.FrozenDict)),
    Case("config.thaw: nested", lambda: config.thaw(config.freeze({"a": (1,)})), "", lambda t: t == {"a": [1]}),
    # data
    Case("data.gaussian_regression: n=0", lambda: data.gaussian_regression(0, 3), "n must"),
    Case("data.gaussian_regression: d=-1", lambda: data.gaussian_regression(3, -1), "d must"),
    Case("data.gaussian_regression: teacher", lambda: data.gaussian_regression(3, 2, teacher="x"), "unknown teacher"),
    Case("data.gaussian_regression: noise<0", lambda: data.gaussian_regression(3, 2, noise=-1.0), "noise"),
    Case("data.gaussian_regression: noise nan", lambda: data.gaussian_regression(3, 2, noise=float("nan")), "noise"),
    Case("data.digits_regression: n=0", lambda: data.digits_regression(0), "n must"),
    Case("data.digits_regression: n too big", lambda: data.digits_regression(5000), "1797"),
    Case("data.digits_regression: n=1", lambda: data.digits_regression(1), "", lambda r: _finite(r[0])),
    Case("data.mnist_5k: n=0", lambda: data.mnist_5k(0), "n must"),
    Case("data.mnist_5k: n too big", lambda: data.mnist_5k(6000), "5000"),
    Case("data.mnist_regression: n=-1", lambda: data.mnist_regression(-1), "n must"),
    Case("data.mnist_regression: n=1", lambda: data.mnist_regression(1), "", lambda r: _finite(r[0])),
    Case("data.mnist_regression: unknown source", lambda: data.mnist_regression(10, source="70k"), "source"),
    Case("data.mnist_60k: missing folder", lambda: data.mnist_60k("/nonexistent/mnist"), "fetch-mnist"),
    # deep
    Case("deep.is_ffn_parameter: unknown family", lambda: deep.is_ffn_parameter("cnn", "blocks.0.mlp.w"),
         "unknown model family"),
    Case("deep.ntk_kappas: unknown kind", lambda: deep.ntk_kappas("vit", "nope", VIT, 2, 0), "unknown model kind"),
    Case("deep.ntk_kappas: n=0", lambda: deep.ntk_kappas("vit", "relu", VIT, 0, 0), "n must"),
    Case("deep.sweep: unknown family", lambda: deep.sweep("x", "cnn", ["relu"], [0], VIT, 2), "unknown model family"),
    Case("deep.text_probe_tokens: unknown vocabulary", lambda: deep.text_probe_tokens({"vocab_size": 7}),
         "no text tokenizer for vocab_size 7"),
    Case("deep.stored_kappas: absent", lambda: deep.stored_kappas("deep_no_such_sweep"), "", lambda r: r is None),
    Case("deep.trained_ratios: absent", lambda: deep.trained_ratios("deep_no_such_sweep"), "",
         lambda r: r == {}),
    Case("deep.pair_ratios: no common seed", lambda: deep.pair_ratios({"relu": [{"kappa_full": 2.0}]},
                                                                      "relu", "reglu"), "no seed"),
    Case("deep.plot_kappa_bars: nothing stored", lambda: deep.plot_kappa_bars(
        __import__("matplotlib.pyplot").pyplot.figure().gca(), {}, ["relu"]), "", lambda r: r is None),
    Case("ntk.structured_ntk: NaN input", lambda: ntk.structured_ntk(deep.build("vit", "relu", VIT),
                                                                     torch.full((2, 1, 8, 8), float("nan"))), "NaN|finite"),
    Case("vit.LAYOUTS: unknown layout", lambda: vit.ViTConfig(**{**VIT, "layout": "x"}), "unknown layout"),
    Case("deep.model_kappas: unknown family", lambda: deep.model_kappas(
        "cnn", deep.build("vit", "relu", VIT), deep.probe_inputs("vit", 2, VIT)), "unknown model family"),
    Case("deep.sweep_grid: no points", lambda: deep.sweep_grid("x", {}, ["relu"], [0]), "points"),
    Case("deep.stored_grid: absent", lambda: deep.stored_grid("deep_no_such_grid"), "", lambda r: r is None),
    Case("deep.SIGN_GRIDS: every point has a valid config", lambda: [
        (vit.ViTConfig if p["family"] == "vit" else gpt.GPTConfig)(**p["settings"])
        for g in deep.SIGN_GRIDS.values() for p in g.values()], "", lambda r: len(r) > 20),
    Case("deep.trained_gpt_kappas: no checkpoint", lambda: deep.trained_gpt_kappas(
        "/nonexistent/gpt.pt", "relu", 0, CORPUS.val), "no checkpoint"),
    Case("deep.trained_sweep: no checkpoints, nothing stored", lambda: deep.trained_sweep(
        "deep_no_such_trained", "/nonexistent", ["relu"], [0]), "", lambda r: r["kernels"] == {}),
    Case("gpt.GPTConfig: init outside gpt.GPT_INITS", lambda: _gpt(init="he"), "unknown init"),
    Case("deep.build: unknown family", lambda: deep.build("cnn", "relu", {}), "unknown model family"),
    Case("deep.build: unknown kind", lambda: deep.build("vit", "nope", VIT), "unknown model kind"),
    Case("deep.build: bad patch", lambda: deep.build("vit", "relu", {**VIT, "patch_size": 3}), "patch_size"),
    Case("deep.probe_inputs: n=0", lambda: deep.probe_inputs("vit", 0, VIT), "n must"),
    Case("deep.probe_inputs: unknown family", lambda: deep.probe_inputs("cnn", 2, VIT), "unknown model family"),
    Case("deep.ntk_condition_numbers: n=0",
         lambda: deep.ntk_condition_numbers("mixer", ["relu"], MIX, 0, [0]), "n must"),
    Case("deep.ntk_condition_numbers: unknown kind",
         lambda: deep.ntk_condition_numbers("mixer", ["nope"], MIX, 2, [0]), "unknown model kind"),
    Case("deep.param_count: frozen model counts", lambda: deep.param_count(_frozen()), "",
         lambda c: c == sum(p.numel() for p in _frozen().parameters()) or c == 0),
    # dynamics
    Case("dynamics.crossing_summary: lengths differ", lambda: dynamics.crossing_summary([1, 2, 3], [1, 2]),
         "one length"),
    Case("dynamics.crossing_summary: NaN", lambda: dynamics.crossing_summary([1, np.nan, 3], [1, 2, 3]), "NaN"),
    Case("dynamics.crossing_boundary: no records", lambda: dynamics.crossing_boundary([]), "no records"),
    Case("dynamics.official_trajectories: unknown kind",
         lambda: dynamics.official_trajectories(("relu", "nope"), steps=2), "unknown model kind"),
    Case("dynamics.official_trajectories: steps 0", lambda: dynamics.official_trajectories(steps=0), "steps"),
    Case("dynamics.train_kinds_stored: unknown kind", lambda: dynamics.train_kinds_stored(
        "x", None, ["nope"], np.ones((4, 3)), np.ones(4), width=4, lr=0.1, epochs=1), "unknown model kind"),
    Case("dynamics.mse_eta: lr=0", lambda: dynamics.mse_eta(0.0, 10), "lr must"),
    Case("dynamics.mse_eta: n=0", lambda: dynamics.mse_eta(0.1, 0), "n must"),
    Case("dynamics.mse_lr: eta<0", lambda: dynamics.mse_lr(-1.0, 5), "eta must"),
    Case("dynamics.output_covariance: unknown kind", lambda: dynamics.output_covariance(X, "nope"),
         "unknown model kind"),
    Case("dynamics.kernel_loss_curve: Y length", lambda: dynamics.kernel_loss_curve(K, np.ones(5), 0.1, 3),
         "Y must have shape"),
    Case("dynamics.kernel_loss_curve: eta=0", lambda: dynamics.kernel_loss_curve(K, np.ones(6), 0.0, 3), "eta"),
    Case("dynamics.kernel_loss_curve: steps<0", lambda: dynamics.kernel_loss_curve(K, np.ones(6), 0.1, -1),
         "steps"),
    Case("dynamics.kernel_loss_curve: not symmetric",
         lambda: dynamics.kernel_loss_curve(np.triu(K), np.ones(6), 0.1, 3), "symmetric"),
    Case("dynamics.linearised_gd: steps=0", lambda: dynamics.linearised_gd(K, np.ones(6), 0.1, 0), "steps"),
    Case("dynamics.linearised_gd: f0 shape",
         lambda: dynamics.linearised_gd(K, np.ones(6), 0.1, 2, f0=np.ones(5)), "f0"),
    Case("dynamics.max_stable_eta: negative K", lambda: dynamics.max_stable_eta(-np.eye(3)), "positive eigenvalue"),
    Case("dynamics.crossing_steps: lengths", lambda: dynamics.crossing_steps([1.0, 2.0], [1.0]),
         "same length|one length"),
    Case("dynamics.crossing_steps: NaN", lambda: dynamics.crossing_steps([1.0, np.nan], [1.0, 2.0]), "NaN"),
    Case("dynamics.loss_crossing_step: lengths", lambda: dynamics.loss_crossing_step([1.0, 2.0], [1.0]),
         "one length"),
    Case("dynamics.train: epochs=0", lambda: dynamics.train(_two(), X, np.ones(6), lr=0.1, epochs=0), "epochs"),
    Case("dynamics.train: Y length", lambda: dynamics.train(_two(), X, np.ones(5), lr=0.1, epochs=1), "samples"),
    Case("dynamics.train: NaN X", lambda: dynamics.train(_two(), NAN_X, np.ones(6), lr=0.1, epochs=1), "NaN"),
    Case("dynamics.train: batch 0", lambda: dynamics.train(_two(), X, np.ones(6), lr=0.1, epochs=1, batch_size=0),
         "batch_size"),
    Case("dynamics.train: d_out=2 with 2-D targets", _dyn_train_dout2, "Y must|d_out|output",
         lambda r: r[0] < 0.1),
    Case("dynamics.train: d_out=2 with 1-D targets",
         lambda: dynamics.train(_two(d_out=2), X, np.ones(6), lr=0.1, epochs=1), "d_out|output"),
    Case("dynamics.train_kinds: unknown kind",
         lambda: dynamics.train_kinds(["nope"], X, np.ones(6), width=8, lr=0.1, epochs=1), "unknown model kind"),
    Case("dynamics.output_trajectory: ntk_every=0",
         lambda: dynamics.output_trajectory("relu", X, np.ones(6), width=8, lr=0.1, steps=2, ntk_every=0),
         "ntk_every"),
    Case("dynamics.linearised_prediction: batch 0",
         lambda: dynamics.linearised_prediction("relu", X, np.ones(6), width=8, lr=0.1, epochs=1, batch_size=0),
         "batch_size"),
    Case("dynamics.step_grid: points=0", lambda: dynamics.step_grid(10, 0), "points"),
    Case("dynamics.kernel_pair_curves: unknown kind",
         lambda: dynamics.kernel_pair_curves(X, np.ones(6), ("relu", "nope"), width=8), "unknown model kind"),
    Case("dynamics.crossing_map: n=0",
         lambda: dynamics.crossing_map([0], [2], [0.5], ["linear"], width=8), "n must|n "),
    Case("dynamics.final_loss_ratio: zero GLU loss", lambda: dynamics.final_loss_ratio([1.0], [0.0]),
         "loss", lambda r: r == math.inf),
    # generalization
    Case("generalization.energy_distance: one point", lambda: generalization.energy_distance([[1.0, 2.0]],
         [[1.0, 2.0], [2.0, 3.0]]), "at least 2 points"),
    Case("generalization.energy_distance: dims", lambda: generalization.energy_distance(_X(3, 2), _X(3, 3)),
         "same dimension"),
    Case("generalization.energy_distance: NaN", lambda: generalization.energy_distance(NAN_X, X), "finite"),
    Case("generalization.energy_test: 0 permutations",
         lambda: generalization.energy_test(_X(4, 2), _X(4, 2, 1), 0), "n_permutations"),
    Case("generalization.cloud: no losses", lambda: generalization.cloud({"iter": [0]}), "train_loss"),
    Case("generalization.gap_at_matched_loss: 1-D", lambda: generalization.gap_at_matched_loss(np.ones(3), [1.0]),
         "points"),
    Case("generalization.gap_difference_ci: disjoint", lambda: generalization.gap_difference_ci(
        [np.array([[1.0, 0.1], [2.0, 0.2]])] * 2, [np.array([[5.0, 0.1], [6.0, 0.2]])] * 2), "share no range"),
    Case("generalization.gap_difference_ci: one run", lambda: generalization.gap_difference_ci(
        [np.array([[1.0, 0.1], [2.0, 0.2]])], [np.array([[1.0, 0.1], [2.0, 0.2]])] * 2), "at least 2 runs"),
    Case("generalization.paper_energy_test: NaN", lambda: generalization.paper_energy_test(NAN_X, X), "finite"),
    Case("generalization.run_energy_test: empty strata", lambda: generalization.run_energy_test([]),
         "strat"),
    Case("generalization.RunTest: is a result tuple", lambda: generalization.run_energy_test(
        [([_X(3, 2, 1), _X(3, 2, 2)], [_X(3, 2, 3), _X(3, 2, 4)])], 50), "",
         lambda r: isinstance(r, generalization.RunTest) and 0 < r.p <= 1),
    Case("generalization.simulate_null_clouds: 0 runs", lambda: generalization.simulate_null_clouds(
        0, 5, np.random.default_rng(0)), "n_runs"),
    Case("generalization.rejection_rate: alpha 1", lambda: generalization.rejection_rate(
        lambda a, b, s: 0.5, 2, alpha=1.0, n_runs=2, n_evals=3), "alpha"),
    Case("generalization.GapDifference: from the interval", lambda: generalization.gap_difference_ci(
        [np.array([[1.0, 0.1], [2.0, 0.2]]), np.array([[1.0, 0.2], [2.0, 0.3]])],
        [np.array([[1.0, 0.3], [2.0, 0.4]]), np.array([[1.0, 0.4], [2.0, 0.5]])]), "",
         lambda g: isinstance(g, generalization.GapDifference) and g.low < g.difference < g.high),
    Case("generalization.pooled_difference: empty", lambda: generalization.pooled_difference([]),
         "at least one"),
    Case("generalization.calibrate_null: one run", lambda: generalization.calibrate_null([[_X(3, 2, 1)]]),
         "at least 2 runs"),
    Case("generalization.NullCalibration: from stored-like runs", lambda: generalization.calibrate_null(
        [[_X(4, 2, 1), _X(4, 2, 2)]]), "", lambda c: isinstance(c, generalization.NullCalibration) and c.groups == 1),
    Case("generalization.monte_carlo_error: rate 2", lambda: generalization.monte_carlo_error(2.0, 10), "rate"),
    Case("generalization.holm: p above 1", lambda: generalization.holm([0.2, 1.5]), "pvalues"),
    Case("generalization.random_effects_pool: one comparison", lambda: generalization.random_effects_pool(
        [generalization.GapDifference(0.1, 0, 0.2, 0.05, 5, 0.1, (0, 1), 0.2)]), "two GapDifference"),
    Case("generalization.Pooled: from two comparisons", lambda: generalization.random_effects_pool(
        [generalization.GapDifference(0.1, 0, 0.2, 0.05, 5, 0.1, (0, 1), 0.2),
         generalization.GapDifference(0.2, 0, 0.4, 0.05, 5, 0.1, (0, 1), 0.2)]), "",
         lambda r: isinstance(r, generalization.Pooled) and r.low < r.mean < r.high),
    Case("generalization.pools_by_family: no comparisons", lambda: generalization.pools_by_family({}), "",
         lambda r: r == {}),
    Case("generalization.full_set_eval: batch 0", lambda: generalization.full_set_eval({}, 0, 1, 0),
         "batch_size"),
    Case("generalization.stored_name: names a GPT run", lambda: generalization.stored_name("gpt", "sgd", "relu", 1),
         "", lambda n: n == "gpt_cpu_sgd_relu_seed1"),
    Case("generalization.stored_clouds: none stored", lambda: generalization.stored_clouds(
        "mixer", "sgd", "relu", seeds=[999]), "", lambda c: c == []),
    Case("generalization.Comparison: compare one run each", lambda: generalization.compare(
        [_X(3, 2, 1)], [_X(3, 2, 2)], 20), "", lambda c: isinstance(c, generalization.Comparison) and c.gap is None),
    Case("generalization.plot_clouds: empty groups", lambda: generalization.plot_clouds(
        __import__("matplotlib.pyplot").pyplot.figure().gca(), {}), "", lambda r: r is None),
    Case("generalization.compare: no runs", lambda: generalization.compare([], [_X(3, 2)]), "clouds_a"),
    Case("runs.GPT_VARIANTS: the SGD variant resolves", lambda: runs.gpt_recipe("cpu_sgd", "relu", 65), "",
         lambda r: r[1].optimizer == "sgd"),
    Case("runs.sgd_lr_recipe: a rate off runs.SGD_LR_GRID", lambda: runs.sgd_lr_recipe(0.5), "not in the grid"),
    Case("runs.sgd_lr_recipe: unknown init", lambda: runs.sgd_lr_recipe(1.0, "xavier"), "unknown init"),
    Case("runs.sgd_lr_recipe: a trial lasts runs.LR_TRIAL_ITERS iterations",
         lambda: runs.gpt_recipe(runs.sgd_lr_recipe(3.0, trial=True), "relu", 65), "",
         lambda r: r[1].max_iters == runs.LR_TRIAL_ITERS and r[1].lr == 3.0),
    Case("generalization.image_splits: unknown", lambda: generalization.image_splits("svhn"), "unknown image data"),
    Case("generalization.train_run: unknown family",
         lambda: generalization.train_run("cnn", "relu", "sgd", {}, {}), "unknown model family"),
    # gpt, vit, mixer, transformer
    Case("gpt.GPTConfig: heads do not divide", lambda: _gpt(n_embd=10, n_head=3), "divisible|n_head"),
    Case("gpt.GPTConfig: unknown ffn", lambda: _gpt(ffn="nope"), "unknown model kind"),
    Case("gpt.GPT: sequence too long", lambda: _gpt()(torch.zeros(1, 9, dtype=torch.long)), "block_size"),
    Case("vit.ViTConfig: patch", lambda: vit.ViT(vit.ViTConfig(**{**VIT, "patch_size": 3})), "patch_size"),
    Case("vit.ViT: wrong image shape", lambda: vit.ViT(vit.ViTConfig(**VIT))(torch.zeros(1, 3, 8, 8)),
         "expected images"),
    Case("mixer.MixerConfig: patch", lambda: mixer.Mixer(mixer.MixerConfig(**{**MIX, "patch_size": 3})),
         "patch_size"),
    Case("mixer.INITS: an unknown init", lambda: mixer.MixerConfig(**{**MIX, "init": "kaiming"}), "init"),
    Case("mixer.Mixer: wrong image shape", lambda: mixer.Mixer(mixer.MixerConfig(**MIX))(torch.zeros(1, 1, 4, 4)),
         "expected images"),
    Case("transformer.SelfAttention: heads", lambda: transformer.SelfAttention(10, 3), "divisible"),
    Case("transformer.Block: unknown kind", lambda: transformer.Block(8, 2, 16, "nope"), "unknown model kind"),
    # images
    Case("images.digits_images: fraction 1", lambda: images.digits_images(1.0), "test_fraction"),
    Case("images.read_cifar10: missing", lambda: images.read_cifar10(_tmpdir()), "not found"),
    Case("images.read_cifar10: truncated file", lambda: images.read_cifar10(
        _cifar_dir(b"\x80\x04\x95"), train=False, checksums={"test_batch": images._md5(
            _cifar_dir(b"\x80\x04\x95") / "cifar-10-batches-py" / "test_batch")}), "test_batch"),
    Case("images.read_cifar10: unverified file", lambda: images.read_cifar10(_cifar_dir(b"x"), train=False),
         "test_batch has MD5"),
    Case("images.download_cifar10: archive escapes its folder", lambda: _tar_escape(_tmpdir()), "refusing"),
    Case("images.read_tiny_imagenet: unknown class", lambda: images.read_tiny_imagenet(_tiny("v.JPEG\tn99\n"), "val"),
         "val_annotations.txt, line 1: class 'n99'"),
    Case("images.read_tiny_imagenet: missing image", lambda: images.read_tiny_imagenet(_tiny("v.JPEG\tn01\n"), "val"),
         r"v\.JPEG is missing"),
    Case("images.read_tiny_imagenet: split", lambda: images.read_tiny_imagenet(_tmpdir(), "test"), "split"),
    Case("images.normalize: float images", lambda: images.normalize(torch.full((1, 1, 2, 2), 0.5), (0.0,), (1.0,)),
         "", lambda x: torch.allclose(x, torch.full((1, 1, 2, 2), 0.5))),
    Case("images.normalize: 0-255 floats", lambda: images.normalize(torch.full((1, 1, 2, 2), 200.0), (0.0,), (1.0,)),
         r"\[0, 1\]"),
    Case("images.normalize: std 0", lambda: images.normalize(torch.zeros(1, 1, 2, 2, dtype=torch.uint8), (0.0,),
                                                             (0.0,)), "std"),
    Case("images.normalize: channels", lambda: images.normalize(torch.zeros(1, 3, 2, 2, dtype=torch.uint8),
                                                                (0.0, 0.0), (1.0,)), "mean"),
    Case("images.augment: 3-D", lambda: images.augment(torch.zeros(3, 4, 4, dtype=torch.uint8), GEN(), (0.0,),
                                                       (1.0,)), "expected a batch"),
    Case("images.augment: erase_p", lambda: images.augment(torch.zeros(1, 1, 4, 4, dtype=torch.uint8), GEN(),
                                                           (0.0,), (1.0,), erase_p=2.0), "erase_p"),
    Case("images.random_resized_crop: scale reversed", lambda: images.random_resized_crop(
        torch.zeros(1, 3, 4, 4, dtype=torch.uint8), GEN(), 4, scale=(1.0, 0.5)), "scale"),
    Case("images.random_resized_crop: size 0", lambda: images.random_resized_crop(
        torch.zeros(1, 3, 4, 4, dtype=torch.uint8), GEN(), 0), "size"),
    Case("images.color_jitter: hue beyond half a turn", lambda: images.color_jitter(
        torch.zeros(1, 3, 4, 4, dtype=torch.uint8), GEN(), hue=0.7), "hue"),
    Case("images.color_jitter: zero is the identity", lambda: images.color_jitter(
        torch.full((1, 3, 2, 2), 0.25), GEN()), "", lambda x: torch.equal(x, torch.full((1, 3, 2, 2), 0.25))),
    Case("images.random_erasing: uint8", lambda: images.random_erasing(torch.zeros(1, 1, 4, 4, dtype=torch.uint8),
                                                                      GEN(), 0.5), "floating"),
    Case("images.random_erasing: ratio", lambda: images.random_erasing(torch.zeros(1, 1, 4, 4), GEN(), 0.5,
                                                                      ratio=(-1.0, 2.0)), "ratio"),
    Case("images.augment_tiny_imagenet: erase_p", lambda: images.augment_tiny_imagenet(
        torch.zeros(1, 3, 4, 4, dtype=torch.uint8), GEN(), (0.0,), (1.0,), size=4, erase_p=1.2), "erase_p"),
    Case("images.augment_tiny_imagenet: 2 channels", lambda: images.augment_tiny_imagenet(
        torch.zeros(1, 2, 4, 4, dtype=torch.uint8), GEN(), (0.0,), (1.0,), size=4), "channels"),
    Case("images.batch_fn: unknown augmentation", lambda: images.batch_fn(
        {"train": (torch.zeros(2, 1, 2, 2), torch.zeros(2)), "val": (torch.zeros(2, 1, 2, 2), torch.zeros(2))}, 2,
        (0.0,), (1.0,), train_augment="svhn"), "train_augment"),
    Case("images.batch_fn: batch 0", lambda: images.batch_fn({}, 0, (0.0,), (1.0,)), "batch_size"),
    Case("images.batch_fn: no val split", lambda: images.batch_fn(
        {"train": (torch.zeros(2, 1, 2, 2), torch.zeros(2))}, 2, (0.0,), (1.0,)), "'val'"),
    # kernels
    Case("kernels.arccos_kernel: order 2", lambda: kernels.arccos_kernel(X, order=2), "order"),
    Case("kernels.arccos_kernel: zero row", lambda: kernels.arccos_kernel(np.zeros((2, 3))), "non-zero norm"),
    Case("kernels.arccos_kernel: NaN", lambda: kernels.arccos_kernel(NAN_X), "NaN"),
    Case("kernels.dual_kernels: unknown activation", lambda: kernels.dual_kernels(X, activation="tanh"),
         "activation|tanh"),
    Case("kernels.dual_kernels: dims", lambda: kernels.dual_kernels(X, _X(2, 4)), "same number of features"),
    Case("kernels.hermite_coefficients: kmax too small", lambda: kernels.hermite_coefficients(
        lambda z: np.abs(z) ** 0.5, np.array([1e6]), kmax=2), "does not converge"),
    Case("kernels.assemble_ntk: width 0", lambda: kernels.assemble_ntk(K, K, K, 3, 0, False), "width"),
    Case("kernels.expected_ntk: unknown kind", lambda: kernels.expected_ntk(X, "nope", 8), "unknown model kind"),
    Case("kernels.expected_ntk: width 0", lambda: kernels.expected_ntk(X, "relu", 0), "width"),
    Case("kernels.expected_ntk: NaN", lambda: kernels.expected_ntk(NAN_X, "relu", 8), "NaN"),
    Case("kernels.expected_ntk: huge norms", lambda: kernels.expected_ntk(BIG, "relu", 8), "norm|overflow|large",
         _finite),
    Case("kernels.expected_ntk: huge norms, ReGLU", lambda: kernels.expected_ntk(BIG, "reglu", 8),
         "norm|overflow|large", _finite),
    Case("kernels.expected_ntk: scaling K(cX) = c^2 K(X) (ReLU)",
         lambda: (kernels.expected_ntk(3 * X, "relu", 8), kernels.expected_ntk(X, "relu", 8)), "",
         lambda r: np.allclose(r[0], 9 * r[1])),
    Case("kernels.eq5_kernel: non-GLU", lambda: kernels.eq5_kernel(X, "relu", 8), "not a GLU kind"),
    Case("kernels.eq5_relative_error: width 0", lambda: kernels.eq5_relative_error(X, "reglu", 0), "width"),
    # kinds
    Case("kinds.get_kind: unknown", lambda: kinds.get_kind("nope"), "unknown model kind"),
    Case("kinds.get_kind: None", lambda: kinds.get_kind(None), "unknown model kind"),
    Case("kinds.get_kind: list", lambda: kinds.get_kind(["relu"]), "unknown model kind"),
    # models
    Case("models.matched_width: width 0", lambda: models.matched_width(0, 3), "width"),
    Case("models.two_layer: unknown kind", lambda: models.two_layer("nope", 3, 8), "unknown model kind"),
    Case("models.two_layer: d_in 0", lambda: models.two_layer("relu", 0, 8), "d_in"),
    Case("models.two_layer: unknown init", lambda: models.two_layer("relu", 3, 8, init="he"), "init"),
    Case("models.TwoLayer: wrong features", lambda: _two()(torch.zeros(2, 5, dtype=torch.float64)),
         "expected inputs with 3 features"),
    Case("models.init_linear_: unknown init", lambda: models.init_linear_(torch.nn.Linear(2, 2), "he", GEN()),
         "init"),
    Case("models.FeedForward: dim 0", lambda: models.FeedForward(0, 8), "dim"),
    Case("models.init_module_: unknown scheme", lambda: models.init_module_(torch.nn.Linear(2, 2), "he"), "init"),
    Case("models.check_images: wrong shape", lambda: models.check_images(torch.zeros(1, 2, 4, 4), 3, 4),
         "expected images"),
    # notebook
    Case("notebook.seed_everything: -1", lambda: notebook.seed_everything(-1), "seed"),
    Case("notebook.seed_everything: 1.5", lambda: notebook.seed_everything(1.5), "seed"),
    Case("notebook.sig: digits 0", lambda: notebook.sig(1.0, 0), "digits"),
    Case("notebook.sig: nan", lambda: notebook.sig(float("nan")), "", lambda s: s == "nan"),
    Case("notebook.gaussian_inputs: n=0", lambda: notebook.gaussian_inputs(0, 3), "n must"),
    # ntk
    Case("ntk.empirical_ntk: wrong features", lambda: ntk.empirical_ntk(_two(), _X(2, 5)), "features|shape"),
    Case("ntk.empirical_ntk: unknown method", lambda: ntk.empirical_ntk(_two(), X, method="x"), "unknown method"),
    Case("ntk.empirical_ntk: NaN", lambda: ntk.empirical_ntk(_two(), NAN_X), "NaN"),
    Case("ntk.empirical_ntk: no parameters", lambda: ntk.empirical_ntk(torch.nn.ReLU(), X), "no parameters"),
    Case("ntk.two_layer_ntk: not a TwoLayer", lambda: ntk.two_layer_ntk(torch.nn.Linear(3, 1), X), "TwoLayer"),
    Case("ntk.two_layer_ntk: int tensor", lambda: ntk.two_layer_ntk(_two(), torch.ones(6, 3, dtype=torch.long)),
         "integer|int|float", lambda k: np.allclose(k, ntk.two_layer_ntk(_two(), np.ones((6, 3))))
         ),
    Case("ntk.two_layer_ntk: bool tensor", lambda: ntk.two_layer_ntk(_two(), torch.ones(6, 3, dtype=torch.bool)),
         "bool|integer|int|float", lambda k: np.allclose(k, ntk.two_layer_ntk(_two(), np.ones((6, 3))))),
    Case("ntk.generic_ntk: zero samples", lambda: ntk.generic_ntk(_two(), np.zeros((0, 3))), "empty|sample"),
    Case("ntk.generic_ntk: zero samples in X2", lambda: ntk.generic_ntk(_two(), X, np.zeros((0, 3))),
         "empty|sample"),
    Case("ntk.generic_ntk: all parameters frozen", lambda: ntk.generic_ntk(_frozen(), X), "trainable|parameter"),
    Case("ntk.implicit_ntk: NaN", lambda: ntk.implicit_ntk(_two(), NAN_X), "NaN"),
    Case("ntk.ScalarReadout: agrees with the model", lambda: ntk.empirical_ntk(
        ntk.ScalarReadout(_two(), lambda o: o[:, 0]), X), "", lambda k: np.allclose(k, ntk.empirical_ntk(_two(), X))),
    # plotting
    Case("plotting.kind_style: unknown", lambda: plotting.kind_style("nope"), "unknown model kind"),
    Case("plotting.heatmaps: titles count", lambda: plotting.heatmaps([K, K], ["one"]), "titles|same number"),
    Case("plotting.teaser_figure: not square", lambda: plotting.teaser_figure(np.ones((2, 3)), K, K), "square"),
    # results
    Case("results.save_result: ../x", lambda: results.save_result("../x", {}, P, _tmpdir()), "invalid result name"),
    Case("results.load_result: ../x", lambda: results.load_result("../x", _tmpdir()), "invalid result name"),
    Case("results.load_result: corrupt", lambda: results.load_result("f", _file(b"{", "f.json").parent),
         r"f\.json is unreadable"),
    Case("results.made_with: not a stored result", lambda: results.made_with({"data": {}}, P),
         "stored must be a result"),
    Case("results.load_or_compute: bad name", lambda: results.load_or_compute("a/b", dict, P, _tmpdir()),
         "invalid result name"),
    Case("results.save_result: overwrite refused", lambda: results.save_result(
        "f", {}, P, _file(b"{}", "f.json").parent, overwrite=False), "exists"),
    Case("results.check_writable: under a file", lambda: results.check_writable(_file(b"") / "sub"), "not writable"),
    # runs
    Case("runs.gpt_recipe: unknown recipe", lambda: runs.gpt_recipe("huge", "gelu", 65), "unknown recipe"),
    Case("runs.mnist_steps_name: unknown kind", lambda: runs.mnist_steps_name("nope"), "unknown model kind"),
    Case("runs.mnist_steps_name: negative seed", lambda: runs.mnist_steps_name("relu", -1), "seed"),
    Case("runs.mnist_steps_name: unknown data", lambda: runs.mnist_steps_name("relu", 0, "70k"), "MNIST data"),
    Case("runs.train_mnist_steps: unknown kind", lambda: runs.train_mnist_steps(
        "nope", steps=1, directory=_tmpdir()), "unknown model kind"),
    Case("runs.mnist_kernel_prediction: every = 0", lambda: runs.mnist_kernel_prediction(every=0), "every"),
    Case("runs.mnist_kernel_prediction: unknown kind in pair", lambda: runs.mnist_kernel_prediction(
        pair=("relu", "nope")), "unknown model kind"),
    Case("runs.MNIST_STEPS: the paper's step count (150 epochs of 235 steps)", lambda: runs.MNIST_STEPS, "",
         lambda r: r["steps"] == 150 * 235 and r["batch_size"] == 256 and r["width"] == 3136),
    Case("runs.MNIST_STEPS_60K: all 60,000 images, one evaluation an epoch", lambda: runs.MNIST_STEPS_60K, "",
         lambda r: r["n"] == 60000 and r["eval_every"] == 235 and r["steps"] == 150 * 235),
    Case("data.MNIST_SOURCES: the two sources", lambda: data.MNIST_SOURCES, "", lambda r: r == ("5k", "60k")),
    Case("data.fetch_mnist: unreachable address", lambda: data.fetch_mnist(
        "/tmp/glu-fetch-test-unused", url="file:///nonexistent/mnist.tgz"), "nonexistent"),
    Case("dynamics.non_glu_leads_at: not a crossing summary", lambda: dynamics.non_glu_leads_at({}, 5),
         "crossing_summary"),
    Case("dynamics.train_steps_stored: unknown kind", lambda: dynamics.train_steps_stored(
        "x", "nope", np.zeros((4, 3)), np.zeros(4), width=4, lr=0.1, steps=2, batch_size=2,
        directory=_tmpdir()), "unknown model kind"),
    Case("dynamics.train_steps_stored: zero steps", lambda: dynamics.train_steps_stored(
        "x", "relu", np.zeros((4, 3)), np.zeros(4), width=4, lr=0.1, steps=0, batch_size=2,
        directory=_tmpdir()), "steps"),
    Case("runs.gpt_recipe: unknown ffn", lambda: runs.gpt_recipe("cpu", "nope", 65), "unknown model kind"),
    Case("runs.train_gpt: unknown ffn", lambda: runs.train_gpt("nope"), "unknown ffn"),
    Case("runs.main: unknown --ffn", lambda: _cli(["gpt", "--ffn", "nope"]), "invalid choice: 'nope'"),
    Case("runs.main: stored result kept", lambda: _cli(["gpt", "--recipe", "smoke", "--ffn", "relu", "--results-dir",
                                                        str(_file(b"{}", "gpt_smoke_relu_seed0.json").parent)]),
         "--overwrite"),
    # spectra
    Case("spectra.spectrum: not square", lambda: spectra.spectrum(np.ones((2, 3))), "square"),
    Case("spectra.spectrum: not symmetric", lambda: spectra.spectrum([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
    Case("spectra.spectrum: complex Hermitian", lambda: spectra.spectrum([[2, 1j], [-1j, 2]]), "complex",
         lambda ev: np.allclose(ev, [1, 3])),
    Case("spectra.spectrum: NaN", lambda: spectra.spectrum(NAN_X[:3, :3]), "NaN"),
    Case("spectra.extreme_eigenvalues: 1-D", lambda: spectra.extreme_eigenvalues([1.0, 2.0]), "2-D"),
    Case("spectra.condition_number: zero matrix", lambda: spectra.condition_number(np.zeros((2, 2))),
         "no positive eigenvalue"),
    Case("spectra.condition_number: indefinite", lambda: spectra.condition_number(np.diag([-1.0, 2.0])),
         "negative|semi-definite|PSD", lambda k: k == math.inf),
    Case("spectra.condition_number: singular kernel", _kappa_rank_deficient, "", lambda k: k == math.inf or k > 1e12),
    Case("spectra.taylor_coefficients: order -1", lambda: spectra.taylor_coefficients(False, -1), "order"),
    Case("spectra.expansion_matrix: width 0", lambda: spectra.expansion_matrix(X, 0, False), "width"),
    Case("spectra.expansion_error: NaN", lambda: spectra.expansion_error(NAN_X, 8, False), "NaN"),
    Case("spectra.marchenko_pastur_edges: n=0", lambda: spectra.marchenko_pastur_edges(0, 3), "n must"),
    Case("spectra.marchenko_pastur_quantiles: k=0", lambda: spectra.marchenko_pastur_quantiles(4, 3, k=0), "k must"),
    Case("spectra.theory_spectrum: d+1 >= n", lambda: spectra.theory_spectrum(3, 5, 10, False), "d \\+ 1 < n"),
    Case("spectra.theory_eigenvalues: m=0", lambda: spectra.theory_eigenvalues(10, 3, 0, True), "m must"),
    Case("spectra.make_inputs: unknown inputs", lambda: spectra.make_inputs(3, 2, inputs="x"), "unknown inputs"),
    Case("spectra.digits_inputs: n=1", lambda: spectra.digits_inputs(1), "n >= 2|center", _finite),
    Case("spectra.digits_inputs: n too big", lambda: spectra.digits_inputs(5000), "1797"),
    Case("spectra.units: unknown kind", lambda: spectra.units("nope", 8, 3), "unknown model kind"),
    Case("spectra.ntk_matrix: unknown source", lambda: spectra.ntk_matrix(X, "relu", 8, source="x"), "source"),
    Case("spectra.spectral_grid: singular kernel", lambda: spectra.spectral_grid(
        ["bilinear"], [(6, 1, 4)], [0]), "", lambda g: bool((g["bilinear"]["kappa"] > 0).all())),
    # symbolic
    Case("symbolic.arccos_integral: order 2", lambda: symbolic.arccos_integral(2), "order"),
    Case("symbolic.lambdify_ntk: unknown kind", lambda: symbolic.lambdify_ntk("gelu"), "closed form"),
    Case("symbolic.gaussian_moments: dim 0", lambda: symbolic.gaussian_moments(0), "dim"),
    # text
    Case("text.gpt2_tokens: not a str", lambda: text.gpt2_tokens(b"abc"), "text must be a str"),
    Case("text.gpt2_tokens: empty", lambda: text.gpt2_tokens(""), "text is empty"),
    Case("text.gpt2_encoding: corrupt vocabulary", lambda: text.gpt2_encoding(
        _file(b"xx", "gpt2.tiktoken").parent), "SHA-256"),
    Case("text.fetch: corrupt file", lambda: text.fetch(dict(text.SHAKESPEARE, name="f.bin"),
                                                        _file(b"abc").parent), "SHA-256"),
    Case("text.fetch: missing, not shipped, no download", lambda: text.fetch(
        dict(text.SHAKESPEARE, name="other.txt"), directory=_tmpdir(), download=False), "missing"),
    Case("text.fetch: missing, shipped copy used", lambda: text.fetch(directory=_tmpdir(), download=False), "",
         lambda p: p.stat().st_size == text.SHAKESPEARE["size"]),
    Case("text.packaged: not shipped", lambda: text.packaged(dict(text.SHAKESPEARE, name="other.txt")), "",
         lambda p: p is None),
    Case("text.read_text: missing, not shipped", lambda: text.read_text(
        dict(text.SHAKESPEARE, name="other.txt"), directory=_tmpdir()), "missing|not shipped|no copy"),
    Case("analysis.log_wall_seconds: missing file", lambda: analysis.log_wall_seconds(_tmpdir() / "x.log"),
         "x.log|No such file"),
    Case("spectra.kappa_from_extremes: NaN", lambda: spectra.kappa_from_extremes(math.nan, 1.0), "finite"),
    Case("spectra.kappa_from_extremes: indefinite", lambda: spectra.kappa_from_extremes(-1.0, 1.0),
         "semi-definite"),
    Case("text.char_corpus: empty", lambda: text.char_corpus(""), "text must"),
    Case("text.char_corpus: bytes", lambda: text.char_corpus(b"abc"), "text must"),
    Case("text.char_corpus: int", lambda: text.char_corpus(5), "text must"),
    Case("text.char_corpus: fraction", lambda: text.char_corpus("abc", 1.0), "train_fraction"),
    Case("text.char_corpus: > 65,536 symbols", lambda: text.char_corpus(
        "".join(chr(0x10000 + i) for i in range(70_000)) * 2), "", lambda c: int(c.train.max()) == c.vocab_size - 1),
    Case("text.CharCorpus.encode: unknown char", lambda: CORPUS.encode("Z"), "not in the vocabulary"),
    Case("text.CharCorpus.decode: id out of range", lambda: CORPUS.decode([999]), "outside the vocabulary"),
    Case("text.get_batch: too short", lambda: text.get_batch(CORPUS.val[:4], 8, 2, GEN()), "too short"),
    Case("text.get_batch: float data", lambda: text.get_batch(np.ones(50), 8, 2, GEN()), "integer token ids"),
    Case("text.batch_fn: block 0", lambda: text.batch_fn(CORPUS, 0, 2)("train", GEN()), "block_size"),
    Case("text.lm_loss: too long", lambda: text.lm_loss(_gpt(), torch.zeros(1, 9, dtype=torch.long),
                                                        torch.zeros(1, 9, dtype=torch.long)), "block_size"),
    Case("text.write_token_file: id too big", lambda: text.write_token_file(["a"], lambda s: [70000],
                                                                            _tmpdir() / "t.bin", 5), "uint16"),
    Case("text.write_token_file: max 0", lambda: text.write_token_file(["a"], lambda s: [1], _tmpdir() / "t.bin", 0),
         "max_tokens"),
    Case("text.read_token_file: empty", lambda: text.read_token_file(_file(b"")), r"f\.bin has 0 bytes"),
    Case("text.read_token_file: odd size", lambda: text.read_token_file(_file(b"abc")), r"f\.bin has 3 bytes"),
    Case("text.fineweb_token_file: max 0", lambda: text.fineweb_token_file(_tmpdir() / "x.bin", 0), "max_tokens"),
    # train
    Case("train.TrainConfig: grad_clip < 0", lambda: train.TrainConfig(grad_clip=-1.0), "grad_clip"),
    Case("train.TrainConfig: weight_decay < 0", lambda: train.TrainConfig(weight_decay=-0.1), "weight_decay"),
    Case("train.TrainConfig: ckpt_interval < 0", lambda: train.TrainConfig(ckpt_interval=-1), "ckpt_interval"),
    Case("train.TrainConfig: momentum 1", lambda: train.TrainConfig(momentum=1.0), "momentum"),
    Case("train.TrainConfig: lr nan", lambda: train.TrainConfig(lr=float("nan")), "lr"),
    Case("train.learning_rate: cfg not a TrainConfig", lambda: train.learning_rate(0, {}), "TrainConfig|cfg"),
    Case("train.learning_rate: it < 0", lambda: train.learning_rate(-1, train.TrainConfig()), "it must"),
    Case("train.make_optimizer: no trainable parameter", lambda: train.make_optimizer(_frozen(),
         train.TrainConfig()), "trainable|parameter"),
    Case("train.evaluate: iters 0", _eval0, "iters"),
    Case("train.train: corrupt checkpoint", lambda: _ckpt(b""), r"run\.pt is corrupt"),
    Case("train.train: truncated checkpoint", lambda: _ckpt(b"PK\x03\x04trunc"), r"run\.pt is corrupt"),
    Case("train.train: checkpoint of another model", _other_model_ckpt, r"relu\.pt was made with another model"),
    Case("train.train: stop_at 0", lambda: train.train(_two(), train.TrainConfig(**TCFG), _bf, _mse, stop_at=0),
         "stop_at"),
    Case("train.train: all parameters frozen", lambda: train.train(_frozen(), train.TrainConfig(**TCFG), _bf, _mse),
         "trainable parameter"),
    Case("train.fingerprint: same run, same print", lambda: (train.fingerprint(_two(), _bf, 0),
                                                             train.fingerprint(_two(), _bf, 0)), "",
         lambda r: r[0] == r[1]),
    # verdicts
    Case("verdicts.Verdict: '|' in claim", lambda: verdicts.Verdict("a|b", "x", "y", "z", "reproduced"), "'\\|'"),
    Case("verdicts.Verdict: unknown verdict", lambda: verdicts.Verdict("a", "x", "y", "z", "yes"), "verdict"),
    Case("verdicts.verdict_table: bad chapter", lambda: verdicts.verdict_table("../x", [], write=False), "chapter"),
    Case("verdicts.load_verdicts: bad chapter", lambda: verdicts.load_verdicts("../x"), "chapter"),
    Case("verdicts.to_markdown: not verdicts", lambda: verdicts.to_markdown([1]), "Verdict"),
    Case("verdicts.Finding: unknown status", lambda: verdicts.Finding("a", "x", "y", "z", "true"), "status"),
    Case("verdicts.Verdict: carriage return", lambda: verdicts.Verdict("a\rb", "x", "y", "z", "reproduced"),
         "line break"),
    Case("verdicts.load_findings: bad chapter", lambda: verdicts.load_findings("../x"), "chapter"),
    Case("verdicts.load_verdicts: file holds []", lambda: verdicts.load_verdicts("01_x", _file(b"[]", "01_x.json").parent),
         r"01_x\.json is malformed"),
    Case("verdicts.PAPER_SCALE: an empty 'run'", lambda: verdicts.Verdict("a", "x", "y", "z", "reproduced", run=""),
         "run"),
    Case("verdicts.Finding: unknown status (verdicts.STATUSES)", lambda: verdicts.Finding("a", "x", "y", "z", "yes"),
         "status"),
    Case("verdicts.FINDINGS_TITLE: shown above the findings", lambda: verdicts.to_markdown(
        [verdicts.Verdict("a", "x", "y", "z", "reproduced")], [verdicts.Finding("a", "x", "y", "z", "holds")]), "",
         lambda t: verdicts.FINDINGS_TITLE in t),
    Case("verdicts.STAND_IN: a stand-in run judged 'partly reproduced'", lambda: verdicts.Verdict(
        "a", "x", "y", "z", "partly reproduced", run="CPU stand-in: MNIST-5k"), "(?s)verdict.*'a'.*stand-in"),
    Case("verdicts.verdict_text: not a Verdict", lambda: verdicts.verdict_text("reproduced"), "row.*Verdict"),
]


# --------------------------------------------------------------------------- round 3: new kinds of input

TOKENS = torch.randn(4, 2, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


class _Mixing(torch.nn.Module):
    """A model whose output for one sample depends on the others (``h - h.mean(0)``)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(3, 8).double(), torch.nn.Linear(8, 1).double()

    def forward(self, x):
        h = self.a(x)
        return self.b(torch.tanh(h - h.mean(0))).reshape(-1)


class _Dropout(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.d, self.b = torch.nn.Linear(3, 16).double(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 1).double()

    def forward(self, x):
        return self.b(self.d(torch.tanh(self.a(x)))).reshape(-1)


class _Gated(torch.nn.Module):
    """Tokens through a layer behind a ReZero gate at 0: that layer's output gradient is zero everywhere."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b = torch.nn.Linear(3, 3).double(), torch.nn.Linear(3, 1).double()
        self.g = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))

    def forward(self, x):
        return self.b(x + self.g * self.a(x)).sum((1, 2))


def _meta_two():
    with torch.device("meta"):
        return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))


def _partly_frozen(kind="relu"):
    net = _two(kind, bias=True)
    net.W.weight.requires_grad_(False)
    return net


def _many_probes_few_ffn():
    """More probes than FFN parameters: the FFN kernel is singular and λmin may come out negative."""
    settings = dict(image_size=8, patch_size=4, channels=1, dim=4, depth=1, heads=1, mlp_dim=2)
    model = deep.build("vit", "relu", settings, seed=0)
    return deep.model_kappas("vit", model, deep.probe_inputs("vit", 64, settings, seed=0))


def _np_config_resume():
    path = _tmpdir() / "np.pt"
    cfg = train.TrainConfig(**{**TCFG, "lr": np.float64(1e-3), "max_iters": np.int64(2), "seed": np.int64(0)})
    train.train(_two(), cfg, _bf, _mse, ckpt_path=path, stop_at=1)
    return train.train(_two(), cfg, _bf, _mse, ckpt_path=path)


def _l1(m, x, y):
    return (m(x) - y).abs().mean()


def _loss_swap():
    path = _tmpdir() / "loss.pt"
    train.train(_two(), train.TrainConfig(**TCFG), _bf, _mse, ckpt_path=path, stop_at=1)
    return train.train(_two(), train.TrainConfig(**TCFG), _bf, _l1, ckpt_path=path)


def _zero_dim_ckpt():
    net = _Gated()
    cfg = train.TrainConfig(**TCFG)
    bf = lambda split, gen: (torch.randn(2, 4, 3, generator=gen, dtype=torch.float64),  # noqa: E731
                             torch.randn(2, generator=gen, dtype=torch.float64))
    return train.train(net, cfg, bf, _mse, ckpt_path=_tmpdir() / "g.pt")


def _nan_test(a, b, seed):
    return float("nan")


CLAIMS = _tmpdir()


def _release_twice():
    held = claims.claim(_tmpdir(), "twice")
    held.release()
    return held.release()


def _scorecard_twice():
    from glu_lib import scorecard

    return scorecard.collect(["01_two_layer_glu", "01_two_layer_glu"], _tmpdir())


CASES += [
    Case("ntk.empirical_ntk: model on the meta device", lambda: ntk.empirical_ntk(_meta_two(), X), "meta"),
    Case("ntk.empirical_ntk: two-layer, all frozen", lambda: ntk.empirical_ntk(_frozen(), X), "frozen|trainable"),
    Case("ntk.two_layer_ntk: partly frozen = generic", lambda: (ntk.two_layer_ntk(_partly_frozen("reglu"), X),
                                                                ntk.generic_ntk(_partly_frozen("reglu"), X)), "",
         lambda r: np.allclose(r[0], r[1], rtol=1e-10, atol=1e-12)),
    Case("ntk.structured_ntk: sample-mixing model", lambda: ntk.structured_ntk(_Mixing(), X), "mixes samples"),
    Case("ntk.structured_ntk: zero-gradient token layer", lambda: (ntk.structured_ntk(_Gated(), TOKENS),
                                                                  ntk.generic_ntk(_Gated(), TOKENS)),
         "", lambda r: np.allclose(r[0], r[1], rtol=1e-10)),
    Case("ntk.implicit_ntk: dropout in train mode", lambda: ntk.implicit_ntk(_Dropout().train(), X), "",
         lambda k: np.allclose(k, k.T) and np.allclose(k, ntk.implicit_ntk(_Dropout().eval(), X))),
    Case("ntk.generic_ntk: dropout in train mode", lambda: ntk.generic_ntk(_Dropout().train(), X), "",
         lambda k: np.allclose(k, k.T) and np.allclose(k, ntk.generic_ntk(_Dropout().eval(), X))),
    Case("deep.model_kappas: singular FFN kernel", _many_probes_few_ffn, "",
         lambda r: r["kappa_ffn"] > 0 and r["kappa_full"] > 0),
    Case("deep.pair_ratios: seeds {0, 1} against {1}", lambda: deep.pair_ratios(
        {"relu": [{"kappa_full": 10.0, "seed": 0}, {"kappa_full": 1.0, "seed": 1}],
         "reglu": [{"kappa_full": 1.0, "seed": 1}]}, "relu", "reglu"), "", lambda r: list(r) == [1.0]),
    Case("kernels.expected_ntk: kernel underflows", lambda: kernels.expected_ntk(X * 1e-100, "reglu", 10), "underflow"),
    Case("dynamics.kernel_loss_curve: complex targets", lambda: dynamics.kernel_loss_curve(K, np.ones(6) * 1j, 1e-3, 3),
         "complex"),
    Case("dynamics.kernel_loss_curve: cannot fit in memory", lambda: dynamics.kernel_loss_curve(
        np.eye(3), np.ones(3), 0.1, 10**14), "GiB"),
    Case("text.get_batch: batch cannot fit in memory", lambda: text.get_batch(CORPUS.train, 8, 10**12, GEN()), "GiB"),
    Case("train.TrainConfig: NumPy scalars resume", _np_config_resume, "", lambda h: h["iter"][-1] == 2),
    Case("train.TrainConfig: decay_all='no'", lambda: train.TrainConfig(decay_all="no"), "decay_all"),
    Case("gpt.GPTConfig: NumPy scalars are plain", lambda: gpt.GPTConfig(n_embd=np.int64(16), dropout=np.float64(0)),
         "", lambda c: type(c.n_embd) is int and type(c.dropout) is float),
    Case("train.train: checkpoint of another loss", _loss_swap, "loss function"),
    Case("train.train: 0-dim parameter checkpointed", _zero_dim_ckpt, "", lambda h: h["iter"][-1] == 2),
    Case("images.read_tiny_imagenet: '../' in annotations", lambda: images.read_tiny_imagenet(
        _tiny("../../train/n01/images/a.JPEG\tn01\n"), "val"), "plain file name"),
    Case("images.read_tiny_imagenet: absolute path in annotations", lambda: images.read_tiny_imagenet(
        _tiny("/etc/passwd\tn01\n"), "val"), "plain file name"),
    Case("generalization.rejection_rate: NaN p-value", lambda: generalization.rejection_rate(
        _nan_test, 2, n_runs=2, n_evals=3), "p-value"),
    Case("results.save_result: keys 1 and '1'", lambda: results.save_result("x", {1: "a", "1": "b"}, P, _tmpdir()),
         "collide"),
    Case("scorecard.collect: chapter listed twice", _scorecard_twice, "more than once"),
    Case("_checks.plain: NumPy scalars", lambda: _checks.plain({np.int64(1): (np.float32(0.5), [np.bool_(True)])}), "",
         lambda v: v == {1: (0.5, [True])} and type(list(v)[0]) is int),
    Case("_checks.plain_fields: not a dataclass", lambda: _checks.plain_fields(3), "dataclass"),
    Case("_checks.strict_bool: 'no'", lambda: _checks.strict_bool("no", "flag"), "flag"),
    Case("_checks.check_memory: too much", lambda: _checks.check_memory(1e30, "a test"), "a test"),
    Case("_checks.TooLargeError: is a ValueError", lambda: _checks.TooLargeError("x"), "",
         lambda e: isinstance(e, ValueError) and isinstance(e, MemoryError)),
    Case("claims.claim: bad name", lambda: claims.claim(_tmpdir(), "../x"), "invalid result name"),
    Case("claims.claim: held twice", lambda: (claims.claim(CLAIMS, "run"), claims.claim(CLAIMS, "run")), "",
         lambda r: r[0] is not None and r[1] is None),
    Case("claims.Claim: released twice", lambda: _release_twice(), "", lambda r: r is None),
    Case("claims.parse_shard: I >= N", lambda: claims.parse_shard("2/2"), "0 <= I < N"),
    Case("claims.parse_shard: not I/N", lambda: claims.parse_shard("half"), "I/N"),
    Case("claims.parse_shard: SLURM without a count", lambda: claims.parse_shard(
        None, {"SLURM_ARRAY_TASK_ID": "3"}), "SLURM_ARRAY_TASK_COUNT"),
    Case("claims.parse_shard: SLURM array 1-4", lambda: claims.parse_shard(
        None, {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"}), "",
         lambda r: r == (2, 4)),
    Case("claims.in_shard: round robin", lambda: [i for i in range(7) if claims.in_shard(i, (1, 3))], "",
         lambda r: r == [1, 4]),
    Case("_checks.pid_alive: no such process", lambda: _checks.pid_alive(2**22 + 12345), "", lambda r: r is False),
    Case("_checks.remove_stale_temporaries: no folder", lambda: _checks.remove_stale_temporaries(
        _tmpdir() / "none" / "x.pt"), "", lambda r: r == []),
    Case("_checks.atomic_write: folder is a file", lambda: _checks.atomic_write(_file(b"x") / "y", lambda f: None),
         "exists|directory|Not a directory"),
]


def _id(case):
    return case.name


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_bad_input(case):
    outcome, detail = classify(case)
    if outcome not in ("clear error", "correct") and case.pending:
        pytest.xfail(f"{case.pending}: {outcome} ({detail})")
    assert outcome in ("clear error", "correct"), f"{outcome}: {detail}"


def test_every_public_function_is_walked():
    """Each public function (and class) of each module appears in at least one case name."""
    names = " ".join(c.name for c in CASES)
    skip = {"Kind", "KINDS", "PAIRS", "NON_GLU", "GLU", "SCALES", "PRESETS", "TEACHERS", "FAMILIES", "RHO",
            "ACTIVATIONS", "COLUMN_WIDTH", "KIND_COLORS", "SHAKESPEARE", "GPT2_BPE", "CIFAR10_MEAN", "CIFAR10_STD",
            "CIFAR10_MD5", "VERDICTS", "GPT_RECIPES", "SYMBOLS", "phi", "IllConditionedWarning", "FrozenDict",
            "use_style", "device", "results_dir", "verdicts_dir", "data_dir", "provenance", "code_version",
            "relu_profile", "expansion_coefficients", "unit_ntk_terms", "chain_rule_check", "expected_ntk_expr",
            "relu_dual_kernels", "eq5_remainder", "eq5_limit", "flat_jacobian", "loglog_lines",
            "plot_loss_curves", "CharCorpus", "STALE_AFTER_S", "STATUSES",
            "FINDINGS_TITLE", "release_workspace"}  # constants, and functions without arguments to get wrong
    missing = []
    for mod in (_checks, analysis, claims, config, data, deep, dynamics, generalization, gpt, images, kernels, kinds,
                mixer, models, notebook, ntk, plotting, results, runs, spectra, symbolic, text, train,
                transformer, verdicts, vit):
        short = mod.__name__.split(".")[-1]
        for name in getattr(mod, "__all__", []):
            if name not in skip and not re.search(rf"{short}\.{name}\b", names):
                missing.append(f"{short}.{name}")
    assert not missing, f"no bad-input case for {missing}"


def counts() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"clear error": [], "correct": [], "silent wrong": [], "unhelpful traceback": []}
    for case in CASES:
        outcome, detail = classify(case)
        out[outcome].append(f"{case.name} -> {detail}")
    return out


if __name__ == "__main__":
    res = counts()
    print(f"glu_lib from {glu_lib.__file__}: {len(CASES)} cases")
    for k, v in res.items():
        print(f"{k}: {len(v)}")
    for k in ("silent wrong", "unhelpful traceback"):
        for line in res[k]:
            print(f"  [{k}] {line}")
    sys.exit(0)
