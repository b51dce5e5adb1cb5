"""Failures of the model itself, as opposed to failures of one chat."""

__all__ = ["ModelUnavailable"]


class ModelUnavailable(RuntimeError):
    """The model cannot serve any chat right now: it failed to load, it is misconfigured, or
    too many of its calls hung. Not a per-chat failure: the pipeline fails the bundle (the
    runner retries it; a local run stops with this message) instead of turning every chat
    into an error record."""
