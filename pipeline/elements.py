"""Element logic as pure functions. DoFns in `pipeline.transforms` only wrap these.

Every function either returns a value or raises `ValueError` (or pydantic's
`ValidationError`, a `ValueError`) whose message names the field and says what was wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any, NamedTuple

from pydantic import ValidationError

from handlers.generation import Generation
from pipeline import drafts
from pipeline.arms import CONTROL
from pipeline.schemas import (
    ChatMessage,
    ErrorRecord,
    Feedback,
    FeedbackRow,
    ResultRow,
    ReviewRecord,
    SentimentReply,
)

__all__ = [
    "MAX_ERROR_RAW_CHARS",
    "ChatKey",
    "ChatParseError",
    "chat_digest",
    "delivery_verdict",
    "RawChat",
    "decode_chat",
    "FEEDBACK_DELIVERY_FIELDS",
    "decode_feedback",
    "feedback_digest",
    "feedback_row",
    "describe_validation_error",
    "error_for_element",
    "extract_first_json_object",
    "make_error",
    "needs_review_for_confidence",
    "topic_fields",
    "output_row",
    "parse_reply",
    "review_record",
    "Draft",
    "better_draft",
    "check_draft",
    "trimmed_draft",
]

# Raw payloads in error records are cut to this many characters (BigQuery and Pub/Sub both
# cap message size); `raw_truncated` says when that happened.
MAX_ERROR_RAW_CHARS = 64 * 1024


class RawChat(NamedTuple):
    """One input message as read: the bytes, and the Pub/Sub message id when there is one."""

    data: bytes
    message_id: str | None = None


class ChatKey(NamedTuple):
    """What travels as the RunInference key: the validated chat and where it came from."""

    chat_id: int
    user_id: int
    chat_message: str
    message_id: str | None = None
    model_variant: str = CONTROL  # the arm; assigned per user where a run has several
    prompt_version: str | None = None


class ChatParseError(ValueError):
    """A payload that is not a valid chat; `chat_id` is set when one could be read."""

    def __init__(self, reason: str, chat_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.chat_id = chat_id


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, naming the field: `user_id: Input should be a valid integer`."""
    parts = []
    for e in error.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(root)"
        parts.append(f"{loc}: {e['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _best_effort_chat_id(obj: Any, field: str = "id") -> int | None:
    if isinstance(obj, dict):
        value = obj.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
            return value
    return None


# Integer literals longer than this are refused before Python converts them: int("9" * 5000)
# raises a plain ValueError (CPython's int-string limit), and no field of a chat needs more
# than INT64's 19 digits.
MAX_INT_DIGITS = 64
_UTF8_BOM = "\ufeff"


def _parse_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ChatParseError(f"payload has an integer of {digits} digits; the limit is "
                             f"{MAX_INT_DIGITS} (ids are INT64)")
    return int(literal)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if value != value or value in (float("inf"), float("-inf")):
        raise ChatParseError(f"payload has a number out of range ({literal[:32]})")
    return value


def _refuse_constant(name: str) -> None:
    raise ChatParseError(f"payload is not valid JSON ({name} is not a JSON value)")


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float,
                            parse_constant=_refuse_constant)


