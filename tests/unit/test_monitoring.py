"""Live monitoring per arm (`pipeline.monitoring`): window rows, their figures, and drift
alerts against the trailing baseline, on a stream whose sentiment mix shifts."""

import json

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue

from pipeline import monitoring
from pipeline.monitoring import (
    MonitorArms,
    WindowAggregate,
    binomial_p_value,
    drift_alerts,
    metrics_row,
    observation,
)


def _result(sentiment, arm="a", confidence=0.95, ms=800.0, at="2026-12-07T10:00:00+00:00"):
    return {"chat_id": 1, "sentiment": sentiment, "sentiment_confidence": confidence,
            "model_variant": arm, "inference_ms": ms, "prompt_tokens": 100,
            "generated_tokens": 20, "processed_at": at}


def _aggregate(observations):
    fn = WindowAggregate()
    acc = fn.create_accumulator()
    for o in observations:
        acc = fn.add_input(acc, o)
    return fn.extract_output(fn.merge_accumulators([acc, fn.create_accumulator()]))


def test_a_window_row_has_the_mix_rates_latency_and_tokens():
    obs = ([observation(_result(1), "results", 0.9)] * 2
           + [observation(_result(-1, confidence=0.6, ms=2500.0), "review", 0.9)]
           + [observation({"stage": "inference", "model_variant": "a",
                           "processed_at": "2026-12-07T10:00:01+00:00"}, "errors", 0.9)])
    row = metrics_row("a", _aggregate(obs), 0.0, 60.0, 0.9)
    assert (row["chats"], row["results"], row["review"], row["errors"]) == (4, 2, 1, 1)
    assert (row["positive"], row["neutral"], row["negative"]) == (2, 0, 1)
    assert row["negative_share"] == pytest.approx(1 / 3, abs=1e-6)
    assert row["low_confidence_share"] == pytest.approx(1 / 3, abs=1e-6)
    assert row["mean_confidence"] == pytest.approx((0.95 * 2 + 0.6) / 3, abs=1e-6)
    assert row["error_rate"] == 0.25 and row["review_rate"] == 0.25
    assert json.loads(row["errors_by_stage"]) == {"inference": 1}
    assert row["latency_p50_ms"] == 1000.0 and row["latency_p95_ms"] == 3000.0
    assert row["prompt_tokens"] == 300 and row["generated_tokens"] == 60
    assert row["chats_per_s"] == pytest.approx(4 / 60, abs=1e-6)
    assert row["window_start"] == "1970-01-01T00:00:00+00:00"


def test_a_batch_row_spans_its_records_and_claims_no_rate():
    obs = [observation(_result(0, at=at), "results", 0.9)
           for at in ("2026-12-07T10:00:00+00:00", "2026-12-07T10:00:30+00:00")]
    row = metrics_row("a", _aggregate(obs), None, None, 0.9)
    assert row["window_start"].startswith("2026-12-07T10:00:00")
    assert row["window_end"].startswith("2026-12-07T10:00:30")
    assert row["chats_per_s"] is None and row["negative_share"] == 0.0


def test_the_exact_binomial_test():
    """Known values: 9 of 10 at p 0.5 -> 0.021484375 (two-sided); the observed outcome's
    own probability counts; degenerate p."""
    assert binomial_p_value(9, 10, 0.5) == pytest.approx(0.021484375)
    assert binomial_p_value(5, 10, 0.5) == pytest.approx(1.0)
    assert binomial_p_value(0, 10, 0.0) == 1.0 and binomial_p_value(1, 10, 0.0) == 0.0
    assert binomial_p_value(3, 0, 0.3) == 1.0


def _row(start, negative, chats=40, p95=1000.0, arm="a"):
    acc = _aggregate([observation(_result(-1 if i < negative else 1, arm=arm, ms=p95 * 0.9),
                                  "review" if i < negative else "results", 0.9)
                      for i in range(chats)])
    return metrics_row(arm, acc, start, start + 60.0, 0.9)


def test_a_shifted_window_raises_an_alert_with_its_figures_and_a_steady_one_does_not():
    baseline = [_row(60.0 * i, negative=8) for i in range(4)]  # 20% negative
    assert drift_alerts(_row(240.0, negative=10), baseline, "now") == []
    alerts = drift_alerts(_row(240.0, negative=30), baseline, "now")
    assert [a["metric"] for a in alerts] == ["negative_share"]
    alert = alerts[0]
    assert alert["value"] == 0.75 and alert["baseline"] == 0.2
    assert alert["window_chats"] == 40 and alert["baseline_chats"] == 160
    assert alert["baseline_windows"] == 4 and alert["p_value"] < 0.001
    assert "binomial" in alert["rule"]


def test_too_little_to_compare_raises_nothing():
    assert drift_alerts(_row(240.0, negative=30), [_row(0.0, negative=2, chats=10)], "x") == []
    assert drift_alerts(_row(240.0, negative=5, chats=5), [_row(0.0, 8)] * 4, "x") == []


def test_latency_alert_when_p95_more_than_doubles():
    baseline = [_row(60.0 * i, negative=8, p95=1000.0) for i in range(3)]
    alerts = drift_alerts(_row(180.0, negative=8, p95=5000.0), baseline, "now")
    assert [a["metric"] for a in alerts] == ["latency_p95_ms"]
    assert alerts[0]["value"] == 5000.0 and alerts[0]["baseline"] == 1000.0


