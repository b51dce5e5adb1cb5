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
