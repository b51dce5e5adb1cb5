"""The apology draft contract (`pipeline.drafts.draft_problems`), in English and Korean."""

import json
import os

import pytest

from pipeline.drafts import CHECKS, draft_problems

EN_CHAT = ("\nid 7: There was a hair in my carbonara. I'm disgusted.\n"
           "id 90: I'm so sorry. I've refunded the carbonara to your card.\n"
           "id 7: Fine, but I won't order from there again.\n")
KO_CHAT = ("\nid 7: 주문한 파인애플 피자에 토핑이 거의 없어요. 너무 실망이에요\n"
           "id 90: 불편을 드려 죄송합니다. 피자 금액은 환불 처리해 드렸습니다.\n"
           "id 7: 네.. 다음엔 안 시킬게요\n")


def checks(draft, chat, topic_words=None):
    return [p.check for p in draft_problems(draft, chat, 7, topic_words)]


def test_a_good_draft_passes_in_both_languages():
    """An apology to the customer naming the problem and the agent's own offer passes."""
    assert checks("We're sorry you found a hair in your carbonara. The refund for it is on "
                  "its way to your card.", EN_CHAT) == []
    assert checks("고객님, 주문하신 파인애플 피자에 토핑이 부족해 정말 죄송합니다. 피자 금액은 "
                  "환불해 드렸습니다.", KO_CHAT) == []


@pytest.mark.parametrize("draft", [
    "We're sorry about the hair in your carbonara. We'll email you within 24 hours.",
    "We're sorry about the hair in your carbonara. A manager will call you back.",
    "We're sorry about the hair in your carbonara. Here is a voucher for 20% off.",
])
def test_a_promise_no_agent_made_fails(draft):
    """An email, a deadline, a call or a voucher that nobody offered fails `only_offered`."""
    assert "only_offered" in checks(draft, EN_CHAT)


def test_a_korean_promise_no_agent_made_fails():
    assert "only_offered" in checks(
        "고객님, 피자 토핑이 부족해 죄송합니다. 내일까지 쿠폰을 문자로 보내 드리겠습니다.", KO_CHAT)


def test_the_problem_described_in_the_apology_clause_is_not_a_promise():
    """"Sorry your refund is late" names the problem; it promises no refund."""
    chat = "\nid 7: My refund still hasn't arrived after two weeks!\nid 3: I see the request.\n"
    assert "only_offered" not in checks("We're sorry your refund still hasn't arrived.", chat)
    assert "only_offered" in checks(
        "We're sorry for the wait, and your refund will arrive tomorrow.", chat)


def test_a_memo_about_the_customer_fails_register_and_addressing():
    """The demo's old draft: a memo about the customer, no apology, a split word."""
    memo = ("고객님, 파인애플이 피자에 들어간 토핑은 정말 짜증이 나고 고객은 불만족함. 파인애 플에 "
            "이토록 토핑이 들어간 피자는 정말 짜증을 남겨 여러분이 불만족함을 표함.")
    failed = checks(memo, KO_CHAT)
    assert {"addressed", "register", "apologises", "clean"} <= set(failed)


def test_english_third_person_and_no_apology_fail():
    failed = checks("The customer is unhappy about the hair in the carbonara.", EN_CHAT)
    assert {"addressed", "apologises"} <= set(failed)


@pytest.mark.parametrize("draft, chat", [
    ("We're sorry about the hair in your carbonara. The dish is refunded, and you're relieved.",
     EN_CHAT),
    ("We're sorry about the hair in your carbonara. It's refunded and the chef is pleased.",
     EN_CHAT),
    ("고객님, 피자 토핑이 부족해 죄송합니다. 환불해 드려 고객님께서 만족하셨습니다.", KO_CHAT),
])
def test_telling_a_complaining_customer_they_are_pleased_fails(draft, chat):
    """A happy ending carried over from other chats' summaries fails `mood`."""
    assert "mood" in checks(draft, chat)


@pytest.mark.parametrize("draft, chat", [
    ("We're sorry about the hair in your carbonara. We're happy to refund it, as we did.",
     EN_CHAT),
    ("고객님, 피자 토핑이 부족해 불만족스러우셨을 텐데 정말 죄송합니다. 환불해 드렸습니다.",
     KO_CHAT),
])
def test_an_offer_we_are_glad_to_make_or_a_named_displeasure_is_no_mood_fault(draft, chat):
    assert "mood" not in checks(draft, chat)


