"""Prints a short summary of a local run: `python -m pipeline.summary out/demo`."""

from __future__ import annotations

import collections
import glob
import json
import os
import sys

SINKS = ("results", "review", "errors")


def load(output_dir: str) -> dict[str, list[dict]]:
    """Reads every `<sink>*.jsonl` file under `output_dir`."""
    records = {}
    for sink in SINKS:
        rows = []
        for path in sorted(glob.glob(os.path.join(output_dir, f"{sink}*"))):
            with open(path, encoding="utf-8") as f:
                rows.extend(json.loads(line) for line in f if line.strip())
        records[sink] = rows
    return records


def _short(value, n=100) -> str:
    text = str(value).replace("\n", " ").strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def render(records: dict[str, list[dict]]) -> str:
    lines = ["== per sink =="]
    lines += [f"  {sink:8s} {len(records[sink]):5d}" for sink in SINKS]
    sentiments = collections.Counter(
        r["sentiment"] for sink in ("results", "review") for r in records[sink])
    lines.append("== sentiment ==")
    lines += [f"  {value:>3d}: {sentiments.get(value, 0)}" for value in (1, 0, -1)]
    stages = collections.Counter(r["stage"] for r in records["errors"])
    lines.append("== errors by stage ==")
    lines += [f"  {stage}: {count}" for stage, count in sorted(stages.items())]
    lines.append("== examples ==")
    if records["results"]:
        r = records["results"][0]
        lines.append(f"  result  #{r['chat_id']}: sentiment={r['sentiment']} "
                     f"summary={_short(r['summary'])!r}")
    if records["review"]:
        r = records["review"][0]
        lines.append(f"  review  #{r['chat_id']}: summary={_short(r['summary'])!r}")
        lines.append(f"          apology={_short(r['apology_draft'])!r}")
    if records["errors"]:
        r = records["errors"][0]
        lines.append(f"  error   #{r['chat_id']}: stage={r['stage']} "
                     f"reason={_short(r['reason'])!r}")
    return "\n".join(lines)


def agreement(records: dict[str, list[dict]], labels_path: str) -> str:
    """How many analysed chats got the hand-labelled sentiment (a demo-quality figure)."""
    with open(labels_path, encoding="utf-8") as f:
        labels = {int(k): v for k, v in json.load(f)["labels"].items()}
    rows = [r for sink in ("results", "review") for r in records[sink] if r["chat_id"] in labels]
    right = sum(r["sentiment"] == labels[r["chat_id"]] for r in rows)
    return f"== sentiment agreement with {labels_path}: {right}/{len(rows)} =="


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    records = load(argv[0] if argv else "out/demo")
    print(render(records))
    if len(argv) > 1:
        print(agreement(records, argv[1]))


if __name__ == "__main__":
    main()
