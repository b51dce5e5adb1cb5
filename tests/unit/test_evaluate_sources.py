"""The report's sources (evaluate.sources) and `python -m evaluate`'s choice of source."""

import datetime
import json

import pytest

from evaluate import sources
from evaluate.__main__ import main, parse_args
from evaluate.report import join, write_report
from pipeline.schemas import Feedback, FeedbackRow, ResultRow, ReviewRecord

AT = "2026-11-20T08:30:00.123456+00:00"


def _result(chat_id, sentiment=1, at=AT, **extra):
    return ResultRow(chat_id=chat_id, user_id=100 + chat_id, chat_message=f"chat {chat_id}",
                     sentiment=sentiment, summary="s", sentiment_confidence=0.4,
                     model_variant="a", prompt_version="v1", generated_tokens=12,
                     inference_ms=80.0, message_id=f"m{chat_id}", processed_at=at,
                     **extra).model_dump(mode="json")


def _review(chat_id, variant="a", at=AT):
    return ReviewRecord(chat_id=chat_id, user_id=100 + chat_id, chat_message=f"secret {chat_id}",
                        sentiment=-1, summary="s", sentiment_confidence=0.9,
                        model_variant=variant, prompt_version="v1", processed_at=at,
                        review_reason="negative",
                        apology_draft="Sorry.").model_dump(mode="json")


def _decision(chat_id, sequence=1, corrected=None, reject=False, variant="a", **row):
    fields = dict(chat_id=chat_id, decision="reject" if reject else "approve",
                  corrected_sentiment=corrected, final_reply=None if reject else "Sorry.",
                  reviewer="r", decided_at="2026-11-21T10:00:00+02:00", sequence=sequence,
                  model_variant=variant, prompt_version="v1")
    model = FeedbackRow if row else Feedback
    return model(**fields, **row).model_dump(mode="json")


def _as_bigquery(row):
    """What google-cloud-bigquery gives back for a row: TIMESTAMP columns as aware datetimes
    in UTC."""
    out = dict(row)
    for key in ("processed_at", "decided_at"):
        if key in out:
            out[key] = datetime.datetime.fromisoformat(out[key]).astimezone(datetime.UTC)
    return out


# --- table ids and the project -----------------------------------------------------------

@pytest.mark.parametrize("value", ["local-project.chats.results",
                                   "local-project:chats.results"])
def test_table_ids_in_both_forms_give_the_dotted_one(value):
    """`project:dataset.table` (bq's form) and `project.dataset.table` (SQL's) are the same."""
    assert sources.parse_table_id(value) == "local-project.chats.results"


@pytest.mark.parametrize("value", [
    "chats.results",                      # no project
    "local-project.results",              # no dataset
    "local-project.chats.results.extra",  # four parts
    "Local-Project.chats.results",        # project ids are lowercase
    "abc.chats.results",                  # project ids have at least 6 characters
    "local-project.chats.res`ults",       # would close the query's backquotes
    "local-project.chats.results; DROP",
    "local-project.ch-ats.results",       # dataset names have no dash
    "",
])
def test_malformed_table_ids_are_refused_naming_the_flag(value):
    """A malformed table id is a ValueError that names the flag and both accepted forms."""
    with pytest.raises(ValueError, match="--bq_review .*project.dataset.table or "
                                         "project:dataset.table"):
        sources.parse_table_id(value, "--bq_review")


def test_project_ids_are_checked():
    assert sources.parse_project("local-project") == "local-project"
    with pytest.raises(ValueError, match="--project 'My Project' is not a project id"):
        sources.parse_project("My Project", "--project")


# --- converting BigQuery rows --------------------------------------------------------------

def test_bigquery_timestamps_become_the_pipelines_iso_strings():
    """A TIMESTAMP read back gives the string the pipeline wrote (`datetime.now(UTC)
    .isoformat()`); other values, NULLs included, are left as they are."""
    row = _result(7)
    converted = sources.from_bigquery(_as_bigquery(row))
    assert converted == row
    assert converted["processed_at"] == AT and converted["sentiment_confidence"] == 0.4
    assert converted["prompt_tokens"] is None and converted["truncated"] is False
    assert sources.from_bigquery({"day": datetime.date(2026, 11, 20)}) == {"day": "2026-11-20"}


def test_a_decision_time_in_another_offset_reads_as_bigquery_gives_it_back(tmp_path):
    """BigQuery keeps the instant, not the offset, and gives a TIMESTAMP back as a UTC
    datetime. A decision the app wrote at +02:00, read from its file, and the same decision's
    TIMESTAMP converted by from_bigquery, are the same string."""
    path = tmp_path / "feedback.jsonl"
    path.write_text(json.dumps({"chat_id": 1, "decision": "reject", "reviewer": "r",
                                "decided_at": "2026-11-21T10:00:00+02:00", "sequence": 1,
                                "model_variant": "a"}) + "\n")
    [from_file] = sources.read_feedback_files([str(path)])
    from_table = sources.from_bigquery(
        {"decided_at": datetime.datetime(2026, 11, 21, 8, 0, tzinfo=datetime.UTC)})
    assert from_file["decided_at"] == from_table["decided_at"] == "2026-11-21T08:00:00+00:00"


