"""The pipeline's stages, one composite PTransform each."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.ml.inference.base import (
    KeyedModelHandler,
    ModelHandler,
    PredictionResult,
    RunInference,
)
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer

from handlers.errors import ModelUnavailable
from handlers.generation import Generation, Task
from pipeline import elements, inputs
from pipeline.arms import CONTROL
from pipeline.elements import ChatKey, RawChat
from pipeline.metrics import counter, distribution
from pipeline.records import describe_exception, now, to_json_line
from pipeline.schemas import Stage
from prompts import PromptSet, load_prompt_set, render_apology_prompt, render_sentiment_prompt

__all__ = [
    "TAG_CHATS",
    "TAG_ERRORS",
    "TAG_FEEDBACK",
    "TAG_NEGATIVE",
    "TAG_RESULTS",
    "TAG_RETRY",
    "TAG_REVIEW",
    "AnalyzeSentiment",
    "GuardedDoFn",
    "DeduplicateChats",
    "DraftApologies",
    "IngestFeedback",
    "InferWithIsolation",
    "ParseChats",
    "PerArm",
    "ReadInputFiles",
    "guarded_map",
]

_LOGGER = logging.getLogger(__name__)

TAG_CHATS = "chats"
TAG_RESULTS = "results"
TAG_NEGATIVE = "negative"
TAG_REVIEW = "review"
TAG_ERRORS = "errors"
TAG_RETRY = "retry"
TAG_FEEDBACK = "feedback"
TAG_LINES = "lines"

# Set on a row routed to review for a reason other than negative sentiment.
REVIEW_REASON_FIELD = "_review_reason"


def _generation(result: PredictionResult) -> Generation:
    """The handler's reply for one element; anything else breaks the handler contract."""
    if not isinstance(result.inference, Generation):
        raise TypeError(f"the model handler returned a {type(result.inference).__name__}, "
                        "not a handlers.generation.Generation")
    return result.inference


class GuardedDoFn(beam.DoFn):
    """Element logic that cannot stop the pipeline.

    Subclasses implement `handle(element)`, a generator of outputs (tagged or not), and name
    their `STAGE`. Any exception `handle` raises for an element becomes one error record for
    that element on `TAG_ERRORS` (reason: exception type and message), counted in
    `unexpected_errors`; the bundle goes on. Outputs are buffered until `handle` returns, so
    an element that fails half-way reaches the error sink only, never two sinks.
    """

    STAGE = Stage.PARSE  # subclasses name their own

    def handle(self, element):
        raise NotImplementedError

    def process(self, element):
        try:
            outputs = list(self.handle(element))
        except Exception as exc:  # noqa: BLE001 (every failure becomes an error record)
            yield self.unexpected(element, exc)
            return
        yield from outputs

    def unexpected(self, element, exc: Exception) -> beam.pvalue.TaggedOutput:
        counter("unexpected_errors").inc()
        # The type only: messages may quote chat content, which does not belong in logs.
        _LOGGER.warning("stage %s: unexpected %s for one element; sent to errors",
                        self.STAGE, type(exc).__name__)
        return beam.pvalue.TaggedOutput(TAG_ERRORS, elements.error_for_element(
            self.STAGE, element, f"unexpected {describe_exception(exc)}", now()))


class _GuardedMapFn(GuardedDoFn):
    """`beam.Map(fn, *args)` as a guarded stage."""

    def __init__(self, stage: str, fn, *args):
        self.STAGE = stage
        self._fn = fn
        self._args = args

    def handle(self, element):
        yield self._fn(element, *self._args)


def guarded_map(stage: str, fn, *args) -> beam.ParDo:
    """A Map whose failures become error records of `stage`: outputs main + `errors`."""
    return beam.ParDo(_GuardedMapFn(stage, fn, *args)).with_outputs(TAG_ERRORS, main=TAG_CHATS)


