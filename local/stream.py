"""The streaming pipeline against the local emulators: set up, publish, account, tear down.

Used by `make demo-stream` (`python -m local.stream`) and the streaming integration test.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import sys
import threading
import time
from datetime import datetime

from local import cloud_env, direct_runner
from local.servers import local_servers
from pipeline import logs
from pipeline.monitoring import percent

__all__ = ["StreamingRun"]

_LOGGER = logging.getLogger(__name__)

DATASET = "chats"


class StreamingRun:
    """Runs the production pipeline in streaming mode on the BundleBasedDirectRunner
    (configured by `local.direct_runner`), reading the Pub/Sub emulator and writing BigQuery
    (emulator) and Pub/Sub topics."""

    def __init__(self, env: dict[str, str], model: str, extra_argv: tuple[str, ...] = (),
                 handler_factory=None, feedback: bool = True):
        self.env = env
        # The review app's decisions: read from the feedback topic into the feedback table,
        # beside the review table they join by chat_id (off in the throughput benchmarks).
        self.feedback = feedback
        self.project = env["PROJECT"]
        self.model = model
        self.extra_argv = list(extra_argv)
        self.handler_factory = handler_factory
        self.result = None
        self.publisher = None
        self.started_at = 0.0

    def _topic(self, name: str) -> str:
        return f"projects/{self.project}/topics/{name}"

    def prepare(self) -> None:
        """Creates the topics, subscriptions and tables, and the clients (once)."""
        if self.publisher is not None:
            return
        cloud_env.use_emulators(self.env)
        cloud_env.create_resources(
            self.project, ["chats", "review", "errors", "feedback"],
            {"chats-sub": "chats", "review-sub": "review", "errors-sub": "errors",
             "feedback-sub": "feedback"},
            DATASET, {"results": "results", "review": "review", "feedback": "feedback",
                      "metrics": "metrics", "alerts": "alerts"})
        from google.cloud import pubsub_v1

        self.publisher = pubsub_v1.PublisherClient()
        self.subscriber = pubsub_v1.SubscriberClient()
        self.bq = cloud_env.bigquery_client(self.project)

    def start(self) -> None:
        """Starts the pipeline (preparing first if needed); returns once it runs."""
        from pipeline.pipeline import run

        self.prepare()
        direct_runner.configure()
        argv = [
            "--input_subscription", f"projects/{self.project}/subscriptions/chats-sub",
            "--output_table", f"{self.project}:{DATASET}.results",
            "--review_topic", self._topic("review"),
            "--error_topic", self._topic("errors"),
            "--metrics_table", f"{self.project}:{DATASET}.metrics",
            "--alerts_table", f"{self.project}:{DATASET}.alerts",
            "--model", self.model,
            "--create_tables", "false",
            "--runner", "BundleBasedDirectRunner",
            "--streaming",
            *self.extra_argv,
        ]
        if self.feedback:
            argv += [
                "--review_table", f"{self.project}:{DATASET}.review",
                "--feedback_subscription", f"projects/{self.project}/subscriptions/feedback-sub",
                "--feedback_table", f"{self.project}:{DATASET}.feedback",
            ]
        self.started_at = time.monotonic()
        self.result = run(argv, wait=False, handler_factory=self.handler_factory)

    def publish(self, payloads: list[bytes], rate_per_s: float | None = None,
                sent: dict[str, float] | None = None, topic: str = "chats") -> dict[str, float]:
        """Publishes payloads to `topic`, at `rate_per_s` if given; fills and returns `sent`:
        message id -> publish time (wall-clock seconds, when it was handed to the client)."""
        sent = {} if sent is None else sent
        topic = self.publisher.topic_path(self.project, topic)
        start = time.monotonic()
        for i, payload in enumerate(payloads):
            if rate_per_s:
                time.sleep(max(0.0, start + i / rate_per_s - time.monotonic()))
            published_at = time.time()
            future = self.publisher.publish(topic, payload)
            sent[future.result(timeout=30)] = published_at
        return sent

    def _pull(self, sub: str) -> list[dict]:
        path = self.subscriber.subscription_path(self.project, sub)
        response = self.subscriber.pull(subscription=path, max_messages=500, timeout=5,
                                        return_immediately=True)
        if response.received_messages:
            self.subscriber.acknowledge(subscription=path,
                                        ack_ids=[m.ack_id for m in response.received_messages])
        return [json.loads(m.message.data) for m in response.received_messages]

    def collect(self, expected_ids, timeout: float = 240.0,
                publishing: threading.Thread | None = None,
                status_every_secs: float = 30.0) -> dict[str, list[dict]]:
        """Polls the three sinks until every expected message id is seen (and `publishing`,
        the thread still adding to `expected_ids`, has finished), or timeout. Every
        `status_every_secs` it logs one `stream_status` line (when `expected_ids` is the
        publish-time map `publish` fills)."""
        out = {"results": [], "review": [], "errors": []}
        seen_at: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        next_status = time.monotonic() + status_every_secs
        while time.monotonic() < deadline:
            if time.monotonic() >= next_status and isinstance(expected_ids, dict):
                _LOGGER.info("%s", stream_status(dict(expected_ids), seen_at, out))
                next_status += status_every_secs
            state = getattr(self.result, "state", None)
            if state in ("FAILED", "CANCELLED", "DONE"):
                raise RuntimeError(f"the streaming pipeline stopped ({state}) before every "
                                   "message was accounted for")
            for sink, sub in (("review", "review-sub"), ("errors", "errors-sub")):
                for record in self._pull(sub):
                    out[sink].append(record)
                    seen_at.setdefault(record.get("message_id"), time.time())
            out["results"] = self.table("results")
            for row in out["results"]:
                seen_at.setdefault(row.get("message_id"), time.time())
            done_publishing = publishing is None or not publishing.is_alive()
            if done_publishing and set(expected_ids) <= set(seen_at):
                break
            time.sleep(0.5)
        self.seen_at = seen_at
        return out

    def table(self, name: str) -> list[dict]:
        """Every row of a table of the run's dataset."""
        # A query, not list_rows: bqemulator 1.4.0's tabledata.list leaves its DuckDB
        # connection busy, and every later insertAll then fails with a 500.
        return [dict(r) for r in self.bq.query(
            f"SELECT * FROM `{self.project}.{DATASET}.{name}`").result()]

    def collect_feedback(self, expected_ids, timeout: float = 120.0) -> dict[str, list[dict]]:
        """Polls the feedback table and the error topic until every expected feedback message
        id is seen in one of them, or timeout."""
        out = {"feedback": [], "errors": []}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = getattr(self.result, "state", None)
            if state in ("FAILED", "CANCELLED", "DONE"):
                raise RuntimeError(f"the streaming pipeline stopped ({state})")
            out["errors"].extend(self._pull("errors-sub"))
            out["feedback"] = self.table("feedback")
            seen = {r.get("message_id") for records in out.values() for r in records}
            if set(expected_ids) <= seen:
                break
            time.sleep(0.5)
        return out

    def collect_metrics(self, chats: int, timeout: float) -> dict[str, list[dict]]:
        """Polls the metrics table until its windows account for `chats` chats (the last
        window closes once the watermark passes its end), or timeout; returns the metrics
        and alerts tables."""
        deadline = time.monotonic() + timeout
        rows: list[dict] = []
        while time.monotonic() < deadline:
            rows = self.table("metrics")
            if sum(r["chats"] for r in rows) >= chats:
                break
            time.sleep(1.0)
        return {"metrics": rows, "alerts": self.table("alerts")}

    def stop(self) -> None:
        """Cancels the pipeline (the configured runner's read never blocks, so cancel()
        returns within a bundle)."""
        if self.result is None:
            return
        canceller = threading.Thread(target=self.result.cancel, daemon=True)
        canceller.start()
        canceller.join(timeout=60)
        self.result = None


