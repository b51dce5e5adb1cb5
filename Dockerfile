# GPU worker image for Dataflow: CUDA 12, Python 3.11, jax[cuda12], keras-hub, this package,
# and the Beam SDK boot entrypoint from the matching Beam image.
# Build and push: docker/build_push.sh (see README). Pins must equal setup.py's
# (tests/unit/test_packaging.py checks it).
ARG BEAM_VERSION=2.77.0
FROM apache/beam_python3.11_sdk:2.77.0 AS beam

FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04

# Memory rule (README, "Dataflow with GPUs"): one process per worker holds the model
# (--share_model_across_processes auto), runs one batch at a time, and XLA may use 90% of the
# GPU. That 90% must hold the weights, the running batch's working set (KV cache for
# max_batch_size x the largest --length_buckets value, plus activations) and what calls
# abandoned by --inference_timeout_secs still hold (up to four; about one full batch and one
# single chat per hanging chat). No second model copy is ever loaded (Beam's RunInference
# timeout, which reloads the model, is not used).
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    KERAS_BACKEND=jax \
    XLA_PYTHON_CLIENT_MEM_FRACTION=0.90 \
    TF_CPP_MIN_LOG_LEVEL=3

RUN apt-get update \
    && apt-get install -y --no-install-recommends software-properties-common curl ca-certificates \
    && add-apt-repository -y ppa:deadsnakes/ppa \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv python3.11-dev \
    && python3.11 -m ensurepip \
    && ln -sf /usr/bin/python3.11 /usr/local/bin/python \
    && ln -sf /usr/bin/python3.11 /usr/local/bin/python3 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/chat-pipeline
COPY setup.py pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY handlers ./handlers
COPY prompts ./prompts
COPY taxonomies ./taxonomies

# jax with CUDA 12 wheels first, then the package with the same pins as setup.py, then
# keras-hub without its dependencies (no TensorFlow: setup.py's KERAS_HUB says why).
RUN python -m pip install --upgrade pip \
    && python -m pip install "jax[cuda12]==0.10.2" \
    && python -m pip install "apache-beam[gcp]==2.77.0" ".[gpu]" \
    && python -m pip install --no-deps "keras-hub==0.32.0"

# The model: baked in from docker/model/ (optional, filled by docker/build_push.sh --bake DIR),
# or read at run time from GCS with --model gs://bucket/dir.
COPY docker/model /opt/model

# The Beam SDK harness entrypoint, from the Beam image of the same version.
COPY --from=beam /opt/apache/beam /opt/apache/beam
ENTRYPOINT ["/opt/apache/beam/boot"]
