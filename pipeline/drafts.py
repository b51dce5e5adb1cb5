"""The apology draft contract: what a draft must be before a reviewer sees it as a good one.

`draft_problems(draft, chat_message, user_id)` returns the contract's failed checks (empty
when the draft passes), each a `Problem` with the check's name and what failed. The pipeline
(`pipeline.transforms.DraftApologies`), the evaluation (`pipeline.evaluation`) and the tests
share it. The checks, per language (the chat's, `language_of` its customer's lines):

* `language`: written in the chat's language.
* `addressed`: to the customer (English: second person; Korean: `고객님`), never about them
  ("the customer is…", "고객은…"), and never in the customer's own first person, their
  words copied ("제 캐리어가 잃어버려", "sorry my parcel…" where the customer wrote "제
  캐리어", "my parcel").
* `register` (Korean): a letter's honorific register: every sentence ends politely
  (`-습니다`, `-드립니다`, `-세요`…), none in a memo's form (`…함.`, `…음.`, `…됨.`).
* `apologises`: an explicit apology.
* `mood`: never tells the customer (an apology answers a complaint) that they are pleased,
  relieved or satisfied ("…and you're relieved", "고객님이 만족하셨습니다"): a 270M model
  carries a happy ending over from summaries of other chats.
* `names_problem`: names something the chat is about (a content word of the chat; with
  `topic_words`, one of those).
* `sentences`: one to three sentences.
* `only_offered`: promises only what an agent in the chat said: every commitment (refund,
  replacement, credit, escalation, callback, message, deadline, investigation, visit) in a
  clause that is not the apology itself must be named in an agent's line too, and every
  number in the draft must be in the chat.
* `clean`: no junk: characters of other scripts, special pieces (`<start_of_image>`),
  identifiers glued to words (`time.cpuCycle`), words split by a stray space (`파인애 플`).
* `repeats`: no sentence or five-word run twice, and no second apology for what an earlier
  sentence apologised for, in other words (most of its content words again: "We're sorry
  your kettle arrived broken. We're sorry the kettle you received was broken.").

The checks are word lists and patterns (`pipeline/data/draft_rules.json`), not a model: they
catch the faults that recur in drafts, and they can be wrong on unusual phrasing. A flagged
draft is shown to the reviewer with its problems (`ReviewRecord.draft_problems`).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections import Counter
from typing import NamedTuple

__all__ = ["CHECKS", "Problem", "agent_lines", "banned_words", "customer_lines",
           "customers_first_person", "draft_problems", "focused_sentences", "is_question",
           "junk_in", "language_of", "opener", "repeated_phrase", "restated_sentence",
           "sentences"]

CHECKS = ("language", "addressed", "register", "apologises", "mood", "names_problem",
          "sentences", "only_offered", "clean", "repeats")

_RULES_PATH = os.path.join(os.path.dirname(__file__), "data", "draft_rules.json")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_TURN = re.compile(r"^\s*id\s+(\d+)\s*:\s?(.*)$")
_SPECIAL_PIECE = re.compile(r"<\s*/?\s*(start|end)_of_\w+\s*>|<unused\d+>|<(bos|eos|pad|mask)>|"
                            r"\[multimodal\]|<\|[^|>]*\|>")
# An identifier glued to a word: camelCase, or a letter right after sentence punctuation
# ("time.cpuCycle"). Checked only for tokens the chat itself does not contain (a URL, a code).
_GLUED = re.compile(r"[A-Za-z]+[.!?][A-Za-z]{2,}|\b[a-z]+[A-Z][a-z]+\w*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_EN_WORD = re.compile(r"[a-z][a-z'-]+")
_KO_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")
_KO_CLAUSE = re.compile(r"[,;]\s*|(?<=[며고])\s+")
_EN_CLAUSE = re.compile(r"[,;:]\s*|\s+(?:and|but|while|so)\s+")


class Problem(NamedTuple):
    """A failed check: its name (one of `CHECKS`) and what failed."""

    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.detail}"


@functools.cache
def _rules() -> dict:
    with open(_RULES_PATH, encoding="utf-8") as f:
        rules = json.load(f)
    compiled = {name: {lang: re.compile(p, re.IGNORECASE) for lang, p in by_lang.items()}
                for name, by_lang in rules.items()
                if name in ("apology", "pleased", "second_person", "third_person", "memo_ending",
                            "polite_ending")}
    compiled["commitments"] = {cat: {lang: re.compile(p, re.IGNORECASE)
                                     for lang, p in by_lang.items()}
                               for cat, by_lang in rules["commitments"].items()}
    compiled["stopwords"] = {lang: frozenset(words.split())
                             for lang, words in rules["stopwords"].items()}
    compiled["allowed_script"] = re.compile(rules["allowed_script"])
    compiled["banned_words"] = tuple(rules["banned_words"])
    compiled["openers"] = dict(rules["openers"])
    compiled["dependent_nouns_ko"] = frozenset(rules["dependent_nouns_ko"].split())
    return compiled


def opener(language: str) -> str:
    """The rules' apology sentence (`openers`), put before a draft that does not apologise."""
    return _rules()["openers"][language]


