"""The benchmark table (benchmarks/README.md, benchmarks/results/table.md) is generated from the stored
benchmark JSON files by benchmarks/report.py and kept up to date with them."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_benchmark(name: str):
    """A module of benchmarks/ (not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_report():
    return load_benchmark("report")


def test_stored_table_is_up_to_date():
    assert load_report().main(["--check"]) == 0


def test_table_follows_the_json(tmp_path, monkeypatch):
    report = load_report()
    bench = tmp_path / "benchmarks"
    shutil.copytree(ROOT / "benchmarks" / "results", bench / "results")
    shutil.copy(ROOT / "benchmarks" / "README.md", bench / "README.md")
    for name, value in (("RESULTS", bench / "results"), ("README", bench / "README.md"),
                        ("TABLE", bench / "results" / "table.md")):
        monkeypatch.setattr(report, name, value)
    assert report.main(["--check"]) == 0
    path = next(p for p in sorted((bench / "results").glob("*.json")) if "kinds" in json.loads(p.read_text())["data"])
    rec = json.loads(path.read_text())
    kind = next(iter(rec["data"]["kinds"].values()))
    kind["structured_s"] = [t * 2 for t in kind["structured_s"]]  # twice as slow: every ratio changes
    path.write_text(json.dumps(rec))
    assert report.main(["--check"]) == 1
    assert report.main([]) == 0 and report.main(["--check"]) == 0
    text = report.TABLE.read_text()
    label = next(ln.split()[1] for ln in text.splitlines() if f"`{path.stem}`" in ln)  # "R<k>"
    row = next(ln for ln in text.splitlines() if ln.startswith(f"| {label} |") and "structured" in ln)
    t = min(kind["structured_s"])
    assert f"| {t:.3g} |" in row


def test_missing_markers_are_refused(tmp_path):
    report = load_report()
    with pytest.raises(ValueError, match="markers"):
        report.render_readme("no table here\n", "| a |\n")


def test_freed_memory_kept_is_scoped():
    """The benchmarks' freed_memory_kept raises glibc's thresholds inside the block only, then sets
    them where glibc's own settle and trims, also when the block fails; with the user's own malloc
    settings (or another C library) it changes nothing."""
    timing = load_benchmark("_timing")
    calls = []
    fake = (lambda *a: calls.append(("mallopt", *a)) or 1, lambda *a: calls.append(("trim", *a)) or 1)
    with timing.freed_memory_kept(fake) as changed:
        assert changed
        assert calls == [("mallopt", timing.M_MMAP_THRESHOLD, timing.KEPT[0]),
                         ("mallopt", timing.M_TRIM_THRESHOLD, timing.KEPT[1])]
    assert calls[2:] == [("mallopt", timing.M_MMAP_THRESHOLD, 32 * 2**20),
                         ("mallopt", timing.M_TRIM_THRESHOLD, 64 * 2**20), ("trim", 0)]
    calls.clear()
    with pytest.raises(RuntimeError):
        with timing.freed_memory_kept(fake):
            raise RuntimeError
    assert [c[0] for c in calls] == ["mallopt"] * 4 + ["trim"]
    assert timing.glibc_malloc({"MALLOC_MMAP_THRESHOLD_": "131072"}) is None
    assert timing.glibc_malloc({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"}) is None