def account(sent: dict[str, float], sinks: dict[str, list[dict]]) -> dict[str, object]:
    """Per published message id, how many outputs it produced (must be exactly one)."""
    counts: dict[str, int] = dict.fromkeys(sent, 0)
    for records in sinks.values():
        for record in records:
            mid = record.get("message_id")
            if mid in counts:
                counts[mid] += 1
    lost = [m for m, c in counts.items() if c == 0]
    duplicated = [m for m, c in counts.items() if c > 1]
    return {"published": len(sent), "lost": lost, "duplicated": duplicated}


def stream_status(sent: dict[str, float], seen_at: dict[str, float],
                  sinks: dict[str, list[dict]]) -> str:
    """One line on a running stream: published, done, backlog (published, not yet in a
    sink), outputs/s since the first publish, latency p50/p95 (publish to first seen) of the
    chats done, review and error rates."""
    done = [seen_at[m] - t for m, t in sent.items() if m in seen_at]
    backlog = len(sent) - len(done)
    span = (max(seen_at[m] for m in sent if m in seen_at) - min(sent.values())) if done else 0
    lat = sorted(done)
    outputs = sum(len(v) for v in sinks.values())

    def share(sink: str) -> str:
        return percent(len(sinks[sink]) / outputs if outputs else None)

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} s"

    # Nearest rank: the smallest latency at or above 95% of the chats done.
    p95 = lat[max(0, math.ceil(0.95 * len(lat)) - 1)] if lat else None
    return (f"stream: published {len(sent)}, done {len(done)}, backlog {backlog}, "
            f"{len(done) / span if span > 0 else 0:.2f} chats/s, latency p50 "
            f"{seconds(statistics.median(lat) if lat else None)} p95 {seconds(p95)}, "
            f"review {share('review')}, errors {share('errors')}")


