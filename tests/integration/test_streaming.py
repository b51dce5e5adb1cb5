"""Streaming against the real local Pub/Sub and BigQuery emulators."""

import json

import pytest

from tests.integration.conftest import TINY_PROMPTS

pytestmark = [pytest.mark.slow, pytest.mark.servers]


@pytest.fixture(scope="module")
def servers():
    from local.servers import EmulatorUnavailable, local_servers

    try:
        with local_servers() as env:
            yield env
    except EmulatorUnavailable as e:
        pytest.skip(str(e))


def test_every_published_chat_is_accounted_for_exactly_once(servers, tiny_preset):
    """Good and bad messages each end in exactly one of BigQuery, review topic, error topic."""
    from local.stream import StreamingRun, account

    good = [json.dumps({"id": i, "user_id": 500 + i, "chat_message":
                        f"\nid {500 + i}: order {i} {'great' if i % 2 else 'bad'}\n"}).encode()
            for i in range(10)]
    bad = [b"", b"not json", b'{"id": 77, "user_id": "x", "chat_message": "hi"}', b"\xff\xfe",
           json.dumps({"id": 78, "user_id": 1, "chat_message": "x" * 5000}).encode()]
    run = StreamingRun(servers, tiny_preset, extra_argv=(*TINY_PROMPTS,
        "--max_new_tokens", "40", "--apology_max_new_tokens", "16", "--length_buckets",
        "256,512", "--max_chat_bytes", "4096", "--max_batch_size", "4",
        "--metrics_window_secs", "5"))
    try:
        run.start()
        sent = run.publish(good + [b for b in bad if b])
        sinks = run.collect(set(sent), timeout=180)
        monitored = run.collect_metrics(len(sent), timeout=90)
        _check_feedback(run, sinks)
    finally:
        run.stop()
    # The monitor's windows account for every chat, per arm: arm a's chats, and the
    # refused ones (no arm yet) under "none"; a short steady stream raises no alert.
    by_arm = {}
    for row in monitored["metrics"]:
        by_arm[row["arm"]] = by_arm.get(row["arm"], 0) + row["chats"]
    assert by_arm == {"a": len(sinks["results"]) + len(sinks["review"]) + len(
        [e for e in sinks["errors"] if e.get("model_variant")]),
        "none": len([e for e in sinks["errors"] if not e.get("model_variant")])}, by_arm
    assert monitored["alerts"] == []
    summary = account(sent, sinks)
    assert summary["lost"] == [] and summary["duplicated"] == []
    assert sum(len(v) for v in sinks.values()) == len(sent)
    parse_errors = [e for e in sinks["errors"] if e["stage"] == "parse"]
    assert len(parse_errors) == 4
    assert {r["chat_id"] for r in sinks["results"] + sinks["review"]} | {
        e["chat_id"] for e in sinks["errors"] if e["stage"] != "parse"} == set(range(10))
    for row in sinks["results"]:
        assert row["message_id"] and row["model_variant"] == "a"


def _decision(chat_id: int, sequence: int, approve: bool) -> bytes:
    from pipeline.schemas import Feedback

    return Feedback(chat_id=chat_id, decision="approve" if approve else "reject",
                    final_reply="Sorry for the trouble." if approve else None,
                    reviewer="tester", decided_at="2026-12-01T10:00:00+00:00",
                    sequence=sequence, model_variant="a",
                    prompt_version="v1").model_dump_json().encode()


def _check_feedback(run, sinks):
    """The same job ingests reviewers' decisions: both decisions on a chat reach the feedback
    table once each (a redelivery is dropped), bad feedback reaches the error topic, and the
    review table holds what the model said for every chat on the review topic, so feedback
    joins it by chat_id."""
    from collections import Counter

    chat_id = min(r["chat_id"] for r in sinks["results"] + sinks["review"])
    first = _decision(chat_id, 1, approve=True)
    bad = [b'{"chat_id": "x", "decision": "approve"}', b"not json"]
    sent = run.publish([first, _decision(chat_id, 2, approve=False), *bad], topic="feedback")
    redelivered = run.publish([first], topic="feedback")
    # Published after the redelivery, and awaited with the rest: the local emulator hands a
    # subscription's messages out in publish order (Pub/Sub itself does not promise it), so
    # once the marker is processed the redelivered copy has been read too; waiting only for
    # `sent` could stop before it was, and then pass whatever dedup does. The drop is not read
    # from Beam's metrics: on the BundleBasedDirectRunner after an FnApiRunner job in the same
    # process (the unit tests before this one) they miss whole bundles (feedback_valid read 2
    # of the 4 valid decisions there, while the table held all three kept ones).
    marker = run.publish([_decision(chat_id, 3, approve=False)], topic="feedback")
    out = run.collect_feedback(set(sent) | set(marker), timeout=180)
    seen = {r.get("message_id") for records in out.values() for r in records}
    assert set(sent) | set(marker) <= seen, f"feedback not processed in time: {out}"
    out["feedback"] = run.table("feedback")
    assert Counter((r["chat_id"], r["sequence"]) for r in out["feedback"]) == {
        (chat_id, 1): 1, (chat_id, 2): 1, (chat_id, 3): 1}
    assert sorted((r["sequence"], r["decision"]) for r in out["feedback"]) == [
        (1, "approve"), (2, "reject"), (3, "reject")]
    assert not set(redelivered) & {r["message_id"] for r in out["feedback"]}
    feedback_errors = [e for e in out["errors"] if e["stage"] == "feedback"]
    assert sorted(e["message_id"] for e in feedback_errors) == sorted(list(sent)[2:])
    assert all(e["reason"].startswith("invalid feedback record") for e in feedback_errors)
    review_table = run.table("review")
    assert sorted((r["chat_id"], r["apology_draft"]) for r in review_table) == sorted(
        (r["chat_id"], r["apology_draft"]) for r in sinks["review"])
    model_said = {r["chat_id"] for r in review_table + sinks["results"]}
    assert {r["chat_id"] for r in out["feedback"]} <= model_said
