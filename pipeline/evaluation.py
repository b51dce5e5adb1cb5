"""Quality of a run against a labelled set: `python -m pipeline.evaluation OUT_DIR LABELS`.

LABELS is JSON lines with `id`, `sentiment`, `language` ("en" or "ko") and `topic_words`
(`samples/eval.jsonl`). Per language it prints sentiment agreement and a confusion matrix,
the summary checks (one or two sentences, within `--max_summary_chars`, no sentence repeated,
in the chat's language, naming what the chat was about, no junk), and every apology draft's
contract checks one by one (`pipeline.drafts`: the same function the pipeline runs before a
draft reaches the review topic), then the sentiment confidence's expected calibration error
and AUROC (how well it ranks wrong answers below right ones) and what
`--review_below_confidence` would catch. Where the labels carry `topic: {major, minor}` and
the run wrote topics (a prompt version that asks for one), it prints topic accuracy per
language (the whole label and the major alone), a confusion matrix by major category, the
labels most often mistaken for one another, and the topic confidence's calibration. The
checks are pure functions, tested in `tests/unit/test_evaluation.py` and
`tests/unit/test_drafts.py`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from handlers.calibration import auroc, calibration_bins, expected_calibration_error
from pipeline import drafts
from pipeline.drafts import language_of, sentences
from pipeline.run_summary import load
from pipeline.schemas import SENTIMENT_VALUES

__all__ = ["apology_problems", "confusion", "language_of", "report", "sentences",
           "summary_problems", "topic_of", "topic_report"]

LANGUAGES = ("en", "ko")
# Shares of chats sent to review by confidence, for the lever table.
REVIEW_SHARES = (0.05, 0.10, 0.20, 0.30)


def summary_problems(summary: str, max_chars: int, language: str,
                     topic_words: list[str], chat_message: str = "") -> list[str]:
    """What is wrong with a summary (empty when it is fine)."""
    problems = []
    parts = sentences(summary)
    if not 1 <= len(parts) <= 2:
        problems.append(f"{len(parts)} sentences")
    if len(summary) > max_chars:
        problems.append(f"{len(summary)} characters")
    if len(set(parts)) < len(parts) or drafts.repeated_phrase(summary, 4):
        problems.append("repeats itself")
    if language_of(summary) != language:
        problems.append(f"not in {language}")
    if topic_words and not any(w.lower() in summary.lower() for w in topic_words):
        problems.append("does not name the topic")
    if drafts.junk_in(summary, chat_message):
        problems.append("junk")
    return problems


def apology_problems(draft: str, chat_message: str, user_id: int,
                     topic_words: list[str] | None = None) -> list[str]:
    """The apology contract's failed checks by name (`pipeline.drafts.CHECKS`)."""
    return [p.check for p in drafts.draft_problems(draft, chat_message, user_id, topic_words)]


