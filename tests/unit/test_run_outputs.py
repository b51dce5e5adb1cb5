"""A run's outputs read back by one reader (`pipeline.outputs`): a torn or invalid line is
skipped and reported as file:line, the rest is read, by the summary, tuning and the report."""

import json
import logging

from pipeline import outputs, run_summary
from pipeline.decisions import read_feedback
from tuning.feedback import read_model_records

_RESULT = {"chat_id": 1, "user_id": 2, "sentiment": 1, "summary": "fine", "model_variant": "a"}
_REVIEW = {"chat_id": 3, "user_id": 2, "sentiment": -1, "summary": "angry",
           "apology_draft": "Sorry.", "model_variant": "a"}
_ERROR = {"chat_id": None, "stage": "parse", "reason": "not JSON"}


def _run_dir(tmp_path):
    """A run whose every sink file has a torn last line (killed mid-write) and one bad line."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "results-00000-of-00001.jsonl").write_bytes(b"\n".join([
        json.dumps(_RESULT).encode(), b"[1, 2]", b"",
        json.dumps({**_RESULT, "chat_id": 2}).encode(), b'{"chat_id": 9, "sent']))
    (run / "review-00000-of-00001.jsonl").write_bytes(
        json.dumps(_REVIEW).encode() + b"\n" + b'{"chat_id": 4, "x": "\xff"}\n')
    (run / "errors-00000-of-00001.jsonl").write_bytes(
        json.dumps(_ERROR).encode() + b"\n" + b'{"no_stage": 1}\n' + b'{"stage": "pa')
    return run


def test_torn_and_invalid_lines_are_reported_by_file_and_line_and_the_rest_read(tmp_path):
    """Each bad line is one `file:line: reason`; every good line on either side is read."""
    run = _run_dir(tmp_path)
    got = outputs.read_run(str(run))
    assert [r["chat_id"] for r in got.records["results"]] == [1, 2]
    assert [r["chat_id"] for r in got.records["review"]] == [3]
    assert [r["stage"] for r in got.records["errors"]] == ["parse"]
    results, review, errors = (f"{run}/{sink}-00000-of-00001.jsonl"
                               for sink in ("results", "review", "errors"))
    assert got.problems == [
        f"{results}:2: not a record with an integer chat_id",
        f"{results}:5: not JSON (Unterminated string starting at)",
        f"{review}:2: not valid UTF-8 (invalid start byte at byte 21)",
        f"{errors}:2: not an error record with a string stage",
        f"{errors}:3: not JSON (Unterminated string starting at)"]


def test_the_summary_reports_unreadable_lines_and_lost_input_and_exits_3(tmp_path, capsys):
    """The summary names each skipped line, says which input files were not read to their end,
    and exits 3; a clean run exits 0."""
    run = _run_dir(tmp_path)
    read_error = {"chat_id": None, "stage": "read", "message_id": "in/x.jsonl.gz",
                  "reason": "input file 'in/x.jsonl.gz' could not be read to its end after 0 "
                  "lines: not valid gzip data"}
    with open(run / "errors-00000-of-00001.jsonl", "ab") as f:
        f.write(b"\n" + json.dumps(read_error).encode() + b"\n")
    assert run_summary.main([str(run)]) == run_summary.EXIT_LOST == 3
    text = capsys.readouterr().out
    assert "== INPUT LOST: 1 input file(s) not read to their end" in text
    assert "in/x.jsonl.gz" in text
    assert "== OUTPUT LINES UNREADABLE: 5 (skipped) ==" in text
    assert "results-00000-of-00001.jsonl:5: not JSON" in text
    assert "  results      2" in text

    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "results-00000-of-00001.jsonl").write_text(json.dumps(_RESULT) + "\n")
    assert run_summary.main([str(clean)]) == 0
    assert "LOST" not in capsys.readouterr().out


def test_summary_load_skips_and_logs_bad_lines(tmp_path, caplog):
    """`load`, which the tests and make eval use, reads the good lines and logs the others."""
    with caplog.at_level(logging.WARNING, logger="pipeline.run_summary"):
        records = run_summary.load(str(_run_dir(tmp_path)))
    assert {sink: len(rows) for sink, rows in records.items()} == {
        "results": 2, "review": 1, "errors": 1}
    assert sum("output line skipped" in m for m in caplog.messages) == 5


def test_tuning_reads_model_records_with_the_same_reader(tmp_path):
    """tuning.feedback's model records: the same rows and problems as the summary's."""
    run = _run_dir(tmp_path)
    records, problems = read_model_records([str(run)])
    shared = outputs.read_run(str(run), ("review", "results"))
    assert records == shared.records and problems == shared.problems


def test_an_unreadable_feedback_or_record_file_is_a_problem_not_a_crash(tmp_path):
    """A feedback path that is a directory, or a record file that cannot be opened, is
    reported by name; the other files are read."""
    good = tmp_path / "feedback.jsonl"
    good.write_text("")
    folder = tmp_path / "feedback-dir.jsonl"
    folder.mkdir()
    records, problems = read_feedback([str(folder), str(good)])
    assert records == []
    assert problems == [f"{folder}: cannot read (IsADirectoryError: Is a directory)"]


def test_the_report_reads_runs_with_the_same_reader_and_logs_skipped_lines(tmp_path, caplog):
    """evaluate's local source: the good records of a run with torn lines, each skipped line
    logged by file and line, and a count."""
    from evaluate.sources import load_local

    run = _run_dir(tmp_path)
    (tmp_path / "feedback.jsonl").write_text('{"chat_id": 3, "decis\n')
    with caplog.at_level(logging.WARNING, logger="evaluate.sources"):
        records, decisions = load_local([str(run)], str(tmp_path / "feedback.jsonl"))
    assert [r["chat_id"] for r in records["results"]] == [1, 2]
    assert [r["chat_id"] for r in records["review"]] == [3]
    assert decisions == []
    skipped = [m for m in caplog.messages if m.startswith("record line skipped")]
    assert len(skipped) == 3 and "results-00000-of-00001.jsonl:5" in skipped[1]
    assert any("3 record line(s)" in m for m in caplog.messages)
    assert any("feedback.jsonl:1" in m for m in caplog.messages)
