"""Pure functions that turn validated chats into model prompts."""

from typing import NamedTuple

from prompts import templates

__all__ = [
    "Prompt",
    "neutralise_control_strings",
    "render_apology_prompt",
    "render_sentiment_prompt",
]


class Prompt(NamedTuple):
    """A rendered prompt in three parts, so the model side can shorten only the chat.

    `head + chat + tail` is the full prompt text. When a prompt is longer than the model's
    budget, the handler drops tokens from the start of `chat` (keeping the end of the
    conversation, where the outcome usually is) and never touches the instructions.
    """

    head: str
    chat: str
    tail: str

    @property
    def text(self) -> str:
        return self.head + self.chat + self.tail


def _split_render(template: str, chat: str, **fields) -> Prompt:
    head, tail = template.split("{chat}")
    return Prompt(head.format(**fields), chat, tail.format(**fields))


def neutralise_control_strings(text: str) -> str:
    """Breaks Gemma control strings inside user text so they tokenize as plain text.

    `<end_of_turn>` becomes `< end_of_turn>`: a reader still sees what was written, but the
    tokenizer no longer matches the special token, so a chat cannot end the user turn.
    """
    for marker in templates.CONTROL_STRINGS:
        if marker in text:
            text = text.replace(marker, "< " + marker[1:])
    return text


def render_sentiment_prompt(
    chat_message: str, user_id: int, max_summary_chars: int, strict: bool = False
) -> Prompt:
    """Renders the sentiment + summary prompt for one chat."""
    template = templates.STRICT_SENTIMENT_TEMPLATE if strict else templates.SENTIMENT_TEMPLATE
    return _split_render(
        template,
        neutralise_control_strings(chat_message.strip("\n")),
        user_id=user_id,
        max_summary_chars=max_summary_chars,
    )


def render_apology_prompt(chat_message: str, user_id: int, summary: str) -> Prompt:
    """Renders the apology-draft prompt for one negative chat."""
    return _split_render(
        templates.APOLOGY_TEMPLATE,
        neutralise_control_strings(chat_message.strip("\n")),
        user_id=user_id,
        summary=neutralise_control_strings(summary),
    )
