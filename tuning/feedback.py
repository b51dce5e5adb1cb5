"""Reviewers' feedback -> labelled chats to tune on.

    python -m tuning.feedback --feedback out/loop/feedback.jsonl --records out/loop \
        --out labelled.jsonl

A feedback record (`pipeline.schemas.Feedback`, as the review app writes it, or
`FeedbackRow`, as the pipeline ingests it) has no chat text: the model's records do (the
`review*.jsonl` and `results*.jsonl` files of a pipeline run's `--output_dir`). The two are
joined on `chat_id` and the decision's arm (`model_variant`, and `prompt_version` when both
name one: what the reviewer saw), and the reviewer's last decision on a chat (highest
`sequence`; copies of a decision count once: `current_decisions`) gives the labels:

- sentiment: the reviewer's `corrected_sentiment`, or the model's when they did not correct it;
- summary: the model's own. The reviewer saw it next to the chat and the app offers no way to
  edit it, so letting it stand is taken as accepting it;
- apology: the reply the reviewer approved (edited or not) when the chat is negative by the
  reviewer's sentiment; none otherwise. A rejected draft is not a training target, and a chat
  corrected to 1 or 0 needs no apology.

What cannot be used is skipped and counted, never fatal: lines that are not UTF-8, not JSON
or not a feedback record (reported as file:line; a feedback line is read exactly as the
pipeline's `--feedback_input` reads it), decisions for chats without a model record of the
decision's arm, chats whose records disagree or whose last decisions do, and chats whose
labels `parse_labelled_chat` refuses (a control character in the summary, a prompt marker
such as `<chat>` or `<end_of_turn>` in the reply) or whose approved reply holds a control
character other than newline and tab.
The chats come out ordered by `chat_id`, so the same files give the same training set.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.decisions import current_decisions, read_feedback
from pipeline.digests import sha256_file
from pipeline.outputs import RunRecords, read_run, sink_files
from pipeline.schemas import Decision, arm_of
from tuning.examples import LabelledChat, parse_labelled_chat, reply_text

__all__ = [
    "COUNT_KEYS",
    "Derived",
    "derive_chats",
    "format_chats",
    "load",
    "main",
    "read_model_records",
]

_LOGGER = logging.getLogger(__name__)

# The sinks whose rows are model records, in order of preference: a review row is what the
# reviewer saw (chat, summary and draft); a results row only says what the model decided.
RECORD_SINKS = ("review", "results")
# The fields of a model record that become labels: copies that agree on them are one record.
_LABEL_FIELDS = ("user_id", "chat_message", "sentiment", "summary")
_MAX_PROBLEMS_SHOWN = 20

COUNT_KEYS = (
    "feedback_decisions",      # valid feedback records read
    "bad_feedback_lines",      # not UTF-8 or JSON, or not a feedback record
    "bad_record_lines",        # record lines not UTF-8 JSON objects with an integer chat_id
    "decision_copies",         # exact copies of a decision (same chat, sequence, content)
    "superseded",              # decisions replaced by a later decision on the same chat
    "conflicting_decisions",   # chats whose last decision number holds differing decisions
    "no_model_record",         # a chat decided on, but no record of its arm (and prompt)
    "ambiguous_model_record",  # the chat's records disagree on its text or labels
    "invalid_example",         # labels parse_labelled_chat (or the reply budget) refuses
    "chats",                   # labelled chats derived
    "corrected",               # ... whose sentiment the reviewer corrected
    "topic_corrected",         # ... whose topic the reviewer corrected
    "apologies",               # ... with an approved reply as apology target
    "rejected",                # ... whose draft was rejected (sentiment only)
)


@dataclass
class Derived:
    """Labelled chats derived from feedback, `(chat_id, chat)` by chat_id, with counts (every
    key of `COUNT_KEYS`) and one line per skipped input."""

    chats: list[tuple[int, LabelledChat]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    problems: list[str] = field(default_factory=list)


def _record_files(output_dir: str) -> dict[str, list[str]]:
    return {sink: sink_files(output_dir, sink) for sink in RECORD_SINKS}


def read_model_records(output_dirs: Sequence[str]) -> tuple[dict[str, list[dict]], list[str]]:
    """The model's records of pipeline runs: `{"review": [...], "results": [...]}` from each
    directory's `review*.jsonl` and `results*.jsonl`, and one `file:line: reason` per line
    that is not a JSON object with an integer `chat_id` (`pipeline.outputs.read_run`, the
    reader `pipeline.run_summary` and `evaluate` use). The labels are checked at the join."""
    run = RunRecords(records={sink: [] for sink in RECORD_SINKS})
    for output_dir in output_dirs:
        run.extend(read_run(output_dir, RECORD_SINKS))
    return run.records, run.problems


def _label_key(record: Mapping[str, Any]) -> str:
    return json.dumps([record.get(k) for k in _LABEL_FIELDS], sort_keys=True, default=str)


def _of_decision(row: Mapping[str, Any], arm: str, prompt_version: str | None) -> bool:
    """The record is of the decision's arm and, when both name one, of its prompt version."""
    version = row.get("prompt_version")
    return (arm_of(row) == arm
            and (prompt_version is None or version is None or version == prompt_version))