def _decode_object(data: bytes, max_bytes: int) -> dict[str, Any]:
    """Decodes one JSON-object payload with the strict number rules of `decode_chat`.

    Raises:
        ChatParseError: not bytes, too large, not UTF-8, not JSON, or not an object.
    """
    if not isinstance(data, bytes | bytearray):
        raise ChatParseError(f"payload must be bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise ChatParseError(f"payload is {len(data)} bytes, over the limit of {max_bytes}")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ChatParseError(f"payload is not valid UTF-8 ({e.reason} at byte {e.start})") from None
    text = text.removeprefix(_UTF8_BOM)
    if not text.strip():
        raise ChatParseError("payload is empty")
    try:
        obj = _DECODER.decode(text)
    except ChatParseError:
        raise
    except RecursionError:
        raise ChatParseError("payload is not valid JSON (nested too deeply)") from None
    except json.JSONDecodeError as e:
        raise ChatParseError(f"payload is not valid JSON ({e.msg} at char {e.pos})") from None
    except ValueError as e:  # whatever else the decoder or a number conversion refuses
        raise ChatParseError(f"payload is not valid JSON ({e})") from None
    if not isinstance(obj, dict):
        raise ChatParseError(f"payload must be a JSON object, got {type(obj).__name__}")
    return obj


def _encodable(text: str | None, field: str, chat_id: int | None) -> None:
    """Lone surrogates ("\ud800") are valid JSON escapes but not encodable text: they would
    break every downstream encoder (tokenizer, BigQuery, Pub/Sub)."""
    try:
        (text or "").encode("utf-8")
    except UnicodeEncodeError:
        raise ChatParseError(f"{field}: contains an unpaired surrogate escape",
                             chat_id) from None


def decode_chat(data: bytes, max_bytes: int) -> ChatMessage:
    """Decodes and validates one chat payload.

    A leading UTF-8 byte-order mark is stripped (Windows tools write one); NaN, Infinity,
    numbers that overflow a float and integer literals of more than `MAX_INT_DIGITS` digits
    are refused anywhere in the payload, extra fields included.

    Raises:
        ChatParseError: not bytes, too large, not UTF-8, not JSON, not an object, or a
            field is missing, mistyped, out of range or empty.
    """
    obj = _decode_object(data, max_bytes)
    chat_id = _best_effort_chat_id(obj, "id")
    try:
        chat = ChatMessage.model_validate(obj)
    except ValidationError as e:
        raise ChatParseError(describe_validation_error(e), chat_id) from None
    _encodable(chat.chat_message, "chat_message", chat.id)
    return chat


# What `FeedbackRow` adds to a decision: when and from which message the pipeline took it.
FEEDBACK_DELIVERY_FIELDS = tuple(
    f for f in FeedbackRow.model_fields if f not in Feedback.model_fields)


def decode_feedback(data: bytes, max_bytes: int) -> Feedback:
    """Decodes and validates one reviewer decision: the review app's feedback record, or the
    pipeline's own copy of one (a `feedback*.jsonl` line, whose `FEEDBACK_DELIVERY_FIELDS` are
    dropped: they say when this pipeline received it, and a new ingest says that anew). Same
    byte, UTF-8 and number rules as `decode_chat`.

    Raises:
        ChatParseError: as `decode_chat`, or a field of `Feedback` is missing or wrong, or
            another field is present (the reason names it; `chat_id` is set when one could
            be read).
    """
    obj = _decode_object(data, max_bytes)
    chat_id = _best_effort_chat_id(obj, "chat_id")
    decision = {k: v for k, v in obj.items() if k not in FEEDBACK_DELIVERY_FIELDS}
    try:
        # Lone surrogates need no check of their own here, as they do in decode_chat: every
        # text field of Feedback is length-bounded or parsed, and pydantic refuses them then.
        return Feedback.model_validate(decision)
    except ValidationError as e:
        raise ChatParseError(describe_validation_error(e), chat_id) from None


def feedback_row(feedback: Feedback, message_id: str | None, processed_at: str) -> dict[str, Any]:
    """The `--feedback_table` row of one decision."""
    return FeedbackRow(**feedback.model_dump(), message_id=message_id,
                       processed_at=processed_at).model_dump(mode="json")


def feedback_digest(row: dict[str, Any]) -> str:
    """A digest of a decision's content (not of when or how it was delivered)."""
    content = {k: v for k, v in row.items() if k not in FEEDBACK_DELIVERY_FIELDS}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=True).encode(
        "ascii")).hexdigest()


def _raw_for_error(raw: bytes | str | None) -> tuple[str | None, str, bool]:
    if raw is None:
        return None, "utf-8", False
    if isinstance(raw, bytes | bytearray):
        try:
            text, encoding = bytes(raw).decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = base64.b64encode(bytes(raw)).decode("ascii"), "base64"
    else:
        text, encoding = _printable(raw), "utf-8"
    truncated = len(text) > MAX_ERROR_RAW_CHARS
    return text[:MAX_ERROR_RAW_CHARS], encoding, truncated


