"""The review app's rules, through Flask's test client (the browser tests cover the pages)."""

import base64
import json
import re

import pytest

from review import __main__ as cli
from review.app import create_app
from review.feedback import Decision, Feedback, JsonlSink, ReviewItem, ReviewQueue, decide
from review.reviewers import Reviewers, add_reviewer, remove_reviewer


def _basic(name, token):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()}


def _item(chat_id=1, draft="Sorry for the delay.\nWe will fix it."):
    return ReviewItem(chat_id=chat_id, user_id=7, chat_message="late", sentiment=-1,
                      summary="late", apology_draft=draft, review_reason="negative",
                      processed_at="2026-11-25T00:00:00+00:00")


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture()
def office(tmp_path):
    """Two reviewers, ana and bo, in a reviewers file; an app over chats 1 and 2."""
    reviewers = str(tmp_path / "reviewers.json")
    tokens = {name: add_reviewer(reviewers, name) for name in ("ana", "bo")}
    clock = Clock()
    feedback = tmp_path / "feedback.jsonl"
    app = create_app(ReviewQueue([_item(1), _item(2)], JsonlSink(str(feedback))),
                     Reviewers(reviewers), clock=clock, decisions_per_minute=30)
    return {"app": app, "client": app.test_client(), "tokens": tokens, "clock": clock,
            "feedback": feedback, "reviewers": reviewers,
            "ana": _basic("ana", tokens["ana"]), "bo": _basic("bo", tokens["bo"])}


def _records(path):
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _cookie_hours_left(set_cookie):
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    expires = re.search(r"Expires=([^;]+)", set_cookie).group(1)
    return (parsedate_to_datetime(expires) - datetime.now(UTC)).total_seconds() / 3600


def _sign_in(c, name, token):
    r = c.post("/login", data={"reviewer": name, "token": token})
    assert r.status_code == 302, r.status_code
    page = c.get("/chat/1").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_an_unchanged_draft_sent_back_with_crlf_is_not_an_edit():
    item = _item()
    feedback = decide(item, "approve", "ana", 1, final_reply="Sorry for the delay.\r\nWe will "
                      "fix it.\r\n")
    assert feedback.draft_edited is False and feedback.final_reply == item.apology_draft
    assert decide(item, "approve", "ana", 1, final_reply="Other.").draft_edited is True


@pytest.mark.parametrize("value", [True, 1.5, -0.9, "1.0", "2", 7, "x"])
def test_api_refuses_a_sentiment_that_is_not_1_0_or_minus_1(office, value):
    r = office["client"].post("/api/chat/1/decision", headers=office["ana"],
                              json={"decision": "reject", "corrected_sentiment": value})
    assert r.status_code == 400
    assert _records(office["feedback"]) == []


TOPICS = ("delivery.late", "delivery.damaged", "billing.refund")


def _topic_office(tmp_path):
    reviewers = str(tmp_path / "reviewers.json")
    token = add_reviewer(reviewers, "ana")
    item = _item(1).model_copy(update={"topic_major": "delivery", "topic_minor": "late",
                                       "topic_confidence": 0.4})
    feedback = tmp_path / "feedback.jsonl"
    app = create_app(ReviewQueue([item, _item(2)], JsonlSink(str(feedback)), topics=TOPICS),
                     Reviewers(reviewers), clock=Clock())
    return app.test_client(), _basic("ana", token), feedback, token


