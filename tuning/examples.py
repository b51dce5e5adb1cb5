"""Labelled chats -> training sequences in the pipeline's own prompt and reply format.

Each labelled chat gives a sentiment sequence (the prompt `pipeline.transforms` sends to the
model, and as target the exact reply the constrained decoder writes:
`{"sentiment": V, "summary": "S"}` then `<end_of_turn>`) and, when it has an apology, an
apology sequence (`render_apology_prompt` with the labelled summary, target the apology text
then `<end_of_turn>`). Prompts are tokenized as `CausalLMEngine._encode` does: the chat's
special pieces neutralised, BOS prepended, the start of the chat dropped when the prompt is
over budget (`shapes.keep_end_within`).

Special pieces: the engine breaks every special piece of the tokenizer in a chat
(`prompts.neutralise` with `special_piece_texts`) so a chat cannot produce their ids, and
training prompts get the same treatment. Targets are refused instead (`Encoder.screen`): a
summary or an approved reply that spells a special piece (`<start_of_image>`, `<unused0>`,
`<end_of_turn>`) or a prompt marker would be tokenized to the special id itself, teaching the
model to write ids the pipeline's decoder never writes; and neutralising it would train on a
text nobody wrote or approved (`< start_of_image>`). The check is `prompts.first_marker`, the
same matcher `neutralise` uses, with the same pieces. A refused chat is reported by name (its
chat id) with the field and the piece, counted in the tuning run's record, never dropped
silently; `encode` raises on a chat that was not screened.

Every text must also show something (`pipeline.schemas.require_visible`): a chat, summary or
apology made only of zero-width, control, combining or blank-rendering characters is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from handlers import shapes
from handlers.generation import Task
from handlers.special_pieces import special_piece_texts
from pipeline.schemas import SENTIMENT_VALUES, require_visible
from prompts import (
    Prompt,
    first_marker,
    neutralise,
    render_apology_prompt,
    render_sentiment_prompt,
)
from prompts.templates import PROMPT_MARKERS, TURN_END, PromptSet, load_prompt_set
from taxonomies import prompt_topics

__all__ = [
    "Encoder",
    "LabelledChat",
    "TrainingSequence",
    "parse_labelled_chat",
    "read_labelled_chats",
    "read_labelled_records",
    "reply_prefix",
    "reply_text",
]

_LOGGER = logging.getLogger(__name__)

# The control characters JSON writes as short escapes; the reply grammar refuses `\u` escapes,
# so any other control character cannot appear in a summary the decoder can write.
_SHORT_ESCAPES = "\b\f\n\r\t"


@dataclass(frozen=True)
class LabelledChat:
    """One line of the training file."""

    user_id: int
    chat_message: str
    sentiment: int
    summary: str
    apology: str | None = None
    language: str | None = None
    # `major.minor` (a data file writes `{"major": M, "minor": m}`); checked against the
    # run's taxonomy by `Encoder.target_problem`, not here.
    topic: str | None = None


class TrainingSequence(NamedTuple):
    """Prompt token ids (BOS first) and target token ids (stop token last) of one task.
    `label_span` is the `[start, end)` of the target tokens that write the sentiment value
    (`(0, 0)` for an apology): the tokens the pipeline's routing depends on."""

    task: str
    prompt_ids: list[int]
    target_ids: list[int]
    chat_index: int
    truncated: bool
    label_span: tuple[int, int] = (0, 0)


def _text_field(obj: dict, name: str, *, optional: bool = False) -> str | None:
    value = obj.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r:.80}")
    return require_visible(value, name)


def _no_markers(name: str, text: str) -> None:
    for marker in PROMPT_MARKERS:
        if marker in text:
            raise ValueError(f"{name} contains the prompt marker {marker!r}")


