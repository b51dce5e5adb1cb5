"""Quiet start-up (`pipeline.logs.configure`): what a command prints before its first line
of its own, in a fresh interpreter (the set-up only works before the imports)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = """
import logging, sys
from pipeline import logs
logs.configure("INFO", verbose=sys.argv[1] == "verbose")
import keras_hub  # imports TensorFlow (keras-hub's Gemma 3 preprocessor asserts it)
from apache_beam.ml.inference import base
base._get_current_process_memory_in_bytes()  # Beam warned here on every batch
logging.getLogger("apache_beam.transforms.util").info("BatchElements statistics: ...")
logging.getLogger("jax._src.xla_bridge").info("Unable to initialize backend 'tpu'")
logging.getLogger("pipeline.x").info("our own line")
"""


def _run(mode):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    env["PYTHONPATH"] = ROOT
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                          timeout=300, env=env, cwd=ROOT)


def test_a_quiet_start_prints_only_our_own_lines():
    proc = _run("quiet")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].endswith("INFO pipeline.x our own line"), lines


def test_verbose_gives_everything_back():
    """The same start with -v: Beam's and JAX's INFO lines and Beam's resource warning come
    back (so the quiet test above has something to silence; TensorFlow, whose start-up lines
    this once also checked, is no longer installed)."""
    proc = _run("verbose")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "BatchElements statistics" in out and "Unable to initialize backend" in out
    assert "our own line" in out and "Resource module is not available" in out


def test_a_command_started_with_stderr_closed_still_starts():
    """A supervisor may start a command with file descriptor 2 closed (`2>&-`): Python then
    has no `sys.stderr`, and the quiet TensorFlow import cannot point fd 2 anywhere."""
    proc = subprocess.run(
        ["sh", "-c", f"{sys.executable} -c 'from pipeline import logs; logs.configure(); "
         "print(\"started\")' 2>&-"], capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": ROOT}, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip() == "started", proc.stdout