def test_a_reviewer_corrects_a_topic_to_a_label_of_the_taxonomy(tmp_path):
    """A corrected topic is recorded; the model's own label, or none, records no correction;
    a label outside the app's taxonomy, or not text, is a 400 that writes nothing; the page
    offers every label grouped by major, the current decision's selected."""
    client, ana, feedback, token = _topic_office(tmp_path)
    for body in ({"decision": "reject", "corrected_topic": "order.late"},
                 {"decision": "reject", "corrected_topic": ["billing.refund"]},
                 {"decision": "reject", "corrected_topic": "x" * 90}):
        assert client.post("/api/chat/1/decision", headers=ana, json=body).status_code == 400
    assert _records(feedback) == []
    r = client.post("/api/chat/1/decision", headers=ana,
                    json={"decision": "reject", "corrected_topic": "delivery.late"})
    assert r.status_code == 200 and r.get_json()["corrected_topic"] is None
    r = client.post("/api/chat/1/decision", headers=ana, json={
        "decision": "reject", "corrected_topic": "billing.refund", "replaces_sequence": 1})
    assert r.status_code == 200 and r.get_json()["corrected_topic"] == "billing.refund"
    assert [d["corrected_topic"] for d in _records(feedback)] == [None, "billing.refund"]
    _sign_in(client, "ana", token)
    page = client.get("/chat/1").get_data(as_text=True)
    assert '<optgroup label="delivery">' in page and '<optgroup label="billing">' in page
    assert '<option value="billing.refund" selected>' in page  # the current decision's
    assert '(none)' in client.get("/chat/2").get_data(as_text=True)


def test_a_label_outside_the_apps_taxonomy_is_kept_not_replaced(tmp_path):
    """The model wrote a label this app's taxonomy lacks (another --taxonomy, a renamed
    label): the page offers it selected (so a plain approve keeps it), sending it back is no
    correction, and after a correction the page starts from the reviewer's label."""
    reviewers = str(tmp_path / "reviewers.json")
    token = add_reviewer(reviewers, "ana")
    item = _item(1).model_copy(update={"topic_major": "delivery", "topic_minor": "late_xyz"})
    feedback = tmp_path / "feedback.jsonl"
    app = create_app(ReviewQueue([item], JsonlSink(str(feedback)), topics=TOPICS),
                     Reviewers(reviewers), clock=Clock())
    client = app.test_client()
    _sign_in(client, "ana", token)
    page = client.get("/chat/1").get_data(as_text=True)
    assert '<option value="delivery.late_xyz" selected>' in page
    assert len(re.findall(r"<option [^>]*selected", page)) == 2  # the sentiment's and this one
    r = client.post("/api/chat/1/decision", headers=_basic("ana", token),
                    json={"decision": "reject", "corrected_topic": "delivery.late_xyz"})
    assert r.status_code == 200 and r.get_json()["corrected_topic"] is None
    r = client.post("/api/chat/1/decision", headers=_basic("ana", token), json={
        "decision": "reject", "corrected_topic": "billing.refund", "corrected_sentiment": 0,
        "replaces_sequence": 1})
    assert r.status_code == 200
    page = client.get("/chat/1").get_data(as_text=True)
    assert '<option value="billing.refund" selected>' in page
    assert '<option value="0" selected>' in page


def test_without_a_taxonomy_a_topic_cannot_be_corrected(office):
    r = office["client"].post("/api/chat/1/decision", headers=office["ana"],
                              json={"decision": "reject", "corrected_topic": "delivery.late"})
    assert r.status_code == 400 and _records(office["feedback"]) == []
    _sign_in(office["client"], "ana", office["tokens"]["ana"])
    page = office["client"].get("/chat/1").get_data(as_text=True)
    assert 'name="corrected_sentiment"' in page and 'name="corrected_topic"' not in page


@pytest.mark.parametrize("body", [
    {"decision": "maybe"},
    {"decision": "approve", "final_reply": ["not", "text"]},
    {"decision": "approve", "final_reply": "x" * 5000},
    {"decision": "approve", "final_reply": "   "},
    {"decision": "approve", "replaces_sequence": "1"},
    {"decision": "approve", "replaces_sequence": True},
    ["decision", "approve"],
])
def test_api_refuses_malformed_decisions_with_400(office, body):
    r = office["client"].post("/api/chat/1/decision", headers=office["ana"], json=body)
    assert r.status_code == 400 and r.is_json and "error" in r.get_json()


