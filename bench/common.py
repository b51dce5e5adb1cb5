"""What every benchmark shares: the `METRIC` line format and the synthetic chats.

`bench.run` (the benchmark driver) imports `bench.stream` and `bench.gpu`, which import this,
never `bench.run`: the benchmarks form no import cycle.
"""

from __future__ import annotations

from builders.synthetic_chats import synthetic_examples

__all__ = ["chats", "metric"]


def metric(name: str, value: float, note: str = "") -> None:
    """Prints one `METRIC <name> <value>` line (what `make bench` and CI read)."""
    print(f"METRIC {name} {value:.4g}" + (f"  # {note}" if note else ""), flush=True)


def chats(n: int, seed: int = 0) -> list[dict]:
    """`n` synthetic labelled chats (`builders.synthetic_chats`), the same for a seed."""
    return synthetic_examples(n, seed=seed)
