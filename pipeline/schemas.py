"""What enters and leaves the pipeline, as pydantic models, plus the BigQuery schemas.

`SentimentReply` is the single definition of the model's reply: the reply parser validates
against it, and the constrained decoder (handlers/constrained.py) is built from
`reply_constraint_spec()`, which reads the same definition, so the two cannot drift.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from handlers.constrained import ReplySpec
from pipeline.arms import ARM_NAME, CONTROL

INT64_MAX = 2**63 - 1
DEFAULT_MAX_SUMMARY_CHARS = 256

SENTIMENT_VALUES: tuple[int, ...] = (1, 0, -1)
# JSON key order the model is asked for, and the order the constrained decoder enforces.
REPLY_KEYS: tuple[str, ...] = ("sentiment", "summary")
# The third key, when the prompt version asks for a topic (`taxonomies`): a `major.minor`
# label of the run's taxonomy, the grammar allowing no other.
TOPIC_KEY = "topic"



class Stage(StrEnum):
    """Where a record failed: the `stage` of an error record."""

    READ = "read"              # an input file that could not be read to its end
    PARSE = "parse"            # not a valid chat
    DEDUP = "dedup"            # a chat id reused with other content
    PROMPT = "prompt"          # the prompt could not be built
    INFERENCE = "inference"    # the sentiment pass failed for this chat alone
    REPLY = "reply"            # the sentiment reply stayed malformed after a retry
    APOLOGY = "apology"        # the apology pass failed, or drafted nothing
    WRITE = "write"            # BigQuery refused the row
    PUBLISH = "publish"        # Pub/Sub refused the message
    FEEDBACK = "feedback"      # a reviewer's decision that is not a valid feedback record


def arm_of(record: dict[str, Any]) -> str:
    """A record's arm: its `model_variant`, arm a when it names none (records from before A/B)."""
    return record.get("model_variant") or CONTROL


# The id and arm types of every record that is decided on and learned from: a chat's review
# record and the reviewer's feedback on it use these same definitions, so the review queue
# holds nothing the feedback schema would refuse (a decision that fails every try) or that
# tuning could not join back to its record (`"77"` or `9003.0` for 77 or 9003, arm "B c").
ChatId = Annotated[StrictInt, Field(ge=0, le=INT64_MAX)]
ArmName = Annotated[StrictStr, Field(pattern=f"^{ARM_NAME.pattern}$")]
PromptVersion = Annotated[StrictStr, Field(max_length=64)]
# A topic label as a reviewer corrects it: `major.minor` of taxonomy keys (`taxonomies`); the
# review app checks it is a label of its taxonomy.
TopicLabel = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]{0,39}\.[a-z][a-z0-9_]{0,39}$")]

# Characters that draw nothing: controls, format characters (zero-width space and joiners,
# U+2060, BOM), unassigned, private-use and surrogate code points, separators (spaces), and
# marks that only combine with a base character (a lone U+0301).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me"})
# Letters and symbols Unicode counts as visible that fonts draw as blank space: the Hangul
# fillers and the blank braille pattern (favourites for names that look empty).
BLANK_RENDERING = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def has_visible_text(text: str) -> bool:
    """Whether `text` has at least one character a reader can see: one outside the
    categories Cc, Cf, Cn, Co, Cs, Z* (spaces, line and paragraph separators), Mn and Me,
    and not one of the blank-rendering letters (`BLANK_RENDERING`)."""
    for ch in text:
        category = unicodedata.category(ch)
        if (category not in _INVISIBLE_CATEGORIES and category[0] != "Z"
                and ch not in BLANK_RENDERING):
            return True
    return False


def require_visible(text: str, name: str = "text") -> str:
    """`text` itself, when it has a visible character (`has_visible_text`).

    Raises:
        ValueError: naming the field; the text is not repeated (it may be a customer's).
    """
    if not has_visible_text(text):
        raise ValueError(f"{name} has no visible character (only spaces, controls, "
                         "zero-width or combining characters, or blank-rendering letters)")
    return text


def _visible_field(value: str, info: ValidationInfo) -> str:
    return require_visible(value, info.field_name or "text")


# A text a person or the model wrote, checked at the edge: it must show something.
VisibleText = Annotated[StrictStr, AfterValidator(_visible_field)]

