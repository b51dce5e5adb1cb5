r"""Writes the evaluation report of local files or of the pipeline's BigQuery tables:

    python -m evaluate --run OUT_DIR [--run ...] --feedback FEEDBACK [--feedback ...] --out DIR
    python -m evaluate --bq_review P.D.review --bq_feedback P.D.feedback \
        [--bq_results P.D.results] [--project P] --out DIR
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from evaluate import sources
from evaluate.report import write_report

_BQ_TABLE_FLAGS = ("bq_results", "bq_review", "bq_feedback")


def _checked(parse: Callable[[str], str]) -> Callable[[str], str]:
    """An argparse `type=` from a parser that raises ValueError: the message is kept (argparse
    shows it after the flag's name)."""
    def check(value: str) -> str:
        try:
            return parse(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return check


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    local = p.add_argument_group("local files")
    local.add_argument("--run", action="append",
                       help="A pipeline run's --output_dir, whose results*.jsonl and "
                       "review*.jsonl hold the model's records. Repeatable.")
    local.add_argument("--feedback", action="append",
                       help="Feedback JSON lines: a file or a glob (the review app's "
                       "out/loop/feedback.jsonl, or a run's out/x/feedback*.jsonl). One that "
                       "matches nothing gives no decisions. Repeatable.")
    bq = p.add_argument_group("BigQuery tables (project.dataset.table or project:dataset.table)")
    bq.add_argument("--bq_results", type=_checked(sources.parse_table_id),
                    help="The pipeline's --output_table (results rows: the chats not "
                    "reviewed, for the sentiment mix). Default: none.")
    bq.add_argument("--bq_review", type=_checked(sources.parse_table_id),
                    help="The pipeline's --review_table (review records, which decisions "
                    "join). Required with the BigQuery flags.")
    bq.add_argument("--bq_feedback", type=_checked(sources.parse_table_id),
                    help="The pipeline's --feedback_table (reviewers' decisions).")
    bq.add_argument("--project", type=_checked(sources.parse_project),
                    help="The project the queries run (and are billed) in. Default: the "
                    "project of the first table given.")
    p.add_argument("--control", default="a",
                   help="The arm every other arm is compared with: the run's first --arm. "
                   "Default: a (the control of --model / --model_b).")
    p.add_argument("--out", default="out/report",
                   help="Directory for index.html, its PNGs and figures.json. "
                   "Default: out/report.")
    return p


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The flags, with the choice of source checked: `--run`/`--feedback` or the BigQuery
    flags (`--bq_review` and `--bq_feedback` at least), never a mix (argparse exits with
    status 2 and the reason)."""
    p = parser()
    args = p.parse_args(argv)
    local = [f"--{name}" for name in ("run", "feedback") if getattr(args, name)]
    bigquery = [f"--{name}" for name in (*_BQ_TABLE_FLAGS, "project") if getattr(args, name)]
    if local and bigquery:
        p.error(f"{', '.join(local)} read local files and {', '.join(bigquery)} BigQuery "
                "tables: give one source, not both")
    if bigquery:
        if not args.bq_feedback:
            p.error("--bq_feedback is required with the BigQuery flags (the reviewers' "
                    "decisions: the pipeline's --feedback_table)")
        if not args.bq_review:
            # A reviewed chat's record is only in the review table: the pipeline writes a chat
            # to --output_table or to review, never both, so --bq_results alone joins nothing.
            p.error("--bq_review is required with the BigQuery flags (the pipeline's "
                    "--review_table: reviewed chats never reach --output_table, which "
                    "--bq_results reads, so without it no decision has a model record)")
    elif not (args.run and args.feedback):
        p.error("give --run and --feedback (local files), or --bq_review and --bq_feedback "
                "[--bq_results] (BigQuery tables)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.bq_feedback:
        records, feedback = sources.load_bigquery(args.bq_results, args.bq_review,
                                                  args.bq_feedback, args.project)
    else:
        records, feedback = sources.load_local(args.run, args.feedback)
    figures = write_report(records, feedback, args.out, args.control)
    print(json.dumps(figures, indent=2, default=str))
    print(f"report: {os.path.abspath(os.path.join(args.out, 'index.html'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
