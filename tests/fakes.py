"""Test doubles. A fake handler is fine for routing tests; it is not the product."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from handlers.deadline import DeadlineRunner
from handlers.generation import Generation, Task

_REPLY = re.compile(r"REPLY<<(.*?)>>", re.S)
_RETRY = re.compile(r"RETRY<<(.*?)>>", re.S)
_CONF = re.compile(r"CONF<<(.*?)>>", re.S)


class _FakeModel:
    """Beam caches models through weak references, which plain `object()` does not allow."""

    def __init__(self):
        self.deadlines = DeadlineRunner()


class ScriptedHandler(ModelHandler):
    """Replies with the text between `REPLY<<` and `>>` in the chat (`RETRY<<...>>` for the
    strict retry prompt, `CONF<<x>>` sets the confidence); raises on `RAISE`,
    sleeps on `HANG`. Apology prompts get `APOLOGY` (or an empty draft on `NOAPOLOGY`).
    `timeout_secs` is applied like the real handler's (the product's deadline)."""

    def __init__(self, task: Task = Task.SENTIMENT, max_batch_size: int = 8, hang_secs: float = 5,
                 timeout_secs: float | None = None):
        super().__init__()
        self._task = task
        self._max = max_batch_size
        self._hang = hang_secs
        self._timeout = timeout_secs

    def load_model(self):
        return _FakeModel()

    def run_inference(self, batch: Sequence, model, inference_args=None):
        return model.deadlines.run(lambda: self._replies(batch), self._timeout,
                                   f"scripted generate for a batch of {len(batch)}")

    def _replies(self, batch: Sequence):
        out = []
        for prompt in batch:
            if "RAISE" in prompt.chat:
                raise RuntimeError("injected failure for a chat containing RAISE")
            if "HANG" in prompt.chat:
                time.sleep(self._hang)
            if self._task == Task.APOLOGY:
                text = "" if "NOAPOLOGY" in prompt.chat else "We are sorry."
            else:
                strict = "Reply with exactly one JSON object" in prompt.head
                match = (strict and _RETRY.search(prompt.chat)) or _REPLY.search(prompt.chat)
                text = match.group(1) if match else "no json here"
            conf = _CONF.search(prompt.chat)
            out.append(PredictionResult(prompt, Generation(
                text=text, prompt_tokens=10, generated_tokens=5, inference_ms=1.0,
                sentiment_confidence=float(conf.group(1)) if conf else None)))
        return out

    def batch_elements_kwargs(self):
        return {"max_batch_size": self._max}

    def with_batch_size(self, n: int) -> ScriptedHandler:
        return ScriptedHandler(self._task, n, self._hang, self._timeout)


def scripted_factory(preset: str, task: Task, arm: str, opts) -> ScriptedHandler:
    return ScriptedHandler(task, timeout_secs=opts.inference_timeout_secs)
