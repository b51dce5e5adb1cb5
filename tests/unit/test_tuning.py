"""The tuning command's pure parts: data validation, reply targets, batches, adapter files."""

import json

import numpy as np
import pytest

from handlers.constrained import ReplySpec, TokenKind, VocabEntry, reply_automaton
from handlers.generation import Task
from pipeline.elements import parse_reply
from tuning import lora
from tuning.examples import (
    TrainingSequence,
    parse_labelled_chat,
    read_labelled_chats,
    read_labelled_records,
    reply_text,
)
from tuning.train import TrainConfig, config_from_args, make_batch, make_batches, parser

ROW = {"user_id": 7, "chat_message": "\nid 7: late again\n", "sentiment": -1,
       "summary": " Order late again. ", "apology": "Sorry about the delay.", "language": "en"}


def _accepts(text: str, max_chars: int) -> bool:
    """Whether the pipeline's reply grammar accepts `text` + stop, one character per token."""
    chars = sorted(set(text))
    vocab = [VocabEntry(c, TokenKind.TEXT) for c in chars] + [VocabEntry("", TokenKind.STOP)]
    auto = reply_automaton(vocab, ReplySpec(max_summary_chars=max_chars))
    state, used = auto.start, 0
    for token in [chars.index(c) for c in text] + [len(chars)]:
        used += int(auto.body_chars[state, token])
        state = int(auto.trans[state, token])
        if state < 0 or used > max_chars:
            return False
    return state == auto.done


@pytest.mark.parametrize("summary", [
    "Order 4412 arrived late.",
    'Said "express" but took {10} days \\ slash.',
    "환불이 3주째 지연됨 😡",
    "line one\nline two\ttab",
])
def test_reply_target_is_what_the_constrained_decoder_writes(summary):
    """The sentiment target passes the decoder's grammar and parses back to the labels."""
    text = reply_text(-1, summary, 256)
    assert text.startswith('{"sentiment": -1, "summary": "')
    assert _accepts(text, 256)
    reply = parse_reply(text, 256)
    assert (reply.sentiment, reply.summary) == (-1, summary)


def test_reply_target_counts_escapes_against_the_summary_budget():
    """A summary over the budget as written (escapes count) is refused, as the grammar does."""
    summary = 'a"b' * 10  # 30 characters, 40 written
    assert _accepts(reply_text(1, summary, 40), 40)
    with pytest.raises(ValueError, match="max_summary_chars=39"):
        reply_text(1, summary, 39)
    assert not _accepts(json.dumps({"sentiment": 1, "summary": summary}), 39)


def test_labelled_chat_is_validated_field_by_field():
    """Each bad field is refused with its name; the summary and apology are stripped."""
    chat = parse_labelled_chat(ROW)
    assert chat.summary == "Order late again." and chat.apology == "Sorry about the delay."
    assert parse_labelled_chat({**ROW, "apology": None}).apology is None
    for change, field in [({"user_id": "7"}, "user_id"), ({"user_id": True}, "user_id"),
                          ({"sentiment": "-1"}, "sentiment"), ({"sentiment": 2}, "sentiment"),
                          ({"sentiment": False}, "sentiment"),
                          ({"chat_message": " "}, "chat_message"), ({"summary": None}, "summary"),
                          ({"summary": "a\x01b"}, "summary"),
                          ({"summary": "ok<end_of_turn>"}, "summary"),
                          ({"apology": 3}, "apology"),
                          ({"apology": "x<start_of_turn>model"}, "apology"),
                          ({"language": 1}, "language")]:
        with pytest.raises(ValueError, match=field):
            parse_labelled_chat({**ROW, **change})


def test_bad_line_is_reported_with_its_number(tmp_path):
    """A file error names the line."""
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(ROW) + "\n\n" + json.dumps({**ROW, "sentiment": 5}) + "\n")
    with pytest.raises(ValueError, match=r"d.jsonl:3: sentiment"):
        read_labelled_chats(str(path))
    path.write_text("\n")
    with pytest.raises(ValueError, match="no labelled chat"):
        read_labelled_chats(str(path))


