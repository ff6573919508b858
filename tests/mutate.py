"""A small mutation pass: plant one bug at a time in a copy of glu_lib and see whether the tests notice.

``python tests/mutate.py`` runs the named mutants (bugs that once passed the tests) and a seeded sample
of operator mutants (comparisons, arithmetic, boolean operators, numeric constants) of the modules the
book's numbers depend on, each against the test files of its module, one at a time on one thread.
A mutant is *killed* when the tests fail, *survived* when they pass, *timeout* when they run too long
(counted as killed: the change broke something). It prints one line per mutant and the score; with
``--json FILE`` it also writes them. ``--per-module K`` sets the sample size, ``--seed`` the sample.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The test files that guard each module.
TESTS = {
    "ntk": ["tests/test_ntk.py", "tests/test_structured_ntk.py", "tests/test_reliability.py"],
    "spectra": ["tests/test_spectra.py", "tests/test_mutants.py"],
    "generalization": ["tests/test_generalization.py", "tests/test_mutants.py"],
    "train": ["tests/test_train_resume.py", "tests/test_mutants.py", "tests/test_shared_runs.py"],
    "verdicts": ["tests/test_verdicts.py", "tests/test_scorecard.py"],
    "scorecard": ["tests/test_scorecard.py", "tests/test_mutants.py"],
    "images": ["tests/test_images_augment.py", "tests/test_mutants.py"],
}

#: Bugs that passed the tests before (module, old text, new text, what it is).
NAMED = [
    ("generalization", "values >= observed - tol", "values > observed + tol", "run test: ties with the observed"),
    ("generalization", ">= observed - tol for _ in range", "> observed + tol for _ in range",
     "run test (random relabellings): ties"),
    ("generalization", "tq = stats.t.ppf((1 + level) / 2, df)", "tq = stats.t.ppf(level, df)",
     "gap interval: one-sided t quantile"),
    ("spectra", "INDEFINITE_RTOL = 1e-4", "INDEFINITE_RTOL = 1e-1", "indefiniteness tolerance"),
    ("scorecard", "return {v: tally.get(v, 0) for v in VERDICTS}",
     "return {v: (tally.get(v, 0) if v != 'not tested' else 0) for v in VERDICTS}", "count of 'not tested'"),
    ("train", 'for split in ("train", "val"):\n        batch = batch_fn(',
     'for split in ("train",):\n        batch = batch_fn(', "validation split out of the fingerprint"),
    ("images", "dy = torch.randint(0, 2 * pad + 1,", "dy = torch.randint(0, 2 * pad,", "random-crop offset range"),
]

_OPS = [(r"(?<![<>=!])<=(?!=)", "<"), (r"(?<![<>=!])>=(?!=)", ">"), (r"(?<![<>=!-])<(?![<>=])", "<="),
        (r"(?<![<>=!-])>(?![<>=])", ">="), (r" == ", " != "), (r" != ", " == "), (r" and ", " or "),
        (r" or ", " and "), (r"(?<=[\w)\]]) \+ (?=[\w(])", " - "), (r"(?<=[\w)\]]) - (?=[\w(])", " + "),
        (r"(?<=[\w)\]]) \* (?=[\w(])", " / "), (r"\bTrue\b", "False"), (r"\bFalse\b", "True"),
        (r"(?<![\w.])1e-(\d+)", None), (r"(?<![\w.\[])([2-9])(?![\w.\]])", None)]


def _code_lines(text: str):
    """Line numbers of code (not docstrings, comments, or the __all__ list)."""
    out, in_doc = [], False
    for no, line in enumerate(text.splitlines()):
        s = line.strip()
        quotes = s.count('"""')
        if in_doc:
            in_doc = quotes % 2 == 0
            continue
        if s.startswith('"""') or s.startswith('r"""'):
            in_doc = quotes == 1
            continue
        if (not s or s.startswith("#") or s.startswith("raise ") or "f\"" in s or s.startswith("__all__")
                or s.lstrip("rfb(").startswith(("'", '"'))):  # a message's continuation: text, not code
            continue
        out.append(no)
    return out


def operator_mutants(module: str):
    text = (ROOT / "glu_lib" / f"{module}.py").read_text()
    lines = text.splitlines()
    out = []
    for no in _code_lines(text):
        line = lines[no].split("  #")[0]
        for pat, rep in _OPS:
            for m in re.finditer(pat, line):
                if rep is None and pat.startswith(r"(?<![\w.])1e"):
                    new = f"1e-{int(m.group(1)) + 2}"
                elif rep is None:
                    new = str(int(m.group(1)) + 1)
                else:
                    new = rep
                mutated = line[: m.start()] + new + line[m.end():]
                out.append((module, no, lines[no], lines[no].replace(line, mutated, 1),
                            f"line {no + 1}: {m.group(0).strip()} -> {new.strip()}"))
    return out


def run_mutant(module: str, apply, tests, timeout: float) -> str:
    with tempfile.TemporaryDirectory(prefix="glu_mutant_") as tmp:
        pkg = Path(tmp) / "glu_lib"
        shutil.copytree(ROOT / "glu_lib", pkg, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "results", Path(tmp) / "results")  # a copy: tests may write results
        src = pkg / f"{module}.py"
        before = src.read_text()
        after = apply(before)
        if after == before:
            return "not applied"
        src.write_text(after)
        env = {**os.environ, "PYTHONPATH": tmp, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            r = subprocess.run([sys.executable, "-P", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                               cwd=ROOT, env=env, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout"
        return "survived" if r.returncode == 0 else "killed"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", nargs="+", default=["ntk", "spectra", "generalization", "train", "verdicts"])
    ap.add_argument("--per-module", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--named-only", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    records = []

    def report(kind, module, what, status):
        records.append({"kind": kind, "module": module, "mutant": what, "status": status})
        print(f"{status:11s} {kind:8s} {module:15s} {what}", flush=True)
        if a.json:
            Path(a.json).write_text(json.dumps(records, indent=1))

    for module, old, new, what in NAMED:
        report("named", module, what, run_mutant(module, lambda s, o=old, n=new: s.replace(o, n, 1),
                                                 TESTS[module], a.timeout))
    if not a.named_only:
        rng = random.Random(a.seed)
        for module in a.modules:
            pool = operator_mutants(module)
            for module_, no, line, mutated, what in rng.sample(pool, min(a.per_module, len(pool))):
                def apply(s, no=no, line=line, mutated=mutated):
                    ls = s.splitlines(keepends=True)
                    ls[no] = ls[no].replace(line, mutated, 1)
                    return "".join(ls)

                report("operator", module, what, run_mutant(module, apply, TESTS[module], a.timeout))
    done = [r for r in records if r["status"] in ("killed", "survived", "timeout")]
    killed = sum(r["status"] != "survived" for r in done)
    print(f"mutation score: {killed}/{len(done)} killed" + (f" ({killed / len(done):.0%})" if done else ""))


if __name__ == "__main__":
    main()
