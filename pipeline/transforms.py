"""The pipeline's stages, one composite PTransform each."""

from __future__ import annotations

import datetime
import functools
import json
import logging
from typing import Any

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.ml.inference.base import KeyedModelHandler, ModelHandler, RunInference
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer

from pipeline import elements
from pipeline.elements import ChatKey, RawChat
from prompts import render_apology_prompt, render_sentiment_prompt

__all__ = [
    "TAG_CHATS",
    "TAG_ERRORS",
    "TAG_NEGATIVE",
    "TAG_RESULTS",
    "TAG_RETRY",
    "TAG_REVIEW",
    "AnalyzeSentiment",
    "DeduplicateChats",
    "DraftApologies",
    "InferWithIsolation",
    "ParseChats",
    "to_json_line",
]

_LOGGER = logging.getLogger(__name__)

TAG_CHATS = "chats"
TAG_RESULTS = "results"
TAG_NEGATIVE = "negative"
TAG_REVIEW = "review"
TAG_ERRORS = "errors"
TAG_RETRY = "retry"

NAMESPACE = "chat_pipeline"
# Set on a row routed to review for a reason other than negative sentiment.
REVIEW_REASON_FIELD = "_review_reason"


def now() -> str:
    """Processing time as ISO-8601 UTC, the `processed_at` of every record."""
    return datetime.datetime.now(datetime.UTC).isoformat()


@functools.cache
def counter(name: str):
    """A Beam counter in the pipeline's namespace. Cached: hot paths name metrics per
    element, and the delegating metric object finds the current container at update time."""
    return beam.metrics.Metrics.counter(NAMESPACE, name)


@functools.cache
def distribution(name: str):
    """A Beam distribution in the pipeline's namespace (cached like `counter`)."""
    return beam.metrics.Metrics.distribution(NAMESPACE, name)


def _reply_text(inference: Any) -> str:
    return inference.get("text", "") if isinstance(inference, dict) else str(inference)


