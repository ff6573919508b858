import json

import pytest

from glu_lib import config, results
from glu_lib.notebook import gaussian_inputs, sig


def test_scale_resolution(monkeypatch):
    monkeypatch.delenv("GLU_SCALE", raising=False)
    assert config.resolve_scale() == "smoke"
    monkeypatch.setenv("GLU_SCALE", "full")
    assert config.resolve_scale("auto") == "full"
    assert config.resolve_scale("smoke") == "smoke"
    with pytest.raises(ValueError, match="unknown scale"):
        config.resolve_scale("huge")


def test_presets_are_frozen_and_complete():
    for chapter, scales in config.PRESETS.items():
        assert set(scales) == set(config.SCALES)
        assert set(scales["smoke"]) == set(scales["full"]), chapter
    P = config.preset("analytic_ntk", "smoke")
    assert P.n == config.PRESETS["analytic_ntk"]["smoke"]["n"]
    with pytest.raises(AttributeError):
        P.nonexistent
    with pytest.raises(TypeError):
        P.values["n"] = 3
    with pytest.raises(ValueError, match="unknown chapter"):
        config.preset("nope")


def test_results_roundtrip_with_provenance(tmp_path):
    P = config.preset("analytic_ntk", "smoke")
    calls = []

    def compute():
        calls.append(1)
        return {"kappa": [1.5, 2.5]}

    first = results.load_or_compute("demo", compute, P, tmp_path)
    second = results.load_or_compute("demo", compute, P, tmp_path)
    assert first == second and len(calls) == 1
    prov = json.loads((tmp_path / "demo.json").read_text())["provenance"]
    assert {"git_sha", "date", "device", "torch", "preset"} <= set(prov)
    assert prov["preset"]["scale"] == "smoke"
    results.load_or_compute("demo", compute, config.preset("analytic_ntk", "full"), tmp_path)
    assert len(calls) == 2  # another preset recomputes
    stored = results.load_result("demo", tmp_path)
    assert results.made_with(stored, config.preset("analytic_ntk", "full"))
    assert not results.made_with(stored, P) and not results.made_with(None, P)
    assert results.load_result("missing", tmp_path) is None
    with pytest.raises(ValueError):
        results.save_result("../x", {}, P, tmp_path)


def test_sig_and_inputs():
    assert sig(0.000123456) == "0.000123" and sig(123456) == "1.23e+05" and sig(0) == "0.0"
    X = gaussian_inputs(3, 4, seed=1)
    assert X.shape == (3, 4) and (X == gaussian_inputs(3, 4, seed=1)).all()
    with pytest.raises(ValueError):
        gaussian_inputs(0, 4)


def test_presets_are_frozen_deeply():
    P = config.preset("generalization", "smoke")
    with pytest.raises(TypeError, match="read-only"):
        P.families["mixer"]["seeds"] = 99
    with pytest.raises(TypeError):
        P.train["sgd"].update(lr=1.0)
    with pytest.raises(AttributeError):
        P.pairs[0].append("x")  # lists and tuples come back as tuples
    seeds = config.PRESETS["generalization"]["smoke"]["families"]["mixer"]["seeds"]
    assert seeds != 99 and config.preset("generalization", "smoke").families["mixer"]["seeds"] == seeds
    import copy
    import pickle

    assert pickle.loads(pickle.dumps(P)).as_dict() == P.as_dict() == copy.deepcopy(P).as_dict()
    plain = P.as_dict()
    plain["families"]["mixer"]["seeds"] = 7  # a thawed copy is the caller's own
    assert P.families["mixer"]["seeds"] == seeds
    assert json.loads(json.dumps(plain))["scale"] == "smoke"


@pytest.mark.parametrize("args, error", [(("", "smoke", {}), ValueError), (("ch", None, {}), ValueError),
                                         (("ch", "smoke", [1, 2]), TypeError), (("ch", "smoke", {1: 2}), TypeError)])
def test_preset_validation(args, error):
    with pytest.raises(error):
        config.Preset(*args)
    with pytest.raises(ValueError, match="scale"):
        config.resolve_scale(3)
    with pytest.raises(ValueError, match="unknown chapter"):
        config.preset(["spectrum"])


