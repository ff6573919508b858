import numpy as np
import pytest
import torch

from glu_lib import deep
from glu_lib.gpt import GPT, GPTConfig
from glu_lib.kinds import PAIRS
from glu_lib.mixer import Mixer, MixerConfig
from glu_lib.models import FeedForward, init_module_
from glu_lib.ntk import ScalarReadout, empirical_ntk, generic_ntk, implicit_ntk
from glu_lib.vit import ViT, ViTConfig

SMALL = {"vit": dict(image_size=8, patch_size=4, channels=1, dim=16, depth=1, heads=2, mlp_dim=24),
         "mixer": dict(image_size=8, patch_size=4, channels=1, dim=8, depth=1),
         "gpt": dict(n_layer=1, n_head=2, n_embd=16, block_size=8, vocab_size=11)}


@pytest.mark.parametrize("non_glu,glu", PAIRS)
def test_feedforward_matching_and_formula(non_glu, glu):
    a, b = FeedForward(48, 96, non_glu), FeedForward(48, 96, glu)
    assert b.units == 64 and a.units == 96
    na, nb = (sum(p.numel() for p in m.parameters()) for m in (a, b))
    assert abs(na - nb) <= 48 + 1
    x = torch.randn(3, 5, 48)
    W, P = b.fc1.weight[:64], b.fc1.weight[64:]
    act = {"relu": torch.relu, "gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu}[b.activation]
    ref = ((x @ P.T + b.fc1.bias[64:]) * act(x @ W.T + b.fc1.bias[:64])) @ b.fc2.weight.T + b.fc2.bias
    torch.testing.assert_close(b(x), ref)


def test_model_shapes_and_errors():
    v = ViT(ViTConfig(**SMALL["vit"], num_outputs=3))
    assert v(torch.randn(2, 1, 8, 8)).shape == (2, 3)
    m = Mixer(MixerConfig(**SMALL["mixer"], num_outputs=3))
    assert m(torch.randn(2, 1, 8, 8)).shape == (2, 3)
    g = GPT(GPTConfig(**SMALL["gpt"]))
    logits, loss = g(torch.randint(0, 11, (2, 8)), torch.randint(0, 11, (2, 8)))
    assert logits.shape == (2, 8, 11) and loss.ndim == 0
    assert g.lm_head.weight is g.wte.weight
    with pytest.raises(ValueError, match="shape"):
        v(torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match="block_size"):
        g(torch.randint(0, 11, (1, 9)))
    with pytest.raises(ValueError, match="multiple"):
        ViTConfig(image_size=10, patch_size=4)
    with pytest.raises(ValueError, match="divisible"):
        ViT(ViTConfig(**{**SMALL["vit"], "heads": 3}))
    with pytest.raises(ValueError, match="unknown model kind"):
        FeedForward(4, 8, "tanh")
    with pytest.raises(ValueError, match="unknown init"):
        init_module_(v, "he")
    with pytest.raises(ValueError, match="unknown model family"):
        deep.build("resnet", "relu", {})


def test_gpt2_initialisation():
    g = GPT(GPTConfig(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65), seed=0)
    assert abs(g.wte.weight.std().item() - 0.02) < 0.001
    assert abs(g.h[0].mlp.fc2.weight.std().item() - 0.02 / 8**0.5) < 0.0005
    assert g.h[0].mlp.fc1.bias.abs().sum() == 0
    assert g.num_params() == 801_664  # nanoGPT: "number of parameters: 0.80M" (position table excluded)


def test_seeded_models_are_identical():
    a, b = ViT(ViTConfig(**SMALL["vit"]), seed=3), ViT(ViTConfig(**SMALL["vit"]), seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("family", deep.FAMILIES)
def test_deep_ntk_paths_agree(family):
    model = deep.build(family, "swiglu", SMALL[family], seed=1)
    X = deep.probe_inputs(family, 5, SMALL[family], seed=2)
    A, B = generic_ntk(model, X), implicit_ntk(model, X)
    assert np.abs(A - B).max() <= 1e-10 * np.abs(A).max()
    np.testing.assert_allclose(A, A.T, rtol=1e-10)
    assert np.linalg.eigvalsh(A).min() > -1e-8 * np.abs(A).max()
    C = generic_ntk(model, X, max_block_bytes=1)  # one sample per Jacobian block
    np.testing.assert_allclose(C, A, rtol=1e-10)


def test_auto_with_tiny_jacobian_blocks():
    # the bare class token and position table go to Jacobian blocks of one sample each
    model = deep.build("vit", "gelu", SMALL["vit"], seed=0)
    X = deep.probe_inputs("vit", 3, SMALL["vit"])
    np.testing.assert_allclose(empirical_ntk(model, X, max_block_bytes=10), generic_ntk(model, X), rtol=1e-10)


def test_condition_numbers_and_probes():
    k = deep.ntk_condition_numbers("mixer", ["relu", "reglu"], SMALL["mixer"], 6, range(2))
    assert set(k) == {"relu", "reglu"} and all(len(v) == 2 and min(v) > 1 for v in k.values())
    tokens = np.arange(100, dtype=np.uint16) % 11
    X = deep.probe_inputs("gpt", 4, SMALL["gpt"], tokens=tokens)
    assert X.shape == (4, 8) and X.dtype == torch.int64
    assert torch.equal(X[:, 1:] % 11, (X[:, :-1] + 1) % 11)


def test_readout_wrapper():
    w = ScalarReadout(torch.nn.Linear(3, 2).double(), lambda o: o.sum(-1))
    assert w(torch.zeros(4, 3, dtype=torch.float64)).shape == (4,)


def test_official_vit_matches_the_papers_model():
    """Parameter count and shapes of the paper's ViT (Zemdalk/GLU-NTK, src/ntk/models/vit.py) at its NTK
    setting: dim 4096, depth 4, heads 4, dim_head 64, mlp_dim 256, 32×32×3 images, patch 4, one output.
    The official model has 25,724,001 parameters (non-GLU) and 25,691,569 (GLU: ⌊256·2/3⌋ = 170 units)."""
    settings = dict(image_size=32, patch_size=4, channels=3, dim=4096, depth=4, heads=4, dim_head=64, mlp_dim=256,
                    num_outputs=1, layout="official", init="official")
    with torch.device("meta"):
        relu = ViT(ViTConfig(**settings, ffn="relu"))
        geglu = ViT(ViTConfig(**settings, ffn="geglu"))
    assert sum(p.numel() for p in relu.parameters()) == 25_724_001
    assert sum(p.numel() for p in geglu.parameters()) == 25_691_569
    b = relu.blocks[0]
    assert b.attn.qkv.weight.shape == (768, 4096) and b.attn.qkv.bias is None
    assert b.attn.proj.weight.shape == (4096, 256) and b.mlp.fc1.weight.shape == (256, 4096)
    assert geglu.blocks[0].mlp.fc1.weight.shape == (340, 4096)  # W and P stacked, 170 units each
    assert relu.patch.ln_in.weight.shape == (48,) and relu.patch.linear.weight.shape == (4096, 48)
    assert relu.pos.shape == (1, 65, 4096) and relu.cls.shape == (1, 1, 4096)


def test_official_vit_layout_and_init():
    c = ViTConfig(image_size=8, patch_size=4, channels=2, dim=16, depth=2, heads=2, dim_head=4, mlp_dim=24,
                  num_outputs=1, layout="official", init="official")
    m = ViT(c, seed=0).double()
    x = torch.randn(3, 2, 8, 8, dtype=torch.float64)
    # the layout: shared LayerNorm after each attention and at the end, patches in (row, col, channel) order
    p = x.reshape(3, 2, 2, 4, 2, 4).permute(0, 2, 4, 3, 5, 1).reshape(3, 4, 32)
    h = m.patch.ln_out(m.patch.linear(m.patch.ln_in(p)))
    h = torch.cat([m.cls.expand(3, -1, -1), h], 1) + m.pos
    for blk in m.blocks:
        h = m.ln(blk.attn(blk.ln_attn(h)) + h)
        h = blk.mlp(h) + h
    torch.testing.assert_close(m(x), m.head(m.ln(h)[:, 0]))
    big = ViT(ViTConfig(**{**c.__dict__, "dim": 256}), seed=0)
    assert abs(big.pos.std().item() - 1) < 0.05  # N(0, 1) as torch.randn in the official code
    assert abs(big.blocks[0].mlp.fc1.weight.std().item() - 256**-0.5) < 0.005  # LeCun normal FFN
    assert big.blocks[0].mlp.fc1.bias.abs().max() == 0
    bound = 256**-0.5  # PyTorch's default U(±1/√fan_in) elsewhere
    assert big.blocks[0].attn.qkv.weight.abs().max() <= bound and big.head.bias.abs().max() <= bound
    with pytest.raises(ValueError, match="layout"):
        ViTConfig(layout="postnorm")
    with pytest.raises(ValueError, match="init"):
        ViTConfig(init="he")


def test_gpt_init_std_option():
    base = GPT(GPTConfig(**SMALL["gpt"]), seed=0)
    same = GPT(GPTConfig(**SMALL["gpt"], init_std=0.02), seed=0)
    assert all(torch.equal(p, q) for p, q in zip(base.parameters(), same.parameters()))
    big = GPT(GPTConfig(**SMALL["gpt"], init_std=0.1), seed=0)
    torch.testing.assert_close(big.h[0].mlp.fc1.weight, 5 * base.h[0].mlp.fc1.weight)
    torch.testing.assert_close(big.h[0].attn.proj.weight, 5 * base.h[0].attn.proj.weight)


@pytest.mark.parametrize("scheme", ["lecun", "xavier"])
def test_gpt_init_schemes(scheme):
    cfg = dict(n_layer=2, n_head=4, n_embd=128, block_size=8, vocab_size=65)
    base, g = GPT(GPTConfig(**cfg), seed=0), GPT(GPTConfig(**cfg, init=scheme), seed=0)
    fc1, proj = g.h[1].mlp.fc1.weight, g.h[0].attn.proj.weight  # (512, 128), (128, 128)
    want = (1 / 128**0.5, 1 / 128**0.5) if scheme == "lecun" else ((2 / 640) ** 0.5, (2 / 256) ** 0.5)
    assert abs(fc1.std().item() / want[0] - 1) < 0.02 and abs(proj.std().item() / want[1] - 1) < 0.03
    assert g.h[0].mlp.fc1.bias.abs().max() == 0
    torch.testing.assert_close(g.wte.weight, base.wte.weight)  # embeddings keep N(0, init_std²)
    torch.testing.assert_close(g.wpe.weight, base.wpe.weight)
    assert g.lm_head.weight is g.wte.weight
    # the default is GPT-2's initialisation, and the repr (part of checkpoint fingerprints) is unchanged
    assert "init=" not in repr(GPTConfig(**cfg, init=scheme)) and GPTConfig().init == "gpt2"
    with pytest.raises(ValueError, match="unknown init"):
        GPTConfig(init="he")


def test_sweep_grid_stores_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    points = {"a": dict(family="vit", factor="f", x=1, settings=SMALL["vit"], n=4, length=None, probes="gaussian"),
              "b": dict(family="gpt", factor="f", x=2, settings=SMALL["gpt"], n=4, length=6, probes="random")}
    calls = []
    real = deep.ntk_kappas
    monkeypatch.setattr(deep, "ntk_kappas", lambda *a, **k: calls.append(a) or real(*a, **k))
    deep.sweep_grid("g", points, ["relu", "reglu"], [0, 1])
    assert len(calls) == 8
    got = deep.stored_grid("g")
    assert set(got) == {"a", "b"} and got["a"][0] == points["a"]
    assert [len(v) for v in got["b"][1].values()] == [2, 2]
    ref = real("gpt", "reglu", SMALL["gpt"], 4, 1, length=6)
    assert got["b"][1]["reglu"][1]["kappa_full"] == pytest.approx(ref["kappa_full"], rel=1e-12)
    assert deep.pair_ratios(got["a"][1], "relu", "reglu").shape == (2,)
    deep.sweep_grid("g", points, ["relu", "reglu"], [0, 1, 2])  # resume: only the new seed
    assert len(calls) == 12
    changed = dict(points, b=dict(points["b"], n=5))
    deep.sweep_grid("g", changed, ["relu", "reglu"], [0, 1, 2])  # a changed point is recomputed
    assert len(calls) == 18 and deep.stored_grid("g")["b"][0]["n"] == 5
    assert deep.stored_grid("absent") is None
    with pytest.raises(ValueError, match="points"):
        deep.sweep_grid("g", {}, ["relu"], [0])


def test_sign_grids_are_well_formed():
    for name, points in deep.SIGN_GRIDS.items():
        assert name.startswith("deep_sign_") and points
        for pt in points.values():
            assert pt["family"] in ("vit", "gpt") and pt["n"] >= 16
            if pt["family"] == "vit":
                ViTConfig(**pt["settings"])
            else:
                assert GPTConfig(**pt["settings"]).block_size >= pt["length"]
    inits = {pt["x"] for pt in deep.SIGN_GRIDS["deep_sign_init"].values()}
    assert inits == {"lecun", "official", "gpt2", "xavier"}


def _tiny_checkpoint(tmp_path, monkeypatch, kind, seed, iters, stop_at=None):
    """A GPT of a tiny recipe trained on tiny-shakespeare for a few iterations, checkpointed."""
    from glu_lib import runs, text
    from glu_lib.train import train

    recipe = dict(model=dict(n_layer=1, n_head=2, n_embd=16, block_size=8, dropout=0.0), batch_size=4,
                  train=dict(max_iters=iters, lr=1e-2, min_lr=1e-3, warmup_iters=1, eval_interval=iters,
                             eval_iters=1, ckpt_interval=0))
    monkeypatch.setitem(runs.GPT_RECIPES, "tiny", recipe)
    corpus = text.char_corpus(text.read_text())
    mcfg, tcfg, batch = runs.gpt_recipe("tiny", kind, corpus.vocab_size, seed)
    path = tmp_path / f"gpt_tiny_{kind}_seed{seed}.pt"
    train(GPT(mcfg, seed=seed), tcfg, text.batch_fn(corpus, mcfg.block_size, batch), text.lm_loss,
          ckpt_path=path, stop_at=stop_at)
    return path, corpus


def test_trained_gpt_kappas_from_a_checkpoint(tmp_path, monkeypatch):
    path, corpus = _tiny_checkpoint(tmp_path, monkeypatch, "geglu", 3, iters=5)
    r = deep.trained_gpt_kappas(path, "geglu", 3, corpus.val, recipe="tiny", n=6)
    assert r["iter"] == 5 and np.isfinite(r["val_loss"])
    settings = dict(n_layer=1, n_head=2, n_embd=16, block_size=8, vocab_size=65, dropout=0.0)
    ref = deep.ntk_kappas("gpt", "geglu", settings, 6, 3, tokens=corpus.val)  # same init, same probes
    for key in ("kappa_full", "kappa_ffn", "lmax_full"):
        assert r["init"][key] == pytest.approx(ref[key], rel=1e-10)
    assert r["trained"]["kappa_full"] != pytest.approx(r["init"]["kappa_full"], rel=1e-3)
    assert r["trained"]["params"] == r["init"]["params"]
    with pytest.raises(ValueError, match="training configuration"):  # another seed than the run's
        deep.trained_gpt_kappas(path, "geglu", 4, corpus.val, recipe="tiny", n=6)
    with pytest.raises(ValueError, match="model differ"):  # another kind (same weights for geglu and swiglu)
        deep.trained_gpt_kappas(path, "swiglu", 3, corpus.val, recipe="tiny", n=6)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        deep.trained_gpt_kappas(tmp_path / "none.pt", "geglu", 3, corpus.val, recipe="tiny")


def test_trained_gpt_kappas_refuses_an_unfinished_run(tmp_path, monkeypatch):
    path, corpus = _tiny_checkpoint(tmp_path, monkeypatch, "gelu", 0, iters=6, stop_at=2)
    with pytest.raises(ValueError, match="iteration 2, not the recipe's last"):
        deep.trained_gpt_kappas(path, "gelu", 0, corpus.val, recipe="tiny", n=4)
    r = deep.trained_gpt_kappas(path, "gelu", 0, corpus.val, recipe="tiny", n=4, require_complete=False)
    assert r["iter"] == 2


def test_trained_sweep_cli_stores_and_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path / "results"))
    _tiny_checkpoint(tmp_path, monkeypatch, "relu", 2, iters=4)
    _tiny_checkpoint(tmp_path, monkeypatch, "reglu", 2, iters=4)
    argv = ["trained", "--ckpt-dir", str(tmp_path), "--recipe", "tiny", "--kinds", "relu", "reglu", "gelu",
            "--seeds", "2", "--n", "5"]
    deep._main(argv)
    err = capsys.readouterr().err
    assert "gelu/2: skipped (no checkpoint" in err and "relu/2: kappa init" in err
    from glu_lib.results import load_result

    res = load_result("deep_trained_gpt_tiny")
    assert set(res["data"]["kernels"]) == {"relu/2", "reglu/2"}
    assert res["data"]["spec"]["n"] == 5 and res["data"]["kernels"]["reglu/2"]["iter"] == 4
    calls = []
    monkeypatch.setattr(deep, "trained_gpt_kappas", lambda *a, **k: calls.append(a))
    deep._main(argv[:-5] + ["--seeds", "2", "--n", "5"])  # gelu dropped: all stored, nothing recomputed
    assert calls == []


