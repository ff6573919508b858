"""Runs that several workers share: claims, shards, checkpoints and results directories, temporaries
of killed writers, a full disk, file permissions, thread counts in the provenance."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from glu_lib import _checks, claims, generalization, results, runs, train
from glu_lib.config import preset
from glu_lib.verdicts import Verdict, verdict_table

ROOT = Path(__file__).resolve().parents[1]

# A queue worker: the chapter-6 queue runner with the training replaced by a short sleep that logs
# which process trained which run (the claims and the queue are the real ones).
WORKER = textwrap.dedent("""
    import os, sys, time
    from glu_lib import generalization
    log = sys.argv[1]

    def fake_train_run(family, kind, optimizer, settings, train_settings, seed=0, *, ckpt_path=None):
        with open(log, "a") as f:
            f.write(f"{family}/{optimizer}/{kind}/{seed} {os.getpid()}\\n")
        time.sleep(0.15)
        return {"iter": [0, 1], "train_loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}

    generalization.train_run = fake_train_run
    generalization.main(sys.argv[2:])
""")


def _env():  # the workers import the glu_lib that this test imported
    import glu_lib

    return {**os.environ, "PYTHONPATH": str(Path(glu_lib.__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1"}


def _queue(tmp_path, *extra, workers=2):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    log = tmp_path / "trained.log"
    args = ["mixer", "--optimizers", "sgd", "adamw", "--kinds", "relu", "reglu", "gelu", "--seeds", "0", "1",
            "--results-dir", str(tmp_path / "res"), "--ckpt-dir", str(tmp_path / "ck"), *extra]
    procs = [subprocess.Popen([sys.executable, str(script), str(log), *args], env=_env(), cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    return [ln.split() for ln in log.read_text().splitlines()]


def test_two_queue_runners_split_the_queue_with_no_run_done_twice(tmp_path):
    done = _queue(tmp_path)
    names = [d[0] for d in done]
    assert len(names) == 12 and len(set(names)) == 12  # 2 seeds × 2 optimizers × 3 kinds, each once
    assert len({d[1] for d in done}) == 2  # both workers trained something
    stored = sorted(p.name for p in (tmp_path / "res").glob("gen_mnist5k_mixer_*.json"))
    assert len(stored) == 12
    assert not list((tmp_path / "res" / ".claims").glob("*.claim"))  # every claim released
    # a third runner finds nothing left to do
    assert _queue(tmp_path, workers=1) == done


def test_shards_split_a_queue_without_overlap(tmp_path):
    env = dict(os.environ)
    seen = []
    for i in range(3):
        shard = claims.parse_shard(None, {**env, "SLURM_ARRAY_TASK_ID": str(i + 1), "SLURM_ARRAY_TASK_MIN": "1",
                                          "SLURM_ARRAY_TASK_COUNT": "3"})
        seen.append([k for k in range(10) if claims.in_shard(k, shard)])
    assert sorted(sum(seen, [])) == list(range(10)) and all(seen)
    assert claims.parse_shard("1/4") == (1, 4) and claims.parse_shard(None, {}) == (0, 1)


def test_shard_option_of_the_queue(tmp_path):
    done = _queue(tmp_path, "--shard", "1/3", workers=1)
    assert len(done) == 4  # runs 1, 4, 7, 10 of 12


def test_a_live_claim_is_respected_and_a_dead_one_recovered(tmp_path):
    held = claims.claim(tmp_path, "run_a")
    assert held is not None and claims.claim(tmp_path, "run_a") is None
    rec = json.loads((tmp_path / "run_a.claim").read_text())
    assert rec["host"] == _checks._host() and rec["pid"] == os.getpid()
    held.release()
    assert not (tmp_path / "run_a.claim").exists()
    # a claim left by a process of this host that has died is taken over
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    (tmp_path / "run_b.claim").write_text(json.dumps({"host": _checks._host(), "pid": pid, "token": "x"}))
    taken = claims.claim(tmp_path, "run_b")
    assert taken is not None and taken.owned()
    taken.release()
    # another host's claim: respected while it is touched, taken over once it is older than stale_after
    other = tmp_path / "run_c.claim"
    other.write_text(json.dumps({"host": "elsewhere", "pid": 1, "token": "y"}))
    assert claims.claim(tmp_path, "run_c", stale_after=3600) is None
    old = time.time() - 7200
    os.utime(other, (old, old))
    again = claims.claim(tmp_path, "run_c", stale_after=3600)
    assert again is not None and again.owned()
    again.release()


def test_two_gpt_runners_of_one_run(tmp_path, monkeypatch):
    """The second runner of a run that another worker holds skips it (no duplicate training, no
    FileExistsError at the end)."""
    trained = []

    def fake(ffn, recipe, **kw):
        trained.append(ffn)
        return {"ffn": ffn, "recipe": recipe, "seed": 0, "params": 1,
                "history": {"iter": [0], "train_loss": [1.0], "val_loss": [1.0]}}

    monkeypatch.setattr(runs, "train_gpt", fake)
    held = claims.claim(tmp_path / ".claims", "gpt_smoke_gelu_seed0")  # the other worker
    runs.main(["gpt", "--recipe", "smoke", "--ffn", "gelu", "relu", "--results-dir", str(tmp_path),
               "--ckpt-dir", str(tmp_path / "ck")])
    assert trained == ["relu"] and not (tmp_path / "gpt_smoke_gelu_seed0.json").exists()
    held.release()


def test_mixer_queue_checkpoints_and_resumes(tmp_path):
    """``--ckpt-dir`` reaches the image runs: a run is checkpointed after every epoch and a second
    call resumes from the finished checkpoint with the same history."""
    settings = dict(data="digits", model=dict(patch_size=4, dim=8, depth=1), batch_size=64, epochs=1)
    tr = {"sgd": dict(lr=0.05, min_lr=0.05, schedule="constant", warmup_iters=0, momentum=0.9,
                      weight_decay=1e-4, decay_all=True, grad_clip=0.0, ckpt_interval=0)}
    ck = tmp_path / "run.pt"
    h1 = generalization.train_run("mixer", "relu", "sgd", settings, tr, seed=0, ckpt_path=ck)
    assert ck.is_file()
    h2 = generalization.train_run("mixer", "relu", "sgd", settings, tr, seed=0, ckpt_path=ck)
    assert h1["val_loss"] == h2["val_loss"] and h1["train_loss"] == h2["train_loss"]


def _bf(split, gen):
    return torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(4, 1, generator=gen, dtype=torch.float64)


def _mse(m, x, y):
    return ((m(x) - y) ** 2).mean()


CFG = train.TrainConfig(max_iters=2, lr=1e-3, min_lr=1e-4, warmup_iters=0, eval_interval=1, eval_iters=1)


def test_stale_temporaries_of_a_killed_writer_are_removed(tmp_path):
    ck = tmp_path / "run.pt"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f".run.pt.{_checks._host()}.{int(dead.stdout)}.abc123.tmp"
    left.write_bytes(b"\0" * 1000)
    live = tmp_path / f".run.pt.{_checks._host()}.{os.getpid()}.def456.tmp"  # a writer that still runs
    live.write_bytes(b"\0")
    old = tmp_path / ".run.pt.elsewhere.7.ghi789.tmp"  # another host's, two days old
    old.write_bytes(b"\0")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    train.train(torch.nn.Linear(3, 1).double(), CFG, _bf, _mse, ckpt_path=ck)
    assert not left.exists() and not old.exists() and live.exists()


def test_full_disk_names_the_checkpoint(tmp_path, monkeypatch):
    def full(obj, f, *a, **k):
        raise RuntimeError("[enforce fail at inline_container.cc:664] . PytorchStreamWriter failed writing file "
                           "data/0: file write failed")

    monkeypatch.setattr(torch, "save", full)
    ck = tmp_path / "run.pt"
    with pytest.raises(OSError, match=r"disk is full.*run\.pt"):
        train.train(torch.nn.Linear(3, 1).double(), CFG, _bf, _mse, ckpt_path=ck)
    assert not list(tmp_path.glob(".*.tmp"))


def test_full_disk_names_the_result(tmp_path, monkeypatch):
    import errno

    def full(fd, mode="r", *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", full)
    with pytest.raises(OSError, match=r"disk is full.*r1\.json"):
        results.save_result("r1", {"a": 1}, preset("spectrum", "smoke"), tmp_path)


def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        p = results.save_result("r2", {"a": 1}, preset("spectrum", "smoke"), tmp_path)
        ck = tmp_path / "run.pt"
        train.train(torch.nn.Linear(3, 1).double(), CFG, _bf, _mse, ckpt_path=ck)
        verdict_table("03_x", [Verdict("a", "b", "c", "d", "reproduced")], directory=tmp_path)
        modes = {f.name: f.stat().st_mode & 0o777 for f in (p, ck, tmp_path / "03_x.json")}
    finally:
        os.umask(old)
    assert set(modes.values()) == {0o644}, modes


def test_provenance_records_threads_and_blas():
    prov = results.provenance(preset("spectrum", "smoke"))
    t = prov["threads"]
    assert t["torch_threads"] == torch.get_num_threads() and t["torch_blas"]
    assert isinstance(t["numpy_blas"], list)


def test_the_host_name_is_safe_in_file_names():
    h = _checks._host()
    assert h and "." not in h and "/" not in h
    assert socket.gethostname()
