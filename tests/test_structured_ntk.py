"""The structured empirical NTK of deep models against the plain per-sample-Jacobian Gram."""

import numpy as np
import pytest
import torch
from torch import nn

from glu_lib import deep
from glu_lib.models import two_layer
from glu_lib.ntk import ScalarReadout, empirical_ntk, generic_ntk, structured_ntk
from glu_lib.vit import ViT, ViTConfig

SMALL = {"vit": dict(image_size=8, patch_size=4, channels=2, dim=16, depth=2, heads=2, mlp_dim=24),
         "vit_official": dict(image_size=8, patch_size=4, channels=2, dim=16, depth=2, heads=2, dim_head=4,
                              mlp_dim=24, layout="official", init="official"),
         "mixer": dict(image_size=8, patch_size=4, channels=2, dim=8, depth=2),
         "gpt": dict(n_layer=2, n_head=2, n_embd=16, block_size=8, vocab_size=11)}


def rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


def jiggle(model, seed=0):
    """Move every parameter off its initial value, so zero biases and unit LayerNorms are exercised."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=gen, dtype=p.dtype))
    return model


@pytest.mark.parametrize("kind", ["relu", "swiglu"])
@pytest.mark.parametrize("name", sorted(SMALL))
def test_structured_matches_jacobian_gram(name, kind):
    family = name.split("_")[0]
    model = jiggle(deep.build(family, kind, SMALL[name], seed=1))
    X = deep.probe_inputs(family, 6, SMALL[name], seed=2)
    X2 = deep.probe_inputs(family, 3, SMALL[name], seed=3)
    info = {}
    K = structured_ntk(model, X, info=info)
    assert rel(K, generic_ntk(model, X)) <= 1e-10
    assert rel(structured_ntk(model, X, X2), generic_ntk(model, X, X2)) <= 1e-10
    np.testing.assert_allclose(K, K.T, rtol=1e-12)
    # the Jacobian path is only for bare parameters (class token, position table)
    assert set(info["jacobian"]) <= {"model.cls", "model.pos"}
    if family != "vit":
        assert info["jacobian"] == []


def test_auto_uses_structured_path():
    model = deep.build("gpt", "geglu", SMALL["gpt"], seed=0)
    X = deep.probe_inputs("gpt", 4, SMALL["gpt"], seed=0)
    np.testing.assert_array_equal(empirical_ntk(model, X), structured_ntk(model, X))
    m2 = two_layer("relu", 3, 8)
    X2 = np.random.default_rng(0).standard_normal((4, 3))
    assert rel(empirical_ntk(m2, X2, method="structured"), generic_ntk(m2, X2)) < 1e-10


def test_gpt_tied_weights_all_structured():
    model = jiggle(deep.build("gpt", "gelu", SMALL["gpt"], seed=4))
    assert model.model.lm_head.weight is model.model.wte.weight
    X = deep.probe_inputs("gpt", 5, SMALL["gpt"], seed=5)
    info = {}
    K = structured_ntk(model, X, info=info)
    assert info["jacobian"] == [] and "model.wte.weight" in info["structured"]
    assert rel(K, generic_ntk(model, X)) <= 1e-10


def test_gpt_readout_is_the_last_position():
    """Two sequences that differ only in their last token: a first-position readout could not tell them
    apart (causal attention), the last-position one must."""
    s = SMALL["gpt"]
    model = deep.build("gpt", "gelu", s, seed=0)
    X = deep.probe_inputs("gpt", 1, s, seed=1).repeat(2, 1)
    X[1, -1] = (X[0, -1] + 1) % s["vocab_size"]
    K = empirical_ntk(model, X)
    assert abs(K[0, 0] - K[0, 1]) > 1e-6 * K[0, 0]
    last = ScalarReadout(model.model, lambda o: o[0][:, -1].sum(-1))
    first = ScalarReadout(model.model, lambda o: o[0][:, 0].sum(-1))
    assert rel(K, generic_ntk(last, X)) <= 1e-10
    assert rel(K, generic_ntk(first, X)) > 1e-3


def test_vector_outputs_and_float32():
    model = jiggle(ViT(ViTConfig(**SMALL["vit"], num_outputs=3, ffn="geglu")).double())
    X = deep.probe_inputs("vit", 4, SMALL["vit"], seed=0)
    K = structured_ntk(model, X)
    assert K.shape == (4, 4, 3, 3)
    assert rel(K, generic_ntk(model, X)) <= 1e-10
    X2 = deep.probe_inputs("vit", 2, SMALL["vit"], seed=1)
    assert rel(structured_ntk(model, X, X2), generic_ntk(model, X, X2)) <= 1e-10
    k32 = structured_ntk(deep.build("vit", "geglu", SMALL["vit"], seed=0), X, dtype=torch.float32)
    k64 = structured_ntk(deep.build("vit", "geglu", SMALL["vit"], seed=0), X)
    assert k32.dtype == np.float64 and 1e-9 < rel(k32, k64) < 1e-4


class Odd(nn.Module):
    """Embedding with padding, Conv2d with padding and dilation, a LayerNorm and a Linear each used
    twice, a weight also used outside its layer, a bare parameter and a frozen layer."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(7, 4, padding_idx=0)
        self.conv = nn.Conv2d(2, 3, 3, padding=2, dilation=2)
        self.ln = nn.LayerNorm(4)
        self.lin = nn.Linear(4, 4)
        self.other = nn.Linear(4, 4)
        self.frozen = nn.Linear(4, 4)
        self.frozen.requires_grad_(False)
        self.scale = nn.Parameter(torch.ones(4))
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        img, tok = x[:, :32].reshape(-1, 2, 4, 4), x[:, 32:].long()
        h = self.conv(img).flatten(1)[:, None, :4] + self.emb(tok)  # (B, T, 4)
        h = self.lin(torch.tanh(self.ln(h)))
        h = self.lin(self.ln(h)) * self.scale + self.frozen(h)
        h = h + torch.tanh(h @ self.other.weight.T)  # a use the hooks do not see
        return self.out(torch.tanh(h).mean(1))


