"""Prompt templates (data) and pure render functions."""

from prompts.render import (
    Prompt,
    first_marker,
    neutralise,
    neutralise_control_strings,
    render_apology_prompt,
    render_sentiment_prompt,
)
from prompts.templates import (
    DEFAULT_PROMPT_VERSION,
    PromptSet,
    PromptVersionError,
    available_versions,
    load_prompt_set,
)

__all__ = [
    "DEFAULT_PROMPT_VERSION",
    "Prompt",
    "PromptSet",
    "PromptVersionError",
    "available_versions",
    "first_marker",
    "load_prompt_set",
    "neutralise",
    "neutralise_control_strings",
    "render_apology_prompt",
    "render_sentiment_prompt",
]
