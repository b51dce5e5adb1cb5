"""Routing through the real Beam runner with a scripted (fake) model handler."""

import json

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.elements import RawChat
from pipeline.pipeline import build_pipeline
from tests.fakes import scripted_factory


def _chat(i, reply, user=100, extra=""):
    return RawChat(json.dumps({"id": i, "user_id": user,
                               "chat_message": f"id {user}: hi {extra} REPLY<<{reply}>>"}).encode())


def _run(raw, argv=()):
    options = PipelineOptions(["--runner", "FnApiRunner", *argv])
    p = TestPipeline(options=options)
    out = build_pipeline(p, options, handler_factory=scripted_factory,
                         raw_chats=p | beam.Create(raw), write=False)
    return p, out


def _ids(pcoll, label):
    return pcoll | label >> beam.Map(lambda r: r["chat_id"])


def test_routes_by_sentiment_and_errors():
    """1/0 go to results, -1 to review with an apology, bad replies and input to errors."""
    raw = [
        _chat(1, '{"sentiment": 1, "summary": "happy"}'),
        _chat(2, '{"sentiment": 0, "summary": "asked"}'),
        _chat(3, '{"sentiment": -1, "summary": "angry"}'),
        _chat(4, '{"sentiment": "-1", "summary": "string minus one"}'),
        _chat(5, '{"sentiment": 5, "summary": "out of range"}'),
        _chat(6, 'no json at all'),
        RawChat(b"garbage"),
        _chat(8, '{"sentiment": -1, "summary": "angry"}', extra="NOAPOLOGY"),
    ]
    p, out = _run(raw)
    with p:
        assert_that(_ids(out["results"], "r"), equal_to([1, 2]), label="results")
        assert_that(_ids(out["review"], "v"), equal_to([3, 4]), label="review")
        stages = out["errors"] | beam.Map(lambda r: (r["chat_id"], r["stage"]))
        assert_that(stages, equal_to([(5, "reply"), (6, "reply"), (None, "parse"),
                                      (8, "apology")]), label="errors")
        drafts = out["review"] | beam.Map(lambda r: (r["apology_draft"], r["review_reason"]))
        assert_that(drafts, equal_to([("We are sorry.", "negative")] * 2), label="drafts")


def test_reply_error_carries_raw_reply_and_reason():
    """A malformed reply's error record has the reason and the raw reply."""
    reply = '{"sentiment": 9, "summary": "x", "topic": "general.other"}'
    p, out = _run([_chat(9, reply)])
    with p:
        rec = out["errors"] | beam.Map(lambda r: (r["stage"], "sentiment" in r["reason"],
                                                  r["raw"]))
        assert_that(rec, equal_to([("reply", True, reply)]))


def test_failing_element_does_not_take_its_batch_down():
    """When one chat makes inference raise, only that chat reaches errors (stage inference)."""
    raw = [_chat(i, '{"sentiment": 1, "summary": "ok"}') for i in range(1, 6)]
    raw.append(_chat(99, '{"sentiment": 1, "summary": "ok"}', extra="RAISE"))
    p, out = _run(raw)
    with p:
        assert_that(_ids(out["results"], "r"), equal_to([1, 2, 3, 4, 5]), label="results")
        errs = out["errors"] | beam.Map(lambda r: (r["chat_id"], r["stage"],
                                                   "injected failure" in r["reason"]))
        assert_that(errs, equal_to([(99, "inference", True)]), label="errors")


@pytest.mark.parametrize("stage", ["apology", "all"])
def test_ab_split_sends_records_to_both_arms(stage):
    """With --model_b every record carries its arm, and both arms are used."""
    raw = [_chat(i, '{"sentiment": -1, "summary": "bad"}', user=i) for i in range(40)]
    p, out = _run(raw, ["--model_b", "other", "--ab_split", "0.5", "--ab_stage", stage])
    with p:
        arms = (out["review"] | beam.Map(lambda r: r["model_variant"])
                | beam.combiners.Count.PerElement() | beam.Keys())
        assert_that(arms, equal_to(["a", "b"]))


