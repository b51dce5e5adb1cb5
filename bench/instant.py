"""An instant stand-in for the model, behind the real handler: for measuring what the
pipeline and the runner cost around inference. Not the product.

`instant_factory` builds the production `KerasHubCausalLMHandler` (same batching settings,
same RunInference path, same metrics) whose `load_model` returns an engine that answers at
once: a valid reply whose sentiment follows a hash of the chat (a third negative, so the
apology stage runs too), or a short apology text.
"""

from __future__ import annotations

import json
import zlib

from handlers.generation import BatchGeneration, Engine, Generation, Task
from handlers.keras_hub_handler import KerasHubCausalLMHandler

__all__ = ["InstantEngine", "instant_factory"]


class InstantEngine(Engine):
    """`CausalLMEngine.generate`'s contract with no model behind it. With topics (the reply
    grammar's, or `topics` when a call gives none), the reply carries the first label, as the
    grammar would make a model write one."""

    def __init__(self, topics: tuple[str, ...] = ()):
        self.topics = tuple(topics)

    def generate(self, prompts, max_new_tokens: int, task: Task,
                 timeout_secs: float | None = None, reply_spec=None) -> BatchGeneration:
        topics = reply_spec.topics if reply_spec is not None else self.topics
        rows = []
        for prompt in prompts:
            if task == Task.SENTIMENT:
                sentiment = zlib.crc32(prompt.chat.encode("utf-8")) % 3 - 1
                reply = {"sentiment": sentiment, "summary": "instant reply"}
                if topics:
                    reply["topic"] = topics[0]
                text = json.dumps(reply)
            else:
                text = "We are sorry for the trouble."
            rows.append(Generation(text=text, prompt_tokens=len(prompt.chat),
                                   generated_tokens=8, inference_ms=0.0,
                                   sentiment_confidence=1.0,
                                   topic_confidence=1.0 if topics else None))
        return BatchGeneration(tuple(rows), padded_batch_size=len(prompts))


class _InstantHandler(KerasHubCausalLMHandler):
    def load_model(self) -> InstantEngine:
        return InstantEngine()

    def share_model_across_processes(self) -> bool:
        return False


def instant_factory(preset: str, task: Task, arm: str, opts) -> KerasHubCausalLMHandler:
    from pipeline.pipeline import default_handler_factory

    return default_handler_factory(preset, task, arm, opts, handler_class=_InstantHandler)
