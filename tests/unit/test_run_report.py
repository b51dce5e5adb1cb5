"""The run report page (`pipeline.run_report`) and `pipeline.run_summary --html`."""

import json
import re

import pytest

from pipeline import run_report, run_summary
from pipeline.run_report import collect, cost_per_1000, histogram, percentile, safe_text

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
RTL = "refund \u202edeliver\u202c ok"


def _row(chat_id, sentiment=1, arm="a", confidence=0.9, ms=1000.0, prompt=100, generated=20,
         **extra):
    return {"chat_id": chat_id, "user_id": 7, "chat_message": f"chat {chat_id}",
            "sentiment": sentiment, "summary": f"summary {chat_id}", "model_variant": arm,
            "sentiment_confidence": confidence, "inference_ms": ms, "prompt_tokens": prompt,
            "generated_tokens": generated, **extra}


def _review(chat_id, **kw):
    return {**_row(chat_id, sentiment=-1, **kw), "review_reason": "negative",
            "apology_draft": "We are sorry."}


def _error(chat_id, stage="parse", reason="user_id: Field required", arm=None):
    return {"chat_id": chat_id, "stage": stage, "reason": reason, "model_variant": arm}


def _run(results=(), review=(), errors=()):
    return {"results": list(results), "review": list(review), "errors": list(errors)}


PRICE = run_report.pricing(hourly_usd=1.44)


def test_safe_text_escapes_markup_quotes_and_shows_bidi_controls():
    """Markup and quotes are escaped, an RTL override is shown as [U+202E] (not obeyed), a
    lone surrogate and a control character become U+FFFD, line breaks stay."""
    assert "<" not in safe_text(XSS) and '"' not in safe_text(XSS)
    assert safe_text(XSS) == XSS.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;").replace('"', "&quot;")
    assert safe_text("it's") == "it&#x27;s"
    assert safe_text(RTL) == "refund [U+202E]deliver[U+202C] ok"
    assert safe_text("a\ud800b\x07c\nd") == "a\ufffdb\ufffdc\nd"
    assert safe_text(None) == "" and safe_text(12) == "12"


def test_safe_text_cuts_long_text_before_escaping():
    """A very long line is cut to the limit with an ellipsis; an entity is never split."""
    assert safe_text("x" * 1000, 10) == "x" * 9 + "…"
    assert safe_text("<" * 50, 5) == "&lt;" * 4 + "…"


def test_percentile_interpolates_between_ranks():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([10], 95) == 10
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([], 50) is None


