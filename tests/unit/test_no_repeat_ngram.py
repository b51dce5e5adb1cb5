"""The n-gram repetition guard of the constrained sampler (`decoding.repeats_ngram`)."""

import numpy as np
import pytest

from handlers.decoding import ConstrainedSampler, repeats_ngram

V = 10


def banned(tokens, index, reply_start, n=3):
    ids = np.array([tokens], dtype="int32")
    mask = np.asarray(repeats_ngram(ids, np.int32(index), np.array([reply_start], "int32"), n, V))
    return set(np.flatnonzero(mask[0]).tolist())


def test_the_token_that_would_repeat_a_trigram_is_banned():
    # prompt 9 9 9 | reply 1 2 3 1 2 _ : writing 3 would repeat "1 2 3"
    assert banned([9, 9, 9, 1, 2, 3, 1, 2, 0, 0], index=8, reply_start=3) == {3}


def test_every_earlier_continuation_is_banned():
    # reply 1 2 3 1 2 4 1 2 _ : both 3 and 4 followed "1 2"
    assert banned([9, 1, 2, 3, 1, 2, 4, 1, 2, 0], index=9, reply_start=1) == {3, 4}


def test_the_prompt_does_not_count():
    # "1 2 5" is in the prompt only: a reply may quote the chat
    assert banned([1, 2, 5, 1, 2, 0, 0, 0, 0, 0], index=5, reply_start=3) == set()


def test_nothing_is_banned_before_the_reply_holds_n_minus_1_tokens():
    assert banned([1, 2, 1, 2, 1, 0, 0, 0, 0, 0], index=5, reply_start=4) == set()
    assert banned([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], index=4, reply_start=3, n=2) == set()
    assert banned([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], index=5, reply_start=3, n=2) == {1}


def test_positions_at_and_after_index_are_ignored():
    # stale tokens after the current position (padding from a previous use) never count
    assert banned([9, 1, 2, 0, 1, 2, 3, 1, 2, 3], index=3, reply_start=1) == set()


def test_rows_are_independent():
    ids = np.array([[9, 1, 2, 3, 1, 2], [9, 1, 2, 4, 1, 2]], dtype="int32")
    mask = np.asarray(repeats_ngram(ids, np.int32(6), np.array([1, 1], "int32"), 3, V))
    assert np.flatnonzero(mask[0]).tolist() == [3]
    assert np.flatnonzero(mask[1]).tolist() == [4]


@pytest.mark.parametrize("n", [1, -1])
def test_a_meaningless_size_is_refused(n):
    with pytest.raises(ValueError, match="no_repeat_ngram"):
        ConstrainedSampler(no_repeat_ngram=n)


def _run_sampler(tokens, prompt_end, index, n, favourite):
    """One decode step of the real `ConstrainedSampler` loop over a 3-token vocabulary: tokens
    0 and 1 keep the automaton running, 2 ends it (and pads). The fake model always prefers
    `favourite`. Returns (token written at `index`, final state)."""
    tables = {
        "trans": np.array([[0, 0, 1], [-1, -1, 1]], "int32"),
        "body_chars": np.zeros((2, 3), "int32"),
        "commit": np.zeros((2, 3), "int32"),
        "min_finish": np.array([1, 0], "int32"),
        "start": np.int32(0),
        "done": np.int32(1),
        "bannable": np.ones(3, bool),
    }
    logits = np.full((1, 3), -5.0, "float32")
    logits[0, favourite] = 5.0

    def next(prompt, cache, index):
        return logits, None, cache

    ids = np.array([tokens + [0] * 4], "int32")
    out = ConstrainedSampler(no_repeat_ngram=n)(
        next=next, prompt=ids, cache=np.zeros(1, "float32"), index=index,
        mask=np.ones_like(ids, bool), tables=tables, max_new_tokens=index - prompt_end + 3,
        max_body_chars=100, prompt_end=np.array([prompt_end], "int32"))
    return int(np.asarray(out["token_ids"])[0, index]), int(np.asarray(out["state"])[0])


def test_when_every_allowed_token_repeats_the_row_writes_one_anyway():
    # reply 0 0 0 1 0 2 0: "0 0", "0 1" and "0 2" were all written, so after the last 0
    # every token would repeat a bigram.
    token, state = _run_sampler([9, 0, 0, 0, 1, 0, 2, 0], prompt_end=1, index=8, n=2,
                                favourite=1)
    assert token == 1  # the model's choice, not a dead row
    assert state != -1


def test_an_ngram_from_the_prompt_may_be_written():
    # "0 1" appears in the prompt only; the reply's "0" may be followed by 1.
    token, _ = _run_sampler([0, 1, 0, 1, 0], prompt_end=4, index=5, n=2, favourite=1)
    assert token == 1
    # The same n-gram written by the reply itself is refused: the model's second choice wins.
    token, _ = _run_sampler([9, 0, 1, 2, 0], prompt_end=1, index=5, n=2, favourite=1)
    assert token != 1