def _arm_text(arm: str, prompt_version: str | None) -> str:
    return f"arm {arm}" + (f" and prompt {prompt_version}" if prompt_version else "")


def _record_seen(rows_by_sink: Mapping[str, list[dict]], arm: str,
                 prompt_version: str | None) -> list[dict]:
    """The chat's records the reviewer saw: those of the decision's arm and prompt version
    (`_of_decision`), its review rows, else its result rows; copies with the same labels (a
    redelivery) count once. None left: no record of what was decided on (a record of the
    other arm is not it); more than one: the records disagree."""
    for sink in RECORD_SINKS:
        rows = [r for r in rows_by_sink.get(sink, []) if _of_decision(r, arm, prompt_version)]
        if rows:
            distinct: dict[str, dict] = {}
            for row in rows:
                distinct.setdefault(_label_key(row), row)  # the first copy is kept
            return list(distinct.values())
    return []


def _printable_reply(reply: str) -> None:
    """An apology target is trained as written: no control character but newline and tab (a
    NUL, a terminal escape, a CR the app would have made a newline: not what a reply should
    learn to write).

    Raises:
        ValueError: naming the first such character.
    """
    bad = [c for c in reply if unicodedata.category(c) == "Cc" and c not in "\n\t"]
    if bad:
        raise ValueError(f"apology contains control character {bad[0]!r}")


def derive_chats(records: Mapping[str, Sequence[Mapping[str, Any]]],
                 feedback: Sequence[Mapping[str, Any]],
                 max_summary_chars: int | None = None) -> Derived:
    """Labelled chats from model records (`read_model_records`) and validated feedback
    (`read_feedback`): the rules of this module's docstring. Pure.

    Args:
        records: `{"review": rows, "results": rows}` of the pipeline's output.
        feedback: decisions in file order (`current_decisions` picks each chat's).
        max_summary_chars: when given, a summary too long for the reply grammar at this budget
            (`reply_text`) is an invalid example, not a crash at encoding.
    """
    out = Derived()
    by_chat: dict[int, dict[str, list[dict]]] = {}
    for sink in RECORD_SINKS:
        for row in records.get(sink, []):
            by_chat.setdefault(row["chat_id"], {}).setdefault(sink, []).append(dict(row))
    decisions = current_decisions(feedback)
    out.counts["feedback_decisions"] = len(feedback)
    out.counts["decision_copies"] = decisions.copies
    out.counts["superseded"] = decisions.superseded
    out.counts["conflicting_decisions"] = len(decisions.conflicting)
    for chat_id, sequence in sorted(decisions.conflicting.items()):
        out.problems.append(f"chat {chat_id}: its last decisions (number {sequence}) differ "
                            "(two review apps numbering the same chat?)")
    for chat_id, decision in sorted(decisions.latest.items()):
        rows = by_chat.get(chat_id, {})
        arm, version = decision["model_variant"], decision.get("prompt_version")
        seen = _record_seen(rows, arm, version)
        if not seen:
            out.counts["no_model_record"] += 1
            others = sorted({_arm_text(arm_of(r), r.get("prompt_version"))
                             for sink_rows in rows.values() for r in sink_rows})
            out.problems.append(
                f"chat {chat_id}: no model record of {_arm_text(arm, version)} in --records "
                f"(only of {'; '.join(others)})" if others
                else f"chat {chat_id}: no model record in --records")
            continue
        if len(seen) > 1:
            out.counts["ambiguous_model_record"] += 1
            out.problems.append(f"chat {chat_id}: {len(seen)} model records disagree on "
                                f"{', '.join(_LABEL_FIELDS)}")
            continue
        record = seen[0]
        corrected = decision.get("corrected_sentiment")
        sentiment = record.get("sentiment") if corrected is None else corrected
        approved = decision["decision"] == Decision.APPROVE.value
        apology = decision.get("final_reply") if approved and sentiment == -1 else None
        try:
            if apology is not None:
                _printable_reply(apology)
            chat = parse_labelled_chat({
                "user_id": record.get("user_id"), "chat_message": record.get("chat_message"),
                "sentiment": sentiment, "summary": record.get("summary"),
                "apology": apology, "language": None,
                "topic": _topic(decision.get("corrected_topic"), record)})
            if max_summary_chars is not None:
                reply_text(chat.sentiment, chat.summary, max_summary_chars)
        except ValueError as e:
            out.counts["invalid_example"] += 1
            out.problems.append(f"chat {chat_id}: {e}")
            continue
        out.chats.append((chat_id, chat))
        out.counts["chats"] += 1
        out.counts["corrected"] += corrected is not None
        out.counts["topic_corrected"] += decision.get("corrected_topic") is not None
        out.counts["apologies"] += chat.apology is not None
        out.counts["rejected"] += not approved
    return out


