"""The sentiment value's probability over every token path that writes it, and the value the
decoder writes (`handlers.decoding.ConstrainedSampler._decide_value`), on a vocabulary where
one value takes one token and the others two: `" -1"` commits -1 at once, while 0 and 1 are a
bare `" "` followed by the digit (as Gemma 3's tokenizer writes them)."""

import json

import numpy as np
import pytest

from handlers.calibration import scaled_probabilities
from handlers.constrained import ReplySpec, TokenKind, VocabEntry, reply_automaton
from handlers.decoding import ConstrainedSampler, device_tables

PAD, STOP, OPEN, MINUS_ONE, SPACE, ZERO, ONE, KEY2, OK, CLOSE, PROMPT = range(11)
VOCAB = [VocabEntry("", TokenKind.PAD), VocabEntry("", TokenKind.STOP),
         VocabEntry('{"sentiment":', TokenKind.TEXT), VocabEntry(" -1", TokenKind.TEXT),
         VocabEntry(" ", TokenKind.TEXT), VocabEntry("0", TokenKind.TEXT),
         VocabEntry("1", TokenKind.TEXT), VocabEntry(', "summary": "', TokenKind.TEXT),
         VocabEntry("ok", TokenKind.TEXT), VocabEntry('"}', TokenKind.TEXT),
         VocabEntry("x", TokenKind.TEXT)]
TEXTS = ["", "", '{"sentiment":', " -1", " ", "0", "1", ', "summary": "', "ok", '"}', "x"]


def _run(after_open: dict[int, float], after_space: dict[int, float], rows: int = 1):
    """Decodes one reply with a fake model whose next-token distribution depends only on the
    last token: the prompt `x` leads to the opening literal, then `after_open` (the value
    step), `after_space` after a bare space, then the rest of the JSON and the stop."""
    auto = reply_automaton(VOCAB, ReplySpec())
    size = len(VOCAB)
    table = np.full((size, size), 1e-9)
    follows = {PROMPT: {OPEN: 1.0}, OPEN: after_open, SPACE: after_space,
               MINUS_ONE: {KEY2: 1.0}, ZERO: {KEY2: 1.0}, ONE: {KEY2: 1.0}, KEY2: {OK: 1.0},
               OK: {CLOSE: 1.0}, CLOSE: {STOP: 1.0}, STOP: {PAD: 1.0}, PAD: {PAD: 1.0}}
    for last, probs in follows.items():
        for token, p in probs.items():
            table[last, token] = p
    logits_by_last = np.log(table).astype("float32")
    calls = []

    def next(prompt, cache, index):
        from keras import ops

        last = ops.take(ops.convert_to_tensor(prompt), index - 1, axis=1)
        calls.append(1)
        return ops.take(ops.convert_to_tensor(logits_by_last), last, axis=0), None, cache

    ids = np.full((rows, 12), PAD, "int32")
    ids[:, 0] = PROMPT
    tables = {**device_tables(auto), "bannable": np.zeros(size, bool)}
    out = ConstrainedSampler()(
        next=next, prompt=ids, cache=np.zeros(1, "float32"), index=1,
        mask=np.ones_like(ids, bool), tables=tables, max_new_tokens=11,
        max_body_chars=auto.max_body_chars, prompt_end=np.full((rows,), 1, "int32"))
    tokens = np.asarray(out["token_ids"])[0, 1:].tolist()
    text = "".join(TEXTS[t] for t in tokens)
    mass = np.asarray(out["value_mass"])[0].tolist()
    assert int(np.asarray(out["state"])[0]) == auto.done, text
    return json.loads(text)["sentiment"], dict(zip(auto.values, mass, strict=True))


def test_a_value_shared_by_one_token_counts_every_path():
    """`" "` holds 0.6 but splits it between 0 and 1; `" -1"` holds 0.4 alone. The most
    probable value is -1 (0.4 against 0.3 each), though a greedy first token would be `" "`."""
    value, mass = _run({MINUS_ONE: 0.4, SPACE: 0.6}, {ZERO: 0.5, ONE: 0.5})
    assert value == -1
    assert mass[-1] == pytest.approx(0.4, rel=1e-4)
    assert mass[0] == pytest.approx(0.3, rel=1e-4) and mass[1] == pytest.approx(0.3, rel=1e-4)


def test_a_two_token_value_gets_the_mass_of_its_whole_path():
    """0 is written as `" "` then `"0"`: its probability is 0.6 x 0.9, and -1's confidence is
    not 1.0 just because no other token starts with a minus."""
    value, mass = _run({MINUS_ONE: 0.4, SPACE: 0.6}, {ZERO: 0.9, ONE: 0.1})
    assert value == 0
    probs = scaled_probabilities([mass[1], mass[0], mass[-1]])
    assert probs == pytest.approx((0.06 / 1.0, 0.54 / 1.0, 0.4 / 1.0), rel=1e-3)


def test_a_confident_negative_is_not_reported_certain():
    """-1 with 0.73 on `" -1"` and 0.26 on `" "`: confidence about 0.73, not 1.0."""
    value, mass = _run({MINUS_ONE: 0.73, SPACE: 0.26}, {ZERO: 0.8, ONE: 0.2})
    probs = dict(zip((1, 0, -1), scaled_probabilities([mass[1], mass[0], mass[-1]]),
                     strict=True))
    assert value == -1 and probs[-1] == pytest.approx(0.73 / 0.99, rel=1e-3)


def test_temperature_scaling():
    """T > 1 flattens, T < 1 sharpens, T = 1 only renormalises; no mass gives None."""
    assert scaled_probabilities([2.0, 1.0, 1.0]) == pytest.approx((0.5, 0.25, 0.25))
    hot = scaled_probabilities([0.8, 0.1, 0.1], 2.0)
    cold = scaled_probabilities([0.8, 0.1, 0.1], 0.5)
    assert hot[0] < 0.8 < cold[0]
    assert scaled_probabilities([0.0, 0.0, 0.0]) is None


def test_fit_temperature_recovers_overconfidence():
    """Masses that are right 70% of the time at 0.95 confidence fit a temperature above 1
    (the calibrated confidence drops toward 0.7); well-calibrated masses fit about 1."""
    from handlers.calibration import fit_temperature

    over = [[0.95, 0.025, 0.025]] * 100
    labels = [0] * 70 + [1] * 30
    t = fit_temperature(over, labels)
    assert t > 1.5
    assert scaled_probabilities(over[0], t)[0] == pytest.approx(0.7, abs=0.03)
    calibrated = [[0.7, 0.15, 0.15]] * 100
    labels = [0] * 70 + [1] * 15 + [2] * 15
    assert fit_temperature(calibrated, labels) == pytest.approx(1.0, abs=0.08)
    with pytest.raises(ValueError):
        fit_temperature([], [])


def test_a_holdout_with_almost_no_errors_does_not_sharpen():
    """Every answer right (or two wrong): the likelihood alone would drive T toward 0 and
    every confidence to 1.0; the fit keeps T at least 1. Underconfidence with errors
    sharpens."""
    from handlers.calibration import fit_temperature

    right = [[0.8, 0.1, 0.1]] * 58
    assert fit_temperature(right, [0] * 58) == pytest.approx(1.0)
    assert fit_temperature(right, [0] * 56 + [1, 2]) >= 1.0
    under = [[0.6, 0.2, 0.2]] * 100
    assert fit_temperature(under, [0] * 95 + [1] * 5) < 0.9