@pytest.mark.parametrize("stage", ["apology", "all"])
def test_named_arms_stamp_the_arm_that_ran_on_every_record(stage):
    """Three --arm flags with a control not named a: under --ab_stage apology the control
    analyzes every chat, so every results row says ctl, and each review row names the arm
    that drafted it (its user's); under all, every row names its user's arm."""
    from pipeline.arms import ArmSpec, assign_arm

    specs = (ArmSpec("ctl", "p", "v4"), ArmSpec("new", "q", "v4"), ArmSpec("big", "r", "v4"))
    raw = [_chat(i, json.dumps({"sentiment": -1 if i % 2 else 1, "summary": "s"}), user=i)
           for i in range(60)]
    p, out = _run(raw, ["--arm", "ctl=p", "--arm", "new=q", "--arm", "big=r",
                        "--ab_stage", stage])
    results = [(i, "ctl" if stage == "apology" else assign_arm(i, specs))
               for i in range(0, 60, 2)]
    review = [(i, assign_arm(i, specs)) for i in range(1, 60, 2)]
    assert {arm for _, arm in review} == {"ctl", "new", "big"}
    with p:
        pairs = beam.Map(lambda r: (r["chat_id"], r["model_variant"]))
        assert_that(out["results"] | "R" >> pairs, equal_to(results), label="results")
        assert_that(out["review"] | "V" >> pairs, equal_to(review), label="review")


def test_malformed_reply_is_retried_once_with_the_strict_prompt():
    """A bad first reply is retried with the stricter prompt; a good retry is a result, a bad
    one reaches errors."""
    raw = [
        _chat(1, "garbage", extra='RETRY<<{"sentiment": 1, "summary": "fixed"}>>'),
        _chat(2, "garbage", extra="RETRY<<still garbage>>"),
        _chat(3, '{"sentiment": 0, "summary": "fine"}'),
    ]
    p, out = _run(raw)
    with p:
        assert_that(out["results"] | beam.Map(lambda r: (r["chat_id"], r["summary"])),
                    equal_to([(1, "fixed"), (3, "fine")]), label="results")
        errs = out["errors"] | beam.Map(lambda r: (r["chat_id"], r["stage"],
                                                   "stricter prompt" in r["reason"]))
        assert_that(errs, equal_to([(2, "reply", True)]), label="errors")


def test_low_confidence_positive_chats_go_to_review():
    """With --review_below_confidence, an unsure positive chat is reviewed with its reason."""
    raw = [
        _chat(1, '{"sentiment": 1, "summary": "sure"}', extra="CONF<<0.95>>"),
        _chat(2, '{"sentiment": 1, "summary": "unsure"}', extra="CONF<<0.40>>"),
        _chat(3, '{"sentiment": -1, "summary": "angry"}', extra="CONF<<0.40>>"),
    ]
    p, out = _run(raw, ["--review_below_confidence", "0.6"])
    with p:
        assert_that(_ids(out["results"], "r"), equal_to([1]), label="results")
        reasons = out["review"] | beam.Map(lambda r: (r["chat_id"], r["review_reason"],
                                                      r["sentiment_confidence"]))
        assert_that(reasons, equal_to([(2, "low_confidence", 0.4), (3, "negative", 0.4)]),
                    label="review")


