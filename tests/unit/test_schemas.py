import pytest
from pydantic import ValidationError

from pipeline.schemas import (
    ERROR_TABLE_SCHEMA,
    RESULT_TABLE_SCHEMA,
    ChatMessage,
    ErrorRecord,
    ResultRow,
    SentimentReply,
)


def test_valid_chat_from_the_original_design():
    """The blog's message shape validates; extra fields are ignored."""
    chat = ChatMessage.model_validate(
        {"id": 1, "user_id": 221, "chat_message": "\nid 221: hi\nid 331: hello\n", "x": 1})
    assert (chat.id, chat.user_id) == (1, 221)


@pytest.mark.parametrize("field,value,message", [
    ("id", "1", "valid integer"),
    ("id", True, "valid integer"),
    ("id", -1, "greater than or equal"),
    ("id", 2**64, "does not fit BigQuery's INT64"),
    ("user_id", None, "valid integer"),
    ("user_id", 1.5, "valid integer"),
    ("chat_message", 42, "valid string"),
    ("chat_message", "   \n ", "chat_message is empty"),
    ("chat_message", "a\x00b", "NUL"),
])
def test_chat_field_errors_name_the_field(field, value, message):
    """Each wrong field is rejected with an error located at that field."""
    payload = {"id": 1, "user_id": 2, "chat_message": "hi"}
    payload[field] = value
    with pytest.raises(ValidationError) as info:
        ChatMessage.model_validate(payload)
    errors = info.value.errors()
    assert errors[0]["loc"] == (field,)
    assert message in errors[0]["msg"]


def test_missing_field():
    """A missing field is reported as missing."""
    with pytest.raises(ValidationError) as info:
        ChatMessage.model_validate({"id": 1, "chat_message": "hi"})
    assert info.value.errors()[0]["type"] == "missing"


@pytest.mark.parametrize("value,expected", [(1, 1), (0, 0), (-1, -1), ("-1", -1), (" 1 ", 1),
                                            (1.0, 1)])
def test_sentiment_accepts_ints_and_numeric_strings(value, expected):
    """Sentiment as an int or a numeric string is accepted and normalised to int."""
    assert SentimentReply.model_validate({"sentiment": value, "summary": "s"}).sentiment == expected


@pytest.mark.parametrize("value", [2, -2, "7", "one", True, None, 0.5, [1]])
def test_sentiment_rejects_other_values(value):
    """Out-of-range, boolean and non-numeric sentiments are rejected."""
    with pytest.raises(ValidationError) as info:
        SentimentReply.model_validate({"sentiment": value, "summary": "s"})
    assert info.value.errors()[0]["loc"] == ("sentiment",)


def test_summary_bound_comes_from_context():
    """The summary limit is configurable through validation context."""
    SentimentReply.model_validate({"sentiment": 1, "summary": "x" * 10},
                                  context={"max_summary_chars": 10})
    with pytest.raises(ValidationError, match="more than 9"):
        SentimentReply.model_validate({"sentiment": 1, "summary": "x" * 10},
                                      context={"max_summary_chars": 9})


def test_bigquery_schemas_match_the_models():
    """The declared BigQuery schemas have exactly the pydantic models' fields."""
    assert [f["name"] for f in RESULT_TABLE_SCHEMA["fields"]] == list(ResultRow.model_fields)
    assert [f["name"] for f in ERROR_TABLE_SCHEMA["fields"]] == list(ErrorRecord.model_fields)


# --- Review records as strict as feedback; text that is really there (issue 24) ---

from pipeline.schemas import (  # noqa: E402
    BLANK_RENDERING,
    Feedback,
    ReviewRecord,
    has_visible_text,
    require_visible,
)

REVIEW = {"chat_id": 9003, "user_id": 41, "chat_message": "\nid 41: late again\n",
          "sentiment": -1, "summary": "Order late again.", "model_variant": "b",
          "prompt_version": "v3", "processed_at": "2026-12-01T10:00:00+00:00",
          "review_reason": "negative", "apology_draft": "Dear 41, we are sorry."}
FEEDBACK = {"chat_id": 9003, "decision": "approve", "final_reply": "Dear 41, we are sorry.",
            "reviewer": "mina", "decided_at": "2026-12-01T10:00:00Z", "sequence": 1,
            "model_variant": "b", "prompt_version": "v3"}

# What a careless or malicious producer puts where text should be: nothing a reader sees.
INVISIBLE = ["\u200b", "\x00", "\u200d", "\u0301", "\u2060", "\ufeff", "\u200b\u200d\u2060",
             " \u3000\u2028", "\u20dd", "\ue000", "\U000e0041"]
