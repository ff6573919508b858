import numpy as np
import pytest
import torch

from glu_lib import dynamics, kernels
from glu_lib.models import two_layer
from glu_lib.ntk import empirical_ntk


def _psd(rng, n, scale=1.0):
    A = rng.standard_normal((n, n))
    return scale * (A @ A.T / n + 0.1 * np.eye(n))


def _explicit(K, Y, eta, k, S=None):
    """Prop. 4.1 with explicit matrix powers: (Tr[A^2k Σ] + Yᵀ A^2k Y)/n, A = I − ηK."""
    n = len(Y)
    A2k = np.linalg.matrix_power(np.eye(n) - eta * K, 2 * k)
    init = 0.0 if S is None else np.trace(A2k @ S)
    return (init + Y @ A2k @ Y) / n


@pytest.mark.parametrize("n", [1, 3, 8])
def test_kernel_curve_equals_matrix_powers(rng, n):
    K, S = _psd(rng, n), _psd(rng, n, 0.3)
    Y = rng.standard_normal(n)
    eta = 0.9 * dynamics.max_stable_eta(K)
    curve = dynamics.kernel_loss_curve(K, Y, eta, 12, cov=S)
    init, target = dynamics.kernel_loss_curve(K, Y, eta, 12, cov=S, parts=True)
    for k in range(13):
        assert curve[k] == pytest.approx(_explicit(K, Y, eta, k, S), rel=1e-9, abs=1e-14)
        assert target[k] == pytest.approx(_explicit(K, Y, eta, k), rel=1e-9, abs=1e-14)
    np.testing.assert_allclose(init + target, curve)
    # arbitrary (also real) steps agree with the integer grid
    np.testing.assert_allclose(dynamics.kernel_loss_curve(K, Y, eta, np.array([0, 5, 12]), cov=S), curve[[0, 5, 12]])


def test_kernel_curve_equals_linearised_gd(rng):
    X = rng.standard_normal((20, 6))
    K = kernels.expected_ntk(X, "reglu", 50)
    S = dynamics.output_covariance(X, "reglu")
    Y = rng.standard_normal(20)
    eta = 0.5 * dynamics.max_stable_eta(K)
    exact = dynamics.kernel_loss_curve(K, Y, eta, 30)
    np.testing.assert_allclose(dynamics.linearised_gd(K, Y, eta, 30), exact, rtol=1e-9)
    # expectation over random initial outputs f0 ~ N(0, Σ): Monte Carlo within a few standard errors
    L = np.linalg.cholesky(S + 1e-12 * np.eye(20))
    f0 = L @ rng.standard_normal((20, 4000))
    mc = dynamics.linearised_gd(K, Y, eta, 30, f0=f0)
    np.testing.assert_allclose(mc, dynamics.kernel_loss_curve(K, Y, eta, 30, cov=S), rtol=0.05)


def test_output_covariance_matches_wide_features(rng):
    # Σ = E over one unit of v²·h(x_i)h(x_j) with E v² = 1/m: the hidden-feature Gram of a wide net / m
    X = rng.standard_normal((4, 5))
    for kind in ("relu", "reglu"):
        net = two_layer(kind, 5, 200000, matched=False, seed=0)
        H = net.hidden(torch.as_tensor(X)).detach().numpy()
        S = dynamics.output_covariance(X, kind)
        assert np.abs(H @ H.T / H.shape[1] - S).max() < 0.02 * np.abs(S).max()


def test_unstable_step_grows():
    K = np.diag([1.0, 0.1])
    eta = 1.01 * dynamics.max_stable_eta(K)
    curve = dynamics.kernel_loss_curve(K, np.ones(2), eta, 400)
    assert curve[-1] > curve[0] and dynamics.max_stable_eta(K) == pytest.approx(2.0)
    assert dynamics.mse_lr(dynamics.mse_eta(0.01, 50), 50) == pytest.approx(0.01)