def test_the_recorded_reviewer_is_the_credential_and_a_body_naming_another_is_refused(office):
    """bo's credential with `"reviewer": "ana"` (or any other name) is refused with 403 and
    writes nothing; naming oneself, or nobody, records bo."""
    c = office["client"]
    for named in ("ana", "   ", "a\x00b", "line\nbreak"):
        r = c.post("/api/chat/1/decision", headers=office["bo"],
                   json={"reviewer": named, "decision": "approve"})
        assert r.status_code == 403, named
    assert _records(office["feedback"]) == []
    assert c.post("/api/chat/1/decision", headers=office["bo"],
                  json={"reviewer": "bo", "decision": "approve"}).status_code == 200
    assert c.post("/api/chat/2/decision", headers=office["bo"],
                  json={"decision": "reject"}).status_code == 200
    assert [r["reviewer"] for r in _records(office["feedback"])] == ["bo", "bo"]


def test_a_form_naming_another_reviewer_is_refused(office):
    c = office["client"]
    csrf = _sign_in(c, "bo", office["tokens"]["bo"])
    r = c.post("/chat/1", data={"csrf": csrf, "decision": "approve", "reviewer": "ana"})
    assert r.status_code == 403 and _records(office["feedback"]) == []


def test_one_reviewers_token_does_not_sign_in_another(office):
    c = office["client"]
    r = c.post("/login", data={"reviewer": "ana", "token": office["tokens"]["bo"]})
    assert r.status_code == 401
    assert c.get("/api/queue", headers=_basic("ana", office["tokens"]["bo"])).status_code == 401
    assert c.get("/api/queue", headers=_basic("carl", office["tokens"]["bo"])).status_code == 401
    # The old shared-token scheme is gone: a bare bearer token is no credential.
    assert c.get("/api/queue", headers={"Authorization": f"Bearer {office['tokens']['ana']}"}
                 ).status_code == 401


def test_pages_need_a_signed_in_reviewer_even_with_an_api_credential(office):
    c = office["client"]
    assert c.get("/chat/1", headers=office["ana"]).status_code == 401
    assert c.post("/chat/1", headers=office["ana"], data={"decision": "approve"}
                  ).status_code == 401
    assert c.get("/api/queue").status_code == 401
    assert c.get("/api/queue", headers=office["ana"]).status_code == 200


def test_a_non_ascii_csrf_value_is_refused_not_a_crash(office):
    c = office["client"]
    _sign_in(c, "ana", office["tokens"]["ana"])
    assert c.post("/chat/1", data={"decision": "approve", "csrf": "é"}).status_code == 400


def test_a_colleagues_decision_is_replaced_only_knowingly_and_the_replaced_one_is_recorded(
        office):
    """bo cannot overwrite ana's decision unseen: without naming the decision he replaces
    (or naming a stale one) he gets 409; naming it records ana's sequence and name in his,
    and the chat's page shows both."""
    c = office["client"]
    first = c.post("/api/chat/1/decision", headers=office["ana"], json={"decision": "approve"})
    assert first.status_code == 200 and first.get_json()["replaces_sequence"] is None
    blind = c.post("/api/chat/1/decision", headers=office["bo"], json={"decision": "reject"})
    assert blind.status_code == 409 and "decision 1 by ana" in blind.get_json()["error"]
    stale = c.post("/api/chat/1/decision", headers=office["bo"],
                   json={"decision": "reject", "replaces_sequence": 7})
    assert stale.status_code == 409
    second = c.post("/api/chat/1/decision", headers=office["bo"],
                    json={"decision": "reject", "replaces_sequence": 1})
    assert second.status_code == 200
    records = _records(office["feedback"])
    assert [(r["reviewer"], r["sequence"], r["replaces_sequence"], r["replaces_reviewer"])
            for r in records] == [("ana", 1, None, None), ("bo", 2, 1, "ana")]
    Feedback.model_validate(records[1])
    # A form loaded before bo decided (it names decision 1) is stale for ana too.
    csrf = _sign_in(c, "ana", office["tokens"]["ana"])
    assert c.post("/chat/1", data={"csrf": csrf, "decision": "approve", "replaces": "1"}
                  ).status_code == 409
    page = c.get("/chat/1").get_data(as_text=True)
    assert "Current decision (2) by <b id=\"latest-reviewer\">bo</b>" in page
    assert "decision 1 by ana" in page and 'name="replaces" value="2"' in page
    assert c.post("/chat/1", data={"csrf": csrf, "decision": "approve", "replaces": "2"}
                  ).status_code == 302
    assert _records(office["feedback"])[-1]["replaces_reviewer"] == "bo"


