"""The production handler records a batch's figures once per batch, where the batch is known."""

from __future__ import annotations

import threading

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.ml.inference.base import RunInference
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from handlers.generation import BatchGeneration, Engine, Generation, Task
from handlers.keras_hub_handler import KerasHubCausalLMHandler
from prompts import render_sentiment_prompt

CALLS: list[int] = []  # batch sizes, one per generate call (the runner runs in this process)
_LOCK = threading.Lock()


class _FixedEngine(Engine):
    """Replies at once; the first call 'compiles', each takes 40 ms for 4 tokens a row."""

    def generate(self, prompts, max_new_tokens, task, timeout_secs=None, reply_spec=None):
        with _LOCK:
            CALLS.append(len(prompts))
            first = len(CALLS) == 1
        rows = tuple(Generation(text=f"reply {p.chat}", prompt_tokens=3, generated_tokens=4,
                                inference_ms=40.0) for p in prompts)
        return BatchGeneration(rows, padded_batch_size=len(rows), max_length=64,
                               inference_ms=40.0, compiled=first)


class _Handler(KerasHubCausalLMHandler):
    def load_model(self):
        return _FixedEngine()

    def share_model_across_processes(self):
        return False


def test_batch_figures_are_recorded_once_per_batch_in_the_handlers_namespace():
    """batch_ms and tokens_per_s are one sample per generate call (not per row), and
    xla_compiles counts the calls that compiled; each row still gets its own reply."""
    CALLS.clear()
    handler = _Handler("unused", task=Task.SENTIMENT, min_batch_size=2, max_batch_size=2,
                       metrics_namespace="gemma_sentiment_a")
    prompts = [render_sentiment_prompt(f"chat {i}", i, 64) for i in range(5)]
    p = TestPipeline(options=PipelineOptions(["--runner", "FnApiRunner"]))
    texts = (p | beam.Create(prompts) | RunInference(handler)
             | beam.Map(lambda r: r.inference.text))
    assert_that(texts, equal_to([f"reply chat {i}" for i in range(5)]))
    result = p.run()
    result.wait_until_finish()
    query = result.metrics().query(MetricsFilter().with_namespace("gemma_sentiment_a"))
    dists = {d.key.metric.name: d.committed for d in query["distributions"]}
    counters = {c.key.metric.name: c.committed for c in query["counters"]}
    assert sum(CALLS) == 5 and len(CALLS) >= 3  # batches of at most 2
    assert dists["batch_ms"].count == len(CALLS) and dists["batch_ms"].max == 40
    # 4 tokens a row over 40 ms: 100 tokens/s for each row in the batch.
    tokens_per_s = dists["tokens_per_s"]
    assert tokens_per_s.count == len(CALLS)
    assert (tokens_per_s.min, tokens_per_s.max) == (100 * min(CALLS), 100 * max(CALLS))
    assert counters["xla_compiles"] == 1
