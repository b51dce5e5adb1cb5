"""Calibration of the sentiment confidence: temperature scaling stored with the model.

The decoder gives each sentiment value its probability over the token paths that write it
(`handlers.decoding`). A small tuned model is over- or under-confident in a way a single
temperature corrects well (Guo et al., 2017): the calibrated probability of value v is
`p_v ** (1/T)` renormalised. `T` is fitted on chats the adapter never trained on
(`python -m tuning.calibrate`) and travels with the model as `calibration.json` in the preset
folder; a preset without one (the tiny test presets, a remote preset) gets `T = 1`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["CALIBRATION_FILE", "Calibration", "auroc", "calibration_bins",
           "expected_calibration_error", "fit_temperature", "load_calibration",
           "scaled_probabilities"]

CALIBRATION_FILE = "calibration.json"
# Probabilities are floored here before the log: a value the model gave no mass stays
# (almost) impossible at any temperature instead of becoming log(0).
_FLOOR = 1e-12


@dataclass(frozen=True)
class Calibration:
    """A fitted temperature and what it was fitted on (a record, not read by the decoder)."""

    temperature: float = 1.0
    record: dict = field(default_factory=dict)

    def __post_init__(self):
        t = self.temperature
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) \
                or not 0.01 <= t <= 100:
            raise ValueError(f"calibration temperature must be a number in [0.01, 100], "
                             f"got {t!r}")


def load_calibration(preset: str) -> Calibration:
    """The preset folder's `calibration.json`, or the identity (`T = 1`) when it has none.

    Raises:
        ValueError: the file exists but is not a calibration (naming the file).
    """
    path = os.path.join(preset, CALIBRATION_FILE) if os.path.isdir(preset) else None
    if path is None or not os.path.exists(path):
        return Calibration()
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        temperature = data["temperature"]
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ValueError(f"temperature must be a number, got {temperature!r}")
        return Calibration(float(temperature), dict(data.get("record", {})))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: not a calibration file ({e})") from e


def scaled_probabilities(mass: Sequence[float],
                         temperature: float = 1.0) -> tuple[float, ...] | None:
    """The values' probabilities from their (unnormalised) path mass, at `temperature`;
    None when no value has any mass (the reply never reached its value)."""
    total = float(sum(mass))
    if not total > 0:
        return None
    logs = [math.log(max(m / total, _FLOOR)) / temperature for m in mass]
    top = max(logs)
    exps = [math.exp(x - top) for x in logs]
    z = sum(exps)
    return tuple(e / z for e in exps)


def _nll(masses: Sequence[Sequence[float]], labels: Sequence[int], temperature: float) -> float:
    total = 0.0
    for mass, label in zip(masses, labels, strict=True):
        probs = scaled_probabilities(mass, temperature)
        total -= math.log(max(probs[label], _FLOOR))
    return total / len(labels)


# The fit's prior on log T (a normal with this deviation around T = 1) and the fewest wrong
# answers below which the temperature is not let below 1: on a held-out split the model gets
# (almost) all right, the likelihood alone drives T toward 0 and every confidence to 1.0,
# which says nothing about chats unlike the training data.
PRIOR_SIGMA = 0.5
MIN_ERRORS_TO_SHARPEN = 3


def fit_temperature(masses: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    """The temperature that maximises the labels' likelihood times a normal prior on log T
    (`PRIOR_SIGMA` around T = 1), over a log-spaced grid from 0.05 to 20 refined around its
    best point; not below 1 when fewer than `MIN_ERRORS_TO_SHARPEN` of the examples' most
    probable values are wrong. `labels[i]` indexes `masses[i]`.

    Raises:
        ValueError: no examples, or a row with no mass.
    """
    pairs = [(m, y) for m, y in zip(masses, labels, strict=True)]
    if not pairs:
        raise ValueError("cannot fit a temperature on no examples")
    if any(not sum(m) > 0 for m, _ in pairs):
        raise ValueError("every example needs some probability mass on its values")
    ms, ys = [m for m, _ in pairs], [y for _, y in pairs]
    errors = sum(max(range(len(m)), key=m.__getitem__) != y for m, y in pairs)
    low = 1.0 if errors < MIN_ERRORS_TO_SHARPEN else 0.05

    def cost(t: float) -> float:
        return _nll(ms, ys, t) * len(ys) + math.log(t) ** 2 / (2 * PRIOR_SIGMA ** 2)

    grid = [t for t in (0.05 * (400 ** (k / 80)) for k in range(81)) if t >= low] or [low]
    best = min(grid, key=cost)
    fine = [t for t in (best * (1.1 ** (k / 10)) for k in range(-10, 11)) if t >= low]
    return min(fine or [best], key=cost)


def calibration_bins(confidences: Sequence[float], correct: Sequence[bool],
                     bins: int = 10) -> list[dict]:
    """Per equal-width bin over [0, 1]: count, mean confidence, accuracy (empty bins kept
    with count 0)."""
    if len(confidences) != len(correct):
        raise ValueError("confidences and correct differ in length")
    table = [{"low": k / bins, "high": (k + 1) / bins, "count": 0, "confidence": 0.0,
              "accuracy": 0.0} for k in range(bins)]
    for conf, ok in zip(confidences, correct, strict=True):
        if not 0.0 <= conf <= 1.0 or math.isnan(conf):
            raise ValueError(f"confidence {conf} is outside [0, 1]")
        row = table[min(bins - 1, int(conf * bins))]
        row["count"] += 1
        row["confidence"] += conf
        row["accuracy"] += bool(ok)
    for row in table:
        if row["count"]:
            row["confidence"] /= row["count"]
            row["accuracy"] /= row["count"]
    return table

def expected_calibration_error(table: list[dict]) -> float:
    total = sum(row["count"] for row in table)
    if not total:
        return float("nan")
    return sum(row["count"] * abs(row["accuracy"] - row["confidence"])
               for row in table) / total

def auroc(confidences: Sequence[float], correct: Sequence[bool]) -> float | None:
    """The probability that a right answer has a higher confidence than a wrong one (ties
    count half): 0.5 is chance, 1.0 ranks every wrong answer below every right one. None
    without both a right and a wrong answer."""
    if len(confidences) != len(correct):
        raise ValueError("confidences and correct differ in length")
    right = [c for c, ok in zip(confidences, correct, strict=True) if ok]
    wrong = [c for c, ok in zip(confidences, correct, strict=True) if not ok]
    if not right or not wrong:
        return None
    wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
    return wins / (len(right) * len(wrong))