def to_json_line(record: dict[str, Any]) -> str:
    """One record as a JSON line; non-ASCII kept readable."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


class _ParseChatFn(beam.DoFn):
    def __init__(self, max_bytes: int):
        self._max_bytes = max_bytes

    def process(self, raw: RawChat):
        try:
            chat = elements.decode_chat(raw.data, self._max_bytes)
        except elements.ChatParseError as e:
            counter("chats_invalid").inc()
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                "parse", e.reason, now(), chat_id=e.chat_id, raw=raw.data,
                message_id=raw.message_id))
            return
        counter("chats_valid").inc()
        yield ChatKey(chat.id, chat.user_id, chat.chat_message, raw.message_id)


class ParseChats(beam.PTransform):
    """Decodes and validates raw payloads into `ChatKey`s; bad ones go to `errors`."""

    def __init__(self, max_bytes: int):
        super().__init__()
        self._max_bytes = max_bytes

    def expand(self, raw_chats):
        return raw_chats | "DecodeAndValidate" >> beam.ParDo(
            _ParseChatFn(self._max_bytes)).with_outputs(TAG_ERRORS, main=TAG_CHATS)


def _exception_text(exc_info: Any) -> str:
    # Beam's dead-letter output carries (type, repr, traceback) or the exception itself.
    if isinstance(exc_info, tuple) and len(exc_info) >= 2:
        return str(exc_info[1])
    return repr(exc_info)


def _inference_error(item: tuple[Any, Any], stage: str) -> dict[str, Any]:
    (key, prompt), exc_info = item
    # Sentiment keys are ChatKeys; apology keys are the analysed row (a dict).
    fields = key._asdict() if isinstance(key, ChatKey) else key
    return elements.make_error(
        stage, f"inference failed: {_exception_text(exc_info)}", now(),
        chat_id=fields.get("chat_id"), raw=prompt.chat, message_id=fields.get("message_id"),
        model_variant=fields.get("model_variant"))


class InferWithIsolation(beam.PTransform):
    """RunInference where one bad chat cannot fail its batch-mates.

    Beam dead-letters a whole batch when `run_inference` raises. The elements of a failed
    batch are retried one by one (same shared model, batch size 1); only those that fail
    alone reach the error sink, with the exception text. A `timeout_secs` bounds a hung
    generate call. Outputs: `results` (key, PredictionResult) and `errors` records.
    """

    def __init__(self, handler: ModelHandler, single_handler: ModelHandler,
                 model_identifier: str, error_stage: str, timeout_secs: float | None = None):
        super().__init__()
        self._handler = handler
        self._single_handler = single_handler
        self._model_identifier = model_identifier
        self._stage = error_stage
        self._timeout = timeout_secs

    def _run(self, handler):
        return RunInference(
            KeyedModelHandler(handler), model_identifier=self._model_identifier
        ).with_exception_handling(timeout=self._timeout)

    def expand(self, keyed_prompts):
        results, dlq = keyed_prompts | "RunInference" >> self._run(self._handler)
        retried, dlq_single = (
            dlq.failed_inferences
            | "SplitFailedBatch" >> beam.FlatMap(lambda batch_exc: batch_exc[0])
            | "RetryOneByOne" >> self._run(self._single_handler)
        )
        errors = dlq_single.failed_inferences | "ToErrorRecord" >> beam.Map(
            lambda item: _inference_error((item[0][0], item[1]), self._stage))
        merged = (results, retried) | "MergeResults" >> beam.Flatten()
        return {TAG_RESULTS: merged, TAG_ERRORS: errors}


def _record_inference_metrics(inference: Any, variant: str, task: str) -> None:
    """Token and latency metrics per arm and task (counters and distributions)."""
    if not isinstance(inference, dict):
        return
    for field in ("prompt_tokens", "generated_tokens"):
        value = inference.get(field)
        if value is not None:
            counter(f"{task}_{field}").inc(int(value))
            distribution(f"{task}_{field}_{variant}").update(
                int(value))
    if not inference.get("first_in_batch", True):
        return  # batch-level figures once per batch
    if inference.get("inference_ms") is not None:
        distribution(f"{task}_batch_ms_{variant}").update(
            int(inference["inference_ms"]))
    if inference.get("batch_tokens_per_s") is not None:
        distribution(f"{task}_tokens_per_s_{variant}").update(
            int(inference["batch_tokens_per_s"]))
    if inference.get("compiled"):
        counter("xla_compiles").inc()


class _DeduplicateFn(beam.DoFn):
    """Keeps the first delivery of each chat id for `window_secs` of event time.

    A redelivery (same id, same content) is dropped and counted; the same id with different
    content is a producer bug and goes to the error sink rather than overwrite anything.
    """

    SEEN = ReadModifyWriteStateSpec("seen_digest", StrUtf8Coder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, window_secs: float):
        self._window_secs = window_secs

    def process(self, element, timestamp=beam.DoFn.TimestampParam,
                seen=beam.DoFn.StateParam(SEEN), expiry=beam.DoFn.TimerParam(EXPIRY)):
        _, key = element
        digest = elements.chat_digest(key)
        previous = seen.read()
        if previous is None:
            seen.write(digest)
            expiry.set(timestamp + self._window_secs)
            yield key
        elif previous == digest:
            counter("duplicates_dropped").inc()
        else:
            counter("duplicate_ids_conflicting").inc()
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                "parse", f"chat id {key.chat_id} was already received with different content "
                f"within {self._window_secs:g}s", now(), chat_id=key.chat_id,
                raw=key.chat_message, message_id=key.message_id))

    @on_timer(EXPIRY)
    def expire(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()


class DeduplicateChats(beam.PTransform):
    """Drops redeliveries of a chat id within a window; conflicting reuse goes to `errors`."""

    def __init__(self, window_secs: float):
        super().__init__()
        self._window_secs = window_secs

    def expand(self, chats):
        return (
            chats
            | "KeyByChatId" >> beam.Map(lambda key: (key.chat_id, key)).with_output_types(
                tuple[int, Any])
            | "KeepFirst" >> beam.ParDo(_DeduplicateFn(self._window_secs)).with_outputs(
                TAG_ERRORS, main=TAG_CHATS)
        )


class _RouteReplyFn(beam.DoFn):
    """Validates a reply and routes it: results, to-review, retry (first attempt) or errors."""

    def __init__(self, max_summary_chars: int, final: bool,
                 review_below_confidence: float | None = None):
        self._max_summary_chars = max_summary_chars
        self._final = final
        self._review_below = review_below_confidence

    def process(self, keyed_result):
        key, result = keyed_result
        inference = result.inference
        text = _reply_text(inference)
        variant = key.model_variant
        if not self._final:
            counter(f"chats_{variant}").inc()
        _record_inference_metrics(inference, variant, "sentiment")
        try:
            reply = elements.parse_reply(text, self._max_summary_chars)
        except ValueError as e:
            if not self._final:
                counter("replies_retried").inc()
                yield beam.pvalue.TaggedOutput(TAG_RETRY, key)
                return
            counter("replies_malformed").inc()
            counter(f"replies_malformed_{variant}").inc()
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                "reply", f"malformed model reply (after a retry with a stricter prompt): {e}",
                now(), chat_id=key.chat_id, raw=text, message_id=key.message_id,
                model_variant=variant))
            return
        counter("replies_valid_after_retry" if self._final else "replies_valid_first_try").inc()
        row = elements.output_row(key, reply, inference if isinstance(inference, dict) else None,
                                  now())
        if reply.sentiment < 0:
            yield beam.pvalue.TaggedOutput(TAG_NEGATIVE, row)
        elif elements.needs_review_for_confidence(row, self._review_below):
            counter("low_confidence_reviews").inc()
            yield beam.pvalue.TaggedOutput(TAG_NEGATIVE, {**row, REVIEW_REASON_FIELD:
                                                          "low_confidence"})
        else:
            yield row


def _sentiment_prompt(key: ChatKey, limit: int, strict: bool):
    return key, render_sentiment_prompt(key.chat_message, key.user_id, limit, strict=strict)


class AnalyzeSentiment(beam.PTransform):
    """Chats -> sentiment + summary: `results` (1/0), `negative` (-1, or low confidence, to
    review) and `errors`. A reply that fails validation is retried once with a stricter
    prompt before it reaches the error sink."""

    def __init__(self, inference: InferWithIsolation, retry_inference: InferWithIsolation,
                 max_summary_chars: int, review_below_confidence: float | None = None):
        super().__init__()
        self._inference = inference
        self._retry_inference = retry_inference
        self._max_summary_chars = max_summary_chars
        self._review_below = review_below_confidence

    def expand(self, chats):
        limit = self._max_summary_chars
        first = (
            chats
            | "BuildPrompt" >> beam.Map(_sentiment_prompt, limit, False)
            | "Generate" >> self._inference
        )
        routed = first[TAG_RESULTS] | "RouteReply" >> beam.ParDo(
            _RouteReplyFn(limit, False, self._review_below)).with_outputs(
            TAG_ERRORS, TAG_NEGATIVE, TAG_RETRY, main=TAG_RESULTS)
        second = (
            routed[TAG_RETRY]
            | "BuildStrictPrompt" >> beam.Map(_sentiment_prompt, limit, True)
            | "GenerateRetry" >> self._retry_inference
        )
        rerouted = second[TAG_RESULTS] | "RouteRetriedReply" >> beam.ParDo(
            _RouteReplyFn(limit, True, self._review_below)).with_outputs(
            TAG_ERRORS, TAG_NEGATIVE, main=TAG_RESULTS)
        errors = (first[TAG_ERRORS], routed[TAG_ERRORS], second[TAG_ERRORS],
                  rerouted[TAG_ERRORS]) | "MergeErrors" >> beam.Flatten()
        results = (routed[TAG_RESULTS], rerouted[TAG_RESULTS]) | "MergeResults" >> beam.Flatten()
        negative = (routed[TAG_NEGATIVE], rerouted[TAG_NEGATIVE]) | "MergeNegative" >> \
            beam.Flatten()
        return {TAG_RESULTS: results, TAG_NEGATIVE: negative, TAG_ERRORS: errors}


class _BuildReviewFn(beam.DoFn):
    def process(self, keyed_result):
        row, result = keyed_result
        inference = result.inference
        _record_inference_metrics(inference, row.get("model_variant", "a"), "apology")
        text = _reply_text(inference)
        reason = row.get(REVIEW_REASON_FIELD, "negative")
        clean = {k: v for k, v in row.items() if k != REVIEW_REASON_FIELD}
        try:
            yield elements.review_record(clean, text, reason)
        except ValueError as e:
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                "apology", f"apology draft failed: {e}", now(), chat_id=row["chat_id"],
                raw=text, message_id=row.get("message_id"),
                model_variant=row.get("model_variant")))


def _apology_prompt(row: dict[str, Any]):
    return render_apology_prompt(row["chat_message"], row["user_id"], row["summary"])


class DraftApologies(beam.PTransform):
    """Rows to review -> review records with an apology draft, or `errors`."""

    def __init__(self, inference: InferWithIsolation):
        super().__init__()
        self._inference = inference

    def expand(self, rows):
        inferred = (
            rows
            | "BuildPrompt" >> beam.Map(lambda row: (row, _apology_prompt(row)))
            | "Generate" >> self._inference
        )
        built = inferred[TAG_RESULTS] | "BuildReview" >> beam.ParDo(
            _BuildReviewFn()).with_outputs(TAG_ERRORS, main=TAG_REVIEW)
        errors = (inferred[TAG_ERRORS], built[TAG_ERRORS]) | "MergeErrors" >> beam.Flatten()
        return {TAG_REVIEW: built[TAG_REVIEW], TAG_ERRORS: errors}
