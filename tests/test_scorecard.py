"""The scorecard and the execution page are generated from stored files: check what they make of them."""

from __future__ import annotations

import json

import nbformat
import pytest

from glu_lib import execution, scorecard
from glu_lib.verdicts import Finding, Verdict, verdict_table

ROWS = [
    Verdict("GLU kernel better conditioned", "paper Thm. 3.1", "ratio 12.3", "not run", "reproduced"),
    Verdict("losses cross", "paper Cor. 4.2", "k* = 40", "k* = 35", "partly reproduced"),
]
FINDINGS = [
    Finding("the sign flips with the init", "sweep", "3 of 4", "12 of 16", "holds in part",
            headline="The initialisation sets the sign in small GPTs."),
    Finding("the paper's test is conservative", "simulation", "rate 0.00", "not run", "holds"),
]


def test_collect_reads_stored_rows_and_marks_missing_chapters(tmp_path):
    verdict_table("03_spectrum", ROWS, directory=tmp_path)
    found = scorecard.collect(["01_two_layer_glu", "03_spectrum"], tmp_path)
    assert [c.assessed for c in found] == [False, True]
    assert list(found[1].rows) == ROWS
    table = scorecard.scorecard_markdown(found)
    lines = table.splitlines()
    assert len(lines) == 2 + 1 + len(ROWS)
    assert scorecard.NOT_ASSESSED in lines[2] and "{doc}`Ch. 1 <01_two_layer_glu>`" in lines[2]
    # the "what ran" column says "not run" where nothing ran at full scale, else the row's setting
    assert "| ratio 12.3 | not run | not run | **reproduced** |" in lines[3]
    assert "| k* = 40 | paper scale | k* = 35 | **partly reproduced** |" in lines[4]
    assert "{doc}" not in scorecard.scorecard_markdown(found, link=False)
    assert scorecard.findings_markdown(found) == ""


def test_findings_are_a_second_table_and_never_counted(tmp_path):
    stand_in = Verdict("gap unchanged", "paper Fig. 7", "2 of 2", "18 of 18", "not tested",
                       run="CPU stand-in: MNIST-5k, tiny-shakespeare")
    verdict_table("06_generalization", [stand_in], FINDINGS, directory=tmp_path)
    verdict_table("03_spectrum", ROWS, directory=tmp_path)
    found = scorecard.collect(["03_spectrum", "06_generalization"], tmp_path)
    assert found[1].findings == tuple(FINDINGS) and found[0].findings == ()
    claims = scorecard.scorecard_markdown(found, link=False).splitlines()
    assert len(claims) == 2 + len(ROWS) + 1
    assert ("| 2 of 2 | CPU stand-in: MNIST-5k, tiny-shakespeare | 18 of 18 | "
            "**not tested** at the paper's setting |") in claims[-1]
    own = scorecard.findings_markdown(found, link=False).splitlines()
    assert len(own) == 2 + len(FINDINGS) and own[0].startswith("| chapter | book finding |")
    assert "| Ch. 6 | the sign flips with the init | sweep |" in own[2]
    assert scorecard.counts(found) == {"reproduced": 1, "partly reproduced": 1, "not reproduced": 0,
                                       "not tested": 1}
    text = scorecard.summary_markdown(found)
    assert "checked 3 claims" in text and "holds" not in text.split("\n\n")[0]
    assert "- The initialisation sets the sign in small GPTs. (Ch. 6)" in text
    assert scorecard.headlines(found) == [("06_generalization", "The initialisation sets the sign in small GPTs.")]
    assert "{doc}`Ch. 6 <06_generalization>`" in scorecard.summary_markdown(found, link=True)


def test_summary_counts_every_verdict_and_names_missing_chapters(tmp_path):
    verdict_table("03_spectrum", ROWS, directory=tmp_path)
    found = scorecard.collect(["01_two_layer_glu", "03_spectrum"], tmp_path)
    assert scorecard.counts(found) == {"reproduced": 1, "partly reproduced": 1, "not reproduced": 0,
                                       "not tested": 0}
    text = scorecard.summary_markdown(found, scorecard="chapters/scorecard")
    assert "1 of 2 chapters have checked 2 claims" in text
    assert "**1 reproduced**" in text and "not reproduced" not in text
    assert "Not yet assessed: Ch. 1." in text and "{doc}`scorecard <chapters/scorecard>`" in text


def test_summary_without_any_verdict_file(tmp_path):
    found = scorecard.collect(["01_a", "02_b"], tmp_path)
    assert scorecard.summary_markdown(found) == "No chapter has stored its verdicts yet: all 2 chapters are not yet assessed."