def file_error(path: str, error: inputs.InputFileError) -> dict[str, Any]:
    """The error record of an input file read only in part: stage `read`, the file in the
    reason and as `message_id` (its source, as a Pub/Sub message id is a message's), the
    unfinished line after the last one read as `raw`."""
    return elements.make_error(
        Stage.READ, f"input file {path!r} could not be read to its end after "
        f"{error.lines_read} lines: {error.reason}", now(), raw=error.pending or None,
        message_id=path)


class _ReadFileFn(beam.DoFn):
    """The lines of one matched file (`pipeline.inputs.read_lines`); a file that fails
    part-way gives the lines before the failure and one error record."""

    def __init__(self, compression: str):
        self._compression = compression

    def process(self, metadata):
        path = metadata.path
        try:
            yield from inputs.read_lines(path, self._compression)
        except inputs.InputFileError as e:
            failure = e
        except Exception as e:  # noqa: BLE001 (read_lines raises InputFileError only: a bug)
            failure = inputs.InputFileError(f"unexpected {describe_exception(e)}")
        else:
            counter("input_files_read").inc()
            return
        counter(INPUT_FILES_UNREADABLE).inc()
        _LOGGER.error("input file %r could not be read to its end after %d lines: %s", path,
                      failure.lines_read, failure.reason)
        yield beam.pvalue.TaggedOutput(TAG_ERRORS, file_error(path, failure))


# The counter of input files that could not be read to their end (`python -m pipeline` exits
# with status 3 when it is not zero).
INPUT_FILES_UNREADABLE = "input_files_unreadable"


class ReadInputFiles(beam.PTransform):
    """The lines (bytes) of every file matching a glob; `errors` for files that fail."""

    def __init__(self, pattern: str, compression: str = "auto"):
        super().__init__()
        self._pattern = pattern
        self._compression = compression

    def expand(self, p):
        from apache_beam.io import fileio

        return (
            p
            # A glob that matches nothing fails the job, as ReadFromText did.
            | "MatchFiles" >> fileio.MatchFiles(
                self._pattern, fileio.EmptyMatchTreatment.DISALLOW)
            # One file per element, spread over the workers (a file is read whole by one).
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadLines" >> beam.ParDo(_ReadFileFn(self._compression)).with_outputs(
                TAG_ERRORS, main=TAG_LINES)
        )


class _ParseChatFn(GuardedDoFn):
    STAGE = Stage.PARSE

    def __init__(self, max_bytes: int):
        self._max_bytes = max_bytes

    def handle(self, raw: RawChat):
        try:
            chat = elements.decode_chat(raw.data, self._max_bytes)
        except elements.ChatParseError as e:
            counter("chats_invalid").inc()
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                Stage.PARSE, e.reason, now(), chat_id=e.chat_id, raw=raw.data,
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


def _raise_if_model_unavailable(exc_info: Any) -> None:
    """A failure of the model itself (not of a chat) fails the bundle: the runner retries it,
    and a local run stops with the reason, instead of every chat becoming an error record."""
    exc_type = exc_info[0] if isinstance(exc_info, tuple) else type(exc_info)
    if isinstance(exc_type, type) and issubclass(exc_type, ModelUnavailable):
        raise ModelUnavailable(_exception_text(exc_info))


def _failed_batch(batch_exc: tuple[Any, Any]) -> list[Any]:
    batch, exc_info = batch_exc
    _raise_if_model_unavailable(exc_info)
    return list(batch)


def _inference_errors(batch_exc: tuple[Any, Any], stage: str) -> list[dict[str, Any]]:
    """One error record per element of a batch that failed alone (a batch of one, but every
    element is reported should a runner ever batch more)."""
    batch, exc_info = batch_exc
    _raise_if_model_unavailable(exc_info)
    reason = f"inference failed: {_exception_text(exc_info)}"
    return [elements.error_for_element(stage, keyed_prompt, reason, now())
            for keyed_prompt in batch]