ReviewReason = Literal["negative", "low_confidence", "low_topic_confidence"]
# The longest reply a reviewer can send, and so the longest draft they can approve as is.
MAX_REPLY_CHARS = 4000
# A reply (a draft, or what a reviewer approved). The length bound comes before the visible
# check: pydantic refuses a lone surrogate in a length-bounded string, not after a validator.
ReplyText = Annotated[StrictStr, Field(max_length=MAX_REPLY_CHARS),
                      AfterValidator(_visible_field)]


class ChatMessage(BaseModel):
    """One chat as the producer sends it: `{"id": 1, "user_id": 221, "chat_message": "..."}`.

    Types are strict: `"id": "1"` or `"id": true` are producer bugs, not ids. Unknown extra
    fields are ignored so producers can add fields without breaking the pipeline.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[StrictInt, Field(ge=0)]
    user_id: Annotated[StrictInt, Field(ge=0)]
    chat_message: StrictStr

    @field_validator("id", "user_id")
    @classmethod
    def _fits_int64(cls, value: int) -> int:
        if value > INT64_MAX:
            raise ValueError(f"{value} does not fit BigQuery's INT64 (largest {INT64_MAX})")
        return value

    @field_validator("chat_message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("chat_message is empty")
        if "\x00" in value:
            raise ValueError("chat_message contains a NUL character")
        if not has_visible_text(value):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # `decode_chat` names this problem itself
                return value
            require_visible(value, "chat_message")
        return value


class SentimentReply(BaseModel):
    """The model's reply to the sentiment prompt.

    `sentiment` accepts an int or a numeric string ("-1"); anything outside
    `SENTIMENT_VALUES` is rejected. `summary` is bounded by `max_summary_chars`, passed as
    validation context (default `DEFAULT_MAX_SUMMARY_CHARS`). `topic` is required, and must
    be one of them, when the context gives `topics` (the taxonomy's labels: the prompt
    version asks for a topic); without, it is ignored (None).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    sentiment: int
    summary: StrictStr
    # Any: without topics asked, whatever the reply has there is ignored, as extra keys are.
    topic: Any = None

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: Any, info: ValidationInfo) -> str | None:
        topics = (info.context or {}).get("topics") or ()
        if not topics or value is None:
            return None
        if not isinstance(value, str) or value not in topics:
            raise ValueError(f"topic {value!r:.80} is not a label of the taxonomy")
        return value

    @model_validator(mode="after")
    def _topic_when_asked(self, info: ValidationInfo) -> SentimentReply:
        if (info.context or {}).get("topics") and self.topic is None:
            raise ValueError("topic is missing: the prompt asks for one")
        return self

    @field_validator("sentiment", mode="before")
    @classmethod
    def _coerce_sentiment(cls, value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"sentiment must be one of {SENTIMENT_VALUES}, got a boolean")
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(f"sentiment {value!r} is not a number") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or value not in SENTIMENT_VALUES:
            raise ValueError(f"sentiment must be one of {SENTIMENT_VALUES}, got {value!r}")
        return value

    @field_validator("summary")
    @classmethod
    def _bounded_summary(cls, value: str, info: ValidationInfo) -> str:
        limit = (info.context or {}).get("max_summary_chars", DEFAULT_MAX_SUMMARY_CHARS)
        value = value.strip()
        if not value:
            raise ValueError("summary is empty")
        if len(value) > limit:
            raise ValueError(f"summary has {len(value)} characters, more than {limit}")
        return value


def reply_constraint_spec(max_summary_chars: int, topics: tuple[str, ...] = ()) -> ReplySpec:
    """The reply grammar, read from `SentimentReply` and the constants above: the one frozen
    spec the constrained decoder is built from (`topics`: the taxonomy's labels when the
    prompt version asks for a topic)."""
    if tuple(SentimentReply.model_fields) != (*REPLY_KEYS, TOPIC_KEY):
        raise AssertionError(f"SentimentReply's fields {tuple(SentimentReply.model_fields)} "
                             f"are not REPLY_KEYS {REPLY_KEYS} then {TOPIC_KEY!r}")
    return ReplySpec(keys=REPLY_KEYS, sentiment_values=SENTIMENT_VALUES,
                     max_summary_chars=max_summary_chars, topics=tuple(topics),
                     topic_key=TOPIC_KEY)


