"""Other keras-hub Gemma generations load through from_preset and get valid replies."""

import pytest

from handlers.demo_model import _pairs, synthetic_examples, train_tokenizer
from handlers.engine import CausalLMEngine
from pipeline.elements import parse_reply
from prompts import render_sentiment_prompt
from tests.integration.conftest import save_tiny_gemma3


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
