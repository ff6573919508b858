"""Tests of glu_lib.kappa_speed: readouts, speed measures, statistics and the intervention queue."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pytest
import torch
from scipy import stats

from glu_lib import kappa_speed as ks
from glu_lib import runs
from glu_lib.ntk import structured_ntk


def _hist(losses, every=10):
    return {"iter": [i * every for i in range(len(losses))], "train_loss": list(losses)}


def test_steps_to_loss_interpolates_between_evaluations():
    h = _hist([4.0, 3.0, 2.0, 1.0])
    assert ks.steps_to_loss(h, 2.5) == pytest.approx(15.0)
    assert ks.steps_to_loss(h, 2.0) == pytest.approx(20.0)
    assert ks.steps_to_loss(h, 5.0) == 0.0
    assert math.isnan(ks.steps_to_loss(h, 0.5))


def test_steps_to_loss_takes_the_first_crossing():
    h = _hist([4.0, 2.0, 3.0, 1.0])
    assert ks.steps_to_loss(h, 2.5) == pytest.approx(7.5)


def test_mean_train_loss_leaves_out_the_initial_evaluation():
    assert ks.mean_train_loss(_hist([100.0, 2.0, 4.0])) == pytest.approx(3.0)


@pytest.mark.parametrize("h", [{"iter": [0], "train_loss": [1.0]}, {"iter": [0, 1], "train_loss": [1.0]},
                               {"iter": [0, 1], "train_loss": [1.0, float("nan")]}, {}])
def test_speed_measures_refuse_bad_histories(h):
    with pytest.raises(ValueError, match="history"):
        ks.steps_to_loss(h, 1.0)
    with pytest.raises(ValueError, match="history"):
        ks.mean_train_loss(h)


def test_sign_test_counts_agreements_and_drops_zeros():
    x = [1.0, -2.0, 3.0, 0.0, 1.0]
    y = [2.0, -1.0, -1.0, 5.0, 4.0]
    st = ks.sign_test(x, y)
    assert (st.agree, st.n) == (3, 4)
    assert st.p == pytest.approx(stats.binom.sf(2, 4, 0.5))


def test_sign_test_refuses_bad_input():
    with pytest.raises(ValueError, match="equal length"):
        ks.sign_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="non-zero"):
        ks.sign_test([0.0], [1.0])


def test_rank_correlation_of_a_monotone_relation_is_one():
    x = np.arange(12.0)
    rho, lo, hi = ks.rank_correlation(x, x**3, np.repeat(np.arange(4), 3), n_boot=200)
    assert rho == pytest.approx(1.0)
    assert lo == pytest.approx(1.0) and hi == pytest.approx(1.0)


def test_rank_correlation_interval_contains_the_estimate_and_is_seeded():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(12)
    y = x + rng.standard_normal(12)
    g = np.repeat(np.arange(4), 3)
    a = ks.rank_correlation(x, y, g, n_boot=300, seed=3)
    assert a == ks.rank_correlation(x, y, g, n_boot=300, seed=3)
    assert a[1] <= a[0] <= a[2]


def test_rank_correlation_is_spearmans_rho():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal(10), rng.integers(0, 4, 10).astype(float)  # ties in y
    rho = ks.rank_correlation(x, y, np.arange(10), n_boot=10)[0]
    assert rho == pytest.approx(stats.spearmanr(x, y).statistic, rel=1e-12)


def test_rank_correlation_refuses_bad_input():
    with pytest.raises(ValueError, match="equal length"):
        ks.rank_correlation([1.0, 2.0, 3.0], [1.0, 2.0], [0, 1, 2])
    with pytest.raises(ValueError, match="level"):
        ks.rank_correlation([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0, 1, 2], level=1.5)


def test_run_names_and_recipes():
    assert ks.run_name("gpt", "sgd", "relu", 0) == "gpt_cpu_sgd_relu_seed0"
    assert ks.run_name("gpt", "adamw", "reglu", 3) == "gpt_cpu_reglu_seed3"
    assert ks.run_name("gpt", "sgd", "relu", 1, "lecun") == "gpt_cpu_sgd_lecun_relu_seed1"
    assert ks.run_name("vit", "adamw", "geglu", 2) == "gen_mnist5k_vit_adamw_geglu_seed2"
    with pytest.raises(ValueError, match="GPT only"):
        ks.run_name("vit", "sgd", "relu", 0, "lecun")
    with pytest.raises(ValueError, match="init"):
        ks.gpt_recipe_name("xavier", "sgd")
    with pytest.raises(ValueError, match="optimizer"):
        ks.gpt_recipe_name("lecun", "adam")


@pytest.mark.parametrize("base", ["cpu", "cpu_sgd"])
def test_lecun_recipes_change_only_the_init(base):
    m0, t0, b0 = runs.gpt_recipe(base, "reglu", 65, 1)
    m1, t1, b1 = runs.gpt_recipe(f"{base}_lecun", "reglu", 65, 1)
    assert (t0, b0) == (t1, b1)
    assert m1.init == "lecun" and m0.init == "gpt2"
    assert {**asdict(m0), "init": "lecun"} == asdict(m1)


def test_centred_direction_is_a_unit_vector_orthogonal_to_ones():
    u = ks._centred_direction(65, 3, torch.float64)
    assert abs(float(u.sum())) < 1e-12
    assert float(u.norm()) == pytest.approx(1.0)


def test_gpt_readouts():
    X = ks.panel_probes("gpt", 3, 0)
    assert X.shape == (3, 65)
    scalar = ks.panel_model("gpt", "relu", 0, "scalar")
    centred = ks.panel_model("gpt", "relu", 0, "centred")
    logits = scalar.model(X[:, :-1])[0][:, -1]
    torch.testing.assert_close(scalar(X), logits.sum(-1))
    # the centred readout does not see a constant added to every logit
    u = ks._centred_direction(65, 0, torch.float64)
    torch.testing.assert_close(centred(X), logits @ u)
    torch.testing.assert_close((logits + 5.0) @ u, logits @ u)


def test_loss_readout_kernel_is_the_gram_of_per_example_loss_gradients():
    model = ks.panel_model("gpt", "reglu", 0, "loss")
    X = ks.panel_probes("gpt", 3, 0)
    K = structured_ntk(model, X)
    grads = []
    for i in range(len(X)):
        model.zero_grad()
        model(X[i:i + 1]).sum().backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    G = torch.stack(grads)
    np.testing.assert_allclose(K, (G @ G.T).numpy(), rtol=1e-9)
    # and the per-example loss is the window's mean next-character cross-entropy
    logits = model.model(X[:, :-1])[0]
    want = torch.nn.functional.cross_entropy(logits.transpose(1, 2), X[:, 1:]).item()
    assert float(model(X).mean().detach()) == pytest.approx(want)


def test_panel_model_refuses_bad_arguments():
    with pytest.raises(ValueError, match="readout"):
        ks.panel_model("gpt", "relu", 0, "sum")
    with pytest.raises(ValueError, match="family"):
        ks.panel_model("resnet", "relu", 0, "loss")
    with pytest.raises(ValueError, match="GPT only"):
        ks.panel_model("mixer", "relu", 0, "loss", init="lecun")
    with pytest.raises(ValueError, match="n must"):
        ks.panel_probes("gpt", 0, 0)


def test_rebuilt_gpt_is_the_stored_runs_initial_model():
    h = ks.stored_history("gpt", "sgd", "relu", 0)
    assert ks.initial_loss("gpt", "relu", 0, "sgd") == pytest.approx(h["train_loss"][0], abs=1e-4)


def test_comparisons_use_the_common_loss(monkeypatch):
    hists = {"relu": _hist([4.0, 3.0, 2.0]), "reglu": _hist([4.0, 2.0, 1.5])}
    monkeypatch.setattr(ks, "stored_history", lambda f, o, kind, s, init="panel": hists[kind])
    kap = {("gpt", "panel", "relu", 0): {r: {"kappa": 4.0} for r in ks.READOUTS},
           ("gpt", "panel", "reglu", 0): {r: {"kappa": 2.0} for r in ks.READOUTS}}
    (c,) = ks.comparisons(kap, "gpt", "sgd", pairs=[("relu", "reglu")], seeds=[0])
    assert c.log_kappa["loss"] == pytest.approx(math.log(2))
    # common loss = max(2.0, 1.5) = 2.0: relu reaches it at 20, reglu at 10
    assert c.log_steps == pytest.approx(math.log(2))
    assert c.loss_diff == pytest.approx(2.5 - 1.75)
    assert ks.comparisons(kap, "gpt", "sgd", pairs=[("gelu", "geglu")], seeds=[0]) == []


def test_train_queue_stores_a_diverged_run_with_the_thread_count(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))

    def boom(kind, recipe, **kw):
        raise FloatingPointError("the loss became nan at iteration 3: lower the learning rate")

    monkeypatch.setattr(runs, "train_gpt", boom)
    done = ks.train_queue(init="lecun", optimizers=["sgd"], kinds=["relu"], seeds=[0], ckpt_dir=tmp_path)
    assert done == ["gpt_cpu_sgd_lecun_relu_seed0"]
    from glu_lib.results import load_result

    res = load_result(done[0])
    assert "nan" in res["data"]["diverged"]
    assert res["data"]["threads"] == torch.get_num_threads()
    assert res["provenance"]["preset"]["threads"] == torch.get_num_threads()
    assert ks.stored_runs("gpt", "lecun", ["sgd"], [("relu", "reglu")], [0]) == [("sgd", "relu", 0, "diverged")]
    with pytest.raises(ValueError, match="no history"):
        ks.stored_history("gpt", "sgd", "relu", 0, "lecun")
    # a stored run is not trained again
    assert ks.train_queue(init="lecun", optimizers=["sgd"], kinds=["relu"], seeds=[0], ckpt_dir=tmp_path) == []


def test_readout_kappas_with_the_initial_state_are_the_initial_kappas():
    init = ks.panel_model("gpt", "relu", 1, "loss").model.state_dict()
    a = ks.readout_kappas("gpt", "relu", 1, n=4, readouts=("centred", "loss"))
    b = ks.readout_kappas("gpt", "relu", 1, n=4, readouts=("centred", "loss"), state=init)
    for r in ("centred", "loss"):
        assert b[r]["kappa"] == pytest.approx(a[r]["kappa"], rel=1e-9)
    # the image families' one-output head has no trained counterpart: that readout is left out
    mixer = ks.panel_model("mixer", "relu", 0, "loss").model.state_dict()
    out = ks.readout_kappas("mixer", "relu", 0, n=4, state=mixer)
    assert set(out) == {"centred", "loss"}


def test_trained_sweep_skips_missing_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    logged = []
    data = ks.trained_sweep("t", tmp_path, seeds=[0], log=logged.append)
    assert data["kappas"] == {} and logged == []


def test_train_queue_skips_a_run_another_worker_holds(tmp_path, monkeypatch):
    """Two workers on one queue never train the same run (both used to train it, into one checkpoint)."""
    from glu_lib import claims

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    trained = []

    def fake(kind, recipe, **kw):
        trained.append(kind)
        return {"ffn": kind, "recipe": recipe, "seed": kw["seed"], "history": {"train_loss": [1.0], "val_loss": [1.0]}}

    monkeypatch.setattr(runs, "train_gpt", fake)
    held = claims.claim(tmp_path / ".claims", "gpt_cpu_sgd_lecun_relu_seed0")  # the other worker's run
    lines = []
    done = ks.train_queue(init="lecun", optimizers=["sgd"], kinds=["relu", "reglu"], seeds=[0],
                          ckpt_dir=tmp_path, log=lines.append)
    assert trained == ["reglu"] and done == ["gpt_cpu_sgd_lecun_reglu_seed0"]
    assert any("claimed by another worker" in line for line in lines)
    held.release()
    assert not list((tmp_path / ".claims").glob("*.claim"))  # the queue released its own claim


# --------------------------------------------------------------------------- κ after training: the panel


def test_logit_sum_readout_is_the_sum_of_the_trained_models_logits():
    X = ks.panel_probes("mixer", 3, 0)
    m = ks.panel_model("mixer", "relu", 0, "logit_sum")
    logits = m.model(X[:, :-1].reshape(-1, 1, 28, 28))
    assert logits.shape == (3, 10)
    torch.testing.assert_close(m(X), logits.sum(-1))
    # the GPT's logit sum is its scalar readout
    G = ks.panel_probes("gpt", 2, 0)
    torch.testing.assert_close(ks.panel_model("gpt", "relu", 0, "logit_sum")(G),
                               ks.panel_model("gpt", "relu", 0, "scalar")(G))


def test_rerun_check_measures_relative_differences():
    a = _hist([2.0, 1.0, 0.5])
    b = _hist([2.0, 1.1, 0.45])
    c = ks.rerun_check(a, b)
    assert c["stored_final"] == 0.5 and c["rerun_final"] == 0.45
    assert c["final_rel_diff"] == pytest.approx(0.1)
    assert c["max_rel_diff"] == pytest.approx(0.1) and c["evals"] == 3
    assert ks.rerun_check(a, a)["max_rel_diff"] == 0.0


def test_rerun_check_refuses_other_recipes_and_bad_histories():
    with pytest.raises(ValueError, match="not the same recipe"):
        ks.rerun_check(_hist([2.0, 1.0]), _hist([2.0, 1.0], every=5))
    with pytest.raises(ValueError, match="train_loss"):
        ks.rerun_check({"iter": [0]}, _hist([1.0]))
    with pytest.raises(ValueError, match="train_loss"):
        ks.rerun_check(_hist([1.0, float("nan")]), _hist([1.0, 1.0]))


def test_panel_recipe_is_the_stored_runs_recipe():
    from glu_lib.results import load_result

    stored = load_result("gen_mnist5k_vit_adamw_gelu_seed1")["provenance"]["preset"]
    recipe = ks.panel_recipe("vit", "adamw")
    assert {k: stored[k] for k in recipe} == recipe
    with pytest.raises(ValueError, match="family"):
        ks.panel_recipe("gpt", "sgd")
    with pytest.raises(ValueError, match="optimizer"):
        ks.panel_recipe("vit", "adam")


def _store_panel_run(family, optimizer, kind, seed, hist, recipe=None):
    """A stored panel run (history and the provenance chapter 6's CLI writes) in $GLU_RESULTS_DIR."""
    from types import MappingProxyType

    from glu_lib.config import Preset
    from glu_lib.generalization import stored_name
    from glu_lib.results import save_result

    recipe = recipe or ks.panel_recipe(family, optimizer)
    values = MappingProxyType({"family": family, "optimizer": optimizer, "kind": kind, "seed": seed, **recipe})
    save_result(stored_name(family, optimizer, kind, seed), {"history": hist}, Preset("generalization", "panel", values))


@pytest.fixture
def fake_panel(tmp_path, monkeypatch):
    """Stored histories of mixer/sgd relu and reglu (seed 0) in a temporary results folder, and a
    ``train_run`` that writes the model's *initial* weights as the final checkpoint (so κ "after
    training" must equal κ at initialisation) and returns the stored history with the last loss 1 %
    higher; ``calls`` counts its runs."""
    from glu_lib import generalization
    from glu_lib.mixer import Mixer, MixerConfig

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path / "results"))
    hist = _hist([2.3, 1.0, 0.5], every=32)
    for kind in ("relu", "reglu"):
        _store_panel_run("mixer", "sgd", kind, 0, hist)
    calls = []

    def train_run(family, kind, optimizer, settings, train_settings, seed=0, *, ckpt_path=None):
        calls.append((family, kind, optimizer, seed))
        assert settings == {k: v for k, v in ks.panel_recipe(family, optimizer).items() if k != "train"}
        model = Mixer(MixerConfig(image_size=28, channels=1, num_outputs=10, ffn=kind, **settings["model"]), seed)
        out = {**hist, "train_loss": [*hist["train_loss"][:-1], hist["train_loss"][-1] * 1.01]}
        torch.save({"model": model.state_dict(), "optimizer": {}, "iter": 64, "history": out, "batch_rng": None,
                    "torch_rng": None, "config": {}}, ckpt_path)
        return out

    monkeypatch.setattr(generalization, "train_run", train_run)
    return calls, tmp_path