class _OutputBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chat_id: ChatId
    user_id: ChatId
    chat_message: str
    sentiment: int
    summary: str
    sentiment_confidence: float | None = None
    # The chat's topic (`taxonomies`: `major.minor` split), when the prompt version asks for
    # one, and the label's probability among the taxonomy's (`Generation.topic_confidence`).
    topic_major: str | None = None
    topic_minor: str | None = None
    topic_confidence: float | None = None
    model_variant: ArmName = "a"
    prompt_version: PromptVersion | None = None
    prompt_tokens: int | None = None
    generated_tokens: int | None = None
    inference_ms: float | None = None
    truncated: bool = False
    message_id: str | None = None
    processed_at: str


class ResultRow(_OutputBase):
    """A positive or neutral chat, as written to BigQuery (`--output_table`)."""


class ReviewRecord(_OutputBase):
    """A chat for a human to review, with the apology draft (`--review_topic`).

    Validated as strictly as the `Feedback` a decision on it becomes (the same `ChatId`,
    `ArmName` and `PromptVersion`), and with the labels tuning needs (a sentiment of 1, 0 or
    -1, visible chat, summary and draft): a record that could never be decided, or whose
    decision tuning could not learn from, is refused at the queue's door, not kept pending."""

    sentiment: StrictInt
    review_reason: ReviewReason
    apology_draft: ReplyText
    # The apology contract's failed checks (`pipeline.drafts`), shown to the reviewer; empty
    # when the draft passed. A draft that failed was redrafted once where the prompt version
    # has a redraft prompt (`draft_attempts` 2), and the better of the two is kept.
    draft_problems: list[str] = Field(default_factory=list)
    draft_attempts: Annotated[StrictInt, Field(ge=1, le=2)] = 1
    # Sentences of the model's draft left out because the draft passes without them
    # (`pipeline.elements.trimmed_draft`): they said what the chat does not. As many as the
    # model wrote (a looping draft has dozens of short lines): bounded only by INT64.
    draft_sentences_dropped: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] = 0
    # The draft's apology is the rules' opener put before a model draft that had none
    # (`pipeline.elements.opened_draft`): not the model's own words, counted apart.
    draft_opener: StrictBool = False

    @field_validator("sentiment")
    @classmethod
    def _known_sentiment(cls, value: int) -> int:
        if value not in SENTIMENT_VALUES:
            raise ValueError(f"sentiment must be one of {SENTIMENT_VALUES}")
        return value

    @field_validator("chat_message", "summary")
    @classmethod
    def _visible(cls, value: str, info: ValidationInfo) -> str:
        return require_visible(value, info.field_name)

    @field_validator("processed_at")
    @classmethod
    def _a_time(cls, value: str) -> str:
        """A time BigQuery takes (the queue sorts by it), kept as written."""
        bigquery_timestamp(value, "processed_at")
        return value


class ErrorRecord(BaseModel):
    """Anything that could not be processed, with the stage and a human-readable reason.
    `raw` is cut at 64 Ki characters; `raw_sha256` is the digest of the whole payload."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    chat_id: int | None = None
    stage: Stage
    reason: str
    raw: str | None = None
    raw_encoding: Literal["utf-8", "base64"] = "utf-8"
    raw_truncated: bool = False
    raw_sha256: str | None = None
    model_variant: str | None = None
    prompt_version: str | None = None
    message_id: str | None = None
    processed_at: str


class Decision(StrEnum):
    """What a reviewer decided on a chat's apology draft."""

    APPROVE = "approve"   # the draft as is, or as edited (`final_reply` differs then)
    REJECT = "reject"     # the draft is not sent; no reply

# A feedback payload holds at most a 4000-character reply (up to 4 bytes each as UTF-8, 6
# as a JSON escape) plus short fields.
MAX_FEEDBACK_BYTES = 64 * 1024
MAX_REVIEWER_CHARS = 200
# A decision time as BigQuery's TIMESTAMP takes it: the local time, and Z or the offset's sign,
# hours and minutes. ASCII digits only, one form of each part (no ISO basic or week forms).
_TIMESTAMP = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}"
                        r"(?:\.[0-9]{1,6})?)(?:Z|([+-])([0-9]{2}):([0-9]{2}))")
