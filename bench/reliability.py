"""Reliability figures: hostile inputs with redeliveries through the whole pipeline.

    python -m bench.reliability [--n 1000] [--model models/small-gemma]

Prints inputs tried, outputs per sink, lost (must be 0), duplicated (must be 0), crashes
(must be 0). A redelivery (same payload again) must produce no second output; a conflicting
reuse of an id (same id, new content) exactly one dedup error. The hostile classes are those
of `bench/hostile.py`: random bytes, truncation, deep nesting, huge payloads, wrong types,
bad UTF-8, lone surrogates, huge integers anywhere, NaN/Infinity, byte-order marks, INT64
overflow, 50,000-deep nesting in an extra field, and injection text in valid chats.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from bench.hostile import account, as_lines, hostile_stream
from pipeline.pipeline import run
from pipeline.run_summary import load


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--redeliver", type=float, default=0.1,
                        help="fraction of valid chats delivered twice")
    parser.add_argument("--conflict", type=float, default=0.02,
                        help="fraction of valid chats re-sent with the same id, new content")
    parser.add_argument("--model", default="models/small-gemma")
    args = parser.parse_args(argv)
    stream = hostile_stream(args.n, seed=7)
    lines, redelivered, conflicts = as_lines(stream, args.redeliver, args.conflict)
    crashes = 0
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.jsonl")
        with open(src, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        start = time.perf_counter()
        try:
            run(["--input", src, "--output_dir", os.path.join(tmp, "out"), "--model",
                 args.model])
        except Exception as e:  # noqa: BLE001 (a crash is a figure here)
            crashes = 1
            print(f"CRASH: {e!r}")
        elapsed = time.perf_counter() - start
        records = load(os.path.join(tmp, "out")) if not crashes else {
            "results": [], "review": [], "errors": []}
    counts = account(stream, conflicts, records)
    lost, duplicated = counts["lost"], counts["duplicated"]
    figures = {
        "inputs_tried": len(lines), "distinct_inputs": args.n, "redeliveries": redelivered,
        "conflicting_reuses": conflicts,
        "results": len(records["results"]), "review": len(records["review"]),
        "errors": len(records["errors"]), "lost": lost, "duplicated": duplicated,
        "crashes": crashes, "seconds": round(elapsed, 1),
    }
    for key, value in figures.items():
        print(f"METRIC reliability_{key} {value}")
    print(json.dumps(figures))
    return 0 if lost == duplicated == crashes == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
