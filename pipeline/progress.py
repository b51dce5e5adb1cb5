"""How far a local batch run is: chats done of the total, chats/s, time left, per sink.

The pipeline counts every record that reaches a sink (`CountToProgress` on each of
results, review and errors). In the process that launched the run (the DirectRunner's
in-process worker), those counts feed the active `Progress`: a progress bar (tqdm) when
stdout is a terminal, else one log line every `log_every_secs` and a last one at the end.
Where no `Progress` is active (tests, Dataflow workers, other processes) counting is a
no-op: Dataflow shows its own progress and the Beam counters.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import Counter

import apache_beam as beam

__all__ = ["CountToProgress", "Progress", "active", "count_input_lines"]

_LOGGER = logging.getLogger(__name__)
_ACTIVE: Progress | None = None
_LOCK = threading.Lock()


def active() -> Progress | None:
    """The progress display of this process's run, if one is open."""
    return _ACTIVE


class Progress:
    """Counts of records per sink against an expected total of chats (None: unknown).

    A context manager: entering makes it the process's active progress, leaving closes the
    bar (or logs the last line). `terminal` None means "stdout is a terminal"."""

    def __init__(self, total: int | None, terminal: bool | None = None,
                 log_every_secs: float = 30.0, clock=time.monotonic):
        self.total = total
        self.terminal = sys.stdout.isatty() if terminal is None else terminal
        self.log_every_secs = log_every_secs
        self.counts: Counter[str] = Counter()
        self._clock = clock
        self._started = clock()
        self._logged = self._started
        self._first: float | None = None
        self._bar = None

    def __enter__(self) -> Progress:
        global _ACTIVE
        if self.terminal:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, unit="chat", dynamic_ncols=True,
                             file=sys.stdout, smoothing=0.1)
        with _LOCK:
            _ACTIVE = self
        return self

    def __exit__(self, *exc) -> None:
        global _ACTIVE
        with _LOCK:
            if _ACTIVE is self:
                _ACTIVE = None
        if self._bar is not None:
            self._bar.close()
        else:
            _LOGGER.info("%s", self.line())

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        """"20/49 chats (41%) in 75 s, 0.38 chats/s, 76 s left; results 12, review 5,
        errors 3". The rate counts from the first chat done (loading and compiling the
        model come before it, and are reported as that wait)."""
        now = self._clock()
        head = f"{self.done}/{self.total} chats ({100 * self.done / max(1, self.total):.0f}%)" \
            if self.total else f"{self.done} chats"
        head += f" in {now - self._started:.0f} s"
        if self.total and self.done >= self.total:
            pace = f", {self.done / max(now - self._started, 1e-9):.2f} chats/s overall"
        elif self._first is None:
            pace = ", none done yet"
        elif self.done < 2 or now <= self._first:
            pace = f", the first after {self._first - self._started:.0f} s (loading, compiling)"
        else:
            rate = (self.done - 1) / (now - self._first)
            pace = f", {rate:.2f} chats/s"
            if self.total and self.done < self.total:
                pace += f", {(self.total - self.done) / rate:.0f} s left"
        sinks = ", ".join(f"{name} {self.counts[name]}" for name in sorted(self.counts))
        return head + pace + (f"; {sinks}" if sinks else "")

    def record(self, sink: str, n: int = 1) -> None:
        with _LOCK:
            self.counts[sink] += n
            if self._first is None:
                self._first = self._clock()
            if self._bar is not None:
                self._bar.update(n)
                self._bar.set_postfix({k: self.counts[k] for k in sorted(self.counts)},
                                      refresh=False)
            elif self._clock() - self._logged >= self.log_every_secs:
                self._logged = self._clock()
                _LOGGER.info("%s", self.line())


class _CountFn(beam.DoFn):
    def __init__(self, sink: str):
        self._sink = sink

    def process(self, element):
        progress = _ACTIVE
        if progress is not None:
            progress.record(self._sink)
        return []


class CountToProgress(beam.PTransform):
    """Records each element as one more chat done in `sink` on the active `Progress`;
    outputs nothing."""

    def __init__(self, sink: str):
        super().__init__()
        self._sink = sink

    def expand(self, pcoll):
        return pcoll | beam.ParDo(_CountFn(self._sink))


def count_input_lines(pattern: str, compression: str = "auto") -> int | None:
    """Lines of the uncompressed files matching `pattern`, split as the pipeline reads them
    (`inputs.split_lines`: a blank line is a line, and ends in the error sink), so the chats
    a batch run will account for; None when any file is read compressed (`compression`, the
    run's `--input_compression`), is not a regular local file (a named pipe read here would
    be drained before the run reads it) or cannot be read."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    from pipeline.inputs import compression_of, split_lines

    try:
        matched = [m.path for r in FileSystems.match([pattern]) for m in r.metadata_list]
        if not matched or any(compression_of(p, compression) != "none" for p in matched):
            return None
        if any("://" not in p and not os.path.isfile(p) for p in matched):
            return None
        total = 0
        for path in matched:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                total += sum(1 for _ in split_lines(iter(lambda f=f: f.read(1 << 20), b"")))
        return total
    except Exception:  # noqa: BLE001 (a count is a nicety: the run reports what it reads)
        return None