def test_logout_needs_the_csrf_token_and_revokes_the_session(office):
    c = office["client"]
    csrf = _sign_in(c, "ana", office["tokens"]["ana"])
    cookie = c.get_cookie("session").value
    assert c.post("/logout").status_code == 400  # a forged cross-site logout
    assert c.get("/").status_code == 200
    r = c.post("/logout", data={"csrf": csrf})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert c.get("/").status_code == 302
    c.set_cookie("session", cookie)  # the old cookie, replayed: its session is gone
    assert c.get("/").status_code == 302
    assert c.post("/chat/1", data={"csrf": csrf, "decision": "approve"}).status_code == 401


def test_a_session_expires_after_session_hours(office):
    c = office["client"]
    _sign_in(c, "ana", office["tokens"]["ana"])
    office["clock"].now += 8 * 3600 - 5
    assert c.get("/").status_code == 200
    office["clock"].now += 10
    r = c.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_session_cookie_is_httponly_strict_expiring_and_secure_over_https(office, tmp_path):
    c = office["client"]
    r = c.post("/login", data={"reviewer": "ana", "token": office["tokens"]["ana"]})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert 7.9 < _cookie_hours_left(cookie) <= 8
    r = c.post("/login", data={"reviewer": "ana", "token": office["tokens"]["ana"]},
               base_url="https://localhost")
    assert "Secure" in r.headers["Set-Cookie"]
    forced = create_app(ReviewQueue([_item(1)], JsonlSink(str(tmp_path / "f.jsonl"))),
                        Reviewers(office["reviewers"]), secure_cookies=True, session_hours=1)
    r = forced.test_client().post("/login", data={"reviewer": "bo",
                                                  "token": office["tokens"]["bo"]})
    assert "Secure" in r.headers["Set-Cookie"]
    assert 0.9 < _cookie_hours_left(r.headers["Set-Cookie"]) <= 1


def test_failed_sign_ins_back_off_exponentially_even_for_the_right_token(office):
    """Five wrong tokens, then the client waits 2 s (429 with Retry-After), the right token
    included; the next failure doubles the wait; a success does not forget the failures, a
    quarter of an hour without one does."""
    c, clock, right = office["client"], office["clock"], office["tokens"]["ana"]
    for _ in range(4):
        assert c.post("/login", data={"reviewer": "ana", "token": "x" * 43}).status_code == 401
    assert c.post("/login", data={"reviewer": "ana", "token": "x" * 43}).status_code == 401
    blocked = c.post("/login", data={"reviewer": "ana", "token": right})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "2"
    api = c.get("/api/queue", headers=office["ana"])
    assert api.status_code == 429 and api.headers["Retry-After"] == "2"
    clock.now += 2
    assert c.post("/login", data={"reviewer": "ana", "token": "y" * 43}).status_code == 401
    assert c.post("/login", data={"reviewer": "ana", "token": right}).headers[
        "Retry-After"] == "4"
    clock.now += 4
    assert c.post("/login", data={"reviewer": "ana", "token": right}).status_code == 302
    assert c.post("/login", data={"reviewer": "ana", "token": "z" * 43}).status_code == 401
    assert c.post("/login", data={"reviewer": "ana", "token": right}).status_code == 429
    clock.now += 15 * 60 + 9
    for _ in range(4):  # forgotten: four more failures are free again
        assert c.post("/login", data={"reviewer": "ana", "token": "z" * 43}).status_code == 401


