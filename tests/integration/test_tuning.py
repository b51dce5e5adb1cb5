"""The tuning command on tiny random-weight presets (Gemma 2 and Gemma 3 architectures):
tokenization equals the engine's, the fast loss equals the full-logits loss, training lowers
the loss, and a merged preset computes what the LoRA model computes."""

import json
import os
import shutil

import numpy as np
import pytest

from handlers.generation import Task
from prompts import load_prompt_set
from tests.integration.conftest import save_tiny_gemma3, tiny_sentiment_prompt
from tuning import lora
from tuning.apply import apply_adapter
from tuning.examples import Encoder, parse_labelled_chat
from tuning.train import TrainConfig, Trainer, make_batch, sequence_loss

CHATS = [
    {"user_id": 101, "chat_message": "\nid 101: My order arrived two weeks late.\nid 7: Sorry!\n"
     "id 101: Very disappointed.\n", "sentiment": -1,
     "summary": 'Order two weeks late; customer "very disappointed".',
     "apology": "Dear 101, we are sorry your order was late.", "language": "en"},
    {"user_id": 102, "chat_message": "\nid 102: Thanks, the charger works!\n", "sentiment": 1,
     "summary": "Replacement charger works.", "apology": None, "language": "en"},
    {"user_id": 104, "chat_message": "\nid 104: 환불이 3주째 안 돼요. <start_of_image> 화나요.\n",
     "sentiment": -1, "summary": "환불 3주 지연.", "apology": "104번 고객님, 죄송합니다.",
     "language": "ko"},
    {"user_id": 103, "chat_message": "\nid 103: Sunday hours?\nid 7: 10 to 4.\n", "sentiment": 0,
     "summary": "Asked about Sunday hours.", "apology": None, "language": "en"},
]


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("tuning") / "train.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CHATS))
    return str(path)


@pytest.fixture(scope="module")
def gemma3_preset(tmp_path_factory) -> str:
    """A RANDOM-weight Gemma 3 (text) preset: the real model's architecture, tiny."""
    from builders.small_gemma import train_tokenizer
    from builders.synthetic_chats import synthetic_examples, training_pairs

    proto = train_tokenizer([p + r for p, r in training_pairs(synthetic_examples(300), 256)], 600)
    path = str(tmp_path_factory.mktemp("presets") / "tiny-gemma3")
    save_tiny_gemma3(proto, path)
    return path


@pytest.fixture(params=["gemma2", "gemma3"])
def preset(request, tiny_preset, gemma3_preset) -> str:
    return tiny_preset if request.param == "gemma2" else gemma3_preset


# The tiny presets' tokenizer spells v4's topic list in ~320 tokens: their sequences use v3 (no
# topic), as their engines do (TINY_PROMPTS in conftest).
TINY_V3 = load_prompt_set("v3")


def _load(preset):
    from handlers import keras_hub_compat

    return keras_hub_compat.load_causal_lm(preset)


def _sequences(model, max_length=512):
    encoder = Encoder(model.preprocessor.tokenizer)
    return encoder, encoder.encode([parse_labelled_chat(c) for c in CHATS], 256, max_length,
                                   prompt_set=TINY_V3)


def test_prompt_tokens_are_the_engines(tiny_preset):
    """Training prompts are tokenized exactly as CausalLMEngine tokenizes what the pipeline
    sends (special pieces in the chat neutralised, BOS first, long chats cut at the start)."""
    from handlers.engine import CausalLMEngine
    from prompts import render_apology_prompt

    engine = CausalLMEngine(tiny_preset, max_batch_size=2, length_buckets=(256, 512))
    encoder = Encoder(engine.tokenizer)
    prompts = [tiny_sentiment_prompt(c["chat_message"], c["user_id"], 256) for c in CHATS]
    prompts.append(render_apology_prompt(CHATS[2]["chat_message"], 104, CHATS[2]["summary"]))
    prompts.append(tiny_sentiment_prompt("\nid 5: " + "very late order " * 80, 5, 256))
    for budget in (10**6, 300):
        ids, truncated = engine._encode(prompts, budget)
        assert [p for p, _ in encoder.prompt_ids(prompts, budget)] == ids
        assert [t for _, t in encoder.prompt_ids(prompts, budget)] == truncated
    assert any(truncated)


