"""The review queue and reviewers' decisions: pure logic, no web framework.

A decision on a chat becomes a `Feedback` record. Deciding twice on one chat is allowed:
every decision is kept with a per-chat `sequence` (1, 2, ...) and the highest sequence is the
chat's current decision ("the last decision wins"). A decision is shown as done only after
its sink confirmed it: the JSONL file was flushed and fsync'ed, or Pub/Sub acknowledged the
publish. Each decision names the one it replaced (`replaces_sequence`, `replaces_reviewer`),
and the app only replaces the decision the reviewer saw (`ReviewQueue.record(replaces=...)`):
a colleague's decision is never overwritten unseen.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import ConfigDict, ValidationError

from pipeline.schemas import (
    MAX_REPLY_CHARS,
    SENTIMENT_VALUES,
    Decision,
    Feedback,
    ReviewRecord,
    has_visible_text,
)

_LOGGER = logging.getLogger(__name__)

__all__ = ["Decision", "Feedback", "JsonlSink", "PubSubSink", "ReviewItem", "ReviewQueue",
           "StaleDecision", "decide", "load_review_records", "open_for_append",
           "refusal_reason"]

_UNCHECKED = object()


class StaleDecision(Exception):
    """The chat's current decision is not the one the reviewer meant to replace."""

    def __init__(self, chat_id: int, current: Feedback | None):
        self.current = current
        super().__init__(
            f"chat {chat_id} has no decision yet" if current is None else
            f"chat {chat_id} is now decision {current.sequence} by {current.reviewer}")


def _normalise(text: str) -> str:
    """A reply as the reviewer means it: browsers send a textarea's newlines as CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class ReviewItem(ReviewRecord):
    """One chat waiting for review: the pipeline's own `ReviewRecord`, read tolerantly
    (fields a newer pipeline adds are ignored, not refused)."""

    model_config = ConfigDict(extra="ignore")


def refusal_reason(error: Exception) -> str:
    """Why a review line was refused, by field and without the line's content (it holds a
    customer's chat): `chat_id: Input should be a valid integer; model_variant: ...`."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False, include_context=False))
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON ({error.msg})"
    if isinstance(error, RecursionError):
        return "not JSON (nested too deeply)"
    return type(error).__name__


def load_review_records(pattern: str) -> tuple[list[ReviewItem], list[str]]:
    """Review items from every file matching `pattern` (JSONL), oldest first, one per chat
    (a redelivered record keeps the first); returns (items, problems), one problem per line
    refused: `file:line: reason` (the fields and what is wrong with them, never the text),
    and one per later record of a chat that differs from the one kept.

    A line is refused when `ReviewRecord` refuses it: the same id and arm types as the
    `Feedback` a decision on it becomes, so nothing enters the queue that cannot be decided
    on, or whose decision tuning could not join back to its record."""
    items: dict[int, ReviewItem] = {}
    problems = []
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{os.path.basename(path)}:{number}"
                try:
                    item = ReviewItem.model_validate(json.loads(line))
                except (ValueError, RecursionError, ValidationError) as e:
                    problems.append(f"{where}: {refusal_reason(e)}")
                    continue
                kept = items.setdefault(item.chat_id, item)
                if kept is not item and kept != item:
                    problems.append(f"{where}: chat {item.chat_id} already has a different "
                                    "review record; the first is kept")
    return sorted(items.values(), key=lambda i: (i.processed_at, i.chat_id)), problems


def item_topic(item: ReviewItem) -> str | None:
    """The model's topic label of a review item (`major.minor`), None when it has none."""
    if item.topic_major is None or item.topic_minor is None:
        return None
    return f"{item.topic_major}.{item.topic_minor}"


def decide(item: ReviewItem, decision: Decision | str, reviewer: str, sequence: int,
           final_reply: str | None = None, corrected_sentiment: int | None = None,
           now: datetime | None = None, replaces: Feedback | None = None,
           corrected_topic: str | None = None, topics: Iterable[str] = ()) -> Feedback:
    """The feedback record of one decision. Approving sends `final_reply` (the draft when
    none is given); rejecting sends nothing. A corrected sentiment must be 1, 0 or -1, a
    corrected topic one of `topics` (the review app's taxonomy); each is kept only when it
    differs from the model's."""
    decision = Decision(decision)
    if corrected_sentiment is not None and (isinstance(corrected_sentiment, bool) or
                                            corrected_sentiment not in SENTIMENT_VALUES):
        raise ValueError(f"corrected sentiment must be one of {SENTIMENT_VALUES}")
    if corrected_topic == item_topic(item):
        corrected_topic = None  # the model's own label, kept (whatever the app's taxonomy)
    if corrected_topic is not None and corrected_topic not in set(topics):
        raise ValueError("corrected_topic must be a label of the review app's taxonomy")
    if final_reply is not None and not isinstance(final_reply, str):
        raise ValueError("final_reply must be text")
    draft = _normalise(item.apology_draft)
    reply = None
    if decision is Decision.APPROVE:
        reply = draft if final_reply is None else _normalise(final_reply)
        if not reply or not has_visible_text(reply):
            raise ValueError("an approved reply needs visible text (reject it instead)")
        if len(reply) > MAX_REPLY_CHARS:
            raise ValueError(f"a reply is limited to {MAX_REPLY_CHARS} characters")
    return Feedback(
        chat_id=item.chat_id, decision=decision,
        corrected_sentiment=None if corrected_sentiment == item.sentiment
        else corrected_sentiment,
        corrected_topic=corrected_topic,
        final_reply=reply, draft_edited=reply is not None and reply != draft,
        reviewer=reviewer, sequence=sequence,
        decided_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        model_variant=item.model_variant, prompt_version=item.prompt_version,
        replaces_sequence=replaces.sequence if replaces else None,
        replaces_reviewer=replaces.reviewer if replaces else None)


