"""Guarantees under attack: no input stops the pipeline, one sink per chat, hung calls isolated.

Each test here reproduces a way an adversarial review broke the pipeline (issue 10)."""

import json
import threading
import time
import uuid

import apache_beam as beam
import pytest
from apache_beam.ml.inference.base import ModelHandler, PredictionResult
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from handlers.deadline import DeadlineRunner, InferenceTimeout, ModelUnavailable
from handlers.generation import Generation, Task
from pipeline import elements, records, transforms
from pipeline.elements import RawChat
from pipeline.pipeline import build_pipeline
from pipeline.sinks import PublishJson, error_insert_id
from tests.fakes import asks_topic, scripted_factory, with_topic

OK = '{"sentiment": 1, "summary": "fine"}'
NEG = '{"sentiment": -1, "summary": "angry"}'


def _payload(i, reply=OK, user=7, extra=""):
    return json.dumps({"id": i, "user_id": user,
                       "chat_message": f"id {user}: hi {extra} REPLY<<{reply}>>"}).encode()


def _run(raw, argv=(), factory=scripted_factory):
    options = PipelineOptions(["--runner", "FnApiRunner", *argv])
    p = TestPipeline(options=options)
    out = build_pipeline(p, options, handler_factory=factory,
                         raw_chats=p | beam.Create(raw), write=False)
    return p, out


DIGITS = "9" * 5000
POISON = {
    "id with 5,000 digits": (f'{{"id": {DIGITS}, "user_id": 1, "chat_message": "hi"}}',
                             "5000 digits"),
    "user_id with 5,000 digits": (f'{{"id": 1, "user_id": {DIGITS}, "chat_message": "hi"}}',
                                  "5000 digits"),
    "extra field with 5,000 digits": (
        f'{{"id": 1, "user_id": 1, "chat_message": "hi", "x": -{DIGITS}}}', "5000 digits"),
    "NaN": ('{"id": 1, "user_id": 1, "chat_message": "hi", "score": NaN}', "NaN"),
    "Infinity": ('{"id": 1, "user_id": 1, "chat_message": "hi", "score": Infinity}',
                 "Infinity"),
    "-Infinity": ('{"id": -Infinity, "user_id": 1, "chat_message": "hi"}', "-Infinity"),
    "float overflow": ('{"id": 1, "user_id": 1, "chat_message": "hi", "x": 1e999}',
                       "out of range"),
    "id over INT64": ('{"id": 9223372036854775808, "user_id": 1, "chat_message": "hi"}',
                      "INT64"),
    "user_id over INT64": ('{"id": 1, "user_id": 99999999999999999999, "chat_message": "x"}',
                           "INT64"),
    "lone surrogate": ('{"id": 1, "user_id": 1, "chat_message": "hi \\ud800"}', "surrogate"),
    "50,000-deep extra": ('{"id": 1, "user_id": 1, "chat_message": "hi", "x": '
                          + "[" * 50_000 + "]" * 50_000 + "}", "nested too deeply"),
}


@pytest.mark.parametrize("name", list(POISON))
def test_poison_payload_is_a_parse_error_with_a_clear_reason(name):
    """Payloads that crashed `json.loads` or slipped through are ChatParseErrors that say why."""
    payload, reason = POISON[name]
    with pytest.raises(elements.ChatParseError) as e:
        elements.decode_chat(payload.encode(), 1_000_000)
    assert reason in e.value.reason


def test_poison_payloads_do_not_stop_the_pipeline():
    """One job with every poison payload plus good chats: each poison payload is one parse
    error, every good chat (one with a UTF-8 byte-order mark) a result; the job finishes."""
    raw = [RawChat(payload.encode()) for payload, _ in POISON.values()]
    raw += [RawChat(_payload(100)), RawChat(b"\xef\xbb\xbf" + _payload(101))]
    p, out = _run(raw, ["--max_chat_bytes", "1000000"])
    with p:
        assert_that(out["results"] | beam.Map(lambda r: r["chat_id"]), equal_to([100, 101]),
                    label="results")
        assert_that(out["errors"] | beam.Map(lambda r: r["stage"]),
                    equal_to(["parse"] * len(POISON)), label="errors")


def _raise_on_boom(fn):
    def patched(*args, **kwargs):
        if "BOOM" in repr(args):
            raise RuntimeError("injected failure")
        return fn(*args, **kwargs)
    return patched


