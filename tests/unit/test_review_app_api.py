"""The review app's rules, through Flask's test client (the browser tests cover the pages)."""

import json

import pytest

from review.app import create_app
from review.feedback import Decision, Feedback, JsonlSink, ReviewItem, ReviewQueue, decide

TOKEN = "api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _item(chat_id=1, draft="Sorry for the delay.\nWe will fix it."):
    return ReviewItem(chat_id=chat_id, user_id=7, chat_message="late", sentiment=-1,
                      summary="late", apology_draft=draft, review_reason="negative",
                      processed_at="2026-11-25T00:00:00+00:00")


@pytest.fixture()
def client(tmp_path):
    sink = JsonlSink(str(tmp_path / "feedback.jsonl"))
    app = create_app(ReviewQueue([_item(1), _item(2)], sink), TOKEN)
    return app.test_client(), tmp_path / "feedback.jsonl"


def test_an_unchanged_draft_sent_back_with_crlf_is_not_an_edit():
    item = _item()
    feedback = decide(item, "approve", "ana", 1, final_reply="Sorry for the delay.\r\nWe will "
                      "fix it.\r\n")
    assert feedback.draft_edited is False and feedback.final_reply == item.apology_draft
    assert decide(item, "approve", "ana", 1, final_reply="Other.").draft_edited is True


@pytest.mark.parametrize("value", [True, 1.5, -0.9, "1.0", "2", 7, "x"])
def test_api_refuses_a_sentiment_that_is_not_1_0_or_minus_1(client, value):
    c, path = client
    r = c.post("/api/chat/1/decision", headers=AUTH,
               json={"reviewer": "bot", "decision": "reject", "corrected_sentiment": value})
    assert r.status_code == 400
    assert not path.exists() or path.read_text() == ""


@pytest.mark.parametrize("body", [
    {"reviewer": "   ", "decision": "approve"},
    {"reviewer": "a\x00b", "decision": "approve"},
    {"reviewer": "line\nbreak", "decision": "approve"},
    {"reviewer": "bot", "decision": "maybe"},
    {"reviewer": "bot", "decision": "approve", "final_reply": ["not", "text"]},
    {"reviewer": "bot", "decision": "approve", "final_reply": "x" * 5000},
    {"reviewer": "bot", "decision": "approve", "final_reply": "   "},
])
def test_api_refuses_malformed_decisions_with_400(client, body):
    c, _ = client
    assert c.post("/api/chat/1/decision", headers=AUTH, json=body).status_code == 400


def test_pages_need_a_signed_in_reviewer_even_with_the_bearer_token(client):
    c, _ = client
    assert c.get("/chat/1", headers=AUTH).status_code == 401
    assert c.post("/chat/1", headers=AUTH, data={"decision": "approve"}).status_code == 401
    assert c.get("/api/queue").status_code == 401


def test_a_non_ascii_csrf_value_is_refused_not_a_crash(client):
    c, _ = client
    c.post("/login", data={"reviewer": "ana", "token": TOKEN})
    r = c.post("/chat/1", data={"decision": "approve", "csrf": "é"})
    assert r.status_code == 400


def test_sequence_continues_after_a_restart_and_the_highest_wins(tmp_path):
    path = tmp_path / "feedback.jsonl"
    sink = JsonlSink(str(path))
    first = ReviewQueue([_item(1)], sink)
    first.record(1, "approve", "ana", None, None)
    first.record(1, "reject", "ana", None, None)
    path.open("a").write('{"torn": \n')  # a torn line is skipped, not fatal
    restarted = ReviewQueue([_item(1)], sink, sink.existing())
    assert restarted.latest(1).sequence == 2 and restarted.latest(1).decision is Decision.REJECT
    third = restarted.record(1, "approve", "bo", None, -1)
    assert third.sequence == 3
    lines = [json.loads(x) for x in path.read_text().splitlines() if x.startswith('{"chat')]
    assert [x["sequence"] for x in lines] == [1, 2, 3]


def test_a_failed_write_uses_up_its_sequence_number(tmp_path):
    class Flaky:
        def __init__(self):
            self.calls = []

        def write(self, feedback: Feedback):
            self.calls.append(feedback.sequence)
            if len(self.calls) == 1:
                raise TimeoutError("publish not confirmed")

    sink = Flaky()
    queue = ReviewQueue([_item(1)], sink)
    with pytest.raises(TimeoutError):
        queue.record(1, "approve", "ana", None, None)
    assert queue.latest(1) is None  # not shown as decided
    assert queue.record(1, "approve", "ana", None, None).sequence == 2
    assert sink.calls == [1, 2]