def test_concurrent_result_writers_do_not_collide(tmp_path, race):
    P = config.preset("analytic_ntk", "smoke")

    def writer(k):
        for i in range(40):
            results.save_result("race", {"k": k, "i": i}, P, tmp_path)

    assert race(writer) == []
    assert results.load_result("race", tmp_path)["data"]["i"] == 39
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.json"]


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "", "x/../../y", 3])
def test_result_names_stay_inside_the_directory(tmp_path, name):
    (tmp_path.parent / "x.json").write_text('{"provenance": {}, "data": {}}')
    with pytest.raises(ValueError, match="invalid result name"):
        results.load_result(name, tmp_path)
    with pytest.raises(ValueError, match="invalid result name"):
        results.save_result(name, {}, config.preset("spectrum", "smoke"), tmp_path)


def test_corrupt_result_names_the_file(tmp_path):
    (tmp_path / "bad.json").write_text('{"provenance": ')
    with pytest.raises(ValueError, match=r"bad\.json is unreadable or corrupt"):
        results.load_result("bad", tmp_path)
    (tmp_path / "odd.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"odd\.json has no provenance"):
        results.load_result("odd", tmp_path)


def test_provenance_records_the_loaded_code_and_a_dirty_flag(monkeypatch):
    loaded = results.code_version()
    assert set(loaded) == {"git_sha", "dirty", "source_sha256", "changed_since_load"}
    monkeypatch.setattr(results, "_git_sha", lambda: "f" * 40)  # the checkout moves on during a long run
    prov = results.provenance(config.preset("spectrum", "smoke"))
    assert prov["git_sha"] == loaded["git_sha"] != "f" * 40
    assert prov["dirty"] == loaded["dirty"] and prov["dirty"] in (True, False, None)
    assert prov["code"]["source_sha256"] == loaded["source_sha256"]


def test_overwrite_refusal_and_writable_check(tmp_path):
    P = config.preset("spectrum", "smoke")
    results.save_result("kept", {"v": 1}, P, tmp_path)
    with pytest.raises(FileExistsError, match="overwrite"):
        results.save_result("kept", {"v": 2}, P, tmp_path, overwrite=False)
    assert results.load_result("kept", tmp_path)["data"] == {"v": 1}
    assert results.check_writable(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "file").write_text("")
    with pytest.raises(PermissionError, match="not writable"):
        results.check_writable(tmp_path / "file" / "sub")


def _fake_train(calls):
    def fake(ffn, recipe, **kw):
        calls.append(ffn)
        return {"ffn": ffn, "recipe": recipe, "seed": kw["seed"], "params": 1,
                "history": {"val_loss": [2.0, 1.5]}}
    return fake


def test_runs_cli_refuses_to_overwrite_and_checks_before_training(tmp_path, monkeypatch, capsys):
    from glu_lib import runs

    with pytest.raises(ValueError, match="unknown ffn"):
        runs.train_gpt("relux", "smoke")
    calls = []
    monkeypatch.setattr(runs, "train_gpt", _fake_train(calls))
    base = ["gpt", "--recipe", "smoke", "--results-dir", str(tmp_path)]
    runs.main(base + ["--ffn", "relu"])
    assert calls == ["relu"] and results.load_result("gpt_smoke_relu_seed0", tmp_path)["data"]["ffn"] == "relu"
    with pytest.raises(SystemExit):  # a stored result is not replaced ...
        runs.main(base + ["--ffn", "gelu", "relu"])
    assert calls == ["relu"] and "--overwrite" in capsys.readouterr().err  # ... and nothing trained
    runs.main(base + ["--ffn", "relu", "--overwrite"])
    assert calls == ["relu", "relu"]
    with pytest.raises(SystemExit):  # an unknown FFN kind fails before any training
        runs.main(base + ["--ffn", "gelu", "relux"])
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit):  # so does a results directory that cannot be written
        runs.main(["gpt", "--recipe", "smoke", "--results-dir", str(tmp_path / "file" / "sub"), "--ffn", "silu"])
    assert "not writable" in capsys.readouterr().err and calls == ["relu", "relu"]
