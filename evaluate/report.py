r"""The evaluation report: what reviewers decided, joined with what the model said.

    python -m evaluate --run out/demo --feedback out/feedback.jsonl --out out/report

    python -m evaluate --bq_results P.D.results --bq_review P.D.review \
        --bq_feedback P.D.feedback --out out/report

Writes `index.html` with PNG plots. Every reviewed chat is joined by `chat_id` with the
model's record (results or review rows of the run, or of the pipeline's BigQuery tables:
`evaluate.sources`, which also says how copies of a record or a decision count); the
reviewer's LAST decision counts (highest `sequence`). A reviewer "agrees" with the model's
sentiment when they did not correct it. Only chats that reached review are reviewed
(negatives and low-confidence ones), so agreement describes those chats, not the whole
stream: the report says so.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from evaluate import stats
from evaluate.sources import load_local, one_record_per_chat
from pipeline.arms import CONTROL
from pipeline.decisions import current_decisions, latest_feedback
from pipeline.evaluation import confusion
from pipeline.schemas import SENTIMENT_VALUES, arm_of

__all__ = ["Reviewed", "build_report", "join", "latest_feedback", "write_report"]

_LOGGER = logging.getLogger(__name__)

DETECTABLE_DIFFERENCE = 0.05
RECALL_SHARE = 0.8


@dataclass
class Reviewed:
    """One reviewed chat: the model's record and the reviewer's last decision."""

    record: dict
    feedback: dict

    @property
    def arm(self) -> str:
        return arm_of(self.record)

    @property
    def prompt_version(self) -> str:
        return self.record.get("prompt_version") or "-"

    @property
    def reviewer_sentiment(self) -> int:
        corrected = self.feedback.get("corrected_sentiment")
        return self.record["sentiment"] if corrected is None else corrected

    @property
    def agrees(self) -> bool:
        return self.reviewer_sentiment == self.record["sentiment"]

    @property
    def model_topic(self) -> str | None:
        major, minor = self.record.get("topic_major"), self.record.get("topic_minor")
        return f"{major}.{minor}" if major is not None and minor is not None else None

    @property
    def reviewer_topic(self) -> str | None:
        return self.feedback.get("corrected_topic") or self.model_topic


@dataclass
class Joined:
    reviewed: list[Reviewed] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    unmatched_feedback: int = 0
    record_copies: int = 0    # copies of a model record counted once
    decision_copies: int = 0  # copies of a decision (same chat, sequence, content) counted once
    conflicting_decisions: int = 0  # chats left out: their last decisions differ
    ambiguous_records: int = 0      # chats left out: their model records differ


def join(records: Mapping[str, Sequence[dict]], feedback: Sequence[dict]) -> Joined:
    """Each chat's last decision (`pipeline.decisions.current_decisions`, the rule tuning trains
    by) with the chat's model record (`evaluate.sources` rules for copies; a chat whose
    records differ is left out, counted and logged)."""
    model, copies, differing = one_record_per_chat(records)
    for chat_id, fields in sorted(differing.items()):
        _LOGGER.warning("chat %d left out: its model records differ in %s", chat_id,
                        ", ".join(fields))
    decisions = current_decisions(feedback)
    out = Joined(records=list(model.values()), record_copies=copies,
                 decision_copies=decisions.copies,
                 conflicting_decisions=len(decisions.conflicting),
                 ambiguous_records=len(differing))
    for chat_id, decision in sorted(decisions.latest.items()):
        if chat_id in differing:
            continue
        if chat_id in model:
            out.reviewed.append(Reviewed(model[chat_id], dict(decision)))
        else:
            out.unmatched_feedback += 1
    return out


def _plot_confusions(groups: dict[str, list[Reviewed]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(3.4 * max(1, len(groups)), 3.2),
                             squeeze=False)
    for ax, (name, rows) in zip(axes[0], groups.items(), strict=False):
        counts = confusion([(r.reviewer_sentiment, r.record["sentiment"]) for r in rows])
        grid = [[counts.get((truth, said), 0) for said in SENTIMENT_VALUES]
                for truth in SENTIMENT_VALUES]
        ax.imshow(grid, cmap="Blues")
        for i in range(3):
            for j in range(3):
                ax.text(j, i, grid[i][j], ha="center", va="center")
        ax.set_xticks(range(3), SENTIMENT_VALUES)
        ax.set_yticks(range(3), SENTIMENT_VALUES)
        ax.set_xlabel("model")
        ax.set_ylabel("reviewer")
        ax.set_title(name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_reliability(table: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3.6))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="calibrated")
    xs = [r["confidence"] for r in table if r["count"]]
    ys = [r["accuracy"] for r in table if r["count"]]
    ax.plot(xs, ys, marker="o", label="model")
    ax.set_xlabel("confidence")
    ax.set_ylabel("agreement with reviewer")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _mix(records: list[dict]) -> dict[str, Counter]:
    """Day of `processed_at` (its first 10 characters) -> sentiment -> model records."""
    by_day: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        by_day[str(r.get("processed_at", ""))[:10]][r["sentiment"]] += 1
    return by_day


def _plot_mix(by_day: dict[str, Counter], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = sorted(by_day)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    bottom = [0.0] * len(days)
    for value in SENTIMENT_VALUES:
        shares = [by_day[d][value] / max(1, sum(by_day[d].values())) for d in days]
        ax.bar(days, shares, bottom=bottom, label=str(value))
        bottom = [b + s for b, s in zip(bottom, shares, strict=True)]
    ax.set_ylabel("share of chats")
    ax.legend(title="sentiment")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def build_report(run_dirs: Iterable[str], feedback: str | Iterable[str], out_dir: str) -> dict:
    """The report of local runs (`--output_dir`s) and feedback files (a path or glob, or
    several; one that matches nothing gives no decisions): `write_report` of `load_local`."""
    records, decisions = load_local(run_dirs, feedback)
    return write_report(records, decisions, out_dir)


def write_report(records: Mapping[str, Sequence[dict]], feedback: Sequence[dict],
                 out_dir: str, control_arm: str = CONTROL) -> dict:
    """Writes the report of loaded inputs (`evaluate.sources`); returns its figures (also
    written as `figures.json`).

    Args:
        records: `{"results": rows, "review": rows}`, the pipeline's model records.
        feedback: the reviewers' decisions, in input order.
        control_arm: the arm every other is compared with (the run's first `--arm`); when
            no reviewed chat has it, no arm is compared (and a warning names the arms).
    """
    joined = join(records, feedback)
    os.makedirs(out_dir, exist_ok=True)
    reviewed = joined.reviewed
    figures: dict = {"reviewed": len(reviewed), "records": len(joined.records),
                     "unmatched_feedback": joined.unmatched_feedback,
                     "record_copies": joined.record_copies,
                     "decision_copies": joined.decision_copies,
                     "conflicting_decisions": joined.conflicting_decisions,
                     "ambiguous_records": joined.ambiguous_records}
    sections = []

    # Agreement per arm and per prompt version.
    groups: dict[str, list[Reviewed]] = defaultdict(list)
    for r in reviewed:
        groups[f"arm {r.arm} / prompt {r.prompt_version}"].append(r)
    rows = [[name, len(rs), _pct(sum(r.agrees for r in rs) / len(rs))]
            for name, rs in sorted(groups.items())]
    figures["agreement"] = {name: sum(r.agrees for r in rs) / len(rs)
                            for name, rs in groups.items()}
    if reviewed:
        _plot_confusions(dict(sorted(groups.items())), os.path.join(out_dir, "confusion.png"))
    sections.append("<h2>Sentiment agreement with reviewers</h2>"
                    "<p>Only chats that reached review (negative or low confidence), and each "
                    "arm's own model chose which of its chats did. A record's arm and prompt "
                    "version name what produced it; on a review record from a run with "
                    "<code>--ab_stage apology</code> they name the apology's arm, while every "
                    "sentiment came from the control arm: compare sentiment by arm only for "
                    "runs with <code>--ab_stage all</code>.</p>"
                    + _table(["arm / prompt", "reviewed", "agreement"], rows)
                    + ('<img src="confusion.png" alt="confusion matrices">' if reviewed else ""))

    # Topics: how often reviewers kept the model's label, per arm, and what they changed.
    topical = [r for r in reviewed if r.model_topic is not None]
    if topical:
        by_arm: dict[str, list[Reviewed]] = defaultdict(list)
        for r in topical:
            by_arm[r.arm].append(r)
        figures["topic_agreement"] = {arm: sum(r.reviewer_topic == r.model_topic for r in rs)
                                      / len(rs) for arm, rs in by_arm.items()}
        changed = Counter((r.model_topic, r.reviewer_topic) for r in topical
                          if r.reviewer_topic != r.model_topic)
        sections.append(
            "<h2>Topics kept by reviewers</h2><p>Reviewed chats with a topic: the share whose "
            "label the reviewer kept, per arm, and the labels corrected most often.</p>"
            + _table(["arm", "reviewed with a topic", "label kept"],
                     [[arm, len(rs), _pct(figures["topic_agreement"][arm])]
                      for arm, rs in sorted(by_arm.items())])
            + (_table(["model's label", "reviewer's label", "chats"],
                      [[a, b, n] for (a, b), n in changed.most_common(10)]) if changed else ""))

    # Every arm against the control on agreement (Holm-adjusted over the comparisons).
    arms: dict[str, list[Reviewed]] = defaultdict(list)
    for r in reviewed:
        arms[r.arm].append(r)
    control = control_arm
    base = arms.get(control, [])
    tests = {arm: stats.ab_test(sum(r.agrees for r in base), len(base),
                                sum(r.agrees for r in rs), len(rs))
             for arm, rs in sorted(arms.items()) if arm != control}
    tests = {arm: t for arm, t in tests.items() if t is not None}
    adjusted = dict(zip(tests, stats.holm([t.p_value for t in tests.values()]), strict=True))
    if tests:
        figures["control"] = control
        figures["arms"] = {}
        rows = []
        for arm, t in tests.items():
            needed = stats.sample_size_per_arm(min(0.95, max(0.05, t.rate_a)),
                                               DETECTABLE_DIFFERENCE)
            figures["arms"][arm] = {**t.__dict__, "p_holm": adjusted[arm],
                                    "needed_per_arm": needed}
            rows.append([arm, t.n_a, t.n_b, _pct(t.rate_a), _pct(t.rate_b),
                         f"{t.difference:+.3f}", f"[{t.ci_low:+.3f}, {t.ci_high:+.3f}]",
                         f"{t.p_value:.3g}", f"{adjusted[arm]:.3g}", needed])
        if control == "a" and "b" in figures["arms"]:
            figures["ab"] = figures["arms"]["b"]  # the two-arm figure under its old name
        sections.append(
            f"<h2>Arms against the control, arm {html.escape(control)} (agreement)</h2>"
            "<p>Each arm's difference from the control with a 95% interval and a "
            "two-proportion z-test; with more than one arm, read the Holm-adjusted p-value "
            "(it keeps the chance of any false difference among the arms at 5%).</p>"
            + _table(["arm", "n control", "n arm", "control", "arm", "arm - control",
                      "95% CI", "p-value", "p (Holm)",
                      f"reviewed per arm to detect {DETECTABLE_DIFFERENCE:+.0%}"], rows))
    elif len(arms) > 1 and control not in arms:
        # Never another arm in its place: a control picked by name would compare the wrong
        # arms silently.
        _LOGGER.warning("no reviewed chat of the control arm %r (arms: %s): give --control",
                        control, ", ".join(sorted(arms)))
        figures["control_missing"] = control
        sections.append(f"<h2>Arms</h2><p>No reviewed chat of the control arm "
                        f"<code>{html.escape(control)}</code>; the arms reviewed are "
                        f"{html.escape(', '.join(sorted(arms)))}. Give "
                        "<code>--control</code> the run's first <code>--arm</code>.</p>")
    else:
        sections.append("<h2>Arms</h2><p>Needs reviewed chats in the control and at least "
                        "one other arm.</p>")

    # Latency and tokens per chat per arm (all model records, reviewed or not).
    per_arm: dict[str, list[dict]] = defaultdict(list)
    for r in joined.records:
        per_arm[arm_of(r)].append(r)

    def mean(rows, key):
        values = [r[key] for r in rows if isinstance(r.get(key), int | float)]
        return f"{sum(values) / len(values):.1f}" if values else "-"

    sections.append("<h2>Cost per arm</h2>" + _table(
        ["arm", "chats", "generated tokens / chat", "batch inference ms"],
        [[arm, len(rs), mean(rs, "generated_tokens"), mean(rs, "inference_ms")]
         for arm, rs in sorted(per_arm.items())]))

    # Calibration.
    # Calibration of the confidence threshold: only chats the model did not call negative
    # (negatives are reviewed whatever their confidence); invalid confidences are counted.
    scored, invalid = [], 0
    for r in reviewed:
        conf = r.record.get("sentiment_confidence")
        if conf is None or r.record["sentiment"] < 0:
            continue
        if isinstance(conf, int | float) and math.isfinite(conf) and 0.0 <= conf <= 1.0:
            scored.append(r)
        else:
            invalid += 1
    figures["invalid_confidences"] = invalid
    if scored:
        conf = [float(r.record["sentiment_confidence"]) for r in scored]
        ok = [r.agrees for r in scored]
        table = stats.calibration_bins(conf, ok)
        ece = stats.expected_calibration_error(table)
        threshold = stats.threshold_for_recall(conf, ok, RECALL_SHARE)
        figures["ece"] = ece
        figures["review_threshold"] = threshold
        _plot_reliability(table, os.path.join(out_dir, "reliability.png"))
        sections.append(
            "<h2>Confidence calibration</h2>"
            f"<p>Expected calibration error {ece:.3f} over {len(scored)} reviewed chats the "
            f"model did not call negative ({invalid} with an invalid confidence left out). "
            "They reached review for a low confidence, so they all lie below the current "
            "threshold: the figures describe that range. "
            + (f"<code>--review_below_confidence {threshold:.3f}</code> would send "
               f"{RECALL_SHARE:.0%} of the wrong answers to review." if threshold is not None
               else "No wrong answer among them.")
            + '</p><img src="reliability.png" alt="reliability diagram">')

    # Apology outcomes per arm.
    outcome_rows = []
    for arm, rs in sorted(arms.items()):
        drafted = [r for r in rs if "apology_draft" in r.record]
        approved = [r for r in drafted if r.feedback["decision"] == "approve"]
        edited = [r for r in approved if r.feedback.get("draft_edited")]
        distances = [stats.edit_distance(r.record["apology_draft"], r.feedback["final_reply"])
                     for r in edited]
        figures.setdefault("apology", {})[arm] = {
            "drafted": len(drafted), "approved_as_is": len(approved) - len(edited),
            "edited": len(edited), "rejected": len(drafted) - len(approved)}
        outcome_rows.append([arm, len(drafted), len(approved) - len(edited), len(edited),
                             f"{sum(distances) / len(distances):.1f}" if distances else "-",
                             len(drafted) - len(approved)])
    sections.append("<h2>Apology drafts</h2>" + _table(
        ["arm", "drafted", "approved as is", "edited", "mean edit distance", "rejected"],
        outcome_rows))

    by_day = _mix(joined.records)
    figures["mix"] = {day: {str(v): counts[v] for v in SENTIMENT_VALUES}
                      for day, counts in sorted(by_day.items())}
    if joined.records:
        _plot_mix(by_day, os.path.join(out_dir, "mix.png"))
        sections.append('<h2>Sentiment mix over time</h2><img src="mix.png" alt="mix">')

    page = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Evaluation report</title><style>body{font-family:sans-serif;margin:2rem}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem}"
            "</style></head><body><h1>Evaluation report</h1>"
            f"<p>{len(joined.records)} model records, {len(reviewed)} reviewed chats, "
            f"{joined.unmatched_feedback} decisions without a model record; "
            f"{joined.record_copies} copies of a model record and {joined.decision_copies} "
            "of a decision counted once; "
            f"{joined.conflicting_decisions} chats left out whose last decisions differ and "
            f"{joined.ambiguous_records} chats left out whose model records differ.</p>"
            + "".join(sections) + "</body></html>")
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write(page)
    with open(os.path.join(out_dir, "figures.json"), "w", encoding="utf-8") as f:
        json.dump(figures, f, indent=2, default=str)
    return figures
