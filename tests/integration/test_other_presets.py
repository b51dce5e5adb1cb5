"""Other keras-hub Gemma generations load through from_preset and get valid replies."""

import pytest

from handlers.demo_model import _pairs, synthetic_examples, train_tokenizer
from handlers.engine import CausalLMEngine
from pipeline.elements import parse_reply
from prompts import render_sentiment_prompt
from tests.integration.conftest import confidence_from_forward_pass, save_tiny_gemma3


@pytest.fixture(scope="module")
def proto():
    return train_tokenizer([p + r for p, r in _pairs(synthetic_examples(300), 256)], 600)


def _gemma1(proto, path):
    import keras_hub

    tok = keras_hub.models.GemmaTokenizer(proto=proto)
    backbone = keras_hub.models.GemmaBackbone(
        vocabulary_size=tok.vocabulary_size(), num_layers=1, num_query_heads=2,
        num_key_value_heads=1, hidden_dim=32, intermediate_dim=64, head_dim=16)
    pre = keras_hub.models.GemmaCausalLMPreprocessor(tokenizer=tok, sequence_length=256)
    keras_hub.models.GemmaCausalLM(backbone=backbone, preprocessor=pre).save_to_preset(path)


_gemma3 = save_tiny_gemma3


@pytest.mark.parametrize("build,cls", [(_gemma1, "GemmaCausalLM"),
                                       (_gemma3, "Gemma3CausalLM")])
def test_random_weight_presets_give_schema_valid_replies(build, cls, proto, tmp_path):
    """Gemma 1 and Gemma 3 (text) presets: loaded by from_preset, constrained replies parse,
    batch order and count kept with prompts of different lengths."""
    path = str(tmp_path / cls)
    build(proto, path)
    engine = CausalLMEngine(path, max_batch_size=4, length_buckets=(256, 512))
    assert type(engine.model).__name__ == cls
    prompts = [render_sentiment_prompt(f"\nid {i}: order {i} {'late ' * i * 9}\n", i, 80)
               for i in range(3)]
    results = engine.generate(prompts, 60, "reply")
    assert len(results) == 3
    for r in results:
        parse_reply(r["text"], 256)
        assert r["finished"] and 0.0 <= r["sentiment_confidence"] <= 1.0
    alone = engine.generate([prompts[2]], 60, "reply")[0]
    assert alone["text"] == results[2]["text"]


def test_gemma3_left_padded_batch_matches_unpadded_forward_passes(proto, tmp_path):
    """Gemma 3 decodes LEFT-padded prompts with a chunked prefill. Rows of very different
    lengths (one prompt spans several prefill chunks, the padded width is not a multiple of a
    chunk, so the first chunk overlaps the second) must each get exactly what an unpadded,
    uncached forward pass of that prompt alone gives."""
    from handlers import decoding

    path = str(tmp_path / "g3")
    save_tiny_gemma3(proto, path, num_layers=6)
    engine = CausalLMEngine(path, max_batch_size=4, length_buckets=(300, 600))
    assert engine._generate_fn.left_padded
    prompts = [render_sentiment_prompt(f"\nid {i}: order {i} {'late ' * n}\n", i, 80)
               for i, n in enumerate((0, 40, 130))]
    lengths = [len(ids) for ids in engine._encode(prompts, 10_000)[0]]
    assert lengths[2] - lengths[0] > 2 * decoding.PREFILL_CHUNK, lengths
    results = engine.generate(prompts, 60, "reply")
    assert (results[0]["max_length"] - 60) % decoding.PREFILL_CHUNK != 0
    for prompt, result in zip(prompts, results, strict=True):
        assert result["finished"]
        assert result["sentiment_confidence"] == pytest.approx(
            confidence_from_forward_pass(engine, prompt, result), rel=2e-3, abs=2e-4)