def test_topics_reach_the_rows_and_doubtful_ones_go_to_review():
    """Under the default prompt version (it asks for a topic) every row carries its topic
    split into major and minor with its confidence; with --review_below_topic_confidence a
    positive chat with a doubtful topic is reviewed (`low_topic_confidence`); a topic the
    taxonomy lacks, or none when one is asked (NOTOPIC), is a malformed reply."""
    raw = [
        _chat(1, '{"sentiment": 1, "summary": "sure", "topic": "general.praise"}',
              extra="TOPICCONF<<0.9>>"),
        _chat(2, '{"sentiment": 0, "summary": "unsure", "topic": "delivery.late"}',
              extra="TOPICCONF<<0.2>>"),
        _chat(3, '{"sentiment": 0, "summary": "made up", "topic": "delivery.teleported"}'),
        _chat(4, '{"sentiment": 0, "summary": "none"}', extra="NOTOPIC"),
        _chat(5, '{"sentiment": 0, "summary": "scripted without"}'),
    ]
    p, out = _run(raw, ["--review_below_topic_confidence", "0.5"])
    with p:
        rows = out["results"] | "r" >> beam.Map(lambda r: (
            r["chat_id"], r["topic_major"], r["topic_minor"], r["topic_confidence"]))
        assert_that(rows, equal_to([(1, "general", "praise", 0.9),
                                    (5, "general", "other", None)]), label="results")
        reviews = out["review"] | "v" >> beam.Map(lambda r: (
            r["chat_id"], r["review_reason"], r["topic_minor"]))
        assert_that(reviews, equal_to([(2, "low_topic_confidence", "late")]), label="review")
        errors = out["errors"] | "e" >> beam.Map(lambda r: (r["chat_id"], r["stage"],
                                                            "topic" in r["reason"]))
        assert_that(errors, equal_to([(3, "reply", True), (4, "reply", True)]),
                    label="errors")


def test_a_prompt_version_without_topics_writes_none():
    raw = [_chat(1, '{"sentiment": 1, "summary": "fine", "topic": "general.praise"}')]
    p, out = _run(raw, ["--prompt_version", "v3"])
    with p:
        rows = out["results"] | beam.Map(lambda r: (r["topic_major"], r["topic_minor"],
                                                    r["topic_confidence"], r["prompt_version"]))
        assert_that(rows, equal_to([(None, None, None, "v3")]))


def test_redelivered_chat_produces_one_output():
    """The same chat delivered three times yields one result; a conflicting reuse of the id
    goes to errors."""
    same = _chat(1, '{"sentiment": 1, "summary": "ok"}')
    conflicting = _chat(1, '{"sentiment": 0, "summary": "other"}', user=999)
    p, out = _run([same, same, same, _chat(2, '{"sentiment": 0, "summary": "x"}'), conflicting])
    with p:
        assert_that(_ids(out["results"], "r"), equal_to([1, 2]), label="results")
        errs = out["errors"] | beam.Map(lambda r: (r["chat_id"], "different content" in
                                                   r["reason"]))
        assert_that(errs, equal_to([(1, True)]), label="errors")


def test_hung_generate_call_times_out_and_only_that_chat_fails():
    """A generate call that hangs past --inference_timeout_secs fails; its batch-mates are
    retried alone and succeed; only the hung chat reaches errors."""
    raw = [_chat(i, '{"sentiment": 1, "summary": "ok"}') for i in range(1, 4)]
    raw.append(_chat(50, '{"sentiment": 1, "summary": "ok"}', extra="HANG"))
    p, out = _run(raw, ["--inference_timeout_secs", "1"])
    with p:
        assert_that(_ids(out["results"], "r"), equal_to([1, 2, 3]), label="results")
        errs = out["errors"] | beam.Map(lambda r: (r["chat_id"], r["stage"]))
        assert_that(errs, equal_to([(50, "inference")]), label="errors")


def test_token_metrics_are_exported():
    """Token counters and per-arm token distributions reach Beam's metrics (batch figures
    are the handler's own: tests/unit/test_handler_metrics.py)."""
    from apache_beam.metrics.metric import MetricsFilter

    raw = [_chat(i, '{"sentiment": 1, "summary": "ok"}') for i in range(3)]
    p, out = _run(raw)
    result = p.run()
    result.wait_until_finish()
    counters = {c.key.metric.name: c.committed for c in
                result.metrics().query(MetricsFilter())["counters"]}
    dists = {d.key.metric.name for d in result.metrics().query(MetricsFilter())["distributions"]}
    assert counters["sentiment_prompt_tokens"] == 30  # 10 per chat from the scripted handler
    assert counters["sentiment_generated_tokens"] == 15
    assert counters["replies_valid_first_try"] == 3
    assert {"sentiment_prompt_tokens_a", "sentiment_generated_tokens_a"} <= dists