def banned_words() -> tuple[str, ...]:
    """Words the decoder never lets a draft write (the engine's `banned_words`): a draft
    speaks to the customer, so it has no word for them in the third person."""
    return _rules()["banned_words"]


def sentences(text: str) -> list[str]:
    """Sentences of a summary or draft (split after . ! ? or at line breaks)."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def language_of(text: str) -> str:
    """"ko" when Hangul makes up at least a third of the letters, else "en"."""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    return "ko" if hangul and hangul * 3 >= hangul + latin else "en"


def _turns(chat_message: str) -> list[tuple[int | None, str]]:
    turns = []
    for line in chat_message.splitlines():
        match = _TURN.match(line)
        if match:
            turns.append((int(match.group(1)), match.group(2)))
        elif line.strip():
            turns.append((None, line.strip()))
    return turns


def customer_lines(chat_message: str, user_id: int) -> str:
    """The customer's turns (`id <user_id>: …`), one per line."""
    return "\n".join(text for speaker, text in _turns(chat_message) if speaker == user_id)


def agent_lines(chat_message: str, user_id: int) -> str:
    """Every other speaker's turns: what the company's side said."""
    return "\n".join(text for speaker, text in _turns(chat_message)
                     if speaker is not None and speaker != user_id)


def _clauses(text: str, language: str) -> list[str]:
    splitter = _KO_CLAUSE if language == "ko" else _EN_CLAUSE
    return [c for s in sentences(text) for c in splitter.split(s) if c.strip()]


def commitments(text: str, language: str) -> set[str]:
    """The commitment categories a text names (`draft_rules.json`)."""
    return {cat for cat, by_lang in _rules()["commitments"].items()
            if by_lang[language].search(text)}


def _stems(text: str, language: str) -> set[str]:
    """Content words' stems: a Korean word's first two syllables (before particles and
    endings), an English word's first five letters; stopwords left out."""
    stop = _rules()["stopwords"][language]
    if language == "ko":
        return {w[:2] for w in _KO_WORD.findall(text) if w not in stop and w[:2] not in stop}
    words = {w.strip("'-") for w in _EN_WORD.findall(text.lower())}
    return {w[:5] for w in words if len(w) >= 3 and w not in stop}


def _names_something_from(draft: str, chat: str, language: str) -> bool:
    """Whether a content word of the draft is in the chat (by stem, anywhere in a word)."""
    lowered = chat.lower()
    if language == "ko":
        return any(stem in lowered for stem in _stems(draft, language))
    chat_words = {w.strip("'-") for w in _EN_WORD.findall(lowered)}
    return any(w.startswith(stem) for stem in _stems(draft, language) for w in chat_words)


def repeated_phrase(text: str, n: int = 5) -> str | None:
    """The first run of `n` words that occurs twice in `text` (lower-cased), or None."""
    words = text.lower().split()
    grams = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    repeated = [g for g, c in grams.items() if c > 1]
    return " ".join(repeated[0]) if repeated else None


# A question: the agent's own mid-chat question ("주문 번호를 알려 주시겠어요?") copied into
# the message sent after the chat asks again what the chat already settled.
_QUESTION = re.compile(r"\?\s*$|(시겠어요|까요|나요|습니까)[.!]?\s*$")
# Korean: 제, 저의, 나의 + a word ("내" is also "within": "3일 내 환불").
_FIRST_PERSON = {"ko": re.compile(r"(?<![\uac00-\ud7a3])(제|저의|나의)\s+([\uac00-\ud7a3]{2,})"),
                 "en": re.compile(r"\b(my)\s+([a-z][a-z'-]+)", re.IGNORECASE)}


