"""Package definition installed on Dataflow workers and locally.

The pins here are the single source of truth: the Dockerfile installs this package, and
`tests/unit/test_packaging.py` checks that the Dockerfile's own pins match these.
"""

import setuptools

BEAM_VERSION = "2.77.0"

# keras-hub is installed on its own with `pip install --no-deps` (the Makefile and the
# Dockerfile do it, with this pin): its requirement `tensorflow-text` brings TensorFlow, 2.1 GB
# of the virtualenv, for tf.data pipelines this project never runs. On JAX, keras-hub's
# SentencePiece tokenizer runs on the `sentencepiece` package (keras-hub itself leaves
# tensorflow-text out on Windows); the one check in the way is in
# `handlers.keras_hub_compat.load_causal_lm`. keras-hub's other requirements are below. By hand:
# `pip install -e . && pip install --no-deps keras-hub==0.32.0` (`pip check` then says
# keras-hub wants tensorflow-text: expected).
KERAS_HUB = "keras-hub==0.32.0"

REQUIRED = [
    f"apache-beam[gcp]=={BEAM_VERSION}",
    "keras==3.15.1",
    "jax==0.10.2",
    "google-cloud-pubsub==2.44.0",
    "google-cloud-bigquery==3.47.0",
    "pydantic==2.14.4",
    "sentencepiece==0.2.3",
    # keras-hub 0.32.0's requirements but tensorflow-text (see KERAS_HUB).
    "absl-py==2.5.1",
    "kagglehub==1.0.2",
    "kagglesdk==0.1.28",
    "numpy==2.4.6",
    "packaging==26.4",
    "regex==2026.12.2",
    "rich==15.0.0",
    "tokenizers==0.23.3",
]

EXTRAS = {
    # The worker image installs jax with CUDA 12 wheels; locally the CPU build is used.
    "gpu": [
        "jax[cuda12]==0.10.2",
    ],
    "test": [
        "pytest==9.2.0",
        "hypothesis==6.170.17",
        "ruff==0.17.6",
        "selenium==4.51.0",
    ],
    # `python -m review serve` (the review web app) and `python -m evaluate` (the report):
    # not on workers.
    # waitress: the review app's production WSGI server (pure Python, any OS).
    "review": [
        "flask==3.1.3",
        "waitress==3.0.2",
        "matplotlib",
    ],
    "bench": [
        "matplotlib",
    ],
    # `python -m builders.gemma_gguf`: reads and dequantizes the Gemma 3 270M GGUF from PyPI.
    "demo": [
        "gguf==0.19.0",
    ],
}

setuptools.setup(
    name="gemma-chat-pipeline",
    version="0.1.0",
    description="Streaming customer-support chat analysis with Gemma on Apache Beam",
    python_requires=">=3.11,<3.12",
    # What workers run, and what the Dockerfile copies (tests/unit/test_packaging.py checks
    # both). The tools (tuning/, builders/, review/, evaluate/, bench/, local/) run from a
    # checkout.
    packages=setuptools.find_packages(include=["pipeline", "pipeline.*", "handlers",
                                               "handlers.*", "prompts", "prompts.*",
                                               "taxonomies"]),
    # The prompt versions and the topic taxonomies are data files the workers read.
    package_data={"prompts": ["versions/*.json"], "pipeline": ["data/*.json"],
                  "taxonomies": ["*.json"]},
    install_requires=REQUIRED,
    extras_require=EXTRAS,
)
