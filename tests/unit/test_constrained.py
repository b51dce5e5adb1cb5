"""The reply automaton on a small hand-made vocabulary."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.constrained import (
    DEAD,
    ReplySpec,
    TokenKind,
    VocabEntry,
    free_text_automaton,
    reply_automaton,
)
from pipeline.elements import parse_reply

TEXTS = ['{"', "sentiment", '":', " ", "-", "1", "0", "-1", "10", ",", ' "', "summary", '"',
         "}", '"}', "ok", " great", "\\", "n", "u", "\\n", "x", "\t", " \"", "{", "2"]
VOCAB = ([VocabEntry("", TokenKind.PAD), VocabEntry("", TokenKind.STOP),
          VocabEntry("", TokenKind.SPECIAL)]
         + [VocabEntry(t, TokenKind.TEXT) for t in TEXTS]
         + [VocabEntry("", TokenKind.BYTE, b) for b in (0xEC, 0x95, 0x88, 0x41, 0x0A)])
ID = {t: i + 3 for i, t in enumerate(TEXTS)}
BYTE = {b: len(TEXTS) + 3 + k for k, b in enumerate((0xEC, 0x95, 0x88, 0x41, 0x0A))}


@pytest.fixture(scope="module")
def auto():
    return reply_automaton(VOCAB, ReplySpec(max_summary_chars=8))


def _walk(auto, tokens):
    state, chars, commits = auto.start, 0, []
    for t in tokens:
        nxt = auto.trans[state, t]
        if nxt == DEAD:
            return DEAD, chars, commits
        chars += auto.body_chars[state, t]
        if auto.commit[state, t]:
            commits.append(auto.values[auto.commit[state, t] - 1])
        state = nxt
    return state, chars, commits


PREFIX = ['{"', "sentiment", '":', " "]
MIDDLE = [",", ' "', "summary", '":', " ", '"']


def _ids(texts):
    return [ID[t] if isinstance(t, str) else t for t in texts]


@pytest.mark.parametrize("value_tokens,value", [(["1"], 1), (["0"], 0), (["-1"], -1),
                                                (["-", "1"], -1)])
def test_valid_replies_reach_done_and_commit_the_value(auto, value_tokens, value):
    """A well-formed reply walks to DONE, and the committed value is the one written."""
    tokens = _ids(PREFIX + value_tokens + MIDDLE + ["ok", " great", '"}']) + [1]
    state, chars, commits = _walk(auto, tokens)
    assert state == auto.done
    assert chars == len("ok great")
    assert commits[0] == value


@pytest.mark.parametrize("bad", [["2"], ["10"], ["-", "0"], ["{"]])
def test_invalid_values_are_dead(auto, bad):
    """Out-of-range and malformed values cannot be generated: each is dead at its last token
    ("-" alone is a valid prefix, "-0" is not; "1" is a value, "10" is not)."""
    assert _walk(auto, _ids(PREFIX + bad[:-1]))[0] != DEAD
    assert _walk(auto, _ids(PREFIX + bad))[0] == DEAD


def test_summary_rules(auto):
    """Empty summaries cannot close; \\u and raw control characters are refused; \\n works."""
    head = _ids(PREFIX + ["1"] + MIDDLE)
    empty = _walk(auto, head)[0]
    assert empty != DEAD  # (DEAD as an index would read the last row)
    assert auto.trans[empty, ID['"}']] == DEAD  # empty summary
    assert auto.trans[empty, ID[" "]] == DEAD  # leading whitespace
    s, before, _ = _walk(auto, head + [ID["ok"]])
    assert s != DEAD
    assert auto.trans[s, ID["\t"]] == DEAD
    assert auto.trans[s, BYTE[0x0A]] == DEAD
    esc = auto.trans[s, ID["\\"]]
    assert esc != DEAD
    assert auto.trans[esc, ID["u"]] == DEAD and auto.trans[esc, ID["n"]] != DEAD
    assert auto.trans[s, ID["\\n"]] != DEAD
    # ' "' after content (a space, then the closing quote) is what its two characters are one
    # token at a time: the same state, one character, and from there '}' and stop finish.
    by_char, after, _ = _walk(auto, head + _ids(["ok", " ", '"']))
    assert by_char != DEAD
    assert auto.trans[s, ID[' "']] == by_char
    assert auto.body_chars[s, ID[' "']] == after - before == 1
    assert _walk(auto, head + _ids(["ok", ' "', "}"]) + [1])[0] == auto.done


def test_byte_fallback_builds_utf8_inside_the_summary(auto):
    """Byte tokens form a UTF-8 character inside the summary, and only there."""
    head = _ids(PREFIX + ["1"] + MIDDLE + ["ok"])
    state, chars, _ = _walk(auto, head + [BYTE[0xEC], BYTE[0x95], BYTE[0x88]])
    assert state == _walk(auto, head)[0] != DEAD and chars == 3  # back in the body, 1 char on
    assert _walk(auto, head + [BYTE[0xEC], ID['"}']])[0] == DEAD  # incomplete character
    assert _walk(auto, _ids(PREFIX) + [BYTE[0xEC]])[0] == DEAD


def test_special_tokens_only_stop_after_the_json(auto):
    """Stop is allowed only after the closing brace; other special tokens never."""
    assert (auto.trans[:, 2] == DEAD).all()
    final = _walk(auto, _ids(PREFIX + ["1"] + MIDDLE + ["ok", '"}']))[0]
    assert final != DEAD
    assert np.flatnonzero(auto.trans[:, 1] != DEAD).tolist() == [final]


def test_min_finish_counts_tokens_to_close(auto):
    """From the start, the fewest tokens to a closed JSON plus stop is known and finite."""
    # {" sentiment ": " " 1 , ' "' summary ": ' "' ok "} stop = 13 tokens
    assert auto.min_finish[auto.start] == 13
    body = _walk(auto, _ids(PREFIX + ["1"] + MIDDLE + ["ok"]))[0]
    assert auto.min_finish[body] == 2


def test_generated_text_parses(auto):
    """Walking random valid paths always yields text that json.loads accepts."""
    rng = np.random.default_rng(0)
    texts = {i: e.text for i, e in enumerate(VOCAB)}
    for _ in range(200):
        state, out, raw = auto.start, [], b""
        for _ in range(60):
            allowed = np.flatnonzero(auto.trans[state] != DEAD)
            remaining = 60 - len(out)
            allowed = [t for t in allowed if auto.min_finish[auto.trans[state, t]] <= remaining - 1]
            t = int(rng.choice(allowed))
            out.append(t)
            raw += bytes([VOCAB[t].byte]) if VOCAB[t].kind == TokenKind.BYTE else \
                texts[t].encode()
            state = auto.trans[state, t]
            if state == auto.done:
                break
        assert state == auto.done
        reply = json.loads(raw.decode("utf-8"))
        assert reply["sentiment"] in (1, 0, -1) and reply["summary"].strip()


@pytest.mark.parametrize("kwargs,field", [
    ({"keys": ("sentiment",)}, "keys"),
    ({"keys": ("sentiment", "summary", "extra")}, "keys"),
    ({"keys": ("same", "same")}, "keys"),
    ({"keys": ("sentiment", "")}, "keys"),
    ({"keys": ("sentiment", 1)}, "keys"),
    ({"sentiment_values": ()}, "sentiment_values"),
    ({"sentiment_values": (1, 1)}, "sentiment_values"),
    ({"sentiment_values": (True, 0)}, "sentiment_values"),
    ({"sentiment_values": (1.0, 0)}, "sentiment_values"),
    ({"max_summary_chars": 0}, "max_summary_chars"),
    ({"max_summary_chars": True}, "max_summary_chars"),
    ({"max_summary_chars": 8.0}, "max_summary_chars"),
    ({"max_summary_chars": 2**31}, "max_summary_chars"),
    ({"keys": ('sen"timent', "summary")}, "keys"),
    ({"keys": ("sentiment", "sum\\mary")}, "keys"),
    ({"keys": ("감정", "summary")}, "keys"),
    ({"keys": ("sentiment", "sum\nmary")}, "keys"),
])
def test_reply_spec_refuses_a_grammar_it_cannot_build(kwargs, field):
    """Keys must be two distinct non-empty strings, values distinct ints (no bools), and the
    summary budget at least 1: the error names the field."""
    with pytest.raises(ValueError, match=field):
        ReplySpec(**kwargs)


def test_reply_spec_from_the_pipeline_definition():
    """The pipeline's spec is the default spec (hashable); lists and numpy ints are
    normalised, and reply_automaton takes only a spec."""
    from pipeline.schemas import reply_constraint_spec

    spec = reply_constraint_spec(256)
    assert spec == ReplySpec() and hash(spec) == hash(ReplySpec())
    loose = ReplySpec(keys=["a", "b"], sentiment_values=[np.int64(2)], max_summary_chars=3)
    assert loose == ReplySpec(keys=("a", "b"), sentiment_values=(2,), max_summary_chars=3)
    with pytest.raises(TypeError, match="ReplySpec"):
        reply_automaton(VOCAB, {"max_summary_chars": 8})


def test_free_text_refuses_special_tokens():
    """The apology automaton allows text and stops, never other special tokens."""
    auto = free_text_automaton(VOCAB)
    assert auto.trans[0, 2] == DEAD and auto.trans[0, 1] == auto.done
    assert auto.trans[0, ID["ok"]] == 0


def test_free_text_keeps_to_the_written_scripts():
    """Free text refuses tokens of scripts the product does not write (a draft that drifts
    into Cyrillic or Han mid-sentence); Latin, Hangul, digits, punctuation and byte tokens
    stay. `scripts_only=False` allows them all."""
    from handlers.constrained import VocabEntry

    vocab = [VocabEntry("", TokenKind.PAD), VocabEntry("", TokenKind.STOP),
             VocabEntry(" sorry", TokenKind.TEXT), VocabEntry("죄송", TokenKind.TEXT),
             VocabEntry("Привет", TokenKind.TEXT), VocabEntry("日本", TokenKind.TEXT),
             VocabEntry(" €5.", TokenKind.TEXT), VocabEntry("", TokenKind.BYTE, 0xE2)]
    auto = free_text_automaton(vocab)
    assert [int(auto.trans[0, i]) != DEAD for i in range(2, 8)] == [True, True, False, False,
                                                                    True, True]
    everything = free_text_automaton(vocab, scripts_only=False)
    assert all(everything.trans[0, i] != DEAD for i in range(2, 8))


def test_free_text_refuses_banned_words():
    """A banned word is refused as a token in any case, with or without its leading space,
    plural or possessive; words it merely starts or a word inside a longer one stay."""
    texts = [" customer", " Customers", "customer's", " CLIENT", " clients.", " custom",
             " clientele", " you"]
    vocab = ([VocabEntry("", TokenKind.PAD), VocabEntry("", TokenKind.STOP)]
             + [VocabEntry(t, TokenKind.TEXT) for t in texts])
    auto = free_text_automaton(vocab, banned_words=("customer", "client"))
    allowed = {t: int(auto.trans[0, i + 2]) != DEAD for i, t in enumerate(texts)}
    assert allowed == {" customer": False, " Customers": False, "customer's": False,
                       " CLIENT": False, " clients.": False, " custom": True,
                       " clientele": True, " you": True}
    assert all(free_text_automaton(vocab).trans[0, i + 2] != DEAD for i in range(len(texts)))


def test_free_text_writes_no_summary_characters():
    """Free text charges no summary budget, so its budget of 0 (the one the loop is given)
    allows every token any other budget would."""
    auto = free_text_automaton(EXT_VOCAB)
    assert auto.max_body_chars == 0
    assert not auto.body_chars.any()


# An extended vocabulary for the budget and UTF-8 properties: backslash-heavy tokens, tokens that
# write content and close in one go, non-ASCII text, and byte tokens around every boundary of
# Unicode Table 3-7 (valid and invalid leads, each edge of the continuation ranges).
EXTRA_TEXTS = ["\\\\", '\\"', "\\\\\\", "a\\", "ok\\", '\\"}', 'x"}', "\\/", "\\b", "é", "한",
               "😀", '"', "\\t", "\\u0041", "ab"]
EXTRA_BYTES = (0x41, 0x0A, 0x22, 0x5C, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
               0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5,
               0xFF)
EXT_VOCAB = (VOCAB + [VocabEntry(t, TokenKind.TEXT) for t in EXTRA_TEXTS]
             + [VocabEntry("", TokenKind.BYTE, b) for b in EXTRA_BYTES])
EXT_BYTE = {b: len(VOCAB) + len(EXTRA_TEXTS) + k for k, b in enumerate(EXTRA_BYTES)}
EXT_TEXT = {t: len(VOCAB) + k for k, t in enumerate(EXTRA_TEXTS)}


def _raw(vocab, token_ids):
    """The bytes a token sequence detokenises to (stop and pad tokens write nothing)."""
    out = b""
    for t in token_ids:
        entry = vocab[t]
        out += bytes([entry.byte]) if entry.kind == TokenKind.BYTE else entry.text.encode()
    return out


def _allowed(auto, state, used, remaining):
    """Exactly the generate loop's mask (handlers/decoding.py) for one row, in numpy."""
    nxt = auto.trans[state]
    safe = np.where(nxt != DEAD, nxt, auto.done)
    return ((nxt != DEAD)
            & (auto.body_chars[state] <= auto.max_body_chars - used)
            & (auto.min_finish[safe] <= remaining - 1))


