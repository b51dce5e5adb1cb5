"""`build_pipeline()` wires the stages; `run()` adds options and the runner."""

from __future__ import annotations

import contextlib
import functools
import logging
import operator
from collections.abc import Callable
from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from handlers.generation import Task
from pipeline import drafts, elements, monitoring, progress, schemas, sinks
from pipeline.arms import ArmSpec, assign_arm
from pipeline.elements import RawChat
from pipeline.options import ChatPipelineOptions, share_model, validate_options
from pipeline.schemas import Stage
from pipeline.transforms import (
    INPUT_FILES_UNREADABLE,
    TAG_CHATS,
    TAG_ERRORS,
    TAG_FEEDBACK,
    TAG_LINES,
    TAG_NEGATIVE,
    TAG_RESULTS,
    TAG_REVIEW,
    AnalyzeSentiment,
    DeduplicateChats,
    DraftApologies,
    InferWithIsolation,
    IngestFeedback,
    ParseChats,
    PerArm,
    ReadInputFiles,
)
from prompts import PromptSet, load_prompt_set
from taxonomies import prompt_topics

__all__ = [
    "EXIT_INPUT_LOST",
    "ArmStages",
    "HandlerFactory",
    "build_pipeline",
    "default_handler_factory",
    "run",
    "unreadable_input_files",
]

_LOGGER = logging.getLogger(__name__)

# (preset, task, arm name, options) -> handler. The handler must offer `with_batch_size(n)`: a
# failed batch is retried one chat at a time with a copy that batches at most one element,
# on the same shared model. It applies `--inference_timeout_secs` itself, to execution only
# (Beam's RunInference timeout would abandon the thread and load a second copy of the model).
HandlerFactory = Callable[[str, Task, str, ChatPipelineOptions], ModelHandler]

# `python -m pipeline`'s exit status when the run finished but some input files could not be
# read to their end (their error records, stage read, name them). 2 is a bad invocation.
EXIT_INPUT_LOST = 3

# The error stage of an inference that failed for one chat, per task.
_INFERENCE_ERROR_STAGE = {Task.SENTIMENT: Stage.INFERENCE, Task.APOLOGY: Stage.APOLOGY}


def default_handler_factory(preset: str, task: Task, arm: str, opts: ChatPipelineOptions,
                            handler_class: type | None = None) -> ModelHandler:
    """The production handler: keras-hub CausalLM through `CausalLMEngine`. `handler_class`
    (a subclass, for benchmarks) keeps every setting and replaces what it overrides. Its
    metrics namespace is `gemma_<task>_<arm>`, so passes and arms report separately."""
    from handlers.keras_hub_handler import KerasHubCausalLMHandler

    handler_class = handler_class or KerasHubCausalLMHandler

    streaming = bool(opts.input_subscription)
    duration = opts.max_batch_duration_secs
    if duration is None and streaming:
        # Streaming: a quiet stream still flushes, and Beam batches by chat length.
        # Batch mode leaves it off by default: the local FnApiRunner fails on the
        # processing-time timers of Beam's stateful batching ("time-pending bundles did not
        # execute") and can drop the buffered elements. Set it explicitly on Dataflow batch.
        duration = 1.0
    return handler_class(
        preset,
        max_new_tokens=opts.max_new_tokens if task == Task.SENTIMENT
        else opts.apology_max_new_tokens,
        min_batch_size=opts.min_batch_size or opts.max_batch_size,
        max_batch_size=opts.max_batch_size,
        max_batch_duration_secs=duration,
        length_buckets=opts.length_buckets,
        share_across_processes=share_model(opts),
        compilation_cache_dir=opts.compilation_cache_dir,
        sampler=opts.sampler,
        task=task,
        constrained=opts.constrained_decoding,
        reply_spec=schemas.reply_constraint_spec(opts.max_summary_chars,
                                                 arm_topics(opts, arm)),
        batch_bucket_boundaries=opts.batch_bucket_boundaries,
        metrics_namespace=f"gemma_{task}_{arm}",
        timeout_secs=opts.inference_timeout_secs,
        no_repeat_ngram=opts.no_repeat_ngram,
        banned_words=drafts.banned_words(),
        copy_bias={Task.APOLOGY: opts.draft_copy_bias, Task.SENTIMENT: opts.summary_copy_bias},
    )


def arm_spec(opts: ChatPipelineOptions, arm: str) -> ArmSpec:
    """The arm named `arm` of the run (`ChatPipelineOptions.arm_specs`).

    Raises:
        KeyError: the run has no such arm.
    """
    for spec in opts.arm_specs():
        if spec.name == arm:
            return spec
    raise KeyError(f"no arm {arm!r} in this run")