def test_panel_trained_stores_kappas_before_and_after_and_resumes(fake_panel):
    calls, tmp = fake_panel
    logged = []
    data = ks.panel_trained("pt", tmp / "ck", families=["mixer"], optimizers=["sgd"], kinds=["relu", "reglu"],
                            seeds=[0], n=4, log=logged.append)
    assert sorted(data["runs"]) == ["mixer/sgd/reglu/0", "mixer/sgd/relu/0"] and len(calls) == 2
    assert (tmp / "ck" / "gen_mnist5k_mixer_sgd_relu_seed0.pt").is_file()
    e = data["runs"]["mixer/sgd/relu/0"]
    assert set(e["init"]) == {"scalar", *ks.TRAINED_READOUTS} and set(e["trained"]) == set(ks.TRAINED_READOUTS)
    assert e["check"]["max_rel_diff"] == pytest.approx(0.01) and e["iter"] == 64
    assert e["threads"] == torch.get_num_threads() and e["stored_threads"] == torch.get_num_threads()
    # the fake "trained" weights are the initial ones: the same κ before and after, on the same probes
    at_init = ks.readout_kappas("mixer", "relu", 0, n=4)
    for r in ks.TRAINED_READOUTS:
        assert e["trained"][r]["kappa"] == pytest.approx(e["init"][r]["kappa"], rel=1e-9)
    for r in ("scalar", "centred", "loss"):
        assert e["init"][r]["kappa"] == pytest.approx(at_init[r]["kappa"], rel=1e-9)
    assert len(logged) == 2 and "max rel diff 1.0e-02" in logged[0]
    # stored as it goes, read back by key, and a second call trains nothing
    entries = ks.stored_panel_trained("pt")
    assert set(entries) == {("mixer", "sgd", "relu", 0), ("mixer", "sgd", "reglu", 0)}
    q = ks.trained_ratios(entries, "mixer", "sgd", ("relu", "reglu"), [0, 1], readout="centred")
    assert q.shape == (1, 2) and q[0, 0] == pytest.approx(q[0, 1], rel=1e-9)
    assert ks.trained_ratios(entries, "vit", "sgd", ("relu", "reglu"), [0]).shape == (0, 2)
    ks.panel_trained("pt", tmp / "ck", families=["mixer"], optimizers=["sgd"], kinds=["relu", "reglu"], seeds=[0],
                     n=4)
    assert len(calls) == 2
    assert ks.stored_panel_trained("absent") is None