STAGE_TARGETS = [
    ("parse", elements, "decode_chat"),
    ("dedup", elements, "chat_digest"),
    ("prompt", transforms, "render_sentiment_prompt"),
    ("reply", elements, "parse_reply"),
    ("prompt", transforms, "render_apology_prompt"),
    ("apology", elements, "review_record"),
]


@pytest.mark.parametrize("stage,module,name", STAGE_TARGETS,
                         ids=[f"{s}-{n}" for s, _, n in STAGE_TARGETS])
def test_unexpected_exception_in_any_stage_becomes_one_error_record(
        monkeypatch, stage, module, name):
    """An exception no stage expects, for one chat, sends that chat (and only it) to errors
    with the stage and exception; the others flow on and the job finishes."""
    monkeypatch.setattr(module, name, _raise_on_boom(getattr(module, name)))
    raw = [RawChat(_payload(1, OK)), RawChat(_payload(2, NEG)),
           RawChat(_payload(3, NEG.replace("angry", "angry BOOM")))]
    p, out = _run(raw)
    chat_id = None if name == "decode_chat" else 3  # not known before the chat is decoded
    with p:
        assert_that(out["results"] | beam.Map(lambda r: r["chat_id"]), equal_to([1]),
                    label="results")
        assert_that(out["review"] | beam.Map(lambda r: r["chat_id"]), equal_to([2]),
                    label="review")
        assert_that(out["errors"] | beam.Map(
            lambda r: (r["chat_id"], r["stage"], "unexpected RuntimeError: injected failure"
                       in r["reason"])), equal_to([(chat_id, stage, True)]), label="errors")


def _own_model(name: str) -> str:
    """A --model of this run's own, so a shared-model test gets a shared-model server of its
    own: Beam finds a server by the address file `<tmp>/<model identifier>.address`, which
    outlives the process, so another test's server (still holding its hung calls) or a stale
    file of an earlier run (whose port may now be some other server's, where the handshake
    never ends) would otherwise be used."""
    return f"{name}-{uuid.uuid4().hex}"


# Set by the test once the pipeline has finished: until then a hung call stays hung (at most
# 60 s); HUNG_CALLS_ENDED records hung calls that returned.
RELEASE_HUNG_CALLS = threading.Event()
HUNG_CALLS_ENDED = []


class _HangingSharedModel:
    """A model served through Beam's multi-process proxy, like a shared model on Dataflow. A
    batch holding a chat with HANG does not return until the test releases it."""

    def __init__(self):
        self.deadlines = DeadlineRunner()

    def generate(self, chats, timeout_secs):
        def call():
            if any("HANG" in c for c in chats):
                RELEASE_HUNG_CALLS.wait(60)
                HUNG_CALLS_ENDED.append(chats)
            return [c[c.index("REPLY<<") + 7:c.index(">>")] for c in chats]
        return self.deadlines.run(call, timeout_secs, f"generate for a batch of {len(chats)}")


class SharedHangingHandler(ModelHandler):
    """Shares its model across processes (Beam's multi_process_shared) and applies the
    timeout through the model, as the production engine does."""

    def __init__(self, task, timeout, max_batch_size=4):
        super().__init__()
        self._task, self._timeout, self._max = task, timeout, max_batch_size

    def load_model(self):
        return _HangingSharedModel()

    def share_model_across_processes(self):
        return True

    def run_inference(self, batch, model, inference_args=None):
        texts = model.generate([p.chat for p in batch], self._timeout)
        if self._task == Task.APOLOGY:
            texts = ["We are sorry."] * len(batch)
        else:  # the topic the reply grammar would make a model write, where it is asked for
            texts = [with_topic(t) if asks_topic(p) else t
                     for p, t in zip(batch, texts, strict=True)]
        return [PredictionResult(p, Generation(text=t)) for p, t in zip(batch, texts, strict=True)]

    def batch_elements_kwargs(self):
        return {"min_batch_size": self._max, "max_batch_size": self._max}

    def with_batch_size(self, n):
        return SharedHangingHandler(self._task, self._timeout, n)