def arm_prompt_version(opts: ChatPipelineOptions, arm: str) -> str:
    """The prompt version an arm runs (its `--arm`'s, or `--prompt_version` /
    `--prompt_version_b` for the aliases' arms a and b)."""
    return arm_spec(opts, arm).prompt_version


def arm_topics(opts: ChatPipelineOptions, arm: str) -> tuple[str, ...]:
    """The topic labels an arm's replies carry: the taxonomy's (`--taxonomy`) when its prompt
    version asks for a topic, none otherwise."""
    return prompt_topics(load_prompt_set(arm_prompt_version(opts, arm)), opts.taxonomy)


class ArmStages:
    """What each arm runs: its model's inference stages and its prompt version.

    Every handler of one preset (both passes, and every arm that runs the same preset)
    gets the same `model_identifier`, so RunInference loads the preset once per worker for all
    of them; so they must build the same engine, which is checked (a handler without
    `engine_settings`, a test double, has none to compare).
    """

    def __init__(self, opts: ChatPipelineOptions, factory: HandlerFactory):
        self._opts = opts
        self._factory = factory
        self.specs = opts.arm_specs()
        self._presets = {spec.name: spec.preset for spec in self.specs}
        self._prompts = {spec.name: spec.prompt_version for spec in self.specs}
        self._engine_settings: dict[str, dict[str, Any]] = {}
        # Every arm drafts apologies for its users; with --ab_stage all the arms after the
        # control analyze their users' chats too, otherwise the control analyzes them all.
        self.apology_arms = tuple(spec.name for spec in self.specs)
        self.sentiment_arms = self.apology_arms if opts.ab_stage == "all" \
            else self.apology_arms[:1]

    def prompt_set(self, arm: str) -> PromptSet:
        """The prompt version of an arm."""
        return load_prompt_set(self._prompts[arm])

    def inference(self, arm: str, task: Task) -> InferWithIsolation:
        """The arm's inference stage for `task`, on the arm's shared model."""
        preset = self._presets[arm]
        handler = self._factory(preset, task, arm, self._opts)
        # By preset, not by arm: an A/B test of prompts alone (--model_b = --model) serves
        # both arms from one copy of the model, even where Beam shares it across processes.
        identifier = f"model:{preset}"
        self._check_shared_engine(identifier, handler)
        return InferWithIsolation(handler, handler.with_batch_size(1),
                                  model_identifier=identifier,
                                  error_stage=_INFERENCE_ERROR_STAGE[task])

    def _check_shared_engine(self, identifier: str, handler: ModelHandler) -> None:
        settings = getattr(handler, "engine_settings", None)
        if settings is None:
            return
        first = self._engine_settings.setdefault(identifier, settings)
        if first != settings:
            differ = sorted(k for k in first.keys() | settings.keys()
                            if first.get(k) != settings.get(k))
            raise ValueError(f"handlers sharing the model {identifier!r} must build the same "
                             f"engine; these settings differ: {', '.join(differ)}")

    def analyze_sentiment(self, arm: str) -> AnalyzeSentiment:
        return AnalyzeSentiment(self.inference(arm, Task.SENTIMENT), self._opts.max_summary_chars,
                                self._opts.review_below_confidence, self.prompt_set(arm),
                                arm_topics(self._opts, arm),
                                self._opts.review_below_topic_confidence)

    def draft_apologies(self, arm: str) -> DraftApologies:
        return DraftApologies(self.inference(arm, Task.APOLOGY), self.prompt_set(arm))


def _chat_with_arm(key: elements.ChatKey, arms: tuple[ArmSpec, ...]) -> elements.ChatKey:
    return key._replace(model_variant=assign_arm(key.user_id, arms))


def _row_with_arm(row: dict[str, Any], arms: tuple[ArmSpec, ...]) -> dict[str, Any]:
    return {**row, "model_variant": assign_arm(row["user_id"], arms)}


# Step labels of each source: the chat source keeps the labels it always had (a Dataflow
# streaming job is updated in place only when its step names stay the same).
_CHAT_SOURCE = ("ReadPubSub", "ReadFiles", "ToRawChat")
_FEEDBACK_SOURCE = ("ReadFeedbackPubSub", "ReadFeedbackFiles", "FeedbackToRaw")


