"""The Keras backend: JAX, chosen before keras is first imported.

Keras reads `KERAS_BACKEND` once, when `keras` is first imported, and this package's model
code needs JAX (`decoding` and `engine` call `jax.jit` and `jax.config` directly). Three
places make sure of it, so no module has to set it above its imports:

- `handlers/__init__.py` calls `ensure_jax_backend()`: Python runs a package's `__init__`
  before any of its modules, so it runs before `engine` or `decoding` imports keras, whoever
  imports them (a worker, the local runner, a benchmark, a test, a notebook). `tuning` and
  `builders`, which import keras inside their functions, import `handlers` in their
  `__init__`, and `tests/conftest.py` calls it before any test module (some import keras
  before handlers).
- The handler passes `WORKER_ENV_VARS` to Beam's `ModelHandler` as `env_vars`: RunInference
  sets them (overriding an inherited value) in the worker process before `load_model`, and
  the handler module itself never imports keras.
- The worker image sets `KERAS_BACKEND=jax` (Dockerfile) and the Makefile exports it.
"""

from __future__ import annotations

import os
import sys

__all__ = ["BACKEND", "WORKER_ENV_VARS", "ensure_jax_backend"]

BACKEND = "jax"

# What RunInference sets on the worker before `load_model` (Beam's `env_vars`).
WORKER_ENV_VARS = {"KERAS_BACKEND": BACKEND}


def ensure_jax_backend() -> None:
    """Makes keras load on JAX in this process: sets `KERAS_BACKEND=jax` unless the
    environment already names a backend (as before: an explicit choice is kept; an empty
    value names none).

    Raises:
        RuntimeError: keras was already imported with another backend; it cannot be switched
            afterwards, and this package's generate loop would fail far from the cause.
    """
    keras = sys.modules.get("keras")
    if keras is None:
        if not os.environ.get("KERAS_BACKEND"):
            os.environ["KERAS_BACKEND"] = BACKEND
        return
    backend = keras.backend.backend()
    if backend != BACKEND:
        raise RuntimeError(
            f"keras was imported with the {backend!r} backend before handlers; this package "
            f"runs on {BACKEND!r}: set KERAS_BACKEND={BACKEND} before anything imports keras")
