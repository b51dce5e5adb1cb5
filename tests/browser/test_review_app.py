"""The review web app in a real headless browser (Debian's chromium through Selenium)."""

import base64
import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.browser

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def _item(chat_id, message, sentiment=-1, draft="We are sorry.", processed_at=None):
    return {"chat_id": chat_id, "user_id": 100 + chat_id, "chat_message": message,
            "sentiment": sentiment, "summary": f"summary {chat_id}", "apology_draft": draft,
            "review_reason": "negative", "sentiment_confidence": 0.71,
            "model_variant": "b" if chat_id % 2 else "a", "prompt_version": "v1",
            "processed_at": processed_at or f"2026-11-25T08:00:0{chat_id}+00:00"}


class Clock:
    """A monotonic clock the test moves (session expiry)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _basic(name, token):
    return "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()


@pytest.fixture()
def server(tmp_path):
    """The app for two reviewers, ana and bo (a reviewers file), on a free port; yields
    (url, feedback path, tokens by name, clock)."""
    from review.app import create_app, serving
    from review.feedback import JsonlSink, ReviewQueue, load_review_records
    from review.reviewers import Reviewers, add_reviewer

    review = tmp_path / "review-00000-of-00001.jsonl"
    flagged = {**_item(3, "late parcel, furious", processed_at="2026-11-25T08:00:03+00:00"),
               "draft_problems": ["only_offered: promises what no agent said: message"],
               "draft_attempts": 2}
    rows = [flagged, _item(1, "broken item\nsecond line"),
            {**_item(2, XSS), "draft_sentences_dropped": 1}]
    review.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    items, problems = load_review_records(str(tmp_path / "review*.jsonl"))
    assert len(problems) == 1
    feedback = tmp_path / "feedback.jsonl"
    reviewers = str(tmp_path / "reviewers.json")
    tokens = {name: add_reviewer(reviewers, name) for name in ("ana", "bo")}
    clock = Clock()
    app = create_app(ReviewQueue(items, JsonlSink(str(feedback))), Reviewers(reviewers),
                     clock=clock)
    with serving(app) as url:
        yield url, feedback, tokens, clock


def _login(browser, url, name, token, expect_ok=True):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url + "/")
    assert "/login" in browser.current_url
    browser.find_element(By.ID, "reviewer").send_keys(name)
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "login").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located(
        (By.ID, "counts" if expect_ok else "refused")))


def _wait_for_message(browser, text):
    """Waits until the page after a form POST (a redirect) shows `text` in its message; the
    page may be mid-navigation while it polls."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda b: text in b.execute_script(
            "const m = document.getElementById('message'); return m ? m.textContent : '';"))