def test_crossing_detection():
    k = np.arange(6)
    a = np.array([5, 3, 2, 1.5, 1.2, 1.0])  # non-GLU: fast start
    b = np.array([5, 4, 2.5, 1.4, 0.9, 0.5])  # GLU: overtakes at step 3
    assert dynamics.loss_crossing_step(a, b) == 3
    assert dynamics.crossing_steps(a, b) == [3]
    assert dynamics.loss_crossing_step(a, b, steps=10 * k) == 30
    assert dynamics.loss_crossing_step(a, a + 1) is None  # never overtaken
    assert dynamics.loss_crossing_step(b[3:], a[3:]) is None  # GLU leads from the start: non-GLU never leads
    c = np.array([5, 4, 2.5, 1.6, 1.1, 1.2])  # overtakes at 4 ... and falls behind again
    assert dynamics.crossing_steps(a, c) == [4, 5]
    assert dynamics.loss_crossing_step(a, c) is None  # GLU falls behind again: no crossing in Cor. 4.2's sense
    d = np.array([5, 3, 2, 1.4, 1.3, 0.9])  # ties until 2: nobody leads, so 3 is no crossing; then 4 and 5
    assert dynamics.crossing_steps(a, d) == [4, 5]
    assert dynamics.loss_crossing_step(a, d) == 5
    assert dynamics.crossing_steps(a, a) == [] and dynamics.loss_crossing_step(a, a) is None


def _data(rng, n=64, d=5):
    X = rng.standard_normal((n, d))
    return X, X @ rng.standard_normal(d) / np.sqrt(d)


@pytest.mark.parametrize("kind", ["relu", "swiglu"])
def test_training_reduces_loss_and_is_deterministic(rng, kind):
    X, Y = _data(rng)
    runs = [dynamics.train(two_layer(kind, 5, 32, bias=True, seed=1), X, Y, lr=0.05, epochs=10, batch_size=16, seed=2)
            for _ in range(2)]
    assert runs[0]["loss"][-1] < 0.5 * runs[0]["loss"][0] and not runs[0]["diverged"]
    assert runs[0]["step_loss"].shape == (10 * 4,)
    np.testing.assert_array_equal(runs[0]["loss"], runs[1]["loss"])
    other = dynamics.train(two_layer(kind, 5, 32, bias=True, seed=1), X, Y, lr=0.05, epochs=10, batch_size=16, seed=3)
    assert not np.array_equal(other["loss"], runs[0]["loss"])  # the batch order follows the seed


def test_full_batch_gd_matches_kernel_regime_for_wide_nets(rng):
    X, Y = _data(rng, n=10, d=4)
    net = two_layer("reglu", 4, 4000, seed=0)
    K = empirical_ntk(net, X)
    f0 = net(torch.as_tensor(X)).detach().numpy()[:, 0]
    lr = 0.2 * dynamics.mse_lr(dynamics.max_stable_eta(K), 10)
    hist = dynamics.train(net, X, Y, lr=lr, epochs=20)
    pred = dynamics.kernel_loss_curve(K, Y - f0, dynamics.mse_eta(lr, 10), 20)
    np.testing.assert_allclose(hist["loss"], pred, rtol=0.05)


def test_train_kinds_and_trajectory(rng):
    X, Y = _data(rng, n=32, d=6)
    r = dynamics.train_kinds(["relu", "reglu"], X, Y, width=40, lr=0.02, epochs=3, batch_size=8, seeds=(0, 1))
    assert r["relu"]["loss"].shape == (2, 4) and r["reglu"]["units"] < 40
    assert abs(r["relu"]["parameters"] - r["reglu"]["parameters"]) <= 2 * 6 + 1 + 40  # matched up to rounding and biases
    t = dynamics.output_trajectory("reglu", X[:2], [0.03, 0.008], width=30, lr=0.004, steps=100, ntk_every=20)
    assert t["outputs"].shape == (101, 2) and np.all(t["outputs"][0] == 0)
    assert t["ntk"].shape == (6, 2, 2) and list(t["ntk_steps"]) == [0, 20, 40, 60, 80, 100]
    assert np.linalg.norm(t["outputs"][-1] - t["target"]) < 0.5 * np.linalg.norm(t["target"])


def test_divergence_is_reported(rng):
    X, Y = _data(rng, n=16, d=3)
    h = dynamics.train(two_layer("relu", 3, 16, seed=0), X, 1e3 * Y, lr=50.0, epochs=30)
    assert h["diverged"] and np.isinf(h["loss"][-1])


