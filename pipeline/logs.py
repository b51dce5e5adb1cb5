"""Quiet runs: what the project's commands print, set up before the heavy imports.

`configure(level, verbose)` is the first thing each command does (`python -m pipeline`,
`python -m pipeline.evaluation`, `python -m tuning`, `python -m local.stream`). By default:

* the project's own loggers at `level` (INFO), every third-party logger (Beam, absl, JAX,
  XLA, TensorFlow, keras, Google clients) at WARNING;
* the known-harmless start-up noise is turned off where it is made: TensorFlow's C++ log
  level and its oneDNN notice by environment variables (TensorFlow is here only because
  keras-hub's Gemma 3 preprocessor asserts it; it computes nothing), SentencePiece's C++
  INFO lines by its own log level, and the lines TensorFlow writes to the process's stderr
  before its logging is initialised (a TensorFlow bug: no level or variable reaches them)
  by importing it once with stderr pointed at a buffer, which is replayed if the import
  fails;
* Beam's RunInference warning "Resource module is not available" on every batch: Beam 2.77
  drops the `resource` module when its optional torch-only `ModelManager` fails to import,
  so it is handed back (the memory figure it feeds then works).

`verbose` (`-v`) keeps everything as the libraries set it: every logger at `level` (INFO
unless `--log_level` says otherwise),
no environment defaults, no redirected import. Variables a user already set are never
overridden.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import tempfile

__all__ = ["OWN_LOGGERS", "THIRD_PARTY_LOGGERS", "configure", "pop_verbosity"]

OWN_LOGGERS = ("pipeline", "handlers", "prompts", "tuning", "evaluate", "review", "local",
               "bench", "builders", "__main__")
THIRD_PARTY_LOGGERS = ("apache_beam", "absl", "jax", "jaxlib", "xla", "tensorflow", "keras",
                       "keras_hub", "h5py", "google", "grpc", "urllib3", "kagglehub",
                       "waitress", "werkzeug", "sentencepiece")
# Environment defaults read by the libraries when they load (before their import).
_QUIET_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "GRPC_VERBOSITY": "ERROR",
    "KERAS_BACKEND": "jax",
}
_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def pop_verbosity(argv: list[str]) -> tuple[list[str], str, bool]:
    """(argv without `-v`/`--verbose` and `--log_level X`/`--log_level=X`, the level, whether
    verbose). Read before anything is imported, so the flags apply to start-up too."""
    rest, level, verbose = [], "INFO", False
    args = iter(argv)
    for arg in args:
        if arg in ("-v", "--verbose"):
            verbose = True
        elif arg == "--log_level":
            level = next(args, None)
            if level is None:
                raise SystemExit("error: --log_level needs a value: DEBUG, INFO, WARNING or "
                                 "ERROR")
        elif arg.startswith("--log_level="):
            level = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    level = level.upper()
    if not isinstance(logging.getLevelName(level), int):
        raise SystemExit(f"error: --log_level must be DEBUG, INFO, WARNING or ERROR, not "
                         f"{level!r}")
    return rest, level, verbose


@contextlib.contextmanager
def _stderr_to_buffer():
    """Points file descriptor 2 at a temporary file for the block; yields the file, or None
    when fd 2 is closed (started with `2>&-`: there is nothing to keep quiet, and `sys.stderr`
    is None)."""
    if sys.stderr is None:
        yield None
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield None
        return
    with tempfile.TemporaryFile(mode="w+b") as buffer:
        os.dup2(buffer.fileno(), 2)
        try:
            yield buffer
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _import_quietly(name: str) -> None:
    """Imports `name` with its pre-initialisation C++ lines kept off the terminal; if the
    import fails, what it wrote is replayed on stderr before the error propagates."""
    failure = None
    with _stderr_to_buffer() as buffer:
        try:
            importlib.import_module(name)
        except ImportError:
            return  # not installed: nothing to quieten
        except Exception as e:  # a broken install: its own words matter
            if buffer is None:
                raise
            buffer.seek(0)
            failure = (e, buffer.read())
    if failure:
        os.write(2, failure[1])
        raise failure[0]


def _hand_back_resource_module() -> None:
    try:
        import resource

        from apache_beam.ml.inference import base
    except ImportError:
        return
    if getattr(base, "resource", resource) is None:
        base.resource = resource


def configure(level: str = "INFO", verbose: bool = False) -> None:
    """Sets up logging for a command: see the module docstring."""
    numeric = logging.getLevelName(level.upper())
    if verbose:
        logging.basicConfig(level=numeric, format=_FORMAT, force=True)
        return
    for key, value in _QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    # force: a library that logged before this (through the root logger) installed a handler
    # of its own format.
    logging.basicConfig(level=logging.WARNING, format=_FORMAT, force=True)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(numeric)
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    for name in ("tensorflow", "tensorflow_text"):
        _import_quietly(name)
    try:
        import sentencepiece

        sentencepiece.set_min_log_level(2)
    except (ImportError, AttributeError):
        pass
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.WARNING)
    except ImportError:
        pass
    _hand_back_resource_module()