def test_panel_trained_skips_runs_without_a_stored_history(fake_panel):
    calls, tmp = fake_panel
    logged = []
    data = ks.panel_trained("pt", tmp / "ck", families=["vit"], optimizers=["adamw"], kinds=["relu"], seeds=[0],
                            n=4, log=logged.append)
    assert data["runs"] == {} and calls == []
    assert "no stored history gen_mnist5k_vit_adamw_relu_seed0" in logged[0]


def test_panel_trained_refuses_a_stored_run_of_another_recipe(fake_panel):
    calls, tmp = fake_panel
    recipe = ks.panel_recipe("mixer", "adamw")
    _store_panel_run("mixer", "adamw", "relu", 0, _hist([2.0, 1.0]), {**recipe, "epochs": 3})
    with pytest.raises(ValueError, match="another recipe"):
        ks.panel_trained("pt", tmp / "ck", families=["mixer"], optimizers=["adamw"], kinds=["relu"], seeds=[0], n=4)
    assert calls == []


def test_panel_trained_refuses_a_result_of_another_spec(fake_panel):
    calls, tmp = fake_panel
    ks.panel_trained("pt", tmp / "ck", families=["mixer"], optimizers=["sgd"], kinds=["relu"], seeds=[0], n=4)
    with pytest.raises(ValueError, match="another spec"):
        ks.panel_trained("pt", tmp / "ck", families=["mixer"], optimizers=["sgd"], kinds=["relu"], seeds=[0], n=5)


