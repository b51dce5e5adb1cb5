"""A deadline on a call that cannot be interrupted (a compiled generate step).

Beam's own RunInference timeout abandons the DoFn thread, marks the model for garbage
collection and loads a new copy: with an LLM on a GPU that second copy may not fit, and while
the abandoned call runs, anything it holds (a lock) stalls the retries. Here the deadline is
applied inside the engine, around execution only (never model loading or compilation), and
the call holds nothing that later calls need: it is left to finish in a daemon thread while
later batches run beside it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DeadlineRunner", "InferenceTimeout"]

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")


class InferenceTimeout(TimeoutError):
    """A call ran past its deadline and was abandoned (it may still be running)."""


class DeadlineRunner:
    """Runs calls of one model under a deadline and keeps count of the abandoned ones.

    Each abandoned call still holds its batch's buffers (on a GPU, its KV cache) until it
    ends; past `max_abandoned` of them, new calls are refused at once (as timeouts) instead
    of piling up memory behind a model that no longer answers.
    """

    def __init__(self, max_abandoned: int = 4):
        self.max_abandoned = max_abandoned
        self._abandoned = 0
        self._lock = threading.Lock()

    @property
    def abandoned(self) -> int:
        """Calls that timed out and have not finished yet."""
        return self._abandoned

    def run(self, fn: Callable[[], T], timeout_secs: float | None, what: str) -> T:
        """`fn()`, or `InferenceTimeout` once `timeout_secs` pass (None: no deadline)."""
        if timeout_secs is None:
            return fn()
        if self._abandoned >= self.max_abandoned:
            raise InferenceTimeout(f"{what} refused: {self._abandoned} earlier calls timed "
                                   "out and are still running")
        done = threading.Event()
        outcome: dict[str, Any] = {}
        abandoned = [False]

        def target() -> None:
            try:
                outcome["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 (re-raised in the caller)
                outcome["error"] = exc
            finally:
                with self._lock:
                    done.set()
                    if abandoned[0]:
                        self._abandoned -= 1
                        _LOGGER.warning("an abandoned call (%s) ended after its deadline", what)

        threading.Thread(target=target, name="deadline-call", daemon=True).start()
        if not done.wait(timeout_secs):
            with self._lock:
                if not done.is_set():
                    abandoned[0] = True
                    self._abandoned += 1
            if abandoned[0]:
                _LOGGER.error("%s did not finish within %gs; abandoned", what, timeout_secs)
                raise InferenceTimeout(f"{what} did not finish within {timeout_secs:g}s "
                                       "(--inference_timeout_secs)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]