def test_text_probe_tokens_and_sweep(tmp_path, monkeypatch):
    from glu_lib import text

    chars = deep.text_probe_tokens({"vocab_size": 65})
    corpus = text.char_corpus(text.read_text())
    assert np.array_equal(chars, corpus.val)
    bpe = deep.text_probe_tokens({"vocab_size": 50257})
    assert bpe.max() < 50257 and 25_000 < len(bpe) < 45_000  # ~3.4 characters per token
    assert text.gpt2_encoding().decode(bpe[:3].tolist()) in text.read_text()[-len(corpus.val):]
    with pytest.raises(ValueError, match="no text tokenizer for vocab_size 11"):
        deep.text_probe_tokens({"vocab_size": 11})
    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    gpt = dict(SMALL["gpt"], vocab_size=65)
    out = deep.sweep("t", "gpt", ["relu", "reglu"], [0], gpt, 3, text_probes=True)
    assert out["spec"]["probes"] == "tiny-shakespeare validation text"
    assert set(out["kernels"]) == {"relu/0", "reglu/0"}
    X = deep.probe_inputs("gpt", 3, gpt, seed=0, tokens=chars)
    K = empirical_ntk(deep.build("gpt", "relu", gpt, seed=0), X)
    assert out["kernels"]["relu/0"]["kappa_full"] == pytest.approx(deep.condition_number(K), rel=1e-9)
    with pytest.raises(ValueError, match="for the GPT only"):
        deep.sweep("t", "vit", ["relu"], [0], SMALL["vit"], 2, text_probes=True)


