import base64
import json

import pytest

from pipeline import elements
from pipeline.elements import ChatParseError, decode_chat, extract_first_json_object, parse_reply

GOOD = {"id": 7, "user_id": 221, "chat_message": "\nid 221: hi\n"}


def _b(obj) -> bytes:
    return json.dumps(obj).encode()


def test_decode_good_chat():
    """A valid payload decodes into a ChatMessage."""
    chat = decode_chat(_b(GOOD), 1000)
    assert chat.id == 7 and chat.chat_message == "\nid 221: hi\n"


@pytest.mark.parametrize("payload,reason,chat_id", [
    (b"", "payload is empty", None),
    (b"   \n", "payload is empty", None),
    (b"\xff\xfe{}", "not valid UTF-8", None),
    (b"not json", "not valid JSON", None),
    (b'{"id": 1, "user_id": 2, "chat_message": "trunc', "not valid JSON", None),
    (b"[1, 2]", "must be a JSON object, got list", None),
    (b"null", "must be a JSON object, got NoneType", None),
    (b'"a string"', "must be a JSON object, got str", None),
    (b'{"id": 3, "user_id": "x", "chat_message": "hi"}', "user_id:", 3),
    (b'{"id": 3, "chat_message": "hi"}', "user_id: Field required", 3),
    (b'{"id": 3, "user_id": 1, "chat_message": ""}', "chat_message is empty", 3),
    (b'{"id": "3", "user_id": 1, "chat_message": "hi"}', "id:", None),
    (b'{"id": 3, "user_id": 1, "chat_message": "\\ud800"}', "unpaired surrogate", 3),
    (b"[" * 100000 + b"]" * 100000, "not valid JSON", None),
])
def test_bad_payloads_raise_with_reason(payload, reason, chat_id):
    """Every kind of bad payload raises ChatParseError with a readable reason and the id."""
    with pytest.raises(ChatParseError) as info:
        decode_chat(payload, 10**7)
    assert reason in info.value.reason
    assert info.value.chat_id == chat_id


def test_oversized_payload_is_rejected_before_parsing():
    """A payload over the limit is rejected by size."""
    with pytest.raises(ChatParseError, match="over the limit of 100"):
        decode_chat(_b({**GOOD, "chat_message": "x" * 200}), 100)


def test_error_record_keeps_raw_bytes_as_base64():
    """Non-UTF-8 raw payloads are stored base64 and can be recovered."""
    record = elements.make_error("parse", "bad", "2026-01-01T00:00:00+00:00", raw=b"\xff\x00")
    assert record["raw_encoding"] == "base64"
    assert base64.b64decode(record["raw"]) == b"\xff\x00"
    assert elements.decode_base64_raw(record) == b"\xff\x00"


def test_error_record_truncates_huge_raw():
    """Huge raw payloads are cut and marked."""
    record = elements.make_error("parse", "big", "2026-01-01T00:00:00+00:00", raw="x" * 10**6)
    assert record["raw_truncated"] and len(record["raw"]) == elements.MAX_ERROR_RAW_CHARS


@pytest.mark.parametrize("reply,sentiment,summary", [
    ('{"sentiment": 1, "summary": "ok"}', 1, "ok"),
    ('Sure! Here it is:\n```json\n{"sentiment": 0, "summary": "asked"}\n```', 0, "asked"),
    ('{"sentiment": "-1", "summary": "angry about {pizza} and }"}', -1,
     "angry about {pizza} and }"),
    ('{"sentiment": -1, "summary": "x", "meta": {"a": {"b": 1}}} trailing', -1, "x"),
    ('{broken {"sentiment": 1, "summary": "second"}', 1, "second"),
])
def test_parse_reply_finds_first_complete_object(reply, sentiment, summary):
    """Prose, code fences, braces inside strings and nested objects do not break parsing."""
    parsed = parse_reply(reply, 100)
    assert (parsed.sentiment, parsed.summary) == (sentiment, summary)


@pytest.mark.parametrize("reply,reason", [
    ("no json", "no complete JSON object"),
    ('{"sentiment": 1, "summary": "trunc', "no complete JSON object"),
    ('{"summary": "x"}', "sentiment: Field required"),
    ('{"sentiment": 1}', "summary: Field required"),
    ('{"sentiment": 7, "summary": "x"}', "sentiment"),
    ('{"sentiment": "bad", "summary": "x"}', "not a number"),
    ('{"sentiment": 1, "summary": ""}', "summary is empty"),
    ('{"sentiment": 1, "summary": "' + "x" * 50 + '"}', "more than 20"),
    ('[{"sentiment": 1}]', "summary: Field required"),
])
def test_parse_reply_rejects_malformed(reply, reason):
    """Malformed replies raise ValueError naming the problem."""
    with pytest.raises(ValueError, match=reason):
        parse_reply(reply, 20)


def test_extract_ignores_non_object_json():
    """Arrays and scalars before the object are skipped."""
    assert extract_first_json_object('[1] 2 {"a": 1}') == {"a": 1}


def test_delivery_verdicts_remember_every_content_of_an_id():
    """First copy wins; a redelivery of any earlier copy (conflicting ones included) is
    dropped; each new content of a reused id is one conflict."""
    from pipeline.elements import CONFLICT, FIRST_DELIVERY, REDELIVERY, delivery_verdict

    verdict, seen = delivery_verdict(None, "a")
    assert verdict == FIRST_DELIVERY
    verdict, seen = delivery_verdict(seen, "b")
    assert verdict == CONFLICT
    assert delivery_verdict(seen, "a") == (REDELIVERY, seen)
    assert delivery_verdict(seen, "b") == (REDELIVERY, seen)
    assert delivery_verdict(seen, "c")[0] == CONFLICT
