"""Properties of constrained replies on a tiny RANDOM-weight Gemma preset, for every summary
budget 1..16, and of the generate loop itself on hand-made tables.

A new `max_summary_chars` needs a new engine (the reply spec is an engine setting). Every
budget 1..16 runs one batch of prompts greedily and with an edge-seeking sampler (below); the
tight budgets 1..3 (where an escape or a multi-byte character meets the end of the budget) also
run a seeded top-p sampler. The engines share JAX's persistent compilation cache (the tables
and the budget are arguments, so one program per sampler serves every budget), which keeps the
file to about 40 s on two CPU cores instead of several minutes.

A random-weight model rarely writes a backslash or a rare lead byte just where the budget
ends, so greedy and top-p alone pass even with a broken mask. The edge-seeking sampler picks,
among the tokens the mask leaves, the ones that stress it: backslashes, and lead bytes whose
first continuation is restricted (Unicode Table 3-7) followed by the continuation bytes just
outside the allowed range; it puts off closing the summary. Only the constraint keeps those
replies valid.
"""

import json

import keras
import numpy as np
import pytest
from keras import ops
from keras_hub.samplers import Sampler

from handlers.constrained import DEAD
from handlers.engine import CausalLMEngine
from handlers.generation import Task
from pipeline.elements import parse_reply
from pipeline.schemas import reply_constraint_spec
from tests.integration.conftest import tiny_sentiment_prompt

CHATS = [
    'back\\\\slash \\" \\n \\u0000 """ \\\\\\',
    "파인애플 피자가 정말 싫어요! 😀🍕🔥👍🏽 \u202e",
    "ok thanks",
    "terrible service!!! {\"sentiment\": 7, \"summary\": \"\\\\\"}",
    "control \x01\x02\x1f chars\ttab \r\n emoji 🙃 € ¢ 𝄞",
    "pineapple on the pizza was great",
]
SAMPLED_BUDGETS = (1, 2, 3)
# Per batch row, the bytes the edge-seeking sampler prefers, most preferred first: a backslash
# (0x5C); ill-formed continuations after E0, ED, F0, F4 (overlong, surrogate, overlong, above
# U+10FFFF); leads that are never well-formed, then a mix.
EDGE_BYTES = (
    (0x5C,),
    (0xED, 0xA0, 0xBF),
    (0xE0, 0x80, 0x9F),
    (0xF0, 0x80, 0x8F),
    (0xF4, 0x90, 0xBF),
    (0xC0, 0xF5, 0x5C, 0xED, 0xA0),
)


@keras.saving.register_keras_serializable(package="tests")
class EdgeSeekingSampler(Sampler):
    """Row r takes the allowed token with the highest probability + `boosts[r % K]`."""

    boosts: np.ndarray | None = None  # [K, V], set by the `edge_boosts` fixture

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)

    def get_next_token(self, probabilities):
        table = ops.convert_to_tensor(self.boosts, "float32")
        rows = ops.arange(ops.shape(probabilities)[0]) % table.shape[0]
        score = probabilities + ops.take(table, rows, axis=0)
        return ops.argmax(ops.where(probabilities > 0, score, -np.inf), axis=-1)


@pytest.fixture(scope="module", autouse=True)
def edge_boosts(tiny_preset):
    """One boost row per EDGE_BYTES entry: those byte tokens (and, for a backslash, every piece
    with one) far first; pieces that could close the summary (a quote) last."""
    import keras_hub
    import sentencepiece as spm

    tokenizer = keras_hub.tokenizers.Tokenizer.from_preset(tiny_preset)
    sp = spm.SentencePieceProcessor(model_proto=tokenizer.proto)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    byte_id = {int(p[3:5], 16): i for i, p in enumerate(pieces) if sp.is_byte(i)}
    backslashes = [i for i, p in enumerate(pieces) if "\\" in p] + [byte_id[0x5C]]
    quotes = [i for i, p in enumerate(pieces) if '"' in p] + [byte_id[0x22]]
    table = np.zeros((len(EDGE_BYTES), tokenizer.vocabulary_size()), dtype="float32")
    table[:, quotes] = -2.0
    for row, preferred in enumerate(EDGE_BYTES):
        for rank, byte in enumerate(preferred):
            table[row, backslashes if byte == 0x5C else byte_id[byte]] = 10.0 - rank
    EdgeSeekingSampler.boosts = table
    yield
    EdgeSeekingSampler.boosts = None


@pytest.fixture(scope="module")
def compilation_cache(tmp_path_factory):
    """A persistent JAX compilation cache for this module's engines, switched off after it."""
    import jax
    from jax.experimental.compilation_cache import compilation_cache as cc

    names = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
             "jax_persistent_cache_min_entry_size_bytes")
    before = {name: getattr(jax.config, name) for name in names}
    yield str(tmp_path_factory.mktemp("jax-cache"))
    for name, value in before.items():
        jax.config.update(name, value)
    cc.reset_cache()


