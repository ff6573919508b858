"""The corpus that ships with the package: found offline, checked on every read, overridable."""

from __future__ import annotations

import hashlib
import lzma

import pytest

from glu_lib import text

SPEC = text.SHAKESPEARE


def test_the_corpus_ships_with_the_package_and_matches_its_checksum():
    path = text.packaged(SPEC)
    assert path is not None and path.name == "tinyshakespeare.txt.xz"
    data = lzma.decompress(path.read_bytes())
    assert len(data) == SPEC["size"]
    assert hashlib.sha256(data).hexdigest() == SPEC["sha256"]
    assert (path.parent / "README.md").read_text().count(SPEC["sha256"]) == 1


def test_read_text_needs_no_network_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(text.urllib.request, "urlopen", lambda *a, **k: pytest.fail("downloaded"))
    t = text.read_text()
    assert len(t) == SPEC["size"] and t.startswith("First Citizen:")
    assert not (tmp_path / "empty").exists()


def test_fetch_unpacks_the_shipped_copy_into_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("GLU_DATA_DIR", raising=False)
    monkeypatch.setattr(text.urllib.request, "urlopen", lambda *a, **k: pytest.fail("downloaded"))
    path = text.fetch(directory=tmp_path)
    assert path == tmp_path / SPEC["name"] and path.stat().st_size == SPEC["size"]
    assert [p.name for p in tmp_path.iterdir()] == [SPEC["name"]]  # no temporary file left
    assert text.fetch(directory=tmp_path) == path  # the second call reuses it


def test_a_copy_in_the_data_directory_overrides_the_shipped_one_and_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("GLU_DATA_DIR", str(tmp_path))
    (tmp_path / SPEC["name"]).write_text("not shakespeare")
    with pytest.raises(ValueError, match="SHA-256"):
        text.fetch()
    with pytest.raises(ValueError, match="SHA-256"):
        text.read_text()


def test_a_corrupt_shipped_copy_is_refused(tmp_path, monkeypatch):
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / f"{SPEC['name']}.xz").write_bytes(lzma.compress(b"First Citizen: truncated"))
    monkeypatch.setattr(text, "ASSETS", assets)
    with pytest.raises(ValueError, match="SHA-256"):
        text.read_text(directory=tmp_path / "data")
    with pytest.raises(ValueError, match="SHA-256"):
        text.fetch(directory=tmp_path / "data")
    assert not (tmp_path / "data" / SPEC["name"]).exists()


def test_the_wheel_ships_the_corpus_and_the_stored_results(tmp_path):
    """A non-editable install (Colab's) must carry the corpus, the stored results and the verdicts."""
    import shutil
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    setuptools = pytest.importorskip("setuptools")
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    if (major, minor) < (70, 1):  # older ones need the separate "wheel" package, and >= 68 is required
        pytest.skip(f"setuptools {setuptools.__version__} cannot build the wheel offline")
    root = Path(__file__).resolve().parents[1]
    src = tmp_path / "src"  # a copy, so that the build leaves no build/ or egg-info in the clone
    shutil.copytree(root, src, ignore=shutil.ignore_patterns(
        ".venv", ".git", "_build", "build", "*.egg-info", "__pycache__", ".pytest_cache", "chapters"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(tmp_path / "dist")], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("glu_lib-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "glu_lib/assets/tinyshakespeare.txt.xz" in names and "glu_lib/assets/README.md" in names
    stored = [p.relative_to(root / "results").as_posix() for p in (root / "results").rglob("*.json")]
    missing = [s for s in stored if f"glu_lib/stored_results/{s}" not in names]
    assert stored and not missing, f"stored results missing from the wheel: {missing}"


def test_pyproject_installs_every_results_folder_inside_the_package():
    """The cheap check behind the wheel test: each results/ folder with JSON files is package data."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    tool = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert tool["package-dir"]["glu_lib.stored_results"] == "results"
    folders = {p.parent.relative_to(root / "results") for p in (root / "results").rglob("*.json")}
    for folder in folders:
        package = ".".join(["glu_lib.stored_results", *folder.parts])
        assert package in tool["packages"], f"results/{folder} is not installed: add {package}"
        assert "*.json" in tool["package-data"][package]
    assert "*.xz" in tool["package-data"]["glu_lib.assets"]


def test_gpt2_vocabulary_ships_and_tokenizes_offline(tmp_path, monkeypatch):
    spec = text.GPT2_BPE
    data = lzma.decompress(text.packaged(spec).read_bytes())
    assert len(data) == spec["size"] and hashlib.sha256(data).hexdigest() == spec["sha256"]
    assert (text.ASSETS / "README.md").read_text().count(spec["sha256"]) == 1
    monkeypatch.setenv("GLU_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(text.urllib.request, "urlopen", lambda *a, **k: pytest.fail("downloaded"))
    enc = text.gpt2_encoding()
    assert enc.n_vocab == 50257
    # reference ids of GPT-2's tokenizer
    assert enc.encode("Hello world") == [15496, 995]
    assert enc.encode("<|endoftext|>", allowed_special="all") == [50256]
    ids = text.gpt2_tokens("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert ids.dtype.name == "int64" and enc.decode(ids.tolist()).startswith("First Citizen:")
    assert 10 < len(ids) < 20 and ids.max() < 50257
    assert not (tmp_path / "empty").exists()
