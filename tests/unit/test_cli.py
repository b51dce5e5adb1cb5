"""`python -m pipeline` with a bad invocation: one `error:` line per problem, exit status 2,
no traceback, before anything heavy (keras, jax) is imported or the pipeline is built."""

import json
import os
import subprocess
import sys

import pytest


def _cli(*argv, cwd=None):
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "pipeline", *argv], capture_output=True,
                          text=True, timeout=120, env=env, cwd=cwd)


@pytest.fixture
def chats(tmp_path):
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps({"id": 1, "user_id": 2, "chat_message": "hi"}) + "\n")
    return str(path)


def _one_error(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_input_matching_no_file(tmp_path, preset):
    """A glob that matches nothing fails before the pipeline starts, naming --input."""
    pattern = str(tmp_path / "data" / "*.jsonl")
    line = _one_error(_cli("--input", pattern, "--output_dir", str(tmp_path / "out"),
                           "--model", preset))
    assert line == f"error: --input matches no file: {pattern!r}"
    assert not (tmp_path / "out").exists()


def test_missing_model_directory(tmp_path, chats):
    """A --model path that does not exist fails up front, naming --model."""
    missing = str(tmp_path / "no-model")
    line = _one_error(_cli("--input", chats, "--output_dir", str(tmp_path / "out"),
                           "--model", missing))
    assert line == f"error: --model directory does not exist: {missing!r}"


def test_missing_default_model_says_how_to_build_it(tmp_path, chats):
    """The default models/demo-gemma, when absent, points at `make demo-model`."""
    line = _one_error(_cli("--input", chats, "--output_dir", str(tmp_path / "out"),
                           cwd=tmp_path))
    assert "--model" in line and "make demo-model" in line


def test_model_directory_without_config(tmp_path, chats):
    """A directory that is not a keras-hub preset (no config.json) fails up front."""
    empty = tmp_path / "empty"
    empty.mkdir()
    line = _one_error(_cli("--input", chats, "--output_dir", str(tmp_path / "out"),
                           "--model", str(empty)))
    assert line.startswith("error: --model is not a keras-hub preset directory")


def test_batch_refuses_max_batch_duration(tmp_path, chats, preset):
    """Batch mode on the local runner refuses --max_batch_duration_secs, naming it."""
    line = _one_error(_cli("--input", chats, "--output_dir", str(tmp_path / "out"),
                           "--model", preset, "--max_batch_duration_secs", "0.5"))
    assert "--max_batch_duration_secs" in line


def test_every_problem_gets_its_own_line(tmp_path):
    """Several problems: one `error:` line each, still no traceback."""
    proc = _cli("--input", str(tmp_path / "*.jsonl"), "--model", str(tmp_path / "m"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("error: ") for line in lines), lines
    assert any("--output_dir" in line for line in lines)
    assert any("--input" in line for line in lines) and any("--model" in line for line in lines)