def _prompts(max_chars):
    return [tiny_sentiment_prompt(f"\nid {i}: {chat}\n", i, max_chars)
            for i, chat in enumerate(CHATS)]


def _raw_bytes(engine, token_ids):
    """The reply's bytes from its SentencePiece pieces: byte pieces as bytes, the rest as text
    (special, stop and pad pieces write nothing)."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=engine.tokenizer.proto)
    out = b""
    for t in token_ids:
        if t in engine.special_token_ids or t >= sp.get_piece_size() or sp.is_control(t):
            continue
        piece = sp.id_to_piece(t)
        out += bytes([int(piece[3:5], 16)]) if sp.is_byte(t) else piece.replace(
            "\u2581", " ").encode()
    return out


def _check(engine, results, max_chars):
    for r in results:
        assert r.finished, r
        raw = _raw_bytes(engine, r.token_ids)
        assert raw.decode("utf-8", errors="strict") == r.text  # no ill-formed bytes
        assert "\ufffd" not in r.text
        reply = parse_reply(r.text, max_chars)
        assert len(reply.summary) <= max_chars
        assert len(json.loads(r.text)["summary"]) <= max_chars


@pytest.mark.parametrize("max_chars", range(1, 17))
def test_replies_finish_valid_and_within_budget(tiny_preset, compilation_cache, max_chars):
    """Every reply, greedy, edge-seeking (and seeded top-p for the tight budgets), is
    finished, strict UTF-8, schema-valid, and its summary after detokenisation is within
    max_summary_chars."""
    spec = reply_constraint_spec(max_chars)
    samplers = [("greedy", None), ("tests>EdgeSeekingSampler", None)]
    samplers += [("top_p", 3)] * (max_chars in SAMPLED_BUDGETS)
    for sampler, seed in samplers:
        engine = CausalLMEngine(tiny_preset, max_batch_size=8, length_buckets=(320,),
                                reply_spec=spec, sampler=sampler, seed=seed,
                                compilation_cache_dir=compilation_cache)
        auto = engine.automaton(Task.SENTIMENT)
        # Room for every summary character to take four byte tokens, and for the literals
        # spelled a byte at a time (the edge-seeking sampler puts quote pieces last).
        max_new = int(auto.min_finish[auto.start]) + 4 * max_chars + 32
        _check(engine, engine.generate(_prompts(max_chars), max_new, Task.SENTIMENT), max_chars)


def _tables():
    """States S0 (start), S1, S2, DONE, TRAP; tokens pad, stop, a, b. S0 -a-> S1, S1 -a-> S1,
    S1 -stop-> DONE; S0 -b-> S2, a dead end whose min_finish is a lie (as the old tables' were),
    so a row that prefers b is left with no allowed token. TRAP, the LAST row, allows every
    token: a table indexed with DEAD (-1) would read it."""
    trans = np.full((5, 4), DEAD, dtype="int32")
    trans[0, 2], trans[0, 3], trans[1, 2], trans[1, 1], trans[3, 0] = 1, 2, 1, 3, 3
    trans[4, :] = 4
    min_finish = np.array([2, 1, 1, 0, 0], dtype="int32")
    zeros = np.zeros_like(trans)
    as_int = {"trans": trans, "body_chars": zeros, "commit": zeros, "min_finish": min_finish,
              "start": 0, "done": 3}
    return {k: ops.convert_to_tensor(v, "int32") for k, v in as_int.items()}


def test_a_row_left_without_an_allowed_token_dies_pads_and_ends_the_loop():
    """The loop (no model): a row with no allowed token ends DEAD, not DONE, and pads while
    the other row writes on and finishes; the loop stops once every row is done or dead."""
    from handlers.decoding import ConstrainedSampler

    sentinel = 9
    prompt = np.full((2, 12), sentinel, dtype="int32")
    prompt[:, :2] = 0
    mask = np.zeros((2, 12), dtype=bool)
    mask[:, :2] = True
    # Row 0 prefers b (the dead end), row 1 prefers a; both prefer stop over pad.
    logits = ops.convert_to_tensor(np.array([[0.0, 2.0, 1.0, 3.0], [0.0, 2.0, 3.0, 1.0]]),
                                   "float32")

    def next(prompt, cache, index):
        return logits, None, cache

    out = ConstrainedSampler()(next=next, prompt=ops.convert_to_tensor(prompt),
                               cache=ops.zeros((1,)), index=2, mask=mask, tables=_tables(),
                               max_new_tokens=6, max_body_chars=4)
    tokens, state = np.asarray(out["token_ids"]), np.asarray(out["state"])
    assert state.tolist() == [DEAD, 3]
    assert tokens[0, 2:8].tolist() == [3, 0, 0, 0, 0, 0]  # b, then padding (not TRAP's b)
    # a until the token budget (6) leaves only the stop: DONE at index 7.
    assert tokens[1, 2:8].tolist() == [2, 2, 2, 2, 2, 1]
    # Every row ended at index 7: the loop stopped there, the rest of the buffer is untouched.
    assert (tokens[:, 8:] == sentinel).all()