def confusion(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(label, predicted) -> count."""
    return dict(Counter(pairs))


def topic_of(row: dict) -> str | None:
    """A record's or a label's topic as `major.minor`: a run's `topic_major`/`topic_minor`,
    or a labelled chat's `topic: {major, minor}`; None without one."""
    topic = row.get("topic")
    if isinstance(topic, dict) and topic.get("major") and topic.get("minor"):
        return f"{topic['major']}.{topic['minor']}"
    if row.get("topic_major") and row.get("topic_minor"):
        return f"{row['topic_major']}.{row['topic_minor']}"
    return None


def topic_report(analyzed: dict[int, dict], labels: dict[int, dict],
                 ids: list[int]) -> tuple[list[str], list[str]]:
    """(report lines, METRIC lines) of the topic task over the chats both labelled with a
    topic and given one by the run; nothing when there are none."""
    # Every chat labelled with a topic counts: one that ended in the error sink, or without a
    # topic, is wrong (as sentiment agreement counts it).
    scored = [i for i in labels if topic_of(labels[i])]
    if not any(i in analyzed and topic_of(analyzed[i]) for i in scored):
        return [], []
    analyzed = {i: analyzed.get(i, {}) for i in scored}
    pairs = {i: (topic_of(labels[i]), topic_of(analyzed[i]) or "-.-") for i in scored}
    right = sum(a == b for a, b in pairs.values())
    major = sum(a.split(".")[0] == b.split(".")[0] for a, b in pairs.values())
    lines = [f"== topics: {_pct(right, len(scored))} right (major.minor), "
             f"{_pct(major, len(scored))} by major category =="]
    metrics = [f"METRIC eval_topic_accuracy {right / len(scored):.3f}",
               f"METRIC eval_topic_major_accuracy {major / len(scored):.3f}"]
    for language in LANGUAGES:
        mine = [i for i in scored if labels[i]["language"] == language]
        ok = sum(pairs[i][0] == pairs[i][1] for i in mine)
        lines.append(f"  {language}: {_pct(ok, len(mine))}")
        metrics.append(f"METRIC eval_topic_accuracy_{language} {ok / max(1, len(mine)):.3f}")
    majors = sorted({p.split(".")[0] for pair in pairs.values() for p in pair})
    matrix = confusion([(a.split(".")[0], b.split(".")[0]) for a, b in pairs.values()])
    width = max(len(m) for m in majors) + 1
    lines.append("  confusion by major (rows: label, columns: model)")
    lines.append(" " * (width + 2) + "".join(f"{m[:6]:>7}" for m in majors))
    for label in majors:
        lines.append(f"  {label:<{width}}" + "".join(f"{matrix.get((label, m), 0):>7d}"
                                                     for m in majors))
    mistaken = Counter((a, b) for a, b in pairs.values() if a != b)
    if mistaken:
        lines.append("  most often mistaken: " + "; ".join(
            f"{a} as {b} {n}" for (a, b), n in mistaken.most_common(6)))
    confident = [i for i in scored if analyzed[i].get("topic_confidence") is not None]
    if confident:
        conf = [float(analyzed[i]["topic_confidence"]) for i in confident]
        correct = [pairs[i][0] == pairs[i][1] for i in confident]
        ece = expected_calibration_error(calibration_bins(conf, correct))
        rank = auroc(conf, correct)
        lines.append(f"  topic confidence: expected calibration error {ece:.3f}, AUROC "
                     + ("n/a" if rank is None else f"{rank:.3f}"))
        metrics.append(f"METRIC eval_topic_confidence_ece {ece:.3f}")
        if rank is not None:
            metrics.append(f"METRIC eval_topic_confidence_auroc {rank:.3f}")
    return lines, metrics


def _load_labels(path: str) -> dict[int, dict]:
    with open(path, encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, filter(str.strip, f))}


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100.0 * n / d:.1f}%)" if d else "0/0"


def _lever(confidences: list[float], correct: list[bool]) -> list[str]:
    """Wrong sentiments caught when the least confident share of chats goes to review."""
    order = sorted(range(len(confidences)), key=confidences.__getitem__)
    wrong = sum(not ok for ok in correct)
    lines = []
    for share in REVIEW_SHARES:
        k = round(share * len(order))
        caught = sum(not correct[i] for i in order[:k])
        threshold = confidences[order[k]] if k < len(order) else 1.0
        lines.append(f"  review the least confident {share:>4.0%} ({k} chats, "
                     f"--review_below_confidence {threshold:.3f}): catches {caught}/{wrong} "
                     f"wrong sentiments")
    return lines