def test_histogram_puts_the_top_value_in_the_last_bin_and_leaves_out_the_rest():
    assert histogram([0.0, 0.05, 0.1, 0.95, 1.0, 1.2, -0.1], 10, 0.0, 1.0) == [
        2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    with pytest.raises(ValueError, match="bins"):
        histogram([1.0], 0, 0.0, 1.0)
    with pytest.raises(ValueError, match="high above low"):
        histogram([1.0], 10, 1.0, 1.0)


def test_reasons_that_differ_in_numbers_or_quoted_text_are_grouped():
    """Numbers become N and quoted text '…', so alike reasons count as one bar."""
    assert run_report.reason_group("summary has 300 characters, more than 256") == \
        "summary has N characters, more than N"
    assert run_report.reason_group("sentiment 'x' is not a number") == \
        run_report.reason_group('sentiment "yy" is not a number')
    assert run_report.reason_group(None) == "(no reason)"
    assert len(run_report.reason_group("z" * 500)) == 80


def test_one_arm_counts_sentiments_confidences_tokens_and_model_time():
    """Rows of one batch call share its inference_ms: the call counts once, so two calls of
    1000 ms and 500 ms over three rows are 0.5 s of model time per chat."""
    run = _run(results=[_row(1, 1, ms=1000.0, confidence=0.95, prompt=100, generated=10),
                        _row(2, 0, ms=1000.0, confidence=0.55, prompt=200, generated=30)],
               review=[_review(3, ms=500.0, confidence=1.0, prompt=300, generated=20)])
    (arm,) = collect(run)
    assert arm.arm == "a" and arm.analyzed == 3
    assert dict(arm.sentiments) == {1: 1, 0: 1, -1: 1}
    assert histogram(arm.confidences, 10, 0.0, 1.0) == [0, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert arm.model_seconds_per_chat == pytest.approx(0.5)
    assert arm.mean("prompt_tokens") == 200 and arm.mean("generated_tokens") == 20
    assert cost_per_1000(0.5, 1.44) == pytest.approx(0.2)
    lines = run_report.cost_lines([arm], PRICE)
    assert "arm a: 3 chats timed, tokens per chat 200 prompt + 20 generated, 0.500 s of " \
           "model time per chat, $0.20 per 1,000 chats" in lines[-1]


def test_two_arms_get_a_section_each_and_errors_of_no_arm_their_own():
    run = _run(results=[_row(1, arm="a"), _row(2, arm="b"), _row(3, arm="b")],
               errors=[_error(9, stage="reply", reason="no JSON", arm="b"), _error(10)])
    arms = collect(run)
    assert [a.arm for a in arms] == ["a", "b", None]
    assert [a.analyzed for a in arms] == [1, 2, 0]
    assert arms[1].errors == {("reply", "no JSON"): 1}
    assert arms[2].errors == {("parse", "user_id: Field required"): 1}
    page = run_report.render_html(run, price=PRICE)
    assert re.findall(r'<section class="arm" id="(arm-\d)" data-arm="([^"]*)"', page) == [
        ("arm-0", "a"), ("arm-1", "b"), ("arm-2", "")]
    assert 'id="sentiment-0"' in page and 'id="sentiment-1"' in page
    assert 'id="sentiment-2"' not in page  # errors only: no sentiment chart for no arm
    assert '<td class="num" id="count-errors">2</td>' in page


def test_an_empty_run_says_so_and_draws_no_chart():
    page = run_report.render_html(_run(), price=PRICE)
    assert 'id="empty"' in page and "<svg" not in page
    assert collect(_run()) == []
    assert run_report.cost_lines([], PRICE)[-1] == "  no analyzed chats"


def test_missing_or_odd_fields_are_left_out_not_fatal():
    """A row without confidence, time or tokens (a copied file), or with a string, a bool or
    a NaN where a number belongs, is counted in its sink and sentiment and left out of the
    figures; an unknown sentiment is its own bar."""
    bare = {"chat_id": 1, "summary": "s"}
    odd = {"chat_id": 2, "sentiment": True, "sentiment_confidence": "0.9",
           "inference_ms": float("nan"), "prompt_tokens": True, "model_variant": 5}
    five, a = collect(_run(results=[bare], review=[odd]))
    assert (five.arm, a.arm) == ("5", "a")
    assert a.sentiments == {"other": 1} and five.sentiments == {"other": 1}
    assert all(not s.confidences and not s.latency_ms and not s.prompt_tokens
               for s in (a, five))
    assert a.model_seconds_per_chat is None
    page = run_report.render_html(_run(results=[bare], review=[odd]), price=PRICE)
    assert "no row carries it" in page and 'data-label="other"' in page
    assert "arm a: no row carries inference_ms" in run_report.cost_lines([a], PRICE)[-1]


def test_hostile_text_anywhere_in_a_record_is_shown_as_text():
    """A script in a summary, draft, chat, reason, stage or arm name never becomes markup,
    an RTL override is shown, a lone surrogate does not stop the page being written."""
    run = _run(results=[_row(1, summary=XSS, chat_message=RTL + "\ud800" + "y" * 5000,
                             model_variant=XSS)],
               review=[_review(2, apology_draft=XSS)],
               errors=[_error(3, stage=XSS, reason=XSS + RTL)])
    page = run_report.render_html(run, price=PRICE, tally=XSS, lost=[XSS], run_dir=XSS)
    assert "<script" not in page and "<img" not in page and 'onerror="' not in page
    assert "\u202e" not in page and "[U+202E]" in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert "y" * 5000 not in page  # long lines are cut
    page.encode("utf-8")  # no lone surrogate left


def test_the_review_threshold_is_marked_on_the_confidence_histogram():
    run = _run(results=[_row(1, confidence=0.8)])
    page = run_report.render_html(run, price=PRICE, review_threshold=0.6)
    assert re.search(r'<line class="mark"[^>]*data-value="0.6"', page)
    assert "review below 0.6" in page
    assert "review threshold not given" in run_report.render_html(run, price=PRICE)


def test_pricing_reads_the_data_file_or_takes_the_flag_and_names_the_flag_when_wrong():
    default = run_report.pricing()
    assert default.worker_type == run_report.default_worker_type() and default.assumed
    assert default.hourly_usd > 0 and "approximate" in default.basis
    custom = run_report.pricing("a2-highgpu-1g", 3.5)
    assert (custom.worker_type, custom.hourly_usd, custom.assumed) == ("a2-highgpu-1g", 3.5,
                                                                      False)
    with pytest.raises(ValueError, match="--worker_type 'nope' has no price"):
        run_report.pricing("nope")
    for bad in (0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="--worker_hourly_usd must be a positive"):
            run_report.pricing(hourly_usd=bad)


def _write_run(path, run):
    path.mkdir(exist_ok=True)
    for sink, rows in run.items():
        (path / f"{sink}-00000-of-00001.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows))


def test_summary_text_is_unchanged_without_html_or_a_price(tmp_path, capsys):
    run = _run(results=[_row(1)], review=[_review(2)], errors=[_error(3)])
    _write_run(tmp_path / "run", run)
    assert run_summary.main([str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert out == run_summary.render(run) + "\n"
    assert run_summary.main([str(tmp_path / "run"), "--worker_hourly_usd", "2"]) == 0
    assert "== model time and cost per chat" in capsys.readouterr().out


def test_summary_html_writes_the_page_and_prints_its_path(tmp_path, capsys):
    _write_run(tmp_path / "run", _run(results=[_row(1)], review=[_review(2)]))
    page = tmp_path / "new" / "report.html"
    assert run_summary.main([str(tmp_path / "run"), "--html", str(page),
                         "--review_below_confidence", "0.7"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"report page: {page}"
    assert any(line.startswith("  arm a: 2 chats timed") for line in out)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "== per sink ==" in text


@pytest.mark.parametrize("argv, message", [
    (["--worker_type", "nope"], "--worker_type 'nope' has no price"),
    (["--worker_hourly_usd", "-3"], "--worker_hourly_usd must be a positive"),
    (["--review_below_confidence", "1.5"], "--review_below_confidence must be within"),
    (["--html", ""], "--html must be a file path"),
])
def test_summary_refuses_bad_flags_with_exit_2(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exited:
        run_summary.main([str(tmp_path), *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
