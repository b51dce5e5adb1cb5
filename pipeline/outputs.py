"""Reading a run's output files back: the one reader of `results*`, `review*` and `errors*`
JSON lines, for `pipeline.run_summary`, `tuning.feedback` and `evaluate.sources`.

A run killed mid-write leaves a torn last line; a file copied by hand may hold anything. Such
a line is skipped and reported as `file:line: reason` (never its content), and the rest of the
file is read; a file that cannot be opened is reported as `file: reason`. Lines are read as
bytes and split at `\\n` only (the sinks escape every other line break inside a record), so
what is not UTF-8 is that line's problem, not the file's.
"""

from __future__ import annotations

import functools
import glob
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SINKS",
    "RunRecords",
    "decode_record",
    "numbered_lines",
    "read_records",
    "read_run",
    "sink_files",
]

SINKS = ("results", "review", "errors")


@dataclass
class RunRecords:
    """The records of each sink, in file and line order, and one line per problem."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def extend(self, other: RunRecords) -> None:
        for sink, rows in other.records.items():
            self.records.setdefault(sink, []).extend(rows)
        self.problems.extend(other.problems)


def numbered_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each non-blank line of `path`.

    Raises:
        OSError: the file cannot be opened or read (the lines before were yielded).
    """
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                yield number, line


def _json_reason(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON ({error.msg})"
    return str(error)[:200]


def decode_record(line: bytes, sink: str) -> dict[str, Any]:
    """One record line of `sink`: a JSON object; a results or review record has an integer
    `chat_id`, an error record a string `stage` (its `chat_id` may be null).

    Raises:
        ValueError: not UTF-8, not JSON (nested too deeply included), or not such an object;
            the message says which, without the line's content.
    """
    try:
        obj = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 ({e.reason} at byte {e.start})") from None
    except RecursionError:
        raise ValueError("not JSON (nested too deeply)") from None
    except ValueError as e:  # JSONDecodeError, and ints of over 4,300 digits
        raise ValueError(_json_reason(e)) from None
    if sink == "errors":
        if not isinstance(obj, dict) or not isinstance(obj.get("stage"), str):
            raise ValueError("not an error record with a string stage")
        return obj
    chat_id = obj.get("chat_id") if isinstance(obj, dict) else None
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        raise ValueError("not a record with an integer chat_id")
    return obj


def read_records(paths: Iterable[str], decode: Callable[[bytes], dict[str, Any]]
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    """What `decode` makes of each non-blank line of `paths`, in file and line order, and one
    `file:line: reason` per line it refuses (a `ValueError`, whose message is the reason) or
    `file: cannot read (...)` per file that cannot be read (at the line it stopped)."""
    rows, problems = [], []
    for path in paths:
        number = 0
        try:
            for number, line in numbered_lines(path):
                try:
                    rows.append(decode(line))
                except ValueError as e:
                    problems.append(f"{path}:{number}: {e}")
        except OSError as e:
            where = f"{path}:{number + 1}" if number else path
            problems.append(f"{where}: cannot read ({type(e).__name__}: {e.strerror or e})")
    return rows, problems


def sink_files(output_dir: str, sink: str) -> list[str]:
    """The files the sink wrote under `output_dir` (`<sink>-SSSSS-of-NNNNN.jsonl`; any
    `<sink>*.jsonl`), sorted. The directory name is taken literally, not as a glob."""
    return sorted(p for p in glob.glob(os.path.join(glob.escape(output_dir), f"{sink}*.jsonl"))
                  if not os.path.isdir(p))


def read_run(output_dir: str, sinks: Sequence[str] = SINKS) -> RunRecords:
    """Every record of `sinks` under one `--output_dir`, and the problems met."""
    out = RunRecords()
    for sink in sinks:
        rows, problems = read_records(sink_files(output_dir, sink),
                                      functools.partial(decode_record, sink=sink))
        out.records[sink] = rows
        out.problems.extend(problems)
    return out
