"""The review queue and reviewers' decisions: pure logic, no web framework.

A decision on a chat becomes a `Feedback` record. Deciding twice on one chat is allowed:
every decision is kept with a per-chat `sequence` (1, 2, ...) and the highest sequence is the
chat's current decision ("the last decision wins"). A decision is shown as done only after
its sink confirmed it: the JSONL file was flushed and fsync'ed, or Pub/Sub acknowledged the
publish.
"""

from __future__ import annotations

import glob
import json
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["Decision", "Feedback", "JsonlSink", "PubSubSink", "ReviewItem", "ReviewQueue",
           "decide", "load_review_records"]

SENTIMENTS = (1, 0, -1)


class Decision(StrEnum):
    APPROVE = "approve"   # the draft as is, or as edited (`final_reply` differs then)
    REJECT = "reject"     # the draft is not sent; no reply


class ReviewItem(BaseModel):
    """One chat waiting for review, as the pipeline's review sink wrote it."""

    model_config = ConfigDict(extra="ignore")

    chat_id: int
    user_id: int
    chat_message: str
    sentiment: int
    summary: str
    apology_draft: str
    review_reason: str
    sentiment_confidence: float | None = None
    model_variant: str = "a"
    prompt_version: str | None = None
    processed_at: str


class Feedback(BaseModel):
    """A reviewer's decision on one chat (`--feedback_topic` or the feedback JSONL)."""

    model_config = ConfigDict(extra="forbid")

    chat_id: int
    decision: Decision
    corrected_sentiment: int | None = None
    final_reply: str | None = None
    draft_edited: bool = False
    reviewer: str = Field(min_length=1, max_length=200)
    decided_at: str
    sequence: int = Field(ge=1)
    model_variant: str
    prompt_version: str | None = None


def load_review_records(pattern: str) -> tuple[list[ReviewItem], list[str]]:
    """Review items from every file matching `pattern` (JSONL), oldest first, one per chat
    (a redelivered record keeps the first); returns (items, problems with bad lines)."""
    items: dict[int, ReviewItem] = {}
    problems = []
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    item = ReviewItem.model_validate(json.loads(line))
                except (ValueError, ValidationError) as e:
                    problems.append(f"{os.path.basename(path)}:{number}: "
                                    f"{type(e).__name__}")
                    continue
                items.setdefault(item.chat_id, item)
    return sorted(items.values(), key=lambda i: (i.processed_at, i.chat_id)), problems


def decide(item: ReviewItem, decision: Decision | str, reviewer: str, sequence: int,
           final_reply: str | None = None, corrected_sentiment: int | None = None,
           now: datetime | None = None) -> Feedback:
    """The feedback record of one decision. Approving sends `final_reply` (the draft when
    none is given); rejecting sends nothing. A corrected sentiment must be 1, 0 or -1 and is
    kept only when it differs from the model's."""
    decision = Decision(decision)
    if corrected_sentiment is not None and corrected_sentiment not in SENTIMENTS:
        raise ValueError(f"corrected sentiment must be one of {SENTIMENTS}")
    reply = None
    if decision is Decision.APPROVE:
        reply = item.apology_draft if final_reply is None else final_reply.strip()
        if not reply:
            raise ValueError("an approved reply cannot be empty (reject it instead)")
    return Feedback(
        chat_id=item.chat_id, decision=decision,
        corrected_sentiment=None if corrected_sentiment == item.sentiment
        else corrected_sentiment,
        final_reply=reply, draft_edited=reply is not None and reply != item.apology_draft,
        reviewer=reviewer, sequence=sequence,
        decided_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        model_variant=item.model_variant, prompt_version=item.prompt_version)


class JsonlSink:
    """Appends feedback to a local JSONL file; returns once the line is on disk."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def write(self, feedback: Feedback) -> None:
        line = feedback.model_dump_json() + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def existing(self) -> Iterable[Feedback]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as f:
            return [Feedback.model_validate_json(line) for line in f if line.strip()]


class PubSubSink:
    """Publishes feedback to a Pub/Sub topic; returns once Pub/Sub acknowledged it."""

    def __init__(self, topic: str, publisher: Any = None, timeout_secs: float = 60.0):
        if publisher is None:
            from google.cloud import pubsub_v1

            publisher = pubsub_v1.PublisherClient()
        self._publisher = publisher
        self._topic = topic
        self._timeout = timeout_secs

    def write(self, feedback: Feedback) -> None:
        future = self._publisher.publish(self._topic, feedback.model_dump_json().encode(),
                                         chat_id=str(feedback.chat_id))
        future.result(timeout=self._timeout)

    def existing(self) -> Iterable[Feedback]:
        return []


class ReviewQueue:
    """Items to review and the decisions taken on them, shared by the app's threads."""

    def __init__(self, items: Iterable[ReviewItem], sink, previous: Iterable[Feedback] = ()):
        self._items = {i.chat_id: i for i in items}
        self._order = [i.chat_id for i in items]
        self._sink = sink
        self._lock = threading.Lock()
        self._decisions: dict[int, list[Feedback]] = {}
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
        return decisions[-1] if decisions else None

    def pending(self) -> list[ReviewItem]:
        return [self._items[c] for c in self._order if c not in self._decisions]

    def decided(self) -> list[ReviewItem]:
        return [self._items[c] for c in self._order if c in self._decisions]

    def counts(self) -> dict[str, int]:
        out = {"pending": 0, "approve": 0, "reject": 0, "edited": 0, "corrected": 0}
        for chat_id in self._order:
            latest = self.latest(chat_id)
            if latest is None:
                out["pending"] += 1
                continue
            out[latest.decision.value] += 1
            out["edited"] += latest.draft_edited
            out["corrected"] += latest.corrected_sentiment is not None
        return out

    def record(self, chat_id: int, decision: str, reviewer: str, final_reply: str | None,
               corrected_sentiment: int | None) -> Feedback:
        """Decides on a chat: the sink confirms the record before it counts as decided."""
        item = self._items.get(chat_id)
        if item is None:
            raise KeyError(chat_id)
        with self._lock:
            sequence = len(self._decisions.get(chat_id, [])) + 1
            feedback = decide(item, decision, reviewer, sequence, final_reply,
                              corrected_sentiment)
            self._sink.write(feedback)
            self._decisions.setdefault(chat_id, []).append(feedback)
        return feedback
