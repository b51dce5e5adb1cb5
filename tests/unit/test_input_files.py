"""--input files that cannot be read cost only themselves: one error record each (stage read,
naming the file, the reason and the lines read before it), the other files are processed, and
the run says input was lost. Lines are split exactly as Beam's ReadFromText splits them."""

import bz2
import gzip
import json
import lzma
import os
import random
import runpy
import zlib

import apache_beam as beam
import pytest
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline import inputs
from pipeline.pipeline import EXIT_INPUT_LOST, build_pipeline, run, unreadable_input_files
from tests.fakes import scripted_factory

_REPLY = 'REPLY<<{"sentiment": 1, "summary": "ok"}>>'


def _chat_line(i: int, rng: random.Random) -> bytes:
    # Random words, so that a compressed file is long enough to cut in the middle of a line.
    words = " ".join(f"{rng.getrandbits(40):x}" for _ in range(12))
    return json.dumps({"id": i, "user_id": 7, "chat_message": f"{words} {_REPLY}"}).encode()


def _lines(ids) -> bytes:
    rng = random.Random(0)
    return b"".join(_chat_line(i, rng) + b"\n" for i in ids)


def _damaged_inputs(tmp_path):
    """Good files (plain, gzip, bzip2) beside damaged ones; returns (the glob, the ids of
    every chat that can be read, {bad file: lines before its failure})."""
    data = tmp_path / "in"
    data.mkdir()
    (data / "good.jsonl").write_bytes(_lines(range(1, 4)))
    (data / "good2.jsonl.gz").write_bytes(gzip.compress(_lines(range(4, 7))))
    (data / "good3.jsonl.bz2").write_bytes(bz2.compress(_lines(range(7, 9))))
    # Plain text under a gzip name: ReadFromText stopped the whole job with zlib.error.
    (data / "plain.jsonl.gz").write_bytes(_lines(range(10, 13)))
    # A gzip cut in half: ReadFromText quietly gave the chats before the cut.
    whole = gzip.compress(_lines(range(100, 140)))
    (data / "half.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    before_cut = zlib.decompressobj(31).decompress(whole[: len(whole) // 2])
    half_ids = [json.loads(line)["id"] for line in before_cut.split(b"\n")[:-1]]
    assert 0 < len(half_ids) < 40
    # A gzip whose body is corrupt past its header.
    body = bytearray(gzip.compress(_lines(range(200, 210))))
    body[20:40] = bytes(20)
    (data / "corrupt.jsonl.gz").write_bytes(bytes(body))
    # Plain text under a bzip2 name.
    (data / "notbz.jsonl.bz2").write_bytes(_lines(range(300, 303)))
    # Permission denied (the tests run as root, so it is made by the opener: see below).
    (data / "locked.jsonl").write_bytes(_lines(range(400, 403)))
    readable = [*range(1, 9), *half_ids]
    bad = {"plain.jsonl.gz": 0, "half.jsonl.gz": len(half_ids), "corrupt.jsonl.gz": None,
           "notbz.jsonl.bz2": 0, "locked.jsonl": 0}
    return str(data / "*.jsonl*"), readable, bad


@pytest.fixture
def locked_files(monkeypatch):
    """Opening a file named locked* fails as a file without read permission does."""
    real_open = FileSystems.open

    def open_(path, *args, **kwargs):
        if os.path.basename(path).startswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(FileSystems, "open", open_)


def test_damaged_files_each_become_one_error_and_the_good_chats_land_once(
        tmp_path, preset, locked_files):
    """Every readable chat lands in exactly one sink; each damaged file (wrong codec, cut in
    half, corrupt body, not bzip2, permission denied) yields one read error naming the file,
    the reason and the lines read before it."""
    pattern, readable, bad = _damaged_inputs(tmp_path)
    options = PipelineOptions(["--runner", "FnApiRunner", "--input", pattern, "--model", preset,
                               "--output_dir", str(tmp_path / "out")])
    p = TestPipeline(options=options)
    out = build_pipeline(p, options, handler_factory=scripted_factory, write=False)
    with p:
        ids = ((out["results"], out["review"], out["errors"]) | beam.Flatten()
               | beam.Filter(lambda r: r["stage"] != "read" if "stage" in r else True)
               | beam.Map(lambda r: r["chat_id"]))
        assert_that(ids, equal_to(readable), label="each readable chat once")
        reads = (out["errors"] | beam.Filter(lambda r: r["stage"] == "read")
                 | beam.Map(lambda r: (os.path.basename(r["message_id"]), r["reason"])))

        def check(records):
            assert sorted(name for name, _ in records) == sorted(bad), records
            for name, reason in records:
                assert repr(os.path.join(str(tmp_path / "in"), name)) in reason, reason
                if bad[name] is not None:
                    assert f"after {bad[name]} lines" in reason, reason
            reasons = dict(records)
            assert "not valid gzip data" in reasons["plain.jsonl.gz"]
            assert "truncated" in reasons["half.jsonl.gz"]
            assert "not valid gzip data" in reasons["corrupt.jsonl.gz"]
            assert "not valid bzip2 data" in reasons["notbz.jsonl.bz2"]
            assert "PermissionError" in reasons["locked.jsonl"]

        assert_that(reads, check, label="one read error per bad file")


def test_the_unfinished_line_of_a_cut_file_is_the_error_raw_not_a_chat(tmp_path):
    """The bytes after the last complete line of a cut file are kept in its error record (the
    lost chat can be found) and never parsed as a chat."""
    whole = gzip.compress(_lines(range(1, 41)))
    path = tmp_path / "half.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(inputs.InputFileError) as caught:
        list(inputs.read_lines(str(path)))
    before = zlib.decompressobj(31).decompress(whole[: len(whole) // 2])
    assert caught.value.lines_read == before.count(b"\n")
    assert caught.value.pending == before.rsplit(b"\n", 1)[1] != b""


def test_a_run_that_lost_input_says_so_in_its_counter_and_exit_status(
        tmp_path, preset, monkeypatch, capsys):
    """`python -m pipeline` ends with an `error: input lost` line and exit status 3 when a
    file could not be read; the summary of the output says so too."""
    from pipeline import run_summary

    data = tmp_path / "in"
    data.mkdir()
    (data / "good.jsonl").write_bytes(_lines([1]))
    (data / "plain.jsonl.gz").write_bytes(_lines([2]))
    out = tmp_path / "out"
    argv = ["--input", str(data / "*"), "--output_dir", str(out), "--model", preset]
    result = run(argv, handler_factory=scripted_factory)
    assert unreadable_input_files(result) == 1

    import pipeline.pipeline as module

    monkeypatch.setattr(module, "run",
                        lambda a, **kw: run(a, handler_factory=scripted_factory, **kw))
    # The quiet set-up changes this process's loggers for good: not inside the test run.
    monkeypatch.setattr("pipeline.logs.configure", lambda level, verbose: None)
    monkeypatch.setattr("sys.argv", ["pipeline", *argv, "--output_dir", str(tmp_path / "o2")])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("pipeline", run_name="__main__")
    assert exited.value.code == EXIT_INPUT_LOST == 3
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("error: input lost: 1 input file(s) could not be read")

    assert run_summary.main([str(out)]) == EXIT_INPUT_LOST
    text = capsys.readouterr().out
    assert "INPUT LOST" in text and "plain.jsonl.gz" in text


def test_a_run_that_read_every_file_has_no_lost_input(tmp_path, preset):
    """The counter stays at zero when every file is read to its end."""
    src = tmp_path / "chats.jsonl.gz"
    src.write_bytes(gzip.compress(_lines([1, 2])))
    result = run(["--input", str(src), "--output_dir", str(tmp_path / "out"), "--model", preset],
                 handler_factory=scripted_factory)
    assert unreadable_input_files(result) == 0


def test_input_compression_none_reads_a_plain_file_with_a_gzip_name(tmp_path):
    """--input_compression none reads every file as plain text whatever its name; gzip reads
    every file as gzip."""
    plain = tmp_path / "plain.jsonl.gz"
    plain.write_bytes(b"a\nb\n")
    assert list(inputs.read_lines(str(plain), "none")) == [b"a", b"b"]
    packed = tmp_path / "packed.jsonl"
    packed.write_bytes(gzip.compress(b"a\nb\n"))
    assert list(inputs.read_lines(str(packed), "gzip")) == [b"a", b"b"]
    with pytest.raises(inputs.InputFileError, match="not valid gzip"):
        list(inputs.read_lines(str(plain), "auto"))


def test_input_compression_is_an_option_with_auto_by_default():
    """The flag defaults to auto and refuses a codec it does not know."""
    from pipeline.options import ChatPipelineOptions

    assert PipelineOptions([]).view_as(ChatPipelineOptions).input_compression == "auto"
    with pytest.raises(SystemExit):
        PipelineOptions(["--input_compression", "rar"]).view_as(ChatPipelineOptions)


def test_a_directory_cannot_be_opened_as_an_input_file(tmp_path):
    """A directory handed to the reader is an error of that file, not a crash. (Beam's local
    matcher never returns directories, so a glob over one reads the files it matches.)"""
    with pytest.raises(inputs.InputFileError, match="cannot open .*IsADirectoryError"):
        list(inputs.read_lines(str(tmp_path)))


@pytest.mark.parametrize("codec,compress", [
    ("gzip", gzip.compress), ("bzip2", bz2.compress), ("lzma", lzma.compress),
    ("deflate", zlib.compress)])
def test_every_codec_reads_concatenated_members_and_refuses_a_cut(codec, compress):
    """Concatenated members are read one after another (as Beam reads them); a cut member is
    an error, not a quiet end."""
    data = compress(b"a\nb\n") + compress(b"c\n")
    lines = list(inputs.split_lines(inputs.decompressed_chunks([data[:5], data[5:]], codec)))
    assert lines == [b"a", b"b", b"c"]
    with pytest.raises(inputs.InputFileError, match="truncated"):
        list(inputs.split_lines(inputs.decompressed_chunks([data[:-3]], codec)))


@pytest.mark.parametrize("name", ["x.jsonl.gz", "x.jsonl.bz2"])
def test_a_zero_byte_compressed_file_is_a_truncated_one(tmp_path, name):
    """A zero-byte x.jsonl.gz was cut at byte 0 (`gzip -d` says "unexpected end of file";
    ReadFromText read it as empty): an error, while a compressed empty file has no lines."""
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(inputs.InputFileError, match="empty"):
        list(inputs.read_lines(str(tmp_path / name)))
    import bz2
    import gzip
    (tmp_path / name).write_bytes(gzip.compress(b"") if name.endswith("gz") else
                                  bz2.compress(b""))
    assert list(inputs.read_lines(str(tmp_path / name))) == []


# Hostile line shapes: each must split exactly as ReadFromText splits it.
_HOSTILE = {
    "crlf.jsonl": b'{"id": 1}\r\n{"id": 2}\r\n',
    "cr_only.jsonl": b'{"id": 1}\r{"id": 2}\r',
    "mixed.jsonl": b'a\r\nb\nc\rd\r\r\n\r\ne',
    "blank.jsonl": b"\n\n  \n\t\nx\n\n",
    "utf16.jsonl": '{"id": 1, "chat_message": "hé"}\n{"id": 2}\n'.encode("utf-16"),
    "raw_bytes.jsonl": b'{"id": 1, "chat_message": "a\xff\xfe\x00b"}\nlast\xc3',
    "no_final_newline.jsonl": b"one\ntwo",
    "final_cr.jsonl": b"one\ntwo\r",
    "empty.jsonl": b"",
    "only_newline.jsonl": b"\n",
    "huge.jsonl": b"x" * (20 * 1024 * 1024) + b"\r\nsmall\n",
}


def _assert_read_from_text_gives(pattern: str, expected: list[tuple[str, bytes]]) -> None:
    """Beam's ReadFromText gives exactly `expected`, (file name, line) pairs, for `pattern`."""
    with beam.Pipeline("FnApiRunner") as p:
        lines = (p | beam.io.ReadFromTextWithFilename(pattern, coder=beam.coders.BytesCoder())
                 | beam.MapTuple(lambda path, line: (os.path.basename(path), line)))
        assert_that(lines, equal_to(expected))


def test_lines_split_exactly_as_read_from_text(tmp_path, monkeypatch):
    """CRLF, CR-only and mixed endings, blank lines, UTF-16, raw bytes, a 20 MB line, empty
    files, plain and compressed: the same lines as ReadFromText, also when a read stops in
    the middle of a CRLF (tiny chunks)."""
    files = dict(_HOSTILE)
    files["crlf.jsonl.gz"] = gzip.compress(_HOSTILE["crlf.jsonl"])
    files["mixed.jsonl.bz2"] = bz2.compress(_HOSTILE["mixed.jsonl"])
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    ours = [(name, line) for name in files for line in inputs.read_lines(str(tmp_path / name))]
    assert ("huge.jsonl", b"x" * (20 * 1024 * 1024)) in ours
    _assert_read_from_text_gives(str(tmp_path / "*"), ours)
    monkeypatch.setattr(inputs, "_CHUNK_BYTES", 1)
    small = [name for name in files if name != "huge.jsonl"]
    tiny = [(name, line) for name in small for line in inputs.read_lines(str(tmp_path / name))]
    assert tiny == [pair for pair in ours if pair[0] != "huge.jsonl"]
