"""What the review queue takes in: `review.feedback.load_review_records` admits only records a
decision can be made on and learned from, and reports every other line with its reason."""

import json

import pytest

from review.feedback import JsonlSink, ReviewItem, ReviewQueue, decide, load_review_records

GOOD = {"chat_id": 9003, "user_id": 41, "chat_message": "\nid 41: late again\n",
        "sentiment": -1, "summary": "Order late again.", "model_variant": "b",
        "prompt_version": "v3", "processed_at": "2026-12-01T10:00:00+00:00",
        "review_reason": "negative", "apology_draft": "Dear 41, we are sorry."}

HOSTILE = [
    ({"chat_id": -5}, "chat_id"),
    ({"chat_id": 2**70}, "chat_id"),
    ({"chat_id": "77"}, "chat_id"),
    ({"chat_id": 9003.0}, "chat_id"),
    ({"model_variant": "arm c"}, "model_variant"),
    ({"prompt_version": "p" * 100}, "prompt_version"),
    ({"sentiment": 7}, "sentiment"),
    ({"apology_draft": "\u200b\u200d"}, "apology_draft"),
    ({"summary": "\u3164"}, "summary"),
    ({"processed_at": "not a date"}, "processed_at"),
    ({"draft_attempts": -5}, "draft_attempts"),
    ({"draft_sentences_dropped": -1}, "draft_sentences_dropped"),
    ({"draft_sentences_dropped": "2"}, "draft_sentences_dropped"),
    ({"draft_sentences_dropped": True}, "draft_sentences_dropped"),
    ({"draft_sentences_dropped": 2.0}, "draft_sentences_dropped"),
    ({"draft_sentences_dropped": 2**70}, "draft_sentences_dropped"),
]


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


def test_hostile_review_records_are_refused_and_reported_with_reasons(tmp_path):
    """Ids, arms and texts the feedback schema (or tuning) would refuse never reach the
    queue; each refused line is reported by file, line and field, without its content."""
    rows = [GOOD] + [{**GOOD, "chat_id": 100 + i, **change} if "chat_id" not in change
                     else {**GOOD, **change} for i, (change, _) in enumerate(HOSTILE)]
    _write(tmp_path / "review-0.jsonl", rows + ["{not json", "[" * 100_000])
    items, problems = load_review_records(str(tmp_path / "review*.jsonl"))
    assert [i.chat_id for i in items] == [9003]
    assert len(problems) == len(HOSTILE) + 2
    for problem, (_, field) in zip(problems, HOSTILE, strict=False):
        assert problem.startswith("review-0.jsonl:") and f"{field}:" in problem
        assert "late again" not in problem and "sorry" not in problem
    assert "not JSON" in problems[-2] and "not JSON" in problems[-1]


def test_every_record_in_the_queue_can_be_decided_either_way(tmp_path):
    """Whatever the loader admits, approving the draft as is and rejecting it both make a
    valid feedback record (no 400 on every try, no chat pending forever)."""
    _write(tmp_path / "review-0.jsonl", [GOOD, {**GOOD, "chat_id": 5, "model_variant": "a",
                                               "prompt_version": None}])
    items, problems = load_review_records(str(tmp_path / "review*.jsonl"))
    assert problems == [] and len(items) == 2
    queue = ReviewQueue(items, JsonlSink(str(tmp_path / "feedback.jsonl")))
    for item in items:
        assert queue.record(item.chat_id, "approve", "mina", None, None).final_reply
        assert queue.record(item.chat_id, "reject", "mina", None, None).final_reply is None
    assert queue.pending() == []


def test_a_second_different_record_of_a_chat_is_reported(tmp_path):
    """A redelivered copy is one record; a different record under the same chat id keeps the
    first and says so, instead of vanishing."""
    _write(tmp_path / "review-0.jsonl", [GOOD, GOOD, {**GOOD, "summary": "Something else."}])
    items, problems = load_review_records(str(tmp_path / "review*.jsonl"))
    assert len(items) == 1 and items[0].summary == "Order late again."
    assert problems == ["review-0.jsonl:3: chat 9003 already has a different review record; "
                        "the first is kept"]


@pytest.mark.parametrize("reply", ["\u200b", "\x00\u200d", "\u0301", "\u2060\ufeff"])
def test_an_invisible_edited_reply_cannot_be_approved(reply):
    """Approving a reply that shows nothing is refused (reject the draft instead)."""
    item = ReviewItem.model_validate(GOOD)
    with pytest.raises(ValueError, match="visible"):
        decide(item, "approve", "mina", 1, final_reply=reply)


@pytest.mark.parametrize("name", ["\u2800", "\u3164", "\u115f\u1160", "\uffa0"])
def test_a_blank_reviewer_name_cannot_decide(name):
    """A reviewer name that renders blank is refused."""
    item = ReviewItem.model_validate(GOOD)
    with pytest.raises(ValueError, match="reviewer"):
        decide(item, "reject", name, 1)