def test_language_and_sentence_count():
    assert "language" in checks("We're sorry about your pizza toppings.", KO_CHAT)
    four = "We're sorry about the hair. It was wrong. It won't happen. Truly sorry, carbonara."
    assert "sentences" in checks(four, EN_CHAT)


@pytest.mark.parametrize("draft", [
    "We're sorry about the hair in your carbonara such a hard time.cpuCycle",
    "We're sorry about the hair in your carbonara<start_of_image>.",
    "We're sorry about the hair in your carbonara Привет.",
    "We're sorry about the hair in your carbo nara.",
])
def test_junk_fails_clean(draft):
    assert "clean" in checks(draft, EN_CHAT)


def test_a_draft_that_names_nothing_from_the_chat_fails():
    assert "names_problem" in checks("We're sorry for the trouble you had.", EN_CHAT)
    assert "names_problem" in checks("We're sorry about your pasta.", EN_CHAT, ["hair"])


@pytest.mark.parametrize("draft, chat", [
    ("We're sorry you found a hair in your carbonara. We're sorry the carbonara you got had "
     "a hair in it.", EN_CHAT),
    ("We're sorry you found a hair in your carbonara. The refund is on its way. "
     "We're sorry you found a hair in your carbonara.", EN_CHAT),
    ("고객님, 파인애플 피자에 토핑이 부족해 죄송합니다. 고객님, 주문하신 파인애플 피자의 토핑이 "
     "부족해 정말 죄송합니다.", KO_CHAT),
])
def test_a_sentence_said_twice_or_restated_fails_repeats(draft, chat):
    assert "repeats" in checks(draft, chat)


def test_a_draft_in_the_customers_own_first_person_fails_addressed():
    """The customer's "제 캐리어" / "my parcel" copied into the draft: it speaks as them. The
    agent's own first person ("제가 확인해 보니", "I'm sorry") is no fault."""
    ko_chat = ("\nid 7: 환승하다가 제 캐리어가 사라졌어요.\nid 90: 불편을 드려 죄송합니다. 위치를 "
               "확인해 연락드리겠습니다.\n")
    assert "addressed" in checks("고객님, 환승 중 제 캐리어가 사라져 정말 죄송합니다.", ko_chat)
    assert checks("고객님, 환승 중 캐리어가 사라져 정말 죄송합니다. 제가 위치를 확인해 "
                  "연락드리겠습니다.", ko_chat) == []
    en_chat = ("\nid 7: my parcel never came and I'm fuming.\nid 90: I'm sorry, I'll send a "
               "replacement today.\n")
    assert "addressed" in checks("We're sorry my parcel never came. A replacement is on its "
                                 "way today.", en_chat)
    assert checks("I'm sorry your parcel never came. A replacement is on its way today.",
                  en_chat) == []


def test_naming_the_item_again_in_the_offer_is_no_repeat():
    assert checks("We're sorry you found a hair in your carbonara. The carbonara is refunded "
                  "to your card.", EN_CHAT) == []
    assert checks("We're sorry about the hair in your carbonara. The carbonara with the hair "
                  "is refunded to your card.", EN_CHAT) == []
    assert checks("고객님, 토핑이 부족한 파인애플 피자를 받으셔서 죄송합니다. "
                  "토핑 부족 피자 금액은 환불해 드렸습니다.", KO_CHAT) == []


def test_the_docstrings_own_restatement_fails():
    from pipeline.drafts import restated_sentence, sentences

    draft = ("We're sorry your kettle arrived broken. We're sorry the kettle you received was "
             "broken.")
    assert restated_sentence(sentences(draft), "en") == \
        "We're sorry the kettle you received was broken."


def test_a_number_not_in_the_chat_fails():
    assert "only_offered" in checks(
        "We're sorry about the hair in your carbonara; the refund of $40 is on its way.",
        EN_CHAT)