class InferWithIsolation(beam.PTransform):
    """RunInference where one bad chat cannot fail its batch-mates.

    Beam dead-letters a whole batch when `run_inference` raises. The elements of a failed
    batch are retried one by one (same shared model, batch size 1); only those that fail
    alone reach the error sink, with the exception text. A hung call is bounded by the
    handler's own deadline (see `handlers.deadline`), not Beam's timeout. Outputs: `results`
    (key, PredictionResult) and `errors` records.
    """

    def __init__(self, handler: ModelHandler, single_handler: ModelHandler,
                 model_identifier: str, error_stage: str):
        super().__init__()
        self._handler = handler
        self._single_handler = single_handler
        self._model_identifier = model_identifier
        self._stage = error_stage

    def _run(self, handler):
        return RunInference(
            KeyedModelHandler(handler), model_identifier=self._model_identifier
        ).with_exception_handling()

    def expand(self, keyed_prompts):
        results, dlq = keyed_prompts | "RunInference" >> self._run(self._handler)
        retried, dlq_single = (
            dlq.failed_inferences
            | "SplitFailedBatch" >> beam.FlatMap(_failed_batch)
            | "RetryOneByOne" >> self._run(self._single_handler)
        )
        errors = dlq_single.failed_inferences | "ToErrorRecord" >> beam.FlatMap(
            _inference_errors, self._stage)
        merged = (results, retried) | "MergeResults" >> beam.Flatten()
        return {TAG_RESULTS: merged, TAG_ERRORS: errors}


def _record_tokens(generation: Generation, arm: str, task: Task) -> None:
    """Token metrics per chat, per arm and task (counters and distributions). The batch's own
    figures (latency, throughput, compiles) are the handler's, recorded once per batch."""
    for field in ("prompt_tokens", "generated_tokens"):
        value = getattr(generation, field)
        if value is not None:
            counter(f"{task}_{field}").inc(int(value))
            distribution(f"{task}_{field}_{arm}").update(int(value))


def _chat_conflict(key: ChatKey, window_secs: float) -> dict[str, Any]:
    return elements.make_error(
        Stage.DEDUP, f"chat id {key.chat_id} was already received with different content "
        f"within {window_secs:g}s", now(), chat_id=key.chat_id, raw=key.chat_message,
        message_id=key.message_id)


def _feedback_conflict(row: dict[str, Any], window_secs: float) -> dict[str, Any]:
    return elements.make_error(
        Stage.FEEDBACK, f"decision {row['sequence']} on chat {row['chat_id']} was already received "
        f"with different content within {window_secs:g}s (two review apps numbering the same "
        "chat?)", now(), chat_id=row["chat_id"], raw=to_json_line(row),
        message_id=row.get("message_id"), model_variant=row.get("model_variant"),
        prompt_version=row.get("prompt_version"))


class _DeduplicateFn(beam.DoFn):
    """Keeps the first delivery of each key for `window_secs` of event time.

    Elements are (key, value). A redelivery (same key, same content as any earlier copy, by
    `digest(value)`) is dropped and counted; the same key with new content is a producer bug
    and goes to the error sink (`conflict(value, window_secs)`) once per distinct content,
    rather than overwrite anything.
    """

    SEEN = ReadModifyWriteStateSpec("seen_digests", StrUtf8Coder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, window_secs: float, stage: str, digest, conflict, metric_prefix: str = ""):
        self._window_secs = window_secs
        self._stage = stage
        self._digest = digest
        self._conflict = conflict
        self._prefix = metric_prefix

    def process(self, element, timestamp=beam.DoFn.TimestampParam,
                seen=beam.DoFn.StateParam(SEEN), expiry=beam.DoFn.TimerParam(EXPIRY)):
        # Stateful DoFns take state parameters, so this one guards itself like GuardedDoFn.
        try:
            outputs = list(self._keep_first(element, timestamp, seen, expiry))
        except Exception as exc:  # noqa: BLE001 (every failure becomes an error record)
            counter("unexpected_errors").inc()
            _LOGGER.warning("stage %s: unexpected %s for one element; sent to errors",
                            self._stage, type(exc).__name__)
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.error_for_element(
                self._stage, element, f"unexpected {describe_exception(exc)}", now()))
            return
        yield from outputs

    def _keep_first(self, element, timestamp, seen, expiry):
        _, value = element
        previous = seen.read()
        verdict, digests = elements.delivery_verdict(previous, self._digest(value))
        if digests != previous:
            seen.write(digests)
        if verdict == elements.FIRST_DELIVERY:
            expiry.set(timestamp + self._window_secs)
            yield value
        elif verdict == elements.REDELIVERY:
            counter(f"{self._prefix}duplicates_dropped").inc()
        else:
            counter(f"{self._prefix}duplicate_ids_conflicting").inc()
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, self._conflict(value, self._window_secs))

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
            | "KeepFirst" >> beam.ParDo(_DeduplicateFn(
                self._window_secs, Stage.DEDUP, elements.chat_digest, _chat_conflict)).with_outputs(
                TAG_ERRORS, main=TAG_CHATS)
        )