def test_a_reviewers_own_sign_in_does_not_reset_guesses_at_a_colleagues_token(office):
    """Four guesses at bo's token, then ana's own sign-in, again and again: the fifth guess
    in all blocks the address (a success used to forget the failures)."""
    c, right = office["client"], office["tokens"]["ana"]
    codes = []
    for _ in range(3):
        for _ in range(4):
            codes.append(c.post("/login", data={"reviewer": "bo", "token": "g" * 43}).status_code)
        codes.append(c.post("/login", data={"reviewer": "ana", "token": right}).status_code)
    assert codes[:5] == [401, 401, 401, 401, 302] and 429 in codes


def test_wrong_api_credentials_back_off_too(office):
    c = office["client"]
    for _ in range(5):
        assert c.get("/api/queue", headers=_basic("ana", "nope" * 11)).status_code == 401
    r = c.get("/api/queue", headers=office["ana"])
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_removing_or_replacing_a_reviewer_ends_their_sessions_and_token(office):
    c = office["client"]
    _sign_in(c, "ana", office["tokens"]["ana"])
    other = office["app"].test_client()
    _sign_in(other, "bo", office["tokens"]["bo"])
    remove_reviewer(office["reviewers"], "ana")
    assert c.get("/").status_code == 302
    assert c.get("/api/queue", headers=office["ana"]).status_code == 401
    assert other.get("/").status_code == 200
    new = add_reviewer(office["reviewers"], "bo", replace=True)
    assert other.get("/").status_code == 302
    assert c.get("/api/queue", headers=office["bo"]).status_code == 401
    assert c.get("/api/queue", headers=_basic("bo", new)).status_code == 200


def test_each_client_has_a_budget_of_decisions(office):
    c, clock = office["client"], office["clock"]
    for n in range(30):
        r = c.post("/api/chat/1/decision", headers=office["ana"],
                   json={"decision": "reject", "replaces_sequence": n or None})
        assert r.status_code == 200, n
    r = c.post("/api/chat/1/decision", headers=office["ana"],
               json={"decision": "reject", "replaces_sequence": 30})
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    clock.now += 2
    assert c.post("/api/chat/1/decision", headers=office["ana"],
                  json={"decision": "reject", "replaces_sequence": 30}).status_code == 200


def test_a_host_name_not_allowed_is_refused(office):
    c = office["client"]
    assert c.get("/login").status_code == 200
    assert c.get("/login", headers={"Host": "127.0.0.1:8085"}).status_code == 200
    assert c.get("/login", headers={"Host": "[::1]:8085"}).status_code == 200
    assert c.get("/login", headers={"Host": "rebound.attacker.example"}).status_code == 400
    assert c.get("/api/queue", headers={**office["ana"], "Host": "evil.example"}
                 ).status_code == 400


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"decision": "reject", "x": ' + b"[" * 17 + b"]" * 17 + b"}",
    b'{"decision": "reject", "corrected_sentiment": ' + b"9" * 5000 + b"}",
    b'{"decision": "reject"',
    b'\xff\xfe{"decision": "reject"}',
])
def test_hostile_json_bodies_get_a_400_not_a_traceback(office, raw):
    r = office["client"].post("/api/chat/1/decision", data=raw, headers={
        **office["ana"], "Content-Type": "application/json"})
    assert r.status_code == 400 and "Traceback" not in r.get_data(as_text=True)
    assert _records(office["feedback"]) == []


def test_the_depth_scan_reads_only_utf8_and_counts_outside_strings():
    """UTF-16, whose bytes the scan cannot read (it hid 500 levels of nesting), is refused;
    an unclosed string of escaped quotes is refused (the scan is one pass over the text: the
    old backtracking pattern took 8 s on 64 KB of them)."""
    from review.guards import _nesting_depth, parse_json_body

    with pytest.raises(ValueError):
        parse_json_body(b'"' + b'\\"' * 20_000)
    assert _nesting_depth('["[[", {"a": "]]}"}, [[]]]') == 3
    deep = ('["\u2200", ' + "[" * 500 + "]" * 500 + ', "x"]').encode("utf-16-le")
    with pytest.raises(ValueError):
        parse_json_body(deep)


