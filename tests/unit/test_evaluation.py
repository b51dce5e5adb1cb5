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
    """Language, topic and repetition of an apology draft."""
    good = "We are sorry your refund is late. We will email you by Friday."
    assert apology_problems(good, "en", ["refund"]) == []
    assert "not in ko" in apology_problems(good, "ko", ["refund"])
    assert "repeats itself" in apology_problems("Sorry. Sorry.", "en", [])
    assert "does not name the problem" in apology_problems("We are sorry.", "en", ["refund"])


def test_helpers():
    """Sentences split after end punctuation and at line breaks; Hangul decides Korean."""
    assert sentences("One. Two!\nThree") == ["One.", "Two!", "Three"]
    assert language_of("환불 요청 refund") == "ko" and language_of("refund 환") == "en"