def test_targets_are_the_replies_and_stop_token(preset):
    """Each target decodes to the reply the pipeline parses (or the apology) and ends with
    <end_of_turn>; negatives with an apology give a second sequence."""
    from pipeline.elements import parse_reply

    model = _load(preset)
    encoder, seqs = _sequences(model)
    tok = model.preprocessor.tokenizer
    assert [s.task for s in seqs].count(Task.APOLOGY) == 2
    assert [s.task for s in seqs].count(Task.SENTIMENT) == 4
    for seq in seqs:
        assert seq.target_ids[-1] == tok.token_to_id("<end_of_turn>") == encoder.stop_id
        text = str(tok.detokenize([seq.target_ids[:-1]])[0])
        chat = CHATS[seq.chat_index]
        if seq.task == Task.SENTIMENT:
            reply = parse_reply(text, 256)
            assert (reply.sentiment, reply.summary) == (chat["sentiment"], chat["summary"])
            start, end = seq.label_span  # the tokens that write the value, and only those
            assert 0 < start < end
            assert str(tok.detokenize([seq.target_ids[start:end]])[0]).strip() == \
                str(chat["sentiment"])
            assert str(tok.detokenize([seq.target_ids[:start]])[0]) == '{"sentiment":'
        else:
            assert text == chat["apology"] and seq.label_span == (0, 0)
        assert seq.prompt_ids[0] == tok.start_token_id


def test_long_prompts_lose_the_chat_start_to_fit_max_length(tiny_preset):
    """A sequence longer than max_length keeps its instructions and target, cut from the chat."""

    model = _load(tiny_preset)
    encoder = Encoder(model.preprocessor.tokenizer)
    long = parse_labelled_chat({**CHATS[1], "chat_message": "id 102: " + "fine thanks " * 200})
    (seq,) = encoder.encode([long], 256, 400, tasks=(Task.SENTIMENT,),
                            prompt_set=TINY_V3)
    assert seq.truncated and len(seq.prompt_ids) + len(seq.target_ids) - 1 <= 400
    assert seq.prompt_ids[-20:] == encoder.prompt_ids(
        [tiny_sentiment_prompt(long.chat_message, 102, 256)], 10**6)[0][0][-20:]


def test_target_only_logits_give_the_full_logits_loss(preset):
    """Logits at the target positions only (the fast path) give the same per-token loss as
    the model's own full forward pass (soft cap included), gathered afterwards."""
    import jax

    model = _load(preset)
    _, seqs = _sequences(model)
    pad = int(model.preprocessor.tokenizer.pad_token_id)
    batch = make_batch(seqs[:3], 4, pad, (128, 256, 512), (16, 32, 64, 512))
    fast = np.asarray(sequence_loss(model.backbone, batch, gather_first=True))
    slow = np.asarray(sequence_loss(model.backbone, batch, gather_first=False))
    logits = np.asarray(model({"token_ids": batch.token_ids,
                               "padding_mask": batch.padding_mask}), dtype=np.float64)
    picked = np.take_along_axis(logits, batch.positions[..., None], axis=1)
    ref = (np.asarray(jax.nn.logsumexp(picked, axis=-1))
           - np.take_along_axis(picked, batch.labels[..., None], axis=-1)[..., 0])
    w = batch.weights > 0
    np.testing.assert_allclose(fast[w], slow[w], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fast[w], ref[w], rtol=1e-4, atol=1e-4)


def test_training_lowers_the_loss_and_touches_only_lora(preset):
    """A few steps on one tiny batch lower its loss; frozen weights do not move."""
    import keras

    keras.utils.set_random_seed(0)
    model = _load(preset)
    _, seqs = _sequences(model)
    pad = int(model.preprocessor.tokenizer.pad_token_id)
    batch = make_batch(seqs, 6, pad, (512,), (64,))
    before = [np.asarray(v).copy() for v in model.backbone.weights]
    config = TrainConfig(rank=4, alpha=8.0, lr=2e-2, warmup_fraction=0.0, targets=lora.ALL_TARGETS)
    lora.enable_lora(model.backbone, config.rank, config.alpha, config.targets)
    trainer = Trainer(model.backbone, config, total_steps=8)
    losses = [float(s[0] / s[1]) for s in (trainer.step(batch) for _ in range(8))]
    assert trainer.compiles == 1
    assert losses[-1] < losses[0] - 0.05, losses
    trainer.write_back()
    assert any(np.abs(np.asarray(v)).sum() for v in model.backbone.trainable_variables
               if v.path.endswith("lora_kernel_b"))
    frozen = [w for w in model.backbone.weights if "lora_kernel" not in w.path]
    assert all((np.asarray(w) == b).all() for w, b in zip(frozen, before, strict=True))


