"""Live monitoring per arm: windowed aggregates of what the pipeline wrote, and drift alerts.

Every record that reaches a sink (results, review, errors) is one chat observed by its arm
(`model_variant`; "none" for chats refused before an arm was assigned). `MonitorArms` groups
them per arm into fixed event-time windows (`--metrics_window_secs`; in batch, one window
per arm spanning the run) and writes one metrics row per window and arm
(`METRICS_TABLE_SCHEMA`): chats, per-sink counts, the sentiment mix, mean confidence and the
share below the low-confidence line, review and error rates (errors by stage), latency
p50/p95 (the inference batch that carried the chat), prompt and generated tokens, chats/s.
The same figures go to Beam metrics (distributions per arm, so Dataflow shows them in Cloud
Monitoring).

Drift: each arm's rows then pass a stateful check against the arm's trailing baseline (the
windows that ended in the hour before, `pipeline/data/monitoring.json`). A window whose
negative share, low-confidence share or error rate differs from the baseline's by a two-sided
exact binomial test at p < alpha, or whose latency p95 is more than twice the baseline
windows' median, yields an alert record (`ALERTS_TABLE_SCHEMA`) with the figures that
tripped it. Rows are checked in the order they arrive: in streaming, the order windows
close.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import os
import statistics
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.transforms.window import FixedWindows, GlobalWindows

from pipeline.metrics import NAMESPACE
from pipeline.schemas import _bq_field as _bq

__all__ = ["ALERTS_TABLE_SCHEMA", "METRICS_TABLE_SCHEMA", "MonitorArms", "NO_ARM",
           "WindowAggregate", "alert_insert_id", "binomial_p_value", "drift_alerts",
           "metrics_insert_id", "metrics_row", "observation", "percent", "rules", "status_line"]

NO_ARM = "none"  # chats refused before an arm was assigned (parse, dedup, read)
TAG_METRICS = "metrics"
TAG_ALERTS = "alerts"
_RULES_PATH = os.path.join(os.path.dirname(__file__), "data", "monitoring.json")


@functools.cache
def rules() -> dict[str, Any]:
    with open(_RULES_PATH, encoding="utf-8") as f:
        return json.load(f)


METRICS_TABLE_SCHEMA = {"fields": [
    _bq("window_start", "TIMESTAMP", "REQUIRED"), _bq("window_end", "TIMESTAMP", "REQUIRED"),
    _bq("arm", "STRING", "REQUIRED"), _bq("chats", "INT64", "REQUIRED"),
    _bq("results", "INT64"), _bq("review", "INT64"), _bq("errors", "INT64"),
    _bq("positive", "INT64"), _bq("neutral", "INT64"), _bq("negative", "INT64"),
    _bq("negative_share", "FLOAT64"), _bq("mean_confidence", "FLOAT64"),
    _bq("low_confidence_share", "FLOAT64"), _bq("low_confidence_below", "FLOAT64"),
    _bq("review_rate", "FLOAT64"), _bq("error_rate", "FLOAT64"),
    _bq("errors_by_stage", "STRING"), _bq("latency_p50_ms", "FLOAT64"),
    _bq("latency_p95_ms", "FLOAT64"), _bq("prompt_tokens", "INT64"),
    _bq("generated_tokens", "INT64"), _bq("chats_per_s", "FLOAT64"),
]}

ALERTS_TABLE_SCHEMA = {"fields": [
    _bq("arm", "STRING", "REQUIRED"), _bq("window_start", "TIMESTAMP", "REQUIRED"),
    _bq("window_end", "TIMESTAMP", "REQUIRED"), _bq("metric", "STRING", "REQUIRED"),
    _bq("value", "FLOAT64", "REQUIRED"), _bq("baseline", "FLOAT64", "REQUIRED"),
    _bq("window_chats", "INT64"), _bq("baseline_chats", "INT64"),
    _bq("baseline_windows", "INT64"), _bq("p_value", "FLOAT64"),
    _bq("rule", "STRING", "REQUIRED"), _bq("raised_at", "TIMESTAMP", "REQUIRED"),
]}


def observation(record: dict[str, Any], sink: str, low_below: float) -> dict[str, Any]:
    """What one output record tells the monitor: its arm, sink, sentiment, confidence, error
    stage, latency and tokens (a pure function of the record)."""
    confidence = record.get("sentiment_confidence")
    return {
        "arm": record.get("model_variant") or NO_ARM,
        "sink": sink,
        "sentiment": record.get("sentiment") if sink != "errors" else None,
        "confidence": confidence,
        "low": confidence is not None and confidence < low_below,
        "stage": record.get("stage") if sink == "errors" else None,
        "inference_ms": record.get("inference_ms"),
        "prompt_tokens": record.get("prompt_tokens") or 0,
        "generated_tokens": record.get("generated_tokens") or 0,
        "processed_at": record.get("processed_at"),
    }


class WindowAggregate(beam.CombineFn):
    """Observations of one arm in one window -> the counts a metrics row is made of (bounded
    size: latencies are kept as a histogram over `latency_edges_ms`)."""

    def create_accumulator(self):
        edges = rules()["latency_edges_ms"]
        return {"counts": Counter(), "stages": Counter(), "confidence_sum": 0.0,
                "latency": [0] * (len(edges) + 1), "first": None, "last": None}

    def add_input(self, acc, obs):
        counts = acc["counts"]
        counts["chats"] += 1
        counts[obs["sink"]] += 1
        if obs["sentiment"] is not None:
            counts["sentiments"] += 1
            counts[{1: "positive", 0: "neutral", -1: "negative"}.get(obs["sentiment"],
                                                                      "other")] += 1
        if obs["confidence"] is not None:
            counts["confidences"] += 1
            acc["confidence_sum"] += float(obs["confidence"])
            counts["low_confidence"] += bool(obs["low"])
        if obs["stage"]:
            acc["stages"][obs["stage"]] += 1
        if obs["inference_ms"] is not None:
            edges = rules()["latency_edges_ms"]
            acc["latency"][bisect.bisect_left(edges, float(obs["inference_ms"]))] += 1
        counts["prompt_tokens"] += int(obs["prompt_tokens"])
        counts["generated_tokens"] += int(obs["generated_tokens"])
        at = obs["processed_at"]
        if at:
            acc["first"] = at if acc["first"] is None else min(acc["first"], at)
            acc["last"] = at if acc["last"] is None else max(acc["last"], at)
        return acc

    def merge_accumulators(self, accumulators):
        merged = self.create_accumulator()
        for acc in accumulators:
            merged["counts"].update(acc["counts"])
            merged["stages"].update(acc["stages"])
            merged["confidence_sum"] += acc["confidence_sum"]
            merged["latency"] = [a + b for a, b in zip(merged["latency"], acc["latency"],
                                                       strict=True)]
            for key, pick in (("first", min), ("last", max)):
                values = [v for v in (merged[key], acc[key]) if v is not None]
                merged[key] = pick(values) if values else None
        return merged

    def extract_output(self, acc):
        return acc


def _quantile_ms(histogram: list[int], q: float) -> float | None:
    """The upper edge of the histogram bucket holding quantile `q` (the last edge for the
    open bucket); None for an empty histogram."""
    total = sum(histogram)
    if not total:
        return None
    edges = rules()["latency_edges_ms"]
    rank, seen = q * total, 0
    for i, count in enumerate(histogram):
        seen += count
        if seen >= rank and count:
            return float(edges[min(i, len(edges) - 1)])
    return float(edges[-1])


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def metrics_row(arm: str, acc: dict[str, Any], start: float | None, end: float | None,
                low_below: float) -> dict[str, Any]:
    """The metrics row of one arm and window (`METRICS_TABLE_SCHEMA`). `start`/`end`: the
    window's bounds in epoch seconds; None (batch: one window per run) takes the first and
    last `processed_at` of its records, and gives no `chats_per_s`."""
    counts = acc["counts"]
    windowed = start is not None and end is not None
    if not windowed:
        first, last = acc["first"], acc["last"]
        start = datetime.fromisoformat(first).timestamp() if first else 0.0
        end = datetime.fromisoformat(last).timestamp() if last else start
    chats = counts["chats"]
    return {
        "window_start": _iso(start), "window_end": _iso(end), "arm": arm, "chats": chats,
        "results": counts["results"], "review": counts["review"], "errors": counts["errors"],
        "positive": counts["positive"], "neutral": counts["neutral"],
        "negative": counts["negative"],
        "negative_share": _share(counts["negative"], counts["sentiments"]),
        "mean_confidence": (round(acc["confidence_sum"] / counts["confidences"], 6)
                            if counts["confidences"] else None),
        "low_confidence_share": _share(counts["low_confidence"], counts["confidences"]),
        "low_confidence_below": low_below,
        "review_rate": _share(counts["review"], chats),
        "error_rate": _share(counts["errors"], chats),
        "errors_by_stage": json.dumps(dict(sorted(acc["stages"].items()))),
        "latency_p50_ms": _quantile_ms(acc["latency"], 0.5),
        "latency_p95_ms": _quantile_ms(acc["latency"], 0.95),
        "prompt_tokens": counts["prompt_tokens"],
        "generated_tokens": counts["generated_tokens"],
        # Batch: records are stamped as they leave, in bursts: no rate over their span.
        "chats_per_s": round(chats / (end - start), 6) if windowed and end > start else None,
        # What the drift check reads and the sinks do not keep.
        "_counts": {k: counts[k] for k in ("sentiments", "negative", "confidences",
                                           "low_confidence", "errors", "chats")},
    }


def percent(share: float | None) -> str:
    """A share as a whole percentage ("25%"), or "-" when there is none."""
    return "-" if share is None else f"{100 * share:.0f}%"


def _seconds(ms: float | None) -> str:
    return "-" if ms is None else f"{ms / 1000:.1f} s"


def status_line(row: dict[str, Any]) -> str:
    """The one line a person watching a streaming job reads for one arm's window: chats and
    chats/s, inference latency p50/p95, review and error rates, the negative share."""
    rate = row.get("chats_per_s")
    return (f"status {str(row['window_start'])[11:19]}-{str(row['window_end'])[11:19]} arm "
            f"{row['arm']}: {row['chats']} chats"
            f"{'' if rate is None else f' ({rate:.2f}/s)'}, latency p50 "
            f"{_seconds(row.get('latency_p50_ms'))} p95 {_seconds(row.get('latency_p95_ms'))}, "
            f"review {percent(row.get('review_rate'))}, errors {percent(row.get('error_rate'))}, "
            f"negative {percent(row.get('negative_share'))}")


def binomial_p_value(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial test: the probability, under Binomial(n, p), of an outcome
    no more likely than k."""
    if n == 0:
        return 1.0
    if p <= 0.0:
        return 1.0 if k == 0 else 0.0
    if p >= 1.0:
        return 1.0 if k == n else 0.0
    log_pmf = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
               + i * math.log(p) + (n - i) * math.log1p(-p) for i in range(n + 1)]
    observed = log_pmf[k] + 1e-9  # ties within rounding count as "as extreme"
    return min(1.0, sum(math.exp(v) for v in log_pmf if v <= observed))


