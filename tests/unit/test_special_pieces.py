"""`handlers.special_pieces`: which tokenizer pieces a chat must not be able to spell."""

import io

import pytest

from handlers.special_pieces import PieceType, piece_types, special_piece_texts

USER_DEFINED = ("<start_of_turn>", "<end_of_turn>", "<mask>", "[multimodal]",
                "<start_of_image>", "<end_of_image>", "<unused0>", "<unused1>",
                "\n\n", "\t\t", "hello")


class FakeTokenizer:
    """What special_piece_texts reads from a keras-hub SentencePiece tokenizer."""

    def __init__(self, proto, special_tokens=()):
        self.proto = proto
        self.special_tokens = list(special_tokens)


def _train(user_defined=USER_DEFINED, control=("<ctrl9>",)) -> bytes:
    import sentencepiece as spm

    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["hello world, the pizza was late \n\n 피자 😀"] * 40),
        model_writer=out, vocab_size=300, model_type="bpe",
        pad_id=0, eos_id=1, bos_id=2, unk_id=3,
        pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>", unk_piece="<unk>",
        user_defined_symbols=list(user_defined), control_symbols=list(control),
        byte_fallback=True, character_coverage=1.0, remove_extra_whitespaces=False,
        normalization_rule_name="identity", minloglevel=2)
    return out.getvalue()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        value |= (buf[pos] & 0x7F) << shift
        pos += 1
        if buf[pos - 1] < 0x80:
            return value, pos
        shift += 7


def _retype(proto: bytes, piece: str, new_type: int) -> bytes:
    """The model with one piece's type changed (the trainer cannot make UNUSED pieces)."""
    out, pos = bytearray(), 0
    while pos < len(proto):
        start = pos
        key, pos = _read_varint(proto, pos)
        assert key & 7 == 2, "every top-level field of a ModelProto is a message"
        size, pos = _read_varint(proto, pos)
        body, pos = proto[pos:pos + size], pos + size
        if key >> 3 == 1 and piece_types(_varint(key) + _varint(size) + body)[0][0] == piece:
            text = piece.encode()
            body = (b"\x0a" + _varint(len(text)) + text + b"\x15\x00\x00\x00\x00"
                    + b"\x18" + _varint(new_type))
            out += _varint(key) + _varint(len(body)) + body
        else:
            out += proto[start:pos]
    return bytes(out)


@pytest.fixture(scope="module")
def proto():
    return _retype(_train(), "<unused1>", PieceType.UNUSED)


def test_piece_types_agree_with_sentencepiece(proto):
    """The wire-format reader gives every piece and the type SentencePiece itself reports."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=proto)
    types = piece_types(proto)
    assert len(types) == sp.get_piece_size()
    for i, (text, kind) in enumerate(types):
        assert text == sp.id_to_piece(i)
        assert (kind == PieceType.CONTROL) == sp.is_control(i), text
        assert (kind == PieceType.UNKNOWN) == sp.is_unknown(i), text
        assert (kind == PieceType.UNUSED) == sp.is_unused(i), text
        assert (kind == PieceType.BYTE) == sp.is_byte(i), text
    kinds = dict(types)
    assert kinds["<unused1>"] == PieceType.UNUSED and kinds["<mask>"] == PieceType.USER_DEFINED
    assert kinds["<ctrl9>"] == PieceType.CONTROL and kinds["<unk>"] == PieceType.UNKNOWN
    assert sum(kind == PieceType.NORMAL for kind in kinds.values()) > 10


def test_special_piece_texts_are_markup_shaped_special_pieces(proto):
    """Control, unknown, unused and markup-shaped user-defined pieces; not whitespace, byte
    or word pieces, not user-defined words."""
    pieces = special_piece_texts(FakeTokenizer(proto))
    assert pieces == ("<pad>", "<eos>", "<bos>", "<unk>", "<ctrl9>", "<start_of_turn>",
                      "<end_of_turn>", "<mask>", "[multimodal]", "<start_of_image>",
                      "<end_of_image>", "<unused0>", "<unused1>")
    assert not any(p.startswith("<0x") for p in pieces)


def test_keras_special_tokens_are_added_once(proto):
    """keras-hub's special_tokens are included, without duplicates; blank ones are not."""
    pieces = special_piece_texts(FakeTokenizer(proto, ["<bos>", "<img>", " ", ""]))
    assert pieces.count("<bos>") == 1 and pieces[-1] == "<img>"
    assert " " not in pieces and "" not in pieces


def test_a_tokenizer_without_special_tokens_attribute(proto):
    """A tokenizer object with only `proto` works too."""

    class Bare:
        pass

    bare = Bare()
    bare.proto = proto
    assert "<mask>" in special_piece_texts(bare)


def test_truncated_proto_is_an_error(proto):
    """A damaged model is reported, not half-read."""
    with pytest.raises((ValueError, IndexError)):
        piece_types(proto[:-3])


# The refusal of training targets (`tuning.examples`) uses `prompts.first_marker`: it must
# find exactly what `neutralise`, the engine's function for chats, would break.
_HOSTILE_TEXTS = ["plain text", "", "<start_of_image>", "a<unused0>b<unused10>c", "<<mask>mask>",
                  "[multimodal]", "< start_of_image>", "<start_of_imag", "<unused1", "x<img>y",
                  "<</chat>/chat>", "<end_of_turn>", "<unused0><unused0>", "피자<mask>😀"]


@pytest.mark.parametrize("text", _HOSTILE_TEXTS)
def test_first_marker_finds_what_neutralise_breaks(proto, text):
    """`first_marker(t, pieces)` is None exactly when `neutralise(t, pieces)` leaves `t`
    unchanged, and otherwise a piece `neutralise` breaks."""
    from prompts import first_marker, neutralise

    pieces = special_piece_texts(FakeTokenizer(proto, ["<pad>", "<bos>"]))
    found = first_marker(text, pieces)
    assert (found is None) == (neutralise(text, pieces) == text)
    if found is not None:
        assert found in pieces and found in text
