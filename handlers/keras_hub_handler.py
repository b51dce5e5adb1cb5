"""A thin Beam ModelHandler for keras-hub causal LMs (Gemma first)."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from apache_beam.metrics import Metrics
from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from handlers import shapes
from handlers.backend import WORKER_ENV_VARS
from handlers.constrained import ReplySpec
from handlers.errors import ModelUnavailable
from handlers.generation import BatchGeneration, Task
from prompts import Prompt

__all__ = [
    "KerasHubCausalLMHandler",
    "LazyEngine",
    "forget_engines",
    "loaded_engines",
    "prompt_length",
]

_LOGGER = logging.getLogger(__name__)

# Engines loaded in this process, by their full settings. Every RunInference stage (first
# pass, retries, apologies) of one preset finds the same engine here, whatever Beam's own
# sharing does: with `share_model_across_processes` off, each stage has its own
# `shared.Shared` handle and would otherwise load its own copy.
_ENGINES: dict[str, Any] = {}
_ENGINES_LOCK = threading.Lock()


def loaded_engines() -> int:
    """How many engines this process holds."""
    return len(_ENGINES)


def compiled_programs() -> int:
    """Generate programs compiled by every engine this process holds (every preset, every
    task and shape): what a worker pays in compile time."""
    with _ENGINES_LOCK:
        return sum(engine.compiles for engine in _ENGINES.values())


def forget_engines() -> None:
    """Drops this process's engines (tests; a worker keeps its engines while it lives)."""
    with _ENGINES_LOCK:
        _ENGINES.clear()
        _LOAD_FAILURES.clear()


# A failed load is not retried for this long: every batch meanwhile fails at once with the
# same ModelUnavailable instead of paying for another failing load.
LOAD_RETRY_AFTER_SECS = 60.0
_LOAD_FAILURES: dict[str, tuple[float, str]] = {}


def _settings_key(settings: dict[str, Any]) -> str:
    """One string per distinct engine configuration (the reply spec by its fields)."""
    return json.dumps(settings, sort_keys=True,
                      default=lambda v: dataclasses.asdict(v) if dataclasses.is_dataclass(v)
                      else list(v))


def _engine(settings: dict[str, Any], key: str):
    with _ENGINES_LOCK:  # a second stage asking for the same model waits and reuses it
        engine = _ENGINES.get(key)
        if engine is not None:
            return engine
        failed = _LOAD_FAILURES.get(key)
        if failed and time.monotonic() - failed[0] < LOAD_RETRY_AFTER_SECS:
            raise ModelUnavailable(failed[1])
        from handlers.engine import CausalLMEngine

        _LOGGER.info("loading %s (engine %d in this process)", settings["preset"],
                     len(_ENGINES) + 1)
        try:
            engine = CausalLMEngine(**settings)
        except Exception as exc:  # noqa: BLE001 (any load failure makes the model unavailable)
            reason = f"loading {settings['preset']} failed: {type(exc).__name__}: {exc}"
            _LOAD_FAILURES[key] = (time.monotonic(), reason)
            raise ModelUnavailable(reason) from exc
        _LOAD_FAILURES.pop(key, None)
        _ENGINES[key] = engine
    return engine


class LazyEngine:
    """What `load_model` returns: the process's engine for these settings, loaded on the
    first `generate`. A stage that never receives a chat (an A/B arm with no traffic) loads
    nothing, and loading is never charged to an inference deadline. Only `generate` is
    called through it, so it also works behind Beam's multi-process proxy."""

    def __init__(self, settings: dict[str, Any]):
        self._settings = settings
        self._key = _settings_key(settings)  # once, not per batch

    @property
    def engine(self):
        """The loaded `CausalLMEngine` (loads it if this process has not yet)."""
        return _engine(self._settings, self._key)

    def generate(self, *args, **kwargs):
        return self.engine.generate(*args, **kwargs)


