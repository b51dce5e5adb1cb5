"""Pure functions that turn validated chats into model prompts."""

import functools
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from prompts import templates
from taxonomies import load_taxonomy

__all__ = [
    "Prompt",
    "first_marker",
    "neutralise",
    "neutralise_control_strings",
    "render_apology_prompt",
    "render_sentiment_prompt",
    "render_topics",
]

# Breaking a marker only inserts characters, so a pass cannot re-form a marker out of the
# pieces around it; more passes only matter for overlapping occurrences or markers that
# contain spaces. A marker still present after this many passes cannot be broken this way.
_MAX_PASSES = 8

# An opening bracket followed by a non-space character: how every markup-shaped special
# piece (`<start_of_turn>`, `<unused0>`, `[multimodal]`) begins.
_MARKUP_OPENER = re.compile(r"([<\[])(?=\S)")


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


def _trie_regex(node: dict) -> str:
    """The regex of a character trie (key "" marks a word's end). Prefixes are shared, so the
    regex engine checks a few characters per position instead of every marker (a Gemma 3
    tokenizer has thousands of `<unusedN>` pieces); greedy groups make the longest match win."""
    alternatives = [re.escape(ch) + _trie_regex(child)
                    for ch, child in sorted(node.items()) if ch]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?:{body})?" if "" in node else body


@functools.lru_cache(maxsize=32)
def _marker_pattern(markers: tuple[str, ...]) -> re.Pattern | None:
    """One pattern matching any of the markers, compiled once per marker tuple."""
    trie: dict = {}
    for marker in filter(None, markers):
        if len(marker) < 2:
            raise ValueError(f"cannot neutralise a one-character marker: {marker!r}")
        node = trie
        for ch in marker:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(_trie_regex(trie)) if trie else None


# Patterns by marker tuple identity: the engine passes the same tuple of thousands of pieces
# for every prompt, and hashing it for the lru_cache on each call would cost more than the
# scan. The tuple is kept with its pattern, so its id cannot be reused while cached.
_BY_IDENTITY: dict[int, tuple[tuple[str, ...], re.Pattern | None]] = {}


def _pattern_for(markers: Iterable[str]) -> re.Pattern | None:
    if not isinstance(markers, tuple):
        markers = tuple(markers)
    cached = _BY_IDENTITY.get(id(markers))
    if cached is not None and cached[0] is markers:
        return cached[1]
    pattern = _marker_pattern(markers)
    if len(_BY_IDENTITY) >= 64:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[id(markers)] = (markers, pattern)
    return pattern


def _break(match: re.Match) -> str:
    marker = match.group()
    return marker[0] + " " + marker[1:]


def first_marker(text: str, markers: Iterable[str]) -> str | None:
    """The first marker `text` spells (longest at its position), or None: exactly what
    `neutralise` with the same markers would break, with the same cached pattern. For text
    that must stay as written, so is refused rather than changed (a training target: the
    reply a reviewer approved, the model's summary; `tuning.examples`)."""
    pattern = _pattern_for(markers)
    found = pattern.search(text) if pattern is not None and text else None
    return None if found is None else found.group()


def neutralise(text: str, markers: Iterable[str]) -> str:
    """Breaks every occurrence of each marker so the text no longer contains any of them.

    A space goes after the marker's first character (`</chat>` becomes `< /chat>`,
    `<end_of_turn>` becomes `< end_of_turn>`): a reader still sees what was written, but the
    tokenizer no longer matches a special piece and the prompt keeps one `</chat>`. Passes
    repeat until no marker remains, so a crafted `<</chat>/chat>` cannot leave one behind.

    Pass the same tuple on every call (the engine computes it once per tokenizer): its
    pattern is compiled once and cached, and a text with no marker is one regex scan.

    Raises:
        ValueError: a marker of one character, or one that breaking cannot remove.
    """
    pattern = _pattern_for(markers)
    if pattern is None or not text:
        return text
    for _ in range(_MAX_PASSES):
        if pattern.search(text) is None:
            return text
        text = pattern.sub(_break, text)
    found = pattern.search(text)
    if found is not None:
        raise ValueError(f"marker {found.group()!r} survives {_MAX_PASSES} passes of "
                         "neutralise: it cannot be broken by inserting a space")
    return text


