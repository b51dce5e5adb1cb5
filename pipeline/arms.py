"""The arms of a run: which model and prompt version serve which users.

An arm is named (`a`, `b`, `tuned_v4`...): its name is every record's `model_variant`. The
first arm is the control, the one every other arm is compared with. Arms come from
`--arm NAME=PRESET[,prompt_version=V][,weight=W]`, repeated, or from the A/B aliases
`--model`, `--model_b`, `--ab_split` and `--prompt_version_b` (arms `a` and `b`).

A user's arm is sticky: a hash of a salt and the user id, a point in [0, 1), falls in one
arm's share of the weights (`assign_arm`). The arms after the control take their shares from
0 upwards in order, the control the rest, so the aliases assign every user exactly as the
two-arm split always did (`b` below `--ab_split`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ARM_NAME", "CONTROL", "ArmSpec", "arm_point", "assign_arm", "parse_arm"]

# The control arm of the aliases (--model), and the arm of records from before A/B.
CONTROL = "a"
# An arm's name: written into every record and into Beam step labels.
ARM_NAME = re.compile(r"[a-z][a-z0-9_]{0,15}")
_DEFAULT_SALT = "ab-v1"
# Weights are relative shares; bounded so that their total stays finite and exact enough.
MAX_WEIGHT = 1e6


@dataclass(frozen=True)
class ArmSpec:
    """One arm: its name, the preset it runs, its prompt version and its share of users
    (weights need not sum to 1: each arm gets weight / total)."""

    name: str
    preset: str
    prompt_version: str
    weight: float = 1.0


def parse_arm(text: str, default_prompt_version: str) -> ArmSpec:
    """`NAME=PRESET[,prompt_version=V][,weight=W]` -> an ArmSpec.

    Raises:
        ValueError: the text is not of that form (the message says which part is wrong).
    """
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not ARM_NAME.fullmatch(name):
        raise ValueError(f"--arm {text!r}: want NAME=PRESET[,prompt_version=V][,weight=W] with "
                         f"NAME matching {ARM_NAME.pattern}")
    preset, *options = rest.split(",")
    if not preset.strip():
        raise ValueError(f"--arm {text!r}: no preset after {name}=")
    settings = {"prompt_version": default_prompt_version, "weight": "1"}
    seen = set()
    for option in options:
        key, sep, value = option.partition("=")
        key = key.strip()
        if not sep or key not in settings or key in seen or not value.strip():
            raise ValueError(f"--arm {text!r}: {option!r} is not prompt_version=V or weight=W "
                             "(each at most once)")
        seen.add(key)
        settings[key] = value.strip()
    try:
        weight = float(settings["weight"])
    except ValueError:
        weight = math.nan
    if not math.isfinite(weight) or not 0 <= weight <= MAX_WEIGHT:
        raise ValueError(f"--arm {text!r}: weight must be a number from 0 to {MAX_WEIGHT:g}")
    return ArmSpec(name, preset.strip(), settings["prompt_version"], weight)


def check_arms(arms: Sequence[ArmSpec]) -> list[str]:
    """Problems with a set of arms: none, a name twice, no weight at all."""
    if not arms:
        return ["no arm"]
    problems = []
    names = [a.name for a in arms]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"--arm names {', '.join(twice)} more than once")
    if sum(a.weight for a in arms) <= 0:
        problems.append("--arm weights sum to 0: no user would get any arm")
    return problems


def arm_point(user_id: int, salt: str = _DEFAULT_SALT) -> float:
    """A user's point in [0, 1): a hash (not Python's randomised `hash`) of salt and user id,
    the same on every worker and every run; another salt reshuffles."""
    digest = hashlib.sha256(f"{salt}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_arm(user_id: int, arms: Sequence[ArmSpec], salt: str = _DEFAULT_SALT) -> str:
    """The name of the user's arm: sticky and reproducible, each arm with its share of users.

    The arms after the first take [0, w1), [w1, w1 + w2)... of [0, 1) (weights over their
    total), the first (the control) the rest: with arms a (1 - s) and b (s), b is the users
    below s, as `--ab_split s` always assigned them.
    """
    if len(arms) == 1:
        return arms[0].name
    total = sum(a.weight for a in arms)
    point = arm_point(user_id, salt)
    edge = 0.0
    for arm in arms[1:]:
        edge += arm.weight / total
        if point < edge:
            return arm.name
    return arms[0].name