def parse_labelled_chat(obj: Any) -> LabelledChat:
    """Validates one decoded JSON line.

    Raises:
        ValueError: naming the field that is missing or wrong.
    """
    if not isinstance(obj, dict):
        raise ValueError(f"a line must be a JSON object, got {type(obj).__name__}")
    user_id = obj.get("user_id")
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ValueError(f"user_id must be an integer, got {user_id!r:.80}")
    sentiment = obj.get("sentiment")
    if isinstance(sentiment, bool) or sentiment not in SENTIMENT_VALUES:
        raise ValueError(f"sentiment must be one of {SENTIMENT_VALUES}, got {sentiment!r:.80}")
    chat = _text_field(obj, "chat_message")
    summary = _text_field(obj, "summary").strip()
    bad = [c for c in summary if ord(c) < 0x20 and c not in _SHORT_ESCAPES]
    if bad:
        raise ValueError(f"summary contains control character {bad[0]!r}, which the reply "
                         "grammar cannot write")
    _no_markers("summary", summary)
    apology = _text_field(obj, "apology", optional=True)
    if apology is not None:
        apology = apology.strip()
        _no_markers("apology", apology)
    language = obj.get("language")
    if language is not None and not isinstance(language, str):
        raise ValueError(f"language must be a string, got {language!r:.80}")
    topic = obj.get("topic")
    if topic is not None:
        if not isinstance(topic, dict) or set(topic) != {"major", "minor"} or not all(
                isinstance(v, str) and v for v in topic.values()):
            raise ValueError(f'topic must be {{"major": str, "minor": str}}, got {topic!r:.80}')
        topic = f"{topic['major']}.{topic['minor']}"
    return LabelledChat(user_id, chat, int(sentiment), summary, apology, language, topic)


