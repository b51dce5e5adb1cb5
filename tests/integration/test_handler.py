"""The real keras-hub Gemma classes on a tiny random-weight preset."""

import pytest

from handlers.generation import Task
from handlers.keras_hub_handler import KerasHubCausalLMHandler
from tests.integration.conftest import tiny_sentiment_prompt


@pytest.fixture(scope="module")
def handler(tiny_preset):
    return KerasHubCausalLMHandler(tiny_preset, max_new_tokens=16, max_batch_size=8,
                                   length_buckets=(256, 512))


@pytest.fixture(scope="module")
def engine(handler):
    return handler.load_model().engine


def _prompts(n):
    chats = [f"\nid {i}: my order {i} was {'late' * (i % 4 + 1)} 피자 😀\n" for i in range(n)]
    return [tiny_sentiment_prompt(c, i, 100) for i, c in enumerate(chats)]


def test_loads_through_from_preset(engine, tiny_preset):
    """The preset loads through CausalLM.from_preset into the real Gemma class."""
    import keras_hub

    assert isinstance(engine.model, keras_hub.models.GemmaCausalLM)
    assert engine.model.backbone.get_config()["use_post_ffw_norm"] is True
    assert set(engine.stop_token_ids) >= {engine.tokenizer.end_token_id,
                                          engine.tokenizer.token_to_id("<end_of_turn>")}


def test_one_result_per_input_in_order(handler, engine):
    """A batch of 7 gives 7 results, each for its own prompt, equal to running it alone."""
    prompts = _prompts(7)
    batched = list(handler.run_inference(prompts, engine))
    assert len(batched) == len(prompts)
    assert [r.example for r in batched] == prompts
    for i in (0, 3, 6):
        alone = list(handler.run_inference([prompts[i]], engine))[0]
        assert alone.inference.text == batched[i].inference.text
        assert alone.inference.prompt_tokens == batched[i].inference.prompt_tokens


def test_max_length_counts_the_prompt(engine):
    """max_length covers prompt + new tokens, so long prompts still get a reply budget."""
    batch = engine.generate(_prompts(3), 16, Task.SENTIMENT)
    for row in batch:
        assert batch.max_length >= row.prompt_tokens + 16
        assert 1 <= row.generated_tokens <= 16


def test_long_chat_keeps_its_end_and_is_marked(engine):
    """A chat longer than the largest bucket keeps its end and is marked truncated."""
    chat = " ".join(f"word{i}" for i in range(3000)) + " FINAL"
    prompt = tiny_sentiment_prompt(chat, 1, 100)
    out = engine.generate([prompt], 16, Task.SENTIMENT)[0]
    assert out.truncated is True
    assert out.prompt_tokens <= 512 - 16
    ids, _ = engine._encode([prompt], 512 - 16)
    text = engine.tokenizer.detokenize([ids[0]])[0]
    assert "FINAL\n</chat>" in text and "word0 " not in text
    assert text.endswith("<start_of_turn>model\n")


def test_compiled_shapes_are_bounded(engine):
    """Many batch sizes and lengths compile only within the bucket grid."""
    for n in (1, 2, 3, 5, 8):
        engine.generate(_prompts(n), 16, Task.SENTIMENT)
    assert engine.compiles <= len(engine.batch_sizes) * len(engine.length_buckets)


def test_engine_neutralises_special_pieces_in_chat_text(engine):
    """The engine breaks every special piece of its tokenizer inside a prompt's chat, even in
    a prompt not built by the render functions: the chat yields none of their ids."""
    from prompts import Prompt

    special = {int(engine.tokenizer.token_to_id(p)) for p in engine.special_pieces
               if engine.tokenizer.id_to_token(int(engine.tokenizer.token_to_id(p))) == p}
    assert special, "the tiny preset's tokenizer has special pieces (turn markers)"
    chat = " ".join(engine.special_pieces) + " <<end_of_turn>end_of_turn>"
    [ids], _ = engine._encode([Prompt("head ", chat, " tail")], 10_000)
    assert not special & set(ids[1:])
