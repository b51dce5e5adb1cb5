"""The run report page (`python -m pipeline.run_summary OUT --html PATH`) in a real headless
browser: its charts are drawn and visible, its numbers are the records', and hostile text
stays text."""

import json

import pytest

pytestmark = pytest.mark.browser

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
KOREAN_CHAT = "id 5: 배달이 한 시간이나 늦었어요"
KOREAN_SUMMARY = "주문이 늦게 도착했습니다."
RTL_REASON = "payload \u202eevil\u202c is not valid JSON"


def _row(chat_id, sentiment, arm, confidence, ms, prompt, generated, **extra):
    return {"chat_id": chat_id, "user_id": 100 + chat_id, "chat_message": f"chat {chat_id}",
            "sentiment": sentiment, "summary": f"summary {chat_id}", "model_variant": arm,
            "sentiment_confidence": confidence, "inference_ms": ms, "prompt_tokens": prompt,
            "generated_tokens": generated, "processed_at": "2026-12-01T10:00:00+00:00",
            **extra}


def _review(*args, reason="negative", **extra):
    return {**_row(*args, **extra), "review_reason": reason,
            "apology_draft": "We are sorry for the wait."}


RESULTS = [
    _row(1, 1, "a", 0.95, 1200.0, 100, 10),
    _row(2, 1, "a", 0.85, 1200.0, 150, 20),
    _row(3, 0, "a", 0.65, 400.0, 200, 30, chat_message=KOREAN_CHAT),
    _row(4, 0, "b", 0.55, 800.0, 120, 25),
]
REVIEW = [
    _review(5, -1, "a", 0.99, 400.0, 250, 40, summary=XSS),
    _review(6, 1, "b", 0.40, 800.0, 180, 35, reason="low_confidence",
            summary=KOREAN_SUMMARY),
]
ERRORS = [
    {"chat_id": 7, "stage": "reply", "model_variant": "b",
     "reason": "summary has 300 characters, more than 256"},
    {"chat_id": 8, "stage": "reply", "model_variant": "b",
     "reason": "summary has 412 characters, more than 256"},
    {"chat_id": None, "stage": "parse", "model_variant": None, "reason": RTL_REASON},
]


@pytest.fixture()
def page(tmp_path):
    """The page `pipeline.run_summary --html` writes for a two-arm run (threshold 0.7, $3.60 an
    hour); yields its file URL."""
    from pipeline import run_summary

    run = tmp_path / "run"
    run.mkdir()
    for sink, rows in (("results", RESULTS), ("review", REVIEW), ("errors", ERRORS)):
        (run / f"{sink}-00000-of-00001.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    path = tmp_path / "report.html"
    assert run_summary.main([str(run), "--html", str(path), "--review_below_confidence", "0.7",
                         "--worker_type", "test-worker", "--worker_hourly_usd", "3.6"]) == 0
    return path.as_uri()


def _size(browser, element):
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", element)


def _bars(browser, chart_id):
    from selenium.webdriver.common.by import By

    return {bar.get_attribute("data-label"): int(bar.get_attribute("data-value"))
            for bar in browser.find_elements(By.CSS_SELECTOR, f"#{chart_id} rect.bar")}


def test_every_chart_is_drawn_and_visible(page, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1200, 900)
    browser.get(page)
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    # Arm a: sentiment, confidence, latency, prompt and generated tokens (no errors);
    # arm b: the same and its errors; no arm: its errors.
    assert [c.get_attribute("id") for c in charts] == [
        "sentiment-0", "confidence-0", "latency-0", "prompt-tokens-0", "generated-tokens-0",
        "sentiment-1", "confidence-1", "latency-1", "prompt-tokens-1", "generated-tokens-1",
        "errors-1", "errors-2"]
    for chart in charts:
        assert chart.is_displayed(), chart.get_attribute("id")
        width, height = _size(browser, chart)
        assert width > 100 and height > 20, chart.get_attribute("id")
    for bar in browser.find_elements(By.CSS_SELECTOR, "rect.bar, rect.bin"):
        width, height = _size(browser, bar)
        drawn = int(bar.get_attribute("data-value") or bar.get_attribute("data-count") or 0)
        assert (width > 0 and height > 0) == (drawn > 0)
    threshold = browser.find_element(By.CSS_SELECTOR, "#confidence-0 line.mark")
    assert threshold.get_attribute("data-value") == "0.7"
    # A vertical line has no width, which Selenium's is_displayed counts as hidden.
    assert _size(browser, threshold)[1] > 50
    assert browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return s.visibility === 'visible' && "
        "s.display !== 'none' && s.stroke !== 'none'", threshold)
    assert browser.find_elements(By.CSS_SELECTOR, "script") == []