@pytest.mark.parametrize("kw, match", [({"families": ["gpt"]}, "family"), ({"optimizers": ["adam"]}, "optimizer"),
                                       ({"kinds": ["tanh"]}, "kind"), ({"seeds": [-1]}, "seeds"),
                                       ({"seeds": [0.5]}, "seeds"), ({"n": 0}, "n must")])
def test_panel_trained_refuses_bad_arguments(tmp_path, monkeypatch, kw, match):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=match):
        ks.panel_trained("pt", tmp_path, **kw)
    with pytest.raises(ValueError, match="readout"):
        ks.trained_ratios({}, "vit", "sgd", ("relu", "reglu"), [0], readout="scalar")


@pytest.mark.parametrize("argv", [["panel-trained", "--families", "gpt"], ["panel-trained", "--threads", "0"],
                                  ["panel-trained", "--kinds", "tanh"]])
def test_panel_trained_cli_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit):
        ks._main(argv)
    assert "error" in capsys.readouterr().err


def test_plot_before_after_draws_one_point_per_comparison_and_refuses_bad_ratios():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    pts = [ks.BeforeAfter("vit", "sgd", "panel", 2.0, 0.5), ks.BeforeAfter("gpt", "sgd", "lecun", 3.0, 1.5),
           ks.BeforeAfter("gpt", "adamw", "panel", 0.5, 2.0, note="GPT, chapter 5")]
    ks.plot_before_after(ax, pts)
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    np.testing.assert_allclose(offsets, [[math.log(2.0), math.log(0.5)], [math.log(3.0), math.log(1.5)],
                                         [math.log(0.5), math.log(2.0)]])
    assert [t.get_text() for t in ax.legend().get_texts()] == ["vit, sgd", "gpt, sgd, LeCun", "GPT, chapter 5"]
    for bad, match in [(ks.BeforeAfter("vit", "sgd", "panel", 0.0, 1.0), "positive"),
                       (ks.BeforeAfter("vit", "sgd", "panel", 1.0, float("inf")), "finite"),
                       (ks.BeforeAfter("vit", "adam", "panel", 1.0, 1.0), "optimizer"),
                       (ks.BeforeAfter("vit", "sgd", "xavier", 1.0, 1.0), "init")]:
        with pytest.raises(ValueError, match=match):
            ks.plot_before_after(ax, [bad])
    plt.close(fig)


