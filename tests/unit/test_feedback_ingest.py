"""Reviewers' feedback into the pipeline: decoding, validation, deduplication, the sinks."""

import glob
import json

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that

from pipeline import elements, sinks
from pipeline.elements import ChatParseError, RawChat
from pipeline.pipeline import build_pipeline, run
from pipeline.schemas import FEEDBACK_TABLE_SCHEMA, Feedback, FeedbackRow

GOOD = {"chat_id": 7, "decision": "approve", "corrected_sentiment": None,
        "final_reply": "Sorry about the late order.", "draft_edited": False,
        "reviewer": "mina", "decided_at": "2026-12-01T10:00:00+00:00", "sequence": 1,
        "model_variant": "a", "prompt_version": "v1"}


def _payload(**changes) -> bytes:
    record = {**GOOD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...}).encode()


def test_a_review_app_record_decodes():
    """The review app's own record (model_dump_json of Feedback) is accepted as is."""
    feedback = elements.decode_feedback(Feedback(**GOOD).model_dump_json().encode(), 65536)
    assert feedback.chat_id == 7 and feedback.decision == "approve"
    assert feedback.final_reply == "Sorry about the late order."


def test_the_pipelines_own_feedback_line_decodes():
    """A `feedback*.jsonl` line (FeedbackRow: the decision plus message_id and processed_at)
    is the decision it copies: the two delivery fields are dropped, not refused."""
    row = elements.feedback_row(Feedback(**GOOD), "m-1", "2026-12-01T10:00:05+00:00")
    assert elements.decode_feedback(json.dumps(row).encode(), 65536) == Feedback(**GOOD)
    no_id = {**row, "message_id": None}
    assert elements.decode_feedback(json.dumps(no_id).encode(), 65536) == Feedback(**GOOD)


@pytest.mark.parametrize("payload,field", [
    (_payload(chat_id="7"), "chat_id"),
    (_payload(chat_id=-1), "chat_id"),
    (_payload(chat_id=2**63), "chat_id"),
    (_payload(sequence=0), "sequence"),
    (_payload(sequence=True), "sequence"),
    (_payload(corrected_sentiment=2), "corrected_sentiment"),
    (_payload(corrected_sentiment="-1"), "corrected_sentiment"),
    (_payload(decision="maybe"), "decision"),
    (_payload(final_reply=None), "final_reply"),
    (_payload(final_reply="   "), "final_reply"),
    (_payload(decision="reject"), "final_reply"),
    (_payload(decision="reject", final_reply=None, draft_edited=True), "draft_edited"),
    (_payload(final_reply="x" * 4001), "final_reply"),
    (_payload(decided_at="yesterday"), "decided_at"),
    (_payload(decided_at="2026-12-01T10:00:00"), "decided_at"),
    (_payload(reviewer="mina\nadmin"), "reviewer"),
    (_payload(reviewer=""), "reviewer"),
    (_payload(model_variant="arm c"), "model_variant"),
    (_payload(chat_id=...), "chat_id"),
    (_payload(extra="field"), "extra"),
    (_payload(processed_at="t", extra="field"), "extra"),
    (_payload(final_reply="\ud800 lone surrogate"), "final_reply"),
    (_payload(reviewer="mina \udc80"), "reviewer"),
    (_payload(prompt_version="v1\ud800"), "prompt_version"),
    (_payload(decided_at="2026-12-01T10:00:00+00:00\ud800"), "decided_at"),
])
def test_bad_fields_are_refused_by_name(payload, field):
    """Each hostile or careless field is refused with a reason that names it."""
    with pytest.raises(ChatParseError) as info:
        elements.decode_feedback(payload, 65536)
    assert field in info.value.reason


@pytest.mark.parametrize("payload,words", [
    (b"", "empty"),
    (b"\xff\xfe{}", "UTF-8"),
    (b"[1, 2]", "JSON object"),
    (b'{"chat_id": NaN}', "not a JSON value"),
    (b'{"chat_id": ' + b"9" * 5000 + b"}", "digits"),
    (b"[" * 60000, "nested too deeply"),
    (b'{"chat_id": 1' + b" " * 70000 + b"}", "over the limit"),
])
def test_undecodable_payloads_are_refused(payload, words):
    """Bytes that are not one JSON object of a sane size are refused before validation."""
    with pytest.raises(ChatParseError) as info:
        elements.decode_feedback(payload, 65536)
    assert words in info.value.reason


