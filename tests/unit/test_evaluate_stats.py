"""The evaluation report's statistics against hand-computed values."""

import math
import random

import pytest

from evaluate import stats


def test_ab_test_matches_a_hand_computed_two_proportion_test():
    # A: 60/100, B: 75/100. Pooled p = 0.675, se = sqrt(.675*.325*(2/100)) = 0.066239.
    result = stats.ab_test(60, 100, 75, 100)
    assert result.difference == pytest.approx(0.15)
    z = 0.15 / math.sqrt(0.675 * 0.325 * 0.02)
    assert result.p_value == pytest.approx(2 * (1 - stats.normal_cdf(z)))
    assert result.p_value == pytest.approx(0.0234, abs=5e-4)
    se = math.sqrt(0.6 * 0.4 / 100 + 0.75 * 0.25 / 100)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.15 - 1.96 * se, 0.15 + 1.96 * se),
                                                            abs=1e-3)
    assert stats.ab_test(5, 0, 3, 10) is None
    same = stats.ab_test(0, 10, 0, 20)
    assert same.p_value == 1.0 and same.difference == 0.0


def test_sample_size_grows_as_the_difference_shrinks():
    # The textbook figure: 0.60 vs 0.70 needs about 354 per arm (alpha .05, power .8).
    assert stats.sample_size_per_arm(0.6, 0.1) == pytest.approx(355, abs=2)
    assert stats.sample_size_per_arm(0.6, 0.05) > 4 * stats.sample_size_per_arm(0.6, 0.1) * 0.9
    with pytest.raises(ValueError):
        stats.sample_size_per_arm(0.5, 0.0)


def test_calibration_error_is_near_zero_when_calibrated_and_large_when_overconfident():
    rng = random.Random(0)
    conf = [rng.random() for _ in range(20000)]
    calibrated = [rng.random() < c for c in conf]
    table = stats.calibration_bins(conf, calibrated)
    assert sum(r["count"] for r in table) == 20000
    assert stats.expected_calibration_error(table) < 0.02
    overconfident = [rng.random() < c / 2 for c in conf]
    ece = stats.expected_calibration_error(stats.calibration_bins(conf, overconfident))
    assert ece == pytest.approx(0.25, abs=0.02)
    assert math.isnan(stats.expected_calibration_error(stats.calibration_bins([], [])))
    with pytest.raises(ValueError):
        stats.calibration_bins([1.5], [True])
    with pytest.raises(ValueError):
        stats.calibration_bins([float("nan")], [True])


def test_threshold_sends_the_asked_share_of_wrong_answers_to_review():
    conf = [0.1, 0.2, 0.3, 0.9, 0.95, 0.5]
    ok = [False, False, True, False, True, True]
    t = stats.threshold_for_recall(conf, ok, 2 / 3)
    wrong_below = sum(c < t for c, o in zip(conf, ok, strict=True) if not o)
    assert wrong_below == 2 and 0.2 < t < 0.21
    t_all = stats.threshold_for_recall(conf, ok, 1.0)
    assert all(c < t_all for c, o in zip(conf, ok, strict=True) if not o)
    assert stats.threshold_for_recall(conf, [True] * 6, 0.5) is None


def test_edit_distance():
    assert stats.edit_distance("kitten", "sitting") == 3
    assert stats.edit_distance("", "abc") == 3
    assert stats.edit_distance("죄송합니다", "죄송해요") == 3
    assert stats.edit_distance("same", "same") == 0


def test_holm_adjusts_in_step_down_order_and_keeps_the_order():
    """Holm by hand: sorted 0.01, 0.02, 0.04 are multiplied by 3, 2, 1 -> 0.03, 0.04, 0.04
    (the last raised to keep them non-decreasing); input order is kept; capped at 1."""
    from evaluate.stats import holm

    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([0.2]) == [0.2] and holm([]) == []