class _ParseFeedbackFn(GuardedDoFn):
    STAGE = Stage.FEEDBACK

    def __init__(self, max_bytes: int):
        self._max_bytes = max_bytes

    def handle(self, raw: RawChat):
        try:
            feedback = elements.decode_feedback(raw.data, self._max_bytes)
        except elements.ChatParseError as e:
            counter("feedback_invalid").inc()
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                Stage.FEEDBACK, f"invalid feedback record: {e.reason}", now(), chat_id=e.chat_id,
                raw=raw.data, message_id=raw.message_id))
            return
        counter("feedback_valid").inc()
        yield elements.feedback_row(feedback, raw.message_id, now())


def _feedback_key(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # A string key: Beam's deterministic coder for state keys, and one key per decision.
    return f"{row['chat_id']}:{row['sequence']}", row


class IngestFeedback(beam.PTransform):
    """Reviewers' decisions (raw feedback payloads) -> validated feedback rows, redeliveries
    of one decision (chat id, sequence) within `dedup_window_secs` dropped; `errors` for
    invalid payloads and for a decision number reused with different content."""

    def __init__(self, max_bytes: int, dedup_window_secs: float):
        super().__init__()
        self._max_bytes = max_bytes
        self._window_secs = dedup_window_secs

    def expand(self, raw_feedback):
        parsed = raw_feedback | "DecodeAndValidate" >> beam.ParDo(
            _ParseFeedbackFn(self._max_bytes)).with_outputs(TAG_ERRORS, main=TAG_FEEDBACK)
        if self._window_secs <= 0:
            return {TAG_FEEDBACK: parsed[TAG_FEEDBACK], TAG_ERRORS: parsed[TAG_ERRORS]}
        unique = (
            parsed[TAG_FEEDBACK]
            | "KeyByDecision" >> beam.Map(_feedback_key).with_output_types(tuple[str, Any])
            | "KeepFirst" >> beam.ParDo(_DeduplicateFn(
                self._window_secs, Stage.FEEDBACK, elements.feedback_digest, _feedback_conflict,
                metric_prefix="feedback_")).with_outputs(TAG_ERRORS, main=TAG_FEEDBACK)
        )
        errors = (parsed[TAG_ERRORS], unique[TAG_ERRORS]) | "MergeErrors" >> beam.Flatten()
        return {TAG_FEEDBACK: unique[TAG_FEEDBACK], TAG_ERRORS: errors}


class _RouteReplyFn(GuardedDoFn):
    """Validates a reply and routes it: results, to-review, retry (first attempt) or errors."""

    STAGE = Stage.REPLY

    def __init__(self, max_summary_chars: int, final: bool,
                 review_below_confidence: float | None = None, topics: tuple[str, ...] = (),
                 review_below_topic_confidence: float | None = None):
        self._max_summary_chars = max_summary_chars
        self._final = final
        self._review_below = review_below_confidence
        self._topics = tuple(topics)
        self._review_below_topic = review_below_topic_confidence

    def handle(self, keyed_result):
        key, result = keyed_result
        generation = _generation(result)
        text = generation.text
        arm = key.model_variant
        if not self._final:
            counter(f"chats_{arm}").inc()
        _record_tokens(generation, arm, Task.SENTIMENT)
        try:
            reply = elements.parse_reply(text, self._max_summary_chars, self._topics)
        except ValueError as e:
            if not self._final:
                counter("replies_retried").inc()
                yield beam.pvalue.TaggedOutput(TAG_RETRY, key)
                return
            counter("replies_malformed").inc()
            counter(f"replies_malformed_{arm}").inc()
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                Stage.REPLY, f"malformed model reply (after a retry with a stricter prompt): {e}",
                now(), chat_id=key.chat_id, raw=text, message_id=key.message_id,
                model_variant=arm, prompt_version=key.prompt_version))
            return
        counter("replies_valid_after_retry" if self._final else "replies_valid_first_try").inc()
        row = elements.output_row(key, reply, generation, now())
        if reply.sentiment < 0:
            yield beam.pvalue.TaggedOutput(TAG_NEGATIVE, row)
        elif elements.needs_review_for_confidence(row, self._review_below):
            counter("low_confidence_reviews").inc()
            yield beam.pvalue.TaggedOutput(TAG_NEGATIVE, {**row, REVIEW_REASON_FIELD:
                                                          "low_confidence"})
        elif elements.needs_review_for_confidence(row, self._review_below_topic,
                                                  "topic_confidence"):
            counter("low_topic_confidence_reviews").inc()
            yield beam.pvalue.TaggedOutput(TAG_NEGATIVE, {**row, REVIEW_REASON_FIELD:
                                                          "low_topic_confidence"})
        else:
            yield row