def test_chat_id_is_kept_when_readable():
    """A record with a readable chat id keeps it on its error, to find the chat."""
    with pytest.raises(ChatParseError) as info:
        elements.decode_feedback(_payload(sequence=-5), 65536)
    assert info.value.chat_id == 7


def test_feedback_row_matches_the_table_schema():
    """A row has exactly the feedback table's columns, the decision as plain text."""
    row = elements.feedback_row(Feedback(**GOOD), "m-1", "2026-12-01T10:00:05+00:00")
    assert set(row) == {f["name"] for f in FEEDBACK_TABLE_SCHEMA["fields"]}
    assert set(row) == set(FeedbackRow.model_fields)
    assert row["decision"] == "approve" and type(row["decision"]) is str
    json.dumps(row)


def test_insert_id_is_per_decision():
    """A redelivered decision repeats its insert id; a later decision on the chat does not."""
    first = elements.feedback_row(Feedback(**GOOD), "m-1", "t1")
    again = elements.feedback_row(Feedback(**GOOD), "m-2", "t2")
    later = elements.feedback_row(Feedback(**{**GOOD, "sequence": 2}), "m-3", "t3")
    assert sinks.feedback_insert_id(first) == sinks.feedback_insert_id(again)
    assert sinks.feedback_insert_id(first) != sinks.feedback_insert_id(later)
    assert elements.feedback_digest(first) == elements.feedback_digest(again)
    assert elements.feedback_digest(first) != elements.feedback_digest(later)


def _ingest(raw, argv=()):
    options = PipelineOptions(["--runner", "FnApiRunner", *argv])
    p = TestPipeline(options=options)
    out = build_pipeline(p, options, raw_feedback=p | beam.Create(raw), write=False)
    return p, out


def test_ingest_keeps_each_decision_once_and_reports_the_rest():
    """Redeliveries are dropped, both decisions on one chat kept, a reused sequence number
    with other content and every bad payload reach the error sink with a reason."""
    raw = [
        RawChat(_payload(), "m-1"),
        RawChat(_payload(), "m-2"),                                        # redelivery
        RawChat(_payload(sequence=2, decision="reject", final_reply=None), "m-3"),
        RawChat(_payload(sequence=2, corrected_sentiment=0), "m-4"),       # reused number
        RawChat(_payload(chat_id=8, decided_at="soon"), "m-5"),
        RawChat(b"<html>", "m-6"),
    ]
    p, out = _ingest(raw)
    with p:
        # Which copy of the reused number comes first is the runner's choice: one is kept,
        # the other reported.
        kept = out["feedback"] | beam.Map(lambda r: (r["chat_id"], r["sequence"], r["message_id"]))
        reported = out["errors"] | beam.Map(lambda e: (e["stage"], e["chat_id"], e["message_id"],
                                                       e["reason"].split(":")[0]))
        assert_that((kept, reported) | beam.Flatten(), _one_of_the_reused_pair_each_way(),
                    label="outcomes")


def _one_of_the_reused_pair_each_way():
    def check(actual):
        kept = sorted(a for a in actual if len(a) == 3)
        reported = sorted((a for a in actual if len(a) == 4), key=repr)
        assert kept[0] == (7, 1, "m-1") and len(kept) == 2, kept
        assert kept[1][:2] == (7, 2) and kept[1][2] in ("m-3", "m-4"), kept
        other = ({"m-3", "m-4"} - {kept[1][2]}).pop()
        assert reported == sorted([
            ("feedback", 7, other, "decision 2 on chat 7 was already received with different "
             "content within 600s (two review apps numbering the same chat?)"),
            ("feedback", 8, "m-5", "invalid feedback record"),
            ("feedback", None, "m-6", "invalid feedback record")], key=repr), reported
    return check


def test_feedback_only_job_writes_files(tmp_path):
    """`--feedback_input` alone (no chats, no model) is a complete batch job: every line
    ends in feedback*.jsonl or errors*.jsonl."""
    src = tmp_path / "feedback.jsonl"
    src.write_bytes(_payload() + b"\n" + _payload(sequence=2, corrected_sentiment=1) + b"\n"
                    + _payload() + b"\n" + b'{"chat_id": 9}\n')
    out_dir = tmp_path / "out"
    run(["--feedback_input", str(src), "--output_dir", str(out_dir)])

    def read(directory, name):
        return [json.loads(line) for path in glob.glob(str(directory / f"{name}*.jsonl"))
                for line in open(path, encoding="utf-8")]

    rows, errors = read(out_dir, "feedback"), read(out_dir, "errors")
    assert sorted((r["chat_id"], r["sequence"], r["corrected_sentiment"]) for r in rows) == [
        (7, 1, None), (7, 2, 1)]
    assert [(e["stage"], e["chat_id"]) for e in errors] == [("feedback", 9)]
    assert "decision" in errors[0]["reason"] and "reviewer" in errors[0]["reason"]

    # Its own output ingested again (as demo-loop's out/loop/ingested can be): the same
    # decisions, nothing refused.
    again = tmp_path / "again"
    run(["--feedback_input", str(out_dir / "feedback*.jsonl"), "--output_dir", str(again)])
    assert read(again, "errors") == []
    assert sorted(map(elements.feedback_digest, read(again, "feedback"))) == sorted(
        map(elements.feedback_digest, rows))


