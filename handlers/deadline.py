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

from handlers.errors import ModelUnavailable

__all__ = ["DeadlineRunner", "InferenceTimeout", "ModelUnavailable"]

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")


class InferenceTimeout(TimeoutError):
    """A call ran past its deadline and was abandoned (it may still be running)."""


class DeadlineRunner:
    """Runs the calls of one model: one execution at a time, each under a deadline.

    * One live execution per model (`max_live`): batches from several threads or processes
      queue for the slot instead of multiplying device memory. Waiting for the slot is not
      charged to the deadline.
    * A call past its deadline is abandoned: `InferenceTimeout` is raised, and its slot is
      given back at once, so later calls do not wait for it. It keeps running (an XLA program
      cannot be interrupted) and keeps its buffers until it ends.
    * At most `max_abandoned` abandoned calls may still be running. At the limit a new call
      waits up to its own timeout for one to end; if none does, the model is hung and
      `ModelUnavailable` is raised: the pipeline then fails the bundle (the runner retries
      it later) rather than sending every later chat to the error sink.
    """

    def __init__(self, max_abandoned: int = 4, max_live: int = 1):
        self.max_abandoned = max_abandoned
        self._abandoned = 0
        self._changed = threading.Condition()
        self._live = threading.BoundedSemaphore(max_live)

    @property
    def abandoned(self) -> int:
        """Calls that timed out and have not finished yet."""
        return self._abandoned

    def _wait_below_limit(self, timeout_secs: float | None, what: str) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._abandoned < self.max_abandoned,
                                          timeout=timeout_secs):
                raise ModelUnavailable(
                    f"{what} refused: {self._abandoned} earlier calls timed out and are still "
                    "running (the model looks hung)")

    def run(self, fn: Callable[[], T], timeout_secs: float | None, what: str) -> T:
        """`fn()` in the model's execution slot; `InferenceTimeout` once `timeout_secs` pass
        (None: no deadline)."""
        if timeout_secs is None:
            with self._live:
                return fn()
        self._wait_below_limit(timeout_secs, what)
        self._live.acquire()
        done = threading.Event()
        outcome: dict[str, Any] = {}
        abandoned = [False]

        def target() -> None:
            try:
                outcome["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 (re-raised in the caller)
                outcome["error"] = exc
            finally:
                with self._changed:
                    done.set()
                    if abandoned[0]:
                        self._abandoned -= 1
                        self._changed.notify_all()
                        _LOGGER.warning("an abandoned call (%s) ended after its deadline", what)
                    else:
                        self._live.release()

        try:
            threading.Thread(target=target, name="deadline-call", daemon=True).start()
        except BaseException:
            self._live.release()
            raise
        if not done.wait(timeout_secs):
            with self._changed:
                if not done.is_set():
                    abandoned[0] = True
                    self._abandoned += 1
                    self._live.release()  # later calls need not wait for this one
            if abandoned[0]:
                _LOGGER.error("%s did not finish within %gs; abandoned", what, timeout_secs)
                raise InferenceTimeout(f"{what} did not finish within {timeout_secs:g}s "
                                       "(--inference_timeout_secs)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]
