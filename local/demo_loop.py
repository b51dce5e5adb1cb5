"""`make demo-loop`: the whole loop on one machine, no cloud account.

1. runs the pipeline on the sample chats with an A/B split (`--model` tuned, `--model_b`
   the base model it was tuned from, half the users each, sentiment and apology), with
   `--review_below_confidence 1.0`: every chat goes to review (an audit of the whole demo
   set), so the arms are compared on all their chats, not only on those each arm's own model
   chose to send to review;
2. starts the review app on 127.0.0.1 with one reviewer, `scripted-labels`, added to a
   reviewers file in `<out>` by `python -m review add-reviewer` (the token it prints once);
3. a scripted reviewer works through the queue through the app's own HTTP interface: it
   knows the hand labels (`samples/labels.json`), corrects a wrong sentiment, approves a
   draft for a chat that really is negative and rejects the others;
4. ingests the feedback with the pipeline itself (`--feedback_input`: validated, deduplicated,
   into `<out>/ingested/feedback*.jsonl`, bad records into its error files), as the streaming
   job does into the BigQuery feedback table;
5. writes the evaluation report from the run and the ingested feedback, and prints where it
   is.
"""

from __future__ import annotations

import argparse
import base64
import glob
import json
import os
import shutil
import subprocess
import sys
import urllib.request

from review.feedback import JsonlSink, ReviewQueue, load_review_records

SCRIPTED_REVIEWER = "scripted-labels"


def scripted_decision(item: dict, label: int | None) -> dict:
    """What the scripted reviewer decides for one queue item (pure). The reviewer recorded
    is the one whose credential signs the request, not a field of this body."""
    decision = {"decision": "reject"}
    if label is not None:
        decision["corrected_sentiment"] = label
        if label == -1:
            decision["decision"] = "approve"
    return decision


def basic_auth(name: str, token: str) -> str:
    """The `Authorization` header value the review app's API takes."""
    return "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()


def add_scripted_reviewer(reviewers_file: str) -> str:
    """Adds the scripted reviewer with the admin command, as an operator would; returns the
    token it printed."""
    done = subprocess.run([sys.executable, "-m", "review", "add-reviewer", SCRIPTED_REVIEWER,
                           "--reviewers", reviewers_file, "--replace"],
                          check=True, capture_output=True, text=True)
    return done.stdout.strip().rsplit(" ", 1)[-1]


def review_through_http(base_url: str, token: str, labels: dict[int, int],
                        reviewer: str = SCRIPTED_REVIEWER) -> list[dict]:
    """Decides every pending chat through the app's JSON API as `reviewer`; returns the
    feedback."""
    headers = {"Authorization": basic_auth(reviewer, token),
               "Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(f"{base_url}/api/queue",
                                                       headers=headers), timeout=30) as r:
        pending = json.loads(r.read())["pending"]
    done = []
    for item in pending:
        body = json.dumps(scripted_decision(item, labels.get(item["chat_id"]))).encode()
        request = urllib.request.Request(
            f"{base_url}/api/chat/{item['chat_id']}/decision", data=body, headers=headers,
            method="POST")
        with urllib.request.urlopen(request, timeout=30) as r:
            done.append(json.loads(r.read()))
    return done


def count_lines(pattern: str) -> int:
    """Non-blank lines in every file matching `pattern`."""
    total = 0
    for path in glob.glob(pattern):
        with open(path, encoding="utf-8") as f:
            total += sum(1 for line in f if line.strip())
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", default="samples/chats.jsonl")
    parser.add_argument("--labels", default="samples/labels.json")
    parser.add_argument("--model", required=True)
    parser.add_argument("--model_b", required=True)
    parser.add_argument("--out", default="out/loop")
    parser.add_argument("--report", default="out/report")
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pipeline", "--input", args.input,
                    "--output_dir", args.out, "--model", args.model, "--model_b",
                    args.model_b, "--ab_split", "0.5", "--ab_stage", "all",
                    "--review_below_confidence", "1.0",
                    "--compilation_cache_dir", os.path.abspath(".jax_cache")], check=True)

    from evaluate.report import build_report
    from review.app import create_app, serving
    from review.reviewers import Reviewers

    reviewers_file = os.path.join(args.out, "reviewers.json")
    token = add_scripted_reviewer(reviewers_file)
    feedback_path = os.path.join(args.out, "feedback.jsonl")
    items, problems = load_review_records(os.path.join(args.out, "review*.jsonl"))
    for problem in problems:  # refused review records are reported, never skipped silently
        print(f"review record refused: {problem}", file=sys.stderr)
    # A script decides far faster than a person: its budget is the whole queue.
    app = create_app(ReviewQueue(items, JsonlSink(feedback_path)), Reviewers(reviewers_file),
                     decisions_per_minute=max(60, len(items)))
    with open(args.labels, encoding="utf-8") as f:
        labels = {int(k): v for k, v in json.load(f)["labels"].items()}
    with serving(app) as url:
        decisions = review_through_http(url, token, labels)
    print(f"scripted reviewer: {len(decisions)} decisions through the app's HTTP API")
    ingested = os.path.join(args.out, "ingested")
    subprocess.run([sys.executable, "-m", "pipeline", "--feedback_input", feedback_path,
                    "--output_dir", ingested], check=True)
    counts = {sink: count_lines(os.path.join(ingested, f"{sink}*.jsonl"))
              for sink in ("feedback", "errors")}
    print(f"feedback ingested by the pipeline: {counts['feedback']} records, "
          f"{counts['errors']} refused ({ingested})")
    figures = build_report([args.out], os.path.join(ingested, "feedback*.jsonl"), args.report)
    print(json.dumps({k: figures[k] for k in ("reviewed", "agreement", "ab")
                      if k in figures}, indent=2, default=str))
    print(f"report: {os.path.abspath(os.path.join(args.report, 'index.html'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