def _simulate(auto, vocab, steps, choose):
    """One row through the loop's rule; `choose(allowed_ids, costs)` picks the token. Returns
    the tokens, or fails the test when the row is left without an allowed token."""
    state, used, tokens = auto.start, 0, []
    for remaining in range(steps, 0, -1):
        if state == auto.done:
            break
        ids = np.flatnonzero(_allowed(auto, state, used, remaining))
        assert ids.size, (f"no allowed token in {auto.state_names[state]} with {used} of "
                          f"{auto.max_body_chars} chars used, {remaining} steps left, after "
                          f"{_raw(vocab, tokens)!r}")
        t = int(choose(ids, auto.body_chars[state, ids]))
        tokens.append(t)
        used += int(auto.body_chars[state, t])
        state = int(auto.trans[state, t])
    assert state == auto.done, "the row did not finish within its token budget"
    return tokens


def _ext_automaton(max_chars):
    return reply_automaton(EXT_VOCAB, ReplySpec(max_summary_chars=max_chars))


def _check_reply(vocab, tokens, max_chars):
    """Strict UTF-8, schema-valid, and the summary within the limit, as written and parsed."""
    text = _raw(vocab, tokens).decode("utf-8", errors="strict")  # no surrogates/overlongs
    reply = parse_reply(text, max_chars)
    assert len(reply.summary) <= max_chars
    assert len(json.loads(text)["summary"]) <= max_chars


