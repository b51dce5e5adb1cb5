"""A chat's current decision: reviewers' feedback records read the one way the pipeline,
tuning, the evaluation report and the review tools all read them.

`read_feedback` reads feedback JSONL files as the pipeline's `--feedback_input` does;
`current_decisions` keeps each chat's decision with the highest `sequence` (the last decision
wins, whatever the input order), counting copies and setting aside chats whose last decisions
differ. Pure functions over plain records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.elements import decode_feedback, feedback_digest
from pipeline.outputs import read_records
from pipeline.schemas import MAX_FEEDBACK_BYTES

__all__ = ["Decisions", "current_decisions", "latest_feedback", "read_feedback"]


@dataclass
class Decisions:
    """Each chat's current decision (`current_decisions`) and what the rule set aside."""

    latest: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    copies: int = 0        # exact copies of a decision, counted once
    superseded: int = 0    # distinct decisions replaced by a later one on their chat
    # chat_id -> sequence, for chats left out: their last number holds decisions that differ
    conflicting: dict[int, int] = field(default_factory=dict)


def current_decisions(feedback: Iterable[Mapping[str, Any]]) -> Decisions:
    """Each chat's decision with the highest `sequence`: the last decision wins, whatever the
    input order. The rule `evaluate.report` applies too. Pure.

    Copies of one decision (the same chat, sequence and content: `feedback_digest`, which
    leaves out when and from which message the pipeline took it, as the pipeline's own
    deduplication does) count once, the first kept. Decisions that differ under one chat and
    sequence (two review apps numbering one chat; the pipeline refuses the second within its
    window) are not settled by input order: when they are the chat's last, the chat is left
    out (`conflicting`); below a later decision, they are superseded like any other.
    """
    versions: dict[tuple[int, int], dict[str, Mapping[str, Any]]] = {}
    out = Decisions()
    for record in feedback:
        same_number = versions.setdefault((record["chat_id"], record["sequence"]), {})
        digest = feedback_digest(dict(record))
        if digest in same_number:
            out.copies += 1
        else:
            same_number[digest] = record
    last: dict[int, int] = {}
    for chat_id, sequence in versions:
        last[chat_id] = max(sequence, last.get(chat_id, sequence))
    for (chat_id, sequence), distinct in versions.items():
        if sequence < last[chat_id]:
            out.superseded += len(distinct)
        elif len(distinct) > 1:
            out.conflicting[chat_id] = sequence
        else:
            out.latest[chat_id] = next(iter(distinct.values()))
    return out


def latest_feedback(feedback: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """chat_id -> the chat's current decision (`current_decisions`; a chat whose last
    decisions differ has none)."""
    return current_decisions(feedback).latest


def read_feedback(paths: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every valid feedback record of `paths`, in file and line order, as `Feedback`'s JSON
    fields, and one `file:line: reason` per line skipped. A line is read as the pipeline's
    `--feedback_input` reads it (`pipeline.elements.decode_feedback`: either shape, strict
    UTF-8 and numbers, at most `MAX_FEEDBACK_BYTES`), so both take the same lines."""
    # (A ChatParseError is a ValueError whose message is its reason.)
    return read_records(
        paths, lambda line: decode_feedback(line, MAX_FEEDBACK_BYTES).model_dump(mode="json"))
