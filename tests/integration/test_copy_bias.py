"""The copy bias (`CausalLMEngine(copy_bias=...)`, `decoding.copy_weights`) on a tiny
RANDOM-weight Gemma preset: a strong bias writes the chat's own word tokens, none changes
nothing, and the sentiment value's probabilities are the model's own either way."""

import numpy as np
import pytest

from handlers.decoding import copy_weights
from handlers.engine import CausalLMEngine
from handlers.generation import Task
from prompts import render_apology_prompt
from tests.integration.conftest import tiny_sentiment_prompt

CHATS = [
    "\nid 7: The courier crushed my parcel and the lamp inside is shattered.\n"
    "id 90: Apologies. I'll arrange a replacement lamp.\n",
    "\nid 8: 배송된 냉장고 문짝이 찌그러져 있어요. 교환해 주세요.\n"
    "id 91: 불편을 드려 죄송합니다. 교환 접수해 드렸습니다.\n",
]


def test_copy_weights_boost_each_rows_own_tokens_only():
    tables = {"copy_ids": np.array([[3, -1, -1], [5, 5, 1]], "int32"),
              "copy_bias": np.float32(2.0)}
    weights = np.asarray(copy_weights(tables, 2, 8))
    boost = np.exp(2.0)
    expected = np.ones((2, 8), "float32")
    expected[0, 3] = boost
    expected[1, [1, 5]] = boost
    np.testing.assert_allclose(weights, expected, rtol=1e-6)
    assert copy_weights({}, 2, 8) is None
    none = np.asarray(copy_weights({**tables, "copy_bias": np.float32(0.0)}, 2, 8))
    assert (none == 1.0).all()


@pytest.fixture(scope="module")
def engines(tiny_preset):
    kw = dict(max_batch_size=2, length_buckets=(256, 512))
    return (CausalLMEngine(tiny_preset, **kw),
            CausalLMEngine(tiny_preset, copy_bias={Task.APOLOGY: 0.0}, **kw),
            CausalLMEngine(tiny_preset, copy_bias={Task.APOLOGY: 8.0, Task.SENTIMENT: 8.0},
                           **kw))


def _chat_word_share(engine, generation, chat):
    chat_ids = set(int(t) for t in engine.tokenizer([chat])[0])
    words = [t for t in generation.token_ids if engine._copyable[t]]
    return sum(t in chat_ids for t in words) / max(1, len(words)), len(words)


def test_a_strong_bias_writes_the_chats_own_words_and_none_changes_nothing(engines):
    plain, zero, strong = engines
    prompts = [render_apology_prompt(c, 7 + i, "summary") for i, c in enumerate(CHATS)]
    base = plain.generate(prompts, 24, Task.APOLOGY)
    assert [g.token_ids for g in zero.generate(prompts, 24, Task.APOLOGY)] == \
        [g.token_ids for g in base]
    copied = strong.generate(prompts, 24, Task.APOLOGY)
    for chat, before, after in zip(CHATS, base, copied, strict=True):
        share_before, _ = _chat_word_share(plain, before, chat)
        share_after, words = _chat_word_share(strong, after, chat)
        # Random weights spread their mass over 262k-like vocabularies: unbiased, a word
        # token is the chat's by chance; at exp(8) nearly every word token is.
        assert words > 0 and share_after >= 0.9 > share_before


def test_the_sentiment_value_probabilities_are_the_models_own(engines):
    plain, _, strong = engines
    prompts = [tiny_sentiment_prompt(c, 7 + i, 80) for i, c in enumerate(CHATS)]
    before = plain.generate(prompts, 40, Task.SENTIMENT)
    after = strong.generate(prompts, 40, Task.SENTIMENT)
    for a, b in zip(before, after, strict=True):
        assert a.sentiment_probabilities == b.sentiment_probabilities
        assert a.text.split(",")[0] == b.text.split(",")[0]  # the same value written


def test_the_bias_does_not_steer_the_tokens_written_before_the_value(engines):
    """`{"sentiment":` can be written as `s`,`e`,`n`,... or `sent`,`im`,...; a chat with
    "absent", "consent" has the token `sent`, and a bias on it before the value is decided
    would change the context the value is decided in, and so its probabilities."""
    plain, _, strong = engines
    chat = "\nid 8: absent dissent consent {sent\nid 91: ok\n"
    prompts = [tiny_sentiment_prompt(chat, 8, 80)]
    before, = plain.generate(prompts, 40, Task.SENTIMENT)
    after, = strong.generate(prompts, 40, Task.SENTIMENT)
    assert after.sentiment_probabilities == before.sentiment_probabilities


@pytest.mark.parametrize("bias", [-1.0, 9.0, float("nan")])
def test_a_bias_out_of_range_is_refused(tiny_preset, bias):
    with pytest.raises(ValueError, match="copy_bias"):
        CausalLMEngine(tiny_preset, max_batch_size=1, length_buckets=(256,),
                       copy_bias={Task.APOLOGY: bias})
