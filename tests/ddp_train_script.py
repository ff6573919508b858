"""Trained by tests/test_ddp.py under torchrun: a tiny GPT on a toy text; each rank writes its result."""
import json, os, sys
import torch
from glu_lib import text
from glu_lib.gpt import GPT, GPTConfig
from glu_lib.train import TrainConfig, train
corpus = text.char_corpus("to be, or not to be: that is the question.\n" * 40)
mcfg = GPTConfig(vocab_size=corpus.vocab_size, block_size=16, n_layer=1, n_head=2, n_embd=16)
tcfg = TrainConfig(max_iters=6, lr=3e-3, warmup_iters=1, eval_interval=3, eval_iters=2, ckpt_interval=0)
model = GPT(mcfg, seed=0)
h = train(model, tcfg, text.batch_fn(corpus, 16, 4), text.lm_loss)
rank = int(os.environ.get("RANK", 0))
w = torch.cat([p.detach().flatten() for p in model.parameters()])
json.dump({"val": h["val_loss"], "wsum": float(w.sum())}, open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w"))
