"""The pipeline's Beam metrics: one namespace, metric objects cached by name."""

from __future__ import annotations

import functools

import apache_beam as beam

__all__ = ["NAMESPACE", "counter", "distribution"]

NAMESPACE = "chat_pipeline"


@functools.cache
def counter(name: str):
    """A Beam counter in the pipeline's namespace. Cached: hot paths name metrics per
    element, and the delegating metric object finds the current container at update time."""
    return beam.metrics.Metrics.counter(NAMESPACE, name)


@functools.cache
def distribution(name: str):
    """A Beam distribution in the pipeline's namespace (cached like `counter`)."""
    return beam.metrics.Metrics.distribution(NAMESPACE, name)