def _sweep(vocab, max_chars, seeds=40):
    """Rows under the loop's rule for several token budgets and `seeds` seeds each, choosing
    uniformly or the costliest allowed token (to reach the budget's edge fast)."""
    auto = reply_automaton(vocab, ReplySpec(max_summary_chars=max_chars))
    least = int(auto.min_finish[auto.start])
    for steps in (least, least + 1, least + 3, least + 8, 48):
        for seed in range(seeds):
            rng = np.random.default_rng(seed)

            def choose(ids, costs, rng=rng, seed=seed):
                if seed % 2:
                    return rng.choice(ids)
                return rng.choice(ids[costs == costs.max()])

            _check_reply(vocab, _simulate(auto, vocab, steps, choose), max_chars)


@pytest.mark.parametrize("max_chars", range(1, 17))
def test_every_row_can_always_finish_with_valid_utf8_json(max_chars):
    """For every summary budget 1..16 and several token budgets, a row following the loop's
    mask with random choices always has an allowed token, ends at DONE, and writes strict
    UTF-8 that parses and validates with the summary within the limit."""
    _sweep(EXT_VOCAB, max_chars)


# No '"}' token: once the summary has content, the free way to close is '"', '}', stop (three
# tokens), while 'x"}' closes in two but costs a character the row may no longer have.
NO_QUOTE_BRACE_VOCAB = [VocabEntry("", TokenKind.SPECIAL) if e.text in ('"}', '\\"}') else e
                        for e in EXT_VOCAB]