def _feedback(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() \
        else []


def test_edit_approve_and_correct_sentiment_publish_feedback(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, feedback, tokens, _ = server
    _login(browser, url, "ana", tokens["ana"])
    assert browser.find_element(By.ID, "count-pending").text == "3"
    rows = browser.find_elements(By.CSS_SELECTOR, "#pending tr[data-href]")
    assert [r.find_element(By.TAG_NAME, "a").text for r in rows] == ["#1", "#2", "#3"]
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert browser.find_element(By.ID, "transcript").text == "broken item\nsecond line"
    draft = browser.find_element(By.ID, "final_reply")
    draft.clear()
    draft.send_keys("Sorry - a replacement ships today.")
    browser.find_element(By.ID, "approve").click()
    _wait_for_message(browser, "#1: approve recorded")
    # The app moved on to the next pending chat (#2): correct its sentiment, keyboard reject.
    assert browser.current_url.endswith("/chat/2")
    Select(browser.find_element(By.ID, "corrected_sentiment")).select_by_value("0")
    browser.execute_script("document.activeElement.blur()")
    ActionChains(browser).send_keys("r").perform()  # the reviewer's keyboard shortcut
    _wait_for_message(browser, "#2: reject recorded")
    records = _feedback(feedback)
    assert [(r["chat_id"], r["decision"], r["sequence"]) for r in records] == [
        (1, "approve", 1), (2, "reject", 1)]
    assert records[0]["final_reply"] == "Sorry - a replacement ships today."
    assert records[0]["draft_edited"] is True and records[0]["reviewer"] == "ana"
    assert records[0]["model_variant"] == "b" and records[0]["prompt_version"] == "v1"
    assert records[1]["corrected_sentiment"] == 0 and records[1]["final_reply"] is None
    # Deciding again on #1: kept, with the next sequence number; the last one wins.
    browser.get(url + "/chat/1")
    browser.find_element(By.ID, "reject").click()
    _wait_for_message(browser, "#1: reject recorded (decision 2)")
    records = _feedback(feedback)
    assert [(r["chat_id"], r["sequence"]) for r in records][-1] == (1, 2)
    browser.get(url + "/")
    assert browser.find_element(By.ID, "count-pending").text == "1"
    assert browser.find_element(By.ID, "count-reject").text == "2"


def test_a_script_in_a_chat_is_shown_as_text_and_never_runs(server, browser):
    from selenium.webdriver.common.by import By

    url, _, tokens, _ = server
    _login(browser, url, "ana", tokens["ana"])
    browser.get(url + "/chat/2")
    assert browser.find_element(By.ID, "transcript").text == XSS
    assert browser.execute_script("return window.__xss === undefined")
    assert browser.find_elements(By.CSS_SELECTOR, "#transcript script, #transcript img") == []


def test_no_token_no_access_and_forms_need_the_csrf_token(server, browser):
    from selenium.webdriver.common.by import By

    url, feedback, tokens, _ = server
    browser.get(url + "/chat/1")
    assert "/login" in browser.current_url and "broken item" not in browser.page_source
    browser.find_element(By.ID, "reviewer").send_keys("mallory")
    browser.find_element(By.ID, "token").send_keys("wrong-token-000000")
    browser.find_element(By.ID, "login").click()
    assert "/login" in browser.current_url
    for request in (
        urllib.request.Request(url + "/api/queue"),
        urllib.request.Request(url + "/api/queue", headers={"Authorization": "Bearer nope"}),
        urllib.request.Request(url + "/chat/1", data=b"decision=approve", method="POST"),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    # Signed in, a form POST that carries the session cookie but not the session's CSRF
    # token (a forged cross-site form) is refused.
    _login(browser, url, "ana", tokens["ana"])
    cookie = browser.get_cookie("session")["value"]
    forged = urllib.request.Request(url + "/chat/1", data=b"decision=approve", method="POST",
                                    headers={"Cookie": f"session={cookie}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 400
    assert _feedback(feedback) == []
    # A script with a reviewer's token (the demo's scripted reviewer) uses the JSON API.
    api = urllib.request.Request(
        url + "/api/chat/3/decision", method="POST",
        data=json.dumps({"decision": "approve"}).encode(),
        headers={"Authorization": _basic("bo", tokens["bo"]),
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(api, timeout=10) as response:
        assert json.loads(response.read())["final_reply"] == "We are sorry."
    assert [(r["chat_id"], r["reviewer"]) for r in _feedback(feedback)] == [(3, "bo")]


def test_a_draft_that_failed_the_contract_is_shown_as_needing_a_rewrite(server, browser):
    """A flagged draft says so in the queue and above the draft, with the failed check; a
    draft that passed says it passed."""
    from selenium.webdriver.common.by import By

    url, _, tokens, _ = server
    _login(browser, url, "ana", tokens["ana"])
    cells = {r.find_element(By.TAG_NAME, "a").text: r.find_elements(By.TAG_NAME, "td")[4].text
             for r in browser.find_elements(By.CSS_SELECTOR, "#pending tr[data-href]")}
    assert cells == {"#1": "ok", "#2": "ok", "#3": "needs rewrite (1)"}
    browser.get(url + "/chat/3")
    warning = browser.find_element(By.ID, "draft-problems").text
    assert "rewrite before approving" in warning and "the better of 2 drafts" in warning
    assert "only_offered: promises what no agent said: message" in warning
    browser.get(url + "/chat/1")
    assert "passed the draft checks" in browser.find_element(By.ID, "draft-checks").text
    assert not browser.find_elements(By.ID, "draft-problems")
    assert not browser.find_elements(By.ID, "draft-trimmed")
    browser.get(url + "/chat/2")
    assert "1 sentence of the model's draft left out" in browser.find_element(
        By.ID, "draft-trimmed").text


def test_sign_in_and_sign_out_and_the_old_cookie_is_dead(server, browser):
    """The page says who is signed in; signing out (a CSRF-checked POST) ends the session on
    the server: the cookie it had, replayed, opens nothing."""
    from selenium.webdriver.common.by import By

    url, _, tokens, _ = server
    _login(browser, url, "ana", tokens["ana"])
    assert browser.find_element(By.ID, "whoami").text == "ana"
    cookie = browser.get_cookie("session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    browser.find_element(By.ID, "logout").click()
    _wait_for_message(browser, "Signed out.")
    assert "/login" in browser.current_url
    browser.get(url + "/chat/1")
    assert "/login" in browser.current_url and "broken item" not in browser.page_source
    replay = urllib.request.Request(url + "/chat/1",
                                    headers={"Cookie": f"session={cookie['value']}"})
    with urllib.request.urlopen(replay, timeout=10) as response:  # redirected to sign in
        assert response.geturl().endswith("/login")
        assert "broken item" not in response.read().decode()


def test_an_expired_session_sends_the_reviewer_back_to_sign_in(server, browser):
    """Past session_hours the session's form is refused (401) and the pages send the
    reviewer to sign in again."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, feedback, tokens, clock = server
    _login(browser, url, "ana", tokens["ana"])
    browser.get(url + "/chat/1")
    clock.now += 8 * 3600 + 1  # the default session_hours, passed
    browser.find_element(By.ID, "approve").click()  # a form from the expired session
    WebDriverWait(browser, 10).until(lambda b: "Unauthorized" in b.page_source)
    assert _feedback(feedback) == []
    browser.get(url + "/")
    assert "/login" in browser.current_url
    _login(browser, url, "ana", tokens["ana"])  # signing in again works
    assert browser.find_element(By.ID, "whoami").text == "ana"


def test_a_second_reviewer_cannot_act_under_the_first_ones_name(server, browser):
    """bo cannot sign in as ana with his token, cannot slip `reviewer=ana` into the form, and
    his decision on ana's chat says it replaced hers."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, feedback, tokens, _ = server
    _login(browser, url, "ana", tokens["bo"], expect_ok=False)
    assert "/login" in browser.current_url
    ana = urllib.request.Request(
        url + "/api/chat/1/decision", method="POST",
        data=json.dumps({"decision": "approve"}).encode(),
        headers={"Authorization": _basic("ana", tokens["ana"]),
                 "Content-Type": "application/json"})
    urllib.request.urlopen(ana, timeout=10).close()
    _login(browser, url, "bo", tokens["bo"])
    browser.get(url + "/chat/1")
    assert browser.find_element(By.ID, "latest-reviewer").text == "ana"
    browser.execute_script(
        "const f = document.getElementById('decide'); const i = document.createElement("
        "'input'); i.type = 'hidden'; i.name = 'reviewer'; i.value = 'ana'; f.appendChild(i);")
    browser.find_element(By.ID, "reject").click()
    WebDriverWait(browser, 10).until(
        lambda b: "decisions are recorded under the signed-in reviewer (bo)" in b.page_source)
    assert [(r["reviewer"], r["sequence"]) for r in _feedback(feedback)] == [("ana", 1)]
    browser.get(url + "/chat/1")
    browser.find_element(By.ID, "reject").click()
    _wait_for_message(browser, "#1: reject recorded (decision 2)")
    last = _feedback(feedback)[-1]
    assert (last["reviewer"], last["replaces_sequence"], last["replaces_reviewer"]) == (
        "bo", 1, "ana")
    browser.get(url + "/chat/1")
    history = browser.find_element(By.ID, "history").text
    assert "decision 1 by ana" in history and "bo" in history