def _read(p: beam.Pipeline, subscription: str | None, pattern: str | None,
          labels: tuple[str, str, str], compression: str = "auto"):
    """Raw payloads from a Pub/Sub subscription or from the lines of files, and the error
    records of files that could not be read to their end (None for Pub/Sub)."""
    read_pubsub, read_files, to_raw = labels
    if subscription:
        return (
            p
            | read_pubsub >> beam.io.ReadFromPubSub(subscription=subscription,
                                                    with_attributes=True)
            | to_raw >> beam.Map(lambda m: RawChat(m.data, m.message_id))
        ), None
    read = p | read_files >> ReadInputFiles(pattern, compression)
    return read[TAG_LINES] | to_raw >> beam.Map(lambda line: RawChat(line, None)), read[TAG_ERRORS]


def build_pipeline(
    p: beam.Pipeline,
    options: PipelineOptions,
    handler_factory: HandlerFactory | None = None,
    raw_chats: beam.PCollection | None = None,
    write: bool = True,
    raw_feedback: beam.PCollection | None = None,
) -> dict[str, beam.PCollection]:
    """Adds the whole pipeline to `p` and returns its outputs: `results`, `review` (with a
    chat source), `feedback` (with a feedback source) and `errors`.

    Args:
        p: the pipeline.
        options: pipeline options; a `ChatPipelineOptions` view is validated.
        handler_factory: builds ModelHandlers (tests pass a fake); default keras-hub.
        raw_chats: a PCollection of `RawChat` to use instead of the configured sources.
        write: add the configured sinks (tests may only assert on the returned outputs).
        raw_feedback: a PCollection of `RawChat` holding feedback payloads, instead of the
            configured sources.
    """
    opts = options.view_as(ChatPipelineOptions)
    errors: list[beam.PCollection] = []
    if raw_chats is None and raw_feedback is None:
        validate_options(options)
        if opts.input or opts.input_subscription:
            raw_chats, read_errors = _read(p, opts.input_subscription, opts.input,
                                           _CHAT_SOURCE, opts.input_compression)
            errors.extend([read_errors] if read_errors is not None else [])
        if opts.feedback_input or opts.feedback_subscription:
            raw_feedback, read_errors = _read(p, opts.feedback_subscription,
                                              opts.feedback_input, _FEEDBACK_SOURCE,
                                              opts.input_compression)
            errors.extend([read_errors] if read_errors is not None else [])
    outputs: dict[str, beam.PCollection] = {}
    if raw_chats is not None:
        errors.extend(_analyze_chats(raw_chats, opts, handler_factory, outputs))
    if raw_feedback is not None:
        ingested = raw_feedback | "IngestFeedback" >> IngestFeedback(
            schemas.MAX_FEEDBACK_BYTES, opts.dedup_window_secs)
        outputs[TAG_FEEDBACK] = ingested[TAG_FEEDBACK]
        errors.append(ingested[TAG_ERRORS])
    if write:
        errors.extend(_write_outputs(opts, outputs))
    outputs[TAG_ERRORS] = errors | "MergeAllErrors" >> beam.Flatten()
    if write:
        _write_errors(opts, outputs[TAG_ERRORS])
    if raw_chats is not None:
        streaming = options.view_as(StandardOptions).streaming
        monitored = {tag: outputs[tag] for tag in (TAG_RESULTS, TAG_REVIEW) if tag in outputs}
        monitored[TAG_ERRORS] = outputs[TAG_ERRORS] | "OnlyChatErrors" >> beam.Filter(
            lambda r: r.get("stage") not in _NOT_CHATS)
        monitor = monitored | "Monitor" >> monitoring.MonitorArms(
            opts.metrics_window_secs if streaming else None, opts.review_below_confidence)
        outputs.update(monitor)
        if streaming:  # batch runs show `progress` instead
            monitor[monitoring.TAG_METRICS] | "LogStatus" >> beam.Map(
                lambda row: _LOGGER.info("%s", monitoring.status_line(row)))
        if write:
            _write_monitoring(opts, monitor)
    return outputs


# Error records that are not a chat's outcome: a file that could not be read, a reviewer's
# decision that could not be taken. The monitor counts chats.
_NOT_CHATS = (Stage.READ, Stage.FEEDBACK)
# ... and for progress, also a sink's refusal of a row already counted in its own sink.
_NOT_CHAT_OUTCOMES = (*_NOT_CHATS, Stage.WRITE, Stage.PUBLISH)