def drift_alerts(row: dict[str, Any], baseline: list[dict[str, Any]],
                 raised_at: str) -> list[dict[str, Any]]:
    """The alerts `row` raises against `baseline` (earlier windows of its arm), per the
    rules in `pipeline/data/monitoring.json`; empty when nothing drifted or there is too
    little to compare."""
    drift = rules()["drift"]
    alerts = []

    def alert(metric, value, base, p_value, rule, base_chats):
        alerts.append({"arm": row["arm"], "window_start": row["window_start"],
                       "window_end": row["window_end"], "metric": metric,
                       "value": round(value, 6), "baseline": round(base, 6),
                       "window_chats": row["chats"], "baseline_chats": base_chats,
                       "baseline_windows": len(baseline), "p_value": p_value, "rule": rule,
                       "raised_at": raised_at})

    for metric, (part, whole) in drift["shares"].items():
        n, k = row["_counts"][whole], row["_counts"][part]
        base_n = sum(b["_counts"][whole] for b in baseline)
        base_k = sum(b["_counts"][part] for b in baseline)
        if n < drift["min_window_chats"] or base_n < drift["min_baseline_chats"]:
            continue
        p0 = base_k / base_n
        p_value = binomial_p_value(k, n, p0)
        if p_value < drift["alpha"]:
            alert(metric, k / n, p0, float(f"{p_value:.3g}"),
                  f"two-sided exact binomial test against the trailing "
                  f"{drift['baseline_secs']} s: p < {drift['alpha']}", base_n)
    p95s = [b["latency_p95_ms"] for b in baseline if b.get("latency_p95_ms") is not None]
    current = row.get("latency_p95_ms")
    if current is not None and len(p95s) >= drift["min_baseline_windows"]:
        median = statistics.median(p95s)
        if median > 0 and current > drift["latency_p95_ratio"] * median:
            alert("latency_p95_ms", current, median, None,
                  f"p95 more than {drift['latency_p95_ratio']}x the median p95 of the "
                  f"trailing {drift['baseline_secs']} s", None)
    return alerts