def _sha256_of(raw: bytes | str | None) -> str | None:
    if raw is None:
        return None
    data = bytes(raw) if isinstance(raw, bytes | bytearray) else raw.encode(
        "utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def _printable(text: str) -> str:
    """Text every encoder accepts: lone surrogates (from a payload quoted in an exception
    message) become backslash escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def make_error(
    stage: str,
    reason: str,
    processed_at: str,
    chat_id: int | None = None,
    raw: bytes | str | None = None,
    message_id: str | None = None,
    model_variant: str | None = None,
    prompt_version: str | None = None,
) -> dict[str, Any]:
    """An error-sink record. Non-UTF-8 raw payloads are stored as base64."""
    text, encoding, truncated = _raw_for_error(raw)
    return ErrorRecord(
        raw_sha256=_sha256_of(raw),
        chat_id=chat_id,
        stage=stage,
        reason=_printable(str(reason)),
        raw=text,
        raw_encoding=encoding,
        raw_truncated=truncated,
        model_variant=model_variant,
        prompt_version=prompt_version,
        message_id=message_id,
        processed_at=processed_at,
    ).model_dump()


def _context_of(element: Any) -> dict[str, Any] | None:
    if isinstance(element, RawChat):
        return {"raw": element.data, "message_id": element.message_id}
    if isinstance(element, ChatKey):
        return {"chat_id": element.chat_id, "raw": element.chat_message,
                "message_id": element.message_id, "model_variant": element.model_variant,
                "prompt_version": element.prompt_version}
    if isinstance(element, dict) and "chat_id" in element:
        raw = element.get("chat_message") if "chat_message" in element else json.dumps(
            element, ensure_ascii=False, sort_keys=True, default=str)
        return {"chat_id": element.get("chat_id"), "raw": raw,
                "message_id": element.get("message_id"),
                "model_variant": element.get("model_variant"),
                "prompt_version": element.get("prompt_version")}
    if isinstance(element, tuple):  # keyed prompts and results: (key, value), (id, key)
        for item in element:
            context = _context_of(item)
            if context is not None:
                return context
    return None


def error_for_element(stage: str, element: Any, reason: str,
                      processed_at: str) -> dict[str, Any]:
    """The error record for an element a stage failed on. Knows every element shape the
    pipeline carries (raw chats, chat keys, output rows, tuples holding one) and never
    raises: a stage's last line of defence must not fail itself."""
    try:
        context = _context_of(element) or {"raw": repr(element)}
        chat_id = context.get("chat_id")
        return make_error(stage, reason, processed_at,
                          chat_id=chat_id if isinstance(chat_id, int) else None,
                          raw=context.get("raw"), message_id=context.get("message_id"),
                          model_variant=context.get("model_variant"),
                          prompt_version=context.get("prompt_version"))
    except Exception:  # noqa: BLE001
        return make_error(stage, reason, processed_at)


def extract_first_json_object(text: str) -> dict[str, Any]:
    """Returns the first complete JSON object in `text`, ignoring prose around it.

    Uses `json.JSONDecoder.raw_decode` from each `{`, so braces inside string values (a
    summary that quotes `{code}`) and nested objects do not confuse it.
    """
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError):
            obj = None
        if isinstance(obj, dict):
            return obj
        start = text.find("{", start + 1)
    raise ValueError("reply contains no complete JSON object")


def parse_reply(text: str, max_summary_chars: int,
                topics: tuple[str, ...] = ()) -> SentimentReply:
    """Parses and validates a sentiment reply (with a topic among `topics` when given).
    Raises ValueError naming the problem."""
    obj = extract_first_json_object(text)
    try:
        return SentimentReply.model_validate(
            obj, context={"max_summary_chars": max_summary_chars, "topics": topics})
    except ValidationError as e:
        raise ValueError(describe_validation_error(e)) from None


def _generation_fields(generation: Generation | None) -> dict[str, Any]:
    if generation is None:
        return {}
    return {
        "sentiment_confidence": generation.sentiment_confidence,
        "topic_confidence": generation.topic_confidence,
        "prompt_tokens": generation.prompt_tokens,
        "generated_tokens": generation.generated_tokens,
        "inference_ms": generation.inference_ms,
        "truncated": generation.truncated,
    }