def _write_monitoring(opts: ChatPipelineOptions, monitor) -> None:
    """Metrics rows and alerts to files, tables and the alerts topic. A row a sink refuses
    is logged: it describes the run, it is no chat's outcome."""
    for tag, table, schema, row_id in (
            (monitoring.TAG_METRICS, opts.metrics_table, monitoring.METRICS_TABLE_SCHEMA,
             monitoring.metrics_insert_id),
            (monitoring.TAG_ALERTS, opts.alerts_table, monitoring.ALERTS_TABLE_SCHEMA,
             monitoring.alert_insert_id)):
        if opts.output_dir:
            monitor[tag] | f"Write_{tag}_Files" >> sinks.WriteJsonFiles(opts.output_dir, tag)
        if table:
            refused = monitor[tag] | f"Write_{tag}_BigQuery" >> sinks.WriteRowsToBigQuery(
                table, schema, opts.create_tables, row_id=row_id)
            refused | f"Log_{tag}_Refused" >> beam.Map(
                lambda r, tag=tag: _LOGGER.error("%s table refused a row: %s", tag,
                                                 r["reason"]))
    alerts = monitor[monitoring.TAG_ALERTS]
    alerts | "LogAlerts" >> beam.Map(lambda a: _LOGGER.warning(
        "drift alert: arm %s, %s %s against %s (window %s)", a["arm"], a["metric"],
        a["value"], a["baseline"], a["window_start"]))
    if opts.alerts_topic:
        refused = alerts | "PublishAlerts" >> sinks.PublishJson(opts.alerts_topic)
        refused | "LogRefusedAlerts" >> beam.Map(
            lambda r: _LOGGER.error("alerts topic refused a record: %s", r["reason"]))


def _analyze_chats(raw_chats, opts: ChatPipelineOptions, handler_factory: HandlerFactory | None,
                   outputs: dict[str, beam.PCollection]) -> list[beam.PCollection]:
    """The chat stages: adds `results` and `review` to `outputs`; returns error collections."""
    arms = ArmStages(opts, handler_factory or default_handler_factory)
    parsed = raw_chats | "ParseChats" >> ParseChats(opts.max_chat_bytes)
    chats = parsed[TAG_CHATS]
    errors = [parsed[TAG_ERRORS]]
    if opts.dedup_window_secs > 0:
        unique = chats | "Deduplicate" >> DeduplicateChats(opts.dedup_window_secs)
        chats = unique[TAG_CHATS]
        errors.append(unique[TAG_ERRORS])
    # Under --ab_stage apology the control alone analyzes: every chat is stamped with it.
    sentiment_specs = tuple(s for s in arms.specs if s.name in arms.sentiment_arms)
    analyzed = chats | "AnalyzeSentiment" >> PerArm(
        arms.sentiment_arms, arms.analyze_sentiment, (TAG_RESULTS, TAG_NEGATIVE, TAG_ERRORS),
        functools.partial(_chat_with_arm, arms=sentiment_specs),
        operator.attrgetter("model_variant"))
    drafted = analyzed[TAG_NEGATIVE] | "DraftApologies" >> PerArm(
        arms.apology_arms, arms.draft_apologies, (TAG_REVIEW, TAG_ERRORS),
        functools.partial(_row_with_arm, arms=arms.specs),
        operator.itemgetter("model_variant"))
    outputs[TAG_RESULTS] = analyzed[TAG_RESULTS]
    outputs[TAG_REVIEW] = drafted[TAG_REVIEW]
    return [*errors, analyzed[TAG_ERRORS], drafted[TAG_ERRORS]]


def _write_outputs(opts: ChatPipelineOptions, outputs) -> list[beam.PCollection]:
    """Writes results, review and feedback; returns error records from rejected writes."""
    write_errors = []
    for tag, name in ((TAG_RESULTS, "Results"), (TAG_REVIEW, "Review"),
                      (TAG_FEEDBACK, "Feedback")):
        if opts.output_dir and tag in outputs:
            outputs[tag] | f"Write{name}Files" >> sinks.WriteJsonFiles(opts.output_dir, tag)
    tables = (
        (TAG_RESULTS, "Results", opts.output_table, schemas.RESULT_TABLE_SCHEMA,
         sinks.insert_id),
        (TAG_REVIEW, "Review", opts.review_table, schemas.REVIEW_TABLE_SCHEMA, sinks.insert_id),
        (TAG_FEEDBACK, "Feedback", opts.feedback_table, schemas.FEEDBACK_TABLE_SCHEMA,
         sinks.feedback_insert_id),
    )
    for tag, name, table, schema, row_id in tables:
        if table and tag in outputs:
            write_errors.append(outputs[tag] | f"Write{name}BigQuery" >>
                                sinks.WriteRowsToBigQuery(table, schema, opts.create_tables,
                                                          row_id=row_id))
    if opts.review_topic and TAG_REVIEW in outputs:
        write_errors.append(outputs[TAG_REVIEW] | "PublishReview" >> sinks.PublishJson(
            opts.review_topic))
    return write_errors