def test_merged_preset_computes_the_lora_models_logits(preset, tmp_path):
    """apply merges W + (alpha/rank) A B; plain from_preset of the result gives the LoRA
    model's logits, and the licence files and tuning.json travel with it."""
    import keras

    keras.utils.set_random_seed(1)
    preset = shutil.copytree(preset, str(tmp_path / "base"))  # gets a NOTICE.md below
    model = _load(preset)
    fingerprint = lora.base_fingerprint(model.backbone)
    lora.enable_lora(model.backbone, 4, 12.0, lora.ALL_TARGETS)
    rng = np.random.default_rng(0)
    for layer in lora.lora_layers(model.backbone).values():  # B starts at zero: make it count
        layer.lora_kernel_b.assign(rng.normal(0, 0.05, layer.lora_kernel_b.shape))
    adapter = str(tmp_path / "a.npz")
    lora.save_adapter(adapter, lora.adapter_arrays(model.backbone),
                      {"rank": 4, "alpha": 12.0, "targets": list(lora.ALL_TARGETS),
                       "base": {**fingerprint, "preset": preset}})
    open(os.path.join(preset, "NOTICE.md"), "w").write("terms\n")
    out = str(tmp_path / "merged")
    record = apply_adapter(preset, adapter, out)
    assert record["merged_kernels"] == len(lora.lora_layers(model.backbone))
    assert os.path.exists(os.path.join(out, "NOTICE.md"))
    assert os.path.exists(os.path.join(out, "tuning.json"))

    merged = _load(out)
    _, seqs = _sequences(merged)
    pad = int(merged.preprocessor.tokenizer.pad_token_id)
    batch = make_batch(seqs[:2], 2, pad, (512,), (64,))
    inputs = {"token_ids": batch.token_ids, "padding_mask": batch.padding_mask}
    lora_logits = np.asarray(model(inputs))
    base_logits = np.asarray(_load(preset)(inputs))
    merged_logits = np.asarray(merged(inputs))
    mask = batch.padding_mask
    assert np.abs(lora_logits - base_logits)[mask].max() > 1e-2  # the adapter does something
    np.testing.assert_allclose(merged_logits[mask], lora_logits[mask], rtol=1e-4, atol=1e-4)

    # The other way round: the adapter loaded into a fresh LoRA model gives the same logits.
    again = _load(preset)
    lora.load_into_lora(again.backbone, *lora.load_adapter(adapter))
    np.testing.assert_allclose(np.asarray(again(inputs))[mask], lora_logits[mask],
                               rtol=1e-5, atol=1e-5)


def test_adapter_for_another_base_is_refused(tiny_preset, tmp_path):
    """An adapter whose base fingerprint differs (one weight changed) is refused by apply."""
    model = _load(tiny_preset)
    fingerprint = lora.base_fingerprint(model.backbone)
    lora.enable_lora(model.backbone, 2, 2.0)
    adapter = str(tmp_path / "a.npz")
    lora.save_adapter(adapter, lora.adapter_arrays(model.backbone),
                      {"rank": 2, "alpha": 2.0, "targets": ["query", "value"],
                       "base": {**fingerprint, "preset": tiny_preset}})
    other = _load(tiny_preset)
    norm = other.backbone.get_layer("final_normalization").weights[0]
    norm.assign(np.asarray(norm) + 1e-3)
    other_path = str(tmp_path / "other")
    other.save_to_preset(other_path)
    with pytest.raises(lora.AdapterMismatch, match="weights_sha256"):
        apply_adapter(other_path, adapter, str(tmp_path / "out"))
    assert not os.path.exists(str(tmp_path / "out"))
    # The right base is accepted.
    apply_adapter(tiny_preset, adapter, str(tmp_path / "ok"))


