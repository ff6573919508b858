"""The verdict rows that chapters store for the scorecard."""

import json

import pytest

from glu_lib.verdicts import (FINDINGS_TITLE, Finding, Verdict, load_findings, load_verdicts, to_markdown,
                              verdict_table)

ROW = Verdict("GLU lowers kappa", "Thm. 3.1", "ratio 12.3", "ratio 45.6", "reproduced")
FINDING = Finding("the init decides the sign", "sign map", "8/24", "10/24", "holds in part")


def test_findings_are_stored_and_shown_in_their_own_table(tmp_path):
    shown = verdict_table("05_deep_models", [ROW], [FINDING], directory=tmp_path)
    assert load_verdicts("05_deep_models", tmp_path) == [ROW]
    assert load_findings("05_deep_models", tmp_path) == [FINDING]
    paper, own = shown.data.split(FINDINGS_TITLE)
    assert paper.count("| GLU lowers kappa |") == 1 and "sign" not in paper
    assert own.splitlines()[2].startswith("| book finding |") and "**holds in part**" in own


def test_a_chapter_without_findings_shows_one_table(tmp_path):
    shown = verdict_table("03_spectrum", [ROW], directory=tmp_path)
    assert FINDINGS_TITLE not in shown.data and load_findings("03_spectrum", tmp_path) == []


@pytest.mark.parametrize("content", ["[]", '{"chapter": "03_spectrum", "rows": []}', '"x"'])
def test_a_verdict_file_without_rows_is_malformed(tmp_path, content):
    (tmp_path / "03_spectrum.json").write_text(content)
    with pytest.raises(ValueError, match="03_spectrum.json"):
        load_verdicts("03_spectrum", tmp_path)


@pytest.mark.parametrize("field,value", [("status", "reproduced"), ("finding", ""), ("item", "a|b"),
                                         ("smoke", "carriage\rreturn")])
def test_bad_findings_are_refused(field, value):
    kwargs = dict(finding="f", item="i", smoke="s", full="f", status="holds") | {field: value}
    with pytest.raises(ValueError, match=field):
        Finding(**kwargs)


def test_round_trip(tmp_path):
    shown = verdict_table("03_spectrum", [ROW], directory=tmp_path)
    assert shown.data == to_markdown([ROW])
    assert load_verdicts("03_spectrum", tmp_path) == [ROW]
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_markdown_has_a_row_per_verdict():
    lines = to_markdown([ROW, ROW]).splitlines()
    assert len(lines) == 4 and lines[0].startswith("| paper claim |")
    assert "**reproduced**" in lines[2]


def test_write_false_writes_nothing(tmp_path):
    verdict_table("03_spectrum", [ROW], write=False, directory=tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("field,value", [("verdict", "fine"), ("claim", ""), ("smoke", "a | b"),
                                         ("full", None), ("paper_item", "two\nlines")])
def test_bad_rows_are_refused(field, value):
    kwargs = dict(claim="c", paper_item="p", smoke="s", full="f", verdict="reproduced") | {field: value}
    with pytest.raises(ValueError, match=field):
        Verdict(**kwargs)


@pytest.mark.parametrize("chapter", ["", "../x", "a/b", 3])
def test_bad_chapter_names_are_refused(chapter, tmp_path):
    with pytest.raises(ValueError, match="chapter"):
        verdict_table(chapter, [ROW], directory=tmp_path)


def test_empty_rows_are_refused(tmp_path):
    with pytest.raises(ValueError, match="rows"):
        verdict_table("03_spectrum", [], directory=tmp_path)


def test_missing_and_foreign_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="03_spectrum"):
        load_verdicts("03_spectrum", tmp_path)
    (tmp_path / "03_spectrum.json").write_text(json.dumps({"chapter": "04_loss", "rows": []}))
    with pytest.raises(ValueError, match="03_spectrum.json"):
        load_verdicts("03_spectrum", tmp_path)
    (tmp_path / "03_spectrum.json").write_text("{not json")
    with pytest.raises(ValueError, match="malformed"):
        load_verdicts("03_spectrum", tmp_path)


def test_what_ran_and_headlines_are_stored_and_optional(tmp_path):
    from glu_lib.verdicts import PAPER_SCALE, Finding, Verdict, load_findings, load_verdicts, verdict_table

    v = Verdict("c", "paper Fig. 7", "s", "f", "not tested", run="CPU stand-in: MNIST-5k")
    f = Finding("x", "Ch. 6", "s", "f", "holds", headline="GLU widens the gap a little.")
    plain = Verdict("c2", "paper Fig. 3", "s", "f", "not tested")
    assert plain.run == PAPER_SCALE and Finding("y", "Ch. 5", "s", "f", "holds").headline == ""
    verdict_table("06_x", [v, plain], [f], directory=tmp_path)
    assert load_verdicts("06_x", tmp_path) == [v, plain] and load_findings("06_x", tmp_path) == [f]
    # the chapter's own table does not change shape: 5 columns, as before
    assert to_markdown([v]).splitlines()[2].count("|") == 6
    with pytest.raises(ValueError, match="run"):
        Verdict("c", "p", "s", "f", "reproduced", run=" ")
    with pytest.raises(ValueError, match="headline"):
        Finding("x", "Ch. 6", "s", "f", "holds", headline="two\nlines")


@pytest.mark.parametrize("verdict", ["reproduced", "partly reproduced", "not reproduced"])
@pytest.mark.parametrize("run", ["CPU stand-in: MNIST-5k, tiny-shakespeare",
                                 "GPT-2 small not trained; Stand-In: nanoGPT CPU recipe"])
def test_a_stand_in_row_can_only_be_not_tested(verdict, run):
    """A stand-in does not test the paper's claim at the paper's setting: its outcome is a Finding."""
    with pytest.raises(ValueError, match="(?s)verdict must be 'not tested'.*'gap unchanged'.*stand-in"):
        Verdict("gap unchanged", "paper Fig. 7", "s", "f", verdict, run=run)
    row = Verdict("gap unchanged", "paper Fig. 7", "s", "f", "not tested", run=run)
    assert row.stand_in and not ROW.stand_in
    # the tables say what "not tested" means for such a row; other rows are shown as before
    assert to_markdown([row]).splitlines()[2].endswith("| **not tested** at the paper's setting |")
    assert to_markdown([ROW]).splitlines()[2].endswith("| **reproduced** |")
    plain = Verdict("c", "p", "s", "not run", "not tested")
    assert to_markdown([plain]).splitlines()[2].endswith("| **not tested** |")


def test_a_stored_stand_in_row_with_another_verdict_is_malformed(tmp_path):
    row = dict(claim="c", paper_item="p", smoke="s", full="f", verdict="partly reproduced",
               run="CPU stand-in: MNIST-5k")
    (tmp_path / "07_x.json").write_text(json.dumps({"chapter": "07_x", "rows": [row]}))
    with pytest.raises(ValueError, match="(?s)07_x.json is malformed.*not tested"):
        load_verdicts("07_x", tmp_path)