def _write_errors(opts: ChatPipelineOptions, errors: beam.PCollection) -> None:
    if opts.output_dir:
        errors | "WriteErrorFiles" >> sinks.WriteJsonFiles(opts.output_dir, "errors")
    if opts.error_table:
        # Rows the error table itself rejects cannot go anywhere else: they are logged.
        rejected = errors | "WriteErrorsBigQuery" >> sinks.WriteRowsToBigQuery(
            opts.error_table, schemas.ERROR_TABLE_SCHEMA, opts.create_tables,
            row_id=sinks.error_insert_id)
        rejected | "LogRejectedErrors" >> beam.Map(
            lambda r: _LOGGER.error("error sink rejected a record: %s", r["reason"]))
    if opts.error_topic:
        refused = errors | "PublishErrors" >> sinks.PublishJson(opts.error_topic)
        refused | "LogRefusedErrors" >> beam.Map(
            lambda r: _LOGGER.error("error topic refused a record: %s", r["reason"]))


def _choose_runner(options: PipelineOptions) -> None:
    standard = options.view_as(StandardOptions)
    if standard.runner:
        return
    # Beam 2.77's DirectRunner first tries to download the Prism binary (fails offline).
    # Batch runs on the FnApiRunner (what DirectRunner uses for batch); streaming on the
    # BundleBasedDirectRunner, the local runner with Pub/Sub streaming support.
    standard.runner = "BundleBasedDirectRunner" if standard.streaming else "FnApiRunner"


_LOCAL_RUNNERS = ("FnApiRunner", "DirectRunner", "BundleBasedDirectRunner")


def run(argv: list[str] | None = None, test_pipeline: beam.Pipeline | None = None,
        wait: bool = True, handler_factory: HandlerFactory | None = None,
        show_progress: bool = False):
    """Parses options, validates them, builds and runs the pipeline; returns the result.

    With `wait=False` it returns as soon as the job runs (streaming: cancel the result).
    `handler_factory` replaces the keras-hub handlers (benchmarks of the pipeline itself).
    `show_progress`: a local batch run that waits shows how far it is (`pipeline.progress`:
    a bar on a terminal, log lines otherwise)."""
    options = PipelineOptions(argv)
    opts = validate_options(options)
    if opts.input_subscription or opts.feedback_subscription:
        options.view_as(StandardOptions).streaming = True
    _choose_runner(options)
    p = test_pipeline or beam.Pipeline(options=options)
    outputs = build_pipeline(p, options, handler_factory)
    standard = options.view_as(StandardOptions)
    tracked = (show_progress and wait and test_pipeline is None and not standard.streaming
               and str(standard.runner) in _LOCAL_RUNNERS)
    if tracked:
        for tag in (TAG_RESULTS, TAG_REVIEW, TAG_ERRORS):
            if tag in outputs:
                # A chat's outcome only: not an unreadable file, a refused decision or a
                # row a sink refused after the chat was counted in its own sink.
                outcomes = outputs[tag] if tag != TAG_ERRORS else outputs[tag] | (
                    "ProgressChatErrors" >> beam.Filter(
                        lambda r: r.get("stage") not in _NOT_CHAT_OUTCOMES))
                outcomes | f"Progress_{tag}" >> progress.CountToProgress(tag)
    total = (progress.count_input_lines(opts.input, opts.input_compression)
             if tracked and opts.input else None)
    with progress.Progress(total) if tracked else contextlib.nullcontext():
        result = p.run()
        if test_pipeline is None and wait:
            result.wait_until_finish()
    return result


def unreadable_input_files(result) -> int:
    """How many input files of a finished run could not be read to their end (the
    `input_files_unreadable` counter: committed where the runner reports it, else attempted).
    """
    from apache_beam.metrics.metric import MetricsFilter

    from pipeline.metrics import NAMESPACE

    query = MetricsFilter().with_namespace(NAMESPACE).with_name(INPUT_FILES_UNREADABLE)
    total = 0
    for counter_result in result.metrics().query(query)["counters"]:
        value = counter_result.committed
        total += int(value if value is not None else counter_result.attempted or 0)
    return total
