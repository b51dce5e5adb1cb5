"""Keras runs on JAX wherever the model code runs, with nothing set by hand (`handlers.backend`).

Keras picks its backend once, when first imported, so each check runs in a fresh interpreter
whose keras config directory is empty (keras' own default there is TensorFlow, which is
installed: a missed setting shows as "tensorflow", not as an import error).
"""

import os
import subprocess
import sys

from apache_beam.ml.inference.base import KeyedModelHandler

from handlers.keras_hub_handler import KerasHubCausalLMHandler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The worker path with everything real but the model: the production handler's settings,
# wrapped as the pipeline wraps it, run by RunInference, whose `load_model` reports the
# backend keras loaded with.
WORKER = '''
import sys

import apache_beam as beam
from apache_beam.ml.inference.base import KeyedModelHandler, PredictionResult, RunInference

from handlers.keras_hub_handler import KerasHubCausalLMHandler
from prompts import Prompt

assert "keras" not in sys.modules, "the handler module imported keras"


class Backend:
    def __init__(self, name):
        self.name = name


class ProbeHandler(KerasHubCausalLMHandler):
    def load_model(self):
        import keras

        return Backend(keras.backend.backend())

    def run_inference(self, batch, model, inference_args=None):
        return [PredictionResult(x, model.name) for x in batch]


with beam.Pipeline(runner="FnApiRunner") as p:
    (p | beam.Create([("chat", Prompt("head", "chat", "tail"))])
       | RunInference(KeyedModelHandler(ProbeHandler("unused", share_across_processes=False)))
       | beam.Map(lambda kv: print("BACKEND", kv[1].inference, flush=True)))
'''


def _python(code: str, tmp_path, **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(KERAS_HOME=str(tmp_path), PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3", **env_vars)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_the_handler_sets_the_backend_before_the_model_loads(monkeypatch):
    """The production handler, wrapped as the pipeline wraps it, sets KERAS_BACKEND=jax
    through Beam's public `set_environment_vars` (what RunInference calls in the worker
    before `load_model`), over an inherited value."""
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    KeyedModelHandler(KerasHubCausalLMHandler("unused")).set_environment_vars()
    assert os.environ["KERAS_BACKEND"] == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    KerasHubCausalLMHandler("unused").with_batch_size(1).set_environment_vars()
    assert os.environ["KERAS_BACKEND"] == "jax"


def test_runinference_loads_the_model_on_jax_whatever_the_worker_inherited(tmp_path):
    """A worker process that inherited KERAS_BACKEND=numpy still loads the model on JAX:
    RunInference applies the handler's env_vars before `load_model`, and the handler module
    itself does not import keras."""
    proc = _python(WORKER, tmp_path, KERAS_BACKEND="numpy")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "BACKEND jax" in proc.stdout.splitlines(), proc.stdout[-2000:]


def test_importing_the_engine_with_no_variable_gives_jax(tmp_path):
    """`import handlers.engine` with KERAS_BACKEND unset (a notebook, a script) loads keras on
    JAX: the package's `__init__` sets it before the engine imports keras."""
    proc = _python("import handlers.engine, keras; print('BACKEND', keras.backend.backend())",
                   tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "BACKEND jax" in proc.stdout.splitlines(), proc.stdout


def test_keras_already_loaded_on_another_backend_is_refused(tmp_path):
    """keras imported on another backend before handlers: a clear error at import, not a
    failure deep in the generate loop."""
    proc = _python("import keras, handlers", tmp_path, KERAS_BACKEND="numpy")
    assert proc.returncode != 0
    assert "keras was imported with the 'numpy' backend before handlers" in proc.stderr, \
        proc.stderr[-3000:]
