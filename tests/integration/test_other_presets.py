"""Other keras-hub Gemma generations load through from_preset and get valid replies."""

import pytest

from builders.small_gemma import train_tokenizer
from builders.synthetic_chats import synthetic_examples, training_pairs
from handlers.engine import CausalLMEngine
from handlers.generation import Task
from pipeline.elements import parse_reply
from prompts import load_prompt_set, render_sentiment_prompt
from tests.integration.conftest import check_no_repeat_ngram, greedy_margin, save_tiny_gemma3


@pytest.fixture(scope="module")
def proto():
    return train_tokenizer([p + r for p, r in training_pairs(synthetic_examples(300), 256)], 600)


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
    # v3: the tiny tokenizers spell v4's topic list in more tokens than these buckets leave.
    prompts = [render_sentiment_prompt(f"\nid {i}: order {i} {'late ' * i * 9}\n", i, 80,
                                       prompt_set=load_prompt_set("v3")) for i in range(3)]
    results = engine.generate(prompts, 60, Task.SENTIMENT)
    assert len(results) == 3
    for r in results:
        parse_reply(r.text, 256)
        assert r.finished and 0.0 <= r.sentiment_confidence <= 1.0
    alone = engine.generate([prompts[2]], 60, Task.SENTIMENT)[0]
    assert alone.text == results[2].text


@pytest.mark.parametrize("bucket,lengths,task", [
    (100, (3, 20, 39), Task.SENTIMENT),  # prompt width 40: below one prefill chunk
    (188, (5, 70, 127), Task.APOLOGY),   # prompt width 128: two whole chunks
    (600, (120, 300, 600), Task.SENTIMENT),  # width 540: first chunk overlaps; longest row is cut
])
def test_gemma3_left_padded_batch_matches_unpadded_forward_passes(proto, tmp_path, bucket,
                                                                 lengths, task):
    """Gemma 3 decodes LEFT-padded prompts with a chunked prefill. In a batch of rows of very
    different lengths (plus a padding row), every greedy step of every row must choose the
    best allowed token of a plain forward pass (no cache, no padding) of that row's prompt
    and reply so far. Six seeded layers: the sixth is global and would see leaked padding."""
    from handlers import decoding

    path = str(tmp_path / "g3")
    save_tiny_gemma3(proto, path, num_layers=6, seed=3)
    engine = CausalLMEngine(path, max_batch_size=4, length_buckets=(bucket,))
    assert engine._generate_fn.left_padded
    prompts = [" ".join(["order"] + ["late"] * (n - 2)) for n in lengths]
    results = engine.generate(prompts, 60, task)
    width = results.max_length - 60
    assert width == {100: 40, 188: 128, 600: 540}[bucket]
    assert (width < decoding.PREFILL_CHUNK or width % decoding.PREFILL_CHUNK == 0
            or results[2].truncated)  # 540: the clamped first chunk overlaps the second
    assert greedy_margin(engine, prompts, results, 60, task) < 1e-3


def test_no_repeat_ngram_on_left_padded_gemma3(proto, tmp_path):
    """The repetition guard on the left-padded path (reply start = the common prompt width)."""
    from tests.integration.test_constrained_generation import hostile_chats

    path = str(tmp_path / "g3")
    save_tiny_gemma3(proto, path, seed=5)
    check_no_repeat_ngram(path, hostile_chats(8, seed=4), 80, 48)


def test_gpu_bench_mode_runs_on_the_cpu_with_a_tiny_shape(proto, tmp_path):
    """`bench.gpu` (ours and keras-hub's stock generate, roofline ratios) runs end to end
    on whatever device there is, so the GPU mode cannot rot between GPU loans. Figures only:
    nothing here is timed against a goal."""
    from bench import gpu

    tokenizer_preset = str(tmp_path / "tok")
    save_tiny_gemma3(proto, tokenizer_preset)
    out = gpu.run(tokenizer_preset, gpu.TINY_SHAPE, (1, 2), "float32", bandwidth=1e10,
                  new_tokens=24)
    for batch in (1, 2):
        for key in ("ours_tokens_per_s", "stock_tokens_per_s", "ours_step_ms",
                    "stock_step_ms", "ours_roofline_ratio", "stock_roofline_ratio"):
            assert out[f"gpu_{key}_b{batch}"] > 0, key