def customers_first_person(draft: str, customer: str, language: str) -> str | None:
    """A first-person possessive of the draft that repeats the customer's ("제 캐리어" in a
    draft, where the customer wrote "제 캐리어가"; "my parcel"): the draft speaks as the
    customer. Compared by the word's stem (Korean: its first two syllables, before particles;
    English: the word). None when there is none."""
    pattern = _FIRST_PERSON[language]

    def stem(word: str) -> str:
        return word[:2] if language == "ko" else word.lower()

    theirs = {(m.group(1).lower(), stem(m.group(2))) for m in pattern.finditer(customer)}
    for m in pattern.finditer(draft):
        if (m.group(1).lower(), stem(m.group(2))) in theirs:
            return m.group(0)
    return None


def focused_sentences(parts: list[str], chat_message: str, user_id: int) -> list[str]:
    """The sentences of a draft a reviewer can send without checking facts: its first
    apology, and each other sentence that says what an agent in the chat said: two thirds of
    its content words (two at least) are an agent's, or it names an offer of a kind an agent
    made (a commitment of `draft_rules.json`) in at least half an agent's words. In their
    order. Negation is not understood: "we can't refund it" grounds "we will refund it". The rest
    (descriptions, second apologies, questions) is where a small model invents what nobody
    said ("The app has been updated", "the reader is angry"). Empty when no sentence
    apologises: there is nothing to focus on."""
    customer = customer_lines(chat_message, user_id) or chat_message
    language = language_of(customer)
    apology = _rules()["apology"][language]
    agents = agent_lines(chat_message, user_id)
    offered = commitments(agents, language)
    agent_stems = _stems(agents, language)
    first = next((i for i, part in enumerate(parts) if apology.search(part)), None)
    if first is None:
        return []

    def agents_say(part: str) -> bool:
        stems = _stems(part, language)
        shared = len(stems & agent_stems)
        if shared >= 2 and shared >= (2 / 3) * len(stems):
            return True
        # An offer of a kind an agent made, in half the agent's words at least: a kind alone
        # ("today", "refund") would keep "The app was updated today and the error is fixed".
        named = commitments(part, language)
        return bool(named) and named <= offered and shared >= max(1, len(stems) / 2)

    return [part for i, part in enumerate(parts)
            if i == first or (not apology.search(part) and not is_question(part)
                              and agents_say(part))]


def is_question(sentence: str) -> bool:
    """Whether a sentence asks something ("…알려 주시겠어요?", "…주시겠어요."): the message
    after a chat does not ask again what the chat settled."""
    return bool(_QUESTION.search(sentence))


def restated_sentence(parts: list[str], language: str) -> str | None:
    """The first apology sentence that apologises again for what an earlier one did: both
    apologise, and they share at least two content-word stems (apology words are stopwords),
    two thirds of the shorter sentence's. An offer that names the item again ("sorry the
    garlic bread was missing. We'll refund the garlic bread") apologises once and passes.
    None when no sentence does."""
    apology = _rules()["apology"][language]
    apologising = [(part, _stems(part, language)) for part in parts if apology.search(part)]
    for j in range(1, len(apologising)):
        for i in range(j):
            (_, a), (later, b) = apologising[i], apologising[j]
            shared = len(a & b)
            if shared >= 2 and shared >= (2 / 3) * min(len(a), len(b)):
                return later
    return None

def _split_words(draft: str, chat: str) -> list[str]:
    """Neighbouring words that are one word of the chat split by a stray space: English, two
    pieces that are no chat word but join into one ("carbo nara"); Korean, a piece that is no
    chat word followed by the one syllable that completes a chat word ("파인애 플에"). A
    compound spaced either way ("배송 지연" for "배송지연") shares two syllables and passes."""
    chat_words = set(re.findall(r"[\w']+", chat.lower()))
    hangul_words = set(_KO_WORD.findall(chat))
    words = re.findall(r"[\w']+", draft.lower())
    found = []
    for a, b in zip(words, words[1:], strict=False):
        if a in chat_words or a.isdigit() or b.isdigit():
            continue
        if _HANGUL.search(a + b):
            for w in hangul_words:
                if len(a) >= 2 and w.startswith(a) and len(w) > len(a):
                    rest = w[len(a):]
                    common = len(os.path.commonprefix([rest, b]))
                    # A dependent noun after its space is the spelling rule, not a split
                    # ("배송준비 중으로" for "배송준비중").
                    if common == 1 and not any(b.startswith(noun) for noun
                                               in _rules()["dependent_nouns_ko"]):
                        found.append(f"{a} {b}")
                        break
        elif len(a + b) >= 4 and b not in chat_words and a + b in chat_words:
            found.append(f"{a} {b}")
    return found


