"""Each preset loads once per process, whatever the stages; deadlines charge execution only."""

import json
import shutil
import threading

import keras_hub
import pytest

from handlers import keras_hub_handler
from handlers.deadline import InferenceTimeout
from handlers.generation import Task
from pipeline.arms import ArmSpec, assign_arm
from pipeline.pipeline import run
from pipeline.run_summary import load
from tests.integration.conftest import TINY_PROMPTS, tiny_sentiment_prompt

pytestmark = pytest.mark.slow


@pytest.fixture
def from_preset_calls(monkeypatch):
    """Counts `CausalLM.from_preset` calls, in a process with no engine loaded yet."""
    keras_hub_handler.forget_engines()
    calls = []
    original = keras_hub.models.CausalLM.from_preset

    def counting(cls, preset, *args, **kwargs):
        calls.append(preset)
        return original(preset, *args, **kwargs)

    monkeypatch.setattr(keras_hub.models.CausalLM, "from_preset", classmethod(counting))
    yield calls
    keras_hub_handler.forget_engines()


# Three equal arms (the preset does not matter to who gets which arm).
THREE_ARMS = tuple(ArmSpec(name, "p", "v3") for name in ("a", "b", "c"))


def _users(arms, per_arm):
    """User ids, `per_arm` in each of `arms` (so every arm gets traffic)."""
    users = {arm.name: [] for arm in arms}
    user = 0
    while min(len(v) for v in users.values()) < per_arm:
        user += 1
        arm = assign_arm(user, arms)
        if len(users[arm]) < per_arm:
            users[arm].append(user)
    return [u for arm in arms for u in users[arm.name]]


def _run(tmp_path, preset, *extra, arms=(ArmSpec("a", "p", "v3", 0.5),
                                           ArmSpec("b", "p", "v3", 0.5)), per_arm=4):
    src = tmp_path / "chats.jsonl"
    lines = [json.dumps({"id": i, "user_id": u, "chat_message": f"id {u}: order {i} was late"})
             for i, u in enumerate(_users(arms, per_arm))]
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    shutil.rmtree(out, ignore_errors=True)
    model = () if "--arm" in extra else ("--model", preset)
    run(["--input", str(src), "--output_dir", str(out), *model, *TINY_PROMPTS,
         "--max_new_tokens", "24", "--apology_max_new_tokens", "16", "--max_batch_size", "4",
         "--length_buckets", "256,512", "--share_model_across_processes", "false", *extra])
    records = load(str(out))
    assert sum(len(v) for v in records.values()) == len(lines)
    return records


def test_one_load_per_preset_per_process(tiny_preset, tmp_path, from_preset_calls):
    """Sentiment, its retries and apologies (six RunInference stages) load model A once."""
    _run(tmp_path, tiny_preset)
    assert from_preset_calls == [tiny_preset]


def test_ab_loads_each_arm_once_and_an_arm_without_traffic_not_at_all(
        tiny_preset, tmp_path, from_preset_calls):
    """--model_b with --ab_split 0 loads only A; a 50/50 split on every stage loads each
    preset exactly once (twelve RunInference stages: per arm, the first try and the retry of
    the sentiment pass and the apology pass, each with its one-by-one retry)."""
    preset_b = str(tmp_path / "preset-b")
    shutil.copytree(tiny_preset, preset_b)
    _run(tmp_path, tiny_preset, "--model_b", preset_b, "--ab_split", "0")
    assert from_preset_calls == [tiny_preset]
    keras_hub_handler.forget_engines()
    from_preset_calls.clear()
    records = _run(tmp_path, tiny_preset, "--model_b", preset_b, "--ab_split", "0.5",
                   "--ab_stage", "all")
    assert sorted(from_preset_calls) == sorted([tiny_preset, preset_b])
    assert {r["model_variant"] for r in records["results"] + records["review"]} == {"a", "b"}


def test_three_arms_load_each_distinct_preset_once(tiny_preset, tmp_path, from_preset_calls):
    """--arm three times, two of them on one preset (prompt versions compared) and one on
    another: every record names its user's arm, and each distinct preset loads once (18
    RunInference stages)."""
    preset_c = str(tmp_path / "preset-c")
    shutil.copytree(tiny_preset, preset_c)
    records = _run(tmp_path, tiny_preset, "--arm", f"a={tiny_preset},prompt_version=v3",
                   "--arm", f"b={tiny_preset},prompt_version=v2", "--arm",
                   f"c={preset_c},prompt_version=v3", "--ab_stage", "all",
                   arms=THREE_ARMS, per_arm=3)
    assert sorted(from_preset_calls) == sorted([tiny_preset, preset_c])
    rows = records["results"] + records["review"]
    assert {r["model_variant"] for r in rows} == {"a", "b", "c"}
    assert all(r["model_variant"] == assign_arm(r["user_id"], THREE_ARMS) for r in rows)
    assert {r["prompt_version"] for r in rows if r["model_variant"] == "b"} == {"v2"}


def test_deadline_charges_execution_not_loading_or_compiling(tiny_preset, monkeypatch):
    """Loading and compiling (each made 5 s slower here) are not charged to a 4 s deadline:
    the first batch goes through. A hung execution raises InferenceTimeout, and a concurrent
    call on the same engine completes while it hangs (the hung call holds no lock)."""
    import time

    from handlers import decoding

    keras_hub_handler.forget_engines()
    original_load = keras_hub.models.CausalLM.from_preset
    original_program = decoding.CompiledGenerate.program

    def slow_load(cls, *args, **kwargs):
        time.sleep(5)
        return original_load(*args, **kwargs)

    def slow_program(self, *args):
        time.sleep(5)
        return original_program(self, *args)

    monkeypatch.setattr(keras_hub.models.CausalLM, "from_preset", classmethod(slow_load))
    monkeypatch.setattr(decoding.CompiledGenerate, "program", slow_program)
    handler = keras_hub_handler.KerasHubCausalLMHandler(
        tiny_preset, max_new_tokens=24, max_batch_size=2, length_buckets=(256, 512),
        share_across_processes=False, task=Task.SENTIMENT, timeout_secs=4)
    lazy = handler.load_model()
    prompt = tiny_sentiment_prompt("\nid 1: the order was late\n", 1, 80)
    [result] = handler.run_inference([prompt], lazy)
    assert result.inference.finished
    engine = lazy.engine
    assert engine.compiles == 1

    release = threading.Event()
    original_run = engine._generate_fn.run
    hung = []

    def run_or_hang(program, token_ids, *args):
        if not hung:
            hung.append(True)
            release.wait(60)
        return original_run(program, token_ids, *args)

    monkeypatch.setattr(engine._generate_fn, "run", run_or_hang)
    with pytest.raises(InferenceTimeout, match="within 1s"):
        engine.generate([prompt], 24, Task.SENTIMENT, timeout_secs=1)
    assert engine.deadlines.abandoned == 1
    # The hung call is still running; another call on the same engine goes through.
    assert engine.generate([prompt], 24, Task.SENTIMENT, timeout_secs=60)[0].finished
    assert engine.deadlines.abandoned == 1
    release.set()
    keras_hub_handler.forget_engines()
