"""What every stage and sink needs to stamp and serialise a record: processing time, JSON
lines that cannot fail, and an exception's text that cannot fail either."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

__all__ = ["describe_exception", "now", "to_json_line"]


def now() -> str:
    """Processing time as ISO-8601 UTC, the `processed_at` of every record."""
    return datetime.datetime.now(datetime.UTC).isoformat()


def to_json_line(record: dict[str, Any]) -> str:
    """One record as a JSON line; non-ASCII kept readable. Total, so a sink cannot fail on a
    record: values JSON cannot hold are written as their `str`, NaN/Infinity as null, and
    lone surrogates as JSON escapes (the line stays valid UTF-8 and decodes to the same
    string)."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    if "NaN" in line or "Infinity" in line:
        line = json.dumps(_finite(record), ensure_ascii=False, sort_keys=True, default=str)
    return line.encode("utf-8", "backslashreplace").decode("utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def describe_exception(exc: BaseException) -> str:
    """`Type: message`, even for an exception whose `str` itself fails."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001
        return f"{type(exc).__name__} (message could not be rendered)"