_MAX_OFFSET = timedelta(hours=14)  # BigQuery's (ZetaSQL's) range of offsets: -14:00 to +14:00


def bigquery_timestamp(value: str, name: str = "decided_at") -> str:
    """`YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}](Z|+HH:MM|-HH:MM)`, the offset at most 14:00,
    between years 1 and 9999 once in UTC: a time BigQuery's TIMESTAMP takes. Returned as
    the same instant in UTC, as `datetime.isoformat` writes it (`2026-12-01T10:00:00+00:00`,
    the review app's own form and the one a TIMESTAMP comes back as), so copies of one
    decision compare equal whatever offset they were written with; a ValueError naming
    `name` otherwise."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise ValueError(f"{name} {value[:40]!r} is not a time "
                         "YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or a +HH:MM offset")
    local, sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    if int(minutes or 0) > 59 or offset > _MAX_OFFSET:
        raise ValueError(f"{name} {value[:40]!r} has an offset outside -14:00 to "
                         "+14:00 (or minutes over 59)")
    try:
        parsed = datetime.fromisoformat(local).replace(
            tzinfo=timezone(-offset if sign == "-" else offset))
        return parsed.astimezone(UTC).isoformat()
    except OverflowError:  # the UTC time is before year 1 or after 9999
        raise ValueError(f"{name} {value[:40]!r} is outside years 1 to 9999 in "
                         "UTC") from None
    except ValueError as e:  # no such day, hour, ...
        raise ValueError(f"{name} {value[:40]!r} is not a valid time ({e})") from None


class Feedback(BaseModel):
    """A reviewer's decision on one chat, as the review app publishes it (`--feedback_topic`
    or its feedback JSONL) and the pipeline ingests it (`--feedback_subscription`).

    Deciding twice on one chat is allowed: each decision has a per-chat `sequence` (1, 2, ...)
    and the highest one is the chat's current decision. Types are strict, as for chats: a
    producer that sends `"chat_id": "7"` or `"sequence": true` has a bug the error sink shows.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    chat_id: ChatId
    decision: Decision
    corrected_sentiment: StrictInt | None = None
    # The reviewer's topic (`major.minor`) where it differs from the model's; None: kept.
    corrected_topic: TopicLabel | None = None
    final_reply: ReplyText | None = None
    draft_edited: StrictBool = False
    reviewer: Annotated[StrictStr, Field(min_length=1, max_length=MAX_REVIEWER_CHARS)]
    decided_at: StrictStr
    sequence: Annotated[StrictInt, Field(ge=1, le=INT64_MAX)]
    model_variant: ArmName
    prompt_version: PromptVersion | None = None
    # The audit trail: the decision this one replaced (None: the chat's first decision).
    replaces_sequence: Annotated[StrictInt, Field(ge=1, le=INT64_MAX)] | None = None
    replaces_reviewer: Annotated[StrictStr, Field(min_length=1,
                                                  max_length=MAX_REVIEWER_CHARS)] | None = None

    @field_validator("reviewer", "replaces_reviewer")
    @classmethod
    def _printable_name(cls, name: str | None) -> str | None:
        """Printable and visible: the name shows on the queue page and in reports (a Hangul
        filler or a blank braille pattern is printable but shows nothing)."""
        if name is not None and (not name.strip() or not name.isprintable()
                                 or not has_visible_text(name)):
            raise ValueError("reviewer must be a printable, visible name")
        return name

    @field_validator("corrected_sentiment")
    @classmethod
    def _known_sentiment(cls, value: int | None) -> int | None:
        if value is not None and value not in SENTIMENT_VALUES:
            raise ValueError(f"corrected_sentiment must be one of {SENTIMENT_VALUES}")
        return value

    @field_validator("decided_at")
    @classmethod
    def _bigquery_timestamp(cls, value: str) -> str:
        return bigquery_timestamp(value, "decided_at")

    @model_validator(mode="after")
    def _reply_matches_decision(self) -> Feedback:
        if self.decision is Decision.APPROVE and not (self.final_reply or "").strip():
            raise ValueError("final_reply: an approved decision needs the reply it approves")
        if self.decision is Decision.REJECT and self.final_reply is not None:
            raise ValueError("final_reply: a rejected draft sends no reply")
        if self.decision is Decision.REJECT and self.draft_edited:
            raise ValueError("draft_edited: a rejected draft cannot be edited")
        if (self.replaces_sequence is None) != (self.replaces_reviewer is None):
            raise ValueError("replaces_sequence: names the replaced decision together with "
                             "replaces_reviewer")
        if self.replaces_sequence is not None and self.replaces_sequence >= self.sequence:
            raise ValueError("replaces_sequence: a decision replaces an earlier one")
        return self