def _stream(shares_by_arm, per_window=40):
    """One TestStream (the DirectRunner takes one per pipeline) of output records of every
    arm, `per_window` a minute per arm at the given negative share per minute; the
    watermark passes each minute after its records."""
    stream = TestStream()
    minutes = len(next(iter(shares_by_arm.values())))
    for minute in range(minutes):
        events = []
        for arm, shares in shares_by_arm.items():
            negatives = round(shares[minute] * per_window)
            events += [TimestampedValue(_result(-1 if i < negatives else 0, arm=arm),
                                        minute * 60 + 1 + i * 0.5) for i in range(per_window)]
        stream = stream.add_elements(events).advance_watermark_to(minute * 60 + 60)
    return stream.advance_watermark_to_infinity()


def _monitor(shares_by_arm):
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    p = TestPipeline(options=options)
    records = p | "Stream" >> _stream(shares_by_arm)
    return p, {"results": records} | MonitorArms(60.0, 0.9)


def test_a_stream_whose_sentiment_mix_shifts_raises_an_alert_in_that_window_only():
    """Arm a: four steady minutes at 20% negative, then 80%: one alert, for minute 5 and
    arm a. Arm b stays at 20% throughout: none."""
    p, out = _monitor({"a": [0.2, 0.2, 0.2, 0.2, 0.8], "b": [0.2] * 5})
    with p:
        alerts = out["alerts"] | beam.Map(lambda a: (a["arm"], a["metric"],
                                                     a["window_start"], a["value"]))
        assert_that(alerts, equal_to([("a", "negative_share", "1970-01-01T00:04:00+00:00",
                                       0.8)]), label="alerts")
        windows = out["metrics"] | beam.Map(lambda r: (r["arm"], r["window_start"][11:16],
                                                       r["chats"], r["negative"]))
        expected = [(arm, f"00:0{m}", 40, 32 if (arm, m) == ("a", 4) else 8)
                    for arm in "ab" for m in range(5)]
        assert_that(windows, equal_to(expected), label="windows")


def test_a_window_reads_as_one_status_line():
    obs = ([observation(_result(1), "results", 0.9)] * 3
           + [observation(_result(-1, ms=2500.0), "review", 0.9)])
    line = monitoring.status_line(metrics_row("b", _aggregate(obs), 60.0, 120.0, 0.9))
    assert line == ("status 00:01:00-00:02:00 arm b: 4 chats (0.07/s), latency p50 1.0 s "
                    "p95 3.0 s, review 25%, errors 0%, negative 25%")
    empty = metrics_row("a", _aggregate([observation({"stage": "parse", "model_variant": "a",
                                                      "processed_at": None}, "errors", 0.9)]),
                        None, None, 0.9)
    assert monitoring.status_line(empty).endswith(
        "arm a: 1 chats, latency p50 - p95 -, review 0%, errors 100%, negative -")


def test_a_running_stream_reads_as_one_line_with_its_backlog():
    from local.stream import stream_status

    sent = {"m1": 100.0, "m2": 101.0, "m3": 102.0, "m4": 103.0}
    seen = {"m1": 102.0, "m2": 105.0, "m9": 1.0}  # m9: not this stream's
    sinks = {"results": [{}], "review": [{}], "errors": []}
    assert stream_status(sent, seen, sinks) == (
        "stream: published 4, done 2, backlog 2, 0.40 chats/s, latency p50 3.0 s p95 4.0 s, "
        "review 50%, errors 0%")
    assert "done 0, backlog 4, 0.00 chats/s, latency p50 - p95 -" in stream_status(sent, {},
                                                                                   sinks)
    twenty = {f"m{i}": 0.0 for i in range(1, 21)}
    seen = {f"m{i}": float(i) for i in range(1, 21)}
    assert "p50 10.5 s p95 19.0 s" in stream_status(twenty, seen, sinks)


def test_the_rules_are_data():
    drift = monitoring.rules()["drift"]
    assert drift["alpha"] < 0.01 and drift["baseline_secs"] >= 600


def test_the_demo_stream_renumbers_rounds_and_ends_with_the_negative_chats():
    from local.stream import stream_payloads

    lines = [json.dumps({"id": 1, "user_id": 5, "chat_message": "a"}).encode(),
             json.dumps({"id": 2, "user_id": 6, "chat_message": "b"}).encode(), b"not json"]
    out = stream_payloads(lines, 2, shift_to={2}, shift_repeats=2)
    ids = [json.loads(x)["id"] if x != b"not json" else None for x in out]
    assert ids == [1, 2, None, 100001, 100002, None, 200002, 300002]


@pytest.mark.parametrize("flag, value", [("--metrics_window_secs", "0"),
                                         ("--metrics_window_secs", "nan"),
                                         ("--metrics_table", "no-dataset"),
                                         ("--alerts_topic", "alerts")])
def test_bad_monitoring_flags_are_refused_by_name(flag, value, tmp_path, preset):
    from pipeline.options import OptionsError, validate_options

    chats = tmp_path / "c.jsonl"
    chats.write_text("{}\n")
    with pytest.raises(OptionsError) as refused:
        validate_options(PipelineOptions(["--input", str(chats), "--output_dir",
                                          str(tmp_path / "o"), "--model", preset, flag, value]))
    assert any(p.startswith(flag) for p in refused.value.problems), refused.value.problems