def neutralise_control_strings(text: str) -> str:
    """Breaks the prompt's own markers inside user text: Gemma's turn and control strings
    and the template's `<chat>`/`</chat>` (`templates.PROMPT_MARKERS`), so a chat can neither
    end the user turn nor close the chat and write its own instructions."""
    return neutralise(text, templates.PROMPT_MARKERS)


def _with_prompt_markers(markers: Iterable[str]) -> tuple[str, ...]:
    extra = tuple(markers)
    return (*templates.PROMPT_MARKERS, *extra) if extra else templates.PROMPT_MARKERS


def _chat_text(chat_message: str, markers: tuple[str, ...]) -> str:
    return neutralise(chat_message.strip("\n"), markers)


def _split_render(template: str, chat: str, **fields) -> Prompt:
    head, tail = template.split("{chat}")
    return Prompt(head.format(**fields), chat, tail.format(**fields))


def render_sentiment_prompt(
    chat_message: str,
    user_id: int,
    max_summary_chars: int,
    strict: bool = False,
    markers: Iterable[str] = (),
    prompt_set: templates.PromptSet | None = None,
    topics: Sequence[str] | None = None,
) -> Prompt:
    """Renders the sentiment + summary (+ topic) prompt for one chat.

    Args:
        chat_message: the chat, inserted as data between `<chat>` and `</chat>`.
        user_id: the customer.
        max_summary_chars: the summary limit the prompt states.
        strict: the stricter retry prompt.
        markers: extra strings to neutralise in the chat, on top of the prompt's own
            markers: the tokenizer's special pieces (`handlers.special_pieces`).
        prompt_set: the prompt version (default: `templates.DEFAULT_PROMPT_VERSION`).
        topics: the taxonomy's labels (`taxonomies.Taxonomy.labels`), listed where the
            version's template has `{topics}` (None: the default taxonomy's).

    Raises:
        ValueError: the version asks for a topic and `topics` is empty.
    """
    prompt_set = prompt_set or templates.load_prompt_set()
    template = prompt_set.strict_sentiment if strict else prompt_set.sentiment
    fields = {}
    if prompt_set.asks_topic:
        if topics is None:
            topics = load_taxonomy().labels
        if not topics:
            raise ValueError(f"prompt version {prompt_set.version} asks for a topic: "
                             "pass the taxonomy's labels")
        fields["topics"] = render_topics(topics)
    return _split_render(
        template,
        _chat_text(chat_message, _with_prompt_markers(markers)),
        user_id=user_id,
        max_summary_chars=max_summary_chars,
        **fields,
    )


def render_topics(topics: Sequence[str]) -> str:
    """The topic list as the prompt shows it, grouped by major category in taxonomy order:
    `delivery: late, not_arrived; order: wrong_item` for the labels `delivery.late`,
    `delivery.not_arrived`, `order.wrong_item` (a third fewer tokens than every label in
    full: the list is in every sentiment prompt)."""
    groups: dict[str, list[str]] = {}
    for label in topics:
        major, _, minor = label.partition(".")
        groups.setdefault(major, []).append(minor)
    return "; ".join(f"{major}: {', '.join(minors)}" for major, minors in groups.items())


def render_apology_prompt(
    chat_message: str, user_id: int, summary: str, markers: Iterable[str] = (),
    prompt_set: templates.PromptSet | None = None, strict: bool = False,
) -> Prompt:
    """Renders the apology-draft prompt for one negative chat (`strict`: the redraft prompt
    for a draft that failed the apology contract; a version without one raises ValueError).
    A version's template may leave the summary out; then it is not rendered.

    The summary sits in the prompt's head, outside the part the engine neutralises with the
    tokenizer's pieces, and it is model output that a chat may have steered. So besides the
    markers, every `<` or `[` followed by a non-space in it gets a space (`<unused0>` becomes
    `< unused0>`): no markup-shaped special piece of any tokenizer survives, whether or not
    `markers` names it. Only the prompt changes; records keep the summary as generated.
    """
    markers = _with_prompt_markers(markers)
    summary = _MARKUP_OPENER.sub(r"\1 ", neutralise(summary, markers))
    prompt_set = prompt_set or templates.load_prompt_set()
    template = prompt_set.strict_apology if strict else prompt_set.apology
    if template is None:
        raise ValueError(f"prompt version {prompt_set.version} has no strict_apology prompt")
    return _split_render(
        template,
        _chat_text(chat_message, markers),
        user_id=user_id,
        summary=summary,
    )
