"""What enters and leaves the pipeline, as pydantic models, plus the BigQuery schemas.

`SentimentReply` is the single definition of the model's reply: the reply parser validates
against it, and the constrained decoder (handlers/constrained.py) is built from
`reply_constraint_spec()`, which reads the same definition, so the two cannot drift.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

INT64_MAX = 2**63 - 1
DEFAULT_MAX_SUMMARY_CHARS = 256

SENTIMENT_VALUES: tuple[int, ...] = (1, 0, -1)
# JSON key order the model is asked for, and the order the constrained decoder enforces.
REPLY_KEYS: tuple[str, ...] = ("sentiment", "summary")

Stage = Literal["parse", "dedup", "prompt", "inference", "reply", "apology", "write", "publish"]
ReviewReason = Literal["negative", "low_confidence"]


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
        return value


class SentimentReply(BaseModel):
    """The model's reply to the sentiment prompt.

    `sentiment` accepts an int or a numeric string ("-1"); anything outside
    `SENTIMENT_VALUES` is rejected. `summary` is bounded by `max_summary_chars`, passed as
    validation context (default `DEFAULT_MAX_SUMMARY_CHARS`).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    sentiment: int
    summary: StrictStr

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


def reply_constraint_spec(max_summary_chars: int) -> dict[str, Any]:
    """The reply grammar's parameters, read from `SentimentReply` and the constants above."""
    assert tuple(SentimentReply.model_fields) == REPLY_KEYS
    return {
        "keys": REPLY_KEYS,
        "sentiment_values": SENTIMENT_VALUES,
        "max_summary_chars": max_summary_chars,
    }


class _OutputBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chat_id: int
    user_id: int
    chat_message: str
    sentiment: int
    summary: str
    sentiment_confidence: float | None = None
    model_variant: str = "a"
    prompt_version: str | None = None
    prompt_tokens: int | None = None
    generated_tokens: int | None = None
    inference_ms: float | None = None
    truncated: bool = False
    message_id: str | None = None
    processed_at: str


class ResultRow(_OutputBase):
    """A positive or neutral chat, as written to BigQuery (`--output_table`)."""


class ReviewRecord(_OutputBase):
    """A chat for a human to review, with the apology draft (`--review_topic`)."""

    review_reason: ReviewReason
    apology_draft: str


class ErrorRecord(BaseModel):
    """Anything that could not be processed, with the stage and a human-readable reason.
    `raw` is cut at 64 Ki characters; `raw_sha256` is the digest of the whole payload."""

    model_config = ConfigDict(extra="forbid")

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


def _bq_field(name: str, type_: str, mode: str = "NULLABLE") -> dict[str, str]:
    return {"name": name, "type": type_, "mode": mode}


_OUTPUT_FIELDS = [
    _bq_field("chat_id", "INT64", "REQUIRED"),
    _bq_field("user_id", "INT64", "REQUIRED"),
    _bq_field("chat_message", "STRING", "REQUIRED"),
    _bq_field("sentiment", "INT64", "REQUIRED"),
    _bq_field("summary", "STRING", "REQUIRED"),
    _bq_field("sentiment_confidence", "FLOAT64"),
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
