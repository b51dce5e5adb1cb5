"""Prompt templates (data) and pure render functions."""

from prompts.render import (
    Prompt,
    neutralise,
    neutralise_control_strings,
    render_apology_prompt,
    render_sentiment_prompt,
)

__all__ = [
    "Prompt",
    "neutralise",
    "neutralise_control_strings",
    "render_apology_prompt",
    "render_sentiment_prompt",
]