class _FakeQueryJob:
    def __init__(self, rows):
        self._rows = rows

    def result(self):
        return iter(self._rows)


class _FakeClient:
    """Answers `query` with the rows of the table the SQL names; has no `list_rows`."""

    def __init__(self, tables):
        self.tables = tables
        self.sql = []

    def query(self, sql):
        self.sql.append(sql)
        name = sql.removeprefix("SELECT * FROM `").removesuffix("`")
        return _FakeQueryJob([_as_bigquery(r) for r in self.tables[name]])


def test_tables_are_read_by_query_converted_and_ordered_by_processing_time():
    """One `SELECT *` per table given (not tabledata.list: the emulator breaks on it), rows
    converted and earliest processed first."""
    late, early = _result(1, at="2026-11-22T00:00:00+00:00"), _result(2)
    client = _FakeClient({"p-roject.d.results": [late, early],
                          "p-roject.d.feedback": [_decision(1, processed_at=AT)]})
    records, feedback = sources.load_bigquery("p-roject.d.results", None,
                                              "p-roject.d.feedback", client=client)
    assert client.sql == ["SELECT * FROM `p-roject.d.results`",
                          "SELECT * FROM `p-roject.d.feedback`"]
    assert records == {"results": [early, late], "review": []}
    assert feedback[0]["processed_at"] == AT and feedback[0]["message_id"] is None


# --- copies --------------------------------------------------------------------------------

def test_identical_copies_of_a_record_count_once():
    """A streaming insert retried past BigQuery's insert-id deduplication: one record."""
    model, copies, _ = sources.one_record_per_chat({"results": [_result(1), _result(1)],
                                                    "review": [_review(2)]})
    assert sorted(model) == [1, 2] and copies == 1


def test_a_chat_analyzed_again_with_the_same_answer_counts_once_keeping_the_first():
    """A message redelivered after the dedup window: new processed_at, message id and batch
    time, the same answer. The earliest processed copy is kept, whatever the input order."""
    first = _result(1)
    again = _result(1, at="2026-11-21T00:00:00+00:00") | {"message_id": "m1-again",
                                                          "inference_ms": 500.0}
    model, copies, _ = sources.one_record_per_chat({"results": [again, first]})
    assert model[1] == first and copies == 1


def test_nan_confidences_do_not_make_copies_differ():
    row = _result(1) | {"sentiment_confidence": float("nan")}
    assert sources.one_record_per_chat({"results": [row, dict(row)]})[1] == 1


@pytest.mark.parametrize("change,field", [
    ({"sentiment": 0}, "sentiment"),
    ({"summary": "other"}, "summary"),
    ({"sentiment_confidence": 0.5}, "sentiment_confidence"),
    ({"model_variant": "b"}, "model_variant"),
])
def test_records_of_one_chat_that_differ_leave_that_chat_out(change, field):
    """Two different answers for one chat: which one the reviewer saw is unknown, so the chat
    is left out and listed with the fields that differ; the other chats stay."""
    model, copies, differing = sources.one_record_per_chat(
        {"results": [_result(1), _result(2), _result(1) | change, _result(1)]})
    assert sorted(model) == [2] and copies == 0 and differing == {1: [field]}


def test_a_chat_in_results_and_in_review_is_left_out_naming_fields_not_text():
    """The fields that differ are named, never their values (they hold chat text)."""
    _, _, differing = sources.one_record_per_chat(
        {"results": [_result(1)], "review": [_review(1)]})
    assert {"apology_draft", "chat_message"} <= set(differing[1])
    assert "secret" not in repr(differing)


def test_a_chat_analyzed_again_with_another_answer_does_not_stop_the_bigquery_report(
        tmp_path, caplog):
    """A long-running table can hold a chat re-analyzed after the dedup window with another
    answer: that chat (and the decision on it) is left out and counted in the figures, and
    the rest of the report is made."""
    again = _review(2) | {"sentiment": 0, "message_id": "m2-again",
                          "processed_at": "2026-11-29T00:00:00+00:00"}
    client = _FakeClient({
        "p-roject.d.review": [_review(1), _review(2), again],
        "p-roject.d.feedback": [_decision(i, message_id=None, processed_at=AT)
                                for i in (1, 2)]})
    records, feedback = sources.load_bigquery(None, "p-roject.d.review", "p-roject.d.feedback",
                                              client=client)
    figures = write_report(records, feedback, str(tmp_path))
    assert (figures["reviewed"], figures["records"], figures["ambiguous_records"],
            figures["unmatched_feedback"]) == (1, 1, 1, 0)
    assert "chat 2 left out: its model records differ in sentiment" in caplog.text
    assert "1 chats left out whose model records differ" in (tmp_path / "index.html").read_text()


