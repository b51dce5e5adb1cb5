"""Synthetic support chats (English and Korean) with their ideal replies and apology drafts.

What `builders.small_gemma` trains the small from-scratch model on, and what the benchmarks
and tests use when they need many plausible chats: deterministic for a seed, rendered with
the product's own prompts (`prompts.render_sentiment_prompt`, `prompts.render_apology_prompt`).
"""

from __future__ import annotations

import json
import random

from prompts import load_prompt_set, render_apology_prompt, render_sentiment_prompt

# The small model learns the prompts of this version (no topic: its synthetic chats' topics
# are not a taxonomy's); the pipeline's default version asks for a topic, which the reply
# grammar then makes it write anyway.
PROMPT_VERSION = "v3"

__all__ = ["synthetic_examples", "training_pairs"]

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


def training_pairs(examples: list[dict], max_summary_chars: int) -> list[tuple[str, str]]:
    """(prompt, target) pairs in the pipeline's own format: every chat's sentiment prompt
    with its ideal JSON reply, and the apology prompt with its draft for every negative chat
    and every chat whose id is a multiple of 3; each target ends with `<end_of_turn>`."""
    pairs = []
    prompt_set = load_prompt_set(PROMPT_VERSION)
    for ex in examples:
        reply = json.dumps({"sentiment": ex["sentiment"], "summary": ex["summary"]},
                           ensure_ascii=False)
        pairs.append((render_sentiment_prompt(ex["chat_message"], ex["user_id"],
                                              max_summary_chars, prompt_set=prompt_set).text,
                      reply + "<end_of_turn>"))
        if ex["sentiment"] == -1 or ex["id"] % 3 == 0:
            apology = render_apology_prompt(ex["chat_message"], ex["user_id"], ex["summary"],
                                            prompt_set=prompt_set)
            pairs.append((apology.text, ex["apology"] + "<end_of_turn>"))
    return pairs