def _topic(corrected: Any, record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The training topic: the reviewer's label where they corrected it, else the model's
    (`topic_major`/`topic_minor` of the record), as a data file writes it; None: no topic."""
    if isinstance(corrected, str) and "." in corrected:
        major, _, minor = corrected.partition(".")
        return {"major": major, "minor": minor}
    if record.get("topic_major") is None and record.get("topic_minor") is None:
        return None
    return {"major": record.get("topic_major"), "minor": record.get("topic_minor")}


def format_chats(chats: Iterable[tuple[int, LabelledChat]]) -> str:
    """The training file's text: one `{"chat_id", "user_id", "chat_message", "sentiment",
    "summary", "apology", "language"}` line per chat (`read_labelled_chats` reads it)."""
    return "".join(json.dumps({"chat_id": chat_id, **asdict(chat)}, ensure_ascii=False) + "\n"
                   for chat_id, chat in chats)


def _expand(patterns: Sequence[str]) -> list[str]:
    """Files matching each `--feedback` glob, in order, each once."""
    paths: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        matched = sorted(p for p in glob.glob(pattern) if os.path.isfile(p))
        if not matched:
            raise ValueError(f"--feedback {pattern!r} matches no file")
        for path in matched:
            if os.path.abspath(path) not in seen:
                seen.add(os.path.abspath(path))
                paths.append(path)
    return paths


def load(feedback_globs: Sequence[str], record_dirs: Sequence[str],
         max_summary_chars: int | None = None) -> tuple[Derived, dict[str, Any]]:
    """Reads the files and derives the chats; returns them and the provenance to record
    (each feedback and record file with its sha256, the counts, and the sha256 of the
    derived chats as `format_chats` writes them).

    Raises:
        ValueError: naming the flag, when a glob matches nothing or a directory holds no
            model record file. Bad lines are counted, not raised.
    """
    if not feedback_globs:
        raise ValueError("--feedback: give at least one file or glob")
    if not record_dirs:
        raise ValueError("--feedback needs --records: the pipeline output directories that "
                         "hold the reviewed chats (review*.jsonl, results*.jsonl)")
    feedback_paths = _expand(feedback_globs)
    record_paths = []
    for output_dir in record_dirs:
        if not os.path.isdir(output_dir):
            raise ValueError(f"--records {output_dir!r} is not a directory")
        found = [p for paths in _record_files(output_dir).values() for p in paths]
        if not found:
            raise ValueError(f"--records {output_dir!r} holds no review*.jsonl or "
                             "results*.jsonl")
        record_paths.extend(found)
    feedback, feedback_problems = read_feedback(feedback_paths)
    records, record_problems = read_model_records(record_dirs)
    derived = derive_chats(records, feedback, max_summary_chars)
    derived.counts["bad_feedback_lines"] = len(feedback_problems)
    derived.counts["bad_record_lines"] = len(record_problems)
    derived.problems[:0] = feedback_problems + record_problems
    provenance = {
        "feedback": [{"path": p, "sha256": sha256_file(p)} for p in feedback_paths],
        "records": [{"path": p, "sha256": sha256_file(p)} for p in record_paths],
        "counts": dict(derived.counts),
        "derived_sha256": hashlib.sha256(format_chats(derived.chats).encode()).hexdigest(),
    }
    return derived, provenance


def log_problems(problems: Sequence[str]) -> None:
    """One warning per skipped input, the first few of them."""
    for problem in problems[:_MAX_PROBLEMS_SHOWN]:
        _LOGGER.warning("skipped %s", problem)
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        _LOGGER.warning("... and %d more skipped", len(problems) - _MAX_PROBLEMS_SHOWN)


def main(argv: Sequence[str] | None = None) -> Derived:
    p = argparse.ArgumentParser(
        prog="python -m tuning.feedback",
        description="Write the labelled chats `python -m tuning --feedback` would train on, "
        "to inspect them (or pass them as --data).")
    p.add_argument("--feedback", action="append", required=True,
                   help="Feedback JSON lines, a file or a glob (the review app's "
                   "out/loop/feedback.jsonl, or a run's feedback*.jsonl). Repeatable.")
    p.add_argument("--records", action="append", required=True,
                   help="A pipeline --output_dir whose review*.jsonl and results*.jsonl hold "
                   "the reviewed chats. Repeatable.")
    p.add_argument("--out", required=True, help="Labelled-chats JSON lines file to write.")
    p.add_argument("--max_summary_chars", type=int, default=256,
                   help="Skip summaries the reply grammar cannot write at this budget (the "
                   "tuning run's --max_summary_chars). Default: 256.")
    args = p.parse_args(argv)
    derived, _ = load(args.feedback, args.records, args.max_summary_chars)
    log_problems(derived.problems)
    if not derived.chats:
        raise ValueError(f"no labelled chat derived from the feedback: {derived.counts}")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(format_chats(derived.chats))
    for key in COUNT_KEYS:
        print(f"{key}: {derived.counts[key]}")
    print(f"wrote {derived.counts['chats']} labelled chats to {args.out}", flush=True)
    return derived


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        main(sys.argv[1:])
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
