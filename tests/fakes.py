"""Test doubles. A fake handler is fine for routing tests; it is not the product."""

from __future__ import annotations

import functools
import json
import re
import string
import time
from collections.abc import Sequence

from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from handlers.deadline import DeadlineRunner
from handlers.generation import Generation, Task
from prompts import Prompt, available_versions, load_prompt_set, render_sentiment_prompt
from taxonomies import load_taxonomy

_REPLY = re.compile(r"REPLY<<(.*?)>>", re.S)
_RETRY = re.compile(r"RETRY<<(.*?)>>", re.S)
_CONF = re.compile(r"(?<!TOPIC)CONF<<(.*?)>>", re.S)
_TOPIC_CONF = re.compile(r"TOPICCONF<<(.*?)>>", re.S)
_DRAFT = re.compile(r"(?<!RE)DRAFT<<(.*?)>>", re.S)
_REDRAFT = re.compile(r"REDRAFT<<(.*?)>>", re.S)


def _head_pattern(template: str) -> re.Pattern:
    """What a template's head (everything before `{chat}`) renders to: its literal text, with
    any value in each field."""
    head = template.split("{chat}")[0]
    parts = []
    for literal, field, _, _ in string.Formatter().parse(head):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".*?")
    return re.compile("".join(parts), re.S)


@functools.cache
def _template_heads() -> dict[tuple[str, str], re.Pattern]:
    """(version, template name) -> the head pattern of every shipped prompt version's
    templates. Checked here: a strict prompt's head matches its own strict template and not
    the ordinary one, and the other way round, so a template edit can only make the fake fail
    loudly, never quietly take the other branch."""
    heads = {}
    for version in available_versions():
        prompt_set = load_prompt_set(version)
        for name in ("sentiment", "strict_sentiment", "apology", "strict_apology"):
            if getattr(prompt_set, name) is not None:
                heads[version, name] = _head_pattern(getattr(prompt_set, name))
        strict, plain = (render_sentiment_prompt("id 1: hi", 1, 100, strict=flag,
                                                 prompt_set=prompt_set,
                                                 topics=load_taxonomy().labels).head
                         for flag in (True, False))
        assert heads[version, "strict_sentiment"].fullmatch(strict), version
        assert not heads[version, "strict_sentiment"].fullmatch(plain), version
        assert not heads[version, "sentiment"].fullmatch(strict), version
    return heads


def templates_of(prompt: Prompt) -> set[tuple[str, str]]:
    """The (version, template name) pairs whose template renders `prompt`'s head: by the
    template it came from, not by a phrase of its wording."""
    return {key for key, pattern in _template_heads().items()
            if pattern.fullmatch(prompt.head)}


def asks_topic(prompt: Prompt) -> bool:
    """Whether `prompt` came from a sentiment template that asks for a topic."""
    return any(name in ("sentiment", "strict_sentiment") and load_prompt_set(v).asks_topic
               for v, name in templates_of(prompt))


def with_topic(text: str) -> str:
    """A scripted JSON object reply with `"topic": "general.other"` added when it has none
    (anything else as it is)."""
    try:
        obj = json.loads(text)
    except ValueError:
        return text
    if not isinstance(obj, dict) or "topic" in obj:
        return text
    body = text.rstrip()  # a JSON object: ends with its brace; the rest stays as scripted
    return body[:-1].rstrip() + (', ' if obj else '') + '"topic": "general.other"}'


def is_strict_prompt(prompt: Prompt) -> bool:
    """Whether `prompt` was rendered from a prompt version's strict (retry) template."""
    return any(name == "strict_sentiment" for _, name in templates_of(prompt))


class _FakeModel:
    """Beam caches models through weak references, which plain `object()` does not allow."""

    def __init__(self):
        self.deadlines = DeadlineRunner()


class ScriptedHandler(ModelHandler):
    """Replies with the text between `REPLY<<` and `>>` in the chat (`RETRY<<...>>` for the
    strict retry prompt, `CONF<<x>>` sets the confidence, `TOPICCONF<<x>>` the topic's);
    under a prompt that asks for a topic, a scripted JSON object without one gets
    `"topic": "general.other"` (the reply grammar makes a real model write one), unless the
    chat says `NOTOPIC`; raises on `RAISE`,
    sleeps on `HANG`. Apology prompts get `DRAFT<<...>>` (`REDRAFT<<...>>` for the redraft
    prompt) or else "We are sorry." (an empty draft on `NOAPOLOGY`;
    on `VERSION`, with the prompt versions whose apology template rendered it before the
    final stop: "We are sorry (v2).").
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
                redraft = any(name == "strict_apology" for _, name in templates_of(prompt))
                scripted = (_REDRAFT if redraft else _DRAFT).search(prompt.chat)
                text = "" if "NOAPOLOGY" in prompt.chat else (
                    scripted.group(1) if scripted else "We are sorry.")
                if "VERSION" in prompt.chat:
                    versions = sorted(v for v, name in templates_of(prompt) if name == "apology")
                    # Inside the sentence: a draft keeps its apology sentence whole.
                    text = f"{text.rstrip('.')} ({', '.join(versions)})."
            else:
                strict = is_strict_prompt(prompt)
                match = (strict and _RETRY.search(prompt.chat)) or _REPLY.search(prompt.chat)
                text = match.group(1) if match else "no json here"
                if asks_topic(prompt) and "NOTOPIC" not in prompt.chat:
                    text = with_topic(text)
            conf = _CONF.search(prompt.chat)
            topic_conf = _TOPIC_CONF.search(prompt.chat)
            out.append(PredictionResult(prompt, Generation(
                text=text, prompt_tokens=10, generated_tokens=5, inference_ms=1.0,
                sentiment_confidence=float(conf.group(1)) if conf else None,
                topic_confidence=float(topic_conf.group(1)) if topic_conf else None)))
        return out

    def batch_elements_kwargs(self):
        return {"max_batch_size": self._max}

    def with_batch_size(self, n: int) -> ScriptedHandler:
        return ScriptedHandler(self._task, n, self._hang, self._timeout)


def scripted_factory(preset: str, task: Task, arm: str, opts) -> ScriptedHandler:
    return ScriptedHandler(task, timeout_secs=opts.inference_timeout_secs)
