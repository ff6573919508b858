import pytest
import torch

from glu_lib.kinds import GLU, KINDS, NON_GLU, PAIRS, get_kind
from glu_lib.models import TwoLayer, matched_width, two_layer


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def test_kinds_registry():
    assert set(NON_GLU) == {"relu", "gelu", "silu"}
    assert set(GLU) == {"reglu", "geglu", "swiglu", "bilinear", "glu"}
    for a, b in PAIRS:
        assert KINDS[a].activation == KINDS[b].activation and not KINDS[a].gated and KINDS[b].gated
    with pytest.raises(ValueError, match="unknown model kind"):
        get_kind("tanh")


@pytest.mark.parametrize("width,d_in,d_out,expected", [(1000, 75, 1, 503), (400, 100, 1, 200), (3072, 768, 768, 2048)])
def test_matched_width_formula(width, d_in, d_out, expected):
    assert matched_width(width, d_in, d_out) == expected


@pytest.mark.parametrize("non_glu,glu", PAIRS)
def test_parameter_matching_counts(non_glu, glu):
    a, b = two_layer(non_glu, 75, 1000), two_layer(glu, 75, 1000)
    assert b.width == 503 and a.width == 1000
    assert abs(n_params(a) - n_params(b)) <= 2 * 75 + 1  # within one GLU unit
    assert two_layer(glu, 75, 1000, matched=False).width == 1000


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_forward_shapes_and_formula(kind):
    m = two_layer(kind, 5, 16, d_out=3, bias=True, seed=2)
    x = torch.randn(7, 5, dtype=torch.float64)
    out = m(x)
    assert out.shape == (7, 3) and out.dtype == torch.float64
    act = {"relu": torch.relu, "gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu,
           "sigmoid": torch.sigmoid, "identity": lambda a: a}[m.activation]
    h = act(x @ m.W.weight.T + m.W.bias)
    if m.gated:
        h = (x @ m.P.weight.T + m.P.bias) * h
    torch.testing.assert_close(out, h @ m.V.weight.T + m.V.bias)


def test_lecun_and_xavier_variances():
    m = two_layer("reglu", 200, 3000, matched=False, seed=0)
    assert abs(m.W.weight.var().item() * 200 - 1) < 0.02
    assert abs(m.P.weight.var().item() * 200 - 1) < 0.02
    assert abs(m.V.weight.var().item() * 3000 - 1) < 0.1
    x = two_layer("relu", 200, 3000, init="xavier", seed=0)
    assert abs(x.W.weight.var().item() * (3200 / 2) - 1) < 0.02


def test_bias_starts_at_zero_and_seed_determinism():
    a, b = two_layer("swiglu", 4, 10, bias=True, seed=3), two_layer("swiglu", 4, 10, bias=True, seed=3)
    c = two_layer("swiglu", 4, 10, bias=True, seed=4)
    assert torch.equal(a.W.weight, b.W.weight) and not torch.equal(a.W.weight, c.W.weight)
    assert a.W.bias.abs().sum() == 0 and a.P.bias.abs().sum() == 0 and a.V.bias.abs().sum() == 0


def test_same_weights_in_every_dtype():
    a = two_layer("gelu", 4, 8, seed=5, dtype=torch.float64)
    b = two_layer("gelu", 4, 8, seed=5, dtype=torch.float32)
    torch.testing.assert_close(a.W.weight.float(), b.W.weight)


@pytest.mark.parametrize("bad", [dict(width=0), dict(width=-3), dict(width=2.5), dict(d_in=0), dict(d_out=0)])
def test_bad_sizes(bad):
    args = dict(kind="relu", d_in=4, width=8, d_out=1) | bad
    with pytest.raises(ValueError, match="positive integer"):
        two_layer(**args)


def test_bad_kind_init_and_input():
    with pytest.raises(ValueError, match="unknown model kind"):
        two_layer("swish", 4, 8)
    with pytest.raises(ValueError, match="unknown init"):
        two_layer("relu", 4, 8, init="he")
    with pytest.raises(ValueError, match="expected inputs with 4 features"):
        two_layer("relu", 4, 8)(torch.zeros(3, 5, dtype=torch.float64))
    with pytest.raises(ValueError, match="too small"):
        matched_width(1, 100, 1)
    assert isinstance(two_layer("glu", 3, 4), TwoLayer)
