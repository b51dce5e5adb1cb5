"""Prints a short summary of a local run: `python -m pipeline.summary out/demo`."""

from __future__ import annotations

import collections
import json
import logging
import sys

from pipeline.outputs import SINKS, RunRecords, read_run

_LOGGER = logging.getLogger(__name__)

# The exit status of `python -m pipeline.summary` when the run lost something: an input file
# not read to its end (an error of stage read), or an output line that cannot be read back.
# The same status as `python -m pipeline` when it lost input.
EXIT_LOST = 3
_PROBLEMS_SHOWN = 10


def load(output_dir: str) -> dict[str, list[dict]]:
    """Reads every `<sink>*.jsonl` file under `output_dir` (`pipeline.outputs.read_run`); a
    line that cannot be read is skipped and logged (`read_run` also returns them)."""
    run = read_run(output_dir)
    for problem in run.problems:
        _LOGGER.warning("output line skipped: %s", problem)
    return run.records


def _short(value, n=100) -> str:
    text = str(value).replace("\n", " ").strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def _lost(records: dict[str, list[dict]], problems: list[str]) -> list[str]:
    """The lines that say what the run lost: input files not read to their end (errors of
    stage read) and output lines that cannot be read back. Empty when nothing was lost."""
    unread = [r for r in records["errors"] if r.get("stage") == "read"]
    lines = []
    if unread:
        lines.append(f"== INPUT LOST: {len(unread)} input file(s) not read to their end "
                     "(their chats after the failure are in no sink) ==")
        lines += [f"  {_short(r.get('reason'), 300)}" for r in unread]
    if problems:
        lines.append(f"== OUTPUT LINES UNREADABLE: {len(problems)} (skipped) ==")
        lines += [f"  {problem}" for problem in problems[:_PROBLEMS_SHOWN]]
        if len(problems) > _PROBLEMS_SHOWN:
            lines.append(f"  ... and {len(problems) - _PROBLEMS_SHOWN} more")
    return lines


def render(records: dict[str, list[dict]], problems: list[str] | None = None) -> str:
    """The summary text; `problems` are the lines `read_run` could not read. What was lost
    comes first."""
    lines = _lost(records, problems or [])
    lines.append("== per sink ==")
    lines += [f"  {sink:8s} {len(records[sink]):5d}" for sink in SINKS]
    sentiments = collections.Counter(
        r.get("sentiment") for sink in ("results", "review") for r in records[sink])
    lines.append("== sentiment ==")
    lines += [f"  {value:>3d}: {sentiments.get(value, 0)}" for value in (1, 0, -1)]
    stages = collections.Counter(r["stage"] for r in records["errors"])
    lines.append("== errors by stage ==")
    lines += [f"  {stage}: {count}" for stage, count in sorted(stages.items())]
    lines.append("== examples ==")
    if records["results"]:
        r = records["results"][0]
        lines.append(f"  result  #{r.get('chat_id')}: sentiment={r.get('sentiment')} "
                     f"summary={_short(r.get('summary'))!r}")
    if records["review"]:
        r = records["review"][0]
        lines.append(f"  review  #{r.get('chat_id')}: summary={_short(r.get('summary'))!r}")
        lines.append(f"          apology={_short(r.get('apology_draft'))!r}")
    if records["errors"]:
        r = records["errors"][0]
        lines.append(f"  error   #{r.get('chat_id')}: stage={r['stage']} "
                     f"reason={_short(r.get('reason'))!r}")
    return "\n".join(lines)


def agreement(records: dict[str, list[dict]], labels_path: str) -> str:
    """How many analysed chats got the hand-labelled sentiment (a demo-quality figure)."""
    with open(labels_path, encoding="utf-8") as f:
        labels = {int(k): v for k, v in json.load(f)["labels"].items()}
    rows = [r for sink in ("results", "review") for r in records[sink] if r["chat_id"] in labels]
    right = sum(r.get("sentiment") == labels[r["chat_id"]] for r in rows)
    return f"== sentiment agreement with {labels_path}: {right}/{len(rows)} =="


def main(argv: list[str] | None = None) -> int:
    """Prints the summary; returns `EXIT_LOST` when the run lost input or output lines, else 0.
    """
    argv = sys.argv[1:] if argv is None else argv
    run: RunRecords = read_run(argv[0] if argv else "out/demo")
    print(render(run.records, run.problems))
    if len(argv) > 1:
        print(agreement(run.records, argv[1]))
    lost = _lost(run.records, run.problems)
    if lost:
        # Last, so that the end of the output says it.
        print(lost[0])
        return EXIT_LOST
    return 0


if __name__ == "__main__":
    sys.exit(main())