def test_arbitrary_module_with_shared_weights():
    torch.manual_seed(0)
    net = jiggle(Odd().double())
    gen = torch.Generator().manual_seed(1)
    X = torch.cat([torch.randn(6, 32, generator=gen, dtype=torch.float64),
                   torch.randint(0, 7, (6, 5), generator=gen).double()], dim=1)
    X[0, 33] = 0  # a padding token
    info = {}
    K = structured_ntk(net, X, info=info)
    assert K.shape == (6, 6, 2, 2)
    assert rel(K, generic_ntk(net, X)) <= 1e-10
    assert set(info["jacobian"]) == {"scale", "other.weight"}
    assert {"emb.weight", "conv.weight", "ln.weight", "lin.weight", "other.bias"} <= set(info["structured"])
    assert not any(k.startswith("frozen") for k in info["structured"] + info["jacobian"])


class BareRow(nn.Module):
    """Bare parameters of leading size 1 that are not broadcast over the batch."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(1, 3))
        self.b = nn.Parameter(torch.randn(1, 3))
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        return (self.lin(x) @ self.w.T)[:, 0] + (x * self.b).sum(-1)


def test_bare_parameters_not_broadcast():
    torch.manual_seed(0)
    net = BareRow().double()
    X = torch.randn(5, 3, dtype=torch.float64)
    info = {}
    assert rel(structured_ntk(net, X, info=info), generic_ntk(net, X)) <= 1e-10
    assert info["jacobian"] == ["b", "w"]


def test_structured_errors():
    model = deep.build("gpt", "relu", SMALL["gpt"], seed=0)
    with pytest.raises(ValueError, match="no samples"):
        structured_ntk(model, torch.zeros(0, 8, dtype=torch.long))
    frozen = deep.build("gpt", "relu", SMALL["gpt"], seed=0).requires_grad_(False)
    with pytest.raises(ValueError, match="frozen"):
        structured_ntk(frozen, torch.zeros(2, 8, dtype=torch.long))


def test_generic_and_two_layer_errors():
    """Zero samples, all parameters frozen, integer or boolean inputs to a two-layer net."""
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    with pytest.raises(ValueError, match="no samples"):
        generic_ntk(net, torch.zeros(0, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="non-empty"):
        generic_ntk(net, np.zeros((0, 3)))
    with pytest.raises(ValueError, match="frozen"):
        generic_ntk(net.requires_grad_(False), torch.zeros(2, 3, dtype=torch.float64))
    m = two_layer("relu", 3, 8)
    for bad in (torch.ones(2, 3, dtype=torch.long), torch.ones(2, 3, dtype=torch.bool)):
        with pytest.raises(TypeError, match="floating-point"):
            empirical_ntk(m, bad)
        with pytest.raises(TypeError, match="floating-point"):
            empirical_ntk(m, torch.ones(2, 3, dtype=torch.float64), bad)


def test_per_parameter_blocks_sum_to_the_kernel():
    model = deep.build("gpt", "reglu", SMALL["gpt"], seed=0)
    X = deep.probe_inputs("gpt", 4, SMALL["gpt"], seed=0)
    info = {"per_parameter": True}
    K = structured_ntk(model, X, info=info)
    np.testing.assert_allclose(sum(info["per_parameter"].values()), K, rtol=1e-12)
    ffn = [k for k in info["per_parameter"] if ".mlp." in k]
    frozen = deep.build("gpt", "reglu", SMALL["gpt"], seed=0)
    for name, p in frozen.named_parameters():
        p.requires_grad_(".mlp." in name)
    assert rel(sum(info["per_parameter"][k] for k in ffn), generic_ntk(frozen, X)) <= 1e-10



@pytest.mark.parametrize("family", ["vit", "mixer", "gpt"])
def test_float32_kappa_agrees_with_float64(family):
    """On chapter 5's models at the smoke scale (seed 0, its probes), κ of the kernel computed in
    float32 (the Gram blocks alone, or the whole pass) is κ in float64 to 1e-4 relative, over all
    parameters and over the FFN parameters alone; the kernel is float64 and exactly symmetric either
    way. The error grows with κ, about as float32's unit roundoff times κ (all six kinds of the three
    families: at most 4e-5, the GPT's κ up to 2·10⁵; a smaller ViT with κ ≈ 2·10⁴ in its FFN
    kernel reaches 2e-4); the test takes the pair with the largest errors."""
    from glu_lib import text
    from glu_lib.config import preset
    from glu_lib.runs import GPT_RECIPES
    from glu_lib.spectra import extreme_eigenvalues

    P = preset("deep_models", "smoke")
    tokens = None
    if family == "gpt":
        corpus = text.char_corpus(text.read_text())
        s = dict(GPT_RECIPES[P.gpt_recipe]["model"], vocab_size=corpus.vocab_size)
        tokens = corpus.val
    else:
        s = dict(getattr(P, family))
    n = P.mixer_n_probe if family == "mixer" else P.n_probe

    def kappas(model, X, **kw):
        info = {"per_parameter": True}
        K = structured_ntk(model, X, info=info, **kw)
        assert K.dtype == np.float64
        np.testing.assert_array_equal(K, K.T)
        ffn = sum(v for k, v in info["per_parameter"].items()
                  if deep.is_ffn_parameter(family, k.removeprefix("model.")))
        return np.array([hi / lo for lo, hi in map(extreme_eigenvalues, (K, ffn))])

    for kind in ("silu", "swiglu"):  # the pair with the largest errors seen over all six kinds
        model = deep.build(family, kind, s, seed=0)
        X = deep.probe_inputs(family, n, s, seed=0, tokens=tokens, length=P.gpt_length if tokens is not None else None)
        k64 = kappas(model, X)
        for kw in (dict(gram_dtype=torch.float32), dict(dtype=torch.float32)):
            k32 = kappas(model, X, **kw)
            assert np.all(np.abs(k32 / k64 - 1) < 1e-4), (kind, kw, k32, k64)
            assert np.all(k32 != k64)  # the products did run in float32


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("dtype", [None, torch.float32])
def test_materialised_slabs_reuse_one_buffer_exactly(symmetric, dtype):
    """The per-sample gradients of a tied weight (two uses), formed a slab of rows at a time in one
    reused buffer, with a last slab shorter than the others (7 rows in slabs of 3): the Gram is
    that of the per-sample gradients ``Σ_u L_uᵀR_u`` formed at once."""
    from glu_lib.ntk import _Dense, _Grammer

    gen = torch.Generator().manual_seed(0)
    N, T, a, b = 5, 4, 7, 6
    uses = [_Dense(torch.randn(N, T, a, generator=gen, dtype=torch.float64),
                   torch.randn(N, T, b, generator=gen, dtype=torch.float64)) for _ in range(2)]
    J = sum(torch.bmm(u.L.transpose(1, 2), u.R) for u in uses).reshape(N, -1)
    ri, ci = (None, None) if symmetric else (torch.tensor([0, 2, 4]), torch.tensor([1, 3]))
    want = J @ J.T if symmetric else J[ri] @ J[ci].T
    g = _Grammer(ri, ci, chunk_bytes=N * 3 * b * 8, dtype=dtype)  # slabs of 3 rows of a = 7
    if dtype is not None:
        from glu_lib.ntk import _cast
        uses = [_cast(u, dtype) for u in uses]
    got = g.materialised(uses, a, b)
    assert got.dtype == torch.float64
    tol = 1e-12 if dtype is None else 1e-5
    assert rel(got.numpy(), want.numpy()) < tol