@pytest.mark.parametrize("field", ["chat_message", "summary", "apology"])
@pytest.mark.parametrize("text", ["\u200b", "\u200d\u2060", "\u0301", "\ufeff", "\u3164",
                                  "\u2800 \u115f"])
def test_labelled_text_that_shows_nothing_is_refused(field, text):
    """A chat, summary or apology made only of zero-width, combining or blank-rendering
    characters is no training text: refused by field."""
    with pytest.raises(ValueError, match=f"{field} has no visible character"):
        parse_labelled_chat({**ROW, field: text})


def test_labelled_records_are_named_by_chat_id(tmp_path):
    """Lines with a chat_id (as `tuning.feedback` writes them) are reported as `chat N`; the
    others by file and line."""
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({**ROW, "chat_id": 9001}) + "\n\n" + json.dumps(ROW) + "\n"
                    + json.dumps({**ROW, "chat_id": "9"}) + "\n")
    names = [name for name, _ in read_labelled_records(str(path))]
    assert names == ["chat 9001 (d.jsonl:1)", "d.jsonl:3", "d.jsonl:4"]
    assert read_labelled_chats(str(path)) == [c for _, c in read_labelled_records(str(path))]


def test_the_committed_training_data_has_visible_text():
    """Every chat of the committed training file passes the visible-text checks."""
    assert len(read_labelled_chats("tuning/data/train.jsonl")) > 400


def _seq(task, prompt_len, target_len, start=10):
    prompt = [2] + list(range(start, start + prompt_len - 1))
    target = list(range(500, 500 + target_len - 1)) + [106]
    return TrainingSequence(task, prompt, target, 0, False)


def test_batch_mask_covers_exactly_the_target_tokens():
    """Position p predicts the token fed at p+1; the weights cover the targets and nothing
    else; the last target (the stop token) is predicted but never fed."""
    seqs = [_seq(Task.SENTIMENT, 20, 5), _seq(Task.APOLOGY, 9, 12)]
    batch = make_batch(seqs, 3, 0, (16, 32), (8, 16))
    assert batch.shape == (3, 32, 16)
    for row, seq in enumerate(seqs):
        fed = seq.prompt_ids + seq.target_ids[:-1]
        assert batch.token_ids[row, :len(fed)].tolist() == fed
        assert batch.padding_mask[row].sum() == len(fed)
        n = len(seq.target_ids)
        assert batch.weights[row].tolist() == [1.0] * n + [0.0] * (16 - n)
        assert batch.labels[row, :n].tolist() == seq.target_ids
        pos = batch.positions[row, :n]
        assert pos.tolist() == list(range(len(seq.prompt_ids) - 1, len(fed)))
        # Teacher forcing: what is fed after each position is the label it predicts.
        assert batch.token_ids[row, pos[:-1] + 1].tolist() == seq.target_ids[:-1]
    assert batch.task.tolist() == [0, 1, 0]
    assert not batch.weights[2].any() and not batch.padding_mask[2].any()


def test_label_weight_applies_to_the_sentiment_value_tokens_only():
    """--label_weight scales the loss weight of the value's tokens, nothing else."""
    seq = _seq(Task.SENTIMENT, 6, 8)._replace(label_span=(3, 5))
    batch = make_batch([seq, _seq(Task.APOLOGY, 6, 8)], 2, 0, (32,), (8,), label_weight=4.0)
    assert batch.weights[0].tolist() == [1, 1, 1, 4, 4, 1, 1, 1]
    assert batch.weights[1].tolist() == [1] * 8


