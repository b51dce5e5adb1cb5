"""Builds the small Gemma-2-architecture demo preset (`make demo-model`).

Gemma weights cannot be downloaded on a fresh machine without a Kaggle account, so the demo
ships a recipe instead of weights: a SentencePiece tokenizer trained here, a tiny
`GemmaBackbone` with the Gemma-2 flags, trained for about a minute on synthetic support chats
(English and Korean) rendered with the product's own prompts. It is saved with
`save_to_preset` and the pipeline loads it only through `CausalLM.from_preset`, exactly like a
real Gemma preset. Its answers are a demo, not a claim of quality.

    python -m handlers.demo_model --out models/demo-gemma [--steps 300] [--random-weights]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

from prompts import render_apology_prompt, render_sentiment_prompt  # noqa: E402

__all__ = [
    "DemoConfig",
    "build_demo_preset",
    "synthetic_examples",
    "train_tokenizer",
]

_LOGGER = logging.getLogger(__name__)

SPECIAL_PIECES = ("<start_of_turn>", "<end_of_turn>")

# (English topic, Korean topic): what the synthetic chats are about.
_TOPICS = [
    ("pineapple on the pizza", "파인애플 피자"),
    ("a late delivery", "늦은 배달"),
    ("cold fries", "식은 감자튀김"),
    ("a missing drink", "빠진 음료"),
    ("a refund", "환불"),
    ("the new menu", "새 메뉴"),
    ("the opening hours", "영업 시간"),
    ("a wrong order", "잘못된 주문"),
    ("the vegan burger", "비건 버거"),
    ("a coupon code", "쿠폰 코드"),
    ("the delivery driver", "배달 기사"),
    ("a birthday cake", "생일 케이크"),
]

_EN = {
    1: (["Thanks, {t} was great!", "I love {t}, well done.", "Great service with {t}, thank you!",
         "{t} was perfect, thanks so much!", "Really happy with {t}. Fantastic!",
         "Just wanted to say {t} was excellent.", "Wonderful job on {t}, we loved it."],
        ["Glad to hear it!", "Thank you for the kind words.", "That's wonderful to hear."],
        ["Perfect, have a nice day.", "Awesome, thanks again!", "Will order again!",
         "You made my day."]),
    0: (["Can you tell me about {t}?", "I have a question about {t}.", "How does {t} work?",
         "What are the details of {t}?", "Is there any information on {t}?",
         "Quick question about {t}."],
        ["Sure, here are the details.", "Let me check that for you.", "Yes, here is the info."],
        ["Ok, thanks.", "Fine, noted.", "Got it.", "Ok."]),
    -1: (["I am really angry about {t}!", "{t} was terrible.", "This is awful, {t} again!",
          "{t} was a disaster, I'm furious.", "Very disappointed with {t}.",
          "{t} was cold and late. Unacceptable.", "I want a refund for {t}, this is ridiculous."],
         ["Sorry, we will look into it.", "I apologise for that.", "I'm so sorry about that."],
         ["Unacceptable. I am very upset.", "Terrible service, I want a fix!",
          "I'm fed up, never again.", "Still not happy at all."]),
}
_KO = {
    1: (["{t} 정말 좋았어요, 감사합니다!", "{t} 최고예요!", "{t} 너무 만족스러워요.",
         "{t} 덕분에 기분이 좋아요!"],
        ["감사합니다!", "좋은 말씀 감사합니다.", "기쁩니다!"],
        ["좋은 하루 되세요.", "다시 한번 감사해요!", "또 주문할게요."]),
    0: (["{t}에 대해 알려 주세요.", "{t} 관련 질문이 있어요.", "{t}는 어떻게 되나요?"],
        ["네, 확인해 드릴게요.", "안내해 드리겠습니다."],
        ["네, 알겠습니다.", "확인했어요.", "네."]),
    -1: (["{t} 때문에 정말 짜증이 나요!", "{t} 정말 끔찍해요.", "{t} 너무 실망스러워요.",
          "{t} 때문에 화가 나요."],
         ["죄송합니다, 확인하겠습니다.", "불편을 드려 죄송합니다."],
         ["있을 수 없는 일이에요. 정말 기분이 나빠요!", "정말 실망했어요!",
          "다시는 주문 안 해요."]),
}
# Summaries and apologies name the topic but not the user id: a model this small copies
# words from the chat far more reliably than digit strings.
_SUMMARY_EN = {1: "The customer is happy with {t}.", 0: "The customer asked about {t}.",
               -1: "The customer is unhappy about {t}."}
_SUMMARY_KO = {1: "고객이 {t}에 만족했습니다.", 0: "고객이 {t}에 대해 문의했습니다.",
               -1: "고객이 {t}에 불만이 있습니다."}
_APOLOGY_EN = "We are very sorry about {t}. We will make it right as soon as possible."
_APOLOGY_KO = "{t} 문제로 불편을 드려 정말 죄송합니다. 바로 해결하겠습니다."
_FILLER_EN = ["Hi.", "Hello there.", "Order number 4411.", "I ordered on the app.",
              "It was for dinner.", "Let me check.", "One moment please."]
_FILLER_KO = ["안녕하세요.", "주문 번호는 4411입니다.", "앱으로 주문했어요.", "잠시만요."]


class DemoConfig:
    """Sizes of the demo model; small enough to train on 2 CPU cores in about a minute."""

    vocabulary_size = 1200
    num_layers = 2
    num_query_heads = 4
    num_key_value_heads = 1
    hidden_dim = 96
    intermediate_dim = 256
    head_dim = 24
    sequence_length = 256
    max_summary_chars = 256


def synthetic_examples(n: int, seed: int = 0) -> list[dict]:
    """Deterministic synthetic chats with their ideal replies and apology drafts."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sentiment = rng.choice([1, 0, -1])
        korean = rng.random() < 0.35
        topic_en, topic_ko = rng.choice(_TOPICS)
        topic = topic_ko if korean else topic_en
        lines = (_KO if korean else _EN)[sentiment]
        user, agent = rng.randint(1, 999), rng.randint(1, 999)
        turns = [(user, rng.choice(lines[0]).format(t=topic)), (agent, rng.choice(lines[1])),
                 (user, rng.choice(lines[2]))]
        for _ in range(rng.randint(0, 2)):
            turns.insert(rng.randint(0, 2), (rng.choice([user, agent]),
                                             rng.choice(_FILLER_KO if korean else _FILLER_EN)))
        chat = "".join(f"\nid {who}: {text}" for who, text in turns) + "\n"
        summary = (_SUMMARY_KO if korean else _SUMMARY_EN)[sentiment].format(u=user, t=topic)
        out.append({
            "id": i, "user_id": user, "chat_message": chat, "sentiment": sentiment,
            "summary": summary,
            "apology": (_APOLOGY_KO if korean else _APOLOGY_EN).format(u=user, t=topic),
        })
    return out


