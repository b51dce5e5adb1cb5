"""`python -m evaluate --run OUT_DIR [--run ...] --feedback FEEDBACK.jsonl --out DIR`"""

from __future__ import annotations

import argparse
import json
import os
import sys

from evaluate.report import build_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluate", description=__doc__)
    parser.add_argument("--run", action="append", required=True,
                        help="a pipeline run's --output_dir (repeatable)")
    parser.add_argument("--feedback", required=True, help="feedback JSONL (the review app's)")
    parser.add_argument("--out", default="out/report")
    args = parser.parse_args(argv)
    figures = build_report(args.run, args.feedback, args.out)
    print(json.dumps(figures, indent=2, default=str))
    print(f"report: {os.path.abspath(os.path.join(args.out, 'index.html'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