def test_official_mixer_init_follows_the_papers_code():
    """Xavier normal only in the mixing MLPs (W and P each with fan-out = units), zero biases there;
    PyTorch's default U(±1/√fan_in) weights and biases for the patch embedding and the head."""
    import math

    cfg = dict(image_size=32, patch_size=4, channels=3, dim=256, depth=2, token_expansion=16,
               channel_expansion=0.5, num_outputs=1)
    for kind, units in (("relu", 128), ("reglu", 85)):  # 85 = int(128·512/768), the official matching
        m = Mixer(MixerConfig(ffn=kind, init="official", **cfg), seed=0).requires_grad_(False)
        ch = m.blocks[0].channel_mix
        assert ch.units == units and ch.fc1.bias.abs().max() == 0 and ch.fc2.bias.abs().max() == 0
        for half in ch.fc1.weight.split(units):
            assert float(half.std()) == pytest.approx(math.sqrt(2 / (256 + units)), rel=0.03)
        assert float(ch.fc2.weight.std()) == pytest.approx(math.sqrt(2 / (units + 256)), rel=0.03)
        bound = 1 / math.sqrt(3 * 4 * 4)
        w, b = m.patch.weight, m.patch.bias
        assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound and b.abs().max() > 0
        assert float(w.std()) == pytest.approx(bound / math.sqrt(3), rel=0.05)  # uniform, not normal
        assert m.head.bias.abs().max() > 0
    # the book's variant counts both halves of a GLU's fc1 in the fan-out, so its W is narrower
    x = Mixer(MixerConfig(ffn="reglu", init="xavier", **cfg), seed=0).blocks[0].channel_mix.fc1.weight.detach()
    assert float(x.std()) == pytest.approx(math.sqrt(2 / (256 + 170)), rel=0.03)
    with pytest.raises(ValueError, match="init"):
        MixerConfig(init="kaiming")