BLANK_NAMES = ["\u2800", "\u3164", "\u115f", "\u1160", "\uffa0", "\u3164\u2800 \u200b"]


@pytest.mark.parametrize("field,value", [
    ("chat_id", -5), ("chat_id", 2**70), ("chat_id", "77"), ("chat_id", 9003.0),
    ("chat_id", True), ("user_id", "41"), ("user_id", -1), ("model_variant", "arm c"),
    ("model_variant", "A"), ("model_variant", None), ("prompt_version", "v" * 65),
    ("sentiment", 5), ("sentiment", "-1"), ("sentiment", True),
])
def test_review_record_refuses_what_feedback_would_refuse(field, value):
    """A review record whose id, arm or prompt version a decision on it could not carry (400
    on every try, pending forever), or that tuning could not join back to (a decision of arm
    "arm c", chat "77"), or whose sentiment is no label, never enters the review queue."""
    with pytest.raises(ValidationError) as info:
        ReviewRecord.model_validate({**REVIEW, field: value})
    assert info.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize("field,value", [
    ("chat_id", -5), ("chat_id", 2**70), ("chat_id", "77"), ("chat_id", 9003.0),
    ("model_variant", "arm c"), ("prompt_version", "v" * 65),
])
def test_review_record_and_feedback_agree_on_ids_and_arms(field, value):
    """The same value is refused by both schemas, and the good one accepted by both: one
    definition of the id, arm and prompt-version types."""
    ReviewRecord.model_validate(REVIEW)
    Feedback.model_validate(FEEDBACK)
    for model, good in ((ReviewRecord, REVIEW), (Feedback, FEEDBACK)):
        with pytest.raises(ValidationError):
            model.model_validate({**good, field: value})
    assert (ReviewRecord.model_fields["chat_id"].annotation
            == Feedback.model_fields["chat_id"].annotation)
    assert (ReviewRecord.model_fields["model_variant"].annotation
            == Feedback.model_fields["model_variant"].annotation)


@pytest.mark.parametrize("text", INVISIBLE + BLANK_NAMES)
def test_invisible_text_has_no_visible_character(text):
    """Zero-width and format characters, NUL, lone combining marks, spaces of any kind,
    private-use and tag characters, and the letters fonts draw blank show nothing."""
    assert not has_visible_text(text)
    with pytest.raises(ValueError, match="final_reply has no visible character"):
        require_visible(text, "final_reply")


@pytest.mark.parametrize("text", ["a", "é", "e\u0301", "피자", "\u200b!\u200b", "😀", "١",
                                  "\u3164\u3131", "ㅎㅎ"])
def test_visible_text_is_kept(text):
    """Any one character a reader sees is enough, in any script; a mark on a base is fine."""
    assert has_visible_text(text) and require_visible(text) == text


@pytest.mark.parametrize("text", INVISIBLE)
def test_an_invisible_approved_reply_is_refused(text):
    """An approved reply of only invisible characters is no reply: refused by name."""
    with pytest.raises(ValidationError) as info:
        Feedback.model_validate({**FEEDBACK, "final_reply": f"{text}{text}"})
    assert info.value.errors()[0]["loc"][0] == "final_reply"


@pytest.mark.parametrize("name", BLANK_NAMES + ["\u200b", "\u0301"])
def test_a_reviewer_name_that_renders_blank_is_refused(name):
    """A reviewer whose name shows nothing on the queue page or in reports is refused."""
    with pytest.raises(ValidationError) as info:
        Feedback.model_validate({**FEEDBACK, "reviewer": name})
    assert info.value.errors()[0]["loc"][0] == "reviewer"


def test_blank_rendering_letters_are_ones_unicode_calls_visible():
    """The list holds only what the category rule misses (else it would be dead weight)."""
    import unicodedata

    assert {unicodedata.category(c) for c in BLANK_RENDERING} <= {"Lo", "So"}


@pytest.mark.parametrize("field", ["chat_message", "summary", "apology_draft"])
@pytest.mark.parametrize("text", ["\u200b\u200d", "\u0301", "\u3164"])
def test_review_record_text_must_be_visible(field, text):
    """A review record whose chat, summary or draft shows nothing cannot be judged or
    learned from: refused by name."""
    with pytest.raises(ValidationError) as info:
        ReviewRecord.model_validate({**REVIEW, field: text})
    assert info.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize("text", ["\u200b", "\ufeff\u2060", "\u0301\u0301"])
def test_a_chat_of_invisible_characters_is_refused(text):
    """A producer's chat that shows nothing is a parse error, not a prompt."""
    with pytest.raises(ValidationError, match="chat_message has no visible character"):
        ChatMessage.model_validate({"id": 1, "user_id": 2, "chat_message": text})