# --------------------------------------------------------------------------- the learning-rate control

def test_sgd_lr_recipes_change_only_the_learning_rate():
    base = runs.gpt_recipe("cpu_sgd", "relu", 65)
    full = runs.gpt_recipe(runs.sgd_lr_recipe(1.0), "relu", 65)
    trial = runs.gpt_recipe(runs.sgd_lr_recipe(0.3, trial=True), "relu", 65)
    assert runs.sgd_lr_recipe(0.3) == "cpu_sgd" and runs.sgd_lr_recipe(0.3, "lecun") == "cpu_sgd_lecun"
    assert full[0] == base[0] and full[2] == base[2]
    assert asdict(full[1]) == asdict(base[1]) | {"lr": 1.0, "min_lr": 0.1}
    # the trial is the first LR_TRIAL_ITERS iterations of the full run's schedule
    assert asdict(trial[1]) == asdict(base[1]) | {"max_iters": runs.LR_TRIAL_ITERS, "lr_decay_iters": 2000,
                                                  "eval_interval": 200, "ckpt_interval": 0}
    assert runs.gpt_recipe(runs.sgd_lr_recipe(3.0, "lecun"), "relu", 65)[0].init == "lecun"
    with pytest.raises(ValueError, match="not in the grid"):
        runs.sgd_lr_recipe(0.5)
    with pytest.raises(ValueError, match="unknown init"):
        runs.sgd_lr_recipe(1.0, "xavier")