@pytest.mark.parametrize("max_chars", range(1, 17))
def test_rows_finish_when_the_short_close_costs_a_character(max_chars):
    """min_finish counts, inside the summary, only closes that cost no budget: a row is never
    let into a state it can only leave by writing a character it cannot afford."""
    _sweep(NO_QUOTE_BRACE_VOCAB, max_chars, seeds=16)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(max_chars=st.integers(1, 16), extra_steps=st.integers(0, 12), data=st.data())
def test_any_choice_sequence_stays_valid(max_chars, extra_steps, data):
    """Whatever token the sampler picks among the allowed ones (hypothesis picks, and shrinks a
    failure to the shortest choice sequence), the row finishes with a valid reply."""
    auto = _ext_automaton(max_chars)
    steps = int(auto.min_finish[auto.start]) + extra_steps

    def choose(ids, costs):
        return data.draw(st.sampled_from(ids.tolist()))

    _check_reply(EXT_VOCAB, _simulate(auto, EXT_VOCAB, steps, choose), max_chars)


def _walk_rule(auto, tokens):
    """Follows `tokens` under the loop's rule (unbounded steps); the state, or DEAD as soon as
    a token is not allowed."""
    state, used = auto.start, 0
    for t in tokens:
        if state == DEAD or not _allowed(auto, state, used, 1 << 10)[t]:
            return DEAD
        used += int(auto.body_chars[state, t])
        state = int(auto.trans[state, t])
    return state