@pytest.mark.slow
def test_cli_trains_reproducibly_and_reports_speed(tiny_preset, data_file, tmp_path, capsys):
    """`python -m tuning` writes an adapter + sidecar, prints per-epoch loss and the METRIC
    line, and the same seed gives the same adapter."""
    from tuning.train import main

    args = ["--base", tiny_preset, "--data", data_file, "--epochs", "2", "--rank", "2",
            "--batch_size", "3", "--lr", "1e-2", "--seed", "5", "--length_buckets", "512",
            "--target_buckets", "64", "--prompt_version", "v3"]
    first = main([*args, "--out", str(tmp_path / "a.npz")])
    out = capsys.readouterr().out
    assert "epoch 2/2: loss" in out and "METRIC tuning_examples_per_s" in out
    assert first["compiles"] == 1 and first["sequences"] == {"sentiment": 4, "apology": 2}
    sidecar = json.loads(open(tmp_path / "a.npz.json").read())
    assert sidecar["data_sha256"] and sidecar["config"]["seed"] == 5
    assert sidecar["command"].startswith("python -m tuning --base")
    main([*args, "--out", str(tmp_path / "b.npz")])
    (meta_a, a), (_, b) = lora.load_adapter(str(tmp_path / "a.npz")), \
        lora.load_adapter(str(tmp_path / "b.npz"))
    assert meta_a["training"]["final_loss"] == first["final_loss"]
    assert set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)

    # --init_adapter goes on from a's factors: with a vanishing learning rate they stay a's
    # (fresh factors would start with B = 0), and the record names where it started.
    go_on = main([*args, "--epochs", "1", "--lr", "1e-12", "--tasks", "apology",
                  "--init_adapter", str(tmp_path / "a.npz"), "--out", str(tmp_path / "c.npz")])
    _, c = lora.load_adapter(str(tmp_path / "c.npz"))
    assert all(np.allclose(a[k], c[k], atol=1e-6) for k in a)
    assert any(np.abs(a[k]).max() > 1e-3 for k in a if k.endswith("lora_kernel_b"))
    assert go_on["init_adapter"]["path"] == str(tmp_path / "a.npz")
    assert go_on["sequences"] == {"apology": 2}
    with pytest.raises(lora.AdapterMismatch, match="rank"):
        main([*args, "--rank", "4", "--init_adapter", str(tmp_path / "a.npz"),
              "--out", str(tmp_path / "d.npz")])


def _review_row(chat_id: int, chat: dict, variant: str = "a") -> dict:
    from pipeline.schemas import ReviewRecord

    return ReviewRecord(
        chat_id=chat_id, user_id=chat["user_id"], chat_message=chat["chat_message"],
        sentiment=chat["sentiment"], summary=chat["summary"], model_variant=variant,
        prompt_version="v1", processed_at="2025-06-01T12:00:00+00:00",
        review_reason="negative" if chat["sentiment"] == -1 else "low_confidence",
        apology_draft=chat["apology"] or "Sorry.").model_dump()


def _decision(chat_id: int, sequence: int, decision: str, reply: str | None = None,
              corrected: int | None = None) -> str:
    from pipeline.schemas import Feedback

    return Feedback(chat_id=chat_id, decision=decision, corrected_sentiment=corrected,
                    final_reply=reply, draft_edited=reply is not None, reviewer="ana",
                    decided_at="2025-06-01T13:00:00+00:00", sequence=sequence,
                    model_variant="a", prompt_version="v1").model_dump_json()


def test_feedback_tunes_a_preset_to_deploy_as_model_b(gemma3_preset, tmp_path):
    """`python -m tuning --feedback F --records RUN` trains on reviewers' last decisions joined
    with the run's records (bad lines and unknown chats counted, not fatal); the adapter's
    sidecar records the feedback file, its sha256 and the counts; `apply` merges it into a
    preset that plain from_preset loads, with weights that differ from the base's."""
    import hashlib

    from tuning.train import main

    run = tmp_path / "run"
    run.mkdir()
    (run / "review-00000-of-00001.jsonl").write_text(
        "".join(json.dumps(_review_row(i, c), ensure_ascii=False) + "\n"
                for i, c in enumerate(CHATS, start=1)))
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text("\n".join([
        _decision(1, 2, "approve", reply="Dear 101, sorry: a refund is on its way."),
        _decision(1, 1, "reject"),  # superseded, although later in the file
        _decision(2, 1, "reject", corrected=0),
        _decision(3, 1, "approve", reply="104번 고객님, 환불해 드렸습니다."),
        _decision(4, 1, "approve", reply="ok <chat>", corrected=-1),  # refused: a marker
        _decision(99, 1, "reject"),  # no model record
        '{"chat_id": 5, "decis',  # torn
    ]) + "\n")
    adapter = str(tmp_path / "fb.npz")
    record = main(["--base", gemma3_preset, "--feedback", str(feedback), "--records", str(run),
                   "--out", adapter, "--epochs", "1", "--rank", "2", "--batch_size", "4",
                   "--lr", "1e-2", "--length_buckets", "512", "--target_buckets", "64",
                   "--prompt_version", "v3"])
    counts = {"feedback_decisions": 6, "bad_feedback_lines": 1, "bad_record_lines": 0,
              "decision_copies": 0, "superseded": 1, "conflicting_decisions": 0,
              "no_model_record": 1, "ambiguous_model_record": 0, "invalid_example": 1,
              "chats": 3, "corrected": 1, "topic_corrected": 0, "apologies": 2,
              "rejected": 1}
    assert record["sequences"] == {"sentiment": 3, "apology": 2}
    sidecar = json.loads(open(adapter + ".json").read())
    assert (sidecar["data"], sidecar["data_sha256"]) == (None, None)
    assert sidecar["feedback"]["feedback"] == [
        {"path": str(feedback), "sha256": hashlib.sha256(feedback.read_bytes()).hexdigest()}]
    assert sidecar["feedback"]["counts"] == counts
    assert "--feedback" in sidecar["command"]

    out = str(tmp_path / "feedback-tuned")
    applied = apply_adapter(gemma3_preset, adapter, out)
    assert "--feedback" in applied["training"]["command"]
    base, tuned = _load(gemma3_preset), _load(out)
    base_w = {w.path: np.asarray(w) for w in base.backbone.weights}
    changed = [w.path for w in tuned.backbone.weights
               if not np.array_equal(np.asarray(w), base_w[w.path])]
    assert changed and all(("query" in p or "value" in p) and p.endswith("kernel")
                           for p in changed), changed