def _fake_trials(monkeypatch, losses):
    """train_gpt replaced: the trial's training loss is ``losses[kind][lr]``; ``None`` diverges."""
    calls = []

    def fake(kind, recipe, **kw):
        cfg = runs.gpt_recipe(recipe, kind, 65)[1]
        calls.append((kind, recipe))
        loss = losses[kind][cfg.lr]
        if loss is None:
            raise FloatingPointError("the loss became nan at iteration 7: lower the learning rate")
        return {"history": {"train_loss": [4.0, loss], "val_loss": [4.0, loss + 0.1]}}

    monkeypatch.setattr(runs, "train_gpt", fake)
    return calls


def test_lr_grid_stores_each_trial_and_picks_each_kinds_best(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    losses = {"relu": {0.1: 2.5, 0.3: 2.2, 1.0: 2.4, 3.0: None}, "reglu": {0.1: 2.3, 0.3: 2.35, 1.0: None, 3.0: None}}
    calls = _fake_trials(monkeypatch, losses)
    data = ks.lr_grid(kinds=["relu", "reglu"])
    assert len(calls) == 8 and all(r.endswith("_trial") for _, r in calls)
    assert "nan" in data["trials"]["relu"]["3.0"]["diverged"]
    assert ks.best_lrs(data) == {"relu": 0.3, "reglu": 0.1}
    # resumable: nothing is trained again
    assert ks.lr_grid(kinds=["relu", "reglu"]) == data and len(calls) == 8
    # the queue trains only the kinds whose best is not the recipe's own 0.3
    trained = []

    def fake_full(kind, recipe, **kw):
        trained.append((kind, recipe, kw["seed"]))
        return {"ffn": kind, "recipe": recipe, "seed": kw["seed"], "history": {"train_loss": [4.0, 2.0],
                                                                              "val_loss": [4.0, 2.1]}}

    monkeypatch.setattr(runs, "train_gpt", fake_full)
    done = ks.own_lr_queue(kinds=["relu", "reglu"], seeds=[0, 1], ckpt_dir=tmp_path)
    assert trained == [("reglu", "cpu_sgd_lr0p1", 0), ("reglu", "cpu_sgd_lr0p1", 1)]
    assert done == ["gpt_cpu_sgd_lr0p1_reglu_seed0", "gpt_cpu_sgd_lr0p1_reglu_seed1"]
    assert ks.own_lr_history("reglu", 1, 0.1)["train_loss"] == [4.0, 2.0]
    assert ks.own_lr_history("relu", 0, 1.0) is None


def test_best_lrs_rejects_an_incomplete_or_all_diverged_grid():
    spec = {"lrs": [0.1, 0.3]}
    with pytest.raises(ValueError, match="lacks the trials"):
        ks.best_lrs({"spec": spec, "trials": {"relu": {"0.1": {"train_loss": 2.0}}}})
    with pytest.raises(ValueError, match="every learning-rate trial of 'relu' diverged"):
        ks.best_lrs({"spec": spec, "trials": {"relu": {"0.1": {"diverged": "nan"}, "0.3": {"diverged": "nan"}}}})


def test_own_lr_queue_needs_a_stored_grid(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="run lr-grid first"):
        ks.own_lr_queue(seeds=[0])


def test_lr_grid_never_replaces_a_grid_of_another_specification(tmp_path, monkeypatch):
    from glu_lib.config import Preset
    from glu_lib.results import save_result

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    save_result(ks.lr_grid_name(), {"spec": {"lrs": [1.0]}, "trials": {}}, Preset("kappa_speed", "lr_grid", {}))
    with pytest.raises(ValueError, match="another specification"):
        ks.lr_grid(kinds=["relu"])


def test_trained_sweep_never_replaces_a_sweep_of_another_recipe(tmp_path, monkeypatch):
    """Sweeping the AdamW checkpoints under the SGD sweep's name used to wipe the SGD sweep's κ."""
    from glu_lib.config import Preset
    from glu_lib.results import load_result, save_result

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    stored = {"spec": {"recipe": "cpu_sgd_lecun"}, "kappas": {"gpt/lecun/relu/0": {"loss": {"kappa": 5.0}}}}
    save_result("t", stored, Preset("kappa_speed", "trained", {}))
    with pytest.raises(ValueError, match="another specification"):
        ks.trained_sweep("t", tmp_path, optimizer="adamw", seeds=[0])
    assert load_result("t")["data"] == stored


def test_gpt_rerun_trains_to_checkpoints_and_stores_nothing(tmp_path, monkeypatch):
    from glu_lib import claims

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path / "results"))
    seen = []

    def fake(kind, recipe, **kw):
        seen.append((kind, recipe, kw["seed"], kw["ckpt_dir"]))
        return {"history": {"train_loss": [4.0, 2.0], "val_loss": [4.0, 2.1]}}

    monkeypatch.setattr(runs, "train_gpt", fake)
    held = claims.claim(tmp_path / "results" / ".claims", "rerun_gpt_cpu_sgd_relu_seed1")  # another worker's
    done = ks.gpt_rerun(kinds=["relu", "reglu"], seeds=[1], ckpt_dir=tmp_path / "ck")
    held.release()
    assert done == ["gpt_cpu_sgd_reglu_seed1"]
    assert seen == [("reglu", "cpu_sgd", 1, tmp_path / "ck")]
    assert not list((tmp_path / "results").glob("*.json"))


