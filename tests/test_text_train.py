import hashlib

import numpy as np
import pytest
import torch

from glu_lib import text
from glu_lib.gpt import GPT, GPTConfig
from glu_lib.runs import GPT_RECIPES, gpt_recipe
from glu_lib.train import TrainConfig, learning_rate, train

TOY = "to be, or not to be: that is the question.\n" * 40


def test_char_corpus_roundtrip_and_split():
    c = text.char_corpus(TOY)
    assert c.vocab_size == len(set(TOY)) and c.chars == "".join(sorted(set(TOY)))
    assert len(c.train) == int(0.9 * len(TOY)) and len(c.train) + len(c.val) == len(TOY)
    assert c.decode(c.train[:12]) == TOY[:12]
    np.testing.assert_array_equal(c.encode("to be"), c.train[:5])
    with pytest.raises(ValueError):
        text.char_corpus("")


def test_get_batch_targets_are_shifted_and_seeded():
    data = np.arange(50, dtype=np.uint16)
    x, y = text.get_batch(data, 8, 4, torch.Generator().manual_seed(0))
    assert x.shape == (4, 8) and torch.equal(y, x + 1)
    x2, _ = text.get_batch(data, 8, 4, torch.Generator().manual_seed(0))
    assert torch.equal(x, x2)
    with pytest.raises(ValueError, match="too short"):
        text.get_batch(data, 60, 4, torch.Generator())


def test_fetch_verifies_checksum(tmp_path, monkeypatch):
    content = TOY.encode()
    spec = dict(name="toy.txt", size=len(content), sha256=hashlib.sha256(content).hexdigest(), url="http://127.0.0.1:9/none")
    (tmp_path / "toy.txt").write_bytes(content)
    assert text.fetch(spec, tmp_path).read_bytes() == content
    monkeypatch.setenv("GLU_DATA_DIR", str(tmp_path))
    assert text.fetch(spec) == tmp_path / "toy.txt"
    (tmp_path / "toy.txt").write_bytes(content + b"!")
    with pytest.raises(ValueError, match="SHA-256"):
        text.fetch(spec, tmp_path)
    with pytest.raises(FileNotFoundError, match="download=False"):
        text.fetch(dict(spec, name="missing.txt"), tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match="could not be downloaded"):
        text.fetch(dict(spec, name="missing.txt"), tmp_path)  # nothing listens on port 9
    monkeypatch.delenv("GLU_DATA_DIR")
    assert text.data_dir().parts[-2:] == (".cache", "glu_lib")


def test_learning_rate_schedule():
    cfg = TrainConfig(max_iters=100, lr=1e-3, min_lr=1e-4, warmup_iters=10)
    assert learning_rate(0, cfg) == pytest.approx(1e-3 / 11)
    assert learning_rate(10, cfg) == pytest.approx(1e-3)
    assert learning_rate(55, cfg) == pytest.approx(5.5e-4)
    assert learning_rate(100, cfg) == pytest.approx(1e-4)
    lrs = [learning_rate(i, cfg) for i in range(10, 101)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))
    assert learning_rate(7, TrainConfig(schedule="constant", lr=0.5, min_lr=0.1)) == 0.5


@pytest.mark.parametrize("bad", [dict(max_iters=0), dict(optimizer="adam"), dict(schedule="step"), dict(lr=-1.0),
                                 dict(min_lr=1.0, lr=0.1)])
def test_train_config_errors(bad):
    with pytest.raises(ValueError):
        TrainConfig(**bad)


def _task():
    corpus = text.char_corpus(TOY)
    cfg = GPTConfig(vocab_size=corpus.vocab_size, block_size=16, n_layer=1, n_head=2, n_embd=16, dropout=0.1, ffn="swiglu")
    return corpus, cfg, text.batch_fn(corpus, 16, 4)


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_training_reduces_loss_and_is_deterministic(optimizer):
    corpus, mcfg, bf = _task()
    tcfg = TrainConfig(max_iters=30, lr=3e-3 if optimizer == "adamw" else 0.3, min_lr=1e-4, warmup_iters=3,
                       eval_interval=10, eval_iters=2, ckpt_interval=0, optimizer=optimizer)
    h1 = train(GPT(mcfg, seed=0), tcfg, bf, text.lm_loss)
    h2 = train(GPT(mcfg, seed=0), tcfg, bf, text.lm_loss)
    assert h1 == h2
    assert h1["iter"] == [0, 10, 20, 30] and len(h1["step_loss"]) == 30
    assert h1["val_loss"][-1] < h1["val_loss"][0] - 0.2


