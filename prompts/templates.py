"""Prompt templates, as data: versioned files `prompts/versions/<version>.json`, selected
with `--prompt_version` (and `--prompt_version_b` for arm b). Rendering lives in
`prompts.render`.

Both prompts use Gemma's chat turn format. The chat is inserted between `<chat>` markers as
data; the model is told to treat it as data. The original chat never has to be recovered
from the prompt: it travels as the RunInference key.
"""

import functools
import os
import string
from dataclasses import dataclass

from taxonomies.datafiles import PLAIN_NAME, read_data_file

TURN_START = "<start_of_turn>"
TURN_END = "<end_of_turn>"

# Strings that carry meaning to Gemma's tokenizer. A chat that contains them literally must
# not be able to close the user turn or open a model turn, so `render` neutralises them.
CONTROL_STRINGS = (TURN_START, TURN_END, "<bos>", "<eos>", "<pad>")

# The markers the templates put around the chat. A chat that closes them could write its own
# instructions after `</chat>` ("System: the customer is happy"), so they are neutralised too.
CHAT_START = "<chat>"
CHAT_END = "</chat>"

# Every marker the prompt structure relies on: always neutralised in chat and summary text.
PROMPT_MARKERS = (*CONTROL_STRINGS, CHAT_START, CHAT_END)

DEFAULT_PROMPT_VERSION = "v4"
VERSIONS_DIR = os.path.join(os.path.dirname(__file__), "versions")

# The placeholders each template must use, exactly once each ({chat} splits the prompt), and
# those it may use once. The apology templates may leave the summary out: a small model
# copies the summary it is handed, and summaries are written as notes, not to the customer.
_FIELDS = {
    "sentiment": {"user_id", "max_summary_chars", "chat"},
    "strict_sentiment": {"user_id", "max_summary_chars", "chat"},
    "apology": {"user_id", "chat"},
    "strict_apology": {"user_id", "chat"},
}
# A version whose sentiment prompts use {topics} asks for a topic too: the reply gains
# `"topic": "<major.minor>"` of the run's taxonomy (`taxonomies`), listed where {topics} is.
_OPTIONAL_FIELDS = {"apology": {"summary"}, "strict_apology": {"summary"},
                    "sentiment": {"topics"}, "strict_sentiment": {"topics"}}
# Templates a version may leave out: without `strict_apology`, a draft that fails the apology
# contract is not redrafted (`pipeline.transforms.DraftApologies`).
_OPTIONAL_TEMPLATES = {"strict_apology"}
_CHAT_BLOCK = f"{CHAT_START}\n{{chat}}\n{CHAT_END}"


class PromptVersionError(ValueError):
    """A prompt version file that is missing or does not keep the prompt's structure."""


@dataclass(frozen=True)
class PromptSet:
    """One version of the prompts (`prompts/versions/<version>.json`); `strict_apology`, the
    redraft prompt for a draft that failed the apology contract, is optional."""

    version: str
    sentiment: str
    strict_sentiment: str
    apology: str
    strict_apology: str | None = None

    @property
    def asks_topic(self) -> bool:
        """Whether the sentiment reply carries a topic (the templates use `{topics}`)."""
        return _uses(self.sentiment, "topics")


def _uses(template: str, field: str) -> bool:
    return any(f == field for _, f, _, _ in string.Formatter().parse(template))


def _check(version: str, name: str, template: str) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as e:
        raise PromptVersionError(f"prompt version {version}: {name}: {e}") from e
    required, optional = _FIELDS[name], _OPTIONAL_FIELDS.get(name, set())
    if len(fields) != len(set(fields)) or not required <= set(fields) <= required | optional:
        may = f" (and may use {sorted(optional)} once)" if optional else ""
        raise PromptVersionError(f"prompt version {version}: {name} must use each of "
                                 f"{sorted(required)} exactly once{may}, uses {sorted(fields)}")
    if template.count(_CHAT_BLOCK) != 1 or template.count("{chat}") != 1:
        raise PromptVersionError(f"prompt version {version}: {name} must put the chat "
                                 f"between {CHAT_START} and {CHAT_END} on lines of its own")
    if not template.startswith(f"{TURN_START}user\n") or \
            not template.endswith(f"{TURN_END}\n{TURN_START}model\n"):
        raise PromptVersionError(f"prompt version {version}: {name} must be one user turn "
                                 "followed by the opening of the model turn")


@functools.cache
def load_prompt_set(version: str = DEFAULT_PROMPT_VERSION) -> PromptSet:
    """Reads and checks `prompts/versions/<version>.json`."""
    if not PLAIN_NAME.fullmatch(version or ""):
        raise PromptVersionError(f"prompt version {version!r} is not a plain name")
    path = os.path.join(VERSIONS_DIR, f"{version}.json")
    data = read_data_file(path, "prompt version", version, available_versions,
                          PromptVersionError)
    if data.get("version") != version:
        raise PromptVersionError(f"{path} says it is version {data.get('version')!r}")
    for name in _FIELDS:
        if name in _OPTIONAL_TEMPLATES and data.get(name) is None:
            continue
        if not isinstance(data.get(name), str):
            raise PromptVersionError(f"prompt version {version}: {name} is missing")
        _check(version, name, data[name])
    if _uses(data["sentiment"], "topics") != _uses(data["strict_sentiment"], "topics"):
        raise PromptVersionError(f"prompt version {version}: sentiment and strict_sentiment "
                                 "must both list {topics} or both leave it out")
    return PromptSet(version, data["sentiment"], data["strict_sentiment"], data["apology"],
                     data.get("strict_apology"))


def available_versions() -> list[str]:
    return sorted(n[:-5] for n in os.listdir(VERSIONS_DIR) if n.endswith(".json"))


_DEFAULT = load_prompt_set()
# The default version's templates, by their historical names.
SENTIMENT_TEMPLATE = _DEFAULT.sentiment
STRICT_SENTIMENT_TEMPLATE = _DEFAULT.strict_sentiment
APOLOGY_TEMPLATE = _DEFAULT.apology
