"""Silent wrong results found by a hostile walk (round 3) that need more than one call to show:
caches that must prove the same computation, the checks of the structured NTK, the guarded κ,
truncated records on the execution page."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from glu_lib import deep, dynamics, execution, results, spectra
from glu_lib.config import preset
from glu_lib.ntk import empirical_ntk, generic_ntk, structured_ntk


@pytest.fixture
def results_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    return tmp_path


def _runs(X, Y, **kw):
    args = dict(width=8, lr=0.01, epochs=2, batch_size=None, seeds=(0,)) | kw
    return dynamics.train_kinds_stored("cache_test", preset("spectrum", "smoke"), ["relu"], X, Y, **args)


def test_stored_two_layer_runs_are_reused_only_for_the_same_data_and_settings(results_tmp):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((12, 3)), rng.standard_normal(12)
    first = _runs(X, Y)["relu"]["loss"]
    assert np.array_equal(_runs(X, Y)["relu"]["loss"], first)  # a cache hit
    for changed in (dict(X=X * 2), dict(Y=Y + 1), dict(width=9), dict(lr=0.02), dict(epochs=3)):
        kw = {k: v for k, v in changed.items() if k not in ("X", "Y")}
        got = _runs(changed.get("X", X), changed.get("Y", Y), **kw)["relu"]["loss"]
        fresh = dynamics.train_kinds(["relu"], changed.get("X", X), changed.get("Y", Y),
                                     **(dict(width=8, lr=0.01, epochs=2, seeds=(0,)) | kw))["relu"]["loss"]
        np.testing.assert_array_equal(got, fresh)  # recomputed, not the stored run of other data
        assert not np.array_equal(got, first) or changed == {}


def test_spectral_grid_cache_needs_a_version_and_the_same_inputs(tmp_path):
    cache = tmp_path / "grid.jsonl"
    pts, seeds = [(12, 3, 20)], [0]
    good = spectra.spectral_grid(["relu"], pts, seeds, cache=cache)["relu"]["lmax"][0, 0]
    rec = json.loads(cache.read_text().splitlines()[0])
    assert rec["version"] == spectra.CACHE_VERSION and len(rec["inputs"]) == 64
    # a record without a code version, or of another version, or of other inputs, is not trusted
    for bad in ({k: v for k, v in rec.items() if k != "version"}, rec | {"version": 0},
                rec | {"inputs": "0" * 64}):
        cache.write_text(json.dumps(bad | {"lmax": 1e9}) + "\n")
        assert spectra.spectral_grid(["relu"], pts, seeds, cache=cache)["relu"]["lmax"][0, 0] == good
    cache.write_text(json.dumps(rec | {"lmax": 1e9}) + "\n")  # a proper record is reused as it is
    assert spectra.spectral_grid(["relu"], pts, seeds, cache=cache)["relu"]["lmax"][0, 0] == 1e9


def test_stored_full_grid_is_versioned():
    """The stored full-scale grid carries the version and the inputs' digest of each record."""
    path = results.results_dir() / "spectrum_full_grid.jsonl"
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    assert recs and all(r["version"] == spectra.CACHE_VERSION for r in recs)
    r = recs[0]
    n, d, seed = (int(r["key"].split("/")[i].split("=")[1]) for i in (3, 4, 6))
    assert r["inputs"] == spectra._inputs_digest(spectra.make_inputs(n, d, seed, r["key"].split("/")[1]))