def test_resume_after_interruption_gives_the_same_result(tmp_path):
    corpus, mcfg, bf = _task()
    tcfg = TrainConfig(max_iters=24, lr=3e-3, warmup_iters=3, eval_interval=8, eval_iters=2, ckpt_interval=5)
    ck = tmp_path / "run.pt"
    a = GPT(mcfg, seed=0)
    part = train(a, tcfg, bf, text.lm_loss, ckpt_path=ck, stop_at=13)  # "interrupted" after 13 iterations
    assert len(part["step_loss"]) == 13
    b = GPT(mcfg, seed=0)
    resumed = train(b, tcfg, bf, text.lm_loss, ckpt_path=ck)
    c = GPT(mcfg, seed=0)
    straight = train(c, tcfg, bf, text.lm_loss)
    assert resumed == straight
    assert all(torch.equal(p, q) for p, q in zip(b.state_dict().values(), c.state_dict().values()))
    assert train(GPT(mcfg, seed=0), tcfg, bf, text.lm_loss, ckpt_path=ck) == straight  # a finished run returns at once
    with pytest.raises(ValueError, match="another configuration"):
        train(GPT(mcfg, seed=0), TrainConfig(max_iters=25), bf, text.lm_loss, ckpt_path=ck)


def test_diverging_loss_raises():
    corpus, mcfg, bf = _task()
    tcfg = TrainConfig(max_iters=5, lr=1e30, min_lr=0.0, warmup_iters=0, eval_interval=5, eval_iters=1,
                       ckpt_interval=0, optimizer="sgd", grad_clip=0.0)
    with pytest.raises(FloatingPointError, match="learning rate"):
        train(GPT(mcfg, seed=0), tcfg, bf, text.lm_loss)


def test_recipes():
    mcfg, tcfg, batch = gpt_recipe("cpu", "gelu", 65)
    assert (mcfg.n_layer, mcfg.n_head, mcfg.n_embd, mcfg.block_size, batch, tcfg.max_iters) == (4, 4, 128, 64, 12, 2000)
    mcfg, tcfg, batch = gpt_recipe("shakespeare_char", "swiglu", 65)
    assert (mcfg.n_embd, mcfg.block_size, mcfg.dropout, batch, tcfg.max_iters) == (384, 256, 0.2, 64, 5000)
    assert set(GPT_RECIPES) == {"smoke", "cpu", "shakespeare_char"}
    with pytest.raises(ValueError):
        gpt_recipe("huge", "gelu", 65)


def test_token_file_roundtrip(tmp_path):
    docs = ["abc", "de", "fghij", "never reached"]
    encode = lambda s: [ord(c) - 96 for c in s]  # noqa: E731  (a toy tokenizer)
    n = text.write_token_file(docs, encode, tmp_path / "t.bin", max_tokens=9, eot=0)
    ids = text.read_token_file(tmp_path / "t.bin")
    assert n == 9 and ids.dtype == np.uint16 and ids.tolist() == [1, 2, 3, 0, 4, 5, 0, 6, 7]
    assert not (tmp_path / "t.bin.part").exists()
    x, y = text.get_batch(ids, 4, 2, torch.Generator().manual_seed(0))
    assert torch.equal(x[:, 1:], y[:, :-1])
    with pytest.raises(ValueError, match="uint16"):
        text.write_token_file(["a"], lambda s: [70000], tmp_path / "u.bin", max_tokens=5)


def test_large_vocabularies_keep_their_ids():
    big = "".join(chr(0x4E00 + i) for i in range(70_000) if not 0xD800 <= 0x4E00 + i < 0xE000)
    c = text.char_corpus(big + big)
    assert c.vocab_size > 65_536 and c.train.dtype == np.uint32
    assert int(c.train.max()) == c.vocab_size - 1  # no wrap-around at 65,536
    assert c.decode(c.train[:50]) == big[:50] and c.decode(c.encode(big[-3:])) == big[-3:]
    assert text.char_corpus(TOY).train.dtype == np.uint16  # small vocabularies stay compact
    x, y = text.get_batch(c.train, 8, 2, torch.Generator().manual_seed(0))
    assert int(x.max()) < c.vocab_size


def test_text_reader_errors(tmp_path):
    c = text.char_corpus(TOY)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        c.encode("xyz!")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        c.decode([0, 999])
    with pytest.raises(ValueError, match="text must be"):
        text.char_corpus(None)
    (tmp_path / "empty.bin").write_bytes(b"")
    (tmp_path / "odd.bin").write_bytes(b"\x01\x00\x02")
    for name in ("empty.bin", "odd.bin"):
        with pytest.raises(ValueError, match=name):
            text.read_token_file(tmp_path / name)
    with pytest.raises(FileNotFoundError, match="missing.bin"):
        text.read_token_file(tmp_path / "missing.bin")
    with pytest.raises(ValueError, match="integer token ids"):
        text.get_batch(np.linspace(0, 1, 100), 4, 2, torch.Generator())
    with pytest.raises(TypeError, match="Generator"):
        text.get_batch(c.train, 4, 2, 0)