def in_calibration_holdout(chat: LabelledChat, percent: int) -> bool:
    """Whether `chat` is among the `percent` % kept out of training for calibration: by the
    sha256 of its chat text, so the split is the same on every run, in `python -m tuning`
    and `python -m tuning.calibrate`, whatever the order or subset of the file."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(chat.chat_message.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def read_labelled_records(path: str) -> list[tuple[str, LabelledChat]]:
    """Every labelled chat of a JSON-lines file (blank lines skipped), each with the name its
    problems are reported under: `chat <chat_id> (<file>:<line>)` when the line has an
    integer `chat_id` (`tuning.feedback.format_chats` writes one), else `<file>:<line>`.

    Raises:
        ValueError: the first bad line, with its number and the field.
    """
    chats = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                chat = parse_labelled_chat(obj)
            except ValueError as e:  # JSONDecodeError is a ValueError
                raise ValueError(f"{path}:{number}: {e}") from None
            where = f"{os.path.basename(path)}:{number}"
            chat_id = obj.get("chat_id")
            if isinstance(chat_id, int) and not isinstance(chat_id, bool):
                where = f"chat {chat_id} ({where})"
            chats.append((where, chat))
    if not chats:
        raise ValueError(f"{path} holds no labelled chat")
    return chats


def read_labelled_chats(path: str) -> list[LabelledChat]:
    """Every labelled chat of a JSON-lines file (blank lines skipped).

    Raises:
        ValueError: the first bad line, with its number and the field.
    """
    return [chat for _, chat in read_labelled_records(path)]


def reply_text(sentiment: int, summary: str, max_summary_chars: int,
               topic: str | None = None) -> str:
    """The reply exactly as the constrained decoder writes it (`handlers.constrained`):
    `{"sentiment": V, "summary": "S"}` with S a JSON string body of at most
    `max_summary_chars` characters as written (escapes counted), non-ASCII written raw; with
    a topic, `{"sentiment": V, "summary": "S", "topic": "major.minor"}`.

    Raises:
        ValueError: the summary is too long for the grammar's budget.
    """
    body = json.dumps(summary, ensure_ascii=False)[1:-1]
    if len(body) > max_summary_chars:
        raise ValueError(f"summary has {len(body)} characters as JSON, more than "
                         f"max_summary_chars={max_summary_chars}")
    head = f'{{"sentiment": {sentiment}, "summary": "{body}"'
    return head + ("}" if topic is None else f', "topic": "{topic}"}}')


def reply_prefix(sentiment: int, summary: str, max_summary_chars: int) -> str:
    """The reply up to the end of the summary's text, no closing quote: what a chat labelled
    with no topic teaches under a prompt that asks for one (the rest is not labelled, so it is
    not taught; the quote is left out because Gemma writes it fused with what follows)."""
    return reply_text(sentiment, summary, max_summary_chars)[:-2]


def _piece_id(tokenizer, piece: str) -> int | None:
    try:
        token_id = tokenizer.token_to_id(piece)
    except (KeyError, ValueError):
        return None
    if token_id is None or tokenizer.id_to_token(int(token_id)) != piece:
        return None
    return int(token_id)


class Encoder:
    """Token ids as `CausalLMEngine` makes them, plus the targets the model should write.

    Args:
        tokenizer: the preset's keras-hub SentencePiece tokenizer.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.special_pieces = special_piece_texts(tokenizer)
        # What no target may spell: every special piece, and the prompt's own markers.
        self.refused_in_targets = tuple(dict.fromkeys((*PROMPT_MARKERS, *self.special_pieces)))
        self.bos_id = int(tokenizer.start_token_id)
        # The pipeline stops on <end_of_turn> (or the end token): the reply ends with it.
        eot = _piece_id(tokenizer, TURN_END)
        self.stop_id = eot if eot is not None else int(tokenizer.end_token_id)
        self._value_ids: dict[int, list[list[int]]] = {}

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return [list(map(int, ids)) for ids in self.tokenizer(list(texts))]

    def prompt_ids(self, prompts: Sequence[Prompt], budget: int) -> list[tuple[list[int], bool]]:
        """`[BOS] + ids` of each prompt, chat neutralised, cut from the chat's start to fit
        `budget` tokens (`(ids, truncated)`): `CausalLMEngine._encode`'s rule."""
        parts = [p._replace(chat=neutralise(p.chat, self.special_pieces)) for p in prompts]
        out = []
        for part, ids in zip(parts, self._ids([p.text for p in parts]), strict=True):
            ids = [self.bos_id, *ids]
            if len(ids) <= budget:
                out.append((ids, False))
                continue
            cut = shapes.keep_end_within(
                part, budget, lambda text: [self.bos_id, *self._ids([text])[0]])
            out.append((cut, True))
        return out

    def target_problem(self, chat: LabelledChat,
                       tasks: Sequence[Task] = (Task.SENTIMENT, Task.APOLOGY),
                       topics: Sequence[str] = ()) -> str | None:
        """Why `chat` cannot be trained on as written, or None: a text that becomes a target
        of `tasks` (the summary in the sentiment reply, the apology) spells a special piece
        of this tokenizer or a prompt marker (`prompts.first_marker`, `neutralise`'s
        matcher); or, when the prompt asks for a topic (`topics`: the taxonomy's labels), its
        topic is not one of them."""
        if Task.SENTIMENT in tasks and topics and chat.topic is not None \
                and chat.topic not in topics:
            return f"topic {chat.topic!r} is not a label of the run's taxonomy"
        fields = []
        if Task.SENTIMENT in tasks:
            fields.append(("summary", chat.summary))
        if Task.APOLOGY in tasks and chat.apology is not None:
            fields.append(("apology", chat.apology))
        for name, text in fields:
            piece = first_marker(text, self.refused_in_targets)
            if piece is not None:
                return (f"{name} spells the special piece {piece!r}, which would train the "
                        "model on its special id")
        return None

    def screen(self, chats: Sequence[LabelledChat], names: Sequence[str] | None = None,
               tasks: Sequence[Task] = (Task.SENTIMENT, Task.APOLOGY),
               topics: Sequence[str] = (),
               ) -> tuple[list[LabelledChat], list[str]]:
        """The chats `encode` may train on, and one `name: reason` per chat refused
        (`target_problem`), each also logged. `names` (default: `chat index N`) identify the
        chats in reports: their chat ids."""
        if names is None:
            names = [f"chat index {i}" for i in range(len(chats))]
        kept, refused = [], []
        for name, chat in zip(names, chats, strict=True):
            problem = self.target_problem(chat, tasks, topics)
            if problem is None:
                kept.append(chat)
                continue
            refused.append(f"{name}: {problem}")
            _LOGGER.warning("refused %s", refused[-1])
        return kept, refused

    def target_ids(self, texts: Sequence[str],
                   stops: Sequence[bool] | None = None) -> list[list[int]]:
        """Ids of each target text (no BOS), with the stop token appended (where `stops`, if
        given, says so: a reply prefix has none)."""
        stops = [True] * len(texts) if stops is None else stops
        return [[*ids, self.stop_id] if stop else list(ids)
                for ids, stop in zip(self._ids(texts), stops, strict=True)]

    def label_span(self, target_ids: Sequence[int], sentiment: int) -> tuple[int, int]:
        """Where the sentiment value's tokens sit in a reply's ids: after the tokens of
        `{"sentiment":`, up to the end of the tokens of `{"sentiment": V` (Gemma: `▁-` `1`,
        or `▁` `0`). `(0, 0)` if the reply's ids do not start with those tokenizations."""
        if sentiment not in self._value_ids:
            self._value_ids[sentiment] = self._ids(
                ['{"sentiment":', f'{{"sentiment": {sentiment}'])
        before, through = self._value_ids[sentiment]
        n = len(through)
        if list(target_ids[: len(before)]) != before or list(target_ids[:n]) != through:
            return (0, 0)
        return (len(before), n)

    def encode(
        self,
        chats: Iterable[LabelledChat],
        max_summary_chars: int,
        max_length: int,
        tasks: Sequence[Task] = (Task.SENTIMENT, Task.APOLOGY),
        prompt_set: PromptSet | None = None,
        topics: Sequence[str] | None = None,
    ) -> list[TrainingSequence]:
        """Training sequences of both tasks, in `prompt_set`'s prompts (default: the default
        version). A sequence is fed as `prompt + target[:-1]`, so it fits when
        `len(prompt) + len(target) - 1 <= max_length`; longer prompts lose the start of their
        chat, and a sequence that cannot fit even so is skipped (logged).

        When the version asks for a topic, `topics` are the taxonomy's labels (None: the
        default taxonomy's): the prompt lists them and a chat's reply target ends with its
        topic; a chat labelled with no topic teaches only its reply up to the summary's text
        (`reply_prefix`), no stop.

        Raises:
            ValueError: a chat `screen` refuses (its targets spell a special piece): screen
                the chats first, so the refusals are counted under their chat ids.
        """
        chats = list(chats)
        prompt_set = prompt_set or load_prompt_set()
        asks_topic = prompt_set.asks_topic
        if topics is None:
            topics = prompt_topics(prompt_set)
        if asks_topic and not topics:
            raise ValueError(f"prompt version {prompt_set.version} asks for a topic: pass the "
                             "taxonomy's labels")
        topics = tuple(topics) if asks_topic else ()
        for index, chat in enumerate(chats):
            problem = self.target_problem(chat, tasks, topics)
            if problem is not None:
                raise ValueError(f"chat index {index}: {problem} (Encoder.screen refuses it)")
        jobs: list[tuple[str, int, Prompt, str, bool]] = []
        for index, chat in enumerate(chats):
            if Task.SENTIMENT in tasks:
                prompt = render_sentiment_prompt(chat.chat_message, chat.user_id,
                                                 max_summary_chars, prompt_set=prompt_set,
                                                 topics=topics)
                if not asks_topic:
                    target = reply_text(chat.sentiment, chat.summary, max_summary_chars)
                elif chat.topic is None:
                    target = reply_prefix(chat.sentiment, chat.summary, max_summary_chars)
                else:
                    target = reply_text(chat.sentiment, chat.summary, max_summary_chars,
                                        chat.topic)
                jobs.append((Task.SENTIMENT, index, prompt, target,
                             not asks_topic or chat.topic is not None))
            if Task.APOLOGY in tasks and chat.apology is not None:
                jobs.append((Task.APOLOGY, index, render_apology_prompt(
                    chat.chat_message, chat.user_id, chat.summary, prompt_set=prompt_set),
                    chat.apology, True))
        targets = self.target_ids([job[3] for job in jobs], [job[4] for job in jobs])
        sequences, skipped = [], 0
        # Prompts are encoded per target budget; most fit, so one batched call does the work.
        fits = self.prompt_ids([job[2] for job in jobs], 10**9)
        for (task, index, prompt, _, _), target, (ids, _) in zip(jobs, targets, fits,
                                                                strict=True):
            budget = max_length + 1 - len(target)
            truncated = False
            if len(ids) > budget:
                try:
                    ids, truncated = self.prompt_ids([prompt], budget)[0]
                except ValueError as e:
                    _LOGGER.warning("chat %d, %s: skipped (%s)", index, task, e)
                    skipped += 1
                    continue
            span = self.label_span(target, chats[index].sentiment) \
                if task == Task.SENTIMENT else (0, 0)
            sequences.append(TrainingSequence(task, ids, target, index, truncated, span))
        if skipped:
            _LOGGER.warning("%d sequences skipped: longer than max_length=%d even with the "
                            "chat cut", skipped, max_length)
        return sequences
