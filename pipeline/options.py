"""The pipeline's options: one `PipelineOptions` subclass."""

from __future__ import annotations

import math
import os
import re

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline.arms import CONTROL, ArmSpec, check_arms, parse_arm
from pipeline.inputs import COMPRESSIONS
from prompts import DEFAULT_PROMPT_VERSION, PromptVersionError, load_prompt_set
from taxonomies import DEFAULT_TAXONOMY, TaxonomyError, load_taxonomy

__all__ = [
    "ChatPipelineOptions",
    "OptionsError",
    "help_text",
    "share_model",
    "validate_options",
]

DEFAULT_MODEL = "models/demo-gemma"

_TABLE_RE = re.compile(r"^[\w-]+[:.][\w]+\.[\w$-]+$")
_TOPIC_RE = re.compile(r"^projects/[^/]+/topics/[^/]+$")
_SUBSCRIPTION_RE = re.compile(r"^projects/[^/]+/subscriptions/[^/]+$")


def _bool(value: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _int_list(value: str) -> list[int]:
    return [int(x) for x in str(value).split(",") if x.strip()]


class OptionsError(ValueError):
    """Invalid options. `problems` lists each one as a line that names its flag."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid options: " + "; ".join(problems))
        self.problems = list(problems)


def _is_remote(value: str) -> bool:
    """A `scheme://...` location (gs://, kaggle://, hf://, ...): not checked up front."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value) is not None


def _looks_like_path(value: str) -> bool:
    """A value meant as a local path rather than a keras-hub preset name."""
    separators = {os.sep, os.altsep or os.sep, "/"}
    return value.startswith((".", "~")) or any(sep in value for sep in separators)


def _input_errors(pattern: str, flag: str = "--input") -> list[str]:
    if _is_remote(pattern):
        return []  # gs://...: matching needs the cloud; Beam reports it when the job reads.
    from apache_beam.io.filesystems import FileSystems

    matched = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
    if not matched:
        return [f"{flag} matches no file: {pattern!r}"]
    if not any(os.path.isfile(path) for path in matched):
        return [f"{flag} matches only directories, not files: {pattern!r}"]
    return []


def _model_errors(flag: str, preset: str) -> list[str]:
    """A local preset must be a directory holding config.json; names and remote handles pass."""
    if _is_remote(preset):
        return []
    hint = " (build it with `make demo-model`)" if preset == DEFAULT_MODEL else ""
    if os.path.exists(preset):
        if not os.path.isdir(preset):
            return [f"{flag} is a file, not a preset directory: {preset!r}"]
        if not os.path.isfile(os.path.join(preset, "config.json")):
            return [f"{flag} is not a keras-hub preset directory (no config.json): "
                    f"{preset!r}{hint}"]
        return []
    if _looks_like_path(preset):
        return [f"{flag} directory does not exist: {preset!r}{hint}"]
    return []  # A bare name: a keras-hub preset name (gemma2_instruct_2b_en), left to keras-hub.


def _local_runner(options: PipelineOptions) -> bool:
    runner = str(options.view_as(StandardOptions).runner or "").lower()
    return not runner or any(name in runner for name in ("direct", "fnapi", "prism"))


class ChatPipelineOptions(PipelineOptions):
    """Options of the chat analysis pipeline. See README for examples."""

    @classmethod
    def _add_argparse_args(cls, parser):
        # Sources: exactly one.
        parser.add_argument(
            "--input",
            default=None,
            help="Batch input: file glob of newline-delimited chat JSON, e.g. "
            "samples/chats.jsonl or gs://bucket/chats/*.jsonl. A local glob must match a file "
            "before the pipeline starts; a gs:// (or other scheme://) glob is not checked up "
            "front (that needs the cloud): Beam reports it when the job reads. Default: none.",
        )
        parser.add_argument(
            "--input_compression",
            default="auto",
            choices=list(COMPRESSIONS),
            help="How --input and --feedback_input files are decompressed: auto (by file "
            "name, as Beam does: .gz gzip, .bz2 bzip2, .deflate, .zst/.zstd, .xz/.lzma; any "
            "other name is plain text), or one codec for every file: gzip, bzip2, deflate, "
            "zstd, lzma, none. A file that cannot be opened or decompressed to its end (the "
            "wrong codec, truncated or corrupt data, a directory, permission denied) becomes "
            "one error record of stage read naming it, after the lines read before the "
            "failure; the other files are read, and `python -m pipeline` exits with status 3. "
            "Default: auto.",
        )
        parser.add_argument(
            "--input_subscription",
            default=None,
            help="Streaming input: projects/<p>/subscriptions/<s>. Implies --streaming. "
            "Default: none.",
        )
        # Sinks.
        parser.add_argument(
            "--output_dir",
            default=None,
            help="Local/GCS directory for newline-delimited JSON files results*, review* and "
            "errors* (batch only). Default: none.",
        )
        parser.add_argument(
            "--output_table",
            default=None,
            help="BigQuery table for sentiment 1/0 rows: <project>:<dataset>.<table>. "
            "Default: none.",
        )
        parser.add_argument(
            "--review_topic",
            default=None,
            help="Pub/Sub topic for negative chats with apology drafts: "
            "projects/<p>/topics/<t>. Default: none.",
        )
        parser.add_argument(
            "--error_table",
            default=None,
            help="BigQuery table for the error sink: <project>:<dataset>.<table>. Default: none.",
        )
        parser.add_argument(
            "--error_topic",
            default=None,
            help="Pub/Sub topic for the error sink: projects/<p>/topics/<t>. Default: none.",
        )
        parser.add_argument(
            "--review_table",
            default=None,
            help="BigQuery table that also receives every review record (what the model said "
            "about a chat sent to review, and its draft), so reviewers' feedback joins it by "
            "chat_id: <project>:<dataset>.<table>. Default: none.",
        )
        # Reviewers' feedback (the review app's decisions): a second, optional source.
        parser.add_argument(
            "--feedback_input",
            default=None,
            help="Batch feedback input: file glob of the review app's feedback JSONL, e.g. "
            "out/loop/feedback.jsonl. Default: none.",
        )
        parser.add_argument(
            "--feedback_subscription",
            default=None,
            help="Streaming feedback input: projects/<p>/subscriptions/<s> of the review app's "
            "--feedback_topic. Implies --streaming. Default: none.",
        )
        parser.add_argument(
            "--feedback_table",
            default=None,
            help="BigQuery table for validated, deduplicated feedback records: "
            "<project>:<dataset>.<table>. Default: none.",
        )
        parser.add_argument(
            "--create_tables",
            type=_bool,
            default=True,
            help="true: WriteToBigQuery creates missing tables (CREATE_IF_NEEDED); false: the "
            "tables must exist (CREATE_NEVER; used with the local BigQuery emulator). "
            "Default: true.",
        )
        # Model.
        parser.add_argument(
            "--model",
            default=DEFAULT_MODEL,
            help="keras-hub preset for model A: a local directory, gs://bucket/dir, "
            "kaggle://keras/gemma2/keras/gemma2_instruct_2b_en, hf://..., or a preset name. "
            "An existing path must be a directory with config.json, and a value with a path "
            "separator or a leading . or ~ must exist (checked before the pipeline starts, on "
            "the local runners only: on Dataflow the path may exist only in the worker "
            "image, e.g. /opt/model); scheme:// handles and bare preset names such as "
            "gemma2_instruct_2b_en go to keras-hub unchecked. "
            f"Default: {DEFAULT_MODEL} (the demo model, built by `make demo-model`).",
        )
        parser.add_argument(
            "--model_b",
            default=None,
            help="keras-hub preset for model B of an A/B test (same formats as --model). "
            "Default: none (no A/B split).",
        )
        parser.add_argument(
            "--ab_split",
            type=float,
            default=0.0,
            help="Fraction in [0, 1] of users (sticky by hash of user_id) sent to model B. "
            "Default: 0.0.",
        )
        parser.add_argument(
            "--arm",
            action="append",
            default=None,
            metavar="NAME=PRESET[,prompt_version=V][,weight=W]",
            help="An arm of the run, repeated for each: NAME (lower-case, e.g. a, b, tuned; "
            "every record's model_variant) serves a weight/total share of users (sticky by "
            "hash of user_id) with PRESET (same formats as --model) and prompt version V "
            "(default --prompt_version); weight defaults to 1. The first arm is the control "
            "the evaluation compares the others with. Replaces --model, --model_b, "
            "--ab_split and --prompt_version_b (kept as aliases for arms a and b). "
            "Default: none (the aliases decide).",
        )
        parser.add_argument(
            "--ab_stage",
            choices=["apology", "all"],
            default="apology",
            help="Which step the arms after the first serve for their users: apology (only "
            "the apology draft; the first arm analyzes every chat) or all (sentiment too). "
            "Default: apology.",
        )
        parser.add_argument(
            "--prompt_version",
            default=DEFAULT_PROMPT_VERSION,
            help="prompt templates, a file prompts/versions/<version>.json. Every record "
            f"carries it as prompt_version. Default: {DEFAULT_PROMPT_VERSION}.",
        )
        parser.add_argument(
            "--prompt_version_b",
            default=None,
            help="prompt version for arm b of an A/B test (needs --model_b; give the same "
            "preset as --model to compare prompts only). Default: --prompt_version.",
        )
        parser.add_argument(
            "--taxonomy",
            default=DEFAULT_TAXONOMY,
            help="Topic taxonomy, a name in taxonomies/ or a path to such a .json file: the "
            "labels (major.minor) a prompt version that asks for a topic lists, and the only "
            "ones the reply may write. Every row carries topic_major, topic_minor and "
            f"topic_confidence. Default: {DEFAULT_TAXONOMY}.",
        )
        parser.add_argument(
            "--sampler",
            choices=["greedy", "top_k", "top_p", "random"],
            default="greedy",
            help="keras-hub sampler that picks among the allowed tokens: greedy, top_k, top_p "
            "or random. Default: greedy.",
        )
        parser.add_argument(
            "--no_repeat_ngram",
            type=int,
            default=4,
            help="Forbid a reply (summary or apology) from repeating a run of this many tokens "
            "it already wrote, unless nothing else is allowed; a small model left greedy can "
            "otherwise loop on a phrase until its budget ends. Only tokens with a letter are "
            "ever forbidden (numbers and punctuation repeat freely). 0 turns it off. "
            "Default: 4.",
        )
        parser.add_argument(
            "--draft_copy_bias",
            type=float,
            default=0.0,
            help="While an apology is drafted, multiply the probability of every token of the "
            "chat that carries a word (three letters, or Hangul) by exp(this): a small model's "
            "draft then reuses the chat's own words instead of other chats' facts. 0 turns it "
            "off; at most 8. Default: 0 (1.5 made Korean drafts copy chat lines instead of "
            "apologising).",
        )
        parser.add_argument(
            "--summary_copy_bias",
            type=float,
            default=0.5,
            help="The same for the summary of the sentiment reply (the sentiment value and its "
            "confidence are not affected: they are decided on the model's own probabilities). "
            "Default: 0.5 (on the held-out set it made more summaries name the chat's topic "
            "and none junk; 2 copied whole agent lines and junk).",
        )
        parser.add_argument(
            "--constrained_decoding",
            type=_bool,
            default=True,
            help="true: the sentiment reply is constrained to the JSON schema while decoding "
            "(a malformed reply cannot be generated); false: free generation, validated after. "
            "Default: true.",
        )
        parser.add_argument(
            "--review_below_confidence",
            type=float,
            default=None,
            help="Send positive/neutral chats whose sentiment confidence (model probability, "
            "0-1) is below this to review too, with an apology draft. Default: none.",
        )
        parser.add_argument(
            "--review_below_topic_confidence",
            type=float,
            default=None,
            help="Send positive/neutral chats whose topic confidence (the label's probability "
            "among the taxonomy's, 0-1) is below this to review too (review_reason "
            "low_topic_confidence). Default: none.",
        )
        parser.add_argument(
            "--max_chat_bytes",
            type=int,
            default=64 * 1024,
            help="Largest accepted payload in bytes; larger ones go to the error sink. "
            "Default: 65536.",
        )
        parser.add_argument(
            "--max_summary_chars",
            type=int,
            default=256,
            help="Longest accepted summary in characters. Default: 256.",
        )
        parser.add_argument(
            "--max_new_tokens",
            type=int,
            default=160,
            help="Token budget for the sentiment reply. Default: 160.",
        )
        parser.add_argument(
            "--apology_max_new_tokens",
            type=int,
            default=128,
            help="Token budget for the apology draft. Default: 128.",
        )
        parser.add_argument(
            "--length_buckets",
            type=_int_list,
            default=[256, 512, 1024, 2048],
            help="Comma-separated allowed max_length values (prompt + reply tokens); the "
            "largest caps a prompt, longer chats keep their end. Default: 256,512,1024,2048.",
        )
        # Batching.
        parser.add_argument(
            "--min_batch_size",
            type=int,
            default=None,
            help="Smallest RunInference batch Beam aims for. Default: --max_batch_size (full "
            "batches; a partial batch still flushes after --max_batch_duration_secs).",
        )
        parser.add_argument(
            "--max_batch_size",
            type=int,
            default=16,
            help="Largest RunInference batch (one generate call). Default: 16.",
        )
        parser.add_argument(
            "--max_batch_duration_secs",
            type=float,
            default=None,
            help="Flush a partial batch after this many seconds; also enables length-aware "
            "batching. Streaming, or batch on Dataflow: refused with --input on the local "
            "runners (the FnApiRunner drops chats buffered by Beam's timer-based batching). "
            "Default: 1.0 in streaming mode, none in batch mode.",
        )
        parser.add_argument(
            "--batch_bucket_boundaries",
            type=_int_list,
            default=[400, 1600, 6400],
            help="Comma-separated chat lengths in characters: chats in the same range share a "
            "batch (Beam's length-aware batching). Default: 400,1600,6400.",
        )
        parser.add_argument(
            "--share_model_across_processes",
            choices=["auto", "true", "false"],
            default="auto",
            help="true: load the model once per worker in a shared process (for Dataflow, "
            "which runs one SDK process per vCPU); false: once per SDK process; auto: true on "
            "Dataflow, false on the local runners (one process: sharing only adds start-up "
            "time). Default: auto.",
        )
        parser.add_argument(
            "--metrics_window_secs",
            type=float,
            default=60.0,
            help="Streaming: the fixed event-time window of the per-arm monitoring rows "
            "(metrics*.jsonl under --output_dir, --metrics_table) and of the drift check "
            "(pipeline/monitoring.py). Batch runs write one row per arm for the whole run. "
            "Default: 60.",
        )
        parser.add_argument(
            "--metrics_table",
            default=None,
            help="BigQuery table for the per-arm monitoring rows: <project>:<dataset>.<table>. "
            "Default: none.",
        )
        parser.add_argument(
            "--alerts_table",
            default=None,
            help="BigQuery table for drift alerts: <project>:<dataset>.<table>. Default: none.",
        )
        parser.add_argument(
            "--alerts_topic",
            default=None,
            help="Pub/Sub topic for drift alerts: projects/<p>/topics/<t>. Default: none.",
        )
        parser.add_argument(
            "--dedup_window_secs",
            type=float,
            default=600.0,
            help="Drop redeliveries of a chat id seen within this many seconds of event time "
            "(Pub/Sub publish time); 0 turns deduplication off. Default: 600.",
        )
        parser.add_argument(
            "--inference_timeout_secs",
            type=float,
            default=None,
            help="Fail a generate call whose execution runs longer than this many seconds "
            "(loading the model and compiling a new shape are not counted); the call is "
            "abandoned, its chats are retried one by one beside it, and those that hang alone "
            "go to the error sink. Default: none (no limit).",
        )
        parser.add_argument(
            "--compilation_cache_dir",
            default=None,
            help="Persistent JAX compilation cache directory, e.g. /tmp/jax_cache. "
            "Default: none.",
        )

    def sources_and_sinks_errors(self) -> list[str]:
        """Problems with the combination of flags, each naming the flag. Pure: reads no
        file (see `environment_errors`)."""
        problems = []
        chats = bool(self.input or self.input_subscription)
        feedback = bool(self.feedback_input or self.feedback_subscription)
        streaming = bool(self.input_subscription or self.feedback_subscription)
        if self.input and self.input_subscription:
            problems.append("give one of --input or --input_subscription, not both")
        if self.feedback_input and self.feedback_subscription:
            problems.append("give one of --feedback_input or --feedback_subscription, not both")
        if not chats and not feedback:
            problems.append("give --input or --input_subscription (chats), and/or "
                            "--feedback_input or --feedback_subscription (reviewers' feedback)")
        if streaming and (self.input or self.feedback_input):
            problems.append("a job is batch or streaming: --input and --feedback_input do not "
                            "mix with --input_subscription or --feedback_subscription")
        for flag in ("input_subscription", "feedback_subscription"):
            value = getattr(self, flag)
            if value and not _SUBSCRIPTION_RE.match(value):
                problems.append(f"--{flag} must be projects/<p>/subscriptions/<s>")
        for flag in ("output_table", "error_table", "review_table", "feedback_table",
                     "metrics_table", "alerts_table"):
            value = getattr(self, flag)
            if value and not _TABLE_RE.match(value):
                problems.append(f"--{flag} must be <project>:<dataset>.<table>, got {value!r}")
        for flag in ("review_topic", "error_topic", "alerts_topic"):
            value = getattr(self, flag)
            if value and not _TOPIC_RE.match(value):
                problems.append(f"--{flag} must be projects/<p>/topics/<t>, got {value!r}")
        if streaming:
            if self.output_dir:
                problems.append("--output_dir is batch only; streaming needs --output_table, "
                                "--review_topic and --error_table or --error_topic")
            if chats and (not self.output_table or not self.review_topic):
                problems.append("streaming needs --output_table and --review_topic")
            if feedback and not self.feedback_table:
                problems.append("streaming feedback (--feedback_subscription) needs "
                                "--feedback_table")
            if not (self.error_table or self.error_topic):
                problems.append("streaming needs --error_table or --error_topic")
        else:
            cloud = (self.output_table, self.review_topic)
            if chats and not self.output_dir and not all(cloud):
                problems.append("batch needs --output_dir, or --output_table and --review_topic")
            if feedback and not (self.output_dir or self.feedback_table):
                problems.append("--feedback_input needs --output_dir or --feedback_table")
            if not self.output_dir and not (self.error_table or self.error_topic):
                problems.append("without --output_dir, give --error_table or --error_topic")
        if not chats and (self.output_table or self.review_topic or self.review_table):
            problems.append("--output_table, --review_topic and --review_table need a chat "
                            "source (--input or --input_subscription)")
        if not feedback and self.feedback_table:
            problems.append("--feedback_table needs --feedback_input or --feedback_subscription")
        specs = ()
        if self.arm:
            # --model has a default: only a --model other than it is known to be given.
            aliases = [f for f, v in (("--model", self.model != DEFAULT_MODEL),
                                      ("--model_b", self.model_b), ("--ab_split", self.ab_split),
                                      ("--prompt_version_b", self.prompt_version_b)) if v]
            if aliases:
                problems.append(f"--arm replaces {', '.join(aliases)}: give every arm as --arm")
            try:
                specs = self.arm_specs()
            except ValueError as e:
                problems.append(str(e))
            problems.extend(check_arms(specs) if specs else [])
        if not 0.0 <= self.ab_split <= 1.0:
            problems.append(f"--ab_split must be within [0, 1], got {self.ab_split}")
        if self.ab_split > 0 and not self.model_b and not self.arm:
            problems.append("--ab_split needs --model_b")
        if self.prompt_version_b and not self.model_b and not self.arm:
            problems.append("--prompt_version_b needs --model_b (the same preset as --model "
                            "compares prompts only)")
        for flag in ("prompt_version", "prompt_version_b"):
            version = getattr(self, flag)
            if version is None:
                continue
            try:
                load_prompt_set(version)
            except PromptVersionError as e:
                problems.append(f"--{flag}: {e}")
        if self.arm:
            for spec in specs:
                try:
                    load_prompt_set(spec.prompt_version)
                except PromptVersionError as e:
                    problems.append(f"--arm {spec.name}: {e}")
        try:
            load_taxonomy(self.taxonomy)
        except TaxonomyError as e:
            problems.append(f"--taxonomy: {e}")
        min_batch = self.min_batch_size if self.min_batch_size is not None else \
            self.max_batch_size
        if self.max_batch_size < min_batch or min_batch < 1:
            problems.append("need 1 <= --min_batch_size <= --max_batch_size")
        if not self.length_buckets or max(self.length_buckets) <= self.max_new_tokens:
            problems.append("the largest --length_buckets value must exceed --max_new_tokens")
        for flag in ("review_below_confidence", "review_below_topic_confidence"):
            value = getattr(self, flag)
            if value is not None and not 0.0 <= value <= 1.0:
                problems.append(f"--{flag} must be within [0, 1]")
        for flag in ("inference_timeout_secs", "max_batch_duration_secs", "dedup_window_secs",
                     "metrics_window_secs",
                     "ab_split", "review_below_confidence", "review_below_topic_confidence"):
            value = getattr(self, flag)
            if value is not None and not math.isfinite(value):
                problems.append(f"--{flag} must be a finite number, got {value}")
        for flag in ("inference_timeout_secs", "max_batch_duration_secs"):
            value = getattr(self, flag)
            if value is not None and value <= 0:
                problems.append(f"--{flag} must be positive")
        boundaries = self.batch_bucket_boundaries or []
        if boundaries != sorted(set(boundaries)) or (boundaries and boundaries[0] < 1):
            problems.append("--batch_bucket_boundaries must be positive and increasing")
        for flag in ("max_summary_chars", "max_chat_bytes", "max_new_tokens",
                     "apology_max_new_tokens"):
            if getattr(self, flag) < 1:
                problems.append(f"--{flag} must be positive")
        if self.max_summary_chars > 2**31 - 1:
            problems.append("--max_summary_chars must be at most 2147483647 (the decoder counts "
                            "summary characters in int32)")
        if self.length_buckets and min(self.length_buckets) < 1:
            problems.append("--length_buckets values must be positive")
        for flag in ("draft_copy_bias", "summary_copy_bias"):
            bias = getattr(self, flag)
            if not (0 <= bias <= 8):  # NaN fails too
                problems.append(f"--{flag} must be within 0 and 8, got {bias}")
        if self.no_repeat_ngram == 1 or self.no_repeat_ngram < 0:
            problems.append("--no_repeat_ngram must be 0 (off) or at least 2")
        elif self.no_repeat_ngram > min(self.max_new_tokens, self.apology_max_new_tokens):
            problems.append("--no_repeat_ngram must not exceed --max_new_tokens or "
                            "--apology_max_new_tokens (a longer run cannot repeat)")
        if self.length_buckets and max(self.length_buckets) <= self.apology_max_new_tokens:
            problems.append("the largest --length_buckets value must exceed "
                            "--apology_max_new_tokens")
        if not self.metrics_window_secs > 0:  # NaN fails too
            problems.append("--metrics_window_secs must be positive")
        if self.dedup_window_secs < 0:
            problems.append("--dedup_window_secs must be 0 (off) or positive")
        if self.input and self.max_batch_duration_secs is not None and _local_runner(self):
            problems.append("--max_batch_duration_secs is refused in batch mode (--input) on "
                            "the local runner, whose timer-based batching drops buffered "
                            "chats: leave it out")
        return problems

    def environment_errors(self) -> list[str]:
        """Problems found on this machine, each naming the flag: a local --input glob that
        matches no file, a local --model/--model_b that is not a preset directory."""
        problems = []
        if self.input:
            problems.extend(_input_errors(self.input))
        if self.feedback_input:
            problems.extend(_input_errors(self.feedback_input, "--feedback_input"))
        if _local_runner(self) and (self.input or self.input_subscription):
            try:
                specs = self.arm_specs()
            except ValueError:  # a malformed --arm: validate() names it
                specs = ()
            for spec in specs:
                flag = f"--arm {spec.name}" if self.arm else (
                    "--model" if spec.name == CONTROL else "--model_b")
                problems.extend(_model_errors(flag, spec.preset))
        return problems

    def arm_specs(self) -> tuple[ArmSpec, ...]:
        """The run's arms, the control first: the `--arm`s, or from the aliases arm a
        (`--model`, `--prompt_version`) and, with `--model_b`, arm b (`--model_b`,
        `--prompt_version_b` or `--prompt_version`) with `--ab_split` of the users.

        Raises:
            ValueError: a malformed `--arm`.
        """
        if self.arm:
            return tuple(parse_arm(text, self.prompt_version) for text in self.arm)
        if not self.model_b:
            return (ArmSpec(CONTROL, self.model, self.prompt_version, 1.0),)
        return (ArmSpec(CONTROL, self.model, self.prompt_version, 1.0 - self.ab_split),
                ArmSpec("b", self.model_b, self.prompt_version_b or self.prompt_version,
                        self.ab_split))


def help_text() -> str:
    """`--help` for the pipeline's own flags (Beam's PipelineOptions swallows --help)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Customer-support chat analysis with Gemma on Apache Beam. Any Beam "
        "pipeline option (--runner, --project, --region, ...) is accepted too.",
        epilog="Output: a progress bar on a terminal, a progress line every 30 s otherwise; "
        "third-party libraries log warnings only. -v / --verbose: every library's log "
        "lines; --log_level DEBUG|INFO|WARNING|ERROR: the pipeline's own (default INFO).")
    ChatPipelineOptions._add_argparse_args(parser)
    return parser.format_help()


def share_model(options: PipelineOptions) -> bool:
    """Resolves --share_model_across_processes (auto: only on Dataflow)."""
    value = options.view_as(ChatPipelineOptions).share_model_across_processes
    if value == "auto":
        runner = options.view_as(StandardOptions).runner or ""
        return "dataflow" in str(runner).lower()
    return value == "true"


def validate_options(options: PipelineOptions) -> ChatPipelineOptions:
    """Returns the chat options, or raises `OptionsError` (a ValueError) listing every
    problem: flag combinations first, then the files and directories they name."""
    chat = options.view_as(ChatPipelineOptions)
    problems = [f"--{name} is not an option of this pipeline or of Beam (a typo?)"
                for name in sorted(unknown_flags(options))]
    problems.extend(chat.sources_and_sinks_errors())
    problems.extend(chat.environment_errors())
    if problems:
        raise OptionsError(problems)
    return chat


def unknown_flags(options: PipelineOptions) -> set[str]:
    """Flags no PipelineOptions class knows (Beam only logs a warning for them)."""
    every = options.get_all_options(drop_default=False, retain_unknown_options=True)
    known = options.get_all_options(drop_default=False, retain_unknown_options=False)
    return set(every) - set(known)
