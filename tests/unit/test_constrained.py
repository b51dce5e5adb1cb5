"""The reply automaton on a small hand-made vocabulary."""

import json

import numpy as np
import pytest

from handlers.constrained import DEAD, TokenKind, VocabEntry, free_text_automaton, reply_automaton

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
    return reply_automaton(VOCAB, (1, 0, -1), max_body_chars=8)


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
    """Out-of-range and malformed values cannot be generated."""
    state, _, _ = _walk(auto, _ids(PREFIX + bad))
    if state != DEAD:  # "-" alone is a valid prefix; the next token must be "1"
        assert _walk(auto, _ids(PREFIX + bad + [","]))[0] == DEAD


def test_summary_rules(auto):
    """Empty summaries cannot close; \\u and raw control characters are refused; \\n works."""
    head = _ids(PREFIX + ["1"] + MIDDLE)
    assert auto.trans[_walk(auto, head)[0], ID['"}']] == DEAD  # empty summary
    assert auto.trans[_walk(auto, head)[0], ID[" "]] == DEAD  # leading whitespace
    s = _walk(auto, head + [ID["ok"]])[0]
    assert auto.trans[s, ID["\t"]] == DEAD
    assert auto.trans[s, BYTE[0x0A]] == DEAD
    esc = auto.trans[s, ID["\\"]]
    assert auto.trans[esc, ID["u"]] == DEAD and auto.trans[esc, ID["n"]] != DEAD
    assert auto.trans[s, ID["\\n"]] != DEAD
    assert auto.trans[s, ID[' "']] == DEAD or _walk(auto, head + _ids(["ok", ' "']))[0] != DEAD


def test_byte_fallback_builds_utf8_inside_the_summary(auto):
    """Byte tokens form a UTF-8 character inside the summary, and only there."""
    head = _ids(PREFIX + ["1"] + MIDDLE + ["ok"])
    state, chars, _ = _walk(auto, head + [BYTE[0xEC], BYTE[0x95], BYTE[0x88]])
    assert auto.state_names[state] == "B1" and chars == 3
    assert _walk(auto, head + [BYTE[0xEC], ID['"}']])[0] == DEAD  # incomplete character
    assert _walk(auto, _ids(PREFIX) + [BYTE[0xEC]])[0] == DEAD


def test_special_tokens_only_stop_after_the_json(auto):
    """Stop is allowed only after the closing brace; other special tokens never."""
    assert (auto.trans[:, 2] == DEAD).all()
    final = auto.state_names.index("FINAL")
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


def test_free_text_refuses_special_tokens():
    """The apology automaton allows text and stops, never other special tokens."""
    auto = free_text_automaton(VOCAB)
    assert auto.trans[0, 2] == DEAD and auto.trans[0, 1] == auto.done
    assert auto.trans[0, ID["ok"]] == 0
