"""Streaming figures on the local runner (BundleBasedDirectRunner) and emulators.

    python -m bench.stream [--instant_chats 600] [--rate 4]
        [--latency_models models/small-gemma,models/demo-gemma]

* `stream_chats_per_s`: the production pipeline with an instant model (`bench.instant`),
  messages published as fast as the emulator takes them: what the pipeline and the local
  runner cost around inference. Baseline in the same run: a minimal pipeline on the same
  runner and emulator (read the subscription, publish each message's id to a topic), the
  runner's own floor; the ratio says how much of it the product keeps.
* `stream_instant_latency_p50_s`: the pipeline's own latency, instant model at `--rate`.
* `stream_latency_p50_s[model]`: each real model at `--rate` messages/s on the sample
  chats, publish to first output; p99 and throughput with it.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from bench.common import metric
from local.servers import local_servers
from local.stream import StreamingRun, account, measure

__all__ = ["bench_stream"]


class _MinimalRun(StreamingRun):
    """The runner's floor: ReadFromPubSub -> Map -> publish {"message_id"} to the review
    topic, on the same runner and emulator as the product (the product also writes the
    BigQuery emulator; the floor does not, so the ratio charges that write to the product)."""

    def start(self) -> None:
        from local import direct_runner
        from pipeline.sinks import PublishJson

        self.prepare()
        direct_runner.configure()
        options = PipelineOptions(["--runner", "BundleBasedDirectRunner", "--streaming"])
        p = beam.Pipeline(options=options)
        (p
         | beam.io.ReadFromPubSub(
             subscription=f"projects/{self.project}/subscriptions/chats-sub",
             with_attributes=True)
         | beam.Map(lambda m: {"message_id": m.message_id, "size": len(m.data)})
         | PublishJson(self._topic("review")))
        self.result = p.run()


def synthetic_payloads(n: int, seed: int = 5) -> list[bytes]:
    """`n` well-formed chats (the benchmarks' synthetic chats), as Pub/Sub payloads."""
    from bench.common import chats

    return [json.dumps({k: e[k] for k in ("id", "user_id", "chat_message")},
                       ensure_ascii=False).encode() for e in chats(n, seed=seed)]


def drain(run: StreamingRun, payloads: list[bytes], timeout: float) -> dict:
    """Publishes `payloads` as a backlog before the pipeline starts, then times how fast the
    pipeline works it off: chats/s between the first and the last output (start-up and the
    publisher excluded; a publisher in this process would compete for the GIL)."""
    try:
        run.prepare()
        sent = run.publish(payloads)
        run.start()
        sinks = run.collect(set(sent), timeout=timeout)
    finally:
        run.stop()
    figures = _checked(account(sent, sinks))
    # Outputs are seen at the collector's polls: what the first poll saw was produced before
    # it (in unknown time), so the rate counts only what later polls saw, over their span.
    seen = sorted(run.seen_at[m] for m in sent if m in run.seen_at)
    polls = sorted(set(seen))
    if len(polls) < 3:
        raise RuntimeError(f"the backlog drained within {len(polls)} polls: publish more "
                           "chats for a meaningful rate")
    after_first = sum(t > polls[0] for t in seen)
    figures["chats_per_s"] = after_first / (polls[-1] - polls[0])
    return figures


def paced(run: StreamingRun, payloads: list[bytes], rate: float, timeout: float,
          warmup: int = 3) -> dict:
    """Publishes at `rate`/s into a running, warmed-up pipeline; latency figures from
    `measure`. Warm-up: `warmup` chats (distinct ids) go through first and their outputs are
    awaited, so model loading and the first compiles are not in the figures."""
    try:
        run.start()
        warm = [json.dumps({"id": 900_000 + i, "user_id": 900_000 + i, "chat_message":
                            "warm-up: my order arrived late and the box was broken"}).encode()
                for i in range(warmup)]
        _checked(measure(run, warm, None, timeout)[1])
        _, figures = measure(run, payloads, rate, timeout)
    finally:
        run.stop()
    return _checked(figures)


def _checked(figures: dict) -> dict:
    if figures["lost"] or figures["duplicated"]:
        raise RuntimeError(f"{len(figures['lost'])} lost, {len(figures['duplicated'])} "
                           "duplicated: the figures would be wrong")
    return figures


def bench_stream(instant_chats: int, latency_models: list[str], chats_path: str,
                 rate: float, timeout: float = 900.0) -> dict:
    from bench.instant import instant_factory

    payloads = synthetic_payloads(instant_chats)
    with local_servers() as env:
        floor = drain(_MinimalRun(env, "unused"), payloads, timeout)
    with local_servers() as env:
        ours = drain(StreamingRun(env, "unused", handler_factory=instant_factory,
                                  feedback=False), payloads, timeout)
    with local_servers() as env:
        instant_paced = paced(StreamingRun(env, "unused", handler_factory=instant_factory,
                                           feedback=False), payloads[:100], rate, timeout)
    metric("stream_chats_per_s", ours["chats_per_s"],
           f"a backlog of {instant_chats} chats worked off, instant model, configured "
           "BundleBasedDirectRunner; goal >= 20")
    metric("stream_runner_floor_chats_per_s", floor["chats_per_s"],
           "minimal read -> map -> publish pipeline, same runner, emulator and backlog")
    metric("stream_vs_runner_floor", ours["chats_per_s"] / floor["chats_per_s"],
           "the product's share of the runner's own throughput")
    metric("stream_instant_latency_p50_s", instant_paced["p50_s"],
           f"instant model, 100 chats at {rate}/s: the pipeline's own latency, of which up "
           f"to 1 s is the batch flush timer; p99 {instant_paced['p99_s']:.1f}s")
    out = {"stream_chats_per_s": ours["chats_per_s"],
           "stream_runner_floor_chats_per_s": floor["chats_per_s"],
           "stream_vs_runner_floor": ours["chats_per_s"] / floor["chats_per_s"],
           "stream_instant_latency_p50_s": instant_paced["p50_s"],
           "stream_instant_latency_p99_s": instant_paced["p99_s"]}
    with open(chats_path, "rb") as f:
        chats = [line.rstrip(b"\n") for line in f if line.strip()]
    for model in latency_models:
        with local_servers() as env:
            real = paced(StreamingRun(env, model, extra_argv=(
                "--compilation_cache_dir", os.path.abspath(".jax_cache")), feedback=False),
                chats, rate, timeout)
        name = os.path.basename(model.rstrip("/"))
        metric(f"stream_latency_p50_s[{name}]", real["p50_s"],
               f"{len(chats)} chats of {chats_path} at {rate}/s after a warm-up; p99 "
               f"{real['p99_s']:.1f}s (the max below 100 chats), {real['chats_per_s']:.2f} "
               "chats/s; goal <= 5")
        out[f"stream_latency_p50_s[{name}]"] = real["p50_s"]
        out[f"stream_latency_p99_s[{name}]"] = real["p99_s"]
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instant_chats", type=int, default=600)
    parser.add_argument("--latency_models", default="models/small-gemma,models/demo-gemma",
                        help="comma-separated presets for the latency figure; empty: none")
    parser.add_argument("--chats", default="samples/chats.jsonl",
                        help="chats published at --rate for the latency figure")
    parser.add_argument("--rate", type=float, default=4.0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    models = [m for m in args.latency_models.split(",") if m]
    bench_stream(args.instant_chats, models, args.chats, args.rate)
    print(f"stream bench: {time.perf_counter() - start:.0f}s")


if __name__ == "__main__":
    main()