def test_the_numbers_are_the_records(page, browser):
    from selenium.webdriver.common.by import By

    browser.get(page)
    counts = {s: browser.find_element(By.ID, f"count-{s}").text
              for s in ("results", "review", "errors")}
    assert counts == {"results": "4", "review": "2", "errors": "3"}
    assert _bars(browser, "sentiment-0") == {"positive": 2, "neutral": 1, "negative": 1}
    assert _bars(browser, "sentiment-1") == {"positive": 1, "neutral": 1, "negative": 0}
    bins = [int(b.get_attribute("data-count"))
            for b in browser.find_elements(By.CSS_SELECTOR, "#confidence-0 rect.bin")]
    assert bins == [0, 0, 0, 0, 0, 0, 1, 0, 1, 2]  # 0.65, 0.85, 0.95 and 0.99
    # Arm a's rows waited 1200, 1200, 400 and 400 ms: p50 800, p95 1200.
    latency = browser.find_element(By.ID, "fig-latency-0")
    assert latency.find_element(By.CSS_SELECTOR, "b[data-stat=p50]").text == "800"
    assert latency.find_element(By.CSS_SELECTOR, "b[data-stat=p95]").text == "1,200"
    # Two calls (1200 and 400 ms) over four rows: 0.4 s per chat, $0.40 per 1,000 at $3.60/h.
    cost = browser.find_element(By.ID, "cost-0")
    seconds = cost.find_element(By.CSS_SELECTOR, "[data-stat=seconds_per_chat]")
    assert float(seconds.get_attribute("data-value")) == pytest.approx(0.4)
    assert cost.find_element(By.CSS_SELECTOR, "[data-stat=cost_per_1000]").text == "$0.40"
    assert cost.find_element(By.CSS_SELECTOR, "[data-stat=prompt_tokens]").text == "175"
    # The two reply errors differ only in numbers: one bar of 2.
    assert _bars(browser, "errors-1") == {"reply: summary has N characters, more than N": 2}
    assert "== per sink ==" in browser.find_element(By.ID, "tally").text


def test_a_hostile_summary_shows_as_text_and_korean_renders(page, browser):
    from selenium.webdriver.common.by import By

    browser.get(page)
    table = browser.find_element(By.ID, "examples-review-0")
    summary = table.find_element(By.CSS_SELECTOR, "td[data-field=summary]")
    assert summary.text == XSS
    assert browser.execute_script("return window.__xss === undefined")
    assert browser.find_elements(By.CSS_SELECTOR, "table script, table img, svg script") == []
    # The RTL override in a reason is shown, not obeyed.
    reason = browser.find_element(By.CSS_SELECTOR, "#examples-errors-2 td[data-field=reason]")
    assert reason.text == "payload [U+202E]evil[U+202C] is not valid JSON"
    chats = browser.find_elements(By.CSS_SELECTOR,
                                  "#examples-results-0 td[data-field=chat_text]")
    assert [c.text for c in chats] == ["chat 1", "chat 2", KOREAN_CHAT]
    korean = browser.find_element(By.CSS_SELECTOR, "#examples-review-1 td[data-field=summary]")
    assert korean.text == KOREAN_SUMMARY
    assert browser.execute_script(
        "return document.fonts.check('12px \"Noto Sans CJK KR\"', arguments[0])",
        KOREAN_SUMMARY)
    assert "Noto Sans CJK KR" in korean.value_of_css_property("font-family")
    assert _size(browser, korean)[0] > 0
