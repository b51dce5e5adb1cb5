"""`python -m evaluate` over the pipeline's tables in the real local BigQuery emulator."""

import json
import os

import pytest

from pipeline.schemas import (
    FEEDBACK_TABLE_SCHEMA,
    RESULT_TABLE_SCHEMA,
    REVIEW_TABLE_SCHEMA,
    FeedbackRow,
    ResultRow,
    ReviewRecord,
)

pytestmark = [pytest.mark.slow, pytest.mark.servers]

DATASET = "evaluation"
TABLES = {"results": RESULT_TABLE_SCHEMA, "review": REVIEW_TABLE_SCHEMA,
          "feedback": FEEDBACK_TABLE_SCHEMA}


@pytest.fixture(scope="module")
def servers():
    """The emulators, with this process's clients pointed at them (undone afterwards)."""
    import google.auth

    from local.cloud_env import use_emulators
    from local.servers import EmulatorUnavailable, local_servers

    keys = ("PUBSUB_EMULATOR_HOST", "BIGQUERY_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT")
    saved_env = {k: os.environ.get(k) for k in keys}
    saved_default = google.auth.default
    try:
        with local_servers() as env:
            use_emulators(env)
            yield env
    except EmulatorUnavailable as e:
        pytest.skip(str(e))
    finally:
        google.auth.default = saved_default
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _review(chat_id, arm, day, **change):
    return ReviewRecord(
        chat_id=chat_id, user_id=100 + chat_id, chat_message=f"\nid {100 + chat_id}: late\n",
        sentiment=-1 if chat_id % 2 else 1, summary=f"Order {chat_id}.",
        sentiment_confidence=0.2 + chat_id / 100, model_variant=arm, prompt_version="v1",
        prompt_tokens=50, generated_tokens=12, inference_ms=90.5, message_id=f"m{chat_id}",
        processed_at=f"2026-11-{day}T23:59:59.999999+00:00",
        review_reason="negative" if chat_id % 2 else "low_confidence",
        apology_draft="We are sorry.").model_dump(mode="json") | change


def _result(chat_id, day):
    return ResultRow(
        chat_id=chat_id, user_id=100 + chat_id, chat_message=f"\nid {100 + chat_id}: thanks\n",
        sentiment=chat_id % 2, summary="Fine.", sentiment_confidence=0.95, model_variant="a",
        prompt_version="v1", prompt_tokens=40, generated_tokens=9, inference_ms=70.0,
        truncated=False, message_id=f"m{chat_id}",
        processed_at=f"2026-11-{day}T00:00:00+00:00").model_dump(mode="json")


def _decision(chat_id, arm, sequence=1, corrected=None, reject=False, reply="We are sorry.",
              edited=False):
    return {"chat_id": chat_id, "decision": "reject" if reject else "approve",
            "corrected_sentiment": corrected, "final_reply": None if reject else reply,
            "draft_edited": edited, "reviewer": "ana",
            "decided_at": f"2026-11-22T1{sequence}:00:00+02:00", "sequence": sequence,
            "model_variant": arm, "prompt_version": "v1"}


def _inputs():
    """Model records and the app's decisions: arm a reviews chats 0-5, arm b chats 6-11."""
    review = [_review(i, "a" if i < 6 else "b", 20 + i % 2) for i in range(12)]
    results = [_result(i, 20 + i % 3) for i in range(20, 26)]
    decisions = [_decision(i, "a" if i < 6 else "b", corrected=0 if i in (0, 2) else None,
                           edited=i == 4, reply="We are so sorry." if i == 4 else "We are sorry.")
                 for i in range(12)]
    decisions += [
        _decision(3, "a", sequence=2, reject=True),    # chat 3: the later rejection wins
        _decision(7, "b", sequence=2, corrected=0),    # chat 7: the later correction wins
        _decision(99, "a"),                            # no model record
    ]
    return results, review, decisions


def _create_tables(project):
    from google.cloud import bigquery

    from local.cloud_env import _schema, bigquery_client

    client = bigquery_client(project)
    client.create_dataset(DATASET, exists_ok=True)
    for name, schema in TABLES.items():
        client.create_table(bigquery.Table(f"{project}.{DATASET}.{name}",
                                           schema=_schema(schema["fields"])), exists_ok=True)
    return client


def _insert(client, table, rows):
    errors = client.insert_rows_json(table, rows)
    assert errors == [], errors