def test_brackets_inside_strings_do_not_count_as_nesting(office):
    reply = "[" * 50 + '\\"{' * 50
    r = office["client"].post("/api/chat/1/decision", headers=office["ana"],
                              json={"decision": "approve", "final_reply": reply})
    assert r.status_code == 200


def test_a_body_over_the_size_limit_is_refused(office):
    r = office["client"].post("/api/chat/1/decision", data=b" " * (300 * 1024), headers={
        **office["ana"], "Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("token", [
    "aaaaaaaaaaaa", "a" * 64, "ab" * 30, "short-Tok3n!", "abcabcabcabcabcabcabc",
    # runs and keyboard walks (once accepted)
    "12345678901234567890", "abcdefghijklmnop", "0123456789abcdef", "qwertyuiopasdfgh",
    "ABCDEFGHIJKLMNOPabcd", "aaaaaaaabbbbbbbbccccccccdddddddd",
])
def test_serve_refuses_a_weak_token_with_a_message(monkeypatch, capsys, tmp_path, token):
    monkeypatch.setenv("REVIEW_TOKEN", token)
    code = cli.main(["serve", "--queue", str(tmp_path / "none*.jsonl"),
                     "--feedback", str(tmp_path / "f.jsonl"), "--state_dir", str(tmp_path)])
    assert code == 2
    assert "REVIEW_TOKEN: a token needs" in capsys.readouterr().err


@pytest.mark.parametrize("token", ["9f86d081884c7d659a2feaa0c55ad015",  # openssl rand -hex 16
                                   "Xq3_v9LrT0kPz8WbN1cYh2", "correct-Horse-battery-staple-42"])
def test_a_strong_token_binds_one_reviewer(token):
    reviewers = Reviewers.single("operator", token)
    assert reviewers.verify("operator", token) and not reviewers.verify("ana", token)


def test_add_reviewer_prints_a_fresh_token_once_and_keeps_only_a_salted_hash(tmp_path, capsys):
    path = str(tmp_path / "reviewers.json")
    assert cli.main(["add-reviewer", "ana", "--reviewers", path]) == 0
    assert cli.main(["add-reviewer", "bo", "--reviewers", path]) == 0
    tokens = [line.rsplit(" ", 1)[-1] for line in capsys.readouterr().out.splitlines()]
    text = open(path).read()
    data = json.loads(text)["reviewers"]
    assert set(data) == {"ana", "bo"} and len(tokens[0]) >= 43
    assert all(t not in text for t in tokens)
    assert data["ana"]["salt"] != data["bo"]["salt"]
    assert (tmp_path / "reviewers.json").stat().st_mode & 0o077 == 0
    assert Reviewers(path).verify("ana", tokens[0]) and not Reviewers(path).verify("ana",
                                                                                 tokens[1])
    assert cli.main(["add-reviewer", "ana", "--reviewers", path]) == 2  # no silent reset
    assert cli.main(["add-reviewer", "a b:c", "--reviewers", path]) == 2
    assert cli.main(["remove-reviewer", "ana", "--reviewers", path]) == 0
    assert Reviewers(path).names() == ["bo"]
    assert cli.main(["remove-reviewer", "ana", "--reviewers", path]) == 2


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
    assert third.sequence == 3 and (third.replaces_sequence, third.replaces_reviewer) == (2,
                                                                                        "ana")
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


def test_a_decision_after_a_torn_line_is_not_lost(tmp_path):
    """A crash can leave the feedback file's last line half-written; the next decision starts
    a line of its own instead of joining the torn one (and being skipped with it)."""
    path = tmp_path / "feedback.jsonl"
    queue = ReviewQueue([_item(1), _item(2)], JsonlSink(str(path)))
    queue.record(1, "approve", "operator", None, None)
    path.write_bytes(path.read_bytes()[:60])  # torn mid-line
    queue.record(2, "approve", "operator", None, None)
    decided = [f.chat_id for f in JsonlSink(str(path)).existing()]
    assert decided == [2]
