"""The A/B arms' stages: which arms run which pass, and one engine per shared model."""

from __future__ import annotations

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from handlers.generation import Task
from pipeline.options import ChatPipelineOptions
from pipeline.pipeline import ArmStages, default_handler_factory
from pipeline.schemas import Arm, Stage


def _opts(*argv) -> ChatPipelineOptions:
    return PipelineOptions(["--model", "preset-a", *argv]).view_as(ChatPipelineOptions)


@pytest.mark.parametrize(("argv", "sentiment", "apology"), [
    ((), (Arm.A,), (Arm.A,)),
    (("--model_b", "preset-b", "--ab_split", "0.5"), (Arm.A,), (Arm.A, Arm.B)),
    (("--model_b", "preset-b", "--ab_split", "0.5", "--ab_stage", "all"), (Arm.A, Arm.B),
     (Arm.A, Arm.B)),
])
def test_arm_b_drafts_apologies_and_analyses_sentiment_only_with_ab_stage_all(
        argv, sentiment, apology):
    """Without --model_b only arm a runs; with it arm b drafts apologies for its users, and
    analyses their sentiment too under --ab_stage all."""
    stages = ArmStages(_opts(*argv), default_handler_factory)
    assert (stages.sentiment_arms, stages.apology_arms) == (sentiment, apology)


def test_an_arms_passes_share_one_model_and_name_their_error_stage():
    """Both passes of an arm use one model identifier (one load per worker), the handler's
    metrics are per task and arm, and a failed inference names the pass's stage."""
    stages = ArmStages(_opts("--model_b", "preset-b", "--ab_split", "0.5"),
                       default_handler_factory)
    sentiment, apology = (stages.inference(Arm.B, Task.SENTIMENT),
                          stages.inference(Arm.B, Task.APOLOGY))
    assert sentiment._model_identifier == apology._model_identifier == "model:preset-b"
    assert stages.inference(Arm.A, Task.SENTIMENT)._model_identifier == "model:preset-a"
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
    stages.inference(Arm.A, Task.SENTIMENT)
    with pytest.raises(ValueError, match="model:preset-a.*sampler"):
        stages.inference(Arm.A, Task.APOLOGY)


def test_an_ab_test_of_prompts_alone_shares_one_model_between_the_arms():
    """--model_b equal to --model (prompts compared, not models): both arms' stages name one
    model, so a worker loads it once."""
    stages = ArmStages(_opts("--model_b", "preset-a", "--ab_split", "0.5", "--ab_stage", "all",
                             "--prompt_version_b", "v2"), default_handler_factory)
    identifiers = {stages.inference(arm, task)._model_identifier
                   for arm in (Arm.A, Arm.B) for task in Task}
    assert identifiers == {"model:preset-a"}
    assert (stages.prompt_set(Arm.A).version, stages.prompt_set(Arm.B).version) == ("v4", "v2")