def test_hung_call_on_a_shared_model_costs_only_its_own_chat():
    """With the model shared across processes, a call that hangs past the timeout fails only
    the hung chat: its batch-mates are retried alone while the hung call still runs (nothing
    holds a lock), later batches run, and the error names the timeout."""
    raw = [RawChat(_payload(i, user=i)) for i in range(1, 12)]
    raw.append(RawChat(_payload(50, user=50, extra="HANG")))
    p, out = _run(raw, ["--inference_timeout_secs", "1", "--model", _own_model("hung-call")],
                  factory=lambda preset, task, arm, opts: SharedHangingHandler(
                      task, opts.inference_timeout_secs))
    RELEASE_HUNG_CALLS.clear()
    HUNG_CALLS_ENDED.clear()
    with p:
        assert_that(out["results"] | beam.Map(lambda r: r["chat_id"]),
                    equal_to(list(range(1, 12))), label="results")
        assert_that(out["errors"] | beam.Map(
            lambda r: (r["chat_id"], r["stage"], "did not finish within 1s" in r["reason"])),
            equal_to([(50, "inference", True)]), label="errors")
    # The job finished while the hung calls were still hung: nothing waited for them.
    assert HUNG_CALLS_ENDED == []
    RELEASE_HUNG_CALLS.set()


def test_deadline_runner_abandons_and_bounds_hung_calls():
    """A call past its deadline raises InferenceTimeout at once and gives its execution slot
    back (a later call runs beside it); at `max_abandoned` still-running calls a new call
    waits its timeout for one to end, then reports the model unavailable."""
    runner = DeadlineRunner(max_abandoned=2)
    release = threading.Event()
    for _ in range(2):
        with pytest.raises(InferenceTimeout, match="within 0.05s"):
            runner.run(release.wait, 0.05, "hung call")
    assert runner.abandoned == 2
    with pytest.raises(ModelUnavailable, match="2 earlier calls timed out"):
        runner.run(lambda: 1, 0.2, "next call")
    release.set()
    deadline = time.monotonic() + 5
    while runner.abandoned and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runner.abandoned == 0 and runner.run(lambda: 42, 5, "next call") == 42
    with pytest.raises(ZeroDivisionError):
        runner.run(lambda: 1 / 0, 5, "failing call")