def output_row(
    key: ChatKey, reply: SentimentReply, generation: Generation | None, processed_at: str
) -> dict[str, Any]:
    """The BigQuery row for a positive or neutral chat (`generation`: the reply's figures)."""
    return ResultRow(
        chat_id=key.chat_id,
        user_id=key.user_id,
        chat_message=key.chat_message,
        sentiment=reply.sentiment,
        summary=reply.summary,
        **topic_fields(reply.topic),
        model_variant=key.model_variant,
        prompt_version=key.prompt_version,
        message_id=key.message_id,
        processed_at=processed_at,
        **_generation_fields(generation),
    ).model_dump()


def topic_fields(topic: str | None) -> dict[str, str | None]:
    """`topic_major`/`topic_minor` of a `major.minor` label (both None without a topic)."""
    if topic is None:
        return {"topic_major": None, "topic_minor": None}
    major, _, minor = topic.partition(".")
    return {"topic_major": major, "topic_minor": minor}


def needs_review_for_confidence(row: dict[str, Any], threshold: float | None,
                                field: str = "sentiment_confidence") -> bool:
    """A positive/neutral row whose confidence (`field`: the sentiment's, or the topic's) is
    below `threshold`."""
    confidence = row.get(field)
    return threshold is not None and confidence is not None and confidence < threshold


class Draft(NamedTuple):
    """An apology draft, the contract checks it failed (`pipeline.drafts`), how many of the
    model's sentences were left out of it (`trimmed_draft`, `focused_draft`) and whether its
    apology is the rules' opener, not the model's (`opened_draft`)."""

    text: str
    problems: tuple[str, ...]
    dropped: int = 0
    opener: bool = False


def _problems(text: str, row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(p) for p in drafts.draft_problems(text, row["chat_message"],
                                                        row["user_id"]))


def _joined(sentences: list[str]) -> str:
    """Sentences as one text that `drafts.sentences` splits back into them: a space after
    end punctuation, a line break after a line that has none (a space would merge two
    lines into one sentence, and a promise into the apology's exempt sentence)."""
    return "".join(s + ("" if i == len(sentences) - 1 else " " if s[-1] in ".!?。" else "\n")
                   for i, s in enumerate(sentences))


def trimmed_draft(text: str, row: dict[str, Any]) -> Draft | None:
    """The model's draft with the sentences that make it fail left out, when what remains
    passes the contract: first without each sentence that promises what no agent offered
    (the fault a reviewer must not miss), then the longest opening run of sentences that
    passes. None when no such draft exists. Every word is still the model's, in its order:
    this only removes."""
    parts = drafts.sentences(text)
    if len(parts) < 2:
        return None
    kept = [s for s in parts if not any(p.startswith("only_offered:")
                                        for p in _problems(s, row))]
    candidates = [kept] if 0 < len(kept) < len(parts) else []
    candidates += [parts[:n] for n in range(len(parts) - 1, 0, -1)]
    for sentences in candidates:
        trimmed = _joined(sentences)
        if not _problems(trimmed, row):
            return Draft(trimmed, (), len(parts) - len(sentences))
    return None


def focused_draft(text: str, row: dict[str, Any]) -> Draft | None:
    """The model's draft cut to its first apology and the sentences that repeat an agent's
    offer (`drafts.focused_sentences`), with its checks; None when that leaves out nothing
    (or nothing is left)."""
    parts = drafts.sentences(text)
    kept = drafts.focused_sentences(parts, row["chat_message"], row["user_id"])
    if not kept or len(kept) == len(parts):
        return None
    focused = _joined(kept)
    return Draft(focused, _problems(focused, row), len(parts) - len(kept))


# A bare salutation only: "고객님께" or "고객님의" begin a sentence that needs them.
_KO_SALUTATION = re.compile(r"^\s*고객님(?=[\s,，])\s*[,，]?\s*")
# A draft that opens with a greeting keeps it first: no opener goes before it.
_GREETING = re.compile(r"^\s*(dear|hi|hello|hey|good (morning|afternoon|evening)|안녕하세요)\b",
                       re.IGNORECASE)


