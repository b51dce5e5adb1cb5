"""Every engine implements `handlers.generation.Engine`: the production engine, the instant
engine of the benchmarks and the tests' stand-in, checked by signature (names, order, kinds
and defaults of `generate`'s parameters), not only by having a `generate`."""

import inspect

import pytest

from bench.instant import InstantEngine
from handlers.engine import CausalLMEngine
from handlers.generation import Engine, Task
from tests.unit.test_handler_metrics import _FixedEngine


def _shape(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("engine_class", [CausalLMEngine, InstantEngine, _FixedEngine])
def test_every_engine_has_the_protocols_generate(engine_class):
    assert issubclass(engine_class, Engine)
    assert _shape(engine_class.generate) == _shape(Engine.generate)


def test_a_class_with_another_generate_is_caught():
    class Wrong:
        def generate(self, prompts, max_new_tokens, task, timeout_secs=None):
            return None

    assert _shape(Wrong.generate) != _shape(Engine.generate)


def test_the_instant_engine_answers_the_protocols_call():
    from prompts import render_sentiment_prompt

    prompt = render_sentiment_prompt("\nid 1: hi\n", 1, 80, topics=("general.other",))
    (reply,) = InstantEngine(("general.other",)).generate([prompt], 16, Task.SENTIMENT)
    assert '"topic": "general.other"' in reply.text and reply.topic_confidence == 1.0
