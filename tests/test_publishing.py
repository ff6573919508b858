"""What publishing and citing the book needs: licences, citation metadata, workflows, the package.

* ``LICENSE``: MIT for the code, CC BY 4.0 for the text and figures, and the notices of the files
  of others shipped in ``glu_lib/assets/``.
* ``CITATION.cff`` is validated against the keys and types of the Citation File Format 1.2.0 (a
  schema written out below: ``cffconvert``, the reference validator, pins ``jsonschema<4``, which
  the Jupyter stack cannot use), and agrees with ``pyproject.toml`` and ``.zenodo.json``.
* The workflows are validated against GitHub's workflow schema (``check-jsonschema``'s copy) and
  checked for what they must do; ``actionlint`` also runs when it is installed.
* The sdist and the wheel build, pass ``twine check``, and the wheel holds the data and the stored
  results, as the release workflow requires.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- licences


def test_licence_covers_code_text_figures_and_shipped_files():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in text and "Permission is hereby granted" in text
    assert "Creative Commons Attribution 4.0 International" in text and "CC BY 4.0" in text
    assert "Copyright (c) 2022 OpenAI" in text, "the notice of gpt2.tiktoken's licence (Whisper, MIT)"
    shipped = [p.name for p in (ROOT / "glu_lib" / "assets").iterdir() if p.name != "README.md"
               and not p.name.startswith((".", "__"))]
    missing = [name for name in shipped if f"glu_lib/assets/{name}" not in text]
    assert not missing, f"LICENSE does not say under which terms these ship: {missing}"
    project = _project()
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]


def test_front_page_states_the_licences_and_how_to_cite():
    index = (ROOT / "index.md").read_text(encoding="utf-8")
    assert "## Licence" in index and "MIT" in index and "CC BY 4.0" in index
    assert "## How to cite" in index and 'yaml.safe_load(open("CITATION.cff"' in index
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## How to cite" in readme and "## Licence" in readme
    version = _project()["version"]
    cite = readme.split("## How to cite", 1)[1].split("\n## ", 1)[0]
    assert f"version {version}" in cite and f"version      = {{{version}}}" in cite, (
        f"the README's citation must name the version of pyproject.toml, {version}")


# --------------------------------------------------------------------------- citation metadata

_PERSON = {
    "type": "object", "additionalProperties": False, "required": ["family-names"],
    "properties": {k: {"type": "string", "minLength": 1} for k in (
        "family-names", "given-names", "name-particle", "name-suffix", "affiliation", "email",
        "alias", "website", "address", "city", "country", "region", "post-code", "tel", "fax")}
    | {"orcid": {"type": "string", "pattern": r"^https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$"}},
}
_ENTITY = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "properties": {k: {"type": "string", "minLength": 1} for k in (
        "name", "alias", "email", "website", "address", "city", "country", "region", "post-code",
        "tel", "fax", "location", "date-start", "date-end")}
    | {"orcid": _PERSON["properties"]["orcid"]},
}
_AUTHORS = {"type": "array", "minItems": 1, "items": {"anyOf": [_PERSON, _ENTITY]}}
_URL = {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"}
_DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_IDENTIFIER = {
    "type": "object", "additionalProperties": False, "required": ["type", "value"],
    "properties": {"type": {"enum": ["doi", "url", "swh", "other"]}, "value": {"type": "string"},
                   "description": {"type": "string"}},
}
_LICENSE = {"type": "string", "enum": ["MIT", "CC-BY-4.0", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-only"]}
_REFERENCE = {
    "type": "object", "required": ["authors", "title", "type"],
    "properties": {
        "type": {"enum": ["art", "article", "audiovisual", "bill", "blog", "book", "catalogue",
                          "conference", "conference-paper", "data", "database", "dictionary",
                          "edited-work", "encyclopedia", "film-broadcast", "generic",
                          "government-document", "grant", "hearing", "historical-work",
                          "legal-case", "legal-rule", "magazine-article", "manual", "map",
                          "multimedia", "music", "newspaper-article", "pamphlet", "patent",
                          "personal-communication", "proceedings", "report", "serial",
                          "slides", "software", "software-code", "software-container",
                          "software-executable", "software-virtual-machine", "sound-recording",
                          "standard", "statute", "thesis", "unpublished", "video", "website"]},
        "title": {"type": "string", "minLength": 1}, "authors": _AUTHORS,
        "collection-title": {"type": "string"}, "year": {"type": "integer"}, "url": _URL,
        "doi": {"type": "string", "pattern": r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$"},
        "identifiers": {"type": "array", "items": _IDENTIFIER},
    },
}
#: The Citation File Format 1.2.0: its top-level keys (no others are allowed), the required ones,
#: and the types of those the book uses.
CFF_1_2_0 = {
    "type": "object",
    "required": ["cff-version", "message", "title", "authors"],
    "additionalProperties": False,
    "properties": {
        "cff-version": {"const": "1.2.0"},
        "message": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "authors": _AUTHORS,
        "abstract": {"type": "string", "minLength": 1},
        "commit": {"type": "string"},
        "contact": _AUTHORS,
        "date-released": _DATE,
        "doi": _REFERENCE["properties"]["doi"],
        "identifiers": {"type": "array", "items": _IDENTIFIER},
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "license": {"anyOf": [_LICENSE, {"type": "array", "items": _LICENSE, "uniqueItems": True}]},
        "license-url": _URL,
        "preferred-citation": _REFERENCE,
        "references": {"type": "array", "items": _REFERENCE},
        "repository": _URL,
        "repository-artifact": _URL,
        "repository-code": _URL,
        "type": {"enum": ["dataset", "software"]},
        "url": _URL,
        "version": {"type": ["string", "number"]},
    },
}


def test_citation_cff_is_valid():
    import jsonschema

    jsonschema.validate(_cff(), CFF_1_2_0)


def test_the_cff_check_rejects_what_it_should():
    import jsonschema

    good = _cff()
    for bad in ({**good, "version-of": "x"}, {k: v for k, v in good.items() if k != "authors"},
                {**good, "repository-code": "github.com/x"}, {**good, "cff-version": "1.1.0"},
                {**good, "authors": [{"given-names": "A"}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, CFF_1_2_0)


def test_citation_metadata_agree_with_the_project():
    project, cff = _project(), _cff()
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert str(cff["version"]) == project["version"] == zenodo["version"]
    assert cff["repository-code"] == project["urls"]["Repository"] == _config()["repository"]["url"]
    assert cff["url"] == _config()["html"]["baseurl"]
    assert cff["title"] == zenodo["title"] == _config()["title"]
    assert set(cff["license"]) == {"MIT", "CC-BY-4.0"} and zenodo["license"] == "MIT"
    assert [a["name"] for a in cff["authors"]] == [c["name"] for c in zenodo["creators"]]
    assert zenodo["upload_type"] == "software" and zenodo["access_right"] == "open"
    paper = cff["references"][0]
    assert paper["url"].endswith("2605.20749") and paper["year"] == 2026


# --------------------------------------------------------------------------- workflows


def test_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"book.yml", "release.yml"}


def test_workflows_match_githubs_schema():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                             "vendor.github-workflows", *map(str, WORKFLOWS)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is not installed")
def test_workflows_pass_actionlint():
    result = subprocess.run(["actionlint", *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _steps(workflow: dict) -> list[dict]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


def _load(name: str) -> dict:
    # PyYAML reads the key "on" as True
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_every_action_is_pinned_and_jobs_chain():
    for path in WORKFLOWS:
        workflow = _load(path.name)
        for step in _steps(workflow):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+|[0-9a-f]{40})", step["uses"]), (path.name, step)
        for name, job in workflow["jobs"].items():
            needs = job.get("needs", [])
            for need in [needs] if isinstance(needs, str) else needs:
                assert need in workflow["jobs"], f"{path.name}: job {name} needs an unknown job {need}"


def test_book_workflow_builds_as_the_readme_and_deploys_to_pages():
    workflow = _load("book.yml")
    assert workflow["on"]["push"]["branches"] == [_config()["repository"]["branch"]]
    runs = "\n".join(s.get("run", "") for s in _steps(workflow))
    assert ".venv/bin/jupyter-book build . -W -n --keep-going" in runs
    assert '.venv/bin/pip install -e ".[book,test]"' in runs
    assert ".venv/bin/python _ext/colab_edition.py --check" in runs
    uses = [s.get("uses", "") for s in _steps(workflow)]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    upload = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_release_workflow_tags_the_version_and_checks_the_package():
    workflow = _load("release.yml")
    assert workflow["permissions"] == {"contents": "write"}
    runs = "\n".join(s.get("run", "") for s in _steps(workflow))
    assert 'tomllib.load(open("pyproject.toml", "rb"))["project"]["version"]' in runs
    assert 'echo "tag=v${version}"' in runs and 'git tag "$TAG"' in runs
    assert "python -m build" in runs and "twine check --strict dist/*" in runs
    assert "glu_lib/assets/tinyshakespeare.txt.xz" in runs and "glu_lib/stored_results/" in runs


# --------------------------------------------------------------------------- the package


def test_sdist_and_wheel_build_pass_twine_and_hold_the_data(tmp_path):
    """As the release workflow builds them (without build isolation: no network needed)."""
    src = tmp_path / "src"
    for name in ("glu_lib", "results"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    files = sorted(dist.iterdir(), key=lambda p: p.suffix)  # the sdist (.gz), then the wheel
    assert [p.suffix for p in files] == [".gz", ".whl"], files
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    names = set(zipfile.ZipFile(files[1]).namelist())
    assets = {f"glu_lib/assets/{p.name}" for p in (ROOT / "glu_lib" / "assets").glob("*.xz")}
    stored = {f"glu_lib/stored_results/{p.relative_to(ROOT / 'results').as_posix()}"
              for pattern in ("*.json", "verdicts/*.json", "execution/*.json")
              for p in (ROOT / "results").glob(pattern)}
    assert assets and assets <= names, assets - names
    assert stored and stored <= names, sorted(stored - names)[:5]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