def _pairs(examples: list[dict], max_summary_chars: int) -> list[tuple[str, str]]:
    pairs = []
    for ex in examples:
        reply = json.dumps({"sentiment": ex["sentiment"], "summary": ex["summary"]},
                           ensure_ascii=False)
        pairs.append((render_sentiment_prompt(ex["chat_message"], ex["user_id"],
                                              max_summary_chars).text, reply + "<end_of_turn>"))
        if ex["sentiment"] == -1 or ex["id"] % 3 == 0:
            apology = render_apology_prompt(ex["chat_message"], ex["user_id"], ex["summary"])
            pairs.append((apology.text, ex["apology"] + "<end_of_turn>"))
    return pairs


def train_tokenizer(texts: list[str], vocabulary_size: int) -> bytes:
    """Trains a Gemma-style SentencePiece model: pad=0, eos=1, bos=2, unk=3, byte fallback.

    The turn markers are user-defined pieces, as in Gemma's own tokenizer, so they are single
    tokens; byte fallback means any text (emoji, rare scripts, control characters) encodes.
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
        user_defined_symbols=list(SPECIAL_PIECES),
        byte_fallback=True,
        character_coverage=1.0,
        split_digits=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        num_threads=2,
        minloglevel=2,
    )
    return proto.getvalue()


def _backbone(config: DemoConfig, vocabulary_size: int):
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
            # two positions cover a boundary shift). `make demo` prints how many sample
            # chats the result labels like samples/labels.json does.
            value_at = len(p) + len(sp.encode('{"sentiment": '))
            weights[i, value_at: value_at + 2] = 4.0

    x = {"token_ids": token_ids[:, :-1], "padding_mask": mask[:, :-1]}
    return x, token_ids[:, 1:], weights[:, 1:]


def build_demo_preset(
    out_dir: str,
    steps: int = 400,
    seed: int = 0,
    random_weights: bool = False,
    config: DemoConfig | None = None,
) -> str:
    """Builds, trains (unless `random_weights`) and saves a Gemma-2-architecture preset."""
    import keras
    import keras_hub

    config = config or DemoConfig()
    keras.utils.set_random_seed(seed)
    examples = synthetic_examples(2000, seed=seed)
    pairs = _pairs(examples, config.max_summary_chars)
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
    parser.add_argument("--out", default="models/demo-gemma", help="Preset directory.")
    parser.add_argument("--steps", type=int, default=400, help="Approximate training steps.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (deterministic).")
    parser.add_argument("--random-weights", action="store_true",
                        help="Skip training (a random-weight preset, for tests).")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    path = build_demo_preset(args.out, steps=args.steps, seed=args.seed,
                             random_weights=args.random_weights)
    print(f"demo preset written to {path}")


if __name__ == "__main__":
    main()