# --- Special pieces never reach a training target (issue 24, item 1) ---

# Pieces a real Gemma 3 tokenizer has beyond the tiny presets' turn markers.
GEMMA3_EXTRA_PIECES = ("<start_of_image>", "<end_of_image>", "<unused0>", "<unused99>",
                       "<mask>", "[multimodal]", "<img>")


def _gemma3_like_proto() -> bytes:
    from builders.small_gemma import train_tokenizer

    text = " ".join(c["chat_message"] + c["summary"] + (c["apology"] or "") for c in CHATS)
    return train_tokenizer([text + ' {"sentiment": -1, "summary": "x"} 0 1'] * 40, 400,
                           GEMMA3_EXTRA_PIECES)


@pytest.fixture(scope="module")
def gemma3_like_preset(tmp_path_factory) -> str:
    """A RANDOM-weight Gemma 3 preset whose tokenizer has Gemma 3's extra special pieces
    (`<start_of_image>`, `<unusedN>`, `[multimodal]`), as user-defined pieces: SentencePiece
    turns their text into their special ids, as the real tokenizer does."""
    path = str(tmp_path_factory.mktemp("presets") / "tiny-gemma3-pieces")
    save_tiny_gemma3(_gemma3_like_proto(), path, num_layers=1)
    return path


def _tokenizer(preset):
    import keras_hub

    return keras_hub.tokenizers.Tokenizer.from_preset(preset)


def _special_ids(tokenizer) -> set[int]:
    from handlers.special_pieces import PieceType, piece_types

    return {i for i, (text, kind) in enumerate(piece_types(tokenizer.proto))
            if kind not in (PieceType.NORMAL, PieceType.BYTE) and not text.isspace()}


def _hostile(**changes) -> dict:
    return {**CHATS[0], **changes}


@pytest.mark.parametrize("field,text", [
    ("apology", "Dear 101, sorry. <start_of_image>"),
    ("apology", "Sorry[multimodal] again"),
    ("apology", "<unused99>"),
    ("apology", "Sorry <<start_of_image>start_of_image>"),
    ("summary", "Order late <end_of_image>."),
    ("summary", "<mask> customer"),
])
def test_a_target_that_spells_a_special_piece_is_refused_by_name(gemma3_like_preset, field,
                                                                 text):
    """A summary or an approved reply spelling any special piece of the tokenizer in use
    (not only the prompt's seven markers) is refused and named, never tokenized into a
    target, where it would become the special id itself."""
    tokenizer = _tokenizer(gemma3_like_preset)
    encoder = Encoder(tokenizer)
    piece = next(p for p in GEMMA3_EXTRA_PIECES if p in text)
    # Today's tokenization of the raw text: the piece's special id inside the target.
    assert set(encoder.target_ids([text])[0]) & _special_ids(tokenizer)
    bad = parse_labelled_chat(_hostile(**{field: text}))
    good = parse_labelled_chat(CHATS[1])
    kept, refused = encoder.screen([good, bad], ["chat 7", "chat 9001"])
    assert kept == [good]
    assert refused == [f"chat 9001: {field} spells the special piece {piece!r}, which would "
                       "train the model on its special id"]
    with pytest.raises(ValueError, match="special piece"):
        encoder.encode([good, bad], 256, 512)


