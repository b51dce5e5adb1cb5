"""Fixed shapes for compiled generation: batch-size and sequence-length buckets.

keras-hub (JAX) compiles `generate` once per (batch size, max_length, stop tokens). A stream
of chats of every length would compile a new program for almost every batch. Padding batches
to a few batch sizes and `max_length` to a few lengths bounds the number of programs no matter
what the stream looks like: at most `len(batch_buckets) * len(length_buckets)` per task.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

__all__ = [
    "DEFAULT_LENGTH_BUCKETS",
    "ShapePlan",
    "batch_buckets",
    "bucket_for",
    "plan_shapes",
    "truncate_keep_end",
]

DEFAULT_LENGTH_BUCKETS: tuple[int, ...] = (256, 512, 1024, 2048)


def batch_buckets(max_batch_size: int) -> tuple[int, ...]:
    """Batch sizes used for padding: powers of 4 below `max_batch_size`, then the max.

    Few buckets keep the compile count low; the ratio of 4 wastes at most 3/4 of a batch on
    padding rows, which only happens for the small flushes of a quiet stream.
    """
    sizes, size = [], 1
    while size < max_batch_size:
        sizes.append(size)
        size *= 4
    sizes.append(max_batch_size)
    return tuple(sizes)


def bucket_for(value: int, buckets: Sequence[int]) -> int:
    """The smallest bucket >= value. Raises ValueError when value exceeds every bucket."""
    i = bisect.bisect_left(buckets, value)
    if i == len(buckets):
        raise ValueError(f"{value} is larger than the largest bucket {buckets[-1]}")
    return buckets[i]


class ShapePlan:
    """The padded shape of one generate call."""

    __slots__ = ("batch_size", "max_length", "rows")

    def __init__(self, rows: int, batch_size: int, max_length: int):
        self.rows = rows
        self.batch_size = batch_size
        self.max_length = max_length

    def __repr__(self) -> str:
        return f"ShapePlan(rows={self.rows}, batch={self.batch_size}, len={self.max_length})"


def plan_shapes(
    prompt_lengths: Sequence[int],
    max_new_tokens: int,
    batch_sizes: Sequence[int],
    length_buckets: Sequence[int],
) -> ShapePlan:
    """Chooses the padded batch size and `max_length` (prompt + new tokens) for a batch."""
    rows = len(prompt_lengths)
    if rows == 0:
        raise ValueError("empty batch")
    if rows > batch_sizes[-1]:
        raise ValueError(f"batch of {rows} exceeds the largest batch bucket {batch_sizes[-1]}")
    needed = max(prompt_lengths) + max_new_tokens
    return ShapePlan(rows, bucket_for(rows, batch_sizes), bucket_for(needed, length_buckets))


def truncate_keep_end(
    head: list[int], chat: list[int], tail: list[int], budget: int
) -> tuple[list[int], bool]:
    """Joins prompt parts within `budget` tokens, dropping the START of the chat if needed.

    The instructions (head, tail) are never cut; the end of the conversation is kept, since
    that is where the customer's final mood usually is. Returns (token ids, truncated?).
    Raises ValueError when even an empty chat does not fit.
    """
    room = budget - len(head) - len(tail)
    if room < 1:
        raise ValueError(
            f"the prompt template alone needs {len(head) + len(tail)} tokens, "
            f"more than the budget of {budget}"
        )
    if len(chat) <= room:
        return head + chat + tail, False
    return head + chat[len(chat) - room:] + tail, True
