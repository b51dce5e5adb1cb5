"""Reliability figures: hostile inputs with redeliveries through the whole pipeline.

    python -m bench.reliability [--n 1000] [--model models/demo-gemma]

Prints inputs tried, outputs per sink, lost (must be 0), duplicated (must be 0), crashes
(must be 0). A redelivery (same payload again) must produce no second output.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.pipeline import run  # noqa: E402
from pipeline.summary import load  # noqa: E402
from tests.hostile import hostile_stream  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--redeliver", type=float, default=0.1,
                        help="fraction of valid chats delivered twice")
    parser.add_argument("--model", default="models/demo-gemma")
    args = parser.parse_args(argv)
    rng = random.Random(7)
    stream = hostile_stream(args.n, seed=7)
    lines = [p.replace(b"\n", b" ").replace(b"\r", b" ") for p, _ in stream]
    valid = {i for i, (_, ok) in enumerate(stream) if ok}
    redelivered = [i for i in sorted(valid) if rng.random() < args.redeliver]
    lines += [lines[i] for i in redelivered]
    rng.shuffle(lines)
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
    ids = [r["chat_id"] for s in ("results", "review") for r in records[s]]
    ids += [r["chat_id"] for r in records["errors"] if r["stage"] != "parse"]
    invalid_outputs = sum(1 for r in records["errors"] if r["stage"] == "parse")
    lost = len(valid - set(ids)) + max(0, (args.n - len(valid)) - invalid_outputs)
    duplicated = len(ids) - len(set(ids))
    figures = {
        "inputs_tried": len(lines), "distinct_inputs": args.n, "redeliveries": len(redelivered),
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
