"""Two settings for Beam's BundleBasedDirectRunner, the local streaming stand-in.

Only `local/` applies them (the streaming demo, its test and benchmark); Dataflow never runs
this code. Both were found by profiling a 300-chat backlog with an instant model
(`python -m bench.stream`): the pipeline worked it off at about 3 chats/s while the runner's
own floor (read -> map -> publish) reached about 48/s, and the runner's only worker thread
spent 97% of its time waiting in one Pub/Sub call.

1. **The Pub/Sub read does not block.** The runner executes every bundle, timer and root
   read on a single worker thread (`_ExecutorServiceParallelExecutor.NUM_WORKERS = 1`), and
   its read pulls with a 30 s blocking call. Once the subscription is momentarily empty the
   whole pipeline stalls for up to 30 s: batches waiting for their `max_batch_duration_secs`
   flush, chats between stages, everything. Here the pull returns at once
   (`return_immediately`, which the emulator honours) and an empty pull waits `POLL_SECS`
   before the runner polls again; a read takes up to `MAX_MESSAGES` per bundle.
2. **Empty bundles are not scheduled.** Every step emits a bundle per output tag per input
   bundle, empty or not, and the runner schedules each consumer for each (with our
   dead-letter branches, about 10 bundles per chat, most of them empty). Beam's own
   watermark manager already ignores empty bundles ("They do not impact watermarks and
   should not trigger downstream execution"); the executor now does too. Timer firings and
   root reads are scheduled by other paths and are unaffected.

`configure()` is idempotent and refuses to run on a Beam other than the one it was written
for (these are runner internals). Beam acknowledges a pull as soon as it is read (unchanged
here), so a bundle that fails for good loses what it read: up to `MAX_MESSAGES` chats of a
local run, where the DirectRunner fails the whole job anyway.
"""

from __future__ import annotations

import threading
import time
from typing import Any

__all__ = ["MAX_MESSAGES", "POLL_SECS", "NonBlockingPull", "configure"]

POLL_SECS = 0.05
MAX_MESSAGES = 100

_lock = threading.Lock()
_configured = False


class NonBlockingPull:
    """Wraps the runner's subscriber client: `pull` returns at once, waiting `POLL_SECS` when
    there was nothing to read; everything else goes to the wrapped client."""

    def __init__(self, client: Any, poll_secs: float = POLL_SECS,
                 max_messages: int = MAX_MESSAGES):
        self._client = client
        self._poll_secs = poll_secs
        self._max_messages = max_messages

    def pull(self, subscription: str, max_messages: int, timeout: float | None = None):
        response = self._client.pull(
            subscription=subscription, max_messages=max(max_messages, self._max_messages),
            return_immediately=True, timeout=timeout)
        if not response.received_messages:
            time.sleep(self._poll_secs)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


WRITTEN_FOR_BEAM = "2.77.0"


def _internals():
    import apache_beam
    from apache_beam.runners.direct import executor, transform_evaluator

    if apache_beam.__version__ != WRITTEN_FOR_BEAM:
        raise RuntimeError(f"local/direct_runner.py patches the BundleBasedDirectRunner of "
                           f"apache-beam {WRITTEN_FOR_BEAM}, not {apache_beam.__version__}: "
                           "check its internals and update it")

    reader = transform_evaluator._PubSubReadEvaluator
    scheduler = executor._ExecutorServiceParallelExecutor
    missing = [name for owner, name in ((reader, "_get_subscriber_client"),
                                        (scheduler, "schedule_consumers"))
               if not callable(getattr(owner, name, None))]
    if missing or scheduler.NUM_WORKERS != 1:
        raise RuntimeError(f"apache-beam {apache_beam.__version__}: the BundleBasedDirectRunner "
                           f"lacks {missing} or runs more than one worker; "
                           "local/direct_runner.py needs updating")
    return reader, scheduler


def configure() -> None:
    """Applies both settings to this process's BundleBasedDirectRunner (once)."""
    global _configured
    with _lock:
        reader, scheduler = _internals()
        if _configured or getattr(scheduler.schedule_consumers, "_skips_empty", False):
            return
        get_client = reader._get_subscriber_client.__func__
        wrapped: dict[int, NonBlockingPull] = {}

        def _get_subscriber_client(cls, transform):
            client = get_client(cls, transform)
            with _lock:
                # One wrapper per runner client (the runner caches a client per transform).
                if id(client) not in wrapped:
                    wrapped[id(client)] = NonBlockingPull(client)
                return wrapped[id(client)]

        schedule = scheduler.schedule_consumers

        def schedule_consumers(self, committed_bundle) -> None:
            if committed_bundle.has_elements():
                schedule(self, committed_bundle)

        schedule_consumers._skips_empty = True
        reader._get_subscriber_client = classmethod(_get_subscriber_client)
        scheduler.schedule_consumers = schedule_consumers
        _configured = True
