"""Quality of a run against a labelled set: `python -m pipeline.evaluation OUT_DIR LABELS`.

LABELS is JSON lines with `id`, `sentiment`, `language` ("en" or "ko") and `topic_words`
(`samples/eval.jsonl`). Prints sentiment agreement and a confusion matrix, then checks every
summary (one or two sentences, within `--max_summary_chars`, no sentence repeated, in the
chat's language, naming what the chat was about) and every apology draft (in the chat's
language, about the chat's problem, no sentence or phrase repeated). The checks are pure
functions, tested in `tests/unit/test_evaluation.py`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter

from pipeline.summary import load

__all__ = ["apology_problems", "confusion", "language_of", "sentences", "summary_problems"]

VALUES = (1, 0, -1)
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


def sentences(text: str) -> list[str]:
    """Sentences of a summary or apology (split after . ! ? or at line breaks)."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def language_of(text: str) -> str:
    """"ko" when Hangul makes up at least a third of the letters, else "en"."""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    return "ko" if hangul and hangul * 3 >= hangul + latin else "en"


def _repeated_phrase(text: str, n: int = 4) -> str | None:
    words = text.lower().split()
    grams = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    repeated = [g for g, c in grams.items() if c > 1]
    return " ".join(repeated[0]) if repeated else None


def _mentions(text: str, topic_words: list[str]) -> bool:
    lowered = text.lower()
    return any(word.lower() in lowered for word in topic_words)


def _shared_problems(text: str, parts: list[str], language: str, topic_words: list[str],
                     phrase_words: int, topic_problem: str) -> list[str]:
    problems = []
    if len(set(parts)) < len(parts) or _repeated_phrase(text, phrase_words):
        problems.append("repeats itself")
    if language_of(text) != language:
        problems.append(f"not in {language}")
    if topic_words and not _mentions(text, topic_words):
        problems.append(topic_problem)
    return problems


def summary_problems(summary: str, max_chars: int, language: str,
                     topic_words: list[str]) -> list[str]:
    """What is wrong with a summary (empty when it is fine)."""
    problems = []
    parts = sentences(summary)
    if not 1 <= len(parts) <= 2:
        problems.append(f"{len(parts)} sentences")
    if len(summary) > max_chars:
        problems.append(f"{len(summary)} characters")
    return problems + _shared_problems(summary, parts, language, topic_words, 4,
                                       "does not name the topic")


def apology_problems(apology: str, language: str, topic_words: list[str]) -> list[str]:
    """What is wrong with an apology draft (empty when it is fine)."""
    return _shared_problems(apology, sentences(apology), language, topic_words, 5,
                            "does not name the problem")


def confusion(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(label, predicted) -> count."""
    return dict(Counter(pairs))


def _load_labels(path: str) -> dict[int, dict]:
    with open(path, encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, filter(str.strip, f))}


def report(records: dict[str, list[dict]], labels: dict[int, dict], max_chars: int) -> str:
    analysed = {r["chat_id"]: r for sink in ("results", "review") for r in records[sink]}
    reviews = {r["chat_id"]: r for r in records["review"]}
    errors = [r for r in records["errors"] if r.get("chat_id") in labels]
    pairs = [(labels[i]["sentiment"], analysed[i]["sentiment"]) for i in labels if i in analysed]
    right = sum(a == b for a, b in pairs)
    lines = [f"== sentiment agreement: {right}/{len(labels)} "
             f"({100.0 * right / max(1, len(labels)):.1f}%); {len(errors)} in errors =="]
    by_language = Counter()
    for i, (label, predicted) in zip([i for i in labels if i in analysed], pairs, strict=True):
        by_language[(labels[i]["language"], label == predicted)] += 1
    for language in ("en", "ko"):
        total = by_language[(language, True)] + by_language[(language, False)]
        lines.append(f"  {language}: {by_language[(language, True)]}/{total}")
    matrix = confusion(pairs)
    lines.append("== confusion (rows: label, columns: model) ==")
    lines.append("        " + "".join(f"{v:>6d}" for v in VALUES))
    for label in VALUES:
        lines.append(f"  {label:>4d}  " + "".join(f"{matrix.get((label, p), 0):>6d}"
                                                  for p in VALUES))
    summary_issues = Counter()
    apology_issues = Counter()
    examples = []
    for i, row in analysed.items():
        if i not in labels:
            continue
        label = labels[i]
        for problem in summary_problems(row["summary"], max_chars, label["language"],
                                        label.get("topic_words", [])):
            summary_issues[problem.split(" ", 1)[-1] if problem[0].isdigit() else problem] += 1
            if len(examples) < 6:
                examples.append(f"  #{i} summary {problem}: {row['summary'][:120]!r}")
        if i in reviews:
            for problem in apology_problems(reviews[i]["apology_draft"], label["language"],
                                            label.get("topic_words", [])):
                apology_issues[problem] += 1
    good = sum(1 for i in analysed if i in labels and not summary_problems(
        analysed[i]["summary"], max_chars, labels[i]["language"],
        labels[i].get("topic_words", [])))
    lines.append(f"== summaries: {good}/{len(pairs)} pass every check ==")
    lines += [f"  {problem}: {count}" for problem, count in summary_issues.most_common()]
    drafts = [i for i in reviews if i in labels]
    good_drafts = sum(1 for i in drafts if not apology_problems(
        reviews[i]["apology_draft"], labels[i]["language"], labels[i].get("topic_words", [])))
    lines.append(f"== apologies: {good_drafts}/{len(drafts)} pass every check ==")
    lines += [f"  {problem}: {count}" for problem, count in apology_issues.most_common()]
    if examples:
        lines.append("== examples of failed checks ==")
        lines += examples
    lines.append(f"METRIC eval_sentiment_agreement {right / max(1, len(labels)):.3f}")
    lines.append(f"METRIC eval_summaries_ok {good / max(1, len(pairs)):.3f}")
    lines.append(f"METRIC eval_apologies_ok {good_drafts / max(1, len(drafts)):.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output_dir")
    parser.add_argument("labels")
    parser.add_argument("--max_summary_chars", type=int, default=256)
    args = parser.parse_args(argv)
    print(report(load(args.output_dir), _load_labels(args.labels), args.max_summary_chars))


if __name__ == "__main__":
    sys.exit(main())
