"""Prints a short summary of a local run: `python -m pipeline.run_summary out/demo`.

`--html out/demo/report.html` also writes the run's report page (`pipeline.run_report`:
charts per arm, example rows, model time and cost per 1,000 chats), and the text gains the
section on model time and cost; so does a price asked for (`--worker_type`,
`--worker_hourly_usd`). Without them the text is the tally alone.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import math
import os
import sys

from pipeline import run_report
from pipeline.outputs import SINKS, RunRecords, read_run
from pipeline.schemas import SENTIMENT_VALUES

_LOGGER = logging.getLogger(__name__)

# The exit status of `python -m pipeline.run_summary` when the run lost something: an input file
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
    lines += [f"  {value:>3d}: {sentiments.get(value, 0)}" for value in SENTIMENT_VALUES]
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
    """How many analyzed chats got the hand-labelled sentiment (a demo-quality figure)."""
    with open(labels_path, encoding="utf-8") as f:
        labels = {int(k): v for k, v in json.load(f)["labels"].items()}
    rows = [r for sink in ("results", "review") for r in records[sink] if r["chat_id"] in labels]
    right = sum(r.get("sentiment") == labels[r["chat_id"]] for r in rows)
    return f"== sentiment agreement with {labels_path}: {right}/{len(rows)} =="


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.run_summary",
        description="Summarise a local run's output files; optionally write its report page.")
    parser.add_argument("output_dir", nargs="?", default="out/demo",
                        help="The run's --output_dir. Default: out/demo.")
    parser.add_argument("labels", nargs="?", default=None,
                        help="A JSON file {\"labels\": {\"<chat id>\": 1|0|-1}} to count "
                        "sentiment agreement against (samples/labels.json). Default: none.")
    parser.add_argument("--html", default=None, metavar="PATH",
                        help="Write the report page (one self-contained HTML file) to PATH, "
                        "creating its folder, and print its path. Default: no page.")
    parser.add_argument("--worker_type", default=None,
                        help="The Dataflow worker the cost per 1,000 chats is priced on, one "
                        f"of {', '.join(run_report.worker_types())} (prices in "
                        "pipeline/data/run_report.json: approximate us-central1 list prices, "
                        "an assumption), or any name with --worker_hourly_usd. Default: "
                        f"{run_report.default_worker_type()}.")
    parser.add_argument("--worker_hourly_usd", type=float, default=None, metavar="USD",
                        help="The worker's price in US dollars per hour (a positive number), "
                        "instead of the data file's. Default: the --worker_type's price.")
    parser.add_argument("--review_below_confidence", type=float, default=None,
                        help="The run's --review_below_confidence (0-1), marked on the "
                        "confidence histogram. Default: not marked.")
    return parser


def _write_page(path: str, page: str) -> None:
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)


def main(argv: list[str] | None = None) -> int:
    """Prints the summary (and writes the page with `--html`); returns `EXIT_LOST` when the
    run lost input or output lines, else 0. A bad invocation exits 2, naming the flag."""
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    threshold = args.review_below_confidence
    if threshold is not None and not (math.isfinite(threshold) and 0.0 <= threshold <= 1.0):
        parser.error(f"--review_below_confidence must be within [0, 1], got {threshold}")
    if args.html is not None and (not args.html.strip() or os.path.isdir(args.html)):
        parser.error(f"--html must be a file path, got {args.html!r}")
    try:
        price = run_report.pricing(args.worker_type, args.worker_hourly_usd)
    except ValueError as e:
        parser.error(str(e))
    run: RunRecords = read_run(args.output_dir)
    tally = render(run.records, run.problems)
    if args.labels:
        tally += "\n" + agreement(run.records, args.labels)
    wants_cost = (args.html is not None or args.worker_type is not None
                  or args.worker_hourly_usd is not None)
    if wants_cost:
        tally += "\n" + "\n".join(run_report.cost_lines(run_report.collect(run.records), price))
    print(tally)
    lost = _lost(run.records, run.problems)
    if args.html is not None:
        page = run_report.render_html(run.records, price=price, review_threshold=threshold,
                                      lost=lost, tally=tally, run_dir=args.output_dir)
        try:
            _write_page(args.html, page)
        except OSError as e:
            print(f"cannot write --html {args.html}: {e.strerror or e}", file=sys.stderr)
            return 2
        print(f"report page: {args.html}")
    if lost:
        # Last, so that the end of the output says it.
        print(lost[0])
        return EXIT_LOST
    return 0


if __name__ == "__main__":
    sys.exit(main())
