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
