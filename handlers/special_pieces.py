"""The special pieces of a keras-hub SentencePiece tokenizer, as texts to neutralise in chats.

SentencePiece turns a user-defined piece (Gemma's `<start_of_turn>`, `<unused0>`, `<mask>`,
Gemma 3's `<start_of_image>`, `[multimodal]`) into its special id wherever the text spells
it, so a chat that contains one could steer the model. `special_piece_texts(tokenizer)` lists
them once per engine; `prompts.neutralise(prompt.chat, pieces)` breaks them in each prompt.
Tuning uses the same list: prompts are neutralised the same way, and a training target (a
summary, an approved reply) that spells a piece is refused (`prompts.first_marker`, the same
matcher), not changed: `tuning.examples.Encoder.screen`.

The piece types come from the tokenizer's serialized model proto, read with a minimal
protobuf wire-format reader: `sentencepiece_model_pb2` (the generated module) refuses to load
with the protobuf runtime that Beam pins (its gencode is newer than the runtime), and
`SentencePieceProcessor` has no `is_user_defined`.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["PieceType", "piece_types", "special_piece_texts"]


class PieceType:
    """`ModelProto.SentencePiece.Type` in sentencepiece_model.proto."""

    NORMAL = 1
    UNKNOWN = 2
    CONTROL = 3
    USER_DEFINED = 4
    BYTE = 6
    UNUSED = 5


_SPECIAL_TYPES = frozenset({PieceType.UNKNOWN, PieceType.CONTROL, PieceType.USER_DEFINED,
                            PieceType.UNUSED})

# Field numbers in sentencepiece_model.proto.
_MODEL_PIECES = 1  # ModelProto.pieces (repeated SentencePiece)
_PIECE_TEXT = 1  # SentencePiece.piece
_PIECE_TYPE = 3  # SentencePiece.type, NORMAL when absent


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of each field of one serialized protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _varint(buf, pos)
        elif wire_type == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire_type == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire_type == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type} (field {number})")
        if pos > len(buf):
            raise ValueError("truncated SentencePiece model proto")
        yield number, value


def piece_types(proto: bytes) -> list[tuple[str, int]]:
    """(piece text, `PieceType`) of every piece of a serialized SentencePiece model, by id."""
    pieces = []
    for number, value in _fields(bytes(proto)):
        if number != _MODEL_PIECES:
            continue
        text, kind = "", PieceType.NORMAL
        for field, field_value in _fields(value):
            if field == _PIECE_TEXT:
                text = field_value.decode("utf-8")
            elif field == _PIECE_TYPE:
                kind = field_value
        pieces.append((text, kind))
    return pieces


def _markup_shaped(text: str) -> bool:
    """`<...>` or `[...]`, as Gemma writes its special pieces; never whitespace."""
    return (len(text) >= 2 and text[0] in "<[" and text[-1] in ">]"
            and not text.isspace() and not any(ch.isspace() for ch in text[:2]))


def special_piece_texts(tokenizer) -> tuple[str, ...]:
    """Texts of the tokenizer's special pieces: every CONTROL, UNKNOWN, UNUSED and
    USER_DEFINED piece shaped like markup (`<start_of_turn>`, `<unused0>`, `<mask>`,
    `[multimodal]`), plus keras-hub's `tokenizer.special_tokens`. Whitespace pieces (Gemma's
    user-defined runs of spaces and newlines) and byte pieces are not included.

    Compute it once per tokenizer and pass the same tuple to `prompts.neutralise`.

    Args:
        tokenizer: a keras-hub SentencePiece tokenizer (`tokenizer.proto` holds the model).
    """
    texts = [text for text, kind in piece_types(tokenizer.proto)
             if kind in _SPECIAL_TYPES and _markup_shaped(text)]
    for token in getattr(tokenizer, "special_tokens", None) or ():
        if isinstance(token, str) and len(token) >= 2 and not token.isspace():
            texts.append(token)
    return tuple(dict.fromkeys(texts))
