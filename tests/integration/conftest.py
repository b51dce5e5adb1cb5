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