def test_copies_of_a_decision_count_once_and_differing_ones_leave_the_chat_out(tmp_path):
    """Copies share chat, sequence and content (delivery fields aside): counted once.
    Two different decisions under one (chat, sequence) are not copies: when they are the
    chat's last, the chat is left out of every figure and counted, not decided by input
    order; distinct decisions on a chat all count, the last winning."""
    app = _decision(1)
    ingested = _decision(1, message_id="x", processed_at=AT)
    later = _decision(1, sequence=2, reject=True)
    differing = [_decision(2), _decision(2, corrected=0)]
    joined = join({"review": [_review(1), _review(2), _review(3)]},
                  [app, _decision(3), later, ingested, *differing])
    assert [(r.record["chat_id"], r.feedback["sequence"]) for r in joined.reviewed] == [
        (1, 2), (3, 1)]
    assert (joined.decision_copies, joined.conflicting_decisions, joined.unmatched_feedback) \
        == (1, 1, 0)
    figures = write_report({"review": [_review(1), _review(2), _review(3)]},
                           [app, _decision(3), later, ingested, *differing], str(tmp_path))
    assert (figures["reviewed"], figures["decision_copies"],
            figures["conflicting_decisions"]) == (2, 1, 1)


def test_report_and_tuning_take_one_last_decision_rule():
    """One rule for "the reviewer's last decision" in evaluate and tuning
    (`pipeline.decisions`)."""
    import evaluate.report
    import pipeline.decisions
    import tuning.feedback

    assert evaluate.report.latest_feedback is pipeline.decisions.latest_feedback
    assert evaluate.report.current_decisions is pipeline.decisions.current_decisions
    assert tuning.feedback.current_decisions is pipeline.decisions.current_decisions


# --- local feedback files ------------------------------------------------------------------

def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_feedback_globs_read_the_apps_file_and_the_pipelines_copies_once(tmp_path):
    """A glob (the pipeline's feedback*.jsonl) and a literal path (even one with glob
    characters) are read in order, each file once; a value matching nothing adds nothing."""
    run = tmp_path / "out[1]"
    run.mkdir()
    _write(run / "feedback-00000-of-00002.jsonl", [_decision(1, message_id="a", processed_at=AT)])
    _write(run / "feedback-00001-of-00002.jsonl", [_decision(2, message_id="b", processed_at=AT)])
    app = run / "feedback[app].jsonl"
    _write(app, [_decision(1)])
    pattern = str(tmp_path / "out[[]1]" / "feedback-*.jsonl")
    paths = sources.feedback_paths([pattern, str(app), pattern, str(tmp_path / "none*.jsonl")])
    assert [p.rsplit("/", 1)[1] for p in paths] == [
        "feedback-00000-of-00002.jsonl", "feedback-00001-of-00002.jsonl",
        "feedback[app].jsonl"]
    assert [r["chat_id"] for r in sources.read_feedback_files(paths)] == [1, 2, 1]


def test_the_report_of_the_apps_file_equals_that_of_app_file_plus_pipeline_copies(tmp_path):
    """Every decision twice (the app's file and the pipeline's ingested copy, with
    message_id and processed_at): the same figures, with the copies counted."""
    run = tmp_path / "run"
    run.mkdir()
    _write(run / "review-0.jsonl", [_review(i) for i in range(4)])
    decisions = [_decision(0), _decision(1, corrected=0), _decision(2, reject=True),
                 _decision(2, sequence=2, corrected=1)]
    _write(run / "app.jsonl", decisions)
    _write(run / "feedback-0.jsonl", [d | {"message_id": f"m{i}", "processed_at": AT}
                                      for i, d in enumerate(decisions)])
    alone = main(["--run", str(run), "--feedback", str(run / "app.jsonl"),
                  "--out", str(tmp_path / "a")])
    both = main(["--run", str(run), "--feedback", str(run / "app.jsonl"),
                 "--feedback", str(run / "feedback-*.jsonl"), "--out", str(tmp_path / "b")])
    assert alone == both == 0
    fa = json.loads((tmp_path / "a" / "figures.json").read_text())
    fb = json.loads((tmp_path / "b" / "figures.json").read_text())
    assert (fa.pop("decision_copies"), fb.pop("decision_copies")) == (0, 4)
    assert fa == fb
    # Chat 1 corrected (disagrees); chat 2's later decision (a correction to 1) wins.
    assert fa["reviewed"] == 3 and fa["agreement"] == {"arm a / prompt v1": 1 / 3}
    assert fa["apology"]["a"]["approved_as_is"] == 3