def test_sgd_loss_diffs_pair_by_seed_and_name_diverged_runs(tmp_path, monkeypatch):
    """Comparisons at two sets of rates pair up by seed (they were once aligned by position), and a
    diverged run is reported, not dropped."""
    from glu_lib.config import Preset
    from glu_lib.results import save_result

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))

    def store(kind, seed, lr, mean):
        data = {"history": {"iter": [0, 1, 2], "train_loss": [9.0, mean, mean]}} if mean else {"diverged": "nan"}
        save_result(ks.own_lr_name(kind, seed, lr), data, Preset("gpt", "t", {}))

    store("relu", 1, 0.3, 2.0), store("reglu", 1, 0.3, 1.5)  # seed 0 missing at 0.3
    for s, (a, b) in enumerate([(2.2, 2.0), (2.1, 2.3)]):
        store("relu", s, 0.1, a), store("reglu", s, 0.1, b)
    store("gelu", 0, 0.1, 2.0), store("geglu", 0, 0.1, None)
    shared, none = ks.sgd_loss_diffs({k: 0.3 for k in ("relu", "reglu")}, pairs=[("relu", "reglu")])
    own, diverged = ks.sgd_loss_diffs({k: 0.1 for k in ("relu", "reglu", "gelu", "geglu")},
                                      pairs=[("relu", "reglu"), ("gelu", "geglu")])
    assert shared == {(("relu", "reglu"), 1): pytest.approx(0.5)} and none == []
    assert own[("relu", "reglu"), 0] == pytest.approx(0.2) and own[("relu", "reglu"), 1] == pytest.approx(-0.2)
    assert diverged == ["gpt_cpu_sgd_lr0p1_geglu_seed0"] and (("gelu", "geglu"), 0) not in own
