"""Reliability of the training loop: resume only what matches, corrupt and hostile checkpoints,
atomic writes, validated settings, and that clipping and the weight-decay rule really act."""


import pytest
import torch
from torch import nn

from glu_lib import text
from glu_lib.gpt import GPT, GPTConfig
from glu_lib.train import TrainConfig, _save, evaluate, make_optimizer, train

TOY = "to be, or not to be: that is the question.\n" * 40
CFG = TrainConfig(max_iters=12, lr=3e-3, warmup_iters=2, eval_interval=6, eval_iters=1, ckpt_interval=4)


def _gpt(ffn="gelu", seed=0, vocab=None):
    vocab = vocab or text.char_corpus(TOY).vocab_size
    return GPT(GPTConfig(vocab_size=vocab, block_size=8, n_layer=1, n_head=2, n_embd=16, ffn=ffn), seed=seed)


def _data(corpus_text=TOY):
    return text.batch_fn(text.char_corpus(corpus_text), 8, 4)


def test_resume_refuses_a_checkpoint_of_another_model(tmp_path):
    ck = tmp_path / "gpt_relu.pt"
    train(_gpt("gelu"), CFG, _data(), text.lm_loss, ckpt_path=ck)  # a finished GELU run ...
    with pytest.raises(ValueError, match=r"gpt_relu\.pt.*another model"):  # ... under the ReLU name
        train(_gpt("relu"), CFG, _data(), text.lm_loss, ckpt_path=ck)
    with pytest.raises(ValueError, match=r"another initial weights \(seed\)"):
        train(_gpt("gelu", seed=1), CFG, _data(), text.lm_loss, ckpt_path=ck)
    other = TOY.replace("question", "answer!!")  # same vocabulary size, other text
    assert text.char_corpus(other).vocab_size == text.char_corpus(TOY).vocab_size
    with pytest.raises(ValueError, match="another data"):
        train(_gpt("gelu"), CFG, _data(other), text.lm_loss, ckpt_path=ck)
    assert train(_gpt("gelu"), CFG, _data(), text.lm_loss, ckpt_path=ck)["iter"][-1] == 12  # the same run