def test_bigquery_rows_give_the_figures_their_files_give(tmp_path):
    """The same rows through the BigQuery converters (TIMESTAMPs as datetimes, extra copies
    of a record and a decision) and through the files: the same report."""
    records = {"results": [_result(i, sentiment=i % 2, at=f"2026-11-2{i % 3}T23:59:59+00:00")
                           for i in range(10, 16)],
               "review": [_review(i, "a" if i < 4 else "b") for i in range(8)]}
    feedback = [_decision(i, corrected=0 if i % 3 == 0 else None,
                          variant="a" if i < 4 else "b") for i in range(8)]
    feedback.append(_decision(5, sequence=2, reject=True, variant="b"))
    client = _FakeClient({
        "p-roject.d.results": records["results"] + records["results"][:1],
        "p-roject.d.review": records["review"],
        "p-roject.d.feedback": [d | {"message_id": None, "processed_at": AT}
                                for d in feedback + feedback[:2]]})
    bq_records, bq_feedback = sources.load_bigquery(
        "p-roject.d.results", "p-roject.d.review", "p-roject.d.feedback", client=client)
    from_bq = write_report(bq_records, bq_feedback, str(tmp_path / "bq"))
    from_files = write_report(records, feedback, str(tmp_path / "files"))
    assert (from_bq.pop("record_copies"), from_bq.pop("decision_copies")) == (1, 2)
    assert (from_files.pop("record_copies"), from_files.pop("decision_copies")) == (0, 0)
    assert from_bq == from_files
    assert set(from_bq["mix"]) == {"2026-11-20", "2026-11-21", "2026-11-22"}


# --- choosing the source -------------------------------------------------------------------

def _refused(capsys, argv) -> str:
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2
    return capsys.readouterr().err


def test_bigquery_flags_parse_to_dotted_table_ids():
    args = parse_args(["--bq_results", "local-project:chats.results", "--bq_review",
                       "local-project.chats.review", "--bq_feedback",
                       "local-project:chats.feedback", "--project", "billing-project"])
    assert (args.bq_results, args.bq_review, args.bq_feedback, args.project) == (
        "local-project.chats.results", "local-project.chats.review",
        "local-project.chats.feedback", "billing-project")
    assert args.run is None and args.feedback is None


def test_local_and_bigquery_flags_together_are_refused(capsys):
    err = _refused(capsys, ["--run", "out/x", "--feedback", "f.jsonl", "--bq_feedback",
                            "local-project.chats.feedback", "--bq_results",
                            "local-project.chats.results"])
    assert "--run, --feedback read local files and --bq_results, --bq_feedback" in err
    assert "not both" in err
    err = _refused(capsys, ["--run", "out/x", "--feedback", "f.jsonl", "--project",
                            "local-project"])
    assert "--project BigQuery tables" in err


def test_a_malformed_table_id_is_refused_naming_its_flag(capsys):
    err = _refused(capsys, ["--bq_results", "chats.results", "--bq_feedback",
                            "local-project.chats.feedback"])
    assert "argument --bq_results: table 'chats.results' is not a BigQuery table id" in err


@pytest.mark.parametrize("argv,says", [
    ([], "give --run and --feedback"),
    (["--run", "out/x"], "give --run and --feedback"),
    (["--feedback", "f.jsonl"], "give --run and --feedback"),
    (["--bq_results", "local-project.chats.results"], "--bq_feedback is required"),
    (["--project", "local-project"], "--bq_feedback is required"),
    (["--bq_feedback", "local-project.chats.feedback"], "--bq_review is required"),
    (["--bq_results", "local-project.chats.results", "--bq_feedback",
      "local-project.chats.feedback"], "--bq_review is required"),
])
def test_an_incomplete_source_is_refused(capsys, argv, says):
    assert says in _refused(capsys, argv)


def test_a_torn_feedback_line_is_skipped_not_fatal(tmp_path):
    """A half-written, foreign, too deeply nested or non-UTF-8 line in a feedback file is
    skipped; the valid decisions on either side of it still count."""
    from evaluate.sources import read_feedback_files

    good = {"chat_id": 3, "decision": "reject", "reviewer": "r", "sequence": 1,
            "decided_at": "2026-12-01T10:00:00+00:00", "model_variant": "a"}
    path = tmp_path / "feedback.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in [
        json.dumps(good).encode(), b'{"chat_id": 4, "decis', b'{"foo": 1}',
        b"[" * 60_000,                                               # too deep for Python
        json.dumps({**good, "reviewer": "r\u00e9"}).encode().replace(b"\\u00e9", b"\xe9"),
        json.dumps({**good, "chat_id": 5}).encode()]))
    assert [r["chat_id"] for r in read_feedback_files([str(path)])] == [3, 5]
