"""The Dataflow job that `docker/submit_dataflow.sh` submits, built offline.

The flags are the script's own (a `python` on PATH records what the script runs), they go
through the real `pipeline.run` with Beam's `--dry_run=True` (built, not submitted; the
script's documented extra flag), and the worker environment comes from Beam's own
`DataflowApplicationClient.create_job_description`, the step a real submission runs next,
with only file staging stubbed out (no network).
"""

import os
import subprocess

import pytest

from pipeline.pipeline import run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUBMIT = os.path.join(ROOT, "docker", "submit_dataflow.sh")

IMAGE = "us-docker.pkg.dev/my-project/chat-pipeline/worker:1.0"
SUBMIT_ENV = {
    "PROJECT": "my-project",
    "REGION": "us-central1",
    "BUCKET": "my-bucket",
    "IMAGE": IMAGE,
    "MODEL": "gs://my-bucket/models/gemma2_instruct_2b_en",
}
ACCELERATOR = "worker_accelerator=type:nvidia-l4;count:1;install-nvidia-driver"

# Records its arguments, NUL-separated (an argument may hold spaces or semicolons).
_RECORDING_PYTHON = '#!/bin/sh\nprintf "%s\\0" "$@" > "$ARGV_RECORD"\n'


@pytest.fixture(scope="module")
def submitted_argv(tmp_path_factory) -> list[str]:
    """The pipeline flags `docker/submit_dataflow.sh --dry_run=True` passes to
    `python -m pipeline`."""
    tmp = tmp_path_factory.mktemp("submit")
    (tmp / "bin").mkdir()
    shim = tmp / "bin" / "python"
    shim.write_text(_RECORDING_PYTHON)
    shim.chmod(0o755)
    record = tmp / "argv"
    env = {**os.environ, **SUBMIT_ENV, "ARGV_RECORD": str(record),
           "PATH": f"{tmp / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", SUBMIT, "--dry_run=True"], env=env, check=True, timeout=60)
    argv = record.read_bytes().decode("utf-8").split("\0")[:-1]
    assert argv[:2] == ["-m", "pipeline"], argv
    return argv[2:]


@pytest.fixture(scope="module")
def job(submitted_argv):
    return run(submitted_argv).job


@pytest.fixture(scope="module")
def environment(job, submitted_argv):
    """The worker environment Dataflow would receive for this job."""
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.dataflow.internal import apiclient

    staged = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(apiclient.DataflowApplicationClient, "stage_file_with_retry",
                   lambda self, folder, name, stream, total_size=None: staged.append(name))
        # The client's own options only choose credentials: none, so no metadata-server
        # lookups. The environment is built from the job's options.
        client = apiclient.DataflowApplicationClient(
            PipelineOptions([*submitted_argv, "--no_auth"]))
        client.create_job_description(job)
    assert "pipeline.pb" in staged
    return job.proto.environment


def test_job_is_streaming(job):
    """The job is a streaming job."""
    from google.cloud import dataflow

    assert job.proto.type_ == dataflow.JobType.JOB_TYPE_STREAMING


def test_job_requests_the_gpu(environment):
    """The script's accelerator service option reaches the job environment."""
    assert ACCELERATOR in list(environment.service_options)


def test_job_uses_the_container_and_machine_type(environment):
    """Workers run the custom GPU image on a g2 machine with room for the model, at most four
    of them, four harness threads each."""
    pool = environment.worker_pools[0]
    assert pool.machine_type == "g2-standard-8"
    assert pool.disk_size_gb == 100
    assert pool.autoscaling_settings.max_num_workers == 4
    assert pool.num_threads_per_worker == 4
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