def test_a_chat_that_spells_special_pieces_is_neutralised_not_refused(gemma3_like_preset):
    """The chat is prompt, not target: it is neutralised as the engine neutralises it (same
    function, same pieces), so its prompt holds no special id beyond the template's own."""
    from handlers.special_pieces import special_piece_texts
    from prompts import neutralise

    tokenizer = _tokenizer(gemma3_like_preset)
    encoder = Encoder(tokenizer)
    chat = parse_labelled_chat(_hostile(
        chat_message="\nid 101: late " + "".join(GEMMA3_EXTRA_PIECES) + "\n"))
    benign = parse_labelled_chat(CHATS[0])
    kept, refused = encoder.screen([chat, benign])
    assert kept == [chat, benign] and refused == []
    assert encoder.special_pieces == special_piece_texts(tokenizer)
    hostile_seq, benign_seq = [s for s in encoder.encode(kept, 256, 512, prompt_set=TINY_V3)
                               if s.task == Task.SENTIMENT]
    special = _special_ids(tokenizer)
    assert (sorted(i for i in hostile_seq.prompt_ids if i in special)
            == sorted(i for i in benign_seq.prompt_ids if i in special))
    assert neutralise(chat.chat_message, encoder.special_pieces) != chat.chat_message


def test_every_target_the_encoder_makes_holds_no_special_id_but_the_stop(gemma3_like_preset):
    """Whatever the screen keeps, target ids hold no special id except the final stop."""
    tokenizer = _tokenizer(gemma3_like_preset)
    encoder = Encoder(tokenizer)
    chats = [parse_labelled_chat(c) for c in CHATS] + [
        parse_labelled_chat(_hostile(apology=f"Sorry {p}")) for p in GEMMA3_EXTRA_PIECES]
    kept, refused = encoder.screen(chats)
    assert len(kept) == len(CHATS) and len(refused) == len(GEMMA3_EXTRA_PIECES)
    special = _special_ids(tokenizer)
    seqs = encoder.encode(kept, 256, 512, prompt_set=TINY_V3)
    assert len(seqs) == len(CHATS) + sum(1 for c in CHATS if c["apology"])
    for seq in seqs:
        assert not set(seq.target_ids[:-1]) & special, seq


def test_refused_feedback_chats_are_counted_in_the_run_record(gemma3_like_preset, tmp_path):
    """`python -m tuning --feedback`: an approved reply `<start_of_image>` and a model summary
    spelling `<unused0>` are refused by chat id, counted in the sidecar, and the run trains on
    the rest."""
    from tuning.train import main

    rows = [(1, CHATS[0]), (2, CHATS[1]), (3, {**CHATS[2]}),
            (4, {**CHATS[3], "summary": "Asked <unused0> hours."})]
    run = tmp_path / "run"
    run.mkdir()
    (run / "review-0.jsonl").write_text("".join(
        json.dumps(_review_row(i, c), ensure_ascii=False) + "\n" for i, c in rows))
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text("\n".join([
        _decision(1, 1, "approve", reply="Dear 101, sorry: a refund is on its way."),
        _decision(2, 1, "reject"),
        _decision(3, 1, "approve", reply="<start_of_image>"),
        _decision(4, 1, "reject"),
    ]) + "\n")
    adapter = str(tmp_path / "refused.npz")
    record = main(["--base", gemma3_like_preset, "--feedback", str(feedback), "--records",
                   str(run), "--out", adapter, "--epochs", "1", "--rank", "2",
                   "--length_buckets", "512", "--target_buckets", "64", "--prompt_version", "v3"])
    sidecar = json.loads(open(adapter + ".json").read())
    assert sidecar["refused"] == record["refused"] == {"special_piece": 2}
    assert [r.split(":")[0] for r in sidecar["refused_chats"]] == ["chat 3", "chat 4"]
    assert "'<start_of_image>'" in sidecar["refused_chats"][0]
    assert "summary" in sidecar["refused_chats"][1] and "'<unused0>'" in sidecar["refused_chats"][1]
    assert sidecar["chats"] == 2 and record["sequences"] == {"sentiment": 2, "apology": 1}