def junk_in(text: str, chat_message: str) -> list[str]:
    """What in `text` (a draft or a summary) is junk: characters of other scripts, special
    pieces, identifiers glued to words, words split by a stray space (empty: none)."""
    junk = []
    foreign = sorted({ch for ch in text if not _rules()["allowed_script"].match(ch)})
    if foreign:
        junk.append("characters " + "".join(foreign[:8]))
    special = _SPECIAL_PIECE.search(text)
    if special:
        junk.append(f"special piece {special.group()!r}")
    glued = [g for g in _GLUED.findall(text) if g not in chat_message]
    if glued:
        junk.append(f"glued {glued[0]!r}")
    split = _split_words(text, chat_message)
    if split:
        junk.append(f"split word {split[0]!r}")
    return junk


def draft_problems(draft: str, chat_message: str, user_id: int,
                   topic_words: list[str] | None = None) -> list[Problem]:
    """The apology contract's failed checks for `draft`, in `CHECKS` order (empty: it passes).

    Args:
        draft: the apology draft.
        chat_message: the chat it answers (`id <n>: text` lines).
        user_id: the customer's id in the chat; every other id is the company's side.
        topic_words: words any faithful draft names (a labelled set's); without them, the
            draft must share a content word with the customer's lines.
    """
    rules = _rules()
    customer = customer_lines(chat_message, user_id) or chat_message
    agents = agent_lines(chat_message, user_id)
    language = language_of(customer)
    problems: list[Problem] = []
    parts = sentences(draft)
    if language_of(draft) != language:
        problems.append(Problem("language", f"not in {language}"))
    third = rules["third_person"][language].search(draft)
    if third:
        problems.append(Problem("addressed", f"speaks about the customer: {third.group()!r}"))
    elif not rules["second_person"][language].search(draft):
        problems.append(Problem("addressed", "not addressed to the customer"))
    else:
        theirs = customers_first_person(draft, customer, language)
        if theirs:
            problems.append(Problem("addressed", f"speaks as the customer: {theirs!r}"))
    if language == "ko":
        for s in parts:
            end = re.sub(r"[\s.!?~…^ㅠㅜ]+$", "", s)
            if rules["memo_ending"]["ko"].search(end) or not rules["polite_ending"]["ko"].search(
                    end):
                problems.append(Problem("register", f"not a letter's polite ending: {s[-12:]!r}"))
                break
    if not rules["apology"][language].search(draft):
        problems.append(Problem("apologises", "no apology"))
    pleased = rules["pleased"][language].search(draft)
    if pleased:
        problems.append(Problem("mood", f"says the customer is pleased: {pleased.group()!r}"))
    if topic_words:
        lowered = draft.lower()
        if not any(w.lower() in lowered for w in topic_words):
            problems.append(Problem("names_problem", f"names none of {topic_words}"))
    elif not _names_something_from(draft, chat_message, language):
        problems.append(Problem("names_problem", "names nothing the chat is about"))
    if not 1 <= len(parts) <= 3:
        problems.append(Problem("sentences", f"{len(parts)} sentences"))
    apology = rules["apology"][language]
    promised = set()
    for clause in _clauses(draft, language):
        if not apology.search(clause):
            promised |= commitments(clause, language)
    invented = sorted(promised - commitments(agents, language))
    chat_numbers = set(_NUMBER.findall(chat_message))
    numbers = sorted(set(_NUMBER.findall(draft)) - chat_numbers)
    if invented or numbers:
        detail = ", ".join(invented + [f"number {n}" for n in numbers])
        problems.append(Problem("only_offered", f"promises what no agent said: {detail}"))
    junk = junk_in(draft, chat_message)
    if junk:
        problems.append(Problem("clean", "; ".join(junk)))
    if len(set(parts)) < len(parts) or repeated_phrase(draft):
        problems.append(Problem("repeats", "a sentence or phrase twice"))
    else:
        restated = restated_sentence(parts, language)
        if restated:
            problems.append(Problem("repeats", f"restates an earlier sentence: {restated[:40]!r}"))
    return problems
