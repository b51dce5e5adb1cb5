"""The scripted reviewer of `make demo-loop`, through the review app's own HTTP API."""

import json

from local.demo_loop import review_through_http, scripted_decision
from review.feedback import JsonlSink, ReviewItem, ReviewQueue


def _item(chat_id, sentiment=-1):
    return ReviewItem(chat_id=chat_id, user_id=chat_id, chat_message="c", sentiment=sentiment,
                      summary="s", apology_draft="Sorry.", review_reason="negative",
                      processed_at=f"2026-11-25T00:00:0{chat_id}+00:00")


def test_scripted_reviewer_decides_every_pending_chat_through_http(tmp_path):
    """The demo adds its reviewer with the admin command and decides as that reviewer."""
    from local.demo_loop import SCRIPTED_REVIEWER, add_scripted_reviewer
    from review.app import create_app, serving
    from review.reviewers import Reviewers

    feedback = tmp_path / "feedback.jsonl"
    reviewers = str(tmp_path / "reviewers.json")
    token = add_scripted_reviewer(reviewers)
    app = create_app(ReviewQueue([_item(1), _item(2), _item(3, 0)], JsonlSink(str(feedback))),
                     Reviewers(reviewers))
    with serving(app) as url:
        done = review_through_http(url, token, {1: -1, 2: 1})
    written = [json.loads(line) for line in feedback.read_text().splitlines()]
    assert written == done
    assert {r["reviewer"] for r in written} == {SCRIPTED_REVIEWER}
    by_chat = {r["chat_id"]: r for r in written}
    assert by_chat[1]["decision"] == "approve" and by_chat[1]["corrected_sentiment"] is None
    assert by_chat[2]["decision"] == "reject" and by_chat[2]["corrected_sentiment"] == 1
    assert by_chat[3]["decision"] == "reject" and by_chat[3]["corrected_sentiment"] is None


def test_scripted_decision_without_a_label_rejects_and_corrects_nothing():
    assert scripted_decision({"chat_id": 9}, None) == {"decision": "reject"}
