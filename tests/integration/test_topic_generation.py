"""The topic task through the real engine (keras-hub Gemma classes, random weights): every
reply carries one of the taxonomy's labels, spelled as the grammar allows, and the topic's
confidence is the label's probability recomputed from plain forward passes."""

import json
import math

import numpy as np
import pytest

from handlers.engine import CausalLMEngine
from handlers.generation import Task
from pipeline.elements import parse_reply
from pipeline.schemas import reply_constraint_spec
from prompts import render_sentiment_prompt
from taxonomies import load_taxonomy
from tests.integration.conftest import forward_logits
from tests.integration.test_constrained_generation import hostile_chats

MAX_SUMMARY = 60
MAX_NEW = 80
LABELS = load_taxonomy().labels


@pytest.fixture(scope="module")
def engine(tiny_preset):
    return CausalLMEngine(tiny_preset, max_batch_size=16, length_buckets=(512, 768),
                          reply_spec=reply_constraint_spec(MAX_SUMMARY, LABELS))


def _prompts(n, seed=5):
    return [render_sentiment_prompt(c, i, MAX_SUMMARY, topics=LABELS)
            for i, c in enumerate(hostile_chats(n, seed=seed))]


def test_every_hostile_chat_gets_a_label_of_the_taxonomy(engine):
    prompts = _prompts(32)
    results = [r for i in range(0, 32, 16)
               for r in engine.generate(prompts[i:i + 16], MAX_NEW, Task.SENTIMENT)]
    for r in results:
        reply = parse_reply(r.text, MAX_SUMMARY, LABELS)
        assert list(json.loads(r.text)) == ["sentiment", "summary", "topic"]
        assert reply.topic in LABELS
        assert r.finished and 0.0 < r.topic_confidence <= 1.0


def test_topic_confidence_is_the_labels_probability_from_forward_passes(engine):
    """The product, over the label's tokens, of each token's probability among the tokens the
    grammar allowed at its step (those that can still finish within the token budget),
    recomputed with no cache and no padding."""
    auto = engine.automaton(Task.SENTIMENT)
    for prompt in _prompts(3, seed=9):
        result = engine.generate([prompt], MAX_NEW, Task.SENTIMENT)[0]
        ids, _ = engine._encode([prompt], 10_000)
        logits = forward_logits(engine, ids[0] + list(result.token_ids))
        state, logp, steps = auto.start, 0.0, 0
        for t, token in enumerate(result.token_ids):
            if auto.topic_states[state]:
                step = logits[len(ids[0]) - 1 + t]
                probs = np.exp(step - step.max())
                nxt = auto.trans[state]
                # Allowed: the grammar's tokens that still let the reply finish in its budget.
                finish = auto.min_finish[np.where(nxt >= 0, nxt, auto.done)]
                allowed = (nxt >= 0) & (finish <= MAX_NEW - t - 1)
                logp += math.log(probs[token] / probs[allowed].sum())
                steps += 1
            state = auto.trans[state, token]
        assert steps >= 2
        assert result.topic_confidence == pytest.approx(math.exp(logp), rel=2e-3, abs=1e-5)


def test_one_engine_serves_replies_with_and_without_a_topic(engine):
    """Arms that share a model may run prompt versions with and without a topic: the grammar
    is chosen per call (`reply_spec`), each built once."""
    prompts = _prompts(4, seed=11)
    plain = reply_constraint_spec(MAX_SUMMARY)
    without = engine.generate(prompts, MAX_NEW, Task.SENTIMENT, reply_spec=plain)
    with_topic = engine.generate(prompts, MAX_NEW, Task.SENTIMENT)
    for r in without:
        assert list(json.loads(r.text)) == ["sentiment", "summary"] and r.topic_confidence is None
    for r in with_topic:
        assert parse_reply(r.text, MAX_SUMMARY, LABELS).topic in LABELS
    assert engine.automaton(Task.SENTIMENT, plain).num_states < \
        engine.automaton(Task.SENTIMENT).num_states