def _latencies(run: StreamingRun, sent: dict[str, float]) -> list[float]:
    return sorted(run.seen_at[m] - t for m, t in sent.items() if m in run.seen_at)


def measure(run: StreamingRun, payloads: list[bytes], rate: float | None,
            timeout: float) -> tuple[dict[str, list[dict]], dict[str, object]]:
    """Publishes `payloads` at `rate`/s (None: as fast as the emulator takes them), collects
    every output, and returns (sinks, figures): the accounting plus throughput (outputs/s
    from the first publish to the last output) and latency percentiles (publish to first
    seen in a sink, at the collector's 0.5 s polling resolution)."""
    sent: dict[str, float] = {}
    done: list[float] = []
    failed: list[BaseException] = []

    def publish() -> None:
        try:
            run.publish(payloads, rate_per_s=rate, sent=sent)
            done.append(time.time())
        except BaseException as e:  # re-raised below, in the caller's thread
            failed.append(e)

    # Outputs are collected while publishing goes on, so latency is not inflated by the
    # publishing time.
    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    sinks = run.collect(sent, timeout=timeout, publishing=publisher)
    publisher.join()
    if failed:
        raise RuntimeError(f"publishing failed after {len(sent)} messages") from failed[0]
    publish_done = done[0]
    figures = account(sent, sinks)
    lat = _latencies(run, sent)
    if lat:
        span = max(run.seen_at[m] for m in sent if m in run.seen_at) - min(sent.values())
        figures.update(
            seen=len(lat), span_s=span, chats_per_s=len(lat) / span,
            p50_s=statistics.median(lat), p99_s=lat[min(len(lat) - 1, int(0.99 * len(lat)))],
            drain_s=max(run.seen_at[m] for m in sent if m in run.seen_at) - publish_done)
    return sinks, figures


