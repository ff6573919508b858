import numpy as np
import pytest
import torch
from torch import nn

from glu_lib.kinds import KINDS
from glu_lib.models import ACTIVATIONS, two_layer
from glu_lib.ntk import empirical_ntk, generic_ntk, two_layer_ntk


def rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("bias", [False, True])
def test_structured_equals_generic(rng, kind, bias):
    m = two_layer(kind, 6, 32, d_out=1, bias=bias, seed=7)
    if bias:  # non-zero biases exercise every term
        with torch.no_grad():
            for p in m.parameters():
                if p.ndim == 1:
                    p.normal_()
    X, X2 = rng.standard_normal((9, 6)), rng.standard_normal((4, 6))
    assert rel(two_layer_ntk(m, X), generic_ntk(m, X)) < 1e-10
    assert rel(two_layer_ntk(m, X, X2), generic_ntk(m, X, X2)) < 1e-10


def test_vector_output_and_blocking(rng):
    m = two_layer("geglu", 5, 24, d_out=3, bias=True, seed=1)
    X = rng.standard_normal((11, 5))
    K = two_layer_ntk(m, X)
    assert K.shape == (11, 11, 3, 3)
    # tiny blocks force many Jacobian blocks, symmetric filling included
    assert rel(generic_ntk(m, X, max_block_bytes=1), K) < 1e-10
    np.testing.assert_allclose(K, K.transpose(1, 0, 3, 2), rtol=1e-12)


def test_generic_path_on_any_module(rng):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 7), nn.Tanh(), nn.Linear(7, 1)).double()
    X = torch.as_tensor(rng.standard_normal((5, 4)))
    J = torch.stack([torch.cat([g.reshape(-1) for g in torch.autograd.grad(net(x[None]).sum(), list(net.parameters()))]) for x in X])
    np.testing.assert_allclose(empirical_ntk(net, X), (J @ J.T).numpy(), rtol=1e-10)


def test_auto_dispatch_and_float32(rng):
    X = rng.standard_normal((6, 3))
    m = two_layer("swiglu", 3, 16)
    assert rel(empirical_ntk(m, X), empirical_ntk(m, X, method="generic")) < 1e-10
    m32 = two_layer("swiglu", 3, 16, dtype=torch.float32)
    K32 = empirical_ntk(m32, X)
    assert K32.dtype == np.float64 and rel(K32, empirical_ntk(m, X)) < 1e-4


def test_ntk_errors(rng):
    m = two_layer("relu", 3, 8)
    with pytest.raises(ValueError, match="NaN or inf"):
        empirical_ntk(m, np.full((2, 3), np.inf))
    with pytest.raises(ValueError, match="NaN or inf"):
        empirical_ntk(m, torch.full((2, 3), float("nan"), dtype=torch.float64))
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        empirical_ntk(m, rng.standard_normal((2, 4)))
    with pytest.raises(ValueError, match="unknown method"):
        empirical_ntk(m, rng.standard_normal((2, 3)), method="fast")
    with pytest.raises(TypeError, match="TwoLayer"):
        two_layer_ntk(nn.Linear(3, 1), rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match="no parameters"):
        generic_ntk(nn.Identity(), rng.standard_normal((2, 3)))


@pytest.mark.parametrize("kind", ["relu", "reglu", "bilinear"])
@pytest.mark.parametrize("bias", ["none", "all", "W only"])
def test_two_layer_symmetric_products(rng, monkeypatch, kind, bias):
    """The symmetric products (strips right of the diagonal, mirrored) equal the Jacobian Gram; a
    gated net whose two first layers disagree on the bias keeps their factors apart."""
    import glu_lib.ntk as ntk

    monkeypatch.setattr(ntk, "_SYM_BLOCK", 4)  # 11 rows: strips of 4, 4 and 3
    monkeypatch.setattr(ntk, "_CHUNK_ELEMS", 50)  # element-wise steps in chunks of 2 or 3 rows
    m = two_layer(kind, 5, 24, bias=bias != "none", seed=3)
    if bias == "W only" and m.P is not None:
        m.P.bias = None
    with torch.no_grad():
        for p in m.parameters():
            if p.ndim == 1:
                p.normal_()
    X = rng.standard_normal((11, 5))
    K = two_layer_ntk(m, X)
    assert rel(K, generic_ntk(m, X)) < 1e-10
    np.testing.assert_array_equal(K, K.T)


def test_two_layer_workspace(rng, monkeypatch):
    """The feature block kept between calls: no result aliases it, the same block serves the next
    call of the same size, each thread has its own, none is kept above the size limit, and
    release_workspace frees it."""
    import threading

    import glu_lib.ntk as ntk

    ntk.release_workspace()
    m = two_layer("reglu", 5, 24, seed=3)
    X, Y = rng.standard_normal((11, 5)), rng.standard_normal((11, 5))
    K1 = two_layer_ntk(m, X)
    first, ptr = K1.copy(), ntk._KEPT.block.data_ptr()
    K2 = two_layer_ntk(m, Y)
    np.testing.assert_array_equal(K1, first)  # the second call wrote nothing into the first result
    assert ntk._KEPT.block.data_ptr() == ptr
    assert rel(K2, generic_ntk(m, Y)) < 1e-10
    out = {}
    t = threading.Thread(target=lambda: out.update(K=two_layer_ntk(m, X), kept=ntk._KEPT.block))
    t.start()
    t.join()
    assert out["kept"] is not None and out["kept"].data_ptr() != ptr
    np.testing.assert_allclose(out["K"], K1, rtol=1e-13)
    ntk.release_workspace()
    assert ntk._KEPT.block is None
    monkeypatch.setattr(ntk, "_WORKSPACE_BYTES", 8)
    np.testing.assert_allclose(two_layer_ntk(m, X), K1, rtol=1e-13)
    assert ntk._KEPT.block is None


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_closed_form_derivatives_match_autograd(activation):
    """The closed-form φ, φ' of the two-layer path are those of the model's activation, by autograd."""
    import glu_lib.ntk as ntk

    a = torch.linspace(-6, 6, 1001, dtype=torch.float64)
    a = torch.cat([a, torch.zeros(1, dtype=torch.float64)])
    phi, dphi = ntk._phi_dphi(activation, a.clone())
    ref_phi, ref_dphi = ntk._act_and_grad(activation, a)
    torch.testing.assert_close(phi, ref_phi, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(dphi, ref_dphi, rtol=1e-14, atol=1e-15)