def open_for_append(path: str, mode: str = "a"):
    """`open(path, mode)` for appending JSON lines, after ending a torn last line (a crash
    mid-write): a line appended to it would join the torn one and be lost with it."""
    if os.path.exists(path) and os.path.getsize(path):
        with open(path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")
    return open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


class JsonlSink:
    """Appends feedback to a local JSONL file; returns once the line is on disk."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def write(self, feedback: Feedback) -> None:
        line = feedback.model_dump_json() + "\n"
        with self._lock, open_for_append(self.path) as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def existing(self) -> Iterable[Feedback]:
        """Earlier decisions; a torn or foreign line is skipped and logged by number only
        (never its content: it may hold a reply)."""
        if not os.path.exists(self.path):
            return []
        out = []
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    out.append(Feedback.model_validate_json(line))
                except ValueError:
                    _LOGGER.error("%s:%d is not a feedback record; skipped", self.path, number)
        return out


class PubSubSink:
    """Publishes feedback to a Pub/Sub topic; returns once Pub/Sub acknowledged it. Every
    decision is also journaled locally first (`journal`, fsync'ed), so a restarted app
    knows what was decided and numbers the next decision after it."""

    def __init__(self, topic: str, journal: str, publisher: Any = None,
                 timeout_secs: float = 60.0):
        if publisher is None:
            from google.cloud import pubsub_v1

            publisher = pubsub_v1.PublisherClient()
        self._publisher = publisher
        self._topic = topic
        self._timeout = timeout_secs
        self._journal = JsonlSink(journal)

    def write(self, feedback: Feedback) -> None:
        self._journal.write(feedback)
        future = self._publisher.publish(self._topic, feedback.model_dump_json().encode(),
                                         chat_id=str(feedback.chat_id))
        future.result(timeout=self._timeout)

    def existing(self) -> Iterable[Feedback]:
        return self._journal.existing()


class ReviewQueue:
    """Items to review and the decisions taken on them, shared by the app's threads."""

    def __init__(self, items: Iterable[ReviewItem], sink, previous: Iterable[Feedback] = (),
                 topics: Iterable[str] = ()):
        """`topics`: the labels a reviewer may correct a topic to (the taxonomy's)."""
        self.topics = tuple(topics)
        self._items = {i.chat_id: i for i in items}
        self._order = [i.chat_id for i in items]
        self._sink = sink
        self._lock = threading.Lock()
        self._decisions: dict[int, list[Feedback]] = {}
        self._used: dict[int, int] = {}
        for feedback in previous:
            self._decisions.setdefault(feedback.chat_id, []).append(feedback)

    def add(self, items: Iterable[ReviewItem]) -> None:
        with self._lock:
            for item in items:
                if item.chat_id not in self._items:
                    self._items[item.chat_id] = item
                    self._order.append(item.chat_id)

    def get(self, chat_id: int) -> ReviewItem | None:
        return self._items.get(chat_id)

    def latest(self, chat_id: int) -> Feedback | None:
        decisions = self._decisions.get(chat_id)
        return max(decisions, key=lambda d: d.sequence) if decisions else None

    def history(self, chat_id: int) -> list[Feedback]:
        """Every decision on the chat, newest first."""
        return sorted(self._decisions.get(chat_id, []), key=lambda d: -d.sequence)

    def pending(self) -> list[ReviewItem]:
        return [self._items[c] for c in self._order if c not in self._decisions]

    def decided(self) -> list[ReviewItem]:
        return [self._items[c] for c in self._order if c in self._decisions]

    def counts(self) -> dict[str, int]:
        out = {"pending": 0, "approve": 0, "reject": 0, "edited": 0, "corrected": 0,
               "topic_corrected": 0}
        for chat_id in self._order:
            latest = self.latest(chat_id)
            if latest is None:
                out["pending"] += 1
                continue
            out[latest.decision.value] += 1
            out["edited"] += latest.draft_edited
            out["corrected"] += latest.corrected_sentiment is not None
            out["topic_corrected"] += latest.corrected_topic is not None
        return out

    def record(self, chat_id: int, decision: str, reviewer: str, final_reply: str | None,
               corrected_sentiment: int | None, replaces: Any = _UNCHECKED,
               corrected_topic: str | None = None) -> Feedback:
        """Decides on a chat: the sink confirms the record before it counts as decided.
        `replaces` is the sequence of the decision the reviewer saw as current (None: they saw
        none); when the chat's current decision is another one, `StaleDecision` is raised and
        nothing is written."""
        item = self._items.get(chat_id)
        if item is None:
            raise KeyError(chat_id)
        with self._lock:
            current = self.latest(chat_id)
            if replaces is not _UNCHECKED and replaces != (current and current.sequence):
                raise StaleDecision(chat_id, current)
            # max + 1, and a number is used up even when its write fails (a timed-out
            # publish may still land): two records never share a sequence.
            sequence = max(self._used.get(chat_id, 0),
                           *(d.sequence for d in self._decisions.get(chat_id, [])), 0) + 1
            feedback = decide(item, decision, reviewer, sequence, final_reply,
                              corrected_sentiment, replaces=current,
                              corrected_topic=corrected_topic, topics=self.topics)
            self._used[chat_id] = sequence
            self._sink.write(feedback)
            self._decisions.setdefault(chat_id, []).append(feedback)
        return feedback
