"""Builds the small from-scratch Gemma-2-architecture preset (`make small-model`).

`models/small-gemma` is what `make bench` and `make reliability` push thousands of chats
through: a SentencePiece tokenizer trained here, a tiny `GemmaBackbone` with the Gemma-2 flags,
trained for a few minutes on 2 CPU cores on synthetic support chats (English and Korean,
`builders.synthetic_chats`) rendered with the product's own prompts. It is saved with
`save_to_preset` and the pipeline loads it only through `CausalLM.from_preset`, exactly like a
real Gemma preset. Its answers are a demo, not a claim of quality. (The demo model,
`models/demo-gemma`, is Gemma 3 270M with the committed LoRA adapter: `make demo-model`.)

    python -m builders.small_gemma --out models/small-gemma [--steps 400] [--random-weights]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import time

from builders.synthetic_chats import synthetic_examples, training_pairs

__all__ = [
    "SPECIAL_PIECES",
    "SmallGemmaConfig",
    "build_small_preset",
    "main",
    "train_tokenizer",
]

_LOGGER = logging.getLogger(__name__)

SPECIAL_PIECES = ("<start_of_turn>", "<end_of_turn>")


class SmallGemmaConfig:
    """Sizes of the small model; small enough to train on 2 CPU cores in minutes."""

    vocabulary_size = 1200
    num_layers = 2
    num_query_heads = 4
    num_key_value_heads = 1
    hidden_dim = 96
    intermediate_dim = 256
    head_dim = 24
    sequence_length = 256
    max_summary_chars = 256


def train_tokenizer(texts: list[str], vocabulary_size: int,
                    extra_pieces: tuple[str, ...] = ()) -> bytes:
    """Trains a Gemma-style SentencePiece model: pad=0, eos=1, bos=2, unk=3, byte fallback.

    The turn markers (and `extra_pieces`, e.g. Gemma 3's image markers) are user-defined
    pieces, as in Gemma's own tokenizer, so they are single tokens; byte fallback means any
    text (emoji, rare scripts, control characters) encodes.
    """
    import sentencepiece as spm

    proto = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=proto,
        vocab_size=vocabulary_size,
        model_type="bpe",
        pad_id=0, eos_id=1, bos_id=2, unk_id=3,
        pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>", unk_piece="<unk>",
        user_defined_symbols=[*SPECIAL_PIECES, *extra_pieces],
        byte_fallback=True,
        character_coverage=1.0,
        split_digits=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        num_threads=2,
        minloglevel=2,
    )
    return proto.getvalue()


def _backbone(config: SmallGemmaConfig, vocabulary_size: int):
    import keras_hub

    # The Gemma-2 flags: post-norms, logit soft-capping, sliding-window attention.
    return keras_hub.models.GemmaBackbone(
        vocabulary_size=vocabulary_size,
        num_layers=config.num_layers,
        num_query_heads=config.num_query_heads,
        num_key_value_heads=config.num_key_value_heads,
        hidden_dim=config.hidden_dim,
        intermediate_dim=config.intermediate_dim,
        head_dim=config.head_dim,
        query_head_dim_normalize=True,
        use_post_ffw_norm=True,
        use_post_attention_norm=True,
        final_logit_soft_cap=30.0,
        attention_logit_soft_cap=50.0,
        use_sliding_window_attention=True,
        sliding_window_size=128,
    )


def _training_arrays(pairs, tokenizer_proto: bytes, sequence_length: int):
    import numpy as np
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=tokenizer_proto)
    n = len(pairs)
    token_ids = np.zeros((n, sequence_length + 1), dtype="int32")
    weights = np.zeros((n, sequence_length + 1), dtype="float32")
    mask = np.zeros((n, sequence_length + 1), dtype="bool")
    for i, (prompt, reply) in enumerate(pairs):
        p = [sp.bos_id()] + sp.encode(prompt)
        r = sp.encode(reply)
        ids = (p + r)[: sequence_length + 1]
        token_ids[i, : len(ids)] = ids
        mask[i, : len(ids)] = True
        # Loss only on the reply: the model learns to answer, not to echo prompts. The
        # sentiment value is one token among ~20, so it weighs more.
        weights[i, len(p): len(ids)] = 1.0
        if reply.startswith('{"sentiment": '):
            # Around the value token (the key's own encoding length is a close estimate;
            # two positions cover a boundary shift). `python -m pipeline.run_summary OUT
            # samples/labels.json` on a run with this model prints how many sample chats it
            # labels like samples/labels.json does.
            value_at = len(p) + len(sp.encode('{"sentiment": '))
            weights[i, value_at: value_at + 2] = 4.0

    x = {"token_ids": token_ids[:, :-1], "padding_mask": mask[:, :-1]}
    return x, token_ids[:, 1:], weights[:, 1:]


def build_small_preset(
    out_dir: str,
    steps: int = 400,
    seed: int = 0,
    random_weights: bool = False,
    config: SmallGemmaConfig | None = None,
) -> str:
    """Builds, trains (unless `random_weights`) and saves a Gemma-2-architecture preset."""
    import keras
    import keras_hub

    config = config or SmallGemmaConfig()
    keras.utils.set_random_seed(seed)
    examples = synthetic_examples(2000, seed=seed)
    pairs = training_pairs(examples, config.max_summary_chars)
    proto = train_tokenizer([p + r for p, r in pairs], config.vocabulary_size)
    tokenizer = keras_hub.models.GemmaTokenizer(proto=proto)
    preprocessor = keras_hub.models.GemmaCausalLMPreprocessor(
        tokenizer=tokenizer, sequence_length=config.sequence_length)
    backbone = _backbone(config, tokenizer.vocabulary_size())
    causal_lm = keras_hub.models.GemmaCausalLM(backbone=backbone, preprocessor=None)
    if not random_weights:
        x, y, w = _training_arrays(pairs, proto, config.sequence_length)
        causal_lm.compile(
            optimizer=keras.optimizers.AdamW(learning_rate=3e-3, weight_decay=0.01),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()],
        )
        batch_size = 16
        epochs = max(1, steps * batch_size // len(pairs))
        start = time.time()
        causal_lm.fit(x, y, sample_weight=w, batch_size=batch_size, epochs=epochs,
                      verbose=2, shuffle=True)
        _LOGGER.info("trained %d epochs in %.1fs", epochs, time.time() - start)
    model = keras_hub.models.GemmaCausalLM(backbone=backbone, preprocessor=preprocessor)
    os.makedirs(out_dir, exist_ok=True)
    model.save_to_preset(out_dir)
    return out_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="models/small-gemma",
                        help="Preset directory. Default: models/small-gemma (not the demo model).")
    parser.add_argument("--steps", type=int, default=400, help="Approximate training steps.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (deterministic).")
    parser.add_argument("--random-weights", action="store_true",
                        help="Skip training (a random-weight preset, for tests).")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    path = build_small_preset(args.out, steps=args.steps, seed=args.seed,
                              random_weights=args.random_weights)
    print(f"demo preset written to {path}")


if __name__ == "__main__":
    main()
