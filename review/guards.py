"""What keeps one client of the review app from wearing it down: a back-off after failed
sign-ins, a per-client budget of decisions, and a JSON parser that refuses deep nesting.
Pure logic with an injectable clock; the app wires them in (`review.app`)."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Backoff", "TokenBucket", "parse_json_body"]

# Entries of clients not seen for this long are forgotten (memory stays bounded).
_FORGET_SECS = 24 * 3600.0
_MAX_CLIENTS = 100_000


class Backoff:
    """Failed credentials per client: the `free`-th failure and every one after it blocks
    the client for 2, 4, 8, ... seconds (at most `max_secs`). While blocked, no credential
    is even checked, the right one included: the caller answers 429 with Retry-After. A
    success does not forget failures (a reviewer's own sign-in must not wipe the guesses made
    from the same address at a colleague's token); they are forgotten after `quiet_secs`
    without a failure."""

    def __init__(self, free: int = 5, max_secs: float = 900.0, quiet_secs: float = 900.0,
                 clock: Callable[[], float] | None = None):
        import time

        self._free = free
        self._max = max_secs
        self._quiet = quiet_secs
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, float, float]] = {}  # failures, until, last

    def retry_after(self, client: str) -> int:
        """Whole seconds `client` must still wait (0: it may try now)."""
        with self._lock:
            _, until, _ = self._state.get(client, (0, 0.0, 0.0))
            left = until - self._clock()
        return math.ceil(left) if left > 0 else 0

    def failed(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._state) >= _MAX_CLIENTS:
                self._forget(now)
            failures, until, last = self._state.get(client, (0, 0.0, 0.0))
            if until <= now and last < now - self._quiet:
                failures = 0
            failures += 1
            block = 0.0
            if failures >= self._free:
                block = min(2.0 ** (failures - self._free + 1), self._max)
            self._state[client] = (failures, now + block, now)

    def _forget(self, now: float) -> None:
        for client, (_, until, last) in list(self._state.items()):
            if until < now and last < now - _FORGET_SECS:
                del self._state[client]
        if len(self._state) >= _MAX_CLIENTS:  # a flood of fresh addresses: drop the oldest
            for client, _ in sorted(self._state.items(), key=lambda kv: kv[1][2])[
                    :_MAX_CLIENTS // 10]:
                del self._state[client]


class TokenBucket:
    """`per_minute` actions a minute per client, up to `per_minute` at once (a full bucket
    refills in a minute). `take` says how many seconds to wait when the bucket is empty."""

    def __init__(self, per_minute: float, clock: Callable[[], float] | None = None):
        import time

        if per_minute <= 0:
            raise ValueError("a decision budget must be more than 0 a minute")
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # tokens, at

    def take(self, client: str) -> int:
        """0 when `client` may act now (one token used), else whole seconds to wait."""
        now = self._clock()
        with self._lock:
            if len(self._buckets) >= _MAX_CLIENTS:
                self._buckets = {c: (t, at) for c, (t, at) in self._buckets.items()
                                 if now - at < 60.0}
            tokens, at = self._buckets.get(client, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - at) * self._rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self._rate))


def _nesting_depth(text: str) -> int:
    """The deepest bracket nesting of JSON `text`, outside strings: one pass, no
    backtracking (a body of unclosed strings costs what its length costs)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_json_body(raw: bytes, max_depth: int = 16) -> Any:
    """The JSON value in `raw`, or a ValueError naming the problem. The body must be UTF-8
    (JSON's encoding on the wire, RFC 8259; the parser would also take UTF-16, which the
    depth scan cannot read). Nesting deeper than `max_depth` is refused before the parser
    sees it (Python's parser recurses: 100,000 brackets raise RecursionError), and so is what
    the parser itself refuses (a 4,301-digit integer)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8") from None
    if _nesting_depth(text) > max_depth:
        raise ValueError(f"the JSON body nests deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except RecursionError:  # not reachable after the scan; kept so no traceback escapes
        raise ValueError("the JSON body nests too deeply") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, the digit limit
        raise ValueError(f"the body is not valid JSON ({type(e).__name__})") from None
