"""`python -m evaluate` over a synthetic run and feedback file (no model involved)."""

import json

from evaluate.__main__ import main
from evaluate.report import latest_feedback


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def _row(chat_id, arm, sentiment, conf, **extra):
    return {"chat_id": chat_id, "user_id": chat_id, "chat_message": "<b>x</b>",
            "sentiment": sentiment, "summary": "s", "sentiment_confidence": conf,
            "model_variant": arm, "prompt_version": "v1", "generated_tokens": 10,
            "inference_ms": 100.0, "processed_at": f"2026-11-2{chat_id % 3}T00:00:00+00:00",
            **extra}


def _decision(chat_id, arm, sequence=1, corrected=None, decision="approve", reply=None,
              edited=False):
    if reply is None and decision == "approve":
        reply = "Sorry."  # the draft, approved as is
    return {"chat_id": chat_id, "decision": decision, "corrected_sentiment": corrected,
            "final_reply": reply, "draft_edited": edited, "reviewer": "r",
            "decided_at": "2026-11-25T00:00:00+00:00", "sequence": sequence,
            "model_variant": arm, "prompt_version": "v1"}


def test_report_joins_last_decisions_and_compares_arms(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    # Arm a: 40 reviewed, 20 corrected (50% agreement); arm b: 40 reviewed, 4 corrected.
    # Every third chat is a low-confidence positive (the calibration's population); chat 3's
    # confidence is NaN (a broken producer): counted as invalid, not a crash.
    review = [_row(i, "a" if i < 40 else "b", 1 if i % 3 == 0 else -1,
                   float("nan") if i == 3 else 0.3 + (i % 7) / 10,
                   review_reason="low_confidence" if i % 3 == 0 else "negative",
                   apology_draft="Sorry.") for i in range(80)]
    _write(run / "review-00000-of-00001.jsonl", review)
    _write(run / "results-00000-of-00001.jsonl", [_row(100, "a", 1, 0.9)])
    feedback = []
    for i in range(80):
        wrong = (i < 40 and i % 2 == 0) or (i >= 40 and i % 10 == 0)
        feedback.append(_decision(i, "a" if i < 40 else "b", corrected=0 if wrong else None,
                                  reply="Sorry, fixed." if i % 4 == 1 else "Sorry.",
                                  edited=i % 4 == 1))
    # A second decision on chat 1 (a rejection) wins over its first.
    feedback.append(_decision(1, "a", sequence=2, decision="reject"))
    feedback.append(_decision(999, "a"))  # no model record
    _write(tmp_path / "feedback.jsonl", feedback)
    out = tmp_path / "report"
    assert main(["--run", str(run), "--feedback", str(tmp_path / "feedback.jsonl"),
                 "--out", str(out)]) == 0
    figures = json.loads((out / "figures.json").read_text())
    assert figures["reviewed"] == 80 and figures["unmatched_feedback"] == 1
    assert figures["agreement"] == {"arm a / prompt v1": 0.5, "arm b / prompt v1": 0.9}
    ab = figures["ab"]
    assert (ab["n_a"], ab["n_b"]) == (40, 40)
    assert abs(ab["difference"] - 0.4) < 1e-9 and ab["p_value"] < 0.001
    assert ab["ci_low"] > 0.2 and ab["needed_per_arm"] > 100
    assert 0 <= figures["ece"] <= 1 and figures["review_threshold"] is not None
    assert figures["invalid_confidences"] == 1
    page = (out / "index.html").read_text()
    assert "<b>x</b>" not in page  # nothing from a chat reaches the page unescaped
    for png in ("confusion.png", "reliability.png", "mix.png"):
        assert (out / png).stat().st_size > 1000
    # Apology outcomes: chat 1's last decision is a rejection, not its edited approval.
    assert figures["apology"]["a"] == {"drafted": 40, "approved_as_is": 30, "edited": 9,
                                       "rejected": 1}
    assert figures["apology"]["b"] == {"drafted": 40, "approved_as_is": 30, "edited": 10,
                                       "rejected": 0}


def test_runs_that_disagree_on_a_chat_leave_that_chat_out(tmp_path):
    """Two runs that said different things about one chat: the report cannot tell which one
    the reviewer saw, so that chat is left out of every figure and counted, by name of the
    field in the log, never its value; the chats the runs do not share are reported."""
    for name, sentiment in (("r1", 1), ("r2", 0)):
        (tmp_path / name).mkdir()
        _write(tmp_path / name / "results-0.jsonl", [_row(1, "a", sentiment, 0.9)])
    _write(tmp_path / "r1" / "review-0.jsonl", [_row(2, "a", -1, 0.9, apology_draft="Sorry.",
                                                     review_reason="negative")])
    _write(tmp_path / "feedback.jsonl", [_decision(1, "a"), _decision(2, "a")])
    assert main(["--run", str(tmp_path / "r1"), "--run", str(tmp_path / "r2"), "--feedback",
                 str(tmp_path / "feedback.jsonl"), "--out", str(tmp_path / "out")]) == 0
    figures = json.loads((tmp_path / "out" / "figures.json").read_text())
    assert (figures["reviewed"], figures["records"], figures["ambiguous_records"],
            figures["unmatched_feedback"]) == (1, 1, 1, 0)


def test_latest_feedback_keeps_the_highest_sequence_whatever_the_file_order():
    rows = [_decision(1, "a", sequence=2, decision="reject"), _decision(1, "a", sequence=1)]
    assert latest_feedback(rows)[1]["decision"] == "reject"


def test_three_arms_are_each_compared_with_the_control_holm_adjusted(tmp_path):
    """Arms ctl (50% agreement), new (90%) and same (50%): each is compared with --control
    ctl, with Holm-adjusted p-values (never below the raw ones); the page names every arm,
    escaped."""
    run = tmp_path / "run"
    run.mkdir()
    arms = ["ctl"] * 40 + ["new"] * 40 + ["same"] * 40
    _write(run / "review-00000-of-00001.jsonl", [
        _row(i, arm, -1, 0.5, review_reason="negative", apology_draft="Sorry.")
        for i, arm in enumerate(arms)])
    wrong = {i for i, arm in enumerate(arms) if (arm != "new" and i % 2 == 0)
             or (arm == "new" and i % 10 == 0)}
    _write(tmp_path / "feedback.jsonl", [
        _decision(i, arm, corrected=0 if i in wrong else None) for i, arm in enumerate(arms)])
    out = tmp_path / "report"
    assert main(["--run", str(run), "--feedback", str(tmp_path / "feedback.jsonl"),
                 "--control", "ctl", "--out", str(out)]) == 0
    figures = json.loads((out / "figures.json").read_text())
    assert figures["control"] == "ctl" and set(figures["arms"]) == {"new", "same"}
    new, same = figures["arms"]["new"], figures["arms"]["same"]
    assert abs(new["difference"] - 0.4) < 1e-9 and new["p_holm"] < 0.01
    assert same["difference"] == 0 and same["p_holm"] == 1.0
    assert new["p_holm"] >= new["p_value"] and "ab" not in figures
    page = (out / "index.html").read_text()
    assert "arm ctl" in page and ">new<" in page and ">same<" in page


def test_the_report_shows_how_often_reviewers_kept_the_topic(tmp_path):
    """Arm a: 4 reviewed chats with a topic, one corrected -> 75% kept, and the change listed;
    a chat without a topic (a v3 run) is not counted."""
    run = tmp_path / "run"
    run.mkdir()
    topic = {"topic_major": "delivery", "topic_minor": "late", "topic_confidence": 0.5}
    _write(run / "review-00000-of-00001.jsonl", [
        _row(i, "a", -1, 0.5, review_reason="negative", apology_draft="Sorry.",
             **(topic if i < 4 else {})) for i in range(5)])
    decisions = [_decision(i, "a") for i in range(5)]
    decisions[0]["corrected_topic"] = "billing.refund"
    _write(tmp_path / "feedback.jsonl", decisions)
    out = tmp_path / "report"
    assert main(["--run", str(run), "--feedback", str(tmp_path / "feedback.jsonl"),
                 "--out", str(out)]) == 0
    figures = json.loads((out / "figures.json").read_text())
    assert figures["topic_agreement"] == {"a": 0.75}
    page = (out / "index.html").read_text()
    assert "<td>delivery.late</td><td>billing.refund</td><td>1</td>" in page


def test_a_missing_control_is_reported_never_replaced_by_another_arm(tmp_path, caplog):
    """Arms prod and new, no --control (the default a): no arm is compared with another in
    its place; the figures and the page say which control is missing and which arms exist."""
    run = tmp_path / "run"
    run.mkdir()
    arms = ["prod"] * 4 + ["new"] * 4
    _write(run / "review-00000-of-00001.jsonl", [
        _row(i, arm, -1, 0.5, review_reason="negative", apology_draft="Sorry.")
        for i, arm in enumerate(arms)])
    _write(tmp_path / "feedback.jsonl", [_decision(i, arm) for i, arm in enumerate(arms)])
    out = tmp_path / "report"
    assert main(["--run", str(run), "--feedback", str(tmp_path / "feedback.jsonl"),
                 "--out", str(out)]) == 0
    figures = json.loads((out / "figures.json").read_text())
    assert figures["control_missing"] == "a" and "arms" not in figures
    assert "No reviewed chat of the control arm" in (out / "index.html").read_text()
    assert "give --control" in caplog.text