def _sorted(rows):
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def test_report_of_bigquery_tables_equals_report_of_the_same_rows_as_files(servers, tmp_path):
    """The pipeline's three tables (with a retried insert, a chat analyzed twice and a
    decision ingested twice) give the figures the same rows give as a run's files and the
    app's feedback file: agreement per arm, corrections as disagreement, later decisions
    winning, and the sentiment mix by processing day."""
    from evaluate.__main__ import main
    from evaluate.sources import load_bigquery

    project = servers["PROJECT"]
    results, review, decisions = _inputs()
    client = _create_tables(project)
    table = f"{project}.{DATASET}"
    ingested = [FeedbackRow(**d, message_id=f"f{i}",
                            processed_at=f"2026-11-22T12:00:0{i % 10}+00:00").model_dump(
                                mode="json") for i, d in enumerate(decisions)]
    _insert(client, f"{table}.results", results)
    _insert(client, f"{table}.results", results[:1])  # a retry the insert id did not catch
    _insert(client, f"{table}.review", review)
    again = review[1] | {"message_id": "m1-again", "inference_ms": 400.0,
                         "processed_at": "2026-11-23T01:00:00+00:00"}
    _insert(client, f"{table}.review", [again])       # redelivered after the dedup window
    _insert(client, f"{table}.feedback", ingested[::-1])  # table order means nothing
    _insert(client, f"{table}.feedback", ingested[:1])

    # Read back and converted, the rows are the ones inserted: TIMESTAMPs as the pipeline's
    # ISO strings (a decision's offset comes back as UTC), NULLs, floats and bools as they were.
    records, feedback = load_bigquery(f"{table}.results", f"{table}.review",
                                      f"{table}.feedback", project)
    assert _sorted(records["results"]) == _sorted(results + results[:1])
    assert _sorted(records["review"]) == _sorted(review + [again])
    assert _sorted(feedback) == _sorted(
        [r | {"decided_at": f"2026-11-22T{8 + r['sequence']:02d}:00:00+00:00"}
         for r in ingested + ingested[:1]])

    bq_out = tmp_path / "bq"
    assert main(["--bq_results", f"{project}:{DATASET}.results", "--bq_review",
                 f"{table}.review", "--bq_feedback", f"{table}.feedback", "--project", project,
                 "--out", str(bq_out)]) == 0

    run = tmp_path / "run"
    run.mkdir()
    _write(run / "results-00000-of-00001.jsonl", results)
    _write(run / "review-00000-of-00001.jsonl", review)
    _write(tmp_path / "feedback.jsonl", decisions)
    local_out = tmp_path / "local"
    assert main(["--run", str(run), "--feedback", str(tmp_path / "feedback.jsonl"),
                 "--out", str(local_out)]) == 0

    from_bq = json.loads((bq_out / "figures.json").read_text())
    from_files = json.loads((local_out / "figures.json").read_text())
    assert (from_bq.pop("record_copies"), from_bq.pop("decision_copies")) == (2, 1)
    assert (from_files.pop("record_copies"), from_files.pop("decision_copies")) == (0, 0)
    assert from_bq == from_files

    assert from_bq["records"] == 18 and from_bq["reviewed"] == 12
    assert from_bq["unmatched_feedback"] == 1
    # Arm a: chats 0 and 2 corrected -> 4/6 (chat 3's later rejection corrects nothing).
    # Arm b: chat 7's later decision corrects it -> 5/6 (its first decision agreed).
    assert from_bq["agreement"] == {"arm a / prompt v1": pytest.approx(4 / 6),
                                    "arm b / prompt v1": pytest.approx(5 / 6)}
    assert from_bq["apology"] == {
        "a": {"drafted": 6, "approved_as_is": 4, "edited": 1, "rejected": 1},
        "b": {"drafted": 6, "approved_as_is": 6, "edited": 0, "rejected": 0}}
    # processed_at came back as a datetime and went out as the pipeline's ISO string: a
    # second before midnight UTC stays on its day.
    assert from_bq["mix"] == {
        "2026-11-20": {"1": 7, "0": 1, "-1": 0},
        "2026-11-21": {"1": 1, "0": 1, "-1": 6},
        "2026-11-22": {"1": 1, "0": 1, "-1": 0}}
    assert (bq_out / "index.html").read_text().count("<table>") == 4
