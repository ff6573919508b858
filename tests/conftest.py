"""Shared fixtures, and ``--record-execution``: store how long each chapter took to re-execute.

``pytest --nbval chapters ... --record-execution`` writes ``results/execution/test_run.json``: per
chapter, the wall time of its re-execution under nbval and the cells that passed or failed, with the
machine that ran it. The book's execution page reads that file (``glu_lib.execution``). Without the
option nothing is written, so an ordinary test run leaves the clone unchanged.
"""

import datetime as _dt
import json
import os
import platform
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# Property-based tests draw the same examples on every run, so CI cannot fail by chance;
# HYPOTHESIS_PROFILE=explore searches afresh (and more) when hunting for new failures.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def race():
    """``race(work, n)``: run ``work(k)`` for k < n in n threads at once; the errors they raised."""
    import threading

    def run(work, n: int = 4) -> list[str]:
        errors = []

        def guarded(k):
            try:
                work(k)
            except Exception as e:  # noqa: BLE001 - collected for the test to assert
                errors.append(repr(e))

        threads = [threading.Thread(target=guarded, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errors

    return run


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_addoption(parser):
    parser.addoption("--record-execution", action="store_true", default=False,
                     help="store the chapters' re-execution times in results/execution/test_run.json")


def _chapter_runs(session) -> dict[str, dict]:
    """Per notebook: the summed wall time of its cells' test phases and its passed/failed cells."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    runs: dict[str, dict] = defaultdict(lambda: {"seconds": 0.0, "passed": 0, "failed": 0})
    for reports in (reporter.stats.values() if reporter else []):
        for report in reports:
            location = getattr(report, "location", None)  # (path relative to the rootdir, line, name)
            file = str(location[0]) if location else ""
            if not file.endswith(".ipynb") or not hasattr(report, "duration"):
                continue
            entry = runs[Path(file).stem]
            entry["seconds"] += report.duration
            if report.when == "call" or report.outcome == "failed":
                entry["passed" if report.outcome == "passed" else "failed"] += 1
    return runs


def _machine() -> dict:
    import torch

    device = (torch.cuda.get_device_name(0) if torch.cuda.is_available()
              else f"CPU ({platform.machine()}, {os.cpu_count()} cores)")
    load = round(os.getloadavg()[1], 1) if hasattr(os, "getloadavg") else None  # 5-min: was it busy?
    return {"python": platform.python_version(), "torch": torch.__version__, "device": device,
            "platform": f"{platform.system()} {platform.release()}", "load_average": load}


def pytest_sessionfinish(session, exitstatus):
    runs = _chapter_runs(session)
    if not session.config.getoption("--record-execution") or not runs:
        return
    from glu_lib.execution import TEST_RUN_FILE
    from glu_lib.results import results_dir

    chapters = {k: {**v, "seconds": round(v["seconds"], 1)} for k, v in sorted(runs.items())}
    run = {"date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "machine": _machine(),
           "total_seconds": round(sum(v["seconds"] for v in chapters.values()), 1), "chapters": chapters}
    path = results_dir() / TEST_RUN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