def demo_feedback(run: StreamingRun, reviewed: list[dict], timeout: float) -> dict:
    """A scripted reviewer's decisions on the review topic's chats, made by the review app's
    own `decide`: approve the draft of a negative chat, reject one sent for low confidence.
    They are published to the feedback topic, which the running job ingests; returns the
    feedback table joined with the review table by chat_id, and the refused records."""
    from review.feedback import ReviewItem, decide

    payloads = []
    for record in reviewed:
        item = ReviewItem.model_validate(record)
        decision = "approve" if item.review_reason == "negative" else "reject"
        payloads.append(decide(item, decision, "demo-reviewer", 1).model_dump_json().encode())
    sent = run.publish(payloads, topic="feedback")
    out = run.collect_feedback(set(sent), timeout=timeout)
    model = {r["chat_id"]: r for r in run.table("review")}
    joined = [{**model[f["chat_id"]], **f} for f in sorted(
        out["feedback"], key=lambda f: (f["chat_id"], f["sequence"])) if f["chat_id"] in model]
    return {"joined": joined, "errors": [e for e in out["errors"] if e["stage"] == "feedback"]}


def negative_ids(labels_path: str) -> set[int]:
    """The chat ids a labels file (`{"labels": {"id": sentiment}}`) marks negative."""
    with open(labels_path, encoding="utf-8") as f:
        labels = json.load(f)["labels"]
    return {int(k) for k, v in labels.items() if v == -1}


def stream_payloads(lines: list[bytes], rounds: int, shift_to: set[int] | None = None,
                    shift_repeats: int = 3) -> list[bytes]:
    """The demo's stream: `lines` `rounds` times, each later round with fresh chat ids
    (id + 100000 x round; lines that are not chats stay as they are); with `shift_to`, then
    `shift_repeats` more rounds of only the chats with those ids: the mix shifts."""
    def renumbered(line: bytes, n: int, keep=None) -> bytes | None:
        try:
            chat = json.loads(line)
            chat_id = chat["id"]
        except (ValueError, TypeError, KeyError):
            return line if keep is None else None
        if keep is not None and chat_id not in keep:
            return None
        if n and isinstance(chat_id, int) and not isinstance(chat_id, bool):
            chat["id"] = chat_id + 100000 * n
        return json.dumps(chat, ensure_ascii=False).encode() if n else line

    out = [renumbered(line, n) for n in range(rounds) for line in lines]
    if shift_to is not None:
        out += [renumbered(line, rounds + k, shift_to) for k in range(shift_repeats)
                for line in lines]
    return [line for line in out if line is not None]


def _print_table(rows: list[dict]) -> None:
    cols = ("chat_id", "user_id", "sentiment", "sentiment_confidence", "model_variant", "summary")
    print(" | ".join(cols))
    for r in sorted(rows, key=lambda r: r["chat_id"]):
        values = [str(r.get(c))[:60] for c in cols]
        print(" | ".join(values))