@pytest.mark.parametrize("damage", ["empty", "truncated", "text"])
def test_corrupt_checkpoint_names_the_file(tmp_path, damage):
    ck = tmp_path / "run.pt"
    train(_gpt(), CFG, _data(), text.lm_loss, ckpt_path=ck, stop_at=4)
    raw = ck.read_bytes()
    ck.write_bytes({"empty": b"", "truncated": raw[: len(raw) // 2], "text": b"not a checkpoint"}[damage])
    with pytest.raises(ValueError, match=r"run\.pt is corrupt.*delete it"):
        train(_gpt(), CFG, _data(), text.lm_loss, ckpt_path=ck)


MARK = []


class _Hostile:
    def __reduce__(self):
        return (MARK.append, ("code ran",))


def test_checkpoints_are_loaded_without_running_pickled_code(tmp_path):
    ck = tmp_path / "hostile.pt"
    torch.save({"model": {}, "optimizer": {}, "iter": 0, "history": _Hostile(), "batch_rng": None,
                "torch_rng": None, "config": {}}, ck)
    with pytest.raises(ValueError, match="hostile.pt is corrupt"):
        train(_gpt(), CFG, _data(), text.lm_loss, ckpt_path=ck)
    assert MARK == []


def test_a_foreign_file_is_not_taken_for_a_checkpoint(tmp_path):
    ck = tmp_path / "weights.pt"
    torch.save({"model": _gpt().state_dict()}, ck)
    with pytest.raises(ValueError, match="weights.pt is not a checkpoint"):
        train(_gpt(), CFG, _data(), text.lm_loss, ckpt_path=ck)


def test_concurrent_checkpoint_writers_do_not_collide(tmp_path, race):
    path = tmp_path / "ck.pt"

    def writer(k):
        for i in range(15):
            _save(path, {"writer": k, "i": i, "x": torch.full((2000,), float(k))})

    assert race(writer) == []
    state = torch.load(path, weights_only=True)
    assert torch.equal(state["x"], torch.full((2000,), float(state["writer"])))
    assert [p.name for p in tmp_path.iterdir()] == ["ck.pt"]  # no temporary files left behind


@pytest.mark.parametrize("bad", [dict(grad_clip=-1.0), dict(grad_clip=float("nan")), dict(weight_decay=-0.1),
                                 dict(ckpt_interval=-5), dict(ckpt_interval=2.5), dict(warmup_iters=-1),
                                 dict(momentum=1.0), dict(betas=(0.9, 1.5)), dict(betas=0.9), dict(lr=float("inf")),
                                 dict(lr=float("nan")), dict(seed=-1), dict(lr_decay_iters=0), dict(eval_iters=True)])
def test_train_config_rejects_nonsense(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        TrainConfig(**bad)


def test_bad_arguments_of_train_and_evaluate():
    with pytest.raises(ValueError, match="iters"):
        evaluate(_gpt(), _data(), text.lm_loss, iters=0, seed=0)
    with pytest.raises(ValueError, match="stop_at"):
        train(_gpt(), CFG, _data(), text.lm_loss, stop_at=0)
    with pytest.raises(TypeError, match="TrainConfig"):
        train(_gpt(), dict(max_iters=3), _data(), text.lm_loss)
    frozen = _gpt().requires_grad_(False)
    with pytest.raises(ValueError, match="trainable parameter"):
        train(frozen, CFG, _data(), text.lm_loss)


class _Line(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 1)
        with torch.no_grad():
            self.lin.weight.fill_(1.0)
            self.lin.bias.fill_(2.0)


def _one_step(cfg, loss_fn):
    m = _Line()
    before = [p.detach().clone() for p in m.parameters()]
    train(m, cfg, lambda split, gen: (torch.ones(4, 3), torch.zeros(4, 1)), loss_fn)
    return m, before


def test_gradient_clipping_limits_the_step():
    # plain SGD, one step: the update is lr * (clipped gradient), of norm lr * grad_clip
    cfg = TrainConfig(max_iters=1, lr=0.1, min_lr=0.0, warmup_iters=0, schedule="constant", optimizer="sgd",
                      momentum=0.0, weight_decay=0.0, grad_clip=1e-3, eval_interval=1, eval_iters=1)
    loss = lambda m, x, y: ((m.lin(x) - y) ** 2).mean() * 100  # noqa: E731 - gradient norm far above 1e-3
    m, before = _one_step(cfg, loss)
    step = torch.cat([(b - p.detach()).flatten() for b, p in zip(before, m.parameters())])
    assert float(step.norm()) == pytest.approx(0.1 * 1e-3, rel=1e-3)
    m2, before2 = _one_step(TrainConfig(**{**cfg.__dict__, "grad_clip": 0.0}), loss)
    step2 = torch.cat([(b - p.detach()).flatten() for b, p in zip(before2, m2.parameters())])
    assert float(step2.norm()) > 100 * float(step.norm())  # 0 disables clipping


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_weight_decay_spares_biases(optimizer):
    # the loss does not depend on the parameters at all: only weight decay moves them
    cfg = TrainConfig(max_iters=3, lr=0.1, min_lr=0.0, warmup_iters=0, schedule="constant", optimizer=optimizer,
                      weight_decay=0.5, eval_interval=3, eval_iters=1)
    m, (w0, b0) = _one_step(cfg, lambda m, x, y: 0.0 * m.lin(x).sum())
    assert torch.equal(m.lin.bias.detach(), b0)  # a bias is not decayed
    assert float(m.lin.weight.detach().abs().max()) < float(w0.abs().max()) * 0.95  # a matrix is
    groups = make_optimizer(_gpt(), cfg).param_groups
    assert all(p.dim() >= 2 for p in groups[0]["params"]) and groups[0]["weight_decay"] == 0.5
    assert all(p.dim() < 2 for p in groups[1]["params"]) and groups[1]["weight_decay"] == 0.0
