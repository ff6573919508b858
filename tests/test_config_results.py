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
    assert results.load_result("missing", tmp_path) is None
    with pytest.raises(ValueError):
        results.save_result("../x", {}, P, tmp_path)


def test_sig_and_inputs():
    assert sig(0.000123456) == "0.000123" and sig(123456) == "1.23e+05" and sig(0) == "0.0"
    X = gaussian_inputs(3, 4, seed=1)
    assert X.shape == (3, 4) and (X == gaussian_inputs(3, 4, seed=1)).all()
    with pytest.raises(ValueError):
        gaussian_inputs(0, 4)