def test_prompt_versions_follow_the_arm_into_every_record():
    """--prompt_version_b: arm b's prompts come from another version file (its apology
    template differs from v1's); results, review and error records name the version that
    produced them."""
    raw = ([_chat(i, '{"sentiment": -1, "summary": "bad"}', user=i, extra="VERSION")
            for i in range(20)]
           + [_chat(100 + i, '{"sentiment": 1, "summary": "good"}', user=i) for i in range(20)]
           + [_chat(200 + i, "no json", user=i) for i in range(20)])
    p, out = _run(raw, ["--model_b", "same", "--ab_split", "0.5", "--ab_stage", "all",
                        "--prompt_version", "v1", "--prompt_version_b", "v2"])
    expected = {"a": "v1", "b": "v2"}
    with p:
        for name in ("results", "review", "errors"):
            pairs = (out[name] | f"Pairs_{name}" >> beam.Map(
                lambda r: (r["model_variant"], r["prompt_version"]))
                | f"Distinct_{name}" >> beam.Distinct())
            assert_that(pairs, equal_to(sorted(expected.items())), label=f"versions_{name}")
        # The template each arm's apology prompt was rendered from, as the fake model saw it.
        drafts = (out["review"] | beam.Map(lambda r: (r["model_variant"], r["apology_draft"]))
                  | "DistinctDrafts" >> beam.Distinct())
        assert_that(drafts, equal_to([("a", "We are sorry (v1)."), ("b", "We are sorry (v2).")]),
                    label="apology_templates")


def test_an_unknown_prompt_version_is_refused_before_the_pipeline_runs():
    from pipeline.options import validate_options

    with pytest.raises(ValueError, match="no prompt version 'v9'"):
        validate_options(PipelineOptions(["--input", "samples/chats.jsonl", "--output_dir",
                                          "/tmp/x", "--model", "models/demo-gemma",
                                          "--prompt_version", "v9"]))


def test_a_draft_that_fails_the_contract_is_redrafted_and_flagged_if_still_bad():
    """Prompt v3: a draft that passes the contract goes to review as is (1 attempt); one that
    passes without its failing sentence is trimmed (1 attempt, 1 sentence dropped); one that
    fails however it is cut is redrafted with the strict prompt and the passing redraft is
    kept (2 attempts, no problems); when both fail, the better is kept with its failed
    checks, so it never looks like a good draft. Every chat still ends in exactly one review
    record."""
    reply = '{"sentiment": -1, "summary": "cold pizza"}'
    good = "We're sorry your pizza arrived cold."
    invented = "We're sorry your pizza arrived cold, and we will email you a voucher tomorrow."
    trimmable = "We're sorry your pizza arrived cold. We will email you a voucher tomorrow."
    memo = "The customer is unhappy."
    raw = [_chat(1, reply, extra=f"my pizza arrived cold DRAFT<<{good}>>"),
           _chat(2, reply, extra=f"my pizza arrived cold DRAFT<<{invented}>> REDRAFT<<{good}>>"),
           _chat(3, reply, extra=f"my pizza arrived cold DRAFT<<{memo}>> REDRAFT<<{invented}>>"),
           _chat(4, reply, extra=f"my pizza arrived cold DRAFT<<{trimmable}>> "
                 f"REDRAFT<<{memo}>>")]
    p, out = _run(raw)
    with p:
        got = out["review"] | beam.Map(lambda r: (r["chat_id"], r["apology_draft"],
                                                  r["draft_attempts"],
                                                  tuple(p.split(":")[0]
                                                        for p in r["draft_problems"]),
                                                  r["draft_sentences_dropped"],
                                                  "_first_draft" in r))
        assert_that(got, equal_to([(1, good, 1, (), 0, False), (2, good, 2, (), 0, False),
                                   (3, invented, 2, ("only_offered",), 0, False),
                                   (4, good, 1, (), 1, False)]),
                    label="drafts")
        assert_that(out["errors"], equal_to([]), label="no errors")