class FeedbackRow(Feedback):
    """A feedback record as the pipeline writes it (`--feedback_table`, `feedback*.jsonl`)."""

    message_id: str | None = None
    processed_at: str


def _bq_field(name: str, type_: str, mode: str = "NULLABLE") -> dict[str, str]:
    return {"name": name, "type": type_, "mode": mode}


_OUTPUT_FIELDS = [
    _bq_field("chat_id", "INT64", "REQUIRED"),
    _bq_field("user_id", "INT64", "REQUIRED"),
    _bq_field("chat_message", "STRING", "REQUIRED"),
    _bq_field("sentiment", "INT64", "REQUIRED"),
    _bq_field("summary", "STRING", "REQUIRED"),
    _bq_field("sentiment_confidence", "FLOAT64"),
    _bq_field("topic_major", "STRING"),
    _bq_field("topic_minor", "STRING"),
    _bq_field("topic_confidence", "FLOAT64"),
    _bq_field("model_variant", "STRING"),
    _bq_field("prompt_version", "STRING"),
    _bq_field("prompt_tokens", "INT64"),
    _bq_field("generated_tokens", "INT64"),
    _bq_field("inference_ms", "FLOAT64"),
    _bq_field("truncated", "BOOL"),
    _bq_field("message_id", "STRING"),
    _bq_field("processed_at", "TIMESTAMP", "REQUIRED"),
]

RESULT_TABLE_SCHEMA = {"fields": _OUTPUT_FIELDS}

REVIEW_TABLE_SCHEMA = {"fields": [
    *_OUTPUT_FIELDS,
    _bq_field("review_reason", "STRING", "REQUIRED"),
    _bq_field("apology_draft", "STRING", "REQUIRED"),
    _bq_field("draft_problems", "STRING", "REPEATED"),
    _bq_field("draft_attempts", "INT64"),
    _bq_field("draft_sentences_dropped", "INT64"),
    _bq_field("draft_opener", "BOOL"),
]}

FEEDBACK_TABLE_SCHEMA = {"fields": [
    _bq_field("chat_id", "INT64", "REQUIRED"),
    _bq_field("decision", "STRING", "REQUIRED"),
    _bq_field("corrected_sentiment", "INT64"),
    _bq_field("corrected_topic", "STRING"),
    _bq_field("final_reply", "STRING"),
    _bq_field("draft_edited", "BOOL"),
    _bq_field("reviewer", "STRING", "REQUIRED"),
    _bq_field("decided_at", "TIMESTAMP", "REQUIRED"),
    _bq_field("sequence", "INT64", "REQUIRED"),
    _bq_field("model_variant", "STRING", "REQUIRED"),
    _bq_field("prompt_version", "STRING"),
    _bq_field("replaces_sequence", "INT64"),
    _bq_field("replaces_reviewer", "STRING"),
    _bq_field("message_id", "STRING"),
    _bq_field("processed_at", "TIMESTAMP", "REQUIRED"),
]}

ERROR_TABLE_SCHEMA = {
    "fields": [
        _bq_field("chat_id", "INT64"),
        _bq_field("stage", "STRING", "REQUIRED"),
        _bq_field("reason", "STRING", "REQUIRED"),
        _bq_field("raw", "STRING"),
        _bq_field("raw_encoding", "STRING"),
        _bq_field("raw_truncated", "BOOL"),
        _bq_field("raw_sha256", "STRING"),
        _bq_field("model_variant", "STRING"),
        _bq_field("prompt_version", "STRING"),
        _bq_field("message_id", "STRING"),
        _bq_field("processed_at", "TIMESTAMP", "REQUIRED"),
    ]
}