def test_model_size_counts_parameters_and_matrix_flops():
    from glu_lib import deep_report as dr

    s = dict(image_size=8, patch_size=4, channels=1, dim=8, depth=1, token_expansion=16, channel_expansion=0.5)
    for kind in ("relu", "reglu"):
        params, flops = dr.model_size("mixer", kind, s)
        assert params == deep.param_count(deep.build("mixer", kind, s))
        assert flops > 0
    # the activation changes no shape: the chapter's table counts relu and reglu for all six kinds
    for family, settings in (("mixer", s), ("vit", dict(image_size=8, patch_size=4, channels=1, dim=8, depth=1,
                                                        heads=2, mlp_dim=16))):
        for a, b in (("relu", "gelu"), ("relu", "silu"), ("reglu", "geglu"), ("reglu", "swiglu")):
            assert dr.model_size(family, a, settings) == dr.model_size(family, b, settings)
    assert torch.randn(2).device.type == "cpu"  # the shape-only draws are undone
    # a GPT's matrix FLOPs grow linearly with the window (no attention-score term at length 1)
    g = dict(vocab_size=11, block_size=8, n_layer=1, n_head=1, n_embd=8)
    f1, f4 = (dr.model_size("gpt", "gelu", g, length=L)[1] for L in (1, 4))
    assert f4 > 4 * f1 - 1 and dr.model_size("gpt", "gelu", g)[0] == deep.param_count(deep.build("gpt", "gelu", g))