def test_issue_example_with_three_chars_cannot_be_written():
    """`{"sentiment": 1, "summary": "\\\\\\` (three backslashes, then nothing can close) is
    refused with max 3 chars: the third backslash would start an escape with one char left."""
    auto = _ext_automaton(3)
    head = [ID[t] for t in PREFIX + ["1"] + MIDDLE]
    assert _walk_rule(auto, head + [ID["\\"]] * 2) != DEAD  # one escaped backslash: 2 chars
    assert _walk_rule(auto, head + [ID["\\"]] * 3) == DEAD
    assert _walk_rule(auto, head + [EXT_TEXT["\\\\"], ID["\\"]]) == DEAD
    assert _walk_rule(auto, head + [EXT_TEXT["\\\\\\"]]) == DEAD
    # With one char left after "ab", a backslash is refused but closing is free.
    assert _walk_rule(auto, head + [EXT_TEXT["ab"], ID["\\"]]) == DEAD
    assert _walk_rule(auto, head + [EXT_TEXT["ab"], ID['"}'], 1]) == auto.done


@pytest.mark.parametrize("sequence", [
    (0xED, 0xA0),  # surrogate U+D800
    (0xED, 0xBF),  # surrogate U+DFFF
    (0xE0, 0x80),  # overlong 3-byte form
    (0xE0, 0x9F),
    (0xF0, 0x80),  # overlong 4-byte form
    (0xF0, 0x8F),
    (0xF4, 0x90),  # above U+10FFFF
    (0xF4, 0xBF),
    (0xC0,), (0xC1,),  # overlong 2-byte leads
    (0xF5,), (0xFF,),  # leads of nothing
    (0x80,), (0xBF,),  # a continuation without a lead
    (0xC2, 0x41),  # a lead without its continuation
])
def test_ill_formed_utf8_is_dead(sequence):
    """Every class of ill-formed UTF-8 (Unicode Table 3-7) is DEAD in the tables."""
    auto = _ext_automaton(16)
    head = [ID[t] for t in PREFIX + ["1"] + MIDDLE + ["ok"]]
    assert _walk(auto, head)[0] != DEAD
    assert _walk(auto, head + [EXT_BYTE[b] for b in sequence])[0] == DEAD


@pytest.mark.parametrize("sequence", [
    (0xC2, 0x80), (0xDF, 0xBF), (0xE0, 0xA0, 0x80), (0xE1, 0x80, 0xBF), (0xED, 0x9F, 0xBF),
    (0xEE, 0x80, 0x80), (0xF0, 0x90, 0x80, 0x80), (0xF3, 0xBF, 0xBF, 0xBF),
    (0xF4, 0x8F, 0xBF, 0xBF),
])
def test_well_formed_utf8_edges_are_one_character(sequence):
    """The edges of every well-formed range are accepted, and cost one summary character."""
    auto = _ext_automaton(16)
    head = [ID[t] for t in PREFIX + ["1"] + MIDDLE + ["ok"]]
    state, chars, _ = _walk(auto, head + [EXT_BYTE[b] for b in sequence])
    assert state == _walk(auto, head)[0] != DEAD and chars == 3  # back in the body, 1 char on
    assert len(bytes(sequence).decode("utf-8")) == 1