def metrics_insert_id(row: dict[str, Any]) -> str:
    """A deterministic BigQuery insertId per window and arm (a retried bundle repeats it)."""
    return f"metrics-{row['arm']}-{row['window_start']}"


def alert_insert_id(alert: dict[str, Any]) -> str:
    return f"alert-{alert['arm']}-{alert['window_start']}-{alert['metric']}"


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}


class _MetricsRowFn(beam.DoFn):
    def __init__(self, low_below: float, windowed: bool):
        self._low_below = low_below
        self._windowed = windowed

    def process(self, element, window=beam.DoFn.WindowParam):
        arm, acc = element
        start = end = None
        if self._windowed:
            start, end = float(window.start), float(window.end)
        row = metrics_row(arm, acc, start, end, self._low_below)
        for figure in ("negative_share", "low_confidence_share", "error_rate", "review_rate"):
            if row[figure] is not None:
                Metrics.distribution(NAMESPACE, f"window_{figure}_permille_{arm}").update(
                    int(round(1000 * row[figure])))
        if row["latency_p95_ms"] is not None:
            Metrics.distribution(NAMESPACE, f"window_latency_p95_ms_{arm}").update(
                int(row["latency_p95_ms"]))
        Metrics.distribution(NAMESPACE, f"window_chats_{arm}").update(row["chats"])
        yield row