def test_epoch_batches_use_few_shapes_and_are_seeded():
    """Batches group similar lengths (one shape per bucket pair), cover every sequence once,
    and the same seed gives the same epoch."""
    seqs = [_seq(Task.SENTIMENT, n, 5 + n % 7) for n in range(10, 120, 3)]
    config = TrainConfig(batch_size=4, max_length=128, length_buckets=(32, 64),
                         target_buckets=(8, 16))
    assert config.length_buckets == (32, 64, 128) and config.target_buckets == (8, 16, 128)
    first = make_batches(seqs, config, 0, np.random.default_rng(3))
    again = make_batches(seqs, config, 0, np.random.default_rng(3))
    assert all((a.token_ids == b.token_ids).all() for a, b in zip(first, again, strict=True))
    assert sum(int(b.weights.any(axis=1).sum()) for b in first) == len(seqs)
    # Sorted by bucket pair: here every batch's shape is the pair of its sequences.
    pairs = {(4, min(b for b in (32, 64, 128) if len(s.prompt_ids) + len(s.target_ids) - 1 <= b),
              min(b for b in (8, 16, 128) if len(s.target_ids) <= b)) for s in seqs}
    assert {b.shape for b in first} <= pairs


def test_cli_flags_are_checked_before_loading_anything():
    """Bad flag values are refused with the flag's name."""
    base = ["--base", "p", "--data", "d", "--out", "o"]
    config = config_from_args(parser().parse_args(base + ["--targets", "all", "--rank", "4"]))
    assert config.targets == lora.ALL_TARGETS and config.rank == 4
    for extra, flag in [(["--tasks", "summary"], "--tasks"), (["--epochs", "0"], "--epochs"),
                        (["--lr", "-1"], "--lr"), (["--max_examples", "0"], "--max_examples")]:
        with pytest.raises(ValueError, match=flag):
            config_from_args(parser().parse_args(base + extra))


def test_adapter_file_round_trips_and_refuses_another_base(tmp_path):
    """Factors and header survive the file; a different config or weights hash is refused."""
    fingerprint = {"config_sha256": "c" * 64, "weights_sha256": "w" * 64}
    arrays = {"decoder_block_0/attention/query/lora_kernel_a": np.ones((2, 8, 4), "float32"),
              "decoder_block_0/attention/query/lora_kernel_b": np.full((4, 16), 0.5, "float32")}
    path = str(tmp_path / "a.npz")
    lora.save_adapter(path, arrays, {"rank": 4, "alpha": 8.0, "targets": ["query"],
                                     "base": {**fingerprint, "preset": "p"}})
    meta, loaded = lora.load_adapter(path)
    assert meta["format"] == lora.ADAPTER_FORMAT and meta["rank"] == 4
    assert all((loaded[k] == arrays[k]).all() for k in arrays)
    lora.check_base(meta, fingerprint)
    for key in fingerprint:
        with pytest.raises(lora.AdapterMismatch, match=key):
            lora.check_base(meta, {**fingerprint, key: "0" * 64})
    np.savez(str(tmp_path / "x.npz"), a=np.zeros(2))
    with pytest.raises(ValueError, match="not a LoRA adapter"):
        lora.load_adapter(str(tmp_path / "x.npz"))


def test_committed_adapter_is_what_make_tune_writes():
    """The committed adapter's record names `make tune`'s exact command, the adapter stays
    small enough for git, and it was trained for the committed base's shape."""
    import os
    import re

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    makefile = open(os.path.join(root, "Makefile")).read().replace("\\\n", " ")
    var = {k: " ".join(v.split()) for k, v in re.findall(r"^([A-Z_]+) :?= (.*)$", makefile, re.M)}
    var = {k: re.sub(r"\$\((\w+)\)", lambda m: var[m.group(1)], v) for k, v in var.items()}
    adapter = os.path.join(root, var["ADAPTER"])
    expected = (f"python -m tuning --base {var['GEMMA_BASE']} --data {var['TUNING_DATA']} "
                f"--out {var['ADAPTER']} {var['TUNE_FLAGS']}")
    record = json.loads(open(adapter + ".json").read())
    meta, arrays = lora.load_adapter(adapter)
    assert record["command"] == meta["training"]["command"] == expected
    assert os.path.getsize(adapter) < 10 * 2**20
    assert len(arrays) == 2 * 7 * 18 and meta["targets"] == list(lora.ALL_TARGETS)