def test_every_training_apology_passes_the_contract():
    """The apology targets the model learns from pass the contract they are judged by (a
    few flagged by the word lists' limits are allowed, not more than 3%)."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tuning", "data", "train.jsonl")
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    drafted = [r for r in rows if r["apology"]]
    failing = [(r["apology"], [str(p) for p in draft_problems(r["apology"], r["chat_message"],
                                                              r["user_id"])])
               for r in drafted]
    failing = [f for f in failing if f[1]]
    assert len(failing) <= 0.03 * len(drafted), failing[:5]


def test_checks_are_reported_in_contract_order():
    problems = draft_problems("The customer is fine.", KO_CHAT, 7)
    order = [CHECKS.index(p.check) for p in problems]
    assert order == sorted(order)


def test_the_better_of_two_drafts():
    """Fewer failed checks win, the first draft on a tie, and an empty draft never wins (it
    would send a chat with a usable redraft to the error sink)."""
    from pipeline.elements import Draft, better_draft

    first, second = Draft("a", ("x", "y")), Draft("b", ("x",))
    assert better_draft(first, second) is second
    assert better_draft(second, Draft("c", ("z",))) is second
    empty = Draft("  ", ("empty: no draft",))
    redraft = Draft("We're sorry.", ("names_problem", "only_offered"))
    assert better_draft(empty, redraft) is redraft and better_draft(redraft, empty) is redraft


ROW = {"chat_message": EN_CHAT, "user_id": 7}


def test_a_sentence_that_promises_what_no_agent_offered_is_left_out():
    """The draft passes without its invented promise: the rest is kept, in order, word for
    word, and the record says one sentence was dropped."""
    from pipeline.elements import check_draft

    draft = check_draft("We're sorry you found a hair in your carbonara. A manager will call "
                        "you back tomorrow. The refund is on its way to your card.", ROW)
    assert draft.problems == ()
    assert draft.text == ("We're sorry you found a hair in your carbonara. The refund is on "
                          "its way to your card.")
    assert draft.dropped == 1


def test_a_draft_is_focused_on_its_apology_and_the_agents_offer():
    """What a reviewer gets: the first apology and the sentences repeating an offer an agent
    made; descriptions, second apologies and questions (where a small model invents facts)
    are left out and counted, in both languages."""
    from pipeline.elements import check_draft

    draft = check_draft("We're sorry you found a hair in your carbonara. The kitchen has been "
                        "cleaned and the chef is angry. The refund is on its way to your card. "
                        "We're sorry it ruined your evening.", ROW)
    assert draft[:3] == ("We're sorry you found a hair in your carbonara. The refund is on its way "
                     "to your card.", (), 2)
    ko = check_draft("고객님, 주문하신 파인애플 피자에 토핑이 부족해 정말 죄송합니다. "
                     "주문 번호를 알려 주시겠어요? 피자 금액은 환불해 드렸습니다.",
                     {**ROW, "chat_message": KO_CHAT})
    assert ko[:3] == ("고객님, 주문하신 파인애플 피자에 토핑이 부족해 정말 죄송합니다. 피자 금액은 "
                  "환불해 드렸습니다.", (), 1)


def test_a_sentence_saying_what_the_agent_said_is_kept():
    """No commitment word, but the agent's own words ("removed the block", "재세탁"): kept;
    a sentence of the customer's words, not the agent's, is left out."""
    from pipeline.elements import check_draft

    chat = ("\nid 7: My card was declined in Lisbon and I'm stuck at the restaurant.\n"
            "id 90: I'm sorry. I've removed the block, so your card works for the rest of your "
            "trip.\nid 7: Took long enough.\n")
    draft = check_draft("We're sorry your card was declined in Lisbon. The block is removed and "
                        "your card works for the rest of your trip. You're stuck at the "
                        "restaurant.", {"chat_message": chat, "user_id": 7})
    assert draft[:3] == ("We're sorry your card was declined in Lisbon. The block is removed and "
                     "your card works for the rest of your trip.", (), 1)
    ko_chat = ("\nid 7: 맡긴 셔츠가 누렇게 변해서 왔어요.\nid 90: 죄송합니다. 다시 가져오시면 "
               "재세탁해 드리겠습니다.\n")
    text = "고객님, 셔츠가 누렇게 변해 정말 죄송합니다. 다시 가져오시면 재세탁해 드리겠습니다."
    assert check_draft(text, {"chat_message": ko_chat, "user_id": 7})[:3] == (text, (), 0)


def test_focusing_never_costs_a_passing_draft_its_pass():
    """When the apology alone names nothing from the chat, the whole passing draft is kept."""
    from pipeline.elements import check_draft

    text = "We're so sorry about this. The hair in your carbonara should never have happened."
    assert check_draft(text, ROW)[:3] == (text, (), 0)


def test_a_failing_ending_is_cut_back_to_the_opening_that_passes():
    from pipeline.elements import check_draft

    draft = check_draft("We're sorry you found a hair in your carbonara. The customer is "
                        "happy now.", ROW)
    assert (draft.text, draft.problems, draft.dropped) == (
        "We're sorry you found a hair in your carbonara.", (), 1)


def test_a_draft_that_fails_however_it_is_cut_keeps_its_text_and_its_problems():
    """Nothing is trimmed into a pass that is not there: a one-sentence failure, or one
    whose opening sentence fails, stays as the model wrote it, flagged."""
    from pipeline.elements import check_draft, trimmed_draft

    one = "We'll email you within 24 hours about the carbonara."
    assert trimmed_draft(one, ROW) is None
    two = "The carbonara had a hair in it. We'll email you within 24 hours."
    draft = check_draft(two, ROW)
    assert draft.text == two and draft.dropped == 0
    assert {"apologises", "only_offered"} <= {p.split(":")[0] for p in draft.problems}


def test_a_passing_draft_is_never_trimmed():
    from pipeline.elements import check_draft

    text = ("We're sorry you found a hair in your carbonara. The refund for it is on its way "
            "to your card.")
    assert check_draft(text, ROW)[:3] == (text, (), 0)


def test_trimming_never_joins_two_lines_into_a_sentence_that_hides_a_promise():
    """Lines without end punctuation are sentences of their own; joined with a space, "we
    will call you" would share the apology's sentence (whose clause is exempt) and the
    invented callback would pass. The trimmed draft splits into the sentences kept."""
    from pipeline.drafts import sentences
    from pipeline.elements import check_draft

    text = ("We're sorry you found a hair in your carbonara\n"
            "a manager will call you back tomorrow\n"
            "Best regards <start_of_image>")
    draft = check_draft(text, ROW)
    assert draft.problems or "call you back" not in draft.text, draft
    assert set(sentences(draft.text)) <= set(sentences(text))


def test_trimming_keeps_the_line_breaks_between_the_sentences_it_keeps():
    from pipeline.drafts import sentences
    from pipeline.elements import check_draft

    text = ("We're sorry you found a hair in your carbonara\n"
            "The refund is on its way to your card\n"
            "A manager will call you back tomorrow.")
    draft = check_draft(text, ROW)
    assert draft.problems == () and draft.dropped == 1
    assert sentences(draft.text) == sentences(text)[:2]


def test_a_long_rambling_draft_trimmed_to_its_opening_still_makes_a_review_record():
    """A small model that loops writes many short lines; cut back to the opening that
    passes, the draft is a review record (not an error), however many lines were left."""
    from pipeline.elements import check_draft, review_record

    text = "We're sorry you found a hair in your carbonara.\n" + "\n".join(
        f"Line {word} here" for word in ("one two three four five six seven eight nine ten "
                                         "eleven twelve thirteen fourteen fifteen sixteen "
                                         "seventeen eighteen nineteen twenty").split())
    draft = check_draft(text, ROW)
    assert (draft.problems, draft.dropped) == ((), 20)  # the apology alone kept
    row = {"chat_id": 1, "user_id": 7, "chat_message": EN_CHAT, "sentiment": -1,
           "summary": "A hair in the carbonara.", "model_variant": "a",
           "prompt_version": "v1", "processed_at": "2026-01-01T00:00:00Z"}
    record = review_record(row, draft, "negative")
    assert record["draft_sentences_dropped"] == 20


def test_a_draft_that_only_offers_gets_the_rules_apology_marked_as_not_the_models():
    """The model's draft names the agent's refund but never apologises: the rules' opener
    goes before it (Korean: in place of its salutation), it passes, and it is marked; a draft
    with another fault besides is left failing, and a passing one is never opened."""
    from pipeline.elements import Draft, check_draft, opened_draft

    ko_row = {"chat_message": KO_CHAT, "user_id": 7}
    draft = check_draft("고객님, 파인애플 피자 금액은 환불해 드렸습니다.", ko_row)
    assert [p.split(":")[0] for p in draft.problems] == ["apologises"]
    opened = opened_draft(draft, ko_row)
    assert opened == ("고객님, 불편을 드려 정말 죄송합니다. "
                      "파인애플 피자 금액은 환불해 드렸습니다.", (), 0, True)
    en = check_draft("The refund for the carbonara is on its way to your card.", ROW)
    assert opened_draft(en, ROW).text == ("We're sorry for the trouble. The refund for the "
                                          "carbonara is on its way to your card.")
    invented = check_draft("A manager will call you back tomorrow about the carbonara.", ROW)
    assert opened_draft(invented, ROW) is None
    good = check_draft("We're sorry you found a hair in your carbonara.", ROW)
    assert opened_draft(good, ROW) is None and opened_draft(Draft("", ("empty",)), ROW) is None


def test_a_korean_dependent_noun_after_its_space_is_no_split_word():
    """'배송준비 중으로' where the chat wrote '배송준비중': the spelling rule, not junk;
    '파인애 플에' for '파인애플' stays a split word."""
    chat = ("\nid 7: 약이 일주일째 배송준비중이에요. 파인애플도 빠졌어요.\n"
            "id 90: 확인하겠습니다.\n")
    assert "clean" not in checks("고객님, 약이 일주일째 배송준비 중으로 지연되어 정말 죄송합니다.",
                                 chat)
    assert "clean" in checks("고객님, 파인애 플이 빠져 정말 죄송합니다.", chat)


def test_the_breakers_drafts():
    """Cases a reviewer of the focus and the opener found: an offer of the agent's kind
    alone does not keep an invented sentence; "고객님께" keeps its particle after the opener; a
    greeting stays first (no opener); "내" meaning "within" is no first person; "사과합니다"
    and "regret" apologise."""
    from pipeline.elements import check_draft, opened_draft

    chat = ("\nid 7: My refund is late!\nid 2: I'll chase the refund with billing today.\n")
    row = {"chat_message": chat, "user_id": 7}
    draft = check_draft("We're sorry your refund is late. The app was updated today and the "
                        "error is fixed.", row)
    assert draft.text == "We're sorry your refund is late." and draft.dropped == 1
    ko_row = {"chat_message": KO_CHAT, "user_id": 7}
    opened = opened_draft(check_draft("고객님께 피자 금액을 환불해 드렸습니다.", ko_row), ko_row)
    assert opened.text == ("고객님, 불편을 드려 정말 죄송합니다. "
                           "고객님께 피자 금액을 환불해 드렸습니다.")
    greeted = check_draft("Dear customer 7, the refund for the carbonara is on your card.", ROW)
    assert opened_draft(greeted, ROW) is None
    within = ("\nid 7: 피자 토핑이 없어요. 3일 내 환불해 준다던데요.\nid 90: 죄송합니다. 3일 내 "
              "환불 처리해 드리겠습니다.\n")
    assert "addressed" not in checks("고객님, 피자 토핑이 없어 죄송합니다. 3일 내 환불해 "
                                     "드리겠습니다.", within)
    assert "apologises" not in checks("고객님, 피자 토핑이 부족해 사과합니다.", KO_CHAT)
    assert "apologises" not in checks("We regret the hair in your carbonara.", EN_CHAT)


def test_an_agents_question_is_not_kept_in_the_message_after_the_chat():
    """The agent asked for the order number during the chat; a draft repeating the question
    (with or without its question mark) keeps only its apology."""
    from pipeline.elements import check_draft

    chat = ("\nid 7: 음식이 다 식어서 왔어요.\nid 90: 죄송합니다. 주문 번호를 알려 주시겠어요?\n"
            "id 7: 12345요\n")
    row = {"chat_message": chat, "user_id": 7}
    for ending in (".", "?"):
        draft = check_draft("고객님, 음식이 식어서 정말 죄송합니다. "
                            f"주문 번호를 알려 주시겠어요{ending}", row)
        assert draft[:3] == ("고객님, 음식이 식어서 정말 죄송합니다.", (), 1)


def test_no_opener_goes_before_a_draft_that_asks_a_question():
    from pipeline.elements import check_draft, opened_draft

    chat = ("\nid 7: 음식이 다 식어서 왔어요.\nid 90: 죄송합니다. 주문 번호를 알려 주시겠어요?\n"
            "id 7: 12345요\n")
    row = {"chat_message": chat, "user_id": 7}
    draft = check_draft("고객님, 음식이 식은 건은 주문 번호를 알려 주시겠어요?", row)
    assert [p.split(":")[0] for p in draft.problems] == ["apologises"]
    assert opened_draft(draft, row) is None