def report(records: dict[str, list[dict]], labels: dict[int, dict], max_chars: int,
           wall_seconds: float | None = None) -> str:
    analyzed = {r["chat_id"]: r for sink in ("results", "review") for r in records[sink]}
    reviews = {r["chat_id"]: r for r in records["review"]}
    errors = [r for r in records["errors"] if r.get("chat_id") in labels]
    ids = [i for i in labels if i in analyzed]
    right = sum(labels[i]["sentiment"] == analyzed[i]["sentiment"] for i in ids)
    lines = [f"== sentiment agreement: {_pct(right, len(labels))}; {len(errors)} in errors =="]
    metrics = [f"METRIC eval_sentiment_agreement {right / max(1, len(labels)):.3f}"]
    for language in LANGUAGES:
        mine = [i for i in ids if labels[i]["language"] == language]
        total = sum(1 for i in labels if labels[i]["language"] == language)
        ok = sum(labels[i]["sentiment"] == analyzed[i]["sentiment"] for i in mine)
        lines.append(f"  {language}: {_pct(ok, total)}")
        metrics.append(f"METRIC eval_sentiment_agreement_{language} {ok / max(1, total):.3f}")
        matrix = confusion([(labels[i]["sentiment"], analyzed[i]["sentiment"]) for i in mine])
        lines.append(f"  confusion ({language}; rows: label, columns: model)")
        lines.append("        " + "".join(f"{v:>6d}" for v in SENTIMENT_VALUES))
        for label in SENTIMENT_VALUES:
            lines.append(f"  {label:>4d}  " + "".join(f"{matrix.get((label, p), 0):>6d}"
                                                      for p in SENTIMENT_VALUES))
    examples = []
    lines.append("== summaries (pass every check) ==")
    for language in LANGUAGES:
        mine = [i for i in ids if labels[i]["language"] == language]
        issues = Counter()
        good = 0
        for i in mine:
            found = summary_problems(analyzed[i]["summary"], max_chars, language,
                                     labels[i].get("topic_words", []),
                                     analyzed[i].get("chat_message", ""))
            good += not found
            for problem in found:
                issues[problem.split(" ", 1)[-1] if problem[0].isdigit() else problem] += 1
                if len(examples) < 8:
                    examples.append(f"  #{i} summary {problem}: {analyzed[i]['summary'][:120]!r}")
        lines.append(f"  {language}: {_pct(good, len(mine))}" + "".join(
            f"; {p} {c}" for p, c in issues.most_common()))
        metrics.append(f"METRIC eval_summaries_ok_{language} {good / max(1, len(mine)):.3f}")
    lines.append("== apology drafts: the contract, check by check (pass rate) ==")
    for language in LANGUAGES:
        mine = [i for i in reviews if i in labels and labels[i]["language"] == language]
        failed = {i: apology_problems(reviews[i]["apology_draft"], reviews[i]["chat_message"],
                                      reviews[i]["user_id"], labels[i].get("topic_words"))
                  for i in mine}
        # A draft whose apology is the rules' opener is not the model's: it counts as a
        # failed model draft, and apart (`opened`).
        opened = {i for i in mine if reviews[i].get("draft_opener")}
        passed = sum(not f and i not in opened for i, f in failed.items())
        redrafted = sum(reviews[i].get("draft_attempts", 1) > 1 for i in mine)
        trimmed = sum(reviews[i].get("draft_sentences_dropped", 0) > 0 for i in mine)
        lines.append(f"  {language}: whole contract {_pct(passed, len(mine))} (the model's own "
                     f"drafts); {len(opened)} more open with the rules' apology "
                     f"({sum(not failed[i] for i in opened)} of them pass), counted apart; "
                     f"redrafted {redrafted}; trimmed {trimmed} (sentences left out)")
        # The checks of the model's own text: an opened draft did not apologise.
        counts = Counter(c for i, f in failed.items()
                         for c in (set(f) | {"apologises"} if i in opened else f))
        lines.append("    " + ", ".join(f"{c} {_pct(len(mine) - counts[c], len(mine))}"
                                        for c in drafts.CHECKS))
        metrics.append(f"METRIC eval_apologies_ok_{language} {passed / max(1, len(mine)):.3f}")
        metrics.append(f"METRIC eval_apologies_opened_{language} "
                       f"{len(opened) / max(1, len(mine)):.3f}")
        for i, f in failed.items():
            if f and len(examples) < 16:
                examples.append(f"  #{i} draft fails {','.join(f)}: "
                                f"{reviews[i]['apology_draft'][:160]!r}")
    scored = [i for i in ids if analyzed[i].get("sentiment_confidence") is not None]
    conf = [float(analyzed[i]["sentiment_confidence"]) for i in scored]
    correct = [labels[i]["sentiment"] == analyzed[i]["sentiment"] for i in scored]
    if scored:
        ece = expected_calibration_error(calibration_bins(conf, correct))
        rank = auroc(conf, correct)
        lines.append(f"== sentiment confidence ({len(scored)} chats) ==")
        lines.append(f"  expected calibration error (10 bins): {ece:.3f}")
        lines.append("  AUROC (right above wrong): " + ("n/a (no wrong answer)" if rank is None
                                                       else f"{rank:.3f}"))
        lines += _lever(conf, correct)
        metrics.append(f"METRIC eval_confidence_ece {ece:.3f}")
        if rank is not None:
            metrics.append(f"METRIC eval_confidence_auroc {rank:.3f}")
    topic_lines, topic_metrics = topic_report(analyzed, labels, ids)
    lines += topic_lines
    metrics += topic_metrics
    if wall_seconds:
        lines.append(f"== time: {wall_seconds:.0f} s for {len(labels)} chats and "
                     f"{len(reviews)} drafts, {wall_seconds / max(1, len(labels)):.2f} s/chat "
                     f"(whole command: load, compile and Beam included) ==")
        metrics.append(f"METRIC eval_seconds_per_chat {wall_seconds / max(1, len(labels)):.3f}")
    if examples:
        lines.append("== examples of failed checks ==")
        lines += examples
    return "\n".join(lines + metrics)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output_dir")
    parser.add_argument("labels")
    parser.add_argument("--max_summary_chars", type=int, default=256)
    parser.add_argument("--wall_seconds", type=float, default=None,
                        help="Wall time of the run, to report time per chat. Default: none.")
    args = parser.parse_args(argv)
    print(report(load(args.output_dir), _load_labels(args.labels), args.max_summary_chars,
                 args.wall_seconds))


if __name__ == "__main__":
    sys.exit(main())