def test_errors(rng):
    K, Y = _psd(rng, 3), rng.standard_normal(3)
    net = two_layer("relu", 2, 4)
    X2 = rng.standard_normal((5, 2))
    with pytest.raises(ValueError, match="square"):
        dynamics.kernel_loss_curve(np.ones((3, 2)), Y, 0.1, 3)
    with pytest.raises(ValueError, match="symmetric"):
        dynamics.kernel_loss_curve(np.triu(K) + np.eye(3), Y, 0.1, 3)
    with pytest.raises(ValueError, match="shape"):
        dynamics.kernel_loss_curve(K, np.ones(4), 0.1, 3)
    with pytest.raises(ValueError, match="NaN"):
        dynamics.kernel_loss_curve(K, np.array([1.0, np.nan, 0]), 0.1, 3)
    with pytest.raises(ValueError, match="NaN or inf"):
        dynamics.kernel_loss_curve(np.full((3, 3), np.nan), Y, 0.1, 3)
    for bad in (0, -1.0, float("nan"), True):
        with pytest.raises(ValueError, match="eta"):
            dynamics.kernel_loss_curve(K, Y, bad, 3)
        with pytest.raises(ValueError, match="lr"):
            dynamics.train(net, X2, np.ones(5), lr=bad, epochs=1)
    with pytest.raises(ValueError, match="steps"):
        dynamics.kernel_loss_curve(K, Y, 0.1, -2)
    with pytest.raises(ValueError, match="steps"):
        dynamics.linearised_gd(K, Y, 0.1, 0)
    with pytest.raises(ValueError, match="f0"):
        dynamics.linearised_gd(K, Y, 0.1, 3, f0=np.ones((5, 3)))
    with pytest.raises(ValueError, match="epochs"):
        dynamics.train(net, X2, np.ones(5), lr=0.1, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        dynamics.train(net, X2, np.ones(5), lr=0.1, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="samples"):
        dynamics.train(net, X2, np.ones(4), lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="NaN or inf"):
        dynamics.train(net, np.full((5, 2), np.nan), np.ones(5), lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="unknown model kind"):
        dynamics.output_covariance(X2, "tanh")
    with pytest.raises(ValueError, match="unknown model kind"):
        dynamics.train_kinds(["tanh"], X2, np.ones(5), width=4, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="one length"):
        dynamics.loss_crossing_step([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        dynamics.crossing_steps([1, np.nan], [1, 2])
    with pytest.raises(ValueError, match="steps"):
        dynamics.loss_crossing_step([1, 2], [2, 1], steps=[0, 1, 2])


def test_crossing_summary_reports_every_crossing_and_the_end_state():
    a = np.array([5, 3, 2, 1.5, 1.2, 1.0, 0.8, 0.6])
    back = np.array([5, 4, 1.9, 1.6, 1.1, 0.9, 0.85, 0.5])  # GLU ahead at 2, behind at 3, ahead at 4-5, ...
    s = dynamics.crossing_summary(a, back)
    assert s["crossings"] == [2, 3, 4, 6, 7] and s["first"] == 2 and s["last"] == 7
    assert s["non_glu_led"] and s["glu_ahead_at_end"] and s["k_star"] == 7
    s = dynamics.crossing_summary(a[:7], back[:7])  # ends with the non-GLU curve lower
    assert s["crossings"] == [2, 3, 4, 6] and not s["glu_ahead_at_end"] and s["k_star"] is None
    s = dynamics.crossing_summary(a, a - 0.1)  # GLU ahead throughout: ahead at the end, never led
    assert s["crossings"] == [] and s["glu_ahead_at_end"] and not s["non_glu_led"] and s["k_star"] is None
    s = dynamics.crossing_summary([3, 2, 1, 1], [4, 3, 0.5, 0.5], steps=[0, 10, 100, 1000])
    assert s["k_star"] == 100 and s["glu_ahead_at_end"]  # a final tie keeps the previous lead


def test_crossing_map_and_boundary():
    recs = dynamics.crossing_map((40,), (2, 30), (0.5,), ("linear", "noise"), width=100, seeds=(0, 1),
                                 k_max=1e6)
    assert len(recs) == 2 * 2 * 2 and {r["seed"] for r in recs} == {0, 1}
    for r in recs:
        assert r["k_star"] is None or (r["glu_ahead_at_end"] and r["k_star"] == r["crossings"][-1])
    fake = [{"n": n, "d": d, "seed": s, "teacher": "linear", "eta_fraction": 0.5,
             "k_star": None if (d < 10 or (n == 300 and d < 20) or (n == 300 and d == 40 and s == 1)) else 5}
            for n in (100, 300) for d in (5, 10, 20, 40, 80) for s in (0, 1)]
    assert dynamics.crossing_boundary(fake) == {100: 10, 300: 80}
    fake[-1]["k_star"] = None
    assert dynamics.crossing_boundary(fake)[300] is None
    with pytest.raises(ValueError, match="no records"):
        dynamics.crossing_boundary(fake, teacher="noise")


def test_train_fits_every_output_of_a_vector_model(rng):
    # a model with d_out > 1 is trained on all its outputs, never silently on output 0 only
    X = rng.standard_normal((40, 4))
    Y = np.stack([X @ rng.standard_normal(4), X @ rng.standard_normal(4)], axis=1)
    net = two_layer("relu", 4, 64, 2, bias=True, seed=0)
    before = (net(torch.as_tensor(X)).detach().numpy() - Y) ** 2
    h = dynamics.train(net, X, Y, lr=0.05, epochs=40, batch_size=8)
    after = (net(torch.as_tensor(X)).detach().numpy() - Y) ** 2
    assert np.all(after.mean(0) < 0.2 * before.mean(0))  # both outputs fitted
    assert h["loss"][-1] == pytest.approx(after.mean(), rel=1e-9)  # the loss is over all outputs
    with pytest.raises(ValueError, match="2 outputs"):
        dynamics.train(two_layer("relu", 4, 8, 2), X, Y[:, 0], lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="2 outputs"):
        dynamics.train(two_layer("relu", 4, 8, 2), X, np.ones((40, 3)), lr=0.1, epochs=1)


def test_train_kinds_stored_resumes(rng, tmp_path, monkeypatch):
    from glu_lib.config import preset
    from glu_lib.results import load_result

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    X, Y = _data(rng, n=24, d=4)
    P = preset("two_layer", "smoke")
    kw = dict(width=16, lr=0.02, epochs=3, batch_size=8, seeds=(0, 1))
    lines = []
    first = dynamics.train_kinds_stored("t_runs", P, ["relu", "reglu"], X, Y, log=lines.append, **kw)
    assert len(lines) == 4 and set(load_result("t_runs")["data"]["runs"]) == {
        "relu/seed0", "relu/seed1", "reglu/seed0", "reglu/seed1"}
    plain = dynamics.train_kinds(["relu", "reglu"], X, Y, **{k: v for k, v in kw.items()})
    for kind in ("relu", "reglu"):
        np.testing.assert_array_equal(first[kind]["loss"], plain[kind]["loss"])
    calls = []
    monkeypatch.setattr(dynamics, "train_kinds", lambda *a, **k: calls.append(1))
    again = dynamics.train_kinds_stored("t_runs", P, ["relu", "reglu"], X, Y, **kw)
    assert calls == [] and np.array_equal(again["relu"]["loss"], first["relu"]["loss"])  # resumed, no training


def test_official_trajectories_follow_the_official_draws():
    t = dynamics.official_trajectories(steps=20)
    state = torch.random.get_rng_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(42)
        X = torch.randn(2, 75, dtype=torch.float64)
        fc1 = torch.nn.Linear(75, 300, dtype=torch.float64)
        fc2 = torch.nn.Linear(300, 1, dtype=torch.float64)
        for layer in (fc1, fc2):
            torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="linear")
            torch.nn.init.zeros_(layer.bias)
    np.testing.assert_array_equal(t["X"], X.numpy())
    G = torch.cat([torch.relu(fc1(X)), torch.ones(2, 1, dtype=torch.float64)], 1)  # output-layer gradients
    D = (torch.relu(fc1(X)) > 0).double() * fc2.weight  # hidden-layer gradients: v·relu'(w·x)·[x, 1]
    K0 = (G @ G.T + (D @ D.T) * (X @ X.T + 1)).detach().numpy()
    np.testing.assert_allclose(t["relu"]["ntk"][0], K0, rtol=1e-12)
    assert t["reglu"]["units"] == 150 and t["relu"]["units"] == 300
    assert t["relu"]["outputs"].shape == (21, 2) and np.all(t["relu"]["outputs"][0] == 0)
    assert t["reglu"]["ntk"].shape == (21, 2, 2)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator is untouched


def test_non_glu_leads_at_matches_the_curves(rng):
    # the lead at every grid point, reconstructed from the crossings, equals the lead read off the curves
    for _ in range(50):
        a = np.cumsum(rng.standard_normal(30))
        b = np.cumsum(rng.standard_normal(30))
        steps = np.concatenate([[0.0], np.unique(np.round(np.logspace(0, 4, 29)))])[:30]
        if len(steps) < 30:
            continue
        s = dynamics.crossing_summary(a, b, steps)
        for i, k in enumerate(steps):
            assert dynamics.non_glu_leads_at(s, k) == bool(a[i] < b[i]), (i, k)
    with pytest.raises(ValueError, match="crossing_summary"):
        dynamics.non_glu_leads_at({"crossings": []}, 1)
    with pytest.raises(ValueError, match="step"):
        dynamics.non_glu_leads_at({"crossings": [], "glu_ahead_at_end": True}, -1)


def test_train_steps_stored_saves_as_it_goes_and_resumes(rng, tmp_path, monkeypatch):
    import shutil

    from glu_lib import train as train_mod
    from glu_lib.results import load_result

    X, Y = _data(rng, n=40, d=5)
    kw = dict(width=16, lr=0.01, steps=12, batch_size=8, seed=3, dtype=torch.float64, eval_every=2,
              save_every=4, ckpt_dir=tmp_path / "a" / "ck", directory=tmp_path / "a")
    lines = []
    whole = dynamics.train_steps_stored("t_steps", "reglu", X, Y, log=lines.append, **kw)
    assert len(lines) == 3 and whole["steps_done"] == 12 and whole["iter"] == list(range(0, 13, 2))
    assert whole["loss"][-1] < whole["loss"][0]
    # interrupted after the first chunk: the stored curve holds its steps, and a rerun resumes
    kw_b = dict(kw, ckpt_dir=tmp_path / "b" / "ck", directory=tmp_path / "b")
    original, calls = train_mod.train, []

    def interrupted(*a, **k):
        if k.get("stop_at") != 4:
            raise KeyboardInterrupt
        calls.append(k["stop_at"])
        return original(*a, **k)

    monkeypatch.setattr(train_mod, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        dynamics.train_steps_stored("t_steps", "reglu", X, Y, **kw_b)
    monkeypatch.setattr(train_mod, "train", original)
    stored = load_result("t_steps", tmp_path / "b")["data"]
    assert calls == [4] and stored["steps_done"] == 4 and stored["iter"] == [0, 2]
    resumed = dynamics.train_steps_stored("t_steps", "reglu", X, Y, **kw_b)
    np.testing.assert_allclose(resumed["loss"], whole["loss"], rtol=1e-12)
    assert resumed["iter"] == whole["iter"]
    shutil.rmtree(tmp_path / "b" / "ck")  # a stored curve without its checkpoint is refused
    with pytest.raises(ValueError, match="checkpoint"):
        dynamics.train_steps_stored("t_steps", "reglu", X, Y, **kw_b)
    with pytest.raises(ValueError, match="batch_size"):
        dynamics.train_steps_stored("t_x", "reglu", X, Y, **dict(kw, batch_size=41))


def test_mnist_step_run_cli_refuses_bad_arguments(capsys):
    from glu_lib import runs

    assert runs.mnist_steps_name("reglu", 2) == "two_layer_mnist_steps_reglu_seed2"
    assert runs.MNIST_STEPS["steps"] == 150 * 235  # the paper's 150 epochs of 60,000 images
    for argv, text in ((["mnist-steps", "--steps", "0"], "--steps"),
                       (["mnist-steps", "--seed", "-1"], "--seed"),
                       (["mnist-steps", "--kind", "nope"], "invalid choice")):
        with pytest.raises(SystemExit):
            runs.main(argv)
        assert text in capsys.readouterr().err


def test_mnist_step_run_on_the_full_set_is_the_papers_setting(tmp_path, capsys):
    from glu_lib import runs

    c = runs.MNIST_STEPS_60K
    assert (c["n"], c["width"], c["lr"], c["batch_size"], c["steps"]) == (60000, 3136, 1e-5, 256, 35250)
    assert c["eval_every"] == 235  # one evaluation per epoch of 60,000 images, as the official script
    assert runs.mnist_steps_name("relu", 0, "60k") == "two_layer_mnist60k_steps_relu_seed0"
    with pytest.raises(ValueError, match="unknown MNIST data"):
        runs.mnist_steps_name("relu", 0, "70k")
    with pytest.raises(SystemExit):
        runs.main(["mnist-steps", "--data", "70k"])
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="fetch-mnist"):
        runs.train_mnist_steps("relu", data="60k", data_dir=tmp_path, steps=1, ckpt_dir=tmp_path,
                               directory=tmp_path)