def prompt_length(element: Any) -> int:
    """Length key for batching: characters of the prompt's chat (keyed or not)."""
    prompt = element[1] if isinstance(element, tuple) and len(element) == 2 else element
    return len(prompt.chat) if isinstance(prompt, Prompt) else len(str(prompt))


class KerasHubCausalLMHandler(ModelHandler[Prompt, PredictionResult, Any]):
    """Runs a keras-hub `CausalLM` preset through RunInference.

    `load_model` builds a `CausalLMEngine` (which calls `CausalLM.from_preset`);
    `run_inference` makes one batched generate call per batch and returns one
    `PredictionResult` per prompt, in order. Two handlers with the same `preset` and
    `model_identifier` in one pipeline share one loaded model (`pipeline.pipeline.ArmStages`
    gives them one, and checks their `engine_settings` are equal).

    Args:
        preset: local dir, `gs://...`, `kaggle://...` handle or preset name.
        max_new_tokens: reply budget; `max_length` = prompt tokens + this, bucketed.
        min_batch_size / max_batch_size / max_batch_duration_secs: Beam's batching
            (`BatchElements`). `max_batch_size` also sizes the engine's padded batch buckets,
            which `with_batch_size` keeps, so a copy batching fewer shares the model.
        batch_bucket_boundaries: chat-length (characters) boundaries for Beam's
            length-aware batching; used when a batch duration is set.
        length_buckets: allowed `max_length` values; the largest caps prompt + reply.
        share_across_processes: load once per worker instead of once per SDK process.
        compilation_cache_dir: persistent JAX compilation cache directory (optional).
        sampler: keras-hub sampler name (`greedy`, `top_k`, `top_p`, ...).
        task: `Task.SENTIMENT` (the reply JSON, schema-constrained) or `Task.APOLOGY`
            (free text).
        constrained: constrain `Task.SENTIMENT` generations to the schema (decoding-time).
        reply_spec: the reply grammar, from `pipeline.schemas.reply_constraint_spec()`.
            Engine settings (everything but task and batching) must be identical for
            handlers that share a model.
        metrics_namespace: Beam metrics namespace for this handler: RunInference's own
            metrics and the batch figures `run_inference` records (`batch_ms`,
            `tokens_per_s`, `xla_compiles`).
        timeout_secs: deadline on each batch's generate execution (not on loading or
            compiling); a batch past it raises `deadline.InferenceTimeout`.
        no_repeat_ngram: forbid a reply from repeating one of its own n-grams (0: off).
        banned_words: words a free-text reply may not write (the engine's `banned_words`).
        copy_bias: per task, the bonus for the chat's own word tokens (the engine's
            `copy_bias`).
    """

    def __init__(
        self,
        preset: str,
        *,
        max_new_tokens: int = 128,
        min_batch_size: int = 1,
        max_batch_size: int = 16,
        max_batch_duration_secs: float | None = None,
        length_buckets: Sequence[int] = shapes.DEFAULT_LENGTH_BUCKETS,
        share_across_processes: bool = True,
        compilation_cache_dir: str | None = None,
        sampler: str = "greedy",
        seed: int | None = None,
        task: Task = Task.APOLOGY,
        constrained: bool = True,
        reply_spec: ReplySpec | None = None,
        batch_bucket_boundaries: Sequence[int] | None = None,
        metrics_namespace: str = "gemma",
        timeout_secs: float | None = None,
        no_repeat_ngram: int = 0,
        banned_words: Sequence[str] = (),
        copy_bias: Mapping[str, float] | None = None,
    ):
        # RunInference sets these in the worker before `load_model` (KERAS_BACKEND=jax).
        super().__init__(env_vars=dict(WORKER_ENV_VARS))
        self._preset = preset
        self._max_new_tokens = max_new_tokens
        self._task = Task(task)
        self._namespace = metrics_namespace
        self._timeout = timeout_secs
        # What the engine is built with: handlers that share a model must agree on all of it.
        self._engine_settings = {
            "preset": preset,
            "max_batch_size": max_batch_size,
            "length_buckets": list(length_buckets),
            "compilation_cache_dir": compilation_cache_dir,
            "sampler": sampler,
            "seed": seed,
            "constrained": constrained,
            "no_repeat_ngram": no_repeat_ngram,
            "banned_words": list(banned_words),
            "copy_bias": {str(Task(k)): float(v) for k, v in (copy_bias or {}).items()},
        }
        # Per handler, not per engine: arms that share a model may ask for different replies
        # (a prompt version with a topic beside one without), so it goes with each call.
        self._reply_spec = reply_spec
        self._share = share_across_processes
        # Beam's BatchElements settings, kept in one dict as Beam's own handlers keep them.
        self._batching_kwargs: dict[str, Any] = {
            "min_batch_size": min_batch_size,
            "max_batch_size": max_batch_size,
        }
        if max_batch_duration_secs is not None:
            self._batching_kwargs["max_batch_duration_secs"] = max_batch_duration_secs
            if batch_bucket_boundaries:
                # Length-aware batching (Beam applies it with a batch duration): chats of
                # similar length share a batch, so padding to the longest row wastes little.
                self._batching_kwargs["length_fn"] = prompt_length
                self._batching_kwargs["bucket_boundaries"] = list(batch_bucket_boundaries)

    @property
    def engine_settings(self) -> dict[str, Any]:
        """What `load_model`'s engine is built with (a copy)."""
        return copy.deepcopy(self._engine_settings)

    def load_model(self) -> LazyEngine:
        """The process's engine for this preset and settings, loaded on first use."""
        return LazyEngine(self.engine_settings)

    def run_inference(
        self,
        batch: Sequence[Prompt],
        model,
        inference_args: dict[str, Any] | None = None,
    ) -> Iterable[PredictionResult]:
        spec = {"reply_spec": self._reply_spec} if self._reply_spec is not None else {}
        outputs = model.generate(list(batch), self._max_new_tokens, self._task,
                                 timeout_secs=self._timeout, **spec)
        if len(outputs) != len(batch):
            raise RuntimeError(f"model returned {len(outputs)} replies for {len(batch)} prompts")
        self._record_batch(outputs)
        return [
            PredictionResult(example=prompt, inference=output, model_id=self._preset)
            for prompt, output in zip(batch, outputs, strict=True)
        ]

    def _record_batch(self, outputs: BatchGeneration) -> None:
        """The batch's own figures, once per batch, in this handler's namespace."""
        Metrics.distribution(self._namespace, "batch_ms").update(int(outputs.inference_ms))
        tokens_per_s = outputs.tokens_per_s
        if tokens_per_s is not None:
            Metrics.distribution(self._namespace, "tokens_per_s").update(int(tokens_per_s))
        if outputs.compiled:
            Metrics.counter(self._namespace, "xla_compiles").inc()

    def get_num_bytes(self, batch: Sequence[Prompt]) -> int:
        return sum(len(p.text.encode("utf-8")) for p in batch)

    def share_model_across_processes(self) -> bool:
        """An LLM must load once per worker: Dataflow runs one SDK process per vCPU."""
        return self._share

    def batch_elements_kwargs(self) -> dict[str, Any]:
        """Beam's batching settings; `max_batch_weight` is never passed (Beam 2.77's
        RunInference rejects it)."""
        return dict(self._batching_kwargs)

    def get_metrics_namespace(self) -> str:
        """Per-handler namespace, so A/B arms and passes report separately."""
        return self._namespace

    def with_batch_size(self, max_batch_size: int) -> KerasHubCausalLMHandler:
        """A copy that batches at most `max_batch_size` elements; the loaded engine (and so
        the shared model) is configured identically, so both share one model."""
        clone = copy.copy(self)
        clone._batching_kwargs = {
            **self._batching_kwargs,
            "max_batch_size": max_batch_size,
            "min_batch_size": min(self._batching_kwargs["min_batch_size"], max_batch_size),
        }
        return clone