def test_model_kappas_never_returns_a_negative_kappa():
    """More probes than FFN parameters: λmin of the FFN kernel is zero up to rounding, often negative;
    the guarded κ is inf (with a warning), never λmax/λmin < 0."""
    settings = dict(image_size=8, patch_size=4, channels=1, dim=4, depth=1, heads=1, mlp_dim=2)
    model = deep.build("vit", "relu", settings, seed=0)
    X = deep.probe_inputs("vit", 64, settings, seed=0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = deep.model_kappas("vit", model, X)
    assert r["kappa_ffn"] == np.inf and r["kappa_full"] > 0
    assert any(issubclass(x.category, spectra.IllConditionedWarning) for x in w)


def test_pair_ratios_pair_by_seed():
    kap = {"relu": [{"kappa_full": 10.0, "seed": 0}, {"kappa_full": 1.0, "seed": 1}],
           "reglu": [{"kappa_full": 1.0, "seed": 1}]}
    assert list(deep.pair_ratios(kap, "relu", "reglu")) == [1.0]
    with pytest.raises(ValueError, match="cannot be paired"):
        deep.pair_ratios({"relu": [{"kappa_full": 1.0}] * 2, "reglu": [{"kappa_full": 1.0}]}, "relu", "reglu")


class _MeanFree(torch.nn.Module):
    """Sample mixing that leaves the forward pass of identical samples alone: only gradients mix."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b = torch.nn.Linear(3, 6).double(), torch.nn.Linear(6, 1).double()

    def forward(self, x):
        h = self.a(x)
        return self.b(torch.tanh(h + (h.mean(0) - h.mean(0).detach()))).reshape(-1)


def test_structured_ntk_refuses_gradient_only_mixing():
    X = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with pytest.raises(ValueError, match="single-sample gradients"):
        structured_ntk(_MeanFree(), X)
    # the same model without the mixing term passes the check
    m = _MeanFree()
    m.forward = lambda x: m.b(torch.tanh(m.a(x))).reshape(-1)
    assert np.allclose(structured_ntk(m, X), generic_ntk(m, X))


def test_frozen_parameters_are_left_out_by_every_route():
    from glu_lib.models import two_layer

    X = np.random.default_rng(2).standard_normal((5, 3))
    net = two_layer("swiglu", 3, 8, bias=True, seed=0)
    net.V.weight.requires_grad_(False)
    K = empirical_ntk(net, X)
    for method in ("generic", "implicit"):
        np.testing.assert_allclose(empirical_ntk(net, X, method=method), K, rtol=1e-10, atol=1e-12)


def test_execution_page_names_a_truncated_record(tmp_path):
    (tmp_path / "ok.json").write_text(json.dumps({"provenance": {"date": "2026-01-01", "device": "cpu"},
                                                  "data": {}}))
    (tmp_path / "cut.json").write_text('{"provenance": {"date": "2026-')
    with pytest.raises(ValueError, match=r"cut\.json"):
        execution.stored_results_table(tmp_path)
    (tmp_path / "cut.json").write_text(json.dumps({"provenance": {"date": 5}, "data": {}}))
    with pytest.raises(ValueError, match=r"cut\.json"):
        execution.stored_results_table(tmp_path)
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"machine": {"python": "3.11"}, "date": "2026-01-01"}))
    with pytest.raises(ValueError, match=r"run\.json"):
        execution.recorded_run_table(run)


class _Convs(torch.nn.Module):
    """Convolutions the structured path does not read (groups, reflect padding) beside one it does."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.grouped = torch.nn.Conv2d(2, 4, 3, groups=2, padding=1).double()
        self.reflect = torch.nn.Conv2d(4, 2, 3, padding=1, padding_mode="reflect").double()
        self.plain = torch.nn.Conv2d(2, 1, 3).double()

    def forward(self, x):
        return self.plain(torch.tanh(self.reflect(torch.tanh(self.grouped(x))))).sum((1, 2, 3))


def test_unsupported_convolutions_go_to_the_jacobian_path():
    X = torch.randn(4, 2, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    info = {}
    K = structured_ntk(_Convs(), X, info=info)
    assert {"grouped.weight", "reflect.weight"} <= set(info["jacobian"]) and "plain.weight" in info["structured"]
    np.testing.assert_allclose(K, generic_ntk(_Convs(), X), rtol=1e-10)
