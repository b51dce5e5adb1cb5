"""Reading `--input` files one at a time, so that a file that cannot be read costs only itself.

Beam's `ReadFromText` fails the whole job on a file whose compression is broken (a plain-text
file named `*.gz`: `zlib.error`), and a compressed file cut short ends quietly at the cut. Here
each matched file is opened and decompressed on its own; its lines are split exactly as
`ReadFromText` splits them (`split_lines`), and a failure part-way through ends that file
with an `InputFileError` that says how many lines were read and what was left over. The
stage `pipeline.transforms.ReadInputFiles` turns it into one error record.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

__all__ = [
    "COMPRESSIONS",
    "InputFileError",
    "compression_of",
    "decompressed_chunks",
    "read_lines",
    "split_lines",
]

# --input_compression values: `auto` picks by file name as Beam does (`compression_of`).
COMPRESSIONS = ("auto", "gzip", "bzip2", "deflate", "zstd", "lzma", "none")

# Suffixes `auto` recognises: Beam's `CompressionTypes.detect_compression_type`, so a file is
# decompressed exactly when `ReadFromText` would have decompressed it.
_SUFFIXES = ((".bz2", "bzip2"), (".deflate", "deflate"), (".gz", "gzip"), (".zst", "zstd"),
             (".zstd", "zstd"), (".xz", "lzma"), (".lzma", "lzma"))

_CHUNK_BYTES = 1 << 20


def compression_of(path: str, compression: str = "auto") -> str:
    """The codec a file is read with: `compression` itself, or with `auto` the one its name
    says (`x.jsonl.gz` -> gzip; case-insensitive), `none` when it names none."""
    if compression != "auto":
        return compression
    lowered = path.lower()
    return next((codec for suffix, codec in _SUFFIXES if lowered.endswith(suffix)), "none")


class InputFileError(Exception):
    """A file that could not be read to its end.

    Attributes:
        reason: what went wrong, without the file name.
        lines_read: complete lines read (and emitted) before it.
        pending: bytes read after the last complete line (an unfinished line), or b"".
    """

    def __init__(self, reason: str, lines_read: int = 0, pending: bytes = b""):
        super().__init__(reason)
        self.reason = reason
        self.lines_read = lines_read
        self.pending = pending


def _decompressor(codec: str) -> Any:
    """A fresh streaming decompressor (`decompress`, `eof`, `unused_data`), as Beam's
    `CompressedFile` makes them."""
    if codec == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if codec == "deflate":
        return zlib.decompressobj()
    if codec == "bzip2":
        return bz2.BZ2Decompressor()
    if codec == "lzma":
        return lzma.LZMADecompressor()
    if codec == "zstd":
        import zstandard

        # Beam's window limit (python-zstandard issue 157).
        return zstandard.ZstdDecompressor(max_window_size=2147483648).decompressobj()
    raise ValueError(f"unknown compression {codec!r}; expected one of {', '.join(COMPRESSIONS)}")


def decompressed_chunks(raw: Iterable[bytes], codec: str) -> Iterator[bytes]:
    """The decompressed bytes of `raw` chunks. Concatenated members (`cat a.gz b.gz`) are read
    one after another, as Beam reads them. Unlike Beam's reader, data that ends inside a member
    is an error, not a quiet end of file.

    Raises:
        ValueError: the data is not of `codec` or is corrupt (the codec's own message), or it
            ends before the end-of-stream marker (a truncated file, a zero-byte one
            included).
    """
    if codec == "none":
        yield from raw
        return
    decompressor, started = _decompressor(codec), False
    for chunk in raw:
        while chunk:
            if decompressor.eof:  # a member ended: what follows is the next member
                decompressor = _decompressor(codec)
            try:
                out = decompressor.decompress(chunk)
            except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as e:
                raise ValueError(f"not valid {codec} data ({type(e).__name__}: {e})") from None
            except Exception as e:  # noqa: BLE001 (zstandard.ZstdError has no common base)
                raise ValueError(f"not valid {codec} data ({type(e).__name__}: {e})") from None
            started = True
            if out:
                yield out
            chunk = decompressor.unused_data if decompressor.eof else b""
    if not started:  # `gzip -d` says the same of a zero-byte .gz: it was cut at byte 0
        raise ValueError(f"{codec} file is empty: not even a header (truncated file)")
    if not decompressor.eof:
        raise ValueError(f"{codec} data ends before its end-of-stream marker (truncated file)")


def split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a byte stream, split as Beam's `ReadFromText` splits them: at every `\\n`,
    dropping one `\\r` right before it; a last line without `\\n` is a line (kept as is, `\\r`
    included) unless it is empty. Blank lines are lines. Bytes are not decoded.

    Raises:
        InputFileError: when reading `chunks` raises, with the lines read and the unfinished
            line so far.
    """
    pieces: list[bytes] = []  # the unfinished line, in pieces (a 20 MB line is not re-copied)
    count = 0
    iterator = iter(chunks)
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            break
        except Exception as e:  # noqa: BLE001 (every read failure ends the file, not the job)
            reason = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
            raise InputFileError(reason, count, b"".join(pieces)) from None
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            pieces.append(chunk[start:end])
            line = b"".join(pieces)
            pieces.clear()
            if line.endswith(b"\r"):
                line = line[:-1]
            count += 1
            yield line
            start = end + 1
        if start < len(chunk):
            pieces.append(chunk[start:])
    tail = b"".join(pieces)
    if tail:
        yield tail


def _raw_chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK_BYTES):
        yield chunk


def read_lines(path: str, compression: str = "auto",
               opener: Callable[[str], BinaryIO] | None = None) -> Iterator[bytes]:
    """The lines of one input file (`split_lines`), decompressed by `compression_of`.

    Args:
        path: a local or remote path Beam's `FileSystems` can open.
        compression: an entry of `COMPRESSIONS`.
        opener: opens `path` as a binary stream without decompressing; default Beam's
            `FileSystems.open(path, compression_type=UNCOMPRESSED)`.

    Raises:
        InputFileError: the file cannot be opened, read or decompressed to its end; the lines
            before it were yielded.
    """
    codec = compression_of(path, compression)
    if opener is None:
        from apache_beam.io.filesystem import CompressionTypes
        from apache_beam.io.filesystems import FileSystems

        def opener(p):
            return FileSystems.open(p, compression_type=CompressionTypes.UNCOMPRESSED)
    try:
        stream = opener(path)
    except Exception as e:  # noqa: BLE001 (missing, a directory, permission denied, ...)
        raise InputFileError(f"cannot open ({type(e).__name__}: {e})") from None
    try:
        yield from split_lines(decompressed_chunks(_raw_chunks(stream), codec))
    finally:
        try:
            stream.close()
        except Exception:  # noqa: BLE001, S110 (the lines are read; closing cannot lose them)
            pass
