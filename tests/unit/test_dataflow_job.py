"""The Dataflow job, built offline with Beam's --dry_run=True (built, not submitted)."""

import pytest

from pipeline.pipeline import run

IMAGE = "us-docker.pkg.dev/my-project/chat-pipeline/worker:1.0"
ACCELERATOR = "worker_accelerator=type:nvidia-l4;count:1;install-nvidia-driver"


@pytest.fixture(scope="module")
def job():
    argv = [
        "--runner=DataflowRunner",
        "--project=my-project",
        "--region=us-central1",
        "--temp_location=gs://my-bucket/tmp",
        "--streaming",
        "--input_subscription=projects/my-project/subscriptions/chats-sub",
        "--output_table=my-project:chats.results",
        "--review_topic=projects/my-project/topics/chats-review",
        "--error_topic=projects/my-project/topics/chats-errors",
        "--model=gs://my-bucket/models/gemma2_instruct_2b_en",
        f"--sdk_container_image={IMAGE}",
        "--sdk_location=container",
        "--experiments=use_runner_v2",
        f"--dataflow_service_options={ACCELERATOR}",
        "--machine_type=g2-standard-8",
        "--disk_size_gb=100",
        "--dry_run=True",
    ]
    result = run(argv)
    return result.job


@pytest.fixture(scope="module")
def environment(job):
    """The worker environment Dataflow would receive. A dry run stops before the runner
    stages files and attaches it, so it is built here the way `create_job_description`
    does, from the job's own options and pipeline proto (no staging, no network)."""
    from apache_beam.runners.dataflow.internal import apiclient

    return apiclient.Environment(
        packages=[], options=job.options, environment_version="8",
        proto_pipeline_staged_url="gs://my-bucket/staging/pipeline.pb",
        proto_pipeline=job.proto_pipeline).proto


def test_job_is_streaming(job):
    """The job is a streaming job."""
    from google.cloud import dataflow

    assert job.proto.type_ == dataflow.JobType.JOB_TYPE_STREAMING


def test_job_requests_the_gpu(environment):
    """The accelerator service option reaches the job environment."""
    assert ACCELERATOR in list(environment.service_options)


def test_job_uses_the_container_and_machine_type(environment):
    """Workers run the custom GPU image on a g2 machine with room for the model."""
    pool = environment.worker_pools[0]
    assert pool.machine_type == "g2-standard-8"
    assert pool.disk_size_gb == 100
    images = [c.container_image for c in pool.sdk_harness_container_images]
    assert images == [IMAGE]


def test_pipeline_proto_uses_the_container(job):
    """The pipeline's SDK environment is the custom container."""
    payloads = [env.payload for env in job.proto_pipeline.components.environments.values()]
    assert any(IMAGE.encode() in p for p in payloads)


def test_share_model_auto_resolution():
    """auto: shared on Dataflow, not on the local runners."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.options import share_model

    assert share_model(PipelineOptions(["--runner=DataflowRunner"])) is True
    assert share_model(PipelineOptions(["--runner=FnApiRunner"])) is False
    assert share_model(PipelineOptions([])) is False
    assert share_model(PipelineOptions(["--share_model_across_processes=true"])) is True