def test_deadline_runner_runs_one_execution_at_a_time():
    """Concurrent calls on one model queue for its execution slot (device memory holds one
    live batch), whether or not they have a deadline."""
    runner = DeadlineRunner()
    live, peak, lock = [0], [0], threading.Lock()

    def call():
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        time.sleep(0.02)
        with lock:
            live[0] -= 1
        return True

    threads = [threading.Thread(target=runner.run, args=(call, t, "call"))
               for t in (None, 5, None, 5, 5, None)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1


def test_a_hung_model_fails_the_job_instead_of_erroring_every_chat():
    """When hung calls never end (a stuck device), healthy chats must not be turned into
    error records: past the abandoned-call limit the model is unavailable and the bundle
    fails (the runner retries it; a local run stops and says why)."""
    raw = [RawChat(_payload(i, user=i)) for i in range(1, 12)]
    raw += [RawChat(_payload(50 + k, user=50 + k, extra="HANG")) for k in range(3)]
    p, _ = _run(raw, ["--inference_timeout_secs", "0.5", "--max_batch_size", "4",
                      "--model", _own_model("hung-model")],
                factory=lambda preset, task, arm, opts: SharedHangingHandler(
                    task, opts.inference_timeout_secs, max_batch_size=1))
    RELEASE_HUNG_CALLS.clear()
    try:
        with pytest.raises(Exception, match="ModelUnavailable|model looks hung"):
            p.run().wait_until_finish()
    finally:
        RELEASE_HUNG_CALLS.set()


def test_unexpected_exception_with_an_unprintable_message_is_still_recorded():
    """The guard's own error record cannot fail on an exception whose str() raises."""
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    text = records.describe_exception(Unprintable())
    assert text.startswith("Unprintable")


def test_every_element_of_a_failed_retry_batch_gets_an_error():
    """A failed retry batch with several elements reports each of them."""
    from pipeline.elements import ChatKey
    from prompts import Prompt

    batch = [(ChatKey(i, 1, "m"), Prompt("", "m", "")) for i in (1, 2, 3)]
    records = transforms._inference_errors(
        (batch, (RuntimeError, "RuntimeError('x')", [])), "inference")
    assert [r["chat_id"] for r in records] == [1, 2, 3]
    with pytest.raises(ModelUnavailable):
        transforms._inference_errors((batch, (ModelUnavailable, "down", [])), "inference")


def test_a_model_that_fails_to_load_is_unavailable_and_not_reloaded_per_batch(monkeypatch):
    """A load failure raises ModelUnavailable; batches in the next minute fail at once with
    the same reason instead of each paying for another failing load."""
    from handlers import engine as engine_module
    from handlers import keras_hub_handler

    attempts = []

    class BrokenEngine:
        def __init__(self, **settings):
            attempts.append(settings["preset"])
            raise OSError("model.weights.h5 is truncated")

    monkeypatch.setattr(engine_module, "CausalLMEngine", BrokenEngine)
    keras_hub_handler.forget_engines()
    lazy = keras_hub_handler.KerasHubCausalLMHandler("/models/broken").load_model()
    for _ in range(3):
        with pytest.raises(ModelUnavailable, match="truncated"):
            lazy.generate([], 16)
    assert attempts == ["/models/broken"]
    keras_hub_handler.forget_engines()


def _error(stage, chat_id, raw, message_id=None):
    return elements.make_error(stage, "why", "2026-01-01T00:00:00+00:00", chat_id=chat_id,
                               raw=raw, message_id=message_id)


def test_error_insert_ids_are_unique_per_failure_and_stable_per_redelivery():
    """Errors without a chat id, or two failures of one chat, never share a BigQuery insert
    id (BigQuery would drop all but one); the same failure redelivered keeps its id."""
    records = [_error("parse", None, b"garbage 1"), _error("parse", None, b"garbage 2"),
               _error("parse", None, b"garbage 1", message_id="m2"),
               _error("dedup", 7, "other content"), _error("publish", 7, "{}"),
               _error("write", 7, "{}"),
               _error("parse", None, b"x" * 70_000 + b"1"), _error("parse", None,
                                                                  b"x" * 70_000 + b"2")]
    assert records[-1]["raw"] == records[-2]["raw"]  # cut at 64 Ki characters
    ids = [error_insert_id(r) for r in records]
    assert len(set(ids)) == len(ids)
    again = dict(records[0], processed_at="2026-01-02T00:00:00+00:00", reason="same, later")
    assert error_insert_id(again) == ids[0]


class _LateFuture:
    """Confirms only after longer than any deadline of ours: `result(timeout)` with a finite
    timeout raises like google's futures do; without one it returns (the publish succeeded)."""

    def result(self, timeout=None):
        if timeout is not None:
            from concurrent.futures import TimeoutError as FutureTimeout

            raise FutureTimeout()
        return "message-id"


class _LatePublisher:
    published = []

    def publish(self, topic, data, **attributes):
        _LatePublisher.published.append(attributes["chat_id"])
        return _LateFuture()


def test_a_late_confirmation_is_not_an_error():
    """A review message that confirms late is delivered: it must not also become an error
    record (one sink per chat)."""
    rows = [{"chat_id": i, "user_id": 1, "chat_message": "m", "sentiment": -1,
             "summary": "s", "processed_at": "2026-01-01T00:00:00+00:00"} for i in range(3)]
    _LatePublisher.published = []
    with TestPipeline(runner="FnApiRunner") as p:
        errors = (p | beam.Create(rows)
                  | PublishJson("projects/p/topics/review", publisher_factory=_LatePublisher))
        assert_that(errors, equal_to([]))
    assert sorted(_LatePublisher.published) == ["0", "1", "2"]


class _FailingFuture:
    def result(self, timeout=None):
        from google.api_core.exceptions import DeadlineExceeded

        raise DeadlineExceeded("publish deadline exceeded")


class _UndecidedPublisher:
    def publish(self, topic, data, **attributes):
        return _FailingFuture()


def test_an_undecided_publish_is_retried_not_recorded_as_an_error():
    """A publish that failed without a definite refusal (deadline exceeded: an attempt may
    have been stored) is not an error record: the bundle fails, so the runner retries it."""
    rows = [{"chat_id": 1, "user_id": 1, "chat_message": "m", "sentiment": -1,
             "summary": "s", "processed_at": "2026-01-01T00:00:00+00:00"}]
    p = TestPipeline(runner="FnApiRunner")
    _ = (p | beam.Create(rows)
         | PublishJson("projects/p/topics/review", publisher_factory=_UndecidedPublisher))
    with pytest.raises(Exception, match="DeadlineExceeded|deadline exceeded"):
        p.run().wait_until_finish()


def test_json_lines_are_total():
    """A sink cannot fail on a record: lone surrogates, NaN and odd types still serialise to
    a valid UTF-8 JSON line."""
    line = records.to_json_line({"a": "x\udc80", "b": float("nan"), "c": {1, 2},
                                    "d": [float("inf")]})
    decoded = json.loads(line.encode("utf-8"))
    assert decoded["a"] == "x\udc80" and decoded["b"] is None and decoded["d"] == [None]
