"""Where the report's inputs come from: a local run's files, or the pipeline's BigQuery tables.

Both sources give the same two things, in the shapes of the pipeline's local files:

* model records, `{"results": [...], "review": [...]}`: the rows of `results*.jsonl` and
  `review*.jsonl`, or of `--output_table` and `--review_table`;
* feedback decisions: the review app's JSONL, the pipeline's `feedback*.jsonl`, or
  `--feedback_table` (the last two add `message_id` and `processed_at`; the report ignores them).

BigQuery gives TIMESTAMP columns back as `datetime`s: `from_bigquery` turns them into the
ISO-8601 strings the files hold (the pipeline writes UTC times, so the day of
`processed_at`, which the "sentiment mix over time" reads, is the same either way).

Copies. A chat can have more than one model record: a streaming insert retried beyond
BigQuery's best-effort insert-id deduplication (an identical row), or a message redelivered
after the pipeline's deduplication window and analyzed again (the same answer, with its own
`message_id`, `processed_at` and `inference_ms`). `one_record_per_chat` counts such copies
once, keeping the earliest processed. Records of one chat that differ in anything else (the
sentiment, the summary, the confidence, the arm, the apology draft, or one in results and one
in review: a chat analyzed again with another answer, or two runs over the same chats) leave
that chat out of the report: which one the reviewer saw is unknown. Such chats are counted
(`ambiguous_records` in the figures) and logged by id and field names, as tuning skips them
(`ambiguous_model_record`); one of them does not stop the report of a long-running table.
A decision can also arrive twice (the app's file
and the pipeline's copy of it, or a redelivered message): `pipeline.decisions.current_decisions`
(the rule tuning trains by) counts copies with the same chat, sequence and content once, and
leaves out a chat whose last sequence holds decisions that differ.
"""

from __future__ import annotations

import datetime
import glob
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipeline.outputs import RunRecords, read_run

__all__ = [
    "PROCESSING_FIELDS",
    "RECORD_SINKS",
    "feedback_paths",
    "from_bigquery",
    "load_bigquery",
    "load_local",
    "one_record_per_chat",
    "parse_project",
    "parse_table_id",
    "query_table",
    "read_feedback_files",
]

_LOGGER = logging.getLogger(__name__)

RECORD_SINKS = ("results", "review")
# Fields in which two analyses of one chat that gave the same answer differ: when and from
# which message it was processed, and how long its batch took. Not part of what was said.
PROCESSING_FIELDS = frozenset({"message_id", "processed_at", "inference_ms"})

# Project ids as Google Cloud allows them (6 to 30 characters); dataset and table names
# limited to letters, digits, `_` and (tables) `-`. That is narrower than BigQuery's table
# names (which allow Unicode letters and spaces), and it keeps a name from closing the
# backquotes of the query it goes into.
_PROJECT = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
_TABLE_ID = re.compile(rf"({_PROJECT})[:.]([A-Za-z0-9_]{{1,1024}})\.([A-Za-z0-9_-]{{1,1024}})")


def parse_table_id(value: str, flag: str = "table") -> str:
    """`project.dataset.table` or `project:dataset.table` -> `project.dataset.table`.

    Raises:
        ValueError: naming `flag`, when `value` is not such a table id.
    """
    match = _TABLE_ID.fullmatch(value)
    if match is None:
        raise ValueError(f"{flag} {value!r} is not a BigQuery table id: give "
                         "project.dataset.table or project:dataset.table (project: 6-30 "
                         "lowercase letters, digits or -; dataset: letters, digits or _; "
                         "table: letters, digits, _ or -)")
    return ".".join(match.groups())


def parse_project(value: str, flag: str = "project") -> str:
    """A Google Cloud project id, checked.

    Raises:
        ValueError: naming `flag`.
    """
    if re.fullmatch(_PROJECT, value) is None:
        raise ValueError(f"{flag} {value!r} is not a project id (6-30 lowercase letters, "
                         "digits or -, starting with a letter)")
    return value


def from_bigquery(row: Mapping[str, Any]) -> dict[str, Any]:
    """A BigQuery row (`dict(Row)`) as the pipeline's JSON files hold it: `datetime` (TIMESTAMP)
    and `date` values as ISO-8601 strings; INT64, FLOAT64, BOOL, STRING and NULL already come
    back as the JSON values they were."""
    return {key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in row.items()}


def _same(a: Any, b: Any) -> bool:
    # NaN (a broken producer's confidence) equals itself here, so its copies are copies.
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _processed(row: Mapping[str, Any]) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(str(row.get("processed_at")))
    except ValueError:
        return None


def _earlier(row: Mapping[str, Any], than: Mapping[str, Any]) -> bool:
    a, b = _processed(row), _processed(than)
    try:
        return a is not None and b is not None and a < b
    except TypeError:  # one time without an offset: keep the first copy
        return False


