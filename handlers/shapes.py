"""Fixed shapes for compiled generation: batch-size and sequence-length buckets.

keras-hub (JAX) compiles `generate` once per (batch size, max_length, stop tokens). A stream
of chats of every length would compile a new program for almost every batch. Padding batches
to a few batch sizes and `max_length` to a few lengths bounds the number of programs no matter
what the stream looks like: at most `len(batch_buckets) * len(length_buckets)` per task.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "DEFAULT_LENGTH_BUCKETS",
    "ShapePlan",
    "batch_buckets",
    "bucket_for",
    "plan_shapes",
    "keep_end_within",
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


class ShapePlan(NamedTuple):
    """The padded shape of one generate call: `rows` real prompts padded to `batch_size`."""

    rows: int
    batch_size: int
    max_length: int


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


def keep_end_within(prompt, budget: int, encode) -> list[int]:
    """Token ids of `prompt` with the START of its chat dropped so it fits `budget` tokens.

    The whole text is re-encoded for each candidate cut (a binary search over characters), so
    the result is exactly the tokenization of `head + chat[k:] + tail`: no artifacts from
    encoding parts separately. Instructions (head, tail) are never cut; the end of the
    conversation is kept, since that is where the customer's final mood usually is.
    Raises ValueError when even an empty chat does not fit.
    """
    def ids_from(cut: int) -> list[int]:
        return encode(prompt.head + prompt.chat[cut:] + prompt.tail)

    best = ids_from(len(prompt.chat))
    if len(best) > budget:
        raise ValueError(
            f"the prompt template alone needs {len(best)} tokens, more than the budget {budget}")
    lo, hi = 0, len(prompt.chat)  # invariant: cutting at hi fits
    while lo < hi:
        mid = (lo + hi) // 2
        ids = ids_from(mid)
        if len(ids) <= budget:
            hi, best = mid, ids
        else:
            lo = mid + 1
    return best