def _sentiment_prompt(key: ChatKey, limit: int, strict: bool, prompt_set: PromptSet,
                      topics: tuple[str, ...] = ()):
    """(the key, stamped with the prompt version, and the prompt)."""
    return key._replace(prompt_version=prompt_set.version), render_sentiment_prompt(
        key.chat_message, key.user_id, limit, strict=strict, prompt_set=prompt_set,
        topics=topics)


class AnalyzeSentiment(beam.PTransform):
    """Chats -> sentiment + summary (+ topic): `results` (1/0), `negative` (-1, or low
    confidence, to review) and `errors`. A reply that fails validation is retried once with a
    stricter prompt before it reaches the error sink.

    `topics`: the taxonomy's labels when the prompt version asks for a topic (the prompt
    lists them, the reply must write one); empty otherwise. A positive/neutral row whose
    topic confidence is below `review_below_topic_confidence` goes to review too."""

    def __init__(self, inference: InferWithIsolation, max_summary_chars: int,
                 review_below_confidence: float | None = None,
                 prompt_set: PromptSet | None = None, topics: tuple[str, ...] = (),
                 review_below_topic_confidence: float | None = None):
        super().__init__()
        self._prompt_set = prompt_set or load_prompt_set()
        if self._prompt_set.asks_topic and not topics:
            raise ValueError(f"prompt version {self._prompt_set.version} asks for a topic: "
                             "give the taxonomy's labels")
        self._topics = tuple(topics) if self._prompt_set.asks_topic else ()
        # Applied twice (first try and retry) under two labels: one model, one identifier.
        self._inference = inference
        self._max_summary_chars = max_summary_chars
        self._review_below = review_below_confidence
        self._review_below_topic = review_below_topic_confidence

    def expand(self, chats):
        limit = self._max_summary_chars
        prompts = chats | "BuildPrompt" >> guarded_map(
            Stage.PROMPT, _sentiment_prompt, limit, False, self._prompt_set, self._topics)
        first = prompts[TAG_CHATS] | "Generate" >> self._inference
        routed = first[TAG_RESULTS] | "RouteReply" >> beam.ParDo(
            _RouteReplyFn(limit, False, self._review_below, self._topics,
                          self._review_below_topic)).with_outputs(
            TAG_ERRORS, TAG_NEGATIVE, TAG_RETRY, main=TAG_RESULTS)
        strict_prompts = routed[TAG_RETRY] | "BuildStrictPrompt" >> guarded_map(
            Stage.PROMPT, _sentiment_prompt, limit, True, self._prompt_set, self._topics)
        second = strict_prompts[TAG_CHATS] | "GenerateRetry" >> self._inference
        rerouted = second[TAG_RESULTS] | "RouteRetriedReply" >> beam.ParDo(
            _RouteReplyFn(limit, True, self._review_below, self._topics,
                          self._review_below_topic)).with_outputs(
            TAG_ERRORS, TAG_NEGATIVE, main=TAG_RESULTS)
        errors = (prompts[TAG_ERRORS], first[TAG_ERRORS], routed[TAG_ERRORS],
                  strict_prompts[TAG_ERRORS], second[TAG_ERRORS],
                  rerouted[TAG_ERRORS]) | "MergeErrors" >> beam.Flatten()
        results = (routed[TAG_RESULTS], rerouted[TAG_RESULTS]) | "MergeResults" >> beam.Flatten()
        negative = (routed[TAG_NEGATIVE], rerouted[TAG_NEGATIVE]) | "MergeNegative" >> \
            beam.Flatten()
        return {TAG_RESULTS: results, TAG_NEGATIVE: negative, TAG_ERRORS: errors}