def test_ratio_summaries_and_verdict_rules():
    from glu_lib import deep_report as dr

    k = {"relu": [{"kappa_full": 4.0, "kappa_ffn": 2.0}, {"kappa_full": 1.0, "kappa_ffn": 1.0}],
         "reglu": [{"kappa_full": 2.0, "kappa_ffn": 1.0}, {"kappa_full": 2.0, "kappa_ffn": 0.5}]}
    full, ffn = dr.ratio_summary(k), dr.ratio_summary(k, "kappa_ffn")
    assert full == dr.RatioSummary(0.5, 2.0, 1, 2) and ffn.above == 2
    assert dr.kappa_verdict(full, ffn) == "partly reproduced"
    assert dr.kappa_verdict(dr.RatioSummary(1.5, 2, 2, 2), None) == "reproduced"
    assert dr.kappa_verdict(dr.RatioSummary(0.1, 0.5, 0, 2), dr.RatioSummary(0.1, 2, 1, 2)) == "not reproduced"
    assert dr.kappa_verdict(None, None) == "not tested" and dr.ratio_summary({}) is None
    assert full.text(lambda v: f"{v:g}") == "0.5-2 (1/2)"


def test_optimisation_gains_refuse_missing_runs(monkeypatch):
    from glu_lib import deep_report as dr

    stored = {f"r_{k}_{s}": {"data": {"history": {"train_loss": [3.0, 2.0 - 0.1 * (k == "reglu")]}}}
              for k in ("relu", "reglu") for s in range(2)}
    monkeypatch.setattr("glu_lib.results.load_result", stored.get)
    finals = dr.final_losses(lambda k, s: f"r_{k}_{s}", ["relu", "reglu"], range(2))
    gains = dr.optimisation_gains(finals, [("relu", "reglu")])
    np.testing.assert_allclose(gains[("relu", "reglu")], [0.1, 0.1])
    assert dr.gain_verdict(gains) == "reproduced"
    assert dr.gain_verdict({("a", "b"): np.array([0.1, -0.3])}) == "not reproduced"
    with pytest.raises(FileNotFoundError, match="r_relu_2"):
        dr.final_losses(lambda k, s: f"r_{k}_{s}", ["relu"], range(3))
    with pytest.raises(KeyError, match="gelu"):
        dr.optimisation_gains(finals, [("gelu", "geglu")])


