"""The training loop runs unchanged under torchrun (two CPU processes, the gloo backend)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch.distributed as dist


@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="no gloo backend")
def test_train_under_torchrun(tmp_path):
    script = Path(__file__).with_name("ddp_train_script.py")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(script), str(tmp_path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0 == r1  # gradients are averaged: both ranks hold the same weights and the same (all-reduced) losses
    assert r0["val"][-1] < r0["val"][0]
