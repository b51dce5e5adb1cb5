"""The arms' stages: which arms run which pass, and one engine per shared model."""

from __future__ import annotations

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from handlers.generation import Task
from pipeline.options import ChatPipelineOptions
from pipeline.pipeline import ArmStages, default_handler_factory
from pipeline.schemas import Stage


def _opts(*argv) -> ChatPipelineOptions:
    return PipelineOptions(["--model", "preset-a", *argv]).view_as(ChatPipelineOptions)


@pytest.mark.parametrize(("argv", "sentiment", "apology"), [
    ((), ("a",), ("a",)),
    (("--model_b", "preset-b", "--ab_split", "0.5"), ("a",), ("a", "b")),
    (("--model_b", "preset-b", "--ab_split", "0.5", "--ab_stage", "all"), ("a", "b"),
     ("a", "b")),
])
def test_arm_b_drafts_apologies_and_analyzes_sentiment_only_with_ab_stage_all(
        argv, sentiment, apology):
    """Without --model_b only arm a runs; with it arm b drafts apologies for its users, and
    analyzes their sentiment too under --ab_stage all."""
    stages = ArmStages(_opts(*argv), default_handler_factory)
    assert (stages.sentiment_arms, stages.apology_arms) == (sentiment, apology)


def test_an_arms_passes_share_one_model_and_name_their_error_stage():
    """Both passes of an arm use one model identifier (one load per worker), the handler's
    metrics are per task and arm, and a failed inference names the pass's stage."""
    stages = ArmStages(_opts("--model_b", "preset-b", "--ab_split", "0.5"),
                       default_handler_factory)
    sentiment, apology = (stages.inference("b", Task.SENTIMENT),
                          stages.inference("b", Task.APOLOGY))
    assert sentiment._model_identifier == apology._model_identifier == "model:preset-b"
    assert stages.inference("a", Task.SENTIMENT)._model_identifier == "model:preset-a"
    assert (sentiment._stage, apology._stage) == (Stage.INFERENCE, Stage.APOLOGY)
    assert sentiment._handler.get_metrics_namespace() == "gemma_sentiment_b"
    assert sentiment._handler.engine_settings == apology._handler.engine_settings


def test_handlers_sharing_a_model_must_build_the_same_engine():
    """A factory that gives one arm's passes different engine settings (here the apology
    pass another sampler) is refused when the pipeline is built, naming the setting: they
    would share whichever engine loaded first."""
    def factory(preset, task, arm, opts):
        if task == Task.APOLOGY:
            opts = PipelineOptions(["--model", preset, "--sampler", "top_k"]).view_as(
                ChatPipelineOptions)
        return default_handler_factory(preset, task, arm, opts)

    stages = ArmStages(_opts(), factory)
    stages.inference("a", Task.SENTIMENT)
    with pytest.raises(ValueError, match="model:preset-a.*sampler"):
        stages.inference("a", Task.APOLOGY)


def test_an_ab_test_of_prompts_alone_shares_one_model_between_the_arms():
    """--model_b equal to --model (prompts compared, not models): both arms' stages name one
    model, so a worker loads it once."""
    stages = ArmStages(_opts("--model_b", "preset-a", "--ab_split", "0.5", "--ab_stage", "all",
                             "--prompt_version_b", "v2"), default_handler_factory)
    identifiers = {stages.inference(arm, task)._model_identifier
                   for arm in ("a", "b") for task in Task}
    assert identifiers == {"model:preset-a"}
    assert (stages.prompt_set("a").version, stages.prompt_set("b").version) == ("v4", "v2")


def test_arms_given_as_arm_flags_run_their_presets_and_prompt_versions():
    """Three --arm flags: the first is the control (the only sentiment arm under --ab_stage
    apology), every arm drafts, and each runs its own preset and prompt version; two arms on
    one preset share one model identifier."""
    stages = ArmStages(_opts("--arm", "ctl=preset-a", "--arm", "new=preset-a,prompt_version=v2",
                             "--arm", "big=preset-c,weight=2"), default_handler_factory)
    assert stages.sentiment_arms == ("ctl",)
    assert stages.apology_arms == ("ctl", "new", "big")
    assert [s.weight for s in stages.specs] == [1.0, 1.0, 2.0]
    assert [stages.prompt_set(a).version for a in stages.apology_arms] == ["v4", "v2", "v4"]
    assert {a: stages.inference(a, Task.APOLOGY)._model_identifier
            for a in stages.apology_arms} == {"ctl": "model:preset-a", "new": "model:preset-a",
                                              "big": "model:preset-c"}
    assert stages.inference("big", Task.SENTIMENT)._handler.get_metrics_namespace() == \
        "gemma_sentiment_big"