@pytest.mark.parametrize("decided_at", [
    "20240101T000000Z",                       # ISO basic format
    "2024-W01-1T00:00:00+00:00",              # ISO week date
    "2024-01-01T00Z",                         # hours only
    "2024-01-01T00:00+00:00",                 # no seconds
    "2024-01-01T00:00:00+05:30:15",           # an offset with seconds
    "2024-01-01T00:00:00+0530",               # an offset without its colon
    "2024-01-01T00:00:00+05:60",              # 60 offset minutes
    "2024-01-01T00:00:00+14:01",              # beyond BigQuery's +-14:00
    "2024-01-01T00:00:00.123456789+00:00",    # nanoseconds
    "2024-01-01T00:00:00+00:00\x00",          # a trailing NUL
    "2024-01-01T00:00:00+00:00\n",            # a trailing newline
    "2024-01-01t00:00:00z",                   # lowercase
    "2024-02-30T00:00:00Z",                   # no such day
    "2024-01-01T24:00:00Z",
    "\uff12024-01-01T00:00:00Z",              # a fullwidth digit
    "0001-01-01T00:00:00+01:00",              # before year 1 once in UTC
    "9999-12-31T23:59:59-01:00",              # after 9999 once in UTC
    "2026-12-01T10:00:00",                    # no offset
])
def test_decision_times_bigquery_would_refuse_are_refused(decided_at):
    """decided_at is a TIMESTAMP column: only the canonical form BigQuery takes, in its
    range once converted to UTC, passes (a refused row would fail the whole insert)."""
    with pytest.raises(ChatParseError) as info:
        elements.decode_feedback(_payload(decided_at=decided_at), 65536)
    assert info.value.reason.startswith("decided_at: ")


@pytest.mark.parametrize("decided_at,utc", [
    ("2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00+00:00"),    # what the app writes
    ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00+00:00"),
    ("2026-12-01 12:00:00.5+02:00", "2026-12-01T10:00:00.500000+00:00"),
    ("2026-12-01T10:00:00-14:00", "2026-12-02T00:00:00+00:00"),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00"),
    ("9999-12-31T23:59:59.999999+00:00", "9999-12-31T23:59:59.999999+00:00"),
])
def test_decision_times_come_out_in_utc(decided_at, utc):
    """An accepted time is kept as the same instant in UTC, written as BigQuery gives a
    TIMESTAMP back (`datetime.isoformat`), so copies of a decision compare equal whatever
    offset they were written with."""
    assert elements.decode_feedback(_payload(decided_at=decided_at), 65536).decided_at == utc


def test_the_review_apps_decision_time_is_kept_as_written():
    """The app writes `datetime.now(UTC).isoformat(timespec="seconds")`: unchanged."""
    from datetime import UTC, datetime

    from review.feedback import ReviewItem, decide

    item = ReviewItem(chat_id=7, user_id=1, chat_message="late", sentiment=-1, summary="Late.",
                      processed_at="2026-12-01T09:00:00+00:00", review_reason="negative",
                      apology_draft="Sorry.")
    at = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert decide(item, "approve", "mina", 1, now=at).decided_at == "2026-12-01T10:00:00+00:00"
    assert decide(item, "approve", "mina", 1).decided_at.endswith("+00:00")


def test_one_decision_written_in_two_offsets_is_one_decision():
    """The same instant in two offsets gives the same row, so the same dedup digest."""
    a = elements.decode_feedback(_payload(decided_at="2026-12-01T12:00:00+02:00"), 65536)
    b = elements.decode_feedback(_payload(decided_at="2026-12-01T10:00:00Z"), 65536)
    assert elements.feedback_digest(elements.feedback_row(a, "m-1", "t1")) == \
        elements.feedback_digest(elements.feedback_row(b, "m-2", "t2"))
