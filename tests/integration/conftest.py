import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")


class TinyConfig:
    """A tiny Gemma-2-architecture backbone for tests: random weights, real classes."""

    vocabulary_size = 600
    num_layers = 1
    num_query_heads = 2
    num_key_value_heads = 1
    hidden_dim = 32
    intermediate_dim = 64
    head_dim = 16
    sequence_length = 256
    max_summary_chars = 256


@pytest.fixture(scope="session")
def tiny_preset(tmp_path_factory) -> str:
    """A RANDOM-weight Gemma preset saved with save_to_preset, built once per session."""
    from handlers.demo_model import build_demo_preset

    path = str(tmp_path_factory.mktemp("presets") / "tiny-gemma")
    return build_demo_preset(path, random_weights=True, config=TinyConfig(), seed=1)


def save_tiny_gemma3(proto: bytes, path: str) -> None:
    """Saves a RANDOM-weight Gemma 3 (text) preset with this SentencePiece model: the real
    model's classes and attention pattern, tiny."""
    import keras_hub

    tok = keras_hub.models.Gemma3Tokenizer(proto=proto, has_vision_tokens=False)
    backbone = keras_hub.models.Gemma3Backbone(
        vocabulary_size=tok.vocabulary_size(), image_size=896, num_layers=2,
        num_query_heads=2, num_key_value_heads=1, hidden_dim=32, intermediate_dim=64,
        head_dim=16, use_sliding_window_attention=True, sliding_window_size=64)
    pre = keras_hub.models.Gemma3CausalLMPreprocessor(tokenizer=tok, sequence_length=256)
    keras_hub.models.Gemma3CausalLM(backbone=backbone, preprocessor=pre).save_to_preset(path)
