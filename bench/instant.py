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
from typing import Any

from handlers.keras_hub_handler import KerasHubCausalLMHandler

__all__ = ["InstantEngine", "instant_factory"]


class InstantEngine:
    """`CausalLMEngine.generate`'s contract with no model behind it."""

    def generate(self, prompts, max_new_tokens: int, task: str,
                 timeout_secs: float | None = None) -> list[dict[str, Any]]:
        out = []
        for row, prompt in enumerate(prompts):
            if task == "reply":
                sentiment = zlib.crc32(prompt.chat.encode("utf-8")) % 3 - 1
                text = json.dumps({"sentiment": sentiment, "summary": "instant reply"})
            else:
                text = "We are sorry for the trouble."
            out.append({"text": text, "token_ids": [], "prompt_tokens": len(prompt.chat),
                        "generated_tokens": 8, "inference_ms": 0.0, "truncated": False,
                        "sentiment_confidence": 1.0, "finished": True, "compiled": False,
                        "first_in_batch": row == 0, "batch_size": len(prompts),
                        "padded_batch_size": len(prompts), "max_length": 0})
        return out


class _InstantHandler(KerasHubCausalLMHandler):
    def load_model(self) -> InstantEngine:
        return InstantEngine()

    def share_model_across_processes(self) -> bool:
        return False


def instant_factory(preset: str, task: str, opts) -> KerasHubCausalLMHandler:
    from pipeline.pipeline import default_handler_factory

    return default_handler_factory(preset, task, opts, handler_class=_InstantHandler)