class _DriftFn(beam.DoFn):
    """Per arm (keyed), the rows of the trailing baseline in state; each new row is checked
    against the rows that ended before it started, within `baseline_secs`."""

    ROWS = ReadModifyWriteStateSpec("rows", PickleCoder())

    def process(self, element, rows=beam.DoFn.StateParam(ROWS)):
        _, row = element
        drift = rules()["drift"]
        # (start, end in epoch seconds, row): each row's bounds parsed once, when it arrives.
        kept = rows.read() or []
        start = datetime.fromisoformat(row["window_start"]).timestamp()
        end = datetime.fromisoformat(row["window_end"]).timestamp()
        baseline = [r for s, e, r in kept if e <= start and s >= start - drift["baseline_secs"]]
        raised_at = datetime.now(UTC).isoformat()
        for alert in drift_alerts(row, baseline, raised_at):
            Metrics.counter(NAMESPACE, f"alerts_{alert['metric']}_{row['arm']}").inc()
            yield alert
        newest = max([start] + [s for s, _, _ in kept])
        rows.write([k for k in kept + [(start, end, row)]
                    if k[0] >= newest - drift["baseline_secs"]])


class MonitorArms(beam.PTransform):
    """The pipeline's outputs ({sink name: PCollection}) -> {"metrics": one row per window
    and arm, "alerts": drift alerts}."""

    def __init__(self, window_secs: float | None, low_below: float | None = None):
        super().__init__()
        self._window_secs = window_secs
        self._low_below = rules()["low_confidence_below"] if low_below is None else low_below

    def expand(self, outputs):
        observed = [pcoll | f"Observe_{sink}" >> beam.Map(observation, sink, self._low_below)
                    for sink, pcoll in sorted(outputs.items())]
        merged = observed | "MergeObservations" >> beam.Flatten()
        window = (FixedWindows(self._window_secs) if self._window_secs else GlobalWindows())
        rows = (merged
                | "Window" >> beam.WindowInto(window)
                | "KeyByArm" >> beam.Map(lambda o: (o["arm"], o))
                | "AggregatePerArm" >> beam.CombinePerKey(WindowAggregate())
                | "MetricsRow" >> beam.ParDo(_MetricsRowFn(self._low_below,
                                                           bool(self._window_secs))))
        alerts = (rows
                  | "OneBaselinePerArm" >> beam.WindowInto(GlobalWindows())
                  | "KeyRowsByArm" >> beam.Map(lambda r: (r["arm"], r)).with_output_types(
                      tuple[str, dict[str, Any]])
                  | "CheckDrift" >> beam.ParDo(_DriftFn()))
        return {TAG_METRICS: rows | "DropInternals" >> beam.Map(_public),
                TAG_ALERTS: alerts}