def one_record_per_chat(records: Mapping[str, Sequence[Mapping[str, Any]]]
                        ) -> tuple[dict[int, dict], int, dict[int, list[str]]]:
    """chat_id -> the chat's model record; how many copies were counted once; and, for each
    chat left out because its records differ beyond `PROCESSING_FIELDS`, the fields that
    differ (names, not values: they hold chat text). The rule of this module's docstring.
    Pure."""
    by_chat: dict[int, list[Mapping[str, Any]]] = {}
    for sink in RECORD_SINKS:
        for row in records.get(sink, []):
            by_chat.setdefault(row["chat_id"], []).append(row)
    model: dict[int, dict] = {}
    copies = 0
    differing: dict[int, list[str]] = {}
    for chat_id, rows in by_chat.items():
        first = rows[0]
        fields = {k for row in rows[1:] for k in set(first) | set(row)
                  if k not in PROCESSING_FIELDS and not _same(first.get(k), row.get(k))}
        if fields:
            differing[chat_id] = sorted(fields)
            continue
        copies += len(rows) - 1
        kept = first
        for row in rows[1:]:
            if _earlier(row, kept):
                kept = row
        model[chat_id] = dict(kept)
    return model, copies, differing


# --- local files ---------------------------------------------------------------------------

def feedback_paths(patterns: Iterable[str]) -> list[str]:
    """Files named by each `--feedback` value (a path, or a glob such as
    `out/x/feedback*.jsonl`), in order, each once. A value that matches nothing is logged and
    skipped: before any decision is made, the app's file does not exist yet."""
    paths: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        matched = [pattern] if os.path.isfile(pattern) else sorted(
            p for p in glob.glob(pattern) if os.path.isfile(p))
        if not matched:
            _LOGGER.warning("--feedback %r matches no file: no decisions from it", pattern)
        for path in matched:
            if os.path.abspath(path) not in seen:
                seen.add(os.path.abspath(path))
                paths.append(path)
    return paths


def read_feedback_files(paths: Iterable[str]) -> list[dict]:
    """Every valid decision of `paths`, in file and line order (the rule `tuning` trains by):
    a torn or foreign line is skipped and logged by `file:line` and reason, never content."""
    from pipeline.decisions import read_feedback

    rows, problems = read_feedback(list(paths))
    for problem in problems:
        _LOGGER.warning("feedback line skipped: %s", problem)
    return rows


def load_local(run_dirs: Iterable[str],
               feedback: str | Iterable[str]) -> tuple[dict[str, list[dict]], list[dict]]:
    """Model records of the runs' `--output_dir`s and the decisions of the feedback files
    (a path or glob, or several). A torn or foreign line of either is skipped and logged by
    `file:line` and reason (`pipeline.outputs`, the reader tuning uses)."""
    run_dirs = list(run_dirs)
    runs = RunRecords(records={sink: [] for sink in RECORD_SINKS})
    for run in run_dirs:
        runs.extend(read_run(run, RECORD_SINKS))
    for problem in runs.problems:
        _LOGGER.warning("record line skipped: %s", problem)
    if runs.problems:
        _LOGGER.warning("%d record line(s) of %s skipped (not read into the report)",
                        len(runs.problems), ", ".join(run_dirs))
    records = runs.records
    patterns = [feedback] if isinstance(feedback, str) else list(feedback)
    return records, read_feedback_files(feedback_paths(patterns))


# --- BigQuery ------------------------------------------------------------------------------

def query_table(client, table: str) -> list[dict]:
    """Every row of `table` (`project.dataset.table`, checked by `parse_table_id`), converted by
    `from_bigquery`, earliest `processed_at` first."""
    # A query, not list_rows: bqemulator 1.4.0's tabledata.list leaves its DuckDB connection
    # busy, and every later call then fails with a 500 (local/stream.py `collect`).
    rows = [dict(row) for row in client.query(f"SELECT * FROM `{table}`").result()]
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    # The tables have no row order; this one makes a report's inputs the same on every run.
    rows.sort(key=lambda r: (r.get("processed_at") or epoch, r.get("chat_id") or 0))
    return [from_bigquery(row) for row in rows]


def load_bigquery(results_table: str | None, review_table: str | None, feedback_table: str,
                  project: str | None = None,
                  client=None) -> tuple[dict[str, list[dict]], list[dict]]:
    """Model records of the results and review tables, and the decisions of the feedback
    table (table ids as `parse_table_id` returns them; a table not given, None, gives
    no rows).

    Args:
        project: the project the queries run (and are billed) in; default: the project of the
            first table given.
        client: a `google.cloud.bigquery.Client`; default: one for `project`.
    """
    if client is None:
        from google.cloud import bigquery

        first = results_table or review_table or feedback_table
        client = bigquery.Client(project=project or first.split(".")[0])
    records = {sink: query_table(client, table) if table else []
               for sink, table in (("results", results_table), ("review", review_table))}
    return records, query_table(client, feedback_table)
