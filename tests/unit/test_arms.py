"""Arms as data (`pipeline.arms`, `--arm`): parsing, checks, sticky weighted assignment, and
the A/B aliases assigning every user as the two-arm split always did."""

import hashlib

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.arms import ArmSpec, arm_point, assign_arm, check_arms, parse_arm
from pipeline.options import ChatPipelineOptions

USERS = range(6000)


def _opts(*argv) -> ChatPipelineOptions:
    if "--arm" not in argv:
        argv = ("--model", "preset-a", *argv)
    return PipelineOptions(list(argv)).view_as(ChatPipelineOptions)


def _old_ab(user_id: int, split: float) -> str:
    """The two-arm assignment as `elements.assign_variant` wrote it before arms were data."""
    if split <= 0.0:
        return "a"
    digest = hashlib.sha256(f"ab-v1:{user_id}".encode()).digest()
    return "b" if int.from_bytes(digest[:8], "big") / 2**64 < split else "a"


@pytest.mark.parametrize("split", [0.0, 0.1, 0.3, 0.5, 0.77, 1.0])
def test_the_aliases_assign_every_user_as_the_two_arm_split_did(split):
    arms = _opts("--model_b", "preset-b", "--ab_split", str(split)).arm_specs()
    assert [a.name for a in arms] == ["a", "b"]
    assert [assign_arm(u, arms) for u in USERS] == [_old_ab(u, split) for u in USERS]


def test_assignment_is_sticky_and_follows_the_weights():
    arms = (ArmSpec("a", "p", "v4", 2), ArmSpec("b", "p", "v4", 1), ArmSpec("c", "q", "v4", 1))
    first = [assign_arm(u, arms) for u in USERS]
    assert first == [assign_arm(u, arms) for u in USERS]
    shares = {name: first.count(name) / len(first) for name in "abc"}
    assert abs(shares["a"] - 0.5) < 0.03 and abs(shares["b"] - 0.25) < 0.03
    assert abs(shares["c"] - 0.25) < 0.03
    # An arm of weight 0 gets nobody; one arm gets everybody.
    assert "b" not in {assign_arm(u, (arms[0], ArmSpec("b", "p", "v4", 0))) for u in USERS}
    assert {assign_arm(u, arms[:1]) for u in USERS} == {"a"}
    assert 0.0 <= min(arm_point(u) for u in USERS) and max(arm_point(u) for u in USERS) < 1.0


def test_an_arm_flag_is_parsed_with_its_defaults():
    assert parse_arm("tuned=models/demo-gemma", "v4") == ArmSpec("tuned", "models/demo-gemma",
                                                                  "v4", 1.0)
    assert parse_arm("b=gs://bucket/m,weight=0.25,prompt_version=v2", "v4") == ArmSpec(
        "b", "gs://bucket/m", "v2", 0.25)


@pytest.mark.parametrize("text, message", [
    ("models/demo-gemma", "NAME=PRESET"),
    ("Big=models/x", "NAME"),
    ("a b=models/x", "NAME"),
    ("a=", "no preset"),
    ("a=m,weight=-1", "weight"),
    ("a=m,weight=nan", "weight"),
    ("a=m,weight=lots", "weight"),
    ("a=m,weight=1e308", "weight"),
    ("a=m,colour=red", "colour"),
    ("a=m,weight=1,weight=2", "at most once"),
    ("a=m,prompt_version=", "prompt_version"),
])
def test_a_malformed_arm_flag_names_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_arm(text, "v4")


def test_arm_flags_are_validated_with_the_other_options():
    """Names twice, weights summing to 0, an unknown prompt version, a malformed flag and
    --arm mixed with the aliases it replaces are each reported, naming the flag."""
    assert check_arms([ArmSpec("a", "p", "v4"), ArmSpec("a", "q", "v4")]) == [
        "--arm names a more than once"]
    assert "sum to 0" in check_arms([ArmSpec("a", "p", "v4", 0)])[0]
    problems = _opts("--input", "x.jsonl", "--output_dir", "o", "--arm", "a=p", "--arm",
                     "b=q,prompt_version=v99", "--model_b", "q", "--model", "m",
                     "--ab_split", "0.3").sources_and_sinks_errors()
    assert any("--arm replaces --model, --model_b, --ab_split" in p for p in problems)
    assert not any("needs --model_b" in p for p in problems)
    assert any("--arm b" in p and "v99" in p for p in problems)
    problems = _opts("--input", "x.jsonl", "--output_dir", "o", "--arm",
                     "a").sources_and_sinks_errors()
    assert any("NAME=PRESET" in p for p in problems)
    assert _opts("--input", "x.jsonl", "--output_dir", "o", "--arm", "a=p", "--arm",
                 "b=q,weight=3").sources_and_sinks_errors() == []