def main(argv: list[str] | None = None) -> int:
    argv, level, verbose = logs.pop_verbosity(sys.argv[1:] if argv is None else list(argv))
    logs.configure(level, verbose)
    parser = argparse.ArgumentParser(description="Streaming demo on the local emulators "
                                     "(-v: every library's log lines).")
    parser.add_argument("--input", default="samples/chats.jsonl")
    parser.add_argument("--model", default="models/demo-gemma")
    parser.add_argument("--rate", type=float, default=4.0, help="publish rate, messages/s")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds to wait for every chat's output after publishing starts "
                             "(default 600; a slow machine with many negative chats needs it)")
    parser.add_argument("--compilation_cache_dir", default=".jax_cache",
                        help="persistent JAX compilation cache: a second run skips compiles")
    parser.add_argument("--rounds", type=int, default=1,
                        help="publish the input this many times, each round with fresh chat "
                        "ids (a longer stream, several monitoring windows). Default: 1.")
    parser.add_argument("--shift", action="store_true",
                        help="end the stream with a round of only the chats --labels marks "
                        "negative, three times over: the sentiment mix shifts, and the "
                        "monitor raises a drift alert for that window")
    parser.add_argument("--labels", default="samples/labels.json",
                        help="chat id -> sentiment, for --shift")
    parser.add_argument("--metrics_window_secs", type=float, default=15.0,
                        help="the monitoring window of the run (the pipeline's default is 60; "
                        "the demo's stream is short). Default: 15.")
    args = parser.parse_args(argv)
    with open(args.input, "rb") as f:
        lines = [line.rstrip(b"\n") for line in f if line.strip()]
    payloads = stream_payloads(lines, args.rounds, shift_to=(
        negative_ids(args.labels) if args.shift else None))
    t0 = time.monotonic()
    with local_servers() as env:
        servers_s = time.monotonic() - t0
        run = StreamingRun(env, args.model, extra_argv=(
            "--compilation_cache_dir", os.path.abspath(args.compilation_cache_dir),
            "--metrics_window_secs", str(args.metrics_window_secs)))
        try:
            run.start()
            sinks, summary = measure(run, payloads, args.rate, args.timeout)
            feedback = demo_feedback(run, sinks["review"], args.timeout)
            monitored = run.collect_metrics(summary["published"],
                                            timeout=3 * args.metrics_window_secs + 30)
        finally:
            run.stop()
    print(f"\n== BigQuery {DATASET}.results ({len(sinks['results'])} rows) ==")
    _print_table(sinks["results"])
    print(f"\n== review topic ({len(sinks['review'])} messages) ==")
    for r in sinks["review"]:
        print(f"#{r['chat_id']} [{r['review_reason']}] {r['summary'][:70]!r}\n"
              f"    apology: {r['apology_draft'][:90]!r}")
    print(f"\n== errors topic ({len(sinks['errors'])} messages) ==")
    for r in sinks["errors"]:
        print(f"#{r['chat_id']} {r['stage']}: {r['reason'][:90]}")
    print(f"\n== BigQuery {DATASET}.feedback joined with {DATASET}.review by chat_id "
          f"({len(feedback['joined'])} rows; {len(feedback['errors'])} refused) ==")
    for row in feedback["joined"]:
        print(f"#{row['chat_id']} decision {row['sequence']}: {row['decision']} by "
              f"{row['reviewer']}; model said {row['sentiment']} ({row['review_reason']}); "
              f"reply: {str(row['final_reply'])[:60]!r}")
    print(f"\n== BigQuery {DATASET}.metrics: {len(monitored['metrics'])} rows, one per "
          f"{args.metrics_window_secs:g} s window and arm ==")
    for r in sorted(monitored["metrics"], key=lambda r: (str(r["window_start"]), r["arm"])):
        print(f"{str(r['window_start'])[11:19]} arm {r['arm']}: {r['chats']} chats, negative "
              f"{percent(r['negative_share'])}, low confidence "
              f"{percent(r['low_confidence_share'])}, "
              f"errors {percent(r['error_rate'])}, p95 {r['latency_p95_ms']} ms")
    alerts = monitored["alerts"]
    print(f"\n== BigQuery {DATASET}.alerts: {len(alerts)} drift alert(s) ==")
    for a in alerts:
        print(f"{str(a['window_start'])[11:19]} arm {a['arm']}: {a['metric']} {a['value']} "
              f"against {a['baseline']} over {a['baseline_chats']} chats, p {a['p_value']}")
    print("\n== accounting ==")
    print(f"published {summary['published']}, results {len(sinks['results'])}, review "
          f"{len(sinks['review'])}, errors {len(sinks['errors'])}, not seen within "
          f"--timeout {args.timeout:g}s (in flight or lost) {len(summary['lost'])}, "
          f"duplicated {len(summary['duplicated'])}")
    if "p50_s" in summary:
        print(f"emulators ready in {servers_s:.1f}s; publish rate {args.rate}/s; "
              f"throughput {summary['chats_per_s']:.2f} chats/s over {summary['span_s']:.1f}s; "
              f"latency p50 {summary['p50_s']:.2f}s p99 {summary['p99_s']:.2f}s; "
              f"last output {summary['drain_s']:.1f}s after last publish")
    print(f"finished at {datetime.now().isoformat(timespec='seconds')}; emulators stopped")
    return 0 if not summary["lost"] and not summary["duplicated"] else 1


if __name__ == "__main__":
    sys.exit(main())
