"""The quality checks of `make eval` on hand-made summaries and apologies."""

from pipeline.evaluation import apology_problems, language_of, sentences, summary_problems


def test_a_good_summary_passes():
    """One sentence, short, in the chat's language, naming the topic."""
    assert summary_problems("Refund for broken headphones is late; customer is upset.", 160,
                            "en", ["refund", "headphones"]) == []
    assert summary_problems("헤드폰 환불이 늦어져 고객이 화가 남.", 160, "ko", ["환불"]) == []


def test_bad_summaries_are_caught():
    """Too many sentences, too long, repeated, wrong language, no topic."""
    assert "3 sentences" in summary_problems("A. B. C.", 160, "en", [])
    assert "20 characters" in summary_problems("x" * 20, 10, "en", [])
    assert "repeats itself" in summary_problems(
        "the customer is happy with it and the customer is happy with it", 160, "en", [])
    assert "not in ko" in summary_problems("Refund is late.", 160, "ko", [])
    assert "does not name the topic" in summary_problems("Customer is upset.", 160, "en",
                                                         ["refund"])


def test_apology_checks():
    """An apology draft is judged by the contract, check by check (`pipeline.drafts`)."""
    chat = "\nid 5: My refund is late!\nid 2: I'll chase the refund with billing today.\n"
    good = "We're sorry your refund is late. We're chasing it with billing today."
    assert apology_problems(good, chat, 5, ["refund"]) == []
    assert apology_problems("We are sorry about your refund. We will email you by Friday.",
                            chat, 5, ["refund"]) == ["only_offered"]
    assert "repeats" in apology_problems("Sorry, refund. Sorry, refund.", chat, 5)
    assert "names_problem" in apology_problems("We are sorry, truly.", chat, 5, ["refund"])


def test_report_counts_checks_per_language_and_scores_the_confidence():
    """The report has per-language agreement, the contract's checks, ECE and AUROC."""
    from pipeline.evaluation import report

    chat = "\nid 5: My refund is late!\nid 2: I'll chase the refund with billing today.\n"
    labels = {1: {"id": 1, "sentiment": -1, "language": "en", "topic_words": ["refund"]},
              2: {"id": 2, "sentiment": 0, "language": "en", "topic_words": ["refund"]}}
    base = {"user_id": 5, "chat_message": chat, "summary": "Refund is late; upset."}
    records = {"results": [{**base, "chat_id": 2, "sentiment": 1,
                            "sentiment_confidence": 0.6}],
               "review": [{**base, "chat_id": 1, "sentiment": -1, "sentiment_confidence": 0.9,
                           "apology_draft": "We're sorry your refund is late. We will email "
                                            "you.", "draft_attempts": 2}],
               "errors": []}
    text = report(records, labels, 256, wall_seconds=10)
    assert "en: 1/2 (50.0%)" in text
    assert "whole contract 0/1 (0.0%) (the model's own drafts); 0 more open" in text
    assert "redrafted 1" in text
    assert "only_offered 0/1 (0.0%)" in text and "apologises 1/1 (100.0%)" in text
    assert "METRIC eval_confidence_auroc 1.000" in text
    assert "METRIC eval_seconds_per_chat 5.000" in text


def test_helpers():
    """Sentences split after end punctuation and at line breaks; Hangul decides Korean."""
    assert sentences("One. Two!\nThree") == ["One.", "Two!", "Three"]
    assert language_of("환불 요청 refund") == "ko" and language_of("refund 환") == "en"


def test_the_report_scores_topics_against_the_labels():
    """Accuracy of the whole label and of the major alone, per language, the confusion by
    major, the labels mistaken, and the topic confidence's ranking; nothing about topics when
    the run wrote none."""
    from pipeline.evaluation import report, topic_of

    def label(i, language, major, minor):
        return {"id": i, "sentiment": 0, "language": language, "topic_words": [],
                "topic": {"major": major, "minor": minor}}

    labels = {1: label(1, "en", "delivery", "late"), 2: label(2, "en", "billing", "refund"),
              3: label(3, "ko", "billing", "overcharge"), 4: label(4, "ko", "general", "other")}
    rows = [(1, "delivery", "late", 0.9), (2, "billing", "overcharge", 0.4),
            (3, "billing", "overcharge", 0.8), (4, "delivery", "late", 0.3)]
    records = {"results": [{"chat_id": i, "user_id": 1, "chat_message": "x", "sentiment": 0,
                            "summary": "s", "topic_major": M, "topic_minor": m,
                            "topic_confidence": c} for i, M, m, c in rows],
               "review": [], "errors": []}
    text = report(records, labels, 256)
    assert "== topics: 2/4 (50.0%) right (major.minor), 3/4 (75.0%) by major category ==" in text
    assert "  en: 1/2 (50.0%)" in text and "METRIC eval_topic_accuracy_ko 0.500" in text
    assert "billing.refund as billing.overcharge 1" in text
    assert "general.other as delivery.late 1" in text
    assert "METRIC eval_topic_confidence_auroc 1.000" in text
    row = next(line for line in text.splitlines() if line.startswith("  billing "))
    assert row.split()[1:] == ["2", "0", "0"]  # columns: billing, delivery, general
    assert topic_of({"topic_major": None, "topic_minor": None}) is None
    for r in records["results"]:
        r["topic_major"] = r["topic_minor"] = None
    assert "topics" not in report(records, labels, 256)


def test_a_draft_opened_with_the_rules_apology_is_not_counted_as_the_models():
    """A passing draft whose apology is the rules' opener counts as a failed model draft,
    and is reported apart."""
    from pipeline.evaluation import report

    chat = "\nid 5: My refund is late!\nid 2: I'll chase the refund with billing today.\n"
    labels = {1: {"id": 1, "sentiment": -1, "language": "en", "topic_words": ["refund"]}}
    row = {"user_id": 5, "chat_message": chat, "summary": "Refund is late; upset.",
           "chat_id": 1, "sentiment": -1, "sentiment_confidence": 0.9,
           "apology_draft": "We're sorry for the trouble. Your refund is being chased with "
                            "billing today.", "draft_opener": True}
    text = report({"results": [], "review": [row], "errors": []}, labels, 256, wall_seconds=1)
    assert "whole contract 0/1 (0.0%) (the model's own drafts); 1 more open with the rules' " \
           "apology (1 of them pass)" in text
    assert "METRIC eval_apologies_opened_en 1.000" in text