def test_trained_ratios_pairs_the_stored_kernels_of_one_seed(tmp_path, monkeypatch):
    """Ratios non-GLU/GLU per pair and seed of a stored trained sweep; a pair with one kernel
    missing is left out; nothing stored gives an empty dict."""
    from glu_lib.config import Preset
    from glu_lib.results import save_result

    monkeypatch.setenv("GLU_RESULTS_DIR", str(tmp_path))
    assert deep.trained_ratios("absent") == {}

    def entry(full, ffn):
        return {"init": {"kappa_full": full, "kappa_ffn": ffn},
                "trained": {"kappa_full": full / 10, "kappa_ffn": ffn / 4}}

    kernels = {"relu/2": entry(8.0, 6.0), "reglu/2": entry(2.0, 3.0), "gelu/2": entry(1.0, 1.0)}
    save_result("sweep", {"spec": {}, "kernels": kernels}, Preset("deep_models", "full", {}))
    got = deep.trained_ratios("sweep")
    assert list(got) == [("relu", "reglu", 2)]
    q = got["relu", "reglu", 2]
    assert q["init", "kappa_full"] == 4.0 and q["trained", "kappa_full"] == 4.0
    assert q["init", "kappa_ffn"] == 2.0 and q["trained", "kappa_ffn"] == 2.0
    save_result("foreign", {"kappas": {}}, Preset("deep_models", "full", {}))
    with pytest.raises(ValueError, match="not a stored trained sweep"):
        deep.trained_ratios("foreign")
