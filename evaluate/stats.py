"""The statistics of the evaluation report: pure functions over plain lists.

Agreement is a proportion per arm; the difference between an arm and the control is reported with a
95% Wald interval on the difference (too narrow near 0% or 100% and for small arms: the
report prints the counts beside it) and a two-sided two-proportion z-test (pooled), and the
number of reviewed chats per arm needed to detect a given difference (normal approximation,
alpha 0.05 two-sided, power 0.8); with several arms against one control, p-values are also
given Holm-adjusted. Calibration: a reliability table over equal-width
confidence bins, the expected calibration error (bin-weighted |accuracy - confidence|), and
the lowest review threshold that would send a chosen share of the wrong answers to review.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The calibration measures live with the calibration itself (`tuning.calibrate` and
# `pipeline.evaluation` use them too); re-exported here for the report.
from handlers.calibration import auroc, calibration_bins, expected_calibration_error

__all__ = ["ABResult", "ab_test", "auroc", "calibration_bins", "edit_distance",
           "expected_calibration_error", "holm", "normal_cdf", "sample_size_per_arm",
           "threshold_for_recall"]

Z_95 = 1.959963984540054
Z_80 = 0.8416212335729143


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


@dataclass(frozen=True)
class ABResult:
    n_a: int
    n_b: int
    rate_a: float
    rate_b: float
    difference: float          # rate_b - rate_a
    ci_low: float
    ci_high: float
    p_value: float


def ab_test(successes_a: int, n_a: int, successes_b: int, n_b: int) -> ABResult | None:
    """B against A: difference of proportions, 95% CI, two-sided p-value; None when an arm
    has no observations."""
    if n_a == 0 or n_b == 0:
        return None
    pa, pb = successes_a / n_a, successes_b / n_b
    se = math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se_pooled == 0:
        p_value = 1.0 if pa == pb else 0.0
    else:
        # erfc keeps precision in the far tail, where 1 - cdf would round to 0.
        p_value = math.erfc(abs(pb - pa) / se_pooled / math.sqrt(2.0))
    return ABResult(n_a, n_b, pa, pb, pb - pa, pb - pa - Z_95 * se, pb - pa + Z_95 * se,
                    min(1.0, p_value))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in input order: with several arms each compared
    with the control, an adjusted p below 0.05 keeps the chance of any false difference
    among them at most 5%. The i-th smallest of m p-values is multiplied by m - i, and the
    adjusted values are kept non-decreasing in that order and at most 1."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def sample_size_per_arm(base_rate: float, difference: float) -> int:
    """Reviewed chats per arm to detect `difference` from `base_rate` (alpha 0.05
    two-sided, power 0.8)."""
    if difference == 0:
        raise ValueError("difference must be non-zero")
    p1, p2 = base_rate, min(1.0, max(0.0, base_rate + difference))
    if p1 == p2 or p1 in (0.0, 1.0) and p2 in (0.0, 1.0):
        raise ValueError(f"no sample size tells {p1} from {p2}")
    p_bar = (p1 + p2) / 2
    numerator = (Z_95 * math.sqrt(2 * p_bar * (1 - p_bar))
                 + Z_80 * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
    return math.ceil(numerator / (p2 - p1) ** 2)


def threshold_for_recall(confidences: Sequence[float], correct: Sequence[bool],
                         share: float) -> float | None:
    """The lowest `--review_below_confidence` that sends at least `share` of the wrong
    answers to review (a chat goes to review when its confidence is below the threshold);
    None when there is no wrong answer."""
    wrong = sorted(c for c, ok in zip(confidences, correct, strict=True) if not ok)
    if not wrong:
        return None
    needed = math.ceil(share * len(wrong))
    if needed == 0:
        return 0.0
    # Strictly above the needed-th lowest wrong confidence.
    return math.nextafter(wrong[needed - 1], math.inf)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance in characters."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                                previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