def opened_draft(draft: Draft, row: dict[str, Any]) -> Draft | None:
    """A draft whose one fault is that it does not apologise ("고객님, 누락된 음료 금액은 환불해
    드리겠습니다."), after the rules' apology sentence (`drafts.opener`), when that passes the
    whole contract; None otherwise. Not the model's own draft: marked `opener`, and counted
    apart from the model's drafts wherever drafts are counted."""
    if not draft.problems or {p.split(":", 1)[0] for p in draft.problems} != {"apologises"}:
        return None
    if _GREETING.match(draft.text) or any(
            drafts.is_question(s) for s in drafts.sentences(draft.text)):
        return None
    customer = drafts.customer_lines(row["chat_message"], row["user_id"]) or row["chat_message"]
    language = drafts.language_of(customer)
    body = _KO_SALUTATION.sub("", draft.text) if language == "ko" else draft.text
    text = f"{drafts.opener(language)} {body.strip()}"
    if _problems(text, row):
        return None
    return Draft(text, (), draft.dropped, True)


def check_draft(text: str, row: dict[str, Any]) -> Draft:
    """The draft for `row`'s chat with its failed contract checks (an empty draft fails).

    What a reviewer gets: the draft focused on its apology and the agent's offers
    (`focused_draft`) when that passes the contract; else the whole draft when it passes;
    else a failing draft that passes with some sentences left out, trimmed; else the one of
    these with the fewest failed checks (the whole draft on a tie). Every word is the
    model's, in its order: this only removes sentences, and counts them (`Draft.dropped`)."""
    text = text.strip()
    if not text:
        return Draft(text, ("empty: no draft",))
    focused = focused_draft(text, row)
    if focused is not None and not focused.problems:
        return focused  # the whole draft's checks are not needed
    whole = Draft(text, _problems(text, row))
    if not whole.problems:
        return whole
    trimmed = trimmed_draft(text, row)
    if trimmed is not None:
        return trimmed
    if focused is not None and len(focused.problems) < len(whole.problems):
        return focused
    return whole


def better_draft(first: Draft, second: Draft) -> Draft:
    """Of two drafts for one chat, the one with fewer failed checks (the first on a tie:
    written from the ordinary prompt); an empty draft loses to any other."""
    if not first.text.strip() or not second.text.strip():
        return first if first.text.strip() else second
    return second if len(second.problems) < len(first.problems) else first


def review_record(
    row: dict[str, Any], draft: Draft, review_reason: str, attempts: int = 1
) -> dict[str, Any]:
    """The review-topic record: the analyzed row plus the apology draft, the contract checks
    it failed (empty: it passed) and how many drafts were written for it."""
    if not draft.text.strip():
        raise ValueError("apology draft is empty")
    return ReviewRecord(**row, apology_draft=draft.text.strip(), review_reason=review_reason,
                        draft_problems=list(draft.problems), draft_attempts=attempts,
                        draft_sentences_dropped=draft.dropped,
                        draft_opener=draft.opener).model_dump()


def decode_base64_raw(record: dict[str, Any]) -> bytes | None:
    """Inverse of the error sink's raw encoding (for tools that replay errors)."""
    raw = record.get("raw")
    if raw is None:
        return None
    if record.get("raw_encoding") == "base64":
        try:
            return base64.b64decode(raw, validate=True)
        except binascii.Error as e:
            raise ValueError(f"raw: invalid base64 ({e})") from None
    return raw.encode("utf-8")


def chat_digest(key: ChatKey) -> str:
    """A digest of a chat's content (user and text): equal for a redelivery."""
    return hashlib.sha256(f"{key.user_id}\x00{key.chat_message}".encode(
        "utf-8", "surrogatepass")).hexdigest()


FIRST_DELIVERY, REDELIVERY, CONFLICT = "first", "redelivery", "conflict"
# Distinct contents remembered per chat id: bounds the state (and the work per message) of an
# id a broken producer reuses forever. Past it, conflicts still reach errors, one per copy.
MAX_REMEMBERED_CONTENTS = 16


def delivery_verdict(seen: str | None, digest: str) -> tuple[str, str]:
    """(verdict, digests to keep) for a chat id whose earlier copies had the `seen` digests
    (space-separated, the first one won): the first copy, an exact redelivery of any earlier
    copy, or a conflicting reuse of the id with new content (remembered, up to
    `MAX_REMEMBERED_CONTENTS`, so its own redelivery is dropped too)."""
    if not seen:
        return FIRST_DELIVERY, digest
    known = seen.split(" ")
    if digest in known:
        return REDELIVERY, seen
    if len(known) >= MAX_REMEMBERED_CONTENTS:
        return CONFLICT, seen
    return CONFLICT, f"{seen} {digest}"