def test_a_malformed_verdict_file_is_an_error_not_a_gap(tmp_path):
    (tmp_path / "03_spectrum.json").write_text(json.dumps({"chapter": "03_spectrum", "rows": [{"claim": "x"}]}))
    with pytest.raises(ValueError, match="malformed"):
        scorecard.collect(["03_spectrum"], tmp_path)
    with pytest.raises(ValueError, match="chapters"):
        scorecard.collect([], tmp_path)


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nbformat.write(nb, path)
    return path


def test_notebook_record_reads_timing_scale_and_errors(tmp_path):
    a = nbformat.v4.new_code_cell("print('scale: smoke')", execution_count=1, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="scale: smoke; seeds: 2\n")])
    a.metadata["execution"] = {"iopub.status.busy": "2026-11-25T00:48:54.5Z",
                               "shell.execute_reply": "2026-11-25T00:48:55.0Z"}
    b = nbformat.v4.new_code_cell("1/0", execution_count=2, outputs=[
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="", traceback=[])])
    b.metadata["execution"] = {"iopub.status.busy": "2026-11-25T00:48:55.1Z",
                               "shell.execute_reply": "2026-11-25T00:50:05.5Z"}
    c = nbformat.v4.new_code_cell("x = 1")  # never executed, no timing
    rec = execution.notebook_record(_notebook(tmp_path / "07_x.ipynb", [a, b, c]))
    assert rec == {"chapter": "07_x", "date": "2026-11-25", "seconds": pytest.approx(71.0), "cells": 3,
                   "executed": 2, "errors": 1, "scale": "smoke"}
    table = execution.notebook_table([tmp_path / "07_x.ipynb"], link=False)
    assert "| 07_x | 2026-11-25 | 71 s | 3 | 1 error(s) | smoke |" in table


def test_notebook_record_without_metadata_and_bad_paths(tmp_path):
    rec = execution.notebook_record(_notebook(tmp_path / "n.ipynb", [nbformat.v4.new_code_cell("x = 1")]))
    assert rec["date"] is None and rec["seconds"] is None and rec["scale"] is None
    with pytest.raises(ValueError, match="path"):
        execution.notebook_record(tmp_path / "missing.ipynb")


def test_stored_results_and_recorded_run_tables(tmp_path):
    prov = {"git_sha": "307da89bf2", "date": "2026-11-25T01:55:39+00:00", "device": "cpu (x86_64, 2 cores)",
            "glu_lib": "0.1.0", "preset": {"chapter": "analytic_ntk", "scale": "full"}}
    (tmp_path / "r.json").write_text(json.dumps({"provenance": prov, "data": {}}))
    (tmp_path / "other.json").write_text(json.dumps({"no": "provenance"}))
    later = dict(prov, git_sha="aaaaaaa0", date="2026-11-27T00:00:00+00:00")
    (tmp_path / "s.json").write_text(json.dumps({"provenance": later, "data": {}}))
    table = execution.stored_results_table(tmp_path).splitlines()
    # one row per family, then one collapsed block per family listing its files
    assert table[2] == "| analytic_ntk / full | 2 | 2026-11-25 to 2026-11-27 | cpu (x86_64, 2 cores) | 0.1.0 | 2 |"
    assert table[3] == "" and table[4] == ":::{dropdown} analytic_ntk / full: 2 file(s)"
    assert "| `r.json` | 2026-11-25 | `307da89` |" in table and "| `s.json` | 2026-11-27 | `aaaaaaa` |" in table
    assert table[-1] == ":::" and len(table) == 11
    assert execution.recorded_run_table(tmp_path / "none.json") == ("", "")
    run = {"date": "2026-12-01T00:14:33+00:00", "total_seconds": 33.6,
           "machine": {"python": "3.11.7", "torch": "2.13.0", "device": "CPU", "platform": "Linux"},
           "chapters": {"02_b": {"seconds": 33.6, "passed": 21, "failed": 1}}}
    (tmp_path / "run.json").write_text(json.dumps(run))
    sentence, table = execution.recorded_run_table(tmp_path / "run.json", link=False)
    assert sentence.startswith("Recorded on 2026-12-01: Python 3.11.7") and "34 s for all" in sentence
    assert "load average" not in sentence
    run["machine"]["load_average"] = 13.4
    (tmp_path / "run.json").write_text(json.dumps(run))
    assert "CPU (load average 13.4 at the end)" in execution.recorded_run_table(tmp_path / "run.json")[0]
    assert table.splitlines()[2] == "| 02_b | 34 s | 21 | 1 |"