# Where a redrafted row carries its first draft (text, failed checks) to the final check.
FIRST_DRAFT_FIELD = "_first_draft"


class _BuildReviewFn(GuardedDoFn):
    """Checks a draft against the apology contract (`pipeline.drafts`) and builds the review
    record. A draft that fails goes to `retry` on the first attempt when a redraft prompt
    exists; on the last attempt the better of the two drafts is kept, with its failed checks
    in the record, so a reviewer never sees a failing draft as a good one."""

    STAGE = Stage.APOLOGY

    def __init__(self, final: bool, can_redraft: bool):
        self._final = final
        self._can_redraft = can_redraft

    def handle(self, keyed_result):
        row, result = keyed_result
        generation = _generation(result)
        _record_tokens(generation, row["model_variant"], Task.APOLOGY)
        draft = elements.check_draft(generation.text, row)
        if draft.problems and not self._final and self._can_redraft:
            counter("drafts_redrafted").inc()
            yield beam.pvalue.TaggedOutput(TAG_RETRY, {**row, FIRST_DRAFT_FIELD: list(draft)})
            return
        attempts = 1
        if FIRST_DRAFT_FIELD in row:
            text, problems, dropped, opener = row[FIRST_DRAFT_FIELD]
            draft = elements.better_draft(
                elements.Draft(text, tuple(problems), dropped, opener), draft)
            attempts = 2
        opened = elements.opened_draft(draft, row)
        if opened is not None:
            counter("drafts_opened").inc()
            draft = opened
        if not draft.opener:  # an opened draft is counted apart (drafts_opened)
            counter("drafts_flagged" if draft.problems else "drafts_passed").inc()
        if draft.dropped:
            counter("drafts_trimmed").inc()
        for problem in draft.problems:
            counter(f"draft_check_failed_{problem.split(':', 1)[0]}").inc()
        reason = row.get(REVIEW_REASON_FIELD, "negative")
        clean = {k: v for k, v in row.items() if k not in (REVIEW_REASON_FIELD, FIRST_DRAFT_FIELD)}
        try:
            yield elements.review_record(clean, draft, reason, attempts)
        except ValueError as e:
            yield beam.pvalue.TaggedOutput(TAG_ERRORS, elements.make_error(
                Stage.APOLOGY, f"apology draft failed: {e}", now(), chat_id=row["chat_id"],
                raw=draft.text, message_id=row.get("message_id"),
                model_variant=row.get("model_variant"),
                prompt_version=row.get("prompt_version")))


def _apology_prompt(row: dict[str, Any], prompt_set: PromptSet, strict: bool = False):
    """(the row, stamped with the apology's prompt version, and the prompt; `strict`: the
    redraft prompt)."""
    return {**row, "prompt_version": prompt_set.version}, render_apology_prompt(
        row["chat_message"], row["user_id"], row["summary"], prompt_set=prompt_set,
        strict=strict)


class DraftApologies(beam.PTransform):
    """Rows to review -> review records with an apology draft checked against the apology
    contract (redrafted once with the stricter prompt when it fails and the prompt version
    has one), or `errors`. A review record's `prompt_version`, like its `model_variant`,
    names what drafted the apology."""

    def __init__(self, inference: InferWithIsolation, prompt_set: PromptSet | None = None):
        super().__init__()
        # Applied twice (draft and redraft) under two labels: one model, one identifier.
        self._inference = inference
        self._prompt_set = prompt_set or load_prompt_set()

    def expand(self, rows):
        can_redraft = self._prompt_set.strict_apology is not None
        prompts = rows | "BuildPrompt" >> guarded_map(Stage.PROMPT, _apology_prompt,
                                                       self._prompt_set)
        inferred = prompts[TAG_CHATS] | "Generate" >> self._inference
        built = inferred[TAG_RESULTS] | "BuildReview" >> beam.ParDo(
            _BuildReviewFn(False, can_redraft)).with_outputs(TAG_ERRORS, TAG_RETRY,
                                                             main=TAG_REVIEW)
        strict_prompts = built[TAG_RETRY] | "BuildRedraftPrompt" >> guarded_map(
            Stage.PROMPT, _apology_prompt, self._prompt_set, True)
        second = strict_prompts[TAG_CHATS] | "Redraft" >> self._inference
        rebuilt = second[TAG_RESULTS] | "BuildRedraftedReview" >> beam.ParDo(
            _BuildReviewFn(True, can_redraft)).with_outputs(TAG_ERRORS, main=TAG_REVIEW)
        errors = (prompts[TAG_ERRORS], inferred[TAG_ERRORS], built[TAG_ERRORS],
                  strict_prompts[TAG_ERRORS], second[TAG_ERRORS],
                  rebuilt[TAG_ERRORS]) | "MergeErrors" >> beam.Flatten()
        review = (built[TAG_REVIEW], rebuilt[TAG_REVIEW]) | "MergeReview" >> beam.Flatten()
        return {TAG_REVIEW: review, TAG_ERRORS: errors}


class _ArmIndex(beam.PartitionFn):
    def __init__(self, arms: Sequence[str], arm_of: Callable[[Any], str]):
        self._arms = tuple(arms)
        self._arm_of = arm_of

    def partition_for(self, element, num_partitions):
        return self._arms.index(self._arm_of(element))


class PerArm(beam.PTransform):
    """One stage per arm: each element gets its user's arm, the arms run their own stage,
    and each of the stage's output tags is merged back. With one arm there is no split: the
    stage sees every element, stamped with that arm (elements carry arm `a` to begin with,
    so arm a alone adds no step: the graph of a one-model job stays as it always was)."""

    def __init__(self, arms: Sequence[str], stage_for: Callable[[str], beam.PTransform],
                 tags: Sequence[str], assign: Callable[[Any], Any],
                 arm_of: Callable[[Any], str]):
        """`assign(element)` returns the element with its arm set; `arm_of` reads it."""
        super().__init__()
        self._arms = tuple(arms)
        self._stage_for = stage_for
        self._tags = tuple(tags)
        self._assign = assign
        self._arm_of = arm_of

    def expand(self, pcoll):
        if len(self._arms) == 1:
            arm = self._arms[0]
            if arm != CONTROL:
                pcoll = pcoll | "AssignArm" >> beam.Map(self._assign)
            return pcoll | f"Arm_{arm}" >> self._stage_for(arm)
        parts = (
            pcoll
            | "AssignArm" >> beam.Map(self._assign)
            | "SplitArms" >> beam.Partition(_ArmIndex(self._arms, self._arm_of),
                                            len(self._arms))
        )
        outputs = [part | f"Arm_{arm}" >> self._stage_for(arm)
                   for part, arm in zip(parts, self._arms, strict=True)]
        return {tag: [out[tag] for out in outputs] | f"Merge_{tag}" >> beam.Flatten()
                for tag in self._tags}
